/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ixev: an event library on top of libixdp, after IX's libix ixev. One
 * struct ixev_thread drives one ixdp context (one dataplane core) and is
 * used by one thread; threads share nothing. Connections are struct
 * ixev_ctx, which the application embeds in its own connection object.
 *
 * Threads: the thread that last called ixev_wait() runs the ixev thread,
 * and only it may act on it and its connections: from any other thread
 * every call returns -EXDEV and changes nothing (ixev_send_space() returns
 * 0); ixev_wait() itself is refused while another thread is inside it. A
 * connection is served by the thread whose context accepted it, on the
 * core its flow group lives on; to serve connections on several threads,
 * give each thread its own ixev thread (one per dataplane core), or let
 * one thread take the knocks and hand each to another ixev thread on the
 * same core before it is accepted (ixev_set_dispatch()). A thread takes a
 * whole ixev thread over by calling ixev_wait() while its runner is not
 * inside it; ixev_thread_unbind() lets anyone act until then.
 *
 *	t = ixev_thread_create(cpu, NULL, &ops, app);
 *	ixev_listen(t, 7);
 *	while (!stop)
 *		ixev_wait(t, 100);
 *
 * Handlers are edge-triggered: IXEVIN when new bytes (or the end of the
 * stream) arrive, IXEVOUT when the peer acknowledged sent bytes, IXEVHUP
 * once when the connection is dead; after the HUP handler returns, the
 * release callback gets the context back and ixev never touches it again.
 * Bytes not read stay readable; a handler that stopped on -EAGAIN from a
 * send resumes on IXEVOUT.
 *
 * Commands are queued and published once per ixev_wait(): every
 * connection returns its receive credit in one RECV_DONE per loop, and has
 * at most one SEND in flight (sends are ordered, and a short send must be
 * finished before later bytes go out).
 */
#ifndef _IXDP_IXEV_H
#define _IXDP_IXEV_H

#include <sys/types.h>
#include <ixdp/ixdp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IXEVHUP		0x1
#define IXEVIN		0x2
#define IXEVOUT		0x4

#define IXEV_SEGS	16	/* send segments queued per connection */
#define IXEV_RSEGS	16	/* received segments kept inline */

struct ixev_thread;
struct ixev_ctx;

typedef void (*ixev_handler_t)(struct ixev_ctx *ctx, unsigned int reason);

/*
 * Called when bytes of ixev_send_zc() were acknowledged (@status 0) or
 * will never be (@status: the connection's DEAD status, or -EPIPE when it
 * died cleanly before they were acknowledged); the buffer is the
 * application's again either way.
 */
typedef void (*ixev_sent_cb_t)(struct ixev_ctx *ctx, void *arg, int status);

struct ixev_peer {
	uint32_t ip;		/* network order */
	uint16_t port;		/* host order */
	uint16_t local_port;
};

struct ixev_conn_ops {
	/* A knock: return an initialised context to accept, NULL to reject. */
	struct ixev_ctx *(*accept)(struct ixev_thread *t,
				   const struct ixev_peer *peer);
	/*
	 * The context is no longer used by ixev: after its DEAD event, or
	 * at once for one accept returned that ixev had no memory to take
	 * (ctx->t is set either way).
	 */
	void (*release)(struct ixev_ctx *ctx);
	/* Optional: ixev_connect() finished; on error release follows. */
	void (*dialed)(struct ixev_ctx *ctx, int status);
	/*
	 * Optional: a command failed. @ctx is NULL for LISTEN/UNLISTEN and
	 * for connections already released.
	 */
	void (*error)(struct ixev_thread *t, struct ixev_ctx *ctx,
		      unsigned int opcode, int status);
};

/* Thread parameters; 0 in any field takes the default. */
struct ixev_params {
	struct ixdp_params ring;
	uint32_t chunk_size;	/* TX copy chunk, power of two (4096) */
	uint32_t send_win;	/* bytes a connection may have unacknowledged
				 * (262144)
				 */
	uint32_t tx_reserve;	/* TX arena bytes at offset 0 left to the
				 * application for ixev_send_zc() (0)
				 */
};

