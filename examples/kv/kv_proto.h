/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcached's text protocol, one connection at a time (kv_proto.c): bytes
 * in, replies out, as memcached 1.6 writes them. Nothing here does I/O:
 * the server (kv_server.c) feeds what it receives and sends what comes
 * out, and a test can do the same with strings.
 */
#ifndef KV_PROTO_H
#define KV_PROTO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv_store.h"

/*
 * Command lines: one that has not ended after KV_LINE_SHORT bytes closes
 * the connection without a word, as memcached does, unless it is a get or
 * gets, which may run to KV_GET_LINE_MAX (what goes past KV_LINE_MAX is
 * held on the store's budget for data in flight); past that, or past
 * KV_LINE_MAX for a line that came whole, "CLIENT_ERROR line too long".
 */
#define KV_LINE_SHORT		2048
#define KV_LINE_MAX		8192
#define KV_GET_LINE_MAX		(1 << 20)

struct kv_buf {
	uint8_t *p;
	size_t len, cap;
};

/*
 * Counters of one server thread, summed over threads by the stats command
 * (kv_stats.c). Only their thread writes them (kv_count(): a relaxed
 * atomic store, no locked instruction), so whichever thread answers
 * "stats" may read them at any time.
 */
struct kv_counts {
	uint64_t bytes_read, bytes_written;
	uint64_t cmd_meta;		/* me, as memcached 1.6 counts it */
	uint64_t store_too_large, store_no_memory;
	uint64_t total_conns;		/* accepted */
	uint64_t rejected_conns;	/* refused by ixev (ixev_stats.rejected) */
};

/* What the thread holds now: "stats reset" leaves these alone. */
struct kv_gauges {
	uint64_t curr_conns;
	uint64_t max_conns;		/* granted to the thread's context */
	uint64_t read_buf_count;	/* cut lines and values being read */
	uint64_t read_buf_bytes;
};

struct kv_counters {
	struct kv_counts n;
	struct kv_gauges g;
};

static inline void kv_count(uint64_t *p, uint64_t n)
{
	__atomic_store_n(p, *p + n, __ATOMIC_RELAXED);
}

struct kv_prefixes;

/*
 * The server, as the stats command shows it: set up by the server
 * (kv_server_info_init), shared by all its connections.
 */
struct kv_server_info {
	int64_t started;		/* Unix time */
	uint32_t threads;
	uint16_t port;			/* stats settings */
	uint32_t backlog;
	struct kv_counters *ctr;	/* [threads] */
	/* Changed by commands, read with relaxed atomics. */
	uint32_t verbosity;		/* verbosity N, at most 2 */
	bool detail;			/* stats detail on */
	/*
	 * Under lock: the counts at the last "stats reset", and the keys'
	 * prefixes that "stats detail" counts (kv_stats.c, allocated when
	 * first needed).
	 */
	pthread_mutex_t lock;
	struct kv_counts base;
	struct kv_prefixes *prefixes;
};

/* @ctr: @threads counters, zeroed here. */
void kv_server_info_init(struct kv_server_info *info, int64_t started,
			uint32_t threads, struct kv_counters *ctr);
void kv_server_info_fini(struct kv_server_info *info);

struct kv_conn {
	struct kv_store *store;
	struct kv_server_info *info;
	struct kv_counters *ctr;	/* this connection's thread's */
	kv_clock_fn clock;
	/*
	 * A command line cut by the end of what was received: its start,
	 * allocated only then and grown as it grows (an idle connection
	 * holds no buffer, one that sent half a command a small one).
	 */
	char *line;
	size_t nline, line_cap;
	size_t line_held;		/* of line_cap, from the store's budget */
	/* A storage command waiting for its data block. */
	bool in_data;
	bool noreply;
	bool meta;			/* ms: kv_meta.c replies */
	bool binary;			/* ms b: the key came in base64 */
	bool stale_ok;			/* ms I */
	enum kv_mode mode;
	char key[KV_KEY_MAX + 1];
	size_t nkey;
	uint32_t flags;
	int64_t exptime;
	uint64_t cas;
	uint8_t *data;			/* vlen + 2 bytes, then ms's template */
	size_t vlen, got;
	size_t reserved;		/* of the store's budget, for data */
	size_t nmret;			/* ms's reply template after data */
	/* Bytes of a refused data block still to drop. */
	size_t swallow;
	bool closed;			/* quit, or a line too long */
	/* Without a server (tests): a server of one thread of its own. */
	struct kv_server_info solo;
	struct kv_counters solo_ctr;
};

/*
 * @info and @ctr (its counters of the calling thread) may both be NULL:
 * the connection is then a server of its own for the stats command.
 */
void kv_conn_init(struct kv_conn *c, struct kv_store *store,
		 struct kv_server_info *info, struct kv_counters *ctr,
		 kv_clock_fn clock);
void kv_conn_fini(struct kv_conn *c);

/*
 * Take @len received bytes, all of them, appending the replies to @out.
 * Returns 0, or -ENOMEM when a reply could not be stored. After
 * c->closed, the server sends what is in @out and closes.
 */
int kv_conn_feed(struct kv_conn *c, const uint8_t *in, size_t len,
		 struct kv_buf *out);

void kv_buf_free(struct kv_buf *b);

#endif /* KV_PROTO_H */
