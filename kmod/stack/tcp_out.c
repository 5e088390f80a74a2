// SPDX-License-Identifier: GPL-2.0
/*
 * TCP output: segment construction, the send loop (window, congestion
 * window and SACK recovery), ACKs, probes and resets.
 *
 * Payload is referenced, not copied, until a segment is built: each
 * segment copies its bytes from the application's buffers (sq[]) into a
 * TX buffer (the host's own, with cfg.tx_alloc: the only copy on the way
 * out), so a retransmission reads them again.  Nagle is off, as in
 * IX; a sub-MSS segment goes out only when it ends the queued data or
 * nothing else is in flight (sender-side silly window avoidance).
 */
#include "tcp.h"

struct hdr {
	u32 seq, ack;
	u32 wnd;
	u8 flags;
	u8 optlen;
	u8 opt[IX_TCP_MAXOPT];
};

u8 ix_tcp_wscale_for(u32 rcv_buf)
{
	u8 s = 0;

	while (s < 14 && (rcv_buf >> s) > 65535)
		s++;
	return s;
}

/*
 * What the host can still take for @t beyond the bytes the stack holds
 * for it and has not handed over (U32_MAX: no limit).
 */
u32 ix_tcp_rx_room(struct ix_stack *c, const struct ix_tcb *t)
{
	u32 room, kept;

	if (!c->cfg.rx_room || !(t->flags & TF_APP))
		return 0xffffffffu;
	room = c->cfg.rx_room(c->cfg.arg, ix_tcp_handle(t));
	kept = t->held - t->rel;
	return room > kept ? room - kept : 0;
}

u32 ix_tcp_rcv_window(struct ix_stack *c, const struct ix_tcb *t)
{
	u32 wnd = t->held < t->rcv_buf ? t->rcv_buf - t->held : 0;

	wnd = ix_min32(wnd, ix_tcp_rx_room(c, t));

	/* never move the right edge back (RFC 9293 3.8.6) */
	if (ix_seq_lt(t->rcv_nxt + wnd, t->rcv_adv))
		wnd = t->rcv_adv - t->rcv_nxt;
	return wnd;
}

static void copy_payload(const struct ix_tcb *t, u32 seq, u8 *dst, u32 len)
{
	u32 skip = seq - t->sq_seq + t->sq_off;
	u32 i = t->sq_head;

	while (skip >= t->sq[i].len) {
		skip -= t->sq[i].len;
		i = (i + 1) % IX_SQ_REFS;
	}
	while (len) {
		u32 n = ix_min32(len, t->sq[i].len - skip);

		memcpy(dst, t->sq[i].base + skip, n);
		dst += n;
		len -= n;
		skip = 0;
		i = (i + 1) % IX_SQ_REFS;
	}
}

static int emit(struct ix_stack *c, u32 lip, u32 rip, u16 lport, u16 rport,
		const struct hdr *h, const struct ix_tcb *t, u32 dlen)
{
	u32 hl = IX_TCP_HLEN + h->optlen, tl = hl + dlen, sum;
	struct ix_mbuf *m = ix_stack_txbuf(c, IX_HDRS_LEN + tl);
	u8 *tcp;

	if (!m) {
		c->stat[IX_DROP_NOBUF]++;
		return -ENOBUFS;
	}
	tcp = ix_stack_data(c, m) + IX_HDRS_LEN;
	ix_put16(tcp + IX_TCP_OFF_SPORT, lport);
	ix_put16(tcp + IX_TCP_OFF_DPORT, rport);
	ix_put32(tcp + IX_TCP_OFF_SEQ, h->seq);
	ix_put32(tcp + IX_TCP_OFF_ACK, h->ack);
	tcp[IX_TCP_OFF_DOFF] = (u8)((hl / 4) << 4);
	tcp[IX_TCP_OFF_FLAGS] = h->flags;
	ix_put16(tcp + IX_TCP_OFF_WND, (u16)h->wnd);
	ix_put16(tcp + IX_TCP_OFF_CSUM, 0);
	ix_put16(tcp + IX_TCP_OFF_URP, 0);
	memcpy(tcp + IX_TCP_HLEN, h->opt, h->optlen);
	if (dlen)
		copy_payload(t, h->seq, tcp + hl, dlen);
	sum = ix_csum_pseudo(lip, rip, IX_IP_PROTO_TCP, (u16)tl);
	if (c->cfg.tx_csum_offload) {
		ix_put16(tcp + IX_TCP_OFF_CSUM, (u16)~ix_csum_fold(sum));
		m->flags |= IX_MBUF_CSUM_PARTIAL;
		m->csum_start = IX_HDRS_LEN;
	} else {
		ix_put16(tcp + IX_TCP_OFF_CSUM,
			 ix_csum_fold(ix_csum_add(sum, tcp, tl)));
	}
	ix_ipv4_output(c, m, rip, IX_IP_PROTO_TCP, (u16)tl);
	return 0;
}