struct ixev_stats {
	uint64_t events;
	uint64_t cmds;
	uint64_t accepted;
	uint64_t rejected;
	uint64_t dead;
	uint64_t cmd_errors;	/* error completions */
	uint64_t short_sends;
	uint64_t overflowed;	/* commands that waited for ring space */
	uint64_t bad_events;	/* events ixev could not make sense of */
	uint64_t handed_off;	/* knocks given to another thread's context
				 * (less those the kernel refused)
				 */
	uint64_t moved_out;	/* connections that left with their flow
				 * group (IXDP_EV_MOVED)
				 */
	uint64_t moved_in;	/* connections adopted here (IXDP_EV_ADOPT) */
	uint64_t adopt_timeouts;	/* adoptions reset: their connection
					 * never arrived (IXEV_ADOPT_TIMEOUT_MS)
					 */
};

struct ixev_tx_seg {
	uint32_t off;		/* TX arena offset */
	uint32_t len;
	uint32_t chunk;		/* copy chunk, or IXEV_NO_CHUNK */
	ixev_sent_cb_t cb;
	void *cb_arg;
};

#define IXEV_NO_CHUNK	UINT32_MAX

enum ixev_state {
	IXEV_S_INIT,		/* not yet given to ixev */
	IXEV_S_CONNECTING,	/* ixev_connect() issued */
	IXEV_S_OPEN,		/* accepted or connected */
	IXEV_S_DEAD,		/* DEAD event seen (only inside the HUP handler) */
};

struct ixev_link {
	struct ixev_link *next, *prev;
};

struct ixev_rx_seg {
	uint32_t off;		/* RX arena offset */
	uint32_t len;
};

/* Embed in the application's connection; fields are ixev's. */
struct ixev_ctx {
	struct ixev_thread *t;
	uint64_t handle;
	uint32_t slot, gen;	/* cookie and user_data of commands */
	void *user_data;

	ixev_handler_t handler;
	unsigned int en_mask;

	unsigned int state;
	unsigned int flags;
	int status;		/* first error, or the DEAD status */

	/* Received bytes not yet consumed, oldest first. */
	struct ixev_rx_seg *rq;
	uint32_t rq_head, rq_tail, rq_cap;
	uint32_t rq_used;	/* of the head segment */
	uint32_t credit;	/* bytes consumed, RECV_DONE not yet queued */
	uint64_t rx_bytes;	/* announced and not yet credited */
	struct ixev_rx_seg rq_inline[IXEV_RSEGS];

	/*
	 * Send queue: [s_head, s_sub) sent to the core (taken, or refused
	 * after a short send, which moves s_sub back), [s_sub, s_tail) not.
	 */
	struct ixev_tx_seg segs[IXEV_SEGS];
	uint32_t s_head, s_sub, s_tail;
	uint32_t head_acked;	/* bytes of segs[s_head] acknowledged */
	uint32_t sub_taken;	/* bytes of segs[s_sub] sent */
	uint64_t head_pos;	/* stream offset of segs[s_head] */
	uint64_t sub_pos;	/* stream offset of the next byte to send */
	uint32_t sends;		/* SENDs queued so far */
	uint32_t fence;		/* sends when the close's fence was queued */
	uint32_t unacked;	/* bytes queued and not acknowledged */
	uint32_t room;		/* the core's send room at the last SENT */
	uint32_t fill_chunk;	/* copy chunk ixev_send() appends to */
	uint32_t fill_used;

	struct ixev_link dirty;	/* commands to queue at the next flush */
	struct ixev_link wait;	/* waiting for a free TX chunk */
};

