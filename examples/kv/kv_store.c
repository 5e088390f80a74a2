// SPDX-License-Identifier: GPL-2.0
/*
 * The key space (kv_store.h), cut into shards by key hash: each shard is a
 * chained hash table, an LRU list, a share of the memory limit and its
 * counters, under a mutex of its own on a cache line of its own. Items are
 * allocated whole (header, key, value); their bytes count against their
 * shard's share, and the shard's least recently used ones go when a new
 * one does not fit. Expired and flushed items are dropped when met.
 *
 * Why shards of locks, for a server that runs one thread per dataplane
 * core: a request touches one key, so it takes one shard's lock, which
 * another core holds only when both touch that shard in the same
 * instant: with 2^k shards and c cores that is rare, and an uncontended
 * lock costs two atomic operations on a line the thread already owns. A
 * partition per core with forwarding would give no lock at all, but every
 * request for another core's keys would cross cores twice (and a
 * multi-get would wait for every core it names), which costs more than
 * the lock saves; a lock-free table would still bounce the LRU's lines.
 * What stays global is cheap or rare: the CAS counter (one atomic add per
 * store, as memcached's), the flush marks, and the bytes of values in
 * flight. The shards' shares make eviction approximate (the LRU order is
 * per shard, as memcached's is per slab class), so a store keeps one
 * shard unless each share holds at least four of its largest items.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_store.h"

struct kv_item {
	struct kv_item *hnext;		/* hash chain */
	struct kv_item *prev, *next;	/* LRU: head most recent */
	uint64_t cas;
	int64_t exptime;		/* Unix time, 0: never */
	int64_t time;			/* when stored */
	int64_t atime;			/* last access, as memcached keeps it */
	uint32_t hash;
	uint32_t flags;
	uint32_t nkey, nval;
	/* memcached's item flags that the meta commands show. */
	bool fetched, active, stale, win, binary;
	uint8_t buf[];			/* key, then value */
};

#define KV_SHARDS_MAX	64

struct kv_shard {
	pthread_mutex_t lock;
	struct kv_item **table;
	uint32_t mask;
	struct kv_item *head, *tail;
	size_t mem_limit, mem_used;
	struct kv_store *store;
	struct kv_store_stats st;
} __attribute__((aligned(64)));

struct kv_store {
	struct kv_shard *shard;
	unsigned int shard_shift;	/* 32 - log2(shards) */
	unsigned int nshard;
	size_t mem_limit, item_max;
	/* Atomic: the next CAS unique and the flush marks. */
	uint64_t cas_next;
	int64_t oldest_live;		/* flush_all N: stored at or before */
	uint64_t oldest_cas;		/* flush_all: stored before this cas */
	uint64_t cmd_flush;
	/* Bytes of values still arriving (kv_store_reserve), and the most. */
	size_t pending, pending_max;
	kv_clock_fn clock;
};

static uint32_t hash_key(const char *key, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)key[i]) * 16777619u;
	return h ^ (h >> 15);
}

static size_t item_size(uint32_t nkey, uint32_t nval)
{
	return sizeof(struct kv_item) + nkey + nval;
}

/* A key's shard, by the high bits of its hash (the table uses the low). */
static struct kv_shard *shard_of(struct kv_store *s, uint32_t hash)
{
	return &s->shard[s->nshard > 1 ? hash >> s->shard_shift : 0];
}

static uint64_t next_cas(struct kv_store *s)
{
	return __atomic_fetch_add(&s->cas_next, 1, __ATOMIC_RELAXED);
}

/* Shards: up to KV_SHARDS_MAX, each with room for four of the largest items. */
static unsigned int shard_count(size_t mem_limit, size_t item_max)
{
	unsigned int n = 1;

	while (n < KV_SHARDS_MAX && mem_limit / (2 * n) >= 4 * item_max)
		n <<= 1;
	return n;
}

