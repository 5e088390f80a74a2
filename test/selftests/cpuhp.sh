#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# CPU hotplug with dataplane cores (kmod/ctl.c, Documentation/layers.rst):
# a CPU that runs a core, parked or not, refuses to go offline and keeps
# its core; once the core is deleted the CPU goes offline and comes back,
# and a core starts on it again.
. /selftests/lib.sh

IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
ONLINE=/sys/devices/system/cpu/cpu1/online

if [ ! -w "$ONLINE" ]; then
	tap_ok "# SKIP CPU 1 cannot be taken offline here"
	tap_finish
	exit
fi

offline() {
	echo 0 > "$ONLINE" 2> /tmp/cpuhp.err
}

refused() {
	if offline; then
		echo 1 > "$ONLINE"
		return 1
	fi
	[ "$(cat "$ONLINE")" = 1 ] && ixctl core show | grep -qw 'cpu 1'
}

tap_check "port and cores on CPUs 0 and 1" sh -c "
	ixctl port add dev $DEV addr $IXIP/24 &&
	ixctl core add cpu 0 rxq 0 && ixctl core add cpu 1 rxq $((1 % NRXQ))"
dmesg -c > /dev/null
tap_check "offlining CPU 1 under a core is refused, the core stays" refused
tap_diag "$(cat /tmp/cpuhp.err)"
tap_check "the kernel log says which core to delete" \
	sh -c "dmesg | grep -q 'CPU 1 runs a dataplane core'"
tap_check "a parked core holds its CPU too" sh -c "
	ixctl core set cpu 1 parked on && ! echo 0 > $ONLINE 2>/dev/null &&
	ixctl core set cpu 1 parked off"
tap_check "core del cpu 1" ixctl core del cpu 1
tap_check "CPU 1 goes offline without a core" offline
tap_check "adding a core on the offline CPU is refused" \
	sh -c "! ixctl core add cpu 1 rxq $((1 % NRXQ)) 2>/dev/null"
tap_check "CPU 1 comes back online" sh -c "echo 1 > $ONLINE"
tap_check "a core starts on CPU 1 again" ixctl core add cpu 1 rxq $((1 % NRXQ))
tap_check "port del" ixctl port del dev "$DEV"
tap_finish
