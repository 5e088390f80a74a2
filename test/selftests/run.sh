#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-guest selftest runner. Each stage prints a TAP 13 stream whose plan
# is counted, not written by hand: lib.sh's tap_finish and ksft.h's
# ksft_finish print it last from the results reported. The runner copies
# the stream to the results port and adds a "not ok" of its own when the
# stream has no plan or more than one (the stage died before its end) or
# a plan that is not the number of results. The host counts every
# "ok"/"not ok" line. Documentation/testing.rst says how to add a stage.
. /selftests/lib.sh

[ -n "$IXDP_CTL" ] && exec 7<>"$IXDP_CTL"
RESULTS=${IXDP_RESULTS:-/dev/null}

emit() {
	tee -a "$RESULTS"
}

# ixdp_part=N on the kernel command line runs the Nth part of the stages
# only (part 2 begins at app-kv, part 3 at netlink-move), and in each the
# module's loading and the kernel log's check: a slow kernel's suite in
# three boots, each within its own bound (kernels.sh run-suite debug).
_part=1

run_stage() {
	_name=$1
	shift
	case $_name in
	app-kv) _part=2 ;;
	netlink-move) _part=3 ;;
	esac
	case $_name in
	module-load|kernel-log) ;;
	*) [ "${ixdp_part:-$_part}" = "$_part" ] || return ;;
	esac
	case $_name in
	module-load|module-unload|kernel-log) ;;
	*)
		case ",${ixdp_first:-}," in
		*",$_name,"*) _first=first ;;
		*) _first=rest ;;
		esac
		[ "$_first" = "${_pass:-rest}" ] || return
		;;
	esac
	# ixdp_only=NAME[,NAME] on the kernel command line runs just those
	# stages (test/qemu/run.sh --only).
	case ",${ixdp_only:-$_name}," in
	*",$_name,"*) ;;
	*) return ;;
	esac
	echo "# selftest: $_name" | emit
	# ixdp_skip=NAME[,NAME] skips those stages, each counted as one
	# skipped check (the debug kernel's run: scripts/kernels.sh says
	# which and why).
	case ",${ixdp_skip:-}," in
	*",$_name,"*)
		{ echo "ok 1 - $_name # SKIP ixdp_skip on this boot's command line"
		  echo "1..1"; } | emit
		return
		;;
	esac
	# ixdp_budget=S: no stage starts once S seconds of stages have
	# run (but the module's unloading and the kernel log's check,
	# which end every run): each stage left is one skipped check, so
	# that a bounded run on a slow machine ends with what it found
	# instead of being cut off (scripts/check.sh, the debug kernel).
	case $_name in
	module-load|module-unload|kernel-log) ;;
	*)
		if [ -n "${ixdp_budget:-}" ] &&
		   [ $(($(date +%s) - RUN_T0)) -ge "$ixdp_budget" ]; then
			{ echo "ok 1 - $_name # SKIP the time budget of this boot (ixdp_budget=$ixdp_budget s) is spent"
			  echo "1..1"; } | emit
			return
		fi
		;;
	esac
	_t0=$(date +%s)
	"$@" > "/tmp/$_name.out" 2>&1
	_rc=$?
	emit < "/tmp/$_name.out"
	echo "# selftest: $_name took $(($(date +%s) - _t0)) s" | emit
	_plans=$(grep -c '^1\.\.' "/tmp/$_name.out")
	_plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "/tmp/$_name.out" | head -n1)
	_ran=$(grep -cE '^(not )?ok ' "/tmp/$_name.out")
	if [ "$_plans" -ne 1 ] || [ -z "$_plan" ] || [ "$_plan" -ne "$_ran" ]; then
		echo "not ok - $_name: $_plans plan(s) of ${_plan:-no} checks, reported $_ran (exit $_rc)" | emit
	elif [ "$_rc" -ne 0 ] && [ "$_rc" -ne 4 ] &&
	     ! grep -q '^not ok ' "/tmp/$_name.out"; then
		echo "not ok - $_name: exit status $_rc without a failing check" | emit
	fi
}

RUN_T0=$(date +%s)
echo "TAP version 13" | emit
dmesg -c > /tmp/boot.dmesg
run_stage module-load /selftests/module.sh load
[ -n "$ixdp_only" ] && ! grep -q '^ixdp ' /proc/modules && insmod /ixdp/ixdp.ko

stages() {
_part=1
run_stage chardev /selftests/chardev
run_stage netlink /selftests/netlink
run_stage ixctl /selftests/ixctl.sh
run_stage host-side /selftests/host.sh
run_stage datapath /selftests/datapath.sh
run_stage tcpdump /selftests/tcpdump.sh
run_stage app /selftests/app.sh
run_stage unpriv /selftests/unpriv.sh
run_stage rings /selftests/rings.sh
run_stage rings-inline env IXDP_MODE=inline /selftests/rings.sh
run_stage app-echo /selftests/app_echo.sh
run_stage app-echo-ring env IXDP_MODE=ring /selftests/app_echo.sh
run_stage trace /selftests/trace.sh
run_stage preload /selftests/preload.sh
run_stage app-scale /selftests/app_scale.sh
run_stage app-kv /selftests/app_kv.sh
run_stage app-kv-conform /selftests/app_kv_conform.sh
run_stage preload-apps /selftests/preload_apps.sh
run_stage app-lossy /selftests/app_lossy.sh
run_stage app-lossy-ring env IXDP_MODE=ring /selftests/app_lossy.sh
run_stage inline /selftests/inline.sh
run_stage hostile /selftests/hostile.sh
run_stage netlink-move /selftests/netlink_move.sh
run_stage fgmove /selftests/fgmove.sh
run_stage fgmove-app /selftests/fgmove_app.sh
run_stage fgmove-app-ring env IXDP_MODE=ring /selftests/fgmove_app.sh
run_stage cpuhp /selftests/cpuhp.sh
run_stage ixdpd /selftests/ixdpd.sh
run_stage ixdpd-cpus /selftests/ixdpd_cpus.sh
run_stage ixdpd-app /selftests/ixdpd_app.sh
run_stage objects /selftests/objects.sh
run_stage fuzz /selftests/fuzz.sh
run_stage netdev-gone /selftests/netdev_gone.sh
}

# ixdp_first=NAME[,NAME]: those stages run first, in the order of the
# list above, then the others (the debug kernel's run, whose time budget
# may leave out the last ones: scripts/kernels.sh).
if [ -n "${ixdp_first:-}" ]; then
	_pass=first
	stages
fi
_pass=rest
stages
run_stage module-unload /selftests/module.sh unload
run_stage kernel-log /selftests/module.sh kernel-log
