// SPDX-License-Identifier: GPL-2.0
/*
 * Flow-group migration between two cores of one host (migration.rst), the
 * core half: every connection of flow group g leaves core A and lives on
 * in core B, which has the same IP, MAC, RSS key and flow-group count.
 * A and B run in different threads and each touches only its own core,
 * so the move has two phases joined by a self-contained blob:
 *
 *  1. ix_fg_export(A, g, &blob), in A's thread.  A stops owning g, and
 *     each control block of g that is not CLOSED (any state, SYN_RCVD and
 *     TIME_WAIT included) is copied into the blob and then freed in A
 *     silently: no segment is sent and no event emitted.  Its buffers go
 *     back to A's RX pool, its timers are cancelled, c->syn_rcvd is
 *     corrected and the slot gets a new generation (the old handle is dead
 *     in A).  The blob holds no pointer into A's memory:
 *       - the payload held in rcvq, pend and ooo is copied byte for byte
 *         with its seq, plen, poff and flags (IX_MBUF_FIN), queue by
 *         queue and in queue order (ooo stays sorted);
 *       - send-queue references (t->sq[]) into A's RX pool or into a
 *         frame the host lent to it (ix_stack_rxbuf_lent()), which is what
 *         a zero-copy responder echoing from its received buffers sends,
 *         become (index of the held buffer among this connection's
 *         exported buffers, offset in the buffer); the copied range of
 *         such a buffer is widened to cover them.  A reference into an RX
 *         buffer this connection does not hold cannot be rebased: the
 *         export fails with -EINVAL.  The bytes of other references (an
 *         application's memory, which may be reused once the move is
 *         told) are copied into the blob, and B keeps them in a buffer of
 *         the connection's own (t->sq_copy) until they are acknowledged;
 *       - pending timers become absolute expiry times in us;
 *       - the ARP entry of the next hop is kept if reachable;
 *       - the old handle and the cookie are recorded for the host.
 *     The blob is allocated before anything changes: -ENOMEM or -EINVAL
 *     leave A as it was (still owning g).
 *
 *  2. ix_fg_import(B, blob, now, cb, arg), in B's thread.  First B checks
 *     that it is compatible (-EINVAL), has enough free control blocks and
 *     RX buffers for the whole blob (-ENOSPC) and none of the 4-tuples
 *     (-EEXIST); on failure nothing changed and the blob is still valid,
 *     so the host may retry or move g back to A.  Then each connection
 *     gets a B slot (with B's generation for that slot), its state is
 *     copied, its queues are rebuilt in B buffers with the same seq,
 *     plen, poff and flags, the recorded send references are rebased onto
 *     the new buffers, it enters B's flow table, its timers are re-armed
 *     at their absolute times (one already due fires at B's next poll
 *     that advances the wheel), the ARP entry is added if B has none for
 *     that address, and cb(arg, old handle, new handle, cookie) tells the
 *     host; B owns g from the first call on, so cb may act on the new
 *     handle.  cb is called for every connection; for the ones the
 *     application holds no handle to (TF_APP and TF_KNOCKED clear:
 *     SYN_SENT, SYN_RCVD, TIME_WAIT, ...) both handles are invalid as
 *     application handles and the host ignores them.
 *
 * Plain data moves unchanged: state, sequence numbers, flags (TF_*),
 * held/dlv/rel (rel bytes were copied out by the host and are in no
 * buffer; they stay counted), the SACK scoreboard, rtt marks and the
 * timestamps (same host clock).  Everything else the host must do: stop
 * A's events for g from reaching the application before the export, hold
 * or forward the frames of g that arrive in between, and give the blob to
 * B (ix_fg_blob_free() it after a successful import).  Recv events
 * already shown point into A's pool: only send references are rebased,
 * so the host must not keep other pointers into held RX buffers across a
 * move (a copying host, ix_stack_rx_consumed(), keeps none).  SYN cookies
 * sent by A are valid on B only if both have the same cfg.secret (the
 * module gives all cores of a port one).
 *
 * ix_timerwheel_move_fg() is not used: it needs both wheels in one
 * thread.
 */
#include "tcp.h"

