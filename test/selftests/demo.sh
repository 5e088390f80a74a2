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

say "the host side of the tap pings the guest while ixdp is loaded"
host_run ping "$IXDP_GUEST_IP" 5 && echo "ping from the host: all replies"

say "unloading ixdp.ko"
rmmod ixdp && echo "rmmod: clean"
dmesg | grep 'ixdp:' | tail -n 1
if dmesg | grep -qE "$KERNEL_SPLAT"; then
	echo "kernel log: WARNINGS FOUND"
	dmesg | grep -E "$KERNEL_SPLAT"
else
	echo "kernel log: clean"
fi
