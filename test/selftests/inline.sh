#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The inline mode (IXDP_IOC_RUN, Documentation/abi.rst): an application
# thread pinned on a core's CPU runs the core's loop itself.
#  - the call's rules and refusals, a NOP run inside it, its timeout, a
#    signal during a sleeping call, a SCHED_FIFO caller (inline api);
#  - SIGKILL ends a thread sleeping in the call;
#  - two inline contexts on one core take turns running its loop;
#  - the watchdog: an inline echo_ixdp is stopped (SIGSTOP) while a
#    ring-mode echo_ixdp on the same core serves the host; the kthread
#    takes the loop back within run_grace_us (plus what the polling
#    costs), the other context keeps its traffic, and after SIGCONT the
#    inline one gets its loop back;
#  - with two cores, under an inline echo_ixdp's load and the in-kernel
#    echo's: every flow group moves back and forth (the groups holding
#    the application's connections stay, as documented), and a core the
#    application runs on is parked and unparked; no byte is lost.
. /selftests/lib.sh

R=/selftests/rings
I=/selftests/inline
IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)

ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# stat NAME: a counter summed over the cores (ixctl -s leaves out zeros).
stat() {
	ixctl -s core show | awk -v name="$1" '$1 == name { v += $2 }
		END { print v + 0 }'
}

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 && app_user_setup 7600-7799
}

