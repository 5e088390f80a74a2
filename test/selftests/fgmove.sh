#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Live flow-group migration (Documentation/migration.rst) under load. The built-in echo
# responder serves 64 connections of the host's echocheck, which checks
# every byte for 20 s, while ixctl moves every flow group from one core
# to the other and back, 50 times (fewer on a slow kernel): no byte may be lost, duplicated or
# reordered and no connection reset. Then, still under load, a core is
# removed and added again (its groups move), parked and unparked; a
# parked core's kthread must use no CPU.
. /selftests/lib.sh

IXIP=198.18.0.3
PORT=7100
DEV=$IXDP_GUEST_IF
# A kernel several times slower (ixdp_slow=N: the debug kernel) moves
# N times fewer times: its moves under load take over ten times as long
# as its idle ones, and the load is bounded below.
ROUNDS=$((50 / ${ixdp_slow:-1}))
LOAD_S=20
MOVES=/tmp/fgmove-moves.json
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
Q1=$((1 % NRXQ))
# Small messages, two in flight per connection: many segments per second
# and so many frames caught in the middle of each move.
SIZES=1,7,64,128,512,1460,64,7,4096,128
rm -f "$MOVES"

if [ "$(nproc)" -lt 2 ]; then
	tap_diag "one CPU: nothing to move between"
	tap_finish
	exit
fi

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 && ixctl core add cpu 1 rxq "$Q1" &&
	ixctl responder set mode echo port "$PORT"
}
if ! tap_check "port, cores 0 and 1 and the echo responder come up" setup; then
	ixctl port del dev "$DEV" >/dev/null 2>&1
	tap_finish
	exit
fi
nfg=$(ixctl -j port show | sed -n 's/.*"flow_groups":\([0-9]*\).*/\1/p')

# core_field CPU KEY: a number from ixctl -j core show for that core.
core_field() {
	ixctl -j core show | tr '{' '\n' | grep "\"cpu\":$1," |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
# stat CPU NAME: one counter of a core (ixctl -s leaves out zeros).
stat() {
	ixctl -s core show | awk -v cpu="$1" -v name="$2" '
		$1 == "core" && $2 == "cpu" { cur = $3 }
		cur == cpu && $1 == name && !seen { v = $2; seen = 1 }
		END { print v + 0 }'
}
conns() {
	echo $(($(core_field 0 connections) + $(core_field 1 connections)))
}

# Idle moves first: all groups to cpu 1, then back to cpu 0.
ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}
M0=$(ms)
ixctl fg move from 0 cpu 1 > /tmp/fgmove-idle.txt 2>&1
M1=$(ms)
idle1=$(ixctl fg show | grep -c ' cpu 1 ')
M2=$(ms)
ixctl fg move from 1 cpu 0 >> /tmp/fgmove-idle.txt 2>&1
IDLE_MS=$((M1 - M0 + $(ms) - M2))
idle0=$(ixctl fg show | grep -c ' cpu 0 ')
# Moves under load take up to twice as long as idle ones (the two fg
# shows are not counted: on this guest they cost more than the moves): a
# slow kernel (KASAN, lockdep) gets a longer load, so that all of them
# run while it lasts.
EST_S=$((IDLE_MS * ROUNDS * 2 / 1000 + 8))
[ "$EST_S" -gt "$LOAD_S" ] && LOAD_S=$EST_S
# The harness bounds a host command to 120 s.
[ "$LOAD_S" -gt 55 ] && LOAD_S=55
tap_diag "two idle moves took $IDLE_MS ms: the load runs $LOAD_S s"
sed 's/^/# /' /tmp/fgmove-idle.txt
idle_moves() {
	[ -n "$nfg" ] && [ "$idle1" = "$nfg" ] && [ "$idle0" = "$nfg" ]
}
tap_check "idle: every group moves to cpu 1 and back to cpu 0 ($idle1, $idle0 of $nfg)" \
	idle_moves

