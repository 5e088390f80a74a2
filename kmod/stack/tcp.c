// SPDX-License-Identifier: GPL-2.0
/*
 * TCP application interface (the IX event model) and control block
 * lifetime.
 *
 * A handle is {flow group:16, generation:16, slot:32}.  It is valid from
 * the knock or connected event until the dead event (or until abort or
 * reject returns); the slot's generation changes when the application
 * loses the handle, so a stale or forged handle fails with -EBADF.
 *
 * Events: knock(handle, peer) when a passive connection is established;
 * connected(cookie, handle, status) for connect; recv(cookie, data, len)
 * for in-order payload, which stays in its RX buffer until recv_done
 * (len 0 means end of stream); sent(cookie, bytes, space) when bytes
 * given to sendv are acknowledged and may be reused; dead(cookie, status)
 * when the connection is gone (0 after a graceful close).
 */
#include "tcp.h"

#define PORT_LO		32768
#define PORT_HI		60999

int ix_tcp_init(struct ix_stack *c)
{
	u32 i, n = c->cfg.nconn;

	c->tcb = ix_plat_zalloc((size_t)n * sizeof(*c->tcb));
	c->tcb_gen = ix_plat_zalloc((size_t)n * sizeof(*c->tcb_gen));
	c->tcb_free = ix_plat_zalloc((size_t)n * sizeof(*c->tcb_free));
	if (!c->tcb || !c->tcb_gen || !c->tcb_free)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		c->tcb_gen[i] = 1;
		c->tcb_free[i] = n - 1 - i;
	}
	c->ntcb_free = n;
	c->next_port = PORT_LO;
	return 0;
}

/* The control block in @slot, NULL if the slot holds no connection. */
struct ix_tcb *ix_tcp_slot(const struct ix_stack *c, u32 slot)
{
	return slot < c->cfg.nconn ? c->tcb[slot] : NULL;
}

/* Give the memory of the control blocks freed since the last call back. */
void ix_tcp_release_dead(struct ix_stack *c)
{
	struct ix_tcb *t;

	while ((t = c->tcb_dead)) {
		c->tcb_dead = t->dead_next;
		ix_plat_tcb_free(t);
		c->ntcb--;
	}
}

void ix_tcp_destroy(struct ix_stack *c)
{
	u32 i;

	for (i = 0; c->tcb_free && i < c->tcb_hi; i++)
		if (c->tcb[i])
			ix_tcp_free(c, c->tcb[i]);
	ix_tcp_release_dead(c);
	ix_plat_free(c->tcb);
	ix_plat_free(c->tcb_gen);
	ix_plat_free(c->tcb_free);
	c->tcb = NULL;
	c->tcb_gen = NULL;
	c->tcb_free = NULL;
}

/*
 * The table is full: give a connection in TIME_WAIT up for the new one,
 * as Linux does past tcp_max_tw_buckets. Otherwise connections closed by
 * this side would hold their blocks for 2 MSL, and a user who opens and
 * closes connections fast would fill the core for everybody. A scan, but
 * only when the table is full.
 */
static bool reclaim_time_wait(struct ix_stack *c)
{
	u32 i, n;

	/* None in TIME_WAIT: no scan; else one goes on where the last ended. */
	for (n = 0; c->ntw && n < c->tcb_hi; n++) {
		i = c->tw_hint++ % c->tcb_hi;
		if (c->tcb[i] && c->tcb[i]->state == IX_TCP_TIME_WAIT) {
			ix_tcp_free(c, c->tcb[i]);
			c->stat[IX_STAT_TCP_TW_RECYCLED]++;
			return true;
		}
	}
	return false;
}

