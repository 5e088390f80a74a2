#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make bench-app"'s second boot: the raw NIC ceiling.
# ixdp is not loaded; test/bench/xdp_refl.c, attached to the same
# virtio-net NIC in native mode with iproute2 (both in /extra), sends
# every UDP datagram for port 7 straight back (XDP_TX). The host's load
# generator in UDP mode runs 1 flow x 1 in flight, 32 x 1 and 32 x 16 of
# 64 bytes, REPS times, with the guest's counters around each run
# (bench_lib.sh). XDP_TX wants a TX queue per CPU beside the stack's:
# the harness boots this guest with 4 queue pairs (run.sh --queues 4).
# Nothing here is asserted.
. /selftests/lib.sh
. /selftests/bench_lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
REPS=${ixdp_reps:-3}
SECS=${ixdp_secs:-3}
PORT=7
IP=/extra/ip
dev=$IXDP_GUEST_IF

if [ ! -x "$IP" ] || [ ! -r /extra/xdp_refl.o ]; then
	echo "bench-xdp: no reflector or iproute2 in this initramfs: xdp left out"
	exit 0
fi
echo "bench-xdp: $(ls -d /sys/class/net/"$dev"/queues/rx-* | wc -l) rx queues on $dev"
if ! "$IP" link set dev "$dev" xdpdrv obj /extra/xdp_refl.o sec xdp; then
	echo "bench-xdp: attaching the reflector failed: xdp left out"
	exit 0
fi
"$IP" -d link show dev "$dev" | grep -E 'xdp|prog' | sed 's/^/bench-xdp: /'
wait_carrier "$dev"

try=1
until host_run bench-echo --udp "$IXDP_GUEST_IP" "$PORT" 1 1 64 1 probe/xdp; do
	if [ $try -ge 5 ]; then
		echo "bench-xdp: the reflector does not answer: xdp left out"
		"$IP" link set dev "$dev" xdp off
		exit 0
	fi
	sleep 1
	try=$((try + 1))
done

rep=1
while [ "$rep" -le "$REPS" ]; do
	for cfg in "1 1" "32 1" "32 16"; do
		set -- $cfg
		bench_load "xdp/c$1d$2/rep$rep" --udp "$IXDP_GUEST_IP" "$PORT" \
			"$1" "$2" 64 "$SECS" "xdp/c$1d$2/rep$rep"
	done
	rep=$((rep + 1))
done

grep -E 'virtio.*(input|output)' /proc/interrupts | sed 's/^/bench-xdp: /'
"$IP" link set dev "$dev" xdp off
exit 0
