#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# echo-serve.sh PORT COUNT [TIMEOUT]: an echo server on the host side of
# the tap for guest programs that connect out; succeeds once COUNT
# connections were echoed and closed gracefully, with no reset
# (echocheck --serve). Start it with host_spawn, then host_run wait-listen
# PORT before connecting, and collect its status with host_wait.
exec "$(dirname "$0")/../../build/host/echocheck" --serve "$1" --count "$2" \
	--timeout "${3:-100}" --label "serve/$1"
