// SPDX-License-Identifier: GPL-2.0
/*
 * memcached's text protocol (kv_proto.h), with memcached 1.6's replies
 * and error strings byte for byte, its quirks included (a decremented
 * counter keeps its length, padded with spaces; a refused data block is
 * still read; a storage command with a wrong number of words is an
 * unknown one). Lines end with "\n", an "\r" before it is dropped; words
 * are separated by one or more spaces; numbers are read as memcached's
 * safe_strto* read them. The meta commands are kv_meta.c's.
 *
 * Memory: a cut command line is held in a buffer grown to its length (at
 * most KV_LINE_MAX, or KV_GET_LINE_MAX for a get, the part past
 * KV_LINE_MAX on the store's budget); a data block announced by a storage
 * command must fit the item size limit, and its buffer grows with the
 * bytes that come (from 16 KiB) on the store's budget for data in flight
 * (kv_store_reserve: as much as -m, for all connections together); past
 * it the value is refused with memcached's out-of-memory error and the
 * rest swallowed, so slow senders of large values hold at most that
 * much, and announced bytes that never come cost nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_proto_int.h"

void kv_conn_init(struct kv_conn *c, struct kv_store *store,
		  struct kv_server_info *info, struct kv_counters *ctr,
		  kv_clock_fn clock)
{
	memset(c, 0, sizeof(*c));
	c->store = store;
	c->info = info;
	c->ctr = ctr;
	c->clock = clock;
	if (!info) {
		kv_server_info_init(&c->solo, clock(), 1, &c->solo_ctr);
		c->info = &c->solo;
		c->ctr = &c->solo_ctr;
	}
}

/* The read buffers (stats read_buf_*): @n more of @bytes, or fewer. */
static void rbuf_count(struct kv_conn *c, int n, int64_t bytes)
{
	kv_count(&c->ctr->g.read_buf_count, (uint64_t)(int64_t)n);
	kv_count(&c->ctr->g.read_buf_bytes, (uint64_t)bytes);
}

static void free_data(struct kv_conn *c)
{
	if (c->data)
		rbuf_count(c, -1, -(int64_t)c->reserved);
	free(c->data);
	c->data = NULL;
	kv_store_release(c->store, c->reserved);
	c->reserved = 0;
}

static void free_line(struct kv_conn *c)
{
	if (c->line)
		rbuf_count(c, -1, -(int64_t)c->line_cap);
	free(c->line);
	c->line = NULL;
	c->line_cap = 0;
	if (c->line_held)
		kv_store_release(c->store, c->line_held);
	c->line_held = 0;
}

/* Does the line that starts with @p (@n bytes so far) read "get " or "gets "? */
static bool long_get(const char *p, size_t n)
{
	return (n >= 4 && !memcmp(p, "get ", 4)) ||
	       (n >= 5 && !memcmp(p, "gets ", 5));
}

void kv_conn_fini(struct kv_conn *c)
{
	free_data(c);
	free_line(c);
	if (c->info == &c->solo)
		kv_server_info_fini(&c->solo);
}

void kv_buf_free(struct kv_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int put(struct kv_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int puts_(struct kv_buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

int putf(struct kv_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -EINVAL;
	return put(b, tmp, n);
}

static void split(char *line, struct words *w)
{
	char *p = line;

	w->n = 0;
	w->more = false;
	w->rest = NULL;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (w->n == MAX_WORDS) {
			w->more = true;
			w->rest = p;
			return;
		}
		w->w[w->n] = p;
		while (*p && *p != ' ')
			p++;
		w->len[w->n] = p - w->w[w->n];
		if (*p)
			*p++ = '\0';
		w->n++;
	}
}

/* After the digits: the end, or a space (memcached's xisspace). */
static bool number_end(const char *s, const char *end)
{
	return end != s && (!*end || isspace((unsigned char)*end));
}

bool parse_ull(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || !number_end(s, end) ||
	    ((long long)v < 0 && strchr(s, '-')))
		return false;
	*out = v;
	return true;
}

bool parse_ul(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno == ERANGE || !number_end(s, end) ||
	    ((long)v < 0 && strchr(s, '-')))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool parse_l(const char *s, int32_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE || !number_end(s, end))
		return false;
	*out = (int32_t)v;
	return true;
}

