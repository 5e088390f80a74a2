// SPDX-License-Identifier: GPL-2.0
/*
 * The connections of application contexts, in the core's kthread: each
 * context's connection slots (free list, dirty list, the FIFO of dead
 * connections whose chunks the application may still read), their chunks
 * of the RX arena, a user's
 * share of the core's slots, and the core's tables: which context owns
 * a core connection, and the core calls deferred until the core returns.
 */
#include <linux/cred.h>
#include <linux/slab.h>

#include "app.h"

struct ixdp_core_apps *ixdp_app_conn_table_alloc(u32 nconn)
{
	struct ixdp_core_apps *da = kzalloc(sizeof(*da), GFP_KERNEL);

	if (!da)
		return NULL;
	da->nconn = nconn;
	da->owner = kvcalloc(nconn, sizeof(*da->owner), GFP_KERNEL);
	da->defer = kvcalloc(nconn, sizeof(*da->defer), GFP_KERNEL);
	if (!da->owner || !da->defer) {
		ixdp_app_conn_table_free(da);
		return NULL;
	}
	return da;
}

void ixdp_app_conn_table_free(struct ixdp_core_apps *da)
{
	if (!da)
		return;
	kvfree(da->owner);
	kvfree(da->defer);
	kfree(da);
}

/* Free dead connections (and their chunks) the application has moved past. */
void ixdp_app_conn_reclaim(struct ixdp_app *app, u32 head)
{
	struct ixdp_app_conn *c;
	u32 idx;

	while ((idx = app->zombie_head) != IX_NIL) {
		c = &app->conn[idx];
		if ((s32)(head - c->dead_at) < 0)
			break;
		app->zombie_head = c->next;
		if (app->zombie_head == IX_NIL)
			app->zombie_tail = IX_NIL;
		ixdp_app_conn_free(app, idx);
	}
}

u32 ixdp_app_conn_alloc(struct ixdp_app *app)
{
	struct ixdp_app_conn *c;
	bool dirty, listed;
	u32 idx, head, wait_next, wait_bytes;

	/* Connections the application has moved past may be free already. */
	if (app->free_conn == IX_NIL && ixdp_app_ev_head(app, &head))
		ixdp_app_conn_reclaim(app, head);
	idx = app->free_conn;
	if (idx == IX_NIL)
		return IX_NIL;
	c = &app->conn[idx];
	app->free_conn = c->next;
	WRITE_ONCE(app->nused, app->nused + 1);
	/* A slot freed while listed stays listed: never list it twice. */
	dirty = c->dirty;
	listed = c->wait_listed;
	wait_next = c->wait_next;
	wait_bytes = c->wait_bytes;
	memset(c, 0, sizeof(*c));
	c->dirty = dirty;
	c->wait_listed = listed;
	c->wait_next = wait_next;
	c->wait_bytes = wait_bytes;
	c->next = IX_NIL;
	c->head = IX_NIL;
	c->tail = IX_NIL;
	c->ann_chunk = IX_NIL;
	return idx;
}

/* Bytes @c can take now: the rest of its last chunk and the free chunks. */
u32 ixdp_app_conn_rx_room(const struct ixdp_app *app,
			  const struct ixdp_app_conn *c)
{
	u32 size = ixdp_app_chunk_size(app);
	u64 room = (u64)app->nfree_chunk << app->chunk_shift;

	if (c->tail != IX_NIL)
		room += size - (c->wr - app->chunk[c->tail].start);
	return min_t(u64, room, U32_MAX);
}

/* Copy @len received bytes to @c's stream at wr; the room was checked. */
void ixdp_app_conn_rx_append(struct ixdp_app *app, struct ixdp_app_conn *c,
			     const u8 *data, u32 len)
{
	u32 size = ixdp_app_chunk_size(app), off, n, k;

	while (len) {
		if (c->tail == IX_NIL ||
		    c->wr - app->chunk[c->tail].start == size) {
			k = app->free_chunk;
			if (WARN_ON_ONCE(k == IX_NIL))
				return;
			app->free_chunk = app->chunk[k].next;
			app->nfree_chunk--;
			app->chunk[k].next = IX_NIL;
			app->chunk[k].start = c->wr;
			if (c->tail == IX_NIL)
				c->head = k;
			else
				app->chunk[c->tail].next = k;
			c->tail = k;
			if (c->ann_chunk == IX_NIL)
				c->ann_chunk = k;
		}
		k = c->tail;
		off = c->wr - app->chunk[k].start;
		n = min(len, size - off);
		memcpy(app->rx + ((size_t)k << app->chunk_shift) + off, data, n);
		c->wr += n;
		data += n;
		len -= n;
	}
}