static u8 put_ts(u8 *o, u32 tsval, u32 tsecr)
{
	o[0] = IX_TCPOPT_NOP;
	o[1] = IX_TCPOPT_NOP;
	o[2] = IX_TCPOPT_TS;
	o[3] = 10;
	ix_put32(o + 4, tsval);
	ix_put32(o + 8, tsecr);
	return 12;
}

static u32 tsval(const struct ix_stack *c)
{
	return (u32)(c->now >> IX_TCP_TS_SHIFT);
}

static void syn_opts(struct ix_stack *c, struct ix_tcb *t, struct hdr *h)
{
	u8 *o = h->opt;
	u8 n = 0;

	o[n++] = IX_TCPOPT_MSS;
	o[n++] = 4;
	ix_put16(o + n, (u16)c->cfg.mss);
	n += 2;
	if (t->flags & TF_WS) {
		o[n++] = IX_TCPOPT_NOP;
		o[n++] = IX_TCPOPT_WS;
		o[n++] = 3;
		o[n++] = t->rcv_wscale;
	}
	if (t->flags & TF_SACK) {
		o[n++] = IX_TCPOPT_NOP;
		o[n++] = IX_TCPOPT_NOP;
		o[n++] = IX_TCPOPT_SACKOK;
		o[n++] = 2;
	}
	if (t->flags & TF_TS)
		n += put_ts(o + n, tsval(c), t->ts_recent);
	h->optlen = n;
}

/*
 * The peer's MSS counts payload only (RFC 6691), and options share the
 * same room: timestamps come out of every segment, SACK blocks ride on a
 * data segment only as far as the room left by its payload allows.
 */
static u32 seg_mss(const struct ix_tcb *t)
{
	return t->mss - ((t->flags & TF_TS) ? 12 : 0);
}

static void data_opts(struct ix_stack *c, struct ix_tcb *t, struct hdr *h,
		      u32 dlen)
{
	struct ix_sack_blk blk[4];
	u8 *o = h->opt;
	u32 nb, i;
	u8 n = 0;

	if (t->flags & TF_TS)
		n += put_ts(o, tsval(c), t->ts_recent);
	if ((t->flags & TF_SACK) && t->ooo.count && n + dlen + 12 <= t->mss) {
		nb = ix_min32((t->flags & TF_TS) ? 3 : 4,
			      (t->mss - n - dlen - 4) / 8);
		nb = ix_tcp_sack_blocks(c, t, blk, nb);
		if (nb) {
			o[n++] = IX_TCPOPT_NOP;
			o[n++] = IX_TCPOPT_NOP;
			o[n++] = IX_TCPOPT_SACK;
			o[n++] = (u8)(2 + 8 * nb);
			for (i = 0; i < nb; i++) {
				ix_put32(o + n, blk[i].start);
				ix_put32(o + n + 4, blk[i].end);
				n += 8;
			}
		}
	}
	h->optlen = n;
}

/* Send one segment of t carrying len payload bytes from seq. */
static int xmit(struct ix_stack *c, struct ix_tcb *t, u32 seq, u32 len,
		u8 flags)
{
	struct hdr h;
	u32 wnd;

	h.seq = seq;
	h.ack = t->rcv_nxt;
	h.flags = flags;
	if (t->state != IX_TCP_SYN_SENT)
		h.flags |= IX_TCP_ACK;
	wnd = ix_tcp_rcv_window(c, t);
	if (flags & IX_TCP_SYN) {
		syn_opts(c, t, &h);
		h.wnd = ix_min32(wnd, 65535);
	} else {
		data_opts(c, t, &h, len);
		h.wnd = ix_min32(wnd >> t->rcv_wscale, 65535);
		wnd = h.wnd << t->rcv_wscale;
	}
	if (ix_seq_gt(t->rcv_nxt + wnd, t->rcv_adv))
		t->rcv_adv = t->rcv_nxt + wnd;
	t->last_ack_sent = t->rcv_nxt;
	t->flags &= ~TF_ACKNOW;
	ix_timer_cancel(&c->tw, &t->t_dack);
	return emit(c, t->lip, t->rip, t->lport, t->rport, &h, t, len);
}