struct kv_store *kv_store_create(size_t mem_limit, size_t item_max,
				 kv_clock_fn clock)
{
	struct kv_store *s = calloc(1, sizeof(*s));
	unsigned int i, n;
	uint32_t slots = 1024;

	if (!s)
		return NULL;
	s->nshard = shard_count(mem_limit, item_max);
	for (n = s->nshard, s->shard_shift = 32; n > 1; n >>= 1)
		s->shard_shift--;
	s->shard = aligned_alloc(64, s->nshard * sizeof(*s->shard));
	if (!s->shard) {
		free(s);
		return NULL;
	}
	memset(s->shard, 0, s->nshard * sizeof(*s->shard));
	while (slots < (1u << 24) / s->nshard &&
	       (size_t)slots * 256 * s->nshard < mem_limit)
		slots <<= 1;
	for (i = 0; i < s->nshard; i++) {
		struct kv_shard *sh = &s->shard[i];

		sh->table = calloc(slots, sizeof(*sh->table));
		if (!sh->table) {
			s->nshard = i;
			kv_store_destroy(s);
			return NULL;
		}
		sh->mask = slots - 1;
		sh->mem_limit = mem_limit / s->nshard;
		sh->store = s;
		pthread_mutex_init(&sh->lock, NULL);
	}
	s->mem_limit = mem_limit;
	s->item_max = item_max;
	s->pending_max = mem_limit > item_max ? mem_limit : item_max;
	s->cas_next = 1;
	s->clock = clock;
	return s;
}

void kv_store_destroy(struct kv_store *s)
{
	struct kv_item *it, *next;
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < s->nshard; i++) {
		for (it = s->shard[i].head; it; it = next) {
			next = it->next;
			free(it);
		}
		pthread_mutex_destroy(&s->shard[i].lock);
		free(s->shard[i].table);
	}
	free(s->shard);
	free(s);
}

unsigned int kv_store_shards(const struct kv_store *s)
{
	return s->nshard;
}

size_t kv_store_limit(const struct kv_store *s)
{
	return s->mem_limit > s->item_max ? s->mem_limit : s->item_max;
}

/*
 * The size memcached 1.6 gives an item against -I: its 48-byte header,
 * the key and its NUL, the value with its "\r\n" and the CAS (4 more
 * when the flags are not 0, which this leaves out), whatever this store
 * spends on it.
 */
static size_t mc_size(size_t nkey, size_t nval)
{
	return 48 + nkey + 1 + nval + 2 + 8;
}

bool kv_store_fits(const struct kv_store *s, size_t nkey, size_t nval)
{
	return mc_size(nkey, nval) <= s->item_max;
}

int64_t kv_abs_time(int64_t exptime, int64_t now)
{
	if (!exptime)
		return 0;
	if (exptime < 0)
		return now - 1;
	if (exptime <= KV_REL_TIME_MAX)
		return now + exptime;
	return exptime <= now ? now - 1 : exptime;
}

static void lru_unlink(struct kv_shard *sh, struct kv_item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		sh->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		sh->tail = it->prev;
	it->prev = it->next = NULL;
}

static void lru_push(struct kv_shard *sh, struct kv_item *it)
{
	it->prev = NULL;
	it->next = sh->head;
	if (sh->head)
		sh->head->prev = it;
	else
		sh->tail = it;
	sh->head = it;
}

static void item_unlink(struct kv_shard *sh, struct kv_item *it)
{
	struct kv_item **p = &sh->table[it->hash & sh->mask];

	while (*p && *p != it)
		p = &(*p)->hnext;
	if (*p)
		*p = it->hnext;
	lru_unlink(sh, it);
	sh->mem_used -= item_size(it->nkey, it->nval);
	sh->st.curr_items--;
	free(it);
}

static bool item_flushed(const struct kv_shard *sh, const struct kv_item *it,
			 int64_t now)
{
	const struct kv_store *s = sh->store;
	int64_t live = __atomic_load_n(&s->oldest_live, __ATOMIC_RELAXED);

	return it->cas < __atomic_load_n(&s->oldest_cas, __ATOMIC_RELAXED) ||
	       (live && live <= now && it->time <= live);
}

static bool item_expired(const struct kv_item *it, int64_t now)
{
	return it->exptime && it->exptime <= now;
}

static bool item_dead(const struct kv_shard *sh, const struct kv_item *it,
		      int64_t now)
{
	return item_flushed(sh, it, now) || item_expired(it, now);
}

