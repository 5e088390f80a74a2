#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh [OUTDIR]: build the Debian source and binary packages (debian/)
# from a copy of this tree, as a distribution would from the release
# tarball; the products land in OUTDIR (build/pkg), the tree is not
# touched. The copy holds the files git knows (tracked, or new and not
# ignored) as they are in the working tree.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=$(realpath -m "${1:-build/pkg}")
ver=$(cat VERSION)
src=$out/ixdp-$ver

rm -rf "$out"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar -cf - --null -T - | tar -xf - -C "$src"
# The upstream tarball is the tree without debian/.
tar -czf "$out/ixdp_$ver.orig.tar.gz" -C "$out" --exclude="ixdp-$ver/debian" "ixdp-$ver"

cd "$src"
dpkg-buildpackage -us -uc
cd "$out"
ls -1 ./*.deb ./*.dsc
for p in ixdp-dkms_"$ver"-*_all libixdp2_"$ver"-*_amd64 \
	 libixdp-dev_"$ver"-*_amd64 ixdp-tools_"$ver"-*_amd64; do
	compgen -G "$p.deb" > /dev/null || { echo "deb.sh: no $p.deb" >&2; exit 1; }
done
