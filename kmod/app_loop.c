// SPDX-License-Identifier: GPL-2.0
/*
 * Application contexts as a client of the core's loop, in the core's
 * kthread: the loop step (commands, deferred calls, events) and the
 * peeks the loop makes before it sleeps.
 */
#include "app.h"

/*
 * Once per loop, after the core has handled the frames: each live
 * context's commands (at most @budget each), then the calls they and the
 * core deferred, then every context's events. Returns the commands taken.
 */
static unsigned int apps_run(struct ixdp_core *dp, unsigned int budget)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app *app;
	unsigned int i, n = 0;

	if (!da->napps) {
		ixdp_app_conn_run_deferred(dp);
		return 0;
	}
	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		if (!app || app->dead)
			continue;
		ixdp_app_table_check_alive(dp, app);
		if (app->dead)
			continue;
		n += ixdp_app_cmd_run(dp, app, budget);
		/* Returned bytes made room for those that wait. */
		if (app->wait_head != IX_NIL)
			ixdp_app_conn_rx_pull(dp, app);
	}
	ixdp_app_conn_run_deferred(dp);
	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		if (!app || app->dead)
			continue;
		ixdp_app_event_flush(app);
		ixdp_app_event_publish(app);
	}
	return n;
}

/* Commands are waiting in some context (lockless peek). */
static bool apps_pending(const struct ixdp_core *dp)
{
	const struct ixdp_core_apps *da = dp->apps;
	const struct ixdp_app *app;
	unsigned int i;

	if (!da->napps)
		return false;
	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		/* Commands that wait for event-ring room are not work. */
		if (app && !app->dead &&
		    READ_ONCE(*app->sq_cmd_tail) != app->cached_cmd_head &&
		    ixdp_app_event_room(app))
			return true;
	}
	return false;
}

/* Events wait for room in some context's ring. */
static bool apps_backlog(const struct ixdp_core *dp)
{
	const struct ixdp_core_apps *da = dp->apps;
	unsigned int i;

	for (i = 0; da->napps && i < IXDP_DP_APPS; i++)
		if (da->app[i] && !da->app[i]->dead && da->app[i]->ndirty)
			return true;
	return false;
}

/*
 * Before the core sleeps: ask every context for a kick. The caller's
 * full barrier then separates this from its re-check of the rings.
 */
static bool apps_prepare_sleep(struct ixdp_core *dp)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app *app;
	unsigned int i;

	for (i = 0; da->napps && i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		if (!app || app->dead)
			continue;
		app->flags |= IXDP_CQ_NEED_WAKEUP;
		WRITE_ONCE(*app->cq_flags, app->flags);
	}
	return da->napps;
}

static void apps_woken(struct ixdp_core *dp)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app *app;
	unsigned int i;

	for (i = 0; da->napps && i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		if (!app || app->dead || !(app->flags & IXDP_CQ_NEED_WAKEUP))
			continue;
		app->flags &= ~IXDP_CQ_NEED_WAKEUP;
		WRITE_ONCE(*app->cq_flags, app->flags);
	}
}

/* The contexts' gauges, inside the core's counter update (core.c). */
static void apps_gauges(struct ixdp_core *dp)
{
	struct ixdp_core_apps *da = dp->apps;
	const struct ixdp_app *app;
	unsigned int i;
	u64 chunks = 0;

	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		if (app && !app->dead)
			chunks += app->nchunk - app->nfree_chunk;
	}
	u64_stats_set(&dp->st.apps, da->napps);
	u64_stats_set(&dp->st.app_conns, da->nowned);
	u64_stats_set(&dp->st.app_rx_chunks, chunks);
}

static void apps_destroy(struct ixdp_core *dp)
{
	ixdp_app_conn_table_free(dp->apps);
	dp->apps = NULL;
}

/* Run the core calls deferred while the core ran (rejects, aborts). */
void ixdp_app_loop_run_deferred(struct ixdp_core *dp)
{
	ixdp_app_conn_run_deferred(dp);
}

/* The application contexts as a client of their core (core.c). */
const struct ixdp_core_client_ops ixdp_app_client_ops = {
	.event		= ixdp_app_route_event,
	.run		= apps_run,
	.pending	= apps_pending,
	.backlog	= apps_backlog,
	.prepare_sleep	= apps_prepare_sleep,
	.woken		= apps_woken,
	.rx_room	= ixdp_app_route_rx_room,
	.accept_full	= ixdp_app_route_accept_full,
	.gauges		= apps_gauges,
	.abort_all	= ixdp_app_table_unregister_all,
	.destroy	= apps_destroy,
};
