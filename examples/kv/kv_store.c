// SPDX-License-Identifier: GPL-2.0
/*
 * The key space (kv_store.h): a chained hash table and an LRU list of
 * items, under one mutex. Items are allocated whole (header, key, value);
 * their bytes count against the memory limit, and the least recently used
 * ones go when a new one does not fit. Expired and flushed items are
 * dropped when met.
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

struct kv_store {
	pthread_mutex_t lock;
	struct kv_item **table;
	uint32_t mask;
	struct kv_item *head, *tail;
	size_t mem_limit, mem_used, item_max;
	uint64_t cas_next;
	int64_t oldest_live;		/* flush_all N: stored at or before */
	uint64_t oldest_cas;		/* flush_all: stored before this cas */
	/* Bytes of values still arriving (kv_store_reserve), and the most. */
	size_t pending, pending_max;
	kv_clock_fn clock;
	struct kv_store_stats st;
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

struct kv_store *kv_store_create(size_t mem_limit, size_t item_max,
				 kv_clock_fn clock)
{
	struct kv_store *s = calloc(1, sizeof(*s));
	uint32_t n = 1024;

	if (!s)
		return NULL;
	while (n < (1u << 24) && (size_t)n * 256 < mem_limit)
		n <<= 1;
	s->table = calloc(n, sizeof(*s->table));
	if (!s->table) {
		free(s);
		return NULL;
	}
	s->mask = n - 1;
	s->mem_limit = mem_limit;
	s->item_max = item_max;
	s->pending_max = mem_limit > item_max ? mem_limit : item_max;
	s->cas_next = 1;
	s->clock = clock;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

void kv_store_destroy(struct kv_store *s)
{
	struct kv_item *it, *next;

	if (!s)
		return;
	for (it = s->head; it; it = next) {
		next = it->next;
		free(it);
	}
	pthread_mutex_destroy(&s->lock);
	free(s->table);
	free(s);
}

bool kv_store_fits(const struct kv_store *s, size_t nkey, size_t nval)
{
	return nval <= s->item_max &&
	       item_size((uint32_t)nkey, (uint32_t)nval) <= s->item_max;
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

static void lru_unlink(struct kv_store *s, struct kv_item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		s->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		s->tail = it->prev;
	it->prev = it->next = NULL;
}

static void lru_push(struct kv_store *s, struct kv_item *it)
{
	it->prev = NULL;
	it->next = s->head;
	if (s->head)
		s->head->prev = it;
	else
		s->tail = it;
	s->head = it;
}

static void item_unlink(struct kv_store *s, struct kv_item *it)
{
	struct kv_item **p = &s->table[it->hash & s->mask];

	while (*p && *p != it)
		p = &(*p)->hnext;
	if (*p)
		*p = it->hnext;
	lru_unlink(s, it);
	s->mem_used -= item_size(it->nkey, it->nval);
	s->st.curr_items--;
	free(it);
}

static bool item_flushed(const struct kv_store *s, const struct kv_item *it,
			 int64_t now)
{
	return it->cas < s->oldest_cas ||
	       (s->oldest_live && s->oldest_live <= now &&
		it->time <= s->oldest_live);
}

static bool item_expired(const struct kv_item *it, int64_t now)
{
	return it->exptime && it->exptime <= now;
}

static bool item_dead(const struct kv_store *s, const struct kv_item *it,
		      int64_t now)
{
	return item_flushed(s, it, now) || item_expired(it, now);
}

/* The live item of @key (its dead one is dropped on the way). */
static struct kv_item *find(struct kv_store *s, const char *key, size_t nkey,
			    int64_t now)
{
	uint32_t h = hash_key(key, nkey);
	struct kv_item *it;

	for (it = s->table[h & s->mask]; it; it = it->hnext) {
		if (it->hash != h || it->nkey != nkey ||
		    memcmp(it->buf, key, nkey))
			continue;
		/* As memcached's do_item_get, whoever looks it up. */
		if (item_flushed(s, it, now)) {
			s->st.get_flushed++;
			item_unlink(s, it);
			return NULL;
		}
		if (item_expired(it, now)) {
			s->st.get_expired++;
			item_unlink(s, it);
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
static bool make_room(struct kv_store *s, size_t size, int64_t now)
{
	struct kv_item *it;

	while (s->mem_used + size > s->mem_limit) {
		it = s->tail;
		if (!it)
			return false;
		if (item_dead(s, it, now)) {
			s->st.reclaimed++;
			s->st.expired_unfetched += !it->fetched;
		} else {
			s->st.evictions++;
			s->st.evicted_nonzero += it->exptime != 0;
			s->st.evicted_unfetched += !it->fetched;
			s->st.evicted_active += it->active;
			s->st.evicted_atime = it->atime;
		}
		s->st.direct_reclaims++;
		item_unlink(s, it);
	}
	return true;
}

/* A new item replacing @old (may be NULL), linked in; NULL if no memory. */
static struct kv_item *item_new(struct kv_store *s, struct kv_item *old,
				const char *key, size_t nkey, uint32_t flags,
				int64_t exptime, uint32_t nval, int64_t now)
{
	size_t size = item_size((uint32_t)nkey, nval);
	struct kv_item *it;

	if (old)
		item_unlink(s, old);
	if (!make_room(s, size, now))
		return NULL;
	it = malloc(size);
	if (!it) {
		s->st.malloc_fails++;
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
	it->hash = hash_key(key, nkey);
	it->cas = s->cas_next++;
	it->hnext = s->table[it->hash & s->mask];
	s->table[it->hash & s->mask] = it;
	lru_push(s, it);
	s->mem_used += size;
	s->st.curr_items++;
	s->st.total_items++;
	return it;
}

/* A fetch, as memcached's segmented LRU marks it: fetched, then active. */
static void bump(struct kv_store *s, struct kv_item *it, int64_t now)
{
	if (!it->fetched) {
		it->fetched = true;
	} else if (!it->active) {
		it->active = true;
		it->atime = now;
	}
	lru_unlink(s, it);
	lru_push(s, it);
}

/* A write that keeps the item (a failed add, an incr in place). */
static void touch_lru(struct kv_store *s, struct kv_item *it, int64_t now)
{
	it->atime = now;
	lru_unlink(s, it);
	lru_push(s, it);
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
	enum { CAS_NONE, CAS_MATCH, CAS_BADVAL, CAS_STALE } cas_res = CAS_NONE;
	int64_t now = s->clock();
	enum kv_result r = KV_STORED;
	struct kv_item *old, *it;
	bool stale = false, win = false;
	uint32_t total;

	if (cas_out)
		*cas_out = 0;
	if (item_size((uint32_t)nkey, len) > s->item_max)
		return KV_TOO_LARGE;
	pthread_mutex_lock(&s->lock);
	s->st.cmd_set++;
	old = find(s, key, nkey, now);
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
			touch_lru(s, old, now);
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
			s->st.cas_misses++;
			r = KV_NOT_FOUND;
		} else if (cas_res == CAS_MATCH) {
			s->st.cas_hits++;
		} else if (cas_res == CAS_STALE) {
			/* The value goes in, stale, keeping TTL and token. */
			s->st.cas_hits++;
			stale = true;
			win = old->win;
			exptime = old->exptime;
		} else {
			s->st.cas_badval++;
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
		if (item_size((uint32_t)nkey, total) > s->item_max) {
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
		it = item_new(s, old, key, nkey, flags, exptime, total, now);
		if (it)
			memcpy(it->buf + nkey, tmp, total);
		free(tmp);
	} else {
		if (!stale)
			exptime = kv_abs_time(exptime, now);
		it = item_new(s, old, key, nkey, flags, exptime, len, now);
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
	pthread_mutex_unlock(&s->lock);
	return r;
}

bool kv_store_get(struct kv_store *s, const char *key, size_t nkey,
		  bool touch, int64_t exptime,
		  void (*fn)(void *arg, const struct kv_value *v), void *arg)
{
	int64_t now = s->clock();
	struct kv_value v;
	struct kv_item *it;

	pthread_mutex_lock(&s->lock);
	if (touch)
		s->st.cmd_touch++;
	it = find(s, key, nkey, now);
	if (!it) {
		if (touch)
			s->st.touch_misses++;
		else
			s->st.get_misses++;
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	if (touch) {
		it->exptime = kv_abs_time(exptime, now);
		s->st.touch_hits++;
	} else {
		s->st.get_hits++;
	}
	bump(s, it, now);
	v.data = it->buf + it->nkey;
	v.len = it->nval;
	v.flags = it->flags;
	v.cas = it->cas;
	fn(arg, &v);
	pthread_mutex_unlock(&s->lock);
	return true;
}

enum kv_result kv_store_delete(struct kv_store *s, const char *key,
			       size_t nkey)
{
	struct kv_item *it;
	enum kv_result r = KV_NOT_FOUND;

	pthread_mutex_lock(&s->lock);
	it = find(s, key, nkey, s->clock());
	if (it) {
		item_unlink(s, it);
		r = KV_DELETED;
		s->st.delete_hits++;
	} else {
		s->st.delete_misses++;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

enum kv_result kv_store_touch(struct kv_store *s, const char *key,
			      size_t nkey, int64_t exptime)
{
	int64_t now = s->clock();
	struct kv_item *it;
	enum kv_result r = KV_NOT_FOUND;

	pthread_mutex_lock(&s->lock);
	s->st.cmd_touch++;
	it = find(s, key, nkey, now);
	if (it) {
		it->exptime = kv_abs_time(exptime, now);
		bump(s, it, now);
		s->st.touch_hits++;
		r = KV_TOUCHED;
	} else {
		s->st.touch_misses++;
	}
	pthread_mutex_unlock(&s->lock);
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
static enum kv_result do_delta(struct kv_store *s, struct kv_item **itp,
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
		s->st.incr_hits++;
	} else {
		v = delta > v ? 0 : v - delta;
		s->st.decr_hits++;
	}
	*out = v;
	len = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	if ((uint32_t)len <= it->nval) {
		/* In place, padded with spaces to its length, as memcached. */
		memcpy(it->buf + it->nkey, num, len);
		memset(it->buf + it->nkey + len, ' ', it->nval - len);
		it->cas = s->cas_next++;
		touch_lru(s, it, now);
		return KV_STORED;
	}
	/* Longer: a new item, the old one dropped first (it may be evicted). */
	n = item_new(s, it, key, nkey, it->flags, it->exptime, len, now);
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
	int64_t now = s->clock();
	enum kv_result r = KV_NOT_FOUND;
	struct kv_item *it;

	pthread_mutex_lock(&s->lock);
	it = find(s, key, nkey, now);
	if (it)
		r = do_delta(s, &it, key, nkey, incr, delta, 0, out, now);
	else if (incr)
		s->st.incr_misses++;
	else
		s->st.decr_misses++;
	pthread_mutex_unlock(&s->lock);
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
	int64_t now = s->clock();
	bool created = false;
	struct kv_item *it;

	pthread_mutex_lock(&s->lock);
	it = find(s, key, nkey, now);
	if (!it && (opts & KV_MG_VIVIFY)) {
		/* memcached's stub: no bytes, no expiry until N's token. */
		it = item_new(s, NULL, key, nkey, 0, 0, 0, now);
		created = it != NULL;
	}
	if (!it) {
		/* A miss counts as one of get, T or not, as memcached. */
		if (!(opts & KV_MG_PEEK))
			s->st.get_misses++;
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	if (!meta_call(it, created, now, fn, arg)) {
		pthread_mutex_unlock(&s->lock);
		return true;
	}
	if (opts & KV_MG_PEEK) {
		pthread_mutex_unlock(&s->lock);
		return true;
	}
	if (!(opts & KV_MG_NO_BUMP))
		bump(s, it, now);
	if (opts & KV_MG_TOUCH) {
		s->st.cmd_touch++;
		s->st.touch_hits++;
	} else {
		s->st.get_hits++;
	}
	pthread_mutex_unlock(&s->lock);
	return true;
}

enum kv_result kv_store_mdelete(struct kv_store *s, const char *key,
				size_t nkey, unsigned int opts, uint64_t cas,
				int64_t exptime)
{
	int64_t now = s->clock();
	enum kv_result r = KV_DELETED;
	struct kv_item *it;

	pthread_mutex_lock(&s->lock);
	it = find(s, key, nkey, now);
	if (!it || ((opts & KV_MD_CAS) && cas != it->cas)) {
		s->st.delete_misses++;
		r = it ? KV_EXISTS : KV_NOT_FOUND;
	} else if (opts & KV_MD_STALE) {
		/* Kept, stale, with a new CAS: the next fetch may win. */
		if (opts & KV_MD_TTL)
			it->exptime = kv_abs_time(exptime, now);
		it->stale = true;
		it->win = false;
		it->cas = s->cas_next++;
	} else {
		s->st.delete_hits++;
		item_unlink(s, it);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

enum kv_result kv_store_marith(struct kv_store *s, const char *key,
			       size_t nkey, bool incr, uint64_t delta,
			       uint64_t cas, unsigned int opts,
			       uint64_t initial, uint64_t *out,
			       kv_meta_fn fn, void *arg)
{
	int64_t now = s->clock();
	enum kv_result r = KV_NOT_FOUND;
	bool created = false;
	struct kv_item *it;
	char num[24];
	int len;

	pthread_mutex_lock(&s->lock);
	it = find(s, key, nkey, now);
	if (it) {
		r = do_delta(s, &it, key, nkey, incr, delta, cas, out, now);
	} else if (opts & KV_MA_VIVIFY) {
		/* An add of the initial value, no expiry until N's token. */
		len = snprintf(num, sizeof(num), "%llu",
			       (unsigned long long)initial);
		it = item_new(s, NULL, key, nkey, 0, 0, len, now);
		if (it) {
			memcpy(it->buf + nkey, num, len);
			*out = initial;
			created = true;
			r = KV_STORED;
		} else {
			r = KV_NO_MEMORY;
		}
	} else if (incr) {
		s->st.incr_misses++;
	} else {
		s->st.decr_misses++;
	}
	if (r == KV_STORED && fn)
		meta_call(it, created, now, fn, arg);
	pthread_mutex_unlock(&s->lock);
	return r;
}

void kv_store_drop(struct kv_store *s, const char *key, size_t nkey)
{
	struct kv_item *it;

	pthread_mutex_lock(&s->lock);
	it = find(s, key, nkey, s->clock());
	if (it)
		item_unlink(s, it);
	pthread_mutex_unlock(&s->lock);
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

	pthread_mutex_lock(&s->lock);
	s->st.cmd_flush++;
	/*
	 * As memcached: what was stored up to the second before the flush
	 * time goes then; if that is now, a CAS unique (one taken from the
	 * counter) marks the cut within this second.
	 */
	s->oldest_live = (delay > 0 ? kv_abs_time(delay, now) : now) - 1;
	if (s->oldest_live <= now)
		s->oldest_cas = s->cas_next++;
	pthread_mutex_unlock(&s->lock);
}

void kv_store_stats(struct kv_store *s, struct kv_store_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->st;
	out->bytes = s->mem_used;
	out->limit_maxbytes = s->mem_limit;
	out->item_size_max = s->item_max;
	out->hash_buckets = (uint64_t)s->mask + 1;
	out->oldest_atime = s->tail ? s->tail->atime : 0;
	pthread_mutex_unlock(&s->lock);
}

void kv_store_stats_reset(struct kv_store *s)
{
	uint64_t items;

	pthread_mutex_lock(&s->lock);
	items = s->st.curr_items;
	memset(&s->st, 0, sizeof(s->st));
	s->st.curr_items = items;
	pthread_mutex_unlock(&s->lock);
}
