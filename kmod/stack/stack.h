/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel-independent ixdp dataplane core: one struct ix_stack per
 * dataplane core holds every piece of state (buffer pools, flow table,
 * timer wheel, ARP cache, TCP control blocks, counters).  Nothing here is
 * global and nothing reads a clock: the host passes the time (in
 * microseconds) into ix_stack_rx() and ix_stack_poll(), transmits frames
 * through cfg.tx and receives events through cfg.event.
 *
 * A host loop looks like:
 *
 *	ix_stack_cfg_default(&cfg);  set mac, ip, netmask, tx, event, arg;
 *	c = ix_stack_create(&cfg, now);  ix_stack_start(c, now);
 *	for (;;) {
 *		for each received frame:  ix_stack_rx_frame(c, buf, len,
 *			IX_MBUF_CSUM_OK if the NIC checked it, now);
 *		for each app command:  ix_tcp_listen/accept/connect/sendv/...;
 *		ix_stack_poll(c, now);	runs due timers
 *	}
 *
 * cfg.tx receives each frame as an ix_mbuf (ix_stack_data() is its first
 * byte, m->len its length; IX_MBUF_CSUM_PARTIAL asks the NIC to finish the
 * L4 checksum at m->csum_start) and gives it back with ix_stack_free() once
 * sent.  A host whose transmit buffers are its own (the kernel's skbs) may
 * set cfg.tx_alloc: TCP segments are then built in place in a buffer it
 * allocates (m->ext, m->host), so that cfg.tx sends it without a copy; the
 * host takes the buffer back (clearing m->ext and m->host) before it
 * frees the mbuf, and cfg.tx_free releases the buffers of frames the
 * stack drops without sending (an unresolved ARP entry, ix_stack_destroy).
 * Other frames (ARP, ICMP) always lie in the TX pool.
 *
 * The event hook is called synchronously from inside the core (from
 * ix_stack_rx, ix_stack_poll and the commands); it must queue the event and
 * must not call back into the core, with one exception: a hook that has
 * copied a recv event's bytes may call ix_stack_rx_consumed(), and the
 * buffer is freed as soon as the hook returns (the bytes still count
 * against the receive window until recv_done).  Otherwise received
 * payload referenced by a recv event stays valid until recv_done returns
 * it or the dead event arrives.  A copying host that has no room for a
 * recv event's bytes leaves them (and those of the connection's next
 * events, to keep their order) with the stack and takes them later with
 * ix_tcp_rx_pull(); it says so with ix_stack_rx_deferred(), and the stack
 * may then join those bytes with the next ones in its buffers (a peer
 * sending small segments to a slow host would otherwise hold a buffer
 * each): the event's data and off are then not valid past the hook.  A
 * zero-copy host never consumes nor defers.
 *
 * Prototypes are grouped by the file that implements them.
 */
#ifndef IX_STACK_H
#define IX_STACK_H

#include "plat.h"
#include "proto.h"

#define IX_NIL			0xffffffffu
#define IX_HEADROOM		64
#define IX_FG_DEFAULT		128
#define IX_FG_MAX		512
#define IX_RSS_KEY_LEN		40
#define IX_ARP_ENTRIES		64
#define IX_ARP_PENDING		4
#define IX_LISTEN_MAX		16
#define IX_SQ_REFS		64
#define IX_SACK_BLOCKS		4

