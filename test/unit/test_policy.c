// SPDX-License-Identifier: GPL-2.0
/*
 * ixdpd's core policy (daemon/policy.c) on synthetic loads and on the
 * recorded traces in traces/ (written by traces/gen.py).
 *
 * A small model closes the loop: work offered to a flow group lands on the
 * core that owns it; a core does at most one period of work per period and
 * queues the rest; its mean batch follows the M/M/1 queue length
 * rho / (1 - rho), and is full (64) while work is queued.  Every decision
 * is checked as the daemon would apply it: moves from the owner to a core
 * that is active afterwards, each group once; parks only of cores that own
 * no group; never more than max_cores nor fewer than min_cores; hold-down
 * times kept.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "unit.h"

#include "../../daemon/policy.h"

#ifndef TRACE_DIR
#define TRACE_DIR "traces"
#endif

#define NFG		64
#define NCORES		4
#define PERIOD_US	100000ULL
#define FRAME_NS	2000.0
#define BATCH_MAX	64.0
#define OVER_NS		1e6	/* queued work that counts as overload */

struct sim {
	struct ixdp_policy p;
	struct ixdp_policy_sample s;
	struct ixdp_policy_decision d;
	double share[NFG];		/* of the offered work */
	double backlog[NCORES];		/* ns of work queued */
	bool report_fg;			/* per-group loads in the samples */
	bool checks_holds;		/* assert the hold-down times */
	uint64_t now;
	int draining;			/* as the sim sees it */

	/* results */
	int adds, drains, parks, rebalances, moves;
	uint64_t core_us, over_us, total_us;
	uint32_t max_n, min_n;
	bool have_up, have_down;
	uint64_t last_up, last_down;
};

static uint32_t ncores(uint64_t m)
{
	return __builtin_popcountll(m);
}

/* One at a time, static: a failed check longjmps past any free(). */
static struct sim the_sim;

static struct sim *sim_new(const struct ixdp_policy_cfg *cfg, uint64_t active)
{
	struct sim *m = &the_sim;
	int f, c, i;

	memset(m, 0, sizeof(*m));
	assert_int_equal(ixdp_policy_init(&m->p, cfg, ncores(active)), 0);
	m->s.active = active;
	m->s.nfg = NFG;
	/* groups round robin over the active cores */
	for (f = 0, i = 0; f < NFG; f++) {
		do
			c = i++ % NCORES;
		while (!(active & (1ULL << c)));
		m->s.fg_owner[f] = c;
		m->share[f] = 1.0 / NFG;
	}
	m->draining = -1;
	m->checks_holds = true;
	m->min_n = UINT32_MAX;
	return m;
}

/* Shares of work that differ by 10x between groups, the same sum. */
static void sim_skew(struct sim *m)
{
	double sum = 0;
	int f;

	for (f = 0; f < NFG; f++) {
		m->share[f] = 1 + (f * 37) % 10;
		sum += m->share[f];
	}
	for (f = 0; f < NFG; f++)
		m->share[f] /= sum;
}

static int owned(const struct sim *m, int c)
{
	int f, n = 0;

	for (f = 0; f < NFG; f++)
		n += m->s.fg_owner[f] == c;
	return n;
}

static double core_share(const struct sim *m, int c)
{
	double sum = 0;
	int f;

	for (f = 0; f < NFG; f++)
		if (m->s.fg_owner[f] == c)
			sum += m->share[f];
	return sum;
}

/* Fill the sample from the model for dt of work offered. */
static void sim_offer(struct sim *m, uint64_t dt_us, double work_ns,
		      double frame_ns)
{
	double period = dt_us * 1000.0;
	int c, f;

	for (c = 0; c < IXDP_POLICY_MAX_CORES; c++)
		memset(&m->s.core[c], 0, sizeof(m->s.core[c]));
	for (c = 0; c < NCORES; c++) {
		struct ixdp_policy_core_sample *cs = &m->s.core[c];
		double offered, busy, rho, q;

		if (!(m->s.active & (1ULL << c)))
			continue;
		offered = work_ns * core_share(m, c) + m->backlog[c];
		busy = offered < period ? offered : period;
		m->backlog[c] = offered - busy;
		rho = busy / period;
		if (m->backlog[c] > 0 || rho >= 0.985)
			q = BATCH_MAX;
		else
			q = 1 + rho / (1 - rho);
		if (q > BATCH_MAX)
			q = BATCH_MAX;
		cs->busy_ns = busy;
		cs->idle_ns = period - busy;
		cs->frames = busy / frame_ns;
		cs->batch_frames = cs->frames;
		cs->batches = cs->frames ? cs->frames / q : 0;
		if (cs->frames && !cs->batches)
			cs->batches = 1;
		cs->qdelay_us = (m->backlog[c] + q * frame_ns) / 1000;
	}
	for (c = 0; c < NCORES; c++)
		if (m->backlog[c] > OVER_NS) {
			m->over_us += dt_us;
			break;
		}
	m->s.has_fg_load = m->report_fg;
	for (f = 0; f < NFG; f++)
		m->s.fg_load[f] = work_ns * m->share[f] / frame_ns;
}

