#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install into a staging root, as a package would, and use what it
# installed: ixdp.ko is where modules_install puts it for the default
# kernel; examples/echo.c builds with nothing but the staged libixdp.pc
# (pkg-config's sysroot and search path point into the root, no -I of
# this tree), links libixdp.so.2 and runs far enough to print its usage
# with every symbol bound. Then make uninstall must leave no file behind.
set -euo pipefail
cd "$(dirname "$0")/../.."

kver=$(scripts/kernels.sh default-version)
root=$(mktemp -d /tmp/ixdp-install-root.XXXXXX)
work=$(mktemp -d /tmp/ixdp-install-work.XXXXXX)
trap 'rm -rf "$root" "$work"' EXIT
fail() { echo "make-install.sh: $*" >&2; exit 1; }

make -s install DESTDIR="$root" PREFIX=/usr
find "$root" \( -type f -o -type l \) -printf '%P\n' | sort

ko=$root/lib/modules/$kver/updates/ixdp.ko
[ -f "$ko" ] || fail "no $ko"
modinfo -F vermagic "$ko" | grep "^$kver " > /dev/null || fail "ixdp.ko is not for $kver"

lib=$root/usr/lib
readelf -d "$lib/libixdp.so.2" | grep 'SONAME.*\[libixdp\.so\.2\]' > /dev/null ||
	fail "libixdp.so.2 has no soname libixdp.so.2"
[ "$(readlink "$lib/libixdp.so")" = libixdp.so.2 ] || fail "libixdp.so -> ?"
nm -D --defined-only "$lib/libixdp-preload.so" | grep -q ' T epoll_wait$' ||
	fail "libixdp-preload.so is not installed or does not replace epoll_wait"

# Only the staged tree: PKG_CONFIG_LIBDIR replaces the system's search
# path, the sysroot prefixes the .pc's /usr paths with the root.
export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$lib/pkgconfig PKG_CONFIG_PATH=
flags=$(pkg-config --cflags --libs libixdp)
echo "pkg-config: $flags"
case $flags in
*"$PWD/"*) fail "libixdp.pc points into the source tree" ;;
esac
# The root and the program are outside the tree (/tmp), so any path of
# the tree in the flags or the dependencies is a leak.
cp examples/echo.c "$work/"
(cd "$work" && gcc -O2 -pthread -MD -o echo_ixdp echo.c $flags)
grep -q "$root/usr/include/ixdp/ixev.h" "$work"/*.d || fail "ixev.h not the staged one"
grep -q "$PWD/" "$work"/*.d && fail "echo.c used a header of the tree"
readelf -d "$work/echo_ixdp" | grep 'NEEDED.*\[libixdp\.so\.2\]' > /dev/null ||
	fail "echo_ixdp does not need libixdp.so.2"
rc=0
LD_LIBRARY_PATH=$lib LD_BIND_NOW=1 "$work/echo_ixdp" -Z > "$work/out" 2>&1 || rc=$?
cat "$work/out"
LD_LIBRARY_PATH=$lib ldd "$work/echo_ixdp" | grep "libixdp.so.2 => $lib/libixdp.so.2" > /dev/null ||
	fail "the loader did not take the staged libixdp.so.2"
[ "$rc" -eq 2 ] && grep -q '^usage: echo_ixdp' "$work/out" ||
	fail "echo_ixdp did not run (status $rc)"

make -s uninstall DESTDIR="$root" PREFIX=/usr
left=$(find "$root" \( -type f -o -type l \) -printf '%P\n')
[ -z "$left" ] || fail "left after uninstall: $left"
echo "make-install.sh: installed, used and uninstalled"
