// SPDX-License-Identifier: GPL-2.0
/*
 * The stats command as memcached 1.6.18 (Debian's build) answers it, for
 * the tools that read it (memstat, pymemcache's stats(), monitoring):
 *
 *   stats              the same names in the same order (the list
 *                      test/kv/stats_keys.txt was recorded from it)
 *   stats settings     the same names in the same order
 *   stats items/slabs  one pseudo slab class, 1, holding every item (the
 *                      table has no slabs); items prints nothing while
 *                      the store is empty, as memcached's
 *   stats sizes        "STAT sizes_status disabled", END (no histogram)
 *   stats sizes_enable "STAT sizes_status error", "STAT sizes_error
 *                      not_supported" and, as memcached's sizes_* replies,
 *                      no END; sizes_disable as memcached's
 *   stats conns        END only: connections live in ixev, per thread,
 *                      where another thread may not walk them
 *   stats cachedump    memcached's reply when dumping is off (-X), as
 *                      "stats settings" says (dump_enabled no)
 *   stats extstore     END, as memcached without an extstore path
 *   stats reset        RESET; zeroes what memcached's stats_reset zeroes
 *                      (the counters, not gauges such as curr_items)
 *   stats detail       on, off, dump: per key prefix (up to ':') gets,
 *                      hits, sets and deletes of the text commands, in
 *                      memcached's order (its murmur3 hash, 256 buckets)
 *   anything else      ERROR
 *
 * Where the values come from: the store's counters (kv_store_stats), the
 * server threads' counters (struct kv_counters, summed here; "stats
 * reset" keeps their sums then as a base, so no thread writes another's
 * counters), getrusage() and the clock. Names of memcached machinery this
 * server does not have print 0 in "stats": reserved_fds, response_obj_*,
 * read_buf_bytes_free, read_buf_oom, auth_cmds, auth_errors (no SASL or
 * auth file), listen_disabled_num and time_in_listen_disabled_us (the
 * server never stops listening), conn_yields (no -R), hash_is_expanding
 * (the table's size is fixed at start), slab_reassign_*, slabs_moved and
 * slab_global_page_pool (no slabs), lru_crawler_*, crawler_*,
 * lru_maintainer_juggles, moves_* and lru_bumps_dropped (no LRU threads,
 * one LRU list), lrutail_reflocked (items are copied out under the lock,
 * never referenced), log_* (no logger), unexpected_napi_ids and
 * round_robin_fallback (no NAPI ids). "libevent" names what the server
 * runs on instead: "ixev". Other differences: bytes is the items' memory
 * as -m counts it (header, key, value); total_connections and
 * connection_structures count connections only (memcached counts its
 * listening socket too); connection_structures is the connections held
 * now (memcached never frees its structures); max_connections is the sum
 * of what each thread's context was granted; rejected_connections the
 * knocks ixev refused; read_buf_* the buffers of cut command lines and of
 * values being read. cmd_meta counts "me", as memcached 1.6.18 counts it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kv_proto_int.h"

/* memcached's PREFIX_HASH_SIZE; past PREFIX_MAX prefixes none is added. */
#define PREFIX_BUCKETS	256
#define PREFIX_MAX	4096
#define PREFIX_DELIM	':'

struct prefix {
	struct prefix *next;
	uint64_t gets, hits, sets, dels;
	size_t len;
	char name[];
};

struct kv_prefixes {
	struct prefix *bucket[PREFIX_BUCKETS];
	unsigned int n;
};

void kv_server_info_init(struct kv_server_info *info, int64_t started,
			 uint32_t threads, struct kv_counters *ctr)
{
	memset(info, 0, sizeof(*info));
	memset(ctr, 0, threads * sizeof(*ctr));
	info->started = started;
	info->threads = threads;
	info->ctr = ctr;
	pthread_mutex_init(&info->lock, NULL);
}

