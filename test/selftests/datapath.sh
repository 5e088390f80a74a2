#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel data path: a port on the guest's NIC, two dataplane cores
# and the built-in echo responder, driven by the Linux stack on the host
# side of the tap. ixdp owns 198.18.0.3 on the NIC while Linux keeps
# 198.18.0.2 on the same NIC.
. /selftests/lib.sh

IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* | wc -l)
NCPU=$(nproc)

# stat SCOPE NAME: the sum over every core (SCOPE=core) or the port's.
stat() {
	ixctl -s "$1" show | awk -v n="$2" '$1 == n { s += $2 } END { print s + 0 }'
}

# core_stat CPU NAME
core_stat() {
	ixctl -s core show | awk -v c="$1" -v n="$2" '
		$1 == "core" { cur = $3 }
		cur == c && $1 == n { print $2; found = 1 }
		END { if (!found) print 0 }'
}

# Connections the cores hold now.
conns_total() {
	ixctl core show | awk '{ for (i = 1; i < NF; i++)
		if ($i == "connections") s += $(i + 1) } END { print s + 0 }'
}

# wait_conns N: up to 20 s for the cores to hold at least N connections.
wait_conns() {
	i=0
	while [ "$(conns_total)" -lt "$1" ] && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	tap_diag "cores hold $(conns_total) connections"
	[ "$(conns_total)" -ge "$1" ]
}

