# SPDX-License-Identifier: GPL-2.0
#
# Shell helpers of the in-guest selftests: TAP 13 output and the request
# channel to the host side of the tap. Sourced, never run.

TAP_N=0
TAP_FAIL=0
TAP_LAST=$(date +%s)

# tap_took: before a result, how long it took when that was 10 s or
# more since the one before, so that a stage's log shows where its time
# goes (CI has a bound on the whole run).
tap_took() {
	_now=$(date +%s)
	[ $((_now - TAP_LAST)) -ge 10 ] &&
		echo "# $((_now - TAP_LAST)) s since the previous result"
	TAP_LAST=$_now
}

tap_ok() {
	tap_took
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

tap_not_ok() {
	tap_took
	TAP_N=$((TAP_N + 1))
	TAP_FAIL=$((TAP_FAIL + 1))
	echo "not ok $TAP_N - $*"
}

# tap_skip DESCRIPTION REASON: a check that cannot run here, counted.
tap_skip() {
	tap_ok "$1 # SKIP $2"
}

tap_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# tap_check DESCRIPTION COMMAND...: one check, passing when COMMAND does.
tap_check() {
	_desc=$1
	shift
	if "$@"; then
		tap_ok "$_desc"
	else
		tap_not_ok "$_desc"
	fi
}

# End a TAP stream: the plan comes last, counted from the results
# reported, then the exit status. A stage that dies before this line
# leaves no plan, which run.sh reports as a failure.
tap_finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAIL" -eq 0 ]
}

# tap_join PROGRAM ARGS...: a C selftest (ksft.h) run as one step of
# this stage. With $TAP_START set it numbers its results from there,
# prints no plan and ends with its "# Totals:" line; its lines join this
# stream. A step that ends without that line (it died), whose totals are
# not the results it printed, or that exits non-zero (4 is a skip)
# without a failing line fails here.
tap_join() {
	TAP_START=$((TAP_N + 1)) "$@" > /tmp/tap-join.out 2>&1
	_rc=$?
	cat /tmp/tap-join.out
	_n=$(grep -cE '^(not )?ok ' /tmp/tap-join.out)
	_f=$(grep -cE '^not ok ' /tmp/tap-join.out)
	TAP_N=$((TAP_N + _n))
	TAP_FAIL=$((TAP_FAIL + _f))
	_t=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) skip:\([0-9]*\)$/\1 + \2 + \3/p' \
		/tmp/tap-join.out | tail -n 1)
	if [ -z "$_t" ]; then
		tap_not_ok "$* ended without its totals after $_n results (exit $_rc)"
	elif [ $(($_t)) -ne "$_n" ]; then
		tap_not_ok "$* counted $(($_t)) results and printed $_n"
	elif [ "$_rc" -ne 0 ] && [ "$_rc" -ne 4 ] && [ "$_f" -eq 0 ]; then
		tap_not_ok "$* exited with status $_rc without a failing check"
	fi
}

# host_run NAME ARGS...: run test/host/NAME.sh with ARGS inside the
# harness's network namespace (the host side of the tap) while the guest
# keeps serving, and return its exit status. The harness bounds it in
# time; 124 means it timed out, 127 that the channel is missing.
HOST_SEQ=0
host_request() {
	[ -n "$IXDP_CTL" ] || return 127
	echo "$*" >&7
	while read -r -t "${HOST_WAIT_S:-300}" _verb _seq _rc <&7; do
		if [ "$_verb" = DONE ] && [ "$_seq" = "$2" ]; then
			return "$_rc"
		fi
	done
	return 124
}

host_run() {
	HOST_SEQ=$((HOST_SEQ + 1))
	host_request RUN "$HOST_SEQ" "$@"
}

# host_spawn NAME ARGS...: start a host command in the background; its
# ticket is left in HOST_TICKET for host_wait.
host_spawn() {
	HOST_SEQ=$((HOST_SEQ + 1))
	HOST_TICKET=$HOST_SEQ
	host_request SPAWN "$HOST_SEQ" "$@"
}

# host_wait TICKET: the exit status of a spawned host command.
host_wait() {
	host_request WAIT "$1"
}

# Lines in the kernel log that mean a test failed whatever it printed.
KERNEL_SPLAT='WARNING:|BUG:|Oops|KASAN|UBSAN|general protection|Call Trace|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|unreferenced object|kernel BUG|refcount_t:'

# wait_carrier DEV: some drivers (e1000e) reset the link when ixdp turns
# GRO off at attach; wait up to 10 s for the carrier, as an operator would.
wait_carrier() {
	_i=0
	while [ "$(cat /sys/class/net/"$1"/carrier 2>/dev/null)" != 1 ] &&
	      [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ $_i -gt 0 ] && tap_diag "carrier came back after $((_i / 10)).$((_i % 10)) s"
	return 0
}

# wait_for FILE PATTERN SECONDS
wait_for() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $_i -lt $(($3 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -q "$2" "$1" 2>/dev/null
}

# stop_pid PID: SIGTERM, up to 5 s; 0 if it exited by itself with 0.
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 1
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1"
		wait "$1" 2>/dev/null
		return 1
	fi
	wait "$1"
}

# The ordinary user the application tests run as, the way an operator
# would start a service: its own uid and gid, a member of the group that
# may open /dev/ixdp (a udev rule gives the device that group; this
# guest has no udev, so app_user_setup does what the rule would), and a
# RLIMIT_MEMLOCK large enough for its contexts (LimitMEMLOCK=).
APP_UID=1000
APP_GID=1000
IXDP_GID=100
APP_MEMLOCK=268435456

# $AS_APP CMD ARGS...: run CMD as that user. A prefix, not a function:
# "$AS_APP cmd &" leaves the command's own PID in $! (runas execs),
# where a function would leave a subshell's.
AS_APP="/selftests/runas -u $APP_UID -g $APP_GID -G $IXDP_GID -l $APP_MEMLOCK --"

# app_user_setup LO-HI: the device's group as scripts/60-ixdp.rules sets
# it, and a grant of those TCP ports (listen and connect) to the user.
app_user_setup() {
	chgrp "$IXDP_GID" /dev/ixdp && chmod 0660 /dev/ixdp &&
	{ ixctl grant add ports "$1" user "$APP_UID" 2>/tmp/grant.err ||
	  grep -q 'exists already' /tmp/grant.err; }
}

# stats_snap FILE: ixdp's counters (the port's and the cores' totals) as
# "name value" lines.
stats_snap() {
	ixctl -j stats show | tr ',{}' '\n\n\n' |
		sed -n 's/^ *"\([a-z0-9_]*\)": *\([0-9][0-9]*\).*/\1 \2/p' > "$1"
}

# stats_moved BEFORE AFTER: the drop, timeout and retransmission
# counters that moved in between, to tell a slow transfer's cause.
stats_moved() {
	awk 'FNR == NR { b[$1] = $2; next }
	     $1 ~ /drop|nobuf|full|retrans|timeout|window|rto|overrun|too_big/ && $2 != b[$1] {
		printf "%s +%d ", $1, $2 - b[$1] }' "$1" "$2"
}
