// SPDX-License-Identifier: GPL-2.0
/*
 * The key-value server's protocol (examples/kv/kv_proto.c) against
 * memcached 1.6.18's own replies: test/kv/golden.txt holds requests and
 * what Debian's memcached answered to each, on one connection, in order
 * (test/kv/golden.py made it); the same requests fed to one kv_conn must
 * give the same bytes. Then the pieces: a request cut anywhere gives the
 * same replies, and bounds (line length, key length) hold. Then stats:
 * the names memcached prints, in its order (test/kv/stats_keys.txt,
 * recorded from it), lines of its form, and counters that count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>

#include "kv_proto.h"
#include "unit.h"

#ifndef GOLDEN
#define GOLDEN "../kv/golden.txt"
#endif
#ifndef KV_DATA
#define KV_DATA "../kv"
#endif

static int64_t fixed_now(void)
{
	return 1700000000;
}

/* C escapes of golden.py back to bytes; returns the length. */
static size_t unescape(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned int x;

	while (*s) {
		if (*s != '\\') {
			out[n++] = (uint8_t)*s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r':
			out[n++] = '\r';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case '\\':
			out[n++] = '\\';
			break;
		case 'x':
			sscanf(s + 1, "%2x", &x);
			out[n++] = (uint8_t)x;
			s += 2;
			break;
		default:
			out[n++] = (uint8_t)*s;
		}
		s++;
	}
	return n;
}

static void escape_print(const char *tag, const uint8_t *p, size_t n)
{
	size_t i;

	printf("# %s: ", tag);
	for (i = 0; i < n && i < 300; i++) {
		if (p[i] == '\r')
			printf("\\r");
		else if (p[i] == '\n')
			printf("\\n");
		else
			putchar(p[i]);
	}
	printf("\n");
}

/* Replay the golden file, feeding each request in pieces of @piece bytes. */
static unsigned int replay(size_t piece)
{
	static char line[70000];
	static uint8_t req[70000], want[70000];
	struct kv_store *s = kv_store_create(64 << 20, 1 << 20, fixed_now);
	struct kv_buf out = { 0 };
	struct kv_conn c;
	unsigned int bad = 0, cases = 0;
	size_t nreq = 0, nwant, off, k;
	FILE *f = fopen(GOLDEN, "r");

	assert_non_null(f);
	assert_non_null(s);
	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "> ", 2)) {
			nreq = unescape(line + 2, req);
			continue;
		}
		if (strncmp(line, "< ", 2) && strcmp(line, "<"))
			continue;
		nwant = unescape(line[1] ? line + 2 : "", want);
		out.len = 0;
		for (off = 0; off < nreq; off += k) {
			k = nreq - off < piece ? nreq - off : piece;
			assert_int_equal(kv_conn_feed(&c, req + off, k, &out), 0);
		}
		cases++;
		if (out.len != nwant || memcmp(out.p, want, nwant)) {
			bad++;
			escape_print("request", req, nreq);
			escape_print("memcached", want, nwant);
			escape_print("kv", out.p, out.len);
		}
	}
	fclose(f);
	printf("# %u requests in pieces of %zu bytes, %u differ\n", cases,
	       piece, bad);
	assert_true(cases > 100);
	kv_conn_fini(&c);
	kv_buf_free(&out);
	kv_store_destroy(s);
	return bad;
}

static void test_golden(void **state)
{
	assert_int_equal(replay(1 << 20), 0);
}

static void test_golden_in_pieces(void **state)
{
	assert_int_equal(replay(1), 0);
	assert_int_equal(replay(7), 0);
}

/*
 * Long lines as memcached takes them: one with no end past 2048 bytes is
 * closed without a word, a get may run long, to a bound.
 */
