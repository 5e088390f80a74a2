#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Application connections that move with their flow groups (issue 14,
# IXDP_FEAT_MOVE): echo_ixdp (examples/echo.c, one ixev thread per core,
# inline by default, ring mode with IXDP_MODE=ring) serves 64 connections
# of the host's echocheck, which checks every byte, while ixctl moves every
# flow group from cpu 0 to cpu 1 and back, FGMOVE_APP_ROUNDS times (50):
# each connection leaves the thread of its old core and the thread of the
# new core adopts it, live. No byte may be lost, duplicated or reordered,
# no connection reset, and every connection that left a thread arrived in
# the other.
. /selftests/lib.sh

IXIP=198.18.0.3
PORT=7400
DEV=$IXDP_GUEST_IF
# A kernel several times slower (ixdp_slow=N: the debug kernel) moves N
# times fewer times, as fgmove.sh.
ROUNDS=${FGMOVE_APP_ROUNDS:-$((50 / ${ixdp_slow:-1}))}
LOAD_S=20
MOVES=/tmp/fgmove-app-moves.json
OUT=/tmp/fgmove-app-echo.txt
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
Q1=$((1 % NRXQ))
SIZES=1,7,64,128,512,1460,64,7,4096,128
rm -f "$MOVES" /tmp/fgmove-app-err.txt

if [ "$(nproc)" -lt 2 ]; then
	tap_diag "one CPU: nothing to move between"
	tap_finish
	exit
fi
# IXDP_FEAT_MOVE (1 << 5) in the module's features.
feat=$(ixctl -j version | sed -n 's/.*"features":"\(0x[0-9a-f]*\)".*/\1/p')
if [ $((${feat:-0} & 0x20)) -eq 0 ]; then
	tap_skip "application connections move with their flow groups" \
		"the module lacks IXDP_FEAT_MOVE (features ${feat:-unknown})"
	tap_finish
	exit
fi

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 && ixctl core add cpu 1 rxq "$Q1"
}
if ! tap_check "port and cores 0 and 1 come up" setup; then
	ixctl port del dev "$DEV" >/dev/null 2>&1
	tap_finish
	exit
fi
nfg=$(ixctl -j port show | sed -n 's/.*"flow_groups":\([0-9]*\).*/\1/p')

ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}
app_conns() {
	ixctl app show | awk '$1 == "app" { n += $9 } END { print n + 0 }'
}