#define ix_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* Per-reason drop counters and event counters, see ix_stack_stat_name(). */
enum ix_stat {
	IX_DROP_ETH_SHORT,
	IX_DROP_ETH_TYPE,
	IX_DROP_ETH_DST,
	IX_DROP_ARP_BAD,
	IX_DROP_ARP_UNRESOLVED,
	IX_DROP_ARP_QUEUE,
	IX_DROP_IP_SHORT,
	IX_DROP_IP_VERSION,
	IX_DROP_IP_IHL,
	IX_DROP_IP_LEN,
	IX_DROP_IP_CSUM,
	IX_DROP_IP_FRAG,
	IX_DROP_IP_DST,
	IX_DROP_IP_PROTO,
	IX_DROP_ICMP_SHORT,
	IX_DROP_ICMP_CSUM,
	IX_DROP_ICMP_TYPE,
	IX_DROP_TCP_SHORT,
	IX_DROP_TCP_OFF,
	IX_DROP_TCP_CSUM,
	IX_DROP_TCP_NOCONN,
	IX_DROP_TCP_OOW,
	IX_DROP_TCP_PAWS,
	IX_DROP_TCP_ACK,
	IX_DROP_TCP_RCVBUF,
	IX_DROP_TCP_RX_ROOM,
	IX_DROP_TCP_PREACCEPT,
	IX_DROP_TCP_BADCOOKIE,
	IX_DROP_TCP_BACKLOG,
	IX_DROP_TCP_ACCEPT_FULL,
	IX_DROP_TCP_NOMEM,
	IX_DROP_TCP_FLAGS,
	IX_DROP_FG,
	IX_DROP_NOBUF,
	IX_STAT_RX_FRAMES,
	IX_STAT_TX_FRAMES,
	IX_STAT_ARP_REQ_SENT,
	IX_STAT_ARP_EXPIRED,
	IX_STAT_ICMP_ECHO,
	IX_STAT_TCP_RETRANS,
	IX_STAT_TCP_TW_RECYCLED,
	IX_STAT_TCP_RTO,
	IX_STAT_TCP_FAST_RETRANS,
	IX_STAT_TCP_PARTIAL_ACK,
	IX_STAT_TCP_SACK_RETRANS,
	IX_STAT_TCP_CHALLENGE_ACK,
	IX_STAT_TCP_SYNCOOKIE_SENT,
	IX_STAT_TCP_SYNCOOKIE_OK,
	IX_STAT_TCP_PROBE,
	IX_STAT_TCP_RST_SENT,
	IX_STAT_TCP_RST_RCVD,
	IX_STAT_TCP_DUPSEG,
	IX_STAT_TCP_OOO,
	IX_STAT_TCP_TW_REUSE,
	IX_STAT_NR,
};

/* Frame flags (struct ix_mbuf.flags). */
#define IX_MBUF_CSUM_OK		0x0001	/* RX: NIC verified L3/L4 sums */
#define IX_MBUF_CSUM_PARTIAL	0x0002	/* TX: NIC completes L4 sum */
/*
 * RX: hash holds the RSS hash.  Only for a NIC hashing IPv4/TCP with the
 * Toeplitz function and this core's key (rss_key): the flow table is
 * indexed by that hash, and connect() computes it the same way.
 */
#define IX_MBUF_HASH		0x0004

/*
 * A buffer descriptor.  Buffers are addressed by index into their pool;
 * idx * bufsz is the buffer's offset in the pool's data area, which is what
 * an application mapping of that area sees.  A received frame may instead
 * be lent by the host (ix_stack_rxbuf_lent()): its bytes stay where the
 * host has them (ext, with off 0) and go back through release(cookie)
 * when the descriptor is freed.  The stack only reads received frames.
 */
struct ix_mbuf {
	u32 idx;
	u32 next;		/* queue link (index), IX_NIL at the end */
	u16 off;		/* frame start within the buffer */
	u16 len;		/* frame length */
	u16 flags;
	u16 csum_start;		/* TX partial: L4 header offset in frame */
	u32 hash;
	u32 seq;		/* TCP: sequence number of payload[0] */
	u16 poff;		/* TCP: payload offset within the buffer */
	u16 plen;		/* TCP: payload bytes still held */
	u8 pool;		/* which pool owns it (0 rx, 1 tx) */
	u8 in_use;
	/*
	 * A frame outside the pool, at ext (off is 0): received, a frame the
	 * host lent (release(host) when the mbuf is freed); to send, with
	 * cfg.tx_alloc, a buffer the host knows by host. NULL: the pool's.
	 */
	u8 *ext;
	void *host;
	void (*release)(void *host);
};

struct ix_pool {
	struct ix_mbuf *desc;
	u8 *data;
	u32 *stack;
	u32 count;
	u32 bufsz;
	u32 nfree;
	u32 nlent;		/* descriptors of frames the host lent */
	u8 id;
};

/* A FIFO of mbufs linked by index. */
struct ix_mq {
	u32 head;
	u32 tail;
	u32 count;
};

struct ix_stack;
struct ix_tcb;
struct ix_timer;
typedef void (*ix_timer_fn)(struct ix_stack *c, struct ix_timer *t);