struct ix_fg_seg {
	u32 seq;
	u32 data;		/* offset of the copied bytes in the blob */
	u16 plen;
	u16 poff;
	u16 flags;
	u16 coff;		/* copied range [coff, coff + clen) */
	u16 clen;
	u8 q;			/* 0 rcvq, 1 pend, 2 ooo */
};

/* sq_buf[] of a reference whose bytes were copied (sqc_data). */
#define IX_FG_SQC	(IX_NIL - 1)

struct ix_fg_conn {
	struct ix_tcb tcb;	/* no pointers: timers, queues, hnext cleared */
	u32 sqc_data, sqc_len;	/* copied send bytes in the blob */
	u64 old_handle;
	u64 cookie;
	u64 timer_us[3];	/* rtx, dack, wait: absolute, 0 not pending */
	u32 seg0, nseg;		/* its segments in the blob */
	u32 sq_buf[IX_SQ_REFS];	/* IX_NIL: not an RX-pool reference */
	u32 sq_off[IX_SQ_REFS];	/* offset from the buffer's first byte */
	u32 arp_ip;
	u8 arp_mac[IX_ETH_ALEN];
	u8 has_arp;
	u64 arp_expires;
};

struct ix_fg_blob {
	u32 fg;
	u32 nconn, nseg, nbytes;
	u32 ip, nfg, bufsz;
	u8 mac[IX_ETH_ALEN];
	u8 rss_key[IX_RSS_KEY_LEN];
	struct ix_fg_conn *conn;	/* all three inside this allocation */
	struct ix_fg_seg *seg;
	u8 *data;
};

static struct ix_mq *queue_of(struct ix_tcb *t, unsigned int q)
{
	return q == 0 ? &t->rcvq : q == 1 ? &t->pend : &t->ooo;
}

static u32 held_count(const struct ix_tcb *t)
{
	return t->rcvq.count + t->pend.count + t->ooo.count;
}

/* Which of t's held frames the host lent holds an sq reference. */
static int sq_ref_lent(struct ix_pool *p, struct ix_tcb *t,
		       const struct ix_iov *r, u32 *buf, u32 *off)
{
	const struct ix_mbuf *m;
	u32 i = 0, k;
	unsigned int q;

	for (q = 0; q < 3; q++) {
		for (k = queue_of(t, q)->head; k != IX_NIL; k = m->next, i++) {
			m = &p->desc[k];
			if (!m->ext || r->base < m->ext ||
			    r->base >= m->ext + m->len)
				continue;
			*off = (u32)(r->base - m->ext);
			if (*off + r->len > m->len)
				return -EINVAL;
			*buf = i;
			return 0;
		}
	}
	return 0;
}

/* Which of t's held buffers an sq reference points into: IX_NIL if none. */
static int sq_ref(struct ix_stack *c, struct ix_tcb *t, const struct ix_iov *r,
		  u32 *buf, u32 *off)
{
	struct ix_pool *p = &c->rxpool;
	const u8 *lo = p->data, *hi = p->data + (size_t)p->count * p->bufsz;
	u32 idx, i = 0, k;
	unsigned int q;

	*buf = IX_NIL;
	*off = 0;
	if (r->base < lo || r->base >= hi)
		return p->nlent ? sq_ref_lent(p, t, r, buf, off) : 0;
	idx = (u32)((r->base - lo) / p->bufsz);
	*off = (u32)((r->base - lo) % p->bufsz);
	if (*off + r->len > p->bufsz)
		return -EINVAL;
	for (q = 0; q < 3; q++) {
		for (k = queue_of(t, q)->head; k != IX_NIL;
		     k = p->desc[k].next, i++) {
			if (k == idx) {
				*buf = i;
				return 0;
			}
		}
	}
	return -EINVAL;
}

static u32 arp_nexthop(const struct ix_stack *c, u32 ip)
{
	if (c->cfg.gateway && (ip & c->cfg.netmask) !=
	    (c->cfg.ip & c->cfg.netmask))
		return c->cfg.gateway;
	return ip;
}

/*
 * One held buffer, the i-th of t: its copied range covers its payload and
 * every send reference into it.
 */