/* Apply the decision as ixdpd would, checking everything it says. */
static void sim_apply(struct sim *m)
{
	const struct ixdp_policy_cfg *cfg = &m->p.cfg;
	struct ixdp_policy_decision *d = &m->d;
	uint64_t after = m->s.active;
	double csh[NCORES];
	bool seen[NFG] = { false };
	uint32_t i;
	int c;

	assert_true(d->reason[0] != '\0');
	switch (d->action) {
	case IXDP_POLICY_ADD_CORE:
		assert_true(d->core >= 0 && d->core < NCORES);
		assert_false(m->s.active & (1ULL << d->core));
		assert_true(cfg->cores & (1ULL << d->core));
		after |= 1ULL << d->core;
		assert_true(ncores(after) <= cfg->max_cores);
		if (m->checks_holds && ncores(m->s.active) >= cfg->min_cores) {
			if (m->have_up)
				assert_true(m->now - m->last_up >=
					    cfg->up_after_up_us);
			if (m->have_down)
				assert_true(m->now - m->last_down >=
					    cfg->up_after_down_us);
		}
		m->have_up = true;
		m->last_up = m->now;
		m->adds++;
		break;
	case IXDP_POLICY_DRAIN_CORE:
	case IXDP_POLICY_PARK_CORE:
		assert_true(d->core >= 0 && d->core < NCORES);
		assert_true(m->s.active & (1ULL << d->core));
		if (m->draining != d->core) {
			/* a new step down */
			assert_true(ncores(m->s.active) > cfg->min_cores);
			if (m->checks_holds &&
			    ncores(m->s.active) <= cfg->max_cores) {
				if (m->have_up)
					assert_true(m->now - m->last_up >=
						    cfg->down_after_up_us);
				if (m->have_down)
					assert_true(m->now - m->last_down >=
						    cfg->down_after_down_us);
			}
			m->have_down = true;
			m->last_down = m->now;
		}
		m->draining = d->core;
		if (d->action == IXDP_POLICY_DRAIN_CORE) {
			m->drains++;
		} else {
			assert_int_equal(d->nmoves, 0);
			assert_int_equal(owned(m, d->core), 0);
			after &= ~(1ULL << d->core);
		}
		break;
	case IXDP_POLICY_REBALANCE:
		assert_true(d->nmoves > 0);
		assert_int_equal(d->core, -1);
		m->rebalances++;
		break;
	case IXDP_POLICY_NONE:
		assert_int_equal(d->nmoves, 0);
		assert_int_equal(d->core, -1);
		break;
	default:
		fail();
	}
	if (d->action != IXDP_POLICY_DRAIN_CORE &&
	    d->action != IXDP_POLICY_PARK_CORE)
		m->draining = -1;

	for (c = 0; c < NCORES; c++)
		csh[c] = core_share(m, c);
	for (i = 0; i < d->nmoves; i++) {
		const struct ixdp_policy_move *mv = &d->moves[i];
		double part;

		assert_true(mv->fg < NFG);
		assert_false(seen[mv->fg]);
		seen[mv->fg] = true;
		assert_int_equal(mv->from, m->s.fg_owner[mv->fg]);
		assert_int_not_equal(mv->from, mv->to);
		assert_true(after & (1ULL << mv->to));
		if (d->action == IXDP_POLICY_DRAIN_CORE)
			assert_int_not_equal(mv->to, d->core);
		m->s.fg_owner[mv->fg] = mv->to;
		/* queued work follows its group */
		if (mv->from < NCORES && csh[mv->from] > 0) {
			part = m->backlog[mv->from] * m->share[mv->fg] /
			       csh[mv->from];
			csh[mv->from] -= m->share[mv->fg];
			m->backlog[mv->from] -= part;
			m->backlog[mv->to] += part;
		}
		m->moves++;
	}
	if (d->action == IXDP_POLICY_PARK_CORE) {
		assert_true(m->backlog[d->core] < 1.0);
		m->backlog[d->core] = 0;
		m->parks++;
		m->draining = -1;
	}
	/* above max_cores only while coming down from a start above it */
	assert_true(ncores(after) <= cfg->max_cores ||
		    ncores(after) <= ncores(m->s.active));
	m->s.active = after;
}

