#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tcp-refused.sh HOST PORT: a SYN to a closed port is answered with RST.
exec python3 "$(dirname "$0")/tcp_peer.py" refused "$@"
