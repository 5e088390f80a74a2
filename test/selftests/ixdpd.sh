#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ixdpd, the control daemon: strict config errors that leave the kernel
# alone, a dry run, start-up with a systemd READY notification, the port
# and both cores it sets up, a SIGTERM and restart in the middle of a
# byte-exact echo load (nothing may change, no connection may be reset),
# and a SIGHUP that applies an edited config.
. /selftests/lib.sh

IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
[ "$NRXQ" -ge 1 ] || NRXQ=1
RXQ1=$((1 % NRXQ))
CONF=/tmp/ixdpd.conf
LOG1=/tmp/ixdpd-1.log
LOG2=/tmp/ixdpd-2.log
NSOCK=/tmp/ixdpd-notify.sock
NOUT=/tmp/ixdpd-notify.out
SIZES=1,7,64,128,512,1460
PID=

# write_conf BATCH [FILE [CORE1]]: CORE1 "no" leaves core 1 out.
write_conf() {
	if [ "${3:-yes}" = no ]; then
		_core1="# core 1 left out"
	else
		_core1="core 1 rxq $RXQ1"
	fi
	cat > "${2:-$CONF}" <<EOF
# ixdpd selftest
port $DEV $IXIP/24
core 0 rxq 0
$_core1
batch $1
poll_us 50
responder echo 7
retry_s 1
EOF
}

conns_total() {
	ixctl core show | awk '{ for (i = 1; i < NF; i++)
		if ($i == "connections") s += $(i + 1) } END { print s + 0 }'
}

# The cores without their connection counts: what must not change.
cores_layout() {
	ixctl core show | sed 's/ connections [0-9]*//'
}

no_port() {
	ixctl port show 2>&1 | grep -q 'no port is attached'
}

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

centisecs() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

tap_diag "device $DEV: $NRXQ rx queues, $(nproc) cpus; core 1 uses rxq $RXQ1"
if ! tap_check "ixdpd and notify_recv are installed" \
	sh -c 'command -v ixdpd >/dev/null && [ -x /selftests/notify_recv ]' ||
   ! tap_check "the guest has two CPUs for cores 0 and 1" [ "$(nproc)" -ge 2 ]; then
	tap_finish
	exit
fi
ixctl port del dev "$DEV" >/dev/null 2>&1
tap_check "no port is attached before the stage" no_port

# --- config errors: a message with file and line, status 1, kernel untouched
# bad_conf NAME LINE PATTERN TEXT: TEXT in place of line LINE, or
# appended as line 9.
bad_check() {
	[ "$BAD_RC" -eq 1 ] && echo "$BAD_OUT" | grep -qF "bad.conf:$1: $2"
}
bad_conf() {
	write_conf 64 /tmp/bad.conf
	if [ "$2" -le 8 ]; then
		sed -i "$2s|.*|$4|" /tmp/bad.conf
	else
		printf '%s\n' "$4" >> /tmp/bad.conf
	fi
	BAD_OUT=$(ixdpd -f -c /tmp/bad.conf 2>&1)
	BAD_RC=$?
	tap_diag "$1: $BAD_OUT"
	tap_check "$1: exit status 1 ($BAD_RC), says bad.conf:$2: $3" \
		bad_check "$2" "$3"
}
bad_conf "unknown key" 9 'unknown key "colour"' "colour blue"
bad_conf "bad address" 2 '"198.18.0.300" is not an IPv4 address' \
	"port $DEV 198.18.0.300/24"
bad_conf "duplicate core" 9 'core 1 is already configured on line 4' \
	"core 1 rxq 0"
bad_conf "out of range" 5 'batch "65" is not between 1 and 64' \
	"batch 65"
tap_check "after the refused configs no port is attached" no_port

# --- dry run on an empty kernel: a plan, no change
write_conf 64
OUT=$(ixdpd -n -c "$CONF" 2>&1)
RC=$?
echo "$OUT" | sed 's/^/# -n: /'
dry_plan() {
	[ "$RC" -eq 0 ] &&
	echo "$OUT" | grep -q "^plan: port $DEV $IXIP/24 is missing" &&
	echo "$OUT" | grep -q '^plan: core 0 rxq 0 txq 0 is missing' &&
	echo "$OUT" | grep -q "^plan: core 1 rxq $RXQ1 txq $RXQ1 is missing"
}
tap_check "-n exits 0 and plans the port and both cores" dry_plan
tap_check "-n changed nothing" no_port

