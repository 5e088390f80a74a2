#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's test command (make check, and CI): install what is
# missing, build everything, run the gates, the unit tests and the
# in-guest selftests, and end with one line "N passed, N failed".
#
# Every build step and gate counts as one test; the unit tests and the
# selftests count each of their TAP results.
set -uo pipefail
cd "$(dirname "$0")/.."

pass=0 fail=0 failed=()
mkdir -p build
log=build/check
mkdir -p "$log"

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); failed+=("$1"); echo "not ok - $1"; }

# step NAME COMMAND...: one test, its output kept in build/check/NAME.log.
step() {
	local name=$1
	shift
	if "$@" > "$log/$name.log" 2>&1; then
		ok "$name"
	else
		not_ok "$name (see $log/$name.log)"
		tail -n 40 "$log/$name.log"
	fi
}

# console_tail FILE RC: after a failed guest run, the harness's account of
# it (the guest console's last lines, where a wedged stage shows how far
# it got), which the filtered output above leaves out.
console_tail() {
	[ "$2" -eq 0 ] && return 0
	sed -n '/^----- last lines of the guest console/,/^----- qemu -----/p' "$1" |
		head -n 80
}

# failure_context FILE: for each failed check of a guest run, its stage
# and the diagnostics around it (the filtered output above keeps only
# verdicts), then how long each stage took, so that a failure in CI can
# be read without its logs.
failure_context() {
	grep -qE '^[[:space:]]*not ok' "$1" || return 0
	echo "----- failed checks in context ($1) -----"
	awk '
	/^# selftest: [^ ]+$/ { stage = $3; n = 0; after = 0; next }
	/^[[:space:]]*not ok/ {
		print "[" stage "]"
		for (i = (n > 12 ? n - 12 : 0); i < n; i++)
			print "  " buf[i % 12]
		print "  " $0
		after = 5; n = 0; next
	}
	/^#/ {
		if (after > 0) { print "  " $0; after--; next }
		buf[n % 12] = $0; n++
	}' "$1" | head -n 200
	echo "----- stage times -----"
	sed -n 's/^# selftest: \([^ ]*\) took \([0-9]*\) s$/\1 \2/p' "$1" |
		awk '{ printf "%s%s %ss", sep, $1, $2; sep = ", " } END { if (NR) print "" }'
}

# count_tap NAME FILE RC: add a TAP stream's results to the totals.
count_tap() {
	local name=$1 file=$2 rc=$3 p f
	p=$(grep -cE '^[[:space:]]*ok [0-9]' "$file" || true)
	f=$(grep -cE '^[[:space:]]*not ok' "$file" || true)
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" -gt 0 ] && failed+=("$name: $f failed")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		not_ok "$name exited with status $rc without a failing test"
	fi
	echo "$name: $p passed, $f failed"
}

# check_plans NAME FILE: the plans of FILE's TAP streams ("1..N", one per
# stream) must add up to the results seen, so that a test program that
# died before reporting everything fails here.
check_plans() {
	local name=$1 file=$2 planned seen
	planned=$(sed -nE 's/^[[:space:]]*1\.\.([0-9]+)([[:space:]]|$).*/\1/p' "$file" |
		awk '{ n += $1 } END { print n + 0 }')
	seen=$(grep -cE '^[[:space:]]*(not )?ok [0-9]' "$file" || true)
	if [ "$planned" -ne "$seen" ]; then
		not_ok "$name: $planned planned, $seen reported"
	fi
}

start=$(date +%s)
if ! scripts/deps.sh; then
	echo "0 passed, 1 failed"
	exit 1
fi
kver=$(scripts/kernels.sh default-version)

step build-module-all-kernels scripts/kernels.sh build-all
step layering scripts/layers.py
step build-user make -s user
step kvload-selftest build/host/kvload --selftest
step style-checkpatch scripts/style.sh
step netlink-spec scripts/nlspec-check.py
# The benchmarks' CSV writer on logs of real runs (no benchmark runs).
step bench-csv test/bench/csv-check.sh

# Installing (test/install/): make install and a program on the staged
# libixdp.pc, DKMS for both kernels, the Debian packages built and used
# in a clean Debian 12 chroot.
step install-versions test/install/versions.sh
step install-make test/install/make-install.sh
step install-dkms test/install/dkms.sh
step package-build test/install/deb.sh build/pkg
step package-chroot test/install/chroot.sh build/pkg
step sparse make -s sparse

