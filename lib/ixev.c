// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * ixev: connections, handlers and a main loop over one ixdp context.
 *
 * Names. Every command and every cookie carries a context's slot: (gen <<
 * 32 | slot + 1), 0 meaning the thread itself. A slot's generation moves
 * on when its context is released, so a late completion or event of a
 * released connection finds nothing instead of a freed context.
 *
 * TX memory. The part of the TX arena after ixev_params.tx_reserve is cut
 * into fixed chunks (a power of two, 4 KiB by default) on a free stack:
 * taking and giving back a chunk is O(1), and a slow connection holds only
 * its own chunks, never the arena as a whole (a single byte ring over the
 * arena would stall every connection behind the oldest unacknowledged
 * byte). A connection owns at most one partly filled chunk (fill_chunk) and
 * appends copies there; its send queue (segs) names ranges of its chunks
 * or of the application's zero-copy buffers in stream order. SENT events
 * acknowledge bytes in that order, so the queue is released from its head:
 * a chunk goes back to the stack when the last range in it is acknowledged,
 * the fill chunk too, so an idle connection holds no TX memory.
 *
 * Sends. Every range of the send queue goes out at the next flush as a
 * SEND without IXDP_CMDF_ACK, so a SEND taken whole costs no event. Its
 * user_data is the connection's slot and the low 32 bits of the stream
 * offset of its first byte. A short send completes with the bytes taken;
 * the core then refuses (-EAGAIN) every later send of the connection that
 * does not start at the first untaken byte, so the SENDs queued behind it
 * take nothing. ixev moves its send cursor back to that byte and waits
 * for the next SENT (room) to send from there again: the stream keeps its
 * order. Before CLOSE, a NOP fence tells that every SEND was taken whole.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ixdp/ixev.h>
#include "ixdp_int.h"
#include "ixev_move.h"

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

#define DEF_CHUNK	4096U
#define DEF_SEND_WIN	(256U << 10)
#define OVF_INIT	256U
#define SLOTS_INIT	64U

/* ctx->flags */
#define F_EOF		(1U << 0)	/* RECV of 0 bytes seen */
#define F_CLOSE_REQ	(1U << 1)	/* ixev_close() called */
#define F_CLOSE_SENT	(1U << 2)
#define F_ABORT_SENT	(1U << 3)
#define F_BLOCKED	(1U << 4)	/* short send: wait for SENT */
#define F_UNSURE	(1U << 5)	/* SENDs queued, not known taken */
#define F_SEND_ERR	(1U << 6)	/* a SEND failed: no more sends */
#define F_FENCE		(1U << 7)	/* the close's NOP fence is queued */
#define F_CARRY		(1U << 8)	/* bytes came with it (side->carry) */
#define F_ADOPTED	(1U << 9)	/* its ACCEPT answered an adoption */
#define F_DEAD_SEEN	(1U << 10)	/* a DEAD came before the ACCEPT */
#define F_REFUSED	(1U << 11)	/* that ACCEPT failed with -EBADF */

#define GONE_N		256U	/* handles of connections that moved away */

/* What ixev keeps of a connection beside its struct ixev_ctx (ABI). */
struct ixev_side {
	uint64_t rx_total;		/* bytes received since it began */
	struct ixev_carry *carry;	/* F_CARRY */
	int dead_status;		/* F_DEAD_SEEN */
};

/* An IXDP_EV_ADOPT whose connection has not left its old thread yet. */
struct ixev_adopt {
	uint64_t token, handle, pos;
	uint64_t deadline_ns;
	int status;			/* a DEAD came for it */
	bool dead;
};

unsigned int ixev_adopt_timeout_ms = IXEV_ADOPT_TIMEOUT_MS;

struct ixev_thread {
	struct ixdp_ring ring;
	struct ixev_conn_ops ops;
	ixev_dispatch_t dispatch;
	void *user;
	struct ixev_stats st;
	int err;			/* reported by the next ixev_wait() */

	struct ixev_ctx **slots;
	struct ixev_side *side;
	uint32_t *gens;
	uint32_t *slot_free;
	uint32_t nslots, nslot_free;

	uint32_t chunk_size;
	uint32_t chunk_base;		/* TX offset of chunk 0 */
	uint32_t nchunks;
	uint32_t *chunk_free;
	uint32_t nchunk_free;
	uint32_t *chunk_refs;		/* ranges in the send queues */
	uint32_t send_win;
	uint32_t tx_reserve;

	/* Commands waiting for room in the ring, oldest first. */
	struct ixdp_cmd *ovf;
	uint32_t ovf_head, ovf_tail, ovf_cap;

	struct ixev_link dirty;
	struct ixev_link waiters;

	/* Moves (IXDP_FEAT_MOVE). */
	ixev_moved_t moved;
	struct ixev_adopt *pend;
	uint32_t npend, pend_cap;
	uint64_t gone[GONE_N];
	uint32_t gone_next;

	/*
	 * The thread that runs it: the last to call ixev_wait() (@bound,
	 * released after @runner is written); @in_wait while it is inside.
	 */
	pthread_t runner;
	bool bound;
	bool in_wait;
};

/* ---- lists ------------------------------------------------------------- */

static void list_init(struct ixev_link *h)
{
	h->next = h->prev = h;
}

static bool linked(const struct ixev_link *l)
{
	return l->next;
}

static void list_add_tail(struct ixev_link *h, struct ixev_link *l)
{
	if (linked(l))
		return;
	l->prev = h->prev;
	l->next = h;
	h->prev->next = l;
	h->prev = l;
}

static void list_del(struct ixev_link *l)
{
	if (!linked(l))
		return;
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->next = l->prev = NULL;
}

static struct ixev_link *list_pop(struct ixev_link *h)
{
	struct ixev_link *l = h->next;

	if (l == h)
		return NULL;
	list_del(l);
	return l;
}

static void mark_dirty(struct ixev_ctx *ctx)
{
	list_add_tail(&ctx->t->dirty, &ctx->dirty);
}

/* ---- slots ------------------------------------------------------------- */

static uint64_t ctx_cookie(const struct ixev_ctx *ctx)
{
	return (uint64_t)ctx->gen << 32 | (ctx->slot + 1);
}

static struct ixev_ctx *ctx_lookup(struct ixev_thread *t, uint64_t cookie)
{
	uint32_t s = (uint32_t)cookie;

	if (!s || s > t->nslots)
		return NULL;
	s--;
	if (t->gens[s] != (uint32_t)(cookie >> 32))
		return NULL;
	return t->slots[s];
}

