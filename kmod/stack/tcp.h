/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP control block and the interfaces between the tcp_*.c files.
 *
 * Sequence space on the send side:
 *   iss          SYN
 *   sq_seq       first byte still referenced in sq[] (== snd_una once the
 *                SYN is acked and while data is outstanding)
 *   sq_seq + sq_bytes = data_end, where a FIN goes when TF_FIN_PENDING
 *   snd_una <= snd_nxt <= snd_max: after a timeout snd_nxt goes back to
 *   snd_una (go-back-N) while snd_max keeps the highest sequence sent.
 * Receive side: payload stays in the RX buffers it arrived in.  pend holds
 * in-order bytes not yet shown to the application (before accept), rcvq
 * the bytes shown by a recv event and not yet returned by recv_done, ooo
 * the out-of-order segments.  held counts the payload bytes of all three
 * and the advertised window is rcv_buf - held.  A host that copied a
 * recv event's bytes out (ix_stack_rx_consumed()) lets the buffer go at
 * once: rel counts those bytes, shown and not yet returned, which are in
 * no buffer but still in held, so the window stays the application's.
 */
#ifndef IX_TCP_H
#define IX_TCP_H

#include "stack.h"

#define IX_SACK_SCOREBOARD	8
/* Duplicate ACKs that start fast recovery (RFC 5681 section 3.2). */
#define IX_TCP_DUPTHRESH	3
/* A segment without a window-scale option (struct ix_tcp_seg.ws). */
#define IX_TCP_WS_NONE		0xff
#define IX_TCP_WS_MAX		14	/* RFC 7323 section 2.3 */
#define IX_TCP_MSS_DEFAULT	536	/* without an MSS option */
#define IX_TCP_MSS_MIN		64
/* Timestamp clock: now >> IX_TCP_TS_SHIFT, about a millisecond a tick. */
#define IX_TCP_TS_SHIFT		10
/* An echoed timestamp older than this many ticks (~17 min) is no sample. */
#define IX_TCP_TS_MAX_AGE	(1024u * 1024)
/* SYN cookies: a secret period of 2^26 us (~67 s), two periods valid. */
#define IX_TCP_COOKIE_PERIOD_SHIFT 26
#define IX_TCP_COOKIE_LIFE_US	(2ull << IX_TCP_COOKIE_PERIOD_SHIFT)
#define IX_RTT_MARKS		16

enum ix_tcp_state {
	IX_TCP_CLOSED,
	IX_TCP_SYN_SENT,
	IX_TCP_SYN_RCVD,
	IX_TCP_ESTABLISHED,
	IX_TCP_FIN_WAIT_1,
	IX_TCP_FIN_WAIT_2,
	IX_TCP_CLOSE_WAIT,
	IX_TCP_CLOSING,
	IX_TCP_LAST_ACK,
	IX_TCP_TIME_WAIT,
};

#define TF_ACKNOW	0x0001	/* send an ACK at the next output */
#define TF_APP		0x0002	/* accepted or connected: cookie valid */
#define TF_KNOCKED	0x0004	/* knock emitted, accept pending */
#define TF_FIN_PENDING	0x0008	/* application closed: FIN at data_end */
#define TF_TS		0x0010	/* timestamps negotiated */
#define TF_SACK		0x0020	/* SACK negotiated */
#define TF_WS		0x0040	/* window scaling negotiated */
#define TF_RECOVERY	0x0080	/* fast recovery */
#define TF_ACTIVE	0x0100	/* opened by connect */
#define TF_FIN_RCVD	0x0200	/* peer's FIN consumed (EOF) */
#define TF_EOF_SHOWN	0x0400	/* EOF recv event emitted */
#define TF_PERSIST	0x0800	/* t_rtx is the persist timer */
#define TF_RTT		0x1000	/* the SYN (rtt_seq) is being timed */
#define TF_SYN_COUNTED	0x2000	/* counted in c->syn_rcvd */

#define IX_MBUF_FIN	0x0100	/* held segment carried a FIN */

/* Send time of one new-data segment; start == end once retransmitted. */
struct ix_rtt_mark {
	u32 start, end;
	u32 sent;		/* low 32 bits of the us clock */
};