/* One period: offer work, step the policy, apply its decision. */
static void sim_step(struct sim *m, uint64_t dt_us, double work_ns,
		     double frame_ns)
{
	uint32_t n;

	m->now += dt_us;
	sim_offer(m, dt_us, work_ns, frame_ns);
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, m->now, &m->d), 0);
	if (getenv("POLICY_VERBOSE") && m->d.action != IXDP_POLICY_NONE)
		print_message("# %8.1f s %s: %s\n", m->now / 1e6,
			      ixdp_policy_action_name(m->d.action),
			      m->d.reason);
	sim_apply(m);
	n = ncores(m->s.active);
	m->core_us += (uint64_t)n * dt_us;
	m->total_us += dt_us;
	if (n > m->max_n)
		m->max_n = n;
	if (n < m->min_n)
		m->min_n = n;
}

/* work in cores' worth for one standard period */
static void sim_load(struct sim *m, double cores)
{
	sim_step(m, PERIOD_US, cores * PERIOD_US * 1000, FRAME_NS);
}

static void cfg4(struct ixdp_policy_cfg *cfg)
{
	ixdp_policy_cfg_default(cfg);
	cfg->cores = 0xf;
	cfg->max_cores = 4;
}

/* Hand-made samples, for exact thresholds. */
static void set_core(struct ixdp_policy_sample *s, int c, double busy,
		     uint64_t batch)
{
	struct ixdp_policy_core_sample *cs = &s->core[c];

	memset(cs, 0, sizeof(*cs));
	cs->busy_ns = busy * PERIOD_US * 1000;
	cs->idle_ns = PERIOD_US * 1000 - cs->busy_ns;
	cs->batches = 1000;
	cs->batch_frames = 1000 * batch;
	cs->frames = cs->batch_frames;
	cs->qdelay_us = IXDP_POLICY_NO_QDELAY;
}

static void set_all(struct ixdp_policy_sample *s, double busy, uint64_t batch)
{
	int c;

	for (c = 0; c < IXDP_POLICY_MAX_CORES; c++)
		if (s->active & (1ULL << c))
			set_core(s, c, busy, batch);
		else
			memset(&s->core[c], 0, sizeof(s->core[c]));
}

/* ---------------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct ixdp_policy p;

	ixdp_policy_cfg_default(&cfg);
	assert_int_equal(ixdp_policy_cfg_check(&cfg), 0);
	assert_int_equal(ixdp_policy_init(&p, &cfg, 1), 0);
	/* the IX numbers (research/ix-design.md section 6) */
	assert_int_equal(cfg.sample_period_us, 100000);
	assert_true(cfg.alpha_fast == 0.5 && cfg.alpha_slow == 0.125);
	assert_true(cfg.add_queue == 32 && cfg.remove_queue == 8);
	assert_true(cfg.idle_margin == 1.2);
	assert_int_equal(cfg.up_after_up_us, 200000);
	assert_int_equal(cfg.up_after_down_us, 2000000);
	assert_int_equal(cfg.down_after_up_us, 4000000);
	assert_int_equal(cfg.down_after_down_us, 4000000);
	assert_int_equal(cfg.min_cores, 1);
	assert_int_equal(cfg.max_cores, IXDP_POLICY_MAX_CORES);
	assert_string_equal(ixdp_policy_action_name(IXDP_POLICY_PARK_CORE),
			    "park");
}

static void test_invalid_cfg(void **state)
{
	struct ixdp_policy_cfg good, cfg;
	struct ixdp_policy p;
	double nan = __builtin_nan("");

#define REFUSED(change) do {						\
		cfg = good;						\
		change;							\
		assert_int_equal(ixdp_policy_cfg_check(&cfg), -EINVAL);	\
		assert_int_equal(ixdp_policy_init(&p, &cfg, 1), -EINVAL); \
	} while (0)

	cfg4(&good);
	REFUSED(cfg.min_cores = 0);
	REFUSED(cfg.min_cores = 3; cfg.max_cores = 2);
	REFUSED(cfg.max_cores = 5);		/* > popcount(0xf) */
	REFUSED(cfg.cores = ~0ULL; cfg.max_cores = 65);
	REFUSED(cfg.cores = 0);
	REFUSED(cfg.sample_period_us = 0);
	REFUSED(cfg.alpha_fast = 0);
	REFUSED(cfg.alpha_fast = 1.5);
	REFUSED(cfg.alpha_fast = nan);
	REFUSED(cfg.alpha_slow = 0.75);		/* > alpha_fast */
	REFUSED(cfg.alpha_slow = -0.1);
	REFUSED(cfg.remove_queue = 32);		/* no hysteresis */
	REFUSED(cfg.remove_queue = -1);
	REFUSED(cfg.add_queue = nan);
	REFUSED(cfg.add_busy = 1.1);
	REFUSED(cfg.remove_busy = 0.95);	/* > add_busy */
	REFUSED(cfg.remove_busy = nan);
	REFUSED(cfg.idle_margin = 0.5);
	REFUSED(cfg.rebalance_spread = 0);
	REFUSED(cfg.max_moves = 0);
	REFUSED(cfg.max_moves = IXDP_POLICY_MAX_FG + 1);
