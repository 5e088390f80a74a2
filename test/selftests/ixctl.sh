#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ixctl, the administrator's CLI: text and JSON output agree with the
# module, changes take effect, refusals carry the kernel's reason and the
# right exit status, and non-root users cannot change anything.
. /selftests/lib.sh

# run_ixctl ARGS...: output in $OUT (stdout+stderr), status in $RC.
run_ixctl() {
	OUT=$(ixctl "$@" 2>&1)
	RC=$?
	tap_diag "ixctl $*: $OUT (exit $RC)"
}

param() {
	cat "/sys/module/ixdp/parameters/$1"
}

run_ixctl version
tap_check "ixctl version names the module and abi" \
	sh -c "echo '$OUT' | grep -q '^ixdp .* abi 1 features 0x3f (run recv_acked send_done rx_chunks handoff move)$'"
run_ixctl -j version
tap_check "ixctl -j version is JSON" \
	sh -c "echo '$OUT' | grep -q '^{\"module_version\":\".*\",\"abi_version\":1,\"features\":\"0x3f\",\"feature_names\":\"run recv_acked send_done rx_chunks handoff move\"}$'"
run_ixctl config set batch 16 poll_us 200
tap_check "ixctl config set changes both values" \
	[ "$RC" -eq 0 -a "$(param batch)" = 16 -a "$(param poll_us)" = 200 ]
grace0=$(param run_grace_us)
tap_check "run_grace_us defaults to 2000 us" [ "$grace0" = 2000 ]
run_ixctl -j config show
tap_check "ixctl -j config show reports them" \
	[ "$OUT" = '{"batch":16,"poll_us":200,"run_grace_us":2000}' ]
run_ixctl config set run_grace_us 5000
tap_check "ixctl config set run_grace_us changes it" \
	[ "$RC" -eq 0 -a "$(param run_grace_us)" = 5000 ]
run_ixctl config show
tap_check "ixctl config show reports it" \
	[ "$OUT" = 'batch 16 poll_us 200 run_grace_us 5000' ]
for bad in 0 99 1000001; do
	run_ixctl config set run_grace_us $bad
	tap_check "run_grace_us $bad is refused with the kernel's reason" \
		sh -c "[ $RC -eq 1 ] && echo '$OUT' | grep -q 'out of range' &&
		       [ $(param run_grace_us) = 5000 ]"
done
run_ixctl config set run_grace_us 100 batch 0
tap_check "one bad value among good ones changes nothing" \
	[ "$RC" -eq 1 -a "$(param run_grace_us)" = 5000 -a "$(param batch)" = 16 ]
run_ixctl config set run_grace_us "$grace0"
tap_check "run_grace_us is restored" \
	[ "$RC" -eq 0 -a "$(param run_grace_us)" = "$grace0" ]
run_ixctl config set batch 0
tap_check "an out-of-range value fails with the kernel's reason" \
	sh -c "[ $RC -eq 1 ] && echo '$OUT' | grep -q 'out of range' &&
	       [ $(param batch) = 16 ]"
run_ixctl config set batch
tap_check "a missing value is a usage error (exit 2)" [ "$RC" -eq 2 ]
run_ixctl config set batch 8x
tap_check "a malformed number is a usage error (exit 2)" [ "$RC" -eq 2 ]
run_ixctl frobnicate
tap_check "an unknown object is a usage error (exit 2)" [ "$RC" -eq 2 ]
OUT=$(su -s /bin/sh nobody -c "id -u; ixctl config set batch 4" 2>&1)
RC=$?
tap_diag "as nobody: $OUT (exit $RC)"
tap_check "a non-root user cannot change the configuration" \
	sh -c "[ $RC -eq 1 ] && echo '$OUT' | grep -q '^65534$' &&
	       echo '$OUT' | grep -q 'Operation not permitted' &&
	       [ $(param batch) = 16 ]"
run_ixctl config set batch 64 poll_us 50
tap_check "the defaults can be restored" [ "$RC" -eq 0 ]
tap_finish
