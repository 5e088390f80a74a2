/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key space of the key-value server: one table for every thread of
 * the process, with memcached 1.6's item semantics (flags, expiry
 * relative or absolute, CAS uniques from one counter, a memory limit
 * with LRU eviction). kv_store.c implements it; the protocol
 * (kv_proto.c) is its only user.
 *
 * Consistency: every operation is atomic and linearizable (one lock per
 * stripe of the table, the LRU and the memory account under one more),
 * which is at least what memcached gives.
 */
#ifndef KV_STORE_H
#define KV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KV_KEY_MAX		250
/* Relative expiry times up to 30 days; beyond, a Unix time. */
#define KV_REL_TIME_MAX		(60 * 60 * 24 * 30)

struct kv_store;

/* The time, in seconds (Unix time); tests give their own. */
typedef int64_t (*kv_clock_fn)(void);

struct kv_store *kv_store_create(size_t mem_limit, size_t item_max,
				 kv_clock_fn clock);
void kv_store_destroy(struct kv_store *s);
/* Whether an item of these sizes may be stored at all (-I). */
bool kv_store_fits(const struct kv_store *s, size_t nkey, size_t nval);

/* What the item stores: the value and its attributes. */
struct kv_value {
	const uint8_t *data;
	uint32_t len;
	uint32_t flags;
	uint64_t cas;
};

enum kv_mode { KV_SET, KV_ADD, KV_REPLACE, KV_APPEND, KV_PREPEND, KV_CAS };

enum kv_result {
	KV_STORED,
	KV_NOT_STORED,
	KV_EXISTS,
	KV_NOT_FOUND,
	KV_TOO_LARGE,
	KV_NO_MEMORY,
	KV_NON_NUMERIC,
	KV_DELETED,
	KV_TOUCHED,
};

/*
 * Store @len bytes at @data under @key. @exptime as the protocol gives it
 * (0: never; up to KV_REL_TIME_MAX: seconds from now; more: a Unix time;
 * negative: already expired). KV_CAS compares with @cas. Append and
 * prepend keep the item's flags and expiry.
 */
enum kv_result kv_store_put(struct kv_store *s, enum kv_mode mode,
			    const char *key, size_t nkey, uint32_t flags,
			    int64_t exptime, const uint8_t *data,
			    uint32_t len, uint64_t cas);

/*
 * Call @fn with the live item of @key, under the store's lock (copy what
 * is needed); false if there is none. With @touch, its expiry becomes
 * @exptime first.
 */
bool kv_store_get(struct kv_store *s, const char *key, size_t nkey,
		  bool touch, int64_t exptime,
		  void (*fn)(void *arg, const struct kv_value *v), void *arg);

enum kv_result kv_store_delete(struct kv_store *s, const char *key,
			       size_t nkey);
enum kv_result kv_store_touch(struct kv_store *s, const char *key,
			      size_t nkey, int64_t exptime);
/*
 * incr (@incr) or decr by @delta: a value of up to 20 decimal digits,
 * wrapping at 2^64 up, stopping at 0 down. The new value in *@out.
 */
enum kv_result kv_store_delta(struct kv_store *s, const char *key,
			      size_t nkey, bool incr, uint64_t delta,
			      uint64_t *out);
/* Everything stored before now (+ @delay seconds) is gone from then on. */
void kv_store_flush(struct kv_store *s, int64_t delay);

struct kv_store_stats {
	uint64_t curr_items, total_items, bytes, evictions, expired;
	uint64_t limit_maxbytes;
	uint64_t get_hits, get_misses, get_expired, get_flushed;
	uint64_t cmd_touch, touch_hits, touch_misses;
	uint64_t delete_hits, delete_misses;
	uint64_t incr_hits, incr_misses, decr_hits, decr_misses;
	uint64_t cas_hits, cas_misses, cas_badval;
	uint64_t cmd_set, cmd_flush;
};

void kv_store_stats(struct kv_store *s, struct kv_store_stats *out);

#endif /* KV_STORE_H */
