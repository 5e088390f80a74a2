// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration of flow groups between the dataplane cores of a port
 * (Documentation/migration.rst): every connection of the groups leaves core A (src) and
 * lives on in core B (dst) with no byte lost, duplicated or reordered.
 * The TCP/IP half is kmod/stack/fgmove.c; this is the host half, run by
 * the control path (under ixdp_core_lock, not rtnl) in five timed steps:
 *
 *  hold    B is told to hold the frames of the groups: from now on it
 *          queues them, in arrival order, instead of running them.
 *  switch  The receive map (and the NIC's RSS table, where ixdp steers
 *          it) sends the groups to B; synchronize_net() waits until no
 *          receive handler still uses the old map, so every frame of the
 *          groups that went to A is in A's rings by now.
 *  export  A runs exactly the frames its rings hold (the groups' last
 *          frames are among them), lets the built-in responder act on
 *          the events they raised, then exports each group: the
 *          connections, their queued bytes and timers go into a blob,
 *          and the responder's record of them into a table by cookie.
 *  import  B imports each blob, takes the responder's records over,
 *          stops holding the groups and runs the frames it held, first.
 *  undo    Groups A could not export (an application holds one of their
 *          connections that cannot move, or no memory) and groups B
 *          could not import (no room) go back to A the same way, A
 *          holding and then
 *          importing what it exported; the frames B held for them are
 *          dropped, which TCP repairs. Should A have filled up meanwhile,
 *          those connections are lost (logged) and A owns the group.
 *          The map for it is reserved before the move starts, so the
 *          undo step cannot fail.
 *
 * Connections of application contexts move too when their context was
 * attached with IXDP_ATTACH_MOVABLE and their process has such a context
 * on B, which adopts them (app_move.c); other groups that applications
 * hold connections of stay with A (-EBUSY).
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ixdp.h"
#include "app.h"
#include "trace.h"

#define MSG_APP_BOUND "an application holds connections of the flow group"
#define MSG_APP_NOCTX \
	"a process holding connections of the flow group has no movable context on the target core"

/*
 * Fault injection for the undo step, which no healthy run reaches:
 * /sys/kernel/debug/ixdp/fail_move_export and fail_move_import (the
 * kernel's fault_attr knobs) make a group's export fail (-ENOMEM) or its
 * import into the target fail (-ENOSPC). Only kernels built with
 * CONFIG_FAULT_INJECTION_DEBUG_FS have them.
 */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static DECLARE_FAULT_ATTR(fail_export);
static DECLARE_FAULT_ATTR(fail_import);
static struct dentry *ixdp_debugfs;

void ixdp_fgmove_init(void)
{
	ixdp_debugfs = debugfs_create_dir("ixdp", NULL);
	fault_create_debugfs_attr("fail_move_export", ixdp_debugfs,
				  &fail_export);
	fault_create_debugfs_attr("fail_move_import", ixdp_debugfs,
				  &fail_import);
}

void ixdp_fgmove_uninit(void)
{
	debugfs_remove_recursive(ixdp_debugfs);
}

#define mv_should_fail(attr)	should_fail(&(attr), 1)
#else
void ixdp_fgmove_init(void)
{
}

void ixdp_fgmove_uninit(void)
{
}

#define mv_should_fail(attr)	false
#endif

struct mv {
	struct ixdp_core *src, *dst;
	struct ixdp_core *importer;		/* whose responder adopts */
	DECLARE_BITMAP(fgs, IX_FG_MAX);		/* groups moving */
	DECLARE_BITMAP(stay, IX_FG_MAX);	/* ... that A kept */
	DECLARE_BITMAP(back, IX_FG_MAX);	/* ... that B refused */
	const unsigned long *cur;		/* the set a step works on */
	struct ix_fg_blob *blob[IX_FG_MAX];
	struct ixdp_resp_state *resp;		/* by A's responder cookie */
	u32 nresp;
	u32 conns, held, busy;
	u32 noctx;				/* ... no context on B */
	struct ixdp_app_moves app;		/* application connections */
	u32 out_fgs, out_conns;			/* exported (traced) */
	u32 lost;				/* connections no core took */
	bool undoing;				/* importing back into A */
	int err;				/* of an export that failed */
};

static int mv_hold(struct ixdp_core *dp, void *arg)
{
	struct mv *mv = arg;
	u32 fg;

	for_each_set_bit(fg, mv->cur, IX_FG_MAX)
		if (!__test_and_set_bit(fg, dp->hold))
			dp->nhold++;
	return 0;
}

