#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ixdpd's core policy under an application's load (issue 14): echo_ixdp
# (one ixev thread per core, attached IXDP_ATTACH_MOVABLE) serves the
# host's echocheck while the policy parks an idle core, adds it back when
# the load rises (flow groups move to it with the application's live
# connections) and parks a core again when the load falls, while
# connections that stay open keep sending: their groups leave the parked
# core with them. Every byte is checked, no connection may be reset.
. /selftests/lib.sh

IXIP=198.18.0.3
PORT=7402
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
[ "$NRXQ" -ge 1 ] || NRXQ=1
RXQ1=$((1 % NRXQ))
CONF=/tmp/ixdpd-app.conf
LOG=/tmp/ixdpd-app.log
OUT=/tmp/ixdpd-app-echo.txt
SIZES=1,7,64,128,512,1460
# A slow kernel (ixdp_slow=N, the debug kernel) spends N times the CPU on
# each message: the light load sends N times fewer to stay light.
SLOW=${ixdp_slow:-1}
PID=
APID=

cleanup() {
	[ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if [ "$(nproc)" -lt 2 ]; then
	tap_diag "one CPU: no core to park"
	tap_finish
	exit
fi
feat=$(ixctl -j version | sed -n 's/.*"features":"\(0x[0-9a-f]*\)".*/\1/p')
if [ $((${feat:-0} & 0x20)) -eq 0 ]; then
	tap_skip "ixdpd's policy moves application connections" \
		"the module lacks IXDP_FEAT_MOVE (features ${feat:-unknown})"
	tap_finish
	exit
fi
ixctl port del dev "$DEV" >/dev/null 2>&1

cat > "$CONF" <<EOF
# ixdpd-app selftest
port $DEV $IXIP/24
core 0 rxq 0
core 1 rxq $RXQ1
batch 32
poll_us 50
retry_s 1
policy on
sample_ms 100
add_busy 0.05
remove_busy 0.01
EOF
ixdpd -f -c "$CONF" 2> "$LOG" &
PID=$!
if ! tap_check "ixdpd starts with the policy on" \
	wait_for "$LOG" '^<6>ready' 10; then
	sed 's/^/# ixdpd: /' "$LOG" | head -n 20
	cleanup
	tap_finish
	exit
fi

# state_of CPU: "parked" or "active", from ixctl -j core show.
state_of() {
	ixctl -j core show | tr '{' '\n' | grep "\"cpu\":$1," |
		sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'
}
nparked() {
	ixctl -j core show | grep -o '"state":"parked"' | wc -l
}
app_conns() {
	ixctl app show | awk '$1 == "app" { n += $9 } END { print n + 0 }'
}
# wait_until TENTHS CMD...: CMD succeeds within TENTHS tenths of a second.
wait_until() {
	_n=$1
	shift
	while ! "$@"; do
		[ "$_n" -le 0 ] && return 1
		sleep 0.1
		_n=$((_n - 1))
	done
}
one_parked() {
	[ "$(nparked)" -eq 1 ]
}
none_parked() {
	[ "$(nparked)" -eq 0 ]
}

echo_ixdp -p "$PORT" -c 0,1 > "$OUT" 2>&1 &
APID=$!
two_apps() {
	[ "$(ixctl app show | grep -c '^app ')" -ge 2 ]
}
tap_check "echo_ixdp attaches a context on each core" wait_until 100 two_apps
tap_check "idle: the policy parks one core" wait_until 150 one_parked
PC=$(sed -n 's/.*policy: park core \([0-9]*\) done.*/\1/p' "$LOG" | tail -n 1)
OC=$((1 - ${PC:-0}))
ixctl core show | sed 's/^/# /'

# A light load that stays about 50 s: 2 connections, a message every 2 s
# each (times SLOW), all on core $OC while $PC is parked. Light enough
# that the policy may park a core while it runs (busy <= remove_busy):
# an inline application's core is busy about 2.5 ms a message (it polls
# before it sleeps), so 40 messages a second (8 connections) kept it
# busy 0.05 and the second park came only as the light load ended (the
# check that the light connections were still open then failed on
# timing alone), and 4 a second made 0.01, just at the bound.
NLIGHT=2
NADD0=$(grep -c "policy: add core $PC done" "$LOG")
host_spawn echo-check "$IXIP" "$PORT" $NLIGHT $((25 / SLOW)) "$SIZES" \
	--gap-ms $((2000 * SLOW)) --timeout 110 --label ixdpd-app-light
LIGHT=$HOST_TICKET
light_open() {
	[ "$(app_conns)" -ge $NLIGHT ]
}
tap_check "$NLIGHT light connections are open" wait_until 300 light_open
# check_or_skip TEXT CMD...: a check of timing that a slow kernel may not
# meet (its light load is not idle to the policy): skipped there, said so.
check_or_skip() {
	_t=$1
	shift
	if "$@" || [ "$SLOW" -eq 1 ]; then
		tap_check "$_t" "$@"
	else
		tap_skip "$_t" "a slow kernel (ixdp_slow=$SLOW): the light load is not idle to the policy"
	fi
}
check_or_skip "the light load leaves core ${PC:-?} parked" one_parked

# A heavy one: the policy adds the parked core (if the light load did
# not already), and groups with the application's live connections move
# to it.
host_spawn echo-check "$IXIP" "$PORT" 16 100000 "$SIZES" --depth 2 \
	--duration 8 --timeout 100 --label ixdpd-app-heavy
HEAVY=$HOST_TICKET
added() {
	[ "$(grep -c "policy: add core $PC done" "$LOG")" -gt "$NADD0" ]
}
tap_check "under load the policy adds core ${PC:-?} back" \
	wait_until 200 added
ixctl core show | sed 's/^/# /'
on_pc() {
	[ "$(state_of "$PC")" = active ] &&
	[ "$(ixctl fg show | grep -c " cpu $PC ")" -gt 0 ]
}
tap_check "core ${PC:-?} is active and owns flow groups again" on_pc
host_wait "$HEAVY"
tap_check "16 heavy connections echoed byte-exact across the moves, no reset" \
	[ $? -eq 0 ]

# The heavy load is gone, the light one goes on: a core is parked again
# and its groups leave it with the light connections they hold.
tap_check "once the heavy load is gone the policy parks a core again" \
	wait_until 200 one_parked
ixctl core show | sed 's/^/# /'
check_or_skip "the light connections are still open after the park" light_open
host_wait "$LIGHT"
tap_check "$NLIGHT light connections echoed byte-exact through add and park, no reset" \
	[ $? -eq 0 ]

tap_check "echo_ixdp exits 0 on SIGTERM" stop_pid "$APID"
APID=
sed 's/^/# /' "$OUT"
moved() {
	awk '/^echo_ixdp: cpu/ { for (i = 1; i < NF; i++)
		if ($i == "out") n += $(i + 1) } END { exit !(n > 0) }' "$OUT"
}
tap_check "echo_ixdp's connections moved between its threads" moved
grep 'policy:' "$LOG" | sed 's/^/# ixdpd: /' | head -n 30
tap_check "ixdpd stops on SIGTERM" stop_pid "$PID"
PID=
cleanup
tap_finish