/*
 * No room for @idx's new bytes: they stay in the core's buffers, with the
 * connection's next ones, until ixdp_app_conn_rx_pull() finds room.
 */
bool ixdp_app_conn_rx_wait(struct ixdp_app *app, u32 idx, u32 len)
{
	struct ixdp_app_conn *c = &app->conn[idx];

	/*
	 * The core's buffers are shared: what one context leaves there is
	 * bounded (IXDP_APP_WAIT_MAX); past it, the connection ends.
	 */
	if (app->wait_bytes + len > IXDP_APP_WAIT_MAX)
		return false;
	app->wait_bytes += len;
	c->wait_bytes += len;
	c->waiting = true;
	if (c->wait_listed)
		return true;
	c->wait_listed = true;
	c->wait_next = app->wait_head;
	app->wait_head = idx;
	return true;
}

struct pull {
	struct ixdp_app *app;
	struct ixdp_app_conn *c;
};

/* As much of one waiting buffer as the arena has room for. */
static u32 pull_one(void *arg, const u8 *data, u32 len)
{
	struct pull *p = arg;

	len = min(len, ixdp_app_conn_rx_room(p->app, p->c));
	ixdp_app_conn_rx_append(p->app, p->c, data, len);
	p->c->wait_bytes -= len;
	p->app->wait_bytes -= len;
	return len;
}

/* Take what waits with the core into the arena while there is room. */
void ixdp_app_conn_rx_pull(struct ixdp_core *dp, struct ixdp_app *app)
{
	u32 *link = &app->wait_head, idx, wr;
	struct pull p = { .app = app };
	struct ixdp_app_conn *c;
	long left;

	while ((idx = *link) != IX_NIL) {
		c = &app->conn[idx];
		/* Adopted and not yet answered: it waits for the answer. */
		if (c->waiting && c->state == IXDP_CONN_KNOCKED && c->adopt) {
			link = &c->wait_next;
			continue;
		}
		left = 0;
		if (c->waiting && c->state == IXDP_CONN_OPEN) {
			p.c = c;
			wr = c->wr;
			left = ix_tcp_rx_pull(dp->stack, c->handle, pull_one, &p);
			if (c->wr != wr)
				ixdp_app_conn_mark_dirty(app, idx);
		}
		if (left > 0) {
			link = &c->wait_next;
			continue;
		}
		/* All taken, or the connection is gone: off the list. */
		*link = c->wait_next;
		app->wait_bytes -= c->wait_bytes;
		c->wait_bytes = 0;
		c->waiting = false;
		c->wait_listed = false;
		if (c->state == IXDP_CONN_OPEN && (c->pend & IXDP_PEND_EOF))
			ixdp_app_conn_mark_dirty(app, idx);
	}
}

static void chunk_put(struct ixdp_app *app, u32 k)
{
	app->chunk[k].next = app->free_chunk;
	app->free_chunk = k;
	app->nfree_chunk++;
}

/*
 * Give back @c's chunks whose bytes are all returned: the full ones below
 * rd, and the last one too once nothing is left to read.
 */
void ixdp_app_conn_rx_release(struct ixdp_app *app, struct ixdp_app_conn *c)
{
	u32 size = ixdp_app_chunk_size(app), k;

	while ((k = c->head) != IX_NIL &&
	       (c->rd - app->chunk[k].start >= size || c->rd == c->wr)) {
		c->head = app->chunk[k].next;
		chunk_put(app, k);
	}
	if (c->head == IX_NIL) {
		c->tail = IX_NIL;
		c->ann_chunk = IX_NIL;
	}
}

static void rx_drop(struct ixdp_app *app, struct ixdp_app_conn *c)
{
	u32 k;

	while ((k = c->head) != IX_NIL) {
		c->head = app->chunk[k].next;
		chunk_put(app, k);
	}
	c->tail = IX_NIL;
	c->ann_chunk = IX_NIL;
}

void ixdp_app_conn_free(struct ixdp_app *app, u32 idx)
{
	struct ixdp_app_conn *c = &app->conn[idx];

	rx_drop(app, c);
	c->state = IXDP_CONN_FREE;
	c->pend = 0;
	WRITE_ONCE(app->nused, app->nused - 1);
	c->next = app->free_conn;
	app->free_conn = idx;
}

/*
 * Slot @idx of @app holds the knocked connection @k names (handle, peer,
 * listener), its KNOCK event to be written: a passive open's, or one
 * another context handed over.
 */