/* The live item of @key (its dead one is dropped on the way). */
static struct kv_item *find(struct kv_shard *sh, uint32_t h, const char *key,
			    size_t nkey, int64_t now)
{
	struct kv_item *it;

	for (it = sh->table[h & sh->mask]; it; it = it->hnext) {
		if (it->hash != h || it->nkey != nkey ||
		    memcmp(it->buf, key, nkey))
			continue;
		/* As memcached's do_item_get, whoever looks it up. */
		if (item_flushed(sh, it, now)) {
			sh->st.get_flushed++;
			item_unlink(sh, it);
			return NULL;
		}
		if (item_expired(it, now)) {
			sh->st.get_expired++;
			item_unlink(sh, it);
			return NULL;
		}
		return it;
	}
	return NULL;
}

/*
 * Room for @size more bytes from the LRU's tail: a dead item there is
 * reclaimed, a live one evicted, counted as memcached's lru_pull_tail
 * counts them (all of it is a worker's direct reclaim here: there is no
 * background LRU thread).
 */
static bool make_room(struct kv_shard *sh, size_t size, int64_t now)
{
	struct kv_item *it;

	while (sh->mem_used + size > sh->mem_limit) {
		it = sh->tail;
		if (!it)
			return false;
		if (item_dead(sh, it, now)) {
			sh->st.reclaimed++;
			sh->st.expired_unfetched += !it->fetched;
		} else {
			sh->st.evictions++;
			sh->st.evicted_nonzero += it->exptime != 0;
			sh->st.evicted_unfetched += !it->fetched;
			sh->st.evicted_active += it->active;
			sh->st.evicted_atime = it->atime;
		}
		sh->st.direct_reclaims++;
		item_unlink(sh, it);
	}
	return true;
}

/* A new item replacing @old (may be NULL), linked in; NULL if no memory. */
static struct kv_item *item_new(struct kv_shard *sh, struct kv_item *old,
				uint32_t h, const char *key, size_t nkey,
				uint32_t flags, int64_t exptime, uint32_t nval,
				int64_t now)
{
	size_t size = item_size((uint32_t)nkey, nval);
	struct kv_item *it;

	if (old)
		item_unlink(sh, old);
	if (!make_room(sh, size, now))
		return NULL;
	it = malloc(size);
	if (!it) {
		sh->st.malloc_fails++;
		return NULL;
	}
	memset(it, 0, sizeof(*it));
	memcpy(it->buf, key, nkey);
	it->atime = now;
	it->nkey = (uint32_t)nkey;
	it->nval = nval;
	it->flags = flags;
	it->exptime = exptime;
	it->time = now;
	it->hash = h;
	it->cas = next_cas(sh->store);
	it->hnext = sh->table[it->hash & sh->mask];
	sh->table[it->hash & sh->mask] = it;
	lru_push(sh, it);
	sh->mem_used += size;
	sh->st.curr_items++;
	sh->st.total_items++;
	return it;
}

/* A fetch, as memcached's segmented LRU marks it: fetched, then active. */
static void bump(struct kv_shard *sh, struct kv_item *it, int64_t now)
{
	if (!it->fetched) {
		it->fetched = true;
	} else if (!it->active) {
		it->active = true;
		it->atime = now;
	}
	lru_unlink(sh, it);
	lru_push(sh, it);
}

/* A write that keeps the item (a failed add, an incr in place). */
static void touch_lru(struct kv_shard *sh, struct kv_item *it, int64_t now)
{
	it->atime = now;
	lru_unlink(sh, it);
	lru_push(sh, it);
}

enum kv_result kv_store_put(struct kv_store *s, enum kv_mode mode,
			    const char *key, size_t nkey, uint32_t flags,
			    int64_t exptime, const uint8_t *data,
			    uint32_t len, uint64_t cas)
{
	return kv_store_mset(s, mode, key, nkey, flags, exptime, data, len,
			     cas, 0, NULL);
}

/*
 * memcached's do_store_item: the CAS test first (0: none; with
 * KV_SET_STALE_OK a lower one stores a stale item), then the mode.
 */
