#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# echo_ixdp over a lossy link: the host's echocheck must still get every
# byte back, in order, and close gracefully, while the frames the host
# sends to ixdp are dropped, reordered, duplicated and delayed by netem.
#
# The impairment lives in the guest, on the NIC's ingress, because the
# host kernel of the harness may lack sch_netem: an ingress qdisc on the
# NIC redirects (mirred) IPv4 frames for ixdp's address to ifb0, whose
# root qdisc is netem. ifb0 hands each frame that survives back to the
# NIC's receive path with tc classification skipped, so ixdp's
# rx_handler, which runs after tc ingress, sees the impaired stream: the
# same as netem on the host side of the tap. ARP and the guest's own
# address (198.18.0.2) are left alone.
. /selftests/lib.sh

TC=/usr/sbin/tc
IXIP=198.18.0.3
PORT=7100
DEV=$IXDP_GUEST_IF
IFB=ifb0
NETEM="delay 1ms reorder 25% 50% loss 5% duplicate 1%"
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
CORES=0
[ "$(nproc)" -ge 2 ] && CORES=0,1
NCORES=$(echo "$CORES" | tr ',' ' ' | wc -w)
# 64 connections x 200 messages cycling through 1 B to 16 KiB (mean
# 3.2 KiB): ~41 MB each way, a few seconds under TCG without loss; the
# retransmission timeouts of the lost segments make up the rest.
CONNS=64
MSGS=200
SIZES=1,7,64,512,1460,4096,16384

# jstat NAME: the counter NAME summed over every core, from the JSON
# output (which, unlike the text one, keeps the zeros); empty when no
# core reports it.
jstat() {
	ixctl -j -s core show | grep -o "\"$1\":[0-9]*" |
		awk -F: '{ s += $2; n++ } END { if (n) print s }'
}