struct ix_timer {
	struct ix_timer *next;
	struct ix_timer **pprev;
	u64 expires;		/* in ticks */
	ix_timer_fn fn;
	u16 fg;			/* flow group that owns the timer */
	u8 level;
};

#define IX_TW_TICK_SHIFT	4	/* one tick = 16 us */
#define IX_TW_BITS		8
#define IX_TW_SLOTS		256u	/* 2^IX_TW_BITS */
#define IX_TW_LEVELS		4

struct ix_timerwheel {
	u64 now;			/* last processed tick */
	u32 count[IX_TW_LEVELS];
	struct ix_timer *slot[IX_TW_LEVELS][IX_TW_SLOTS];
};

enum ix_arp_state {
	IX_ARP_FREE,
	IX_ARP_INCOMPLETE,
	IX_ARP_REACHABLE,
};

struct ix_arp_entry {
	u32 ip;
	u8 mac[IX_ETH_ALEN];
	u8 state;
	u8 tries;
	u64 expires;		/* us: expiry (reachable) or next retry */
	struct ix_mq pending;
};

/* One reference to application bytes given to sendv. */
struct ix_iov {
	const u8 *base;
	u32 len;
};

struct ix_sack_blk {
	u32 start;
	u32 end;
};

struct ix_listener {
	u16 port;
	u8 used;
	u32 pre_bufs;		/* buffers of its connections not yet accepted */
};

enum ix_event_type {
	IX_EV_KNOCK = 1,	/* handle, ip, port */
	IX_EV_CONNECTED,	/* cookie, handle, status */
	IX_EV_RECV,		/* cookie, handle, data/off, len (0 = EOF) */
	IX_EV_SENT,		/* cookie, handle, len acked, window */
	IX_EV_DEAD,		/* cookie, handle, status (0 or -errno) */
};

/*
 * A connection handle: {fg:16, gen:16, slot:32}. The stack's clients key
 * their per-connection tables by the slot (below the stack's nconn) and
 * learn the owning flow group; otherwise a handle is opaque.
 */
#define IX_HANDLE_GEN_SHIFT	32
#define IX_HANDLE_FG_SHIFT	48

static inline u64 ix_stack_handle(u16 fg, u16 gen, u32 slot)
{
	return (u64)fg << IX_HANDLE_FG_SHIFT | (u64)gen << IX_HANDLE_GEN_SHIFT |
	       slot;
}

static inline u32 ix_stack_handle_slot(u64 handle)
{
	return (u32)handle;
}

static inline u16 ix_stack_handle_gen(u64 handle)
{
	return (u16)(handle >> IX_HANDLE_GEN_SHIFT);
}

static inline u16 ix_stack_handle_fg(u64 handle)
{
	return (u16)(handle >> IX_HANDLE_FG_SHIFT);
}

struct ix_event {
	u16 type;
	s32 status;
	u64 cookie;
	u64 handle;
	u32 ip;
	u16 port;
	u16 lport;		/* the local port */
	const u8 *data;		/* payload */
	u32 off;		/* in the RX pool area, if there */
	u32 len;
	u32 window;
};

/*
 * Connection slots of ix_stack_cfg_default(). A slot costs 14 bytes of
 * tables; its control block (struct ix_tcb) is allocated only while the
 * connection exists.
 */
#define IX_STACK_NCONN_DEFAULT	65536

