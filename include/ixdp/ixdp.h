/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libixdp: the low-level interface to an ixdp application context, in the
 * style of liburing. One struct ixdp_ring is one open file of /dev/ixdp
 * attached to one dataplane core: a command ring the application fills, an
 * event ring the core fills, a read-only RX arena and a TX arena for
 * payload sent by reference. The ABI is include/uapi/linux/ixdp.h.
 *
 * Every function returns 0 (or a count) on success and -errno on failure;
 * errno is never part of the interface. A ring is used by one thread at a
 * time.
 *
 * Ordering: the application publishes cmd_tail and ev_head with release
 * stores and reads cmd_head and ev_tail with acquire loads, so a command
 * slot is written before the core can see it, and an event slot is read
 * only after the core finished writing it.
 */
#ifndef _IXDP_IXDP_H
#define _IXDP_IXDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/ixdp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes asked for at attach time; 0 in any field takes the module default. */
struct ixdp_params {
	uint32_t cmd_entries;
	uint32_t ev_entries;
	uint32_t rx_arena;
	uint32_t tx_arena;
	uint32_t spin_us;	/* ixdp_wait() polls the event ring this long
				 * before it sleeps in poll() (0: never)
				 */
};

struct ixdp_ring {
	int fd;
	unsigned int cpu;

	/* SQ region: written by the application. */
	uint32_t *cmd_tail;
	uint32_t *ev_head;
	struct ixdp_cmd *cmds;

	/* CQ region: written by the core, mapped read-only. */
	const uint32_t *cmd_head;
	const uint32_t *ev_tail;
	const uint32_t *flags;
	const uint64_t *dropped;
	const struct ixdp_event *events;

	uint32_t cmd_entries, cmd_mask;
	uint32_t ev_entries, ev_mask;

	/* Local copies: the next command slot and the next event to read. */
	uint32_t cached_cmd_tail;
	uint32_t cached_ev_head;
	/* Events were consumed from a full ring: the core may wait for room. */
	bool ev_unblocked;
	/*
	 * IXDP_MODE_* asked for (ixdp_ring_set_mode()), and whether
	 * ixdp_wait() runs the loop inline now; both fit in what was
	 * padding in libixdp.so.1, so the structure keeps its layout.
	 */
	uint8_t mode;
	bool inline_on;
	uint8_t feat;		/* the library's: what the module offers ixev */
	/*
	 * The context's name on its core (struct ixdp_attach), for
	 * IXDP_OP_HANDOFF; 0 on a module without IXDP_FEAT_HANDOFF. It too
	 * fits in what was padding.
	 */
	uint32_t ctx_id;

	const uint8_t *rx_base;
	size_t rx_size;
	uint8_t *tx_base;
	size_t tx_size;
	uint32_t max_conns;
	uint32_t rx_chunk;
	uint32_t spin_us;

	/* What ixdp_ring_exit() unmaps (NULL when not mapped by the library). */
	void *sq_map, *cq_map, *rx_map, *tx_map;
	size_t sq_size, cq_size;
};

/*
 * Opens /dev/ixdp, checks IXDP_ABI_VERSION (-EPROTO if it differs),
 * attaches to the dataplane core on @cpu and maps the four regions.
 * @p may be NULL for the defaults. On failure nothing is left open.
 *
 * The run mode comes from the environment variable IXDP_MODE (see
 * ixdp_ring_set_mode()): "auto" (the default), "inline" or "ring". With
 * "inline" the calling thread is pinned to @cpu here.
 */
int ixdp_ring_setup(struct ixdp_ring *r, unsigned int cpu,
		    const struct ixdp_params *p);
void ixdp_ring_exit(struct ixdp_ring *r);

/*
 * How ixdp_wait() waits for events (Documentation/libixdp.rst):
 *  - IXDP_MODE_RING: in poll(); the core's kthread runs the loop and the
 *    application is woken for its events.
 *  - IXDP_MODE_INLINE: in IXDP_IOC_RUN: the thread runs its core's loop
 *    itself (inline mode); it must be pinned to the core's CPU alone and
 *    not be a real-time task, or ixdp_wait() fails (-EXDEV, -EPERM).
 *  - IXDP_MODE_AUTO: inline while the module offers it and the thread is
 *    pinned to the core's CPU; otherwise, from then on, the ring.
 */
enum {
	IXDP_MODE_RING,
	IXDP_MODE_INLINE,
	IXDP_MODE_AUTO,
};

