/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw helpers of the ring selftests: one attached context of /dev/ixdp
 * with its four regions mapped, the command and event rings driven
 * exactly as include/uapi/linux/ixdp.h describes (release store of
 * cmd_tail, full barrier, NEED_WAKEUP check and IXDP_IOC_WAKE; acquire
 * load of ev_tail, release store of ev_head). No libixdp: these tests
 * check the kernel on its own.
 *
 * With IXDP_MODE=inline in the environment (the rings-inline stage), the
 * first context a thread opens pins it to that core's CPU, and waiting
 * for a context of that CPU runs the core's loop in IXDP_IOC_RUN instead
 * of sleeping in poll().
 *
 * Also: the per-core counters of "ixctl -j core show -s".
 */
#ifndef IXDP_RINGS_H
#define IXDP_RINGS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/ixdp.h>

struct rctx {
	int fd;
	unsigned int cpu;
	struct ixdp_attach a;
	uint8_t *sq, *cq, *rx, *tx;
	uint32_t *cmd_tail, *ev_head;
	const uint32_t *cmd_head, *ev_tail, *flags;
	const uint64_t *dropped;
	struct ixdp_cmd *cmds;
	const struct ixdp_event *evs;
	uint32_t tail;		/* our copy of cmd_tail */
	uint32_t head;		/* our copy of ev_head */
	uint64_t wakes;		/* IXDP_IOC_WAKE calls made */
};

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static inline uint32_t load_acq(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_rel(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint64_t rctx_dropped(const struct rctx *c)
{
	return __atomic_load_n(c->dropped, __ATOMIC_ACQUIRE);
}

static inline uint32_t rctx_flags(const struct rctx *c)
{
	return __atomic_load_n(c->flags, __ATOMIC_ACQUIRE);
}

static inline bool rctx_dead(const struct rctx *c)
{
	return rctx_flags(c) & IXDP_CQ_DEAD;
}

static inline void *rctx_map(int fd, size_t len, int prot, uint64_t off)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

static inline void rctx_unmap(struct rctx *c)
{
	if (c->sq)
		munmap(c->sq, c->a.sq_size);
	if (c->cq)
		munmap(c->cq, c->a.cq_size);
	if (c->rx)
		munmap(c->rx, c->a.rx_arena);
	if (c->tx)
		munmap(c->tx, c->a.tx_arena);
	c->sq = c->cq = c->rx = c->tx = NULL;
}

/* IXDP_MODE=inline: wait in IXDP_IOC_RUN where the thread may. */
static inline bool rctx_inline(void)
{
	const char *m = getenv("IXDP_MODE");

	return m && !strcmp(m, "inline");
}

/* Inline: a thread that may run anywhere runs on @cpu from now on. */
static inline void rctx_pin(unsigned int cpu)
{
	cpu_set_t set;

	if (!rctx_inline() || sched_getaffinity(0, sizeof(set), &set) ||
	    CPU_COUNT(&set) == 1)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Open /dev/ixdp, attach to the core on @cpu with the sizes in @want (or
 * the defaults) and map the regions: 0 or -errno.
 */
static inline int rctx_open(struct rctx *c, unsigned int cpu,
			    const struct ixdp_attach *want)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	c->fd = open("/dev/ixdp", O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	if (want)
		c->a = *want;
	c->a.cpu = cpu;
	if (ioctl(c->fd, IXDP_IOC_ATTACH, &c->a) < 0) {
		err = -errno;
		close(c->fd);
		c->fd = -1;
		return err;
	}
	c->sq = rctx_map(c->fd, c->a.sq_size, PROT_READ | PROT_WRITE,
			 IXDP_OFF_SQ);
	c->cq = rctx_map(c->fd, c->a.cq_size, PROT_READ, IXDP_OFF_CQ);
	c->rx = rctx_map(c->fd, c->a.rx_arena, PROT_READ, IXDP_OFF_RX_ARENA);
	c->tx = rctx_map(c->fd, c->a.tx_arena, PROT_READ | PROT_WRITE,
			 IXDP_OFF_TX_ARENA);
	if (!c->sq || !c->cq || !c->rx || !c->tx) {
		err = -errno;
		rctx_unmap(c);
		close(c->fd);
		c->fd = -1;
		return err ? err : -ENOMEM;
	}
	c->cmd_tail = (uint32_t *)(c->sq + c->a.off.cmd_tail);
	c->ev_head = (uint32_t *)(c->sq + c->a.off.ev_head);
	c->cmds = (struct ixdp_cmd *)(c->sq + c->a.off.cmds);
	c->cmd_head = (const uint32_t *)(c->cq + c->a.off.cmd_head);
	c->ev_tail = (const uint32_t *)(c->cq + c->a.off.ev_tail);
	c->flags = (const uint32_t *)(c->cq + c->a.off.flags);
	c->dropped = (const uint64_t *)(c->cq + c->a.off.dropped);
	c->evs = (const struct ixdp_event *)(c->cq + c->a.off.events);
	c->tail = *c->cmd_tail;
	c->head = *c->ev_head;
	rctx_pin(cpu);
	return 0;
}

static inline void rctx_close(struct rctx *c)
{
	rctx_unmap(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Free command slots now. */
static inline uint32_t rctx_room(const struct rctx *c)
{
	return c->a.cmd_entries - (c->tail - load_acq(c->cmd_head));
}

/* The next command slot, zeroed; the caller checked rctx_room(). */
static inline struct ixdp_cmd *rctx_slot(struct rctx *c)
{
	struct ixdp_cmd *cmd = &c->cmds[c->tail & (c->a.cmd_entries - 1)];

	memset(cmd, 0, sizeof(*cmd));
	c->tail++;
	return cmd;
}

/*
 * Publish the slots taken so far: release store of cmd_tail, full
 * barrier, then kick the core if it sleeps. Returns the WAKE result.
 */
static inline int rctx_publish(struct rctx *c)
{
	store_rel(c->cmd_tail, c->tail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rctx_flags(c) & IXDP_CQ_NEED_WAKEUP) {
		c->wakes++;
		if (ioctl(c->fd, IXDP_IOC_WAKE, 0) < 0)
			return -errno;
	}
	return 0;
}

/* The next unread event, or NULL. */
static inline const struct ixdp_event *rctx_peek(struct rctx *c)
{
	if (load_acq(c->ev_tail) == c->head)
		return NULL;
	return &c->evs[c->head & (c->a.ev_entries - 1)];
}

static inline void rctx_advance(struct rctx *c)
{
	c->head++;
	store_rel(c->ev_head, c->head);
}

/* Inline, and this thread runs on @c's core: it may run the loop. */
static inline bool rctx_runs_here(const struct rctx *c)
{
	return rctx_inline() && sched_getcpu() == (int)c->cpu;
}

/*
 * Wait in IXDP_IOC_RUN for an event of @c, as rctx_poll() would in
 * poll(): POLLIN, POLLERR once dead, 0 on timeout or a signal, -errno.
 */
static inline int rctx_run(const struct rctx *c, int ms)
{
	struct ixdp_run r = {
		.min_events = 1,
		.timeout_us = ms < 0 ? IXDP_RUN_FOREVER : (uint32_t)ms * 1000,
		.spin_us = IXDP_RUN_SPIN_DEFAULT,
	};
	int n = ioctl(c->fd, IXDP_IOC_RUN, &r);

	if (n < 0)
		return errno == ENXIO ? POLLERR : errno == EINTR ? 0 : -errno;
	return (n ? POLLIN : 0) |
	       (__atomic_load_n(c->flags, __ATOMIC_ACQUIRE) & IXDP_CQ_DEAD ?
		POLLERR : 0);
}

/*
 * poll() the context: revents, 0 on timeout, -errno. Inline, on its
 * core's CPU: IXDP_IOC_RUN instead.
 */
static inline int rctx_poll(const struct rctx *c, int ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int n;

	if (rctx_runs_here(c))
		return rctx_run(c, ms);
	n = poll(&p, 1, ms);

	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

/* ---- per-core counters ("ixctl -j core show -s") ---- */

#define STAT_OUT_MAX	(256 << 10)

/* The JSON of every core, or NULL; free() it. */
static inline char *stat_snapshot(void)
{
	FILE *f = popen("ixctl -j core show -s 2>/dev/null", "r");
	size_t n = 0, r;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(STAT_OUT_MAX + 1);
	if (buf)
		while (n < STAT_OUT_MAX &&
		       (r = fread(buf + n, 1, STAT_OUT_MAX - n, f)) > 0)
			n += r;
	if (pclose(f) != 0 && buf) {
		free(buf);
		return NULL;
	}
	if (buf)
		buf[n] = 0;
	return buf;
}

/*
 * Counter @name of the core on @cpu (-1: the sum over every core) in a
 * snapshot; -1 if there is no such core or counter. Each core is one
 * object that starts with "cpu".
 */
static inline long long stat_of(const char *snap, int cpu, const char *name)
{
	char key[96];
	const char *p = snap, *next, *k;
	long long sum = 0;
	bool found = false;

	if (!snap)
		return -1;
	snprintf(key, sizeof(key), "\"%s\":", name);
	while ((p = strstr(p, "\"cpu\":"))) {
		int c = atoi(p + 6);

		next = strstr(p + 6, "\"cpu\":");
		k = strstr(p, key);
		if (k && (!next || k < next) && (cpu < 0 || c == cpu)) {
			sum += strtoll(k + strlen(key), NULL, 10);
			found = true;
		}
		p += 6;
	}
	return found ? sum : -1;
}

static inline long long core_stat(int cpu, const char *name)
{
	char *snap = stat_snapshot();
	long long v = stat_of(snap, cpu, name);

	free(snap);
	return v;
}

/* Number of dataplane cores. */
static inline int core_count(void)
{
	char *snap = stat_snapshot();
	const char *p = snap;
	int n = 0;

	while (p && (p = strstr(p, "\"cpu\":"))) {
		n++;
		p += 6;
	}
	free(snap);
	return n;
}

/* The CPU of the core that owns flow group @fg ("ixctl fg show"), or -1. */
static inline int fg_owner_cpu(unsigned int fg)
{
	FILE *f = popen("ixctl fg show 2>/dev/null", "r");
	unsigned int g;
	char line[128];
	int cpu, owner = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "fg %u cpu %d", &g, &cpu) == 2 && g == fg)
			owner = cpu;
	pclose(f);
	return owner;
}

#endif /* IXDP_RINGS_H */
