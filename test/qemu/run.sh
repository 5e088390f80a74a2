#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot ixdp.ko in a QEMU guest and run a job there: the selftests or the
# demo. Everything happens inside a network namespace this script creates:
# QEMU's tap lives there, its host side (198.18.0.1) is the peer of the
# guest (198.18.0.2), and the guest may ask for host-side commands
# (test/host/NAME.sh) to be run in it while it serves.
#
# On every exit path the namespace is deleted and only the processes this
# script started are ended, by PID.
#
# Options:
#   --kernel-version V   boot /boot/vmlinuz-V with drivers from /lib/modules/V
#   --kernel PATH        boot this bzImage (then --modules DIR|none)
#   --modules DIR|none   module tree with the NIC drivers, or none (built in)
#   --ko PATH            ixdp.ko to load (default: ./ixdp.ko)
#   --mode test|demo|bench|bench-app|bench-scale|bench-kv|bench-preload|bench-policy|bench-xdp|profile-app
#                        job for the guest (default test)
#   --nic virtio|e1000e  NIC model (default virtio, 2 queues)
#   --queues N           queue pairs of the virtio NIC and its tap (default 2;
#                        bench-xdp wants 4: XDP_TX needs a TX queue per CPU)
#   --extra DIR          DIR's files to /extra in the guest, programs with
#                        their shared libraries (test/qemu/mkinitramfs.sh)
#   --rss on|off         virtio RSS in QEMU (default off: see Documentation/dataplane.rst)
#   --smp N --mem MB --cpu MODEL --append "ARGS"
#   --timeout SECONDS    bound on the whole run (default 300)
#   --host-timeout S     bound on each host command (default 120)
#   --only STAGE[,STAGE] run only these selftest stages (see
#                        test/selftests/run.sh)
#   --keep               keep the work directory for inspection
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kver= kernel= moddir= ko=$top/ixdp.ko mode=test nic=virtio rss=off
smp=2 mem=1024 cpu=max append= timeout=300 keep=0 only= queues=2 extra=
host_timeout=120

while [ $# -gt 0 ]; do
	case $1 in
	--kernel-version) kver=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--modules) moddir=$2; shift ;;
	--ko) ko=$2; shift ;;
	--mode) mode=$2; shift ;;
	--nic) nic=$2; shift ;;
	--queues) queues=$2; shift ;;
	--extra) extra=$2; shift ;;
	--rss) rss=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--host-timeout) host_timeout=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--append) append=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--keep) keep=1 ;;
	--only) only=$2; shift ;;
	-h|--help) sed -n '3,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

if [ -n "$kver" ]; then
	kernel=${kernel:-/boot/vmlinuz-$kver}
	moddir=${moddir:-/lib/modules/$kver}
fi
die() { echo "run.sh: $*" >&2; exit 1; }
[ -n "$kernel" ] && [ -r "$kernel" ] || die "no readable kernel (--kernel-version or --kernel)"
[ -n "$moddir" ] || die "--modules DIR|none is needed with --kernel"
[ -r "$ko" ] || die "no module at $ko (make module)"
case $mode in test|demo|bench|bench-app|bench-scale|bench-kv|bench-preload|bench-policy|bench-xdp|profile-app) ;;
*) die "unknown mode $mode" ;;
esac
[[ $queues =~ ^[1-8]$ ]] || die "--queues takes 1 to 8"
[ -z "$extra" ] || [ -d "$extra" ] || die "no directory $extra (--extra)"
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace and tap)"

