#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An application on ixdp's rings: echo_ixdp (examples/echo.c) on both
# cores, running their loops inline (the default) or, with
# IXDP_MODE=ring, in ring mode; checked byte-exact by the host's
# echocheck (test/host/echo-check.sh): 64 concurrent connections,
# graceful close, no reset.
# Stopped by PID afterwards, it must leave no context, connection or
# buffer behind.
. /selftests/lib.sh

R=/selftests/rings
IXIP=198.18.0.3
PORT=7000
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
CORES=0
[ "$(nproc)" -ge 2 ] && CORES=0,1

# Sizes. echocheck cycles message m of connection c through
# SIZES[(c + m) % n] and takes at most 64 sizes, so one list cannot hold
# a 64 KiB message and stay small: with 64 entries the mean would be
# >= 1 KiB, and 64 x 2000 messages would move >= 131 MB each way, far
# beyond TCG's ~15-20 MB/s. Two runs instead:
#  - 64 connections x 2000 messages over 64 sizes from 1 B to 4 KiB,
#    mostly small (14 each of 1, 7, 64 and 128 B; 4 x 512, 2 x 1460,
#    1 x 4096: 11864 B per cycle, mean 185 B): ~24 MB;
#  - 64 connections x 8 messages of 16 KiB and 64 KiB: ~21 MB.
# Together 1 B to 64 KiB, ~45 MB each way.
SMALL=
for s in 1 7 64 128; do
	for _ in $(seq 14); do SMALL="$SMALL,$s"; done
done
SMALL="${SMALL#,},512,512,512,512,1460,1460,4096"
LARGE=16384,65536

# rings MODE ARGS...: a mode of rings whose TAP lines join this stream.
rings() {
	tap_join $AS_APP "$R" "$@"
}

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$CORES" = 0 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); } &&
	app_user_setup "$PORT"
}

teardown() {
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if ! tap_check "echo_ixdp is installed" \
	sh -c 'command -v echo_ixdp >/dev/null' ||
   ! tap_check "port and cores $CORES come up" setup; then
	teardown
	tap_finish
	exit
fi

# Unreclaimable slab, to see whether the traffic leaves memory behind.
slab() {
	awk '$1 == "SUnreclaim:" { print $2 " kB" }' /proc/meminfo
}

# The five largest slab caches (name, kB), if slabinfo is readable.
top_slabs() {
	awk 'NR > 2 { printf "%s %d\n", $1, $3 * $4 / 1024 }' /proc/slabinfo \
		2>/dev/null | sort -k2 -n -r | head -n 5 | tr '\n' ' '
}

tap_diag "unreclaimable slab before: $(slab)"
T0=$(date +%s)
$AS_APP echo_ixdp -p "$PORT" -c "$CORES" > /tmp/echo_ixdp.out 2>&1 &
pid=$!
ncores=$(echo "$CORES" | tr ',' ' ' | wc -w)
tap_check "echo_ixdp attaches a context to each of its $ncores cores" \
	"$R" wait dp_apps "$ncores" 10
host_run ring-peer probe "$IXIP" "$PORT" --timeout 20
tap_check "echo_ixdp accepts connections on port $PORT" [ $? -eq 0 ]

# On a kernel several times slower (ixdp_slow=N on its command line: the
# debug kernel), N times fewer messages keep the run inside the harness's
# bound on host commands, which a busy host otherwise overruns.
MSGS=$((2000 / ${ixdp_slow:-1}))
host_run echo-check "$IXIP" "$PORT" 64 "$MSGS" "$SMALL" --timeout 110 \
	--label app-echo-small
tap_check "64 x $MSGS messages of 1 B to 4 KiB echoed byte-exact, closed gracefully" \
	[ $? -eq 0 ]
tap_diag "unreclaimable slab: $(slab); largest caches (kB): $(top_slabs)"
host_run echo-check "$IXIP" "$PORT" 64 8 "$LARGE" --timeout 110 \
	--label app-echo-large
tap_check "64 x 8 messages of 16 and 64 KiB echoed byte-exact, closed gracefully" \
	[ $? -eq 0 ]
tap_diag "echo runs took $(($(date +%s) - T0)) s; unreclaimable slab: $(slab)"
tap_diag "largest slab caches (kB): $(top_slabs)"
ixctl -s core show | sed 's/^/# /'

tap_check "echo_ixdp is still running" kill -0 "$pid"
tap_check "echo_ixdp exits 0 on SIGTERM within 5 s" stop_pid "$pid"
sed 's/^/# echo_ixdp: /' /tmp/echo_ixdp.out | tail -n 20
# IXDP_MODE=ring (the app-echo-ring stage) or libixdp's default: inline,
# since echo_ixdp pins its threads.
MODE=inline
[ "${IXDP_MODE:-auto}" = ring ] && MODE=ring
tap_check "every thread waited in $MODE mode" \
	[ "$(grep -c "($MODE)" /tmp/echo_ixdp.out)" -eq "$ncores" ]
rings idle "after echo_ixdp stopped" 10
tap_diag "unreclaimable slab after echo_ixdp stopped: $(slab)"

# Accept on one thread, serve on others (echo_ixdp -D 2): on each core a
# listening thread hands every knock to one of two serving threads with
# contexts of their own on that core (IXDP_OP_HANDOFF). Once, in the
# default mode's stage: the ring stage would repeat it word for word.
if [ "${IXDP_MODE:-auto}" != ring ]; then
	$AS_APP echo_ixdp -p "$PORT" -c "$CORES" -D 2 > /tmp/echo_dispatch.out 2>&1 &
	pid=$!
	tap_check "echo_ixdp -D 2 attaches three contexts to each of its $ncores cores" \
		"$R" wait dp_apps $((3 * ncores)) 10
	host_run echo-check "$IXIP" "$PORT" 32 $((200 / ${ixdp_slow:-1})) "$SMALL" \
		--timeout 110 --label app-echo-dispatch
	tap_check "32 connections echoed byte-exact by threads that did not accept them" \
		[ $? -eq 0 ]
	tap_check "the listeners handed all 32 over (dp_app_handoffs)" \
		"$R" wait dp_app_handoffs 32 5
	tap_check "echo_ixdp -D 2 exits 0 on SIGTERM within 5 s" stop_pid "$pid"
	sed 's/^/# echo_ixdp -D 2: /' /tmp/echo_dispatch.out | tail -n 8
	served=$(awk '/, server\)/ { n += $7 } END { print n + 0 }' /tmp/echo_dispatch.out)
	kept=$(awk '/, listener\)/ { n += $7 } END { print n + 0 }' /tmp/echo_dispatch.out)
	tap_check "the serving threads accepted all 32 connections, the listeners none ($served, $kept)" \
		[ "$served" -eq 32 ] && [ "$kept" -eq 0 ]
	rings idle "after echo_ixdp -D 2 stopped" 10
fi

teardown
tap_finish
