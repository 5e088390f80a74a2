#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the benchmark guests (bench_app.sh, bench_kv.sh, bench_xdp.sh,
# profile_app.sh): ixdp brought up for a load (bench_ixdp_up), the
# guest's counters around one load, for "per message" figures in the
# report (test/bench/ratios-app.awk divides by the run's "total").

# The cumulative counters worth a "per message": the guest's context
# switches and interrupts (/proc/stat), and the dataplane's loop,
# sleep, wakeup and ring counters summed over ixdp's cores. Any counter
# named *run*, *doorbell* or *kick* is taken too, so that ones added
# later show up without a change here; one a kernel lacks is left out.
BENCH_WANT='^(ctxt|intr)$|^dp_(loops|sleeps|busy_polls|batches|rx_frames|tx_frames|app_events|app_cmds)$|^dp_.*(run|doorbell|kick)'

# bench_snap FILE: "name value" lines, one per counter.
bench_snap() {
	{
		awk '$1 == "ctxt" || $1 == "intr" { print $1, $2 }' /proc/stat
		if [ -e /sys/module/ixdp ]; then
			ixctl -j core show 2>/dev/null |
				grep -oE '"dp_[a-z0-9_]+": ?[0-9]+' | tr '":' '  ' |
				awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }'
		fi
	} > "$1"
}

# bench_counters LABEL BEFORE AFTER: one line "COUNTERS LABEL name=delta ...".
bench_counters() {
	awk -v label="$1" -v want="$BENCH_WANT" '
		FNR == NR { b[$1] = $2; next }
		$1 ~ want { line = line " " $1 "=" ($2 - ($1 in b ? b[$1] : 0)) }
		END { print "COUNTERS " label line }' "$2" "$3"
}

# bench_load LABEL HOSTARGS...: host_run bench-echo HOSTARGS... with the
# counters taken around it; a failed run is said so.
bench_load() {
	_label=$1
	shift
	bench_snap /tmp/bench.before
	host_run bench-echo "$@" || echo "bench: $_label failed"
	bench_snap /tmp/bench.after
	bench_counters "$_label" /tmp/bench.before /tmp/bench.after
}

# bench_ixdp_up WHO: load ixdp, give it $IXIP on the guest's NIC, a core on
# CPU 0 (and CPU 1 when there is one: $cores says which) and the echo
# responder on port 7. Fails, saying so, if the module does not load.
bench_ixdp_up() {
	insmod /ixdp/ixdp.ko || { echo "$1: insmod failed"; return 1; }
	ixctl port add dev "$IXDP_GUEST_IF" addr "$IXIP/24"
	wait_carrier "$IXDP_GUEST_IF"
	ixctl core add cpu 0 rxq 0
	cores=0
	if [ "$(nproc)" -ge 2 ]; then
		ixctl core add cpu 1 rxq 1
		cores=0,1
	fi
	ixctl responder set mode echo port 7
}
