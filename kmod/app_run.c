// SPDX-License-Identifier: GPL-2.0
/*
 * IXDP_IOC_RUN: an application thread runs its core's loop itself (inline
 * mode, IX's run loop; the loop is core.c's ixdp_core_run()). Here: the
 * argument, the context's side of the wait (how many events it has not
 * read) and the answer.
 */
#include <linux/string.h>
#include <linux/uaccess.h>

#include "app.h"

/* What the call waits for: @min events unread, or the context's end. */
struct run_want {
	struct ixdp_app *app;
	u32 min;
};

/*
 * Events published and not yet consumed. The runner holds the loop, so
 * cached_ev_tail is stable; a head the application made inconsistent
 * counts as "ready": the call returns and the application sees its ring.
 */
static u32 run_unread(const struct ixdp_app *app, bool *bad)
{
	u32 head;

	*bad = !ixdp_app_ev_head(app, &head);
	return *bad ? 0 : READ_ONCE(*app->cq_ev_tail) - head;
}

static bool run_done(void *arg)
{
	const struct run_want *w = arg;
	bool bad;
	u32 n;

	if (READ_ONCE(w->app->dead))
		return true;
	n = run_unread(w->app, &bad);
	return bad || n >= w->min;
}

static int run_check(const struct ixdp_run *r)
{
	if (r->flags || r->resv0 || !mem_is_zero(r->resv, sizeof(r->resv)))
		return -EINVAL;
	return 0;
}

long ixdp_app_run(struct ixdp_app *app, void __user *argp)
{
	struct run_want want = { .app = app };
	struct ixdp_core_run run = {
		.done = run_done,
		.arg = &want,
		.owner = app,
		.deadline_ns = KTIME_MAX,
	};
	struct ixdp_config cfg;
	struct ixdp_core *dp;
	struct ixdp_run r;
	bool bad;
	int err;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	err = run_check(&r);
	if (err)
		return err;
	/* Pairs with the release in ixdp_app_attach(). */
	if (!smp_load_acquire(&app->attached))
		return -EINVAL;
	/* More than the ring holds would never come. */
	want.min = min(r.min_events, app->ev_entries);
	if (r.timeout_us != IXDP_RUN_FOREVER)
		run.deadline_ns = ixdp_core_clock_ns() +
				  (u64)r.timeout_us * NSEC_PER_USEC;
	ixdp_config_get(&cfg);
	run.spin_us = r.spin_us == IXDP_RUN_SPIN_DEFAULT ? cfg.poll_us :
		      min_t(u32, r.spin_us, IXDP_POLL_US_MAX);

	/* One thread of a context at a time: it waits for its events. */
	if (test_and_set_bit_lock(0, &app->running))
		return -EBUSY;
	rcu_read_lock();
	dp = rcu_dereference(app->dp);
	if (!dp || READ_ONCE(app->dead) || !ixdp_core_run_get(dp)) {
		rcu_read_unlock();
		clear_bit_unlock(0, &app->running);
		return -ENXIO;
	}
	rcu_read_unlock();
	err = ixdp_core_run(dp, &run);
	ixdp_core_run_put(dp);
	clear_bit_unlock(0, &app->running);

	r.events = run_unread(app, &bad);
	r.steps = run.steps;
	r.frames = run.frames;
	if (copy_to_user(argp, &r, sizeof(r)))
		return -EFAULT;
	/* A signal after events came: the events, as poll() would. */
	if (err == -EINTR && r.events)
		err = 0;
	if (err)
		return err;
	if (READ_ONCE(app->dead) && !r.events)
		return -ENXIO;
	return r.events;
}
