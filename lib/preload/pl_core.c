// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libixdp-preload: its state, the dataplane cores' contexts shared by the
 * process's threads, the sockets and what ixev tells of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "preload.h"
#include "../ixdp_int.h"

struct pl_state pl = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cores_lock = PTHREAD_MUTEX_INITIALIZER,
	.lsn_lock = PTHREAD_MUTEX_INITIALIZER,
	.wake_fd = -1,
	.progress_fd = -1,
};

/* The longest a blocked thread sleeps before it looks again. */
#define PL_BLOCK_CAP_MS	50
/*
 * How often the progress thread looks: every millisecond after it had
 * to drive a core, twice as long after each look that found nothing to
 * do, up to PL_PROGRESS_TICK_MAX_US.
 */
#define PL_PROGRESS_TICK_US	1000
#define PL_PROGRESS_TICK_MAX_US	4000
/* Quiet ticks (nothing to do) before it sleeps until a ring has events. */
#define PL_PROGRESS_QUIET	50

void pl_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "libixdp-preload[%d]: ", getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(buf);
	if (n < (int)sizeof(buf) - 1)
		buf[n++] = '\n';
	if (pl_real.write(2, buf, (size_t)n) < 0)
		return;
}

/* The kinds of unsupported use already reported, by name. */
static const char *pl_reported[64];
static pthread_mutex_t pl_reported_lock = PTHREAD_MUTEX_INITIALIZER;

int pl_unsupported(const char *what)
{
	unsigned int i;
	bool seen = false;

	pthread_mutex_lock(&pl_reported_lock);
	for (i = 0; i < 64 && pl_reported[i]; i++)
		if (pl_reported[i] == what || !strcmp(pl_reported[i], what))
			seen = true;
	if (!seen && i < 64)
		pl_reported[i] = what;
	pthread_mutex_unlock(&pl_reported_lock);
	if (!seen || pl.cfg.strict)
		pl_log("not supported on ixdp sockets: %s%s", what,
		       pl.cfg.strict ? " (IXDP_PRELOAD_STRICT=1: abort)" : "");
	if (pl.cfg.strict)
		abort();
	errno = ENOTSUP;
	return -1;
}

/*
 * Sockets are never given back to malloc: a freed one waits on this list
 * for the next pl_sock_new(). So pl_sock_lookup() may take a reference
 * without a lock (a pointer it read from the table stays a struct
 * pl_sock, live or on this list, whose refs is 0 while it is here).
 */
static pthread_mutex_t pl_free_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pl_sock *pl_free_socks;

static void pl_atfork_prepare(void)
{
	unsigned int i;

	/* The order of the library's nesting: a core's lock before pl.lock. */
	pthread_mutex_lock(&pl.cores_lock);
	for (i = 0; i < pl.ncores; i++)
		pthread_mutex_lock(&pl.cores[i].lock);
	pthread_mutex_lock(&pl.lock);
	pthread_mutex_lock(&pl.lsn_lock);
	/* Last: pl_sock_put() takes it under any of the others. */
	pthread_mutex_lock(&pl_free_lock);
}

static void pl_atfork_parent(void)
{
	unsigned int i;

	pthread_mutex_unlock(&pl_free_lock);
	pthread_mutex_unlock(&pl.lsn_lock);
	pthread_mutex_unlock(&pl.lock);
	for (i = 0; i < pl.ncores; i++)
		pthread_mutex_unlock(&pl.cores[i].lock);
	pthread_mutex_unlock(&pl.cores_lock);
}

/*
 * The child has none of the parent's ixdp sockets or contexts: their
 * descriptors are closed (EBADF from then on), the contexts' files too
 * (their mappings were not inherited), and it starts again from nothing;
 * a socket it binds to ixdp's address attaches contexts of its own.
 * The objects are leaked: other threads of the parent may have held
 * them in states the child cannot know.
 */