struct ix_tcb *ix_tcp_alloc(struct ix_stack *c, u32 lip, u32 rip, u16 lport,
			    u16 rport, u32 hash)
{
	struct ix_tcb *t;
	u32 slot;

	if (!c->ntcb_free && !reclaim_time_wait(c))
		return NULL;
	t = ix_plat_tcb_zalloc(sizeof(*t));
	if (!t)
		return NULL;
	c->ntcb++;
	slot = c->tcb_free[--c->ntcb_free];
	c->tcb[slot] = t;
	if (slot >= c->tcb_hi)
		c->tcb_hi = slot + 1;
	t->slot = slot;
	t->gen = c->tcb_gen[slot];
	t->hnext = IX_NIL;
	t->lip = lip;
	t->rip = rip;
	t->lport = lport;
	t->rport = rport;
	t->hash = hash;
	t->fg = (u16)ix_toeplitz_fg(hash, c->cfg.nfg);
	t->rcv_buf = c->cfg.rcv_buf;
	t->mss = 536;
	t->rto = c->cfg.init_rto_us;
	t->cwnd = t->mss;
	t->ssthresh = 1u << 30;
	if (!c->cfg.no_wscale)
		t->flags |= TF_WS;
	if (!c->cfg.no_sack)
		t->flags |= TF_SACK;
	if (!c->cfg.no_ts)
		t->flags |= TF_TS;
	t->rcv_wscale = (t->flags & TF_WS) ? ix_tcp_wscale_for(t->rcv_buf) : 0;
	ix_mq_init(&t->rcvq);
	ix_mq_init(&t->pend);
	ix_mq_init(&t->ooo);
	ix_tcp_timers_init(t);
	ix_flowtab_insert(c, t);
	return t;
}

static void purge_rcv(struct ix_stack *c, struct ix_tcb *t)
{
	ix_mq_purge(&c->rxpool, &t->rcvq);
	ix_mq_purge(&c->rxpool, &t->pend);
	ix_mq_purge(&c->rxpool, &t->ooo);
	t->held = 0;
	t->dlv = 0;
	t->rel = 0;
}

static void new_gen(struct ix_tcb *t)
{
	if (!++t->gen)
		t->gen = 1;
}

/*
 * Release @t's slot. A connection that closes is told to the host as
 * CLOSED, with the handle it had; one that leaves for another stack
 * (@exported: ix_fg_export()) lives on there, and is not.
 */
/* The copy of sends taken on another core is acknowledged or not needed. */
void ix_tcp_sq_copy_free(struct ix_tcb *t)
{
	ix_plat_free(t->sq_copy);
	t->sq_copy = NULL;
	t->sq_copy_len = 0;
	t->sq_copy_refs = 0;
}

static void tcb_release(struct ix_stack *c, struct ix_tcb *t, bool exported)
{
	ix_tcp_timers_cancel(c, t);
	ix_tcp_sq_copy_free(t);
	purge_rcv(c, t);
	ix_tcp_pre_sync(c, t);
	ix_flowtab_remove(c, t);
	if (t->flags & TF_SYN_COUNTED)
		c->syn_rcvd--;
	if (t->state == IX_TCP_TIME_WAIT)
		c->ntw--;
	if (exported)
		t->state = IX_TCP_CLOSED;
	else
		ix_tcp_set_state(c, t, IX_TCP_CLOSED);
	new_gen(t);
	t->flags = 0;
	c->tcb_gen[t->slot] = t->gen;
	c->tcb[t->slot] = NULL;
	c->tcb_free[c->ntcb_free++] = t->slot;
	t->dead_next = c->tcb_dead;
	c->tcb_dead = t;
}

void ix_tcp_free(struct ix_stack *c, struct ix_tcb *t)
{
	tcb_release(c, t, false);
}

void ix_tcp_free_exported(struct ix_stack *c, struct ix_tcb *t)
{
	tcb_release(c, t, true);
}

static struct ix_listener *listener_of(struct ix_stack *c,
				       const struct ix_tcb *t)
{
	unsigned int i;

	if (t->flags & TF_ACTIVE)
		return NULL;
	for (i = 0; i < IX_LISTEN_MAX; i++)
		if (c->listen[i].used && c->listen[i].port == t->lport)
			return &c->listen[i];
	return NULL;
}

/*
 * Charge @t's buffers to its core and listener while it is not accepted
 * (see IX_PRE_BUFS_CONN); call after any change of its queues or TF_APP.
 */
void ix_tcp_pre_sync(struct ix_stack *c, struct ix_tcb *t)
{
	struct ix_listener *l;
	u32 n = 0;

	if (!(t->flags & TF_APP) && t->state != IX_TCP_CLOSED)
		n = t->rcvq.count + t->pend.count + t->ooo.count;
	if (n == t->pre_bufs)
		return;
	c->pre_bufs += n - t->pre_bufs;
	l = listener_of(c, t);
	/* A listener opened again since then starts from zero. */
	if (l && (n > t->pre_bufs || l->pre_bufs >= t->pre_bufs - n))
		l->pre_bufs += n - t->pre_bufs;
	else if (l)
		l->pre_bufs = 0;
	t->pre_bufs = n;
}

