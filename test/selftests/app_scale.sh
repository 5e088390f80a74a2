#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Connections at scale on an application: echo_ixdp on both cores, and the
# host's connscale (test/host/conn-scale.sh) opening N concurrent
# connections from several source addresses, echoing a message on each in
# every round, byte-exact, then closing half of them and then the rest,
# gracefully, with no reset. The memory the connections hold is read at
# each step from the module's gauges (control blocks, RX arena chunks),
# the ixdp_tcb slab cache and the kernel's unreclaimable slab; once all
# are closed it must be back at the idle level. Then a burst of 2,000
# connects at once must complete every one.
#
# N is ixdp_scale=N on the kernel command line (default 10,000 divided by
# ixdp_slow; make qemu-scale runs 100,000 with more guest memory).
. /selftests/lib.sh

R=/selftests/rings
IXIP=198.18.0.3
PORT=7100
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
SLOW=${ixdp_slow:-1}
# A kernel several times slower (ixdp_slow=N: the debug kernel) gets N
# times fewer connections by default.
N=${ixdp_scale:-$((10000 / SLOW))}
# The guest's wait for a host command, and connscale's own bound: inside
# the harness's 120 s bound on host commands up to 20,000 connections,
# beyond that it needs run.sh --host-timeout (make qemu-scale).
HOST_WAIT_S=$((120 + N / 100))
export HOST_WAIT_S
CS_TIMEOUT=110
[ "$N" -gt 20000 ] && CS_TIMEOUT=$((HOST_WAIT_S - 10))
# Seconds the host holds its connections idle before the rounds: the
# idle memory is read meanwhile, which a kernel N times slower takes N
# times as long to do (on the debug kernel 4 s were over before it, and
# the rounds' messages held arena chunks).
HOLD=$((4 * SLOW))

# total NAME: the port's and the cores' total of counter NAME.
total() {
	ixctl -j stats show | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$1\": *\([0-9]*\).*/\1/p" | head -n1
}

# The cores' connections now (not a gauge of the last loop step).
conns() {
	ixctl -j stats show | tr ',{}' '\n\n\n' |
		sed -n 's/^ *"connections": *\([0-9]*\).*/\1/p' | head -n1
}

# Empty slabs back to the page allocator, so that two readings compare
# what is in use, not what the allocator keeps for later.
shrink_slabs() {
	for _f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$_f" 2>/dev/null
	done
}

slab_kb() {
	awk '$1 == "SUnreclaim:" { print $2 }' /proc/meminfo
}

# Objects of the ixdp_tcb cache, -1 if the kernel merged it into another.
tcb_objs() {
	awk '$1 == "ixdp_tcb" { print $2; f = 1 } END { if (!f) print -1 }' \
		/proc/slabinfo 2>/dev/null
}

# snap NAME: the memory figures now, in NAME_tcbs, NAME_chunks, NAME_objs,
# NAME_slab, NAME_conns.
snap() {
	eval "$1_conns=\$(conns) $1_tcbs=\$(total dp_tcbs)"
	eval "$1_chunks=\$(total dp_app_rx_chunks) $1_objs=\$(tcb_objs)"
	eval "$1_slab=\$(slab_kb)"
	eval "tap_diag \"$1: connections \$$1_conns, control blocks \$$1_tcbs, ixdp_tcb objects \$$1_objs, arena chunks \$$1_chunks, unreclaimable slab \$$1_slab kB\""
}

# wait_conns OP COUNT SECS: until the cores' connections compare OP COUNT.
wait_conns() {
	_end=$(($(date +%s) + $3))
	_next=0
	while [ "$(date +%s)" -lt "$_end" ]; do
		_c=$(conns)
		[ "${_c:-0}" "$1" "$2" ] && return 0
		if [ "$(date +%s)" -ge "$_next" ]; then
			tap_diag "$(date +%s): $_c connections"
			_next=$(($(date +%s) + 10))
		fi
		sleep 0.2
	done
	tap_diag "dp_conns is ${_c:-unreadable}, not $1 $2 after $3 s"
	return 1
}

setup() {
	# Half of a core's slots go to one context: room for N on each.
	slots=$((2 * N + 2048))
	[ "$slots" -lt 65536 ] && slots=65536
	echo "$slots" > /sys/module/ixdp/parameters/max_conns &&
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	ixctl core add cpu 1 rxq $((1 % NRXQ)) &&
	app_user_setup "$PORT"
}

