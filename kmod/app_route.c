// SPDX-License-Identifier: GPL-2.0
/*
 * Routing the TCP/IP stack's events to application contexts, in the
 * core's kthread and inside the core: the core asks
 * ixdp_app_route_event() first for every event, synchronously, so the
 * router only records what happened in the connection (bytes in its
 * chunks of the RX arena, pending-event bits) and puts the connection on its context's
 * dirty list (the event writer, app_event.c, writes the events later);
 * calls back into the core (reject, abort) are deferred until the core
 * has returned (app_conn.c). Events of no context go on to the core's
 * next client, the built-in responder. The core's receive buffers are
 * returned as soon as their bytes are in the arena.
 */
#include "app.h"

static struct ixdp_app_listener *
listener_of(struct ixdp_core_apps *da, u16 port)
{
	unsigned int i;

	for (i = 0; i < IX_LISTEN_MAX; i++)
		if (da->listen[i].used && da->listen[i].port == port)
			return &da->listen[i];
	return NULL;
}

static void on_knock(struct ixdp_core *dp, struct ixdp_app_listener *l,
		     const struct ix_event *ev)
{
	struct ixdp_app *app = dp->apps->app[l->app];
	struct ixdp_app_conn k = {};
	u32 idx;

	/* The listen backlog: knocked and not yet answered. */
	if (!app->dead && l->knocked >= l->backlog) {
		/*
		 * The stack leaves handshakes to a full listener unfinished
		 * (ixdp_app_route_accept_full()), so this is only the bound's
		 * last line: a reset, as tcp_abort_on_overflow would.
		 */
		ixdp_core_stats_inc(app->dst, app_backlog_drops);
		ixdp_app_conn_defer(dp, IXDP_DEFER_REJECT, ev->handle);
		return;
	}
	if (!app->dead && ixdp_app_conn_user_full(dp, app)) {
		ixdp_core_stats_inc(app->dst, app_share_drops);
		ixdp_app_conn_defer(dp, IXDP_DEFER_REJECT, ev->handle);
		return;
	}
	idx = app->dead ? IX_NIL : ixdp_app_conn_alloc(app);
	if (idx == IX_NIL) {
		ixdp_core_stats_inc(app->dst, app_knock_drops);
		ixdp_app_conn_defer(dp, IXDP_DEFER_REJECT, ev->handle);
		return;
	}
	k.handle = ev->handle;
	k.peer_ip = cpu_to_be32(ev->ip);
	k.peer_port = ev->port;
	k.lport = ev->lport;
	k.lslot = l - dp->apps->listen;
	k.lgen = l->gen;
	l->knocked++;
	ixdp_app_conn_knocked(dp, app, idx, &k);
}

static void on_connected(struct ixdp_core *dp, const struct ix_event *ev)
{
	struct ixdp_core_apps *da = dp->apps;
	unsigned int slot = ixdp_app_cookie_slot(ev->cookie);
	u16 gen = ixdp_app_cookie_gen(ev->cookie);
	u32 idx = ixdp_app_cookie_conn(ev->cookie);
	struct ixdp_app *app = slot < IXDP_DP_APPS ? da->app[slot] : NULL;
	struct ixdp_app_conn *c;

	if (!app || app->dead || app->gen != gen || idx >= app->nconn ||
	    app->conn[idx].state != IXDP_CONN_CONNECTING) {
		/* The context went away while connecting. */
		if (!ev->status)
			ixdp_app_conn_defer(dp, IXDP_DEFER_ABORT, ev->handle);
		return;
	}
	c = &app->conn[idx];
	c->status = ev->status;
	c->pend |= IXDP_PEND_CONNECTED;
	if (!ev->status) {
		c->handle = ev->handle;
		c->state = IXDP_CONN_OPEN;
		ixdp_app_conn_owner_set(dp, ev->handle, app, idx);
	}
	ixdp_app_conn_mark_dirty(app, idx);
}

/* Copy received payload into the connection's chunks, at wr. */
static void on_recv(struct ixdp_core *dp, struct ixdp_app *app, u32 idx,
		    const struct ix_event *ev)
{
	struct ixdp_app_conn *c = &app->conn[idx];

	if (!ev->len) {
		c->pend |= IXDP_PEND_EOF;
		return;
	}
	if (unlikely(c->waiting || ixdp_app_conn_rx_room(app, c) < ev->len)) {
		/*
		 * The core checks the room before it takes a segment, but
		 * bytes taken earlier (out of order, or before the accept)
		 * may meet an arena that other connections filled since:
		 * they wait in the core's buffers, the next ones behind them.
		 */
		ixdp_core_stats_inc(app->dst, app_rx_waits);
		if (ixdp_app_conn_rx_wait(app, idx, ev->len)) {
			/* Pulled by count: the core may join its buffers. */
			ix_stack_rx_deferred(dp->stack);
			return;
		}
		/* Too much waits already: this connection ends. */
		ixdp_core_stats_inc(app->dst, app_knock_drops);
		ixdp_app_conn_defer(dp, IXDP_DEFER_ABORT, c->handle);
		ixdp_app_conn_owner_clear(dp, c->handle);
		c->state = IXDP_CONN_DYING;
		c->status = -ENOBUFS;
		c->pend = IXDP_PEND_DEAD;
		c->wr = c->ann;
		ixdp_app_conn_mark_dirty(app, idx);
		return;
	}
	ixdp_app_conn_rx_append(app, c, ev->data, ev->len);
	/*
	 * The bytes live in the arena now: the core's buffer goes back to
	 * the pool at once, while the window stays closed on them until
	 * recv_done. A slow application holds its arena, never the pool.
	 */
	ix_stack_rx_consumed(dp->stack);
}

