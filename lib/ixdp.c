// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libixdp: attaching to /dev/ixdp, mapping the regions, submitting and
 * waiting. The hot-path helpers are inline in <ixdp/ixdp.h>.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ixdp_int.h"

/* The run mode's fields live in what libixdp.so.1 left as padding. */
#ifdef __LP64__
_Static_assert(offsetof(struct ixdp_ring, rx_base) == 104 &&
	       sizeof(struct ixdp_ring) == 200,
	       "struct ixdp_ring must keep its libixdp.so.1 layout");
#endif

static bool is_pow2(uint32_t n)
{
	return n && !(n & (n - 1));
}

/* @size bytes at @off fit in a region of @region bytes, aligned to @align. */
static bool field_ok(uint32_t off, size_t size, size_t region, size_t align)
{
	return !(off % align) && off <= region && size <= region - off;
}

int ixdp_ring_init_mem(struct ixdp_ring *r, const struct ixdp_ring_mem *m)
{
	const struct ixdp_attach *a = m->a;
	const struct ixdp_ring_offsets *o = &a->off;
	const uint8_t *cq = m->cq;
	uint8_t *sq = m->sq;

	if (!is_pow2(a->cmd_entries) || a->cmd_entries > IXDP_CMD_ENTRIES_MAX ||
	    !is_pow2(a->ev_entries) || a->ev_entries > IXDP_EV_ENTRIES_MAX)
		return -EINVAL;
	if (!field_ok(o->cmd_tail, 4, a->sq_size, 4) ||
	    !field_ok(o->ev_head, 4, a->sq_size, 4) ||
	    !field_ok(o->cmds, (size_t)a->cmd_entries * sizeof(struct ixdp_cmd),
		      a->sq_size, 8) ||
	    !field_ok(o->cmd_head, 4, a->cq_size, 4) ||
	    !field_ok(o->ev_tail, 4, a->cq_size, 4) ||
	    !field_ok(o->flags, 4, a->cq_size, 4) ||
	    !field_ok(o->dropped, 8, a->cq_size, 8) ||
	    !field_ok(o->events,
		      (size_t)a->ev_entries * sizeof(struct ixdp_event),
		      a->cq_size, 8))
		return -EINVAL;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->cpu = a->cpu;
	r->ctx_id = a->ctx_id;
	r->cmd_tail = (uint32_t *)(sq + o->cmd_tail);
	r->ev_head = (uint32_t *)(sq + o->ev_head);
	r->cmds = (struct ixdp_cmd *)(sq + o->cmds);
	r->cmd_head = (const uint32_t *)(cq + o->cmd_head);
	r->ev_tail = (const uint32_t *)(cq + o->ev_tail);
	r->flags = (const uint32_t *)(cq + o->flags);
	r->dropped = (const uint64_t *)(cq + o->dropped);
	r->events = (const struct ixdp_event *)(cq + o->events);
	r->cmd_entries = a->cmd_entries;
	r->cmd_mask = a->cmd_entries - 1;
	r->ev_entries = a->ev_entries;
	r->ev_mask = a->ev_entries - 1;
	/* The indices need not start at 0: continue from where they are. */
	r->cached_cmd_tail = __atomic_load_n(r->cmd_tail, __ATOMIC_RELAXED);
	r->cached_ev_head = __atomic_load_n(r->ev_head, __ATOMIC_RELAXED);
	r->rx_base = m->rx;
	r->rx_size = a->rx_arena;
	r->tx_base = m->tx;
	r->tx_size = a->tx_arena;
	r->max_conns = a->max_conns;
	r->rx_chunk = a->rx_chunk;
	r->sq_size = a->sq_size;
	r->cq_size = a->cq_size;
	r->mode = IXDP_MODE_RING;
	return 0;
}

/* Does the module offer IXDP_IOC_RUN? */
static bool has_run(int fd)
{
	struct ixdp_version_info vi = { 0 };

	return ioctl(fd, IXDP_IOC_VERSION, &vi) == 0 &&
	       (vi.features & IXDP_FEAT_RUN);
}

