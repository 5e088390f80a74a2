// SPDX-License-Identifier: GPL-2.0
/*
 * TCP timers.  Each control block has three timers on the core's wheel,
 * tagged with the connection's flow group:
 *   t_rtx   retransmission (RFC 6298, exponential backoff; SYN and
 *           SYN-ACK included) or, with TF_PERSIST, the zero-window probe;
 *   t_dack  delayed ACK (cfg.dack_us);
 *   t_wait  TIME_WAIT (2 MSL) and the FIN_WAIT_2 timeout.
 */
#include "tcp.h"

static u32 backoff_rto(struct ix_stack *c, struct ix_tcb *t)
{
	u64 rto = (u64)t->rto * 2;

	return (u32)ix_min64(rto, c->cfg.max_rto_us);
}

void ix_tcp_rtt_sample(struct ix_stack *c, struct ix_tcb *t, u32 rtt)
{
	u32 g = 1u << IX_TW_TICK_SHIFT;
	u64 rto;

	if (!rtt)
		rtt = 1;
	if (!t->srtt) {
		t->srtt = rtt;
		t->rttvar = rtt / 2;
	} else {
		u32 err = t->srtt > rtt ? t->srtt - rtt : rtt - t->srtt;

		t->rttvar = t->rttvar - t->rttvar / 4 + err / 4;
		t->srtt = t->srtt - t->srtt / 8 + rtt / 8;
	}
	rto = (u64)t->srtt + ix_max32(g, 4 * t->rttvar);
	if (rto < c->cfg.min_rto_us)
		rto = c->cfg.min_rto_us;
	t->rto = (u32)ix_min64(rto, c->cfg.max_rto_us);
}

/*
 * RTT marks: the send time of each new-data segment in flight (up to
 * IX_RTT_MARKS of them), so that every ACK of never-retransmitted data
 * gives a sample, not only one timed segment per round trip.  Karn's rule
 * is kept by invalidating the marks a retransmission overlaps.
 */
void ix_tcp_rtt_mark(struct ix_stack *c, struct ix_tcb *t, u32 start, u32 end)
{
	struct ix_rtt_mark *r;

	if (t->rtt_cnt == IX_RTT_MARKS)
		return;
	r = &t->rtt[(t->rtt_head + t->rtt_cnt++) % IX_RTT_MARKS];
	r->start = start;
	r->end = end;
	r->sent = (u32)c->now;
}

void ix_tcp_rtt_forget(struct ix_tcb *t, u32 seq, u32 len)
{
	u32 i;

	for (i = 0; i < t->rtt_cnt; i++) {
		struct ix_rtt_mark *r = &t->rtt[(t->rtt_head + i) %
						IX_RTT_MARKS];

		if (ix_seq_lt(r->start, seq + len) && ix_seq_gt(r->end, seq))
			r->start = r->end;
	}
}

/* Drop the marks ack covers; sample the newest valid one. */
bool ix_tcp_rtt_acked(struct ix_stack *c, struct ix_tcb *t, u32 ack)
{
	u32 rtt = 0;
	bool got = false;

	while (t->rtt_cnt) {
		struct ix_rtt_mark *r = &t->rtt[t->rtt_head];

		if (ix_seq_gt(r->end, ack))
			break;
		if (r->start != r->end) {
			rtt = (u32)c->now - r->sent;
			got = true;
		}
		t->rtt_head = (t->rtt_head + 1) % IX_RTT_MARKS;
		t->rtt_cnt--;
	}
	if (got)
		ix_tcp_rtt_sample(c, t, rtt);
	return got;
}

void ix_tcp_arm_rtx(struct ix_stack *c, struct ix_tcb *t)
{
	ix_timer_arm(&c->tw, &t->t_rtx, c->now + t->rto);
}

void ix_tcp_arm_dack(struct ix_stack *c, struct ix_tcb *t)
{
	if (!ix_timer_pending(&t->t_dack))
		ix_timer_arm(&c->tw, &t->t_dack, c->now + c->cfg.dack_us);
}

