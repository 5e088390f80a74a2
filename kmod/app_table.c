// SPDX-License-Identifier: GPL-2.0
/*
 * The table of contexts attached to a core, in the core's kthread:
 * registration, and teardown (kill, unregister). The control path runs
 * these through ixdp_core_call().
 */
#include <linux/cred.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include "app.h"
#include "trace.h"

/* How often the core checks that an attaching thread is still alive. */
#define ALIVE_CHECK_PERIOD	(HZ / 10)

/*
 * Contexts of the user @euid on the core. Registration changes under
 * ixdp_core_lock, which the callers hold (or they run on the kthread).
 */
unsigned int ixdp_app_table_user_contexts(const struct ixdp_core *dp,
					  kuid_t euid)
{
	const struct ixdp_core_apps *da = dp->apps;
	unsigned int i, n = 0;

	for (i = 0; i < IXDP_DP_APPS; i++)
		n += da->app[i] && uid_eq(da->app[i]->cred->euid, euid);
	return n;
}

static void unlisten_all(struct ixdp_core *dp, struct ixdp_app *app)
{
	struct ixdp_core_apps *da = dp->apps;
	unsigned int i;

	for (i = 0; i < IX_LISTEN_MAX; i++) {
		if (!da->listen[i].used || da->listen[i].app != app->slot)
			continue;
		ix_tcp_unlisten(dp->stack, da->listen[i].port);
		ixdp_listen_unclaim(da->listen[i].port);
		da->listen[i].used = false;
	}
}

/*
 * End a context: its peers get resets, its slices and the core's buffers
 * are freed, its listening ports are released, and the application sees
 * IXDP_CQ_DEAD and EPOLLERR. The regions stay mapped until it closes the
 * file. Connects still waiting for their handshake are dropped too.
 */
/* A connect of @arg's (its slot and generation in the cookie). */
static bool cookie_of(void *arg, u64 cookie)
{
	const struct ixdp_app *app = arg;

	return ixdp_app_cookie_is_app(cookie) &&
	       ixdp_app_cookie_slot(cookie) == app->slot &&
	       ixdp_app_cookie_gen(cookie) == app->gen;
}

void ixdp_app_table_kill(struct ixdp_core *dp, struct ixdp_app *app,
			 enum ixdp_app_end why)
{
	struct ixdp_app_conn *c;
	bool connecting = false;
	u32 i;

	if (app->dead)
		return;
	trace_ixdp_app_detach(dp, app, why);
	WRITE_ONCE(app->dead, true);
	unlisten_all(dp, app);
	for (i = 0; i < app->nconn; i++) {
		c = &app->conn[i];
		if (c->state == IXDP_CONN_OPEN ||
		    c->state == IXDP_CONN_KNOCKED) {
			/* A knock handed here counts on another's listener. */
			if (c->state == IXDP_CONN_KNOCKED)
				ixdp_app_conn_unknock(dp, c);
			ixdp_app_conn_owner_clear(dp, c->handle);
			ix_tcp_abort(dp->stack, c->handle);
		} else if (c->state == IXDP_CONN_CONNECTING) {
			connecting = true;
		}
	}
	/* One pass over the core's table for all of them. */
	if (connecting)
		ix_tcp_abort_connecting_if(dp->stack, cookie_of, app);
	app->ndirty = 0;
	WRITE_ONCE(app->nused, 0);
	app->flags |= IXDP_CQ_DEAD;
	WRITE_ONCE(*app->cq_flags, app->flags);
	ixdp_app_event_publish(app);
	wake_up_interruptible_poll(&app->wq, EPOLLERR);
}

/* ixdp_core_call() target: attach @arg to the core. */
int ixdp_app_table_register(struct ixdp_core *dp, void *arg)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app *app = arg;
	unsigned int i;

	/* Checked before the allocation too (core_share()); this decides. */
	if (!app->sys_resource &&
	    ixdp_app_table_user_contexts(dp, app->cred->euid) >= IXDP_USER_APPS)
		return -EDQUOT;
	for (i = 0; i < IXDP_DP_APPS; i++) {
		if (da->app[i])
			continue;
		app->slot = i;
		app->gen = ++da->next_gen;
		app->alive_check = jiffies + ALIVE_CHECK_PERIOD;
		app->dst = &dp->st;
		da->app[i] = app;
		da->napps++;
		return 0;
	}
	return -ENOSPC;
}

static void table_unregister(struct ixdp_core *dp, struct ixdp_app *app,
			     enum ixdp_app_end why)
{
	ixdp_app_table_kill(dp, app, why);
	ixdp_app_conn_run_deferred(dp);
	dp->apps->app[app->slot] = NULL;
	dp->apps->napps--;
	ixdp_core_run_forget(dp, app);
	RCU_INIT_POINTER(app->dp, NULL);
}

/* ixdp_core_call() target: @arg's file is released; end and detach it. */
int ixdp_app_table_unregister(struct ixdp_core *dp, void *arg)
{
	table_unregister(dp, arg, IXDP_APP_END_CLOSE);
	return 0;
}

/* The core goes away (kthread context): end every context. */
void ixdp_app_table_unregister_all(struct ixdp_core *dp)
{
	unsigned int i;

	for (i = 0; i < IXDP_DP_APPS; i++)
		if (dp->apps->app[i])
			table_unregister(dp, dp->apps->app[i],
					 IXDP_APP_END_CORE);
}

/* A thread that attached and exited without closing the file. */
void ixdp_app_table_check_alive(struct ixdp_core *dp, struct ixdp_app *app)
{
	bool alive;

	if (time_before(jiffies, app->alive_check))
		return;
	app->alive_check = jiffies + ALIVE_CHECK_PERIOD;
	rcu_read_lock();
	alive = pid_has_task(app->pid, PIDTYPE_PID);
	rcu_read_unlock();
	if (!alive)
		ixdp_app_table_kill(dp, app, IXDP_APP_END_EXIT);
}
