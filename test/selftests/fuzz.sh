#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The fuzzing stage: random and mutated input on all three of ixdp's
# interfaces, then the dataplane must still be healthy.
#  - fuzz_cmds: concurrent contexts submit random and mutated commands,
#    some processes exit, are killed or unmap their regions mid-batch;
#    afterwards no context, application connection or buffer is left;
#  - fuzz_nl: random attributes for every command of the "ixdp" generic
#    netlink family; afterwards it answers correctly and the config is
#    restored;
#  - fuzz-frames (host side): every TCP flag combination, bad options,
#    IP fragments, truncated and malformed frames at ixdp's address.
# After each part ixdp's address must answer ping and TCP echo.
#
# Kernel command-line knobs (the guest's init sees them as variables):
#   ixdp_fuzz=long            the long counts (make fuzz)
#   ixdp_fuzz_seed=S          the seed of every part (default: the clock)
#   ixdp_fuzz_cmds=N ixdp_fuzz_nl=N ixdp_fuzz_frames=N   the counts
#   ixdp_fuzz_faults=1        failslab and fail_page_alloc around attach,
#                             connection setup and flow-group moves
# Every count is printed as a "# FUZZ" diagnostic.
. /selftests/lib.sh

IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
NCPU=$(nproc)
T0=$(date +%s)
FI=/sys/kernel/debug

if [ "${ixdp_fuzz:-short}" = long ]; then
	CMDS=${ixdp_fuzz_cmds:-1000000}
	NL=${ixdp_fuzz_nl:-100000}
	FRAMES=${ixdp_fuzz_frames:-60000}
else
	# 1,060 commands a second on the debug kernel (ixdp_slow=4), whose
	# chunks are bounded at 90 s; 7.5 ms a netlink request there: fewer.
	CMDS=${ixdp_fuzz_cmds:-$((100000 / ${ixdp_slow:-1}))}
	NL=${ixdp_fuzz_nl:-$((20000 / ${ixdp_slow:-1}))}
	FRAMES=${ixdp_fuzz_frames:-6000}
fi
SEED=${ixdp_fuzz_seed:-$(($(date +%s) % 1000000007))}
FAULTS=${ixdp_fuzz_faults:-0}
# fuzz_cmds runs in chunks of at most 10^5 commands: the host peers of
# each chunk are bounded by the harness's 120 s per host command.
CHUNK=100000

elapsed() {
	echo $(($(date +%s) - T0))
}

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$NCPU" -lt 2 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); } &&
	ixctl responder set mode echo port 7
}

teardown() {
	ixctl responder set mode none >/dev/null 2>&1
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

# dp_sum NAME: a counter summed over the cores.
dp_sum() {
	ixctl -s core show | awk -v n="$1" '$1 == n { s += $2 } END { print s + 0 }'
}

# drops: every drop_* counter of the cores, summed.
drops() {
	ixctl -s core show | awk '$1 ~ /^drop_/ { s += $2 } END { print s + 0 }'
}

# healthy LABEL: ixdp's address answers ping and the responder echoes.
healthy() {
	host_run ping "$IXIP" 10 0.05
	tap_check "$1: ixdp's address answers ping" [ $? -eq 0 ]
	host_run tcp-echo "$IXIP" 7 4 65536
	tap_check "$1: the built-in responder echoes byte-exact" [ $? -eq 0 ]
}

# c_run NAME ARGS...: a C fuzzer whose TAP stream (with its own plan) is
# folded into this one; its "# FUZZ" lines are kept for the totals.
c_run() {
	_name=$1
	shift
	"/selftests/$_name" "$@" > "/tmp/$_name.out" 2>&1
	_rc=$?
	while IFS= read -r _l; do
		case $_l in
		"TAP version"*|1..*) ;;
		"ok "*) tap_ok "$_name: ${_l#* - }" ;;
		"not ok "*) tap_not_ok "$_name: ${_l#* - }" ;;
		*) echo "$_l" ;;
		esac
	done < "/tmp/$_name.out"
	_plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "/tmp/$_name.out")
	_ran=$(grep -cE '^(not )?ok ' "/tmp/$_name.out")
	if [ "${_plan:-x}" != "$_ran" ] ||
	   { [ "$_rc" -ne 0 ] && ! grep -q '^not ok' "/tmp/$_name.out"; }; then
		tap_not_ok "$_name: planned ${_plan:-no} checks, ran $_ran, exit $_rc"
	fi
}