# wait_stat NAME VALUE SECONDS: until the counter NAME is VALUE.
wait_stat() {
	_i=0
	while [ "$(jstat "$1")" != "$2" ] && [ $_i -lt $(($3 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(jstat "$1")" = "$2" ]
}

# netem_field NAME: "dropped" or "sent" (packets) of ifb0's netem qdisc.
netem_field() {
	"$TC" -s qdisc show dev "$IFB" | awk -v f="$1" '
		$1 == "qdisc" { netem = $2 == "netem" }
		netem && $1 == "Sent" {
			v = f == "sent" ? $4 : $7
			sub(",", "", v)
			print v + 0
			exit
		}'
}

# Packets the ingress filter redirected to ifb0 (mirred's counter).
mirred_pkts() {
	"$TC" -s filter show dev "$DEV" ingress | awk '
		/mirred/ { m = 1 }
		m && $1 == "Sent" { print $4 + 0; exit }'
}

impair() {
	if [ -f /modules/tc.order ]; then
		while read -r _m; do
			grep -q "^${_m%.ko} " /proc/modules ||
				insmod "/modules/$_m" || return 1
		done < /modules/tc.order
	fi
	[ -x "$TC" ] && [ -d /sys/class/net/$IFB ] &&
	ip link set "$IFB" up &&
	"$TC" qdisc add dev "$IFB" root netem $NETEM &&
	"$TC" qdisc add dev "$DEV" handle ffff: ingress &&
	"$TC" filter add dev "$DEV" parent ffff: protocol ip prio 1 u32 \
		match ip dst "$IXIP/32" \
		action mirred egress redirect dev "$IFB"
}

# Take the impairment away and unload what impair() loaded.
unimpair() {
	"$TC" qdisc del dev "$DEV" ingress 2>/dev/null
	"$TC" qdisc del dev "$IFB" root 2>/dev/null
	ip link set "$IFB" down 2>/dev/null
	[ -f /modules/tc.order ] &&
		for _m in $(sed '1!G;h;$!d' /modules/tc.order); do
			rmmod "${_m%.ko}" 2>/dev/null
		done
	return 0
}

impairment_gone() {
	_q=$("$TC" qdisc show dev "$DEV") || return 1
	case $_q in *ingress*) return 1 ;; esac
	! grep -q "^sch_netem " /proc/modules || [ ! -f /modules/tc.order ]
}

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$CORES" = 0 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); } &&
	app_user_setup "$PORT"
}

teardown() {
	unimpair
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

# A kernel with the drivers built in (the debug kernel) may lack them.
if [ ! -f /modules/tc.order ] && [ ! -d /sys/class/net/$IFB ]; then
	tap_skip "lossy link" "the kernel has no ifb"
	tap_finish
	exit
fi

if ! tap_check "echo_ixdp and iproute2's tc are installed" \
	sh -c "command -v echo_ixdp >/dev/null && [ -x $TC ]" ||
   ! tap_check "port and cores $CORES come up" setup; then
	teardown
	tap_finish
	exit
fi

$AS_APP echo_ixdp -p "$PORT" -c "$CORES" -q > /tmp/echo_ixdp_lossy.out 2>&1 &
pid=$!
tap_check "echo_ixdp attaches a context to each of its $NCORES cores" \
	wait_stat dp_apps "$NCORES" 10
# One message over the clean link first, so that a failure below is the
# loss's. Three tries: the listener may trail the context by a moment.
probe() {
	for _ in 1 2 3; do
		host_run echo-check "$IXIP" "$PORT" 1 1 64 --timeout 20 \
			--label lossy-probe && return 0
		sleep 1
	done
	return 1
}
tap_check "echo_ixdp echoes on port $PORT over the clean link" probe

tap_check "netem ($NETEM) on $IFB takes $DEV's ingress for $IXIP" impair
tap_diag "$("$TC" qdisc show dev "$IFB")"
ooo0=$(jstat tcp_out_of_order) dup0=$(jstat tcp_duplicate_segments)
rtx0=$(jstat tcp_retransmits) rto0=$(jstat tcp_timeouts)

T0=$(date +%s)
host_run echo-check "$IXIP" "$PORT" "$CONNS" "$MSGS" "$SIZES" --timeout 80 \
	--label lossy
rc=$?
T1=$(date +%s)
tap_check "$CONNS x $MSGS messages of 1 B to 16 KiB echoed byte-exact through loss, closed gracefully (exit $rc)" \
	[ $rc -eq 0 ]
tap_diag "lossy echo run took $((T1 - T0)) s"

"$TC" -s qdisc show dev "$IFB" | sed 's/^/# /'
dropped=$(netem_field dropped) sent=$(netem_field sent) in=$(mirred_pkts)
dups=$((${sent:-0} + ${dropped:-0} - ${in:-0}))
tap_diag "redirected $in, netem dropped $dropped, sent $sent: $dups duplicates"
tap_check "netem dropped frames for ixdp (${dropped:-none})" \
	[ "${dropped:-0}" -gt 0 ]
tap_check "netem passed frames on and duplicated some ($sent sent of $in, $dups duplicates)" \
	[ "${sent:-0}" -gt 0 -a "${in:-0}" -gt 0 -a "$dups" -gt 0 ]

ooo=$(($(jstat tcp_out_of_order) - ${ooo0:-0}))
dup=$(($(jstat tcp_duplicate_segments) - ${dup0:-0}))
rtx=$(($(jstat tcp_retransmits) - ${rtx0:-0}))
rto=$(($(jstat tcp_timeouts) - ${rto0:-0}))
tap_diag "ixdp: tcp_out_of_order +$ooo tcp_duplicate_segments +$dup tcp_retransmits +$rtx tcp_timeouts +$rto"
tap_check "ixdp queued out-of-order segments (tcp_out_of_order +$ooo)" \
	[ "$ooo" -gt 0 ]
tap_check "ixdp dropped duplicate segments (tcp_duplicate_segments +$dup)" \
	[ "$dup" -gt 0 ]
tap_check "ixdp retransmitted (tcp_retransmits +$rtx)" [ "$rtx" -gt 0 ]
ixctl -s core show | sed 's/^/# /'

unimpair
tap_check "the impairment is removed and its modules unloaded" impairment_gone

tap_check "echo_ixdp is still running" kill -0 "$pid"
tap_check "echo_ixdp exits 0 on SIGTERM within 5 s" stop_pid "$pid"
sed 's/^/# echo_ixdp: /' /tmp/echo_ixdp_lossy.out | tail -n 20
MODE=inline
[ "${IXDP_MODE:-auto}" = ring ] && MODE=ring
tap_check "every thread waited in $MODE mode (IXDP_MODE=${IXDP_MODE:-auto})" \
	[ "$(grep -c "($MODE)" /tmp/echo_ixdp_lossy.out)" -eq "$NCORES" ]
wait_stat dp_apps 0 10
tap_check "no application context is left (dp_apps $(jstat dp_apps))" \
	[ "$(jstat dp_apps)" = 0 ]
wait_stat dp_app_conns 0 10
tap_check "no application connection is left (dp_app_conns $(jstat dp_app_conns))" \
	[ "$(jstat dp_app_conns)" = 0 ]

tap_check "the port is deleted" ixctl port del dev "$DEV"
tap_finish
