#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make profile-app" (not a test): one echo target of
# bench_app.sh under one load from the host, sampled by perf (cpu-clock,
# every CPU, kernel and user, call graphs) in the middle of the run,
# then the run's counters, a flat profile by symbol and the callers of
# the hottest symbols.
# ixdp_prof=TARGET,CONNS,DEPTH on the kernel command line (default
# ixdp-inline,32,1); TARGET as in bench_app.sh; ixdp_sargs=A,B,... adds
# arguments to echo_ixdp's command line, ixdp_cfg=KEY,VAL,... is given to
# "ixctl config set". perf comes from /extra.
. /selftests/lib.sh
. /selftests/bench_lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
IXIP=198.18.0.3
SECS=${ixdp_secs:-8}
IFS=, read -r target conns depth <<EOT
${ixdp_prof:-ixdp-inline,32,1}
EOT
PERF=/extra/perf
[ -x "$PERF" ] || { echo "profile: no $PERF in this initramfs"; exit 1; }
bench_ixdp_up profile || exit 1
[ -n "${ixdp_cfg:-}" ] && ixctl config set $(echo "$ixdp_cfg" | tr , ' ')

sargs=$(echo "${ixdp_sargs:-}" | tr , ' ')
server=
case $target in
ixdp-inline) addr=$IXIP port=9 server="echo_ixdp -I -p 9 -c $cores -q $sargs" ;;
ixdp-app) addr=$IXIP port=8 server="echo_ixdp -m ring -p 8 -c $cores -q $sargs" ;;
ixdp-kern) addr=$IXIP port=7 ;;
epoll) addr=$IXDP_GUEST_IP port=7 server="echo_epoll $IXDP_GUEST_IP 7 $(nproc)" ;;
uring) addr=$IXDP_GUEST_IP port=8 server="echo_uring $IXDP_GUEST_IP 8 $(nproc)" ;;
*) echo "profile: unknown target $target"; exit 1 ;;
esac
srv=
if [ -n "$server" ]; then
	$server &
	srv=$!
fi
sleep 1
host_run echo-check "$addr" "$port" 1 1 1 --timeout 5 --label probe ||
	echo "profile: $target does not answer its probe"

bench_snap /tmp/prof.before
host_spawn bench-echo "$addr" "$port" "$conns" "$depth" 64 "$SECS" \
	"$target/c${conns}d$depth/prof"
ticket=$HOST_TICKET
sleep 2
"$PERF" record -q -a -g -F 997 -e cpu-clock -o /tmp/perf.data -- \
	sleep $((SECS - 4)) 2>&1 | tail -3
host_wait "$ticket" || echo "profile: the load failed"
bench_snap /tmp/prof.after
bench_counters "$target/c${conns}d$depth/prof" /tmp/prof.before /tmp/prof.after
[ -n "$srv" ] && stop_pid "$srv"

echo "PROFILE by symbol ($target c${conns}d$depth)"
"$PERF" report -i /tmp/perf.data --stdio --no-children -q -g none \
	--sort comm,dso,sym 2>/dev/null | grep -v '^$' | head -80
echo "PROFILE by dso"
"$PERF" report -i /tmp/perf.data --stdio --no-children -q -g none \
	--sort comm,dso 2>/dev/null | grep -v '^$' | head -20
# Where the five hottest symbols outside the idle loop are called from.
"$PERF" report -i /tmp/perf.data --stdio --no-children -q -g none \
	--sort sym 2>/dev/null | grep -v -e '^$' -e safe_halt |
	awk '{ print $NF }' | head -5 > /tmp/prof.top
while read -r sym; do
	echo "PROFILE callers of $sym"
	"$PERF" report -i /tmp/perf.data --stdio --no-children -q \
		-g caller,0.5,callee,function,percent --symbols="$sym" \
		2>/dev/null | grep -v '^$' | head -40
done < /tmp/prof.top
exit 0
