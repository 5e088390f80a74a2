#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hostile-peer.sh MODE ...: host-side load of the hostile-context stage
# (flood HOST PORT CONNS, listen PORT COUNT), see hostile_peer.py.
exec python3 "$(dirname "$0")/hostile_peer.py" "$@"