enum kv_result kv_store_mset(struct kv_store *s, enum kv_mode mode,
			     const char *key, size_t nkey, uint32_t flags,
			     int64_t exptime, const uint8_t *data,
			     uint32_t len, uint64_t cas, unsigned int opts,
			     uint64_t *cas_out)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	enum { CAS_NONE, CAS_MATCH, CAS_BADVAL, CAS_STALE } cas_res = CAS_NONE;
	int64_t now = s->clock();
	enum kv_result r = KV_STORED;
	struct kv_item *old, *it;
	bool stale = false, win = false;
	uint32_t total;

	if (cas_out)
		*cas_out = 0;
	if (!kv_store_fits(s, nkey, len))
		return KV_TOO_LARGE;
	pthread_mutex_lock(&sh->lock);
	sh->st.cmd_set++;
	old = find(sh, h, key, nkey, now);
	if (old && cas) {
		if (cas == old->cas)
			cas_res = CAS_MATCH;
		else if ((opts & KV_SET_STALE_OK) && cas < old->cas)
			cas_res = CAS_STALE;
		else
			cas_res = CAS_BADVAL;
	}
	switch (mode) {
	case KV_ADD:
		if (old) {
			/* As memcached: a failed add still bumps the item. */
			touch_lru(sh, old, now);
			r = KV_NOT_STORED;
		}
		break;
	case KV_REPLACE:
	case KV_APPEND:
	case KV_PREPEND:
		if (!old)
			r = KV_NOT_STORED;
		else if (mode != KV_REPLACE && cas_res != CAS_NONE &&
			 cas_res != CAS_MATCH)
			r = KV_EXISTS;
		break;
	case KV_CAS:
		if (!old) {
			sh->st.cas_misses++;
			r = KV_NOT_FOUND;
		} else if (cas_res == CAS_MATCH) {
			sh->st.cas_hits++;
		} else if (cas_res == CAS_STALE) {
			/* The value goes in, stale, keeping TTL and token. */
			sh->st.cas_hits++;
			stale = true;
			win = old->win;
			exptime = old->exptime;
		} else {
			sh->st.cas_badval++;
			r = KV_EXISTS;
		}
		break;
	case KV_SET:
		break;
	}
	if (r != KV_STORED)
		goto out;
	if (mode == KV_APPEND || mode == KV_PREPEND) {
		uint8_t *tmp;

		total = old->nval + len;
		if (!kv_store_fits(s, nkey, total)) {
			r = KV_TOO_LARGE;
			goto out;
		}
		tmp = malloc(total ? total : 1);
		if (!tmp) {
			r = KV_NO_MEMORY;
			goto out;
		}
		if (mode == KV_APPEND) {
			memcpy(tmp, old->buf + old->nkey, old->nval);
			memcpy(tmp + old->nval, data, len);
		} else {
			memcpy(tmp, data, len);
			memcpy(tmp + len, old->buf + old->nkey, old->nval);
		}
		flags = old->flags;
		exptime = old->exptime;
		it = item_new(sh, old, h, key, nkey, flags, exptime, total, now);
		if (it)
			memcpy(it->buf + nkey, tmp, total);
		free(tmp);
	} else {
		if (!stale)
			exptime = kv_abs_time(exptime, now);
		it = item_new(sh, old, h, key, nkey, flags, exptime, len, now);
		if (it)
			memcpy(it->buf + nkey, data, len);
	}
	if (!it) {
		r = KV_NO_MEMORY;
		goto out;
	}
	it->stale = stale;
	it->win = win;
	/* As memcached, append and prepend make a new item, unmarked. */
	it->binary = (opts & KV_SET_BINARY) && mode != KV_APPEND &&
		     mode != KV_PREPEND;
	if (cas_out)
		*cas_out = it->cas;
out:
	pthread_mutex_unlock(&sh->lock);
	return r;
}

