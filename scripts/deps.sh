#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing ixdp needs on Debian 12. Idempotent:
# when everything is present it returns at once without touching apt.
#
# The guest kernels are ordinary Debian packages: 6.1 (linux-image-amd64,
# the default) and the newest 6.12 from bookworm whose headers exist too.
# Kernel packages are installed with INITRD=No: the host never boots them,
# and the guest gets its own initramfs from test/qemu/mkinitramfs.sh.
#
# "deps.sh bench" installs instead what only make bench-app's second
# boot needs (test/bench/bench-xdp.sh): clang for the XDP program, and
# iproute2's ip (linked with libbpf) to attach it in the guest; and
# gnuplot for the benchmarks' plots (test/bench/plot.sh), and Debian's
# memcached, make bench-kv's reference server (copied into the guest).
# The normal path (make check) neither needs nor installs these.
set -euo pipefail

if [ "${1:-}" = bench ]; then
	bench=(clang iproute2 linux-libc-dev memcached gnuplot-nox)
	missing=()
	for p in "${bench[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && exit 0
	export DEBIAN_FRONTEND=noninteractive
	echo "deps: installing ${missing[*]} for the benchmarks (apt-get update first)"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/ixdp-deps.log 2>&1 ||
		{ tail -n 30 /tmp/ixdp-deps.log; exit 1; }
	exit 0
fi

packages=(
	build-essential pkg-config git
	linux-headers-amd64 linux-image-amd64 linux-source-6.1
	qemu-system-x86 busybox-static cpio gzip xz-utils zstd
	iproute2 iputils-ping curl procps kmod tcpdump
	liburing-dev libnl-3-dev libnl-genl-3-dev libcmocka-dev
	sparse lcov valgrind python3 python3-yaml
	# make install-check (test/install/): DKMS, packages, a chroot
	dkms dh-dkms debhelper dpkg-dev fakeroot debootstrap
	# the app-kv-conform stage: the reference server and its clients
	memcached libmemcached-tools python3-pymemcache
	# the trace stage
	trace-cmd
	# the preload-apps stage: Debian's servers (copied into the guest)
	# and their clients (memcached's are above; curl too)
	redis-server redis-tools nginx-light
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

have_612() {
	local v
	for v in /lib/modules/6.12.*-amd64; do
		[ -d "$v/build" ] && [ -e "/boot/vmlinuz-${v##*/}" ] && return 0
	done
	return 1
}

if [ ${#missing[@]} -eq 0 ] && have_612; then
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive INITRD=No
echo "deps: installing ${missing[*]:-} (apt-get update first)"
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/ixdp-deps.log 2>&1 ||
		{ tail -n 30 /tmp/ixdp-deps.log; exit 1; }
fi

if ! have_612; then
	# Newest 6.12 release with both an image and headers.
	v=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\) .*/\1/p' |
		sort -V | while read -r r; do
			apt-cache show "linux-image-$r" >/dev/null 2>&1 && echo "$r"
		done | tail -n1)
	if [ -z "$v" ]; then
		echo "deps: no 6.12 kernel with headers in the archive" >&2
		exit 1
	fi
	echo "deps: installing the 6.12 guest kernel $v"
	apt-get install -y -qq --no-install-recommends \
		"linux-image-$v" "linux-headers-$v" > /tmp/ixdp-deps.log 2>&1 ||
		{ tail -n 30 /tmp/ixdp-deps.log; exit 1; }
fi