static void pl_atfork_child(void)
{
	struct pl_sock *s;
	unsigned int i;
	int fd;

	pthread_mutex_init(&pl.lock, NULL);
	pthread_mutex_init(&pl.cores_lock, NULL);
	pthread_mutex_init(&pl.lsn_lock, NULL);
	/* The free list was whole: prepare held its lock. */
	pthread_mutex_init(&pl_free_lock, NULL);
	for (fd = 0; pl.nsocks && fd < PL_FDTAB_PAGE * PL_FDTAB_PAGES; fd++) {
		if (!pl.socks.pages[fd / PL_FDTAB_PAGE]) {
			fd += PL_FDTAB_PAGE - 1;
			continue;
		}
		s = pl_fdtab_clear(&pl.socks, fd);
		if (s) {
			pl_real.close(fd);
			pl.nsocks--;
			if (s->lin_fd >= 0)
				pl_real.close(s->lin_fd);
			s->lin_fd = -1;
		}
	}
	pl_atfork_child_eps();
	for (i = 0; i < pl.ncores; i++)
		pl_real.close(pl.cores[i].ring_fd);
	if (pl.progress_fd >= 0)
		pl_real.close(pl.progress_fd);
	pl.progress_fd = -1;
	pl.progress_deep = false;
	pl_unflushed = 0;
	pl.cores = NULL;
	pl.ncores = 0;
	pl.cores_up = false;
	pl.cores_err = 0;
	pl.listeners = NULL;
	pl.waiters = 0;
	memset(pl.ep_waiters, 0, sizeof(pl.ep_waiters));
	pl_waiters_reset();
	if (pl.cfg.debug)
		pl_log("fork: the child starts without ixdp sockets");
}

__attribute__((constructor)) void pl_init(void)
{
	const char *bad;

	pl_real_init();
	pthread_mutex_lock(&pl.lock);
	if (pl.inited) {
		pthread_mutex_unlock(&pl.lock);
		return;
	}
	if (pl_config_parse(&pl.cfg, getenv("IXDP_PRELOAD_ADDR"),
			    getenv("IXDP_PRELOAD_PORTS"),
			    getenv("IXDP_PRELOAD_CPUS"),
			    getenv("IXDP_PRELOAD_STRICT"),
			    getenv("IXDP_PRELOAD_DEBUG"), &bad)) {
		pl_log("%s=\"%s\" is not valid: every socket stays Linux's",
		       bad, getenv(bad) ? getenv(bad) : "");
		if (pl.cfg.strict)
			abort();
	}
	pl.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_atfork(pl_atfork_prepare, pl_atfork_parent, pl_atfork_child);
	pl.inited = true;
	pthread_mutex_unlock(&pl.lock);
	if (pl.cfg.debug)
		pl_log("ixdp address %s, %u port(s) (0: all), cpus %#llx (0: all)",
		       pl.cfg.enabled ? getenv("IXDP_PRELOAD_ADDR") : "unset",
		       pl.cfg.nports, (unsigned long long)pl.cfg.cpus);
}

uint64_t pl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int pl_left_ms(int64_t deadline_ms)
{
	int64_t left;

	if (deadline_ms < 0)
		return -1;
	left = deadline_ms - (int64_t)pl_now_ms();
	return left < 0 ? 0 : (int)left;
}

/* ---- cores ------------------------------------------------------------ */

static void *pl_progress(void *arg);

static int pl_core_attach(struct pl_core *c, unsigned int cpu)
{
	struct ixdp_ring ring;
	int ret;

	/*
	 * Not IXDP_ATTACH_MOVABLE: a socket belongs to its core's context
	 * (s->core, its lock), so its connection must not follow a moving
	 * flow group to another core's thread. Such groups stay (EBUSY).
	 */
	ret = ixdp_ring_setup_flags(&ring, cpu, NULL, IXDP_ATTACH_RECV_ACKED);
	if (ret)
		return ret;
	ret = ixev_thread_attach(&c->t, &ring, NULL, &pl_ops, c);
	if (ret) {
		ixdp_ring_exit(&ring);
		return ret;
	}
	/* Threads that are not pinned, and poll() on the ring's file. */
	ixdp_ring_set_mode(ixev_thread_ring(c->t), IXDP_MODE_RING);
	ixev_thread_unbind(c->t);
	pthread_mutex_init(&c->lock, NULL);
	c->ring_fd = ixev_thread_ring(c->t)->fd;
	c->cpu = cpu;
	return 0;
}

/*
 * Attaches a context to each dataplane core of IXDP_PRELOAD_CPUS, or to
 * every CPU the module accepts: 0 or -errno of the first refusal.
 */
