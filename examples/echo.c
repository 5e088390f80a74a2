// SPDX-License-Identifier: GPL-2.0
/*
 * echo_ixdp: a TCP echo server on ixev. One thread per dataplane core,
 * each with its own ixdp context listening on the port. Bytes are read in
 * place from the RX arena, copied into the TX arena and sent by reference;
 * when the peer closes, what is left is echoed and the connection closed.
 *
 *   echo_ixdp [-p PORT] [-c CPU[,CPU...]] [-r RX_ARENA_MB] [-t TX_ARENA_MB]
 *             [-n MAX_SECONDS] [-s SPIN_US] [-m ring|inline|auto] [-D N]
 *             [-I] [-P] [-q]
 *
 * Each thread runs on its core's CPU and, unless told otherwise, runs the
 * core's loop itself (inline mode, libixdp's IXDP_MODE_AUTO).
 *
 * With -D N, accept on one thread and serve on others: each core gets a
 * listening thread that serves nothing and N threads with contexts of
 * their own on the same core, and the listener hands each knock to the
 * next of them in turn (ixev_set_dispatch()); they run on the rings
 * unless -m says otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ixdp/ixev.h>

#define MAX_THREADS	64

struct conn {
	struct ixev_ctx ctx;
};

struct worker {
	pthread_t tid;
	unsigned int cpu;
	struct ixev_thread *t;
	/* -D: a listener's servers, or this is one of them (@server). */
	struct worker *servers;
	unsigned int nservers, next;
	bool server;
	struct ixev_thread *shared;	/* @t, once listeners may use it */
	struct worker *listener;	/* a server's */
	bool stopped;			/* a listener's thread is done */
	uint64_t conns, bytes, errors, resets;
	uint64_t moved_out, moved_in;	/* with their flow groups */
	int mode;			/* the ring's, at the end */
	int err;
};

static volatile sig_atomic_t stop;
static uint16_t port = 7;
static struct ixev_params params;
static unsigned int max_seconds;
static int quiet;
static int mode = -1;			/* -m: IXDP_MODE_*, -1: IXDP_MODE */
static uint32_t backlog;		/* -B, 0: the module's default */
static unsigned int dispatch_n;		/* -D: serving threads per core */

static void on_signal(int sig)
{
	stop = 1;
}

static struct worker *worker_of(struct ixev_ctx *ctx)
{
	return ixev_thread_user(ctx->t);
}

/* Echo what can be sent; on end of stream, close once all is queued. */
static void echo(struct ixev_ctx *ctx, unsigned int reason)
{
	struct worker *w = worker_of(ctx);
	const void *p;
	ssize_t n, k;

	if (reason & IXEVHUP) {
		if (ctx->status < 0)
			w->resets++;
		return;
	}
	for (;;) {
		n = ixev_recv_zc(ctx, &p, SIZE_MAX);
		if (n == 0) {
			ixev_close(ctx);
			return;
		}
		if (n < 0)
			return;		/* -EAGAIN: more will come */
		k = ixev_send(ctx, p, n);
		if (k < 0) {
			if (k != -EAGAIN) {
				w->errors++;
				ixev_abort(ctx);
			}
			return;		/* -EAGAIN: IXEVOUT resumes */
		}
		ixev_recv_done(ctx, k);
		w->bytes += k;
	}
}

static struct ixev_ctx *on_accept(struct ixev_thread *t,
				  const struct ixev_peer *peer)
{
	struct worker *w = ixev_thread_user(t);
	struct conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	ixev_ctx_init(&c->ctx);
	ixev_set_handler(&c->ctx, IXEVIN | IXEVOUT, echo);
	w->conns++;
	return &c->ctx;
}

static void on_release(struct ixev_ctx *ctx)
{
	free((struct conn *)ctx);
}

static void on_error(struct ixev_thread *t, struct ixev_ctx *ctx,
		     unsigned int opcode, int status)
{
	struct worker *w = ixev_thread_user(t);

	w->errors++;
	if (opcode == IXDP_OP_LISTEN) {
		/* Nothing to serve without the port: say why and stop. */
		fprintf(stderr, "echo_ixdp: cpu %u: cannot listen on port %u: %s%s\n",
			w->cpu, port, strerror(-status),
			status == -EACCES ?
			" (this user has no grant for the port; the administrator gives one with \"ixctl grant add ports PORT user USER\")" :
			"");
		w->err = status;
		return;
	}
	if (!quiet)
		fprintf(stderr, "echo_ixdp: cpu %u: command %u: %s\n", w->cpu,
			opcode, strerror(-status));
}

