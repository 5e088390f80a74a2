#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make demo": load ixdp.ko, show what it offers, let
# the host side reach the guest, unload. Each step says what it does.
. /selftests/lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"

say() {
	echo
	echo "== $*"
}

say "guest: Linux $(uname -r), $(nproc) CPUs, NIC $IXDP_GUEST_IF at $IXDP_GUEST_IP"
ip addr show dev "$IXDP_GUEST_IF"
ls /sys/class/net/"$IXDP_GUEST_IF"/queues/

say "loading ixdp.ko"
insmod /ixdp/ixdp.ko || { echo "insmod failed"; exit 1; }
dmesg | grep 'ixdp:'
ls -l /dev/ixdp

say "ixctl version / config (over generic netlink)"
ixctl version
ixctl -j -p config show

say "changing the dataplane batch bound to 32, then back"
ixctl config set batch 32 && ixctl config show
ixctl config set batch 64 && ixctl config show

IXIP=198.18.0.3
say "giving $IXDP_GUEST_IF to ixdp with its own address $IXIP (Linux keeps $IXDP_GUEST_IP)"
ixctl port add dev "$IXDP_GUEST_IF" addr "$IXIP/24"
wait_carrier "$IXDP_GUEST_IF"
ixctl core add cpu 0 rxq 0
[ "$(nproc)" -ge 2 ] && ixctl core add cpu 1 rxq 1
ixctl responder set mode echo port 7
ixctl port show
ixctl core show

say "the host (Linux TCP/IP) pings ixdp's address and Linux's, on the same NIC"
host_run ping "$IXIP" 20 0.02 && echo "ping $IXIP (ixdp): all replies"
host_run ping "$IXDP_GUEST_IP" 5 0.1 && echo "ping $IXDP_GUEST_IP (Linux): all replies"

cores=0
[ "$(nproc)" -ge 2 ] && cores=0,1
say "starting echo_ixdp: an echo server on libixdp, one thread per dataplane core ($cores)"
echo_ixdp -p 7000 -c "$cores" -q &
ixpid=$!
echo_epoll "$IXDP_GUEST_IP" 7 "$(nproc)" &
eppid=$!
echo_uring "$IXDP_GUEST_IP" 8 "$(nproc)" &
urpid=$!
i=0
until host_run echo-check "$IXIP" 7000 1 1 1 --timeout 5 --label probe ||
      [ $i -ge 5 ]; do
	sleep 1
	i=$((i + 1))
done

say "the host's Linux TCP checks it: 16 connections x 200 messages of 1 B..64 KB, byte-exact, graceful close"
host_run echo-check "$IXIP" 7000 16 200 1,7,64,512,1460,4096,16384,65536 \
	--timeout 90 --label ixdp-app && echo "echo_ixdp: every byte came back, in order"

say "the same load generator against echo_ixdp (ixdp) and Linux's echo_epoll and echo_uring on this guest"
echo "   (64 B messages, 3 s each; msgs/s and round-trip p50/p99 in microseconds)"
for cfg in "1 1" "32 1" "32 16"; do
	set -- $cfg
	host_run bench-echo "$IXIP" 7000 "$1" "$2" 64 3 "ixdp-app/c$1d$2"
	host_run bench-echo "$IXDP_GUEST_IP" 7 "$1" "$2" 64 3 "epoll/c$1d$2"
	host_run bench-echo "$IXDP_GUEST_IP" 8 "$1" "$2" 64 3 "uring/c$1d$2"
done

say "the in-kernel echo service on port 7 of ixdp's address, for comparison"
host_run tcp-echo "$IXIP" 7 16 524288 && echo "echo: every byte came back"

if [ "$(nproc)" -ge 2 ]; then
	say "live flow-group migration: every group moves between cpu 0 and 1, 10 times, under 16 checked connections"
	host_spawn echo-check "$IXIP" 7 16 1000000 1,64,512,1460 --depth 2 \
		--duration 8 --timeout 60 --label ixdp-moving
	mt=$HOST_TICKET
	sleep 1
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ixctl fg move from 0 cpu 1 > /tmp/demo-move.txt &&
		ixctl fg move from 1 cpu 0 >> /tmp/demo-move.txt || echo "a move failed"
	done
	echo "   the last two moves (ixctl fg move from 0 cpu 1, and back):"
	sed 's/^/   /' /tmp/demo-move.txt
	host_wait "$mt" && echo "echo: every byte came back in order across 20 moves, no reset"
	say "parking cpu 1: its groups move to cpu 0 and its kthread sleeps; then back"
	ixctl core set cpu 1 parked on && ixctl core show
	ixctl core set cpu 1 parked off && ixctl fg balance && ixctl core show
fi

say "per-core counters (ixctl -s core show)"
ixctl -s core show | grep -E 'core|dp_rx_frames|dp_tx_frames|dp_rx_handoff|dp_sleeps|dp_app|dp_apps|dp_rxbuf|tcp_retransmits'

say "stopping the servers; echo_ixdp's context is torn down"
kill "$ixpid" "$eppid" "$urpid"
wait "$ixpid" "$eppid" "$urpid" 2>/dev/null
ixctl -s core show | grep -E 'core|dp_apps|dp_app_conns|dp_rxbuf_free'

say "detaching the port; the NIC is Linux's alone again"
ixctl port del dev "$IXDP_GUEST_IF" && echo "port detached"
host_run ping "$IXDP_GUEST_IP" 3 0.1 && echo "ping $IXDP_GUEST_IP (Linux): all replies"

say "unloading ixdp.ko"
rmmod ixdp && echo "rmmod: clean"
dmesg | grep 'ixdp:' | tail -n 1
if dmesg | grep -qE "$KERNEL_SPLAT"; then
	echo "kernel log: WARNINGS FOUND"
	dmesg | grep -E "$KERNEL_SPLAT"
else
	echo "kernel log: clean"
fi