static void test_line_too_long(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 1 << 20, fixed_now);
	static uint8_t big[KV_GET_LINE_MAX + 10];
	struct kv_buf out = { 0 };
	struct kv_conn c;
	size_t n, i;

	/* A line with no end past 2048 bytes: closed without a word. */
	memset(big, 'x', KV_LINE_MAX + 10);
	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	assert_int_equal(kv_conn_feed(&c, big, KV_LINE_SHORT, &out), 0);
	assert_false(c.closed);
	assert_int_equal(kv_conn_feed(&c, big, 1, &out), 0);
	assert_true(c.closed);
	assert_int_equal(out.len, 0);
	kv_conn_fini(&c);

	/* A whole one up to KV_LINE_MAX is read: an unknown command. */
	big[3000] = '\n';
	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	assert_int_equal(kv_conn_feed(&c, big, 3001, &out), 0);
	assert_false(c.closed);
	assert_int_equal(out.len, strlen("ERROR\r\n"));
	out.len = 0;
	kv_conn_fini(&c);

	/* A get of 200 keys of 60 bytes (12 KB), fed in pieces: all read. */
	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	n = (size_t)sprintf((char *)big, "set k%059d 0 0 2\r\nhi\r\n", 150);
	assert_int_equal(kv_conn_feed(&c, big, n, &out), 0);
	out.len = 0;
	n = (size_t)sprintf((char *)big, "get");
	for (i = 0; i < 200; i++)
		n += (size_t)sprintf((char *)big + n, " k%059zu", i);
	big[n++] = '\r';
	big[n++] = '\n';
	for (i = 0; i < n; i += 1000)
		assert_int_equal(kv_conn_feed(&c, big + i, n - i < 1000 ? n - i : 1000,
					      &out), 0);
	assert_false(c.closed);
	/* VALUE <60-byte key> 0 2, hi, END: the 150th of 200 keys found. */
	assert_int_equal(out.len, 6 + 60 + 6 + 4 + 5);
	assert_memory_equal(out.p + out.len - 9, "hi\r\nEND\r\n", 9);
	out.len = 0;
	kv_conn_fini(&c);

	/* Past KV_GET_LINE_MAX even a get is refused. */
	memcpy(big, "get ", 4);
	memset(big + 4, 'k', KV_GET_LINE_MAX + 6);
	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	assert_int_equal(kv_conn_feed(&c, big, KV_GET_LINE_MAX + 10, &out), 0);
	assert_true(c.closed);
	assert_int_equal(out.len, strlen("CLIENT_ERROR line too long\r\n"));
	assert_memory_equal(out.p, "CLIENT_ERROR line too long\r\n", out.len);
	kv_conn_fini(&c);
	kv_buf_free(&out);
	kv_store_destroy(s);
}

/* A value past the item limit is refused and its bytes still read. */
static void test_too_large(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 1000, fixed_now);
	const char *req = "set big 0 0 2000\r\n";
	static uint8_t data[2002];
	struct kv_buf out = { 0 };
	struct kv_conn c;
	const char *want = "SERVER_ERROR object too large for cache\r\nEND\r\n";

	memset(data, 'v', 2000);
	data[2000] = '\r';
	data[2001] = '\n';
	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	assert_int_equal(kv_conn_feed(&c, (const uint8_t *)req, strlen(req),
				      &out), 0);
	assert_int_equal(kv_conn_feed(&c, data, sizeof(data), &out), 0);
	assert_int_equal(kv_conn_feed(&c, (const uint8_t *)"get big\r\n", 9,
				      &out), 0);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.p, want, out.len);
	kv_conn_fini(&c);
	kv_buf_free(&out);
	kv_store_destroy(s);
}

static void feed(struct kv_conn *c, const char *s, struct kv_buf *out)
{
	assert_int_equal(kv_conn_feed(c, (const uint8_t *)s, strlen(s), out), 0);
}

/*
 * Values in flight: connections announcing large values hold at most the
 * store's budget (its memory limit) together; the next one is refused
 * with memcached's out-of-memory error, its bytes swallowed, and the
 * budget comes back as values complete or connections go. A set refused
 * as too large drops the old value, as memcached.
 */