/*
 * Stop holding the groups of @set and run the frames held for the ones
 * this core now owns, in the order they came; drop the others' (a move
 * undone). Returns how many ran.
 */
static u32 dp_unhold(struct ixdp_core *dp, const unsigned long *set, u64 now)
{
	struct sk_buff_head keep;
	struct sk_buff *skb;
	u32 fg, n = 0;

	for_each_set_bit(fg, set, IX_FG_MAX)
		if (__test_and_clear_bit(fg, dp->hold))
			dp->nhold--;
	__skb_queue_head_init(&keep);
	while ((skb = __skb_dequeue(&dp->held))) {
		fg = IXDP_SKB_CB(skb)->fg;
		if (test_bit(fg, dp->hold)) {
			__skb_queue_tail(&keep, skb);
		} else if (ix_stack_owns_fg(dp->stack, fg)) {
			ixdp_core_input(dp, skb, now);
			n++;
		} else {
			ixdp_core_stats_inc(&dp->st, held_drops);
			kfree_skb(skb);
		}
	}
	skb_queue_splice(&keep, &dp->held);
	return n;
}

static int mv_release(struct ixdp_core *dp, void *arg)
{
	struct mv *mv = arg;

	dp_unhold(dp, mv->cur, ixdp_core_now_us());
	return 0;
}

/*
 * Before anything changes: leave out the groups applications hold
 * connections of that cannot move.
 */
static int mv_check(struct ixdp_core *dp, void *arg)
{
	struct mv *mv = arg;
	u32 fg;

	for_each_set_bit(fg, mv->fgs, IX_FG_MAX) {
		if (ixdp_app_move_check(dp, &mv->app, fg)) {
			__clear_bit(fg, mv->fgs);
			mv->busy++;
		}
	}
	return 0;
}

/* ... and those whose processes have no context on B to adopt them. */
static int mv_check_target(struct ixdp_core *dp, void *arg)
{
	struct mv *mv = arg;
	u32 fg, missing = ixdp_app_move_missing(dp, &mv->app);

	if (!missing)
		return 0;
	for_each_set_bit(fg, mv->fgs, IX_FG_MAX) {
		if (mv->app.fg_procs[fg] & missing) {
			__clear_bit(fg, mv->fgs);
			mv->noctx++;
		}
	}
	return 0;
}

static int mv_export(struct ixdp_core *dp, void *arg)
{
	struct mv *mv = arg;
	u64 now = ixdp_core_now_us();
	u32 fg;
	int n;

	ixdp_core_drain_snapshot(dp, now);
	ixdp_responder_run(dp->resp);
	/* Rejects of knocks nobody takes: not a connection to carry over. */
	ixdp_app_loop_run_deferred(dp);
	for_each_set_bit(fg, mv->fgs, IX_FG_MAX) {
		/* A knock or connect since mv_check() may have bound it. */
		if (ixdp_app_move_check(dp, &mv->app, fg)) {
			__set_bit(fg, mv->stay);
			mv->busy++;
			continue;
		}
		/* ... or another process accepted one: B was not asked. */
		if (ixdp_app_move_unchecked(&mv->app, fg)) {
			__set_bit(fg, mv->stay);
			mv->noctx++;
			continue;
		}
		n = ixdp_app_move_reserve(&mv->app, ix_fg_conns(dp->stack, fg));
		if (n < 0) {
			__set_bit(fg, mv->stay);
			mv->err = n;
			continue;
		}
		ixdp_responder_save(dp->resp, fg, mv->resp);
		n = mv_should_fail(fail_export) ? -ENOMEM :
		    ix_fg_export(dp->stack, fg, &mv->blob[fg]);
		if (n < 0) {
			__set_bit(fg, mv->stay);
			mv->err = n;
			continue;
		}
		ixdp_app_move_out(dp, &mv->app, fg, mv->blob[fg]);
		ixdp_responder_drop(dp->resp, fg);
		ixdp_core_stats_inc(&dp->st, fg_out);
		ixdp_core_stats_add(&dp->st, conns_out, n);
		mv->out_fgs++;
		mv->out_conns += n;
	}
	ixdp_tx_flush(dp);
	return 0;
}

/* The core's callback for each imported connection. */
static void mv_rehandle(void *arg, u64 old_handle, u64 new_handle, u64 cookie)
{
	struct mv *mv = arg;
	const struct ixdp_resp_state *st;

	if (ixdp_app_move_in(mv->importer, &mv->app, old_handle, new_handle,
			     cookie))
		return;
	if (cookie >= mv->nresp)
		return;
	st = &mv->resp[cookie];
	if (st->valid && st->handle == old_handle)
		ixdp_responder_adopt(mv->importer->resp, new_handle, st);
}