bool ix_tcp_pre_full(struct ix_stack *c, const struct ix_tcb *t)
{
	const struct ix_listener *l = listener_of(c, t);

	return t->pend.count + t->ooo.count >= IX_PRE_BUFS_CONN ||
	       c->pre_bufs >= c->cfg.nrxbuf / 4 ||
	       (l && l->pre_bufs >= c->cfg.nrxbuf / 16);
}

void ix_tcp_event(struct ix_stack *c, struct ix_tcb *t, u16 type, s32 status)
{
	struct ix_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.status = status;
	ev.cookie = t->cookie;
	ev.handle = ix_tcp_handle(t);
	ev.ip = t->rip;
	ev.port = t->rport;
	ev.lport = t->lport;
	if (type == IX_EV_SENT) {
		ev.len = t->acked_unreported;
		/*
		 * Room a send can take now: none while every send reference
		 * is in use, even with bytes to spare (a buffer that does
		 * not continue the last one needs a reference of its own).
		 */
		ev.window = t->sq_cnt == IX_SQ_REFS ? 0 :
			    c->cfg.snd_buf - t->sq_bytes;
	}
	ix_stack_emit(c, &ev);
}

/* The application loses the handle; the block may live on (TIME_WAIT). */
void ix_tcp_detach(struct ix_stack *c, struct ix_tcb *t, int status)
{
	if (t->flags & (TF_APP | TF_KNOCKED))
		ix_tcp_event(c, t, IX_EV_DEAD, status);
	t->flags &= ~(TF_APP | TF_KNOCKED);
	purge_rcv(c, t);
	ix_tcp_pre_sync(c, t);
	new_gen(t);
}

void ix_tcp_kill(struct ix_stack *c, struct ix_tcb *t, int err)
{
	if ((t->flags & (TF_ACTIVE | TF_APP)) == TF_ACTIVE) {
		struct ix_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = IX_EV_CONNECTED;
		ev.status = err;
		ev.cookie = t->cookie;
		ev.ip = t->rip;
		ev.port = t->rport;
		ev.lport = t->lport;
		ix_stack_emit(c, &ev);
	} else {
		ix_tcp_detach(c, t, err);
	}
	ix_tcp_free(c, t);
}

void ix_tcp_established(struct ix_stack *c, struct ix_tcb *t)
{
	ix_tcp_set_state(c, t, IX_TCP_ESTABLISHED);
	t->cwnd = ix_min32(10 * t->mss, ix_max32(2 * t->mss, 14600));
	t->ssthresh = 1u << 30;
	t->recover = t->snd_una;
	t->rtx_hi = t->snd_una;
	t->retries = 0;
	if (t->flags & TF_SYN_COUNTED) {
		t->flags &= ~TF_SYN_COUNTED;
		c->syn_rcvd--;
	}
	if (t->flags & TF_ACTIVE) {
		t->flags |= TF_APP;
		ix_tcp_event(c, t, IX_EV_CONNECTED, 0);
	} else {
		t->flags |= TF_KNOCKED;
		ix_tcp_event(c, t, IX_EV_KNOCK, 0);
	}
}

/*
 * Append @m's payload behind @to's in @to's pool buffer when it fits there
 * (@to not a lent frame, not ending a stream); @m is left as it was.
 * Small segments then share one buffer instead of holding one each.
 */
bool ix_tcp_seg_append(struct ix_pool *p, struct ix_mbuf *to,
		       const struct ix_mbuf *m)
{
	if (to->ext || (to->flags & IX_MBUF_FIN) ||
	    (u32)to->poff + to->plen + m->plen > p->bufsz ||
	    (u32)to->plen + m->plen > 0xffff)
		return false;
	memcpy(ix_pool_buf(p, to) + to->poff + to->plen,
	       ix_pool_buf(p, m) + m->poff, m->plen);
	to->plen += m->plen;
	to->flags |= m->flags & IX_MBUF_FIN;
	return true;
}

/*
 * A held segment in a frame the host lent (m->ext) pins the host's frame
 * and takes no appended bytes: its payload moves into a pool buffer of its
 * own, which later small segments can join. Returns that buffer (@m is
 * freed), or @m itself if it is the pool's already or none is free.
 */