/*
 * A pure ACK carries snd_max: after a timeout snd_nxt is behind what the
 * peer has already received, and it would discard the ACK as old.
 */
int ix_tcp_send_ack(struct ix_stack *c, struct ix_tcb *t)
{
	return xmit(c, t, t->snd_max, 0, 0);
}

int ix_tcp_send_syn(struct ix_stack *c, struct ix_tcb *t)
{
	return xmit(c, t, t->iss, 0, IX_TCP_SYN);
}

int ix_tcp_send_rst(struct ix_stack *c, struct ix_tcb *t)
{
	c->stat[IX_STAT_TCP_RST_SENT]++;
	return xmit(c, t, t->snd_max, 0, IX_TCP_RST);
}

/* Resend up to max bytes from seq (or the FIN if seq is data_end). */
int ix_tcp_retransmit(struct ix_stack *c, struct ix_tcb *t, u32 seq, u32 max)
{
	u32 end = ix_tcp_data_end(t);
	u32 len = 0;
	u8 fl = 0;

	c->stat[IX_STAT_TCP_RETRANS]++;
	if (ix_seq_lt(seq, end))
		len = ix_min32(ix_min32(end - seq, max), seg_mss(t));
	if ((t->flags & TF_FIN_PENDING) && seq + len == end)
		fl |= IX_TCP_FIN;
	if (!len && !fl)
		return 0;
	ix_tcp_rtt_forget(t, seq, len + !!fl);
	return xmit(c, t, seq, len, fl);
}

/* Persist timer: probe a zero window with an out-of-window ACK. */
int ix_tcp_send_probe(struct ix_stack *c, struct ix_tcb *t)
{
	if (t->snd_wnd) {
		t->flags &= ~TF_PERSIST;
		ix_tcp_output(c, t);
		return 0;
	}
	return xmit(c, t, t->snd_una - 1, 0, 0);
}

static bool sendable(const struct ix_tcb *t)
{
	switch (t->state) {
	case IX_TCP_ESTABLISHED:
	case IX_TCP_CLOSE_WAIT:
	case IX_TCP_FIN_WAIT_1:
	case IX_TCP_CLOSING:
	case IX_TCP_LAST_ACK:
		return true;
	}
	return false;
}

static void sent_seg(struct ix_stack *c, struct ix_tcb *t, u32 seq, u32 n)
{
	if (ix_seq_lt(seq, t->snd_max))
		c->stat[IX_STAT_TCP_RETRANS]++;
	t->snd_nxt = seq + n;
	if (ix_seq_gt(t->snd_nxt, t->snd_max)) {
		if (ix_seq_geq(seq, t->snd_max))
			ix_tcp_rtt_mark(c, t, seq, t->snd_nxt);
		t->snd_max = t->snd_nxt;
	}
	if (!ix_timer_pending(&t->t_rtx) || (t->flags & TF_PERSIST)) {
		t->flags &= ~TF_PERSIST;
		ix_tcp_arm_rtx(c, t);
	}
}

/* SACK recovery (RFC 6675 style): fill the pipe with holes, then data. */
static u32 sack_recover(struct ix_stack *c, struct ix_tcb *t)
{
	u32 sent = 0, seq, len;

	while (ix_tcp_sack_pipe(t) + t->mss <= t->cwnd) {
		if (!ix_tcp_sack_next_hole(t, &seq, &len))
			break;
		len = ix_min32(len, seg_mss(t));
		if (xmit(c, t, seq, len, 0))
			break;
		c->stat[IX_STAT_TCP_RETRANS]++;
		c->stat[IX_STAT_TCP_SACK_RETRANS]++;
		t->rtx_hi = seq + len;
		ix_tcp_rtt_forget(t, seq, len);
		sent++;
	}
	return sent;
}