/*
 * Choose the run mode of @r; -EOPNOTSUPP for inline on a module without
 * IXDP_FEAT_RUN, -EINVAL for an unknown mode.
 */
int ixdp_ring_set_mode(struct ixdp_ring *r, int mode);
/* What ixdp_wait() uses now: IXDP_MODE_INLINE or IXDP_MODE_RING. */
int ixdp_ring_mode(const struct ixdp_ring *r);

/*
 * Publishes the commands prepared since the last call and kicks the core
 * if it sleeps. Returns the number of commands published, -ENXIO once the
 * context is dead, or the error of IXDP_IOC_WAKE.
 */
int ixdp_submit(struct ixdp_ring *r);

/*
 * Returns the number of events ready, sleeping up to @timeout_ms (-1:
 * forever, 0: not at all) when there are none. 0 on timeout, -EINTR when a
 * signal interrupted the sleep, -ENXIO when the context is dead and no
 * event is left.
 */
int ixdp_wait(struct ixdp_ring *r, int timeout_ms);

/* ---- commands --------------------------------------------------------- */

/* Commands prepared but not yet published with ixdp_submit(). */
static inline uint32_t ixdp_cmds_pending(const struct ixdp_ring *r)
{
	return r->cached_cmd_tail - __atomic_load_n(r->cmd_tail, __ATOMIC_RELAXED);
}

/* Free command slots. */
static inline uint32_t ixdp_cmd_space(const struct ixdp_ring *r)
{
	uint32_t used = r->cached_cmd_tail -
			__atomic_load_n(r->cmd_head, __ATOMIC_ACQUIRE);

	return used >= r->cmd_entries ? 0 : r->cmd_entries - used;
}

/*
 * The next free command slot, zeroed, or NULL when the ring is full. The
 * acquire load of cmd_head orders the core's last read of the slot before
 * the application writes it again.
 */
static inline struct ixdp_cmd *ixdp_get_cmd(struct ixdp_ring *r)
{
	struct ixdp_cmd *cmd;

	if (!ixdp_cmd_space(r))
		return NULL;
	cmd = &r->cmds[r->cached_cmd_tail & r->cmd_mask];
	r->cached_cmd_tail++;
	memset(cmd, 0, sizeof(*cmd));
	return cmd;
}

static inline void ixdp_cmd_set_data(struct ixdp_cmd *cmd, uint64_t data)
{
	cmd->user_data = data;
}

/* Ask for a completion event even when the command succeeds. */
static inline void ixdp_cmd_set_ack(struct ixdp_cmd *cmd)
{
	cmd->flags |= IXDP_CMDF_ACK;
}

static inline void ixdp_prep_nop(struct ixdp_cmd *cmd)
{
	cmd->opcode = IXDP_OP_NOP;
}

static inline void ixdp_prep_listen(struct ixdp_cmd *cmd, uint16_t port)
{
	cmd->opcode = IXDP_OP_LISTEN;
	cmd->arg32 = port;
}

static inline void ixdp_prep_unlisten(struct ixdp_cmd *cmd, uint16_t port)
{
	cmd->opcode = IXDP_OP_UNLISTEN;
	cmd->arg32 = port;
}

static inline void ixdp_prep_accept(struct ixdp_cmd *cmd, uint64_t handle,
				    uint64_t cookie)
{
	cmd->opcode = IXDP_OP_ACCEPT;
	cmd->handle = handle;
	cmd->arg[0] = cookie;
}

static inline void ixdp_prep_reject(struct ixdp_cmd *cmd, uint64_t handle)
{
	cmd->opcode = IXDP_OP_REJECT;
	cmd->handle = handle;
}

/* Give a knock to the context @ctx_id of the same process and core. */
static inline void ixdp_prep_handoff(struct ixdp_cmd *cmd, uint64_t handle,
				     uint32_t ctx_id)
{
	cmd->opcode = IXDP_OP_HANDOFF;
	cmd->handle = handle;
	cmd->arg[0] = ctx_id;
}

/* @ip_be: IPv4 address in network order; @port in host order. */
static inline void ixdp_prep_connect(struct ixdp_cmd *cmd, uint32_t ip_be,
				     uint16_t port, uint64_t cookie)
{
	cmd->opcode = IXDP_OP_CONNECT;
	cmd->arg32 = port;
	cmd->arg[0] = cookie;
	cmd->arg[1] = ip_be;
}