static void test_pending_budget(void **state)
{
	struct kv_store *s = kv_store_create(64 * 1024, 16 * 1024, fixed_now);
	static struct kv_conn c[8];
	static uint8_t data[16 * 1024];
	struct kv_buf out = { 0 };
	const char *oom = "SERVER_ERROR out of memory storing object\r\n";
	int i;

	for (i = 0; i < 8; i++)
		kv_conn_init(&c[i], s, NULL, NULL, fixed_now);
	/* 4 x 15000 fit in 64 KiB, the fifth does not. */
	for (i = 0; i < 4; i++) {
		feed(&c[i], "set big 0 0 15000\r\n", &out);
		assert_int_equal(out.len, 0);
		assert_true(c[i].in_data);
	}
	feed(&c[4], "set big 0 0 15000\r\n", &out);
	assert_int_equal(out.len, strlen(oom));
	assert_memory_equal(out.p, oom, out.len);
	assert_false(c[4].in_data);
	/* Its bytes are swallowed, then it works again. */
	memset(data, 'v', sizeof(data));
	assert_int_equal(kv_conn_feed(&c[4], data, 15002, &out), 0);
	out.len = 0;
	feed(&c[4], "get big\r\n", &out);
	assert_int_equal(out.len, 5);
	/* A connection going away gives its share back. */
	kv_conn_fini(&c[0]);
	out.len = 0;
	feed(&c[5], "set big 0 0 15000\r\n", &out);
	assert_int_equal(out.len, 0);
	assert_true(c[5].in_data);
	/* A completed value gives it back as well. */
	data[15000] = '\r';
	data[15001] = '\n';
	assert_int_equal(kv_conn_feed(&c[1], data, 15002, &out), 0);
	assert_memory_equal(out.p, "STORED\r\n", out.len);
	out.len = 0;
	feed(&c[6], "set big2 0 0 15000\r\n", &out);
	assert_int_equal(out.len, 0);
	/* Too large: refused, and the old "big" is gone. */
	feed(&c[7], "set big 0 0 20000\r\n", &out);
	assert_int_equal(kv_conn_feed(&c[7], data, 20002 > sizeof(data) ?
				      sizeof(data) : 20002, &out), 0);
	assert_int_equal(kv_conn_feed(&c[7], data, 20002 - sizeof(data),
				      &out), 0);
	out.len = 0;
	feed(&c[7], "get big\r\n", &out);
	assert_memory_equal(out.p, "END\r\n", out.len);
	for (i = 1; i < 8; i++)
		kv_conn_fini(&c[i]);
	kv_buf_free(&out);
	kv_store_destroy(s);
}

/*
 * Half a command holds a small buffer, not KV_LINE_MAX: 10,000 such
 * connections cost a few megabytes.
 */
/*
 * A value's buffer grows with its bytes: many announced large values cost
 * what was sent of them, and one that outgrows the budget is refused when
 * it does, the rest of it dropped.
 */
static void test_lazy_value(void **state)
{
	/* A budget of 256 KiB for data in flight (the memory limit). */
	struct kv_store *s = kv_store_create(256 * 1024, 100 * 1024, fixed_now);
	const char *oom = "SERVER_ERROR out of memory storing object\r\n";
	static uint8_t data[100002];
	static struct kv_conn c[8];
	struct kv_buf out = { 0 };
	int i;

	memset(data, 'v', sizeof(data));
	data[100000] = '\r';
	data[100001] = '\n';
	for (i = 0; i < 8; i++) {
		kv_conn_init(&c[i], s, NULL, NULL, fixed_now);
		feed(&c[i], "set big 0 0 100000\r\n", &out);
		assert_true(c[i].in_data);
	}
	/* 800,000 bytes announced, 8 x 16 KiB held: nothing refused. */
	assert_int_equal(out.len, 0);
	assert_int_equal(kv_conn_feed(&c[0], data, sizeof(data), &out), 0);
	assert_memory_equal(out.p, "STORED\r\n", out.len);
	out.len = 0;
	/* 7 x 16 KiB left; at 60,000 bytes each holds 64 KiB: the fourth
	 * outgrows the budget and is refused then.
	 */
	for (i = 1; i <= 3; i++)
		assert_int_equal(kv_conn_feed(&c[i], data, 60000, &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(kv_conn_feed(&c[4], data, 60000, &out), 0);
	assert_int_equal(out.len, strlen(oom));
	assert_memory_equal(out.p, oom, out.len);
	assert_false(c[4].in_data);
	/*
	 * It reads the rest of its value and works again; as memcached, the
	 * refused set took the old value with it.
	 */
	out.len = 0;
	assert_int_equal(kv_conn_feed(&c[4], data + 60000, 40002, &out), 0);
	assert_int_equal(out.len, 0);
	feed(&c[4], "get big\r\n", &out);
	assert_memory_equal(out.p, "END\r\n", out.len);
	out.len = 0;
	/* One get line naming a value many times: the reply is bounded. */
	for (i = 1; i <= 3; i++) {
		kv_conn_fini(&c[i]);
		kv_conn_init(&c[i], s, NULL, NULL, fixed_now);
	}
	assert_int_equal(kv_conn_feed(&c[5], data, sizeof(data), &out), 0);
	assert_memory_equal(out.p, "STORED\r\n", out.len);
	out.len = 0;
	/* Twice fits the memory limit (256 KiB), three times not. */
	feed(&c[5], "get big big\r\n", &out);
	assert_int_equal(out.len, 2 * (6 + 3 + 11 + 100002) + 5);
	out.len = 0;
	feed(&c[5], "get big big big\r\n", &out);
	assert_memory_equal(out.p, "SERVER_ERROR out of memory writing get response\r\n",
			    out.len);
	for (i = 0; i < 8; i++)
		kv_conn_fini(&c[i]);
	kv_buf_free(&out);
	kv_store_destroy(s);
}

static void test_half_command(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 1 << 20, fixed_now);
	struct kv_buf out = { 0 };
	struct kv_conn c;

	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	feed(&c, "get some", &out);
	assert_int_equal(out.len, 0);
	assert_true(c.line_cap <= 256);
	feed(&c, "key\r\n", &out);
	assert_memory_equal(out.p, "END\r\n", out.len);
	assert_null(c.line);
	kv_conn_fini(&c);
	kv_buf_free(&out);
	kv_store_destroy(s);
}

/* The memory limit: the least recently used items go first. */
static void test_lru_eviction(void **state)
{
	struct kv_store *s = kv_store_create(64 * 1024, 4096, fixed_now);
	static uint8_t v[1000];
	struct kv_store_stats st;
	char key[16];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(kv_store_put(s, KV_SET, key, strlen(key), 0,
					      0, v, sizeof(v), 0), KV_STORED);
	}
	kv_store_stats(s, &st);
	assert_true(st.evictions > 0);
	assert_true(st.curr_items < 200);
	assert_int_equal(kv_store_delete(s, "k0", 2), KV_NOT_FOUND);
	assert_int_equal(kv_store_delete(s, "k199", 4), KV_DELETED);
	kv_store_destroy(s);
}

