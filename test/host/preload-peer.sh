#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# preload-peer.sh CTLPORT [TIMEOUT]: the host side of the preload stage,
# driven over a control connection by test/selftests/preload_calls.c;
# see preload_peer.py.
exec python3 "$(dirname "$0")/preload_peer.py" "$@"
