#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The port's device goes away under a running core (kmod/port.c): the
# driver is unbound, so the device unregisters. The netdev notifier,
# under rtnl, only unhooks the receive handler; a work item stops the
# cores and drops the device, which lets the unregistration finish. The
# device then comes back (bound again, its Linux address restored) and
# takes a port again.
. /selftests/lib.sh

IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
devpath=$(readlink -f /sys/class/net/"$DEV"/device 2>/dev/null)
drv=$(readlink -f "$devpath/driver" 2>/dev/null)
name=${devpath##*/}

if [ -z "$devpath" ] || [ ! -w "$drv/unbind" ]; then
	tap_ok "# SKIP $DEV has no driver to unbind"
	tap_finish
	exit
fi

# The device is back under the same name, up, with its Linux address.
back() {
	_i=0
	while [ ! -e /sys/class/net/"$DEV" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	ip link set "$DEV" up && ip addr add "$IXDP_GUEST_IP/24" dev "$DEV" &&
		wait_carrier "$DEV"
}

gone() {
	_i=0
	while [ -e /sys/class/net/"$DEV" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ ! -e /sys/class/net/"$DEV" ]
}

tap_check "port and a core on $DEV" sh -c "
	ixctl port add dev $DEV addr $IXIP/24 && ixctl core add cpu 0 rxq 0"
dmesg -c > /dev/null
tap_check "unbinding the driver unregisters $DEV" sh -c "
	echo $name > $drv/unbind"
tap_check "... and the unregistration completes (ixdp let go)" gone
tap_check "the kernel log says ixdp released the address" \
	sh -c "dmesg | grep -q 'ixdp released $IXIP'"
tap_check "no core is left" sh -c "! ixctl core show | grep -q cpu"
tap_check "the device comes back" sh -c "echo $name > $drv/bind"
tap_check "... with its Linux address" back
tap_check "it takes a port again" sh -c "
	ixctl port add dev $DEV addr $IXIP/24 && ixctl core add cpu 0 rxq 0 &&
	ixctl port del dev $DEV"
tap_finish