static int64_t fake_time = 1700000000;

static int64_t fake_now(void)
{
	return fake_time;
}

static void count_hit(void *arg, const struct kv_value *v)
{
	(*(int *)arg)++;
}

static bool alive(struct kv_store *s, const char *key)
{
	int n = 0;

	return kv_store_get(s, key, strlen(key), false, 0, count_hit, &n) &&
	       n == 1;
}

static void put(struct kv_store *s, const char *key, int64_t exptime)
{
	assert_int_equal(kv_store_put(s, KV_SET, key, strlen(key), 0, exptime,
				      (const uint8_t *)"v", 1, 0), KV_STORED);
}

/*
 * Expiry as memcached: 0 never, up to 30 days relative, beyond a Unix
 * time (in the past: gone at once), negative gone at once; touch and gat
 * move it; flush_all now, and flush_all N for what exists N seconds on.
 */
static void test_expiry(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 4096, fake_now);
	int n = 0;

	fake_time = 1700000000;
	put(s, "never", 0);
	put(s, "rel", 10);
	put(s, "abs", 1700000020);
	put(s, "past", 1600000000);
	put(s, "neg", -1);
	assert_true(alive(s, "never"));
	assert_true(alive(s, "rel"));
	assert_true(alive(s, "abs"));
	assert_false(alive(s, "past"));
	assert_false(alive(s, "neg"));
	fake_time += 10;
	assert_false(alive(s, "rel"));
	assert_true(alive(s, "abs"));
	assert_int_equal(kv_store_touch(s, "abs", 3, 100), KV_TOUCHED);
	fake_time += 50;
	assert_true(alive(s, "abs"));
	assert_true(kv_store_get(s, "abs", 3, true, 1, count_hit, &n));
	fake_time += 1;
	assert_false(alive(s, "abs"));
	assert_int_equal(kv_store_touch(s, "abs", 3, 100), KV_NOT_FOUND);
	/*
	 * Delayed flush: nothing goes before the time, everything then; as
	 * memcached, "flush_all 5" takes effect in the second starting 4 s
	 * on (its realtime(5) - 1).
	 */
	put(s, "a", 0);
	kv_store_flush(s, 5);
	assert_true(alive(s, "a"));
	fake_time += 3;
	assert_true(alive(s, "never"));
	fake_time += 1;
	assert_false(alive(s, "never"));
	assert_false(alive(s, "a"));
	/* Stored after the flush time: alive; flush now: gone, even this second. */
	fake_time += 1;
	put(s, "b", 0);
	assert_true(alive(s, "b"));
	kv_store_flush(s, 0);
	assert_false(alive(s, "b"));
	put(s, "c", 0);
	assert_true(alive(s, "c"));
	kv_store_destroy(s);
}