if [ -f test/unit/Makefile ]; then
	rc=0
	make -s -C test/unit check > "$log/unit.log" 2>&1 || rc=$?
	grep -E '^[[:space:]]*(not )?ok [0-9]|^#' "$log/unit.log" | grep -v '^# ok' | tail -n 400
	count_tap unit "$log/unit.log" "$rc"
	check_plans unit "$log/unit.log"
fi

# The core against Linux's TCP over a tap (no QEMU; needs root).
rc=0
timeout 300 make -s -C test/interop check > "$log/interop.log" 2>&1 || rc=$?
grep -E '^(not )?ok |passed' "$log/interop.log"
count_tap interop "$log/interop.log" "$rc"
check_plans interop "$log/interop.log"

rc=0
test/qemu/run.sh --kernel-version "$kver" --mode test --timeout 1200 \
	> "$log/qemu.log" 2>&1 || rc=$?
cat "$log/qemu.log"
failure_context "$log/qemu.log"
# The harness's own verdict lines start with "not ok -" and count too.
count_tap qemu "$log/qemu.log" "$rc"

# The data path again on a single-queue e1000e: software steering only.
rc=0
test/qemu/run.sh --kernel-version "$kver" --mode test --nic e1000e \
	--only datapath --timeout 600 > "$log/qemu-e1000e.log" 2>&1 || rc=$?
grep -E '^(not )?ok |passed' "$log/qemu-e1000e.log"
console_tail "$log/qemu-e1000e.log" "$rc"
failure_context "$log/qemu-e1000e.log"
count_tap qemu-e1000e "$log/qemu-e1000e.log" "$rc"

# The whole suite again on Debian 12's 6.12 kernel: the module is built
# for it above; this boots it.
rc=0
scripts/kernels.sh run-suite 6.12 > "$log/qemu-6.12.log" 2>&1 || rc=$?
grep -E '^(not )?ok |passed|run.sh:' "$log/qemu-6.12.log" |
	grep -vE '^ok ' | tail -n 40
grep -E 'selftests \(' "$log/qemu-6.12.log"
console_tail "$log/qemu-6.12.log" "$rc"
failure_context "$log/qemu-6.12.log"
count_tap qemu-6.12 "$log/qemu-6.12.log" "$rc"

# The whole suite again on the KASAN + UBSan + lockdep + kmemleak kernel
# of ../shared/kernels: any report in its log fails the run (run.sh's
# verdict, and the kernel-log stage's kmemleak scan).
#
# CI stops the whole run at IXDP_CI_SECONDS (5,400), and this machine's
# speed varies by up to twice from one hour to the next; this kernel
# runs the suite 2 to 4 times slower than 6.1. So its boot gets what is
# left of the run's time, less the module's build and the boot, the last
# stage begun and the kernel log's check (kernels.sh adds 800 s for
# them) and a margin: no stage starts after that budget, and the stages
# left are reported as skipped, by name, below. On this machine at its
# usual speed the whole suite fits.
if ls ../shared/kernels/linux-image-*-ixdp-debug_*.deb >/dev/null 2>&1; then
	rc=0
	budget=$((${IXDP_CI_SECONDS:-5400} - 1300 - ($(date +%s) - start)))
	[ "$budget" -lt 300 ] && budget=300
	echo "debug kernel: no stage starts after ${budget} s of stages"
	DEBUG_BUDGET=$budget scripts/kernels.sh run-suite debug \
		> "$log/qemu-debug.log" 2>&1 || rc=$?
	grep -E '^(not )?ok |passed|run.sh:' "$log/qemu-debug.log" |
		grep -vE '^ok ' | tail -n 40
	grep -E 'selftests \(' "$log/qemu-debug.log"
	console_tail "$log/qemu-debug.log" "$rc"
	failure_context "$log/qemu-debug.log"
	grep -E '# SKIP the time budget' "$log/qemu-debug.log" |
		sed -n 's/^ok 1 - \([^ ]*\) # SKIP.*/\1/p' | tr '\n' ' ' |
		sed 's/^\(.\)/debug kernel: stages not run within the time budget: \1/; s/ $/\n/'
	count_tap qemu-debug "$log/qemu-debug.log" "$rc"
else
	echo "ok - debug-kernel suite # SKIP no debug kernel in ../shared/kernels"
fi

echo "check took $(($(date +%s) - start))s"
if [ "$fail" -gt 0 ]; then
	printf 'failed: %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
