#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kv-check.sh ADDRESS PORT [--conns N]: memcached 1.6.18's recorded replies
# (test/kv/golden.txt) against the server at ADDRESS:PORT, byte for byte,
# then one key space over N connections (test/kv/replay.py). One RESULT
# line.
top=$(dirname "$0")/../..
exec python3 "$top/test/kv/replay.py" "$1" "$2" "$top/test/kv/golden.txt" "${@:3}"
