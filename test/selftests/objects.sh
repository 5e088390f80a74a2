#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The dataplane objects that ixctl shows, and the notifications of the
# "events" group: flow groups and their owners, attached application
# contexts, and the announcements of port, core and app changes.
. /selftests/lib.sh

IXIP=198.18.0.3
MON=/tmp/objects-monitor.txt
# Single-queue NICs (e1000e): both cores share queue 0.
NRXQ=$(ls -d /sys/class/net/"$IXDP_GUEST_IF"/queues/rx-* | wc -l)
Q1=$((1 % NRXQ))
rm -f "$MON"

ixctl monitor count 6 timeout 60 > "$MON" 2>&1 &
monpid=$!
sleep 0.5

ixctl port add dev "$IXDP_GUEST_IF" addr "$IXIP/24" >/dev/null
wait_carrier "$IXDP_GUEST_IF"
ixctl core add cpu 0 rxq 0 >/dev/null
ixctl core add cpu 1 rxq $Q1 >/dev/null

nfg=$(ixctl -j port show | sed -n 's/.*"flow_groups":\([0-9]*\).*/\1/p')
fgs=$(ixctl fg show)
tap_diag "port has ${nfg:-?} flow groups"
fg_once() {
	[ -n "$nfg" ] && [ "$(echo "$fgs" | grep -c '^fg ')" -eq "$nfg" ] &&
	[ "$(echo "$fgs" | sed -n 's/^fg \([0-9]*\) .*/\1/p' | sort -un | wc -l)" -eq "$nfg" ]
}
tap_check "fg show lists every flow group once" fg_once
on0=$(echo "$fgs" | grep -c ' cpu 0 rxq 0$')
on1=$(echo "$fgs" | grep -c " cpu 1 rxq $Q1\$")
tap_diag "flow groups on cpu 0: $on0, on cpu 1: $on1"
fg_even() {
	[ $((on0 + on1)) -eq "$nfg" ] && [ "$on0" -eq "$on1" ]
}
tap_check "fg show: every group is owned by one of the two cores, evenly" fg_even
tap_check "fg show agrees with core show's counts" \
	sh -c "ixctl core show | grep -q 'core cpu 0 .* flow-groups $on0 '"

queues=$(ixctl queue show)
tap_diag "$queues"
rx_once() {
	[ "$(echo "$queues" | grep -c '^queue rx ')" -eq "$NRXQ" ] &&
	[ "$(echo "$queues" | sed -n 's/^queue rx \([0-9]*\) .*/\1/p' | sort -un | wc -l)" -eq "$NRXQ" ]
}
tap_check "queue show lists each of the device's $NRXQ RX queues once" rx_once
# Two queues: one per core; one queue: both cores own it.
rx_owners() {
	if [ "$NRXQ" -eq 1 ]; then
		echo "$queues" | grep -q '^queue rx 0 cpus 0,1 '
	else
		echo "$queues" | grep -q '^queue rx 0 cpus 0 ' &&
		echo "$queues" | grep -q '^queue rx 1 cpus 1 '
	fi
}
tap_check "queue show: rx queue 0 is owned by cpu 0, rx queue $Q1 by cpu 1" \
	rx_owners
rx_nfg() {
	n=$(echo "$queues" | grep -c '^queue rx .* flow-groups [0-9]* ')
	sum=$(echo "$queues" |
	      sed -n 's/^queue rx .* flow-groups \([0-9]*\) .*/\1/p' |
	      awk '{ s += $1 } END { print s + 0 }')
	tap_diag "flow groups of the RX queues: $sum"
	[ -n "$nfg" ] && [ "$n" -eq "$NRXQ" ] && [ "$sum" -eq "$nfg" ]
}
tap_check "queue show: the RX queues' flow groups add up to the port's" rx_nfg
queue_json() {
	ixctl -j queue show |
		grep -q '^\[{"kind":"rx","id":0,"cpus":\[0[],].*}]$'
}
tap_check "queue show -j is a JSON array, rx queue 0 first, cpu 0 its owner" \
	queue_json
stats_text() {
	out=$(ixctl stats show)
	tap_diag "$(echo "$out" | sed -n 1p)"
	[ -n "$nfg" ] &&
	[ "$(echo "$out" | sed -n 1p)" = "stats flow-groups $nfg connections 0" ]
}
tap_check "stats show: the port's flow groups, no connections yet" stats_text
stats_json() {
	out=$(ixctl -j stats show)
	tap_diag "$out"
	echo "$out" | grep -q "^{\"flow_groups\":$nfg,\"connections\":0,\"port\":{" &&
	echo "$out" | grep -q '"cores":{[^}]*"dp_rx_frames":[0-9]'
}
tap_check "stats show -j: the port's and the cores' counters as two objects" \
	stats_json