struct ix_mbuf *ix_tcp_seg_own(struct ix_pool *p, struct ix_mbuf *m)
{
	struct ix_mbuf *n;

	if (!m->ext)
		return m;
	n = ix_pool_get(p);
	if (!n)
		return m;
	memcpy(ix_pool_buf(p, n), ix_pool_buf(p, m) + m->poff, m->plen);
	n->seq = m->seq;
	n->plen = m->plen;
	n->flags = m->flags;
	n->hash = m->hash;
	ix_pool_put(p, m);
	return n;
}

/*
 * @m, rcvq's tail behind @prev, waits for a host that takes the bytes by
 * count (ix_tcp_rx_pull()): it joins the previous buffer, or has one of
 * the pool's that the next ones can join. A full-sized one is copied too:
 * that lets the host's frame go while the application is slow.
 */
static void rcvq_compact(struct ix_stack *c, struct ix_tcb *t, u32 prev,
			 struct ix_mbuf *m)
{
	struct ix_pool *p = &c->rxpool;
	struct ix_mbuf *n;

	if (prev != IX_NIL && ix_tcp_seg_append(p, &p->desc[prev], m)) {
		p->desc[prev].next = IX_NIL;
		t->rcvq.tail = prev;
		t->rcvq.count--;
		ix_pool_put(p, m);
		return;
	}
	n = ix_tcp_seg_own(p, m);
	if (n == m)
		return;
	if (prev == IX_NIL)
		t->rcvq.head = n->idx;
	else
		p->desc[prev].next = n->idx;
	t->rcvq.tail = n->idx;
}

/* Show in-order bytes (and the end of stream) to an accepted connection. */
void ix_tcp_deliver(struct ix_stack *c, struct ix_tcb *t)
{
	struct ix_mbuf *m;

	if (!(t->flags & TF_APP))
		return;
	while ((m = ix_mq_pop(&c->rxpool, &t->pend))) {
		u32 prev = t->rcvq.tail;
		struct ix_event ev;

		ix_mq_push(&c->rxpool, &t->rcvq, m);
		t->dlv += m->plen;
		memset(&ev, 0, sizeof(ev));
		ev.type = IX_EV_RECV;
		ev.cookie = t->cookie;
		ev.handle = ix_tcp_handle(t);
		ev.lport = t->lport;
		ev.data = ix_pool_buf(&c->rxpool, m) + m->poff;
		ev.off = m->idx * c->rxpool.bufsz + m->poff;
		ev.len = m->plen;
		c->rx_consumed = false;
		c->rx_deferred = false;
		ix_stack_emit(c, &ev);
		/*
		 * Copied out: a consuming connection holds no other buffer
		 * (the host consumes none while it leaves some), so this one
		 * is alone in rcvq.
		 */
		if (c->rx_consumed && t->rcvq.count == 1 &&
		    ix_mq_peek(&c->rxpool, &t->rcvq) == m) {
			ix_mq_pop(&c->rxpool, &t->rcvq);
			t->rel += m->plen;
			ix_pool_put(&c->rxpool, m);
		} else if (c->rx_deferred) {
			rcvq_compact(c, t, prev, m);
		}
	}
	if ((t->flags & (TF_FIN_RCVD | TF_EOF_SHOWN)) == TF_FIN_RCVD) {
		t->flags |= TF_EOF_SHOWN;
		ix_tcp_event(c, t, IX_EV_RECV, 0);
	}
}

bool ix_tcp_listening(const struct ix_stack *c, u16 port)
{
	unsigned int i;

	for (i = 0; i < IX_LISTEN_MAX; i++)
		if (c->listen[i].used && c->listen[i].port == port)
			return true;
	return false;
}

int ix_tcp_listen(struct ix_stack *c, u16 port)
{
	unsigned int i;

	if (!port)
		return -EINVAL;
	if (ix_tcp_listening(c, port))
		return -EADDRINUSE;
	for (i = 0; i < IX_LISTEN_MAX; i++) {
		if (!c->listen[i].used) {
			c->listen[i].used = 1;
			c->listen[i].port = port;
			c->listen[i].pre_bufs = 0;
			return 0;
		}
	}
	return -ENOSPC;
}

