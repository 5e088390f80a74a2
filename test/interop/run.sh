#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The portable core against the real Linux TCP stack, on this machine (no
# QEMU): ixhost runs the core on a tap device inside a private network
# namespace; Linux owns the other end of the tap.  tc netem on the tap
# impairs Linux's egress (loss, reordering, duplication, delay); ixhost's
# --tx-impair impairs the core's egress.  Every byte is checked by SHA-256.
#
# Tests: ARP and ICMP echo; Linux client -> core sink (16 MiB); core client
# -> Linux server (16 MiB); Linux server -> core client; a round trip
# through the core's zero-copy echo server; eight echo connections at
# once; the options negotiated (wscale, timestamps, SACK) as Linux sees
# them.  Each transfer also checks the close: FIN both ways, no reset.
#
# Must run as root.  TAP 13 output; exit 0 all passed, 1 failure, 4 skip.
# Every process is started here, bounded in time and ended only by PID;
# the namespace is removed on every exit path.
#
# Kernels without sch_netem (tc: "qdisc kind is unknown") get the same
# impairment from ixhost's own stage on the frames Linux sends
# (--rx-impair, netem's correlation aside); the TAP output says which.
# ixhost also impairs its own egress in every test (--tx-impair).
#
# Environment: IXHOST (binary), IX_BYTES (bulk size, default 16 MiB),
# IX_ECHO_BYTES (default 4 MiB), IX_NETEM (netem arguments),
# IX_RX_IMPAIR / IX_TX_IMPAIR (ixhost stages: loss%,reorder%,dup%,delay_us),
# IX_SEED (ixhost's impairment and pattern seed, default 1),
# IX_PCAP=DIR (tcpdump each test into DIR/NAME.pcap).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
IXHOST=${IXHOST:-$HERE/build/ixhost}
PEER=$HERE/peer.py
NS=ixinterop-$$
TAP=ixtap0
LNX_IP=198.18.1.1
IX_IP=198.18.1.2
IX_MAC=02:00:5e:12:01:02
BYTES=${IX_BYTES:-16777216}
SEED=${IX_SEED:-1}
ECHO_BYTES=${IX_ECHO_BYTES:-4194304}
NETEM=${IX_NETEM:-delay 1ms reorder 25% 50% loss 3% duplicate 1%}
NETEM_RX_EQUIV=${IX_RX_IMPAIR:-3,25,1,1000}
TX_IMPAIR=${IX_TX_IMPAIR:-2,25,1,1000}
RX_IMPAIR=0,0,0,0
IMPAIRED_BY=
WORK=
PIDS=()
TESTNUM=0
FAILED=0