static bool is_noreply(const struct words *w)
{
	return w->n && !strcmp(w->w[w->n - 1], "noreply");
}

static int reply(struct kv_conn *c, struct kv_buf *out, bool noreply,
		 const char *s)
{
	if (noreply)
		return 0;
	return puts_(out, s);
}

struct get_arg {
	struct kv_buf *out;
	const char *key;
	size_t nkey;
	bool cas;
	int err;
};

static void emit_value(void *arg, const struct kv_value *v)
{
	struct get_arg *g = arg;

	g->err = g->err ?: puts_(g->out, "VALUE ") ?:
		 put(g->out, g->key, g->nkey) ?:
		 (g->cas ? putf(g->out, " %" PRIu32 " %" PRIu32 " %" PRIu64 "\r\n",
				v->flags, v->len, v->cas) :
			   putf(g->out, " %" PRIu32 " %" PRIu32 "\r\n",
				v->flags, v->len)) ?:
		 put(g->out, v->data, v->len) ?: puts_(g->out, "\r\n");
}

/* get, gets, gat, gats: @first is the first key's word. */
/*
 * The key of a get line at or after @i: its words first, then what
 * split() left of a line with more of them (memcached reads every key).
 * NULL at the end.
 */
static const char *get_key(const struct words *w, unsigned int *i,
			   const char **rest, size_t *n)
{
	const char *k;

	if (*i < w->n) {
		*n = w->len[*i];
		return w->w[(*i)++];
	}
	k = *rest;
	while (k && *k == ' ')
		k++;
	if (!k || !*k)
		return NULL;
	for (*n = 0; k[*n] && k[*n] != ' '; (*n)++)
		;
	*rest = k + *n;
	return k;
}

static int cmd_get(struct kv_conn *c, struct words *w, unsigned int first,
		   bool cas, bool touch, int64_t exptime, struct kv_buf *out)
{
	struct get_arg g = { .out = out, .cas = cas };
	size_t start = out->len;
	const char *rest = w->rest;
	unsigned int i = first;
	size_t n;

	while (get_key(w, &i, &rest, &n))
		if (n > KV_KEY_MAX)
			return puts_(out, "CLIENT_ERROR bad command line format\r\n");
	i = first;
	rest = w->rest;
	while (!g.err && (g.key = get_key(w, &i, &rest, &g.nkey))) {
		if (kv_store_get(c->store, g.key, g.nkey, touch, exptime,
				 emit_value, &g))
			kv_stats_prefix(c, g.key, g.nkey, KV_PREFIX_HIT);
		else
			kv_stats_prefix(c, g.key, g.nkey, KV_PREFIX_GET);
		/*
		 * Values are copied into the reply: one line naming a large
		 * value many times must not make it grow without bound.
		 */
		if (out->len - start > kv_store_limit(c->store)) {
			out->len = start;
			return puts_(out, "SERVER_ERROR out of memory writing get response\r\n");
		}
	}
	return g.err ?: puts_(out, "END\r\n");
}

/*
 * A value's buffer starts at KV_DATA_FIRST bytes and doubles as its bytes
 * come, each step on the store's budget for data in flight: a client that
 * announces a large value and sends little holds little. (A meta set,
 * with its return flags after the value, takes its whole buffer at once.)
 */
#define KV_DATA_FIRST	16384

