#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# libixdp-preload.so (Documentation/preload.rst): preload_calls checks the
# semantics of each call it replaces twice, under LD_PRELOAD both times:
# on ixdp's address (the sockets are ixdp's) and on the guest's Linux
# address (the library must leave them to Linux unchanged), against the
# host's preload_peer.py. Ports: 7400-7411 for the first run, 7420-7431
# for the second (the peer's listeners outlive a run). Then the library's configuration errors and its
# strict mode.
. /selftests/lib.sh

IXIP=198.18.0.3
LXIP=198.18.0.2
PEER=198.18.0.1
PORT=7400
CTL=7499
DEV=$IXDP_GUEST_IF
LIB=/ixdp/libixdp-preload.so
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
CORES=0
[ "$(nproc)" -ge 2 ] && CORES=0,1

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$CORES" = 0 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); }
}

teardown() {
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if ! tap_check "the preload library is in the initramfs" [ -f "$LIB" ] ||
   ! tap_check "port and cores $CORES come up" setup; then
	teardown
	tap_finish
	exit
fi

host_spawn preload-peer "$CTL" 280
peer=$HOST_TICKET
host_run wait-listen "$CTL"
tap_check "the host peer listens" [ $? -eq 0 ]

tap_join env LD_PRELOAD="$LIB" IXDP_PRELOAD_ADDR="$IXIP" \
	/selftests/preload_calls ixdp "$IXIP" "$PORT" "$PEER" "$CTL" "$LXIP"
# The second run lists only the first run's ports: its INADDR_ANY
# listener (PORT+24) must then be Linux's.
tap_join env LD_PRELOAD="$LIB" IXDP_PRELOAD_ADDR="$IXIP" PRELOAD_QUIT=1 \
	IXDP_PRELOAD_PORTS=$PORT,$((PORT + 1)),$((PORT + 4)) \
	/selftests/preload_calls linux "$LXIP" $((PORT + 20)) "$PEER" "$CTL"
host_wait "$peer"
tap_check "the host peer saw both runs end" [ $? -eq 0 ]
tap_join /selftests/rings idle "after the preload runs" 10

# A bad variable is reported and changes nothing: sockets stay Linux's.
# (A dynamic program: busybox's applets are static, LD_PRELOAD skips them.)
said() {
	env LD_PRELOAD="$LIB" "$@" /selftests/preload_calls 2>&1 |
		grep -q "is not valid: every socket stays Linux's"
}
tap_check "IXDP_PRELOAD_ADDR not an address is reported" \
	said IXDP_PRELOAD_ADDR=not-an-address
tap_check "IXDP_PRELOAD_PORTS with a bad entry is reported" \
	said IXDP_PRELOAD_ADDR="$IXIP" IXDP_PRELOAD_PORTS=80,x
tap_check "IXDP_PRELOAD_CPUS out of range is reported" \
	said IXDP_PRELOAD_ADDR="$IXIP" IXDP_PRELOAD_CPUS=0-99
tap_check "a good configuration is not" \
	sh -c '! env LD_PRELOAD="$0" IXDP_PRELOAD_ADDR="$1" IXDP_PRELOAD_PORTS=80,443 \
		IXDP_PRELOAD_CPUS=0-1 /selftests/preload_calls 2>&1 |
		grep -q "not valid"' "$LIB" "$IXIP"
# Strict mode: the first unsupported call aborts (UDP on ixdp's address).
env LD_PRELOAD="$LIB" IXDP_PRELOAD_ADDR="$IXIP" IXDP_PRELOAD_STRICT=1 \
	/selftests/preload_strict "$IXIP" > /tmp/preload_strict.out 2>&1
rc=$?
sed 's/^/# /' /tmp/preload_strict.out | tail -n 5
tap_check "IXDP_PRELOAD_STRICT=1: an unsupported call aborts (status $rc)" \
	[ "$rc" -eq 134 ]
tap_check "with a one-line message" \
	grep -q 'not supported on ixdp sockets' /tmp/preload_strict.out

teardown
tap_finish
