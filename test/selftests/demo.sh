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

say "the host's Linux TCP echoes 8 MB through ixdp's in-kernel echo service (16 connections)"
host_run tcp-echo "$IXIP" 7 16 524288 && echo "echo: every byte came back"

say "per-core counters (ixctl -s core show)"
ixctl -s core show | grep -E 'core|dp_rx_frames|dp_tx_frames|dp_rx_local|dp_rx_handoff|dp_busy_polls|dp_sleeps|tcp_retransmits'

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