/* A CAS unique changes with every store, incr included. */
static void test_cas_unique(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 4096, fake_now);
	uint64_t v;

	put(s, "n", 0);
	assert_int_equal(kv_store_put(s, KV_SET, "n", 1, 0, 0,
				      (const uint8_t *)"41", 2, 0), KV_STORED);
	assert_int_equal(kv_store_put(s, KV_CAS, "n", 1, 0, 0,
				      (const uint8_t *)"1", 1, 1), KV_EXISTS);
	assert_int_equal(kv_store_delta(s, "n", 1, true, 1, &v), KV_STORED);
	assert_int_equal(v, 42);
	/* stores 1 and 2, incr 3: cas 2 is stale now, 3 is the one */
	assert_int_equal(kv_store_put(s, KV_CAS, "n", 1, 0, 0,
				      (const uint8_t *)"7", 1, 2), KV_EXISTS);
	assert_int_equal(kv_store_put(s, KV_CAS, "n", 1, 0, 0,
				      (const uint8_t *)"7", 1, 3), KV_STORED);
	assert_int_equal(kv_store_put(s, KV_CAS, "x", 1, 0, 0,
				      (const uint8_t *)"7", 1, 3), KV_NOT_FOUND);
	kv_store_destroy(s);
}

/*
 * The key space in shards: how many, one key space across them, and two
 * threads at once on shared and own keys (each shard's lock, the global
 * CAS counter).
 */
#define SHARD_KEYS	3000

struct hammer {
	struct kv_store *s;
	int id;
	uint64_t cas[SHARD_KEYS];
};

static void take_cas(void *arg, const struct kv_value *v)
{
	*(uint64_t *)arg = v->cas;
}

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;
	char key[32];
	uint64_t v;
	int i;

	for (i = 0; i < SHARD_KEYS; i++) {
		snprintf(key, sizeof(key), "t%d-%d", h->id, i);
		if (kv_store_put(h->s, KV_SET, key, strlen(key), 0, 0,
				 (const uint8_t *)key, strlen(key), 0) != KV_STORED ||
		    kv_store_delta(h->s, "ctr", 3, true, 1, &v) != KV_STORED)
			return "store failed";
	}
	for (i = 0; i < SHARD_KEYS; i++) {
		snprintf(key, sizeof(key), "t%d-%d", h->id, i);
		if (!kv_store_get(h->s, key, strlen(key), false, 0, take_cas,
				  &h->cas[i]))
			return "a key went missing";
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_shards(void **state)
{
	static uint64_t all[2 * SHARD_KEYS];
	struct kv_store *s = kv_store_create(64 << 20, 1 << 20, fixed_now);
	struct kv_store *one = kv_store_create(1 << 20, 1 << 20, fixed_now);
	static struct hammer h[2];
	struct kv_store_stats st;
	pthread_t th[2];
	uint64_t ctr = 0;
	void *ret;
	int i;

	/* Each shard holds at least four of the largest items. */
	assert_int_equal(kv_store_shards(s), 16);
	assert_int_equal(kv_store_shards(one), 1);
	kv_store_destroy(one);
	one = kv_store_create(64 * 1024, 4096, fixed_now);
	assert_int_equal(kv_store_shards(one), 4);
	kv_store_destroy(one);

	assert_int_equal(kv_store_put(s, KV_SET, "ctr", 3, 0, 0,
				      (const uint8_t *)"1", 1, 0), KV_STORED);
	for (i = 0; i < 2; i++) {
		h[i].s = s;
		h[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		if (ret)
			fail_msg("thread %d: %s", i, (const char *)ret);
	}
	/* Every increment of both threads counted: "1" + 2 x SHARD_KEYS. */
	assert_int_equal(kv_store_delta(s, "ctr", 3, true, 0, &ctr), KV_STORED);
	assert_int_equal(ctr, 1 + 2 * SHARD_KEYS);
	/* CAS uniques are unique across the shards. */
	memcpy(all, h[0].cas, sizeof(h[0].cas));
	memcpy(all + SHARD_KEYS, h[1].cas, sizeof(h[1].cas));
	qsort(all, 2 * SHARD_KEYS, sizeof(all[0]), cmp_u64);
	for (i = 1; i < 2 * SHARD_KEYS; i++)
		assert_true(all[i] > all[i - 1]);
	kv_store_stats(s, &st);
	assert_int_equal(st.curr_items, 1 + 2 * SHARD_KEYS);
	assert_int_equal(st.get_hits, 2 * SHARD_KEYS);
	assert_int_equal(st.incr_hits, 2 * SHARD_KEYS + 1);
	assert_int_equal(st.limit_maxbytes, 64 << 20);
	/* flush_all reaches every shard. */
	kv_store_flush(s, 0);
	assert_false(alive(s, "t0-0"));
	assert_false(alive(s, "t1-2999"));
	kv_store_destroy(s);
}

/* One "stats" reply, parsed: its names and values, in order. */
struct stats {
	unsigned int n;
	char name[128][64];
	char value[128][64];
};

/*
 * Send "stats@sub" and parse the reply: every line "STAT name value\r\n"
 * (a name and a value of printable bytes, no spaces), then "END\r\n".
 */
static void stats_get(struct kv_conn *c, const char *sub, struct stats *st)
{
	struct kv_buf out = { 0 };
	char req[64], *p, *end, *sp, *nl;

	snprintf(req, sizeof(req), "stats%s\r\n", sub);
	assert_int_equal(kv_conn_feed(c, (const uint8_t *)req, strlen(req),
				      &out), 0);
	assert_true(out.len >= 5);
	assert_memory_equal(out.p + out.len - 5, "END\r\n", 5);
	memset(st, 0, sizeof(*st));
	p = (char *)out.p;
	end = p + out.len - 5;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		assert_non_null(nl);
		assert_true(nl[-1] == '\r');
		assert_memory_equal(p, "STAT ", 5);
		p += 5;
		sp = memchr(p, ' ', nl - p);
		assert_non_null(sp);
		assert_true(sp > p && sp - p < 64);
		assert_true(nl - 1 - (sp + 1) > 0 && nl - 1 - (sp + 1) < 64);
		assert_null(memchr(sp + 1, ' ', nl - 1 - (sp + 1)));
		assert_true(st->n < 128);
		memcpy(st->name[st->n], p, sp - p);
		memcpy(st->value[st->n], sp + 1, nl - 1 - (sp + 1));
		st->n++;
		p = nl + 1;
	}
	kv_buf_free(&out);
}

static const char *stat_val(const struct stats *st, const char *name)
{
	unsigned int i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->name[i], name))
			return st->value[i];
	fail_msg("no STAT %s", name);
	return NULL;
}