int pl_cores_up(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int cpu, i;
	int ret, err = 0;

	pthread_mutex_lock(&pl.cores_lock);
	if (pl.cores_up) {
		ret = pl.cores_err;
		pthread_mutex_unlock(&pl.cores_lock);
		return ret;
	}
	if (ncpu > PL_MAX_CPUS || ncpu < 1)
		ncpu = PL_MAX_CPUS;
	pl.cores = calloc((size_t)ncpu, sizeof(*pl.cores));
	if (!pl.cores) {
		pthread_mutex_unlock(&pl.cores_lock);
		return -ENOMEM;
	}
	for (cpu = 0; cpu < (unsigned int)ncpu; cpu++) {
		if (pl.cfg.cpus && !(pl.cfg.cpus & (1ULL << cpu)))
			continue;
		ret = pl_core_attach(&pl.cores[pl.ncores], cpu);
		if (!ret) {
			pl.ncores++;
			continue;
		}
		/* A core of IXDP_PRELOAD_CPUS that refuses is an error. */
		if (pl.cfg.cpus) {
			pl_log("cpu %u (IXDP_PRELOAD_CPUS): %s", cpu,
			       strerror(-ret));
			err = ret;
			break;
		}
	}
	if (pl.cfg.cpus && !err &&
	    (unsigned long)__builtin_popcountll(pl.cfg.cpus) != pl.ncores)
		err = -ENODEV;	/* a listed CPU the machine does not have */
	if (!err && !pl.ncores)
		err = -ENODEV;
	if (err) {
		for (i = 0; i < pl.ncores; i++)
			ixev_thread_destroy(pl.cores[i].t);
		pl.ncores = 0;
	}
	pl.cores_err = err;
	if (!err && pl.progress_fd < 0) {
		pl.progress_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (pl.progress_fd < 0)
			pl.cores_err = -errno;
	}
	if (!pl.cores_err) {
		pthread_attr_t attr;
		pthread_t tid;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ret = pthread_create(&tid, &attr, pl_progress, NULL);
		pthread_attr_destroy(&attr);
		if (ret)
			pl.cores_err = -ret;
	}
	if (pl.cores_err)
		pl_log("no ixdp context: %s", strerror(-pl.cores_err));
	else if (pl.cfg.debug)
		pl_log("%u dataplane core(s) attached", pl.ncores);
	pl.cores_up = true;
	ret = pl.cores_err;
	pthread_mutex_unlock(&pl.cores_lock);
	return ret;
}

struct pl_core *pl_core_pick(void)
{
	unsigned int i = __atomic_fetch_add(&pl.next_core, 1,
					    __ATOMIC_RELAXED);

	return &pl.cores[i % pl.ncores];
}

void pl_core_lock(struct pl_core *c)
{
	pthread_mutex_lock(&c->lock);
}

/*
 * Handlers queue commands (a close after its fence, credit) that the next
 * pass publishes: loop until nothing is left. A pass with no event ready
 * makes no system call but the kick of a sleeping core.
 */
void pl_core_drive(struct pl_core *c)
{
	int ret = 0, i = 0;

	if (ixev_thread_idle(c->t))
		return;
	__atomic_fetch_add(&c->driven, 1, __ATOMIC_RELAXED);
	do {
		ret = ixev_thread_run(c->t);
	} while (ret >= 0 && !ixev_thread_idle(c->t) && ++i < 8);
	if (ret < 0 && ret != -EINTR && pl.cfg.debug)
		pl_log("cpu %u: ixev_wait: %s", c->cpu, strerror(-ret));
	ixev_thread_unbind(c->t);
}

void pl_core_unlock(struct pl_core *c)
{
	pthread_mutex_unlock(&c->lock);
}

/* Drives every core whose lock is free: false if one was busy. */
bool pl_cores_drive_all(void)
{
	unsigned int i;
	bool all = true;

	for (i = 0; i < pl.ncores; i++) {
		if (pthread_mutex_trylock(&pl.cores[i].lock)) {
			all = false;
			continue;
		}
		pl_core_drive(&pl.cores[i]);
		pthread_mutex_unlock(&pl.cores[i].lock);
	}
	return all;
}

__thread uint64_t pl_unflushed;

void pl_defer(struct pl_core *c)
{
	uint64_t one = 1;

	pl_unflushed |= 1ULL << (c - pl.cores);
	/* Pairs with the progress thread's store before its last look. */
	if (__atomic_load_n(&pl.progress_deep, __ATOMIC_SEQ_CST) &&
	    pl_real.write(pl.progress_fd, &one, sizeof(one)) < 0)
		pl_log("cannot wake the progress thread: %s", strerror(errno));
}

void pl_flush_mine_slow(void)
{
	unsigned int i;

	while (pl_unflushed) {
		i = (unsigned int)__builtin_ctzll(pl_unflushed);
		pl_unflushed &= ~(1ULL << i);
		if (i >= pl.ncores)
			continue;
		pl_core_lock(&pl.cores[i]);
		pl_core_drive(&pl.cores[i]);
		pl_core_unlock(&pl.cores[i]);
	}
}

/* Nothing to do on any core (a busy lock counts as something). */
static bool pl_cores_idle(void)
{
	unsigned int i;
	bool idle;

	for (i = 0; i < pl.ncores; i++) {
		if (pthread_mutex_trylock(&pl.cores[i].lock))
			return false;
		idle = ixev_thread_idle(pl.cores[i].t);
		pthread_mutex_unlock(&pl.cores[i].lock);
		if (!idle)
			return false;
	}
	return true;
}

