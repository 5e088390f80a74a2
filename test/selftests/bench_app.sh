#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make bench-app" (its first boot): five echo servers
# on one guest with two CPUs, loaded in turn by the same host-side load
# generator:
#   ixdp-inline  examples/echo.c in inline run mode (echo_ixdp -I,
#                198.18.0.3:9)
#   ixdp-app     examples/echo.c in ring mode (echo_ixdp -m ring, 198.18.0.3:8)
#   ixdp-kern    ixdp's in-kernel responder (198.18.0.3:7)
#   epoll        echo_epoll on the guest's Linux (198.18.0.2:7)
#   uring        echo_uring on the guest's Linux (198.18.0.2:8)
# The two echo_ixdp servers never run at once: each is started for its
# target's runs and stopped by PID afterwards. Each target is first
# checked byte-exact (echocheck: mixed sizes, graceful close, no reset);
# then every repetition runs each target in all three configurations,
# the targets' order rotating from one repetition to the next. Around
# each run the guest's counters are taken (bench_lib.sh). A target that
# cannot be started is left out, with a line saying so; nothing here is
# asserted (test/bench/ratios-app.awk makes the table).
. /selftests/lib.sh
. /selftests/bench_lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
IXIP=198.18.0.3
REPS=${ixdp_reps:-3}
SECS=${ixdp_secs:-3}
bench_ixdp_up bench || exit 1
# ixdp_cfg=KEY,VAL,... on the command line (make bench-app BENCH_CFG=):
# given to "ixctl config set", and printed with the configuration.
if [ -n "${ixdp_cfg:-}" ]; then
	ixctl config set $(echo "$ixdp_cfg" | tr , ' ') ||
		echo "bench: ixctl config set $ixdp_cfg failed"
fi
echo "bench: config $(ixctl -j config show)"
# What a system call costs depends on these (page-table isolation above
# all); every target but the in-kernel echo makes some per message.
for v in meltdown spectre_v2 retbleed; do
	f=/sys/devices/system/cpu/vulnerabilities/$v
	[ -r "$f" ] && echo "bench: $v: $(cat "$f")"
done

targets="ixdp-kern epoll uring"
pids=
echo_epoll "$IXDP_GUEST_IP" 7 "$(nproc)" &
pids="$pids $!"
echo_uring "$IXDP_GUEST_IP" 8 "$(nproc)" &
pids="$pids $!"
if command -v echo_ixdp >/dev/null; then
	targets="ixdp-inline ixdp-app $targets"
else
	echo "bench: no echo_ixdp in this initramfs: ixdp-inline and ixdp-app left out"
fi
# ixdp_cfgb=KEY,VAL,... (make bench-app BENCH_CFGB=): an A/B run in one
# boot. Each ixdp target also runs as TARGET+b, with "ixctl config set"
# of those values for its runs and the first configuration back after.
CFGA=$(ixctl -j config show | tr -d '{}"' | tr ':,' '  ')
if [ -n "${ixdp_cfgb:-}" ]; then
	for t in $targets; do
		case $t in ixdp-*) targets="$targets $t+b" ;; esac
	done
fi
# ixdp_targets=A,B (make bench-app TARGETS=): only those.
if [ -n "${ixdp_targets:-}" ]; then
	_keep=
	for t in $targets; do
		case ",$ixdp_targets," in *",${t%+b},"*) _keep="$_keep $t" ;; esac
	done
	targets=$_keep
fi

# set_target TARGET: addr and port of a target's echo server, and the
# command that starts it when it is not always running.
set_target() {
	server=
	case ${1%+b} in
	ixdp-inline) addr=$IXIP port=9 server="echo_ixdp -I -p 9 -c $cores -q" ;;
	ixdp-app) addr=$IXIP port=8 server="echo_ixdp -m ring -p 8 -c $cores -q" ;;
	ixdp-kern) addr=$IXIP port=7 ;;
	epoll) addr=$IXDP_GUEST_IP port=7 ;;
	uring) addr=$IXDP_GUEST_IP port=8 ;;
	esac
}

# probe TARGET: wait (up to 5 tries) for the server to answer; fails at
# once when its process ($srv, if any) is gone.
probe() {
	_try=1
	until host_run echo-check "$addr" "$port" 1 1 1 --timeout 5 \
		--label "probe/$1"; do
		if [ -n "$srv" ] && ! kill -0 "$srv" 2>/dev/null; then
			return 1
		fi
		[ $_try -ge 5 ] && return 1
		sleep 1
		_try=$((_try + 1))
	done
}

# check TARGET: byte-exact echo of mixed sizes, once per target.
check() {
	host_run echo-check "$addr" "$port" 8 60 1,7,64,1460,4096,65536 \
		--depth 2 --timeout 30 --label "check/$1" ||
		echo "bench: $1 failed its echo check"
}

# start TARGET: start its server if it has one ($srv: its PID).
start() {
	srv=
	[ -n "$server" ] || return 0
	$server &
	srv=$!
	if probe "$1"; then
		return 0
	fi
	if kill -0 "$srv" 2>/dev/null; then
		echo "bench: $1 ($server) does not answer: left out"
		stop_pid "$srv"
	else
		wait "$srv"
		echo "bench: $1 ($server) exited with status $? at start: left out"
	fi
	srv=
	return 1
}

stop() {
	[ -n "$srv" ] && stop_pid "$srv"
	srv=
}

# The always-running servers are probed and checked now; the others at
# their first start, a target that cannot start is dropped.
srv=
sleep 1
for target in $targets; do
	set_target "$target"
	[ -n "$server" ] && continue
	probe "$target" || echo "bench: $target does not answer its probe"
	check "$target"
done

# rotate N WORDS...: the words, the first N-1 of them moved to the end.
rotate() {
	_n=$1
	shift
	while [ "$_n" -gt 1 ]; do
		_w=$1
		shift
		set -- "$@" "$_w"
		_n=$((_n - 1))
	done
	echo "$@"
}

rep=1
while [ "$rep" -le "$REPS" ]; do
	for target in $(rotate "$rep" $targets); do
		set_target "$target"
		if ! start "$target"; then
			targets=$(echo " $targets " | sed "s/ $target / /")
			continue
		fi
		case $target in
		*+b) ixctl config set $(echo "$ixdp_cfgb" | tr , ' ') ;;
		esac
		[ "$rep" = 1 ] && [ -n "$server" ] && check "$target"
		for cfg in "1 1" "32 1" "32 16"; do
			set -- $cfg
			bench_load "$target/c$1d$2/rep$rep" "$addr" "$port" \
				"$1" "$2" 64 "$SECS" "$target/c$1d$2/rep$rep"
		done
		stop
		case $target in
		*+b) ixctl config set $CFGA ;;
		esac
	done
	rep=$((rep + 1))
done

kill $pids 2>/dev/null
sleep 1
for p in $pids; do
	kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
done
ixctl -s core show | grep -E 'core|dp_rx_frames|dp_busy_polls|dp_sleeps|tcp_retransmits'
exit 0
