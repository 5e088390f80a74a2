// SPDX-License-Identifier: GPL-2.0
/* 4 MB each way over a lossy, reordering, duplicating, jittery wire. */
#include "sim.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "unit.h"

#define MB4	(4u << 20)

static u8 *make_src(u32 seed, u32 len)
{
	u8 *p = malloc(len);
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = sim_pattern(seed, i);
	return p;
}

static void lossy(u64 seed, bool sack, bool small)
{
	struct ix_stack_cfg cfg;
	struct sim s;
	u8 *s0, *s1;
	int i;

	ix_stack_cfg_default(&cfg);
	cfg.no_sack = !sack;
	if (small) {
		/* no timestamps, no scaling, a 16 KB window, NIC checksums */
		cfg.no_ts = true;
		cfg.no_wscale = true;
		cfg.rcv_buf = 16384;
		cfg.tx_csum_offload = true;
	}
	sim_init(&s, seed, &cfg);
	s0 = make_src(s.app[0].tx_seed, MB4);
	s1 = make_src(s.app[1].tx_seed, MB4);
	assert_true(sim_connect(&s, 7000));
	s.loss_ppm = 50000;
	s.reorder_ppm = 50000;
	s.reorder_us = 300;
	s.dup_ppm = 20000;
	s.jitter_us = 100;
	s.app[0].src = s0;
	s.app[0].tx_total = MB4;
	s.app[1].src = s1;
	s.app[1].tx_total = MB4;
	assert_true(sim_run(&s, 600000000, sim_xfer_done));
	assert_int_equal(s.app[0].rx_errors, 0);
	assert_int_equal(s.app[1].rx_errors, 0);
	assert_int_equal(s.app[0].rx_total, MB4);
	assert_int_equal(s.app[1].rx_total, MB4);
	for (i = 0; i < 2; i++) {
		assert_true(s.c[i]->stat[IX_STAT_TCP_RETRANS] > 0);
		assert_true(s.c[i]->stat[IX_STAT_TCP_OOO] > 0);
		assert_true(s.c[i]->stat[IX_STAT_TCP_DUPSEG] > 0);
		if (sack)
			assert_true(s.c[i]->stat[IX_STAT_TCP_SACK_RETRANS] > 0);
		else
			assert_int_equal(s.c[i]->stat[IX_STAT_TCP_SACK_RETRANS],
					 0);
		assert_true(s.c[i]->stat[IX_STAT_TCP_FAST_RETRANS] > 0);
	}
	/* close under the same impairments */
	assert_int_equal(ix_tcp_close(s.c[0], s.app[0].handle), 0);
	assert_int_equal(ix_tcp_close(s.c[1], s.app[1].handle), 0);
	assert_true(sim_run(&s, 60000000, sim_both_dead));
	assert_int_equal(s.app[0].dead_status, 0);
	assert_int_equal(s.app[1].dead_status, 0);
	assert_int_equal(s.app[0].eof, 1);
	assert_int_equal(s.app[1].eof, 1);
	sim_fini(&s);
	free(s0);
	free(s1);
}

static void test_lossy_sack(void **state)
{
	lossy(21, true, false);
}

static void test_lossy_newreno(void **state)
{
	lossy(22, false, false);
}

static void test_lossy_small_window(void **state)
{
	lossy(23, true, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lossy_sack),
		cmocka_unit_test(test_lossy_newreno),
		cmocka_unit_test(test_lossy_small_window),
	};

	unit_filter();
	return cmocka_run_group_tests_name("tcp_stress", tests, NULL, NULL);
}