host_spawn echo-check "$IXIP" "$PORT" 64 10000000 "$SIZES" --depth 2 \
	--duration "$LOAD_S" --timeout $((LOAD_S + 60)) --label fgmove
ticket=$HOST_TICKET
# Up to 30 s: on a slow kernel each ixctl call takes a while too.
W0=$(ms)
while [ "$(conns)" -lt 64 ] && [ $(($(ms) - W0)) -lt 30000 ]; do
	sleep 0.1
done
tap_check "the host opened its 64 connections (in $(($(ms) - W0)) ms)" \
	[ "$(conns)" -ge 64 ]

T0=$(date +%s)
fails=0
r=0
while [ $r -lt $ROUNDS ]; do
	ixctl -j fg move from 0 cpu 1 >> "$MOVES" 2>> /tmp/fgmove-err.txt ||
		fails=$((fails + 1))
	echo >> "$MOVES"
	ixctl -j fg move from 1 cpu 0 >> "$MOVES" 2>> /tmp/fgmove-err.txt ||
		fails=$((fails + 1))
	echo >> "$MOVES"
	r=$((r + 1))
done
T1=$(date +%s)
live=$(conns)
tap_diag "$((2 * ROUNDS)) moves of every group took $((T1 - T0)) s; $live connections live after them"
[ -s /tmp/fgmove-err.txt ] && sed 's/^/# /' /tmp/fgmove-err.txt | head -n 5
tap_check "$((2 * ROUNDS)) moves of all $nfg groups between cpu 0 and 1 all succeed" \
	[ "$fails" -eq 0 ]
all_groups() {
	[ "$(grep -c "\"fgs\":$nfg," "$MOVES")" -eq $((2 * ROUNDS)) ]
}
tap_check "each move took every flow group" all_groups
# The per-step timings, over the moves made while connections were live.
awk -F'[:,{}]+' '
	/"conns":/ {
		for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
		if (v["\"conns\""] == 0) next
		n++
		for (k in v) if (k ~ /_ns/) { s[k] += v[k]; if (v[k] > m[k]) m[k] = v[k] }
		c += v["\"conns\""]; h += v["\"held\""]
	}
	END {
		printf "moves with connections: %d, connections moved: %d, frames held: %d\n", n, c, h
		split("hold switch export import total", st, " ")
		for (j = 1; j <= 5; j++) {
			k = "\"" st[j] "_ns\""
			if (n) printf "%-6s mean %8.1f us  max %8.1f us\n", st[j], s[k] / n / 1000, m[k] / 1000
		}
	}' "$MOVES" > /tmp/fgmove-steps.txt
sed 's/^/# /' /tmp/fgmove-steps.txt
moved_conns() {
	n=$(sed -n 's/^moves with connections: \([0-9]*\),.*/\1/p' /tmp/fgmove-steps.txt)
	[ "${n:-0}" -ge $((2 * ROUNDS / 2)) ]
}
tap_check "at least half the moves carried live connections" moved_conns

# Every connection a move exported arrived, counted now: a core that is
# removed below takes its counters with it.
cin=$(( $(stat 0 dp_conns_in) + $(stat 1 dp_conns_in) ))
cout=$(( $(stat 0 dp_conns_out) + $(stat 1 dp_conns_out) ))

# A core removed and added under load: its groups move, nothing resets.
del_add() {
	ixctl core del cpu 1 && [ "$(core_field 0 flow_groups)" = "$nfg" ] &&
	ixctl core add cpu 1 rxq "$Q1" &&
	[ "$(core_field 1 flow_groups)" = $((nfg / 2)) ]
}
tap_check "under load, core del cpu 1 moves its groups to cpu 0 and core add gives half back" \
	del_add