#undef REFUSED

	assert_int_equal(ixdp_policy_cfg_check(NULL), -EINVAL);
	assert_int_equal(ixdp_policy_init(&p, &good, 65), -EINVAL);
	assert_int_equal(ixdp_policy_init(&p, &good, 4), 0);
}

static void test_invalid_sample(void **state)
{
	struct sim *m;
	struct ixdp_policy_cfg cfg;

	cfg4(&cfg);
	m = sim_new(&cfg, 0x1);
	set_all(&m->s, 0.5, 4);
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, 1000000, &m->d), 0);
	/* time going back */
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, 999999, &m->d),
			 -EINVAL);
	m->s.nfg = IXDP_POLICY_MAX_FG + 1;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, 2000000, &m->d),
			 -EINVAL);
	m->s.nfg = NFG;
	m->s.fg_owner[3] = IXDP_POLICY_MAX_CORES;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, 2000000, &m->d),
			 -EINVAL);
	assert_int_equal(ixdp_policy_step(NULL, &m->s, 2000000, &m->d),
			 -EINVAL);
}

/*
 * The fast average (alpha 0.5) of the batch goes 8 -> 24 -> 32 -> 36 when
 * the batch steps from 8 to 40: a core is added on the third sample, not
 * before, since 32 does not pass 32.  With the load still high, the next
 * core follows exactly 200 ms later.
 */
static void test_step_up(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct sim *m;
	uint64_t t = 0;
	int i;

	cfg4(&cfg);
	m = sim_new(&cfg, 0x1);
	for (i = 0; i < 50; i++) {
		set_all(&m->s, 0.5, 8);
		t += PERIOD_US;
		assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
		assert_int_equal(m->d.action, IXDP_POLICY_NONE);
	}
	for (i = 0; i < 2; i++) {
		set_all(&m->s, 0.5, 40);
		t += PERIOD_US;
		assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
		assert_int_equal(m->d.action, IXDP_POLICY_NONE);
	}
	assert_true(m->d.fast_queue == 32.0);
	set_all(&m->s, 0.5, 40);
	t += PERIOD_US;
	m->now = t;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_ADD_CORE);
	assert_int_equal(m->d.core, 1);
	assert_non_null(strstr(m->d.reason, "fast queue"));
	/* half of the groups go to the new core */
	assert_int_equal(m->d.nmoves, NFG / 2);
	sim_apply(m);
	assert_int_equal(owned(m, 0), NFG / 2);
	assert_int_equal(owned(m, 1), NFG / 2);

	/* still high: held for 200 ms, then core 2 */
	set_all(&m->s, 0.5, 40);
	t += PERIOD_US;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_NONE);
	assert_non_null(strstr(m->d.reason, "hold-down"));
	set_all(&m->s, 0.5, 40);
	t += PERIOD_US - 1;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_NONE);
	set_all(&m->s, 0.5, 40);
	t += 1;
	m->now = t;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_ADD_CORE);
	assert_int_equal(m->d.core, 2);
	sim_apply(m);
	assert_true(abs(owned(m, 0) - owned(m, 2)) <= 1);
	assert_true(abs(owned(m, 1) - owned(m, 2)) <= 1);
}

/* The mean load and the queueing delay also step up, each on its own. */
static void test_step_up_busy_and_qdelay(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct sim *m;

	cfg4(&cfg);
	m = sim_new(&cfg, 0x3);
	set_all(&m->s, 0.95, 4);
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, 100000, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_ADD_CORE);
	assert_non_null(strstr(m->d.reason, "busy"));

	cfg.add_qdelay_us = 300;
	m = sim_new(&cfg, 0x3);
	set_all(&m->s, 0.5, 4);
	m->s.core[1].qdelay_us = 200;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, 100000, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_NONE);
	m->s.core[1].qdelay_us = 500;	/* fast average 350 */
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, 200000, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_ADD_CORE);
	assert_int_equal(m->d.core, 2);
	assert_non_null(strstr(m->d.reason, "queueing delay"));
}

