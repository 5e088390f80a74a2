#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-echo.sh [--udp] ADDRESS PORT CONNS DEPTH SIZE SECONDS LABEL:
# closed-loop echo load (test/bench/loadgen.c), one RESULT line; with
# IXDP_BENCH_CDF=1 in the harness's environment (the benchmarks' make
# targets set it) a CDF line of the round trips too.
cdf=()
[ "${IXDP_BENCH_CDF:-0}" = 1 ] && cdf=(--cdf)
exec "$(dirname "$0")/../../build/host/loadgen" "${cdf[@]}" "$@"
