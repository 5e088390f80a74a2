#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make bench-scale": echo throughput and round trips
# against the number of connections, the same load spread over more and
# more of them (issue 14's figure, IX's connection scalability). Two
# servers on one guest with two CPUs, loaded in turn by the host's
# connscale (test/host/conn-scale.sh): for each count N (ixdp_counts,
# default 32,1000,10000,100000) it opens N connections, keeps 32 messages
# of 64 B in flight over all of them (one at most per connection, taken
# in turn) for 1 + ixdp_secs seconds, reports the last ixdp_secs seconds
# (a LOAD line), then closes them:
#   ixdp   examples/echo.c on both cores (198.18.0.3:9, inline mode)
#   epoll  echo_epoll on the guest's Linux (198.18.0.2:7)
# ixdp_reps repetitions, the targets' order alternating. Nothing here is
# asserted; test/bench/ratios-scale.awk makes the table.
. /selftests/lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
IXIP=198.18.0.3
REPS=${ixdp_reps:-3}
SECS=${ixdp_secs:-3}
COUNTS=$(echo "${ixdp_counts:-32,1000,10000,100000}" | tr ',' ' ')
max=0
for n in $COUNTS; do [ "$n" -gt "$max" ] && max=$n; done
HOST_WAIT_S=$((300 + max / 100))
export HOST_WAIT_S

# Slots for half of the connections on a core, whatever RSS does.
slots=$((2 * max + 2048))
[ "$slots" -lt 65536 ] && slots=65536
insmod /ixdp/ixdp.ko max_conns=$slots || { echo "bench-scale: insmod failed"; exit 1; }
ixctl port add dev "$IXDP_GUEST_IF" addr "$IXIP/24"
wait_carrier "$IXDP_GUEST_IF"
ixctl core add cpu 0 rxq 0
ixctl core add cpu 1 rxq 1
ulimit -n $((max + 1024))
sysctl -qw net.core.somaxconn=65535 2>/dev/null
echo_epoll "$IXDP_GUEST_IP" 7 "$(nproc)" &
epid=$!
echo_ixdp -p 9 -c 0,1 -C "$max" -r 16 -q &
ipid=$!
sleep 2
echo "bench-scale: counts $COUNTS, $REPS repetitions of $SECS s, 32 messages of 64 B in flight"

run() {
	case $1 in
	ixdp) addr=$IXIP port=9 ;;
	epoll) addr=$IXDP_GUEST_IP port=7 ;;
	esac
	host_run conn-scale "$addr" "$port" "$2" --rounds 0 --window 32 \
		--duration "$SECS" --timeout $((HOST_WAIT_S - 20)) \
		--label "scale/$1/$2/rep$3" ||
		echo "bench-scale: $1 at $2 connections failed (rep $3)"
}

rep=1
while [ "$rep" -le "$REPS" ]; do
	for n in $COUNTS; do
		if [ $((rep % 2)) = 1 ]; then
			run ixdp "$n" "$rep"
			run epoll "$n" "$rep"
		else
			run epoll "$n" "$rep"
			run ixdp "$n" "$rep"
		fi
	done
	rep=$((rep + 1))
done
ixctl -s core show | grep -E 'cpu|drop|wait|full' | sed 's/^/bench-scale: /'
stop_pid "$ipid"
kill "$epid"
