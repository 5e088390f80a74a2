// SPDX-License-Identifier: GPL-2.0
/*
 * The event side of application contexts, in the core's kthread: routing
 * the TCP/IP stack's events to the context that owns the connection,
 * copying received payload into the connection's RX slice, writing the
 * event ring, and tearing contexts down.
 *
 * The core calls ixdp_core_apps_event() synchronously from inside itself, so the
 * router only records what happened in the connection (bytes in the slice,
 * pending-event bits) and puts the connection on its context's dirty list;
 * calls back into the core (reject, abort) are deferred until the core
 * has returned. Events are written afterwards, per connection in the
 * order knock/connected, recv, end of stream, sent, dead, for as long as
 * the ring has room. A full ring therefore loses nothing: received bytes
 * wait in the slice (the core's receive window keeps the peer within
 * it), acknowledged bytes add up, and the core stops taking the context's
 * commands until the application makes room. The core's receive buffers
 * are returned as soon as their bytes are in the slice.
 */
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "app.h"

struct ixdp_core_apps *ixdp_core_apps_create(u32 nconn)
{
	struct ixdp_core_apps *da = kzalloc(sizeof(*da), GFP_KERNEL);

	if (!da)
		return NULL;
	da->nconn = nconn;
	da->owner = kvcalloc(nconn, sizeof(*da->owner), GFP_KERNEL);
	da->defer = kvcalloc(nconn, sizeof(*da->defer), GFP_KERNEL);
	if (!da->owner || !da->defer) {
		ixdp_core_apps_destroy(da);
		return NULL;
	}
	return da;
}

void ixdp_core_apps_destroy(struct ixdp_core_apps *da)
{
	if (!da)
		return;
	kvfree(da->owner);
	kvfree(da->defer);
	kfree(da);
}

/* ------------------------------------------------------------------ */
/* Connections                                                        */
/* ------------------------------------------------------------------ */

static bool ev_head(const struct ixdp_app *app, u32 *head);
static void reclaim_zombies(struct ixdp_app *app, u32 head);

u32 app_conn_alloc(struct ixdp_app *app)
{
	struct app_conn *c;
	bool dirty;
	u32 idx, head;

	/* Slices the application has moved past may be free already. */
	if (app->free_conn == IX_NIL && ev_head(app, &head))
		reclaim_zombies(app, head);
	idx = app->free_conn;
	if (idx == IX_NIL)
		return IX_NIL;
	c = &app->conn[idx];
	app->free_conn = c->next;
	WRITE_ONCE(app->nused, app->nused + 1);
	/* A slot freed while listed stays listed: never list it twice. */
	dirty = c->dirty;
	memset(c, 0, sizeof(*c));
	c->dirty = dirty;
	c->next = IX_NIL;
	return idx;
}

void app_conn_free(struct ixdp_app *app, u32 idx)
{
	struct app_conn *c = &app->conn[idx];

	c->state = CONN_FREE;
	c->pend = 0;
	WRITE_ONCE(app->nused, app->nused - 1);
	c->next = app->free_conn;
	app->free_conn = idx;
}

void app_mark_dirty(struct ixdp_app *app, u32 idx)
{
	struct app_conn *c = &app->conn[idx];

	if (c->dirty)
		return;
	if (WARN_ON_ONCE(app->ndirty >= app->nconn))
		return;
	c->dirty = true;
	app->dirty[app->ndirty++] = idx;
}

void app_owner_set(struct ixdp_core *dp, u64 handle, struct ixdp_app *app,
		   u32 idx)
{
	struct dp_owner *o = &dp->apps->owner[(u32)handle];

	if (!o->used)
		dp->apps->nowned++;
	o->handle = handle;
	o->app = app->slot;
	o->conn = idx;
	o->used = true;
}

void app_owner_clear(struct ixdp_core *dp, u64 handle)
{
	struct ixdp_core_apps *da = dp->apps;
	u32 slot = (u32)handle;

	if (slot < da->nconn && da->owner[slot].used &&
	    da->owner[slot].handle == handle) {
		da->owner[slot].used = false;
		da->nowned--;
	}
}

