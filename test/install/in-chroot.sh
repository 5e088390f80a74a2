#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run by chroot.sh inside a clean Debian 12 with the packages' .debs in
# /tmp/ixdp: install them, use them, purge them. Any failure stops it.
set -euo pipefail
cd /tmp/ixdp
export DEBIAN_FRONTEND=noninteractive

step() { echo "== $*"; }
fail() { echo "in-chroot: $*" >&2; exit 1; }

step "apt-get install ./*.deb (and what they depend on)"
apt-get install -y -q --no-install-recommends ./*.deb
for p in libixdp2 libixdp-dev ixdp-tools ixdp-dkms; do
	dpkg-query -W -f='${Status}\n' "$p" | grep -x 'install ok installed' > /dev/null ||
		fail "$p not installed"
done

step "ixctl and ixdpd run"
/usr/sbin/ixctl help | grep '^Usage: ixctl' > /dev/null || fail "ixctl help"
/usr/sbin/ixdpd -V | grep '^ixdpd ' > /dev/null || fail "ixdpd -V"
getent group ixdp > /dev/null || fail "no group ixdp"
[ -f /lib/udev/rules.d/60-ixdp.rules ] || fail "no udev rule"
grep -qx 'ExecStart=/usr/sbin/ixdpd -c /etc/ixdp/ixdpd.conf -f' \
	/lib/systemd/system/ixdpd.service || fail "unit's ExecStart"
man -w ixctl > /dev/null 2>&1 || [ -f /usr/share/man/man8/ixctl.8.gz ] ||
	fail "no ixctl(8)"

step "echo.c against the installed libixdp, pkg-config only"
flags=$(pkg-config --cflags --libs libixdp)
echo "pkg-config: $flags"
gcc -O2 -pthread -o echo_ixdp echo.c $flags
readelf -d echo_ixdp | grep 'NEEDED.*\[libixdp\.so\.2\]' > /dev/null ||
	fail "echo_ixdp does not link libixdp.so.2"
# An unknown option: usage and status 2, once the loader has bound every
# symbol (LD_BIND_NOW) of the installed library.
rc=0
LD_BIND_NOW=1 ./echo_ixdp -Z > out 2>&1 || rc=$?
cat out
[ "$rc" -eq 2 ] && grep -q '^usage: echo_ixdp' out || fail "echo_ixdp did not run (status $rc)"

step "ixdp-dkms: the source registered (no kernel headers here: no build)"
[ -f /usr/src/ixdp-0.1/dkms.conf ] && [ -f /usr/src/ixdp-0.1/Kbuild ] ||
	fail "no module source in /usr/src"
dkms status ixdp | tee out
grep -q '^ixdp/0.1' out || fail "ixdp not in DKMS"

step "purge"
dpkg --purge ixdp-dkms ixdp-tools libixdp-dev libixdp2
left=$(ls -d /usr/src/ixdp-* /usr/sbin/ixctl /usr/sbin/ixdpd \
	/usr/include/ixdp /usr/lib/*/libixdp* /var/lib/dkms/ixdp 2>/dev/null || true)
[ -z "$left" ] || fail "left after purge: $left"
echo "in-chroot: all good"
