#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make bench-preload" (issue 16's figure): the same
# unmodified Debian servers run in turn on the guest's Linux and under
# libixdp-preload.so, loaded from the host, as the application user of
# the preload-apps stage (test/selftests/preload_apps.sh):
#   linux    on 198.18.0.2, the guest's Linux stack
#   preload  LD_PRELOAD=/ixdp/libixdp-preload.so IXDP_PRELOAD_ADDR=198.18.0.3,
#            ixdp on cores 0 and 1 of the same NIC
# ixdp_reps repetitions (3), the order of the two alternating, of:
#   sat/SERVER/WL/repR   memcached 1.6 -t 2, closed loop of the host's
#                        kvload (test/host/kv-load.sh), ixdp_conns x
#                        ixdp_depth requests in flight for ixdp_secs,
#                        WL in usr-uniform usr-zipf (all keys preloaded)
#   redis/SERVER/repR    redis-server 7, redis-benchmark -t get,set of
#                        ixdp_redis_n requests from ixdp_redis_clients
#                        clients (test/host/preload-check.sh redis-bench)
# Nothing here is asserted; test/bench/ratios-preload.awk makes the
# table. Without the library only the Linux figures are measured.
. /selftests/lib.sh
. /selftests/bench_lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
PATH=$PATH:/usr/sbin
IXIP=198.18.0.3
LXIP=$IXDP_GUEST_IP
PORT=11211
RDPORT=6379
REPS=${ixdp_reps:-3}
SECS=${ixdp_secs:-3}
KEYS=${ixdp_keys:-100000}
CONNS=${ixdp_conns:-32}
DEPTH=${ixdp_depth:-8}
RDN=${ixdp_redis_n:-20000}
RDC=${ixdp_redis_clients:-50}
SAT="usr-uniform usr-zipf"
PRELOAD=${ixdp_preload:-/ixdp/libixdp-preload.so}

bench_ixdp_up bench-preload || exit 1
app_user_setup "$RDPORT-$PORT" ||
	echo "bench-preload: ports $RDPORT-$PORT not granted to uid $APP_UID"
SERVERS=linux
if [ -f "$PRELOAD" ]; then
	SERVERS="linux preload"
else
	echo "bench-preload: no $PRELOAD (make user builds it): Linux only"
fi
mkdir -p /tmp/redis
chown "$APP_UID:$APP_GID" /tmp/redis
echo "bench-preload: $REPS repetitions; memcached -t 2: $SECS s closed loop $CONNS x $DEPTH, $KEYS keys, $SAT; redis-server: redis-benchmark -n $RDN -c $RDC -t get,set"

# run SERVER PROGRAM ARGS...: start PROGRAM as the application user for
# SERVER (under the library for "preload"); its PID in $srv.
run() {
	if [ "$1" = preload ]; then
		shift
		$AS_APP env LD_PRELOAD="$PRELOAD" IXDP_PRELOAD_ADDR="$IXIP" \
			"$@" > "/tmp/bench-$1.out" 2>&1 &
	else
		shift
		$AS_APP "$@" > "/tmp/bench-$1.out" 2>&1 &
	fi
	srv=$!
}

# addr_of SERVER
addr_of() {
	if [ "$1" = preload ]; then echo "$IXIP"; else echo "$LXIP"; fi
}

# stop WHAT: stop $srv, saying so if it did not exit 0.
stop() {
	stop_pid "$srv" || {
		echo "bench-preload: $1 did not exit 0 on SIGTERM; its last lines:"
		tail -n 5 "/tmp/bench-${1%% *}.out" | sed 's/^/bench-preload:   /'
	}
}

# bench_memcached SERVER
bench_memcached() {
	addr=$(addr_of "$1")
	run "$1" memcached -l "$addr" -p "$PORT" -t 2 -U 0 -m 1024 -c 4096
	_try=1
	until host_run kv-load "$addr" "$PORT" --workload usr \
		--keys "$KEYS" --preload-only --label "preload/$1/usr"; do
		if ! kill -0 "$srv" 2>/dev/null || [ $_try -ge 10 ]; then
			echo "bench-preload: memcached ($1) does not start or preload: left out"
			tail -n 5 /tmp/bench-memcached.out | sed 's/^/bench-preload:   /'
			stop_pid "$srv" 2>/dev/null
			return 1
		fi
		sleep 1
		_try=$((_try + 1))
	done
	for wl in $SAT; do
		bench_snap /tmp/bench.before
		host_run kv-load "$addr" "$PORT" --workload "${wl%-*}" \
			--dist "${wl#*-}" --keys "$KEYS" --conns "$CONNS" \
			--depth "$DEPTH" --duration "$SECS" \
			--label "sat/$1/$wl/rep$rep" ||
			echo "bench-preload: sat/$1/$wl/rep$rep failed"
		bench_snap /tmp/bench.after
		bench_counters "sat/$1/$wl/rep$rep" /tmp/bench.before /tmp/bench.after
	done
	stop "memcached ($1)"
}

# bench_redis SERVER
bench_redis() {
	addr=$(addr_of "$1")
	run "$1" redis-server --bind "$addr" --port "$RDPORT" --save "" \
		--appendonly no --protected-mode no --daemonize no \
		--dir /tmp/redis --loglevel warning
	if ! host_run preload-check wait "$addr" "$RDPORT" 20; then
		echo "bench-preload: redis-server ($1) does not start: left out"
		tail -n 5 /tmp/bench-redis-server.out | sed 's/^/bench-preload:   /'
		stop_pid "$srv" 2>/dev/null
		return 1
	fi
	host_run preload-check redis-bench "$addr" "$RDPORT" "$RDN" "$RDC" \
		"redis/$1/rep$rep" ||
		echo "bench-preload: redis/$1/rep$rep failed"
	stop "redis-server ($1)"
}

rep=1
while [ "$rep" -le "$REPS" ]; do
	order=$SERVERS
	[ $((rep % 2)) = 0 ] && [ "$SERVERS" != linux ] && order="preload linux"
	for server in $order; do
		bench_memcached "$server"
		bench_redis "$server"
	done
	rep=$((rep + 1))
done
ixctl -s core show | grep -E 'cpu|drop|wait|full' | sed 's/^/bench-preload: /'
exit 0
