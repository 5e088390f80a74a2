#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fuzz-peer.sh PORT [--max S] [--idle S]: a host server for the command
# fuzzer's connects out (test/selftests/fuzz_cmds.c); see fuzz_peer.py.
exec python3 "$(dirname "$0")/fuzz_peer.py" "$@"
