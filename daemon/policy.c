// SPDX-License-Identifier: GPL-2.0
/*
 * ixdpd's dynamic core policy (see policy.h and Documentation/policy.rst).
 *
 * Each step smooths the sample into per-core averages, then decides, in
 * this order of precedence: finish a park or a drain in progress; bring
 * the core count inside [min_cores, max_cores]; step up; step down;
 * rebalance the flow groups; nothing.  At most one core changes state per
 * step, as in IX, where one set_step ran at a time.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

#define BIT64(n)	(1ULL << (n))
/* A sample arriving after this many periods restarts the averages. */
#define GAP_PERIODS	4
#define __printf(a, b)	__attribute__((format(printf, a, b)))
/* The condition part of a reason. */
#define WHY_LEN		112

void ixdp_policy_cfg_default(struct ixdp_policy_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cores = ~0ULL;
	cfg->min_cores = 1;
	cfg->max_cores = IXDP_POLICY_MAX_CORES;
	/* IX: ixcp.py's control loop ran every 100 ms. */
	cfg->sample_period_us = 100000;
	/* IX: the fastest and slowest of its three EMAs (0.5, 0.25, 0.125). */
	cfg->alpha_fast = 0.5;
	cfg->alpha_slow = 0.125;
	/* IX: step up when fast_queue > 32 (its batch bound was 64, as ours). */
	cfg->add_queue = 32.0;
	cfg->add_qdelay_us = 0;
	cfg->add_busy = 0.90;
	/* IX: step down when slow_queue < 8 and idle > 1.2 / ncores. */
	cfg->remove_queue = 8.0;
	cfg->idle_margin = 1.2;
	cfg->remove_busy = 0.70;
	/* IX: up 0.2 s after an up, 2 s after a down; down 4 s after either. */
	cfg->up_after_up_us = 200000;
	cfg->up_after_down_us = 2000000;
	cfg->down_after_up_us = 4000000;
	cfg->down_after_down_us = 4000000;
	cfg->rebalance_spread = 0.25;
	cfg->rebalance_hold_us = 1000000;
	cfg->max_moves = IXDP_POLICY_MAX_FG;
}

static bool in_range(double x, double lo, double hi)
{
	/* false for NaN */
	return x >= lo && x <= hi;
}

int ixdp_policy_cfg_check(const struct ixdp_policy_cfg *cfg)
{
	if (!cfg)
		return -EINVAL;
	if (cfg->min_cores < 1 || cfg->min_cores > cfg->max_cores ||
	    cfg->max_cores > IXDP_POLICY_MAX_CORES ||
	    cfg->max_cores > (uint32_t)__builtin_popcountll(cfg->cores))
		return -EINVAL;
	if (!cfg->sample_period_us)
		return -EINVAL;
	if (!in_range(cfg->alpha_fast, 0.0, 1.0) || !(cfg->alpha_fast > 0) ||
	    !in_range(cfg->alpha_slow, 0.0, cfg->alpha_fast) ||
	    !(cfg->alpha_slow > 0))
		return -EINVAL;
	/* Hysteresis: the remove thresholds lie below the add ones. */
	if (!in_range(cfg->add_queue, 0.0, 1e9) ||
	    !in_range(cfg->remove_queue, 0.0, cfg->add_queue) ||
	    !(cfg->remove_queue < cfg->add_queue))
		return -EINVAL;
	if (!in_range(cfg->add_busy, 0.0, 1.0) ||
	    !in_range(cfg->remove_busy, 0.0, cfg->add_busy) ||
	    !(cfg->remove_busy < cfg->add_busy))
		return -EINVAL;
	if (!in_range(cfg->idle_margin, 1.0, 100.0))
		return -EINVAL;
	if (!in_range(cfg->rebalance_spread, 0.0, 4.0) ||
	    !(cfg->rebalance_spread > 0))
		return -EINVAL;
	if (cfg->max_moves < 1 || cfg->max_moves > IXDP_POLICY_MAX_FG)
		return -EINVAL;
	return 0;
}