# CPU time (ticks) of the dataplane kthreads, summed.
kthread_ticks() {
	t=0
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in
		ixdp/*) set -- $(cut -d' ' -f14,15 "$p/stat")
			t=$((t + $1 + $2)) ;;
		esac
	done
	echo $t
}

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$NCPU" -lt 2 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); } &&
	ixctl responder set mode echo port 7
}

tap_diag "device $DEV: $NRXQ rx queues, $NCPU cpus"
tap_check "a port attaches without any core" \
	ixctl port add dev "$DEV" addr "$IXIP/24"
tap_check "port show reports its device and address" \
	sh -c "ixctl port show | grep -q '^port $DEV .* addr $IXIP/24 '"
tap_check "the port detaches" ixctl port del dev "$DEV"
OUT=$(ixctl port show 2>&1)
tap_check "afterwards no port is attached" \
	sh -c "echo '$OUT' | grep -q 'no port is attached'"
OUT=$(ixctl port add dev "$DEV" addr "$IXDP_GUEST_IP/24" 2>&1)
tap_check "Linux's own address cannot be taken" \
	sh -c "echo '$OUT' | grep -q 'Linux already uses this address'"
OUT=$(ixctl port add dev nosuch0 addr "$IXIP/24" 2>&1)
tap_check "an unknown device is refused" \
	sh -c "echo '$OUT' | grep -q 'No such device'"
tap_check "port, cores and echo responder come up" setup
OUT=$(ixctl port add dev "$DEV" addr 198.18.0.4/24 2>&1)
tap_check "a second port is refused" \
	sh -c "echo '$OUT' | grep -q 'already attached'"
OUT=$(ixctl core add cpu 99 rxq 0 2>&1)
tap_check "a core on a missing CPU is refused" \
	sh -c "echo '$OUT' | grep -q 'CPU is not online'"
OUT=$(ixctl core add cpu 0 rxq 0 2>&1)
tap_check "a second core on one CPU is refused" \
	sh -c "echo '$OUT' | grep -q 'already runs on this CPU'"
ixctl port show
ixctl core show

host_run ping "$IXIP" 100 0.01
tap_check "100 pings to ixdp's address, 100 replies" [ $? -eq 0 ]
tap_check "the cores answered them" [ "$(stat core icmp_echo_replies)" -ge 100 ]

# Linux's address on the same NIC keeps working at the same time.
host_spawn ping "$IXIP" 50 0.02
t=$HOST_TICKET
mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/blob bs=1024 count=256 2>/dev/null
httpd -p 8081 -h /tmp/www
hpid=$(pidof httpd | cut -d' ' -f1)
host_run ping "$IXDP_GUEST_IP" 20 0.02
r1=$?
host_run fetch "http://$IXDP_GUEST_IP:8081/blob" "$(sha256sum /tmp/www/blob | cut -d' ' -f1)"
r2=$?
host_wait "$t"
r3=$?
kill "$hpid" 2>/dev/null
tap_check "Linux's address answers ping and TCP while ixdp serves its own" \
	[ "$r1" -eq 0 -a "$r2" -eq 0 -a "$r3" -eq 0 ]

host_run tcp-echo "$IXIP" 7 32 524288
tap_check "16 MB echoed byte-exact over 32 connections, closed gracefully" [ $? -eq 0 ]
i=0
while [ "$(conns_total)" -gt 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "the cores released every closed connection ($(conns_total) left)" \
	[ "$(conns_total)" -eq 0 ]
ixctl -s core show | sed 's/^/# /'
ixctl -s port show | sed 's/^/# /'
# A loop step's frames reach the driver as one burst, one doorbell.
f=$(stat core dp_tx_frames) d=$(stat core dp_tx_doorbells)
tap_check "frames went to the driver in bursts ($f frames, $d doorbells)" \
	[ "$d" -ge 1 -a "$d" -lt "$f" ]
tap_check "ixctl -j core show derives figures per loop step" \
	sh -c "ixctl -j core show | grep -q '\"kthread_loops\":[0-9]*,\"cmds_per_loop\":[0-9]*\.[0-9][0-9],\"events_per_loop\":[0-9]*\.[0-9][0-9]}'"
if [ "$NCPU" -ge 2 ]; then
	a=$(core_stat 0 dp_rx_frames) b=$(core_stat 1 dp_rx_frames)
	tap_check "both cores carried traffic (rx $a and $b frames)" \
		[ "$a" -gt 1000 -a "$b" -gt 1000 ]
else
	tap_check "the core carried traffic" [ "$(core_stat 0 dp_rx_frames)" -gt 1000 ]
fi
tap_check "no frame was lost at a handoff ring" [ "$(stat port rx_ring_full)" -eq 0 ]
if ixctl port show | grep -q 'steering rss'; then
	# The NIC's table, programmed by ixdp, must agree with the software
	# hash: nearly every frame arrives at its owner's CPU.
	local_=$(stat core dp_rx_local) handoff=$(stat core dp_rx_handoff)
	tap_check "RSS steers flows to their owner ($handoff handoffs, $local_ local)" \
		[ $((handoff * 100)) -le "$local_" ]
fi
# RSTs that answer late duplicates after a close are correct; the client
# checked that none of its connections was reset.
tap_diag "RSTs sent by the cores: $(stat core tcp_rst_sent)"

host_run tcp-refused "$IXIP" 9
tap_check "a SYN to a closed port gets RST" [ $? -eq 0 ]

before_ip=$(($(stat core drop_ip_csum) + $(stat core drop_ip_len) + $(stat core drop_ip_short)))
before_tcp=$(($(stat core drop_tcp_csum) + $(stat core drop_tcp_off) + $(stat core drop_tcp_short)))
host_run bad-frames "$IXIP" 25
after_ip=$(($(stat core drop_ip_csum) + $(stat core drop_ip_len) + $(stat core drop_ip_short)))
after_tcp=$(($(stat core drop_tcp_csum) + $(stat core drop_tcp_off) + $(stat core drop_tcp_short)))
tap_diag "ip drops $before_ip -> $after_ip, tcp drops $before_tcp -> $after_tcp"
tap_check "malformed IPv4 frames are counted and dropped" [ $((after_ip - before_ip)) -ge 50 ]
tap_check "malformed TCP segments are counted and dropped" [ $((after_tcp - before_tcp)) -ge 50 ]
host_run tcp-echo "$IXIP" 7 4 65536
tap_check "echo still works after the malformed frames" [ $? -eq 0 ]

sleep 2
t0=$(kthread_ticks)
sleep 10
t1=$(kthread_ticks)
# USER_HZ is 100: 10 s of one CPU is 1000 ticks, 5% is 50.
tap_diag "dataplane kthreads used $((t1 - t0)) ticks in 10 s"
tap_check "idle dataplane cores use < 5% of a CPU" [ $((t1 - t0)) -lt $((50 * NCPU)) ]

# Detach under traffic: the device goes back to Linux untouched. The
# transfer is far longer than the second it is given, so the detach
# really cuts live connections (the client must see them fail).
host_spawn tcp-echo "$IXIP" 7 8 67108864 --allow-reset --timeout 30
t=$HOST_TICKET
tap_check "8 connections are live before the detach" wait_conns 8
tap_check "the port detaches under traffic" ixctl port del dev "$DEV"
host_wait "$t"
tap_check "the detach cut live connections" [ $? -ne 0 ]
host_run ping "$IXDP_GUEST_IP" 10 0.05
tap_check "after detach, Linux's address still answers" [ $? -eq 0 ]
host_run ping "$IXIP" 3 0.2
tap_check "after detach, ixdp's address is gone" [ $? -ne 0 ]

# Unload under traffic.
tap_check "the port comes back" setup
host_spawn tcp-echo "$IXIP" 7 8 67108864 --allow-reset --timeout 30
t=$HOST_TICKET
tap_check "8 connections are live before the unload" wait_conns 8
tap_check "rmmod under traffic is clean" rmmod ixdp
host_wait "$t"
tap_check "the unload cut live connections" [ $? -ne 0 ]
host_run ping "$IXDP_GUEST_IP" 10 0.05
tap_check "after rmmod, Linux's address still answers" [ $? -eq 0 ]
tap_check "the module loads again" insmod /ixdp/ixdp.ko
tap_finish
