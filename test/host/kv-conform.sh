#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kv-conform.sh REF_ADDR REF_PORT ADDRESS PORT: the requests of
# test/kv/cases.txt (read now) on one connection to each server at once,
# memcached at REF_ADDR:REF_PORT and the server under test at
# ADDRESS:PORT, replies compared byte for byte but for the intended
# differences of test/kv/conform-allow.txt (test/kv/conform.py). Lists
# each difference; one RESULT line.
top=$(dirname "$0")/../..
exec python3 "$top/test/kv/conform.py" "$1" "$2" "$3" "$4" \
	"$top/test/kv/cases.txt" "$top/test/kv/conform-allow.txt"
