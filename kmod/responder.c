// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in TCP test service of a dataplane core, in use until
 * applications attach through /dev/ixdp: "echo" sends every byte back,
 * "discard" consumes it. It is also the event sink of the core.
 *
 * Echo is zero-copy, as an ixdp application's would be: the received
 * bytes are sent by reference straight from the receive buffers, and are
 * returned to the core (recv_done) only when the peer has acknowledged
 * their echo (the "sent" event), since a retransmission reads them again.
 * Bytes come back in the order they arrived, so the count of acknowledged
 * bytes is exactly the count to return.
 *
 * Like an application behind the event ring, the responder never calls
 * into the core from inside the core: events are queued while the core
 * runs and acted on by ixdp_responder_run() once it has returned.
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ixdp.h"
#include "dataplane.h"

/* Received bytes not yet taken by sendv, in arrival order. */
struct resp_chunk {
	const u8 *data;
	u32 len;
	u32 next;
};

struct resp_conn {
	u64 handle;
	u32 head, tail;		/* chunk FIFO, IX_NIL when empty */
	bool used;
	bool eof;
	bool closed;
	bool dirty;		/* on the dirty list: push after the batch */
};

#define RESP_IOV	16	/* chunks offered to one sendv */

#define RESP_EVQ	16384	/* power of two */

struct ixdp_responder {
	struct ixdp_core *dp;
	u32 evq_head, evq_tail;
	u64 evq_overflow;
	struct ix_event *evq;
	u16 port;		/* listening port, 0 if none */
	u8 mode;
	u32 nconn;
	u32 hi;			/* conn[] at and above it never used */
	struct resp_conn *conn;
	u32 nchunk;
	struct resp_chunk *chunk;
	u32 free_chunk;		/* free list through next */
	u32 ndirty;
	u32 *dirty;		/* connections to push after this batch */
};

static void responder_free(struct ixdp_responder *r)
{
	kvfree(r->conn);
	kvfree(r->chunk);
	kvfree(r->evq);
	kvfree(r->dirty);
	kfree(r);
}

static const struct ixdp_core_client_ops responder_ops;

/*
 * Give @dp its responder and register it as the core's last client, the
 * one that takes every event no other client took (before it starts).
 */
int ixdp_responder_create(struct ixdp_core *dp)
{
	struct ixdp_responder *r;
	u32 i;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->dp = dp;
	r->nconn = dp->stack->cfg.nconn;
	/* A chunk per receive buffer at most. */
	r->nchunk = dp->stack->cfg.nrxbuf;
	r->conn = kvcalloc(r->nconn, sizeof(*r->conn), GFP_KERNEL);
	r->chunk = kvcalloc(r->nchunk, sizeof(*r->chunk), GFP_KERNEL);
	r->evq = kvcalloc(RESP_EVQ, sizeof(*r->evq), GFP_KERNEL);
	r->dirty = kvcalloc(r->nconn, sizeof(*r->dirty), GFP_KERNEL);
	if (!r->conn || !r->chunk || !r->evq || !r->dirty) {
		responder_free(r);
		return -ENOMEM;
	}
	for (i = 0; i < r->nchunk; i++)
		r->chunk[i].next = i + 1 < r->nchunk ? i + 1 : IX_NIL;
	r->free_chunk = 0;
	dp->resp = r;
	ixdp_core_client_add(dp, &responder_ops);
	return 0;
}

static struct ix_stack *core_of(struct ixdp_responder *r)
{
	return r->dp->stack;
}

static void conn_release(struct ixdp_responder *r, struct resp_conn *c)
{
	u32 i, next;

	for (i = c->head; i != IX_NIL; i = next) {
		next = r->chunk[i].next;
		r->chunk[i].next = r->free_chunk;
		r->free_chunk = i;
	}
	memset(c, 0, sizeof(*c));
}

/*
 * Offer the queued chunks to sendv, RESP_IOV at a time, until it takes no
 * more: one call per batch lets the core fill whole segments from several
 * received pieces, as an application coalescing its writes would.
 */
static void conn_push(struct ixdp_responder *r, struct resp_conn *c)
{
	struct ix_iov iov[RESP_IOV];
	struct resp_chunk *k;
	long total, n;
	u32 i, cnt;

	while (c->head != IX_NIL) {
		total = 0;
		for (cnt = 0, i = c->head; i != IX_NIL && cnt < RESP_IOV;
		     i = r->chunk[i].next, cnt++) {
			iov[cnt].base = r->chunk[i].data;
			iov[cnt].len = r->chunk[i].len;
			total += r->chunk[i].len;
		}
		n = ix_tcp_sendv(core_of(r), c->handle, iov, cnt);
		if (n <= 0)
			break;
		total -= n;
		while (n) {
			k = &r->chunk[c->head];
			if (n < k->len) {
				k->data += n;
				k->len -= n;
				break;
			}
			n -= k->len;
			c->head = k->next;
			if (c->head == IX_NIL)
				c->tail = IX_NIL;
			k->next = r->free_chunk;
			r->free_chunk = k - r->chunk;
		}
		if (total)
			break;
	}
	if (c->eof && c->head == IX_NIL && !c->closed) {
		c->closed = true;
		ix_tcp_close(core_of(r), c->handle);
	}
}

