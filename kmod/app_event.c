// SPDX-License-Identifier: GPL-2.0
/*
 * The event ring of application contexts, in the core's kthread: events
 * are written at the private tail, per connection in the order
 * knock/connected, recv, end of stream, sent, dead, for as long as the
 * ring has room, then published. A full ring therefore loses nothing:
 * received bytes wait in the arena (the core's receive window keeps the
 * peer within what it holds), acknowledged bytes add up, and the core stops taking
 * the context's commands until the application makes room.
 */
#include <linux/poll.h>
#include <linux/wait.h>

#include "app.h"

bool ixdp_app_event_room(const struct ixdp_app *app)
{
	u32 h;

	return ixdp_app_ev_head(app, &h) &&
	       app->cached_ev_tail - h < app->ev_entries;
}

/* Write one event at the private tail; published by flush. */
void ixdp_app_event_emit(struct ixdp_app *app, u8 type, s32 status, u64 cookie,
			 u64 handle, u64 a0, u64 a1, u64 a2)
{
	u32 i = app->cached_ev_tail & (app->ev_entries - 1);
	struct ixdp_event *e = &app->evs[i];

	e->type = type;
	memset(e->resv0, 0, sizeof(e->resv0));
	e->status = status;
	e->cookie = cookie;
	e->handle = handle;
	e->arg[0] = a0;
	e->arg[1] = a1;
	e->arg[2] = a2;
	app->cached_ev_tail++;
	app->nevents++;
	ixdp_core_stats_inc(app->dst, app_events);
}

/* One event of connection @c, if the ring has @room left. */
static bool emit_conn(struct ixdp_app *app, u32 *room, u8 type, s32 status,
		      u64 cookie, u64 handle, u64 a0, u64 a1, u64 a2)
{
	if (!*room)
		return false;
	ixdp_app_event_emit(app, type, status, cookie, handle, a0, a1, a2);
	(*room)--;
	return true;
}

/* Write what @c owes while there is room; true when nothing is left. */
static bool conn_flush(struct ixdp_app *app, u32 idx, u32 *room)
{
	struct ixdp_app_conn *c = &app->conn[idx];
	u32 size = ixdp_app_chunk_size(app), off, len, acked, k;
	/* Acknowledged bytes ride on the last RECV, if it is asked for. */
	bool carry = (app->params.flags & IXDP_ATTACH_RECV_ACKED) &&
		     c->sent && c->window;

	if (c->pend & IXDP_PEND_KNOCK) {
		if (!emit_conn(app, room, IXDP_EV_KNOCK, 0, 0, c->handle,
			       (__force u32)c->peer_ip, c->peer_port, c->lport))
			return false;
		c->pend &= ~IXDP_PEND_KNOCK;
	}
	if (c->pend & IXDP_PEND_ADOPT) {
		if (!emit_conn(app, room, IXDP_EV_ADOPT, 0, 0, c->handle,
			       c->token, c->ann | (u64)c->tx_pos << 32,
			       (__force u32)c->peer_ip |
			       (u64)c->peer_port << 32 |
			       (u64)c->lport << 48))
			return false;
		c->pend &= ~IXDP_PEND_ADOPT;
	}
	/* Nothing more until the answer (ixdp_app_move_accept()). */
	if (c->state == IXDP_CONN_KNOCKED)
		return true;
	if (c->pend & IXDP_PEND_CONNECTED) {
		if (!emit_conn(app, room, IXDP_EV_CONNECTED, c->status,
			       c->cookie, c->status ? 0 : c->handle,
			       (__force u32)c->peer_ip, c->peer_port, 0))
			return false;
		c->pend &= ~IXDP_PEND_CONNECTED;
		if (c->status) {
			ixdp_app_conn_free(app, idx);
			return true;
		}
	}
	/* One RECV per chunk the new bytes lie in. */
	while (c->ann != c->wr) {
		k = c->ann_chunk;
		off = c->ann - app->chunk[k].start;
		len = min(c->wr - c->ann, size - off);
		acked = carry && c->ann + len == c->wr ? c->sent : 0;
		if (!emit_conn(app, room, IXDP_EV_RECV, 0, c->cookie, c->handle,
			       ((u64)k << app->chunk_shift) + off, len, acked))
			return false;
		c->ann += len;
		c->sent -= acked;
		if (off + len == size)
			c->ann_chunk = app->chunk[k].next;
	}
	/* The end of the stream comes after the bytes that wait. */
	if ((c->pend & IXDP_PEND_EOF) && !c->waiting) {
		if (!emit_conn(app, room, IXDP_EV_RECV, 0, c->cookie, c->handle,
			       0, 0, 0))
			return false;
		c->pend &= ~IXDP_PEND_EOF;
	}
	if (c->sent || c->room_news) {
		if (!emit_conn(app, room, IXDP_EV_SENT, 0, c->cookie, c->handle,
			       c->sent, c->window, 0))
			return false;
		c->sent = 0;
		c->room_news = false;
	}
	if (c->pend & IXDP_PEND_MOVED) {
		if (!emit_conn(app, room, IXDP_EV_MOVED, 0, c->cookie,
			       c->handle, c->token,
			       c->wr | (u64)c->tx_pos << 32, c->move_flags))
			return false;
		c->pend &= ~IXDP_PEND_MOVED;
		/* Its bytes stay readable until the application is past it. */
		ixdp_app_conn_bury(app, idx);
		return true;
	}
	if (c->pend & IXDP_PEND_DEAD) {
		if (!emit_conn(app, room, IXDP_EV_DEAD, c->status, c->cookie,
			       c->handle, 0, 0, 0))
			return false;
		c->pend &= ~IXDP_PEND_DEAD;
		/* Its bytes stay readable until the application is past it. */
		ixdp_app_conn_bury(app, idx);
	}
	return true;
}

void ixdp_app_event_flush(struct ixdp_app *app)
{
	u32 head, room, i, n = 0, idx;

	if (!ixdp_app_ev_head(app, &head)) {
		if (app->ndirty)
			ixdp_core_stats_inc(app->dst, app_ring_full);
		return;
	}
	ixdp_app_conn_reclaim(app, head);
	room = app->ev_entries - (app->cached_ev_tail - head);
	for (i = 0; i < app->ndirty; i++) {
		idx = app->dirty[i];
		if (conn_flush(app, idx, &room))
			app->conn[idx].dirty = false;
		else
			app->dirty[n++] = idx;
	}
	if (n)
		ixdp_core_stats_inc(app->dst, app_ring_full);
	app->ndirty = n;
}

/* Publish the events written so far and wake a sleeping poller. */
void ixdp_app_event_publish(struct ixdp_app *app)
{
	if (READ_ONCE(*app->cq_ev_tail) == app->cached_ev_tail)
		return;
	/* Release: the entries are visible before the new tail. */
	smp_store_release(app->cq_ev_tail, app->cached_ev_tail);
	/* wq_has_sleeper() has the barrier that pairs with poll_wait(). */
	if (wq_has_sleeper(&app->wq))
		wake_up_interruptible_poll(&app->wq, EPOLLIN | EPOLLRDNORM);
}
