#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ixdpd and the CPUs under the dataplane (Documentation/ixdpd.rst): the guest boots
# without isolcpus=, so "isolation require" refuses core 1 and "warn"
# starts with a warning; a missing or offline CPU is always refused; with
# irq_steer on, a writable IRQ on CPU 1 is moved to CPU 0 and put back on
# SIGTERM, the NIC's queue IRQs are left alone, and ixdpd runs off CPU 1.
# And the "events" group: an operator's core del and add are logged and
# noticed, and a core the operator deleted is added back on the next
# retry tick.
. /selftests/lib.sh

IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
[ "$NRXQ" -ge 1 ] || NRXQ=1
RXQ1=$((1 % NRXQ))
CONF=/tmp/ixdpd-cpus.conf
LOG=/tmp/ixdpd-cpus.log
PID=
IRQ=
ORIG=

# write_conf ISOLATION [CPU [EXTRA-LINE...]]: one dataplane core, on CPU
# (default 1), so that CPU 0 stays for everything else.
write_conf() {
	_isol=$1
	_cpu=${2:-1}
	shift
	[ $# -gt 0 ] && shift
	{
		echo "# ixdpd-cpus selftest"
		echo "port $DEV $IXIP/24"
		echo "core $_cpu rxq $RXQ1"
		echo "isolation $_isol"
		echo "retry_s 1"
		for _l in "$@"; do
			echo "$_l"
		done
	} > "$CONF"
}

no_port() {
	ixctl port show 2>&1 | grep -q 'no port is attached'
}

core1_runs() {
	ixctl core show | grep -q "^core cpu 1 rxq $RXQ1 "
}

# cpulist_has LIST CPU: LIST ("0-2,5") contains CPU.
cpulist_has() {
	echo "$1" | tr ',' '\n' | while IFS=- read -r _a _b; do
		[ -n "$_a" ] || continue
		[ -n "$_b" ] || _b=$_a
		[ "$2" -ge "$_a" ] && [ "$2" -le "$_b" ] && echo yes
	done | grep -q yes
}

affinity() {
	cat "/proc/irq/$1/smp_affinity_list" 2>/dev/null
}

# The NIC's MSI vectors, as ixdpd finds them (virtio: the PCI parent's).
queue_irqs() {
	_d=$(readlink -f /sys/class/net/"$DEV"/device)
	if [ -d "$_d/msi_irqs" ]; then
		ls "$_d/msi_irqs"
	elif [ -d "$_d/../msi_irqs" ]; then
		ls "$_d/../msi_irqs"
	fi
}

is_queue_irq() {
	echo "$QIRQS" | grep -qx "$1"
}

queue_affinities() {
	for _q in $QIRQS; do
		echo "$_q:$(affinity "$_q")"
	done
}

start_daemon() {
	: > "$LOG"
	ixdpd -f -c "$CONF" 2> "$LOG" &
	PID=$!
	wait_for "$LOG" '^<6>ready' 15
}

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$IRQ" ] && echo "$ORIG" > "/proc/irq/$IRQ/smp_affinity_list" \
		2>/dev/null
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

tap_diag "isolated \"$(cat /sys/devices/system/cpu/isolated 2>&1)\", nohz_full \"$(cat /sys/devices/system/cpu/nohz_full 2>&1)\", online $(cat /sys/devices/system/cpu/online)"
if ! tap_check "ixdpd is installed" sh -c 'command -v ixdpd >/dev/null' ||
   ! tap_check "the guest has two CPUs" [ "$(nproc)" -ge 2 ]; then
	tap_finish
	exit
fi
ixctl port del dev "$DEV" >/dev/null 2>&1
tap_check "no port is attached before the stage" no_port

# --- isolation require: refused, with the reason, nothing changed
write_conf require
OUT=$(ixdpd -f -c "$CONF" 2>&1)
RC=$?
tap_diag "require: $OUT"
require_refused() {
	[ "$RC" -eq 1 ] &&
	echo "$OUT" | grep -q 'CPU 1 is not isolated' &&
	echo "$OUT" | grep -q 'isolcpus=1' &&
	echo "$OUT" | grep -q 'nohz_full' &&
	echo "$OUT" | grep -q 'refusing to start'
}
tap_check "isolation require: exit 1 ($RC), names CPU 1, isolcpus= and nohz_full" \
	require_refused
tap_check "isolation require: no port was added" no_port

# --- a CPU that does not exist or is offline: always refused
NCPU=$(nproc)
write_conf off "$NCPU"
OUT=$(ixdpd -f -c "$CONF" 2>&1)
RC=$?
tap_diag "cpu $NCPU: $OUT"
tap_check "isolation off, core $NCPU: exit 1 ($RC), \"CPU $NCPU does not exist\"" \
	sh -c "[ $RC -eq 1 ] && echo \"\$1\" | grep -q 'CPU $NCPU does not exist'" \
	sh "$OUT"
ON1=/sys/devices/system/cpu/cpu1/online
if [ -w "$ON1" ] && echo 0 > "$ON1" 2>/dev/null; then
	write_conf off
	OUT=$(ixdpd -n -c "$CONF" 2>&1)
	RC=$?
	echo 1 > "$ON1"
	tap_diag "cpu 1 offline: $OUT"
	offline_refused() {
		[ "$RC" -eq 1 ] && echo "$OUT" | grep -q 'CPU 1 is offline' &&
		! echo "$OUT" | grep -q '^plan:'
	}
	tap_check "CPU 1 offline: -n exits 1 ($RC) saying it is offline" \
		offline_refused
	tap_check "CPU 1 is online again" [ "$(cat "$ON1")" = 1 ]
else
	tap_diag "CPU 1 cannot be taken offline here"
	tap_skip "CPU 1 offline is refused" "no CPU hotplug"
	tap_skip "CPU 1 is online again" "no CPU hotplug"
fi
tap_check "no port was added by the refused starts" no_port

# --- isolation off: not checked, not warned about
write_conf off
OUT=$(ixdpd -n -c "$CONF" 2>&1)
RC=$?
tap_check "isolation off: -n exits 0 ($RC) without an isolation warning" \
	sh -c "[ $RC -eq 0 ] && ! echo \"\$1\" | grep -q 'not isolated'" \
	sh "$OUT"

# --- an IRQ to steer: on CPU 1, writable, not one of the NIC's
QIRQS=$(queue_irqs)
tap_diag "queue IRQs of $DEV: $(echo $QIRQS)"
grep -E '^ *[0-9]+:' /proc/interrupts | sed 's/^/# /'
for n in $(ls /proc/irq | grep -E '^[0-9]+$' | sort -n); do
	a=$(affinity "$n") || continue
	cpulist_has "$a" 1 || continue
	is_queue_irq "$n" && continue
	echo "$a" > "/proc/irq/$n/smp_affinity_list" 2>/dev/null || continue
	IRQ=$n
	ORIG=$a
	break
done
tap_diag "the IRQ to steer: ${IRQ:-none} (affinity $ORIG, $(grep -E "^ *$IRQ:" /proc/interrupts | awk '{ print $NF }'))"
QBEFORE=$(queue_affinities)
tap_diag "queue IRQ affinities: $(echo $QBEFORE)"
if ! tap_check "a writable IRQ other than the NIC's runs on CPU 1" \
	[ -n "$IRQ" ]; then
	cleanup
	tap_finish
	exit
fi

# --- isolation warn, irq_steer on
write_conf warn 1 "irq_steer on"
start_daemon
tap_check "isolation warn, irq_steer on: ixdpd starts" kill -0 "$PID"
sed 's/^/# ixdpd: /' "$LOG"
tap_check "it warns that CPU 1 is not isolated, saying isolcpus=1 nohz_full=1" \
	grep -q '^<4>CPU 1 is not isolated.*isolcpus=1 nohz_full=1' "$LOG"
tap_check "the port is up and core 1 runs" \
	sh -c "ixctl port show | grep -q '^port $DEV ' && ixctl core show | grep -q '^core cpu 1 rxq $RXQ1 '"
NOW=$(affinity "$IRQ")
tap_diag "irq $IRQ: $ORIG before, $NOW now"
steered() {
	[ -n "$NOW" ] && ! cpulist_has "$NOW" 1 &&
	grep -q "^<6>irq $IRQ (.*): affinity $ORIG -> $NOW, off the dataplane" \
		"$LOG"
}
tap_check "irq $IRQ is moved off CPU 1 ($ORIG -> $NOW), and the log says so" \
	steered
QAFTER=$(queue_affinities)
queues_alone() {
	[ -n "$QIRQS" ] && [ "$QBEFORE" = "$QAFTER" ] &&
	grep -q "a queue interrupt of $DEV, left on CPUs" "$LOG"
}
tap_check "the queue IRQs of $DEV are left alone ($(echo $QAFTER))" \
	queues_alone
OWN=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/"$PID"/status)
tap_diag "ixdpd Cpus_allowed_list: $OWN"
own_excl() {
	[ -n "$OWN" ] && ! cpulist_has "$OWN" 1
}
tap_check "ixdpd's own affinity (Cpus_allowed_list $OWN) excludes CPU 1" \
	own_excl