static void mark_dirty(struct ixdp_responder *r, struct resp_conn *c)
{
	if (c->dirty)
		return;
	/*
	 * A slot released and reused within one batch can be listed twice;
	 * should the list ever fill, push at once instead.
	 */
	if (r->ndirty == r->nconn) {
		conn_push(r, c);
		return;
	}
	c->dirty = true;
	r->dirty[r->ndirty++] = c - r->conn;
}

/*
 * A connection's record is the one of its core slot: each is unique on the
 * core, and a slot is free here before the core reuses it (its dead
 * event comes first).
 */
static struct resp_conn *conn_take(struct ixdp_responder *r, u64 handle)
{
	u32 i = ix_stack_handle_slot(handle);
	struct resp_conn *c;

	if (i >= r->nconn)
		return NULL;
	c = &r->conn[i];
	/*
	 * Still in use: the core freed the slot, so its dead event was lost
	 * (a full event queue). The old connection is gone: forget it.
	 */
	if (c->used) {
		if (c->handle == handle)
			return NULL;
		conn_release(r, c);
	}
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->handle = handle;
	c->head = IX_NIL;
	c->tail = IX_NIL;
	if (i >= r->hi)
		r->hi = i + 1;
	return c;
}

static void on_knock(struct ixdp_responder *r, const struct ix_event *ev)
{
	struct resp_conn *c = conn_take(r, ev->handle);

	if (!c) {
		ix_tcp_reject(core_of(r), ev->handle);
		return;
	}
	if (ix_tcp_accept(core_of(r), ev->handle, c - r->conn))
		memset(c, 0, sizeof(*c));
}

/* Queue @len received bytes at @data behind @c's; false: no free chunk. */
static bool chunk_append(struct ixdp_responder *r, struct resp_conn *c,
			 const u8 *data, u32 len)
{
	struct resp_chunk *k;
	u32 i = r->free_chunk;

	if (i == IX_NIL)
		return false;
	k = &r->chunk[i];
	r->free_chunk = k->next;
	k->data = data;
	k->len = len;
	k->next = IX_NIL;
	if (c->tail == IX_NIL)
		c->head = i;
	else
		r->chunk[c->tail].next = i;
	c->tail = i;
	return true;
}

static void on_recv(struct ixdp_responder *r, struct resp_conn *c,
		    const struct ix_event *ev)
{
	if (!ev->len) {
		c->eof = true;
		mark_dirty(r, c);
		return;
	}
	if (r->mode != IXDP_RESP_ECHO) {
		ix_tcp_recv_done(core_of(r), c->handle, ev->len);
		return;
	}
	if (!chunk_append(r, c, ev->data, ev->len)) {
		/* Cannot happen: one chunk per receive buffer exists. */
		ix_tcp_abort(core_of(r), c->handle);
		conn_release(r, c);
		return;
	}
	mark_dirty(r, c);
}

/*
 * The core's event hook: queue only, the core is still running. The
 * responder is the last client, so every event left is its own.
 */
static bool responder_event(struct ixdp_core *dp, const struct ix_event *ev)
{
	struct ixdp_responder *r = dp->resp;

	if (r->evq_tail - r->evq_head >= RESP_EVQ) {
		r->evq_overflow++;
		return true;
	}
	r->evq[r->evq_tail++ & (RESP_EVQ - 1)] = *ev;
	return true;
}

static void handle_event(struct ixdp_responder *r, const struct ix_event *ev)
{
	struct resp_conn *c = NULL;

	if (ev->type == IX_EV_KNOCK) {
		on_knock(r, ev);
		return;
	}
	/* An event of another owner's connection can carry cookie 0. */
	if (ev->cookie < r->nconn && r->conn[ev->cookie].used &&
	    r->conn[ev->cookie].handle == ev->handle)
		c = &r->conn[ev->cookie];
	if (!c)
		return;

	switch (ev->type) {
	case IX_EV_RECV:
		on_recv(r, c, ev);
		break;
	case IX_EV_SENT:
		/* The echo of these bytes is acknowledged: return them. */
		ix_tcp_recv_done(core_of(r), c->handle, ev->len);
		mark_dirty(r, c);
		break;
	case IX_EV_DEAD:
		conn_release(r, c);
		break;
	}
}

/* Act on the queued events, including those the actions raise. */
void ixdp_responder_run(struct ixdp_responder *r)
{
	struct ix_event ev;

	struct resp_conn *c;

	do {
		while (r->evq_head != r->evq_tail) {
			ev = r->evq[r->evq_head++ & (RESP_EVQ - 1)];
			handle_event(r, &ev);
		}
		/* Pushing raises events of its own: loop until quiet. */
		while (r->ndirty) {
			c = &r->conn[r->dirty[--r->ndirty]];
			c->dirty = false;
			if (c->used)
				conn_push(r, c);
		}
		/* A busy core may take many rounds: let others run. */
		cond_resched();
	} while (r->evq_head != r->evq_tail);
}