static struct dp_owner *owner_of(struct ixdp_core_apps *da, u64 handle)
{
	u32 slot = (u32)handle;

	if (slot >= da->nconn || !da->owner[slot].used ||
	    da->owner[slot].handle != handle)
		return NULL;
	return &da->owner[slot];
}

static void defer(struct ixdp_core *dp, u8 op, u64 handle)
{
	struct ixdp_core_apps *da = dp->apps;

	/* One entry per core connection at most: cannot fill. */
	if (WARN_ON_ONCE(da->ndefer >= da->nconn))
		return;
	da->defer[da->ndefer].handle = handle;
	da->defer[da->ndefer].op = op;
	da->ndefer++;
}

static void run_deferred(struct ixdp_core *dp)
{
	struct ixdp_core_apps *da = dp->apps;
	u32 i;

	for (i = 0; i < da->ndefer; i++) {
		if (da->defer[i].op == DEFER_REJECT)
			ix_tcp_reject(dp->stack, da->defer[i].handle);
		else
			ix_tcp_abort(dp->stack, da->defer[i].handle);
	}
	da->ndefer = 0;
}

/* ------------------------------------------------------------------ */
/* Routing the core's events (inside the core)                        */
/* ------------------------------------------------------------------ */

static struct dp_listener *listener_of(struct ixdp_core_apps *da, u16 port)
{
	unsigned int i;

	for (i = 0; i < IX_LISTEN_MAX; i++)
		if (da->listen[i].used && da->listen[i].port == port)
			return &da->listen[i];
	return NULL;
}

static bool same_user(const struct ixdp_app *a, const struct ixdp_app *b)
{
	return uid_eq(a->cred->euid, b->cred->euid);
}

/*
 * Contexts of the user @euid on the core. Registration changes under
 * ixdp_core_lock, which the callers hold (or they run on the kthread).
 */
unsigned int ixdp_core_user_contexts(const struct ixdp_core *dp, kuid_t euid)
{
	const struct ixdp_core_apps *da = dp->apps;
	unsigned int i, n = 0;

	for (i = 0; i < IXDP_DP_APPS; i++)
		n += da->app[i] && uid_eq(da->app[i]->cred->euid, euid);
	return n;
}

/*
 * A user's share of a core's connection slots: half of them, whatever the
 * number of its contexts and processes, so that one user cannot fill the
 * core for another (the context slots: ixdp_app_register()).
 */
bool app_user_full(struct ixdp_core *dp, const struct ixdp_app *app)
{
	struct ixdp_core_apps *da = dp->apps;
	const struct ixdp_app *a;
	unsigned int i;
	u32 n = 0;

	for (i = 0; i < IXDP_DP_APPS; i++) {
		a = da->app[i];
		if (a && !a->dead && same_user(a, app))
			n += a->nused;
	}
	return n >= da->nconn / 2;
}

/* The listen backlog: connections of @l knocked and not yet answered. */
static bool backlog_full(const struct ixdp_app *app,
			 const struct dp_listener *l)
{
	u32 i, n = 0;

	for (i = 0; i < app->nconn; i++)
		if (app->conn[i].state == CONN_KNOCKED &&
		    app->conn[i].lport == l->port && ++n >= l->backlog)
			return true;
	return false;
}

static void on_knock(struct ixdp_core *dp, const struct dp_listener *l,
		     const struct ix_event *ev)
{
	struct ixdp_app *app = dp->apps->app[l->app];
	struct app_conn *c;
	u32 idx;

	if (!app->dead && backlog_full(app, l)) {
		/* As Linux with tcp_abort_on_overflow: a reset. */
		app->dst->app_backlog_drops++;
		defer(dp, DEFER_REJECT, ev->handle);
		return;
	}
	if (!app->dead && app_user_full(dp, app)) {
		app->dst->app_share_drops++;
		defer(dp, DEFER_REJECT, ev->handle);
		return;
	}
	idx = app->dead ? IX_NIL : app_conn_alloc(app);
	if (idx == IX_NIL) {
		app->dst->app_knock_drops++;
		defer(dp, DEFER_REJECT, ev->handle);
		return;
	}
	c = &app->conn[idx];
	c->state = CONN_KNOCKED;
	c->handle = ev->handle;
	c->peer_ip = cpu_to_be32(ev->ip);
	c->peer_port = ev->port;
	c->lport = ev->lport;
	c->pend = CP_KNOCK;
	app_owner_set(dp, ev->handle, app, idx);
	app_mark_dirty(app, idx);
}