int ixdp_policy_init(struct ixdp_policy *p, const struct ixdp_policy_cfg *cfg,
		     uint32_t ncores_now)
{
	int err;

	if (!p)
		return -EINVAL;
	err = ixdp_policy_cfg_check(cfg);
	if (err)
		return err;
	if (ncores_now > IXDP_POLICY_MAX_CORES)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->ncores = ncores_now;
	p->draining = -1;
	p->parking = -1;
	return 0;
}

const char *ixdp_policy_action_name(enum ixdp_policy_action a)
{
	switch (a) {
	case IXDP_POLICY_NONE:
		return "none";
	case IXDP_POLICY_ADD_CORE:
		return "add";
	case IXDP_POLICY_DRAIN_CORE:
		return "drain";
	case IXDP_POLICY_PARK_CORE:
		return "park";
	case IXDP_POLICY_REBALANCE:
		return "rebalance";
	}
	return "?";
}

static void ewma(double *avg, double x, double alpha, bool first)
{
	if (first)
		*avg = x;
	else
		*avg += alpha * (x - *avg);
}

static void smooth(struct ixdp_policy *p, const struct ixdp_policy_sample *s,
		   bool restart)
{
	const struct ixdp_policy_cfg *cfg = &p->cfg;
	unsigned int c, f;

	for (c = 0; c < IXDP_POLICY_MAX_CORES; c++) {
		const struct ixdp_policy_core_sample *cs = &s->core[c];
		struct ixdp_policy_core *pc = &p->core[c];
		double period, busy, queue;
		bool first;

		if (!(s->active & BIT64(c))) {
			/* a core that comes back starts afresh */
			memset(pc, 0, sizeof(*pc));
			continue;
		}
		period = (double)cs->busy_ns + (double)cs->idle_ns;
		if (period <= 0 && pc->seen)
			continue;	/* no news: keep the averages */
		busy = period > 0 ? cs->busy_ns / period : 0;
		queue = cs->batches ?
			(double)cs->batch_frames / cs->batches : 0;
		first = !pc->seen || restart;
		ewma(&pc->queue_fast, queue, cfg->alpha_fast, first);
		ewma(&pc->queue_slow, queue, cfg->alpha_slow, first);
		ewma(&pc->busy_fast, busy, cfg->alpha_fast, first);
		ewma(&pc->busy_slow, busy, cfg->alpha_slow, first);
		if (cs->qdelay_us != IXDP_POLICY_NO_QDELAY) {
			ewma(&pc->qdelay_fast, (double)cs->qdelay_us,
			     cfg->alpha_fast, first || !pc->has_qdelay);
			pc->has_qdelay = true;
		}
		pc->seen = true;
	}

	if (!s->has_fg_load || !s->nfg) {
		p->fg_seen = false;
		return;
	}
	for (f = 0; f < s->nfg; f++)
		ewma(&p->fg_load[f], (double)s->fg_load[f], cfg->alpha_fast,
		     !p->fg_seen || restart);
	for (; f < IXDP_POLICY_MAX_FG; f++)
		p->fg_load[f] = 0;
	p->fg_seen = true;
}

/* The signals of one step, over the active cores. */
struct signals {
	uint32_t n;
	double fast_queue, slow_queue, qdelay, busy, idle;
	double busy_sum;	/* sum of max(fast, slow) busy: the load */
};

static double core_load(const struct ixdp_policy_core *pc)
{
	return pc->busy_fast > pc->busy_slow ? pc->busy_fast : pc->busy_slow;
}

static void signals(const struct ixdp_policy *p, uint64_t active,
		    struct signals *sg)
{
	unsigned int c;
	double slow = 0, busy = 0;

