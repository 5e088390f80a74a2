// SPDX-License-Identifier: GPL-2.0
/*
 * The key-value server's protocol (examples/kv/kv_proto.c) against
 * memcached 1.6.18's own replies: test/kv/golden.txt holds requests and
 * what Debian's memcached answered to each, on one connection, in order
 * (test/kv/golden.py made it); the same requests fed to one kv_conn must
 * give the same bytes. Then the pieces: a request cut anywhere gives the
 * same replies, and bounds (line length, key length) hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kv_proto.h"
#include "unit.h"

#ifndef GOLDEN
#define GOLDEN "../kv/golden.txt"
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
	kv_conn_init(&c, s, NULL, fixed_now);
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

/* A line without its end past KV_LINE_MAX closes, with memcached's error. */
static void test_line_too_long(void **state)
{
	struct kv_store *s = kv_store_create(1 << 20, 1 << 20, fixed_now);
	static uint8_t big[KV_LINE_MAX + 10];
	struct kv_buf out = { 0 };
	struct kv_conn c;

	memset(big, 'x', sizeof(big));
	kv_conn_init(&c, s, NULL, fixed_now);
	assert_int_equal(kv_conn_feed(&c, big, sizeof(big), &out), 0);
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
	kv_conn_init(&c, s, NULL, fixed_now);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_golden_in_pieces),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_lru_eviction),
	};

	unit_filter();
	return cmocka_run_group_tests_name("kv", tests, NULL, NULL);
}
