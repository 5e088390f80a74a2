#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make bench-dp": ixdp's in-kernel echo (198.18.0.3)
# and a Linux epoll echo server (198.18.0.2) on the same guest, both with
# two CPUs, loaded in turn by the same host-side load generator. Each
# configuration runs REPS times, the two targets alternating.
. /selftests/lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
IXIP=198.18.0.3
insmod /ixdp/ixdp.ko || { echo "bench: insmod failed"; exit 1; }
REPS=${ixdp_reps:-3}
SECS=${ixdp_secs:-3}

ixctl port add dev "$IXDP_GUEST_IF" addr "$IXIP/24"
wait_carrier "$IXDP_GUEST_IF"
ixctl core add cpu 0 rxq 0
[ "$(nproc)" -ge 2 ] && ixctl core add cpu 1 rxq 1
ixctl responder set mode echo port 7
echo_epoll "$IXDP_GUEST_IP" 7 "$(nproc)" &
epid=$!
sleep 1

rep=1
while [ $rep -le "$REPS" ]; do
	for cfg in "1 1" "32 1" "32 16"; do
		set -- $cfg
		for target in ixdp linux; do
			addr=$IXIP
			[ $target = linux ] && addr=$IXDP_GUEST_IP
			host_run bench-echo "$addr" 7 "$1" "$2" 64 "$SECS" \
				"$target/c$1d$2/rep$rep" ||
				echo "bench: $target c$1d$2 rep$rep failed"
		done
	done
	rep=$((rep + 1))
done
kill "$epid"
ixctl -s core show | grep -E 'core|dp_rx_frames|dp_busy_polls|dp_sleeps|tcp_retransmits'