void ix_tcp_output(struct ix_stack *c, struct ix_tcb *t)
{
	bool sack_rec = (t->flags & (TF_RECOVERY | TF_SACK)) ==
			(TF_RECOVERY | TF_SACK);
	u32 sent = 0, end, avail = 0, cwnd = t->cwnd;

	if (!sendable(t)) {
		if (t->flags & TF_ACKNOW)
			ix_tcp_send_ack(c, t);
		return;
	}
	/* limited transmit (RFC 3042): new data on the first two dup ACKs */
	if (!(t->flags & TF_RECOVERY) && t->dupacks && t->dupacks < 3)
		cwnd += t->dupacks * t->mss;
	if (sack_rec)
		sent += sack_recover(c, t);
	for (;;) {
		u32 wlim = t->snd_una + t->snd_wnd, usable = 0, len;
		u8 fl = 0;

		end = ix_tcp_data_end(t);
		avail = ix_seq_lt(t->snd_nxt, end) ? end - t->snd_nxt : 0;
		if (sack_rec) {
			u32 pipe = ix_tcp_sack_pipe(t);

			if (pipe + t->mss <= t->cwnd)
				usable = t->cwnd - pipe;
		} else if (ix_seq_lt(t->snd_nxt, t->snd_una + cwnd)) {
			usable = t->snd_una + cwnd - t->snd_nxt;
		}
		if (ix_seq_lt(t->snd_nxt, wlim))
			usable = ix_min32(usable, wlim - t->snd_nxt);
		else
			usable = 0;
		len = ix_min32(ix_min32(avail, usable), seg_mss(t));
		if (len && (len == avail || len == seg_mss(t) ||
			    t->snd_nxt == t->snd_una)) {
			if ((t->flags & TF_FIN_PENDING) && len == avail)
				fl = IX_TCP_FIN;
		} else if (!avail && (t->flags & TF_FIN_PENDING) &&
			   t->snd_nxt == end) {
			len = 0;
			fl = IX_TCP_FIN;
		} else {
			break;
		}
		if (len == avail && len)
			fl |= IX_TCP_PSH;
		if (xmit(c, t, t->snd_nxt, len, fl))
			break;
		sent_seg(c, t, t->snd_nxt, len + (fl & IX_TCP_FIN ? 1 : 0));
		sent++;
	}
	if (!sent && (t->flags & TF_ACKNOW))
		ix_tcp_send_ack(c, t);
	if (avail && t->snd_una == t->snd_max && !t->snd_wnd &&
	    !ix_timer_pending(&t->t_rtx)) {
		t->flags |= TF_PERSIST;
		ix_tcp_arm_rtx(c, t);
	}
}

void ix_tcp_reply_rst(struct ix_stack *c, u32 lip, u32 rip,
		      const struct ix_tcp_seg *s)
{
	struct hdr h;

	if (s->flags & IX_TCP_RST)
		return;
	memset(&h, 0, sizeof(h));
	if (s->flags & IX_TCP_ACK) {
		h.seq = s->ack;
		h.flags = IX_TCP_RST;
	} else {
		h.ack = s->seq + s->len + !!(s->flags & IX_TCP_SYN) +
			!!(s->flags & IX_TCP_FIN);
		h.flags = IX_TCP_RST | IX_TCP_ACK;
	}
	c->stat[IX_STAT_TCP_RST_SENT]++;
	emit(c, lip, rip, s->dport, s->sport, &h, NULL, 0);
}

int ix_tcp_send_cookie_synack(struct ix_stack *c, u32 lip, u32 rip,
			      const struct ix_tcp_seg *s, u32 isn, u8 wscale)
{
	struct hdr h;
	u8 *o = h.opt;

	memset(&h, 0, sizeof(h));
	h.seq = isn;
	h.ack = s->seq + 1;
	h.flags = IX_TCP_SYN | IX_TCP_ACK;
	h.wnd = ix_min32(c->cfg.rcv_buf, 65535);
	o[0] = IX_TCPOPT_MSS;
	o[1] = 4;
	ix_put16(o + 2, (u16)c->cfg.mss);
	h.optlen = 4;
	if (wscale != IX_TCP_WS_NONE) {
		o[4] = IX_TCPOPT_NOP;
		o[5] = IX_TCPOPT_WS;
		o[6] = 3;
		o[7] = wscale;
		h.optlen = 8;
	}
	return emit(c, lip, rip, s->dport, s->sport, &h, NULL, 0);
}