static int slots_grow(struct ixev_thread *t)
{
	uint32_t n = t->nslots ? t->nslots * 2 : SLOTS_INIT, i;
	struct ixev_ctx **slots;
	struct ixev_side *side;
	uint32_t *gens, *fr;

	slots = realloc(t->slots, n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	t->slots = slots;
	side = realloc(t->side, n * sizeof(*side));
	if (!side)
		return -ENOMEM;
	t->side = side;
	gens = realloc(t->gens, n * sizeof(*gens));
	if (!gens)
		return -ENOMEM;
	t->gens = gens;
	fr = realloc(t->slot_free, n * sizeof(*fr));
	if (!fr)
		return -ENOMEM;
	t->slot_free = fr;
	for (i = n; i-- > t->nslots;) {
		slots[i] = NULL;
		side[i] = (struct ixev_side){ 0 };
		gens[i] = 1;
		fr[t->nslot_free++] = i;
	}
	t->nslots = n;
	return 0;
}

static int slot_get(struct ixev_thread *t, struct ixev_ctx *ctx)
{
	uint32_t s;

	if (!t->nslot_free && slots_grow(t))
		return -ENOMEM;
	s = t->slot_free[--t->nslot_free];
	t->slots[s] = ctx;
	t->side[s] = (struct ixev_side){ 0 };
	ctx->slot = s;
	ctx->gen = t->gens[s];
	ctx->t = t;
	return 0;
}

static void slot_put(struct ixev_thread *t, struct ixev_ctx *ctx)
{
	t->slots[ctx->slot] = NULL;
	t->gens[ctx->slot]++;
	t->slot_free[t->nslot_free++] = ctx->slot;
}

/* Commands queued on a handle before it moved away fail with -EBADF. */
static void gone_add(struct ixev_thread *t, uint64_t handle)
{
	t->gone[t->gone_next++ % GONE_N] = handle;
}

static bool gone_has(const struct ixev_thread *t, uint64_t handle)
{
	uint32_t i;

	for (i = 0; i < GONE_N; i++)
		if (handle && t->gone[i] == handle)
			return true;
	return false;
}

/* The bytes a connection brought along from another thread, if any left. */
static struct ixev_carry *ctx_carry(const struct ixev_ctx *ctx)
{
	return (ctx->flags & F_CARRY) ? ctx->t->side[ctx->slot].carry : NULL;
}

/* Unsent bytes it brought that are not in its send queue yet. */
static bool carry_tx_left(const struct ixev_ctx *ctx)
{
	const struct ixev_carry *c = ctx_carry(ctx);

	return c && c->tx_off < c->tx_len;
}

/* Once both its parts are used up, the carry goes. */
static void carry_trim(struct ixev_ctx *ctx)
{
	struct ixev_carry *c = ctx_carry(ctx);

	if (!c)
		return;
	if (c->rx && c->rx_off == c->rx_len) {
		free(c->rx);
		c->rx = NULL;
	}
	if (c->rx || c->tx_off < c->tx_len)
		return;
	ixev_carry_free(c);
	ctx->t->side[ctx->slot].carry = NULL;
	ctx->flags &= ~F_CARRY;
}

/* ---- commands ---------------------------------------------------------- */

/*
 * A zeroed command slot: in the ring if it has room and nothing waits
 * before it, else at the end of the overflow queue, which flush() moves to
 * the ring in order. NULL only when memory runs out.
 */
static struct ixdp_cmd *queue_cmd(struct ixev_thread *t)
{
	struct ixdp_cmd *cmd, *ovf;
	uint32_t n = t->ovf_tail - t->ovf_head, i;

	t->st.cmds++;
	if (!n) {
		cmd = ixdp_get_cmd(&t->ring);
		if (cmd)
			return cmd;
	}
	if (n == t->ovf_cap) {
		ovf = malloc(2 * t->ovf_cap * sizeof(*ovf));
		if (!ovf) {
			t->err = -ENOMEM;
			return NULL;
		}
		for (i = 0; i < n; i++)
			ovf[i] = t->ovf[(t->ovf_head + i) & (t->ovf_cap - 1)];
		free(t->ovf);
		t->ovf = ovf;
		t->ovf_cap *= 2;
		t->ovf_head = 0;
		t->ovf_tail = n;
	}
	t->st.overflowed++;
	cmd = &t->ovf[t->ovf_tail++ & (t->ovf_cap - 1)];
	memset(cmd, 0, sizeof(*cmd));
	return cmd;
}

/* A SEND's user_data: its connection's slot, its first byte's offset. */
static uint64_t send_data(const struct ixev_ctx *ctx)
{
	return (uint64_t)(uint32_t)ctx->sub_pos << 32 | (ctx->slot + 1);
}

/* Queue RECV_DONE, the SENDs not yet sent and CLOSE of one connection. */
static void emit_ctx(struct ixev_thread *t, struct ixev_ctx *ctx)
{
	struct ixdp_cmd *cmd;
	struct ixev_tx_seg *seg;
	uint32_t len;
	bool unsent, sending;

	if (ctx->state != IXEV_S_OPEN || (ctx->flags & F_ABORT_SENT))
		return;
	sending = ctx->s_sub != ctx->s_tail &&
		  !(ctx->flags & (F_SEND_ERR | F_BLOCKED));
	/* The credit rides on the first SEND if the module takes it there. */
	if (ctx->credit && !(sending && (t->ring.feat & IXDP_RING_F_SEND_DONE))) {
		cmd = queue_cmd(t);
		if (!cmd)
			return;
		ixdp_prep_recv_done(cmd, ctx->handle, ctx->credit);
		ixdp_cmd_set_data(cmd, ctx_cookie(ctx));
		ctx->credit = 0;
	}
	while (ctx->s_sub != ctx->s_tail &&
	       !(ctx->flags & (F_SEND_ERR | F_BLOCKED))) {
		seg = &ctx->segs[ctx->s_sub % IXEV_SEGS];
		len = seg->len - ctx->sub_taken;
		cmd = queue_cmd(t);
		if (!cmd)
			return;
		ixdp_prep_send(cmd, ctx->handle, seg->off + ctx->sub_taken, len);
		cmd->arg[1] = ctx->credit;
		ctx->credit = 0;
		ixdp_cmd_set_data(cmd, send_data(ctx));
		ctx->sub_pos += len;
		ctx->s_sub++;
		ctx->sub_taken = 0;
		ctx->sends++;
		ctx->flags |= F_UNSURE;
	}
	unsent = (ctx->s_sub != ctx->s_tail || carry_tx_left(ctx)) &&
		 !(ctx->flags & F_SEND_ERR);
	if ((ctx->flags & (F_CLOSE_REQ | F_CLOSE_SENT)) != F_CLOSE_REQ ||
	    unsent || (ctx->flags & F_FENCE))
		return;
	cmd = queue_cmd(t);
	if (!cmd)
		return;
	if (ctx->flags & F_UNSURE) {
		/* Its completion comes after those of every SEND before. */
		ixdp_prep_nop(cmd);
		ixdp_cmd_set_data(cmd, ctx_cookie(ctx));
		ctx->fence = ctx->sends;
		ctx->flags |= F_FENCE;
		return;
	}
	ixdp_prep_close(cmd, ctx->handle);
	ixdp_cmd_set_data(cmd, ctx_cookie(ctx));
	ctx->flags |= F_CLOSE_SENT;
}

/* Queue what the connections owe, fill the ring, publish it. */
static int flush(struct ixev_thread *t)
{
	struct ixev_link *l;
	struct ixdp_cmd *cmd;

	while ((l = list_pop(&t->dirty)))
		emit_ctx(t, container_of(l, struct ixev_ctx, dirty));
	while (t->ovf_head != t->ovf_tail && (cmd = ixdp_get_cmd(&t->ring)))
		*cmd = t->ovf[t->ovf_head++ & (t->ovf_cap - 1)];
	return ixdp_submit(&t->ring);
}

/* ---- TX chunks --------------------------------------------------------- */

static uint32_t chunk_off(const struct ixev_thread *t, uint32_t c)
{
	return t->chunk_base + c * t->chunk_size;
}

/*
 * The last range of a chunk was acknowledged. Even the fill chunk goes
 * back: an idle connection holds no TX memory, so any number of them can
 * share an arena of few chunks.
 */
static void chunk_put(struct ixev_thread *t, struct ixev_ctx *ctx, uint32_t c)
{
	if (--t->chunk_refs[c])
		return;
	if (c == ctx->fill_chunk)
		ctx->fill_chunk = IXEV_NO_CHUNK;
	t->chunk_free[t->nchunk_free++] = c;
}

static void seg_done(struct ixev_ctx *ctx, struct ixev_tx_seg *seg,
		     int status)
{
	if (seg->chunk != IXEV_NO_CHUNK)
		chunk_put(ctx->t, ctx, seg->chunk);
	else if (seg->cb)
		seg->cb(ctx, seg->cb_arg, status);
}

/* Release the head of the send queue as SENT acknowledges it. */
static void ack_bytes(struct ixev_ctx *ctx, uint64_t acked)
{
	struct ixev_tx_seg *seg;
	uint32_t avail;

	while (acked && ctx->s_head != ctx->s_tail) {
		seg = &ctx->segs[ctx->s_head % IXEV_SEGS];
		if (ctx->s_head == ctx->s_sub) {
			/* Only the part the core took can be acknowledged. */
			avail = ctx->sub_taken - ctx->head_acked;
			if (acked > avail)
				break;
			ctx->head_acked += acked;
			ctx->unacked -= acked;
			return;
		}
		avail = seg->len - ctx->head_acked;
		if (acked < avail) {
			ctx->head_acked += acked;
			ctx->unacked -= acked;
			return;
		}
		acked -= avail;
		ctx->unacked -= avail;
		ctx->head_acked = 0;
		ctx->head_pos += seg->len;
		ctx->s_head++;
		seg_done(ctx, seg, 0);
	}
	if (acked)
		ctx->t->st.bad_events++;
}

/* The connection is gone: every queued byte is the application's again. */
static void drop_tx(struct ixev_ctx *ctx, int status)
{
	struct ixev_thread *t = ctx->t;

	while (ctx->s_head != ctx->s_tail)
		seg_done(ctx, &ctx->segs[ctx->s_head++ % IXEV_SEGS], status);
	ctx->s_sub = ctx->s_tail;
	ctx->unacked = 0;
	ctx->flags &= ~(F_UNSURE | F_BLOCKED);
	/* Still set only if no range was in it (chunk_put frees the rest). */
	if (ctx->fill_chunk != IXEV_NO_CHUNK) {
		t->chunk_free[t->nchunk_free++] = ctx->fill_chunk;
		ctx->fill_chunk = IXEV_NO_CHUNK;
	}
}

/* ---- threads ---------------------------------------------------------- */

/*
 * Is the calling thread the one that runs @t (or is nobody running it
 * yet)? A connection lives in its ixev thread's context, whose rings and
 * arenas have one user: an operation from another thread would race with
 * it, so it is refused with -EXDEV instead.
 */
static bool mine(const struct ixev_thread *t)
{
	return !__atomic_load_n(&t->bound, __ATOMIC_ACQUIRE) ||
	       pthread_equal(t->runner, pthread_self());
}

static bool ctx_mine(const struct ixev_ctx *ctx)
{
	return !ctx->t || mine(ctx->t);
}

int ixev_thread_unbind(struct ixev_thread *t)
{
	if (!mine(t))
		return -EXDEV;
	/* From a handler: ixev_wait() is not done with the rings. */
	if (__atomic_load_n(&t->in_wait, __ATOMIC_ACQUIRE))
		return -EBUSY;
	__atomic_store_n(&t->bound, false, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Enter ixev_wait(): refused while a thread is inside it already (another
 * one: -EXDEV; a handler of this one: -EBUSY). A thread that calls it
 * while no one is inside runs @t from then on: the one before it handed
 * it over by not being there.
 */
static int wait_enter(struct ixev_thread *t)
{
	pthread_t self = pthread_self();
	bool idle = false;

	if (!__atomic_compare_exchange_n(&t->in_wait, &idle, true, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return mine(t) ? -EBUSY : -EXDEV;
	if (!__atomic_load_n(&t->bound, __ATOMIC_ACQUIRE) ||
	    !pthread_equal(t->runner, self)) {
		t->runner = self;
		__atomic_store_n(&t->bound, true, __ATOMIC_RELEASE);
	}
	return 0;
}

static int wait_leave(struct ixev_thread *t, int ret)
{
	__atomic_store_n(&t->in_wait, false, __ATOMIC_RELEASE);
	return ret;
}

/* ---- connections ------------------------------------------------------- */

void ixev_ctx_init(struct ixev_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rq = ctx->rq_inline;
	ctx->rq_cap = IXEV_RSEGS;
	ctx->fill_chunk = IXEV_NO_CHUNK;
}

void ixev_set_handler(struct ixev_ctx *ctx, unsigned int mask,
		      ixev_handler_t handler)
{
	ctx->en_mask = mask;
	ctx->handler = handler;
}

static void fire(struct ixev_ctx *ctx, unsigned int reason)
{
	reason &= ctx->en_mask | IXEVHUP;
	if (reason && ctx->handler)
		ctx->handler(ctx, reason);
}

static void ctx_release(struct ixev_thread *t, struct ixev_ctx *ctx)
{
	list_del(&ctx->dirty);
	list_del(&ctx->wait);
	if (ctx->flags & F_CARRY) {
		ixev_carry_free(t->side[ctx->slot].carry);
		t->side[ctx->slot].carry = NULL;
		ctx->flags &= ~F_CARRY;
	}
	slot_put(t, ctx);
	if (ctx->rq != ctx->rq_inline)
		free(ctx->rq);
	ctx->rq = ctx->rq_inline;
	ctx->rq_cap = IXEV_RSEGS;
	ctx->rq_head = ctx->rq_tail = 0;
	if (t->ops.release)
		t->ops.release(ctx);
}

static void ctx_dead(struct ixev_thread *t, struct ixev_ctx *ctx, int status)
{
	ctx->state = IXEV_S_DEAD;
	if (!ctx->status)
		ctx->status = status;
	ctx->credit = 0;
	drop_tx(ctx, status ? status : -EPIPE);
	list_del(&ctx->dirty);
	t->st.dead++;
	fire(ctx, IXEVHUP);
	ctx_release(t, ctx);
}

int ixev_connect(struct ixev_thread *t, struct ixev_ctx *ctx, uint32_t ip,
		 uint16_t port)
{
	struct ixdp_cmd *cmd;
	int err;

	if (!mine(t))
		return -EXDEV;
	if (ctx->state != IXEV_S_INIT)
		return -EINVAL;
	err = slot_get(t, ctx);
	if (err)
		return err;
	cmd = queue_cmd(t);
	if (!cmd) {
		slot_put(t, ctx);
		return -ENOMEM;
	}
	ixdp_prep_connect(cmd, ip, port, ctx_cookie(ctx));
	ixdp_cmd_set_data(cmd, ctx_cookie(ctx));
	ctx->state = IXEV_S_CONNECTING;
	return 0;
}

static int port_cmd(struct ixev_thread *t, uint16_t port, bool listen,
		    uint32_t backlog)
{
	struct ixdp_cmd *cmd;

	if (!mine(t))
		return -EXDEV;
	if (!port || backlog > IXDP_BACKLOG_MAX)
		return -EINVAL;
	cmd = queue_cmd(t);
	if (!cmd)
		return -ENOMEM;
	if (listen) {
		ixdp_prep_listen(cmd, port);
		cmd->arg[0] = backlog;
	} else {
		ixdp_prep_unlisten(cmd, port);
	}
	return 0;
}

int ixev_listen(struct ixev_thread *t, uint16_t port)
{
	return port_cmd(t, port, true, 0);
}

int ixev_listen_backlog(struct ixev_thread *t, uint16_t port,
			uint32_t backlog)
{
	return port_cmd(t, port, true, backlog);
}

int ixev_unlisten(struct ixev_thread *t, uint16_t port)
{
	return port_cmd(t, port, false, 0);
}

int ixev_set_dispatch(struct ixev_thread *t, ixev_dispatch_t fn)
{
	if (!mine(t))
		return -EXDEV;
	if (!t->ring.ctx_id)
		return -EOPNOTSUPP;
	t->dispatch = fn;
	return 0;
}

int ixev_close(struct ixev_ctx *ctx)
{
	if (!ctx_mine(ctx))
		return -EXDEV;
	if (ctx->state != IXEV_S_OPEN && ctx->state != IXEV_S_CONNECTING)
		return 0;
	ctx->flags |= F_CLOSE_REQ;
	if (ctx->state == IXEV_S_OPEN)
		mark_dirty(ctx);
	return 0;
}

int ixev_abort(struct ixev_ctx *ctx)
{
	struct ixdp_cmd *cmd;

	if (!ctx_mine(ctx))
		return -EXDEV;
	if (ctx->state != IXEV_S_OPEN || (ctx->flags & F_ABORT_SENT))
		return 0;
	cmd = queue_cmd(ctx->t);
	if (!cmd)
		return -ENOMEM;
	ixdp_prep_abort(cmd, ctx->handle);
	ixdp_cmd_set_data(cmd, ctx_cookie(ctx));
	ctx->flags |= F_ABORT_SENT | F_CLOSE_REQ;
	list_del(&ctx->dirty);
	return 0;
}

/* ---- receive ----------------------------------------------------------- */

static int rq_push(struct ixev_ctx *ctx, uint32_t off, uint32_t len)
{
	uint32_t n = ctx->rq_tail - ctx->rq_head, i;
	struct ixev_rx_seg *last, *rq;

	if (n) {
		last = &ctx->rq[(ctx->rq_tail - 1) & (ctx->rq_cap - 1)];
		if (last->off + last->len == off) {
			last->len += len;
			return 0;
		}
	}
	if (n == ctx->rq_cap) {
		rq = malloc(2 * ctx->rq_cap * sizeof(*rq));
		if (!rq)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			rq[i] = ctx->rq[(ctx->rq_head + i) & (ctx->rq_cap - 1)];
		if (ctx->rq != ctx->rq_inline)
			free(ctx->rq);
		ctx->rq = rq;
		ctx->rq_cap *= 2;
		ctx->rq_head = 0;
		ctx->rq_tail = n;
	}
	ctx->rq[ctx->rq_tail++ & (ctx->rq_cap - 1)] =
		(struct ixev_rx_seg){ .off = off, .len = len };
	return 0;
}

static ssize_t rq_none(const struct ixev_ctx *ctx)
{
	if (ctx->flags & F_EOF)
		return 0;
	return ctx->state == IXEV_S_DEAD ? -EIO : -EAGAIN;
}

/* Internal (ixdp_int.h): ixev_wait(t, 0) would do nothing now. */
bool ixev_thread_idle(const struct ixev_thread *t)
{
	return t->dirty.next == &t->dirty && t->ovf_head == t->ovf_tail &&
	       !t->err && !ixdp_cmds_pending(&t->ring) &&
	       !t->ring.ev_unblocked && !ixdp_events_ready(&t->ring) &&
	       !t->npend &&
	       (t->waiters.next == &t->waiters || !t->nchunk_free);
}

/* Internal (ixdp_int.h): the end of the stream came, read or not. */
bool ixev_ctx_eof(const struct ixev_ctx *ctx)
{
	return ctx->flags & F_EOF;
}

ssize_t ixev_recv_zc(struct ixev_ctx *ctx, const void **buf, size_t max)
{
	const struct ixev_rx_seg *seg;
	struct ixev_carry *c;
	size_t n;

	if (!ctx_mine(ctx))
		return -EXDEV;
	/* Bytes it brought from its old thread come first. */
	c = ctx_carry(ctx);
	if (c && c->rx_off < c->rx_len) {
		n = c->rx_len - c->rx_off;
		if (n > max)
			n = max;
		*buf = c->rx + c->rx_off;
		return (ssize_t)n;
	}
	if (ctx->rq_head == ctx->rq_tail)
		return rq_none(ctx);
	seg = &ctx->rq[ctx->rq_head & (ctx->rq_cap - 1)];
	n = seg->len - ctx->rq_used;
	if (n > max)
		n = max;
	*buf = ctx->t->ring.rx_base + seg->off + ctx->rq_used;
	return (ssize_t)n;
}

int ixev_recv_done(struct ixev_ctx *ctx, size_t len)
{
	const struct ixev_rx_seg *seg;
	struct ixev_carry *c;
	size_t n, done = 0;

	if (!ctx_mine(ctx))
		return -EXDEV;
	/* Carried bytes: the core forgot them, they owe it no credit. */
	c = ctx_carry(ctx);
	if (c && c->rx_off < c->rx_len) {
		n = c->rx_len - c->rx_off;
		if (n > len)
			n = len;
		c->rx_off += n;
		len -= n;
		carry_trim(ctx);
	}
	while (done < len && ctx->rq_head != ctx->rq_tail) {
		seg = &ctx->rq[ctx->rq_head & (ctx->rq_cap - 1)];
		n = seg->len - ctx->rq_used;
		if (n > len - done)
			n = len - done;
		ctx->rq_used += n;
		done += n;
		if (ctx->rq_used == seg->len) {
			ctx->rq_head++;
			ctx->rq_used = 0;
		}
	}
	if (!done || ctx->state != IXEV_S_OPEN)
		return 0;
	ctx->credit += done;
	ctx->rx_bytes -= done;
	mark_dirty(ctx);
	return 0;
}

ssize_t ixev_recv(struct ixev_ctx *ctx, void *buf, size_t len)
{
	const void *p;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = ixev_recv_zc(ctx, &p, len - done);
		if (n <= 0) {
			if (done)
				break;
			return n;
		}
		memcpy((char *)buf + done, p, n);
		ixev_recv_done(ctx, n);
		done += n;
	}
	return (ssize_t)done;
}

/* ---- send -------------------------------------------------------------- */

static ssize_t send_check(const struct ixev_ctx *ctx)
{
	if (!ctx_mine(ctx))
		return -EXDEV;
	if (ctx->state == IXEV_S_DEAD)
		return -EIO;
	if (ctx->state == IXEV_S_INIT)
		return -ENOTCONN;
	if (ctx->flags & (F_CLOSE_REQ | F_SEND_ERR))
		return -EPIPE;
	if (ctx->s_tail - ctx->s_head == IXEV_SEGS ||
	    ctx->unacked >= ctx->t->send_win)
		return -EAGAIN;
	return 0;
}

size_t ixev_send_space(const struct ixev_ctx *ctx)
{
	const struct ixev_thread *t = ctx->t;
	size_t mem, win;

	if (send_check(ctx) || carry_tx_left(ctx))
		return 0;
	win = t->send_win - ctx->unacked;
	mem = (size_t)t->nchunk_free * t->chunk_size;
	if (ctx->fill_chunk != IXEV_NO_CHUNK)
		mem += t->chunk_size - ctx->fill_used;
	return win < mem ? win : mem;
}

/* The tail range, sent or not, ends where the fill chunk's next byte goes. */
static struct ixev_tx_seg *mergeable(struct ixev_ctx *ctx)
{
	struct ixev_tx_seg *seg;

	if (ctx->s_head == ctx->s_tail)
		return NULL;
	seg = &ctx->segs[(ctx->s_tail - 1) % IXEV_SEGS];
	if (seg->chunk != ctx->fill_chunk ||
	    seg->off + seg->len !=
	    chunk_off(ctx->t, ctx->fill_chunk) + ctx->fill_used)
		return NULL;
	return seg;
}

/*
 * Copies up to @n bytes into the connection's chunks and queues them;
 * returns how many (fewer when chunks or segments run out).
 */
static size_t copy_in(struct ixev_ctx *ctx, const void *buf, size_t n)
{
	struct ixev_thread *t = ctx->t;
	struct ixev_tx_seg *seg;
	size_t done = 0, k;
	uint32_t c;

	while (done < n) {
		c = ctx->fill_chunk;
		if (c == IXEV_NO_CHUNK || ctx->fill_used == t->chunk_size) {
			/* A full chunk stays with its ranges. */
			if (c != IXEV_NO_CHUNK && !t->chunk_refs[c])
				t->chunk_free[t->nchunk_free++] = c;
			ctx->fill_chunk = IXEV_NO_CHUNK;
			if (!t->nchunk_free) {
				list_add_tail(&t->waiters, &ctx->wait);
				break;
			}
			c = t->chunk_free[--t->nchunk_free];
			ctx->fill_chunk = c;
			ctx->fill_used = 0;
		}
		k = t->chunk_size - ctx->fill_used;
		if (k > n - done)
			k = n - done;
		seg = mergeable(ctx);
		if (seg) {
			/*
			 * Sent already: the new bytes go in a SEND of their
			 * own, which the core appends to the same reference.
			 */
			if (ctx->s_sub == ctx->s_tail) {
				ctx->s_sub = ctx->s_tail - 1;
				ctx->sub_taken = seg->len;
			}
			seg->len += k;
		} else {
			if (ctx->s_tail - ctx->s_head == IXEV_SEGS)
				break;
			seg = &ctx->segs[ctx->s_tail++ % IXEV_SEGS];
			*seg = (struct ixev_tx_seg){
				.off = chunk_off(t, c) + ctx->fill_used,
				.len = k, .chunk = c,
			};
			t->chunk_refs[c]++;
		}
		memcpy(t->ring.tx_base + seg->off + seg->len - k,
		       (const char *)buf + done, k);
		ctx->fill_used += k;
		ctx->unacked += k;
		done += k;
	}
	if (done)
		mark_dirty(ctx);
	return done;
}

/*
 * Queue what a moved connection had not sent, before any byte the
 * application sends here (those wait until it is all queued). The send
 * window does not hold it back: these bytes were inside it already.
 */
static void carry_push(struct ixev_ctx *ctx)
{
	struct ixev_carry *c = ctx_carry(ctx);

	if (!c)
		return;
	if (ctx->state == IXEV_S_OPEN &&
	    !(ctx->flags & (F_SEND_ERR | F_ABORT_SENT)))
		c->tx_off += copy_in(ctx, c->tx + c->tx_off,
				     c->tx_len - c->tx_off);
	else
		c->tx_off = c->tx_len;
	carry_trim(ctx);
}

/* send_check(), after the carried bytes had their chance to go first. */
static ssize_t send_check_carry(struct ixev_ctx *ctx)
{
	ssize_t err = send_check(ctx);

	if ((err && err != -EAGAIN) || !carry_tx_left(ctx))
		return err;
	carry_push(ctx);
	return carry_tx_left(ctx) ? -EAGAIN : send_check(ctx);
}

ssize_t ixev_send(struct ixev_ctx *ctx, const void *buf, size_t len)
{
	ssize_t err = send_check_carry(ctx);
	size_t n, done;

	if (err && err != -EAGAIN)
		return err;
	n = err ? 0 : ctx->t->send_win - ctx->unacked;
	if (n > len)
		n = len;
	done = copy_in(ctx, buf, n);
	if (!done)
		return len ? -EAGAIN : 0;
	return (ssize_t)done;
}

int ixev_send_zc(struct ixev_ctx *ctx, uint64_t tx_off, uint32_t len,
		 ixev_sent_cb_t cb, void *arg)
{
	struct ixev_thread *t = ctx->t;
	ssize_t err = send_check_carry(ctx);

	if (err && err != -EAGAIN)
		return (int)err;
	if (!len || tx_off > t->tx_reserve || len > t->tx_reserve - tx_off)
		return -EINVAL;
	if (err)
		return (int)err;
	/* A buffer larger than the window goes alone. */
	if (ctx->unacked && len > t->send_win - ctx->unacked)
		return -EAGAIN;
	ctx->segs[ctx->s_tail++ % IXEV_SEGS] = (struct ixev_tx_seg){
		.off = (uint32_t)tx_off, .len = len, .chunk = IXEV_NO_CHUNK,
		.cb = cb, .cb_arg = arg,
	};
	ctx->unacked += len;
	mark_dirty(ctx);
	return 0;
}

/* ---- events ------------------------------------------------------------ */

static void cmd_error(struct ixev_thread *t, struct ixev_ctx *ctx,
		      unsigned int op, int status)
{
	t->st.cmd_errors++;
	if (t->ops.error)
		t->ops.error(t, ctx, op, status);
}

/* Send again from stream offset @pos, the first byte the core did not take. */
static void send_rewind(struct ixev_ctx *ctx, uint64_t pos)
{
	uint32_t i = ctx->s_head;
	uint64_t p = ctx->head_pos;

	while (i != ctx->s_tail && p + ctx->segs[i % IXEV_SEGS].len <= pos)
		p += ctx->segs[i++ % IXEV_SEGS].len;
	ctx->s_sub = i;
	ctx->sub_taken = (uint32_t)(pos - p);
	ctx->sub_pos = pos;
}

/* A SEND completed: it was short, refused, or failed. */
static void send_completion(struct ixev_thread *t, struct ixev_ctx *ctx,
			    uint32_t pos32, int status)
{
	uint64_t pos, end;

	/* Queued behind a short send and refused: sent again later. */
	if (status == -EAGAIN)
		return;
	if (status < 0) {
		ctx->flags |= F_SEND_ERR;
		if (!ctx->status)
			ctx->status = status;
		cmd_error(t, ctx, IXDP_OP_SEND, status);
		mark_dirty(ctx);	/* a pending close may go now */
		return;
	}
	/* The SEND started at most a send window before the cursor. */
	pos = ctx->sub_pos - (uint32_t)((uint32_t)ctx->sub_pos - pos32);
	end = pos + (uint32_t)status;
	if (end > ctx->sub_pos || end < ctx->head_pos + ctx->head_acked) {
		t->st.bad_events++;
		return;
	}
	if (end == ctx->sub_pos)
		return;
	/*
	 * Short: the core's send buffer was full, and a SENT will announce
	 * room. The SENDs queued after this one take nothing.
	 */
	t->st.short_sends++;
	send_rewind(ctx, end);
	ctx->flags |= F_BLOCKED;
	mark_dirty(ctx);
}

/* The close's fence: every SEND before it was taken, unless one was short. */
static void fence_completion(struct ixev_ctx *ctx)
{
	if (!(ctx->flags & F_FENCE))
		return;
	ctx->flags &= ~F_FENCE;
	if (ctx->sends == ctx->fence && ctx->s_sub == ctx->s_tail &&
	    !(ctx->flags & F_BLOCKED))
		ctx->flags &= ~F_UNSURE;
	mark_dirty(ctx);
}

/* The connection a SEND's user_data names, if it still has that handle. */
static struct ixev_ctx *send_lookup(struct ixev_thread *t,
				    const struct ixdp_event *ev)
{
	uint32_t s = (uint32_t)ev->arg[0];
	struct ixev_ctx *ctx;

	if (!s || s > t->nslots)
		return NULL;
	ctx = t->slots[s - 1];
	if (!ctx || ctx->state != IXEV_S_OPEN || ctx->handle != ev->handle)
		return NULL;
	return ctx;
}

/*
 * -EBADF for a command of a connection the core let go of: it moved to
 * another core (or died), and its MOVED (or DEAD) event, which may come
 * after the completions of commands the core refused meanwhile, settles
 * what was taken. Nothing to report, and no reason to stop sending: the
 * bytes not taken go to the new core. An ACCEPT refused so is not one:
 * that connection is gone before it was ever open.
 */
static bool cmd_orphaned(struct ixev_thread *t, const struct ixdp_event *ev,
			 unsigned int op)
{
	const struct ixev_ctx *ctx;

	if (ev->status != -EBADF || !ev->handle)
		return false;
	if (gone_has(t, ev->handle))
		return true;
	if (op == IXDP_OP_ACCEPT)
		return false;
	ctx = op == IXDP_OP_SEND ? send_lookup(t, ev) :
	      ctx_lookup(t, ev->arg[0]);
	/* A connection's data command, released or moved away already. */
	if (!ctx)
		return op == IXDP_OP_SEND || op == IXDP_OP_SENDV ||
		       op == IXDP_OP_RECV_DONE || op == IXDP_OP_CLOSE;
	return ctx->state == IXEV_S_OPEN && ctx->handle == ev->handle;
}

static void on_completion(struct ixev_thread *t, const struct ixdp_event *ev)
{
	unsigned int op = (unsigned int)ev->arg[1];
	struct ixev_ctx *ctx;
	struct ixdp_cmd *cmd;

	if (cmd_orphaned(t, ev, op))
		return;
	if (op == IXDP_OP_SEND) {
		ctx = send_lookup(t, ev);
		if (ctx)
			send_completion(t, ctx, (uint32_t)(ev->arg[0] >> 32),
					ev->status);
		else if (ev->status < 0 && ev->status != -EAGAIN)
			cmd_error(t, NULL, op, ev->status);
		return;
	}
	ctx = ctx_lookup(t, ev->arg[0]);
	if (ctx && ctx->state == IXEV_S_OPEN && op == IXDP_OP_NOP) {
		fence_completion(ctx);
		return;
	}
	if (ev->status >= 0)
		return;
	if (op == IXDP_OP_HANDOFF) {
		/* The knock stayed here: nobody will answer it but a reset. */
		t->st.handed_off--;
		cmd_error(t, NULL, op, ev->status);
		if (ev->status != -EBADF) {
			cmd = queue_cmd(t);
			if (cmd) {
				ixdp_prep_reject(cmd, ev->handle);
				t->st.rejected++;
			}
		}
		return;
	}
	if (ctx && ctx->state == IXEV_S_OPEN && op == IXDP_OP_ACCEPT &&
	    (ctx->flags & F_ADOPTED) && ev->status == -EBADF) {
		/*
		 * The adopted connection ended before its ACCEPT (a close
		 * that completed while it moved): its DEAD, before or after
		 * this, says how. Not an error of the application's.
		 */
		if (ctx->flags & F_DEAD_SEEN)
			ctx_dead(t, ctx, t->side[ctx->slot].dead_status);
		else
			ctx->flags |= F_REFUSED;
		return;
	}
	if (ctx && ctx->state == IXEV_S_OPEN && op == IXDP_OP_ACCEPT) {
		/*
		 * Never accepted, so no DEAD event will follow. The core may
		 * still hold the knocked connection: reset it, unless the
		 * handle itself was refused.
		 */
		cmd_error(t, ctx, op, ev->status);
		if (ev->status != -EBADF) {
			cmd = queue_cmd(t);
			if (cmd)
				ixdp_prep_reject(cmd, ctx->handle);
		}
		ctx_dead(t, ctx, ev->status);
		return;
	}
	cmd_error(t, ctx, op, ev->status);
}

/*
 * Give the knock @handle to @to's context. Its cpu and ctx_id are set
 * before the thread is shared and never change, so reading them from this
 * thread is safe.
 */
static void handoff(struct ixev_thread *t, struct ixev_thread *to,
		    uint64_t handle)
{
	struct ixdp_cmd *cmd = queue_cmd(t);

	if (!cmd)
		return;
	if (to->ring.cpu != t->ring.cpu || !to->ring.ctx_id) {
		cmd_error(t, NULL, IXDP_OP_HANDOFF, -EXDEV);
		ixdp_prep_reject(cmd, handle);
		t->st.rejected++;
		return;
	}
	ixdp_prep_handoff(cmd, handle, to->ring.ctx_id);
	t->st.handed_off++;
}

static void on_knock(struct ixev_thread *t, const struct ixdp_event *ev)
{
	struct ixev_peer peer = {
		.ip = (uint32_t)ev->arg[0],
		.port = (uint16_t)ev->arg[1],
		.local_port = (uint16_t)ev->arg[2],
	};
	struct ixev_thread *to = t->dispatch ? t->dispatch(t, &peer) : NULL;
	struct ixev_ctx *ctx;
	struct ixdp_cmd *cmd;

	if (to && to != t) {
		handoff(t, to, ev->handle);
		return;
	}
	ctx = t->ops.accept ? t->ops.accept(t, &peer) : NULL;

	/* No memory for it: the application gets its context back. */
	if (ctx && slot_get(t, ctx)) {
		ctx->t = t;
		if (t->ops.release)
			t->ops.release(ctx);
		ctx = NULL;
	}
	cmd = queue_cmd(t);
	if (!cmd) {
		if (ctx) {
			slot_put(t, ctx);
			ctx->t = t;
			if (t->ops.release)
				t->ops.release(ctx);
		}
		return;
	}
	if (!ctx) {
		ixdp_prep_reject(cmd, ev->handle);
		t->st.rejected++;
		return;
	}
	ctx->handle = ev->handle;
	ctx->state = IXEV_S_OPEN;
	ixdp_prep_accept(cmd, ev->handle, ctx_cookie(ctx));
	ixdp_cmd_set_data(cmd, ctx_cookie(ctx));
	t->st.accepted++;
}

static void on_connected(struct ixev_thread *t, struct ixev_ctx *ctx,
			 const struct ixdp_event *ev)
{
	if (ctx->state != IXEV_S_CONNECTING) {
		t->st.bad_events++;
		return;
	}
	if (ev->status < 0) {
		ctx->state = IXEV_S_DEAD;
		ctx->status = ev->status;
		drop_tx(ctx, ev->status);
		if (t->ops.dialed)
			t->ops.dialed(ctx, ev->status);
		ctx_release(t, ctx);
		return;
	}
	ctx->handle = ev->handle;
	ctx->state = IXEV_S_OPEN;
	mark_dirty(ctx);	/* sends and a close queued meanwhile */
	if (t->ops.dialed)
		t->ops.dialed(ctx, 0);
}

/* The peer acknowledged @bytes: they free their ranges; a short send resumes. */
static void acked(struct ixev_ctx *ctx, uint64_t bytes)
{
	ack_bytes(ctx, bytes);
	carry_push(ctx);
	if (ctx->flags & F_BLOCKED) {
		ctx->flags &= ~F_BLOCKED;
		mark_dirty(ctx);
	}
}

static void on_recv(struct ixev_thread *t, struct ixev_ctx *ctx,
		    const struct ixdp_event *ev)
{
	uint64_t off = ev->arg[0], len = ev->arg[1];
	unsigned int out = 0;

	/* Bytes acknowledged meanwhile (IXDP_ATTACH_RECV_ACKED). */
	if (ev->arg[2]) {
		acked(ctx, ev->arg[2]);
		out = IXEVOUT;
	}
	if (!len) {
		ctx->flags |= F_EOF;
		fire(ctx, IXEVIN | out);
		return;
	}
	if (len > UINT32_MAX || !ixdp_rx_data(&t->ring, off, len)) {
		t->st.bad_events++;
		return;
	}
	if (rq_push(ctx, (uint32_t)off, (uint32_t)len)) {
		/* The bytes can never be returned: the connection is stuck. */
		t->err = -ENOMEM;
		ixev_abort(ctx);
		return;
	}
	ctx->rx_bytes += len;
	t->side[ctx->slot].rx_total += len;
	fire(ctx, IXEVIN | out);
}

static void on_sent(struct ixev_thread *t, struct ixev_ctx *ctx,
		    const struct ixdp_event *ev)
{
	ctx->room = ev->arg[1] > UINT32_MAX ? UINT32_MAX : (uint32_t)ev->arg[1];
	acked(ctx, ev->arg[0]);
	fire(ctx, IXEVOUT);
}

/* ---- moves ------------------------------------------------------------- */

/*
 * Where a connection is while it moves from one ixev thread to another:
 * nobody runs this one, so every call on the connection returns -EXDEV.
 */
static struct ixev_thread ixev_transit = { .bound = true };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int ixev_set_moved(struct ixev_thread *t, ixev_moved_t fn)
{
	if (!mine(t))
		return -EXDEV;
	t->moved = fn;
	return 0;
}

/*
 * A context that has no slot here (it was moving) is given back to the
 * application: DEAD with @status, optionally its HUP handler, release.
 */
static void ctx_lost(struct ixev_thread *t, struct ixev_ctx *ctx, int status,
		     bool hup)
{
	ctx->t = t;
	ctx->state = IXEV_S_DEAD;
	if (!ctx->status)
		ctx->status = status;
	t->st.dead++;
	if (hup)
		fire(ctx, IXEVHUP);
	if (ctx->rq != ctx->rq_inline)
		free(ctx->rq);
	ctx->rq = ctx->rq_inline;
	ctx->rq_cap = IXEV_RSEGS;
	ctx->rq_head = 0;
	ctx->rq_tail = 0;
	if (t->ops.release)
		t->ops.release(ctx);
}

/* The received bytes the application has not consumed, oldest first. */
static int carry_rx(struct ixev_thread *t, struct ixev_ctx *ctx,
		    struct ixev_carry *c)
{
	const struct ixev_carry *old = ctx_carry(ctx);
	const struct ixev_rx_seg *seg;
	uint64_t n = 0;
	uint32_t i, skip;

	if (old)
		n += old->rx_len - old->rx_off;
	for (i = ctx->rq_head; i != ctx->rq_tail; i++)
		n += ctx->rq[i & (ctx->rq_cap - 1)].len;
	n -= ctx->rq_used;
	if (n > UINT32_MAX)
		return -ENOMEM;
	if (!n)
		return 0;
	c->rx = malloc(n);
	if (!c->rx)
		return -ENOMEM;
	if (old && old->rx_off < old->rx_len) {
		memcpy(c->rx, old->rx + old->rx_off, old->rx_len - old->rx_off);
		c->rx_len = old->rx_len - old->rx_off;
	}
	skip = ctx->rq_used;
	for (i = ctx->rq_head; i != ctx->rq_tail; i++) {
		seg = &ctx->rq[i & (ctx->rq_cap - 1)];
		memcpy(c->rx + c->rx_len, t->ring.rx_base + seg->off + skip,
		       seg->len - skip);
		c->rx_len += seg->len - skip;
		skip = 0;
	}
	return 0;
}

/*
 * The bytes the core had not taken (from c->tx_pos on), in stream order:
 * those of the send queue, then those it brought and had not queued yet.
 */
static int carry_tx(struct ixev_thread *t, struct ixev_ctx *ctx,
		    struct ixev_carry *c)
{
	const struct ixev_carry *old = ctx_carry(ctx);
	const struct ixev_tx_seg *seg;
	uint64_t p = ctx->head_pos, n = 0, from;
	uint32_t i, k;

	for (i = ctx->s_head; i != ctx->s_tail; i++) {
		seg = &ctx->segs[i % IXEV_SEGS];
		if (p + seg->len > c->tx_pos)
			n += p + seg->len - (p > c->tx_pos ? p : c->tx_pos);
		p += seg->len;
	}
	if (old)
		n += old->tx_len - old->tx_off;
	if (n > UINT32_MAX)
		return -ENOMEM;
	if (!n)
		return 0;
	c->tx = malloc(n);
	if (!c->tx)
		return -ENOMEM;
	p = ctx->head_pos;
	for (i = ctx->s_head; i != ctx->s_tail; i++) {
		seg = &ctx->segs[i % IXEV_SEGS];
		if (p + seg->len > c->tx_pos) {
			from = p > c->tx_pos ? p : c->tx_pos;
			k = (uint32_t)(p + seg->len - from);
			memcpy(c->tx + c->tx_len,
			       t->ring.tx_base + seg->off + (from - p), k);
			c->tx_len += k;
		}
		p += seg->len;
	}
	if (old && old->tx_off < old->tx_len) {
		memcpy(c->tx + c->tx_len, old->tx + old->tx_off,
		       old->tx_len - old->tx_off);
		c->tx_len += old->tx_len - old->tx_off;
	}
	return 0;
}

/*
 * Fill @c from the MOVED event and the connection's queues. Positions are
 * checked against what ixev saw: received bytes must match exactly; the
 * core can only have taken bytes between those acknowledged and those
 * sent to it. A mismatch is counted and resets the connection where it
 * is adopted.
 */
static int carry_fill(struct ixev_thread *t, struct ixev_ctx *ctx,
		      struct ixev_carry *c, const struct ixdp_event *ev)
{
	uint64_t acked = ctx->head_pos + ctx->head_acked;
	uint32_t rx32 = (uint32_t)ev->arg[1];
	uint32_t tx32 = (uint32_t)(ev->arg[1] >> 32);
	bool eof = ev->arg[2] & IXDP_MOVED_EOF;

	c->token = ev->arg[0];
	c->ctx = ctx;
	c->from = t;
	c->pos = ev->arg[1];
	c->mflags = ev->arg[2];
	c->rx_total = t->side[ctx->slot].rx_total;
	c->tx_pos = acked + (uint32_t)(tx32 - (uint32_t)acked);
	if (rx32 != (uint32_t)c->rx_total || eof != !!(ctx->flags & F_EOF) ||
	    c->tx_pos > ctx->sub_pos ||
	    ((c->mflags & IXDP_MOVED_FIN) && !(ctx->flags & F_CLOSE_REQ)) ||
	    (c->mflags & ~(IXDP_MOVED_FIN | IXDP_MOVED_EOF))) {
		t->st.bad_events++;
		c->bad = true;
		if (c->tx_pos > ctx->sub_pos)
			c->tx_pos = ctx->sub_pos;
	}
	if (carry_rx(t, ctx, c) || carry_tx(t, ctx, c))
		return -ENOMEM;
	/* The core took the close after every byte before it. */
	if ((c->mflags & IXDP_MOVED_FIN) && c->tx_len) {
		t->st.bad_events++;
		c->bad = true;
	}
	return 0;
}

/*
 * The connection leaves @t: its chunks, slot and credit stay here (the
 * core forgot the credit), its queues start empty where it goes.
 */
static void ctx_leave(struct ixev_thread *t, struct ixev_ctx *ctx)
{
	uint32_t i;

	for (i = ctx->s_head; i != ctx->s_tail; i++)
		if (ctx->segs[i % IXEV_SEGS].chunk != IXEV_NO_CHUNK)
			chunk_put(t, ctx, ctx->segs[i % IXEV_SEGS].chunk);
	if (ctx->fill_chunk != IXEV_NO_CHUNK) {
		t->chunk_free[t->nchunk_free++] = ctx->fill_chunk;
		ctx->fill_chunk = IXEV_NO_CHUNK;
	}
	if (ctx->flags & F_CARRY) {
		ixev_carry_free(t->side[ctx->slot].carry);
		t->side[ctx->slot].carry = NULL;
	}
	ctx->flags &= ~(F_UNSURE | F_BLOCKED | F_FENCE | F_CARRY);
	ctx->s_head = 0;
	ctx->s_sub = 0;
	ctx->s_tail = 0;
	ctx->head_acked = 0;
	ctx->sub_taken = 0;
	ctx->unacked = 0;
	ctx->fill_used = 0;
	ctx->rq_head = 0;
	ctx->rq_tail = 0;
	ctx->rq_used = 0;
	ctx->credit = 0;
	ctx->rx_bytes = 0;
	list_del(&ctx->dirty);
	list_del(&ctx->wait);
	slot_put(t, ctx);
}

/*
 * IXDP_EV_MOVED: the connection's flow group went to another core. What
 * the application had not read and what the core had not taken are
 * copied out, its zero-copy buffers are the application's again (their
 * callbacks say so: status 0), and it waits in the registry for the
 * thread of the new core.
 */
static void on_moved(struct ixev_thread *t, struct ixev_ctx *ctx,
		     const struct ixdp_event *ev)
{
	uint32_t head = ctx->s_head, tail = ctx->s_tail, i;
	struct ixev_carry *c = calloc(1, sizeof(*c));
	struct ixev_tx_seg *seg;

	gone_add(t, ev->handle);
	if (!c || carry_fill(t, ctx, c, ev)) {
		/* Its handle is dead already: the connection is lost. */
		ixev_carry_free(c);
		t->err = -ENOMEM;
		ctx_dead(t, ctx, -ENOMEM);
		return;
	}
	ctx_leave(t, ctx);
	t->st.moved_out++;
	ctx->t = &ixev_transit;
	for (i = head; i != tail; i++) {
		seg = &ctx->segs[i % IXEV_SEGS];
		if (seg->chunk == IXEV_NO_CHUNK && seg->cb)
			seg->cb(ctx, seg->cb_arg, 0);
	}
	if (!ixev_registry_put(c)) {
		/* Its adoption timed out: the core reset it. */
		ixev_carry_free(c);
		ctx_lost(t, ctx, -ETIMEDOUT, true);
	}
}

static void reject(struct ixev_thread *t, uint64_t handle)
{
	struct ixdp_cmd *cmd = queue_cmd(t);

	if (!cmd)
		return;
	ixdp_prep_reject(cmd, handle);
	t->st.rejected++;
}

/*
 * The connection of @c becomes @t's under @handle (IXDP_EV_ADOPT @pos):
 * ACCEPT, then the bytes it had not sent, a close it had asked for and
 * the core had not taken, the bytes it had not read first. @dead: the
 * core reported it dead before the ACCEPT (status @status).
 */
static void adopt(struct ixev_thread *t, struct ixev_carry *c,
		  uint64_t handle, uint64_t pos, bool dead, int status)
{
	struct ixev_ctx *ctx = c->ctx;
	struct ixev_thread *from = c->from;
	bool fin = c->mflags & IXDP_MOVED_FIN, bad = c->bad;
	unsigned int why = 0;
	struct ixdp_cmd *cmd;

	if (pos != c->pos) {
		t->st.bad_events++;
		bad = true;
	}
	if (slot_get(t, ctx)) {
		if (!dead)
			reject(t, handle);
		ixev_carry_free(c);
		t->err = -ENOMEM;
		ctx_lost(t, ctx, -ENOMEM, true);
		return;
	}
	t->st.moved_in++;
	t->side[ctx->slot].rx_total = c->rx_total;
	ctx->handle = handle;
	ctx->head_pos = c->tx_pos;
	ctx->sub_pos = c->tx_pos;
	ctx->sends = 0;
	ctx->fence = 0;
	ctx->room = 0;
	if (fin)
		ctx->flags |= F_CLOSE_REQ | F_CLOSE_SENT;
	else
		ctx->flags &= ~F_CLOSE_SENT;
	if (c->rx_len || c->tx_len) {
		t->side[ctx->slot].carry = c;
		ctx->flags |= F_CARRY;
	} else {
		ixev_carry_free(c);
	}
	if (dead || bad || (ctx->flags & F_ABORT_SENT)) {
		if (!dead)
			reject(t, handle);
		if (t->moved)
			t->moved(ctx, from, t);
		ctx_dead(t, ctx, dead ? status : bad ? -EPROTO :
			 -ECONNABORTED);
		return;
	}
	cmd = queue_cmd(t);
	if (!cmd) {
		ctx_dead(t, ctx, -ENOMEM);
		return;
	}
	ixdp_prep_accept(cmd, handle, ctx_cookie(ctx));
	ixdp_cmd_set_data(cmd, ctx_cookie(ctx));
	ctx->flags |= F_ADOPTED;
	carry_push(ctx);
	mark_dirty(ctx);	/* the close, if it is due */
	if (t->moved)
		t->moved(ctx, from, t);
	if (ctx->state != IXEV_S_OPEN || ctx->t != t)
		return;
	if (ctx_carry(ctx) && ctx_carry(ctx)->rx_off < ctx_carry(ctx)->rx_len)
		why |= IXEVIN;
	if (ixev_send_space(ctx))
		why |= IXEVOUT;
	if (why)
		fire(ctx, why);
}

/* IXDP_EV_ADOPT: a connection of this process comes from another core. */
static void on_adopt(struct ixev_thread *t, const struct ixdp_event *ev)
{
	struct ixev_carry *c = ixev_registry_take(ev->arg[0]);
	struct ixev_adopt *a;
	uint32_t cap;

	if (c) {
		adopt(t, c, ev->handle, ev->arg[1], false, 0);
		return;
	}
	/* Its MOVED is not handled yet (another thread's ring): wait. */
	if (t->npend == t->pend_cap) {
		cap = t->pend_cap ? 2 * t->pend_cap : 16;
		a = realloc(t->pend, cap * sizeof(*a));
		if (!a) {
			t->err = -ENOMEM;
			reject(t, ev->handle);
			return;
		}
		t->pend = a;
		t->pend_cap = cap;
	}
	t->pend[t->npend++] = (struct ixev_adopt){
		.token = ev->arg[0], .handle = ev->handle, .pos = ev->arg[1],
		.deadline_ns = now_ns() +
			       (uint64_t)ixev_adopt_timeout_ms * 1000000ULL,
	};
}

/*
 * A DEAD with no cookie: a knock or an adoption that died before its
 * ACCEPT was processed (which then fails with -EBADF). An adoption still
 * waiting for its connection is remembered as dead.
 */
static void on_dead_unaccepted(struct ixev_thread *t,
			       const struct ixdp_event *ev)
{
	struct ixev_ctx *ctx;
	uint32_t i;

	/* Adopted, its ACCEPT queued or refused already (rare: a scan). */
	for (i = 0; i < t->nslots; i++) {
		ctx = t->slots[i];
		if (!ctx || ctx->state != IXEV_S_OPEN ||
		    ctx->handle != ev->handle || !(ctx->flags & F_ADOPTED))
			continue;
		if (ctx->flags & F_REFUSED) {
			ctx_dead(t, ctx, ev->status);
		} else {
			ctx->flags |= F_DEAD_SEEN;
			t->side[i].dead_status = ev->status;
		}
		return;
	}

	for (i = 0; i < t->npend; i++) {
		if (t->pend[i].handle == ev->handle) {
			t->pend[i].dead = true;
			t->pend[i].status = ev->status ? ev->status :
					    -ECONNRESET;
		}
	}
}

/*
 * Adoptions waiting for their connection: take those that arrived, reset
 * those that waited too long. Returns how many are still waiting.
 */
static uint32_t adopt_retry(struct ixev_thread *t)
{
	struct ixev_carry *c;
	struct ixev_adopt a;
	uint64_t now;
	uint32_t i = 0;

	if (!t->npend)
		return 0;
	now = now_ns();
	while (i < t->npend) {
		a = t->pend[i];
		c = ixev_registry_take(a.token);
		if (!c && now < a.deadline_ns) {
			i++;
			continue;
		}
		t->pend[i] = t->pend[--t->npend];
		if (!c)
			c = ixev_registry_give_up(a.token);
		if (c) {
			adopt(t, c, a.handle, a.pos, a.dead, a.status);
			continue;
		}
		if (!a.dead)
			reject(t, a.handle);
		t->st.adopt_timeouts++;
		cmd_error(t, NULL, IXDP_OP_ACCEPT, -ETIMEDOUT);
	}
	return t->npend;
}

static void handle_event(struct ixev_thread *t, const struct ixdp_event *ev)
{
	struct ixev_ctx *ctx;

	t->st.events++;
	switch (ev->type) {
	case IXDP_EV_COMPLETION:
		on_completion(t, ev);
		return;
	case IXDP_EV_KNOCK:
		on_knock(t, ev);
		return;
	case IXDP_EV_ADOPT:
		on_adopt(t, ev);
		return;
	case IXDP_EV_DEAD:
		if (!ev->cookie) {
			on_dead_unaccepted(t, ev);
			return;
		}
		break;
	case IXDP_EV_CONNECTED:
	case IXDP_EV_RECV:
	case IXDP_EV_SENT:
	case IXDP_EV_MOVED:
		break;
	default:
		t->st.bad_events++;
		return;
	}
	ctx = ctx_lookup(t, ev->cookie);
	if (!ctx) {
		t->st.bad_events++;
		return;
	}
	if (ev->type == IXDP_EV_CONNECTED) {
		on_connected(t, ctx, ev);
		return;
	}
	if (ctx->state != IXEV_S_OPEN || ev->handle != ctx->handle) {
		t->st.bad_events++;
		return;
	}
	if (ev->type == IXDP_EV_RECV)
		on_recv(t, ctx, ev);
	else if (ev->type == IXDP_EV_SENT)
		on_sent(t, ctx, ev);
	else if (ev->type == IXDP_EV_MOVED)
		on_moved(t, ctx, ev);
	else
		ctx_dead(t, ctx, ev->status);
}

/* Connections that found no free chunk: there may be some now. */
static void wake_waiters(struct ixev_thread *t)
{
	struct ixev_link *l;
	struct ixev_ctx *ctx;

	while (t->nchunk_free && (l = list_pop(&t->waiters))) {
		ctx = container_of(l, struct ixev_ctx, wait);
		carry_push(ctx);
		if (!linked(&ctx->wait))
			fire(ctx, IXEVOUT);
	}
}

/* ixev_wait(), or with @no_poll the events ready only, with no poll(). */
static int wait_common(struct ixev_thread *t, int timeout_ms, bool no_poll)
{
	const struct ixdp_event *ev;
	uint32_t head, n = 0;
	int ret;

	ret = wait_enter(t);
	if (ret)
		return ret;
	if (t->err) {
		ret = t->err;
		t->err = 0;
		return wait_leave(t, ret);
	}
	adopt_retry(t);
	ret = flush(t);
	if (ret < 0 && ret != -ENXIO)
		return wait_leave(t, ret);
	/* Commands left over wait for slots, which free without an event. */
	if (t->ovf_head != t->ovf_tail)
		timeout_ms = 0;
	/* Another thread cannot wake this one when a connection arrives. */
	if (t->npend && (timeout_ms < 0 || timeout_ms > 1))
		timeout_ms = 1;
	if (no_poll && !t->ring.inline_on) {
		ret = (int)ixdp_events_ready(&t->ring);
		if (!ret && ixdp_ring_dead(&t->ring))
			ret = -ENXIO;
	} else {
		ret = ixdp_wait(&t->ring, timeout_ms);
	}
	if (ret <= 0)
		return wait_leave(t, ret);
	ixdp_for_each_event(&t->ring, head, ev) {
		handle_event(t, ev);
		n++;
	}
	ixdp_event_advance(&t->ring, n);
	wake_waiters(t);
	return wait_leave(t, (int)n);
}

int ixev_wait(struct ixev_thread *t, int timeout_ms)
{
	return wait_common(t, timeout_ms, false);
}

/* Internal (ixdp_int.h): ixev_wait(t, 0) with no poll() in ring mode. */
int ixev_thread_run(struct ixev_thread *t)
{
	return wait_common(t, 0, true);
}

/* ---- threads ----------------------------------------------------------- */

int ixev_thread_attach(struct ixev_thread **tp, const struct ixdp_ring *ring,
		       const struct ixev_params *p,
		       const struct ixev_conn_ops *ops, void *user)
{
	struct ixev_thread *t;
	uint32_t i, cs;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ring = *ring;
	t->ops = *ops;
	t->user = user;
	list_init(&t->dirty);
	list_init(&t->waiters);

	cs = p && p->chunk_size ? p->chunk_size : DEF_CHUNK;
	t->send_win = p && p->send_win ? p->send_win : DEF_SEND_WIN;
	t->tx_reserve = p ? p->tx_reserve : 0;
	if ((cs & (cs - 1)) || cs < 64 || t->tx_reserve > ring->tx_size)
		goto err_inval;
	t->chunk_size = cs;
	t->chunk_base = (t->tx_reserve + cs - 1) & ~(cs - 1);
	if (t->chunk_base < ring->tx_size)
		t->nchunks = (ring->tx_size - t->chunk_base) / cs;
	t->chunk_free = calloc(t->nchunks + 1, sizeof(uint32_t));
	t->chunk_refs = calloc(t->nchunks + 1, sizeof(uint32_t));
	t->ovf_cap = OVF_INIT;
	t->ovf = calloc(t->ovf_cap, sizeof(*t->ovf));
	if (!t->chunk_free || !t->chunk_refs || !t->ovf || slots_grow(t))
		goto err_nomem;
	for (i = t->nchunks; i-- > 0;)
		t->chunk_free[t->nchunk_free++] = i;
	*tp = t;
	return 0;

err_inval:
	free(t);
	return -EINVAL;
err_nomem:
	/* The caller keeps the ring. */
	memset(&t->ring, 0, sizeof(t->ring));
	t->ring.fd = -1;
	ixev_thread_destroy(t);
	return -ENOMEM;
}

int ixev_thread_create(struct ixev_thread **tp, unsigned int cpu,
		       const struct ixev_params *p,
		       const struct ixev_conn_ops *ops, void *user)
{
	struct ixdp_ring ring;
	int err;

	err = ixdp_ring_setup_flags(&ring, cpu, p ? &p->ring : NULL,
				    IXDP_ATTACH_RECV_ACKED |
				    IXDP_ATTACH_MOVABLE);
	if (err)
		return err;
	err = ixev_thread_attach(tp, &ring, p, ops, user);
	if (err)
		ixdp_ring_exit(&ring);
	return err;
}

void ixev_thread_destroy(struct ixev_thread *t)
{
	struct ixev_carry *c;
	struct ixev_ctx *ctx;
	uint32_t s;

	if (!t)
		return;
	ixev_registry_forget(t);
	/* Adoptions still waiting: their connections are reset too. */
	for (s = 0; s < t->npend; s++) {
		c = ixev_registry_give_up(t->pend[s].token);
		if (c) {
			ctx = c->ctx;
			ixev_carry_free(c);
			ctx_lost(t, ctx, -ECONNABORTED, false);
		}
	}
	free(t->pend);
	/* Closing the file resets them; the application gets them back. */
	for (s = 0; s < t->nslots; s++) {
		ctx = t->slots[s];
		if (!ctx)
			continue;
		ctx->state = IXEV_S_DEAD;
		if (!ctx->status)
			ctx->status = -ECONNABORTED;
		drop_tx(ctx, ctx->status);
		ctx_release(t, ctx);
	}
	ixdp_ring_exit(&t->ring);
	free(t->slots);
	free(t->side);
	free(t->gens);
	free(t->slot_free);
	free(t->chunk_free);
	free(t->chunk_refs);
	free(t->ovf);
	free(t);
}

void *ixev_thread_user(struct ixev_thread *t)
{
	return t->user;
}

struct ixdp_ring *ixev_thread_ring(struct ixev_thread *t)
{
	return &t->ring;
}

const struct ixev_stats *ixev_thread_stats(struct ixev_thread *t)
{
	return &t->st;
}

void *ixev_tx_reserved(struct ixev_thread *t, size_t *size)
{
	if (size)
		*size = t->tx_reserve;
	return t->ring.tx_base;
}