/*
 * Low load on 3 cores: the least loaded is drained first (its groups go to
 * the other two, evenly), re-drained while the daemon has not moved them,
 * parked only in a step that sees it own none; then 4 s of hold-down.
 */
static void test_drain_then_park(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct sim *m;
	uint64_t t = 10 * PERIOD_US;
	uint32_t i;

	cfg4(&cfg);
	m = sim_new(&cfg, 0x7);
	set_all(&m->s, 0.10, 2);
	set_core(&m->s, 1, 0.05, 2);
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_DRAIN_CORE);
	assert_int_equal(m->d.core, 1);
	assert_int_equal(m->d.nmoves, owned(m, 1));
	for (i = 0; i < m->d.nmoves; i++)
		assert_int_equal(m->d.moves[i].from, 1);
	m->draining = 1;
	m->have_down = true;
	m->last_down = t;

	/* not applied: the same drain again, never a park */
	t += PERIOD_US;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_DRAIN_CORE);
	assert_int_equal(m->d.core, 1);
	assert_int_equal(m->d.nmoves, owned(m, 1));
	m->now = t;
	sim_apply(m);
	assert_int_equal(owned(m, 1), 0);
	assert_true(abs(owned(m, 0) - owned(m, 2)) <= 1);

	/* the daemon did not park it yet: park again */
	set_all(&m->s, 0.10, 2);
	t += PERIOD_US;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_PARK_CORE);
	assert_int_equal(m->d.core, 1);
	t += PERIOD_US;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_PARK_CORE);
	m->now = t;
	sim_apply(m);
	assert_int_equal(m->s.active, 0x5);

	/* low load goes on: the next drain waits 4 s after the first */
	for (;;) {
		set_all(&m->s, 0.10, 2);
		t += PERIOD_US;
		assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
		if (m->d.action != IXDP_POLICY_NONE)
			break;
		assert_non_null(strstr(m->d.reason, "hold-down"));
	}
	assert_int_equal(m->d.action, IXDP_POLICY_DRAIN_CORE);
	assert_int_equal(t, 10 * PERIOD_US + 4000000);
	m->now = t;
	sim_apply(m);
	set_all(&m->s, 0.10, 2);
	t += PERIOD_US;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_PARK_CORE);
	sim_apply(m);
	assert_int_equal(ncores(m->s.active), 1);
	assert_int_equal(owned(m, __builtin_ctzll(m->s.active)), NFG);

	/* min_cores: never below one */
	for (i = 0; i < 100; i++) {
		set_all(&m->s, 0.0, 0);
		t += PERIOD_US;
		assert_int_equal(ixdp_policy_step(&m->p, &m->s, t, &m->d), 0);
		assert_int_equal(m->d.action, IXDP_POLICY_NONE);
	}
}

/* max_moves spreads a drain over several steps. */
static void test_drain_in_pieces(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct sim *m;
	int steps = 0;

	cfg4(&cfg);
	cfg.max_moves = 5;
	m = sim_new(&cfg, 0x3);
	do {
		set_all(&m->s, 0.05, 1);
		m->now += PERIOD_US;
		assert_int_equal(ixdp_policy_step(&m->p, &m->s, m->now,
						  &m->d), 0);
		assert_true(m->d.nmoves <= 5);
		if (m->d.action == IXDP_POLICY_DRAIN_CORE)
			assert_int_equal(m->d.nmoves,
					 owned(m, 1) < 5 ? owned(m, 1) : 5);
		sim_apply(m);
		steps++;
	} while (m->d.action == IXDP_POLICY_DRAIN_CORE);
	assert_int_equal(m->d.action, IXDP_POLICY_PARK_CORE);
	assert_int_equal(m->d.core, 1);
	/* 32 groups, 5 at a time: 7 drains, then the park */
	assert_int_equal(steps, 8);
}

/* Load that comes back while a core drains keeps the core. */
static void test_drain_cancelled(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct sim *m;
	int i;

	cfg4(&cfg);
	cfg.max_moves = 4;
	m = sim_new(&cfg, 0x3);
	set_all(&m->s, 0.05, 1);
	m->now = PERIOD_US;
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, m->now, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_DRAIN_CORE);
	sim_apply(m);
	for (i = 0; i < 20; i++) {
		set_all(&m->s, 0.97, 60);
		m->now += PERIOD_US;
		assert_int_equal(ixdp_policy_step(&m->p, &m->s, m->now,
						  &m->d), 0);
		assert_int_not_equal(m->d.action, IXDP_POLICY_PARK_CORE);
		/* the fast average passes 32 on the second sample */
		if (i >= 1)
			assert_int_not_equal(m->d.action,
					     IXDP_POLICY_DRAIN_CORE);
		if (i == 1) {
			assert_non_null(strstr(m->d.reason,
					       "drain cancelled"));
			assert_int_equal(m->d.action, IXDP_POLICY_REBALANCE);
		}
		sim_apply(m);
	}
	assert_true(m->s.active & 0x2);
	assert_true(abs(owned(m, 0) - owned(m, 1)) <= 1 ||
		    ncores(m->s.active) > 2);
}

