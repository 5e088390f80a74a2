#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Issue 16: unmodified Debian servers under libixdp-preload.so. Each of
# memcached 1.6 (-t 2: one thread accepts, the others serve), redis-server
# 7 and nginx (one process, test/preload/nginx.conf) runs twice as the
# application user: first on the guest's Linux (198.18.0.2), then under
# LD_PRELOAD=/ixdp/libixdp-preload.so with IXDP_PRELOAD_ADDR=198.18.0.3,
# ixdp's address on the same NIC with cores 0 and 1. The same host-side
# checks run against both halves, each its own TAP line:
#  - memcached: libmemcached-tools (memccp, memccat, memcrm, memcstat,
#    memcflush, memccapable -a) and pymemcache (multi-get, cas races,
#    expiry, values up to 1000 KB): host kv-clients.sh;
#  - redis: redis-cli SET/GET, INCR, RPUSH/LRANGE, a 1 MiB value
#    byte-exact; redis-benchmark -q -n 2000 -t get,set;
#  - nginx: a 1 MiB random file by curl, sha256 compared; two transfers
#    on one kept-alive connection; "Connection: close" honoured.
# A check failing on Linux is the test's fault; one failing only under
# the library is the library's. Each server is stopped by PID (SIGTERM,
# exit 0 within 5 s).
. /selftests/lib.sh

R=/selftests/rings
# Debian puts nginx in /usr/sbin.
PATH=$PATH:/usr/sbin
IXIP=198.18.0.3
LXIP=$IXDP_GUEST_IP
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)
CORES=0
[ "$(nproc)" -ge 2 ] && CORES=0,1
# ixdp_preload=PATH on the kernel command line (test/qemu/run.sh
# --append) names another library; ixdp_preload_debug=1 sets
# IXDP_PRELOAD_DEBUG=1 for the servers (their output is in the log).
PRELOAD=${ixdp_preload:-/ixdp/libixdp-preload.so}
MCPORT=11211
RDPORT=6379
NGPORT=8080
# The ports granted to the application user (the three above).
PORTS=6379-11211
FILE=f.bin
FILE_SIZE=1048576

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$CORES" = 0 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); } &&
	app_user_setup "$PORTS"
}

teardown() {
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

# pa_check DESCRIPTION HOST-COMMAND ARGS...: one check of $APP's $HALF
# run by the host; skipped with $SKIP's reason, failed without running
# when the server is not up ($DOWN says why).
pa_check() {
	_d="$APP ($HALF): $1"
	shift
	if [ -n "$SKIP" ]; then
		tap_skip "$_d" "$SKIP"
	elif [ -n "$DOWN" ]; then
		tap_not_ok "$_d: $DOWN"
	else
		_t=$(date +%s)
		host_run "$@"
		tap_check "$_d" [ $? -eq 0 ]
		tap_diag "($(($(date +%s) - _t)) s)"
	fi
}

# pa_start: start $APP for $HALF as the application user, its PID in
# $PID, its output in /tmp/pa-$APP-$HALF.out.
pa_start() {
	case $APP in
	memcached)
		set -- memcached -l "$ADDR" -p "$MCPORT" -U 0 -t 2 -m 64 \
			-I 1m -c 1024
		;;
	redis)
		set -- redis-server --bind "$ADDR" --port "$RDPORT" \
			--save "" --appendonly no --protected-mode no \
			--daemonize no --dir /tmp/redis --loglevel warning
		;;
	nginx)
		echo "listen $ADDR:$NGPORT;" > /tmp/nginx/listen.conf
		set -- nginx -p /tmp/nginx/ -c /preload/nginx.conf -e stderr
		;;
	esac
	if [ "$HALF" = ixdp ]; then
		# env execs the server: $! is its PID.
		$AS_APP env LD_PRELOAD="$PRELOAD" IXDP_PRELOAD_ADDR="$IXIP" \
			${ixdp_preload_debug:+IXDP_PRELOAD_DEBUG=1} "$@" \
			> "/tmp/pa-$APP-$HALF.out" 2>&1 &
	else
		$AS_APP "$@" > "/tmp/pa-$APP-$HALF.out" 2>&1 &
	fi
	PID=$!
}

# pa_port: the port $APP listens on.
pa_port() {
	case $APP in
	memcached) echo "$MCPORT" ;;
	redis) echo "$RDPORT" ;;
	nginx) echo "$NGPORT" ;;
	esac
}