bool kv_store_get(struct kv_store *s, const char *key, size_t nkey,
		  bool touch, int64_t exptime,
		  void (*fn)(void *arg, const struct kv_value *v), void *arg)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	int64_t now = s->clock();
	struct kv_value v;
	struct kv_item *it;

	pthread_mutex_lock(&sh->lock);
	if (touch)
		sh->st.cmd_touch++;
	it = find(sh, h, key, nkey, now);
	if (!it) {
		if (touch)
			sh->st.touch_misses++;
		else
			sh->st.get_misses++;
		pthread_mutex_unlock(&sh->lock);
		return false;
	}
	if (touch) {
		it->exptime = kv_abs_time(exptime, now);
		sh->st.touch_hits++;
	} else {
		sh->st.get_hits++;
	}
	bump(sh, it, now);
	v.data = it->buf + it->nkey;
	v.len = it->nval;
	v.flags = it->flags;
	v.cas = it->cas;
	fn(arg, &v);
	pthread_mutex_unlock(&sh->lock);
	return true;
}

enum kv_result kv_store_delete(struct kv_store *s, const char *key,
			       size_t nkey)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	struct kv_item *it;
	enum kv_result r = KV_NOT_FOUND;

	pthread_mutex_lock(&sh->lock);
	it = find(sh, h, key, nkey, s->clock());
	if (it) {
		item_unlink(sh, it);
		r = KV_DELETED;
		sh->st.delete_hits++;
	} else {
		sh->st.delete_misses++;
	}
	pthread_mutex_unlock(&sh->lock);
	return r;
}

enum kv_result kv_store_touch(struct kv_store *s, const char *key,
			      size_t nkey, int64_t exptime)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	int64_t now = s->clock();
	struct kv_item *it;
	enum kv_result r = KV_NOT_FOUND;

	pthread_mutex_lock(&sh->lock);
	sh->st.cmd_touch++;
	it = find(sh, h, key, nkey, now);
	if (it) {
		it->exptime = kv_abs_time(exptime, now);
		bump(sh, it, now);
		sh->st.touch_hits++;
		r = KV_TOUCHED;
	} else {
		sh->st.touch_misses++;
	}
	pthread_mutex_unlock(&sh->lock);
	return r;
}

/*
 * A value incr/decr takes, as memcached's safe_strtoull reads it: space,
 * a sign, digits within 64 bits, then a space or the end ("-" only for
 * what is not negative as a signed number).
 */
static bool parse_counter(const uint8_t *p, uint32_t n, uint64_t *out)
{
	uint32_t i = 0, digits;
	bool neg = false;
	uint64_t v = 0;

	while (i < n && isspace(p[i]))
		i++;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	for (digits = i; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (UINT64_MAX - (p[i] - '0')) / 10)
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (i == digits || (i < n && !isspace(p[i])))
		return false;
	if (neg)
		v = -v;
	if (neg && (int64_t)v < 0)
		return false;
	*out = v;
	return true;
}

/* memcached's do_add_delta, under the lock: the item's new value. */
static enum kv_result do_delta(struct kv_shard *sh, struct kv_item **itp,
			       const char *key, size_t nkey, bool incr, uint64_t delta, uint64_t cas,
			       uint64_t *out, int64_t now)
{
	struct kv_item *it = *itp, *n;
	char num[24];
	uint64_t v;
	int len;

	if (!it->nval || !parse_counter(it->buf + it->nkey, it->nval, &v))
		return KV_NON_NUMERIC;
	if (cas && cas != it->cas)
		return KV_EXISTS;
	if (incr) {
		v += delta;
		sh->st.incr_hits++;
	} else {
		v = delta > v ? 0 : v - delta;
		sh->st.decr_hits++;
	}
	*out = v;
	len = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	if ((uint32_t)len <= it->nval) {
		/* In place, padded with spaces to its length, as memcached. */
		memcpy(it->buf + it->nkey, num, len);
		memset(it->buf + it->nkey + len, ' ', it->nval - len);
		it->cas = next_cas(sh->store);
		touch_lru(sh, it, now);
		return KV_STORED;
	}
	/* Longer: a new item, the old one dropped first (it may be evicted). */
	n = item_new(sh, it, it->hash, key, nkey, it->flags, it->exptime, len, now);
	*itp = n;
	if (!n)
		return KV_NO_MEMORY;
	memcpy(n->buf + n->nkey, num, len);
	return KV_STORED;
}