struct ix_stack_cfg {
	u8 mac[IX_ETH_ALEN];
	u32 ip, netmask, gateway;	/* host byte order */
	u32 nconn;
	u32 nrxbuf, ntxbuf;
	u32 nfg;			/* power of two, <= IX_FG_MAX */
	u32 rcv_buf;			/* per connection, bytes */
	u32 snd_buf;			/* per connection, bytes referenced */
	u16 mss;
	u16 syn_backlog;		/* SYN_RCVD limit before cookies */
	u32 min_rto_us, max_rto_us, init_rto_us;
	u32 dack_us;
	u32 msl_us;
	u32 fin_wait2_us;
	u32 arp_timeout_us;
	u32 challenge_ack_limit;	/* per second */
	u8 max_retries;
	u8 syn_retries;
	bool no_sack, no_ts, no_wscale;
	bool tx_csum_offload;
	u8 rss_key[IX_RSS_KEY_LEN];	/* all zero: Microsoft default key */
	/*
	 * ISN and SYN-cookie keys (16 bytes each). Cores that serve one
	 * address share them, so that a cookie one core sent is valid on
	 * another after a flow-group move; all zero: random per core.
	 */
	u8 secret[32];
	u32 id;				/* the host's name for it, in traces */
	void (*tx)(void *arg, struct ix_stack *c, struct ix_mbuf *m);
	/*
	 * Optional: give the TX mbuf @m a frame buffer of at least @len
	 * bytes of the host's (set m->ext and m->host); false if there is
	 * none (the frame is dropped as for an empty pool).
	 */
	bool (*tx_alloc)(void *arg, struct ix_mbuf *m, u32 len);
	/* With tx_alloc: release the buffer of a frame never sent. */
	void (*tx_free)(void *arg, struct ix_mbuf *m);
	void (*event)(void *arg, const struct ix_event *ev);
	/*
	 * Optional: the payload bytes the host can take now for the
	 * accepted or connected connection @handle. Its window never opens
	 * beyond them (minus what the stack holds for it), and a segment
	 * beyond them is dropped unacknowledged (drop_tcp_rx_room).
	 */
	u32 (*rx_room)(void *arg, u64 handle);
	/*
	 * Optional: the listener on @lport takes no more connections now
	 * (its backlog of connections not yet accepted is full). As Linux
	 * does (tcp_abort_on_overflow off), its SYNs are then dropped (the
	 * peer sends them again) and so is the last ACK of a handshake
	 * already under way: that connection stays SYN_RCVD, its SYN-ACK is
	 * sent again on its timer and the peer's answer completes it once
	 * there is room; a good SYN cookie's ACK is dropped too
	 * (drop_tcp_accept_full counts them all). Nothing is reset.
	 */
	bool (*accept_full)(void *arg, u16 lport);
	void *arg;
};

struct ix_stack {
	struct ix_stack_cfg cfg;
	u64 now;			/* us, last time passed in */
	u64 stat[IX_STAT_NR];
	struct ix_pool rxpool, txpool;
	struct ix_timerwheel tw;
	struct ix_timer t_arp;
	struct ix_arp_entry arp[IX_ARP_ENTRIES];
	u64 fg_owned[IX_FG_MAX / 64];
	u8 rss_key[IX_RSS_KEY_LEN];
	u8 isn_key[16];
	u8 cookie_key[16];
	struct ix_listener listen[IX_LISTEN_MAX];
	/*
	 * Connection slots: a control block is allocated when a slot is
	 * taken and released at the next ix_stack_poll() after it is freed
	 * (whoever still holds its pointer in the same call sees it
	 * CLOSED); tcb_gen keeps the generation of slots without one.
	 */
	struct ix_tcb **tcb;		/* [nconn], NULL: no control block */
	u16 *tcb_gen;			/* [nconn] */
	u32 *tcb_free;
	u32 ntcb_free;
	u32 tcb_hi;			/* slots below it were ever used */
	u32 ntw;			/* control blocks in TIME_WAIT */
	u32 tw_hint;			/* where reclaim_time_wait() goes on */
	u32 ntcb;			/* control blocks allocated */
	struct ix_tcb *tcb_dead;	/* freed, released at the next poll */
	u32 *ftab;
	u32 ftab_mask;
	u32 syn_rcvd;
	u32 pre_bufs;			/* buffers held before accept */
	u64 last_cookie;		/* us, last SYN cookie sent (+1) */
	u32 challenge_acks;
	u64 challenge_sec;
	u16 next_port;
	bool rx_consumed;		/* set by the event hook, see above */
	bool rx_deferred;		/* likewise */
};

/* core.c APIs: */
int ix_stack_cfg_default(struct ix_stack_cfg *cfg);
struct ix_stack *ix_stack_create(const struct ix_stack_cfg *cfg, u64 now);
void ix_stack_destroy(struct ix_stack *c);
void ix_stack_start(struct ix_stack *c, u64 now);
struct ix_mbuf *ix_stack_rxbuf(struct ix_stack *c);
struct ix_mbuf *ix_stack_txbuf(struct ix_stack *c, u32 len);
struct ix_mbuf *ix_stack_rxbuf_lent(struct ix_stack *c, u8 *frame, u32 len,
				    void (*release)(void *host),
				    void *host);