static int pin_to(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int ixdp_ring_set_mode(struct ixdp_ring *r, int mode)
{
	switch (mode) {
	case IXDP_MODE_RING:
		r->inline_on = false;
		break;
	case IXDP_MODE_INLINE:
		if (!has_run(r->fd))
			return -EOPNOTSUPP;
		r->inline_on = true;
		break;
	case IXDP_MODE_AUTO:
		r->inline_on = has_run(r->fd);
		break;
	default:
		return -EINVAL;
	}
	r->mode = (uint8_t)mode;
	return 0;
}

int ixdp_ring_mode(const struct ixdp_ring *r)
{
	return r->inline_on ? IXDP_MODE_INLINE : IXDP_MODE_RING;
}

/* IXDP_MODE from the environment: -1 if unset or unknown (then auto). */
static int env_mode(void)
{
	const char *v = getenv("IXDP_MODE");

	if (!v)
		return -1;
	if (!strcmp(v, "ring"))
		return IXDP_MODE_RING;
	if (!strcmp(v, "inline"))
		return IXDP_MODE_INLINE;
	if (!strcmp(v, "auto"))
		return IXDP_MODE_AUTO;
	return -1;
}

/* The mode asked for by the environment; "inline" pins the thread. */
static int setup_mode(struct ixdp_ring *r, unsigned int cpu)
{
	int mode = env_mode(), err;

	if (mode < 0)
		mode = IXDP_MODE_AUTO;
	if (mode == IXDP_MODE_INLINE) {
		err = pin_to(cpu);
		if (err)
			return err;
	}
	return ixdp_ring_set_mode(r, mode);
}

static void *map(int fd, size_t size, int prot, uint64_t off)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd, (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

static void unmap(void *p, size_t size)
{
	if (p && size)
		munmap(p, size);
}

int ixdp_ring_setup(struct ixdp_ring *r, unsigned int cpu,
		    const struct ixdp_params *p)
{
	return ixdp_ring_setup_flags(r, cpu, p, 0);
}

/*
 * A size from the environment (struct ixdp_params keeps its layout, so
 * that programs built against libixdp.so.1 keep working): 0 if unset,
 * -EINVAL if not a number.
 */
static int env_u32(const char *name, uint32_t *out)
{
	const char *v = getenv(name);
	unsigned long n;
	char *end;

	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoul(v, &end, 0);
	if (errno || *end || n > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/* IXDP_MOVABLE=0 keeps a context's connections on their core. */
static bool env_movable(void)
{
	const char *v = getenv("IXDP_MOVABLE");

	return !v || strcmp(v, "0");
}

int ixdp_ring_setup_flags(struct ixdp_ring *r, unsigned int cpu,
			  const struct ixdp_params *p, uint32_t flags)
{
	struct ixdp_version_info vi = { 0 };
	struct ixdp_attach a = { 0 };
	struct ixdp_ring_mem m;
	void *sq = NULL, *cq = NULL, *rx = NULL, *tx = NULL;
	int fd, err;

	fd = open("/dev/" IXDP_DEV_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, IXDP_IOC_VERSION, &vi) < 0) {
		err = -errno;
		goto err_close;
	}
	if (vi.abi_version != IXDP_ABI_VERSION) {
		err = -EPROTO;
		goto err_close;
	}

	a.cpu = cpu;
	if (vi.features & IXDP_FEAT_RECV_ACKED)
		a.flags = flags & IXDP_ATTACH_RECV_ACKED;
	if ((vi.features & IXDP_FEAT_MOVE) && env_movable())
		a.flags |= flags & IXDP_ATTACH_MOVABLE;
	if (p) {
		a.cmd_entries = p->cmd_entries;
		a.ev_entries = p->ev_entries;
		a.rx_arena = p->rx_arena;
		a.tx_arena = p->tx_arena;
	}
	if (vi.features & IXDP_FEAT_RX_CHUNKS) {
		err = env_u32("IXDP_MAX_CONNS", &a.max_conns) ?:
		      env_u32("IXDP_RX_CHUNK", &a.rx_chunk);
		if (err)
			goto err_close;
	}
	if (ioctl(fd, IXDP_IOC_ATTACH, &a) < 0) {
		err = -errno;
		goto err_close;
	}

	sq = map(fd, a.sq_size, PROT_READ | PROT_WRITE, IXDP_OFF_SQ);
	cq = map(fd, a.cq_size, PROT_READ, IXDP_OFF_CQ);
	rx = map(fd, a.rx_arena, PROT_READ, IXDP_OFF_RX_ARENA);
	tx = map(fd, a.tx_arena, PROT_READ | PROT_WRITE, IXDP_OFF_TX_ARENA);
	if (!sq || !cq || !rx || !tx) {
		err = -errno;
		goto err_unmap;
	}

	m = (struct ixdp_ring_mem){ .sq = sq, .cq = cq, .rx = rx, .tx = tx,
				    .a = &a };
	err = ixdp_ring_init_mem(r, &m);
	if (err)
		goto err_unmap;
	r->fd = fd;
	r->sq_map = sq;
	r->cq_map = cq;
	r->rx_map = rx;
	r->tx_map = tx;
	r->spin_us = p ? p->spin_us : 0;
	r->feat = 0;
	if (a.flags & IXDP_ATTACH_RECV_ACKED)
		r->feat |= IXDP_RING_F_RECV_ACKED;
	if (vi.features & IXDP_FEAT_SEND_DONE)
		r->feat |= IXDP_RING_F_SEND_DONE;
	if (a.flags & IXDP_ATTACH_MOVABLE)
		r->feat |= IXDP_RING_F_MOVABLE;
	err = setup_mode(r, cpu);
	if (err) {
		ixdp_ring_exit(r);
		return err;
	}
	return 0;

err_unmap:
	unmap(sq, a.sq_size);
	unmap(cq, a.cq_size);
	unmap(rx, a.rx_arena);
	unmap(tx, a.tx_arena);
err_close:
	close(fd);
	return err;
}

void ixdp_ring_exit(struct ixdp_ring *r)
{
	unmap(r->sq_map, r->sq_size);
	unmap(r->cq_map, r->cq_size);
	unmap(r->rx_map, r->rx_size);
	unmap(r->tx_map, r->tx_size);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

int ixdp_submit(struct ixdp_ring *r)
{
	uint32_t tail = __atomic_load_n(r->cmd_tail, __ATOMIC_RELAXED);
	uint32_t n = r->cached_cmd_tail - tail;
	uint32_t flags;

	if (n)
		__atomic_store_n(r->cmd_tail, r->cached_cmd_tail, __ATOMIC_RELEASE);
	/* Inline: this thread's next ixdp_wait() runs the commands. */
	if (r->inline_on) {
		flags = __atomic_load_n(r->flags, __ATOMIC_RELAXED);
		return (flags & IXDP_CQ_DEAD) ? -ENXIO : (int)n;
	}
	/*
	 * Pairs with the core's barrier between setting NEED_WAKEUP and
	 * re-reading cmd_tail: either it sees the new tail, or we see the
	 * flag.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(r->flags, __ATOMIC_RELAXED);
	if (flags & IXDP_CQ_DEAD)
		return -ENXIO;
	/*
	 * Kick whenever the core sleeps with commands it has not taken, not
	 * only new ones, or after room was made in a full event ring: a core
	 * that stopped there waits for us, with commands or events held back.
	 */
	if ((flags & IXDP_CQ_NEED_WAKEUP) &&
	    (__atomic_load_n(r->cmd_head, __ATOMIC_RELAXED) != r->cached_cmd_tail ||
	     r->ev_unblocked)) {
		r->ev_unblocked = false;
		if (ioctl(r->fd, IXDP_IOC_WAKE, 0) < 0)
			return -errno;
	}
	return (int)n;
}

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax()	__builtin_ia32_pause()
#else
#define cpu_relax()	__asm__ __volatile__("" ::: "memory")
#endif

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Poll the event ring for up to spin_us: while the core is busy, its next
 * events come within microseconds, sooner than a sleep and a wakeup.
 */
static uint32_t spin_for_events(struct ixdp_ring *r)
{
	uint64_t end = now_us() + r->spin_us;
	uint32_t n, i;

	do {
		for (i = 0; i < 64; i++) {
			n = ixdp_events_ready(r);
			if (n)
				return n;
			cpu_relax();
		}
	} while (now_us() < end);
	return 0;
}

/*
 * Inline: run the loop in IXDP_IOC_RUN. With events ready it runs one
 * step for the commands published since, without waiting.
 */
static int wait_inline(struct ixdp_ring *r, int timeout_ms, uint32_t ready)
{
	struct ixdp_run run = {
		.min_events = ready || !timeout_ms ? 0 : 1,
		.timeout_us = IXDP_RUN_FOREVER,
		.spin_us = r->spin_us ? r->spin_us : IXDP_RUN_SPIN_DEFAULT,
	};
	int ret;

	if (timeout_ms >= 0)
		run.timeout_us = (uint32_t)timeout_ms >= UINT32_MAX / 1000 ?
				 UINT32_MAX - 1 : (uint32_t)timeout_ms * 1000;
	ret = ioctl(r->fd, IXDP_IOC_RUN, &run);
	return ret < 0 ? -errno : ret;
}

int ixdp_wait(struct ixdp_ring *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	uint32_t n = ixdp_events_ready(r);
	int ret;

	if (r->inline_on &&
	    (!n || __atomic_load_n(r->cmd_head, __ATOMIC_RELAXED) !=
		   r->cached_cmd_tail)) {
		ret = wait_inline(r, timeout_ms, n);
		if (ret >= 0)
			return n ? (int)n : (int)ixdp_events_ready(r);
		/* Auto: a thread that cannot run the loop uses the ring. */
		if (r->mode != IXDP_MODE_AUTO ||
		    (ret != -EXDEV && ret != -EPERM))
			return ret;
		r->inline_on = false;
		ret = ixdp_submit(r);
		if (ret < 0)
			return ret;
	}
	if (n)
		return (int)n;
	if (ixdp_ring_dead(r))
		return -ENXIO;
	if (r->spin_us && timeout_ms) {
		n = spin_for_events(r);
		if (n)
			return (int)n;
	}
	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	n = ixdp_events_ready(r);
	if (n)
		return (int)n;
	if (ret && (pfd.revents & (POLLERR | POLLNVAL)))
		return -ENXIO;
	return 0;
}