static void scan_buf(struct ix_pool *p, const struct ix_tcb *t,
		     const struct ix_mbuf *m, u32 i, unsigned int q,
		     const u32 *bufs, const u32 *offs, struct ix_fg_seg *s,
		     u8 *data, u32 *nbytes)
{
	u32 lo = m->poff, hi = m->poff + m->plen, j;

	for (j = 0; j < IX_SQ_REFS; j++) {
		if (bufs[j] != i)
			continue;
		lo = ix_min32(lo, offs[j]);
		hi = ix_max32(hi, offs[j] + t->sq[j].len);
	}
	if (s) {
		s->seq = m->seq;
		s->plen = m->plen;
		s->poff = m->poff;
		s->flags = m->flags;
		s->coff = (u16)lo;
		s->clen = (u16)(hi - lo);
		s->q = (u8)q;
		s->data = *nbytes;
		memcpy(data + *nbytes, ix_pool_buf(p, m) + lo, hi - lo);
	}
	*nbytes += hi - lo;
}

/*
 * The bytes of @t's send references that are not into its RX buffers,
 * in ring order: counted, and copied to @data + *nbytes when @cn is set.
 */
static void scan_sq_copy(const struct ix_tcb *t, const u32 *bufs,
			 struct ix_fg_conn *cn, u8 *data, u32 *nbytes)
{
	u32 j, k, len = 0;

	for (j = 0; j < t->sq_cnt; j++) {
		k = (t->sq_head + j) % IX_SQ_REFS;
		if (bufs[k] != IX_NIL)
			continue;
		if (cn) {
			memcpy(data + *nbytes + len, t->sq[k].base,
			       t->sq[k].len);
			cn->sq_buf[k] = IX_FG_SQC;
			cn->sq_off[k] = len;
			cn->tcb.sq[k].base = NULL;
		}
		len += t->sq[k].len;
	}
	if (cn) {
		cn->sqc_data = *nbytes;
		cn->sqc_len = len;
	}
	*nbytes += len;
}

/*
 * One connection: validate and count (cn == NULL), or fill its record,
 * its segments from seg[] and its bytes from data[].
 */
static int scan_tcb(struct ix_stack *c, struct ix_tcb *t,
		    struct ix_fg_conn *cn, struct ix_fg_seg *seg, u8 *data,
		    u32 *nseg, u32 *nbytes)
{
	struct ix_pool *p = &c->rxpool;
	u32 bufs[IX_SQ_REFS], offs[IX_SQ_REFS];
	u32 n = held_count(t), i = 0, j, k;
	unsigned int q;
	int err;

	for (j = 0; j < IX_SQ_REFS; j++) {
		bufs[j] = IX_NIL;
		offs[j] = 0;
	}
	for (j = 0; j < t->sq_cnt; j++) {
		k = (t->sq_head + j) % IX_SQ_REFS;
		err = sq_ref(c, t, &t->sq[k], &bufs[k], &offs[k]);
		if (err)
			return err;
	}
	for (q = 0; q < 3; q++) {
		for (k = queue_of(t, q)->head; k != IX_NIL;
		     k = p->desc[k].next, i++)
			scan_buf(p, t, &p->desc[k], i, q, bufs, offs,
				 seg ? &seg[i] : NULL, data, nbytes);
	}
	*nseg += n;
	if (!cn) {
		scan_sq_copy(t, bufs, NULL, NULL, nbytes);
		return 0;
	}

	cn->tcb = *t;
	cn->old_handle = ix_tcp_handle(t);
	cn->cookie = t->cookie;
	cn->nseg = n;
	cn->timer_us[0] = ix_timer_pending(&t->t_rtx) ?
			  t->t_rtx.expires << IX_TW_TICK_SHIFT : 0;
	cn->timer_us[1] = ix_timer_pending(&t->t_dack) ?
			  t->t_dack.expires << IX_TW_TICK_SHIFT : 0;
	cn->timer_us[2] = ix_timer_pending(&t->t_wait) ?
			  t->t_wait.expires << IX_TW_TICK_SHIFT : 0;
	for (j = 0; j < IX_SQ_REFS; j++) {
		cn->sq_buf[j] = bufs[j];
		cn->sq_off[j] = offs[j];
		if (bufs[j] != IX_NIL)
			cn->tcb.sq[j].base = NULL;
		/* only the live ring entries are kept */
		if ((j - t->sq_head + IX_SQ_REFS) % IX_SQ_REFS >= t->sq_cnt) {
			cn->tcb.sq[j].base = NULL;
			cn->tcb.sq[j].len = 0;
		}
	}
	scan_sq_copy(t, bufs, cn, data, nbytes);
	cn->tcb.sq_copy = NULL;
	cn->tcb.sq_copy_len = 0;
	cn->tcb.sq_copy_refs = 0;
	memset(&cn->tcb.t_rtx, 0, sizeof(cn->tcb.t_rtx));
	memset(&cn->tcb.t_dack, 0, sizeof(cn->tcb.t_dack));
	memset(&cn->tcb.t_wait, 0, sizeof(cn->tcb.t_wait));
	ix_mq_init(&cn->tcb.rcvq);
	ix_mq_init(&cn->tcb.pend);
	ix_mq_init(&cn->tcb.ooo);
	cn->tcb.hnext = IX_NIL;
	cn->tcb.dead_next = NULL;
	{
		const struct ix_arp_entry *e =
			ix_arp_lookup(c, arp_nexthop(c, t->rip));

		if (e && e->state == IX_ARP_REACHABLE) {
			cn->has_arp = 1;
			cn->arp_ip = e->ip;
			memcpy(cn->arp_mac, e->mac, IX_ETH_ALEN);
			cn->arp_expires = e->expires;
		}
	}
	return 0;
}