static void on_conn_event(struct ixdp_core *dp, struct ixdp_app_owner *o,
			  const struct ix_event *ev)
{
	struct ixdp_app *app = dp->apps->app[o->app];
	u32 idx = o->conn;
	struct ixdp_app_conn *c;

	if (!app || app->dead)
		return;
	c = &app->conn[idx];
	switch (ev->type) {
	case IX_EV_RECV:
		on_recv(dp, app, idx, ev);
		break;
	case IX_EV_SENT:
		/* Bytes taken on the core it came from were reported there. */
		if (unlikely(c->tx_skip)) {
			u32 n = min(c->tx_skip, ev->len);

			c->tx_skip -= n;
			c->sent += ev->len - n;
			/* The room they held is news all the same. */
			c->room_news = true;
		} else {
			c->sent += ev->len;
		}
		c->window = ev->window;
		break;
	case IX_EV_DEAD:
		ixdp_app_conn_owner_clear(dp, ev->handle);
		if (c->state == IXDP_CONN_KNOCKED)
			ixdp_app_conn_unknock(dp, c);
		if (c->state == IXDP_CONN_KNOCKED &&
		    (c->pend & IXDP_PEND_KNOCK)) {
			/* Never shown to the application: forget it. */
			ixdp_app_conn_free(app, idx);
			return;
		}
		if (c->adopt) {
			/*
			 * Adopted, and dead before the answer: the ADOPT
			 * still comes, then DEAD, neither with a cookie,
			 * as for a knock.
			 */
			c->wr = c->ann;
			c->sent = 0;
			c->room_news = false;
			c->pend &= IXDP_PEND_ADOPT;
		}
		c->state = IXDP_CONN_DYING;
		c->status = ev->status;
		c->pend |= IXDP_PEND_DEAD;
		/* What waited went with the core's connection. */
		c->waiting = false;
		app->wait_bytes -= c->wait_bytes;
		c->wait_bytes = 0;
		break;
	default:
		return;
	}
	ixdp_app_conn_mark_dirty(app, idx);
}

/*
 * Bytes the connection @handle can take now, for the core's receive
 * window: the room in its context's arena; U32_MAX if no context owns it.
 */
u32 ixdp_app_route_rx_room(struct ixdp_core *dp, u64 handle)
{
	struct ixdp_app_owner *o = ixdp_app_conn_owner_of(dp->apps, handle);
	struct ixdp_app *app;

	if (!o)
		return U32_MAX;
	app = dp->apps->app[o->app];
	if (!app || app->dead)
		return U32_MAX;
	return ixdp_app_conn_rx_room(app, &app->conn[o->conn]);
}

/*
 * The listener on @lport has as many knocked connections as its backlog
 * takes: the core leaves the next handshakes unfinished (Linux's
 * behaviour) rather than reset them.
 */
bool ixdp_app_route_accept_full(struct ixdp_core *dp, u16 lport)
{
	struct ixdp_app_listener *l = listener_of(dp->apps, lport);

	return l && l->knocked >= l->backlog;
}

/*
 * The core's event hook, asked first for every event of a dataplane
 * core: those of attached contexts are handled here (true), the rest go
 * on to the next client, the built-in responder.
 */
bool ixdp_app_route_event(struct ixdp_core *dp, const struct ix_event *ev)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app_listener *l;
	struct ixdp_app_owner *o;

	switch (ev->type) {
	case IX_EV_KNOCK:
		if (ev->lport == ixdp_responder_port(dp->resp))
			break;
		l = listener_of(da, ev->lport);
		if (l && da->app[l->app])
			on_knock(dp, l, ev);
		else
			ixdp_app_conn_defer(dp, IXDP_DEFER_REJECT, ev->handle);
		return true;
	case IX_EV_CONNECTED:
		if (ixdp_app_cookie_is_app(ev->cookie)) {
			on_connected(dp, ev);
			return true;
		}
		break;
	default:
		o = ixdp_app_conn_owner_of(da, ev->handle);
		if (o) {
			on_conn_event(dp, o, ev);
			return true;
		}
		if (ixdp_app_cookie_is_app(ev->cookie))
			return true;
		break;
	}
	return false;
}
