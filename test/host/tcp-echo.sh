#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tcp-echo.sh HOST PORT CONNS BYTES [options]: byte-exact echo, see tcp_peer.py.
exec python3 "$(dirname "$0")/tcp_peer.py" echo "$@"