static void prefixes_clear(struct kv_server_info *info)
{
	struct kv_prefixes *t = info->prefixes;
	struct prefix *p, *next;
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < PREFIX_BUCKETS; i++) {
		for (p = t->bucket[i]; p; p = next) {
			next = p->next;
			free(p);
		}
		t->bucket[i] = NULL;
	}
	t->n = 0;
}

void kv_server_info_fini(struct kv_server_info *info)
{
	prefixes_clear(info);
	free(info->prefixes);
	info->prefixes = NULL;
	pthread_mutex_destroy(&info->lock);
}

/* MurmurHash3_x86_32, seed 0: memcached's default hash, for its order. */
static uint32_t murmur3(const uint8_t *p, size_t n)
{
	const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
	uint32_t h = 0, k;
	size_t i;

	for (i = 0; i + 4 <= n; i += 4) {
		k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
		    (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
		k *= c1;
		k = k << 15 | k >> 17;
		k *= c2;
		h ^= k;
		h = h << 13 | h >> 19;
		h = h * 5 + 0xe6546b64;
	}
	k = 0;
	switch (n & 3) {
	case 3:
		k ^= (uint32_t)p[i + 2] << 16;
		/* fall through */
	case 2:
		k ^= (uint32_t)p[i + 1] << 8;
		/* fall through */
	case 1:
		k ^= p[i];
		k *= c1;
		k = k << 15 | k >> 17;
		k *= c2;
		h ^= k;
	}
	h ^= (uint32_t)n;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* The prefix of @key's counters, made if new; NULL if none. Under lock. */
static struct prefix *prefix_find(struct kv_server_info *info,
				  const char *key, size_t nkey)
{
	const char *d = memchr(key, PREFIX_DELIM, nkey);
	struct kv_prefixes *t = info->prefixes;
	struct prefix *p;
	size_t len;
	uint32_t b;

	if (!d)
		return NULL;
	len = d - key;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		info->prefixes = t;
	}
	b = murmur3((const uint8_t *)key, len) % PREFIX_BUCKETS;
	for (p = t->bucket[b]; p; p = p->next)
		if (p->len == len && !memcmp(p->name, key, len))
			return p;
	if (t->n >= PREFIX_MAX)
		return NULL;
	p = calloc(1, sizeof(*p) + len + 1);
	if (!p)
		return NULL;
	memcpy(p->name, key, len);
	p->len = len;
	p->next = t->bucket[b];
	t->bucket[b] = p;
	t->n++;
	return p;
}

void kv_stats_prefix(struct kv_conn *c, const char *key, size_t nkey,
		     enum kv_prefix_op op)
{
	struct kv_server_info *info = c->info;
	struct prefix *p;

	if (!__atomic_load_n(&info->detail, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&info->lock);
	p = prefix_find(info, key, nkey);
	if (p) {
		p->gets += op == KV_PREFIX_GET || op == KV_PREFIX_HIT;
		p->hits += op == KV_PREFIX_HIT;
		p->sets += op == KV_PREFIX_SET;
		p->dels += op == KV_PREFIX_DEL;
	}
	pthread_mutex_unlock(&info->lock);
}

static int prefix_dump(struct kv_server_info *info, struct kv_buf *out)
{
	struct prefix *p;
	unsigned int i;
	int err = 0;

	pthread_mutex_lock(&info->lock);
	for (i = 0; info->prefixes && i < PREFIX_BUCKETS && !err; i++)
		for (p = info->prefixes->bucket[i]; p && !err; p = p->next)
			err = puts_(out, "PREFIX ") ?: put(out, p->name, p->len) ?:
			      putf(out, " get %" PRIu64 " hit %" PRIu64 " set %"
				   PRIu64 " del %" PRIu64 "\r\n", p->gets,
				   p->hits, p->sets, p->dels);
	pthread_mutex_unlock(&info->lock);
	return err ?: puts_(out, "END\r\n");
}

/* The threads' counts summed, and since the last reset (with @since). */
static void counts_sum(struct kv_server_info *info, struct kv_counts *n,
		       struct kv_gauges *g, bool since)
{
	const size_t nn = sizeof(*n) / sizeof(uint64_t);
	const size_t ng = sizeof(*g) / sizeof(uint64_t);
	uint64_t *dn = (uint64_t *)n, *dg = (uint64_t *)g;
	const uint64_t *sn, *sg, *b;
	uint32_t t;
	size_t i;

	memset(n, 0, sizeof(*n));
	memset(g, 0, sizeof(*g));
	for (t = 0; t < info->threads; t++) {
		sn = (const uint64_t *)&info->ctr[t].n;
		sg = (const uint64_t *)&info->ctr[t].g;
		for (i = 0; i < nn; i++)
			dn[i] += __atomic_load_n(&sn[i], __ATOMIC_RELAXED);
		for (i = 0; i < ng; i++)
			dg[i] += __atomic_load_n(&sg[i], __ATOMIC_RELAXED);
	}
	if (!since)
		return;
	pthread_mutex_lock(&info->lock);
	b = (const uint64_t *)&info->base;
	for (i = 0; i < nn; i++)
		dn[i] -= b[i];
	pthread_mutex_unlock(&info->lock);
}

static void stats_reset(struct kv_conn *c)
{
	struct kv_server_info *info = c->info;
	struct kv_counts n;
	struct kv_gauges g;

	counts_sum(info, &n, &g, false);
	pthread_mutex_lock(&info->lock);
	info->base = n;
	prefixes_clear(info);
	pthread_mutex_unlock(&info->lock);
	kv_store_stats_reset(c->store);
}

/* "STAT name value\r\n" lines; the first error sticks. */
struct emit {
	struct kv_buf *out;
	int err;
};

static void stat(struct emit *e, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void stat(struct emit *e, const char *name, const char *fmt, ...)
{
	char val[256];
	va_list ap;

	if (e->err)
		return;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	e->err = putf(e->out, "STAT %s %s\r\n", name, val);
}

static void stat_u(struct emit *e, const char *name, uint64_t v)
{
	stat(e, name, "%" PRIu64, v);
}

static unsigned int log2_of(uint64_t v)
{
	unsigned int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/* Plain "stats": memcached's server_stats(), then get_stats(NULL). */
static void stats_general(struct kv_conn *c, struct emit *e)
{
	struct kv_server_info *info = c->info;
	int64_t now = c->clock();
	struct kv_store_stats s;
	struct kv_counts n;
	struct kv_gauges g;
	struct rusage ru;

	kv_store_stats(c->store, &s);
	counts_sum(info, &n, &g, true);
	getrusage(RUSAGE_SELF, &ru);
	stat(e, "pid", "%ld", (long)getpid());
	stat(e, "uptime", "%" PRId64, now - info->started);
	stat(e, "time", "%" PRId64, now);
	stat(e, "version", "%s", KV_VERSION);
	stat(e, "libevent", "%s", "ixev");
	stat(e, "pointer_size", "%d", (int)(8 * sizeof(void *)));
	stat(e, "rusage_user", "%ld.%06ld", (long)ru.ru_utime.tv_sec,
	     (long)ru.ru_utime.tv_usec);
	stat(e, "rusage_system", "%ld.%06ld", (long)ru.ru_stime.tv_sec,
	     (long)ru.ru_stime.tv_usec);
	stat_u(e, "max_connections", g.max_conns);
	stat_u(e, "curr_connections", g.curr_conns);
	stat_u(e, "total_connections", n.total_conns);
	stat_u(e, "rejected_connections", n.rejected_conns);
	stat_u(e, "connection_structures", g.curr_conns);
	stat_u(e, "response_obj_oom", 0);
	stat_u(e, "response_obj_count", 0);
	stat_u(e, "response_obj_bytes", 0);
	stat_u(e, "read_buf_count", g.read_buf_count);
	stat_u(e, "read_buf_bytes", g.read_buf_bytes);
	stat_u(e, "read_buf_bytes_free", 0);
	stat_u(e, "read_buf_oom", 0);
	stat_u(e, "reserved_fds", 0);
	stat_u(e, "cmd_get", s.get_hits + s.get_misses);
	stat_u(e, "cmd_set", s.cmd_set);
	stat_u(e, "cmd_flush", s.cmd_flush);
	stat_u(e, "cmd_touch", s.cmd_touch);
	stat_u(e, "cmd_meta", n.cmd_meta);
	stat_u(e, "get_hits", s.get_hits);
	stat_u(e, "get_misses", s.get_misses);
	stat_u(e, "get_expired", s.get_expired);
	stat_u(e, "get_flushed", s.get_flushed);
	stat_u(e, "delete_misses", s.delete_misses);
	stat_u(e, "delete_hits", s.delete_hits);
	stat_u(e, "incr_misses", s.incr_misses);
	stat_u(e, "incr_hits", s.incr_hits);
	stat_u(e, "decr_misses", s.decr_misses);
	stat_u(e, "decr_hits", s.decr_hits);
	stat_u(e, "cas_misses", s.cas_misses);
	stat_u(e, "cas_hits", s.cas_hits);
	stat_u(e, "cas_badval", s.cas_badval);
	stat_u(e, "touch_hits", s.touch_hits);
	stat_u(e, "touch_misses", s.touch_misses);
	stat_u(e, "store_too_large", n.store_too_large);
	stat_u(e, "store_no_memory", n.store_no_memory);
	stat_u(e, "auth_cmds", 0);
	stat_u(e, "auth_errors", 0);
	stat_u(e, "bytes_read", n.bytes_read);
	stat_u(e, "bytes_written", n.bytes_written);
	stat_u(e, "limit_maxbytes", s.limit_maxbytes);
	stat_u(e, "accepting_conns", 1);
	stat_u(e, "listen_disabled_num", 0);
	stat_u(e, "time_in_listen_disabled_us", 0);
	stat_u(e, "threads", info->threads);
	stat_u(e, "conn_yields", 0);
	stat_u(e, "hash_power_level", log2_of(s.hash_buckets));
	stat_u(e, "hash_bytes", s.hash_buckets * sizeof(void *));
	stat_u(e, "hash_is_expanding", 0);
	stat_u(e, "slab_reassign_rescues", 0);
	stat_u(e, "slab_reassign_chunk_rescues", 0);
	stat_u(e, "slab_reassign_evictions_nomem", 0);
	stat_u(e, "slab_reassign_inline_reclaim", 0);
	stat_u(e, "slab_reassign_busy_items", 0);
	stat_u(e, "slab_reassign_busy_deletes", 0);
	stat_u(e, "slab_reassign_running", 0);
	stat_u(e, "slabs_moved", 0);
	stat_u(e, "lru_crawler_running", 0);
	stat_u(e, "lru_crawler_starts", 0);
	stat_u(e, "lru_maintainer_juggles", 0);
	stat_u(e, "malloc_fails", s.malloc_fails);
	stat_u(e, "log_worker_dropped", 0);
	stat_u(e, "log_worker_written", 0);
	stat_u(e, "log_watcher_skipped", 0);
	stat_u(e, "log_watcher_sent", 0);
	stat_u(e, "log_watchers", 0);
	stat_u(e, "unexpected_napi_ids", 0);
	stat_u(e, "round_robin_fallback", 0);
	stat_u(e, "bytes", s.bytes);
	stat_u(e, "curr_items", s.curr_items);
	stat_u(e, "total_items", s.total_items);
	stat_u(e, "slab_global_page_pool", 0);
	stat_u(e, "expired_unfetched", s.expired_unfetched);
	stat_u(e, "evicted_unfetched", s.evicted_unfetched);
	stat_u(e, "evicted_active", s.evicted_active);
	stat_u(e, "evictions", s.evictions);
	stat_u(e, "reclaimed", s.reclaimed);
	stat_u(e, "crawler_reclaimed", 0);
	stat_u(e, "crawler_items_checked", 0);
	stat_u(e, "lrutail_reflocked", 0);
	stat_u(e, "moves_to_cold", 0);
	stat_u(e, "moves_to_warm", 0);
	stat_u(e, "moves_within_lru", 0);
	stat_u(e, "direct_reclaims", s.direct_reclaims);
	stat_u(e, "lru_bumps_dropped", 0);
}

/*
 * memcached's process_stat_settings, the names of a Debian build (with
 * extstore and TLS). What this server has prints its value; a switch of
 * machinery it lacks prints "no" (slab_reassign, lru_crawler,
 * lru_maintainer_thread, lru_segmented, dump_enabled, ssl_enabled...);
 * the tunables of that machinery print memcached's defaults, which tune
 * nothing here.
 */
static void stats_settings(struct kv_conn *c, struct emit *e)
{
	struct kv_server_info *info = c->info;
	struct kv_store_stats s;
	struct kv_counts n;
	struct kv_gauges g;

	kv_store_stats(c->store, &s);
	counts_sum(info, &n, &g, false);
	stat_u(e, "maxbytes", s.limit_maxbytes);
	stat_u(e, "maxconns", g.max_conns);
	stat(e, "tcpport", "%u", info->port);
	stat(e, "udpport", "%d", 0);
	stat(e, "inter", "%s", "NULL");
	stat(e, "verbosity", "%u",
	     __atomic_load_n(&info->verbosity, __ATOMIC_RELAXED));
	stat(e, "oldest", "%d", 0);
	stat(e, "evictions", "%s", "on");
	stat(e, "domain_socket", "%s", "NULL");
	stat(e, "umask", "%o", 0700);
	stat(e, "shutdown_command", "%s", "no");
	stat(e, "growth_factor", "%.2f", 1.25);
	stat(e, "chunk_size", "%d", 48);
	stat(e, "num_threads", "%u", info->threads);
	stat(e, "num_threads_per_udp", "%u", info->threads);
	stat(e, "stat_key_prefix", "%c", PREFIX_DELIM);
	stat(e, "detail_enabled", "%s",
	     __atomic_load_n(&info->detail, __ATOMIC_RELAXED) ? "yes" : "no");
	stat(e, "reqs_per_event", "%d", 20);
	stat(e, "cas_enabled", "%s", "yes");
	stat(e, "tcp_backlog", "%u", info->backlog);
	stat(e, "binding_protocol", "%s", "ascii");
	stat(e, "auth_enabled_sasl", "%s", "no");
	stat(e, "auth_enabled_ascii", "%s", "no");
	stat_u(e, "item_size_max", s.item_size_max);
	stat(e, "maxconns_fast", "%s", "yes");
	stat(e, "hashpower_init", "%u", log2_of(s.hash_buckets));
	stat(e, "slab_reassign", "%s", "no");
	stat(e, "slab_automove", "%d", 0);
	stat(e, "slab_automove_ratio", "%.2f", 0.8);
	stat(e, "slab_automove_window", "%u", 30);
	stat(e, "slab_chunk_max", "%d", 524288);
	stat(e, "lru_crawler", "%s", "no");
	stat(e, "lru_crawler_sleep", "%d", 100);
	stat(e, "lru_crawler_tocrawl", "%d", 0);
	stat(e, "tail_repair_time", "%d", 0);
	stat(e, "flush_enabled", "%s", "yes");
	stat(e, "dump_enabled", "%s", "no");
	stat(e, "hash_algorithm", "%s", "fnv1a");
	stat(e, "lru_maintainer_thread", "%s", "no");
	stat(e, "lru_segmented", "%s", "no");
	stat(e, "hot_lru_pct", "%d", 20);
	stat(e, "warm_lru_pct", "%d", 40);
	stat(e, "hot_max_factor", "%.2f", 0.2);
	stat(e, "warm_max_factor", "%.2f", 2.0);
	stat(e, "temp_lru", "%s", "no");
	stat(e, "temporary_ttl", "%u", 61);
	stat(e, "idle_timeout", "%d", 0);
	stat(e, "watcher_logbuf_size", "%u", 262144);
	stat(e, "worker_logbuf_size", "%u", 65536);
	stat(e, "read_buf_mem_limit", "%u", 0);
	stat(e, "track_sizes", "%s", "no");
	stat(e, "inline_ascii_response", "%s", "no");
	stat(e, "ext_item_size", "%u", 512);
	stat(e, "ext_item_age", "%u", UINT32_MAX);
	stat(e, "ext_low_ttl", "%u", 0);
	stat(e, "ext_recache_rate", "%u", 2000);
	stat(e, "ext_wbuf_size", "%u", 4194304);
	stat(e, "ext_compact_under", "%u", 0);
	stat(e, "ext_drop_under", "%u", 0);
	stat(e, "ext_max_sleep", "%u", 1000000);
	stat(e, "ext_max_frag", "%.2f", 0.8);
	stat(e, "slab_automove_freeratio", "%.3f", 0.01);
	stat(e, "ext_drop_unread", "%s", "no");
	stat(e, "ssl_enabled", "%s", "no");
	stat(e, "ssl_chain_cert", "%s", "(null)");
	stat(e, "ssl_key", "%s", "(null)");
	stat(e, "ssl_verify_mode", "%d", 0);
	stat(e, "ssl_keyformat", "%d", 1);
	stat(e, "ssl_ciphers", "%s", "NULL");
	stat(e, "ssl_ca_cert", "%s", "NULL");
	stat(e, "ssl_wbuf_size", "%u", 16384);
	stat(e, "ssl_session_cache", "%s", "no");
	stat(e, "ssl_kernel_tls", "%s", "no");
	stat(e, "ssl_min_version", "%s", "tlsv1.2");
	stat(e, "num_napi_ids", "%s", "(null)");
	stat(e, "memory_file", "%s", "(null)");
}

/* memcached's item_stats() for the one class: nothing while empty. */
static void stats_items(struct kv_conn *c, struct emit *e)
{
	int64_t now = c->clock();
	struct kv_store_stats s;

	kv_store_stats(c->store, &s);
	if (!s.curr_items)
		return;
	stat_u(e, "items:1:number", s.curr_items);
	stat_u(e, "items:1:number_hot", 0);
	stat_u(e, "items:1:number_warm", 0);
	stat_u(e, "items:1:number_cold", s.curr_items);
	stat_u(e, "items:1:age_hot", 0);
	stat_u(e, "items:1:age_warm", 0);
	stat(e, "items:1:age", "%" PRId64,
	     s.oldest_atime ? now - s.oldest_atime : 0);
	stat_u(e, "items:1:mem_requested", s.bytes);
	stat_u(e, "items:1:evicted", s.evictions);
	stat_u(e, "items:1:evicted_nonzero", s.evicted_nonzero);
	stat(e, "items:1:evicted_time", "%" PRId64,
	     s.evicted_atime ? now - s.evicted_atime : 0);
	stat_u(e, "items:1:outofmemory", s.malloc_fails);
	stat_u(e, "items:1:tailrepairs", 0);
	stat_u(e, "items:1:reclaimed", s.reclaimed);
	stat_u(e, "items:1:expired_unfetched", s.expired_unfetched);
	stat_u(e, "items:1:evicted_unfetched", s.evicted_unfetched);
	stat_u(e, "items:1:evicted_active", s.evicted_active);
	stat_u(e, "items:1:crawler_reclaimed", 0);
	stat_u(e, "items:1:crawler_items_checked", 0);
	stat_u(e, "items:1:lrutail_reflocked", 0);
	stat_u(e, "items:1:moves_to_cold", 0);
	stat_u(e, "items:1:moves_to_warm", 0);
	stat_u(e, "items:1:moves_within_lru", 0);
	stat_u(e, "items:1:direct_reclaims", s.direct_reclaims);
	stat_u(e, "items:1:hits_to_hot", 0);
	stat_u(e, "items:1:hits_to_warm", 0);
	stat_u(e, "items:1:hits_to_cold", s.get_hits);
	stat_u(e, "items:1:hits_to_temp", 0);
}

/*
 * memcached's slabs_stats(): the class is the whole store, its chunks
 * the items (a chunk per item, none free), its page the memory limit.
 */
static void stats_slabs(struct kv_conn *c, struct emit *e)
{
	struct kv_store_stats s;

	kv_store_stats(c->store, &s);
	if (s.curr_items) {
		stat_u(e, "1:chunk_size", s.curr_items ?
		       s.bytes / s.curr_items : 0);
		stat_u(e, "1:chunks_per_page", s.curr_items);
		stat_u(e, "1:total_pages", 1);
		stat_u(e, "1:total_chunks", s.curr_items);
		stat_u(e, "1:used_chunks", s.curr_items);
		stat_u(e, "1:free_chunks", 0);
		stat_u(e, "1:free_chunks_end", 0);
		stat_u(e, "1:get_hits", s.get_hits);
		stat_u(e, "1:cmd_set", s.cmd_set);
		stat_u(e, "1:delete_hits", s.delete_hits);
		stat_u(e, "1:incr_hits", s.incr_hits);
		stat_u(e, "1:decr_hits", s.decr_hits);
		stat_u(e, "1:cas_hits", s.cas_hits);
		stat_u(e, "1:cas_badval", s.cas_badval);
		stat_u(e, "1:touch_hits", s.touch_hits);
	}
	stat_u(e, "active_slabs", s.curr_items ? 1 : 0);
	stat_u(e, "total_malloced", s.bytes);
}

static int stats_detail(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	const char *arg = w->n > 2 ? w->w[2] : "";

	if (!strcmp(arg, "on") || !strcmp(arg, "off")) {
		__atomic_store_n(&c->info->detail, arg[1] == 'n',
				 __ATOMIC_RELAXED);
		return puts_(out, "OK\r\n");
	}
	if (!strcmp(arg, "dump"))
		return prefix_dump(c->info, out);
	return puts_(out, "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
}

int kv_stats_command(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	struct emit e = { .out = out };
	const char *sub = w->n > 1 ? w->w[1] : NULL;

	if (!sub) {
		stats_general(c, &e);
	} else if (!strcmp(sub, "reset")) {
		stats_reset(c);
		return puts_(out, "RESET\r\n");
	} else if (!strcmp(sub, "detail")) {
		return stats_detail(c, w, out);
	} else if (!strcmp(sub, "settings")) {
		stats_settings(c, &e);
	} else if (!strcmp(sub, "cachedump")) {
		return puts_(out, "CLIENT_ERROR stats cachedump not allowed\r\n");
	} else if (!strcmp(sub, "conns") || !strcmp(sub, "extstore")) {
		/* END only: see the top of this file. */
	} else if (!strcmp(sub, "items")) {
		stats_items(c, &e);
	} else if (!strcmp(sub, "slabs")) {
		stats_slabs(c, &e);
	} else if (!strcmp(sub, "sizes")) {
		stat(&e, "sizes_status", "%s", "disabled");
	} else if (!strcmp(sub, "sizes_enable")) {
		/* As memcached's sizes_enable and sizes_disable: no END. */
		stat(&e, "sizes_status", "%s", "error");
		stat(&e, "sizes_error", "%s", "not_supported");
		return e.err;
	} else if (!strcmp(sub, "sizes_disable")) {
		stat(&e, "sizes_status", "%s", "disabled");
		return e.err;
	} else {
		return puts_(out, "ERROR\r\n");
	}
	return e.err ?: puts_(out, "END\r\n");
}
