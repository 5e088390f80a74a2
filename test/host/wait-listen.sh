#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wait-listen.sh PORT [SECONDS]: wait until something on the host side of
# the tap listens on TCP PORT (a server started with host_spawn).
set -eu
for _ in $(seq $((${2:-10} * 10))); do
	ss -Htln "sport = :$1" | grep -q . && exit 0
	sleep 0.1
done
echo "wait-listen: nothing listens on port $1" >&2
exit 1
