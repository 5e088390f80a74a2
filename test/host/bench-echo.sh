#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-echo.sh ADDRESS PORT CONNS DEPTH SIZE SECONDS LABEL: closed-loop
# echo load (test/bench/loadgen.c), one RESULT line.
exec "$(dirname "$0")/../../build/host/loadgen" "$@"