static bool in_fg(const struct ix_tcb *t, u32 fg)
{
	return t->state != IX_TCP_CLOSED && t->fg == fg;
}

int ix_fg_export(struct ix_stack *a, u32 fg, struct ix_fg_blob **out)
{
	u32 i, nconn = 0, nseg = 0, nbytes = 0;
	struct ix_fg_blob *b;
	size_t size;
	u8 *mem;
	int err;

	*out = NULL;
	if (fg >= a->cfg.nfg || !ix_stack_owns_fg(a, fg))
		return -EINVAL;
	for (i = 0; i < a->tcb_hi; i++) {
		if (!a->tcb[i] || !in_fg(a->tcb[i], fg))
			continue;
		err = scan_tcb(a, a->tcb[i], NULL, NULL, NULL, &nseg,
			       &nbytes);
		if (err)
			return err;
		nconn++;
	}
	size = sizeof(*b) + (size_t)nconn * sizeof(*b->conn) +
	       (size_t)nseg * sizeof(*b->seg) + nbytes;
	mem = ix_plat_zalloc(size);
	if (!mem)
		return -ENOMEM;
	b = (struct ix_fg_blob *)mem;
	b->conn = (struct ix_fg_conn *)(mem + sizeof(*b));
	b->seg = (struct ix_fg_seg *)(b->conn + nconn);
	b->data = (u8 *)(b->seg + nseg);
	b->fg = fg;
	b->ip = a->cfg.ip;
	b->nfg = a->cfg.nfg;
	b->bufsz = a->rxpool.bufsz;
	memcpy(b->mac, a->cfg.mac, IX_ETH_ALEN);
	memcpy(b->rss_key, a->rss_key, IX_RSS_KEY_LEN);

	/* From here on nothing can fail. */
	ix_stack_set_fg(a, fg, false);
	for (i = 0; i < a->tcb_hi; i++) {
		struct ix_tcb *t = a->tcb[i];
		struct ix_fg_conn *cn = &b->conn[b->nconn];

		if (!t || !in_fg(t, fg))
			continue;
		cn->seg0 = b->nseg;
		scan_tcb(a, t, cn, b->seg + b->nseg, b->data, &b->nseg,
			 &b->nbytes);
		b->nconn++;
		ix_tcp_free_exported(a, t);
	}
	*out = b;
	return (int)b->nconn;
}

void ix_fg_blob_free(struct ix_fg_blob *blob)
{
	ix_plat_free(blob);
}

u32 ix_fg_blob_conns(const struct ix_fg_blob *blob)
{
	return blob->nconn;
}

/* The connections of flow group @fg, as many as its export would take. */
u32 ix_fg_conns(const struct ix_stack *c, u32 fg)
{
	u32 i, n = 0;

	for (i = 0; i < c->tcb_hi; i++)
		if (c->tcb[i] && in_fg(c->tcb[i], fg))
			n++;
	return n;
}