bool kv_start_data(struct kv_conn *c, size_t extra)
{
	size_t n = c->vlen + 2 + extra;

	if (!extra && n > KV_DATA_FIRST)
		n = KV_DATA_FIRST;
	c->got = 0;
	if (!kv_store_reserve(c->store, n))
		goto refuse;
	c->data = malloc(n);
	if (!c->data) {
		kv_store_release(c->store, n);
		goto refuse;
	}
	c->reserved = n;
	c->in_data = true;
	rbuf_count(c, 1, (int64_t)n);
	return true;
refuse:
	c->swallow = c->vlen + 2;
	kv_count(&c->ctr->n.store_no_memory, 1);
	return false;
}

/* Room for @n more bytes of the value: its buffer grown if need be. */
static bool data_room(struct kv_conn *c, size_t n)
{
	size_t need = c->got + n, cap = c->reserved;
	uint8_t *p;

	if (need <= cap)
		return true;
	while (cap < need)
		cap *= 2;
	if (cap > c->vlen + 2)
		cap = c->vlen + 2;
	if (!kv_store_reserve(c->store, cap - c->reserved))
		return false;
	p = realloc(c->data, cap);
	if (!p) {
		kv_store_release(c->store, cap - c->reserved);
		return false;
	}
	rbuf_count(c, 0, (int64_t)(cap - c->reserved));
	c->data = p;
	c->reserved = cap;
	return true;
}

/* No memory for the rest of the value: refused, the rest read and dropped. */
static int data_refuse(struct kv_conn *c, struct kv_buf *out)
{
	c->swallow = c->vlen + 2 - c->got;
	c->in_data = false;
	free_data(c);
	kv_count(&c->ctr->n.store_no_memory, 1);
	/* No stale value stays behind a refused set, as memcached. */
	if (c->meta || c->mode == KV_SET)
		kv_store_drop(c->store, c->key, c->nkey);
	/* A meta command's errors are sent even with q. */
	return reply(c, out, c->noreply && !c->meta,
		     "SERVER_ERROR out of memory storing object\r\n");
}

/* set, add, replace, append, prepend, cas: now the data block. */
static int cmd_store(struct kv_conn *c, struct words *w, enum kv_mode mode,
		     struct kv_buf *out)
{
	unsigned int need = mode == KV_CAS ? 6 : 5;
	int32_t exptime, vlen;
	uint32_t flags;
	uint64_t cas = 0;
	bool noreply;

	if (w->n != need && w->n != need + 1)
		return puts_(out, "ERROR\r\n");
	/* As memcached, noreply (last word) silences even these errors. */
	noreply = is_noreply(w);
	if (w->len[1] > KV_KEY_MAX || !parse_ul(w->w[2], &flags) ||
	    !parse_l(w->w[3], &exptime) || !parse_l(w->w[4], &vlen) ||
	    (mode == KV_CAS && !parse_ull(w->w[5], &cas)) ||
	    vlen < 0 || vlen > INT32_MAX - 2)
		return reply(c, out, noreply,
			     "CLIENT_ERROR bad command line format\r\n");
	kv_stats_prefix(c, w->w[1], w->len[1], KV_PREFIX_SET);
	c->noreply = noreply;
	c->meta = false;
	c->mode = mode;
	memcpy(c->key, w->w[1], w->len[1]);
	c->nkey = w->len[1];
	c->flags = flags;
	c->exptime = exptime;
	c->cas = cas;
	c->vlen = (size_t)vlen;
	if (!kv_store_fits(c->store, c->nkey, c->vlen)) {
		/*
		 * Refused before its bytes come; they are read all the same,
		 * and a set drops the old value (memcached: no stale data).
		 */
		c->swallow = c->vlen + 2;
		kv_count(&c->ctr->n.store_too_large, 1);
		if (mode == KV_SET)
			kv_store_drop(c->store, c->key, c->nkey);
		return reply(c, out, c->noreply,
			     "SERVER_ERROR object too large for cache\r\n");
	}
	if (!kv_start_data(c, 0)) {
		if (mode == KV_SET)
			kv_store_drop(c->store, c->key, c->nkey);
		return reply(c, out, c->noreply,
			     "SERVER_ERROR out of memory storing object\r\n");
	}
	return 0;
}