static void on_connected(struct ixdp_core *dp, const struct ix_event *ev)
{
	struct ixdp_core_apps *da = dp->apps;
	unsigned int slot = (ev->cookie >> 32) & 0xff;
	u16 gen = (ev->cookie >> 40) & 0xffff;
	u32 idx = (u32)ev->cookie;
	struct ixdp_app *app = slot < IXDP_DP_APPS ? da->app[slot] : NULL;
	struct app_conn *c;

	if (!app || app->dead || app->gen != gen || idx >= app->nconn ||
	    app->conn[idx].state != CONN_CONNECTING) {
		/* The context went away while connecting. */
		if (!ev->status)
			defer(dp, DEFER_ABORT, ev->handle);
		return;
	}
	c = &app->conn[idx];
	c->status = ev->status;
	c->pend |= CP_CONNECTED;
	if (!ev->status) {
		c->handle = ev->handle;
		c->state = CONN_OPEN;
		app_owner_set(dp, ev->handle, app, idx);
	}
	app_mark_dirty(app, idx);
}

/* Copy received payload into the connection's slice, at wr. */
static void on_recv(struct ixdp_core *dp, struct ixdp_app *app, u32 idx,
		    const struct ix_event *ev)
{
	struct app_conn *c = &app->conn[idx];
	u32 size = 1U << app->slice_shift, off, first;
	u8 *slice = app->rx + app_slice(app, idx);

	if (!ev->len) {
		c->pend |= CP_EOF;
		return;
	}
	if (unlikely(c->wr - c->rd + ev->len > size)) {
		/* The core overran its window: never expected. */
		pr_warn_ratelimited("connection overran its RX slice\n");
		defer(dp, DEFER_ABORT, c->handle);
		app_owner_clear(dp, c->handle);
		c->state = CONN_DYING;
		c->status = -EIO;
		c->pend = CP_DEAD;
		c->wr = c->ann;
		return;
	}
	off = c->wr & (size - 1);
	first = min(ev->len, size - off);
	memcpy(slice + off, ev->data, first);
	if (first < ev->len)
		memcpy(slice, ev->data + first, ev->len - first);
	c->wr += ev->len;
	/*
	 * The bytes live in the slice now: the core's buffer goes back to
	 * the pool at once, while the window stays closed on them until
	 * recv_done. A slow application holds its slices, never the pool.
	 */
	ix_stack_rx_consumed(dp->stack);
}

static void on_conn_event(struct ixdp_core *dp, struct dp_owner *o,
			  const struct ix_event *ev)
{
	struct ixdp_app *app = dp->apps->app[o->app];
	u32 idx = o->conn;
	struct app_conn *c;

	if (!app || app->dead)
		return;
	c = &app->conn[idx];
	switch (ev->type) {
	case IX_EV_RECV:
		on_recv(dp, app, idx, ev);
		break;
	case IX_EV_SENT:
		c->sent += ev->len;
		c->window = ev->window;
		break;
	case IX_EV_DEAD:
		app_owner_clear(dp, ev->handle);
		if (c->state == CONN_KNOCKED && (c->pend & CP_KNOCK)) {
			/* Never shown to the application: forget it. */
			app_conn_free(app, idx);
			return;
		}
		c->state = CONN_DYING;
		c->status = ev->status;
		c->pend |= CP_DEAD;
		break;
	default:
		return;
	}
	app_mark_dirty(app, idx);
}

/*
 * The core's event hook, asked first for every event of a dataplane
 * core: those of attached contexts are handled here (true), the rest go
 * on to the next client, the built-in responder.
 */