cleanup()
{
	local p

	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n1() { ip netns exec "$NS" "$@"; }

ok()
{
	TESTNUM=$((TESTNUM + 1))
	echo "ok $TESTNUM - $*"
}

not_ok()
{
	TESTNUM=$((TESTNUM + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $TESTNUM - $*"
}

# check COND-EXIT-STATUS DESCRIPTION
check()
{
	if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi
	return "$1"
}

diag() { sed 's/^/# /' "$@"; }

# start LOG CMD...: run CMD in the namespace in the background; sets PID
start()
{
	local log=$1

	shift
	ip netns exec "$NS" "$@" >"$log" 2>&1 &
	PID=$!
	PIDS+=("$PID")
}

# wait_line FILE REGEX SECONDS: readiness polling
wait_line()
{
	local end=$((SECONDS + $3))

	while [ $SECONDS -lt $end ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

forget()
{
	local p keep=()

	for p in "${PIDS[@]}"; do
		[ "$p" != "$1" ] && keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# finish PID SECONDS: wait for PID's exit status; kill it past the limit
finish()
{
	local pid=$1 end=$((SECONDS + $2)) st

	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		st=124
	else
		wait "$pid"
		st=$?
	fi
	forget "$pid"
	return $st
}

# field FILE KEY: value of KEY=... on the first line that has it
field()
{
	grep -oE "(^| )$2=[^ ]+" "$1" | head -n1 | sed "s/^ *$2=//"
}

# linux_mib FILE PREFIX NAME...: sum of counters in the namespace
linux_mib()
{
	local f=$1 p=$2

	shift 2
	# shellcheck disable=SC2016
	n1 awk -v p="$p:" -v names="$*" '$1 == p {
		if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		n = split(names, k, " "); t = 0
		for (j = 1; j <= n; j++) t += $c[k[j]]
		print t }' "$f"
}

# Linux resetting or aborting a connection: RSTs received in ESTABLISHED or
# CLOSE_WAIT, and every TCPAbortOn* reason.
linux_resets()
{
	echo $(($(linux_mib /proc/net/snmp Tcp EstabResets) +
		$(linux_mib /proc/net/netstat TcpExt TCPAbortOnData \
		  TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout \
		  TCPAbortOnLinger TCPAbortFailed)))
}

linux_outrsts() { linux_mib /proc/net/snmp Tcp OutRsts; }

# ixhost summary: every connection saw FIN both ways and died with status
# 0 (a reset or an abort of a live connection gives -errno), nothing
# oversized.  RSTs answering a duplicate that arrives after the close (the
# impairment duplicates and delays the last ACK too) are legitimate and
# are only reported.
ix_clean()
{
	[ "$(field "$1" result)" = ok ] &&
	[ "$(field "$1" bad)" = 0 ] &&
	! grep -q '^conn .*status=[^0]' "$1" &&
	[ "$(field "$1" tx_oversize)" = 0 ]
}

# graceful LABEL IXLOG ST_IX: the close checks and their TAP line
graceful()
{
	local r=$(($(linux_resets) - RESETS0)) o=$(($(linux_outrsts) - OUTRSTS0))

	[ "$3" -eq 0 ] && ix_clean "$2" && [ $r -eq 0 ]
	check $? "$1: graceful close both sides, no connection reset (linux resets/aborts $r; RST segments sent in all, incl. replies to duplicates arriving after close: linux $o, core $(field "$2" rst_sent))" ||
		explain "$2" "$3"
}

# explain IXLOG STATUS: what a failed ixhost left (124: killed at its
# bound; above 128: a signal, a crash), the end of its log.
explain()
{
	echo "# ixhost exit status $2 (seed $SEED); the end of its log:"
	tail -n 25 "$1" | diag
}

mark_counters()
{
	RESETS0=$(linux_resets)
	OUTRSTS0=$(linux_outrsts)
}

ixhost()
{
	start "$1" "$IXHOST" --tap "$TAP" --ip "$IX_IP/24" --mac "$IX_MAC" \
		--rx-impair "$RX_IMPAIR" --tx-impair "$TX_IMPAIR" \
		--seed "$SEED" "${@:2}"
}

setup()
{
	ip netns add "$NS" || return 1
	n1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	n1 sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	n1 ip link set lo up &&
	n1 ip tuntap add dev "$TAP" mode tap &&
	n1 ip addr add "$LNX_IP/24" dev "$TAP" &&
	n1 ip link set "$TAP" up || return 1
	# shellcheck disable=SC2086
	if n1 tc qdisc add dev "$TAP" root netem $NETEM; then
		IMPAIRED_BY="tc netem $NETEM on linux egress"
	elif n1 tc qdisc add dev "$TAP" root netem $NETEM 2>&1 |
	     grep -q 'kind is unknown'; then
		RX_IMPAIR=$NETEM_RX_EQUIV
		IMPAIRED_BY="no sch_netem in this kernel: ixhost --rx-impair $RX_IMPAIR (loss%,reorder%,dup%,delay_us) on linux->core frames"
	else
		return 1
	fi
}

# pcap_start NAME / pcap_stop: optional capture of one test
pcap_start()
{
	PCAP_PID=
	[ -n "${IX_PCAP:-}" ] && command -v tcpdump >/dev/null || return 0
	mkdir -p "$IX_PCAP"
	start "$WORK/$1.tcpdump" tcpdump -s 128 -ni "$TAP" -w "$IX_PCAP/$1.pcap"
	PCAP_PID=$PID
	wait_line "$WORK/$1.tcpdump" 'listening' 5
}

pcap_stop()
{
	[ -n "$PCAP_PID" ] || return 0
	kill "$PCAP_PID" 2>/dev/null
	finish "$PCAP_PID" 5
}

# a) Linux client -> core sink server
test_linux_to_core()
{
	local ixl=$WORK/a-ix.log pyl=$WORK/a-py.log ixpid st_ix st_py
	pcap_start linux_to_core

	ixhost "$ixl" --timeout 70 sink-server 5001
	ixpid=$PID
	if ! wait_line "$ixl" '^ready' 10; then
		not_ok "linux->core: ixhost sink server did not start"
		diag "$ixl"
		return
	fi
	mark_counters
	start "$pyl" python3 "$PEER" --timeout 60 send "$IX_IP" 5001 "$BYTES"
	finish "$PID" 65
	st_py=$?
	finish "$ixpid" 10
	st_ix=$?
	pcap_stop
	diag "$pyl"
	grep -E '^(opts|conn|summary)' "$ixl" | diag
	[ $st_py -eq 0 ] && [ "$(field "$pyl" sent)" = "$BYTES" ] &&
		[ "$(field "$ixl" rx_bytes)" = "$BYTES" ] &&
		[ "$(field "$pyl" sha256)" = "$(field "$ixl" rx_sha256)" ]
	check $? "linux->core: $BYTES bytes, SHA-256 of sent and received equal"
	graceful "linux->core" "$ixl" $st_ix
}

# b) core client -> Linux server
test_core_to_linux()
{
	local ixl=$WORK/b-ix.log pyl=$WORK/b-py.log pypid st_ix st_py
	pcap_start core_to_linux

	start "$pyl" python3 "$PEER" --timeout 60 recv-server "$LNX_IP" 5002
	pypid=$PID
	if ! wait_line "$pyl" '^listening' 10; then
		not_ok "core->linux: python server did not start"
		diag "$pyl"
		return
	fi
	mark_counters
	ixhost "$ixl" --timeout 60 --linger 1000 \
		send-client "$LNX_IP" 5002 "$BYTES"
	finish "$PID" 65
	st_ix=$?
	finish "$pypid" 10
	st_py=$?
	pcap_stop
	diag "$pyl"
	grep -E '^(opts|conn|summary|sent_sha256)' "$ixl" | diag
	[ $st_py -eq 0 ] && [ "$(field "$pyl" received)" = "$BYTES" ] &&
		[ "$(field "$pyl" sha256)" = "$(field "$ixl" sent_sha256)" ]
	check $? "core->linux: $BYTES bytes, SHA-256 of sent and received equal"
	graceful "core->linux" "$ixl" $st_ix
}

# b') Linux server -> core client: Linux closes first this time
test_linux_server_to_core()
{
	local ixl=$WORK/e-ix.log pyl=$WORK/e-py.log pypid st_ix st_py

	pcap_start linux_server_to_core
	start "$pyl" python3 "$PEER" --timeout 50 send-server "$LNX_IP" 5005 \
		"$ECHO_BYTES"
	pypid=$PID
	if ! wait_line "$pyl" '^listening' 10; then
		not_ok "linux->core client: python server did not start"
		diag "$pyl"
		return
	fi
	mark_counters
	ixhost "$ixl" --timeout 50 --linger 1000 recv-client "$LNX_IP" 5005
	finish "$PID" 55
	st_ix=$?
	finish "$pypid" 10
	st_py=$?
	pcap_stop
	diag "$pyl"
	grep -E '^(opts|conn|summary)' "$ixl" | diag
	[ $st_py -eq 0 ] && [ "$(field "$pyl" sent)" = "$ECHO_BYTES" ] &&
		[ "$(field "$ixl" rx_bytes)" = "$ECHO_BYTES" ] &&
		[ "$(field "$pyl" sha256)" = "$(field "$ixl" rx_sha256)" ]
	check $? "linux server->core client: $ECHO_BYTES bytes, SHA-256 equal"
	graceful "linux server->core client" "$ixl" $st_ix
}

# c) echo round trip through the core's zero-copy echo server
test_echo()
{
	local ixl=$WORK/c-ix.log pyl=$WORK/c-py.log ixpid st_ix st_py
	pcap_start echo

	ixhost "$ixl" --timeout 60 echo-server 5003
	ixpid=$PID
	if ! wait_line "$ixl" '^ready' 10; then
		not_ok "echo: ixhost echo server did not start"
		diag "$ixl"
		return
	fi
	mark_counters
	start "$pyl" python3 "$PEER" --timeout 50 echo "$IX_IP" 5003 \
		"$ECHO_BYTES"
	finish "$PID" 55
	st_py=$?
	finish "$ixpid" 10
	st_ix=$?
	pcap_stop
	diag "$pyl"
	grep -E '^(opts|conn|summary)' "$ixl" | diag
	[ $st_py -eq 0 ] && [ "$(field "$pyl" echoed)" = "$ECHO_BYTES" ] &&
		[ "$(field "$ixl" rx_bytes)" = "$ECHO_BYTES" ] &&
		[ "$(field "$ixl" tx_acked)" = "$ECHO_BYTES" ]
	check $? "echo: $ECHO_BYTES bytes round trip byte-exact"
	graceful "echo" "$ixl" $st_ix
}

# c') several connections at once through one core
test_echo_parallel()
{
	local ixl=$WORK/f-ix.log ixpid n=8 each=524288 i pids=() bad=0 st_ix

	pcap_start echo_parallel
	ixhost "$ixl" --timeout 50 --conns $n echo-server 5006
	ixpid=$PID
	if ! wait_line "$ixl" '^ready' 10; then
		not_ok "echo x$n: ixhost echo server did not start"
		return
	fi
	mark_counters
	for i in $(seq $n); do
		start "$WORK/f-py$i.log" python3 "$PEER" --timeout 45 echo \
			"$IX_IP" 5006 $each
		pids+=("$PID")
	done
	for i in $(seq $n); do
		finish "${pids[$((i - 1))]}" 50 &&
			[ "$(field "$WORK/f-py$i.log" echoed)" = $each ] ||
			bad=$((bad + 1))
	done
	finish "$ixpid" 10
	st_ix=$?
	pcap_stop
	grep -E '^(conn|summary)' "$ixl" | diag
	[ $bad -eq 0 ] && [ "$(grep -c '^conn .*status=0 ' "$ixl")" -eq $n ]
	check $? "echo x$n: $n concurrent connections of $each bytes each, byte-exact ($bad failed)"
	graceful "echo x$n" "$ixl" $st_ix
}

# d) the options Linux negotiated with the core, seen by ss -tin and by
# TCP_INFO on the Linux socket.  The ss of iproute2 6.1 on this machine's
# 6.18 kernel prints wscale but never "ts" or "sack", not even for a
# loopback Linux-Linux connection, so those two also pass on tcpi_options,
# the field ss reads them from.
test_options()
{
	local ixl=$WORK/d-ix.log pyl=$WORK/d-py.log ssl=$WORK/d-ss.log
	local ixpid pypid opt st

	pcap_start options
	ixhost "$ixl" --timeout 30 echo-server 5004
	ixpid=$PID
	if ! wait_line "$ixl" '^ready' 10; then
		not_ok "options: ixhost echo server did not start"
		return
	fi
	start "$pyl" python3 "$PEER" --timeout 20 hold "$IX_IP" 5004 \
		"$WORK/release"
	pypid=$PID
	wait_line "$pyl" '^held' 15
	n1 ss -tin state established "( dport = :5004 )" >"$ssl"
	touch "$WORK/release"
	finish "$pypid" 20
	st=$?
	finish "$ixpid" 10
	pcap_stop
	diag "$ssl"
	grep -E '^(opts|summary)' "$ixl" | diag
	diag "$pyl"
	for opt in wscale ts sack; do
		if grep -qE "(^|[[:space:]])$opt([:[:space:]]|$)" "$ssl"; then
			ok "options: linux ss -tin shows $opt negotiated with the core"
		elif [ "$opt" != wscale ] && [ "$(field "$pyl" $opt)" = 1 ]; then
			ok "options: linux TCP_INFO shows $opt negotiated with the core (ss does not print it here)"
		else
			not_ok "options: linux shows $opt negotiated with the core"
		fi
	done
	# the core prints wscale=SND,RCV: SND is Linux's receive shift
	[ "$(field "$pyl" wscale)" = 1 ] &&
		[ "$(field "$ixl" wscale)" = \
		  "$(field "$pyl" rcv_wscale),$(field "$pyl" snd_wscale)" ]
	check $? "options: linux TCP_INFO window scales match the core's"
	grep -q '^opts .*ts=1 sack=1 wscale=[1-9]' "$ixl" && [ $st -eq 0 ]
	check $? "options: the core agrees (ts, sack, wscale) and the connection closed cleanly"
}

# ICMP echo and ARP: Linux pings the core
test_ping()
{
	local ixl=$WORK/p-ix.log ixpid

	ixhost "$ixl" --timeout 15 --linger 0 sink-server 5009
	ixpid=$PID
	wait_line "$ixl" '^ready' 10
	n1 ping -q -c 10 -i 0.05 -W 1 "$IX_IP" >"$WORK/ping.log" 2>&1
	grep -qE ' [1-9][0-9]* (packets )?received' "$WORK/ping.log"
	check $? "arp+icmp: linux pings the core"
	kill "$ixpid" 2>/dev/null
	finish "$ixpid" 5
}

echo "TAP version 13"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (network namespace, tap, tc)"
	exit 4
fi
if [ ! -x "$IXHOST" ] || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP $IXHOST or python3 missing (make -C test/interop all)"
	exit 4
fi
WORK=$(mktemp -d /tmp/ixinterop.XXXXXX)
if ! setup >"$WORK/setup.log" 2>&1; then
	diag "$WORK/setup.log"
	echo "Bail out! namespace/tap/netem setup failed"
	exit 1
fi
ok "setup: netns $NS, tap $TAP; $IMPAIRED_BY; ixhost --tx-impair $TX_IMPAIR on core->linux frames"
t0=$SECONDS
test_ping
test_linux_to_core
test_core_to_linux
test_linux_server_to_core
test_echo
test_echo_parallel
test_options
echo "# $((TESTNUM - FAILED)) passed, $FAILED failed, $((SECONDS - t0)) s"
# The plan comes last, counted: a run that died before here has none.
echo "1..$TESTNUM"
[ $FAILED -eq 0 ]