enum kv_result kv_store_delta(struct kv_store *s, const char *key,
			      size_t nkey, bool incr, uint64_t delta,
			      uint64_t *out)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	int64_t now = s->clock();
	enum kv_result r = KV_NOT_FOUND;
	struct kv_item *it;

	pthread_mutex_lock(&sh->lock);
	it = find(sh, h, key, nkey, now);
	if (it)
		r = do_delta(sh, &it, key, nkey, incr, delta, 0, out, now);
	else if (incr)
		sh->st.incr_misses++;
	else
		sh->st.decr_misses++;
	pthread_mutex_unlock(&sh->lock);
	return r;
}

/* What the meta commands see of an item, back from @fn into @it. */
static bool meta_call(struct kv_item *it, bool created, int64_t now,
		      kv_meta_fn fn, void *arg)
{
	struct kv_meta_item m = {
		.data = it->buf + it->nkey, .len = it->nval,
		.key = (const char *)it->buf, .nkey = it->nkey,
		.size = (uint32_t)item_size(it->nkey, it->nval),
		.flags = it->flags, .cas = it->cas, .exptime = it->exptime,
		.atime = it->atime, .now = now, .fetched = it->fetched,
		.stale = it->stale, .win = it->win, .binary = it->binary,
		.created = created,
	};

	fn(arg, &m);
	it->exptime = m.exptime;
	it->win = m.win;
	return !m.failed;
}

bool kv_store_mget(struct kv_store *s, const char *key, size_t nkey,
		   unsigned int opts, kv_meta_fn fn, void *arg)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	int64_t now = s->clock();
	bool created = false;
	struct kv_item *it;

	pthread_mutex_lock(&sh->lock);
	it = find(sh, h, key, nkey, now);
	if (!it && (opts & KV_MG_VIVIFY)) {
		/* memcached's stub: no bytes, no expiry until N's token. */
		it = item_new(sh, NULL, h, key, nkey, 0, 0, 0, now);
		created = it != NULL;
	}
	if (!it) {
		/* A miss counts as one of get, T or not, as memcached. */
		if (!(opts & KV_MG_PEEK))
			sh->st.get_misses++;
		pthread_mutex_unlock(&sh->lock);
		return false;
	}
	if (!meta_call(it, created, now, fn, arg)) {
		pthread_mutex_unlock(&sh->lock);
		return true;
	}
	if (opts & KV_MG_PEEK) {
		pthread_mutex_unlock(&sh->lock);
		return true;
	}
	if (!(opts & KV_MG_NO_BUMP))
		bump(sh, it, now);
	if (opts & KV_MG_TOUCH) {
		sh->st.cmd_touch++;
		sh->st.touch_hits++;
	} else {
		sh->st.get_hits++;
	}
	pthread_mutex_unlock(&sh->lock);
	return true;
}

enum kv_result kv_store_mdelete(struct kv_store *s, const char *key,
				size_t nkey, unsigned int opts, uint64_t cas,
				int64_t exptime)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	int64_t now = s->clock();
	enum kv_result r = KV_DELETED;
	struct kv_item *it;

	pthread_mutex_lock(&sh->lock);
	it = find(sh, h, key, nkey, now);
	if (!it || ((opts & KV_MD_CAS) && cas != it->cas)) {
		sh->st.delete_misses++;
		r = it ? KV_EXISTS : KV_NOT_FOUND;
	} else if (opts & KV_MD_STALE) {
		/* Kept, stale, with a new CAS: the next fetch may win. */
		if (opts & KV_MD_TTL)
			it->exptime = kv_abs_time(exptime, now);
		it->stale = true;
		it->win = false;
		it->cas = next_cas(sh->store);
	} else {
		sh->st.delete_hits++;
		item_unlink(sh, it);
	}
	pthread_mutex_unlock(&sh->lock);
	return r;
}

