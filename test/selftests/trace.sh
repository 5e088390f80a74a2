#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ixdp's tracepoints (kmod/trace.h, Documentation/tracing.rst) through
# trace-cmd, as an operator would use them: every ixdp event is enabled
# while echo_ixdp serves 8 connections of the host's echocheck and then,
# with the application gone, while the built-in echo serves 8 more and
# every flow group moves from cpu 0 to cpu 1 and back. The report must
# show each event with the values this run implies: the frames on the
# guest's NIC, loop steps of both runners, the connections' handshakes
# and closes, echo_ixdp's two contexts attached and torn down, and each
# step of both moves.
. /selftests/lib.sh

R=/selftests/rings
IXIP=198.18.0.3
APP_PORT=7000
RESP_PORT=7100
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
TRACEFS=/sys/kernel/tracing
DAT=/tmp/ixdp-trace.dat
TXT=/tmp/ixdp-trace.txt
EVENTS="ixdp_rx_frame ixdp_loop_step ixdp_conn_state ixdp_fg_move ixdp_app_attach ixdp_app_detach"
CONNS=8

if [ "$(nproc)" -lt 2 ]; then
	tap_skip "the ixdp events under traffic and moves" "one CPU: no flow group can move"
	tap_finish
	exit
fi

# The trace file system, where trace-cmd looks for it first.
tracefs_up() {
	[ -d "$TRACEFS/events" ] ||
		mount -t tracefs tracefs "$TRACEFS" 2>/dev/null
	[ -d "$TRACEFS/events" ]
}

all_events() {
	for e in $EVENTS; do
		[ -f "$TRACEFS/events/ixdp/$e/format" ] || return 1
	done
}

if ! tap_check "trace-cmd is installed" \
	sh -c 'command -v trace-cmd >/dev/null' ||
   ! tap_check "tracefs is mounted at $TRACEFS" tracefs_up ||
   ! tap_check "the module has the events $EVENTS" all_events; then
	tap_finish
	exit
fi

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 && ixctl core add cpu 1 rxq $((1 % NRXQ)) &&
	app_user_setup "$APP_PORT"
}

