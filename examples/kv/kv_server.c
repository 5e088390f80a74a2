// SPDX-License-Identifier: GPL-2.0
/*
 * kv_ixdp: a key-value server speaking memcached's text protocol on ixev.
 * One thread per dataplane core, each with its own context listening on
 * the port; one key space for all of them (kv_store.c). Requests are read
 * in place from the RX arena (kv_proto.c copies only what it keeps),
 * replies are copied into the TX arena.
 *
 *   kv_ixdp [-p PORT] [-c CPU[,CPU...]] [-m MEGABYTES] [-I ITEM_MAX]
 *           [-C CONNS] [-n MAX_SECONDS] [-P] [-q]
 *
 * As memcached: -m is the memory for items (64 MiB), -I the largest item
 * (1 MiB). A connection whose replies are not read stops being read once
 * KV_OUT_MAX bytes of them wait, so no client makes the server hold more.
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

#include "kv_proto.h"

#define MAX_THREADS	64
#define KV_OUT_MAX	(256u << 10)

struct sconn {
	struct ixev_ctx ctx;
	struct kv_conn proto;
	struct kv_buf out;
	size_t sent;			/* bytes of out already taken */
	bool closing;
};

struct worker {
	pthread_t tid;
	unsigned int cpu;
	struct ixev_thread *t;
	struct kv_counters *ctr;	/* what stats sums over threads */
	uint64_t conns, errors;
	int err;
};

static volatile sig_atomic_t stop;
static uint16_t port = 11211;
static size_t mem_mb = 64, item_max = 1 << 20;
static unsigned int max_seconds;
static int quiet, pin = 1;
static struct kv_store *store;
static struct kv_server_info info;
static struct kv_counters counters[MAX_THREADS];

static int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

static void on_signal(int sig)
{
	stop = 1;
}

static struct worker *worker_of(struct ixev_ctx *ctx)
{
	return ixev_thread_user(ctx->t);
}

/* Send what waits; false if the connection must wait for room. */
static bool flush_out(struct sconn *c)
{
	ssize_t k;

	while (c->sent < c->out.len) {
		k = ixev_send(&c->ctx, c->out.p + c->sent,
			      c->out.len - c->sent);
		if (k == -EAGAIN)
			return false;
		if (k < 0) {
			worker_of(&c->ctx)->errors++;
			ixev_abort(&c->ctx);
			return false;
		}
		c->sent += (size_t)k;
	}
	c->out.len = 0;
	c->sent = 0;
	return true;
}

static void serve(struct ixev_ctx *ctx, unsigned int reason)
{
	struct sconn *c = (struct sconn *)ctx;
	const void *p;
	ssize_t n;

	if (reason & IXEVHUP)
		return;
	for (;;) {
		if (!flush_out(c) && c->out.len - c->sent >= KV_OUT_MAX)
			return;		/* IXEVOUT resumes */
		if (c->proto.closed) {
			if (c->out.len == c->sent && !c->closing) {
				c->closing = true;
				ixev_close(ctx);
			}
			return;
		}
		n = ixev_recv_zc(ctx, &p, 64 << 10);
		if (n == 0) {
			/* The peer is done: answer what came, then close. */
			c->proto.closed = true;
			continue;
		}
		if (n < 0)
			return;		/* -EAGAIN: more will come */
		if (kv_conn_feed(&c->proto, p, (size_t)n, &c->out)) {
			worker_of(ctx)->errors++;
			ixev_abort(ctx);
			return;
		}
		ixev_recv_done(ctx, (size_t)n);
	}
}

static struct ixev_ctx *on_accept(struct ixev_thread *t,
				  const struct ixev_peer *peer)
{
	struct worker *w = ixev_thread_user(t);
	struct sconn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	ixev_ctx_init(&c->ctx);
	ixev_set_handler(&c->ctx, IXEVIN | IXEVOUT, serve);
	kv_conn_init(&c->proto, store, &info, w->ctr, wall_now);
	w->conns++;
	kv_count(&w->ctr->g.curr_conns, 1);
	kv_count(&w->ctr->n.total_conns, 1);
	return &c->ctx;
}

static void on_release(struct ixev_ctx *ctx)
{
	struct sconn *c = (struct sconn *)ctx;

	kv_count(&worker_of(ctx)->ctr->g.curr_conns, -1);
	kv_conn_fini(&c->proto);
	kv_buf_free(&c->out);
	free(c);
}

/*
 * The connection moved with its flow group to the thread of another core:
 * it counts there from now on (only a thread writes its counters). Its
 * curr_conns stays counted where it was accepted and leaves where it is
 * released: the sum over threads, which stats shows, is right.
 */
static void on_moved(struct ixev_ctx *ctx, struct ixev_thread *from,
		     struct ixev_thread *to)
{
	struct sconn *c = (struct sconn *)ctx;
	struct worker *wt = ixev_thread_user(to);