teardown() {
	ixctl responder set mode none >/dev/null 2>&1
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if ! tap_check "echo_ixdp and the inline test are installed" \
	sh -c "command -v echo_ixdp >/dev/null && [ -x $I ]" ||
   ! tap_check "port and core 0 come up" setup; then
	teardown
	tap_finish
	exit
fi

tap_join "$I" api 0

# A fatal signal ends a thread sleeping in the call.
$AS_APP "$I" hold 0 > /tmp/inline-hold.out 2>&1 &
hpid=$!
wait_for /tmp/inline-hold.out holding 10
sleep 0.3
kill -9 "$hpid"
T0=$(ms)
wait "$hpid"
rc=$?
tap_check "SIGKILL ends a thread asleep in RUN (status $rc after $(($(ms) - T0)) ms)" \
	[ "$rc" -eq 137 ]
T0=$(ms)
while [ "$(stat dp_apps)" -ne 0 ] && [ $(($(ms) - T0)) -lt 10000 ]; do
	sleep 0.1
done
tap_check "its context is gone" [ "$(stat dp_apps)" -eq 0 ]

# The watchdog. Two contexts on core 0: an inline echo and a ring one.
$AS_APP echo_ixdp -I -c 0 -p 7600 > /tmp/inline-echo.out 2>&1 &
ipid=$!
IXDP_MODE=ring $AS_APP echo_ixdp -c 0 -p 7601 > /tmp/ring-echo.out 2>&1 &
rpid=$!
$AS_APP echo_ixdp -I -c 0 -p 7602 > /tmp/inline-echo3.out 2>&1 &
i2pid=$!
tap_check "two inline and a ring-mode echo_ixdp attach to core 0" \
	"$R" wait dp_apps 3 10
host_run echo-check "$IXIP" 7602 8 200 1,64,1460 --timeout 60 --label inline2
tap_check "a second inline echo_ixdp on the same core echoes byte-exact" \
	[ $? -eq 0 ]
tap_check "... and exits 0 on SIGTERM" stop_pid "$i2pid"
host_run echo-check "$IXIP" 7600 8 200 1,64,1460 --timeout 60 --label inline
tap_check "the inline echo_ixdp echoes byte-exact" [ $? -eq 0 ]
host_run echo-check "$IXIP" 7601 8 200 1,64,1460 --timeout 60 --label ring
tap_check "the ring-mode one on the same core echoes byte-exact" [ $? -eq 0 ]
tap_check "the inline thread ran the loop (dp_run_loops $(stat dp_run_loops))" \
	[ "$(stat dp_run_loops)" -gt 0 ]

GRACE=$(ixctl -j config show | sed -n 's/.*"run_grace_us":\([0-9]*\).*/\1/p')
tb0=$(stat dp_takebacks)
kill -STOP "$ipid"
T0=$(ms)
while [ "$(stat dp_takebacks)" -le "$tb0" ] && [ $(($(ms) - T0)) -lt 10000 ]; do
	:
done
took=$(($(ms) - T0))
# Each poll is an ixctl run: on a kernel several times slower
# (ixdp_slow=N, the debug kernel) the bound is N times longer.
BOUND=$((1000 * ${ixdp_slow:-1}))
took_back() {
	[ "$(stat dp_takebacks)" -gt "$tb0" ] && [ "$took" -lt "$BOUND" ]
}
tap_check "SIGSTOP: the kthread takes the loop back in $took ms (run_grace_us ${GRACE:-?}; bound $BOUND ms with ixctl's polling)" \
	took_back
host_run echo-check "$IXIP" 7601 8 200 1,64,1460 --timeout 60 --label ring-stopped
tap_check "the other context keeps its traffic while the inline one is stopped" \
	[ $? -eq 0 ]
rc0=$(stat dp_run_calls)
kill -CONT "$ipid"
host_run echo-check "$IXIP" 7600 8 200 1,64,1460 --timeout 60 --label inline-cont
tap_check "after SIGCONT the inline echo_ixdp echoes byte-exact again" [ $? -eq 0 ]
tap_check "... running the loop itself again (dp_run_calls $rc0 -> $(stat dp_run_calls))" \
	[ "$(stat dp_run_calls)" -gt "$rc0" ]
stop_pid "$ipid"
irc=$?
stop_pid "$rpid"
rrc=$?
tap_check "both exit 0 on SIGTERM (inline $irc, ring $rrc)" \
	[ "$((irc + rrc))" -eq 0 ]
grep -q '(inline)' /tmp/inline-echo.out
tap_check "echo_ixdp -I reports that it ran inline" [ $? -eq 0 ]
grep -q '(ring)' /tmp/ring-echo.out
tap_check "IXDP_MODE=ring keeps echo_ixdp in ring mode" [ $? -eq 0 ]

if [ "$(nproc)" -lt 2 ]; then
	tap_diag "one CPU: no moves or parking to try"
	teardown
	tap_finish
	exit
fi

# Moves and parking under an inline application's load.
ixctl core add cpu 1 rxq $((1 % NRXQ)) && ixctl responder set mode echo port 7
$AS_APP echo_ixdp -I -c 0,1 -p 7700 > /tmp/inline-echo2.out 2>&1 &
ipid=$!
tap_check "echo_ixdp -I attaches to cores 0 and 1" "$R" wait dp_apps 2 10
host_spawn echo-check "$IXIP" 7700 16 1000000 1,7,64,512,1460 --depth 2 \
	--duration 15 --timeout 90 --label inline-moves
t1=$HOST_TICKET
host_spawn echo-check "$IXIP" 7 16 1000000 1,7,64,512,1460 --depth 2 \
	--duration 15 --timeout 90 --label kern-moves
t2=$HOST_TICKET
sleep 2
# on CPU: the flow groups cpu CPU owns.
on() {
	ixctl fg show | grep -c " cpu $1 "
}
moved=0
bad=0
i=0
while [ $i -lt 10 ]; do
	for from in 0 1; do
		to=$((1 - from))
		n0=$(on "$from")
		ixctl fg move from "$from" cpu "$to" > /tmp/inline-move.txt 2>&1
		rc=$?
		moved=$((moved + n0 - $(on "$from")))
		if [ "$rc" -ne 0 ] &&
		   ! grep -q 'an application holds' /tmp/inline-move.txt; then
			bad=$((bad + 1))
			sed 's/^/# /' /tmp/inline-move.txt | head -n 3
		fi
	done
	i=$((i + 1))
done
tap_diag "20 moves under load moved $moved flow groups"
moves_ok() {
	[ "$bad" -eq 0 ] && [ "$moved" -gt 0 ]
}
tap_check "every move under the inline load moved groups or left the application's, and no other refusal" \
	moves_ok
out=$(ixctl core set cpu 1 parked on 2>&1)
prc=$?
echo "$out" | sed 's/^/# /'
tap_check "parking a core the inline application runs on works or is refused clearly (rc $prc)" \
	sh -c "[ $prc -eq 0 ] || echo '$out' | grep -q 'application\|busy'"
ixctl core set cpu 1 parked off > /dev/null 2>&1
tap_check "and the core is active again" \
	sh -c "ixctl -j core show | tr '{' '\n' | grep '\"cpu\":1,' | grep -q '\"state\":\"active\"'"
host_wait "$t1"
tap_check "the inline echo_ixdp echoed byte-exact through the moves" [ $? -eq 0 ]
host_wait "$t2"
tap_check "the in-kernel echo echoed byte-exact through the moves" [ $? -eq 0 ]
tap_check "echo_ixdp -I exits 0 on SIGTERM" stop_pid "$ipid"
sed 's/^/# echo_ixdp: /' /tmp/inline-echo2.out | tail -n 3
ixctl -s core show | grep -E '^core|dp_run|dp_takeback|dp_loops|dp_sleeps' |
	sed 's/^/# /'

tap_join "$R" idle "after the inline stage" 10
teardown
tap_finish
