#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kv-bad.sh MODE ...: bad input against a memcached-protocol server
# (test/host/kv_bad.py: inputs, slow, hold, pending). hold opens many
# connections: the namespace's ephemeral ports are widened as for
# conn-scale.sh.
sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
sysctl -qw net.ipv4.tcp_tw_reuse=1
here=$(dirname "$0")
if [ "$1" = inputs ]; then
	exec python3 -u "$here/kv_bad.py" "$@" --allow "$here/../kv/bad-allow.txt"
fi
exec python3 -u "$here/kv_bad.py" "$@"
