#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module lifecycle: load (bad parameters refused, good ones taken),
# unload (refused while in use, clean otherwise, everything it registered
# gone, loadable again), and a kernel log free of splats.
. /selftests/lib.sh

KO=/ixdp/ixdp.ko

loaded() {
	grep -q '^ixdp ' /proc/modules
}

param_is() {
	[ "$(cat "/sys/module/ixdp/parameters/$1" 2>/dev/null)" = "$2" ]
}

stage_load() {
	for bad in batch=0 batch=65 batch=abc poll_us=10001 run_grace_us=99 \
	    run_grace_us=1000001 max_conns=63 max_conns=4194305; do
		if insmod "$KO" "$bad" 2>/dev/null; then
			tap_not_ok "insmod with $bad is refused"
			rmmod ixdp
		elif loaded; then
			tap_not_ok "insmod with $bad is refused"
		else
			tap_ok "insmod with $bad is refused"
		fi
	done
	tap_check "insmod ixdp.ko loads the module" insmod "$KO"
	tap_check "the module is listed as live" loaded
	tap_check "load is logged with the version" \
		sh -c "dmesg | grep -q 'ixdp: version .* loaded (abi 1)'"
	tap_check "parameter batch defaults to 64" param_is batch 64
	tap_check "parameter poll_us defaults to 50" param_is poll_us 50
	tap_check "parameter max_conns defaults to 65536" param_is max_conns 65536
	tap_check "max_conns takes 64 to 4194304 in sysfs, nothing else" \
		sh -c "echo 64 > /sys/module/ixdp/parameters/max_conns &&
		       ! echo 63 > /sys/module/ixdp/parameters/max_conns 2>/dev/null &&
		       ! echo x > /sys/module/ixdp/parameters/max_conns 2>/dev/null &&
		       grep -qx 64 /sys/module/ixdp/parameters/max_conns &&
		       echo 65536 > /sys/module/ixdp/parameters/max_conns"
	tap_check "parameters carry descriptions" \
		sh -c "strings $KO | grep -q '^parm=batch:.*(1-64' &&
		       strings $KO | grep -q '^parm=poll_us:.*(0-10000'"
	tap_check "parameters are read-only in sysfs" \
		sh -c "! echo 8 > /sys/module/ixdp/parameters/batch 2>/dev/null"
	tap_finish
}

stage_unload() {
	# The open file pins the module.
	exec 3<>/dev/ixdp
	if rmmod ixdp 2>/dev/null; then
		tap_not_ok "rmmod is refused while /dev/ixdp is open"
		exec 3>&-
		insmod "$KO"
	else
		tap_ok "rmmod is refused while /dev/ixdp is open"
		exec 3>&-
	fi
	tap_check "rmmod succeeds once closed" rmmod ixdp
	tap_check "the module is gone" sh -c "! grep -q '^ixdp ' /proc/modules"
	tap_check "/dev/ixdp is gone" test ! -e /dev/ixdp
	tap_check "the netlink family is gone" /selftests/netlink --absent
	tap_check "ixctl says the module is not loaded" \
		sh -c "ixctl version 2>&1 | grep -q 'module is not loaded'"
	tap_check "reload works" insmod "$KO" batch=8
	tap_check "reload takes its parameters" param_is batch 8
	tap_check "second unload works" rmmod ixdp
	tap_finish
}

stage_kernel_log() {
	# splats.sh leaves out the allocation-failure reports of faults
	# injected on purpose (the fuzz stage), nothing else.
	dmesg | /selftests/splats.sh "$KERNEL_SPLAT" > /tmp/splat
	if [ -s /tmp/splat ]; then
		tap_diag "kernel log:"
		sed 's/^/# /' /tmp/splat | head -n 40
		tap_not_ok "the kernel log has no warning, bug or leak report"
	else
		tap_ok "the kernel log has no warning, bug or leak report"
	fi
	if [ -e /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak
		sleep 1
		echo scan > /sys/kernel/debug/kmemleak
		if grep -q unreferenced /sys/kernel/debug/kmemleak; then
			sed 's/^/# /' /sys/kernel/debug/kmemleak | head -n 40
			tap_not_ok "kmemleak finds no leak"
		else
			tap_ok "kmemleak finds no leak"
		fi
	fi
	tap_finish
}

case $1 in
load) stage_load ;;
unload) stage_unload ;;
kernel-log) stage_kernel_log ;;
*) echo "usage: module.sh load|unload|kernel-log" >&2; exit 2 ;;
esac