/* Sustained overload stops at max_cores; a start above it drains. */
static void test_bounds(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct sim *m;
	int i;

	cfg4(&cfg);
	cfg.max_cores = 3;
	m = sim_new(&cfg, 0x1);
	for (i = 0; i < 300; i++)
		sim_load(m, 10.0);
	assert_int_equal(m->max_n, 3);
	assert_int_equal(m->adds, 2);
	assert_non_null(strstr(m->d.reason, "no more"));

	/* 4 running, max 2: two cores go, without waiting for hold-down */
	cfg.max_cores = 2;
	m = sim_new(&cfg, 0xf);
	m->checks_holds = false;
	for (i = 0; i < 4; i++)
		sim_load(m, 1.5);
	assert_int_equal(ncores(m->s.active), 2);
	assert_int_equal(m->parks, 2);
	for (i = 0; i < 100; i++)
		sim_load(m, 1.5);
	assert_int_equal(ncores(m->s.active), 2);

	/* 1 running, min 3: two cores come, whatever the load */
	cfg4(&cfg);
	cfg.min_cores = 3;
	m = sim_new(&cfg, 0x1);
	m->checks_holds = false;
	for (i = 0; i < 2; i++)
		sim_load(m, 0.0);
	assert_int_equal(ncores(m->s.active), 3);
	m->min_n = UINT32_MAX;
	for (i = 0; i < 200; i++)
		sim_load(m, 0.0);
	assert_int_equal(m->min_n, 3);
	assert_int_equal(m->parks, 0);

	/* a core outside cfg.cores is drained */
	cfg4(&cfg);
	cfg.cores = 0x7;
	cfg.max_cores = 3;
	m = sim_new(&cfg, 0x9);
	m->checks_holds = false;
	sim_load(m, 1.0);
	assert_int_equal(m->d.action, IXDP_POLICY_DRAIN_CORE);
	assert_int_equal(m->d.core, 3);
}

/*
 * Load that wavers around a threshold changes the core count once, not
 * back and forth: around the add threshold (2 cores at 0.875-0.925 busy)
 * and around the remove one (3 cores, 0.675-0.725 projected on 2).
 */
static void test_no_flapping(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct sim *m;
	int i;

	cfg4(&cfg);
	m = sim_new(&cfg, 0x3);
	for (i = 0; i < 600; i++)
		sim_load(m, (i / 5) % 2 ? 1.85 : 1.75);
	assert_int_equal(m->adds, 1);
	assert_int_equal(m->parks, 0);

	m = sim_new(&cfg, 0x7);
	for (i = 0; i < 600; i++)
		sim_load(m, (i / 5) % 2 ? 1.45 : 1.35);
	assert_int_equal(m->adds, 0);
	assert_int_equal(m->parks, 1);

	/* noise on every sample, around the add threshold */
	m = sim_new(&cfg, 0x3);
	for (i = 0; i < 600; i++)
		sim_load(m, 1.8 + 0.1 * ((i * 7919) % 11 - 5) / 5.0);
	assert_true(m->adds <= 1);
	assert_int_equal(m->parks, 0);
}

/*
 * A square wave between 0.3 and 3.5 cores every second: real swings, so
 * the count follows, but never faster than the hold-down times (checked
 * in sim_apply at every change): at most one step down per 4 s.
 */
static void test_hold_down_paces_swings(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct sim *m;
	int i;

	cfg4(&cfg);
	m = sim_new(&cfg, 0x1);
	for (i = 0; i < 600; i++)
		sim_load(m, (i / 10) % 2 ? 3.5 : 0.3);
	assert_true(m->adds >= 3);
	assert_true(m->parks >= 3);
	assert_true(m->drains + m->parks <= 2 * (60 / 4 + 1));
	assert_int_equal(m->max_n, 4);
}