# Failed moves (fault injection, on kernels that have it): the undo step
# takes the groups back to their core, still under load, losing nothing.
drops=$(( $(stat 0 dp_held_drops) + $(stat 1 dp_held_drops) ))
FI=/sys/kernel/debug/ixdp
[ -d "$FI" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
# inject NAME TIMES: the next TIMES tries of NAME fail, quietly.
inject() {
	echo 0 > "$FI/$1/verbose" && echo 1 > "$FI/$1/interval" &&
	echo 100 > "$FI/$1/probability" && echo "$2" > "$FI/$1/times"
}
if [ -d "$FI/fail_move_import" ] && [ -d "$FI/fail_move_export" ]; then
	inject fail_move_import 3
	ixctl fg move from 0 cpu 1 > /tmp/fgmove-fi.txt 2>&1
	irc=$?
	left_import=$(ixctl fg show | grep -c ' cpu 0 ')
	inject fail_move_export 2
	ixctl fg move from 0 cpu 1 >> /tmp/fgmove-fi.txt 2>&1
	erc=$?
	left_export=$(ixctl fg show | grep -c ' cpu 0 ')
	echo 0 > "$FI/fail_move_import/probability"
	echo 0 > "$FI/fail_move_export/probability"
	sed 's/^/# /' /tmp/fgmove-fi.txt
	tap_diag "groups left on cpu 0: $left_import after 3 failed imports, $left_export after 2 failed exports"
	undo_import() {
		[ "$irc" -eq 1 ] && [ "$left_import" -eq 3 ] &&
		grep -q 'the target core cannot take the connections' /tmp/fgmove-fi.txt
	}
	tap_check "3 imports refused under load: those groups go back to cpu 0, the rest move" \
		undo_import
	undo_export() {
		[ "$erc" -eq 1 ] && [ "$left_export" -eq 2 ] &&
		grep -q 'a flow group could not be exported' /tmp/fgmove-fi.txt
	}
	tap_check "2 exports failing under load: those groups stay on cpu 0, the other moves" \
		undo_export
	ixctl fg balance > /dev/null
else
	tap_diag "no fault injection in this kernel: the undo step is not exercised here (make qemu-test-debug does)"
fi

host_wait "$ticket"
rc=$?
tap_check "echocheck: 64 connections byte-exact for ${LOAD_S} s, no reset, graceful close (exit $rc)" \
	[ "$rc" -eq 0 ]
tap_diag "connections exported $cout, imported $cin by the $((2 * ROUNDS)) moves; held frames dropped $drops (before any failed move)"
none_lost() {
	[ "$cin" -eq "$cout" ] && [ "$drops" -eq 0 ]
}
tap_check "every exported connection was imported, no held frame dropped" \
	none_lost

# refused TEXT COMMAND...: COMMAND fails and says TEXT.
refused() {
	_want=$1
	shift
	_out=$("$@" 2>&1) && return 1
	echo "$_out" | sed 's/^/# /'
	echo "$_out" | grep -q "$_want"
}

# Parking: cpu 1's groups go to cpu 0, and its kthread sleeps for good.
tap_check "core set cpu 1 parked on" ixctl core set cpu 1 parked on
parked() {
	ixctl -j core show | tr '{' '\n' | grep '"cpu":1,' |
		grep -q '"state":"parked"' &&
	[ "$(core_field 1 flow_groups)" = 0 ] &&
	[ "$(core_field 0 flow_groups)" = "$nfg" ]
}
tap_check "core show: cpu 1 parked with no group, cpu 0 has all $nfg" parked
kpid=
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = "ixdp/1" ] && kpid=${p#/proc/}
done
# How often it ran: context switches, and its CPU time in ticks.
runs() {
	awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }' \
		"/proc/$kpid/status"
}
ticks() {
	awk '{ print $14 + $15 }' "/proc/$kpid/stat"
}
if [ -n "$kpid" ]; then
	# Let it reach its last sleep after the kick that parked it.
	sleep 0.5
	s0=$(runs)
	t0=$(ticks)
	host_run echo-check "$IXIP" "$PORT" 16 200 "$SIZES" --timeout 60 \
		--label parked
	prc=$?
	sleep 2
	t1=$(ticks)
	s1=$(runs)
	tap_diag "ixdp/1 (pid $kpid): context switches $s0 -> $s1, CPU ticks $t0 -> $t1 over traffic and 2 s"
	tap_check "traffic is served while cpu 1 is parked" [ "$prc" -eq 0 ]
	unused() {
		[ "$s1" -eq "$s0" ] && [ "$t1" -eq "$t0" ]
	}
	tap_check "the parked core's kthread never ran: no CPU used" unused