void ix_tcp_arm_wait(struct ix_stack *c, struct ix_tcb *t, u64 us)
{
	ix_timer_arm(&c->tw, &t->t_wait, c->now + us);
}

static void on_timeout(struct ix_stack *c, struct ix_tcb *t)
{
	u32 flight = t->snd_max - t->snd_una;

	c->stat[IX_STAT_TCP_RTO]++;
	t->ssthresh = ix_max32(flight / 2, 2 * t->mss);
	t->cwnd = t->mss;
	t->recover = t->snd_max;
	t->snd_nxt = t->snd_una;
	t->flags &= ~(TF_RECOVERY | TF_RTT);
	t->rtt_cnt = 0;		/* everything in flight will be sent again */
	t->dupacks = 0;
	t->nsacked = 0;
	t->rtx_hi = t->snd_una;
	t->rto = backoff_rto(c, t);
	ix_tcp_output(c, t);
	/*
	 * A send window closed with bytes outstanding (a peer that shrank
	 * its window or pruned what it queued) lets nothing out above, and
	 * only a segment from us brings the ACK that reopens it: the first
	 * segment goes again regardless, as RFC 9293 3.8.6.1 asks.
	 */
	if (t->snd_nxt == t->snd_una)
		ix_tcp_retransmit(c, t, t->snd_una, t->mss);
	if (!ix_timer_pending(&t->t_rtx))
		ix_tcp_arm_rtx(c, t);
}

static void rtx_timer(struct ix_stack *c, struct ix_timer *tm)
{
	struct ix_tcb *t = ix_container_of(tm, struct ix_tcb, t_rtx);

	if (t->flags & TF_PERSIST) {
		c->stat[IX_STAT_TCP_PROBE]++;
		ix_tcp_send_probe(c, t);
		t->rto = backoff_rto(c, t);
		ix_tcp_arm_rtx(c, t);
		return;
	}
	switch (t->state) {
	case IX_TCP_SYN_SENT:
	case IX_TCP_SYN_RCVD:
		if (++t->retries > c->cfg.syn_retries) {
			ix_tcp_kill(c, t, -ETIMEDOUT);
			return;
		}
		c->stat[IX_STAT_TCP_RETRANS]++;
		t->flags &= ~TF_RTT;
		t->rto = backoff_rto(c, t);
		ix_tcp_send_syn(c, t);
		ix_tcp_arm_rtx(c, t);
		return;
	case IX_TCP_CLOSED:
	case IX_TCP_TIME_WAIT:
		return;
	}
	if (t->snd_una == t->snd_max)
		return;
	if (++t->retries > c->cfg.max_retries) {
		ix_tcp_send_rst(c, t);
		ix_tcp_kill(c, t, -ETIMEDOUT);
		return;
	}
	on_timeout(c, t);
}

static void dack_timer(struct ix_stack *c, struct ix_timer *tm)
{
	struct ix_tcb *t = ix_container_of(tm, struct ix_tcb, t_dack);

	if (t->state != IX_TCP_CLOSED)
		ix_tcp_send_ack(c, t);
}

static void wait_timer(struct ix_stack *c, struct ix_timer *tm)
{
	struct ix_tcb *t = ix_container_of(tm, struct ix_tcb, t_wait);

	if (t->state == IX_TCP_FIN_WAIT_2)
		ix_tcp_kill(c, t, -ETIMEDOUT);
	else if (t->state == IX_TCP_TIME_WAIT)
		ix_tcp_free(c, t);
}

void ix_tcp_timers_init(struct ix_tcb *t)
{
	ix_timer_init(&t->t_rtx, rtx_timer, t->fg);
	ix_timer_init(&t->t_dack, dack_timer, t->fg);
	ix_timer_init(&t->t_wait, wait_timer, t->fg);
}

void ix_tcp_timers_cancel(struct ix_stack *c, struct ix_tcb *t)
{
	ix_timer_cancel(&c->tw, &t->t_rtx);
	ix_timer_cancel(&c->tw, &t->t_dack);
	ix_timer_cancel(&c->tw, &t->t_wait);
}
