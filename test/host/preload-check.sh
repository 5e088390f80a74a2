#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# preload-check.sh CHECK ADDRESS PORT [ARGS]: one host-side check of the
# preload-apps stage (test/selftests/preload_apps.sh) against a Debian
# server in the guest, run unmodified on Linux or under
# libixdp-preload.so; the same check for both. Debian's clients only:
#   wait ADDRESS PORT [SECONDS]   a TCP connection is accepted (default 20 s)
#   redis ADDRESS PORT            redis-cli: SET/GET, INCR, RPUSH/LRANGE,
#                                 a 1 MiB binary value byte-exact, DEL
#   redis-bench ADDRESS PORT [N [CLIENTS [LABEL]]]
#                                 redis-benchmark -q -t get,set -n N
#                                 (default 2000): exit 0, both rates
#                                 nonzero; with LABEL (make bench-preload)
#                                 --csv instead, and one line
#                                 "REDISBENCH LABEL get_rps=.. get_p99_ms=..
#                                 set_rps=.. set_p99_ms=.."
#   nginx-file ADDRESS PORT PATH SHA256
#                                 curl of http://ADDRESS:PORT/PATH: status
#                                 200, the body's sha256 is SHA256
#   nginx-keepalive ADDRESS PORT PATH SHA256
#                                 two transfers of PATH in one curl: one
#                                 connection made, reused by the second
#                                 (%{num_connects} 1 then 0), both bodies
#   nginx-close ADDRESS PORT PATH SHA256
#                                 the same with "Connection: close": the
#                                 server says "Connection: close", the
#                                 second transfer needs a new connection
# Prints what it saw; exit status 0 only if the check passed.
set -uo pipefail

check=${1:-} addr=${2:-} port=${3:-}
shift 3 || { echo "usage: preload-check.sh CHECK ADDRESS PORT [ARGS]" >&2; exit 2; }
[[ $addr =~ ^198\.1[89]\.[0-9]+\.[0-9]+$ ]] || { echo "bad address $addr" >&2; exit 2; }
[[ $port =~ ^[0-9]+$ ]] || { echo "bad port $port" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "preload-check $check $addr:$port: $*"
	exit 1
}

# rcli ARGS...: redis-cli against the server, raw replies.
rcli() {
	timeout 20 redis-cli -h "$addr" -p "$port" --raw "$@"
}

