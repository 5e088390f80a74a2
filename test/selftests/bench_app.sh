#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make bench-app": four echo servers on one guest
# with two CPUs, loaded in turn by the same host-side load generator:
#   ixdp-app   examples/echo.c on ixdp's rings (echo_ixdp, 198.18.0.3:8)
#   ixdp-kern  ixdp's in-kernel responder (198.18.0.3:7)
#   epoll      echo_epoll on the guest's Linux (198.18.0.2:7)
#   uring      echo_uring on the guest's Linux (198.18.0.2:8)
# Each is first checked byte-exact (echocheck: mixed sizes, graceful
# close, no reset); then each configuration runs REPS times, the targets
# alternating. A target that cannot be started is left out; nothing
# here is asserted (test/bench/ratios-app.awk makes the table).
. /selftests/lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
IXIP=198.18.0.3
REPS=${ixdp_reps:-3}
SECS=${ixdp_secs:-3}
insmod /ixdp/ixdp.ko || { echo "bench: insmod failed"; exit 1; }

ixctl port add dev "$IXDP_GUEST_IF" addr "$IXIP/24"
wait_carrier "$IXDP_GUEST_IF"
ixctl core add cpu 0 rxq 0
cores=0
if [ "$(nproc)" -ge 2 ]; then
	ixctl core add cpu 1 rxq 1
	cores=0,1
fi
ixctl responder set mode echo port 7

targets="ixdp-kern epoll uring"
pids=
echo_epoll "$IXDP_GUEST_IP" 7 "$(nproc)" &
pids="$pids $!"
echo_uring "$IXDP_GUEST_IP" 8 "$(nproc)" &
pids="$pids $!"
if command -v echo_ixdp >/dev/null; then
	echo_ixdp -p 8 -c "$cores" -q &
	pids="$pids $!"
	targets="ixdp-app $targets"
else
	echo "bench: no echo_ixdp in this initramfs: ixdp-app left out"
fi
sleep 1

# set_target TARGET: addr and port of a target's echo server.
set_target() {
	case $1 in
	ixdp-app) addr=$IXIP port=8 ;;
	ixdp-kern) addr=$IXIP port=7 ;;
	epoll) addr=$IXDP_GUEST_IP port=7 ;;
	uring) addr=$IXDP_GUEST_IP port=8 ;;
	esac
}

# Wait (up to 5 tries) for each server to answer, then check it.
for target in $targets; do
	set_target "$target"
	try=1
	until host_run echo-check "$addr" "$port" 1 1 1 --timeout 5 \
		--label "probe/$target" || [ $try -ge 5 ]; do
		sleep 1
		try=$((try + 1))
	done
	host_run echo-check "$addr" "$port" 8 60 1,7,64,1460,4096,65536 \
		--depth 2 --timeout 30 --label "check/$target" ||
		echo "bench: $target failed its echo check"
done

rep=1
while [ $rep -le "$REPS" ]; do
	for cfg in "1 1" "32 1" "32 16"; do
		set -- $cfg
		for target in $targets; do
			set_target "$target"
			host_run bench-echo "$addr" "$port" "$1" "$2" 64 \
				"$SECS" "$target/c$1d$2/rep$rep" ||
				echo "bench: $target c$1d$2 rep$rep failed"
		done
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