own_log() {
	grep -q "affinity: ixdpd runs on CPUs $OWN, off the dataplane CPUs 1" \
		"$LOG"
}
tap_check "and it logged that it runs on CPUs $OWN" own_log

# --- the events group
own_events() {
	grep -q "kernel: port add dev $DEV (ixdpd's change)" "$LOG" &&
	grep -q "kernel: core add cpu 1 rxq $RXQ1 txq $RXQ1 (ixdpd's change)" \
		"$LOG"
}
tap_check "its own port and core add are logged as kernel notifications" \
	own_events
ixctl core del cpu 1 && ixctl core add cpu 1 rxq "$RXQ1"
OPRC=$?
wait_for "$LOG" 'the kernel matches the config again' 10
sed -n '/ready/,$p' "$LOG" | sed 's/^/# ixdpd: /'
op_events() {
	[ "$OPRC" -eq 0 ] &&
	grep -q '^<6>kernel: core del cpu 1 .*(not made by ixdpd)' "$LOG" &&
	grep -q "^<6>kernel: core add cpu 1 rxq $RXQ1 txq $RXQ1 (not made by ixdpd)" \
		"$LOG"
}
tap_check "ixctl core del and core add: both notifications are logged" \
	op_events
noticed() {
	grep -q 'the kernel was changed outside ixdpd; checking it' "$LOG" &&
	grep -q 'the kernel matches the config again, nothing to change' \
		"$LOG" && core1_runs
}
tap_check "the daemon noticed, reconciled on the retry tick: nothing to change" \
	noticed