	memset(sg, 0, sizeof(*sg));
	for (c = 0; c < IXDP_POLICY_MAX_CORES; c++) {
		const struct ixdp_policy_core *pc = &p->core[c];

		if (!(active & BIT64(c)))
			continue;
		sg->n++;
		if (pc->queue_fast > sg->fast_queue)
			sg->fast_queue = pc->queue_fast;
		if (pc->has_qdelay && pc->qdelay_fast > sg->qdelay)
			sg->qdelay = pc->qdelay_fast;
		slow += pc->queue_slow;
		busy += pc->busy_fast;
		sg->busy_sum += core_load(pc);
	}
	if (sg->n) {
		sg->slow_queue = slow / sg->n;
		sg->busy = busy / sg->n;
	}
	sg->idle = sg->n ? 1.0 - sg->busy : 0;
}

/* Why the load calls for one more core; NULL if it does not. */
static const char *up_reason(const struct ixdp_policy_cfg *cfg,
			     const struct signals *sg, char *buf, size_t len)
{
	if (sg->fast_queue > cfg->add_queue)
		snprintf(buf, len, "fast queue %.1f > %.1f",
			 sg->fast_queue, cfg->add_queue);
	else if (cfg->add_qdelay_us && sg->qdelay > cfg->add_qdelay_us)
		snprintf(buf, len, "queueing delay %.0f us > %llu us",
			 sg->qdelay, (unsigned long long)cfg->add_qdelay_us);
	else if (sg->busy > cfg->add_busy)
		snprintf(buf, len, "busy %.2f > %.2f", sg->busy, cfg->add_busy);
	else
		return NULL;
	return buf;
}

/* Why the load allows one core less; NULL if it does not. */
static const char *down_reason(const struct ixdp_policy_cfg *cfg,
			       const struct signals *sg, char *buf, size_t len)
{
	double projected;

	if (sg->n < 2 || !(sg->slow_queue < cfg->remove_queue) ||
	    !(sg->idle > cfg->idle_margin / sg->n))
		return NULL;
	projected = sg->busy_sum / (sg->n - 1);
	if (!(projected <= cfg->remove_busy))
		return NULL;
	snprintf(buf, len,
		 "slow queue %.1f < %.1f, idle %.2f > %.2f, busy on %u cores %.2f <= %.2f",
		 sg->slow_queue, cfg->remove_queue, sg->idle,
		 cfg->idle_margin / sg->n, sg->n - 1, projected,
		 cfg->remove_busy);
	return buf;
}

static bool owns_fg(const struct ixdp_policy_sample *s, int core)
{
	uint32_t f;

	for (f = 0; f < s->nfg; f++)
		if (s->fg_owner[f] == core)
			return true;
	return false;
}

/* The weight of each flow group: its load if known, else one each. */
static void fg_weights(const struct ixdp_policy *p,
		       const struct ixdp_policy_sample *s, double *w)
{
	double total = 0;
	uint32_t f;

	if (p->fg_seen)
		for (f = 0; f < s->nfg; f++)
			total += p->fg_load[f];
	for (f = 0; f < s->nfg; f++)
		/*
		 * An idle group weighs an eighth of the mean one, so that
		 * idle groups are spread as well and load that appears in
		 * them later does not land on one core.
		 */
		w[f] = total > 0 ? p->fg_load[f] + total / s->nfg / 8 : 1.0;
}

static void core_loads(const struct ixdp_policy_sample *s, const uint8_t *own,
		       const double *w, uint64_t target, double *load)
{
	uint32_t f;

	memset(load, 0, sizeof(*load) * IXDP_POLICY_MAX_CORES);
	for (f = 0; f < s->nfg; f++)
		if (target & BIT64(own[f]))
			load[own[f]] += w[f];
}

static int least_loaded(const double *load, uint64_t target)
{
	int c, best = -1;

	for (c = 0; c < IXDP_POLICY_MAX_CORES; c++)
		if ((target & BIT64(c)) && (best < 0 || load[c] < load[best]))
			best = c;
	return best;
}

