// SPDX-License-Identifier: GPL-2.0
/*
 * TCP input: header and option parsing, the RFC 9293 "segment arrives"
 * procedure with the RFC 5961 checks (exact-sequence RST, challenge ACKs
 * for in-window RSTs and SYNs, ACK range validation), RFC 7323 PAWS,
 * listeners with a bounded SYN backlog and SYN cookies beyond it, ACK
 * processing (RTT, RFC 5681 congestion control, NewReno and SACK
 * recovery), and receive queueing without copies.
 */
#include "tcp.h"

static void parse_opts(struct ix_tcp_seg *s, const u8 *o, u32 len)
{
	u32 i = 0;

	while (i < len) {
		u8 kind = o[i], ol;

		if (kind == IX_TCPOPT_EOL)
			break;
		if (kind == IX_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		ol = o[i + 1];
		if (ol < 2 || i + ol > len)
			break;
		switch (kind) {
		case IX_TCPOPT_MSS:
			if (ol == 4 && (s->flags & IX_TCP_SYN))
				s->mss = ix_get16(o + i + 2);
			break;
		case IX_TCPOPT_WS:
			if (ol == 3 && (s->flags & IX_TCP_SYN))
				s->ws = (u8)ix_min32(o[i + 2], IX_TCP_WS_MAX);
			break;
		case IX_TCPOPT_SACKOK:
			if (ol == 2 && (s->flags & IX_TCP_SYN))
				s->sackok = 1;
			break;
		case IX_TCPOPT_TS:
			if (ol == 10) {
				s->has_ts = 1;
				s->tsval = ix_get32(o + i + 2);
				s->tsecr = ix_get32(o + i + 6);
			}
			break;
		case IX_TCPOPT_SACK:
			if ((ol - 2) % 8 == 0) {
				u32 n = ix_min32((ol - 2) / 8, 4), k;

				for (k = 0; k < n; k++) {
					const u8 *b = o + i + 2 + 8 * k;

					s->sack[k].start = ix_get32(b);
					s->sack[k].end = ix_get32(b + 4);
				}
				s->nsack = (u8)n;
			}
			break;
		}
		i += ol;
	}
}

static void challenge_ack(struct ix_stack *c, struct ix_tcb *t)
{
	u64 sec = c->now >> 20;		/* about a second */

	if (sec != c->challenge_sec) {
		c->challenge_sec = sec;
		c->challenge_acks = 0;
	}
	if (c->challenge_acks >= c->cfg.challenge_ack_limit)
		return;
	c->challenge_acks++;
	c->stat[IX_STAT_TCP_CHALLENGE_ACK]++;
	ix_tcp_send_ack(c, t);
}

static void apply_syn_opts(struct ix_stack *c, struct ix_tcb *t,
			   const struct ix_tcp_seg *s)
{
	t->mss = s->mss ? ix_min32(s->mss, c->cfg.mss) : IX_TCP_MSS_DEFAULT;
	if (t->mss < IX_TCP_MSS_MIN)
		t->mss = IX_TCP_MSS_MIN;
	if ((t->flags & TF_WS) && s->ws != IX_TCP_WS_NONE) {
		t->snd_wscale = s->ws;
	} else {
		t->flags &= ~TF_WS;
		t->snd_wscale = 0;
		t->rcv_wscale = 0;
	}
	if (!s->sackok)
		t->flags &= ~TF_SACK;
	if ((t->flags & TF_TS) && s->has_ts)
		t->ts_recent = s->tsval;
	else
		t->flags &= ~TF_TS;
	t->irs = s->seq;
	t->rcv_nxt = s->seq + 1;
	t->rcv_adv = t->rcv_nxt;
	t->last_ack_sent = t->rcv_nxt;
}

static void enter_time_wait(struct ix_stack *c, struct ix_tcb *t)
{
	ix_tcp_set_state(c, t, IX_TCP_TIME_WAIT);
	c->ntw++;
	ix_tcp_send_ack(c, t);
	ix_timer_cancel(&c->tw, &t->t_rtx);
	ix_tcp_detach(c, t, 0);
	ix_tcp_arm_wait(c, t, 2ull * c->cfg.msl_us);
}

static void fin_input(struct ix_stack *c, struct ix_tcb *t)
{
	t->flags |= TF_FIN_RCVD | TF_ACKNOW;
	ix_tcp_deliver(c, t);
	switch (t->state) {
	case IX_TCP_SYN_RCVD:
	case IX_TCP_ESTABLISHED:
		ix_tcp_set_state(c, t, IX_TCP_CLOSE_WAIT);
		break;
	case IX_TCP_FIN_WAIT_1:
		ix_tcp_set_state(c, t, IX_TCP_CLOSING);
		break;
	case IX_TCP_FIN_WAIT_2:
		enter_time_wait(c, t);
		break;
	}
}

static void sq_consume(struct ix_tcb *t, u32 n)
{
	t->sq_seq += n;
	t->sq_bytes -= n;
	t->acked_unreported += n;
	while (n) {
		struct ix_iov *r = &t->sq[t->sq_head];
		u32 left = r->len - t->sq_off;

		if (n < left) {
			t->sq_off += n;
			return;
		}
		n -= left;
		t->sq_off = 0;
		if (t->sq_copy && r->base >= t->sq_copy &&
		    r->base < t->sq_copy + t->sq_copy_len &&
		    !--t->sq_copy_refs)
			ix_tcp_sq_copy_free(t);
		t->sq_head = (t->sq_head + 1) % IX_SQ_REFS;
		t->sq_cnt--;
	}
}

static u32 sacked_bytes(const struct ix_tcb *t)
{
	u32 i, n = 0;

	for (i = 0; i < t->nsacked; i++)
		n += t->sacked[i].end - t->sacked[i].start;
	return n;
}

static void enter_recovery(struct ix_stack *c, struct ix_tcb *t)
{
	u32 flight = t->snd_max - t->snd_una;
	u32 len = ix_min32(t->mss, ix_tcp_data_end(t) - t->snd_una);

	c->stat[IX_STAT_TCP_FAST_RETRANS]++;
	t->flags |= TF_RECOVERY;
	t->recover = t->snd_max;
	t->ssthresh = ix_max32(flight / 2, 2 * t->mss);
	ix_tcp_retransmit(c, t, t->snd_una, t->mss);
	if (t->flags & TF_SACK) {
		t->cwnd = t->ssthresh;
		t->rtx_hi = t->snd_una + len;
	} else {
		t->cwnd = t->ssthresh + 3 * t->mss;
	}
	ix_tcp_arm_rtx(c, t);
}

static bool may_recover(const struct ix_tcb *t)
{
	return !(t->flags & TF_RECOVERY) && ix_seq_geq(t->snd_una, t->recover) &&
	       t->snd_una != t->snd_max;
}

/*
 * The window grows only while it is what limits the sender (RFC 7661):
 * in slow start if more than half of it was in flight, in congestion
 * avoidance if it was (nearly) full.
 */
static bool cwnd_limited(const struct ix_tcb *t, u32 flight)
{
	if (t->cwnd < t->ssthresh)
		return flight > t->cwnd / 2;
	return flight + t->mss >= t->cwnd;
}

/* An ACK at or below snd_una: duplicate ACKs and SACK drive recovery. */
static void ack_dup(struct ix_stack *c, struct ix_tcb *t,
		    const struct ix_tcp_seg *s, u32 wnd)
{
	bool dup = s->ack == t->snd_una && !s->len &&
		   !(s->flags & IX_TCP_FIN) && wnd == t->snd_wnd &&
		   t->snd_una != t->snd_max;
	u32 thresh = IX_TCP_DUPTHRESH * t->mss;

	if (t->flags & TF_SACK)
		ix_tcp_sack_update(t, s);
	if (dup)
		t->dupacks++;
	if (may_recover(t) && ((dup && t->dupacks >= IX_TCP_DUPTHRESH) ||
			       ((t->flags & TF_SACK) &&
				sacked_bytes(t) >= thresh))) {
		enter_recovery(c, t);
	} else if (dup && (t->flags & TF_RECOVERY)) {
		if (!(t->flags & TF_SACK))
			t->cwnd += t->mss;
	}
}

/* An RTT sample from a new ACK, if it gives one. */
static void ack_rtt(struct ix_stack *c, struct ix_tcb *t,
		    const struct ix_tcp_seg *s)
{
	bool untimed = !t->rtt_cnt;

	if (ix_tcp_rtt_acked(c, t, s->ack)) {
		/* sampled from a never-retransmitted segment */
	} else if (untimed && s->has_ts && s->tsecr && (t->flags & TF_TS)) {
		/*
		 * Nothing timed in flight (after a timeout everything
		 * is sent again): the echoed timestamp still gives a
		 * valid, coarse sample (RFC 7323 section 4), which
		 * ends the backoff.
		 */
		u32 d = (u32)(c->now >> IX_TCP_TS_SHIFT) - s->tsecr;

		if (d < IX_TCP_TS_MAX_AGE)
			ix_tcp_rtt_sample(c, t, d << IX_TCP_TS_SHIFT);
	}
}

/*
 * Congestion control on a new ACK of @acked bytes with @flight bytes
 * outstanding before it: recovery exit or partial ACK, else slow start
 * or congestion avoidance.
 */
static void cc_on_ack(struct ix_stack *c, struct ix_tcb *t, u32 ack,
		      u32 acked, u32 flight)
{
	if (t->flags & TF_RECOVERY) {
		if (ix_seq_geq(ack, t->recover)) {
			u32 fl = t->snd_max - t->snd_una;

			t->cwnd = ix_min32(t->ssthresh,
					   ix_max32(fl, t->mss) + t->mss);
			t->flags &= ~TF_RECOVERY;
			t->dupacks = 0;
		} else {
			c->stat[IX_STAT_TCP_PARTIAL_ACK]++;
			if (t->flags & TF_SACK) {
				if (ix_seq_lt(t->rtx_hi, ack))
					t->rtx_hi = ack;
			} else {
				ix_tcp_retransmit(c, t, ack, t->mss);
				t->cwnd = (t->cwnd > acked ?
					   t->cwnd - acked : 0) + t->mss;
			}
		}
		return;
	}
	t->dupacks = 0;
	if (!cwnd_limited(t, flight))
		;	/* application or window limited */
	else if (t->cwnd < t->ssthresh)
		t->cwnd += ix_min32(acked, t->mss);
	else
		t->cwnd += ix_max32(t->mss * t->mss / t->cwnd, 1);
	if (may_recover(t) && (t->flags & TF_SACK) &&
	    sacked_bytes(t) >= IX_TCP_DUPTHRESH * t->mss)
		enter_recovery(c, t);
}

/* An ACK above snd_una: bytes leave the send queue. */
static void ack_new(struct ix_stack *c, struct ix_tcb *t,
		    const struct ix_tcp_seg *s)
{
	u32 ack = s->ack;
	u32 acked = ack - t->snd_una;
	u32 flight = t->snd_max - t->snd_una;
	u32 end = ix_tcp_data_end(t);
	u32 upto = ix_seq_lt(ack, end) ? ack : end;

	ack_rtt(c, t, s);
	t->retries = 0;
	if (ix_seq_gt(upto, t->sq_seq))
		sq_consume(t, upto - t->sq_seq);
	t->snd_una = ack;
	if (ix_seq_lt(t->snd_nxt, ack))
		t->snd_nxt = ack;
	ix_tcp_sack_clean(t);
	if (t->flags & TF_SACK)
		ix_tcp_sack_update(t, s);
	cc_on_ack(c, t, ack, acked, flight);
	if (t->snd_una == t->snd_max)
		ix_timer_cancel(&c->tw, &t->t_rtx);
	else
		ix_tcp_arm_rtx(c, t);
	t->flags &= ~TF_PERSIST;
	if (t->acked_unreported && (t->flags & TF_APP)) {
		ix_tcp_event(c, t, IX_EV_SENT, 0);
		t->acked_unreported = 0;
	}
}

/* The send window, from the newest segment (RFC 9293 SND.WL1/WL2). */
static void snd_wnd_update(struct ix_stack *c, struct ix_tcb *t,
			   const struct ix_tcp_seg *s, u32 wnd)
{
	if (!(ix_seq_lt(t->snd_wl1, s->seq) ||
	      (t->snd_wl1 == s->seq && ix_seq_leq(t->snd_wl2, s->ack))))
		return;
	t->snd_wnd = wnd;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	t->max_sndwnd = ix_max32(t->max_sndwnd, wnd);
	if (wnd && (t->flags & TF_PERSIST)) {
		t->flags &= ~TF_PERSIST;
		ix_timer_cancel(&c->tw, &t->t_rtx);
	}
}

/* Our FIN acknowledged? Returns false if the connection is gone. */
static bool fin_acked(struct ix_stack *c, struct ix_tcb *t)
{
	if (!(t->flags & TF_FIN_PENDING) ||
	    !ix_seq_gt(t->snd_una, ix_tcp_data_end(t)))
		return true;
	switch (t->state) {
	case IX_TCP_FIN_WAIT_1:
		ix_tcp_set_state(c, t, IX_TCP_FIN_WAIT_2);
		ix_timer_cancel(&c->tw, &t->t_rtx);
		ix_tcp_arm_wait(c, t, c->cfg.fin_wait2_us);
		break;
	case IX_TCP_CLOSING:
		enter_time_wait(c, t);
		break;
	case IX_TCP_LAST_ACK:
		ix_tcp_detach(c, t, 0);
		ix_tcp_free(c, t);
		return false;
	}
	return true;
}

/* Returns false if the connection is gone. */
static bool ack_input(struct ix_stack *c, struct ix_tcb *t,
		      const struct ix_tcp_seg *s)
{
	u32 wnd = s->wnd << t->snd_wscale;

	if (ix_seq_leq(s->ack, t->snd_una))
		ack_dup(c, t, s, wnd);
	else
		ack_new(c, t, s);
	snd_wnd_update(c, t, s, wnd);
	return fin_acked(c, t);
}

static u32 held_cap(const struct ix_tcb *t)
{
	return 2 * (t->rcv_buf / t->mss) + 16;
}

static void ooo_insert(struct ix_stack *c, struct ix_tcb *t, struct ix_mbuf *m)
{
	struct ix_pool *p = &c->rxpool;
	u32 prev = IX_NIL, cur = t->ooo.head;
	u32 s = m->seq, e = m->seq + m->plen;

	/* find the first segment starting after s */
	while (cur != IX_NIL && ix_seq_leq(p->desc[cur].seq, s)) {
		prev = cur;
		cur = p->desc[cur].next;
	}
	if (prev != IX_NIL) {
		struct ix_mbuf *pm = &p->desc[prev];
		u32 pe = pm->seq + pm->plen;

		if (ix_seq_geq(pe, e) && !(m->flags & IX_MBUF_FIN)) {
			c->stat[IX_STAT_TCP_DUPSEG]++;
			ix_pool_put(p, m);
			return;
		}
		if (ix_seq_gt(pe, s)) {
			u32 d = ix_min32(pe - s, m->plen);

			m->poff += d;
			m->plen -= d;
			m->seq += d;
			s = m->seq;
		}
	}
	while (cur != IX_NIL) {
		struct ix_mbuf *nm = &p->desc[cur];
		u32 ne = nm->seq + nm->plen;

		if (ix_seq_geq(nm->seq, e))
			break;
		if (ix_seq_leq(ne, e) && !(nm->flags & IX_MBUF_FIN)) {
			/* covered by m: unlink and drop it */
			u32 next = nm->next;

			if (prev == IX_NIL)
				t->ooo.head = next;
			else
				p->desc[prev].next = next;
			if (t->ooo.tail == cur)
				t->ooo.tail = prev;
			t->ooo.count--;
			t->held -= nm->plen;
			ix_pool_put(p, nm);
			cur = next;
			continue;
		}
		m->plen = (u16)(nm->seq - s);
		m->flags &= ~IX_MBUF_FIN;
		break;
	}
	/*
	 * Small segments that continue one another share a buffer: one
	 * small message per segment would otherwise fill the connection's
	 * buffer cap, held_cap(), with a fraction of its window, and every
	 * segment past it would be dropped.
	 */
	if (prev != IX_NIL && m->plen &&
	    p->desc[prev].seq + p->desc[prev].plen == m->seq &&
	    ix_tcp_seg_append(p, &p->desc[prev], m)) {
		t->held += m->plen;
		ix_pool_put(p, m);
		return;
	}
	/* A small one in a lent frame takes a pool buffer the next can join. */
	if (m->ext && m->plen <= p->bufsz / 2)
		m = ix_tcp_seg_own(p, m);
	m->next = cur;
	if (prev == IX_NIL)
		t->ooo.head = m->idx;
	else
		p->desc[prev].next = m->idx;
	if (cur == IX_NIL)
		t->ooo.tail = m->idx;
	t->ooo.count++;
	t->held += m->plen;
}

/* In-order segments now contiguous with rcv_nxt move to pend. */
static bool ooo_drain(struct ix_stack *c, struct ix_tcb *t)
{
	struct ix_pool *p = &c->rxpool;
	struct ix_mbuf *m;
	bool fin = false;

	while ((m = ix_mq_peek(p, &t->ooo)) &&
	       ix_seq_leq(m->seq, t->rcv_nxt)) {
		u32 e = m->seq + m->plen;

		ix_mq_pop(p, &t->ooo);
		if (ix_seq_lt(e, t->rcv_nxt) ||
		    (e == t->rcv_nxt && !m->plen)) {
			t->held -= m->plen;
			if (m->flags & IX_MBUF_FIN && e == t->rcv_nxt)
				fin = true;
			ix_pool_put(p, m);
			continue;
		}
		if (ix_seq_lt(m->seq, t->rcv_nxt)) {
			u32 d = t->rcv_nxt - m->seq;

			m->poff += d;
			m->plen -= d;
			t->held -= d;
			m->seq = t->rcv_nxt;
		}
		t->rcv_nxt += m->plen;
		if (m->flags & IX_MBUF_FIN)
			fin = true;
		if (m->plen)
			ix_mq_push(p, &t->pend, m);
		else
			ix_pool_put(p, m);
	}
	return fin;
}

/* Returns true if m is now held by the connection. */
/*
 * Trim @m's payload to what is new and fits the receive window, into
 * m->seq, poff and plen; *@fin is cleared if the FIN falls outside.
 * False if nothing is left.
 */
static bool seg_trim(struct ix_stack *c, struct ix_tcb *t, struct ix_mbuf *m,
		     const struct ix_tcp_seg *s, bool *fin)
{
	u32 seq = s->seq, len = s->len, poff = s->poff, wnd;

	if (ix_seq_lt(seq, t->rcv_nxt)) {
		u32 d = t->rcv_nxt - seq;

		if (d > len || (d == len && !*fin)) {
			c->stat[IX_STAT_TCP_DUPSEG]++;
			t->flags |= TF_ACKNOW;
			return false;
		}
		poff += d;
		len -= d;
		seq = t->rcv_nxt;
	}
	wnd = ix_tcp_rcv_window(c, t);
	if (ix_seq_gt(seq + len, t->rcv_nxt + wnd)) {
		len = t->rcv_nxt + wnd - seq;
		*fin = false;
		t->flags |= TF_ACKNOW;
	}
	if (!len && !*fin)
		return false;
	m->seq = seq;
	m->poff = (u16)poff;
	m->plen = (u16)len;
	m->flags &= ~IX_MBUF_FIN;
	return true;
}

static bool data_input(struct ix_stack *c, struct ix_tcb *t,
		       struct ix_mbuf *m, const struct ix_tcp_seg *s)
{
	bool fin = s->flags & IX_TCP_FIN, held = false, had_ooo;
	u32 seq, len, room;

	if (!seg_trim(c, t, m, s, &fin))
		return false;
	seq = m->seq;
	len = m->plen;
	if (t->rcvq.count + t->pend.count + t->ooo.count >= held_cap(t)) {
		c->stat[IX_DROP_TCP_RCVBUF]++;
		t->flags |= TF_ACKNOW;
		return false;
	}
	if (!(t->flags & TF_APP) && ix_tcp_pre_full(c, t)) {
		/* Not taken yet: the peer sends it again after accept. */
		c->stat[IX_DROP_TCP_PREACCEPT]++;
		return false;
	}
	room = ix_tcp_rx_room(c, t);
	/*
	 * Bytes that wait for the host (ix_tcp_rx_pull()) come before the
	 * end of the stream: the FIN is taken once they are gone.
	 */
	if (fin && room != 0xffffffffu && t->rcvq.count) {
		fin = false;
		t->flags |= TF_ACKNOW;
	}
	if (len > room) {
		/* The host is full: what it cannot take is sent again. */
		c->stat[IX_DROP_TCP_RX_ROOM]++;
		if (!room)
			return false;
		len = room;
		m->plen = (u16)len;
		fin = false;
		t->flags |= TF_ACKNOW;
	}
	if (seq != t->rcv_nxt) {
		c->stat[IX_STAT_TCP_OOO]++;
		if (fin)
			m->flags |= IX_MBUF_FIN;
		t->last_ooo_seq = seq;
		t->flags |= TF_ACKNOW;
		ooo_insert(c, t, m);
		return true;
	}
	had_ooo = t->ooo.count != 0;
	if (len) {
		ix_mq_push(&c->rxpool, &t->pend, m);
		t->held += len;
		t->rcv_nxt += len;
		held = true;
	}
	if (had_ooo) {
		t->flags |= TF_ACKNOW;
		if (ooo_drain(c, t))
			fin = true;
	}
	if (fin) {
		t->rcv_nxt++;
		fin_input(c, t);
		return held;
	}
	ix_tcp_deliver(c, t);
	/*
	 * An ACK for every second full-sized segment (RFC 5681 4.2), that is
	 * once more than a segment's worth is unacknowledged, as Linux does
	 * (full segments may carry less than the MSS: options): small
	 * requests wait for their answer to carry it, or the delayed ACK.
	 */
	if (t->rcv_nxt - t->last_ack_sent > (u32)t->mss)
		t->flags |= TF_ACKNOW;
	else if (!(t->flags & TF_ACKNOW))
		ix_tcp_arm_dack(c, t);
	return held;
}

static bool acceptable(struct ix_stack *c, const struct ix_tcb *t,
		       const struct ix_tcp_seg *s)
{
	u32 seglen = s->len + !!(s->flags & IX_TCP_FIN);
	u32 wnd = ix_tcp_rcv_window(c, t);
	u32 nxt = t->rcv_nxt;

	if (!seglen)
		return wnd ? ix_seq_geq(s->seq, nxt) &&
			     ix_seq_lt(s->seq, nxt + wnd) : s->seq == nxt;
	if (!wnd)
		return false;
	return (ix_seq_geq(s->seq, nxt) && ix_seq_lt(s->seq, nxt + wnd)) ||
	       (ix_seq_geq(s->seq + seglen - 1, nxt) &&
		ix_seq_lt(s->seq + seglen - 1, nxt + wnd));
}

static void reset_input(struct ix_stack *c, struct ix_tcb *t)
{
	c->stat[IX_STAT_TCP_RST_RCVD]++;
	if (t->state == IX_TCP_SYN_RCVD && !(t->flags & TF_ACTIVE))
		ix_tcp_free(c, t);
	else if (t->state == IX_TCP_SYN_RCVD)
		ix_tcp_kill(c, t, -ECONNREFUSED);
	else
		ix_tcp_kill(c, t, -ECONNRESET);
}

static bool syn_sent_input(struct ix_stack *c, struct ix_tcb *t,
			   const struct ix_tcp_seg *s)
{
	bool has_ack = s->flags & IX_TCP_ACK;

	if (has_ack && (ix_seq_leq(s->ack, t->iss) ||
			ix_seq_gt(s->ack, t->snd_max))) {
		c->stat[IX_DROP_TCP_ACK]++;
		ix_tcp_reply_rst(c, t->lip, t->rip, s);
		return false;
	}
	if (s->flags & IX_TCP_RST) {
		if (has_ack) {
			c->stat[IX_STAT_TCP_RST_RCVD]++;
			ix_tcp_kill(c, t, -ECONNREFUSED);
		}
		return false;
	}
	if (!(s->flags & IX_TCP_SYN))
		return false;
	apply_syn_opts(c, t, s);
	t->snd_wnd = s->wnd;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	t->max_sndwnd = t->snd_wnd;
	if (has_ack) {
		t->snd_una = s->ack;
		if (t->flags & TF_RTT) {
			t->flags &= ~TF_RTT;
			ix_tcp_rtt_sample(c, t, (u32)(c->now - t->rtt_start));
		}
		ix_timer_cancel(&c->tw, &t->t_rtx);
		ix_tcp_established(c, t);
		ix_tcp_send_ack(c, t);
		return false;
	}
	/* simultaneous open */
	ix_tcp_set_state(c, t, IX_TCP_SYN_RCVD);
	t->flags &= ~TF_RTT;
	ix_tcp_send_syn(c, t);
	ix_tcp_arm_rtx(c, t);
	return false;
}

static void listen_input(struct ix_stack *c, struct ix_mbuf *m,
			 struct ix_tcp_seg *s, u32 lip, u32 rip, u32 hash);

static bool tw_input(struct ix_stack *c, struct ix_tcb *t, struct ix_mbuf *m,
		     struct ix_tcp_seg *s)
{
	if (s->flags & IX_TCP_RST)
		return false;	/* RFC 1337: no TIME_WAIT assassination */
	if ((s->flags & (IX_TCP_SYN | IX_TCP_ACK)) == IX_TCP_SYN) {
		bool newer = (t->flags & TF_TS) && s->has_ts ?
			     ix_seq_gt(s->tsval, t->ts_recent) :
			     ix_seq_gt(s->seq, t->rcv_nxt);

		if (newer && ix_tcp_listening(c, t->lport)) {
			u32 lip = t->lip, rip = t->rip, hash = t->hash;

			c->stat[IX_STAT_TCP_TW_REUSE]++;
			ix_tcp_free(c, t);
			listen_input(c, m, s, lip, rip, hash);
			return true;
		}
		challenge_ack(c, t);
		return false;
	}
	if (s->flags & IX_TCP_FIN)
		ix_tcp_arm_wait(c, t, 2ull * c->cfg.msl_us);
	ix_tcp_send_ack(c, t);
	return false;
}

enum seg_verdict {
	SEG_DROP,		/* handled (answered or dropped) */
	SEG_OK,
	SEG_ACK_ONLY,		/* unacceptable, but its ACK counts */
};

/* PAWS (RFC 7323 section 5) and the acceptability test (RFC 9293). */
static enum seg_verdict seg_check_seq(struct ix_stack *c, struct ix_tcb *t,
				      struct ix_tcp_seg *s)
{
	if ((t->flags & TF_TS) && s->has_ts && !(s->flags & IX_TCP_RST) &&
	    ix_seq_lt(s->tsval, t->ts_recent)) {
		c->stat[IX_DROP_TCP_PAWS]++;
		ix_tcp_send_ack(c, t);
		return SEG_DROP;
	}
	if (acceptable(c, t, s))
		return SEG_OK;
	if (s->flags & IX_TCP_RST) {
		c->stat[IX_DROP_TCP_OOW]++;
		return SEG_DROP;
	}
	/*
	 * An old duplicate (as after the peer's go-back-N) or a
	 * segment at the edge of a zero window still carries a
	 * valid ACK: process that, drop the rest (as BSD does).
	 */
	if ((s->flags & (IX_TCP_ACK | IX_TCP_SYN)) == IX_TCP_ACK &&
	    (ix_seq_lt(s->seq, t->rcv_nxt) || s->seq == t->rcv_nxt)) {
		if (ix_seq_lt(s->seq, t->rcv_nxt))
			c->stat[IX_STAT_TCP_DUPSEG]++;
		return SEG_ACK_ONLY;
	}
	c->stat[IX_DROP_TCP_OOW]++;
	ix_tcp_send_ack(c, t);
	return SEG_DROP;
}

/* RST, SYN and a missing ACK; true if the segment goes on. */
static bool seg_check_ctl(struct ix_stack *c, struct ix_tcb *t,
			  const struct ix_tcp_seg *s)
{
	if (s->flags & IX_TCP_RST) {
		if (s->seq == t->rcv_nxt)
			reset_input(c, t);
		else
			challenge_ack(c, t);
		return false;
	}
	if (s->flags & IX_TCP_SYN) {
		challenge_ack(c, t);
		return false;
	}
	return s->flags & IX_TCP_ACK;
}

/* The host's listener on @lport takes no more connections now. */
static bool accept_full(struct ix_stack *c, u16 lport)
{
	if (!c->cfg.accept_full || !c->cfg.accept_full(c->cfg.arg, lport))
		return false;
	c->stat[IX_DROP_TCP_ACCEPT_FULL]++;
	return true;
}

/*
 * SYN cookies are honoured only while in use (as Linux does): otherwise a
 * late segment of a closed connection could bring it back to life.
 */
static bool cookies_live(const struct ix_stack *c)
{
	return c->last_cookie &&
	       c->now + 1 - c->last_cookie <= IX_TCP_COOKIE_LIFE_US;
}

/* What a SYN cookie's SYN-ACK told the peer: no SACK, no timestamps. */
static void cookie_opts(struct ix_tcb *t, u32 mss, u8 ws)
{
	t->flags &= ~(TF_SACK | TF_TS);
	if (ws == IX_TCP_WS_NONE) {
		t->flags &= ~TF_WS;
		t->rcv_wscale = 0;
		t->snd_wscale = 0;
	} else {
		t->rcv_wscale = ws;
	}
	t->mss = mss;
}

/*
 * A SYN beyond the backlog got a SYN cookie; its retransmission, arriving
 * once the backlog had room, got this block and a SYN-ACK of another ISN.
 * The peer completed its handshake on the first: its ACK carries the
 * cookie. The connection is the cookie's (its ISN, MSS and window scale;
 * the peer's scale is known here, from the SYN): refusing the ACK would
 * reset a connection the peer has opened.
 */
static bool synrcvd_cookie(struct ix_stack *c, struct ix_tcb *t,
			   const struct ix_tcp_seg *s)
{
	u32 mss;
	u8 ws;

	if ((t->flags & TF_ACTIVE) || !cookies_live(c) ||
	    !ix_tcp_cookie_check(c, t->lip, t->rip, s, &mss, &ws))
		return false;
	c->stat[IX_STAT_TCP_SYNCOOKIE_OK]++;
	cookie_opts(t, mss, ws);
	t->flags &= ~TF_RTT;
	t->iss = s->ack - 1;
	t->snd_una = t->iss;
	t->snd_nxt = s->ack;
	t->snd_max = s->ack;
	t->sq_seq = s->ack;
	t->rcv_adv = t->rcv_nxt + ix_min32(t->rcv_buf, 65535);
	return true;
}

/* The ACK of our SYN-ACK establishes; false if it is refused. */
static bool synrcvd_ack(struct ix_stack *c, struct ix_tcb *t,
			struct ix_tcp_seg *s)
{
	if ((ix_seq_leq(s->ack, t->snd_una) || ix_seq_gt(s->ack, t->snd_max)) &&
	    !synrcvd_cookie(c, t, s)) {
		c->stat[IX_DROP_TCP_ACK]++;
		ix_tcp_reply_rst(c, t->lip, t->rip, s);
		return false;
	}
	/* Full: still SYN_RCVD; the SYN-ACK's timer brings the ACK back. */
	if (!(t->flags & TF_ACTIVE) && accept_full(c, t->lport))
		return false;
	t->snd_wnd = s->wnd << t->snd_wscale;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	t->max_sndwnd = t->snd_wnd;
	if (t->flags & TF_RTT) {
		t->flags &= ~TF_RTT;
		ix_tcp_rtt_sample(c, t, (u32)(c->now - t->rtt_start));
	}
	ix_timer_cancel(&c->tw, &t->t_rtx);
	ix_tcp_established(c, t);
	return true;
}

/*
 * Answer duplicates and window probes (sequence rcv_nxt - 1, as both
 * Linux and we send them), not a pure ACK that was merely overtaken by
 * later data: that answer would be a spurious duplicate ACK for the peer.
 */
static void ack_only_input(struct ix_stack *c, struct ix_tcb *t,
			   const struct ix_tcp_seg *s)
{
	if (s->len || (s->flags & IX_TCP_FIN) ||
	    s->seq == t->rcv_nxt - 1 || !ix_tcp_rcv_window(c, t))
		t->flags |= TF_ACKNOW;
	ix_tcp_output(c, t);
}

/* Returns true if m was consumed. */
static bool tcb_input(struct ix_stack *c, struct ix_tcb *t, struct ix_mbuf *m,
		      struct ix_tcp_seg *s)
{
	enum seg_verdict v;
	bool held = false;

	if (t->state == IX_TCP_SYN_SENT)
		return syn_sent_input(c, t, s);
	if (t->state == IX_TCP_TIME_WAIT)
		return tw_input(c, t, m, s);

	if (t->state == IX_TCP_SYN_RCVD && (s->flags & IX_TCP_SYN) &&
	    !(s->flags & IX_TCP_ACK) && s->seq == t->irs) {
		ix_tcp_send_syn(c, t);	/* our SYN-ACK was lost */
		return false;
	}
	v = seg_check_seq(c, t, s);
	if (v == SEG_DROP || !seg_check_ctl(c, t, s))
		return false;
	if (t->state == IX_TCP_SYN_RCVD && !synrcvd_ack(c, t, s))
		return false;
	if (ix_seq_gt(s->ack, t->snd_max) ||
	    ix_seq_lt(s->ack, t->snd_una - t->max_sndwnd)) {
		c->stat[IX_DROP_TCP_ACK]++;
		challenge_ack(c, t);
		return false;
	}
	if ((t->flags & TF_TS) && s->has_ts &&
	    ix_seq_leq(s->seq, t->last_ack_sent) &&
	    ix_seq_geq(s->tsval, t->ts_recent))
		t->ts_recent = s->tsval;
	if (!ack_input(c, t, s))
		return false;
	if (v == SEG_ACK_ONLY) {
		ack_only_input(c, t, s);
		return false;
	}
	if (s->len || (s->flags & IX_TCP_FIN)) {
		switch (t->state) {
		case IX_TCP_ESTABLISHED:
		case IX_TCP_FIN_WAIT_1:
		case IX_TCP_FIN_WAIT_2:
			held = data_input(c, t, m, s);
			ix_tcp_pre_sync(c, t);
			break;
		default:
			t->flags |= TF_ACKNOW;	/* retransmitted FIN */
			break;
		}
	}
	if (t->state != IX_TCP_CLOSED && t->state != IX_TCP_TIME_WAIT)
		ix_tcp_output(c, t);
	return held;
}

static void passive_open(struct ix_stack *c, struct ix_tcp_seg *s, u32 lip,
			 u32 rip, u32 hash)
{
	struct ix_tcb *t = NULL;
	u8 ws;
	u32 isn;

	if (c->syn_rcvd < c->cfg.syn_backlog)
		t = ix_tcp_alloc(c, lip, rip, s->dport, s->sport, hash);
	if (!t) {
		isn = ix_tcp_cookie_make(c, lip, rip, s, &ws);
		c->stat[IX_STAT_TCP_SYNCOOKIE_SENT]++;
		c->last_cookie = c->now + 1;
		ix_tcp_send_cookie_synack(c, lip, rip, s, isn, ws);
		return;
	}
	apply_syn_opts(c, t, s);
	t->snd_wnd = s->wnd;
	t->iss = ix_tcp_isn(c, lip, rip, t->lport, t->rport);
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->snd_max = t->snd_nxt;
	t->sq_seq = t->snd_nxt;
	ix_tcp_set_state(c, t, IX_TCP_SYN_RCVD);
	t->flags |= TF_SYN_COUNTED | TF_RTT;
	t->rtt_seq = t->snd_nxt;
	t->rtt_start = c->now;
	c->syn_rcvd++;
	ix_tcp_send_syn(c, t);
	ix_tcp_arm_rtx(c, t);
}

/*
 * The connection a SYN cookie's ACK opens; NULL for a bad cookie (reset
 * it) or, with *@full, a good one the listener has no room for (drop it:
 * the peer sends again).
 */
static struct ix_tcb *cookie_open(struct ix_stack *c, struct ix_tcp_seg *s,
				  u32 lip, u32 rip, u32 hash, bool *full)
{
	struct ix_tcb *t;
	u32 mss;
	u8 ws;

	if (!cookies_live(c) || !ix_tcp_cookie_check(c, lip, rip, s, &mss, &ws)) {
		c->stat[IX_DROP_TCP_BADCOOKIE]++;
		return NULL;
	}
	*full = accept_full(c, s->dport);
	if (*full)
		return NULL;
	t = ix_tcp_alloc(c, lip, rip, s->dport, s->sport, hash);
	if (!t) {
		c->stat[IX_DROP_TCP_NOMEM]++;
		return NULL;
	}
	c->stat[IX_STAT_TCP_SYNCOOKIE_OK]++;
	cookie_opts(t, mss, ws);
	t->irs = s->seq - 1;
	t->rcv_nxt = s->seq;
	t->rcv_adv = s->seq + ix_min32(t->rcv_buf, 65535);
	t->iss = s->ack - 1;
	t->snd_una = s->ack;
	t->snd_nxt = s->ack;
	t->snd_max = s->ack;
	t->sq_seq = s->ack;
	/* the peer's scale was not kept: assume none (conservative) */
	t->snd_wscale = 0;
	t->snd_wnd = s->wnd;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	t->max_sndwnd = t->snd_wnd;
	ix_tcp_established(c, t);
	return t;
}

static void listen_input(struct ix_stack *c, struct ix_mbuf *m,
			 struct ix_tcp_seg *s, u32 lip, u32 rip, u32 hash)
{
	bool full = false;
	struct ix_tcb *t;

	if (!ix_tcp_listening(c, s->dport)) {
		c->stat[IX_DROP_TCP_NOCONN]++;
		ix_tcp_reply_rst(c, lip, rip, s);
		goto drop;
	}
	if (s->flags & IX_TCP_RST)
		goto drop;
	if (s->flags & IX_TCP_ACK) {
		if (s->flags & IX_TCP_SYN) {
			ix_tcp_reply_rst(c, lip, rip, s);
			goto drop;
		}
		t = cookie_open(c, s, lip, rip, hash, &full);
		if (!t) {
			/* A good cookie the listener has no room for: dropped. */
			if (!full)
				ix_tcp_reply_rst(c, lip, rip, s);
			goto drop;
		}
		if (tcb_input(c, t, m, s))
			return;
		goto drop;
	}
	if (s->flags & IX_TCP_SYN) {
		/*
		 * As Linux: no half-open connection for a listener that takes
		 * none now; the peer's SYN comes again after its timeout.
		 */
		if (accept_full(c, s->dport))
			goto drop;
		if (c->syn_rcvd >= c->cfg.syn_backlog)
			c->stat[IX_DROP_TCP_BACKLOG]++;
		passive_open(c, s, lip, rip, hash);
	}
drop:
	ix_stack_free(c, m);
}

void ix_tcp_input(struct ix_stack *c, struct ix_mbuf *m, u8 *ip, u32 hlen,
		  u32 len)
{
	u8 *tcp = ip + hlen;
	u32 tl = len - hlen, off, saddr, daddr, hash;
	struct ix_tcp_seg s;
	struct ix_tcb *t;

	if (tl < IX_TCP_HLEN) {
		c->stat[IX_DROP_TCP_SHORT]++;
		goto drop;
	}
	off = (tcp[IX_TCP_OFF_DOFF] >> 4) * 4u;
	if (off < IX_TCP_HLEN || off > tl) {
		c->stat[IX_DROP_TCP_OFF]++;
		goto drop;
	}
	saddr = ix_get32(ip + IX_IP_OFF_SADDR);
	daddr = ix_get32(ip + IX_IP_OFF_DADDR);
	if (!(m->flags & IX_MBUF_CSUM_OK) &&
	    ix_csum_fold(ix_csum_add(ix_csum_pseudo(saddr, daddr,
						    IX_IP_PROTO_TCP, (u16)tl),
				     tcp, tl))) {
		c->stat[IX_DROP_TCP_CSUM]++;
		goto drop;
	}
	memset(&s, 0, sizeof(s));
	s.sport = ix_get16(tcp + IX_TCP_OFF_SPORT);
	s.dport = ix_get16(tcp + IX_TCP_OFF_DPORT);
	s.seq = ix_get32(tcp + IX_TCP_OFF_SEQ);
	s.ack = ix_get32(tcp + IX_TCP_OFF_ACK);
	s.flags = tcp[IX_TCP_OFF_FLAGS] & IX_TCP_FLAGS_MASK;
	s.wnd = ix_get16(tcp + IX_TCP_OFF_WND);
	s.len = tl - off;
	s.ws = IX_TCP_WS_NONE;
	s.poff = (u32)(tcp + off - ix_pool_buf(&c->rxpool, m));
	parse_opts(&s, tcp + IX_TCP_HLEN, off - IX_TCP_HLEN);
	if (!s.sport || !s.dport ||
	    ((s.flags & IX_TCP_SYN) && (s.flags & (IX_TCP_FIN | IX_TCP_RST)))) {
		c->stat[IX_DROP_TCP_FLAGS]++;
		goto drop;
	}
	hash = (m->flags & IX_MBUF_HASH) ? m->hash :
	       ix_toeplitz_flow(c->rss_key, saddr, daddr, s.sport, s.dport);
	if (!ix_stack_owns_fg(c, ix_toeplitz_fg(hash, c->cfg.nfg))) {
		c->stat[IX_DROP_FG]++;
		goto drop;
	}
	t = ix_flowtab_lookup(c, hash, daddr, saddr, s.dport, s.sport);
	if (!t) {
		listen_input(c, m, &s, daddr, saddr, hash);
		return;
	}
	if (tcb_input(c, t, m, &s))
		return;
drop:
	ix_stack_free(c, m);
}