teardown() {
	ixctl port del dev "$DEV" >/dev/null 2>&1
	echo 65536 > /sys/module/ixdp/parameters/max_conns
}

if [ "$(nproc)" -lt 2 ] ||
   ! tap_check "echo_ixdp is installed" \
	sh -c 'command -v echo_ixdp >/dev/null' ||
   ! tap_check "port and cores 0,1 come up with $((2 * N + 2048)) slots or more each" \
	setup; then
	teardown
	tap_finish
	exit
fi

# As an operator sets a server up for many connections: 16 MiB arenas
# (4,096 chunks a context) and the largest listen backlog, since the host
# opens connections faster than a TCG guest accepts them.
$AS_APP echo_ixdp -p "$PORT" -c 0,1 -C "$N" -r 16 -B 65535 > /tmp/echo_scale.out 2>&1 &
pid=$!
tap_check "echo_ixdp attaches a context to each core" "$R" wait dp_apps 2 10
shrink_slabs
snap idle

T0=$(date +%s)
# 256 connects or messages in flight: a larger burst overflows the tap's
# queue into the TCG guest and waits for retransmissions.
host_spawn conn-scale "$IXIP" "$PORT" "$N" --rounds 3 --hold "$HOLD" --window 256 \
	--timeout "$CS_TIMEOUT" --label "scale/$N"
ticket=$HOST_TICKET
tap_check "the host opens $N connections" wait_conns -ge "$N" "$HOST_WAIT_S"
# The host holds them open and idle for $HOLD s before its rounds.
snap open
per_conn=$(( (open_slab - idle_slab) * 1024 / N ))
tap_diag "$N connections open in $(($(date +%s) - T0)) s; each costs ~$per_conn bytes of unreclaimable slab in the kernel ($((open_objs - idle_objs)) more ixdp_tcb objects) and nothing in the arena ($open_chunks chunks held)"
tap_check "every connection holds one control block, no idle one an arena chunk ($((open_tcbs - idle_tcbs)) blocks, $open_chunks chunks)" \
	[ $((open_tcbs - idle_tcbs)) -ge "$N" -a "$open_chunks" -eq "$idle_chunks" ]
tap_check "half of them close" wait_conns -le $((N - N / 2)) $((60 + N / 500))
snap half
host_wait "$ticket"
rc=$?
ixctl -s core show | grep -E 'cpu|drop|overrun|reset|rx_room|full' | sed 's/^/# /' 
tap_check "all $N served byte-exact in 3 rounds, closed gracefully, no reset (host status $rc)" \
	[ "$rc" -eq 0 ]
tap_check "every connection is gone" wait_conns -eq 0 30
# Control blocks go back at the cores' next poll; the slab allocator keeps
# empty slabs of a cache until it is shrunk, as memory pressure would.
sleep 1
shrink_slabs
snap closed
tap_diag "took $(($(date +%s) - T0)) s in all"
tap_check "control blocks and arena chunks are back at their idle level ($closed_tcbs/$idle_tcbs, $closed_chunks/$idle_chunks)" \
	[ "$closed_tcbs" -eq "$idle_tcbs" -a "$closed_chunks" -eq "$idle_chunks" ]
if [ "$idle_objs" -ge 0 ]; then
	tap_check "the ixdp_tcb cache holds what it held idle ($closed_objs/$idle_objs objects)" \
		[ "$closed_objs" -le "$idle_objs" ]
else
	tap_diag "ixdp_tcb is merged with another slab cache here: not counted"
fi
tap_check "unreclaimable slab within 1% of idle ($closed_slab/$idle_slab kB)" \
	[ $((closed_slab * 100)) -le $((idle_slab * 101)) ]
tap_check "the half-closed step held about half ($half_tcbs of $open_tcbs blocks)" \
	[ $((half_tcbs * 2)) -le $((open_tcbs + 64)) ]

drops0=$(total dp_app_backlog_drops)
host_run conn-scale "$IXIP" "$PORT" 2000 --window 2000 --rounds 1 \
	--timeout $((100 * SLOW)) --label syn-burst
rc=$?
tap_check "a burst of 2,000 connects at once all complete and echo, no reset (host status $rc, backlog drops $(($(total dp_app_backlog_drops) - drops0)))" \
	[ "$rc" -eq 0 ]

tap_check "echo_ixdp is still running" kill -0 "$pid"
tap_check "echo_ixdp exits 0 on SIGTERM within 5 s" stop_pid "$pid"
sed 's/^/# echo_ixdp: /' /tmp/echo_scale.out | tail -n 5
teardown
tap_finish