mkdir -p "$top/build"
work=$(mktemp -d "$top/build/qemu.XXXXXX")
ns=ixdp-$$-${work##*.}
qemu_pid= tail_pid=
declare -A host_pid=() host_name=()

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for p in $tail_pid $qemu_pid "${host_pid[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	ip netns del "$ns" 2>/dev/null || true
	if [ "$keep" = 1 ]; then
		echo "run.sh: work directory kept: $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$top/test/qemu/mkinitramfs.sh" "$work/initrd.gz" "$moddir" "$ko" "$top/build" ${extra:+"$extra"}

# The namespace and its tap: multi-queue for virtio, single for e1000e.
ip netns add "$ns"
ip -n "$ns" link set lo up
if [ "$nic" = virtio ]; then
	ip -n "$ns" tuntap add dev ixtap0 mode tap multi_queue
	netdev="tap,id=n0,ifname=ixtap0,script=no,downscript=no,queues=$queues,vhost=off"
	nicdev="virtio-net-pci,netdev=n0,mq=on,vectors=$((2 * queues + 2))"
	[ "$rss" = on ] && nicdev="$nicdev,rss=on"
else
	ip -n "$ns" tuntap add dev ixtap0 mode tap
	netdev="tap,id=n0,ifname=ixtap0,script=no,downscript=no,vhost=off"
	nicdev="e1000e,netdev=n0"
fi
ip -n "$ns" addr add 198.18.0.1/24 dev ixtap0
ip -n "$ns" link set ixtap0 up

mkfifo "$work/ctl.in" "$work/ctl.out"
: > "$work/results.tap"
: > "$work/console.log"

start=$(date +%s)
ip netns exec "$ns" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu "$cpu" -smp "$smp" -m "$mem" \
	-nodefaults -nographic -no-reboot -monitor none \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 loglevel=5 panic=-1 panic_on_warn=1 oops=panic ixdp_mode=$mode${only:+ ixdp_only=$only} $append" \
	-serial "file:$work/console.log" \
	-device virtio-serial-pci \
	-chardev "file,id=res,path=$work/results.tap" \
	-device virtserialport,chardev=res,name=ixdp.results \
	-chardev "pipe,id=ctl,path=$work/ctl" \
	-device virtserialport,chardev=ctl,name=ixdp.ctl \
	-netdev "$netdev" -device "$nicdev" \
	> "$work/qemu.log" 2>&1 &
qemu_pid=$!

if [ "$mode" != test ]; then
	tail -n +1 -f "$work/console.log" &
	tail_pid=$!
fi

# Serve the guest's requests until QEMU exits or time runs out.
exec {ctl_out}<>"$work/ctl.out" {ctl_in}<>"$work/ctl.in"
timed_out=0
partial=
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
		timed_out=1
		break
	fi
	# A read that times out mid-line (a slow guest writes a request in
	# pieces) returns the piece: keep it until the newline comes.
	part= rc=0
	read -r -t 1 -u "$ctl_out" part || rc=$?
	if [ "$rc" -gt 128 ]; then
		partial=$partial$part
		continue
	fi
	line=$partial$part
	partial=
	[ -n "$line" ] || continue
	set -- $line
	verb=${1:-} seq=${2:-}
	if ! [[ $seq =~ ^[0-9]+$ ]]; then
		echo "run.sh: bad request from the guest: $line" >&2
		continue
	fi
	case $verb in
	RUN|SPAWN)
		name=${3:-}
		if ! [[ $name =~ ^[a-z0-9-]+$ ]] || [ ! -x "$top/test/host/$name.sh" ]; then
			echo "run.sh: unknown host command: $line" >&2
			echo "DONE $seq 126" >&"$ctl_in"
			continue
		fi
		shift 3
		timeout -k 5 "$host_timeout" ip netns exec "$ns" "$top/test/host/$name.sh" "$@" \
			> "$work/host-$seq.log" 2>&1 &
		host_pid[$seq]=$! host_name[$seq]=$name
		[ "$verb" = SPAWN ] && { echo "DONE $seq 0" >&"$ctl_in"; continue; }
		;;
	WAIT)
		[ -n "${host_pid[$seq]:-}" ] || { echo "DONE $seq 127" >&"$ctl_in"; continue; }
		;;
	*)
		echo "run.sh: bad request from the guest: $line" >&2
		echo "DONE $seq 126" >&"$ctl_in"
		continue
		;;
	esac
	rc=0
	wait "${host_pid[$seq]}" || rc=$?
	unset "host_pid[$seq]"
	name=${host_name[$seq]}
	sed "s/^/host[$name]: /" "$work/host-$seq.log" >> "$work/host.log"
	[ "$mode" != test ] && sed "s/^/host[$name]: /" "$work/host-$seq.log"
	echo "DONE $seq $rc" >&"$ctl_in"
done
elapsed=$(($(date +%s) - start))
if [ "$timed_out" = 1 ]; then
	kill "$qemu_pid" 2>/dev/null || true
fi
wait "$qemu_pid" 2>/dev/null || true
qemu_pid=
if [ -n "$tail_pid" ]; then
	sleep 0.5
	kill "$tail_pid" 2>/dev/null && wait "$tail_pid" 2>/dev/null || true
	tail_pid=
fi

[ "$mode" = test ] && [ -s "$work/host.log" ] && cat "$work/host.log"

# Verdict. The guest must have said it finished; the console must be
# free of kernel splats even if no test noticed them.
splat='WARNING:|BUG:|Oops|KASAN|UBSAN|general protection|Kernel panic|Call Trace|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|unreferenced object|blocked for more than|soft lockup|hard LOCKUP|refcount_t:'
problems=0
if [ "$timed_out" = 1 ]; then
	echo "not ok - guest did not finish within ${timeout}s (wedged or too slow)"
	problems=$((problems + 1))
elif ! grep -q 'ixdp-guest: done' "$work/console.log"; then
	echo "not ok - guest stopped before finishing its job"
	problems=$((problems + 1))
fi
# Allocation-failure reports that the fuzz stage's injected faults cause
# are expected between its marks (test/selftests/splats.sh).
if "$top/test/selftests/splats.sh" "$splat" "$work/console.log" | grep -q .; then
	echo "not ok - kernel console shows a warning, bug or panic"
	problems=$((problems + 1))
fi
if [ "$problems" -gt 0 ]; then
	echo "----- last lines of the guest console -----"
	tail -n 60 "$work/console.log"
	echo "----- qemu -----"
	tail -n 20 "$work/qemu.log"
	keep=1
fi

if [ "$mode" = test ]; then
	tr -d '\r' < "$work/results.tap" > "$work/results.clean"
	cat "$work/results.clean"
	pass=$(grep -cE '^ok ' "$work/results.clean" || true)
	skip=$(grep -cE '^ok .*# SKIP' "$work/results.clean" || true)
	fail=$(grep -cE '^not ok ' "$work/results.clean" || true)
	pass=$((pass - skip))
	fail=$((fail + problems))
	[ $((pass + fail)) -gt 0 ] || fail=$((fail + 1))
	echo "qemu selftests ($(basename "$kernel"), $nic): $pass passed, $fail failed, $skip skipped in ${elapsed}s"
	[ "$fail" -eq 0 ]
else
	echo "$mode finished in ${elapsed}s"
	[ "$problems" -eq 0 ]
fi
