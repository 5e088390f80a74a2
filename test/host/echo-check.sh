#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# echo-check.sh ADDRESS PORT CONNS MSGS SIZES [--depth D] [--half-close]
# [--timeout S] [--label L]: byte-exact echo of pseudo-random messages of
# the sizes in the comma list SIZES, graceful close, no reset
# (test/bench/echocheck.c); one RESULT line. Keep --timeout under the
# harness's 120 s bound on host commands to get echocheck's own report.
exec "$(dirname "$0")/../../build/host/echocheck" "$@"
