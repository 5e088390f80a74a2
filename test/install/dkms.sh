#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS as a user runs it (README.md, "Install"): make install-dkms puts
# the module's source in /usr/src/ixdp-VERSION, then dkms add, build and
# install for each supported kernel (scripts/kernels.sh); the installed
# ixdp.ko must be for that kernel and carry the release as its version.
# Everything is removed again (dkms remove --all, the source, and DKMS's
# signing key if this run made it). Needs root; refuses to touch an ixdp
# already in DKMS.
set -euo pipefail
cd "$(dirname "$0")/../.."

ver=$(cat VERSION)
src=/usr/src/ixdp-$ver
fail() { echo "dkms.sh: $*" >&2; exit 1; }

# One at a time on this machine: /usr/src and DKMS's tree are shared by
# every checkout.
exec 9> /tmp/ixdp-dkms.lock
flock 9

[ -z "$(dkms status ixdp 2>/dev/null)" ] || fail "ixdp is already in DKMS: $(dkms status ixdp)"
[ ! -e "$src" ] || fail "$src exists already"

# DKMS makes a key to sign modules with on first use; it is this run's
# to remove only if it was not there before.
key=/var/lib/dkms/mok.key cert=/var/lib/dkms/mok.pub
had_key=0
[ -e "$key" ] && had_key=1
cleanup() {
	dkms remove "ixdp/$ver" --all > /dev/null 2>&1 || true
	rm -rf "$src"
	[ "$had_key" = 1 ] || rm -f "$key" "$cert"
}
trap cleanup EXIT

make -s install-dkms
dkms add "ixdp/$ver"
for s in 6.1 6.12; do
	k=$(scripts/kernels.sh version "$s")
	echo "== $k"
	dkms build "ixdp/$ver" -k "$k"
	if grep -E 'warning:|error:' "/var/lib/dkms/ixdp/$ver/$k/x86_64/log/make.log"; then
		fail "warnings building for $k"
	fi
	dkms install "ixdp/$ver" -k "$k"
	ko=$(modinfo -k "$k" -n ixdp)
	echo "$ko"
	case $ko in
	/lib/modules/"$k"/updates/dkms/ixdp.ko*) ;;
	*) fail "modinfo finds $ko for $k, not DKMS's" ;;
	esac
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$k" ] || fail "$ko is not for $k"
	[ "$(modinfo -F version "$ko")" = "$ver" ] || fail "$ko's version is not $ver"
done
dkms status ixdp

cleanup
trap - EXIT
for s in 6.1 6.12; do
	k=$(scripts/kernels.sh version "$s")
	! compgen -G "/lib/modules/$k/updates/dkms/ixdp.ko*" > /dev/null ||
		fail "ixdp.ko left in /lib/modules/$k"
done
[ -z "$(dkms status ixdp)" ] || fail "ixdp left in DKMS"
[ ! -e "/var/lib/dkms/ixdp" ] || fail "/var/lib/dkms/ixdp left"
echo "dkms.sh: built and installed for both kernels, and removed"