struct ix_tcb {
	u32 slot;
	u16 gen;
	u16 fg;
	u8 state;
	u8 dupacks;
	u8 retries;
	u8 snd_wscale, rcv_wscale;
	u8 sq_head, sq_cnt;
	u8 nsacked;
	u8 rtt_head, rtt_cnt;
	u32 flags;
	u32 hnext;
	struct ix_tcb *dead_next;	/* ix_stack.tcb_dead */
	u64 cookie;
	u32 lip, rip;
	u16 lport, rport;
	u32 hash;

	/* send side */
	u32 iss, snd_una, snd_nxt, snd_max;
	u32 snd_wnd, snd_wl1, snd_wl2, max_sndwnd;
	u32 cwnd, ssthresh, recover;
	u32 mss;
	u32 srtt, rttvar, rto;		/* us; srtt == 0: no sample yet */
	u32 rtt_seq;
	u64 rtt_start;
	u32 sq_seq;
	u32 sq_bytes;
	u32 sq_off;			/* bytes of sq[sq_head] already acked */
	u32 acked_unreported;
	u32 rtx_hi;			/* SACK recovery: retransmitted below */
	struct ix_iov sq[IX_SQ_REFS];
	/*
	 * Bytes of sends another stack took, copied when the connection
	 * moved here (ix_fg_import()): sq_copy_refs sq[] entries point into
	 * them, and they are freed with the last one.
	 */
	u8 *sq_copy;
	u32 sq_copy_len;
	u32 sq_copy_refs;
	struct ix_sack_blk sacked[IX_SACK_SCOREBOARD];
	struct ix_rtt_mark rtt[IX_RTT_MARKS];

	/* receive side */
	u32 irs, rcv_nxt, rcv_adv, rcv_buf;
	u32 held;
	u32 pre_bufs;			/* counted in ix_stack.pre_bufs */
	u32 dlv;			/* bytes shown, not yet returned */
	u32 rel;			/* ... of which copied out: not in rcvq */
	u32 last_ack_sent;
	u32 ts_recent;
	u32 last_ooo_seq;
	struct ix_mq rcvq;
	struct ix_mq pend;
	struct ix_mq ooo;

	struct ix_timer t_rtx;
	struct ix_timer t_dack;
	struct ix_timer t_wait;
};

/* Parsed TCP header and options of a received segment. */
struct ix_tcp_seg {
	u32 seq, ack, len;		/* len: payload bytes */
	u32 wnd;			/* raw 16-bit field */
	u32 tsval, tsecr;
	u16 sport, dport;
	u16 mss;
	u8 flags;
	u8 ws;				/* IX_TCP_WS_NONE: no option */
	u8 sackok, has_ts, nsack;
	struct ix_sack_blk sack[4];
	u32 poff;			/* payload offset in the buffer */
};

static inline u32 ix_tcp_data_end(const struct ix_tcb *t)
{
	return t->sq_seq + t->sq_bytes;
}

static inline u64 ix_tcp_handle(const struct ix_tcb *t)
{
	return ix_stack_handle(t->fg, t->gen, t->slot);
}

/*
 * Receive buffers a passive connection holds before the application took
 * it (accept) are bounded three ways: IX_PRE_BUFS_CONN per connection
 * (room for a peer's initial window), a sixteenth of the receive pool per
 * listener and a quarter of it per core. A listener whose owner never
 * accepts therefore cannot drain the pool that every other connection
 * receives into; what is refused is dropped unacknowledged and sent
 * again by the peer once the connection is accepted.
 */
#define IX_PRE_BUFS_CONN	16

/* Every change of a connection's state, told to the host first. */
static inline void ix_tcp_set_state(struct ix_stack *c, struct ix_tcb *t,
				    u8 state)
{
	ix_plat_tcp_state(c, t, state);
	t->state = state;
}

/* tcp.c APIs (internal): */
struct ix_tcb *ix_tcp_alloc(struct ix_stack *c, u32 lip, u32 rip, u16 lport,
			    u16 rport, u32 hash);