u64 ixdp_responder_overflow(const struct ixdp_responder *r)
{
	return r->evq_overflow;
}

/* The port the responder listens on, 0 if none (kthread context). */
u16 ixdp_responder_port(const struct ixdp_responder *r)
{
	return r->port;
}

/* Listen on the port's responder port (kthread context). */
int ixdp_responder_apply(struct ixdp_core *dp, void *unused)
{
	struct ixdp_responder *r = dp->resp;
	u16 port = dp->port->resp_port;
	u8 mode = dp->port->resp_mode;
	int err = 0;

	if (r->port && (r->port != port || mode == IXDP_RESP_NONE)) {
		ix_tcp_unlisten(core_of(r), r->port);
		r->port = 0;
	}
	if (mode != IXDP_RESP_NONE && port && r->port != port) {
		err = ix_tcp_listen(core_of(r), port);
		if (!err)
			r->port = port;
	}
	r->mode = mode;
	return err;
}

/* Reset every connection this core serves (kthread context). */
static void responder_abort_all(struct ixdp_core *dp)
{
	struct ixdp_responder *r = dp->resp;
	u32 i;

	ixdp_responder_run(r);
	for (i = 0; i < r->hi; i++) {
		if (!r->conn[i].used)
			continue;
		ix_tcp_abort(core_of(r), r->conn[i].handle);
		conn_release(r, &r->conn[i]);
	}
	/* The resets' "dead" events name released slots: drop them. */
	r->evq_head = r->evq_tail;
	r->ndirty = 0;
}

/* ------------------------------------------------------------------ */
/* Flow-group moves (fgmove.c)                                       */
/* ------------------------------------------------------------------ */

u32 ixdp_responder_nconn(const struct ixdp_responder *r)
{
	return r->nconn;
}

static bool conn_in_fg(const struct resp_conn *c, u32 fg)
{
	return c->used && ix_stack_handle_fg(c->handle) == fg;
}

/*
 * Record what the responder knows of each connection of flow group @fg
 * in out[its cookie]: how many received bytes are still to be echoed
 * (the newest ones it holds: chunks are taken in arrival order) and
 * whether EOF was seen and the connection closed. Run the queued events
 * first, so that nothing of @fg is pending.
 */
void ixdp_responder_save(struct ixdp_responder *r, u32 fg,
			 struct ixdp_resp_state *out)
{
	u32 i, k;

	ixdp_responder_run(r);
	for (i = 0; i < r->hi; i++) {
		const struct resp_conn *c = &r->conn[i];
		struct ixdp_resp_state *st = &out[i];

		if (!conn_in_fg(c, fg))
			continue;
		st->handle = c->handle;
		st->unsent = 0;
		for (k = c->head; k != IX_NIL; k = r->chunk[k].next)
			st->unsent += r->chunk[k].len;
		st->eof = c->eof;
		st->closed = c->closed;
		st->valid = true;
	}
}

/* Forget the connections of @fg: the core exported them. */
void ixdp_responder_drop(struct ixdp_responder *r, u32 fg)
{
	u32 i;

	for (i = 0; i < r->hi; i++)
		if (conn_in_fg(&r->conn[i], fg))
			conn_release(r, &r->conn[i]);
}

struct adopt {
	struct ixdp_responder *r;
	struct resp_conn *c;
	int err;
};

static void adopt_chunk(void *arg, const u8 *data, u32 len)
{
	struct adopt *a = arg;

	if (!chunk_append(a->r, a->c, data, len))
		a->err = -ENOSPC;
}

/*
 * Take over a connection another core's responder served, now known by
 * @handle in this core: its unsent bytes are the newest @st->unsent bytes
 * the core holds for it. A connection that cannot be taken over is reset.
 */
void ixdp_responder_adopt(struct ixdp_responder *r, u64 handle,
			  const struct ixdp_resp_state *st)
{
	struct adopt a = { .r = r };
	struct resp_conn *c = conn_take(r, handle);

	if (!c || ix_tcp_set_cookie(core_of(r), handle, c - r->conn)) {
		if (c)
			memset(c, 0, sizeof(*c));
		ix_tcp_abort(core_of(r), handle);
		return;
	}
	c->eof = st->eof;
	c->closed = st->closed;
	a.c = c;
	if (st->unsent)
		a.err = ix_tcp_shown_tail(core_of(r), handle, st->unsent,
					  adopt_chunk, &a);
	if (a.err) {
		ix_tcp_abort(core_of(r), handle);
		conn_release(r, c);
		return;
	}
	if (c->head != IX_NIL || (c->eof && !c->closed))
		mark_dirty(r, c);
}

static unsigned int responder_run(struct ixdp_core *dp, unsigned int budget)
{
	ixdp_responder_run(dp->resp);
	return 0;
}

static void responder_destroy(struct ixdp_core *dp)
{
	responder_free(dp->resp);
	dp->resp = NULL;
}

static const struct ixdp_core_client_ops responder_ops = {
	.event		= responder_event,
	.run		= responder_run,
	.abort_all	= responder_abort_all,
	.destroy	= responder_destroy,
};
