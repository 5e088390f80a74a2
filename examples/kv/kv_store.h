/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key space of the key-value server: one table for every thread of
 * the process, with memcached 1.6's item semantics (flags, expiry
 * relative or absolute, CAS uniques from one counter, a memory limit
 * with LRU eviction). kv_store.c implements it; the protocol
 * (kv_proto.c, kv_meta.c, kv_stats.c) is its only user.
 *
 * Consistency, as memcached's: every operation on one key is atomic and
 * linearizable (it runs under the lock of the key's shard), whichever
 * thread or core runs it; a multi-key get is one such operation per key,
 * in order, not a snapshot. CAS uniques come from one counter, so they are
 * unique across the store. flush_all takes effect for every key at once.
 * The memory limit is shared out among the shards and each evicts its own
 * least recently used items (kv_store.c).
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

/* An expiry time as the protocol gives it, as a Unix time (0: never). */
int64_t kv_abs_time(int64_t exptime, int64_t now);

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
/*
 * The meta commands (kv_meta.c). An item as they see it, under the
 * store's lock; the callback may change exptime (T, N) and win (W).
 */
struct kv_meta_item {
	const uint8_t *data;
	uint32_t len;
	const char *key;
	uint32_t nkey;
	uint32_t size;			/* what the item costs in the store */
	uint32_t flags;
	uint64_t cas;
	int64_t exptime;		/* Unix time, 0: never */
	int64_t atime;			/* last access (memcached's it->time) */
	int64_t now;
	bool fetched;			/* fetched before this command */
	bool stale;			/* md I, or a stale ms I */
	bool win;			/* a client was told to recache it */
	bool binary;			/* stored with a base64 key (b) */
	bool created;			/* made by this command (N) */
	bool failed;			/* set: no bump, not counted */
};

typedef void (*kv_meta_fn)(void *arg, struct kv_meta_item *m);

/* kv_store_mset's @opts: a CAS lower than the item's stores it stale (I). */
#define KV_SET_STALE_OK		1u
#define KV_SET_BINARY		2u	/* the key came in base64 */

/*
 * kv_store_put with memcached's meta semantics: @cas (0: none) is tested
 * in every mode (append and prepend want a match; add ignores it); the
 * new item's CAS in *@cas_out (0 if not stored).
 */
enum kv_result kv_store_mset(struct kv_store *s, enum kv_mode mode,
			     const char *key, size_t nkey, uint32_t flags,
			     int64_t exptime, const uint8_t *data,
			     uint32_t len, uint64_t cas, unsigned int opts,
			     uint64_t *cas_out);

#define KV_MG_NO_BUMP		1u	/* u: no LRU bump, not marked fetched */
#define KV_MG_VIVIFY		2u	/* N: an empty item on a miss */
#define KV_MG_TOUCH		4u	/* T: counted as a touch */
#define KV_MG_PEEK		8u	/* me: no bump, hits and misses not counted */

/* mg: @fn with the item (made if KV_MG_VIVIFY), then the bump. */
bool kv_store_mget(struct kv_store *s, const char *key, size_t nkey,
		   unsigned int opts, kv_meta_fn fn, void *arg);

#define KV_MD_CAS		1u	/* C: only if the CAS matches */
#define KV_MD_STALE		2u	/* I: mark stale, new CAS, keep */
#define KV_MD_TTL		4u	/* T with I: new expiry @exptime */

/* md: KV_DELETED (also when marked stale), KV_NOT_FOUND or KV_EXISTS. */
enum kv_result kv_store_mdelete(struct kv_store *s, const char *key,
				size_t nkey, unsigned int opts, uint64_t cas,
				int64_t exptime);

#define KV_MA_VIVIFY		1u	/* N: create with @initial on a miss */

/*
 * ma: kv_store_delta with a CAS test (@cas 0: none) and vivify; on
 * KV_STORED the value in *@out and @fn (may be NULL) with the item.
 */
enum kv_result kv_store_marith(struct kv_store *s, const char *key,
			       size_t nkey, bool incr, uint64_t delta,
			       uint64_t cas, unsigned int opts,
			       uint64_t initial, uint64_t *out,
			       kv_meta_fn fn, void *arg);

/* Unlink @key without counting it (a set that could not be stored). */
void kv_store_drop(struct kv_store *s, const char *key, size_t nkey);

/*
 * Bytes of values that connections have announced and are still
 * receiving: at most as many as the memory limit (or one item, if
 * larger), for all connections together. false if @n more do not fit.
 */
bool kv_store_reserve(struct kv_store *s, size_t n);
void kv_store_release(struct kv_store *s, size_t n);

/* Everything stored before now (+ @delay seconds) is gone from then on. */
void kv_store_flush(struct kv_store *s, int64_t delay);

/*
 * What the store counts, for the stats command (kv_stats.c). The gauges
 * describe it now; kv_store_stats_reset() zeroes the counters, as
 * memcached's "stats reset" does its own. Every field is 64 bits:
 * kv_store_stats() adds the shards' up, then sets the gauges.
 */
struct kv_store_stats {
	/* Gauges. */
	uint64_t curr_items;
	uint64_t bytes;			/* items' memory, as -m counts it */
	uint64_t limit_maxbytes, item_size_max;
	uint64_t hash_buckets;		/* a power of two, fixed at creation */
	int64_t oldest_atime;		/* last access of the LRU's tail, 0: none */
	/* Counters. */
	uint64_t total_items;
	uint64_t evictions, evicted_nonzero, evicted_unfetched, evicted_active;
	int64_t evicted_atime;		/* last access of the last one evicted */
	uint64_t reclaimed, expired_unfetched;
	uint64_t direct_reclaims;	/* every eviction or reclaim here is */
	uint64_t malloc_fails;
	uint64_t get_hits, get_misses, get_expired, get_flushed;
	uint64_t cmd_touch, touch_hits, touch_misses;
	uint64_t delete_hits, delete_misses;
	uint64_t incr_hits, incr_misses, decr_hits, decr_misses;
	uint64_t cas_hits, cas_misses, cas_badval;
	uint64_t cmd_set, cmd_flush;
};

void kv_store_stats(struct kv_store *s, struct kv_store_stats *out);
void kv_store_stats_reset(struct kv_store *s);
/* The memory limit (-m), or one item if that is larger. */
size_t kv_store_limit(const struct kv_store *s);
/* How many shards the key space has (kv_store.c says how it chooses). */
unsigned int kv_store_shards(const struct kv_store *s);

#endif /* KV_STORE_H */