void ixdp_app_conn_knocked(struct ixdp_core *dp, struct ixdp_app *app, u32 idx,
			   const struct ixdp_app_conn *k)
{
	struct ixdp_app_conn *c = &app->conn[idx];

	c->state = IXDP_CONN_KNOCKED;
	c->handle = k->handle;
	c->peer_ip = k->peer_ip;
	c->peer_port = k->peer_port;
	c->lport = k->lport;
	c->lslot = k->lslot;
	c->lgen = k->lgen;
	c->pend = IXDP_PEND_KNOCK;
	ixdp_app_conn_owner_set(dp, c->handle, app, idx);
	ixdp_app_conn_mark_dirty(app, idx);
}

/*
 * The knocked connection @c was answered or is gone: its listener, if the
 * same LISTEN still stands (not one on the same port since), counts one
 * fewer.
 */
void ixdp_app_conn_unknock(struct ixdp_core *dp, const struct ixdp_app_conn *c)
{
	struct ixdp_app_listener *l;

	if (c->lslot >= IX_LISTEN_MAX)
		return;
	l = &dp->apps->listen[c->lslot];
	if (l->used && l->gen == c->lgen && l->knocked)
		l->knocked--;
}

void ixdp_app_conn_mark_dirty(struct ixdp_app *app, u32 idx)
{
	struct ixdp_app_conn *c = &app->conn[idx];

	if (c->dirty)
		return;
	if (WARN_ON_ONCE(app->ndirty >= app->nconn))
		return;
	c->dirty = true;
	app->dirty[app->ndirty++] = idx;
}

/* @idx's dead event is written: its chunks wait for the application. */
void ixdp_app_conn_bury(struct ixdp_app *app, u32 idx)
{
	struct ixdp_app_conn *c = &app->conn[idx];

	c->state = IXDP_CONN_ZOMBIE;
	c->dead_at = app->cached_ev_tail;
	c->next = IX_NIL;
	if (app->zombie_tail == IX_NIL)
		app->zombie_head = idx;
	else
		app->conn[app->zombie_tail].next = idx;
	app->zombie_tail = idx;
}

static bool same_user(const struct ixdp_app *a, const struct ixdp_app *b)
{
	return uid_eq(a->cred->euid, b->cred->euid);
}

/*
 * A user's share of a core's connection slots: half of them, whatever the
 * number of its contexts and processes, so that one user cannot fill the
 * core for another (the context slots: ixdp_app_table_register()).
 */
bool ixdp_app_conn_user_full(struct ixdp_core *dp, const struct ixdp_app *app)
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

void ixdp_app_conn_owner_set(struct ixdp_core *dp, u64 handle,
			     struct ixdp_app *app, u32 idx)
{
	u32 slot = ix_stack_handle_slot(handle);
	struct ixdp_app_owner *o;

	if (WARN_ON_ONCE(slot >= dp->apps->nconn))
		return;
	o = &dp->apps->owner[slot];
	if (!o->used)
		dp->apps->nowned++;
	o->handle = handle;
	o->app = app->slot;
	o->conn = idx;
	o->used = true;
}

void ixdp_app_conn_owner_clear(struct ixdp_core *dp, u64 handle)
{
	struct ixdp_core_apps *da = dp->apps;
	u32 slot = ix_stack_handle_slot(handle);

	if (slot < da->nconn && da->owner[slot].used &&
	    da->owner[slot].handle == handle) {
		da->owner[slot].used = false;
		da->nowned--;
	}
}

struct ixdp_app_owner *ixdp_app_conn_owner_of(struct ixdp_core_apps *da,
					      u64 handle)
{
	u32 slot = ix_stack_handle_slot(handle);

	if (slot >= da->nconn || !da->owner[slot].used ||
	    da->owner[slot].handle != handle)
		return NULL;
	return &da->owner[slot];
}

void ixdp_app_conn_defer(struct ixdp_core *dp, u8 op, u64 handle)
{
	struct ixdp_core_apps *da = dp->apps;

	/* One entry per core connection at most: cannot fill. */
	if (WARN_ON_ONCE(da->ndefer >= da->nconn))
		return;
	da->defer[da->ndefer].handle = handle;
	da->defer[da->ndefer].op = op;
	da->ndefer++;
}

void ixdp_app_conn_run_deferred(struct ixdp_core *dp)
{
	struct ixdp_core_apps *da = dp->apps;
	u32 i;

	for (i = 0; i < da->ndefer; i++) {
		if (da->defer[i].op == IXDP_DEFER_REJECT)
			ix_tcp_reject(dp->stack, da->defer[i].handle);
		else
			ix_tcp_abort(dp->stack, da->defer[i].handle);
	}
	da->ndefer = 0;
}
