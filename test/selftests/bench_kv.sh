#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make bench-kv" (issue 15's figure): two key-value
# servers speaking memcached's text protocol on one guest with two
# CPUs, loaded in turn by the host's kvload (test/host/kv-load.sh):
#   ixdp       kv_ixdp (examples/kv) inline on both dataplane cores
#              (198.18.0.3:11211)
#   memcached  Debian's memcached 1.6 on the guest's Linux, one thread
#              per vCPU (198.18.0.2:11211), on the same NIC
# Each server is started for its runs and stopped by PID after, so that
# the other has the CPUs to itself; every start preloads all keys of
# both workloads (GETs hit). First, a calibration: each server's
# saturation rate of each sweep workload, the highest of ixdp_cal (3)
# closed-loop runs (cal/SERVER/WL/N, kept on the host by kv-load.sh).
# Then ixdp_reps repetitions, the servers' order alternating, of:
#   sat/SERVER/WL/repR        closed loop, ixdp_conns connections x
#                             ixdp_depth requests in flight: saturation,
#                             for WL in usr-uniform usr-zipf etc-uniform
#                             etc-zipf
#   sweep/SERVER/WL/F/repR    open loop, Poisson arrivals at F times the
#                             server's calibrated saturation rate of WL,
#                             F in ixdp_fracs, WL in ixdp_sweep; for
#                             kv_ixdp also F = "mc": memcached's
#                             calibrated rate (issue 15's latency target)
# Nothing here is asserted; test/bench/ratios-kv.awk makes the table.
. /selftests/lib.sh
. /selftests/bench_lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
IXIP=198.18.0.3
PORT=11211
REPS=${ixdp_reps:-3}
SECS=${ixdp_secs:-3}
KEYS=${ixdp_keys:-100000}
CAL=${ixdp_cal:-3}
CONNS=${ixdp_conns:-32}
DEPTH=${ixdp_depth:-8}
FRACS=$(echo "${ixdp_fracs:-0.1,0.3,0.5,0.7,0.9,1.0}" | tr ',' ' ')
SWEEP=$(echo "${ixdp_sweep:-usr-zipf,etc-zipf}" | tr ',' ' ')
SAT="usr-uniform usr-zipf etc-uniform etc-zipf"

# The echo responder it also starts (port 7) is not in the way.
bench_ixdp_up bench-kv || exit 1
ulimit -n 262144 2>/dev/null
command -v memcached >/dev/null ||
	echo "bench-kv: no memcached in this initramfs (scripts/deps.sh bench): left out"
command -v kv_ixdp >/dev/null || echo "bench-kv: no kv_ixdp: left out"
echo "bench-kv: $REPS repetitions of $SECS s, $KEYS keys, closed loop $CONNS x $DEPTH, sweep $SWEEP at $FRACS of each server's saturation"
host_run kv-load --reset

# start SERVER: start it (PID in $srv), wait until it answers, preload.
start() {
	case $1 in
	ixdp)
		addr=$IXIP
		command -v kv_ixdp >/dev/null || return 1
		IXDP_MODE=inline kv_ixdp -p "$PORT" -c "$cores" -m 1024 -q &
		;;
	memcached)
		addr=$IXDP_GUEST_IP
		command -v memcached >/dev/null || return 1
		memcached -u root -l "$IXDP_GUEST_IP" -p "$PORT" -t "$(nproc)" \
			-U 0 -m 1024 -c 200000 &
		;;
	esac
	srv=$!
	for wl in usr etc; do
		_try=1
		until host_run kv-load "$addr" "$PORT" --workload "$wl" \
			--keys "$KEYS" --preload-only --label "preload/$1/$wl"; do
			if ! kill -0 "$srv" 2>/dev/null || [ $_try -ge 5 ]; then
				echo "bench-kv: $1 does not start or preload: left out"
				stop_pid "$srv" 2>/dev/null
				return 1
			fi
			sleep 1
			_try=$((_try + 1))
		done
	done
}

# load LABEL WL ARGS...: one kvload run of workload WL (usr-zipf, ...).
load() {
	_label=$1 _wl=$2
	shift 2
	host_run kv-load "$addr" "$PORT" --workload "${_wl%-*}" \
		--dist "${_wl#*-}" --keys "$KEYS" --conns "$CONNS" \
		--duration "$SECS" --label "$_label" "$@" ||
		echo "bench-kv: $_label failed"
}

bench() {
	start "$1" || return
	for wl in $SAT; do
		load "sat/$1/$wl/rep$rep" "$wl" --depth "$DEPTH"
	done
	for wl in $SWEEP; do
		for f in $FRACS; do
			load "sweep/$1/$wl/$f/rep$rep" "$wl" --rate-of "$1-$wl" "$f"
		done
		[ "$1" = ixdp ] && load "sweep/$1/$wl/mc/rep$rep" "$wl" \
			--rate-of "memcached-$wl" 1
	done
	stop_pid "$srv"
}

for server in memcached ixdp; do
	start "$server" || continue
	for wl in $SWEEP; do
		i=1
		while [ "$i" -le "$CAL" ]; do
			load "cal/$server/$wl/$i" "$wl" --depth "$DEPTH" \
				--save "$server-$wl"
			i=$((i + 1))
		done
	done
	stop_pid "$srv"
done

rep=1
while [ "$rep" -le "$REPS" ]; do
	if [ $((rep % 2)) = 1 ]; then
		bench memcached
		bench ixdp
	else
		bench ixdp
		bench memcached
	fi
	rep=$((rep + 1))
done
ixctl -s core show | grep -E 'cpu|drop|wait|full' | sed 's/^/bench-kv: /'
exit 0
