#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# conn-scale.sh ADDRESS PORT CONNS [connscale options]: many concurrent
# connections to an echo server (test/bench/connscale.c), from source
# addresses 198.18.0.10 and up on the tap (added here when missing: one
# per 25,000 connections, --sources), with the namespace's ephemeral
# ports widened to 10000-65000. One RESULT line; PHASE lines on the way.
set -e
n=$3
sources=$(( (n + 24999) / 25000 ))
for i in $(seq 0 $((sources - 1))); do
	ip addr add "198.18.0.$((10 + i))/24" dev ixtap0 2>/dev/null || true
done
sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
sysctl -qw net.ipv4.tcp_tw_reuse=1
exec "$(dirname "$0")/../../build/host/connscale" "$@" --sources "$sources"
