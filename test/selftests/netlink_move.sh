#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bad netlink input to the commands that move flow groups and park cores
# (netlink.c, "move" mode), against a port with cores on CPUs 0 and 1:
# every refusal explained, nothing changed.
. /selftests/lib.sh

IXIP=198.18.0.3
DEV=$IXDP_GUEST_IF
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)

{
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 && ixctl core add cpu 1 rxq $((1 % NRXQ))
} > /tmp/netlink-move-setup.txt 2>&1
before=$(ixctl fg show; ixctl core show | sed 's/ connections.*//')
/selftests/netlink move
rc=$?
after=$(ixctl fg show; ixctl core show | sed 's/ connections.*//')
if [ "$before" != "$after" ]; then
	echo "# the refused requests changed the flow groups or cores"
	rc=1
fi
sed 's/^/# setup: /' /tmp/netlink-move-setup.txt
ixctl port del dev "$DEV" >/dev/null 2>&1
exit $rc