static unsigned long long stat_u(const struct stats *st, const char *name)
{
	const char *v = stat_val(st, name);
	char *end;
	unsigned long long n = strtoull(v, &end, 10);

	if (*end)
		fail_msg("STAT %s %s is not a number", name, v);
	return n;
}

/* The names of @file (one a line, "#" comments) against @st's, in order. */
static void same_names(const char *file, const struct stats *st)
{
	char line[128];
	unsigned int i = 0;
	FILE *f = fopen(file, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (i >= st->n || strcmp(line, st->name[i]))
			fail_msg("STAT %u: memcached has %s, kv %s", i, line,
				 i < st->n ? st->name[i] : "nothing");
		i++;
	}
	fclose(f);
	assert_int_equal(i, st->n);
	assert_true(i > 50);
}

static void test_stats_names(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 1 << 20, fixed_now);
	static struct stats st;
	struct kv_conn c;

	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	stats_get(&c, "", &st);
	same_names(KV_DATA "/stats_keys.txt", &st);
	assert_string_equal(stat_val(&st, "version"), "1.6.18");
	assert_int_equal(stat_u(&st, "time"), fixed_now());
	assert_int_equal(stat_u(&st, "pointer_size"), 8 * sizeof(void *));
	assert_int_equal(stat_u(&st, "limit_maxbytes"), 1 << 20);
	assert_int_equal(stat_u(&st, "threads"), 1);
	stats_get(&c, " settings", &st);
	same_names(KV_DATA "/stats_settings_keys.txt", &st);
	assert_int_equal(stat_u(&st, "maxbytes"), 1 << 20);
	assert_int_equal(stat_u(&st, "item_size_max"), 1 << 20);
	kv_conn_fini(&c);
	kv_store_destroy(s);
}

/* feed() with the replies thrown away; returns their length. */
static size_t run(struct kv_conn *c, const char *req)
{
	struct kv_buf out = { 0 };
	size_t n;

	feed(c, req, &out);
	n = out.len;
	kv_buf_free(&out);
	return n;
}

/*
 * Counters move as commands run, bytes are counted both ways, cmd_meta
 * counts me (as memcached 1.6.18: mg and the others do not), and stats
 * reset zeroes the counters but not what the store holds.
 */