static bool apps_event(struct ixdp_core *dp, const struct ix_event *ev)
{
	struct ixdp_core_apps *da = dp->apps;
	struct dp_listener *l;
	struct dp_owner *o;

	switch (ev->type) {
	case IX_EV_KNOCK:
		if (ev->lport == ixdp_responder_port(dp->resp))
			break;
		l = listener_of(da, ev->lport);
		if (l && da->app[l->app])
			on_knock(dp, l, ev);
		else
			defer(dp, DEFER_REJECT, ev->handle);
		return true;
	case IX_EV_CONNECTED:
		if (ev->cookie & APP_COOKIE) {
			on_connected(dp, ev);
			return true;
		}
		break;
	default:
		o = owner_of(da, ev->handle);
		if (o) {
			on_conn_event(dp, o, ev);
			return true;
		}
		if (ev->cookie & APP_COOKIE)
			return true;
		break;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* The event ring                                                     */
/* ------------------------------------------------------------------ */

/*
 * The application's ev_head, trusted only as far as it is consistent: one
 * more than ev_entries behind the tail is impossible, and a context that
 * writes it only stops its own events.
 */
static bool ev_head(const struct ixdp_app *app, u32 *head)
{
	u32 h = READ_ONCE(*app->ev_head);

	if (app->ev_tail - h > app->ev_entries)
		return false;
	*head = h;
	return true;
}

bool app_ev_room(const struct ixdp_app *app)
{
	u32 h;

	return ev_head(app, &h) && app->ev_tail - h < app->ev_entries;
}

/* Write one event at the private tail; published by flush. */
void app_emit(struct ixdp_app *app, u8 type, s32 status, u64 cookie,
	      u64 handle, u64 a0, u64 a1, u64 a2)
{
	struct ixdp_event *e = &app->evs[app->ev_tail & (app->ev_entries - 1)];

	e->type = type;
	memset(e->resv0, 0, sizeof(e->resv0));
	e->status = status;
	e->cookie = cookie;
	e->handle = handle;
	e->arg[0] = a0;
	e->arg[1] = a1;
	e->arg[2] = a2;
	app->ev_tail++;
	app->nevents++;
	app->dst->app_events++;
}

/* Write what @c owes while there is room; true when nothing is left. */
static bool conn_flush(struct ixdp_app *app, u32 idx, u32 *room)
{
	struct app_conn *c = &app->conn[idx];
	u32 size = 1U << app->slice_shift, off, len;

	if (c->pend & CP_KNOCK) {
		if (!*room)
			return false;
		app_emit(app, IXDP_EV_KNOCK, 0, 0, c->handle,
			 (__force u32)c->peer_ip,
			 c->peer_port, c->lport);
		c->pend &= ~CP_KNOCK;
		(*room)--;
	}
	if (c->pend & CP_CONNECTED) {
		if (!*room)
			return false;
		app_emit(app, IXDP_EV_CONNECTED, c->status, c->cookie,
			 c->status ? 0 : c->handle, (__force u32)c->peer_ip,
			 c->peer_port, 0);
		c->pend &= ~CP_CONNECTED;
		(*room)--;
		if (c->status) {
			app_conn_free(app, idx);
			return true;
		}
	}
	while (c->ann != c->wr) {
		if (!*room)
			return false;
		off = c->ann & (size - 1);
		len = min(c->wr - c->ann, size - off);
		app_emit(app, IXDP_EV_RECV, 0, c->cookie, c->handle,
			 app_slice(app, idx) + off, len, 0);
		c->ann += len;
		(*room)--;
	}
	if (c->pend & CP_EOF) {
		if (!*room)
			return false;
		app_emit(app, IXDP_EV_RECV, 0, c->cookie, c->handle,
			 app_slice(app, idx) + (c->ann & (size - 1)), 0, 0);
		c->pend &= ~CP_EOF;
		(*room)--;
	}
	if (c->sent) {
		if (!*room)
			return false;
		app_emit(app, IXDP_EV_SENT, 0, c->cookie, c->handle, c->sent,
			 c->window, 0);
		c->sent = 0;
		(*room)--;
	}
	if (c->pend & CP_DEAD) {
		if (!*room)
			return false;
		app_emit(app, IXDP_EV_DEAD, c->status, c->cookie, c->handle,
			 0, 0, 0);
		c->pend &= ~CP_DEAD;
		(*room)--;
		/* Its bytes stay readable until the application is past it. */
		c->state = CONN_ZOMBIE;
		c->dead_at = app->ev_tail;
		c->next = IX_NIL;
		if (app->zombie_tail == IX_NIL)
			app->zombie_head = idx;
		else
			app->conn[app->zombie_tail].next = idx;
		app->zombie_tail = idx;
	}
	return true;
}

/* Free the slices of dead connections the application has moved past. */
static void reclaim_zombies(struct ixdp_app *app, u32 head)
{
	struct app_conn *c;
	u32 idx;

	while ((idx = app->zombie_head) != IX_NIL) {
		c = &app->conn[idx];
		if ((s32)(head - c->dead_at) < 0)
			break;
		app->zombie_head = c->next;
		if (app->zombie_head == IX_NIL)
			app->zombie_tail = IX_NIL;
		app_conn_free(app, idx);
	}
}

static void flush(struct ixdp_app *app)
{
	u32 head, room, i, n = 0, idx;

	if (!ev_head(app, &head)) {
		if (app->ndirty)
			app->dst->app_ring_full++;
		return;
	}
	reclaim_zombies(app, head);
	room = app->ev_entries - (app->ev_tail - head);
	for (i = 0; i < app->ndirty; i++) {
		idx = app->dirty[i];
		if (conn_flush(app, idx, &room))
			app->conn[idx].dirty = false;
		else
			app->dirty[n++] = idx;
	}
	if (n)
		app->dst->app_ring_full++;
	app->ndirty = n;
}

/* Publish the events written so far and wake a sleeping poller. */
static void publish(struct ixdp_app *app)
{
	if (READ_ONCE(*app->cq_ev_tail) == app->ev_tail)
		return;
	/* Release: the entries are visible before the new tail. */
	smp_store_release(app->cq_ev_tail, app->ev_tail);
	/* wq_has_sleeper() has the barrier that pairs with poll_wait(). */
	if (wq_has_sleeper(&app->wq))
		wake_up_interruptible_poll(&app->wq, EPOLLIN | EPOLLRDNORM);
}

/* ------------------------------------------------------------------ */
/* Teardown                                                           */
/* ------------------------------------------------------------------ */

void app_unlisten_all(struct ixdp_core *dp, struct ixdp_app *app)
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
void ixdp_app_kill(struct ixdp_core *dp, struct ixdp_app *app)
{
	struct app_conn *c;
	u32 i;

	if (app->dead)
		return;
	WRITE_ONCE(app->dead, true);
	app_unlisten_all(dp, app);
	for (i = 0; i < app->nconn; i++) {
		c = &app->conn[i];
		if (c->state == CONN_OPEN || c->state == CONN_KNOCKED) {
			app_owner_clear(dp, c->handle);
			ix_tcp_abort(dp->stack, c->handle);
		} else if (c->state == CONN_CONNECTING) {
			ix_tcp_abort_connecting(dp->stack, app_cookie(app, i));
		}
	}
	app->ndirty = 0;
	WRITE_ONCE(app->nused, 0);
	app->flags |= IXDP_CQ_DEAD;
	WRITE_ONCE(*app->cq_flags, app->flags);
	publish(app);
	wake_up_interruptible_poll(&app->wq, EPOLLERR);
}

/* ixdp_core_call() target: attach @arg to the core. */
int ixdp_app_register(struct ixdp_core *dp, void *arg)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app *app = arg;
	unsigned int i;

	/* Checked before the allocation too (core_share()); this decides. */
	if (!app->sys_resource &&
	    ixdp_core_user_contexts(dp, app->cred->euid) >= IXDP_USER_APPS)
		return -EDQUOT;
	for (i = 0; i < IXDP_DP_APPS; i++) {
		if (da->app[i])
			continue;
		app->slot = i;
		app->gen = ++da->next_gen;
		app->alive_check = jiffies + HZ / 10;
		app->dst = &dp->st;
		da->app[i] = app;
		da->napps++;
		return 0;
	}
	return -ENOSPC;
}

/* ixdp_core_call() target: end @arg and detach it from the core. */
int ixdp_app_unregister(struct ixdp_core *dp, void *arg)
{
	struct ixdp_app *app = arg;

	ixdp_app_kill(dp, app);
	run_deferred(dp);
	dp->apps->app[app->slot] = NULL;
	dp->apps->napps--;
	RCU_INIT_POINTER(app->dp, NULL);
	return 0;
}

/* The core goes away (kthread context): end every context. */
void ixdp_app_unregister_all(struct ixdp_core *dp)
{
	unsigned int i;

	for (i = 0; i < IXDP_DP_APPS; i++)
		if (dp->apps->app[i])
			ixdp_app_unregister(dp, dp->apps->app[i]);
}

/* ------------------------------------------------------------------ */
/* The loop step                                                      */
/* ------------------------------------------------------------------ */

/* A thread that attached and exited without closing the file. */
static void check_alive(struct ixdp_core *dp, struct ixdp_app *app)
{
	bool alive;

	if (time_before(jiffies, app->alive_check))
		return;
	app->alive_check = jiffies + HZ / 10;
	rcu_read_lock();
	alive = pid_has_task(app->pid, PIDTYPE_PID);
	rcu_read_unlock();
	if (!alive)
		ixdp_app_kill(dp, app);
}

/*
 * Once per loop, after the core has handled the frames: each live
 * context's commands (at most @budget each), then the calls they and the
 * core deferred, then every context's events. Returns the commands taken.
 */
unsigned int ixdp_core_apps_run(struct ixdp_core *dp, unsigned int budget)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app *app;
	unsigned int i, n = 0;

	if (!da->napps) {
		run_deferred(dp);
		return 0;
	}
	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		if (!app || app->dead)
			continue;
		check_alive(dp, app);
		if (!app->dead)
			n += ixdp_app_run_cmds(dp, app, budget);
	}
	run_deferred(dp);
	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		if (!app || app->dead)
			continue;
		flush(app);
		publish(app);
	}
	return n;
}