static int mv_import(struct ixdp_core *dp, void *arg)
{
	DECLARE_BITMAP(done, IX_FG_MAX);
	struct mv *mv = arg;
	u64 now = ixdp_core_now_us();
	u32 fg;
	int n;

	bitmap_zero(done, IX_FG_MAX);
	mv->importer = dp;
	/* The records of slots the core freed are released before reuse. */
	ixdp_responder_run(dp->resp);
	for_each_set_bit(fg, mv->cur, IX_FG_MAX) {
		if (!mv->blob[fg])
			continue;
		n = !mv->undoing && mv_should_fail(fail_import) ? -ENOSPC :
		    ixdp_app_move_in_check(dp, &mv->app, fg);
		if (!n)
			n = ix_fg_import(dp->stack, mv->blob[fg], now,
					 mv_rehandle, mv);
		if (n < 0 && mv->undoing) {
			/*
			 * A filled up while the group was away: its
			 * connections are lost. A owns the group again, so
			 * the peers' next segments get resets and new
			 * connections work.
			 */
			mv->lost += ix_fg_blob_conns(mv->blob[fg]);
			ix_fg_blob_free(mv->blob[fg]);
			mv->blob[fg] = NULL;
			ix_stack_set_fg(dp->stack, fg, true);
			__set_bit(fg, done);
			continue;
		}
		if (n < 0) {
			__set_bit(fg, mv->back);
			continue;
		}
		ix_fg_blob_free(mv->blob[fg]);
		mv->blob[fg] = NULL;
		__set_bit(fg, done);
		ixdp_core_stats_inc(&dp->st, fg_in);
		ixdp_core_stats_add(&dp->st, conns_in, n);
		mv->conns += n;
	}
	/* The held frames are older than any still in the rings. */
	mv->held += dp_unhold(dp, done, now);
	ixdp_responder_run(dp->resp);
	ixdp_tx_flush(dp);
	return 0;
}

/*
 * Send the groups of @set to @slot and wait until no receive handler
 * uses the old map. Expedited: the whole move waits for this, and moves
 * are rare. @reserved: use the map ixdp_port_reserve() set aside.
 */
static int publish(struct ixdp_port *port, const unsigned long *set,
		   unsigned int slot, bool reserved)
{
	u8 owner[IX_FG_MAX];
	u32 fg;
	int err = 0;

	ixdp_port_owners(port, owner);
	for_each_set_bit(fg, set, IX_FG_MAX)
		owner[fg] = slot;
	if (reserved)
		ixdp_port_publish_reserved(port, owner);
	else
		err = ixdp_port_publish(port, owner);
	if (!err)
		synchronize_rcu_expedited();
	return err;
}

/* Send back to A what did not arrive in B (the "undo" step). */
static void mv_undo(struct ixdp_port *port, struct mv *mv)
{
	DECLARE_BITMAP(undo, IX_FG_MAX);
	bool back = !bitmap_empty(mv->back, IX_FG_MAX);
	u32 conns = mv->conns, held = mv->held;
	u64 t0;

	bitmap_or(undo, mv->stay, mv->back, IX_FG_MAX);
	if (bitmap_empty(undo, IX_FG_MAX))
		return;
	t0 = ktime_get_ns();
	mv->cur = mv->back;
	if (back)
		ixdp_core_call_sync(mv->src, mv_hold, mv);
	/* B must not stay the owner of groups it does not have. */
	publish(port, undo, mv->src->slot, true);
	mv->cur = undo;
	ixdp_core_call_sync(mv->dst, mv_release, mv);
	mv->cur = mv->back;
	mv->undoing = true;
	if (back)
		ixdp_core_call_sync(mv->src, mv_import, mv);
	trace_ixdp_fg_move(mv->src, mv->dst, IXDP_MOVE_UNDO,
			   bitmap_weight(undo, IX_FG_MAX), mv->conns - conns,
			   ktime_get_ns() - t0);
	/* What went back is not part of the move. */
	mv->conns = conns;
	mv->held = held;
	if (mv->lost)
		pr_warn("a failed move lost %u connections: neither core had room\n",
			mv->lost);
}

/* The four steps and the undo, each timed into @step and traced. */
static int mv_run(struct ixdp_port *port, struct mv *mv,
		  struct ixdp_move_stats *step)
{
	struct ixdp_core *src = mv->src, *dst = mv->dst;
	u32 nfgs;
	u64 t0, t1;
	int err;