/*
 * The progress thread: the contexts advance (a close's FIN after its
 * fence, credit, commands that waited for ring space, connections
 * knocking) while the application's threads do something else than call
 * the library, as Linux's TCP does in softirq. It takes no signal. While
 * the application drives the cores it only looks every tick (longer
 * while it finds nothing to do) and drives a core that nobody drove
 * since its last look; after PL_PROGRESS_QUIET
 * ticks with nothing to do it sleeps in poll() on the rings' files and
 * its eventfd (pl_defer); woken, it drives the cores that need it, but
 * leaves a ring's events to the thread of the application that watches
 * the ring (pl_block), and looks again after its shortest tick.
 */
static void *pl_progress(void *arg)
{
	struct pollfd fds[PL_MAX_CPUS + 1];
	uint32_t seen[PL_MAX_CPUS] = { 0 }, d;
	unsigned int i, n = pl.ncores, quiet = 0, tick = PL_PROGRESS_TICK_US;
	struct pl_core *c;
	sigset_t all;
	bool busy, watched, helped;
	uint64_t v;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (i = 0; i < n; i++)
		fds[i] = (struct pollfd){ pl.cores[i].ring_fd, POLLIN, 0 };
	fds[n] = (struct pollfd){ pl.progress_fd, POLLIN, 0 };
	for (;;) {
		if (quiet >= PL_PROGRESS_QUIET) {
			/* A SEND deferred after this store wakes it. */
			__atomic_store_n(&pl.progress_deep, true,
					 __ATOMIC_SEQ_CST);
			ret = 1;	/* a core has work: no sleep */
			for (i = 0; i <= n; i++)
				fds[i].revents = 0;
			if (pl_cores_idle()) {
				ret = pl_real.poll(fds, n + 1,
						   PL_BLOCK_CAP_MS * 2);
				if (ret < 0 && errno != EINTR)
					usleep(1000);
			}
			__atomic_store_n(&pl.progress_deep, false,
					 __ATOMIC_SEQ_CST);
			if (pl_real.read(pl.progress_fd, &v, sizeof(v)) < 0)
				v = 0;
			quiet = 0;
			/*
			 * Drives what needs it now (a SEND deferred, events
			 * on a ring nobody watches), and leaves a ring's
			 * events to the thread that watches it, if any.
			 */
			for (i = 0; i < n; i++) {
				c = &pl.cores[i];
				watched = __atomic_load_n(&c->watch,
							  __ATOMIC_RELAXED);
				if (!(watched && (fds[i].revents & POLLIN)) &&
				    !pthread_mutex_trylock(&c->lock)) {
					pl_core_drive(c);
					pthread_mutex_unlock(&c->lock);
				}
				seen[i] = __atomic_load_n(&c->driven,
							  __ATOMIC_RELAXED);
			}
			/* Woken: it looks again after the shortest tick. */
			if (ret > 0)
				tick = PL_PROGRESS_TICK_US;
			continue;
		}
		usleep(tick);
		busy = false;
		helped = false;
		for (i = 0; i < n; i++) {
			c = &pl.cores[i];
			d = __atomic_load_n(&c->driven, __ATOMIC_RELAXED);
			if (d != seen[i]) {
				seen[i] = d;
				busy = true;
				continue;
			}
			if (pthread_mutex_trylock(&c->lock)) {
				busy = true;
				continue;
			}
			if (!ixev_thread_idle(c->t)) {
				busy = true;
				helped = true;
				pl_core_drive(c);
			}
			pthread_mutex_unlock(&c->lock);
			seen[i] = __atomic_load_n(&c->driven, __ATOMIC_RELAXED);
		}
		quiet = busy ? 0 : quiet + 1;
		if (helped)
			tick = PL_PROGRESS_TICK_US;
		else if (tick < PL_PROGRESS_TICK_MAX_US)
			tick *= 2;
	}
	return NULL;
}

/*
 * Threads asleep in pl_block(), each on an eventfd of its own: a change
 * wakes every one that waits for it exactly once, and none misses it,
 * since a thread is on the list before it checks its generation for the
 * last time and pl_notify() bumps the generations before it reads the
 * list.
 */
struct pl_waiter {
	int efd;
	bool signaled;
	uint32_t id;		/* for pl_core.watch */
	const struct pl_interest *in;
	struct pl_waiter *next, **pprev;
};

static pthread_mutex_t pl_waiters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pl_waiter *pl_waiters;
static uint32_t pl_waiter_ids;
static __thread struct pl_waiter pl_me = { .efd = -1 };
static pthread_key_t pl_me_key;
static pthread_once_t pl_me_once = PTHREAD_ONCE_INIT;

