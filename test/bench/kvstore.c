// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore: the key-value server's table alone (examples/kv/kv_store.c),
 * without the network: THREADS threads run GETs and SETs (a tenth) on
 * uniformly chosen keys of 20 bytes with 32-byte values, for SECONDS
 * each round, on a store of one shard (a single lock, as a table with
 * one mutex) and on the store as the server makes it (-m 1024: 64
 * shards), interleaved, three rounds each. Prints the medians, their
 * spread and the ratio. Not a test (make bench-kvstore).
 *
 *   kvstore [THREADS [SECONDS [KEYS]]]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../examples/kv/kv_store.h"

#define ROUNDS	3

struct worker {
	pthread_t tid;
	struct kv_store *s;
	unsigned int keys;
	uint64_t seed, ops;
	volatile int *stop;
};

static int64_t now_s(void)
{
	return time(NULL);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void sink(void *arg, const struct kv_value *v)
{
	*(uint32_t *)arg += v->len;
}

static void *run(void *arg)
{
	static const uint8_t val[32] = "0123456789abcdef0123456789abcdef";
	struct worker *w = arg;
	uint32_t got = 0;
	char key[24];
	uint64_t r;

	while (!*w->stop) {
		r = rnd(&w->seed);
		snprintf(key, sizeof(key), "key:%015u",
			 (unsigned int)(r % w->keys));
		if ((r >> 40) % 10 == 0)
			kv_store_put(w->s, KV_SET, key, 19, 0, 0, val,
				     sizeof(val), 0);
		else
			kv_store_get(w->s, key, 19, false, 0, sink, &got);
		w->ops++;
	}
	return NULL;
}

/* One round: ops per second of @threads on @s. */
static double round_rate(struct kv_store *s, unsigned int threads,
			 unsigned int secs, unsigned int keys)
{
	static const uint8_t val[32];
	struct worker w[64];
	struct timespec a, b;
	volatile int stop = 0;
	char key[24];
	uint64_t ops = 0;
	unsigned int i;

	for (i = 0; i < keys; i++) {
		snprintf(key, sizeof(key), "key:%015u", i);
		kv_store_put(s, KV_SET, key, 19, 0, 0, val, sizeof(val), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < threads; i++) {
		w[i] = (struct worker){ .s = s, .keys = keys, .stop = &stop,
					.seed = 0x9e3779b97f4a7c15ULL * (i + 1) };
		pthread_create(&w[i].tid, NULL, run, &w[i]);
	}
	do {
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while (b.tv_sec - a.tv_sec < (time_t)secs);
	stop = 1;
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ops / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
}

static int cmp_double(const void *x, const void *y)
{
	double p = *(const double *)x, q = *(const double *)y;

	return p < q ? -1 : p > q;
}

int main(int argc, char **argv)
{
	unsigned int threads = argc > 1 ? atoi(argv[1]) : 2;
	unsigned int secs = argc > 2 ? atoi(argv[2]) : 3;
	unsigned int keys = argc > 3 ? atoi(argv[3]) : 100000;
	struct kv_store *one, *many;
	double r1, rn, a[ROUNDS], b[ROUNDS];
	int i;

	if (!threads || threads > 64 || !secs || !keys) {
		fprintf(stderr, "usage: kvstore [THREADS [SECONDS [KEYS]]]\n");
		return 2;
	}
	/* One shard: each share must hold four of the largest items. */
	one = kv_store_create(1024 << 20, 512 << 20, now_s);
	many = kv_store_create(1024 << 20, 1 << 20, now_s);
	if (!one || !many)
		return 1;
	/* Interleaved rounds, the median of each. */
	for (i = 0; i < ROUNDS; i++) {
		a[i] = round_rate(one, threads, secs, keys);
		b[i] = round_rate(many, threads, secs, keys);
	}
	qsort(a, ROUNDS, sizeof(a[0]), cmp_double);
	qsort(b, ROUNDS, sizeof(b[0]), cmp_double);
	r1 = a[ROUNDS / 2];
	rn = b[ROUNDS / 2];
	printf("kvstore: %u threads, %u keys, 90%% GET, medians of %d: 1 shard %.0f ops/s (%.0f-%.0f), %u shards %.0f ops/s (%.0f-%.0f), ratio %.2f\n",
	       threads, keys, ROUNDS, r1, a[0], a[ROUNDS - 1],
	       kv_store_shards(many), rn, b[0], b[ROUNDS - 1], rn / r1);
	kv_store_destroy(one);
	kv_store_destroy(many);
	return 0;
}