	/* Nothing changed yet: the only step a killed caller may skip. */
	t0 = ktime_get_ns();
	err = ixdp_core_call(src, mv_check, mv);
	if (!err && mv->app.nproc)
		err = ixdp_core_call(dst, mv_check_target, mv);
	if (err || bitmap_empty(mv->fgs, IX_FG_MAX))
		return err;

	nfgs = bitmap_weight(mv->fgs, IX_FG_MAX);
	t1 = ktime_get_ns();
	ixdp_core_call_sync(dst, mv_hold, mv);
	step->hold_ns = ktime_get_ns() - t1;
	t1 += step->hold_ns;
	trace_ixdp_fg_move(src, dst, IXDP_MOVE_HOLD, nfgs, 0, step->hold_ns);

	err = publish(port, mv->fgs, dst->slot, false);
	if (err) {
		ixdp_core_call_sync(dst, mv_release, mv);
		return err;
	}
	step->switch_ns = ktime_get_ns() - t1;
	t1 += step->switch_ns;
	trace_ixdp_fg_move(src, dst, IXDP_MOVE_SWITCH, nfgs, 0,
			   step->switch_ns);

	ixdp_core_call_sync(src, mv_export, mv);
	step->export_ns = ktime_get_ns() - t1;
	t1 += step->export_ns;
	trace_ixdp_fg_move(src, dst, IXDP_MOVE_EXPORT, mv->out_fgs,
			   mv->out_conns, step->export_ns);

	ixdp_core_call_sync(dst, mv_import, mv);
	step->import_ns = ktime_get_ns() - t1;
	step->fgs = nfgs - bitmap_weight(mv->stay, IX_FG_MAX) -
		    bitmap_weight(mv->back, IX_FG_MAX);
	trace_ixdp_fg_move(src, dst, IXDP_MOVE_IMPORT, step->fgs, mv->conns,
			   step->import_ns);

	mv_undo(port, mv);
	step->total_ns = ktime_get_ns() - t0;
	step->conns = mv->conns;
	step->held = mv->held;
	return 0;
}

static void stats_add(struct ixdp_move_stats *st,
		      const struct ixdp_move_stats *step)
{
	st->fgs += step->fgs;
	st->conns += step->conns;
	st->held += step->held;
	st->hold_ns += step->hold_ns;
	st->switch_ns += step->switch_ns;
	st->export_ns += step->export_ns;
	st->import_ns += step->import_ns;
	st->total_ns += step->total_ns;
}

static struct mv *mv_alloc(struct ixdp_core *src, struct ixdp_core *dst,
			   const unsigned long *fgs)
{
	struct mv *mv;

	mv = kvzalloc(sizeof(*mv), GFP_KERNEL);
	if (!mv)
		return NULL;
	mv->nresp = ixdp_responder_nconn(src->resp);
	mv->resp = kvcalloc(mv->nresp, sizeof(*mv->resp), GFP_KERNEL);
	if (!mv->resp) {
		kvfree(mv);
		return NULL;
	}
	mv->src = src;
	mv->dst = dst;
	bitmap_copy(mv->fgs, fgs, IX_FG_MAX);
	mv->cur = mv->fgs;
	return mv;
}

/*
 * Move the flow groups of @fgs, all owned by @src, to @dst, add what was
 * done to @st and tell @note (may be NULL) if something moved. -EBUSY if
 * some stayed with @src because applications hold their connections;
 * the others moved all the same.
 */
int ixdp_fgmove_move(struct ixdp_port *port, const unsigned long *fgs,
		     struct ixdp_core *src, struct ixdp_core *dst,
		     struct ixdp_move_stats *st, ixdp_move_note_fn note,
		     struct netlink_ext_ack *extack)
{
	struct ixdp_move_stats step = {};
	struct mv *mv;
	int err;

	lockdep_assert_held(&ixdp_core_lock);
	if (src == dst || bitmap_empty(fgs, IX_FG_MAX))
		return 0;
	if (dst->parked) {
		NL_SET_ERR_MSG(extack, "the target core is parked");
		return -EINVAL;
	}
	/* The undo step's map: reserved now, so that it cannot fail. */
	err = ixdp_port_reserve(port);
	if (err)
		return err;
	mv = mv_alloc(src, dst, fgs);
	if (!mv)
		return -ENOMEM;
	err = mv_run(port, mv, &step);
	if (err)
		goto out;
	stats_add(st, &step);
	if (step.fgs && note)
		note(src->cpu, dst->cpu,
		     step.fgs == 1 && bitmap_weight(mv->fgs, IX_FG_MAX) == 1 ?
		     (s32)find_first_bit(mv->fgs, IX_FG_MAX) : -1, &step);