static void test_stats_counters(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 1024, fixed_now);
	static char big[2100];
	static struct stats st, st2;
	unsigned long long rd, wr;
	struct kv_conn c;
	size_t n;

	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	stats_get(&c, "", &st);
	assert_int_equal(stat_u(&st, "get_hits"), 0);
	assert_int_equal(stat_u(&st, "bytes_read"), strlen("stats\r\n"));
	rd = stat_u(&st, "bytes_read");
	n = run(&c, "set k 0 0 2\r\nhi\r\nget k\r\nget nope\r\n");
	stats_get(&c, "", &st2);
	assert_int_equal(stat_u(&st2, "get_hits"), 1);
	assert_int_equal(stat_u(&st2, "get_misses"), 1);
	assert_int_equal(stat_u(&st2, "cmd_get"), 2);
	assert_int_equal(stat_u(&st2, "cmd_set"), 1);
	assert_int_equal(stat_u(&st2, "curr_items"), 1);
	assert_int_equal(stat_u(&st2, "total_items"), 1);
	assert_true(stat_u(&st2, "bytes") >= 3);
	assert_int_equal(stat_u(&st2, "bytes_read"), rd +
			 strlen("set k 0 0 2\r\nhi\r\nget k\r\nget nope\r\n") +
			 strlen("stats\r\n"));
	/* What stats wrote before, and the replies in between. */
	wr = stat_u(&st2, "bytes_written");
	assert_true(wr > n);
	run(&c, "mg k v\r\nmn\r\nme k\r\nme nope\r\n");
	stats_get(&c, "", &st);
	assert_int_equal(stat_u(&st, "cmd_meta"), 2);
	assert_int_equal(stat_u(&st, "get_hits"), 2);
	assert_int_equal(stat_u(&st, "cmd_get"), 3);
	run(&c, "delete k\r\nincr nope 1\r\ntouch nope 1\r\n");
	stats_get(&c, "", &st);
	assert_int_equal(stat_u(&st, "delete_hits"), 1);
	assert_int_equal(stat_u(&st, "incr_misses"), 1);
	assert_int_equal(stat_u(&st, "touch_misses"), 1);
	assert_int_equal(stat_u(&st, "cmd_touch"), 1);
	assert_int_equal(stat_u(&st, "curr_items"), 0);
	/* Too large: counted, as memcached's store_too_large. */
	memset(big, 'v', sizeof(big));
	strcpy(big + 2000, "\r\n");
	run(&c, "set big 0 0 2000\r\n");
	run(&c, big);
	stats_get(&c, "", &st);
	assert_int_equal(stat_u(&st, "store_too_large"), 1);
	/* reset: the counters go, the items stay. */
	run(&c, "set k2 0 0 1\r\nx\r\n");
	n = run(&c, "stats reset\r\n");
	assert_int_equal(n, strlen("RESET\r\n"));
	stats_get(&c, "", &st);
	assert_int_equal(stat_u(&st, "get_hits"), 0);
	assert_int_equal(stat_u(&st, "get_misses"), 0);
	assert_int_equal(stat_u(&st, "cmd_get"), 0);
	assert_int_equal(stat_u(&st, "cmd_set"), 0);
	assert_int_equal(stat_u(&st, "cmd_meta"), 0);
	assert_int_equal(stat_u(&st, "total_items"), 0);
	assert_int_equal(stat_u(&st, "store_too_large"), 0);
	assert_int_equal(stat_u(&st, "curr_items"), 1);
	assert_int_equal(stat_u(&st, "bytes_read"), strlen("stats\r\n"));
	assert_int_equal(stat_u(&st, "bytes_written"), strlen("RESET\r\n"));
	kv_conn_fini(&c);
	kv_store_destroy(s);
}

/*
 * A server of two threads: each connection counts into its thread's
 * counters, stats sums them, and a reset from one thread resets both
 * threads' counts without writing the other's counters.
 */