# pa_half APP HALF: start APP on HALF's address (linux or ixdp), run its
# checks, stop it.
pa_half() {
	APP=$1 HALF=$2 DOWN="" SKIP="" PID=""
	T=$(date +%s)
	if [ "$HALF" = ixdp ]; then
		ADDR=$IXIP
		# The library is part of every build: without it, every
		# check of this half fails, said so.
		[ -f "$PRELOAD" ] || DOWN="no preload library at $PRELOAD"
		[ -n "$DOWN" ] || [ "$IXDP_UP" = 1 ] || DOWN="ixdp is not set up"
	else
		ADDR=$LXIP
	fi
	port=$(pa_port)
	if [ -z "$SKIP$DOWN" ]; then
		pa_start
		# Up to 20 s, unless it exits first.
		_i=0
		until host_run preload-check wait "$ADDR" "$port" 2; do
			_i=$((_i + 1))
			if ! kill -0 "$PID" 2>/dev/null; then
				wait "$PID"
				DOWN="it exited with status $? before accepting"
				PID=
				break
			fi
			if [ $_i -ge 10 ]; then
				DOWN="it does not accept connections"
				break
			fi
		done
	fi
	if [ -n "$SKIP" ]; then
		tap_skip "$APP ($HALF): accepts connections on $ADDR:$port" "$SKIP"
	else
		tap_check "$APP ($HALF): accepts connections on $ADDR:$port" \
			[ -z "$DOWN" ]
	fi
	# Served by ixdp, not by Linux: the server holds a context.
	if [ "$HALF" = ixdp ] && [ -z "$SKIP$DOWN" ]; then
		tap_check "$APP (ixdp): holds an ixdp context" \
			"$R" wait dp_apps 1 5
	fi

	case $APP in
	memcached)
		pa_check "libmemcached-tools: memccp, memccat, memcrm, memcstat, memcflush, memccapable -a" \
			kv-clients "$ADDR" "$port" tools
		pa_check "pymemcache: multi-get, cas races, expiry, values to 1000 KB" \
			kv-clients "$ADDR" "$port" pymemcache
		;;
	redis)
		pa_check "redis-cli: SET/GET, INCR, RPUSH/LRANGE, a 1 MiB value byte-exact" \
			preload-check redis "$ADDR" "$port"
		pa_check "redis-benchmark -q -n 2000 -t get,set: exit 0, nonzero rates" \
			preload-check redis-bench "$ADDR" "$port" 2000
		;;
	nginx)
		pa_check "curl of a 1 MiB random file: status 200, sha256 matches" \
			preload-check nginx-file "$ADDR" "$port" "$FILE" "$SUM"
		pa_check "two transfers in one curl reuse one kept-alive connection" \
			preload-check nginx-keepalive "$ADDR" "$port" "$FILE" "$SUM"
		pa_check "Connection: close is honoured, each transfer its own connection" \
			preload-check nginx-close "$ADDR" "$port" "$FILE" "$SUM"
		;;
	esac

	if [ -n "$SKIP" ]; then
		tap_skip "$APP ($HALF): exits 0 on SIGTERM within 5 s" "$SKIP"
		return
	fi
	if [ -n "$PID" ]; then
		_t=$(date +%s)
		tap_check "$APP ($HALF): exits 0 on SIGTERM within 5 s" stop_pid "$PID"
		tap_diag "($(($(date +%s) - _t)) s)"
	else
		tap_not_ok "$APP ($HALF): exits 0 on SIGTERM within 5 s: $DOWN"
	fi
	[ -f "/tmp/pa-$APP-$HALF.out" ] &&
		tail -n "${ixdp_preload_lines:-5}" "/tmp/pa-$APP-$HALF.out" |
		sed "s/^/# $APP ($HALF): /"
	tap_diag "$APP ($HALF) took $(($(date +%s) - T)) s"
}

T0=$(date +%s)
if ! command -v memcached >/dev/null || ! command -v redis-server >/dev/null ||
   ! command -v nginx >/dev/null; then
	tap_not_ok "memcached, redis-server and nginx are installed (scripts/deps.sh)"
	tap_finish
	exit
fi
tap_ok "memcached, redis-server and nginx are installed"
IXDP_UP=0
if setup; then
	IXDP_UP=1
	tap_ok "ixdp's port $IXIP and cores $CORES come up, ports $PORTS granted"
else
	tap_not_ok "ixdp's port $IXIP and cores $CORES come up, ports $PORTS granted"
fi

# What the servers write, owned by the application user.
mkdir -p /tmp/redis /tmp/nginx/www
head -c "$FILE_SIZE" /dev/urandom > "/tmp/nginx/www/$FILE"
SUM=$(sha256sum "/tmp/nginx/www/$FILE" | cut -d' ' -f1)
chown -R "$APP_UID:$APP_GID" /tmp/redis /tmp/nginx

for app in memcached redis nginx; do
	pa_half "$app" linux
	pa_half "$app" ixdp
done

if [ -f "$PRELOAD" ] && [ "$IXDP_UP" = 1 ]; then
	tap_join $AS_APP "$R" idle "after the preloaded servers stopped" 10
fi
tap_diag "the stage took $(($(date +%s) - T0)) s"
teardown
tap_finish