/* Groups of 10x different loads: balanced by load, to active cores only. */
static void test_rebalance(void **state)
{
	struct ixdp_policy_cfg cfg;
	double load[NCORES], sum, lo, hi;
	struct sim *m;
	int c, f, i;

	cfg4(&cfg);
	cfg.min_cores = 3;		/* no step down */
	m = sim_new(&cfg, 0xb);		/* core 2 is not running */
	sim_skew(m);
	m->report_fg = true;
	/* everything on core 0, which is not saturated */
	for (f = 0; f < NFG; f++)
		m->s.fg_owner[f] = 0;
	sim_load(m, 0.9);
	assert_int_equal(m->d.action, IXDP_POLICY_REBALANCE);
	for (i = 0; i < 5; i++)
		sim_load(m, 0.9);
	assert_int_equal(m->s.active, 0xb);
	assert_int_equal(owned(m, 2), 0);
	sum = 0;
	lo = 1e9;
	hi = 0;
	for (c = 0; c < NCORES; c++) {
		if (!(m->s.active & (1ULL << c)))
			continue;
		load[c] = core_share(m, c);
		sum += load[c];
		if (load[c] < lo)
			lo = load[c];
		if (load[c] > hi)
			hi = load[c];
	}
	assert_true(sum > 0.999 && sum < 1.001);
	assert_true((hi - lo) / (sum / 3) <= cfg.rebalance_spread);
	/* balanced: nothing more to do */
	for (i = 0; i < 50; i++) {
		sim_load(m, 0.9);
		assert_int_equal(m->d.action, IXDP_POLICY_NONE);
	}

	/* groups on a stopped core move at once, evenly by count */
	cfg4(&cfg);
	m = sim_new(&cfg, 0x3);
	for (f = 0; f < 10; f++)
		m->s.fg_owner[f] = 5;
	set_all(&m->s, 0.5, 4);
	assert_int_equal(ixdp_policy_step(&m->p, &m->s, 1, &m->d), 0);
	assert_int_equal(m->d.action, IXDP_POLICY_REBALANCE);
	assert_int_equal(m->d.nmoves, 10);
	sim_apply(m);
	assert_int_equal(owned(m, 0), NFG / 2);
	assert_int_equal(owned(m, 1), NFG / 2);

	/* no flow groups known: decisions without moves */
	m = sim_new(&cfg, 0x1);
	m->s.nfg = 0;
	for (i = 0; i < 10; i++)
		sim_load(m, 3.0);
	assert_true(m->adds >= 1);
	assert_int_equal(m->moves, 0);
}

/* ---------------------------------------------------------------- */

struct trace {
	int n;
	uint64_t t[1024];
	double work[1024];		/* ns of work in the period */
	double frame_ns[1024];
};

static void trace_read(const char *name, struct trace *tr)
{
	char path[512], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TRACE_DIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, "time_us,c0_busy_ns"));
	tr->n = 0;
	while (fgets(line, sizeof(line), f) && tr->n < 1024) {
		unsigned long long v[1 + 3 * NCORES];
		char *p = line, *end;
		double frames = 0;
		int i;

		for (i = 0; i < 1 + 3 * NCORES; i++) {
			v[i] = strtoull(p, &end, 10);
			assert_true(end != p);
			p = *end == ',' ? end + 1 : end;
		}
		tr->t[tr->n] = v[0];
		tr->work[tr->n] = 0;
		for (i = 0; i < NCORES; i++) {
			/* recorded on all cores: never more than a period */
			assert_true(v[1 + 3 * i] + v[2 + 3 * i] > 0);
			tr->work[tr->n] += v[1 + 3 * i];
			frames += v[3 + 3 * i];
		}
		tr->frame_ns[tr->n] = frames ? tr->work[tr->n] / frames :
				      FRAME_NS;
		tr->n++;
	}
	fclose(f);
	assert_true(tr->n >= 300);
}

struct replay {
	int adds, parks;
	double saved;		/* of the core-seconds of all 4 cores */
	double oracle;		/* saved by cores = ceil(work / 0.9) */
	double over;		/* fraction of time with work queued > 1 ms */
	uint32_t max_n, min_n;
};

static void replay(const char *name, const struct ixdp_policy_cfg *cfg,
		   uint64_t start, bool skew, struct replay *r)
{
	static struct trace tr;
	uint64_t prev = 0, oracle_us = 0;
	struct sim *m;
	int i;

	trace_read(name, &tr);
	m = sim_new(cfg, start);
	if (skew) {
		sim_skew(m);
		m->report_fg = true;
	}
	for (i = 0; i < tr.n; i++) {
		uint64_t dt = tr.t[i] - prev;
		double need = tr.work[i] / (0.9 * dt * 1000);
		int k;

		sim_step(m, dt, tr.work[i], tr.frame_ns[i]);
		for (k = 1; k < NCORES && k < need; k++)
			;
		oracle_us += k * dt;
		prev = tr.t[i];
	}
	r->oracle = 1.0 - (double)oracle_us / (NCORES * m->total_us);
	r->adds = m->adds;
	r->parks = m->parks;
	r->saved = 1.0 - (double)m->core_us / (NCORES * m->total_us);
	r->over = (double)m->over_us / m->total_us;
	r->max_n = m->max_n;
	r->min_n = m->min_n;
	print_message("# %s%s: %d adds, %d parks, %.1f%% core-time saved (oracle %.1f%%), %.2f%% overloaded, %u..%u cores\n",
		      name, skew ? " (skewed groups)" : "", r->adds, r->parks,
		      100 * r->saved, 100 * r->oracle, 100 * r->over,
		      r->min_n, r->max_n);
}