/* What a host needs to know of the @i-th connection of @blob. */
void ix_fg_blob_info(const struct ix_fg_blob *blob, u32 i,
		     struct ix_fg_conn_info *ci)
{
	const struct ix_tcb *t = &blob->conn[i].tcb;

	ci->handle = blob->conn[i].old_handle;
	ci->cookie = blob->conn[i].cookie;
	ci->tx_taken = ix_tcp_data_end(t) - (t->iss + 1);
	ci->tx_unreported = t->sq_bytes + t->acked_unreported;
	ci->fin = t->flags & TF_FIN_PENDING;
	ci->eof_shown = t->flags & TF_EOF_SHOWN;
	ci->app = t->flags & TF_APP;
}

/*
 * The host returns @bytes of the @i-th connection's shown bytes that it
 * copied out (rel): they stay with the host A was (an application's
 * arena), so B's window does not count them.
 */
int ix_fg_blob_rx_return(struct ix_fg_blob *blob, u32 i, u32 bytes)
{
	struct ix_tcb *t = &blob->conn[i].tcb;

	if (bytes > t->rel || bytes > t->dlv || bytes > t->held)
		return -EINVAL;
	t->rel -= bytes;
	t->dlv -= bytes;
	t->held -= bytes;
	return 0;
}

/*
 * Call fn(arg, handle, cookie, bound) for each connection of flow group
 * @fg, where bound says whether the host knows it by handle or cookie
 * (accepted, knocked, or an active open in progress); stop at the first
 * non-zero return and return it.  Lets the host decide whether it can
 * follow the group to another core before exporting it.
 */
int ix_fg_for_each(struct ix_stack *c, u32 fg,
		   int (*fn)(void *arg, u64 handle, u64 cookie, bool bound),
		   void *arg)
{
	u32 i;
	int err;

	for (i = 0; i < c->tcb_hi; i++) {
		const struct ix_tcb *t = c->tcb[i];

		if (!t || !in_fg(t, fg))
			continue;
		err = fn(arg, ix_tcp_handle(t), t->cookie,
			 (t->flags & (TF_APP | TF_KNOCKED)) ||
			 t->state == IX_TCP_SYN_SENT);
		if (err)
			return err;
	}
	return 0;
}

static void arp_add(struct ix_stack *c, const struct ix_fg_conn *cn)
{
	unsigned int i;

	if (!cn->has_arp || ix_arp_lookup(c, cn->arp_ip))
		return;
	for (i = 0; i < IX_ARP_ENTRIES; i++) {
		struct ix_arp_entry *e = &c->arp[i];

		if (e->state != IX_ARP_FREE)
			continue;
		memset(e, 0, sizeof(*e));
		e->ip = cn->arp_ip;
		memcpy(e->mac, cn->arp_mac, IX_ETH_ALEN);
		e->state = IX_ARP_REACHABLE;
		e->expires = cn->arp_expires;
		ix_mq_init(&e->pending);
		return;
	}
	/* A full cache keeps its entries; B resolves the address itself. */
}

static int import_check(struct ix_stack *c, const struct ix_fg_blob *blob)
{
	u32 i;

	if (blob->ip != c->cfg.ip || blob->nfg != c->cfg.nfg ||
	    blob->bufsz != c->rxpool.bufsz || blob->fg >= c->cfg.nfg ||
	    memcmp(blob->mac, c->cfg.mac, IX_ETH_ALEN) ||
	    memcmp(blob->rss_key, c->rss_key, IX_RSS_KEY_LEN))
		return -EINVAL;
	if (c->ntcb_free < blob->nconn || c->rxpool.nfree < blob->nseg)
		return -ENOSPC;
	for (i = 0; i < blob->nconn; i++) {
		const struct ix_tcb *t = &blob->conn[i].tcb;

		if (ix_flowtab_lookup(c, t->hash, t->lip, t->rip, t->lport,
				      t->rport))
			return -EEXIST;
	}
	return 0;
}