static const char *result_str(enum kv_result r)
{
	switch (r) {
	case KV_STORED:
		return "STORED\r\n";
	case KV_NOT_STORED:
		return "NOT_STORED\r\n";
	case KV_EXISTS:
		return "EXISTS\r\n";
	case KV_NOT_FOUND:
		return "NOT_FOUND\r\n";
	case KV_TOO_LARGE:
		return "SERVER_ERROR object too large for cache\r\n";
	case KV_NO_MEMORY:
		return "SERVER_ERROR out of memory storing object\r\n";
	case KV_DELETED:
		return "DELETED\r\n";
	case KV_TOUCHED:
		return "TOUCHED\r\n";
	case KV_NON_NUMERIC:
		return "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
	}
	return "SERVER_ERROR\r\n";
}

/* A store refused for its size or for memory (stats store_*). */
void kv_count_store_error(struct kv_conn *c, enum kv_result r)
{
	if (r == KV_TOO_LARGE)
		kv_count(&c->ctr->n.store_too_large, 1);
	else if (r == KV_NO_MEMORY)
		kv_count(&c->ctr->n.store_no_memory, 1);
}

/* The data block is in: check its end, store it. */
static int data_done(struct kv_conn *c, struct kv_buf *out)
{
	enum kv_result r;
	int err;

	c->in_data = false;
	if (c->meta) {
		err = kv_meta_data_done(c, out);
		goto done;
	}
	/* noreply silences everything, errors included, as memcached. */
	if (c->data[c->vlen] != '\r' || c->data[c->vlen + 1] != '\n') {
		err = reply(c, out, c->noreply,
			    "CLIENT_ERROR bad data chunk\r\n");
	} else {
		r = kv_store_put(c->store, c->mode, c->key, c->nkey, c->flags,
				 c->exptime, c->data, (uint32_t)c->vlen,
				 c->cas);
		kv_count_store_error(c, r);
		err = reply(c, out, c->noreply, result_str(r));
	}
done:
	free_data(c);
	return err;
}

static int cmd_delta(struct kv_conn *c, struct words *w, bool incr,
		     struct kv_buf *out)
{
	bool noreply = is_noreply(w);
	enum kv_result r;
	uint64_t delta, v;

	if (w->n != 3 && w->n != 4)
		return puts_(out, "ERROR\r\n");
	if (w->len[1] > KV_KEY_MAX)
		return puts_(out, "CLIENT_ERROR bad command line format\r\n");
	if (!parse_ull(w->w[2], &delta))
		return puts_(out, "CLIENT_ERROR invalid numeric delta argument\r\n");
	r = kv_store_delta(c->store, w->w[1], w->len[1], incr, delta, &v);
	if (r == KV_STORED)
		return noreply ? 0 : putf(out, "%" PRIu64 "\r\n", v);
	return reply(c, out, noreply, result_str(r));
}