/* -D: the listener's knocks go to its servers in turn. */
static struct ixev_thread *dispatch(struct ixev_thread *t,
				    const struct ixev_peer *peer)
{
	struct worker *w = ixev_thread_user(t);
	struct worker *s = &w->servers[w->next++ % w->nservers];

	/* A server not attached (yet, or at all): this thread serves it. */
	return __atomic_load_n(&s->shared, __ATOMIC_ACQUIRE);
}

static const struct ixev_conn_ops ops = {
	.accept = on_accept,
	.release = on_release,
	.error = on_error,
};

/* What an unprivileged user can do about a refused attach. */
static const char *attach_hint(int err)
{
	switch (err) {
	case -EACCES:
		return " (/dev/ixdp is for the members of its group)";
	case -ENOBUFS:
		return " (RLIMIT_MEMLOCK is below the rings and arenas: raise it with LimitMEMLOCK= or ulimit -l, or ask for smaller arenas with -r and -t)";
	case -EDQUOT:
		return " (this user holds all the contexts it may: ixdp.max_contexts, or 16 on one core)";
	}
	return "";
}

static int pin = 1;

static void run_worker(struct worker *w)
{
	time_t end = max_seconds ? time(NULL) + max_seconds : 0;
	cpu_set_t set;
	int ret;

	/*
	 * As in IX, the application thread runs on its dataplane core's CPU:
	 * handing events and commands across is then a local wakeup.
	 */
	if (pin) {
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	ret = ixev_thread_create(&w->t, w->cpu, &params, &ops, w);
	if (ret) {
		fprintf(stderr, "echo_ixdp: cpu %u: attach: %s%s\n", w->cpu,
			strerror(-ret), attach_hint(ret));
		w->err = ret;
		return;
	}
	if (mode >= 0) {
		ret = ixdp_ring_set_mode(ixev_thread_ring(w->t), mode);
		if (ret) {
			fprintf(stderr, "echo_ixdp: cpu %u: mode: %s\n", w->cpu,
				strerror(-ret));
			w->err = ret;
			ixev_thread_destroy(w->t);
			return;
		}
	}
	/* -D: from now on its listener may hand it knocks. */
	if (w->server)
		__atomic_store_n(&w->shared, w->t, __ATOMIC_RELEASE);
	if (w->servers)
		ret = ixev_set_dispatch(w->t, dispatch);
	if (!ret && !w->server)
		ret = ixev_listen_backlog(w->t, port, backlog);
	/* -D: a server stops with its listener, whatever stopped it. */
	while (!ret && !stop && !w->err && (!end || time(NULL) < end) &&
	       !(w->server &&
		 __atomic_load_n(&w->listener->stopped, __ATOMIC_ACQUIRE))) {
		ret = ixev_wait(w->t, 100);
		if (ret == -EINTR || ret > 0)
			ret = 0;
	}
	if (ret) {
		fprintf(stderr, "echo_ixdp: cpu %u: %s\n", w->cpu,
			strerror(-ret));
		w->err = ret;
	}
	w->mode = ixdp_ring_mode(ixev_thread_ring(w->t));
	w->moved_out = ixev_thread_stats(w->t)->moved_out;
	w->moved_in = ixev_thread_stats(w->t)->moved_in;
	/* -D: the listener reads a server's thread until it stops. */
	if (w->server) {
		__atomic_store_n(&w->shared, NULL, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&w->listener->stopped, __ATOMIC_ACQUIRE))
			usleep(1000);
	}
	/* Resets what is still open and releases (frees) it. */
	ixev_thread_destroy(w->t);
}

static void *run(void *arg)
{
	struct worker *w = arg;

	run_worker(w);
	__atomic_store_n(&w->stopped, true, __ATOMIC_RELEASE);
	return NULL;
}

static int parse_cpus(const char *s, struct worker *w, unsigned int *n)
{
	char *end;
	unsigned long v;

	*n = 0;
	for (;;) {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || end == s || v > 4095 || *n == MAX_THREADS)
			return -1;
		w[(*n)++].cpu = (unsigned int)v;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

static int parse_mb(const char *s, uint32_t *bytes)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || !v || v > (IXDP_ARENA_MAX >> 20))
		return -1;
	*bytes = (uint32_t)(v << 20);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: echo_ixdp [-p PORT] [-c CPU[,CPU...]] [-r RX_ARENA_MB]\n"
		"                 [-t TX_ARENA_MB] [-n MAX_SECONDS] [-s SPIN_US]\n"
		"                 [-m ring|inline|auto] [-C CONNS] [-B BACKLOG] [-I] [-P] [-q]\n"
		"  -C: connections each thread's context may hold (default 4096)\n"
		"  -B: listen backlog (default 4096)\n"
		"  -P: do not pin each thread to its dataplane core's CPU\n"
		"  -s: busy-poll this long before sleeping (ring: the event ring,\n"
		"      0 by default; inline: the NIC, the module's poll_us)\n"
		"  -m: how threads wait: in poll() while the core's kthread runs\n"
		"      the loop (ring), running the loop themselves (inline), or\n"
		"      inline when possible (auto; the default, or $IXDP_MODE)\n"
		"  -I: -m inline\n"
		"  -D: accept on one thread per core and serve on N others of\n"
		"      the same core (on the rings unless -m is given)\n");
	exit(2);
}

