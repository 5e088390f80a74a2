#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's initramfs: busybox, the NIC drivers of the guest
# kernel (with their dependencies, in load order), ixdp.ko, iproute2's tc
# and the traffic-control modules, tcpdump, trace-cmd, memcached,
# redis-server, nginx, and the selftest programs with the shared
# libraries they need.
#
# mkinitramfs.sh OUT.cpio.gz MODDIR|none KO BUILDDIR [EXTRA]
#   MODDIR  the guest kernel's /lib/modules/<release> ("none" when the
#           drivers are built in, as in the debug kernel)
#   KO      ixdp.ko built for that kernel
#   BUILDDIR  the build tree: selftests/* go to /selftests (with
#             test/selftests/*.sh), bin/* (ixctl, ...) to /usr/bin
#   EXTRA   a directory whose files go to /extra, the programs with their
#           shared libraries (make bench-app's XDP boot)
set -euo pipefail

out=$1 moddir=$2 ko=$3 builddir=$4 extra=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# Drivers the guest needs, each with its dependencies.
want_modules="virtio_pci virtio_net virtio_console e1000e"
# Traffic control for the lossy-link stage (test/selftests/app_lossy.sh),
# loaded by that stage only: they go to /modules/tc.order, not order.
tc_modules="sch_ingress act_mirred cls_u32 ifb sch_netem"

root=$(mktemp -d)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,modules,ixdp,selftests,lib,lib64,usr/lib,usr/bin}

busybox=$(command -v busybox)
{ ldd "$busybox" 2>&1 || true; } | grep -qE 'not a dynamic|statically linked' ||
	{ echo "mkinitramfs: busybox must be static (busybox-static)" >&2; exit 1; }
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >> "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
echo "nogroup:x:65534:" >> "$root/etc/group"

# Copy one module, decompressed (busybox insmod reads plain .ko only),
# and list it in the load order file $order.
copy_module() {
	local src=$moddir/$1 name
	name=$(basename "$1")
	case $name in
	*.ko.xz) xz -dc "$src" > "$root/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$src" > "$root/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko) cp "$src" "$root/modules/$name" ;;
	esac
	echo "$name" >> "$order"
}

declare -A added=()
# add_modules ORDERFILE MODULES...: each module with its dependencies.
add_modules() {
	local order=$1 m line self deps d i
	shift
	: > "$order"
	for m in "$@"; do
		line=$(grep -E "(^|/)$m\.ko(\.xz|\.zst)?:" "$moddir/modules.dep" || true)
		# Built into this kernel: nothing to load.
		[ -n "$line" ] || continue
		self=${line%%:*}
		read -r -a deps <<< "${line#*:}"
		# modules.dep lists the closure; load it in reverse.
		for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
			d=${deps[i]}
			[ -n "${added[$d]:-}" ] && continue
			added[$d]=1
			copy_module "$d"
		done
		if [ -z "${added[$self]:-}" ]; then
			added[$self]=1
			copy_module "$self"
		fi
	done
}
if [ "$moddir" != none ]; then
	add_modules "$root/modules/order" $want_modules
	add_modules "$root/modules/tc.order" $tc_modules
fi

cp "$ko" "$root/ixdp/ixdp.ko"
# The preload library (Documentation/preload.rst) for programs run with
# LD_PRELOAD=/ixdp/libixdp-preload.so; its libraries are the selftests'.
if [ -f "$builddir/lib/libixdp-preload.so" ]; then
	cp "$builddir/lib/libixdp-preload.so" "$root/ixdp/"
fi

# Programs and the shared objects they load, at the same paths.
copy_with_libs() {
	local bin=$1 lib
	for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
		mkdir -p "$root$(dirname "$lib")"
		[ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
	done
}
for f in "$builddir"/selftests/* "$builddir"/bin/*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	case $f in
	"$builddir"/bin/*) cp "$f" "$root/usr/bin/" ;;
	*) cp "$f" "$root/selftests/" ;;
	esac
	copy_with_libs "$f"
done
# iproute2's tc (busybox's cannot add netem or mirred), where the
# selftests look for it.
for tc in /usr/sbin/tc /sbin/tc; do
	[ -x "$tc" ] || continue
	mkdir -p "$root/usr/sbin"
	cp "$tc" "$root/usr/sbin/tc"
	copy_with_libs "$tc"
	break
done
# Debian's tcpdump, for the tcpdump stage (test/selftests/tcpdump.sh),
# which fails without it.
for td in /usr/bin/tcpdump /usr/sbin/tcpdump; do
	[ -x "$td" ] || continue
	cp "$td" "$root/usr/bin/tcpdump"
	copy_with_libs "$td"
	break
done
# Debian's memcached: the reference the app-kv-conform stage compares
# kv_ixdp with on the guest's Linux, and make bench-kv's.
if [ -x /usr/bin/memcached ]; then
	cp /usr/bin/memcached "$root/usr/bin/memcached"
	copy_with_libs /usr/bin/memcached
fi
# Debian's redis-server and nginx, run unmodified on Linux and under
# libixdp-preload.so by the preload-apps stage and make bench-preload
# (test/selftests/preload_apps.sh, bench_preload.sh); nginx with the
# configuration of test/preload/, which names every path it writes.
for prog in /usr/bin/redis-server /usr/sbin/nginx; do
	[ -x "$prog" ] || continue
	mkdir -p "$root$(dirname "$prog")"
	cp "$prog" "$root$prog"
	copy_with_libs "$prog"
done
mkdir -p "$root/preload"
for f in "$top"/test/preload/*; do
	[ -f "$f" ] && cp "$f" "$root/preload/"
done
# trace-cmd for the trace stage (test/selftests/trace.sh), where the
# stage looks for it; libtraceevent's plugins are not needed for ixdp's
# events.
if [ -x /usr/bin/trace-cmd ]; then
	cp /usr/bin/trace-cmd "$root/usr/bin/trace-cmd"
	copy_with_libs /usr/bin/trace-cmd
fi
if [ -n "$extra" ]; then
	mkdir -p "$root/extra"
	for f in "$extra"/*; do
		[ -f "$f" ] || continue
		cp "$f" "$root/extra/"
		[ -x "$f" ] && copy_with_libs "$f"
	done
fi
for f in "$top"/test/selftests/*.sh; do
	[ -e "$f" ] && cp "$f" "$root/selftests/"
done
chmod 755 "$root"/selftests/* 2>/dev/null || true

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