static int cmd_delete(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	unsigned int noreply = is_noreply(w);

	if (w->n < 2 || w->n > 4)
		return puts_(out, "ERROR\r\n");
	if (w->n > 2 + noreply &&
	    (w->n != 3 + noreply || strcmp(w->w[2], "0")))
		return puts_(out, "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
	if (w->len[1] > KV_KEY_MAX)
		return puts_(out, "CLIENT_ERROR bad command line format\r\n");
	kv_stats_prefix(c, w->w[1], w->len[1], KV_PREFIX_DEL);
	return reply(c, out, noreply,
		     result_str(kv_store_delete(c->store, w->w[1], w->len[1])));
}

static int cmd_touch(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	int32_t exptime;

	if (w->n != 3 && w->n != 4)
		return puts_(out, "ERROR\r\n");
	if (w->len[1] > KV_KEY_MAX)
		return puts_(out, "CLIENT_ERROR bad command line format\r\n");
	if (!parse_l(w->w[2], &exptime))
		return puts_(out, "CLIENT_ERROR invalid exptime argument\r\n");
	return reply(c, out, is_noreply(w),
		     result_str(kv_store_touch(c->store, w->w[1], w->len[1],
					       exptime)));
}

static int cmd_flush(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	unsigned int noreply = is_noreply(w);
	int32_t delay = 0;

	if (w->n > 3)
		return puts_(out, "ERROR\r\n");
	if (w->n > 1 + noreply && !parse_l(w->w[1], &delay))
		return reply(c, out, noreply,
			     "CLIENT_ERROR invalid exptime argument\r\n");
	kv_store_flush(c->store, delay);
	return reply(c, out, noreply, "OK\r\n");
}

/* memcached's: noreply silences even the error; at most 2. */
static int cmd_verbosity(struct kv_conn *c, struct words *w,
			 struct kv_buf *out)
{
	bool noreply = is_noreply(w);
	uint32_t level;

	if (w->n < 2 || w->n > 3)
		return puts_(out, "ERROR\r\n");
	if (!parse_ul(w->w[1], &level))
		return reply(c, out, noreply,
			     "CLIENT_ERROR bad command line format\r\n");
	__atomic_store_n(&c->info->verbosity, level > 2 ? 2 : level,
			 __ATOMIC_RELAXED);
	return reply(c, out, noreply, "OK\r\n");
}

/* One complete command line, "\r\n" stripped. */
static int command(struct kv_conn *c, char *line, struct kv_buf *out)
{
	struct words w;
	const char *cmd;
	int32_t exptime;

	split(line, &w);
	if (!w.n)
		return puts_(out, "ERROR\r\n");
	cmd = w.w[0];
	if (cmd[0] == 'm' && w.len[0] == 2)
		return kv_meta_command(c, &w, out);
	if (!strcmp(cmd, "get") || !strcmp(cmd, "gets")) {
		if (w.n < 2)
			return puts_(out, "ERROR\r\n");
		return cmd_get(c, &w, 1, cmd[3] == 's', false, 0, out);
	}
	if (!strcmp(cmd, "gat") || !strcmp(cmd, "gats")) {
		if (w.n < 3 || !parse_l(w.w[1], &exptime))
			return puts_(out, "CLIENT_ERROR invalid exptime argument\r\n");
		return cmd_get(c, &w, 2, cmd[3] == 's', true, exptime, out);
	}
	/* As memcached, which reads only its first words. */
	if (!strcmp(cmd, "stats"))
		return kv_stats_command(c, &w, out);
	if (w.more)
		return puts_(out, "ERROR\r\n");
	if (!strcmp(cmd, "set"))
		return cmd_store(c, &w, KV_SET, out);
	if (!strcmp(cmd, "add"))
		return cmd_store(c, &w, KV_ADD, out);
	if (!strcmp(cmd, "replace"))
		return cmd_store(c, &w, KV_REPLACE, out);
	if (!strcmp(cmd, "append"))
		return cmd_store(c, &w, KV_APPEND, out);
	if (!strcmp(cmd, "prepend"))
		return cmd_store(c, &w, KV_PREPEND, out);
	if (!strcmp(cmd, "cas"))
		return cmd_store(c, &w, KV_CAS, out);
	if (!strcmp(cmd, "delete"))
		return cmd_delete(c, &w, out);
	if (!strcmp(cmd, "incr") || !strcmp(cmd, "decr"))
		return cmd_delta(c, &w, cmd[0] == 'i', out);
	if (!strcmp(cmd, "touch"))
		return cmd_touch(c, &w, out);
	if (!strcmp(cmd, "flush_all"))
		return cmd_flush(c, &w, out);
	if (!strcmp(cmd, "version"))
		return puts_(out, "VERSION " KV_VERSION "\r\n");
	if (!strcmp(cmd, "verbosity"))
		return cmd_verbosity(c, &w, out);
	if (!strcmp(cmd, "quit")) {
		c->closed = true;
		return 0;
	}
	return puts_(out, "ERROR\r\n");
}

/*
 * @n bytes of a command line, @whole if they end it. A line whole in one
 * piece is run from a scratch copy; a cut one waits in c->line.
 */
static int take_line(struct kv_conn *c, const uint8_t *in, size_t n,
		     bool whole, struct kv_buf *out)
{
	static __thread char scratch[KV_LINE_MAX + 1];
	size_t l, max = KV_LINE_MAX, total = c->nline + n;
	char *line = scratch, head[5];
	int err;

	/* The line's first bytes, wherever they are. */
	l = c->nline < sizeof(head) ? c->nline : sizeof(head);
	memcpy(head, c->line ? c->line : "", l);
	memcpy(head + l, in, n < sizeof(head) - l ? n : sizeof(head) - l);
	if (long_get(head, total < sizeof(head) ? total : sizeof(head)))
		max = KV_GET_LINE_MAX;
	else if (!whole && total > KV_LINE_SHORT)
		max = 0;
	if (!max) {
		/* memcached's answer to a line that does not end: none. */
		c->closed = true;
		return 0;
	}
	if (total > max) {
		c->closed = true;
		return puts_(out, "CLIENT_ERROR line too long\r\n");
	}
	if (!whole || c->nline || n > KV_LINE_MAX) {
		if (total + 1 > c->line_cap) {
			size_t cap = c->line_cap ? c->line_cap : 256, more;
			char *nl;

			while (cap < total + 1)
				cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			/* Past KV_LINE_MAX, the store's budget holds the rest. */
			more = cap > KV_LINE_MAX + 1 + c->line_held ?
			       cap - KV_LINE_MAX - 1 - c->line_held : 0;
			if (more && !kv_store_reserve(c->store, more)) {
				c->closed = true;
				return puts_(out, "CLIENT_ERROR line too long\r\n");
			}
			c->line_held += more;
			nl = realloc(c->line, cap);
			if (!nl)
				return -ENOMEM;
			rbuf_count(c, c->line ? 0 : 1,
				   (int64_t)(cap - c->line_cap));
			c->line = nl;
			c->line_cap = cap;
		}
		memcpy(c->line + c->nline, in, n);
		c->nline += n;
		if (!whole)
			return 0;
		line = c->line;
		l = c->nline - 1;
	} else {
		memcpy(scratch, in, n);
		l = n - 1;
	}
	if (l && line[l - 1] == '\r')
		l--;
	line[l] = '\0';
	c->nline = 0;
	err = command(c, line, out);
	if (line == c->line)
		free_line(c);
	return err;
}

int kv_conn_feed(struct kv_conn *c, const uint8_t *in, size_t len,
		 struct kv_buf *out)
{
	size_t before = out->len, n;
	const uint8_t *nl;
	int err = 0;

	kv_count(&c->ctr->n.bytes_read, len);
	while (len && !c->closed && !err) {
		if (c->swallow) {
			n = len < c->swallow ? len : c->swallow;
			c->swallow -= n;
		} else if (c->in_data) {
			n = c->vlen + 2 - c->got;
			if (n > len)
				n = len;
			if (!data_room(c, n)) {
				err = data_refuse(c, out);
				continue;
			}
			memcpy(c->data + c->got, in, n);
			c->got += n;
			if (c->got == c->vlen + 2)
				err = data_done(c, out);
		} else {
			nl = memchr(in, '\n', len);
			n = nl ? (size_t)(nl - in) + 1 : len;
			err = take_line(c, in, n, nl != NULL, out);
		}
		in += n;
		len -= n;
	}
	kv_count(&c->ctr->n.bytes_written, out->len - before);
	return err;
}