/* Commands are waiting in some context (lockless peek). */
bool ixdp_core_apps_pending(const struct ixdp_core *dp)
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
		    READ_ONCE(*app->cmd_tail) != app->cmd_head &&
		    app_ev_room(app))
			return true;
	}
	return false;
}

/* Events wait for room in some context's ring. */
bool ixdp_core_apps_backlog(const struct ixdp_core *dp)
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
bool ixdp_core_apps_prepare_sleep(struct ixdp_core *dp)
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

void ixdp_core_apps_woken(struct ixdp_core *dp)
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

/* Connections held by contexts, for the counters. */
u32 ixdp_core_apps_conns(const struct ixdp_core *dp)
{
	return dp->apps->nowned;
}

/* Run the core calls deferred while the core ran (rejects, aborts). */
void ixdp_core_apps_run_deferred(struct ixdp_core *dp)
{
	run_deferred(dp);
}

/*
 * Does an attached context know this connection of the core (by its
 * handle, or by its cookie while connecting)? Such a connection cannot
 * follow its flow group to another core yet.
 */
bool ixdp_core_apps_bound(struct ixdp_core *dp, u64 handle, u64 cookie,
			  bool bound)
{
	return owner_of(dp->apps, handle) || (bound && (cookie & APP_COOKIE));
}

static void apps_gauges(struct ixdp_core *dp)
{
	dp->st.apps = dp->apps->napps;
	dp->st.app_conns = dp->apps->nowned;
}

static void apps_destroy(struct ixdp_core *dp)
{
	ixdp_core_apps_destroy(dp->apps);
	dp->apps = NULL;
}

/* The application contexts as a client of their core (core.c). */
const struct ixdp_core_client_ops ixdp_app_client_ops = {
	.event		= apps_event,
	.run		= ixdp_core_apps_run,
	.pending	= ixdp_core_apps_pending,
	.backlog	= ixdp_core_apps_backlog,
	.prepare_sleep	= ixdp_core_apps_prepare_sleep,
	.woken		= ixdp_core_apps_woken,
	.gauges		= apps_gauges,
	.abort_all	= ixdp_app_unregister_all,
	.destroy	= apps_destroy,
};