	if (mv->err) {
		NL_SET_ERR_MSG(extack, "a flow group could not be exported");
		err = mv->err;
	} else if (!bitmap_empty(mv->back, IX_FG_MAX)) {
		NL_SET_ERR_MSG(extack, "the target core cannot take the connections");
		err = -ENOSPC;
	}
out:
	if (mv->busy && !err) {
		NL_SET_ERR_MSG(extack, MSG_APP_BOUND);
		err = -EBUSY;
	} else if (mv->noctx && !err) {
		NL_SET_ERR_MSG(extack, MSG_APP_NOCTX);
		err = -EBUSY;
	}
	ixdp_app_move_free(&mv->app);
	kvfree(mv->resp);
	kvfree(mv);
	return err;
}

/*
 * Spread the port's flow groups evenly over its active cores other than
 * @leaving, moving as few as possible: each core keeps its groups up to
 * its share (the larger shares go to the cores that hold more), and the
 * rest, with every group of @leaving and of parked cores, go to the
 * cores below their share.
 */
struct balance {
	unsigned int act[IXDP_MAX_CORES], quota[IXDP_MAX_CORES];
	unsigned int cnt[IXDP_MAX_CORES], keep[IXDP_MAX_CORES];
	bool active[IXDP_MAX_CORES];
	u8 owner[IX_FG_MAX], target[IX_FG_MAX];
	DECLARE_BITMAP(set, IX_FG_MAX);
};

/* Each core's share: the larger ones go to the cores holding more. */
static void balance_quota(struct balance *b, unsigned int n, u32 nfg)
{
	unsigned int j, extra = nfg % n;

	for (j = 0; j < n; j++) {
		b->quota[b->act[j]] = nfg / n;
		if (extra && b->cnt[b->act[j]] > nfg / n) {
			b->quota[b->act[j]]++;
			extra--;
		}
	}
	for (j = 0; j < n && extra; j++) {
		if (b->cnt[b->act[j]] <= nfg / n) {
			b->quota[b->act[j]]++;
			extra--;
		}
	}
}

/* Where each group goes: kept up to its owner's share, else to a gap. */
static void balance_plan(struct balance *b, unsigned int n, u32 nfg)
{
	unsigned int j, s;
	u32 fg;

	for (fg = 0; fg < nfg; fg++) {
		s = b->owner[fg];
		b->target[fg] = s;
		if (b->active[s] && b->keep[s] < b->quota[s])
			b->keep[s]++;
		else
			b->target[fg] = U8_MAX;
	}
	for (fg = 0, j = 0; fg < nfg; fg++) {
		if (b->target[fg] != U8_MAX)
			continue;
		/* The shares add up to nfg: a gap is always left. */
		while (b->keep[b->act[j]] >= b->quota[b->act[j]])
			j++;
		b->target[fg] = b->act[j];
		b->keep[b->act[j]]++;
	}
}

/*
 * Spread the port's flow groups evenly over its active cores other than
 * @leaving, moving as few as possible: each core keeps its groups up to
 * its share, and the rest, with every group of @leaving and of parked
 * cores, go to the cores below their share.
 */
int ixdp_fgmove_balance(struct ixdp_port *port, const struct ixdp_core *leaving,
			struct ixdp_move_stats *st, ixdp_move_note_fn note,
			struct netlink_ext_ack *extack)
{
	unsigned int n = 0, i, s, d;
	struct balance *b;
	int err = 0, e;
	u32 fg;

	lockdep_assert_held(&ixdp_core_lock);
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	for (i = 0; i < port->ndp; i++) {
		if (port->dp[i]->parked || port->dp[i] == leaving)
			continue;
		b->act[n++] = i;
		b->active[i] = true;
	}
	if (!n) {
		NL_SET_ERR_MSG(extack, "no active core can take the flow groups");
		kfree(b);
		return -EBUSY;
	}
	ixdp_port_owners(port, b->owner);
	for (fg = 0; fg < port->nfg; fg++)
		b->cnt[b->owner[fg]]++;
	balance_quota(b, n, port->nfg);
	balance_plan(b, n, port->nfg);

	for (s = 0; s < port->ndp; s++) {
		for (d = 0; d < port->ndp; d++) {
			if (s == d)
				continue;
			bitmap_zero(b->set, IX_FG_MAX);
			for (fg = 0; fg < port->nfg; fg++)
				if (b->owner[fg] == s && b->target[fg] == d)
					__set_bit(fg, b->set);
			e = ixdp_fgmove_move(port, b->set, port->dp[s], port->dp[d],
					     st, note, extack);
			if (e && !err)
				err = e;
		}
	}
	kfree(b);
	return err;
}