# --- start, with a systemd notification socket
/selftests/notify_recv "$NSOCK" 120 > "$NOUT" 2>&1 &
NPID=$!
i=0
while [ ! -S "$NSOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
NOTIFY_SOCKET=$NSOCK ixdpd -f -c "$CONF" 2> "$LOG1" &
PID=$!
tap_check "ixdpd sends READY=1 to \$NOTIFY_SOCKET" wait_for "$NOUT" 'READY=1' 10
sed 's/^/# notify: /' "$NOUT"
sed 's/^/# ixdpd: /' "$LOG1"
wait_carrier "$DEV"
port_json() {
	J=$(ixctl -j port show 2>&1)
	tap_diag "port: $J"
	echo "$J" | grep -qF "\"dev\":\"$DEV\"" &&
	echo "$J" | grep -qF "\"addr\":\"$IXIP\"" &&
	echo "$J" | grep -qF '"prefix":24'
}
cores_json() {
	J=$(ixctl -j core show 2>&1)
	tap_diag "cores: $J"
	echo "$J" | grep -qF '"cpu":0,"rxq":0,' &&
	echo "$J" | grep -qF "\"cpu\":1,\"rxq\":$RXQ1," &&
	[ "$(echo "$J" | grep -o '"cpu":' | wc -l)" -eq 2 ]
}
start_log() {
	grep -q "port $DEV $IXIP/24 is missing: add it" "$LOG1" &&
	grep -q "core 1 rxq $RXQ1 txq $RXQ1 is missing: add it" "$LOG1" &&
	grep -q '^<6>ready' "$LOG1"
}
tap_check "the port is up on $DEV with $IXIP/24" port_json
tap_check "cores 0 (rxq 0) and 1 (rxq $RXQ1) run" cores_json
tap_check "ixdpd logged what it added and that it is ready" start_log
until host_run echo-check "$IXIP" 7 1 1 64 --timeout 5 --label probe ||
      [ "${probes:=0}" -ge 5 ]; do
	probes=$((probes + 1))
	sleep 1
done
tap_check "the echo responder ixdpd set up answers on port 7" \
	host_run echo-check "$IXIP" 7 4 10 "$SIZES" --timeout 20 \
		--label ixdpd-probe

OUT=$(ixdpd -n -c "$CONF" 2>&1)
echo "$OUT" | sed 's/^/# -n: /'
dry_nothing() {
	echo "$OUT" | grep -q 'reconcile: nothing to change' &&
	! echo "$OUT" | grep -q '^plan: [pc]'
}
tap_check "-n against the running state plans nothing" dry_nothing

# --- grants: with "grant" lines the kernel's grants become exactly them
grants() {
	ixctl grant show | sort | tr '\n' ';'
}
wait_grants() {
	_i=0
	while [ "$(grants)" != "$1" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	tap_diag "grants: $(grants)"
	[ "$(grants)" = "$1" ]
}
SAVED=$(ixctl -j grant show)
for g in $(ixctl grant show | awk '{ print $3 "," $4 "," $5 }'); do
	ixctl grant del ports "${g%%,*}" $(echo "${g#*,}" | tr ',' ' ') \
		>/dev/null
done
ixctl grant add ports 9200 user 1000 >/dev/null
write_conf 64
printf 'grant ports 9100-9101 user 1000\ngrant ports 9102 group 100 rights listen\n' \
	>> "$CONF"
ixdpd -n -c "$CONF" > /tmp/ixdpd-plan.out 2>&1
grep grant /tmp/ixdpd-plan.out | sed 's/^/# -n: /'
tap_check "-n plans the two grants and the removal of the other" sh -c \
	"grep -q '^plan: add grant ports 9100-9101 user 1000 rights all' /tmp/ixdpd-plan.out &&
	 grep -q '^plan: add grant ports 9102-9102 group 100 rights listen' /tmp/ixdpd-plan.out &&
	 grep -q '^plan: remove grant ports 9200-9200 user 1000' /tmp/ixdpd-plan.out"
kill -HUP "$PID"
tap_check "on SIGHUP the kernel's grants become the config's" wait_grants \
	"grant ports 9100-9101 user 1000 rights all;grant ports 9102-9102 group 100 rights listen;"
sed -i 's/^grant ports 9100-9101 user 1000$/grant ports 9100-9101 user 1000 rights connect/' "$CONF"
kill -HUP "$PID"
tap_check "a grant whose rights change in the config changes in place" wait_grants \
	"grant ports 9100-9101 user 1000 rights connect;grant ports 9102-9102 group 100 rights listen;"
write_conf 64
kill -HUP "$PID"
sleep 1
tap_check "without grant lines the kernel's grants are left alone" wait_grants \
	"grant ports 9100-9101 user 1000 rights connect;grant ports 9102-9102 group 100 rights listen;"
ixctl grant del ports 9100-9101 user 1000 >/dev/null
ixctl grant del ports 9102 group 100 >/dev/null
tap_diag "grants before this part (restored by the stages that need them): $SAVED"

# --- SIGTERM and restart under load
T0=$(centisecs)
host_run echo-check "$IXIP" 7 16 500 "$SIZES" --timeout 60 \
	--label ixdpd-calibrate
CAL=$(($(centisecs) - T0))
[ "$CAL" -ge 1 ] || CAL=1
MSGS=$((500 * 1500 / CAL))
[ $MSGS -lt 300 ] && MSGS=300
[ $MSGS -gt 50000 ] && MSGS=50000
tap_diag "16 x 500 messages took $CAL cs: the load is 16 x $MSGS (~15 s)"

BEFORE=$(cores_layout)
host_spawn echo-check "$IXIP" 7 16 "$MSGS" "$SIZES" --timeout 100 \
	--label ixdpd-restart
TICKET=$HOST_TICKET
TL=$(centisecs)
i=0
while [ "$(conns_total)" -lt 16 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1
C1=$(conns_total)
tap_diag "under load: $C1 connections"
tap_check "ixdpd exits 0 on SIGTERM within 5 s" stop_pid "$PID"
PID=
stop_log() {
	grep -q 'STOPPING=1' "$NOUT" &&
	grep -q 'exiting; the dataplane keeps running' "$LOG1"
}
tap_check "it sent STOPPING=1 and logged that the dataplane keeps running" \
	stop_log
wait "$NPID" 2>/dev/null
C2=$(conns_total)
tap_check "the connections survive the daemon ($C1 before, $C2 after)" \
	[ "$C2" -ge 1 ]

TR=$(centisecs)
ixdpd -f -c "$CONF" 2> "$LOG2" &
PID=$!
tap_check "the restarted ixdpd is ready" wait_for "$LOG2" '^<6>ready' 10
tap_diag "the restart took $(($(centisecs) - TR)) cs to ready"
sed 's/^/# ixdpd: /' "$LOG2"
restart_log() {
	grep -q 'reconcile: nothing to change' "$LOG2" &&
	grep -q 'core 0 rxq 0 txq 0: matches, left alone' "$LOG2" &&
	grep -q "core 1 rxq $RXQ1 txq $RXQ1: matches, left alone" "$LOG2" &&
	! grep -qE 'add it|delete it|replace it|config:|deferred|failed' "$LOG2"
}
tap_check "the restart logged \"nothing to change\" and changed nothing" \
	restart_log
AFTER=$(cores_layout)
tap_check "cores, queues and flow groups are as before the restart" \
	[ "$BEFORE" = "$AFTER" ]
C3=$(conns_total)
tap_check "the load was still running across the restart ($C3 connections)" \
	[ "$C3" -ge 1 ]

# A core removed under load: the kernel moves its flow groups to core 0
# first (live migration), so the load goes on undisturbed.
core1_runs() {
	ixctl core show | grep -q "^core cpu 1 rxq $RXQ1 "
}
write_conf 64 "$CONF" no
kill -HUP "$PID"
wait_for "$LOG2" 'core del cpu 1' 10
sleep 0.5
del_log() {
	grep -q 'core 1 is not in the config: delete it' "$LOG2" &&
	! grep -q 'deferred: core del cpu 1' "$LOG2" && ! core1_runs
}
tap_check "SIGHUP without core 1 under load: core 1 is deleted at once" \
	del_log
nfg0=$(ixctl -j core show | tr '{' '\n' | grep '"cpu":0,' |
	sed -n 's/.*"flow_groups":\([0-9]*\).*/\1/p')
tap_check "its flow groups moved to core 0 (core 0 owns $nfg0)" \
	[ "$nfg0" = "$(ixctl fg show | grep -c ' cpu 0 ')" ]
host_wait "$TICKET"
RC=$?
tap_diag "the load ran $(($(centisecs) - TL)) cs"
tap_check "16 x $MSGS messages echoed byte-exact across the restart and the core removal, no reset" \
	[ $RC -eq 0 ]
sed -n '/SIGHUP/,$p' "$LOG2" | sed 's/^/# ixdpd: /' | head -n 20

# --- SIGHUP applies an edited config; a broken one is refused
write_conf 32
kill -HUP "$PID"
i=0
while ! ixctl config show | grep -q '^batch 32 ' && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_diag "config: $(ixctl config show)"
hup_applied() {
	ixctl config show | grep -q '^batch 32 ' &&
	grep -q 'config: batch 64 -> 32' "$LOG2" && core1_runs
}
tap_check "SIGHUP with batch 32 and core 1 again applies both" hup_applied
write_conf 16
echo "colour blue" >> "$CONF"
kill -HUP "$PID"
sleep 1
hup_refused() {
	grep -qF 'ixdpd.conf:9: unknown key "colour"; keeping' "$LOG2" &&
	ixctl config show | grep -q '^batch 32 ' && kill -0 "$PID"
}
tap_check "SIGHUP with a broken config keeps the old one, says where" \
	hup_refused


# The core policy: it parks an idle core (its groups move to the other),
# adds it back when the load rises (groups move to it again) and parks
# it when the load is gone. A parked core's kthread does not run.
write_conf 32
cat >> "$CONF" <<EOF
policy on
sample_ms 100
add_busy 0.05
remove_busy 0.01
EOF
kill -HUP "$PID"
wait_for "$LOG2" 'policy: park core [0-9]* done' 15
# state_of CPU: "parked" or "active", from ixctl -j core show.
state_of() {
	ixctl -j core show | tr '{' '\n' | grep "\"cpu\":$1," |
		sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'
}
PC=$(sed -n 's/.*policy: park core \([0-9]*\) done.*/\1/p' "$LOG2" | head -n 1)
OC=$((1 - ${PC:-0}))
ixctl core show | sed 's/^/# /'
parked_down() {
	[ -n "$PC" ] && [ "$(state_of "$PC")" = parked ] &&
	[ "$(state_of "$OC")" = active ] &&
	[ "$(ixctl fg show | grep -c " cpu $PC ")" -eq 0 ]
}
tap_check "policy on, idle: core ${PC:-?} is parked (core show -j says so), core $OC owns every group" \
	parked_down
kpid=
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = "ixdp/$PC" ] && kpid=${p#/proc/}
done
runs() {
	awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }' \
		"/proc/$kpid/status" 2>/dev/null
}
sleep 0.5
R0=$(runs)
sleep 2
R1=$(runs)
tap_diag "ixdp/$PC (pid ${kpid:-?}): context switches $R0 -> $R1 over 2 s parked"
not_running() {
	[ -n "$kpid" ] && [ "$R0" = "$R1" ]
}
tap_check "the parked core's kthread does not run (no CPU used)" not_running
NADD0=$(grep -c "policy: add core $PC done" "$LOG2")
host_spawn echo-check "$IXIP" 7 16 "$MSGS" "$SIZES" --timeout 100 \
	--label ixdpd-policy
TICKET=$HOST_TICKET
i=0
while [ "$(grep -c "policy: add core $PC done" "$LOG2")" -le "$NADD0" ] &&
      [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.3
ixctl core show | sed 's/^/# /'
added() {
	[ "$(state_of "$PC")" = active ] &&
	[ "$(ixctl fg show | grep -c " cpu $PC ")" -gt 0 ]
}
tap_check "under load it adds core $PC back: active, flow groups moved to it" \
	added
# SIGKILL in the middle of the load, and a restart: nothing is disturbed.
kill -KILL "$PID"
wait "$PID" 2>/dev/null
LOG3=/tmp/ixdpd-3.log
ixdpd -f -c "$CONF" 2> "$LOG3" &
PID=$!
tap_check "killed with SIGKILL under load and restarted, ixdpd is ready" \
	wait_for "$LOG3" '^<6>ready' 10
k9_restart() {
	grep -q 'reconcile: nothing to change' "$LOG3" &&
	! grep -qE 'add it|delete it|replace it|deferred|failed' "$LOG3"
}
tap_check "the restart after SIGKILL changed nothing" k9_restart
host_wait "$TICKET"
tap_check "16 x $MSGS messages echoed byte-exact while the policy moved groups and ixdpd was killed" \
	[ $? -eq 0 ]
# The least loaded core goes, whichever it is.
nparked() {
	ixctl -j core show | grep -o '"state":"parked"' | wc -l
}
i=0
while [ "$(nparked)" -ne 1 ] && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
ixctl core show | sed 's/^/# /'
tap_check "once the load is gone it parks one core again" [ "$(nparked)" -eq 1 ]
NINFO=$(cat "$LOG2" "$LOG3" | grep -c '^<6>policy: \[')
tap_check "few decisions are logged at info ($NINFO)" [ "$NINFO" -le 30 ]
sed -n '/policy: on/,$p' "$LOG2" | sed 's/^/# ixdpd: /' | head -n 40
grep 'policy:' "$LOG3" | sed 's/^/# ixdpd (after SIGKILL): /' | head -n 30
tap_check "ixdpd stops on SIGTERM" stop_pid "$PID"
PID=
port_left() {
	ixctl port show | grep -q "^port $DEV "
}
tap_check "the port outlives the daemon" port_left
tap_check "the port detaches" ixctl port del dev "$DEV"
cleanup
tap_finish
