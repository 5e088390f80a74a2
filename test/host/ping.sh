#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ping.sh ADDRESS COUNT [INTERVAL]: every echo request answered.
set -eu
out=$(ping -c "$2" -i "${3:-0.2}" -W 2 "$1" || true)
tail -n 2 <<< "$out"
grep -q " $2 received" <<< "$out"