# expect WHAT GOT WANT
expect() {
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

check_wait() {
	local secs=${1:-20} i
	for ((i = 0; i < secs * 5; i++)); do
		timeout 2 bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null && return 0
		sleep 0.2
	done
	fail "nothing accepts a connection within $secs s"
}

check_redis() {
	local big=$work/big size=1048576 got
	expect "SET" "$(rcli SET pc:k hello)" OK
	expect "GET" "$(rcli GET pc:k)" hello
	rcli DEL pc:n pc:l pc:big > /dev/null || fail "DEL"
	rcli INCR pc:n > /dev/null || fail "INCR"
	rcli INCRBY pc:n 41 > /dev/null || fail "INCRBY"
	expect "INCR, INCRBY 41" "$(rcli GET pc:n)" 42
	expect "RPUSH" "$(rcli RPUSH pc:l a b c d)" 4
	expect "LRANGE 1 2" "$(rcli LRANGE pc:l 1 2 | tr '\n' ' ')" "b c "
	head -c "$size" /dev/urandom > "$big"
	expect "SET of 1 MiB (-x)" "$(rcli -x SET pc:big < "$big")" OK
	expect "STRLEN" "$(rcli STRLEN pc:big)" "$size"
	# --raw ends the value with a newline of its own.
	rcli GET pc:big > "$work/got" || fail "GET of 1 MiB"
	got=$(stat -c %s "$work/got")
	expect "GET of 1 MiB: bytes" "$got" $((size + 1))
	head -c "$size" "$work/got" | cmp - "$big" || fail "GET of 1 MiB: bytes differ"
	expect "DEL" "$(rcli DEL pc:k pc:n pc:l pc:big)" 4
	expect "GET of a deleted key" "$(rcli GET pc:k)" ""
	echo "redis: SET/GET, INCR, RPUSH/LRANGE, 1 MiB byte-exact, DEL: ok"
}

check_redis_bench() {
	local n=${1:-2000} clients=${2:-50} label=${3:-} rc=0
	[[ $n =~ ^[0-9]+$ && $clients =~ ^[0-9]+$ ]] || fail "bad N or CLIENTS"
	if [ -z "$label" ]; then
		timeout 100 redis-benchmark -h "$addr" -p "$port" -q -n "$n" \
			-c "$clients" -t get,set > "$work/out" 2>&1 || rc=$?
		tr '\r' '\n' < "$work/out" | grep -E '^(SET|GET):.*requests per second' |
			tee "$work/rates"
		[ "$rc" -eq 0 ] || fail "redis-benchmark exited with $rc"
		for t in SET GET; do
			grep -qE "^$t: [0-9.]*[1-9][0-9.]* requests per second" \
				"$work/rates" || fail "no nonzero $t rate"
		done
		return 0
	fi
	[[ $label =~ ^[A-Za-z0-9/_.-]+$ ]] || fail "bad label"
	timeout 100 redis-benchmark -h "$addr" -p "$port" --csv -n "$n" \
		-c "$clients" -t get,set > "$work/out" 2>&1 || rc=$?
	# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
	# "p95_latency_ms","p99_latency_ms","max_latency_ms"
	tr -d '"' < "$work/out" | awk -F, -v label="$label" -v rc="$rc" '
		$1 == "SET" { set = "set_rps=" $2 " set_p99_ms=" $7 }
		$1 == "GET" { get = "get_rps=" $2 " get_p99_ms=" $7 }
		END { print "REDISBENCH " label " " get " " set " exit=" rc }'
	[ "$rc" -eq 0 ] || fail "redis-benchmark exited with $rc"
}

# body_ok FILE SHA256
body_ok() {
	[ "$(sha256sum < "$1" | cut -d' ' -f1)" = "$2" ]
}

check_nginx_file() {
	local url=http://$addr:$port/$1 code
	code=$(curl -sS --max-time 60 -o "$work/body" -w '%{http_code}' "$url") ||
		fail "curl $url failed"
	expect "status" "$code" 200
	body_ok "$work/body" "$2" || fail "body of $(stat -c %s "$work/body") B: sha256 differs"
	echo "nginx: $url, $(stat -c %s "$work/body") B, sha256 matches"
}

# two_gets PATH SHA256 [CURL ARGS...]: two transfers of PATH in one curl;
# their %{num_connects} in $work/nc, both replies' headers in $work/h.
two_gets() {
	local url=http://$addr:$port/$1 sum=$2
	shift 2
	curl -sS --max-time 60 "$@" -w '%{num_connects}\n' \
		-D "$work/h" -o "$work/b1" "$url" -o "$work/b2" "$url" \
		> "$work/nc" ||
		fail "curl of $url twice failed"
	expect "replies of status 200" "$(grep -c '^HTTP/1.1 200' "$work/h")" 2
	body_ok "$work/b1" "$sum" || fail "first body: sha256 differs"
	body_ok "$work/b2" "$sum" || fail "second body: sha256 differs"
	echo "num_connects: $(tr '\n' ' ' < "$work/nc")"
}

check_nginx_keepalive() {
	two_gets "$1" "$2"
	expect "connections made (first, second)" "$(tr '\n' ' ' < "$work/nc")" "1 0 "
	grep -qi '^connection: close' "$work/h" && fail "the server closed a keepalive connection"
	echo "nginx: two transfers on one connection"
}

check_nginx_close() {
	two_gets "$1" "$2" -H 'Connection: close'
	expect "connections made (first, second)" "$(tr '\n' ' ' < "$work/nc")" "1 1 "
	expect "replies saying Connection: close" \
		"$(grep -ci '^connection: close' "$work/h")" 2
	echo "nginx: Connection: close honoured, each transfer its own connection"
}

case $check in
wait) check_wait "$@" ;;
redis) check_redis ;;
redis-bench) check_redis_bench "$@" ;;
nginx-file) [ $# -eq 2 ] || fail "needs PATH SHA256"; check_nginx_file "$@" ;;
nginx-keepalive) [ $# -eq 2 ] || fail "needs PATH SHA256"; check_nginx_keepalive "$@" ;;
nginx-close) [ $# -eq 2 ] || fail "needs PATH SHA256"; check_nginx_close "$@" ;;
*) fail "unknown check" ;;
esac
