#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The second boot of "make bench-app": the raw NIC ceiling, an XDP_TX
# UDP reflector (xdp_refl.c) on the same virtio-net NIC, ixdp not loaded
# (test/selftests/bench_xdp.sh). Builds the BPF object with clang and
# puts it, with the host's iproute2 ip (linked with libbpf, which loads
# it), in the guest's /extra; boots with 4 queue pairs so that XDP_TX has
# a TX queue per CPU. Without clang or such an ip it says so and leaves
# the ceiling out (scripts/deps.sh bench installs what it needs).
#
# bench-xdp.sh KVER BUILDDIR TIMEOUT
set -euo pipefail

kver=$1 build=$2 timeout=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/bench-xdp

skip() {
	echo "bench-xdp: $*: xdp left out (scripts/deps.sh bench)"
	exit 0
}

command -v clang >/dev/null || skip "no clang"
ip=$(command -v ip) || skip "no ip"
"$ip" -V 2>&1 | grep -q iproute2 || skip "$ip is not iproute2's"
ldd "$ip" | grep -q libbpf || skip "$ip is not linked with libbpf"

mkdir -p "$out"
clang -O2 -g -Wall -Wextra -Werror -target bpf \
	-I"/usr/include/$(gcc -dumpmachine)" \
	-c -o "$out/xdp_refl.o" "$top/test/bench/xdp_refl.c" ||
	skip "the BPF object does not build"
cp "$ip" "$out/ip"

"$top/test/qemu/run.sh" --kernel-version "$kver" --mode bench-xdp \
	--queues 4 --extra "$out" --timeout "$timeout"