int ix_tcp_unlisten(struct ix_stack *c, u16 port)
{
	unsigned int i;

	for (i = 0; i < IX_LISTEN_MAX; i++) {
		if (c->listen[i].used && c->listen[i].port == port) {
			c->listen[i].used = 0;
			return 0;
		}
	}
	return -ENOENT;
}

struct ix_tcb *ix_tcp_lookup_handle(struct ix_stack *c, u64 handle)
{
	u32 slot = ix_stack_handle_slot(handle);
	u16 gen = ix_stack_handle_gen(handle);
	u16 fg = ix_stack_handle_fg(handle);
	struct ix_tcb *t;

	t = ix_tcp_slot(c, slot);
	if (!t || t->gen != gen || t->fg != fg || t->state == IX_TCP_CLOSED ||
	    !(t->flags & (TF_APP | TF_KNOCKED)) || !ix_stack_owns_fg(c, fg))
		return NULL;
	return t;
}

int ix_tcp_state(struct ix_stack *c, u64 handle)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);

	return t ? t->state : -EBADF;
}

int ix_tcp_accept(struct ix_stack *c, u64 handle, u64 cookie)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);

	if (!t)
		return -EBADF;
	if (t->flags & TF_APP)
		return -EINVAL;
	t->flags = (t->flags & ~TF_KNOCKED) | TF_APP;
	t->cookie = cookie;
	ix_tcp_pre_sync(c, t);
	ix_tcp_deliver(c, t);
	return 0;
}

int ix_tcp_reject(struct ix_stack *c, u64 handle)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);

	if (!t)
		return -EBADF;
	if (t->flags & TF_APP)
		return -EINVAL;
	ix_tcp_send_rst(c, t);
	ix_tcp_free(c, t);
	return 0;
}

static bool tuple_free(struct ix_stack *c, u32 rip, u16 rport, u16 lport,
		       u32 *hash)
{
	*hash = ix_toeplitz_flow(c->rss_key, rip, c->cfg.ip, rport, lport);
	return !ix_flowtab_lookup(c, *hash, c->cfg.ip, rip, lport, rport);
}

/*
 * Pick a local port whose return traffic hashes to a flow group this
 * core owns (as IX does), so replies arrive on this core's queue.
 */
static int pick_port(struct ix_stack *c, u32 rip, u16 rport, u32 *hash)
{
	u32 i;

	for (i = 0; i <= PORT_HI - PORT_LO; i++) {
		u16 p = c->next_port;

		c->next_port = p >= PORT_HI ? PORT_LO : p + 1;
		if (ix_tcp_listening(c, p) || !tuple_free(c, rip, rport, p, hash))
			continue;
		if (ix_stack_owns_fg(c, ix_toeplitz_fg(*hash, c->cfg.nfg)))
			return p;
	}
	return -EADDRNOTAVAIL;
}

int ix_tcp_connect(struct ix_stack *c, u32 ip, u16 port, u16 lport,
		   u64 cookie)
{
	struct ix_tcb *t;
	u32 hash;
	int p;

	if (!ip || !port)
		return -EINVAL;
	if (lport) {
		if (!tuple_free(c, ip, port, lport, &hash))
			return -EADDRINUSE;
		if (!ix_stack_owns_fg(c, ix_toeplitz_fg(hash, c->cfg.nfg)))
			return -EADDRNOTAVAIL;
	} else {
		p = pick_port(c, ip, port, &hash);
		if (p < 0)
			return p;
		lport = (u16)p;
	}
	t = ix_tcp_alloc(c, c->cfg.ip, ip, lport, port, hash);
	if (!t)
		return -ENOMEM;
	t->flags |= TF_ACTIVE | TF_RTT;
	t->cookie = cookie;
	t->iss = ix_tcp_isn(c, t->lip, t->rip, t->lport, t->rport);
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->snd_max = t->snd_nxt;
	t->sq_seq = t->snd_nxt;
	t->rtt_seq = t->snd_nxt;
	t->rtt_start = c->now;
	ix_tcp_set_state(c, t, IX_TCP_SYN_SENT);
	ix_tcp_send_syn(c, t);
	ix_tcp_arm_rtx(c, t);
	return 0;
}

