/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcached's text protocol, one connection at a time (kv_proto.c): bytes
 * in, replies out, as memcached 1.6 writes them. Nothing here does I/O:
 * the server (kv_server.c) feeds what it receives and sends what comes
 * out, and a test can do the same with strings.
 */
#ifndef KV_PROTO_H
#define KV_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv_store.h"

/* A command line longer than this without its end closes the connection. */
#define KV_LINE_MAX		8192

struct kv_buf {
	uint8_t *p;
	size_t len, cap;
};

/* What the server tells the protocol about itself (the stats command). */
struct kv_server_info {
	int64_t started;		/* Unix time */
	uint32_t threads;
	uint64_t curr_conns, total_conns;
};

struct kv_conn {
	struct kv_store *store;
	const struct kv_server_info *info;
	kv_clock_fn clock;
	/*
	 * A command line cut by the end of what was received: its start,
	 * allocated only then and grown as it grows (an idle connection
	 * holds no buffer, one that sent half a command a small one).
	 */
	char *line;
	size_t nline, line_cap;
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
	uint64_t bytes_read, bytes_written, cmd_get;
};


void kv_conn_init(struct kv_conn *c, struct kv_store *store,
		  const struct kv_server_info *info, kv_clock_fn clock);
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
