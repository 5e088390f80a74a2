/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Application contexts, shared by app.c (process context: attach, mmap,
 * poll, wake, release) and, in the core's kthread, app_loop.c (the loop
 * step), app_cmd.c (commands), app_route.c (the stack's events), app_event.c
 * (the event ring), app_conn.c (connection slots, owners, deferred calls)
 * and app_table.c (register, kill, unregister).
 *
 * Who touches what:
 *  - the fields above "kthread only" are set up by attach before the
 *    context is registered with its core and are constant afterwards;
 *  - everything below is read and written by the core's kthread only,
 *    except @dead, which poll() and IXDP_IOC_WAKE read with READ_ONCE;
 *  - @dp is published with RCU: IXDP_IOC_WAKE reads it under
 *    rcu_read_lock(), the core's teardown clears it (under ixdp_core_lock)
 *    and waits for a grace period before freeing the core.
 *
 * Shared memory: the kernel never reads back what it writes there (it
 * keeps private copies of cmd_head and ev_tail, cached_*), and it reads
 * each word the application writes exactly once per use, into a private
 * copy.
 */
#ifndef _IXDP_APP_H
#define _IXDP_APP_H

#include <linux/bitfield.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>

#include "ixdp.h"
#include "dataplane.h"

#define IXDP_DP_APPS		32	/* contexts attached to one core */
#define IXDP_USER_APPS		(IXDP_DP_APPS / 2)	/* ... of one user */

/* What a context is charged for (app_account.c). */
struct ixdp_account {
	kuid_t uid;
	struct user_struct *user;	/* RLIMIT_MEMLOCK charged, or NULL */
	unsigned long pages;
	bool counted;			/* in the user's context count */
};

enum {
	IXDP_REGION_SQ,
	IXDP_REGION_CQ,
	IXDP_REGION_RX,
	IXDP_REGION_TX,
	IXDP_REGION_NR
};

struct ixdp_app_region {
	void *mem;
	size_t size;		/* page aligned */
	u64 off;		/* mmap offset */
	bool writable;
};

enum ixdp_app_conn_state {
	IXDP_CONN_FREE,
	IXDP_CONN_CONNECTING,	/* connect sent, no handle yet */
	IXDP_CONN_KNOCKED,	/* passive, waiting for accept or reject */
	IXDP_CONN_OPEN,		/* accepted or connected */
	IXDP_CONN_DYING,	/* gone in the core, dead event pending */
	IXDP_CONN_ZOMBIE,	/* dead event written, chunks readable */
};

/* Events a connection still owes the application (app_conn.pend). */
#define IXDP_PEND_KNOCK	BIT(0)
#define IXDP_PEND_CONNECTED	BIT(1)
#define IXDP_PEND_EOF		BIT(2)
#define IXDP_PEND_DEAD		BIT(3)
#define IXDP_PEND_MOVED		BIT(4)	/* gone to another core: app_move.c */
#define IXDP_PEND_ADOPT		BIT(5)	/* came from another core */

/*
 * One chunk of a context's RX arena while a connection holds it: @start is
 * the stream offset of its first byte, @next the connection's next chunk
 * (or the free list).
 */
struct ixdp_app_chunk {
	u32 next;
	u32 start;
};

/*
 * One connection of a context. Received payload is copied into chunks of
 * the RX arena at @wr as the core delivers it, shown to the application
 * by recv events up to @ann and returned by recv_done up to @rd (all
 * three count bytes of the stream, modulo 2^32). The connection's chunks
 * form a FIFO from @head (holding @rd) to @tail (holding @wr); @ann_chunk
 * holds @ann, IX_NIL when @ann starts the next chunk taken. A connection
 * holds no chunk once every byte is returned.
 */
struct ixdp_app_conn {
	u64 handle;		/* the core's handle, 0 before connected */
	u64 cookie;		/* the application's */
	u32 rd, ann, wr;
	u32 head, tail, ann_chunk;
	u32 sent;		/* acknowledged bytes not yet reported */
	u32 window;
	u32 dead_at;		/* ZOMBIE: freed once ev_head reaches it */
	u32 next;		/* free list or zombie FIFO */
	s32 status;
	__be32 peer_ip;
	u16 peer_port, lport;
	u16 lgen;		/* KNOCKED: its listener's generation, */
	u8 lslot;		/* and slot in the core's table */
	u8 state;
	u8 pend;		/* CP_* */
	bool dirty;		/* on the context's dirty list */
	bool waiting;		/* bytes wait with the core for arena room */
	bool wait_listed;	/* on the context's waiting list */
	u32 wait_next;
	u32 wait_bytes;		/* how many */
	bool send_short;	/* a send was short: app_cmd.c's rule */
	u64 send_resume;	/* TX offset of its first untaken byte */
	/* Moves (app_move.c): the MOVED or ADOPT event's token and words. */
	u64 token;
	u32 tx_pos;
	u32 tx_skip;		/* acked bytes taken on the old core: unshown */
	u8 move_flags;		/* IXDP_MOVED_* */
	bool adopt;		/* KNOCKED by a move: ADOPT, not KNOCK */
	bool adopt_eof;		/* the end of stream is still to be shown */
	bool room_news;		/* SENT owed for room alone (0 bytes) */
};

struct ixdp_app {
	struct mutex lock;		/* serialises attach */
	bool attached;			/* release: regions are ready */
	struct ixdp_attach params;
	struct ixdp_app_region region[IXDP_REGION_NR];
	struct ixdp_core __rcu *dp;
	struct pid *pid;		/* the attaching thread */
	pid_t tgid;
	u32 ctx_id;			/* struct ixdp_attach's, never 0 */
	const struct cred *cred;	/* the attaching thread's, for grants */
	bool net_admin;			/* CAP_NET_ADMIN at attach: any port */
	bool sys_resource;		/* CAP_SYS_RESOURCE: no user limits */
	struct ixdp_account acct;
	wait_queue_head_t wq;		/* poll() */
	unsigned long running;		/* bit 0: a thread is in RUN */

	/* Ring fields in the shared regions. */
	u32 *sq_cmd_tail;		/* SQ, app */
	u32 *sq_ev_head;		/* SQ, app */
	struct ixdp_cmd *cmds;		/* SQ, app */
	u32 *cq_cmd_head;		/* CQ, kernel */
	u32 *cq_ev_tail;		/* CQ, kernel */
	u32 *cq_flags;			/* CQ, kernel */
	u64 *cq_dropped;		/* CQ, kernel */
	struct ixdp_event *evs;		/* CQ, kernel */
	u32 cmd_entries, ev_entries;
	u8 *rx, *tx;
	u32 rx_size, tx_size;
	u32 chunk_shift;		/* log2 of the RX chunk */
	u32 nchunk;			/* rx_size >> chunk_shift */
	u32 nconn;			/* max_conns granted */

	/* kthread only (see above) */
	bool dead;
	unsigned int slot;		/* in the core's table */
	u16 gen;			/* of this registration */
	u32 cached_cmd_head;		/* private copies of the indices */
	u32 cached_ev_tail;
	u32 flags;
	struct ixdp_app_conn *conn;
	u32 free_conn;
	u32 wait_head;			/* connections waiting for room */
	u64 wait_bytes;			/* their bytes in the core's buffers */
	struct ixdp_app_chunk *chunk;	/* [nchunk] */
	u32 free_chunk;
	u32 nfree_chunk;
	u32 zombie_head, zombie_tail;
	u32 *dirty;
	u32 ndirty;
	unsigned long alive_check;	/* jiffies of the next thread check */
	u64 ncmds, bad_cmds;		/* bad_cmds mirrored in the CQ */
	u64 nevents;
	u32 nused;			/* connections not IXDP_CONN_FREE */
	struct ixdp_core_stats *dst;	/* the core's counters */
};

/* A core call deferred until the core has returned. */
struct ixdp_app_defer {
	u64 handle;
	u8 op;				/* DEFER_* */
};

enum { IXDP_DEFER_REJECT = 1, IXDP_DEFER_ABORT };

/* Which context holds a core connection slot. */
struct ixdp_app_owner {
	u64 handle;
	u32 conn;
	u8 app;
	bool used;
};

struct ixdp_app_listener {
	u16 port;
	u16 backlog;			/* knocked connections at most */
	u32 knocked;			/* knocked, not yet answered */
	u16 gen;			/* of this LISTEN: knocks name it */
	u8 app;
	bool used;
};

/* The contexts attached to one dataplane core (kthread only). */
struct ixdp_core_apps {
	struct ixdp_app *app[IXDP_DP_APPS];
	unsigned int napps;
	u16 next_gen;
	u32 nconn;			/* the core's connection slots */
	struct ixdp_app_owner *owner;		/* [nconn] */
	u32 nowned;			/* owner[] entries in use */
	struct ixdp_app_defer *defer;		/* [nconn] */
	u32 ndefer;
	struct ixdp_app_listener listen[IX_LISTEN_MAX];
	struct ixdp_iov uiov[IXDP_IOV_MAX];
	struct ix_iov kiov[IXDP_IOV_MAX];
};

/*
 * The core's cookie of a context's connection: which registration (slot
 * in the core's table and generation) and which connection. Cookies of
 * the built-in responder have IXDP_APP_COOKIE clear.
 */
#define IXDP_APP_COOKIE		BIT_ULL(63)
#define IXDP_APP_COOKIE_GEN	GENMASK_ULL(55, 40)
#define IXDP_APP_COOKIE_SLOT	GENMASK_ULL(39, 32)
#define IXDP_APP_COOKIE_CONN	GENMASK_ULL(31, 0)

static inline u64 ixdp_app_cookie(const struct ixdp_app *app, u32 conn)
{
	return IXDP_APP_COOKIE | FIELD_PREP(IXDP_APP_COOKIE_GEN, app->gen) |
	       FIELD_PREP(IXDP_APP_COOKIE_SLOT, app->slot) |
	       FIELD_PREP(IXDP_APP_COOKIE_CONN, conn);
}

static inline bool ixdp_app_cookie_is_app(u64 cookie)
{
	return cookie & IXDP_APP_COOKIE;
}

static inline unsigned int ixdp_app_cookie_slot(u64 cookie)
{
	return FIELD_GET(IXDP_APP_COOKIE_SLOT, cookie);
}

static inline u16 ixdp_app_cookie_gen(u64 cookie)
{
	return FIELD_GET(IXDP_APP_COOKIE_GEN, cookie);
}

static inline u32 ixdp_app_cookie_conn(u64 cookie)
{
	return FIELD_GET(IXDP_APP_COOKIE_CONN, cookie);
}

/*
 * The application's ev_head, trusted only as far as it is consistent: one
 * more than ev_entries behind the tail is impossible, and a context that
 * writes it only stops its own events.
 */
static inline bool ixdp_app_ev_head(const struct ixdp_app *app, u32 *head)
{
	u32 h = READ_ONCE(*app->sq_ev_head);

	if (app->cached_ev_tail - h > app->ev_entries)
		return false;
	*head = h;
	return true;
}

static inline u32 ixdp_app_chunk_size(const struct ixdp_app *app)
{
	return 1U << app->chunk_shift;
}

/* app_conn.c APIs: */
struct ixdp_core_apps *ixdp_app_conn_table_alloc(u32 nconn);
void ixdp_app_conn_table_free(struct ixdp_core_apps *da);
u32 ixdp_app_conn_alloc(struct ixdp_app *app);
void ixdp_app_conn_free(struct ixdp_app *app, u32 idx);
void ixdp_app_conn_knocked(struct ixdp_core *dp, struct ixdp_app *app, u32 idx,
			   const struct ixdp_app_conn *k);
void ixdp_app_conn_unknock(struct ixdp_core *dp,
			   const struct ixdp_app_conn *c);
void ixdp_app_conn_mark_dirty(struct ixdp_app *app, u32 idx);
void ixdp_app_conn_bury(struct ixdp_app *app, u32 idx);
void ixdp_app_conn_reclaim(struct ixdp_app *app, u32 head);
u32 ixdp_app_conn_rx_room(const struct ixdp_app *app,
			  const struct ixdp_app_conn *c);
void ixdp_app_conn_rx_append(struct ixdp_app *app, struct ixdp_app_conn *c,
			     const u8 *data, u32 len);
void ixdp_app_conn_rx_release(struct ixdp_app *app, struct ixdp_app_conn *c);
/* Bytes a context may leave in its core's buffers (a sixteenth of them). */
#define IXDP_APP_WAIT_MAX	(IXDP_CORE_NRXBUF / 16 * 1448)
bool ixdp_app_conn_rx_wait(struct ixdp_app *app, u32 idx, u32 len);
void ixdp_app_conn_rx_pull(struct ixdp_core *dp, struct ixdp_app *app);
bool ixdp_app_conn_user_full(struct ixdp_core *dp, const struct ixdp_app *app);
void ixdp_app_conn_owner_set(struct ixdp_core *dp, u64 handle,
			     struct ixdp_app *app, u32 idx);
void ixdp_app_conn_owner_clear(struct ixdp_core *dp, u64 handle);
struct ixdp_app_owner *ixdp_app_conn_owner_of(struct ixdp_core_apps *da,
					      u64 handle);
void ixdp_app_conn_defer(struct ixdp_core *dp, u8 op, u64 handle);
void ixdp_app_conn_run_deferred(struct ixdp_core *dp);

/* One application connection on its way to another core (app_move.c). */
struct ixdp_app_move {
	u64 old_handle;
	u64 token;
	pid_t tgid;
	u32 rx_pos, tx_pos;
	u32 tx_skip;
	u32 wait_bytes;
	__be32 peer_ip;
	u16 peer_port, lport;
	u8 flags;		/* IXDP_MOVED_* */
	bool eof;		/* the new context shows the end of stream */
	bool done;		/* imported */
};

/* The application half of one move of flow groups. */
struct ixdp_app_moves {
	struct ixdp_app_move *rec;
	u32 n, cap;
	u32 cur_fg, cursor;		/* the group being imported */
	pid_t proc[IXDP_DP_APPS];	/* processes holding connections */
	unsigned int nproc;
	u32 fg_procs[IX_FG_MAX];	/* which of them, by group */
	u32 fg_first[IX_FG_MAX];	/* a group's records: from here, */
	u32 fg_n[IX_FG_MAX];		/* so many */
	u32 proc_conns[IXDP_DP_APPS];	/* connections of each process */
	u32 checked;			/* processes the target checked */
	u32 counted[IX_FG_MAX / 32];	/* groups in proc_conns */
};

/* app_move.c APIs: */
int ixdp_app_move_check(struct ixdp_core *dp, struct ixdp_app_moves *mv,
			u32 fg);
u32 ixdp_app_move_missing(struct ixdp_core *dp, struct ixdp_app_moves *mv);
bool ixdp_app_move_unchecked(const struct ixdp_app_moves *mv, u32 fg);
int ixdp_app_move_reserve(struct ixdp_app_moves *mv, u32 n);
void ixdp_app_move_out(struct ixdp_core *dp, struct ixdp_app_moves *mv,
		       u32 fg, struct ix_fg_blob *blob);
int ixdp_app_move_in_check(struct ixdp_core *dp, struct ixdp_app_moves *mv,
			   u32 fg);
bool ixdp_app_move_in(struct ixdp_core *dp, struct ixdp_app_moves *mv,
		      u64 old_handle, u64 new_handle, u64 cookie);
int ixdp_app_move_accept(struct ixdp_core *dp, struct ixdp_app *app,
			 struct ixdp_app_conn *c, u32 idx, u64 cookie);
void ixdp_app_move_free(struct ixdp_app_moves *mv);

/* app_route.c APIs: */
bool ixdp_app_route_event(struct ixdp_core *dp, const struct ix_event *ev);
u32 ixdp_app_route_rx_room(struct ixdp_core *dp, u64 handle);
bool ixdp_app_route_accept_full(struct ixdp_core *dp, u16 lport);

/* app_event.c APIs: */
bool ixdp_app_event_room(const struct ixdp_app *app);
void ixdp_app_event_emit(struct ixdp_app *app, u8 type, s32 status,
			 u64 cookie, u64 handle, u64 a0, u64 a1, u64 a2);
void ixdp_app_event_flush(struct ixdp_app *app);
void ixdp_app_event_publish(struct ixdp_app *app);

/* Why a context ended (the ixdp_app_detach tracepoint). */
enum ixdp_app_end {
	IXDP_APP_END_CLOSE,		/* its file was released */
	IXDP_APP_END_EXIT,		/* the attaching thread is gone */
	IXDP_APP_END_CORE,		/* its core goes away */
	IXDP_APP_END_RING,		/* its command ring's tail was bogus */
};

/* app_table.c APIs: */
unsigned int ixdp_app_table_user_contexts(const struct ixdp_core *dp,
					  kuid_t euid);
void ixdp_app_table_kill(struct ixdp_core *dp, struct ixdp_app *app,
			 enum ixdp_app_end why);
int ixdp_app_table_register(struct ixdp_core *dp, void *arg);
int ixdp_app_table_unregister(struct ixdp_core *dp, void *arg);
void ixdp_app_table_unregister_all(struct ixdp_core *dp);
void ixdp_app_table_check_alive(struct ixdp_core *dp, struct ixdp_app *app);

/* app_loop.c APIs (the core's client hooks): */
extern const struct ixdp_core_client_ops ixdp_app_client_ops;
void ixdp_app_loop_run_deferred(struct ixdp_core *dp);

/* app_cmd.c APIs: */
unsigned int ixdp_app_cmd_run(struct ixdp_core *dp, struct ixdp_app *app,
			      unsigned int budget);

/* app_account.c APIs: */
int ixdp_account_charge(struct ixdp_account *acct, size_t bytes);
void ixdp_account_release(struct ixdp_account *acct);

/* app_listen.c APIs: */
int ixdp_listen_claim(u16 port, pid_t tgid);
void ixdp_listen_unclaim(u16 port);

#endif /* _IXDP_APP_H */
