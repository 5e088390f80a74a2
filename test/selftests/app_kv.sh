#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The key-value server (examples/kv, kv_ixdp) on both cores, unprivileged,
# against memcached 1.6.18's recorded replies from the host
# (test/host/kv-check.sh, test/kv/golden.txt): byte for byte on one
# connection, then one key space seen through 32 connections spread over
# the cores by RSS. Stopped by PID, it must leave no context behind.
. /selftests/lib.sh

R=/selftests/rings
IXIP=198.18.0.3
PORT=11211
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
CORES=0
[ "$(nproc)" -ge 2 ] && CORES=0,1

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$CORES" = 0 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); } &&
	app_user_setup "$PORT"
}

teardown() {
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if ! tap_check "kv_ixdp is installed" sh -c 'command -v kv_ixdp >/dev/null' ||
   ! tap_check "port and cores $CORES come up" setup; then
	teardown
	tap_finish
	exit
fi

$AS_APP kv_ixdp -p "$PORT" -c "$CORES" -m 16 > /tmp/kv_ixdp.out 2>&1 &
pid=$!
ncores=$(echo "$CORES" | tr ',' ' ' | wc -w)
tap_check "kv_ixdp attaches a context to each of its $ncores cores" \
	"$R" wait dp_apps "$ncores" 10
host_run kv-check "$IXIP" "$PORT" --conns 32
tap_check "memcached's replies byte for byte, one key space over 32 connections" \
	[ $? -eq 0 ]
tap_check "kv_ixdp is still running" kill -0 "$pid"
tap_check "kv_ixdp exits 0 on SIGTERM within 5 s" stop_pid "$pid"
sed 's/^/# kv_ixdp: /' /tmp/kv_ixdp.out | tail -n 4
tap_join $AS_APP "$R" idle "after kv_ixdp stopped" 10
teardown
tap_finish
