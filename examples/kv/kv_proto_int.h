/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kv_proto.c (the text commands) and kv_meta.c (the meta commands)
 * share: a command line split in words, reply building, and numbers read
 * as memcached's safe_strto* read them.
 */
#ifndef KV_PROTO_INT_H
#define KV_PROTO_INT_H

#include "kv_proto.h"

/* The version the protocol is memcached's. */
#define KV_VERSION	"1.6.18"

#define MAX_WORDS	24

struct words {
	char *w[MAX_WORDS];
	size_t len[MAX_WORDS];
	unsigned int n;
	bool more;			/* more words than MAX_WORDS, */
	const char *rest;		/* ... from here on, not split */
};

int put(struct kv_buf *b, const void *p, size_t n);
int puts_(struct kv_buf *b, const char *s);
int putf(struct kv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * memcached's safe_strtoull, safe_strtoul and safe_strtol on a 64-bit
 * host: strtoull/strtoul/strtol, a space or the end after the digits, no
 * "-" on what is negative as a signed number; the 32-bit ones keep the
 * low 32 bits of a larger number, as memcached's assignments do.
 */
bool parse_ull(const char *s, uint64_t *out);
bool parse_ul(const char *s, uint32_t *out);
bool parse_l(const char *s, int32_t *out);

/*
 * A data block of c->vlen bytes (+ "\r\n") follows, and @extra bytes
 * are kept after it (kv_meta.c's reply template): reserve them in the
 * store's budget for values in flight and allocate. false if refused:
 * the block will be swallowed, and the caller replies out of memory.
 */
bool kv_start_data(struct kv_conn *c, size_t extra);


/* A store refused for its size or for memory (stats store_*). */
void kv_count_store_error(struct kv_conn *c, enum kv_result r);

/* The stats command and its subcommands (kv_stats.c). */
int kv_stats_command(struct kv_conn *c, struct words *w, struct kv_buf *out);

/* stats detail: what a text command did with a key of some prefix. */
enum kv_prefix_op { KV_PREFIX_GET, KV_PREFIX_HIT, KV_PREFIX_SET, KV_PREFIX_DEL };
void kv_stats_prefix(struct kv_conn *c, const char *key, size_t nkey,
		     enum kv_prefix_op op);

/* The meta commands: mg, ms, md, ma, mn, me (w->w[0] is "m?"). */
int kv_meta_command(struct kv_conn *c, struct words *w, struct kv_buf *out);
/* ms's data block is in c->data: store it and reply. */
int kv_meta_data_done(struct kv_conn *c, struct kv_buf *out);

#endif /* KV_PROTO_INT_H */