long ix_tcp_sendv(struct ix_stack *c, u64 handle, const struct ix_iov *iov,
		  u32 n)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);
	long total = 0;
	u32 i;

	if (!t || !(t->flags & TF_APP))
		return -EBADF;
	/* Closed by the application first: that is what it needs to hear. */
	if (t->flags & TF_FIN_PENDING)
		return -EPIPE;
	if (t->state != IX_TCP_ESTABLISHED && t->state != IX_TCP_CLOSE_WAIT)
		return -ENOTCONN;
	for (i = 0; i < n; i++) {
		u32 room = c->cfg.snd_buf - t->sq_bytes;
		u32 len = ix_min32(iov[i].len, room);
		struct ix_iov *last = NULL;

		if (!iov[i].len)
			continue;
		if (!iov[i].base)
			return total ? total : -EFAULT;
		if (!len)
			break;
		if (t->sq_cnt)
			last = &t->sq[(t->sq_head + t->sq_cnt - 1) % IX_SQ_REFS];
		if (last && last->base + last->len == iov[i].base) {
			last->len += len;
		} else {
			if (t->sq_cnt == IX_SQ_REFS)
				break;
			last = &t->sq[(t->sq_head + t->sq_cnt) % IX_SQ_REFS];
			last->base = iov[i].base;
			last->len = len;
			t->sq_cnt++;
		}
		t->sq_bytes += len;
		total += len;
		if (len < iov[i].len)
			break;
	}
	if (total)
		ix_tcp_output(c, t);
	return total;
}

/*
 * Receiver silly window avoidance: announce the opening only when it is
 * worth a segment and at least doubles what the peer may send.
 */
static void rcv_announce(struct ix_stack *c, struct ix_tcb *t)
{
	u32 thresh, cur, nw;

	thresh = ix_min32(t->rcv_buf / 2, 2 * t->mss);
	cur = ix_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	nw = ix_tcp_rcv_window(c, t);
	if (t->state >= IX_TCP_ESTABLISHED && t->state <= IX_TCP_FIN_WAIT_2 &&
	    nw >= cur + thresh && nw >= 2 * cur)
		ix_tcp_send_ack(c, t);
}

int ix_tcp_recv_done(struct ix_stack *c, u64 handle, u32 bytes)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);
	u32 done;

	if (!t || !(t->flags & TF_APP))
		return -EBADF;
	if (bytes > t->dlv)
		return -EINVAL;
	t->dlv -= bytes;
	t->held -= bytes;
	/* Bytes copied out left their buffers already. */
	done = ix_min32(bytes, t->rel);
	t->rel -= done;
	bytes -= done;
	while (bytes) {
		struct ix_mbuf *m = ix_mq_peek(&c->rxpool, &t->rcvq);

		if (m->plen > bytes) {
			m->poff += bytes;
			m->plen -= bytes;
			break;
		}
		bytes -= m->plen;
		ix_mq_pop(&c->rxpool, &t->rcvq);
		ix_pool_put(&c->rxpool, m);
	}
	rcv_announce(c, t);
	return 0;
}

/*
 * The host's room for @handle's bytes (cfg.rx_room) grew: announce the
 * window it opens, as recv_done does. A host that frees its room after
 * recv_done (ixdp.ko returns arena chunks once the stack took the bytes
 * back) calls this then; without it an opening the room alone allowed
 * waited for the peer's next window probe, which backs off to minutes.
 */
void ix_tcp_rcv_update(struct ix_stack *c, u64 handle)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);

	if (t && (t->flags & TF_APP))
		rcv_announce(c, t);
}

int ix_tcp_close(struct ix_stack *c, u64 handle)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);

	if (!t)
		return -EBADF;
	if (t->flags & TF_FIN_PENDING)
		return -EALREADY;
	if (t->state == IX_TCP_ESTABLISHED)
		ix_tcp_set_state(c, t, IX_TCP_FIN_WAIT_1);
	else if (t->state == IX_TCP_CLOSE_WAIT)
		ix_tcp_set_state(c, t, IX_TCP_LAST_ACK);
	else
		return -ENOTCONN;
	t->flags |= TF_FIN_PENDING;
	ix_tcp_output(c, t);
	return 0;
}

/*
 * Abort a connect still waiting for its handshake (no handle exists yet),
 * named by its cookie: the host forgets its end before the core does.
 */