u8 *ix_stack_data(struct ix_stack *c, struct ix_mbuf *m);
void ix_stack_free(struct ix_stack *c, struct ix_mbuf *m);
void ix_stack_rx(struct ix_stack *c, struct ix_mbuf *m, u64 now);
int ix_stack_rx_frame(struct ix_stack *c, const u8 *frame, u32 len, u16 flags,
		      u64 now);
void ix_stack_poll(struct ix_stack *c, u64 now);
u64 ix_stack_next_timer(const struct ix_stack *c);
void ix_stack_xmit(struct ix_stack *c, struct ix_mbuf *m);
void ix_stack_emit(struct ix_stack *c, const struct ix_event *ev);
void ix_stack_rx_consumed(struct ix_stack *c);
void ix_stack_rx_deferred(struct ix_stack *c);
const char *ix_stack_stat_name(unsigned int i);
bool ix_stack_owns_fg(const struct ix_stack *c, u32 fg);
void ix_stack_set_fg(struct ix_stack *c, u32 fg, bool owned);

/* pool.c APIs: */
int ix_pool_init(struct ix_pool *p, u8 id, u32 count, u32 bufsz);
void ix_pool_destroy(struct ix_pool *p);
struct ix_mbuf *ix_pool_get(struct ix_pool *p);
void ix_pool_put(struct ix_pool *p, struct ix_mbuf *m);
u8 *ix_pool_buf(const struct ix_pool *p, const struct ix_mbuf *m);
struct ix_mbuf *ix_pool_mbuf(const struct ix_pool *p, u32 idx);
void ix_mq_init(struct ix_mq *q);
void ix_mq_push(const struct ix_pool *p, struct ix_mq *q, struct ix_mbuf *m);
struct ix_mbuf *ix_mq_pop(const struct ix_pool *p, struct ix_mq *q);
struct ix_mbuf *ix_mq_peek(const struct ix_pool *p, const struct ix_mq *q);
void ix_mq_purge(struct ix_pool *p, struct ix_mq *q);

/* csum.c APIs: */
u32 ix_csum_add(u32 sum, const u8 *buf, u32 len);
u16 ix_csum_fold(u32 sum);
u32 ix_csum_pseudo(u32 src, u32 dst, u8 proto, u16 len);

/* toeplitz.c APIs: */
extern const u8 ix_toeplitz_default_key[IX_RSS_KEY_LEN];
u32 ix_toeplitz_hash(const u8 *key, const u8 *input, u32 len);
u32 ix_toeplitz_flow(const u8 *key, u32 saddr, u32 daddr, u16 sport,
		     u16 dport);
u32 ix_toeplitz_fg(u32 hash, u32 nfg);

/* timerwheel.c APIs: */
void ix_timerwheel_init(struct ix_timerwheel *w, u64 now_us);
void ix_timer_init(struct ix_timer *t, ix_timer_fn fn, u16 fg);
void ix_timer_arm(struct ix_timerwheel *w, struct ix_timer *t, u64 when_us);
void ix_timer_cancel(struct ix_timerwheel *w, struct ix_timer *t);
bool ix_timer_pending(const struct ix_timer *t);
u32 ix_timerwheel_advance(struct ix_stack *c, struct ix_timerwheel *w,
			  u64 now_us);
u64 ix_timerwheel_next(const struct ix_timerwheel *w);
u32 ix_timerwheel_move_fg(struct ix_timerwheel *from, struct ix_timerwheel *to,
			  u16 fg);

/* flowtab.c APIs: */
int ix_flowtab_init(struct ix_stack *c);
void ix_flowtab_destroy(struct ix_stack *c);
struct ix_tcb *ix_flowtab_lookup(struct ix_stack *c, u32 hash, u32 lip,
				 u32 rip, u16 lport, u16 rport);
void ix_flowtab_insert(struct ix_stack *c, struct ix_tcb *t);
void ix_flowtab_remove(struct ix_stack *c, struct ix_tcb *t);

/* ether.c APIs: */
void ix_ether_input(struct ix_stack *c, struct ix_mbuf *m);
void ix_ether_output(struct ix_stack *c, struct ix_mbuf *m, const u8 *dst,
		     u16 type);