/* Thread setup: opens and attaches an ixdp context on @cpu. */
int ixev_thread_create(struct ixev_thread **tp, unsigned int cpu,
		       const struct ixev_params *p,
		       const struct ixev_conn_ops *ops, void *user);
/*
 * Closes the context, which resets its connections: each context still
 * held is released (status -ECONNABORTED, no handler call).
 */
void ixev_thread_destroy(struct ixev_thread *t);
void *ixev_thread_user(struct ixev_thread *t);
struct ixdp_ring *ixev_thread_ring(struct ixev_thread *t);
const struct ixev_stats *ixev_thread_stats(struct ixev_thread *t);
/* The TX arena bytes of ixev_params.tx_reserve, for ixev_send_zc(). */
void *ixev_tx_reserved(struct ixev_thread *t, size_t *size);

/*
 * One loop: publish queued commands, wait up to @timeout_ms for events,
 * run their handlers. Returns the number of events handled, 0 on timeout,
 * or -errno (-ENXIO: the context is dead; -EINTR; -EXDEV: another thread
 * runs it).
 */
int ixev_wait(struct ixev_thread *t, int timeout_ms);
/* (-EXDEV also while another thread is inside it, -EBUSY from a handler.) */
/*
 * The running thread lets go of @t: any thread may act on it until one
 * calls ixev_wait(). 0, -EXDEV from a thread that does not run it, -EBUSY
 * from inside ixev_wait() (a handler).
 */
int ixev_thread_unbind(struct ixev_thread *t);

int ixev_listen(struct ixev_thread *t, uint16_t port);
/*
 * ixev_listen() with a backlog: connections established and not yet
 * accepted (up to IXDP_BACKLOG_MAX; 0: IXDP_BACKLOG_DEFAULT, 4096). While
 * it is full, handshakes wait unfinished (their last ACK is dropped, as
 * Linux does) until there is room. -EINVAL beyond the maximum.
 */
int ixev_listen_backlog(struct ixev_thread *t, uint16_t port,
			uint32_t backlog);
int ixev_unlisten(struct ixev_thread *t, uint16_t port);

/*
 * Accept here, serve there. @fn is called for each knock of @t (in
 * ixev_wait(), before ops->accept) and returns the ixev thread that is to
 * serve the connection: @t itself or NULL keeps it here (ops->accept as
 * usual); another ixev thread of the process whose context is on the same
 * core (ixev_thread_ring(t)->cpu) gets the knock instead, and its own
 * ops->accept answers it in its own ixev_wait(), as if the knock had come
 * to it. A connection is handed over before it is accepted, never after:
 * nothing was received or sent on it yet, and from then on it is the
 * other thread's alone. A knock @fn sends to a thread on another core, or
 * that the core could not hand over (-ENOBUFS: the other context holds
 * max_conns; -ENOENT: it is gone), is reset and reported to ops->error
 * with the opcode IXDP_OP_HANDOFF (ctx NULL). @fn NULL turns it off.
 * Returns 0, -EXDEV from a thread that does not run @t, -EOPNOTSUPP on a
 * module without IXDP_FEAT_HANDOFF.
 */
typedef struct ixev_thread *(*ixev_dispatch_t)(struct ixev_thread *t,
					       const struct ixev_peer *peer);
int ixev_set_dispatch(struct ixev_thread *t, ixev_dispatch_t fn);