static void test_stats_threads(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 1 << 20, fixed_now);
	static struct kv_counters ctr[2];
	static struct stats st;
	struct kv_server_info info;
	struct kv_conn a, b;
	uint64_t before;

	kv_server_info_init(&info, fixed_now() - 100, 2, ctr);
	info.port = 11211;
	kv_conn_init(&a, s, &info, &ctr[0], fixed_now);
	kv_conn_init(&b, s, &info, &ctr[1], fixed_now);
	ctr[0].g.curr_conns = 1;
	ctr[1].g.curr_conns = 1;
	run(&a, "set k 0 0 1\r\nx\r\n");
	run(&b, "get k\r\nme k\r\n");
	stats_get(&a, "", &st);
	assert_int_equal(stat_u(&st, "uptime"), 100);
	assert_int_equal(stat_u(&st, "threads"), 2);
	assert_int_equal(stat_u(&st, "curr_connections"), 2);
	assert_int_equal(stat_u(&st, "get_hits"), 1);
	assert_int_equal(stat_u(&st, "cmd_meta"), 1);
	assert_int_equal(stat_u(&st, "bytes_read"),
			 strlen("set k 0 0 1\r\nx\r\n") +
			 strlen("get k\r\nme k\r\n") + strlen("stats\r\n"));
	assert_int_equal(ctr[1].n.bytes_read, strlen("get k\r\nme k\r\n"));
	before = ctr[1].n.bytes_read;
	run(&a, "stats reset\r\n");
	assert_int_equal(ctr[1].n.bytes_read, before);
	stats_get(&b, "", &st);
	assert_int_equal(stat_u(&st, "bytes_read"), strlen("stats\r\n"));
	assert_int_equal(stat_u(&st, "cmd_meta"), 0);
	assert_int_equal(stat_u(&st, "curr_connections"), 2);
	stats_get(&b, " settings", &st);
	assert_int_equal(stat_u(&st, "tcpport"), 11211);
	assert_int_equal(stat_u(&st, "num_threads"), 2);
	/* A cut line, then a value being read, hold a read buffer. */
	stats_get(&a, "", &st);
	assert_int_equal(stat_u(&st, "read_buf_count"), 0);
	run(&b, "get some");
	stats_get(&a, "", &st);
	assert_int_equal(stat_u(&st, "read_buf_count"), 1);
	assert_true(stat_u(&st, "read_buf_bytes") >= strlen("get some"));
	run(&b, "key\r\nset v 0 0 1000\r\n");
	stats_get(&a, "", &st);
	assert_int_equal(stat_u(&st, "read_buf_count"), 1);
	assert_int_equal(stat_u(&st, "read_buf_bytes"), 1002);
	run(&b, "x\r\n");
	kv_conn_fini(&b);
	stats_get(&a, "", &st);
	assert_int_equal(stat_u(&st, "read_buf_count"), 0);
	assert_int_equal(stat_u(&st, "read_buf_bytes"), 0);
	kv_conn_init(&b, s, &info, &ctr[1], fixed_now);
	run(&b, "verbosity 7\r\nstats detail on\r\n");
	stats_get(&a, " settings", &st);
	assert_int_equal(stat_u(&st, "verbosity"), 2);
	assert_string_equal(stat_val(&st, "detail_enabled"), "yes");
	kv_conn_fini(&a);
	kv_conn_fini(&b);
	kv_server_info_fini(&info);
	kv_store_destroy(s);
}

/* items and slabs: one class while items exist, nothing in it otherwise. */
static void test_stats_items_slabs(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 1 << 20, fixed_now);
	static struct stats st;
	struct kv_conn c;

	kv_conn_init(&c, s, NULL, NULL, fixed_now);
	stats_get(&c, " items", &st);
	assert_int_equal(st.n, 0);
	stats_get(&c, " slabs", &st);
	assert_int_equal(st.n, 2);
	assert_int_equal(stat_u(&st, "active_slabs"), 0);
	run(&c, "set a 0 0 1\r\nx\r\nset b 0 0 1\r\ny\r\nget a\r\n");
	stats_get(&c, " items", &st);
	assert_int_equal(stat_u(&st, "items:1:number"), 2);
	assert_int_equal(stat_u(&st, "items:1:hits_to_cold"), 1);
	assert_string_equal(st.name[st.n - 1], "items:1:hits_to_temp");
	stats_get(&c, " slabs", &st);
	assert_int_equal(stat_u(&st, "active_slabs"), 1);
	assert_int_equal(stat_u(&st, "1:used_chunks"), 2);
	assert_int_equal(stat_u(&st, "1:cmd_set"), 2);
	stats_get(&c, " sizes", &st);
	assert_string_equal(stat_val(&st, "sizes_status"), "disabled");
	stats_get(&c, " conns", &st);
	assert_int_equal(st.n, 0);
	kv_conn_fini(&c);
	kv_store_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_golden_in_pieces),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_pending_budget),
		cmocka_unit_test(test_lazy_value),
		cmocka_unit_test(test_half_command),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_cas_unique),
		cmocka_unit_test(test_shards),
		cmocka_unit_test(test_stats_names),
		cmocka_unit_test(test_stats_counters),
		cmocka_unit_test(test_stats_threads),
		cmocka_unit_test(test_stats_items_slabs),
	};

	unit_filter();
	return cmocka_run_group_tests_name("kv", tests, NULL, NULL);
}
