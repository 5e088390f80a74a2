#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot.sh DEBDIR: install the .debs of DEBDIR (test/install/deb.sh's)
# into a clean Debian 12 and use them there, as a user of the packages
# would: apt installs them with what their Depends name and nothing else,
# ixctl and ixdpd run, examples/echo.c builds with pkg-config alone and
# loads libixdp.so.2, ixdp-dkms registers its source with DKMS; then all
# four purge cleanly.
#
# The system is debootstrap's minbase plus a compiler and pkg-config (to
# build the test program), cached under .cache/chroot with its apt lists
# (about 50 s to make once); each run unpacks a fresh copy in /tmp and
# removes it after. The packages' dependencies come from the mirror the first
# time and from .cache/chroot/archives after. There are no kernel headers
# in it, so DKMS skips the build here (test/install/dkms.sh builds the
# module with DKMS on the host). Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD

debdir=$(realpath "${1:?usage: chroot.sh DEBDIR}")
cache=$top/.cache/chroot
# What building a program takes; not what the packages depend on.
include=gcc,libc6-dev,make,pkg-config
base=$cache/bookworm-minbase.tar.zst
stamp=$cache/bookworm-minbase.stamp

# The first Debian 12 mirror of this machine's apt sources (one-line or
# deb822 format).
mirror() {
	local f u
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# deb [OPTIONS] URI SUITE COMPONENTS...
		u=$(awk '$1 == "deb" {
				i = 2
				if ($2 ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
				if ($(i + 1) == "bookworm") { print $i; exit }
			 }' "$f")
		[ -n "$u" ] && { echo "$u"; return 0; }
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		u=$(awk 'BEGIN { RS = ""; FS = "\n" }
		     {
			uri = ""; deb = 0; suite = 0
			for (i = 1; i <= NF; i++) {
				n = split($i, w, /[ \t]+/)
				for (j = 2; j <= n; j++) {
					if (w[1] == "Types:" && w[j] == "deb") deb = 1
					if (w[1] == "Suites:" && w[j] == "bookworm") suite = 1
				}
				if (w[1] == "URIs:") uri = w[2]
			}
			if (deb && suite && uri != "") { print uri; exit }
		     }' "$f")
		[ -n "$u" ] && { echo "$u"; return 0; }
	done
}

# The cached base, made once per package list (its stamp names it). It is
# kept as a tarball: kbuild's "make M=. clean" deletes every *.o and *.a
# below the tree, .cache too, and a compiler's crt*.o and libc's *.a are
# such files. Each run unpacks it outside the tree.
make_base() {
	local m t0 tmp
	[ "$(cat "$stamp" 2>/dev/null)" = "$include" ] && [ -f "$base" ] && return 0
	m=$(mirror) || true
	[ -n "$m" ] || { echo "chroot.sh: no bookworm mirror in /etc/apt" >&2; return 1; }
	echo "chroot.sh: debootstrap minbase bookworm from $m (once)"
	rm -f "$base" "$stamp"
	t0=$(date +%s)
	tmp=$(mktemp -d /tmp/ixdp-debootstrap.XXXXXX)
	if ! debootstrap --variant=minbase --include="$include" bookworm "$tmp" "$m" \
		> "$cache/debootstrap.log" 2>&1; then
		tail -n 20 "$cache/debootstrap.log"
		rm -rf "$tmp"
		return 1
	fi
	cp /etc/resolv.conf "$tmp/etc/resolv.conf"
	chroot "$tmp" apt-get update -qq
	tar -C "$tmp" -cf - . | zstd -q -1 -T0 > "$base.tmp"
	rm -rf "$tmp"
	mv "$base.tmp" "$base"
	echo "$include" > "$stamp"
	echo "chroot.sh: base made in $(($(date +%s) - t0))s"
}

mkdir -p "$cache"
exec 9> "$cache/lock"
flock 9
make_base

root=$(mktemp -d /tmp/ixdp-chroot.XXXXXX)
# Unmount before removing: rm -rf through a mount would empty the cache.
cleanup() {
	umount "$root/var/cache/apt/archives" 2>/dev/null || true
	umount "$root/proc" 2>/dev/null || true
	if mountpoint -q "$root/var/cache/apt/archives" || mountpoint -q "$root/proc"; then
		echo "chroot.sh: $root still has mounts, left in place" >&2
	else
		rm -rf "$root"
	fi
}
trap cleanup EXIT
zstd -q -dc "$base" | tar -C "$root" -xf -
mount -t proc proc "$root/proc"
mkdir -p "$cache/archives/partial"
mount --bind "$cache/archives" "$root/var/cache/apt/archives"
cp /etc/resolv.conf "$root/etc/resolv.conf"

mkdir -p "$root/tmp/ixdp"
cp "$debdir"/*.deb "$root/tmp/ixdp/"
rm -f "$root"/tmp/ixdp/*-dbgsym_*.deb
cp examples/echo.c "$root/tmp/ixdp/"
cp test/install/in-chroot.sh "$root/tmp/ixdp/"

env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
	chroot "$root" /bin/bash /tmp/ixdp/in-chroot.sh