ixctl core del cpu 1
wait_for "$LOG" "retry: core add cpu 1 rxq $RXQ1 txq $RXQ1: done" 10
readded() {
	grep -q "retry: core add cpu 1 rxq $RXQ1 txq $RXQ1: done" "$LOG" &&
	core1_runs
}
tap_check "a core the operator deleted is added back on the retry tick" \
	readded

# --- SIGTERM: the IRQ is put back
tap_check "ixdpd exits 0 on SIGTERM" stop_pid "$PID"
PID=
sed -n '/exiting/,$p' "$LOG" | sed 's/^/# ixdpd: /'
BACK=$(affinity "$IRQ")
restored() {
	[ "$BACK" = "$ORIG" ] &&
	grep -q "irq $IRQ: affinity restored to $ORIG (exiting)" "$LOG"
}
tap_check "irq $IRQ is restored to $ORIG on exit ($BACK)" restored
tap_check "the queue IRQs are as before ($(echo $(queue_affinities)))" \
	[ "$QBEFORE" = "$(queue_affinities)" ]

# --- irq_restore off: the IRQ stays steered after exit
write_conf warn 1 "irq_steer on" "irq_restore off"
start_daemon
tap_check "irq_restore off: ixdpd starts again" kill -0 "$PID"
tap_check "irq_restore off: it exits 0 on SIGTERM" stop_pid "$PID"
PID=
KEPT=$(affinity "$IRQ")
kept() {
	[ -n "$KEPT" ] && ! cpulist_has "$KEPT" 1 &&
	grep -q 'irq_restore off: [0-9]* IRQs stay off the dataplane CPUs' \
		"$LOG"
}
tap_check "irq_restore off: irq $IRQ stays off CPU 1 after exit ($KEPT)" kept
echo "$ORIG" > "/proc/irq/$IRQ/smp_affinity_list"

tap_check "the port detaches" ixctl port del dev "$DEV"
IRQ=
cleanup
tap_finish
