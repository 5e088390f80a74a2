#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kv-load.sh ADDRESS PORT [kvload options] [--save NAME] [--rate-of NAME FRACTION]:
# memcached text-protocol load (test/bench/kvload.c), one KVLOAD line.
# The guest cannot read what a host command printed, so the offered
# rates of make bench-kv's open-loop sweep are kept here, on the host:
# --save NAME adds the run's rate to NAME's list (the guest's
# calibration runs) and --rate-of NAME F offers F times the highest of
# that list: a server's saturation is the most it was seen to serve (a
# busy host only ever lowers a run's rate). kv-load.sh --reset forgets
# them (the guest does so at its start).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
state=$top/build/kv-bench
args=() save=
while [ $# -gt 0 ]; do
	case $1 in
	--reset) rm -rf "$state"; mkdir -p "$state"; exit 0 ;;
	--save) save=$2; shift ;;
	--rate-of)
		[ -s "$state/$2" ] || { echo "kv-load: no saved rate $2"; exit 1; }
		args+=(--rate "$(sort -n "$state/$2" | awk -v f="$3" '
			{ m = $1 }
			END { printf "%.0f", m * f }')")
		shift 2
		;;
	*) args+=("$1") ;;
	esac
	shift
done
out=$("$top/build/host/kvload" "${args[@]}") && rc=0 || rc=$?
echo "$out"
rate=$(echo "$out" | sed -n 's/^KVLOAD .* rate=\([0-9]*\) .*/\1/p')
if [ -n "$save" ] && [ "${rate:-0}" -gt 0 ]; then
	mkdir -p "$state"
	echo "$rate" >> "$state/$save"
fi
exit "$rc"
