// SPDX-License-Identifier: GPL-2.0
/*
 * Optional soak (make soak): many seeds, random option sets, buffer sizes
 * and impairments; 1 MB each way, then a graceful close.  SOAK_SEEDS sets
 * the number of runs (default 200).
 */
#include "sim.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "unit.h"

#define LEN	(1u << 20)

static void test_soak(void **state)
{
	const char *env = getenv("SOAK_SEEDS");
	int seeds = env ? atoi(env) : 200, seed;
	u8 *s0 = malloc(LEN), *s1 = malloc(LEN);
	u32 i;

	for (i = 0; i < LEN; i++) {
		s0[i] = sim_pattern(100, i);
		s1[i] = sim_pattern(101, i);
	}
	for (seed = 1; seed <= seeds; seed++) {
		struct ix_stack_cfg cfg;
		struct sim s;

		ix_stack_cfg_default(&cfg);
		cfg.no_sack = seed & 1;
		cfg.no_ts = seed % 3 == 0;
		cfg.no_wscale = seed % 5 == 0;
		cfg.tx_csum_offload = seed % 7 == 0;
		cfg.rcv_buf = seed % 4 ? 262144 : 16384;
		sim_init(&s, (u64)seed, &cfg);
		assert_true(sim_connect(&s, 5001));
		/*
		 * Without timestamps RTT is timed one segment at a time
		 * (Karn), so under heavy loss a backed-off RTO lingers and a
		 * run can take hours of simulated time: keep those at 10%.
		 */
		s.loss_ppm = 20000 + (seed % 5) * (cfg.no_ts ? 20000 : 40000);
		s.reorder_ppm = 50000;
		s.reorder_us = 50 + seed * 37 % 500;
		s.dup_ppm = 20000;
		s.jitter_us = 100 + seed % 300;
		s.app[0].src = s0;
		s.app[0].tx_total = LEN;
		s.app[1].src = s1;
		s.app[1].tx_total = LEN;
		if (!sim_run(&s, 600000000, sim_xfer_done))
			fail_msg("seed %d: transfer incomplete (%llu, %llu)", seed,
				 (unsigned long long)s.app[0].rx_total,
				 (unsigned long long)s.app[1].rx_total);
		assert_int_equal(s.app[0].rx_errors + s.app[1].rx_errors, 0);
		assert_int_equal(ix_tcp_close(s.c[0], s.app[0].handle), 0);
		assert_int_equal(ix_tcp_close(s.c[1], s.app[1].handle), 0);
		assert_true(sim_run(&s, 600000000, sim_both_dead));
		assert_int_equal(s.app[0].dead_status, 0);
		assert_int_equal(s.app[1].dead_status, 0);
		sim_fini(&s);
	}
	free(s0);
	free(s1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soak),
	};

	unit_filter();
	return cmocka_run_group_tests_name("soak", tests, NULL, NULL);
}