enum kv_result kv_store_marith(struct kv_store *s, const char *key,
			       size_t nkey, bool incr, uint64_t delta,
			       uint64_t cas, unsigned int opts,
			       uint64_t initial, uint64_t *out,
			       kv_meta_fn fn, void *arg)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	int64_t now = s->clock();
	enum kv_result r = KV_NOT_FOUND;
	bool created = false;
	struct kv_item *it;
	char num[24];
	int len;

	pthread_mutex_lock(&sh->lock);
	it = find(sh, h, key, nkey, now);
	if (it) {
		r = do_delta(sh, &it, key, nkey, incr, delta, cas, out, now);
	} else if (opts & KV_MA_VIVIFY) {
		/* An add of the initial value, no expiry until N's token. */
		len = snprintf(num, sizeof(num), "%llu",
			       (unsigned long long)initial);
		it = item_new(sh, NULL, h, key, nkey, 0, 0, len, now);
		if (it) {
			memcpy(it->buf + nkey, num, len);
			*out = initial;
			created = true;
			r = KV_STORED;
		} else {
			r = KV_NO_MEMORY;
		}
	} else if (incr) {
		sh->st.incr_misses++;
	} else {
		sh->st.decr_misses++;
	}
	if (r == KV_STORED && fn)
		meta_call(it, created, now, fn, arg);
	pthread_mutex_unlock(&sh->lock);
	return r;
}

void kv_store_drop(struct kv_store *s, const char *key, size_t nkey)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_shard *sh = shard_of(s, h);
	struct kv_item *it;

	pthread_mutex_lock(&sh->lock);
	it = find(sh, h, key, nkey, s->clock());
	if (it)
		item_unlink(sh, it);
	pthread_mutex_unlock(&sh->lock);
}

bool kv_store_reserve(struct kv_store *s, size_t n)
{
	size_t held = __atomic_add_fetch(&s->pending, n, __ATOMIC_RELAXED);

	if (held <= s->pending_max)
		return true;
	__atomic_sub_fetch(&s->pending, n, __ATOMIC_RELAXED);
	return false;
}

void kv_store_release(struct kv_store *s, size_t n)
{
	__atomic_sub_fetch(&s->pending, n, __ATOMIC_RELAXED);
}

void kv_store_flush(struct kv_store *s, int64_t delay)
{
	int64_t now = s->clock();
	int64_t live = (delay > 0 ? kv_abs_time(delay, now) : now) - 1;

	__atomic_fetch_add(&s->cmd_flush, 1, __ATOMIC_RELAXED);
	/*
	 * As memcached: what was stored up to the second before the flush
	 * time goes then; if that is now, a CAS unique (one taken from the
	 * counter) marks the cut within this second.
	 */
	__atomic_store_n(&s->oldest_live, live, __ATOMIC_RELAXED);
	if (live <= now)
		__atomic_store_n(&s->oldest_cas, next_cas(s), __ATOMIC_RELAXED);
}

/* The shards' counters added up (every field is 64 bits), and the gauges. */
void kv_store_stats(struct kv_store *s, struct kv_store_stats *out)
{
	int64_t oldest = 0, evicted = 0;
	uint64_t *sum = (uint64_t *)out;
	struct kv_shard *sh;
	const uint64_t *v;
	unsigned int i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < s->nshard; i++) {
		sh = &s->shard[i];
		pthread_mutex_lock(&sh->lock);
		v = (const uint64_t *)&sh->st;
		for (k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
			sum[k] += v[k];
		out->bytes += sh->mem_used;
		out->hash_buckets += (uint64_t)sh->mask + 1;
		if (sh->tail && (!oldest || sh->tail->atime < oldest))
			oldest = sh->tail->atime;
		if (sh->st.evicted_atime > evicted)
			evicted = sh->st.evicted_atime;
		pthread_mutex_unlock(&sh->lock);
	}
	/* The gauges and times are not sums. */
	out->oldest_atime = oldest;
	out->evicted_atime = evicted;
	out->limit_maxbytes = s->mem_limit;
	out->item_size_max = s->item_max;
	out->cmd_flush = __atomic_load_n(&s->cmd_flush, __ATOMIC_RELAXED);
}

void kv_store_stats_reset(struct kv_store *s)
{
	struct kv_shard *sh;
	uint64_t items;
	unsigned int i;

	for (i = 0; i < s->nshard; i++) {
		sh = &s->shard[i];
		pthread_mutex_lock(&sh->lock);
		items = sh->st.curr_items;
		memset(&sh->st, 0, sizeof(sh->st));
		sh->st.curr_items = items;
		pthread_mutex_unlock(&sh->lock);
	}
	__atomic_store_n(&s->cmd_flush, 0, __ATOMIC_RELAXED);
}