# ---- fault injection (debug kernel) ----

FI_TIMES=0
FI_INJECTED=0

fi_avail() {
	[ -d "$FI/failslab" ] && [ -d "$FI/fail_page_alloc" ]
}

# fi_start PROBABILITY TIMES: arm failslab and fail_page_alloc for tasks
# whose make-it-fail is set; silent (verbose 0). Marks the kernel log so
# that the allocation-failure reports the faults cause are recognised.
fi_start() {
	for d in failslab fail_page_alloc; do
		echo 0 > "$FI/$d/verbose"
		echo Y > "$FI/$d/task-filter"
		echo N > "$FI/$d/ignore-gfp-wait"
		echo 1 > "$FI/$d/interval"
		echo "$1" > "$FI/$d/probability"
		echo "$2" > "$FI/$d/times"
		echo 0 > "$FI/$d/space"
	done
	echo 0 > "$FI/fail_page_alloc/min-order"
	FI_TIMES=$2
	dmesg -c >> /tmp/fuzz.dmesg
	echo "ixdp-fuzz: fault injection on" > /dev/kmsg
}

# fi_tasks 0|1: make-it-fail of the dataplane kthreads.
fi_tasks() {
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in
		ixdp*) echo "$1" > "$p/make-it-fail" 2>/dev/null ;;
		esac
	done
}

# fi_stop LABEL: disarm, count the failures injected since fi_start.
fi_stop() {
	_n=0
	for d in failslab fail_page_alloc; do
		_left=$(cat "$FI/$d/times")
		_i=$((FI_TIMES - _left))
		tap_diag "FUZZ faults $1 $d=$_i"
		_n=$((_n + _i))
		echo 0 > "$FI/$d/probability"
		echo 1 > "$FI/$d/times"
	done
	fi_tasks 0
	echo "ixdp-fuzz: fault injection off" > /dev/kmsg
	FI_INJECTED=$((FI_INJECTED + _n))
	# The allocation-failure reports could fill the log buffer: check
	# this window's log now (the marks must still be in it) and clear it.
	dmesg -c >> /tmp/fuzz.dmesg
	/selftests/splats.sh "$KERNEL_SPLAT" /tmp/fuzz.dmesg > /tmp/fuzz.splat \
		2> /tmp/fuzz.splat-left
	tap_diag "$(cat /tmp/fuzz.splat-left)"
	if [ -s /tmp/fuzz.splat ]; then
		sed 's/^/# /' /tmp/fuzz.splat | head -n 40
		tap_not_ok "$1: no warning, bug or lockdep report under injected faults"
	else
		tap_ok "$1: no warning, bug or lockdep report under injected faults"
	fi
	: > /tmp/fuzz.dmesg
}

# faulty CMD ARGS...: run CMD with make-it-fail set.
faulty() {
	sh -c 'echo 1 > /proc/self/make-it-fail && exec "$@"' faulty "$@"
}

# fg_mover SECONDS: move every flow group back and forth meanwhile, each
# ixctl under injected faults (the loop itself without).
fg_mover() {
	_end=$(($(date +%s) + $1))
	_ok=0 _fail=0
	while [ "$(date +%s)" -lt "$_end" ] && [ ! -e /tmp/fuzz-stop ]; do
		if faulty ixctl fg move from 0 cpu 1 >/dev/null 2>&1; then
			_ok=$((_ok + 1))
		else
			_fail=$((_fail + 1))
		fi
		if faulty ixctl fg move from 1 cpu 0 >/dev/null 2>&1; then
			_ok=$((_ok + 1))
		else
			_fail=$((_fail + 1))
		fi
		faulty ixctl fg balance >/dev/null 2>&1
	done
	echo "$_ok $_fail" > /tmp/fuzz-moves
}