teardown() {
	trace-cmd reset >/dev/null 2>&1
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if ! tap_check "port and cores 0 and 1 come up" setup; then
	teardown
	tap_finish
	exit
fi
nfg=$(ixctl -j port show | sed -n 's/.*"flow_groups":\([0-9]*\).*/\1/p')
ifindex=$(cat "/sys/class/net/$DEV/ifindex")

# 8 MiB a CPU: this run's events fit, none is overwritten.
trace_start() {
	trace-cmd start -b 8192 -e ixdp > /tmp/trace-start.out 2>&1
}
trace_start
rc=$?
tap_check "trace-cmd start -b 8192 -e ixdp" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/# /' /tmp/trace-start.out | tail -n 5

# An application: attach, connections, inline loop steps, detach.
$AS_APP echo_ixdp -p "$APP_PORT" -c 0,1 > /tmp/echo_ixdp.out 2>&1 &
pid=$!
tap_check "echo_ixdp (pid $pid) attaches a context to cores 0 and 1" \
	"$R" wait dp_apps 2 10
host_run echo-check "$IXIP" "$APP_PORT" "$CONNS" 50 1,64,512,1460 \
	--timeout 60 --label trace-app
tap_check "$CONNS x 50 messages to echo_ixdp echoed byte-exact, closed gracefully" \
	[ $? -eq 0 ]
tap_check "echo_ixdp exits 0 on SIGTERM" stop_pid "$pid"
tap_join $AS_APP "$R" idle "after echo_ixdp stopped" 10

# The built-in echo under load while every group moves there and back.
# core_conns: the connections both cores hold.
core_conns() {
	ixctl -j core show | tr '{' '\n' |
		sed -n 's/.*"connections":\([0-9]*\).*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}
moves() {
	ixctl fg move from 0 cpu 1 && ixctl fg move from 1 cpu 0
} > /tmp/trace-moves.out 2>&1
ixctl responder set mode echo port "$RESP_PORT"
# Paced (a message every 10 ms a connection): the moves need load, not
# tens of thousands of frames to read back. It runs 6 s, and N times as
# long on a kernel N times slower (ixdp_slow=N), where the wait for the
# connections and the moves take seconds each.
host_spawn echo-check "$IXIP" "$RESP_PORT" "$CONNS" 10000000 1,64,512 \
	--gap-ms 10 --duration $((6 * ${ixdp_slow:-1})) --timeout 60 \
	--label trace-move
ticket=$HOST_TICKET
i=0
while [ "$(core_conns)" -lt "$CONNS" ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "under load ($(core_conns) connections), all groups move to cpu 1 and back" \
	moves
sed 's/^/# /' /tmp/trace-moves.out
host_wait "$ticket"
tap_check "echocheck of the built-in echo: byte-exact under the moves" \
	[ $? -eq 0 ]

trace-cmd stop
# Events overwritten in a full buffer would make the counts below wrong.
lost=$(cat "$TRACEFS"/per_cpu/cpu*/stats | awk '$1 == "overrun:" { s += $2 } END { print s + 0 }')
tap_check "no event was overwritten ($lost overruns)" [ "$lost" -eq 0 ]
report() {
	{ trace-cmd extract -o "$DAT" && trace-cmd report -i "$DAT" > "$TXT"; } \
		> /tmp/trace-report.out 2>&1
}
report
rc=$?
tap_check "trace-cmd extract and report" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/# /' /tmp/trace-report.out | tail -n 5
tap_diag "$(wc -c < "$DAT") bytes of trace data"
for e in $EVENTS; do
	tap_diag "$e: $(grep -c " $e: " "$TXT") events"
done
for e in $EVENTS; do
	grep -m 2 " $e: " "$TXT" | sed 's/^ */# /'
done

# The report's events, one file each (/tmp/trace-ev.NAME), their
# key=value fields one event a line: read once, here (the report has
# tens of thousands of lines, and the guest's busybox is slow on them).
for e in $EVENTS; do
	grep " $e: " "$TXT" | sed "s/.* $e: *//" > "/tmp/trace-ev.$e"
done
# ev NAME: the key=value fields of each NAME event, one event a line.
ev() {
	cat "/tmp/trace-ev.$1"
}
# evcount NAME AWK-CONDITION: the NAME events whose fields (as v["key"],
# numbers as numbers) meet the condition.
evcount() {
	awk '
		{ delete v; for (i = 1; i <= NF; i++) {
			k = $i; sub(/=.*/, "", k); x = $i; sub(/^[^=]*=/, "", x)
			if (x ~ /^-?[0-9]+$/) x += 0
			v[k] = x } }
		'"$2"' { n++ }
		END { print n + 0 }' "/tmp/trace-ev.$1"
}

# Frames: each on the guest's NIC, for core 0 or 1, of a plausible
# length, in a flow group of the port or -1 (ARP).
n=$(evcount ixdp_rx_frame 1)
bad=$(evcount ixdp_rx_frame "!(v[\"ifindex\"] == $ifindex && (v[\"core\"] == 0 || v[\"core\"] == 1) && v[\"len\"] >= 42 && v[\"len\"] <= 65535 && v[\"fg\"] >= -1 && v[\"fg\"] < $nfg && v[\"queue\"] >= -1)")
rx_ok() {
	[ "$n" -ge $((CONNS * 50)) ] && [ "$bad" -eq 0 ]
}
tap_check "ixdp_rx_frame: $n frames, on ifindex $ifindex, for core 0 or 1, in a group below $nfg ($bad otherwise)" \
	rx_ok

# Loop steps: inline ones of echo_ixdp that ran its commands and wrote
# its events, and the kthread's with frames of the built-in echo.
inl=$(evcount ixdp_loop_step '$NF == "runner=inline" && v["cmds"] > 0 && v["events"] > 0')
kth=$(evcount ixdp_loop_step '$NF == "runner=kthread" && v["frames"] > 0')
idle=$(evcount ixdp_loop_step 'v["frames"] == 0 && v["cmds"] == 0 && v["events"] == 0')
steps_ok() {
	[ "$inl" -gt 0 ] && [ "$kth" -gt 0 ] && [ "$idle" -eq 0 ]
}
tap_check "ixdp_loop_step: $inl inline steps with commands and events, $kth kthread steps with frames, $idle idle ones" \
	steps_ok
tap_diag "loop steps recorded: $(evcount ixdp_loop_step '$NF == "runner=inline"') inline, $(evcount ixdp_loop_step '$NF == "runner=kthread"') by the kthread"


# Connections: each of the application's and of the echo's is opened by
# the host (198.18.0.1) and closed by it first, so each goes
# CLOSED -> SYN_RCVD -> ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSED.
conn_path() {
	for p in CLOSED:SYN_RCVD SYN_RCVD:ESTABLISHED ESTABLISHED:CLOSE_WAIT \
		 CLOSE_WAIT:LAST_ACK LAST_ACK:CLOSED; do
		c=$(evcount ixdp_conn_state "v[\"lport\"] == $1 && v[\"raddr\"] == \"$IXDP_HOST_IP\" && v[\"oldstate\"] == \"${p%:*}\" && v[\"newstate\"] == \"${p#*:}\"")
		tap_diag "port $1: $c times $p"
		[ "$c" -ge "$CONNS" ] || return 1
	done
}
ev ixdp_conn_state | sed -n 's/.*lport=\([0-9]*\) .*oldstate=\([A-Z_0-9]*\) newstate=\([A-Z_0-9]*\).*/port \1: \2 -> \3/p' |
	sort | uniq -c | sed 's/^ */# /'
tap_check "ixdp_conn_state: $CONNS connections to echo_ixdp, handshake to close" \
	conn_path "$APP_PORT"
tap_check "ixdp_conn_state: $CONNS connections to the built-in echo, handshake to close" \
	conn_path "$RESP_PORT"
# Every close was graceful (echocheck saw no reset), and a connection a
# move carries away is not closed: nothing goes from ESTABLISHED to CLOSED.
abrupt=$(evcount ixdp_conn_state 'v["oldstate"] == "ESTABLISHED" && v["newstate"] == "CLOSED"')
tap_check "ixdp_conn_state: no connection closed abruptly, none by the moves ($abrupt)" \
	[ "$abrupt" -eq 0 ]

# echo_ixdp's contexts: one attach on each core, in its process, and
# one teardown each, when it closed the file or its threads ended.
att=$(evcount ixdp_app_attach "v[\"tgid\"] == $pid && v[\"status\"] == 0 && v[\"slot\"] >= 0 && (v[\"cpu\"] == 0 || v[\"cpu\"] == 1)")
cpus=$(ev ixdp_app_attach | grep "tgid=$pid " | sed -n 's/.* cpu=\([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' ')
attach_ok() {
	[ "$att" -eq 2 ] && [ "$cpus" = "0 1 " ]
}
tap_check "ixdp_app_attach: $att contexts of pid $pid, on cpus $cpus" attach_ok
det=$(evcount ixdp_app_detach "v[\"tgid\"] == $pid && (v[\"reason\"] == \"close\" || v[\"reason\"] == \"exit\")")
detach_ok() {
	[ "$det" -eq 2 ] && [ "$(evcount ixdp_app_detach 1)" -eq 2 ]
}
tap_check "ixdp_app_detach: $det contexts of pid $pid torn down (file closed or thread gone)" \
	detach_ok

# Moves: hold, switch, export and import, each for 0 -> 1 and 1 -> 0;
# the move back takes every group and carries the echo's connections.
move_steps() {
	for d in "0 1" "1 0"; do
		set -- $d
		for s in hold switch export import; do
			c=$(evcount ixdp_fg_move "v[\"src\"] == $1 && v[\"dst\"] == $2 && v[\"step\"] == \"$s\" && v[\"ns\"] > 0")
			[ "$c" -eq 1 ] || { tap_diag "$1 -> $2 $s: $c events"; return 1; }
		done
	done
}
tap_check "ixdp_fg_move: hold, switch, export, import once each way" move_steps
back=$(evcount ixdp_fg_move "v[\"src\"] == 1 && v[\"dst\"] == 0 && v[\"step\"] == \"import\" && v[\"groups\"] == $nfg && v[\"conns\"] >= $CONNS")
tap_check "ixdp_fg_move: the move back imports all $nfg groups with the $CONNS connections" \
	[ "$back" -eq 1 ]
undo=$(evcount ixdp_fg_move 'v["step"] == "undo"')
tap_check "ixdp_fg_move: no undo step in a healthy move" [ "$undo" -eq 0 ]

trace-cmd reset > /dev/null 2>&1
tap_check "trace-cmd reset disables the ixdp events again" \
	[ "$(cat "$TRACEFS/events/ixdp/enable")" = 0 ]

teardown
tap_finish