static void import_one(struct ix_stack *c, const struct ix_fg_blob *blob,
		       const struct ix_fg_conn *cn, struct ix_tcb *t, u8 *copy)
{
	u32 slot = c->tcb_free[--c->ntcb_free], i, j;
	struct ix_timer *tm[3];

	*t = cn->tcb;
	t->slot = slot;
	t->gen = c->tcb_gen[slot];
	t->dead_next = NULL;
	c->tcb[slot] = t;
	c->ntcb++;
	if (t->state == IX_TCP_TIME_WAIT)
		c->ntw++;
	if (slot >= c->tcb_hi)
		c->tcb_hi = slot + 1;
	t->hnext = IX_NIL;
	ix_tcp_timers_init(t);
	ix_mq_init(&t->rcvq);
	ix_mq_init(&t->pend);
	ix_mq_init(&t->ooo);
	for (i = 0; i < cn->nseg; i++) {
		const struct ix_fg_seg *s = &blob->seg[cn->seg0 + i];
		struct ix_mbuf *m = ix_pool_get(&c->rxpool);
		u8 *buf = ix_pool_buf(&c->rxpool, m);

		m->seq = s->seq;
		m->plen = s->plen;
		m->poff = s->poff;
		m->flags = s->flags;
		m->hash = t->hash;
		memcpy(buf + s->coff, blob->data + s->data, s->clen);
		ix_mq_push(&c->rxpool, queue_of(t, s->q), m);
		for (j = 0; j < IX_SQ_REFS; j++)
			if (cn->sq_buf[j] == i)
				t->sq[j].base = buf + cn->sq_off[j];
	}
	if (copy) {
		memcpy(copy, blob->data + cn->sqc_data, cn->sqc_len);
		t->sq_copy = copy;
		t->sq_copy_len = cn->sqc_len;
		for (j = 0; j < IX_SQ_REFS; j++) {
			if (cn->sq_buf[j] != IX_FG_SQC)
				continue;
			t->sq[j].base = copy + cn->sq_off[j];
			t->sq_copy_refs++;
		}
	}
	ix_flowtab_insert(c, t);
	if (t->flags & TF_SYN_COUNTED)
		c->syn_rcvd++;
	t->pre_bufs = 0;
	ix_tcp_pre_sync(c, t);
	tm[0] = &t->t_rtx;
	tm[1] = &t->t_dack;
	tm[2] = &t->t_wait;
	for (i = 0; i < 3; i++)
		if (cn->timer_us[i])
			ix_timer_arm(&c->tw, tm[i], cn->timer_us[i]);
	arp_add(c, cn);
}

int ix_fg_import(struct ix_stack *b, struct ix_fg_blob *blob, u64 now,
		 ix_fg_rehandle_fn cb, void *arg)
{
	struct ix_tcb **tcb;
	u8 **copy;
	u32 i;
	int err;

	err = import_check(b, blob);
	if (err)
		return err;
	/*
	 * Every control block and send copy first: from the first import
	 * nothing fails.
	 */
	tcb = ix_plat_zalloc((size_t)(blob->nconn ?: 1) *
			     (sizeof(*tcb) + sizeof(*copy)));
	if (!tcb)
		return -ENOMEM;
	copy = (u8 **)(tcb + (blob->nconn ?: 1));
	for (i = 0; i < blob->nconn; i++) {
		tcb[i] = ix_plat_tcb_zalloc(sizeof(**tcb));
		if (blob->conn[i].sqc_len)
			copy[i] = ix_plat_zalloc(blob->conn[i].sqc_len);
		if (!tcb[i] || (blob->conn[i].sqc_len && !copy[i])) {
			do {
				if (tcb[i])
					ix_plat_tcb_free(tcb[i]);
				ix_plat_free(copy[i]);
			} while (i--);
			ix_plat_free(tcb);
			return -ENOMEM;
		}
	}
	if (now > b->now)
		b->now = now;
	/* Owned first: the host may use the new handles in cb. */
	ix_stack_set_fg(b, blob->fg, true);
	for (i = 0; i < blob->nconn; i++) {
		const struct ix_fg_conn *cn = &blob->conn[i];

		import_one(b, blob, cn, tcb[i], copy[i]);
		if (cb)
			cb(arg, cn->old_handle, ix_tcp_handle(tcb[i]),
			   cn->cookie);
	}
	ix_plat_free(tcb);
	return (int)blob->nconn;
}
