/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libixdp internals: not exported from libixdp.so (see libixdp.map), but
 * reachable from libixdp.a, which is how the unit tests give a ring memory
 * of their own instead of the kernel's.
 */
#ifndef _IXDP_INT_H
#define _IXDP_INT_H

#include <ixdp/ixdp.h>
#include <ixdp/ixev.h>

/* The four regions of a context and what IXDP_IOC_ATTACH said of them. */
struct ixdp_ring_mem {
	void *sq;
	const void *cq;
	const void *rx;
	void *tx;
	const struct ixdp_attach *a;	/* sizes, entries, offsets */
};

/*
 * Points @r at @m after checking that every field of a->off lies inside
 * its region and that the ring sizes are powers of two. fd is set to -1.
 */
int ixdp_ring_init_mem(struct ixdp_ring *r, const struct ixdp_ring_mem *m);

/*
 * Whether the peer's end of the stream reached @ctx, even with bytes
 * before it still unread (for libixdp-preload's EPOLLRDHUP).
 */
bool ixev_ctx_eof(const struct ixev_ctx *ctx);

/*
 * Whether ixev_wait(@t, 0) would have nothing to do: no command to queue
 * or publish, no event, no connection to tell of free TX memory (for
 * libixdp-preload, which drives contexts often and wants no system call
 * when they are idle).
 */
bool ixev_thread_idle(const struct ixev_thread *t);

/*
 * ixev_wait(@t, 0) that, in ring mode, handles only the events ready and
 * makes no poll() (the commands are published and a sleeping core kicked
 * as always): for libixdp-preload, whose threads drive often.
 */
int ixev_thread_run(struct ixev_thread *t);

/* struct ixdp_ring.feat */
#define IXDP_RING_F_RECV_ACKED	(1U << 0)	/* RECV events carry acks */
#define IXDP_RING_F_SEND_DONE	(1U << 1)	/* SEND returns RX bytes */
#define IXDP_RING_F_MOVABLE	(1U << 2)	/* IXDP_ATTACH_MOVABLE granted */

/*
 * ixdp_ring_setup() with IXDP_ATTACH_* @flags, those the module offers
 * (the others are left out; r->feat says which were granted).
 */
int ixdp_ring_setup_flags(struct ixdp_ring *r, unsigned int cpu,
			  const struct ixdp_params *p, uint32_t flags);

/*
 * ixev_thread_create() on a ring set up by the caller, which the thread
 * then owns (ixev_thread_destroy() calls ixdp_ring_exit() on it).
 */
int ixev_thread_attach(struct ixev_thread **tp, const struct ixdp_ring *ring,
		       const struct ixev_params *p,
		       const struct ixev_conn_ops *ops, void *user);

/*
 * How long ixev keeps an IXDP_EV_ADOPT whose IXDP_EV_MOVED was not handled
 * yet before it resets the connection (IXEV_ADOPT_TIMEOUT_MS); the unit
 * tests shorten it.
 */
extern unsigned int ixev_adopt_timeout_ms;

#endif /* _IXDP_INT_H */