	/* @from is NULL once its thread is gone: count here all the same. */
	if (!from || c->proto.ctr == ((struct worker *)ixev_thread_user(from))->ctr)
		c->proto.ctr = wt->ctr;
}

static void on_error(struct ixev_thread *t, struct ixev_ctx *ctx,
		     unsigned int opcode, int status)
{
	struct worker *w = ixev_thread_user(t);

	w->errors++;
	if (opcode == IXDP_OP_LISTEN) {
		fprintf(stderr, "kv_ixdp: cpu %u: cannot listen on port %u: %s%s\n",
			w->cpu, port, strerror(-status),
			status == -EACCES ?
			" (this user has no grant for the port: ixctl grant add ports PORT user USER)" :
			"");
		w->err = status;
		return;
	}
	if (!quiet)
		fprintf(stderr, "kv_ixdp: cpu %u: command %u: %s\n", w->cpu,
			opcode, strerror(-status));
}

static const struct ixev_conn_ops ops = {
	.accept = on_accept,
	.release = on_release,
	.error = on_error,
};

static void *run(void *arg)
{
	struct worker *w = arg;
	time_t end = max_seconds ? time(NULL) + max_seconds : 0;
	cpu_set_t set;
	int ret;

	if (pin) {
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	ret = ixev_thread_create(&w->t, w->cpu, NULL, &ops, w);
	if (ret) {
		fprintf(stderr, "kv_ixdp: cpu %u: attach: %s\n", w->cpu,
			strerror(-ret));
		w->err = ret;
		return NULL;
	}
	kv_count(&w->ctr->g.max_conns, ixev_thread_ring(w->t)->max_conns);
	ret = ixev_set_moved(w->t, on_moved) ?: ixev_listen(w->t, port);
	while (!ret && !stop && !w->err && (!end || time(NULL) < end)) {
		ret = ixev_wait(w->t, 100);
		if (ret == -EINTR || ret > 0)
			ret = 0;
		/* What ixev refused, where stats can read it. */
		__atomic_store_n(&w->ctr->n.rejected_conns,
				 ixev_thread_stats(w->t)->rejected,
				 __ATOMIC_RELAXED);
	}
	if (ret) {
		fprintf(stderr, "kv_ixdp: cpu %u: %s\n", w->cpu, strerror(-ret));
		w->err = ret;
	}
	ixev_thread_destroy(w->t);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kv_ixdp [-p PORT] [-c CPU[,CPU...]] [-m MEGABYTES] [-I ITEM_MAX]\n"
		"               [-C CONNS] [-n MAX_SECONDS] [-P] [-q]\n");
	exit(2);
}

static unsigned long number(const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct worker w[MAX_THREADS];
	unsigned int n = 1, i, failed = 0;
	const char *cpus = "0";
	char *s, *tok, *save;
	int opt;

	memset(w, 0, sizeof(w));
	while ((opt = getopt(argc, argv, "p:c:m:I:C:n:Pq")) != -1) {
		switch (opt) {
		case 'p':
			port = (uint16_t)number(optarg, 1, 65535);
			break;
		case 'c':
			cpus = optarg;
			break;
		case 'm':
			mem_mb = number(optarg, 1, 1 << 20);
			break;
		case 'I':
			item_max = number(optarg, 1024, 128 << 20);
			break;
		case 'C':
			number(optarg, 1, IXDP_CONNS_MAX);
			setenv("IXDP_MAX_CONNS", optarg, 1);
			break;
		case 'n':
			max_seconds = (unsigned int)number(optarg, 0, 1 << 30);
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
	s = strdup(cpus);
	n = 0;
	for (tok = strtok_r(s, ",", &save); tok && n < MAX_THREADS;
	     tok = strtok_r(NULL, ",", &save))
		w[n++].cpu = (unsigned int)number(tok, 0, 4095);
	free(s);
	if (!n)
		usage();
	store = kv_store_create(mem_mb << 20, item_max, wall_now);
	if (!store) {
		fprintf(stderr, "kv_ixdp: no memory for the store\n");
		return 1;
	}
	kv_server_info_init(&info, wall_now(), n, counters);
	info.port = port;
	info.backlog = IXDP_BACKLOG_DEFAULT;
	for (i = 0; i < n; i++)
		w[i].ctr = &counters[i];
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++)
		if (pthread_create(&w[i].tid, NULL, run, &w[i]))
			w[i].err = -errno;
	for (i = 0; i < n; i++) {
		if (!w[i].err || w[i].tid)
			pthread_join(w[i].tid, NULL);
		failed += w[i].err != 0;
		if (!quiet)
			printf("kv_ixdp: cpu %u: connections %llu errors %llu\n",
			       w[i].cpu, (unsigned long long)w[i].conns,
			       (unsigned long long)w[i].errors);
	}
	kv_server_info_fini(&info);
	kv_store_destroy(store);
	return failed ? 1 : 0;
}
