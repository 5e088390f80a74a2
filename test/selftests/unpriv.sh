#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unprivileged applications (test/selftests/unpriv.c, run through runas
# as uid 1000): the device's group, port grants (ixctl grant), netlink
# writes for root only, RLIMIT_MEMLOCK and the per-user context quota,
# the per-core context limit and the listen backlog. One dataplane core,
# so that every connection reaches the context under test. Its ports
# (66xx) lie outside the 7000-7999 that the other stages grant.
. /selftests/lib.sh

U=/selftests/unpriv
IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF

# The sum over the cores of a counter (ixctl -j stats show).
total() {
	ixctl -j stats show | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$1\": *\([0-9]*\).*/\1/p" | head -n1
}

oom_lines() {
	dmesg | grep -ciE 'out of memory|oom-kill|page allocation failure|invoked oom-killer'
}

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0
}

teardown() {
	for g in "6600 user $APP_UID" "6601 user $APP_UID" \
		 "6602 group $IXDP_GID" "6610 user $APP_UID"; do
		set -- $g
		ixctl grant del ports "$1" "$2" "$3" >/dev/null 2>&1
	done
	echo 64 > /sys/module/ixdp/parameters/max_contexts
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if ! tap_check "a port and one dataplane core come up" setup; then
	teardown
	tap_finish
	exit
fi
oom0=$(oom_lines)

tap_check "/dev/ixdp is created with mode 0660" \
	[ "$(stat -c %a /dev/ixdp)" = 660 ]
chgrp "$IXDP_GID" /dev/ixdp
tap_join /selftests/runas -u 2000 -g 2000 -- "$U" open-denied

# netlink: reading is open to all, changing is for CAP_NET_ADMIN.
tap_check "an ordinary user reads the grants" $AS_APP ixctl grant show
$AS_APP ixctl grant add ports 6600 user "$APP_UID" > /tmp/unpriv.err 2>&1
rc=$?
tap_diag "$(cat /tmp/unpriv.err)"
tap_check "an ordinary user cannot add a grant (status $rc)" \
	sh -c "[ $rc -ne 0 ] && grep -qi 'not permitted' /tmp/unpriv.err"
tap_check "nor remove a core" sh -c \
	"! /selftests/runas -u $APP_UID -g $APP_GID -- ixctl core del cpu 0 2>/dev/null"

# RLIMIT_MEMLOCK at the usual 8 MiB: the default sizes do not fit.
tap_join /selftests/runas -u "$APP_UID" -g "$APP_GID" -G "$IXDP_GID" \
	-l 8388608 -- "$U" memlock 0

# Grants.
tap_join $AS_APP "$U" listen 0 6600 -13
tap_join $AS_APP "$U" connect 0 "$IXDP_HOST_IP" 6601 -13
denied=$(total dp_app_denied)
tap_check "the two refusals are counted in dp_app_denied ($denied)" \
	[ "${denied:-0}" -eq 2 ]
tap_check "ixctl grant add ports 6600 user $APP_UID rights listen" \
	ixctl grant add ports 6600 user "$APP_UID" rights listen
tap_check "ixctl grant add ports 6601 user $APP_UID rights connect" \
	ixctl grant add ports 6601 user "$APP_UID" rights connect
tap_check "ixctl grant add ports 6602 group $IXDP_GID" \
	ixctl grant add ports 6602 group "$IXDP_GID"
ixctl grant show | sed 's/^/# /'
tap_check "ixctl -j grant show lists the three grants" \
	[ "$(ixctl -j grant show | grep -oE '"port_lo": ?660[0-9]' | wc -l)" -eq 3 ]
tap_join $AS_APP "$U" listen 0 6600 0
tap_join $AS_APP "$U" listen 0 6602 0
tap_join $AS_APP "$U" listen 0 6601 -13
# Nothing listens on the host's port 6601: the grant lets the connect
# through, and the host's reset answers it.
tap_join $AS_APP "$U" connect 0 "$IXDP_HOST_IP" 6601 -111
tap_join $AS_APP "$U" connect 0 "$IXDP_HOST_IP" 6600 -13
tap_check "a grant that exists already is refused" \
	sh -c "! ixctl grant add ports 6600 user $APP_UID rights listen 2>/dev/null"
tap_check "bad grants are refused: port 0, a reversed range, no user" sh -c \
	"! ixctl grant add ports 0 user 1 2>/dev/null &&
	 ! ixctl grant add ports 10-5 user 1 2>/dev/null &&
	 ! ixctl grant add ports 10 2>/dev/null &&
	 ! ixctl grant del ports 9999 user 1 2>/dev/null"
tap_check "ixctl grant del ports 6600 user $APP_UID" \
	ixctl grant del ports 6600 user "$APP_UID"
tap_join $AS_APP "$U" listen 0 6600 -13

# What an application says when it is refused.
$AS_APP echo_ixdp -p 6620 -c 0 > /tmp/unpriv-echo.out 2>&1
rc=$?
sed 's/^/# /' /tmp/unpriv-echo.out
tap_check "echo_ixdp without a grant exits with status $rc, saying why" sh -c \
	"[ $rc -ne 0 ] && grep -q 'cannot listen on port 6620: Permission denied (this user has no grant' /tmp/unpriv-echo.out"
/selftests/runas -u "$APP_UID" -g "$APP_GID" -G "$IXDP_GID" -l 8388608 -- \
	echo_ixdp -p 6620 -c 0 > /tmp/unpriv-echo.out 2>&1
rc=$?
sed 's/^/# /' /tmp/unpriv-echo.out
tap_check "echo_ixdp under an 8 MiB RLIMIT_MEMLOCK exits with status $rc, saying why" sh -c \
	"[ $rc -ne 0 ] && grep -q 'No buffer space available (RLIMIT_MEMLOCK' /tmp/unpriv-echo.out"

# Memory and context limits, and the kernel log stays free of the OOM
# killer and allocation failures.
tap_join $AS_APP "$U" exhaust 0
echo 3 > /sys/module/ixdp/parameters/max_contexts
tap_join $AS_APP "$U" quota 0 3
echo 64 > /sys/module/ixdp/parameters/max_contexts
tap_join "$U" full 0
# A memory cgroup of 48 MiB: root's contexts (no RLIMIT_MEMLOCK charge)
# are refused by the cgroup, not by the OOM killer.
CG=/sys/fs/cgroup
if { mountpoint -q "$CG" || mount -t cgroup2 none "$CG"; } 2>/dev/null &&
   echo +memory > "$CG/cgroup.subtree_control" 2>/dev/null &&
   mkdir -p "$CG/ixdp-test" && echo 50331648 > "$CG/ixdp-test/memory.max"; then
	tap_join sh -c "echo \$\$ > $CG/ixdp-test/cgroup.procs && exec $U memcg 0"
	tap_diag "cgroup memory.events: $(tr '\n' ' ' < "$CG/ixdp-test/memory.events")"
	tap_check "the cgroup's OOM killer never ran" \
		grep -q '^oom_kill 0' "$CG/ixdp-test/memory.events"
	rmdir "$CG/ixdp-test"
else
	tap_skip "memory cgroup limit" "no cgroup2 memory controller"
fi
tap_check "no OOM killer or allocation failure in the kernel log" \
	[ "$(oom_lines)" -eq "$oom0" ]

# Listeners: a context's 4, its user's 8 on the core.
ixctl grant add ports 6630-6649 user "$APP_UID" rights listen >/dev/null
tap_join $AS_APP "$U" listeners 0 6630
ixctl grant del ports 6630-6649 user "$APP_UID" >/dev/null

# The backlog: 10 connects at once to a listener of backlog 4 that never
# accepts. 4 are knocked; as Linux does, the others' last ACKs (and the
# lines behind them), or their SYNs once it is full, are dropped and they
# wait, half-open or unanswered, until the listener exits: then every one
# is reset or refused, none before.
ixctl grant add ports 6610 user "$APP_UID" >/dev/null
drops0=$(total dp_app_backlog_drops)
full0=$(total drop_tcp_accept_full)
host_spawn ring-peer burst "$IXIP" 6610 10 --timeout 60
t=$HOST_TICKET
tap_join $AS_APP "$U" backlog 0 6610 4 12
full=$(($(total drop_tcp_accept_full) - full0))
tap_check "the 6 beyond the backlog wait (drop_tcp_accept_full +$full)" \
	[ "$full" -ge 6 ]
host_wait "$t"
tap_check "the host saw all 10 connections reset or refused once it exited" \
	[ $? -eq 0 ]
drops=$(($(total dp_app_backlog_drops) - drops0))
tap_check "none was reset for the backlog while it listened (dp_app_backlog_drops +$drops)" \
	[ "$drops" -eq 0 ]
sleep 1
free=$(total dp_rxbuf_free)
all=$(total dp_rxbuf_total)
tap_check "every receive buffer is back ($free of $all)" [ "$free" -eq "$all" ]

teardown
tap_finish