static int most_loaded(const double *load, uint64_t target)
{
	int c, best = -1;

	for (c = 0; c < IXDP_POLICY_MAX_CORES; c++)
		if ((target & BIT64(c)) && (best < 0 || load[c] > load[best]))
			best = c;
	return best;
}

/* (max - min) / mean of the core loads; 0 for fewer than two cores. */
static double spread(const double *load, uint64_t target)
{
	int hi = most_loaded(load, target), lo = least_loaded(load, target);
	double sum = 0;
	int c, n = 0;

	for (c = 0; c < IXDP_POLICY_MAX_CORES; c++)
		if (target & BIT64(c)) {
			sum += load[c];
			n++;
		}
	if (n < 2 || sum <= 0)
		return 0;
	return (load[hi] - load[lo]) / (sum / n);
}

static bool has_orphans(const struct ixdp_policy_sample *s, uint64_t target)
{
	uint32_t f;

	for (f = 0; f < s->nfg; f++)
		if (!(target & BIT64(s->fg_owner[f])))
			return true;
	return false;
}

/* Phase 1: each group whose owner is not in target, heaviest first. */
static uint32_t place_orphans(const struct ixdp_policy *p,
			      const struct ixdp_policy_sample *s,
			      uint64_t target, const double *w, uint8_t *own,
			      double *load)
{
	bool placed[IXDP_POLICY_MAX_FG];
	uint32_t f, moved = 0;

	for (f = 0; f < s->nfg; f++)
		placed[f] = target & BIT64(own[f]);
	while (moved < p->cfg.max_moves) {
		int best = -1, to;

		for (f = 0; f < s->nfg; f++)
			if (!placed[f] && (best < 0 || w[f] > w[best]))
				best = f;
		if (best < 0)
			break;
		to = least_loaded(load, target);
		own[best] = to;
		load[to] += w[best];
		placed[best] = true;
		moved++;
	}
	return moved;
}

/*
 * The group of core @hi that best evens it with core @lo, among the moves
 * that lower the pair's maximum and fit the move budget; -1 if none.
 */
static int best_to_even(const struct ixdp_policy *p,
			const struct ixdp_policy_sample *s, const double *w,
			const uint8_t *own, int hi, double gap, uint32_t moved)
{
	double gain = 0;
	int best = -1;
	uint32_t f;

	for (f = 0; f < s->nfg; f++) {
		double g;

		if (own[f] != hi || !(w[f] < gap))
			continue;
		if (own[f] == s->fg_owner[f] && moved >= p->cfg.max_moves)
			continue;
		g = w[f] < gap - w[f] ? w[f] : gap - w[f];
		if (g > gain) {
			gain = g;
			best = f;
		}
	}
	return best;
}

/* Phase 2: greedily even the most and the least loaded cores. */
static void even_out(const struct ixdp_policy *p,
		     const struct ixdp_policy_sample *s, uint64_t target,
		     double stop, const double *w, uint8_t *own,
		     double *load, uint32_t moved)
{
	uint32_t iter;

	for (iter = 0; iter < 4 * s->nfg; iter++) {
		int hi = most_loaded(load, target);
		int lo = least_loaded(load, target);
		int best;

		if (hi == lo || spread(load, target) <= stop)
			break;
		best = best_to_even(p, s, w, own, hi, load[hi] - load[lo],
				    moved);
		if (best < 0)
			break;
		if (own[best] == s->fg_owner[best])
			moved++;
		else if (s->fg_owner[best] == lo)
			moved--;
		own[best] = lo;
		load[hi] -= w[best];
		load[lo] += w[best];
	}
}

/*
 * Plan the moves that put every flow group on a core of target: first the
 * groups whose owner is not in target, heaviest first, each to the least
 * loaded core; then, greedily, the group of the most loaded core that best
 * evens it with the least loaded one, until the spread is at most stop or
 * no move improves it.  At most cfg.max_moves groups change owner; each
 * group appears in the plan once, from its owner in the sample.
 */