/*
 * Connections that move with their flow group (IXDP_FEAT_MOVE; ixev
 * attaches its contexts with IXDP_ATTACH_MOVABLE unless IXDP_MOVABLE=0).
 * When ixdpd or ixctl moves a flow group to another core, each of its
 * connections leaves the ixev thread of the old core (IXDP_EV_MOVED) and
 * the ixev thread of the process on the new core adopts it
 * (IXDP_EV_ADOPT): the same struct ixev_ctx, with its handler, its unread
 * bytes (read first there) and its unsent ones (sent first there), served
 * from then on by the thread that runs the new ixev thread. Bytes of
 * ixev_send_zc() not yet taken by the core are copied at the move, and
 * their callback is called then (status 0). While a connection moves,
 * every call on it returns -EXDEV (as from another thread). @fn, if set,
 * is called on the new thread (@to, in its ixev_wait()) once the
 * connection is there, before any handler call for it; @from is the ixev
 * thread it left (the same one when a move was undone; NULL when that one
 * was destroyed meanwhile). An adoption whose
 * connection does not arrive from the old thread within
 * IXEV_ADOPT_TIMEOUT_MS is reset (ops->error: IXDP_OP_ACCEPT, -ETIMEDOUT;
 * the context is released on the old thread when it arrives there).
 * Returns 0 or -EXDEV from a thread that does not run @t.
 */
#define IXEV_ADOPT_TIMEOUT_MS	5000

typedef void (*ixev_moved_t)(struct ixev_ctx *ctx, struct ixev_thread *from,
			     struct ixev_thread *to);
int ixev_set_moved(struct ixev_thread *t, ixev_moved_t fn);

void ixev_ctx_init(struct ixev_ctx *ctx);
void ixev_set_handler(struct ixev_ctx *ctx, unsigned int mask,
		      ixev_handler_t handler);
/* Outgoing connection; @ip in network order. ops->dialed reports it. */
int ixev_connect(struct ixev_thread *t, struct ixev_ctx *ctx, uint32_t ip,
		 uint16_t port);

/*
 * Copies up to @len received bytes and returns them to the core. Returns
 * the bytes copied, 0 at the end of the stream, -EAGAIN when nothing is
 * waiting, -EIO when the connection is dead.
 */
ssize_t ixev_recv(struct ixev_ctx *ctx, void *buf, size_t len);
/*
 * Zero copy: points *@buf at the oldest contiguous received bytes in the
 * RX arena and returns how many (at most @max), without consuming them;
 * 0, -EAGAIN and -EIO as ixev_recv(). The bytes stay valid until
 * ixev_recv_done() returns them or the handler of the HUP returns. The
 * arena holds received bytes in chunks: a message may take several calls
 * (each after ixev_recv_done() of the previous piece).
 */
ssize_t ixev_recv_zc(struct ixev_ctx *ctx, const void **buf, size_t max);
/* Consumes @len of those bytes. 0 or -EXDEV. */
int ixev_recv_done(struct ixev_ctx *ctx, size_t len);

/*
 * Copies up to @len bytes into the TX arena and queues them. Returns the
 * bytes taken (maybe fewer than @len), -EAGAIN when the send window or the
 * TX arena is full (IXEVOUT follows), -EPIPE after close, -EIO when dead.
 */
ssize_t ixev_send(struct ixev_ctx *ctx, const void *buf, size_t len);
/*
 * Queues @len bytes of the application's part of the TX arena (see
 * ixev_tx_reserved) by reference, all or nothing; @cb(ctx, @arg, status)
 * tells when they are the application's again. 0, -EAGAIN, -EINVAL (not
 * inside the reserved bytes), -EPIPE, -EIO.
 */
int ixev_send_zc(struct ixev_ctx *ctx, uint64_t tx_off, uint32_t len,
		 ixev_sent_cb_t cb, void *arg);
/* Bytes ixev_send() would take now. */
size_t ixev_send_space(const struct ixev_ctx *ctx);

/*
 * Graceful close: FIN once every queued byte has been taken by the core.
 * 0 or -EXDEV.
 */
int ixev_close(struct ixev_ctx *ctx);
/* Reset now; queued bytes are dropped. 0, -ENOMEM or -EXDEV. */
int ixev_abort(struct ixev_ctx *ctx);

static inline bool ixev_is_dead(const struct ixev_ctx *ctx)
{
	return ctx->state == IXEV_S_DEAD;
}

#ifdef __cplusplus
}
#endif

#endif /* _IXDP_IXEV_H */