static inline void ixdp_prep_send(struct ixdp_cmd *cmd, uint64_t handle,
				  uint64_t tx_off, uint32_t len)
{
	cmd->opcode = IXDP_OP_SEND;
	cmd->handle = handle;
	cmd->arg[0] = tx_off;
	cmd->arg32 = len;
}

/* @iov_off: TX arena offset of @n struct ixdp_iov, 8-byte aligned. */
static inline void ixdp_prep_sendv(struct ixdp_cmd *cmd, uint64_t handle,
				   uint64_t iov_off, uint32_t n)
{
	cmd->opcode = IXDP_OP_SENDV;
	cmd->handle = handle;
	cmd->arg[0] = iov_off;
	cmd->arg32 = n;
}

static inline void ixdp_prep_recv_done(struct ixdp_cmd *cmd, uint64_t handle,
				       uint32_t bytes)
{
	cmd->opcode = IXDP_OP_RECV_DONE;
	cmd->handle = handle;
	cmd->arg32 = bytes;
}

static inline void ixdp_prep_close(struct ixdp_cmd *cmd, uint64_t handle)
{
	cmd->opcode = IXDP_OP_CLOSE;
	cmd->handle = handle;
}

static inline void ixdp_prep_abort(struct ixdp_cmd *cmd, uint64_t handle)
{
	cmd->opcode = IXDP_OP_ABORT;
	cmd->handle = handle;
}

/* ---- events ----------------------------------------------------------- */

/*
 * Events the core has published and the application has not consumed. A
 * distance larger than the ring would be a kernel bug; it is clamped so
 * that no slot is read twice in one pass.
 */
static inline uint32_t ixdp_events_ready(const struct ixdp_ring *r)
{
	uint32_t n = __atomic_load_n(r->ev_tail, __ATOMIC_ACQUIRE) - r->cached_ev_head;

	return n > r->ev_entries ? r->ev_entries : n;
}

/* The oldest unconsumed event, or NULL. */
static inline const struct ixdp_event *
ixdp_peek_event(const struct ixdp_ring *r)
{
	if (!ixdp_events_ready(r))
		return NULL;
	return &r->events[r->cached_ev_head & r->ev_mask];
}

/*
 * Walks the ready events without consuming them; follow with
 * ixdp_event_advance(r, count). @head is a uint32_t.
 */
#define ixdp_for_each_event(r, head, ev)				\
	for ((head) = (r)->cached_ev_head;					\
	     (head) != (r)->cached_ev_head + ixdp_events_ready(r) &&		\
	     ((ev) = &(r)->events[(head) & (r)->ev_mask], 1);		\
	     (head)++)

/*
 * Consumes @n events. The release store orders the reads of those slots
 * (and of the RX payload of a DEAD connection) before the core reuses them.
 */
static inline void ixdp_event_advance(struct ixdp_ring *r, uint32_t n)
{
	if (n && __atomic_load_n(r->ev_tail, __ATOMIC_RELAXED) - r->cached_ev_head >=
	    r->ev_entries)
		r->ev_unblocked = true;
	r->cached_ev_head += n;
	__atomic_store_n(r->ev_head, r->cached_ev_head, __ATOMIC_RELEASE);
}

/* ---- state and arenas ------------------------------------------------- */

static inline bool ixdp_ring_dead(const struct ixdp_ring *r)
{
	return __atomic_load_n(r->flags, __ATOMIC_ACQUIRE) & IXDP_CQ_DEAD;
}

/* Commands the core refused (each also got an error completion). */
static inline uint64_t ixdp_dropped(const struct ixdp_ring *r)
{
	return __atomic_load_n(r->dropped, __ATOMIC_RELAXED);
}

/* @len bytes of the RX arena at @off, or NULL if they are not inside it. */
static inline const void *ixdp_rx_data(const struct ixdp_ring *r,
				       uint64_t off, uint64_t len)
{
	if (off > r->rx_size || len > r->rx_size - off)
		return NULL;
	return r->rx_base + off;
}

static inline void *ixdp_tx_base(const struct ixdp_ring *r)
{
	return r->tx_base;
}

static inline size_t ixdp_tx_size(const struct ixdp_ring *r)
{
	return r->tx_size;
}

#ifdef __cplusplus
}
#endif

#endif /* _IXDP_IXDP_H */