else
	tap_not_ok "the kthread ixdp/1 exists"
fi
tap_check "the last active core cannot be parked" \
	refused "no active core" ixctl core set cpu 0 parked on
tap_check "core set cpu 1 parked off, fg balance gives it half" \
	sh -c "ixctl core set cpu 1 parked off && ixctl fg balance >/dev/null"
tap_check "balanced: $((nfg / 2)) groups on each core" \
	[ "$(core_field 1 flow_groups)" = $((nfg / 2)) ]

# Groups whose connections an application holds stay where they are when
# its contexts are not movable (IXDP_MOVABLE=0; fgmove_app.sh moves them)
# (EBUSY, explained); the others move, and the application's traffic goes
# on undisturbed.
IXDP_MOVABLE=0 echo_ixdp -p 7300 -c 0,1 -q > /tmp/fgmove-app.txt 2>&1 &
apid=$!
i=0
while [ "$(ixctl app show | grep -c '^app ')" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
# 6 s, and N times as long on a kernel N times slower (ixdp_slow=N),
# where the wait for the connections took longer than that.
host_spawn echo-check "$IXIP" 7300 16 1000000 "$SIZES" --depth 2 \
	--duration $((6 * ${ixdp_slow:-1})) --timeout 60 --label fgmove-app
aticket=$HOST_TICKET
i=0
while [ "$(ixctl app show | awk '{ n += $9 } END { print n + 0 }')" -lt 16 ] &&
      [ $i -lt $((100 * ${ixdp_slow:-1})) ]; do
	sleep 0.1
	i=$((i + 1))
done
held=$(ixctl fg show | grep -c ' cpu 0 ')
ixctl fg move from 0 cpu 1 > /tmp/fgmove-busy.txt 2>&1
brc=$?
sed 's/^/# /' /tmp/fgmove-busy.txt
on0=$(ixctl fg show | grep -c ' cpu 0 ')
tap_diag "after the move: $on0 of cpu 0's $held groups stayed there"
app_busy() {
	[ "$brc" -eq 1 ] &&
	grep -q 'an application holds connections of the flow group' /tmp/fgmove-busy.txt &&
	[ "$on0" -gt 0 ] && [ "$on0" -lt "$held" ]
}
tap_check "fg move under application load: its groups stay (EBUSY, explained), the others move" \
	app_busy
ixctl fg balance > /dev/null 2>&1
host_wait "$aticket"
arc=$?
tap_check "the application's 16 connections echoed byte-exact across the moves (exit $arc)" \
	[ "$arc" -eq 0 ]
tap_check "echo_ixdp exits 0 on SIGTERM" stop_pid "$apid"
ixctl fg balance > /dev/null 2>&1

tap_check "fg move of a group the port does not have: no such flow group" \
	refused "no such flow group" ixctl fg move $((nfg + 1)) cpu 1
tap_check "fg move to a CPU without a core: no dataplane core" \
	refused "no dataplane core on this CPU" ixctl fg move 0 cpu 7
ixctl core set cpu 1 parked on >/dev/null
tap_check "fg move to a parked core: the target core is parked" \
	refused "the target core is parked" ixctl fg move 0 cpu 1
ixctl core set cpu 1 parked off >/dev/null

ixctl port del dev "$DEV" >/dev/null 2>&1
tap_finish
