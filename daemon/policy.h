/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dynamic core policy of ixdpd, after IX's control plane (SoCC'15):
 * add a dataplane core when the fast queue average, the queueing delay or
 * the load passes a threshold; drain and then park the least loaded core
 * when load and idle time allow; hold-down times between steps; keep the
 * flow groups balanced over the active cores.
 *
 * A pure module: no I/O, no clock, no globals.  The daemon reads the
 * per-core counters, fills a sample and applies the decision:
 *
 *	ixdp_policy_cfg_default(&cfg);  adjust cfg;
 *	ixdp_policy_init(&p, &cfg, ncores);
 *	every cfg.sample_period_us:
 *		fill s; ixdp_policy_step(&p, &s, now_us, &d);
 *		log d.reason; apply d (see enum ixdp_policy_action)
 *
 * Documentation/policy.rst describes the rules and their defaults.
 */
#ifndef IXDP_DAEMON_POLICY_H
#define IXDP_DAEMON_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define IXDP_POLICY_MAX_CORES	64	/* the module's IXDP_MAX_CORES */
#define IXDP_POLICY_MAX_FG	512	/* the core's IX_FG_MAX */
#define IXDP_POLICY_NO_QDELAY	UINT64_MAX
#define IXDP_POLICY_REASON_LEN	256

struct ixdp_policy_cfg {
	uint64_t cores;			/* bitmap of cores it may run */
	uint32_t min_cores;		/* 1 <= min <= max */
	uint32_t max_cores;		/* <= popcount(cores) */
	uint64_t sample_period_us;	/* how often the daemon samples */

	/* Smoothing, per sample: ewma += alpha * (x - ewma). */
	double alpha_fast;		/* 0 < alpha_slow <= alpha_fast <= 1 */
	double alpha_slow;

	/* Step up when any of these is passed. */
	double add_queue;		/* max over cores of fast avg batch */
	uint64_t add_qdelay_us;		/* max fast queueing delay; 0: off */
	double add_busy;		/* mean fast busy fraction */

	/* Step down only when all of these hold. */
	double remove_queue;		/* mean slow avg batch below this */
	double idle_margin;		/* mean fast idle > margin / ncores */
	double remove_busy;		/* projected busy after removal */

	/* Hold-down times. */
	uint64_t up_after_up_us;
	uint64_t up_after_down_us;
	uint64_t down_after_up_us;
	uint64_t down_after_down_us;

	/* Rebalancing of flow groups among the active cores. */
	double rebalance_spread;	/* (max - min) / mean core load */
	uint64_t rebalance_hold_us;	/* between two plain rebalances */
	uint32_t max_moves;		/* per decision, >= 1 */
};

/* Counters of one core since the previous sample (deltas). */
struct ixdp_policy_core_sample {
	uint64_t busy_ns;
	uint64_t idle_ns;
	uint64_t frames;		/* frames handled */
	uint64_t cmds;			/* application commands handled */
	uint64_t batches;		/* loop iterations that found work */
	uint64_t batch_frames;		/* frames handled in those */
	uint64_t qdelay_us;		/* estimate, or IXDP_POLICY_NO_QDELAY */
};

struct ixdp_policy_sample {
	uint64_t active;		/* bitmap of running cores */
	struct ixdp_policy_core_sample core[IXDP_POLICY_MAX_CORES];
	/*
	 * Flow groups: nfg == 0 means the daemon does not move them.
	 * fg_load[] (frames and commands per flow group since the previous
	 * sample) is read only if has_fg_load; else the groups are spread
	 * evenly by count.
	 */
	uint32_t nfg;
	uint8_t fg_owner[IXDP_POLICY_MAX_FG];
	bool has_fg_load;
	uint64_t fg_load[IXDP_POLICY_MAX_FG];
};

/*
 * What the daemon does with a decision, in this order: for ADD_CORE,
 * start core first; then make every move (fg from -> to); for PARK_CORE,
 * park core last.  Moves only name cores that are active once the
 * decision is applied.  A core is removed in two decisions: DRAIN_CORE
 * moves its flow groups away, and a later step that sees it owning none
 * says PARK_CORE.
 */
enum ixdp_policy_action {
	IXDP_POLICY_NONE,
	IXDP_POLICY_ADD_CORE,
	IXDP_POLICY_DRAIN_CORE,
	IXDP_POLICY_PARK_CORE,
	IXDP_POLICY_REBALANCE,
};

struct ixdp_policy_move {
	uint16_t fg;
	uint8_t from;
	uint8_t to;
};

struct ixdp_policy_decision {
	enum ixdp_policy_action action;
	int core;			/* ADD, DRAIN, PARK: the core; else -1 */
	uint32_t nmoves;
	struct ixdp_policy_move moves[IXDP_POLICY_MAX_FG];
	char reason[IXDP_POLICY_REASON_LEN];
	/* The signals after this sample, for logs and tests. */
	uint32_t ncores;		/* active in the sample */
	double fast_queue;		/* max over cores */
	double slow_queue;		/* mean */
	double fast_qdelay_us;		/* max over cores, 0 if unknown */
	double fast_busy;		/* mean */
	double fast_idle;		/* mean */
};

struct ixdp_policy_core {
	bool seen;			/* the EWMAs hold a value */
	double queue_fast, queue_slow;
	double busy_fast, busy_slow;
	double qdelay_fast;
	bool has_qdelay;
};

struct ixdp_policy {
	struct ixdp_policy_cfg cfg;
	uint32_t ncores;
	struct ixdp_policy_core core[IXDP_POLICY_MAX_CORES];
	double fg_load[IXDP_POLICY_MAX_FG];	/* EWMA, alpha_fast */
	bool fg_seen;
	bool have_sample, have_up, have_down, have_rebalance;
	uint64_t last_sample_us, last_up_us, last_down_us;
	uint64_t last_rebalance_us;
	int draining;			/* core being drained, or -1 */
	int parking;			/* core told to park, or -1 */
};

/* policy.c APIs: */
void ixdp_policy_cfg_default(struct ixdp_policy_cfg *cfg);
int ixdp_policy_cfg_check(const struct ixdp_policy_cfg *cfg);
int ixdp_policy_init(struct ixdp_policy *p, const struct ixdp_policy_cfg *cfg,
		     uint32_t ncores_now);
int ixdp_policy_step(struct ixdp_policy *p,
		     const struct ixdp_policy_sample *s, uint64_t now_us,
		     struct ixdp_policy_decision *out);
const char *ixdp_policy_action_name(enum ixdp_policy_action a);

#endif /* IXDP_DAEMON_POLICY_H */
