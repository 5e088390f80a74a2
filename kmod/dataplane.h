/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of the dataplane: a port (a netdev and the IPv4 address
 * ixdp owns on it), its dataplane cores (one kthread each, owning an
 * ix_stack and NIC queues) and the map the receive path uses to find the
 * owner of a frame's flow group.
 *
 * Who touches what:
 *  - everything below is created and destroyed under ixdp_core_lock (the
 *    control path: netlink, the port's work item, module exit; ctl.c);
 *  - the receive handler reads the port's map under RCU and only pushes
 *    frames into rings;
 *  - a core's ix_stack, responder and statistics are touched by its own
 *    kthread only; readers of the statistics take a u64_stats snapshot,
 *    consistent per counter but possibly stale.
 */
#ifndef _IXDP_DATAPLANE_H
#define _IXDP_DATAPLANE_H

#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

#include "stack/stack.h"
#include "handoff.h"

#define IXDP_MAX_CORES		64
#define IXDP_MAX_QUEUES		64
/*
 * Slots of one handoff ring (one per producer CPU and core). A producer
 * CPU hands a core at most what it received in one NAPI poll between two
 * of the core's loop steps; 1024 pointers are 8 KiB (kvzalloc).
 */
#define IXDP_RING_SIZE		1024
/*
 * Receive window of every connection, and so the slice of an
 * application's RX arena each connection gets (a power of two).
 */
#define IXDP_RX_SLICE		(64U << 10)

/*
 * What the receive handler learnt of a frame, in skb->cb for the core:
 * its flow group, IXDP_FG_NONE for ARP; for a TCP segment that is not a
 * fragment, the Toeplitz hash of its addresses and ports with the port's
 * key (the stack's), which the core hands the stack so that each frame
 * is hashed once (has_hash).
 */
struct ixdp_skb_cb {
	u32 fg;
	u32 hash;
	bool has_hash;
};

#define IXDP_SKB_CB(skb)	((struct ixdp_skb_cb *)(skb)->cb)
#define IXDP_FG_NONE		U32_MAX
/*
 * Buffers of a core's stack. Received bytes stay in their buffers until
 * the application returns them: 8192 hold 64 KB windows of 128
 * connections. The connections are ix_stack_cfg_default()'s.
 */
#define IXDP_CORE_NRXBUF	8192
#define IXDP_CORE_NTXBUF	2048
/*
 * Received frames a core's stack holds in their skbs rather than in its
 * buffers, at most (each pins its skb, a page or so): the rest are copied.
 */
#define IXDP_CORE_NRXLENT	1024

/* Frames a core holds for the flow groups moving to it, at most. */
#define IXDP_HOLD_MAX		8192

struct ixdp_core;
struct ixdp_responder;
struct ixdp_core_apps;
struct netlink_ext_ack;

/*
 * Counters of one core, written by its kthread only, inside
 * u64_stats_update_begin/end (ixdp_core_stats_inc() and friends below);
 * readers take a snapshot with ixdp_core_stats_read(). The fields are
 * those of struct ixdp_core_stats_snapshot below, in the same order.
 */
struct ixdp_core_stats {
	struct u64_stats_sync syncp;
	u64_stats_t rx_frames;
	u64_stats_t rx_bytes;
	u64_stats_t rx_local;
	u64_stats_t rx_handoff;
	u64_stats_t rx_nobuf;
	u64_stats_t rx_too_big;
	u64_stats_t tx_frames;
	u64_stats_t tx_bytes;
	u64_stats_t tx_drops;
	u64_stats_t tx_busy;
	u64_stats_t tx_no_carrier;
	u64_stats_t loops;
	u64_stats_t batches;
	u64_stats_t batch_frames;
	u64_stats_t batch_max;
	u64_stats_t busy_polls;
	u64_stats_t sleeps;
	u64_stats_t busy_ns;
	u64_stats_t idle_ns;
	u64_stats_t app_cmds;
	u64_stats_t app_bad_cmds;
	u64_stats_t app_events;
	u64_stats_t app_ring_full;
	u64_stats_t app_knock_drops;
	u64_stats_t app_backlog_drops;
	u64_stats_t app_share_drops;
	u64_stats_t app_denied;
	u64_stats_t fg_in;
	u64_stats_t fg_out;
	u64_stats_t conns_in;
	u64_stats_t conns_out;
	u64_stats_t held;
	u64_stats_t held_drops;
	/* Gauges, set by the kthread at every loop step. */
	u64_stats_t apps;
	u64_stats_t app_conns;
	u64_stats_t conns;
	u64_stats_t rxbuf_free;
	u64_stats_t rxbuf_total;
	u64_stats_t txbuf_free;
	u64_stats_t txbuf_total;
	/* Added after the gauges above, in uapi order. */
	u64_stats_t tx_doorbells;
	u64_stats_t run_calls;
	u64_stats_t run_loops;
	u64_stats_t run_sleeps;
	u64_stats_t run_switches;
	u64_stats_t takebacks;
	u64_stats_t takeback_loops;
	u64_stats_t kthread_switches;
	u64_stats_t app_rx_waits;
	u64_stats_t tcbs;
	u64_stats_t app_rx_chunks;
	u64_stats_t app_handoffs;
};

struct ixdp_core_stats_snapshot {
	u64 rx_frames;		/* frames given to the TCP/IP stack */
	u64 rx_bytes;
	u64 rx_local;		/* ... that arrived on this core's CPU */
	u64 rx_handoff;		/* ... that another CPU handed over */
	u64 rx_nobuf;		/* dropped: no receive buffer */
	u64 rx_too_big;		/* dropped: larger than a buffer */
	u64 tx_frames;
	u64 tx_bytes;
	u64 tx_drops;		/* allocation or driver refusal */
	u64 tx_busy;		/* driver queue full: frames wait */
	u64 tx_no_carrier;	/* link down: frames wait */
	u64 loops;		/* loop iterations */
	u64 batches;		/* iterations that found work */
	u64 batch_frames;	/* frames handled in those */
	u64 batch_max;
	u64 busy_polls;		/* napi_busy_loop() calls */
	u64 sleeps;
	u64 busy_ns;
	u64 idle_ns;
	u64 app_cmds;		/* commands of attached contexts */
	u64 app_bad_cmds;	/* ... refused */
	u64 app_events;		/* events written to their rings */
	u64 app_ring_full;	/* times a full event ring held work back */
	u64 app_knock_drops;	/* passive opens refused: no RX slice */
	u64 app_backlog_drops;	/* ... refused: the listen backlog is full */
	u64 app_share_drops;	/* opens refused: the user holds its share */
	u64 app_denied;		/* listens and connects without a grant */
	u64 fg_in;		/* flow groups imported */
	u64 fg_out;		/* ... exported */
	u64 conns_in;		/* connections imported */
	u64 conns_out;		/* ... exported */
	u64 held;		/* frames held while their group moved in */
	u64 held_drops;		/* ... dropped: hold full or move undone */
	/* Gauges, refreshed by the kthread at every loop step. */
	u64 apps;		/* attached contexts */
	u64 app_conns;		/* connections held by contexts */
	u64 conns;		/* TCP control blocks in use */
	u64 rxbuf_free;
	u64 rxbuf_total;
	u64 txbuf_free;
	u64 txbuf_total;
	/* Added after the gauges above, in uapi order. */
	u64 tx_doorbells;	/* bursts that told the driver to ring */
	u64 run_calls;		/* IXDP_IOC_RUN calls */
	u64 run_loops;		/* loop steps run by inline applications */
	u64 run_sleeps;		/* sleeps inside IXDP_IOC_RUN */
	u64 run_switches;	/* context switches of inline threads there */
	u64 takebacks;		/* the kthread took the loop back */
	u64 takeback_loops;	/* steps it ran while the app was out */
	u64 kthread_switches;	/* gauge: context switches of the kthread */
	u64 app_rx_waits;	/* RECVs that waited in the core for arena room */
	u64 tcbs;		/* gauge: control blocks allocated */
	u64 app_rx_chunks;	/* gauge: RX arena chunks connections hold */
	u64 app_handoffs;	/* knocks handed to another context */
};

/*
 * Counters of the receive handler, per CPU, written in its softirq; the
 * fields of struct ixdp_rx_stats_snapshot.
 */
struct ixdp_rx_stats {
	struct u64_stats_sync syncp;
	u64_stats_t consumed;
	u64_stats_t passed;
	u64_stats_t ring_full;
	u64_stats_t no_core;
	u64_stats_t unshare_fail;
};

/* ... added up over every CPU by ixdp_rx_stats_read(). */
struct ixdp_rx_stats_snapshot {
	u64 consumed;		/* frames taken from Linux */
	u64 passed;		/* frames left to Linux */
	u64 ring_full;		/* dropped: owner's ring full */
	u64 no_core;		/* dropped: no core to take it */
	u64 unshare_fail;
};

/*
 * One-line updates for the single writer of a struct ixdp_core_stats or
 * ixdp_rx_stats, by counter name: ixdp_core_stats_inc(&dp->st, rx_frames).
 * Both structs begin with their syncp, so a counter is found at its offset.
 */
static inline u64_stats_t *ixdp_stats_ctr(struct u64_stats_sync *syncp,
					  size_t off)
{
	return (u64_stats_t *)((u8 *)syncp + off);
}

static inline void ixdp_stats_add_at(struct u64_stats_sync *syncp, size_t off,
				     unsigned long n)
{
	u64_stats_update_begin(syncp);
	u64_stats_add(ixdp_stats_ctr(syncp, off), n);
	u64_stats_update_end(syncp);
}

/* Raise a high-water mark to @v. */
static inline void ixdp_stats_max_at(struct u64_stats_sync *syncp, size_t off,
				     u64 v)
{
	u64_stats_t *ctr = ixdp_stats_ctr(syncp, off);

	if (v <= u64_stats_read(ctr))
		return;
	u64_stats_update_begin(syncp);
	u64_stats_set(ctr, v);
	u64_stats_update_end(syncp);
}

#define ixdp_core_stats_add(s, field, n) \
	ixdp_stats_add_at(&(s)->syncp, \
			  offsetof(struct ixdp_core_stats, field), n)
#define ixdp_core_stats_inc(s, field)	ixdp_core_stats_add(s, field, 1)
#define ixdp_core_stats_max(s, field, v) \
	ixdp_stats_max_at(&(s)->syncp, \
			  offsetof(struct ixdp_core_stats, field), v)
#define ixdp_rx_stats_inc(s, field) \
	ixdp_stats_add_at(&(s)->syncp, offsetof(struct ixdp_rx_stats, field), 1)

/*
 * A request the control path runs in a core's own kthread, in the
 * caller's frame: the kthread takes it from @call with a cmpxchg, a
 * caller that gives up withdraws it the same way (ixdp_core_call(),
 * ixdp_core_call_sync()).
 */
struct ixdp_core_call {
	int (*fn)(struct ixdp_core *dp, void *arg);
	void *arg;
	int ret;
	struct completion done;
};

/*
 * A client of a dataplane core: the built-in responder, the table of
 * application contexts. The loop knows its clients only through these
 * hooks, all called in the core's kthread; every hook but event may be
 * NULL. Clients are registered before the core starts and asked in
 * registration order.
 */
struct ixdp_core_client_ops {
	/* The stack raised @ev: true if it is this client's. */
	bool (*event)(struct ixdp_core *dp, const struct ix_event *ev);
	/* Once per loop step, after the frames: work done (for the stats). */
	unsigned int (*run)(struct ixdp_core *dp, unsigned int budget);
	/* Work is waiting (lockless peek, also from napi_busy_loop()). */
	bool (*pending)(const struct ixdp_core *dp);
	/* Output waits for room: sleep briefly, not until the next timer. */
	bool (*backlog)(const struct ixdp_core *dp);
	/* The core is about to sleep: true to be told when it woke. */
	bool (*prepare_sleep)(struct ixdp_core *dp);
	void (*woken)(struct ixdp_core *dp);
	/* Payload bytes connection @handle can take (U32_MAX: not mine). */
	u32 (*rx_room)(struct ixdp_core *dp, u64 handle);
	/* Its listener on @lport has its backlog full. */
	bool (*accept_full)(struct ixdp_core *dp, u16 lport);
	/* Refresh the client's gauges in dp->st. */
	void (*gauges)(struct ixdp_core *dp);
	/* The core goes away: end every connection and user. */
	void (*abort_all)(struct ixdp_core *dp);
	/* Free the client's state (the kthread has stopped). */
	void (*destroy)(struct ixdp_core *dp);
};

#define IXDP_CORE_CLIENTS	2

struct ixdp_core {
	struct ixdp_port *port;
	unsigned int slot;		/* index in the port's core table */
	unsigned int cpu;
	u16 rxq, txq;
	struct task_struct *task;
	struct ix_stack *stack;
	struct ixdp_responder *resp;
	struct ixdp_core_apps *apps;	/* attached contexts (app.h) */
	unsigned int napi_id;		/* learnt from the first frame */
	u64 poll_end_ns;		/* a busy poll ends (clock_ns) */
	u64 clk_sync, clk_ktime;	/* runner: dp_now_us()'s last read */
	u64 now_us;			/* runner: the stack's time */
	bool sleeping;			/* NEED_WAKEUP: see ixdp_core_kick() */
	bool parked;			/* control path writes: no groups */
	/*
	 * Who runs the loop (core.c, "Inline mode"): whoever holds
	 * @loop_lock, the kthread or a thread inside IXDP_IOC_RUN. Fields
	 * marked "runner" are written with it held.
	 */
	struct mutex loop_lock;
	atomic_t runs;			/* RUN calls holding @dp (destroy) */
	atomic_t inside;		/* ... past their checks: the loop's */
	wait_queue_head_t run_wq;	/* ... those of them that sleep */
	bool standby;			/* the kthread stands by for them */
	bool cover;			/* the kthread must run a step now */
	bool dying;			/* ixdp_core_destroy() waits for runs */
	const void *run_owner;		/* runner: who ran it inline last */
	u64 run_left_ns;		/* when that one left RUN (clock_ns) */
	struct timer_list grace_timer;	/* armed when a thread leaves RUN */
	unsigned long woken_want;	/* runner: clients to tell of a wakeup */
	u64 idle_pending;		/* kthread: slept ns, not yet counted */
	u32 nhold;			/* kthread only: groups held */
	unsigned long hold[BITS_TO_LONGS(IX_FG_MAX)];	/* kthread only */
	struct sk_buff_head held;	/* kthread only, their frames */
	u64 fg_frames[IX_FG_MAX];	/* kthread writes: frames by group */
	const struct ixdp_core_client_ops *client[IXDP_CORE_CLIENTS];
	unsigned int nclients;
	struct ixdp_core_call *call;	/* pending control request */
	struct sk_buff_head tx_backlog;	/* kthread only, no lock taken */
	struct ixdp_core_stats st;
	/* [nr_cpu_ids]: one per producer CPU, NULL for those not present */
	struct ixdp_handoff *in[];
};

/* What the receive path needs, replaced as a whole under RCU. */
struct ixdp_map {
	struct rcu_head rcu;
	unsigned int ndp;
	unsigned int arp_dp;			/* answers ARP requests */
	u64 active;				/* slots not parked */
	struct ixdp_core *dp[IXDP_MAX_CORES];	/* by slot, dense */
	u8 fg_owner[IX_FG_MAX];			/* flow group -> slot */
};

struct ixdp_port {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	__be32 addr;
	u8 prefix;
	u32 nfg;
	bool rss;			/* NIC table programmed by ixdp */
	netdev_features_t saved_features;
	u8 rss_key[IX_RSS_KEY_LEN];
	u8 secret[32];			/* the cores' ISN and cookie keys */
	struct ixdp_map __rcu *map;
	struct ixdp_map *spare;		/* ixdp_port_reserve() */
	struct ixdp_core *dp[IXDP_MAX_CORES];	/* by slot, control path */
	unsigned int ndp;
	u16 resp_port;
	u8 resp_mode;
	struct ixdp_rx_stats __percpu *rx_stats;
};

/* The control lock (ctl.c takes it; core.c serialises its calls with it). */
extern struct mutex ixdp_core_lock;

/* port.c APIs: */
int ixdp_port_init(void);
void ixdp_port_uninit(void);
int ixdp_port_add(struct net *net, const char *ifname, __be32 addr, u8 prefix,
		  struct netlink_ext_ack *extack);
int ixdp_port_del(const char *ifname, struct netlink_ext_ack *extack);
struct ixdp_port *ixdp_port_get(void);
int ixdp_port_publish(struct ixdp_port *port, const u8 *owner);
void ixdp_port_owners(const struct ixdp_port *port, u8 *owner);
struct ixdp_core *ixdp_port_core_on(const struct ixdp_port *port,
				    unsigned int cpu);
int ixdp_port_reserve(struct ixdp_port *port);
void ixdp_port_publish_reserved(struct ixdp_port *port, const u8 *owner);

/* rx.c APIs: */
rx_handler_result_t ixdp_rx_handler(struct sk_buff **pskb);

/* core.c APIs: */
struct ixdp_core *ixdp_core_create(struct ixdp_port *port, unsigned int cpu,
				   u16 rxq, u16 txq,
				   struct netlink_ext_ack *extack);
void ixdp_core_client_add(struct ixdp_core *dp,
			  const struct ixdp_core_client_ops *ops);
int ixdp_core_start(struct ixdp_core *dp);
void ixdp_core_free(struct ixdp_core *dp);
void ixdp_core_destroy(struct ixdp_core *dp);
int ixdp_core_own_all(struct ixdp_core *dp);
bool ixdp_core_on_cpu(unsigned int cpu);
int ixdp_core_start_stack(struct ixdp_core *dp);
void ixdp_core_kick(struct ixdp_core *dp);
int ixdp_core_call(struct ixdp_core *dp, int (*fn)(struct ixdp_core *, void *),
		   void *arg);
int ixdp_core_call_sync(struct ixdp_core *dp,
			int (*fn)(struct ixdp_core *, void *), void *arg);
u32 ixdp_core_connections(struct ixdp_core *dp);
void ixdp_core_kick_urgent(struct ixdp_core *dp);

/*
 * One IXDP_IOC_RUN (inline mode): @done tells whether the caller has what
 * it waits for; deadline in ixdp_core_clock_ns(), KTIME_MAX for none.
 */
struct ixdp_core_run {
	bool (*done)(void *arg);
	void *arg;
	const void *owner;
	u64 deadline_ns;
	u32 spin_us;
	u32 steps;		/* out */
	u32 frames;		/* out: frames and commands */
};

bool ixdp_core_run_get(struct ixdp_core *dp);
void ixdp_core_run_put(struct ixdp_core *dp);
int ixdp_core_run(struct ixdp_core *dp, struct ixdp_core_run *run);
void ixdp_core_run_forget(struct ixdp_core *dp, const void *owner);
u64 ixdp_core_now_us(void);
u64 ixdp_core_clock_ns(void);
void ixdp_core_input(struct ixdp_core *dp, struct sk_buff *skb, u64 now);
unsigned int ixdp_core_drain_snapshot(struct ixdp_core *dp, u64 now);

/* stats.c APIs: */
void ixdp_core_stats_init(struct ixdp_core *dp);
void ixdp_core_stats_read(const struct ixdp_core *dp,
			  struct ixdp_core_stats_snapshot *out);
void ixdp_rx_stats_init(struct ixdp_port *port);
void ixdp_rx_stats_read(const struct ixdp_port *port,
			struct ixdp_rx_stats_snapshot *out);

/* fgmove.c APIs: */
struct ixdp_move_stats {
	u32 fgs, conns, held;
	u64 hold_ns, switch_ns, export_ns, import_ns, total_ns;
};

/* The steps of a move (fgmove.c), as the ixdp_fg_move tracepoint names them. */
enum ixdp_move_step {
	IXDP_MOVE_HOLD,
	IXDP_MOVE_SWITCH,
	IXDP_MOVE_EXPORT,
	IXDP_MOVE_IMPORT,
	IXDP_MOVE_UNDO,
};

/*
 * Told of every step of a move that moved something (the netlink layer
 * announces it): source and target CPU, the group or -1 for several.
 */
typedef void (*ixdp_move_note_fn)(u32 from, u32 to, s32 fg,
				  const struct ixdp_move_stats *st);

int ixdp_fgmove_move(struct ixdp_port *port, const unsigned long *fgs,
		     struct ixdp_core *src, struct ixdp_core *dst,
		     struct ixdp_move_stats *st, ixdp_move_note_fn note,
		     struct netlink_ext_ack *extack);
int ixdp_fgmove_balance(struct ixdp_port *port, const struct ixdp_core *leaving,
			struct ixdp_move_stats *st, ixdp_move_note_fn note,
			struct netlink_ext_ack *extack);
void ixdp_fgmove_init(void);
void ixdp_fgmove_uninit(void);

/* tx.c APIs: */
void ixdp_tx_hooks(struct ix_stack_cfg *cfg);
void ixdp_tx_flush(struct ixdp_core *dp);

/* ctl.c APIs: */
void ixdp_ctl_lock(void);
void ixdp_ctl_unlock(void);
int ixdp_ctl_core_add(struct ixdp_port *port, unsigned int cpu, u16 rxq,
		      u16 txq, struct netlink_ext_ack *extack);
int ixdp_ctl_core_del(struct ixdp_port *port, unsigned int cpu,
		      ixdp_move_note_fn note, struct netlink_ext_ack *extack);
int ixdp_ctl_core_park(struct ixdp_port *port, struct ixdp_core *dp, bool park,
		       ixdp_move_note_fn note, struct netlink_ext_ack *extack);
int ixdp_ctl_rebalance(struct ixdp_port *port, ixdp_move_note_fn note,
		       struct ixdp_move_stats *st, struct netlink_ext_ack *extack);
int ixdp_ctl_init(void);
void ixdp_ctl_uninit(void);

/* responder.c APIs: */
int ixdp_responder_create(struct ixdp_core *dp);
int ixdp_responder_apply(struct ixdp_core *dp, void *unused);
void ixdp_responder_run(struct ixdp_responder *r);
u64 ixdp_responder_overflow(const struct ixdp_responder *r);
u16 ixdp_responder_port(const struct ixdp_responder *r);

/* What a move carries of one responder connection (fgmove.c). */
struct ixdp_resp_state {
	u64 handle;
	u32 unsent;		/* newest received bytes not yet echoed */
	bool eof, closed, valid;
};

u32 ixdp_responder_nconn(const struct ixdp_responder *r);
void ixdp_responder_save(struct ixdp_responder *r, u32 fg,
			 struct ixdp_resp_state *out);
void ixdp_responder_drop(struct ixdp_responder *r, u32 fg);
void ixdp_responder_adopt(struct ixdp_responder *r, u64 handle,
			  const struct ixdp_resp_state *st);

#endif /* _IXDP_DATAPLANE_H */