static void plan(const struct ixdp_policy *p,
		 const struct ixdp_policy_sample *s, uint64_t target,
		 double stop, struct ixdp_policy_decision *d)
{
	double w[IXDP_POLICY_MAX_FG], load[IXDP_POLICY_MAX_CORES];
	uint8_t own[IXDP_POLICY_MAX_FG];
	uint32_t f, moved;

	d->nmoves = 0;
	if (!s->nfg || !target)
		return;
	fg_weights(p, s, w);
	memcpy(own, s->fg_owner, s->nfg);
	core_loads(s, own, w, target, load);
	moved = place_orphans(p, s, target, w, own, load);
	even_out(p, s, target, stop, w, own, load, moved);

	for (f = 0; f < s->nfg; f++) {
		if (own[f] == s->fg_owner[f])
			continue;
		d->moves[d->nmoves].fg = f;
		d->moves[d->nmoves].from = s->fg_owner[f];
		d->moves[d->nmoves].to = own[f];
		d->nmoves++;
	}
}

static bool held(uint64_t now, bool have, uint64_t since, uint64_t hold)
{
	return have && now - since < hold;
}

static void __printf(4, 5) say(struct ixdp_policy_decision *d,
				enum ixdp_policy_action a, int core,
				const char *fmt, ...)
{
	va_list ap;

	d->action = a;
	d->core = core;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

static int spare_core(const struct ixdp_policy *p, uint64_t active)
{
	uint64_t free = p->cfg.cores & ~active;

	return free ? __builtin_ctzll(free) : -1;
}

/* The core to remove: outside cfg.cores first, else the least loaded. */
static int victim(const struct ixdp_policy *p, uint64_t active)
{
	uint64_t outside = active & ~p->cfg.cores;
	int c, best = -1;

	if (outside)
		return __builtin_ctzll(outside);
	for (c = IXDP_POLICY_MAX_CORES - 1; c >= 0; c--)
		if ((active & BIT64(c)) &&
		    (best < 0 || core_load(&p->core[c]) <
				 core_load(&p->core[best])))
			best = c;
	return best;
}

static void add_core(struct ixdp_policy *p, const struct ixdp_policy_sample *s,
		     int core, uint64_t now, const char *why,
		     struct ixdp_policy_decision *d)
{
	p->have_up = true;
	p->last_up_us = now;
	plan(p, s, s->active | BIT64(core), 0, d);
	say(d, IXDP_POLICY_ADD_CORE, core, "add core %d: %s", core, why);
}

static void remove_core(struct ixdp_policy *p,
			const struct ixdp_policy_sample *s, int core,
			uint64_t now, const char *why,
			struct ixdp_policy_decision *d)
{
	p->have_down = true;
	p->last_down_us = now;
	if (!owns_fg(s, core)) {
		p->parking = core;
		say(d, IXDP_POLICY_PARK_CORE, core,
		    "park core %d (owns no flow group): %s", core, why);
		return;
	}
	p->draining = core;
	plan(p, s, s->active & ~BIT64(core), 0, d);
	say(d, IXDP_POLICY_DRAIN_CORE, core, "drain core %d: %s", core,
	    why);
}

static int check_sample(const struct ixdp_policy *p,
			const struct ixdp_policy_sample *s, uint64_t now)
{
	uint32_t f;

	if (s->nfg > IXDP_POLICY_MAX_FG)
		return -EINVAL;
	for (f = 0; f < s->nfg; f++)
		if (s->fg_owner[f] >= IXDP_POLICY_MAX_CORES)
			return -EINVAL;
	if (p->have_sample && now < p->last_sample_us)
		return -EINVAL;
	return 0;
}

/* A park or a drain that an earlier step started; true if decided. */
static bool finish_removal(struct ixdp_policy *p,
			   const struct ixdp_policy_sample *s,
			   const struct signals *sg, uint64_t now,
			   struct ixdp_policy_decision *d)
{
	const struct ixdp_policy_cfg *cfg = &p->cfg;
	char why[WHY_LEN];
	int c;

	c = p->parking;
	if (c >= 0) {
		p->parking = -1;
		if (!(s->active & BIT64(c)))
			return false;	/* done */
		if (!owns_fg(s, c)) {
			p->parking = c;
			say(d, IXDP_POLICY_PARK_CORE, c,
			    "park core %d: still running", c);
			return true;
		}
		/* flow groups were given back to it: keep it */
	}

	c = p->draining;
	if (c < 0)
		return false;
	p->draining = -1;
	if (!(s->active & BIT64(c)))
		return false;
	if (sg->n <= cfg->max_cores && (cfg->cores & BIT64(c)) &&
	    up_reason(cfg, sg, why, sizeof(why))) {
		/* load came back before the drain finished */
		p->have_up = true;
		p->last_up_us = now;
		p->have_rebalance = true;
		p->last_rebalance_us = now;
		plan(p, s, s->active, cfg->rebalance_spread / 2, d);
		say(d, d->nmoves ? IXDP_POLICY_REBALANCE : IXDP_POLICY_NONE,
		    c, "keep core %d, drain cancelled: %s", c, why);
		d->core = -1;
		return true;
	}
	if (!owns_fg(s, c)) {
		p->parking = c;
		say(d, IXDP_POLICY_PARK_CORE, c,
		    "park core %d: drained", c);
		return true;
	}
	p->draining = c;
	plan(p, s, s->active & ~BIT64(c), 0, d);
	say(d, IXDP_POLICY_DRAIN_CORE, c,
	    "drain core %d: flow groups left", c);
	return true;
}

static void decision_init(const struct signals *sg,
			  struct ixdp_policy_decision *d)
{
	d->action = IXDP_POLICY_NONE;
	d->core = -1;
	d->nmoves = 0;
	d->reason[0] = '\0';
	d->ncores = sg->n;
	d->fast_queue = sg->fast_queue;
	d->slow_queue = sg->slow_queue;
	d->fast_qdelay_us = sg->qdelay;
	d->fast_busy = sg->busy;
	d->fast_idle = sg->idle;
}

/* Bounds first: they do not wait for hold-down times. True if decided. */
static bool enforce_bounds(struct ixdp_policy *p,
			   const struct ixdp_policy_sample *s,
			   const struct signals *sg, uint64_t now,
			   struct ixdp_policy_decision *d)
{
	const struct ixdp_policy_cfg *cfg = &p->cfg;
	char why[WHY_LEN];
	int c;

	if (sg->n > cfg->max_cores || (s->active & ~cfg->cores)) {
		snprintf(why, sizeof(why), "%u cores running, max %u%s",
			 sg->n, cfg->max_cores,
			 s->active & ~cfg->cores ? ", or outside the set" : "");
		remove_core(p, s, victim(p, s->active), now, why, d);
		return true;
	}
	c = spare_core(p, s->active);
	if (sg->n < cfg->min_cores && c >= 0) {
		snprintf(why, sizeof(why), "%u cores running, min %u",
			 sg->n, cfg->min_cores);
		add_core(p, s, c, now, why, d);
		return true;
	}
	return false;
}

/*
 * Add or remove a core if the load asks for it and the hold-down times
 * allow; true if decided. Otherwise @msg says why nothing changed.
 */
static bool scale(struct ixdp_policy *p, const struct ixdp_policy_sample *s,
		  const struct signals *sg, uint64_t now,
		  struct ixdp_policy_decision *d, char *msg, size_t len)
{
	const struct ixdp_policy_cfg *cfg = &p->cfg;
	int spare = spare_core(p, s->active);
	char why[WHY_LEN];
	const char *up, *down;

	up = up_reason(cfg, sg, why, sizeof(why));
	down = up ? NULL : down_reason(cfg, sg, why, sizeof(why));
	if (up) {
		if (sg->n >= cfg->max_cores || spare < 0) {
			snprintf(msg, len, "at %u cores, no more: %s",
				 sg->n, up);
		} else if (held(now, p->have_up, p->last_up_us,
				cfg->up_after_up_us) ||
			   held(now, p->have_down, p->last_down_us,
				cfg->up_after_down_us)) {
			snprintf(msg, len, "hold-down, wait to add: %s", up);
		} else {
			add_core(p, s, spare, now, up, d);
			return true;
		}
	} else if (down) {
		if (sg->n <= cfg->min_cores) {
			snprintf(msg, len, "at min %u cores: %s",
				 cfg->min_cores, down);
		} else if (held(now, p->have_up, p->last_up_us,
				cfg->down_after_up_us) ||
			   held(now, p->have_down, p->last_down_us,
				cfg->down_after_down_us)) {
			snprintf(msg, len, "hold-down, wait to remove: %s",
				 down);
		} else {
			remove_core(p, s, victim(p, s->active), now, down, d);
			return true;
		}
	} else {
		snprintf(msg, len,
			 "steady: %u cores, fast queue %.1f, busy %.2f",
			 sg->n, sg->fast_queue, sg->busy);
	}
	return false;
}

/* Rebalance: always for groups on stopped cores, else if uneven. */
static bool rebalance(struct ixdp_policy *p,
		      const struct ixdp_policy_sample *s,
		      const struct signals *sg, uint64_t now,
		      struct ixdp_policy_decision *d, const char *msg)
{
	double load[IXDP_POLICY_MAX_CORES], w[IXDP_POLICY_MAX_FG];
	const struct ixdp_policy_cfg *cfg = &p->cfg;

	fg_weights(p, s, w);
	core_loads(s, s->fg_owner, w, s->active, load);
	if (!s->nfg || !sg->n)
		return false;
	if (!has_orphans(s, s->active) &&
	    (spread(load, s->active) <= cfg->rebalance_spread ||
	     held(now, p->have_rebalance, p->last_rebalance_us,
		  cfg->rebalance_hold_us)))
		return false;
	plan(p, s, s->active, cfg->rebalance_spread / 2, d);
	if (!d->nmoves)
		return false;
	p->have_rebalance = true;
	p->last_rebalance_us = now;
	d->action = IXDP_POLICY_REBALANCE;
	snprintf(d->reason, sizeof(d->reason), "rebalance, spread %.2f; %.*s",
		 spread(load, s->active), 100, msg);
	return true;
}

int ixdp_policy_step(struct ixdp_policy *p,
		     const struct ixdp_policy_sample *s, uint64_t now_us,
		     struct ixdp_policy_decision *d)
{
	char msg[IXDP_POLICY_REASON_LEN];
	struct signals sg;
	bool restart;
	int err;

	if (!p || !s || !d)
		return -EINVAL;
	err = check_sample(p, s, now_us);
	if (err)
		return err;
	restart = p->have_sample && now_us - p->last_sample_us >
				    GAP_PERIODS * p->cfg.sample_period_us;
	p->have_sample = true;
	p->last_sample_us = now_us;
	smooth(p, s, restart);
	signals(p, s->active, &sg);
	p->ncores = sg.n;
	decision_init(&sg, d);

	if (finish_removal(p, s, &sg, now_us, d) ||
	    enforce_bounds(p, s, &sg, now_us, d) ||
	    scale(p, s, &sg, now_us, d, msg, sizeof(msg)) ||
	    rebalance(p, s, &sg, now_us, d, msg))
		return 0;
	snprintf(d->reason, sizeof(d->reason), "%s", msg);
	return 0;
}
