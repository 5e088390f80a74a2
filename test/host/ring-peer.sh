#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ring-peer.sh MODE HOST PORT ...: TCP peers of the ring selftests (busy,
# hold, chaos, late, probe), see ring_peer.py.
exec python3 "$(dirname "$0")/ring_peer.py" "$@"
