#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The release is named in three places that must agree: VERSION (the
# module's version outside git, make install-dkms's /usr/src directory),
# dkms.conf's PACKAGE_VERSION and debian/changelog's upstream version.
# And libixdp's Debian package is named after its soname.
set -euo pipefail
cd "$(dirname "$0")/../.."

ver=$(cat VERSION)
dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
deb=$(dpkg-parsechangelog -S Version)
echo "VERSION $ver, dkms.conf $dkms, debian/changelog $deb"
[ "$dkms" = "$ver" ] || { echo "versions.sh: dkms.conf says $dkms" >&2; exit 1; }
[ "${deb%-*}" = "$ver" ] || { echo "versions.sh: debian/changelog says $deb" >&2; exit 1; }

major=$(sed -n 's/^IXDP_\([0-9]*\)\.[0-9]* {.*/\1/p' lib/libixdp.map | tail -n1)
echo "libixdp.so.$major"
grep -qx "Package: libixdp$major" debian/control ||
	{ echo "versions.sh: debian/control has no libixdp$major" >&2; exit 1; }
grep -q "^libixdp.so.$major libixdp$major " debian/libixdp"$major".symbols ||
	{ echo "versions.sh: no debian/libixdp$major.symbols for libixdp.so.$major" >&2; exit 1; }