void ix_tcp_free(struct ix_stack *c, struct ix_tcb *t);
void ix_tcp_free_exported(struct ix_stack *c, struct ix_tcb *t);
void ix_tcp_sq_copy_free(struct ix_tcb *t);
void ix_tcp_pre_sync(struct ix_stack *c, struct ix_tcb *t);
bool ix_tcp_pre_full(struct ix_stack *c, const struct ix_tcb *t);
bool ix_tcp_listening(const struct ix_stack *c, u16 port);
void ix_tcp_established(struct ix_stack *c, struct ix_tcb *t);
void ix_tcp_kill(struct ix_stack *c, struct ix_tcb *t, int err);
void ix_tcp_detach(struct ix_stack *c, struct ix_tcb *t, int status);
void ix_tcp_deliver(struct ix_stack *c, struct ix_tcb *t);
bool ix_tcp_seg_append(struct ix_pool *p, struct ix_mbuf *to,
		       const struct ix_mbuf *m);
struct ix_mbuf *ix_tcp_seg_own(struct ix_pool *p, struct ix_mbuf *m);
void ix_tcp_event(struct ix_stack *c, struct ix_tcb *t, u16 type, s32 status);

/* tcp_in.c APIs: */
void ix_tcp_input(struct ix_stack *c, struct ix_mbuf *m, u8 *ip, u32 hlen,
		  u32 len);

/* tcp_out.c APIs: */
void ix_tcp_output(struct ix_stack *c, struct ix_tcb *t);
int ix_tcp_send_ack(struct ix_stack *c, struct ix_tcb *t);
int ix_tcp_send_syn(struct ix_stack *c, struct ix_tcb *t);
int ix_tcp_send_rst(struct ix_stack *c, struct ix_tcb *t);
int ix_tcp_retransmit(struct ix_stack *c, struct ix_tcb *t, u32 seq, u32 max);
int ix_tcp_send_probe(struct ix_stack *c, struct ix_tcb *t);
void ix_tcp_reply_rst(struct ix_stack *c, u32 lip, u32 rip,
		      const struct ix_tcp_seg *s);
int ix_tcp_send_cookie_synack(struct ix_stack *c, u32 lip, u32 rip,
			      const struct ix_tcp_seg *s, u32 isn, u8 wscale);
u32 ix_tcp_rcv_window(struct ix_stack *c, const struct ix_tcb *t);
u32 ix_tcp_rx_room(struct ix_stack *c, const struct ix_tcb *t);
u8 ix_tcp_wscale_for(u32 rcv_buf);

/* tcp_timer.c APIs: */
void ix_tcp_timers_init(struct ix_tcb *t);
void ix_tcp_timers_cancel(struct ix_stack *c, struct ix_tcb *t);
void ix_tcp_arm_rtx(struct ix_stack *c, struct ix_tcb *t);
void ix_tcp_arm_dack(struct ix_stack *c, struct ix_tcb *t);
void ix_tcp_arm_wait(struct ix_stack *c, struct ix_tcb *t, u64 us);
void ix_tcp_rtt_sample(struct ix_stack *c, struct ix_tcb *t, u32 rtt_us);
void ix_tcp_rtt_mark(struct ix_stack *c, struct ix_tcb *t, u32 start, u32 end);
void ix_tcp_rtt_forget(struct ix_tcb *t, u32 seq, u32 len);
bool ix_tcp_rtt_acked(struct ix_stack *c, struct ix_tcb *t, u32 ack);

/* tcp_sack.c APIs: */
void ix_tcp_sack_update(struct ix_tcb *t, const struct ix_tcp_seg *s);
void ix_tcp_sack_clean(struct ix_tcb *t);
u32 ix_tcp_sack_pipe(const struct ix_tcb *t);
bool ix_tcp_sack_next_hole(const struct ix_tcb *t, u32 *seq, u32 *len);
u32 ix_tcp_sack_blocks(struct ix_stack *c, const struct ix_tcb *t,
		       struct ix_sack_blk *blk, u32 max);

/* tcp_isn.c APIs: */
void ix_tcp_isn_init(struct ix_stack *c);
u32 ix_tcp_isn(struct ix_stack *c, u32 lip, u32 rip, u16 lport, u16 rport);
u32 ix_tcp_cookie_make(struct ix_stack *c, u32 lip, u32 rip,
		       const struct ix_tcp_seg *s, u8 *wscale_out);
bool ix_tcp_cookie_check(struct ix_stack *c, u32 lip, u32 rip,
			 const struct ix_tcp_seg *s, u32 *mss, u8 *ws);
u64 ix_tcp_siphash(const u8 *key, const u64 *words, u32 n);

#endif /* IX_TCP_H */