/* A thread that ends closes its eventfd. */
static void pl_me_exit(void *arg)
{
	struct pl_waiter *w = arg;

	if (w->efd >= 0)
		pl_real.close(w->efd);
	w->efd = -1;
}

static void pl_me_key_init(void)
{
	pthread_key_create(&pl_me_key, pl_me_exit);
}

static int pl_me_fd(void)
{
	if (pl_me.efd >= 0)
		return pl_me.efd;
	pthread_once(&pl_me_once, pl_me_key_init);
	pl_me.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pl_me.efd >= 0)
		pthread_setspecific(pl_me_key, &pl_me);
	while (!pl_me.id)
		pl_me.id = __atomic_add_fetch(&pl_waiter_ids, 1,
					      __ATOMIC_RELAXED) & 0xffffff;
	return pl_me.efd;
}

void pl_waiters_reset(void)
{
	pthread_mutex_init(&pl_waiters_lock, NULL);
	pl_waiters = NULL;
}

void pl_interest_any(struct pl_interest *in)
{
	in->genp = &pl.gen;
	in->s = NULL;
	in->epbit = -1;
	in->cores = ~0ULL;
	pl_interest_renew(in);
}

void pl_interest_sock(struct pl_interest *in, struct pl_sock *s)
{
	in->genp = &s->wgen;
	in->s = s;
	in->epbit = -1;
	in->cores = s->kind == PL_CONN && s->core ?
		    1ULL << (s->core - pl.cores) : 0;
	pl_interest_renew(in);
}

void pl_interest_ep(struct pl_interest *in, int epbit, uint64_t cores)
{
	in->genp = &pl.epgen[epbit];
	in->s = NULL;
	in->epbit = epbit;
	in->cores = cores;
	pl_interest_renew(in);
}

static bool pl_wants(const struct pl_interest *in, struct pl_sock *s,
		     uint64_t epbits)
{
	if (in->s)
		return in->s == s;
	if (in->epbit >= 0)
		return epbits & (1ULL << in->epbit);
	return s;
}

/*
 * Wakes the threads asleep on @s, on the epoll sets of @bits, and on any
 * change if @s is not NULL; their generations were bumped before.
 */
static void pl_wake(struct pl_sock *s, uint64_t bits)
{
	struct pl_waiter *w;
	uint64_t one = 1, b;

	/* Pairs with pl_waiter_add(): it counts, then compares its gen. */
	if (!s || !__atomic_load_n(&pl.waiters, __ATOMIC_SEQ_CST)) {
		for (b = bits; b; b &= b - 1)
			if (__atomic_load_n(&pl.ep_waiters[__builtin_ctzll(b)],
					    __ATOMIC_SEQ_CST))
				break;
		if (!b)
			return;
	}
	pthread_mutex_lock(&pl_waiters_lock);
	for (w = pl_waiters; w; w = w->next) {
		if (w->signaled || !pl_wants(w->in, s, bits))
			continue;
		w->signaled = true;
		if (pl_real.write(w->efd, &one, sizeof(one)) < 0)
			continue;
	}
	pthread_mutex_unlock(&pl_waiters_lock);
}

void pl_notify_bits(uint64_t bits)
{
	uint64_t b;

	for (b = bits; b; b &= b - 1)
		__atomic_fetch_add(&pl.epgen[__builtin_ctzll(b)], 1,
				   __ATOMIC_SEQ_CST);
	pl_wake(NULL, bits);
}

void pl_notify(struct pl_sock *s)
{
	uint64_t bits = __atomic_load_n(&s->epbits, __ATOMIC_ACQUIRE), b;

	__atomic_fetch_add(&s->wgen, 1, __ATOMIC_SEQ_CST);
	for (b = bits; b; b &= b - 1)
		__atomic_fetch_add(&pl.epgen[__builtin_ctzll(b)], 1,
				   __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&pl.gen, 1, __ATOMIC_SEQ_CST);
	pl_wake(s, bits);
}

static void pl_waiter_add(struct pl_waiter *w, const struct pl_interest *in)
{
	pthread_mutex_lock(&pl_waiters_lock);
	w->signaled = false;
	w->in = in;
	w->next = pl_waiters;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = &pl_waiters;
	pl_waiters = w;
	__atomic_fetch_add(in->epbit >= 0 ? &pl.ep_waiters[in->epbit] :
			   &pl.waiters, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&pl_waiters_lock);
}