/* arp.c APIs: */
void ix_arp_init(struct ix_stack *c);
void ix_arp_input(struct ix_stack *c, struct ix_mbuf *m, u8 *arp, u32 len);
void ix_arp_output(struct ix_stack *c, struct ix_mbuf *m, u32 nexthop);
void ix_arp_announce(struct ix_stack *c);
void ix_arp_flush(struct ix_stack *c);
const struct ix_arp_entry *ix_arp_lookup(const struct ix_stack *c, u32 ip);

/* ipv4.c APIs: */
void ix_ipv4_input(struct ix_stack *c, struct ix_mbuf *m, u8 *ip, u32 len);
void ix_ipv4_output(struct ix_stack *c, struct ix_mbuf *m, u32 dst, u8 proto,
		    u16 l4len);

/* icmp.c APIs: */
void ix_icmp_input(struct ix_stack *c, struct ix_mbuf *m, u8 *ip, u32 hlen,
		   u32 len);

/* tcp.c APIs (application commands): */
int ix_tcp_init(struct ix_stack *c);
void ix_tcp_destroy(struct ix_stack *c);
void ix_tcp_release_dead(struct ix_stack *c);
struct ix_tcb *ix_tcp_slot(const struct ix_stack *c, u32 slot);
int ix_tcp_listen(struct ix_stack *c, u16 port);
int ix_tcp_unlisten(struct ix_stack *c, u16 port);
int ix_tcp_accept(struct ix_stack *c, u64 handle, u64 cookie);
int ix_tcp_reject(struct ix_stack *c, u64 handle);
int ix_tcp_connect(struct ix_stack *c, u32 ip, u16 port, u16 lport,
		   u64 cookie);
long ix_tcp_sendv(struct ix_stack *c, u64 handle, const struct ix_iov *iov,
		  u32 n);
int ix_tcp_recv_done(struct ix_stack *c, u64 handle, u32 bytes);
void ix_tcp_rcv_update(struct ix_stack *c, u64 handle);
int ix_tcp_close(struct ix_stack *c, u64 handle);
int ix_tcp_abort(struct ix_stack *c, u64 handle);
int ix_tcp_abort_connecting(struct ix_stack *c, u64 cookie);
u32 ix_tcp_abort_connecting_if(struct ix_stack *c,
			       bool (*match)(void *arg, u64 cookie), void *arg);
struct ix_tcb *ix_tcp_lookup_handle(struct ix_stack *c, u64 handle);
int ix_tcp_state(struct ix_stack *c, u64 handle);
int ix_tcp_set_cookie(struct ix_stack *c, u64 handle, u64 cookie);
long ix_tcp_rx_pull(struct ix_stack *c, u64 handle,
		    u32 (*fn)(void *arg, const u8 *data, u32 len), void *arg);
int ix_tcp_shown_tail(struct ix_stack *c, u64 handle, u32 bytes,
		      void (*fn)(void *arg, const u8 *data, u32 len),
		      void *arg);

/* fgmove.c APIs: */
struct ix_fg_blob;
typedef void (*ix_fg_rehandle_fn)(void *arg, u64 old_handle, u64 new_handle,
				  u64 cookie);
int ix_fg_export(struct ix_stack *a, u32 fg, struct ix_fg_blob **out);
int ix_fg_import(struct ix_stack *b, struct ix_fg_blob *blob, u64 now,
		 ix_fg_rehandle_fn cb, void *arg);
void ix_fg_blob_free(struct ix_fg_blob *blob);
u32 ix_fg_blob_conns(const struct ix_fg_blob *blob);
u32 ix_fg_conns(const struct ix_stack *c, u32 fg);

/* A connection in a blob, as its host knew it on the exporting core. */
struct ix_fg_conn_info {
	u64 handle, cookie;
	u32 tx_taken;		/* bytes sends gave the stack, mod 2^32 */
	u32 tx_unreported;	/* ... not yet reported acknowledged */
	bool fin;		/* the host closed: FIN queued or sent */
	bool eof_shown;		/* the end of stream event was emitted */
	bool app;		/* accepted or connected (TF_APP) */
};

void ix_fg_blob_info(const struct ix_fg_blob *blob, u32 i,
		     struct ix_fg_conn_info *ci);
int ix_fg_blob_rx_return(struct ix_fg_blob *blob, u32 i, u32 bytes);
int ix_fg_for_each(struct ix_stack *c, u32 fg,
		   int (*fn)(void *arg, u64 handle, u64 cookie, bool bound),
		   void *arg);

#endif /* IX_STACK_H */
