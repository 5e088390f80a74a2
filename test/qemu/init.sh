#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the ixdp test guest. It mounts the usual filesystems, loads the
# NIC drivers, configures the guest's own Linux address, runs the job the
# harness asked for (ixdp_mode=test|demo|bench|bench-app|bench-scale|bench-kv|bench-preload|bench-policy|bench-xdp|profile-app on
# the kernel command line) and powers off. The harness on the host reads:
#   - the serial console (ttyS0): progress and kernel messages;
#   - the virtio port "ixdp.results": TAP output of the selftests;
#   - the virtio port "ixdp.ctl": requests to run host-side commands.

/bin/busybox --install -s /bin
export PATH=/usr/bin:/bin:/sbin:/selftests

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# ixdp's tracepoints, for trace-cmd (test/selftests/trace.sh).
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts

echo "ixdp-guest: kernel $(uname -r), $(nproc) cpus"

if [ -f /modules/order ]; then
	while read -r m; do
		insmod "/modules/$m" || echo "ixdp-guest: insmod $m failed"
	done < /modules/order
fi

# The virtio-serial ports, found by name.
for p in /sys/class/virtio-ports/*; do
	[ -e "$p/name" ] || continue
	case $(cat "$p/name") in
	ixdp.results) export IXDP_RESULTS=/dev/${p##*/} ;;
	ixdp.ctl) export IXDP_CTL=/dev/${p##*/} ;;
	esac
done

# The guest's own Linux address on the first NIC. ixdp later takes
# other addresses on the same NIC; this one must keep working.
ip link set lo up
export IXDP_GUEST_IF=eth0
export IXDP_GUEST_IP=198.18.0.2
export IXDP_HOST_IP=198.18.0.1
if ip link set "$IXDP_GUEST_IF" up 2>/dev/null; then
	ip addr add "$IXDP_GUEST_IP/24" dev "$IXDP_GUEST_IF"
else
	echo "ixdp-guest: no $IXDP_GUEST_IF"
fi

case ${ixdp_mode:-test} in
test)	/selftests/run.sh ;;
demo)	/selftests/demo.sh ;;
bench)	/selftests/bench.sh ;;
bench-app) /selftests/bench_app.sh ;;
bench-scale) /selftests/bench_scale.sh ;;
bench-kv) /selftests/bench_kv.sh ;;
bench-preload) /selftests/bench_preload.sh ;;
bench-policy) /selftests/bench_policy.sh ;;
bench-xdp) /selftests/bench_xdp.sh ;;
profile-app) /selftests/profile_app.sh ;;
shell)	setsid cttyhack sh ;;
*)	echo "ixdp-guest: unknown ixdp_mode=$ixdp_mode" ;;
esac

echo "ixdp-guest: done"
sync
poweroff -f