/*
 * A day squeezed into 60 s, from the static 4 cores: down to 1 at night,
 * up to 4 at the peak and down again; never more than a few steps, no
 * time overloaded, and most of what an oracle that knows the next period
 * (ceil(work / 0.9) cores) would save.
 */
static void test_trace_diurnal(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct replay r;

	cfg4(&cfg);
	replay("diurnal.csv", &cfg, 0xf, false, &r);
	assert_true(r.adds >= 2 && r.adds <= 6);
	assert_true(r.parks >= 3 && r.parks <= 9);
	assert_int_equal(r.max_n, 4);
	assert_int_equal(r.min_n, 1);
	assert_true(r.over <= 0.01);
	assert_true(r.saved >= 0.25);
	assert_true(r.saved >= 0.6 * r.oracle);

	/* from one core, groups of 10x different loads, balanced by load */
	replay("diurnal.csv", &cfg, 0x1, true, &r);
	assert_true(r.adds >= 3 && r.adds <= 6);
	assert_true(r.over <= 0.01);
	assert_true(r.saved >= 0.30);
}

/*
 * Bursts of 1-4 s that double or triple the load.  IX's 2 s hold-down
 * after a step down delays the answer to a burst that follows a park:
 * that is most of the time overloaded, and a shorter one cuts it.
 */
static void test_trace_bursty(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct replay r;

	cfg4(&cfg);
	replay("bursty.csv", &cfg, 0xf, false, &r);
	assert_true(r.adds >= 5 && r.adds <= 20);
	assert_true(r.parks <= r.adds + 3);
	assert_true(r.max_n <= 4);
	assert_true(r.over <= 0.10);
	assert_true(r.saved >= 0.20);

	replay("bursty.csv", &cfg, 0xf, true, &r);
	assert_true(r.over <= 0.10);
	assert_true(r.saved >= 0.20);

	cfg.up_after_down_us = 500000;
	replay("bursty.csv", &cfg, 0xf, false, &r);
	assert_true(r.over <= 0.03);
	assert_true(r.saved >= 0.20);
}

/* A flash crowd: 1 to 4 cores within a second, back to 1 after it. */
static void test_trace_flash(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct replay r;

	cfg4(&cfg);
	replay("flash.csv", &cfg, 0x1, false, &r);
	assert_int_equal(r.adds, 3);
	assert_int_equal(r.parks, 3);
	assert_true(r.over <= 0.04);
	assert_true(r.saved >= 0.50);
	assert_true(r.saved >= 0.8 * r.oracle);
}

/*
 * The same checks catch a policy that does not work: one that never adds
 * overloads, one that never removes saves nothing.
 */
static void test_trace_controls(void **state)
{
	struct ixdp_policy_cfg cfg;
	struct replay r;

	cfg4(&cfg);
	cfg.add_queue = 1e6;
	cfg.add_busy = 1.0;
	cfg.remove_busy = 0.7;
	replay("diurnal.csv", &cfg, 0x1, false, &r);
	assert_int_equal(r.adds, 0);
	assert_true(r.over > 0.01);

	cfg4(&cfg);
	cfg.min_cores = 4;
	replay("diurnal.csv", &cfg, 0xf, false, &r);
	assert_true(r.saved < 0.25);
	assert_true(r.over <= 0.01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_invalid_cfg),
		cmocka_unit_test(test_invalid_sample),
		cmocka_unit_test(test_step_up),
		cmocka_unit_test(test_step_up_busy_and_qdelay),
		cmocka_unit_test(test_drain_then_park),
		cmocka_unit_test(test_drain_in_pieces),
		cmocka_unit_test(test_drain_cancelled),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_no_flapping),
		cmocka_unit_test(test_hold_down_paces_swings),
		cmocka_unit_test(test_rebalance),
		cmocka_unit_test(test_trace_diurnal),
		cmocka_unit_test(test_trace_bursty),
		cmocka_unit_test(test_trace_flash),
		cmocka_unit_test(test_trace_controls),
	};

	unit_filter();
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