# ---- the stage ----

tap_diag "fuzz: mode ${ixdp_fuzz:-short}, seed $SEED, commands $CMDS, netlink $NL, frames $FRAMES, faults $FAULTS"
if ! tap_check "port, two cores and the echo responder come up" setup; then
	teardown
	tap_finish
	exit
fi
if [ "$FAULTS" = 1 ] && ! fi_avail; then
	tap_diag "no failslab/fail_page_alloc in debugfs: no fault injection"
	FAULTS=0
fi

# 1. Commands, chunk after chunk.
done_cmds=0
chunk=0
while [ "$done_cmds" -lt "$CMDS" ]; do
	n=$((CMDS - done_cmds))
	[ "$n" -gt "$CHUNK" ] && n=$CHUNK
	host_spawn ring-peer chaos "$IXIP" 7600 8 --timeout 100
	tc=$HOST_TICKET
	host_spawn fuzz-peer 7601 --max 100 --idle 20
	tp=$HOST_TICKET
	host_run wait-listen 7601
	s=$((SEED + chunk))
	if [ "$FAULTS" = 1 ]; then
		rm -f /tmp/fuzz-stop /tmp/fuzz-moves
		fi_start 2 2000
		fi_tasks 1
		fg_mover 80 &
		mpid=$!
		c_run fuzz_cmds -s "$s" -t 90 -f "$n"
		touch /tmp/fuzz-stop
		wait "$mpid"
		fi_stop "cmds-$chunk"
		tap_diag "FUZZ fg-moves $(cat /tmp/fuzz-moves 2>/dev/null) (ok failed)"
	else
		c_run fuzz_cmds -s "$s" -t 90 "$n"
	fi
	got=$(sed -n 's/^# FUZZ commands=\([0-9]*\).*/\1/p' /tmp/fuzz_cmds.out)
	done_cmds=$((done_cmds + ${got:-0}))
	host_wait "$tc"
	tap_diag "host chaos peer: exit $?"
	host_wait "$tp"
	tap_diag "host fuzz peer: exit $?"
	chunk=$((chunk + 1))
	[ "${got:-0}" -gt 0 ] || break
	tap_diag "fuzz_cmds chunk $chunk done at $(elapsed) s"
done
tap_diag "FUZZ commands $done_cmds"
tap_check "$done_cmds commands fuzzed (wanted $CMDS)" [ "$done_cmds" -ge "$CMDS" ]
healthy "after the command fuzzer"

# 2. Generic netlink, then the stage's own set-up again.
c_run fuzz_nl -s "$SEED" -d "$DEV" -a "$IXIP/24" -u $((NL / 10 + 1)) "$NL"
got=$(sed -n 's/^# FUZZ netlink=\([0-9]*\).*/\1/p' /tmp/fuzz_nl.out)
tap_diag "FUZZ netlink ${got:-0}"
teardown
tap_check "after the netlink fuzzer the port and cores come up again" setup
healthy "after the netlink fuzzer"

# 3. Malformed frames from the host.
rx0=$(dp_sum dp_rx_frames) drop0=$(drops)
host_run fuzz-frames "$IXIP" "$FRAMES" --seconds 100 --seed "$SEED"
rc=$?
rx1=$(dp_sum dp_rx_frames) drop1=$(drops)
tap_diag "FUZZ frames $FRAMES (the cores ran $((rx1 - rx0)) frames, dropped $((drop1 - drop0)) as malformed)"
tap_check "the host sent $FRAMES odd and malformed frames (exit $rc)" [ "$rc" -eq 0 ]
tap_check "the cores counted malformed frames as dropped" [ $((drop1 - drop0)) -gt 0 ]
healthy "after the malformed frames"

teardown
tap_diag "FUZZ faults-injected $FI_INJECTED"
tap_diag "fuzz stage took $(elapsed) s"
tap_finish
