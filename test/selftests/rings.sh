#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The command and event rings of application contexts,
# with the raw ABI (test/selftests/rings/), against peers on the host
# side of the tap:
#  - a context whose core is removed is dead (IXDP_CQ_DEAD, POLLERR);
#  - every documented refusal, on a live connection the test made with
#    IXDP_OP_CONNECT to a host echo server, which keeps echoing;
#  - after a short SEND, sends not from its first untaken byte are
#    refused, before and after SENT, and the peer gets the stream in order;
#  - 10^5 random commands, then the dataplane is at rest and echoes;
#  - poll() sleeps until an event; a sleeping core runs after WAKE;
#  - a process holding 64 busy connections is killed with SIGKILL: the
#    peer sees resets and every connection and buffer comes back;
#  - a thread that attached and holds connections exits: its contexts
#    die and the connections are torn down.
# The applications run as an ordinary user (lib.sh's AS_APP), except the
# core removal, which is the administrator's.
# The kernel log is checked by the final kernel-log stage.
. /selftests/lib.sh

R=/selftests/rings
IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
NCPU=$(nproc)
T0=$(date +%s)

# rings MODE ARGS...: one mode of rings (test/selftests/rings/) as a
# step of this stage (lib.sh's tap_join), as the user $AS names.
rings() {
	tap_join $AS "$R" "$@"
	tap_diag "rings $1 done at $(($(date +%s) - T0)) s"
}

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$NCPU" -lt 2 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); } &&
	ixctl responder set mode echo port 7 && app_user_setup 7000-7999 &&
	{ ixctl grant add ports 7 user "$APP_UID" rights listen 2>/dev/null ||
	  true; }
}

teardown() {
	ixctl responder set mode none >/dev/null 2>&1
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if ! tap_check "the module speaks this IXDP_ABI_VERSION" "$R" features ||
   ! tap_check "port, two cores and the echo responder come up" setup; then
	teardown
	tap_finish
	exit
fi

# A context whose core goes away (before any connection exists: a core
# can only be removed then).
[ "$NCPU" -ge 2 ] && AS= rings coredel 1 $((1 % NRXQ))
AS=$AS_APP

# Validation, on a connection to the host's echo server.
host_spawn echo-serve 7101 1 90
t=$HOST_TICKET
host_run wait-listen 7101
rings validate 7101 7199
host_wait "$t"
tap_check "the host's echo server saw that connection echoed and closed gracefully" \
	[ $? -eq 0 ]

# Pipelined sends: after a short SEND only the one from its first untaken
# byte is taken, so the stream keeps its order.
host_spawn echo-serve 7103 1 90
t=$HOST_TICKET
host_run wait-listen 7103
stats_snap /tmp/so.before
rings sendorder 7103
host_wait "$t"
tap_check "the host's echo server saw the 3 MiB stream echoed and closed gracefully" \
	[ $? -eq 0 ]
stats_snap /tmp/so.after
tap_diag "ixdp's counters that moved meanwhile: $(stats_moved /tmp/so.before /tmp/so.after)"

# Knocks handed from one context to another of the process on its core;
# the host's two connections end with resets when the contexts close
# (those that meet the other core, where nobody listens, are refused and
# tried again).
host_spawn ring-peer hold "$IXIP" 7600 2 --timeout 60
t=$HOST_TICKET
host_spawn ring-peer hold "$IXIP" 7601 2 --timeout 60
t2=$HOST_TICKET
rings handoff 7600
host_wait "$t"
tap_check "the host saw both handed-over connections reset" [ $? -eq 0 ]
host_wait "$t2"
tap_check "and both connections to the listener of backlog 1" [ $? -eq 0 ]

# Fuzz, with a host peer connecting, sending and resetting meanwhile.
host_spawn ring-peer chaos "$IXIP" 7200 8 --timeout 110
t=$HOST_TICKET
rings fuzz 100000 7200
host_wait "$t"
tap_check "the host's chaos peer got connections through the fuzzer" [ $? -eq 0 ]
# TX buffers of SYNs to the fuzzer's random addresses wait for ARP for
# a few seconds (3-9 s seen), hence the longer bound.
rings idle "after the fuzzer" 20
host_spawn echo-serve 7102 1 90
t=$HOST_TICKET
host_run wait-listen 7102
rings echo 7102 64
host_wait "$t"
tap_check "after the fuzzer an application's echo is byte-exact and graceful" \
	[ $? -eq 0 ]
# The folded ABI: acks in RECV events, received bytes returned in SENDs.
host_spawn echo-serve 7104 1 90
t=$HOST_TICKET
host_run wait-listen 7104
rings echo-folded 7104 64
host_wait "$t"
tap_check "the folded ABI's echo is byte-exact and graceful" [ $? -eq 0 ]
host_run tcp-echo "$IXIP" 7 4 65536
tap_check "after the fuzzer the built-in responder echoes byte-exact" [ $? -eq 0 ]

# poll() and IXDP_IOC_WAKE; the host connects 3 s after it started.
host_spawn ring-peer late "$IXIP" 7300 --delay 3 --timeout 30
t=$HOST_TICKET
rings poll 7300
host_wait "$t"
tap_check "the late host connection was echoed and closed gracefully" [ $? -eq 0 ]

# SIGKILL of a process holding 64 busy connections.
host_spawn ring-peer busy "$IXIP" 7400 64 --timeout 100
t=$HOST_TICKET
# Emptied first: the rings-inline stage runs this again, and the loop
# below must not find the last stage's line before the shell truncates.
: > /tmp/rings-serve.out
$AS_APP "$R" serve 7400 64 > /tmp/rings-serve.out 2>&1 &
spid=$!
i=0
while ! grep -q 'serve: busy' /tmp/rings-serve.out && [ $i -lt 600 ] &&
      kill -0 "$spid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "a child process echoes on 64 connections at once" \
	grep -q 'serve: busy' /tmp/rings-serve.out
tap_check "dp_app_conns counts its 64 connections" "$R" wait dp_app_conns 64 5
sleep 1
kill -9 "$spid"
wait "$spid"
rc=$?
cat /tmp/rings-serve.out
tap_check "it was killed by SIGKILL mid-traffic (status $rc)" [ "$rc" -eq 137 ]
host_wait "$t"
tap_check "the host saw every one of the 64 connections reset after echoing" \
	[ $? -eq 0 ]
rings idle "after kill -9" 10

# A thread attaches, holds connections and exits without closing.
host_spawn ring-peer hold "$IXIP" 7500 9 --timeout 60
t=$HOST_TICKET
rings thread 7500 8
host_wait "$t"
tap_check "the host saw all 9 connections reset (1 rejected, 8 held)" [ $? -eq 0 ]
rings idle "after the thread exit" 10

teardown
tap_diag "rings stage took $(($(date +%s) - T0)) s"
tap_finish