echo_ixdp -p "$PORT" -c 0,1 > "$OUT" 2>&1 &
apid=$!
i=0
while [ "$(ixctl app show | grep -c '^app ')" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "echo_ixdp attaches a context on each core" \
	[ "$(ixctl app show | grep -c '^app ')" -ge 2 ]

# Idle moves first, to size the load: a slow kernel gets a longer one, so
# that every move runs under it.
M0=$(ms)
ixctl fg move from 0 cpu 1 > /dev/null 2>&1
ixctl fg move from 1 cpu 0 > /dev/null 2>&1
IDLE_MS=$(($(ms) - M0))
EST_S=$((IDLE_MS * ROUNDS * 4 / 2 / 1000 + 5))
[ "$EST_S" -gt "$LOAD_S" ] && LOAD_S=$EST_S
# The harness bounds a host command to 120 s.
[ "$LOAD_S" -gt 55 ] && LOAD_S=55
tap_diag "two idle moves took $IDLE_MS ms: the load runs $LOAD_S s"

host_spawn echo-check "$IXIP" "$PORT" 64 10000000 "$SIZES" --depth 2 \
	--duration "$LOAD_S" --timeout $((LOAD_S + 60)) --label fgmove-app
ticket=$HOST_TICKET
W0=$(ms)
while [ "$(app_conns)" -lt 64 ] && [ $(($(ms) - W0)) -lt 30000 ]; do
	sleep 0.1
done
tap_check "the host opened its 64 connections to echo_ixdp" \
	[ "$(app_conns)" -ge 64 ]

T0=$(date +%s)
fails=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	ixctl -j fg move from 0 cpu 1 >> "$MOVES" 2>> /tmp/fgmove-app-err.txt ||
		fails=$((fails + 1))
	echo >> "$MOVES"
	ixctl -j fg move from 1 cpu 0 >> "$MOVES" 2>> /tmp/fgmove-app-err.txt ||
		fails=$((fails + 1))
	echo >> "$MOVES"
	r=$((r + 1))
done
T1=$(date +%s)
tap_diag "$((2 * ROUNDS)) moves of every group took $((T1 - T0)) s; $(app_conns) application connections live after them"
[ -s /tmp/fgmove-app-err.txt ] && sed 's/^/# /' /tmp/fgmove-app-err.txt | head -n 5
tap_check "$((2 * ROUNDS)) moves of all $nfg groups (with the application's connections) succeed" \
	[ "$fails" -eq 0 ]
all_groups() {
	[ "$(grep -c "\"fgs\":$nfg," "$MOVES")" -eq $((2 * ROUNDS)) ]
}
tap_check "each move took every flow group" all_groups

host_wait "$ticket"
rc=$?
tap_check "echocheck: 64 connections byte-exact for ${LOAD_S} s across the moves, no reset, graceful close (exit $rc)" \
	[ "$rc" -eq 0 ]
tap_check "echo_ixdp exits 0 on SIGTERM" stop_pid "$apid"
sed 's/^/# /' "$OUT"
# sum FIELD: a counter of echo_ixdp's report, over its threads.
sum() {
	awk -v f="$1" '/^echo_ixdp: cpu/ {
		for (i = 1; i < NF; i++) if ($i == f) n += $(i + 1)
	} END { print n + 0 }' "$OUT"
}
out=$(sum out)
nin=$(sum in)
tap_diag "echo_ixdp: connections moved out $out, adopted $nin; errors $(sum errors), resets $(sum resets)"
moved() {
	[ "$out" -ge 64 ] && [ "$nin" -eq "$out" ]
}
tap_check "connections left their thread and were adopted by the other ($out out, $nin in)" \
	moved
clean() {
	[ "$(sum errors)" -eq 0 ] && [ "$(sum resets)" -eq 0 ]
}
tap_check "echo_ixdp saw no error and no reset" clean

# IXDP_MOVABLE=0: the application's groups stay (EBUSY, explained).
IXDP_MOVABLE=0 echo_ixdp -p "$PORT" -c 0,1 -q > /tmp/fgmove-app-fixed.txt 2>&1 &
fpid=$!
i=0
while [ "$(ixctl app show | grep -c '^app ')" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
host_spawn echo-check "$IXIP" "$PORT" 16 1000000 "$SIZES" --depth 2 \
	--duration 4 --timeout 60 --label fgmove-app-fixed
fticket=$HOST_TICKET
i=0
while [ "$(app_conns)" -lt 16 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
held=$(ixctl fg show | grep -c ' cpu 0 ')
ixctl fg move from 0 cpu 1 > /tmp/fgmove-app-busy.txt 2>&1
brc=$?
sed 's/^/# /' /tmp/fgmove-app-busy.txt
on0=$(ixctl fg show | grep -c ' cpu 0 ')
fixed() {
	[ "$brc" -eq 1 ] && [ "$on0" -gt 0 ] && [ "$on0" -le "$held" ]
}
tap_check "IXDP_MOVABLE=0: groups with the application's connections stay ($on0 of $held)" \
	fixed
ixctl fg balance > /dev/null 2>&1
host_wait "$fticket"
frc=$?
tap_check "IXDP_MOVABLE=0: 16 connections echoed byte-exact (exit $frc)" \
	[ "$frc" -eq 0 ]
tap_check "echo_ixdp (IXDP_MOVABLE=0) exits 0 on SIGTERM" stop_pid "$fpid"

ixctl port del dev "$DEV" >/dev/null 2>&1
tap_finish