/*
 * -D: after the @n listeners, dispatch_n servers on each one's CPU. Each
 * has a context of its own on that core; several threads share the CPU,
 * so they wait on the rings unless -m asked otherwise.
 */
static unsigned int add_servers(struct worker *workers, unsigned int n)
{
	unsigned int i, j, total = n * (1 + dispatch_n);

	if (total > MAX_THREADS)
		usage();
	for (i = 0; i < n; i++) {
		workers[i].servers = &workers[n + i * dispatch_n];
		workers[i].nservers = dispatch_n;
		for (j = 0; j < dispatch_n; j++) {
			workers[i].servers[j].cpu = workers[i].cpu;
			workers[i].servers[j].server = true;
			workers[i].servers[j].listener = &workers[i];
		}
	}
	if (mode < 0)
		mode = IXDP_MODE_RING;
	return total;
}

/* Parse the command line into the globals and @workers; exits on error. */
static unsigned int parse_args(int argc, char **argv, struct worker *workers)
{
	unsigned int n = 1;
	char *end;
	long v;
	int opt;

	while ((opt = getopt(argc, argv, "p:c:r:t:n:s:m:C:B:D:IPq")) != -1) {
		switch (opt) {
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 65535)
				usage();
			port = (uint16_t)v;
			break;
		case 'c':
			if (parse_cpus(optarg, workers, &n))
				usage();
			break;
		case 'r':
			if (parse_mb(optarg, &params.ring.rx_arena))
				usage();
			break;
		case 't':
			if (parse_mb(optarg, &params.ring.tx_arena))
				usage();
			break;
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0)
				usage();
			max_seconds = (unsigned int)v;
			break;
		case 'B':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > IXDP_BACKLOG_MAX)
				usage();
			backlog = (uint32_t)v;
			break;
		case 'D':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > MAX_THREADS - 1)
				usage();
			dispatch_n = (unsigned int)v;
			break;
		case 'C':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > IXDP_CONNS_MAX)
				usage();
			/* libixdp reads it at each attach. */
			setenv("IXDP_MAX_CONNS", optarg, 1);
			break;
		case 's':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 1000000)
				usage();
			params.ring.spin_us = (uint32_t)v;
			break;
		case 'm':
			if (!strcmp(optarg, "ring"))
				mode = IXDP_MODE_RING;
			else if (!strcmp(optarg, "inline"))
				mode = IXDP_MODE_INLINE;
			else if (!strcmp(optarg, "auto"))
				mode = IXDP_MODE_AUTO;
			else
				usage();
			break;
		case 'I':
			mode = IXDP_MODE_INLINE;
			break;
		case 'P':
			pin = 0;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	return dispatch_n ? add_servers(workers, n) : n;
}

/* One line per worker; 1 if any failed. */
static int report(const struct worker *workers, unsigned int n)
{
	unsigned int i;
	int failed = 0;

	for (i = 0; i < n; i++) {
		const struct worker *w = &workers[i];

		printf("echo_ixdp: cpu %u (%s%s): connections %llu bytes %llu "
		       "errors %llu resets %llu moved out %llu in %llu%s\n",
		       w->cpu,
		       w->mode == IXDP_MODE_INLINE ? "inline" : "ring",
		       w->servers ? ", listener" : w->server ? ", server" : "",
		       (unsigned long long)w->conns,
		       (unsigned long long)w->bytes,
		       (unsigned long long)w->errors,
		       (unsigned long long)w->resets,
		       (unsigned long long)w->moved_out,
		       (unsigned long long)w->moved_in,
		       w->err ? " (failed)" : "");
		if (w->err)
			failed = 1;
	}
	return failed;
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int n, i;
	int failed = 0;

	n = parse_args(argc, argv, workers);

	/* No SA_RESTART: a signal ends the poll() of ixev_wait(). */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (i = 0; i < n; i++) {
		if (pthread_create(&workers[i].tid, NULL, run, &workers[i])) {
			fprintf(stderr, "echo_ixdp: pthread_create failed\n");
			stop = 1;
			n = i;
			failed = 1;
			break;
		}
	}
	if (!quiet && n)
		printf("echo_ixdp: port %u, %u thread(s)\n", port, n);
	fflush(stdout);
	for (i = 0; i < n; i++)
		pthread_join(workers[i].tid, NULL);
	return report(workers, n) || failed;
}