static void pl_waiter_del(struct pl_waiter *w)
{
	uint64_t v;

	pthread_mutex_lock(&pl_waiters_lock);
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	__atomic_fetch_sub(w->in->epbit >= 0 ? &pl.ep_waiters[w->in->epbit] :
			   &pl.waiters, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&pl_waiters_lock);
	if (w->signaled && pl_real.read(w->efd, &v, sizeof(v)) < 0)
		w->signaled = false;
}

/*
 * Watch core @i's ring? One sleeping thread at a time does, so that its
 * events wake one thread: the first of those whose connections are on
 * the core, else the first at all. A thread that then wakes drives the
 * core and wakes those its events concern (pl_notify).
 */
static bool pl_watch_claim(unsigned int i, const struct pl_interest *in)
{
	uint32_t rank = in->cores & (1ULL << i) ? 2 : 1;
	uint32_t mine = rank << 24 | pl_me.id, cur;

	cur = __atomic_load_n(&pl.cores[i].watch, __ATOMIC_RELAXED);
	do {
		if (cur && cur >> 24 >= rank)
			return false;
	} while (!__atomic_compare_exchange_n(&pl.cores[i].watch, &cur, mine,
					      true, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return true;
}

static void pl_watch_release(unsigned int i, const struct pl_interest *in)
{
	uint32_t rank = in->cores & (1ULL << i) ? 2 : 1;
	uint32_t mine = rank << 24 | pl_me.id;

	__atomic_compare_exchange_n(&pl.cores[i].watch, &mine, 0, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

int pl_block(const struct pl_interest *in, int timeout_ms,
	     struct pollfd *extra, unsigned int nextra, const sigset_t *mask)
{
	struct pollfd fds[PL_MAX_CPUS + 1 + 64], *all = fds;
	unsigned int n = 0, i, ncores = pl.cores_up ? pl.ncores : 0;
	struct timespec ts, *tsp = NULL;
	int ret, efd = pl_me_fd();
	uint64_t watched = 0;

	if (efd < 0)
		return -errno;
	pl_flush_mine();
	if (nextra > 64) {
		all = malloc((ncores + 1 + nextra) * sizeof(*all));
		if (!all)
			return -ENOMEM;
	}
	for (i = 0; i < nextra; i++)
		all[n++] = extra[i];
	if (ncores && (timeout_ms < 0 || timeout_ms > PL_BLOCK_CAP_MS))
		timeout_ms = PL_BLOCK_CAP_MS;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	pl_waiter_add(&pl_me, in);
	for (i = 0; i < ncores; i++) {
		if (!pl_watch_claim(i, in))
			continue;
		watched |= 1ULL << i;
		all[n++] = (struct pollfd){ pl.cores[i].ring_fd, POLLIN, 0 };
	}
	all[n++] = (struct pollfd){ efd, POLLIN, 0 };
	if (__atomic_load_n(in->genp, __ATOMIC_SEQ_CST) != in->gen) {
		ret = 0;
	} else {
		ret = pl_real.ppoll(all, n, tsp, mask);
		ret = ret < 0 ? -errno : 0;
	}
	for (i = 0; i < ncores; i++)
		if (watched & (1ULL << i))
			pl_watch_release(i, in);
	pl_waiter_del(&pl_me);
	for (i = 0; i < nextra; i++)
		extra[i].revents = all[i].revents;
	if (all != fds)
		free(all);
	return ret;
}

/* ---- sockets ---------------------------------------------------------- */

struct pl_sock *pl_sock_new(enum pl_kind kind)
{
	struct pl_sock *s;

	pthread_mutex_lock(&pl_free_lock);
	s = pl_free_socks;
	if (s)
		pl_free_socks = s->lnext;
	pthread_mutex_unlock(&pl_free_lock);
	if (!s)
		s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	/* refs stays 0 (a racing lookup backs off) until it is set up. */
	memset((char *)s + sizeof(s->refs), 0, sizeof(*s) - sizeof(s->refs));
	s->kind = kind;
	s->lin_fd = -1;
	s->laddr = pl.cfg.addr;
	pthread_mutex_init(&s->qlock, NULL);
	__atomic_store_n(&s->refs, 1, __ATOMIC_RELEASE);
	return s;
}

void pl_sock_get(struct pl_sock *s)
{
	__atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
}

void pl_sock_put(struct pl_sock *s)
{
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(s->q);
	free(s->left);
	s->q = NULL;
	s->left = NULL;
	pthread_mutex_lock(&pl_free_lock);
	s->lnext = pl_free_socks;
	pl_free_socks = s;
	pthread_mutex_unlock(&pl_free_lock);
}

/*
 * Without a lock: a reference taken only while refs is not 0, kept only
 * if @fd still names the socket afterwards (it may have been closed and
 * the struct reused meanwhile).
 */
struct pl_sock *pl_sock_lookup(int fd)
{
	struct pl_sock *s;
	int refs;

	if (!__atomic_load_n(&pl.nsocks, __ATOMIC_RELAXED))
		return NULL;
	for (;;) {
		s = pl_fdtab_get(&pl.socks, fd);
		if (!s)
			return NULL;
		refs = __atomic_load_n(&s->refs, __ATOMIC_RELAXED);
		do {
			if (!refs)
				break;
		} while (!__atomic_compare_exchange_n(&s->refs, &refs,
						      refs + 1, true,
						      __ATOMIC_ACQUIRE,
						      __ATOMIC_RELAXED));
		if (!refs)
			continue;
		if (pl_fdtab_get(&pl.socks, fd) == s)
			return s;
		pl_sock_put(s);
	}
}

static uint32_t pl_conn_events(struct pl_sock *s)
{
	struct ixev_ctx *ctx = s->conn ? &s->conn->ctx : NULL;
	uint32_t ev = 0;
	const void *p;
	ssize_t n;

	if (s->left_off < s->left_len)
		ev |= EPOLLIN | EPOLLRDNORM;
	if (s->connecting)
		return ev | (s->err ? EPOLLERR : 0);
	if (!ctx || s->dead) {
		/* Linux's: EPOLLHUP once both directions are shut. */
		if (s->connected || s->err)
			ev |= EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM |
			      EPOLLRDHUP | EPOLLHUP;
		else
			ev |= EPOLLOUT | EPOLLHUP;
	} else {
		n = ixev_recv_zc(ctx, &p, 1);
		if (n >= 0)
			ev |= EPOLLIN | EPOLLRDNORM;
		if (ixev_ctx_eof(ctx))
			ev |= EPOLLRDHUP;
		if (s->shut_wr || ixev_send_space(ctx) > 0)
			ev |= EPOLLOUT | EPOLLWRNORM;
		if (s->shut_wr && ixev_ctx_eof(ctx))
			ev |= EPOLLHUP;
	}
	if (s->shut_rd)
		ev |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (s->err)
		ev |= EPOLLERR;
	return ev;
}

void pl_sock_update(struct pl_sock *s, bool in, bool out)
{
	uint32_t ev = 0;

	switch (s->kind) {
	case PL_BOUND:
		ev = EPOLLOUT | EPOLLHUP;
		break;
	case PL_LISTEN:
		pthread_mutex_lock(&s->qlock);
		if (s->q_head != s->q_tail)
			ev = EPOLLIN | EPOLLRDNORM;
		pthread_mutex_unlock(&s->qlock);
		break;
	case PL_CONN:
		ev = pl_conn_events(s);
		break;
	}
	__atomic_store_n(&s->events, ev, __ATOMIC_RELEASE);
	if (in)
		__atomic_fetch_add(&s->in_seq, 1, __ATOMIC_RELEASE);
	if (out)
		__atomic_fetch_add(&s->out_seq, 1, __ATOMIC_RELEASE);
	if (in || out)
		pl_notify(s);
}

struct pl_sock *pl_listener_find(uint16_t port)
{
	struct pl_sock *s;

	for (s = pl.listeners; s; s = s->lnext)
		if (s->lport == port)
			return s;
	return NULL;
}

/* ---- what ixev tells ---------------------------------------------------- */

/* The connection died: what was received and not read is kept. */
static void pl_conn_save(struct pl_sock *s, struct ixev_ctx *ctx)
{
	const void *p;
	ssize_t n;
	char *b;

	for (;;) {
		n = ixev_recv_zc(ctx, &p, SIZE_MAX);
		if (n <= 0)
			break;
		if (!s->closed) {
			b = realloc(s->left, s->left_len + (size_t)n);
			if (!b)
				break;
			memcpy(b + s->left_len, p, (size_t)n);
			s->left = b;
			s->left_len += (size_t)n;
		}
		ixev_recv_done(ctx, (size_t)n);
	}
	if (n == 0)
		s->eof = true;
}

static void pl_on_event(struct ixev_ctx *ctx, unsigned int reason)
{
	struct pl_conn *conn = ctx->user_data;
	struct pl_sock *s = conn->s;
	char scratch[4096];

	if (reason & IXEVHUP) {
		pl_conn_save(s, ctx);
		s->dead = true;
		if (ctx->status < 0 && !s->shut_rd)
			s->err = -ctx->status;
		pl_sock_update(s, true, true);
		return;
	}
	/* Closed by the application: what still comes is dropped. */
	if (s->closed && (reason & IXEVIN))
		while (ixev_recv(ctx, scratch, sizeof(scratch)) > 0)
			;
	pl_sock_update(s, reason & IXEVIN, reason & IXEVOUT);
}

static struct ixev_ctx *pl_on_knock(struct ixev_thread *t,
				    const struct ixev_peer *peer)
{
	struct pl_core *c = ixev_thread_user(t);
	struct pl_sock *l, *s = NULL;
	struct pl_conn *conn;

	pthread_mutex_lock(&pl.lsn_lock);
	l = pl_listener_find(peer->local_port);
	if (!l)
		goto out;
	pthread_mutex_lock(&l->qlock);
	if (l->q_tail - l->q_head >= l->backlog)
		goto unlock;
	s = pl_sock_new(PL_CONN);
	conn = calloc(1, sizeof(*conn));
	if (!s || !conn) {
		free(conn);
		if (s)
			pl_sock_put(s);
		s = NULL;
		goto unlock;
	}
	s->core = c;
	s->conn = conn;
	s->connected = true;
	s->laddr = pl.cfg.addr;
	s->lport = peer->local_port;
	s->raddr = peer->ip;
	s->rport = peer->port;
	s->opt_nodelay = l->opt_nodelay;
	/* As Linux's accept clones them from the listener. */
	s->rcvtimeo = l->rcvtimeo;
	s->sndtimeo = l->sndtimeo;
	s->opt_keepalive = l->opt_keepalive;
	s->opt_rcvbuf = l->opt_rcvbuf;
	s->opt_sndbuf = l->opt_sndbuf;
	s->opt_linger = l->opt_linger;
	pl_sock_get(s);		/* the connection's */
	conn->s = s;
	ixev_ctx_init(&conn->ctx);
	conn->ctx.user_data = conn;
	ixev_set_handler(&conn->ctx, IXEVIN | IXEVOUT, pl_on_event);
	l->q[l->q_tail++ % l->q_cap] = s;
unlock:
	pthread_mutex_unlock(&l->qlock);
	if (s)
		pl_sock_update(l, true, false);
out:
	pthread_mutex_unlock(&pl.lsn_lock);
	if (!s && pl.cfg.debug)
		pl_log("port %u: connection refused (%s)", peer->local_port,
		       l ? "backlog full" : "no listener");
	return s ? &s->conn->ctx : NULL;
}

static void pl_on_release(struct ixev_ctx *ctx)
{
	struct pl_conn *conn = ctx->user_data;
	struct pl_sock *s = conn->s;

	if (s->conn == conn) {
		if (!s->dead) {
			s->dead = true;
			if (ctx->status < 0)
				s->err = -ctx->status;
		}
		s->conn = NULL;
		s->connecting = false;
		pl_sock_update(s, true, true);
	}
	free(conn);
	pl_sock_put(s);
}

static void pl_on_dialed(struct ixev_ctx *ctx, int status)
{
	struct pl_conn *conn = ctx->user_data;
	struct pl_sock *s = conn->s;

	s->connecting = false;
	if (status) {
		s->err = -status;
		s->dead = true;
	} else {
		s->connected = true;
	}
	pl_sock_update(s, true, true);
}

static void pl_on_error(struct ixev_thread *t, struct ixev_ctx *ctx,
			unsigned int opcode, int status)
{
	struct pl_core *c = ixev_thread_user(t);

	if (opcode == IXDP_OP_LISTEN) {
		c->listen_err = status;
		pl_log("cpu %u: listen refused: %s", c->cpu,
		       strerror(-status));
		return;
	}
	if (pl.cfg.debug)
		pl_log("cpu %u: command %u failed: %s", c->cpu, opcode,
		       strerror(-status));
}

const struct ixev_conn_ops pl_ops = {
	.accept = pl_on_knock,
	.release = pl_on_release,
	.dialed = pl_on_dialed,
	.error = pl_on_error,
};

/* An outgoing connection of @s on core @c (its lock held). */
int pl_conn_start(struct pl_sock *s, struct pl_core *c)
{
	struct pl_conn *conn = calloc(1, sizeof(*conn));
	int ret;

	if (!conn)
		return -ENOMEM;
	conn->s = s;
	ixev_ctx_init(&conn->ctx);
	conn->ctx.user_data = conn;
	ixev_set_handler(&conn->ctx, IXEVIN | IXEVOUT, pl_on_event);
	ret = ixev_connect(c->t, &conn->ctx, s->raddr, s->rport);
	if (ret) {
		free(conn);
		return ret;
	}
	pl_sock_get(s);
	s->kind = PL_CONN;
	s->core = c;
	s->conn = conn;
	s->connecting = true;
	return 0;
}