tap_check "app show is empty before any application attaches" \
	[ -z "$(ixctl app show)" ]
echo_ixdp -p 7200 -c 0,1 -q &
epid=$!
i=0
while [ "$(ixctl app show | grep -c '^app ')" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
apps=$(ixctl app show)
tap_diag "$apps"
two_apps() {
	[ "$(echo "$apps" | grep -c "^app pid $epid tid [0-9]* cpu [01] connections 0 max-connections [0-9]* live")" -eq 2 ] &&
	[ "$(echo "$apps" | sed -n 's/.* cpu \([01]\) .*/\1/p' | sort -u | wc -l)" -eq 2 ]
}
tap_check "app show lists echo_ixdp's two contexts, one per core" two_apps
tap_check "app show -j is JSON with the same fields" \
	sh -c "ixctl -j app show | grep -q '^\[{\"pid\":$epid,\"tid\":[0-9]*,\"cpu\":[01],\"connections\":0,\"max_connections\":[0-9]*,\"state\":\"live\"'"
host_run echo-check "$IXIP" 7200 4 50 1,64,4096 --timeout 30 --label objects >/dev/null
apps=$(ixctl -s app show)
tap_check "app show -s counts the contexts' commands and events" \
	sh -c "echo '$apps' | grep -q 'app_cmds [1-9]' && echo '$apps' | grep -q 'app_events [1-9]'"
# Each group's load: the frames its cores ran, at most all the frames.
fgframes=$(ixctl -j fg show | grep -o '"frames":[0-9]*' | cut -d: -f2 |
	awk '{ s += $1 } END { print s + 0 }')
rxframes=$(ixctl -j stats show | grep -o '"dp_rx_frames":[0-9]*' | cut -d: -f2)
tap_diag "frames by flow group: $fgframes of ${rxframes:-?} frames run"
fg_load() {
	[ "$fgframes" -gt 0 ] && [ -n "$rxframes" ] &&
	[ "$fgframes" -le "$rxframes" ] &&
	ixctl -s fg show | grep -q '^fg [0-9]* cpu [01] rxq [01] frames [1-9]'
}
tap_check "fg show counts each group's frames (-j always, text with -s)" fg_load
kill "$epid"
wait "$epid" 2>/dev/null
tap_check "app show is empty once the application has exited" \
	[ -z "$(ixctl app show)" ]

wait "$monpid"
mrc=$?
tap_diag "$(cat "$MON")"
tap_check "monitor saw the six notifications and exited 0" [ "$mrc" -eq 0 ]
mon_text() {
	[ "$(sed -n 1p "$MON" | cut -d' ' -f1-2)" = 'port add' ] &&
	grep -q "^port add dev $IXDP_GUEST_IF" "$MON" &&
	[ "$(grep -c '^core add cpu [01] rxq [01] txq [01]$' "$MON")" -eq 2 ] &&
	[ "$(grep -c "^app attach cpu [01] pid $epid tid [0-9]*$" "$MON")" -eq 2 ] &&
	# The second core first, then half the groups moving to it.
	[ "$(grep -n '' "$MON" | sed -n 's/^\([0-9]*\):core add cpu 1 .*/\1/p')" -lt \
	  "$(grep -n '' "$MON" | sed -n 's/^\([0-9]*\):fg move from_cpu 0 cpu 1 fgs 64 .*/\1/p')" ]
}
tap_check "monitor: port add, core add, core add, fg move of 64 groups to it, two app attaches" \
	mon_text

ixctl -j monitor count 3 timeout 30 > "$MON" 2>&1 &
monpid=$!
sleep 0.5
ixctl core del cpu 1 >/dev/null
ixctl port del dev "$IXDP_GUEST_IF" >/dev/null
wait "$monpid"
mrc=$?
tap_diag "$(cat "$MON")"
mon_json() {
	[ "$mrc" -eq 0 ] &&
	grep -q '{"event":"fg move","from_cpu":1,"cpu":0,"fgs":64,' "$MON" &&
	grep -q "{\"event\":\"core del\",\"cpu\":1,\"rxq\":$Q1,\"txq\":$Q1}" "$MON" &&
	grep -q "{\"event\":\"port del\",\"dev\":\"$IXDP_GUEST_IF\"}" "$MON"
}
tap_check "monitor -j: the groups moving off core 1, its del and port del as JSON" \
	mon_json

ixctl monitor count 1 timeout 1 >/dev/null 2>&1
tap_check "monitor: a timeout before the count is reached exits 1" [ $? -eq 1 ]
ixctl monitor count x >/dev/null 2>&1
tap_check "monitor: a bad count is a usage error (2)" [ $? -eq 2 ]
no_fgs() {
	ixctl fg show >/dev/null 2>&1 && [ -z "$(ixctl fg show)" ]
}
tap_check "fg show without a port prints nothing and succeeds" no_fgs
tap_finish
