#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Application contexts: attach to a dataplane core and the protection of
# the shared regions (test/selftests/protect.c), with a port and a core
# set up for them and removed afterwards.
# As an ordinary user in the device's group (lib.sh's AS_APP).
. /selftests/lib.sh
ixctl port add dev "$IXDP_GUEST_IF" addr 198.18.0.3/24 >/dev/null &&
	ixctl core add cpu 0 rxq 0 >/dev/null && app_user_setup 7000-7999 ||
	echo "# app.sh: could not set up a port, a core and the app user"
$AS_APP /selftests/protect
rc=$?
ixctl port del dev "$IXDP_GUEST_IF" >/dev/null 2>&1
exit $rc
