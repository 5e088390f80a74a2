#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make bench-policy": what IX's dynamic core policy
# (ixdpd, policy on) costs and saves against two always-active cores, on
# the same guest and the same load: a load that steps low -> high -> low
# -> idle, each phase measured by the host's load generator (64 B
# messages, closed loop). Reported per phase: msgs/s and p50/p99 for
# both configurations, and the CPU time the dataplane kthreads used
# (/proc/PID/stat). Linux's epoll echo at the high phase is the
# reference. Nothing here is asserted (test/bench/ratios-policy.awk
# makes the table).
. /selftests/lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
IXIP=198.18.0.3
SECS=${ixdp_secs:-4}
CONF=/tmp/bench-policy.conf
insmod /ixdp/ixdp.ko || { echo "bench: insmod failed"; exit 1; }
if [ "$(nproc)" -lt 2 ]; then
	echo "bench: one CPU, no policy to measure"
	exit 0
fi

cat > "$CONF" <<EOF
port $IXDP_GUEST_IF $IXIP/24
core 0 rxq 0
core 1 rxq 1
batch 64
poll_us 50
responder echo 7
retry_s 1
EOF

# ticks: CPU time (clock ticks) of the dataplane kthreads so far.
ticks() {
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in
		ixdp/*) awk '{ print $14 + $15 }' "$p/stat" ;;
		esac
	done | awk '{ s += $1 } END { print s + 0 }'
}

# phases CONFIG: the stepped load, one RESULT line per phase.
phases() {
	t0=$(ticks)
	host_run bench-echo "$IXIP" 7 1 1 64 "$SECS" "$1/low1"
	host_run bench-echo "$IXIP" 7 32 16 64 "$SECS" "$1/high"
	host_run bench-echo "$IXIP" 7 1 1 64 "$SECS" "$1/low2"
	sleep "$SECS"
	echo "CPU $1 ticks $(($(ticks) - t0)) hz $(getconf CLK_TCK 2>/dev/null || echo 100)"
	ixctl core show | sed "s/^/bench: $1: /"
}

echo_epoll "$IXDP_GUEST_IP" 7 "$(nproc)" &
eppid=$!

# Static: both cores active all along, no daemon.
ixdpd -f -c "$CONF" 2> /tmp/bench-static.log &
dpid=$!
wait_for /tmp/bench-static.log '^<6>ready' 20
kill -TERM "$dpid"
wait "$dpid" 2>/dev/null
host_run echo-check "$IXIP" 7 8 60 1,64,1460 --timeout 30 --label check/ixdp ||
	echo "bench: the echo check failed"
phases static
host_run bench-echo "$IXDP_GUEST_IP" 7 32 16 64 "$SECS" "epoll/high"

# Policy: ixdpd parks what the load does not need. The thresholds fit a
# TCG guest, whose cores are far from IX's hardware.
cat >> "$CONF" <<EOF
policy on
sample_ms 100
add_busy 0.30
remove_busy 0.10
EOF
ixdpd -f -c "$CONF" 2> /tmp/bench-policy.log &
dpid=$!
wait_for /tmp/bench-policy.log 'policy: park core [0-9]* done' 20 ||
	echo "bench: the policy parked no core while idle"
phases policy
grep -E 'policy: (add|drain|park) core [0-9]* done' /tmp/bench-policy.log |
	sed 's/^/bench: ixdpd: /'
kill -TERM "$dpid" "$eppid"
wait "$dpid" "$eppid" 2>/dev/null
exit 0