int ix_tcp_abort_connecting(struct ix_stack *c, u64 cookie)
{
	struct ix_tcb *t;
	u32 i;

	for (i = 0; i < c->tcb_hi; i++) {
		t = c->tcb[i];
		if (t && t->state == IX_TCP_SYN_SENT && t->cookie == cookie &&
		    (t->flags & (TF_ACTIVE | TF_APP)) == TF_ACTIVE) {
			ix_tcp_free(c, t);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Abort, in one pass, every connect still waiting for its handshake whose
 * cookie @match accepts (a host forgetting many at once); returns how
 * many.
 */
u32 ix_tcp_abort_connecting_if(struct ix_stack *c,
			       bool (*match)(void *arg, u64 cookie), void *arg)
{
	struct ix_tcb *t;
	u32 i, n = 0;

	for (i = 0; i < c->tcb_hi; i++) {
		t = c->tcb[i];
		if (t && t->state == IX_TCP_SYN_SENT &&
		    (t->flags & (TF_ACTIVE | TF_APP)) == TF_ACTIVE &&
		    match(arg, t->cookie)) {
			ix_tcp_free(c, t);
			n++;
		}
	}
	return n;
}

/*
 * Give an accepted or connected connection a new cookie: the host's
 * record of it moved (a flow group imported by another core).
 */
int ix_tcp_set_cookie(struct ix_stack *c, u64 handle, u64 cookie)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);

	if (!t || !(t->flags & TF_APP))
		return -EBADF;
	t->cookie = cookie;
	return 0;
}

/*
 * Call fn(arg, data, len), in stream order, for the last @bytes bytes of
 * what recv events showed and recv_done has not returned yet, as they
 * lie in the connection's buffers: a zero-copy host rebuilds its view of
 * them after a move. -EINVAL if fewer bytes are in buffers.
 */
int ix_tcp_shown_tail(struct ix_stack *c, u64 handle, u32 bytes,
		      void (*fn)(void *arg, const u8 *data, u32 len),
		      void *arg)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);
	struct ix_pool *p = &c->rxpool;
	u32 total = 0, skip, i;
	struct ix_mbuf *m;

	if (!t)
		return -EBADF;
	for (i = t->rcvq.head; i != IX_NIL; i = m->next) {
		m = ix_pool_mbuf(p, i);
		total += m->plen;
	}
	if (bytes > total)
		return -EINVAL;
	skip = total - bytes;
	for (i = t->rcvq.head; i != IX_NIL && bytes; i = m->next) {
		u32 off = 0, len;

		m = ix_pool_mbuf(p, i);
		if (skip >= m->plen) {
			skip -= m->plen;
			continue;
		}
		off = skip;
		skip = 0;
		len = m->plen - off;
		fn(arg, ix_pool_buf(p, m) + m->poff + off, len);
		bytes -= len;
	}
	return 0;
}

/*
 * A copying host that could not take some recv events' bytes at once (it
 * did not call ix_stack_rx_consumed() for them) takes them now, oldest
 * first: fn(arg, data, len) copies what it has room for of one buffer's
 * bytes and returns how many it took; fewer than len ends the pull (the
 * rest stays first in line). Returns the bytes still left with the stack
 * (0: none), or -EBADF.
 */
long ix_tcp_rx_pull(struct ix_stack *c, u64 handle,
		    u32 (*fn)(void *arg, const u8 *data, u32 len), void *arg)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);
	struct ix_pool *p = &c->rxpool;
	struct ix_mbuf *m;
	long left = 0;
	u32 i, n;

	if (!t)
		return -EBADF;
	while ((m = ix_mq_peek(p, &t->rcvq))) {
		n = ix_min32(fn(arg, ix_pool_buf(p, m) + m->poff, m->plen),
			     m->plen);
		t->rel += n;
		if (n < m->plen) {
			m->poff += n;
			m->plen -= n;
			break;
		}
		ix_mq_pop(p, &t->rcvq);
		ix_pool_put(p, m);
	}
	for (i = t->rcvq.head; i != IX_NIL; i = m->next) {
		m = ix_pool_mbuf(p, i);
		left += m->plen;
	}
	return left;
}

int ix_tcp_abort(struct ix_stack *c, u64 handle)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(c, handle);

	if (!t)
		return -EBADF;
	ix_tcp_send_rst(c, t);
	ix_tcp_free(c, t);
	return 0;
}
