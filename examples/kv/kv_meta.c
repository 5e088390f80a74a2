// SPDX-License-Identifier: GPL-2.0
/*
 * memcached's meta commands (mg, ms, md, ma, mn, me) as memcached 1.6.18
 * answers them, byte for byte: its flag parser (a flag is a word's first
 * byte, its token the rest; a duplicate or unknown one is an error), its
 * error strings (which differ from command to command), the order of the
 * returned flags (the request's), and q (HD, EN and ma's VA are dropped;
 * NS, EX, NF and every error still come). The text commands are
 * kv_proto.c's; this file is called from there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_proto_int.h"

#define MAX_OPAQUE	32
/* memcached's MFLAG_MAX_OPT_LENGTH: command, key and flags, plus one. */
#define MAX_TOKENS	20

#define E_FORMAT	"CLIENT_ERROR bad command line format"
#define E_TOKEN		"CLIENT_ERROR bad token in command line format"
#define E_OPAQUE	"CLIENT_ERROR opaque token too long"
#define E_INVALID_DUP	"CLIENT_ERROR invalid or duplicate flag"

/* What _meta_flag_preparse finds in the flags. */
struct mflags {
	bool binary, vivify, no_update, no_reply, value, stale, has_cas;
	bool new_ttl, locked;
	char mode;
	int32_t exptime, viv_exptime, recache;
	uint32_t client_flags;
	uint64_t cas, delta, initial;
};

/* A reply line, at most a few hundred bytes (opaques, a base64 key). */
struct line {
	char p[2048];
	size_t n;
};

static void add(struct line *l, const void *p, size_t n)
{
	if (l->n + n <= sizeof(l->p)) {
		memcpy(l->p + l->n, p, n);
		l->n += n;
	}
}

static void addf(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void addf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->p + l->n, sizeof(l->p) - l->n, fmt, ap);
	va_end(ap);
	if (n > 0 && l->n + n < sizeof(l->p))
		l->n += n;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void add_b64(struct line *l, const uint8_t *in, size_t n)
{
	char q[4];

	for (; n >= 3; in += 3, n -= 3) {
		q[0] = b64[in[0] >> 2];
		q[1] = b64[((in[0] & 3) << 4) | (in[1] >> 4)];
		q[2] = b64[((in[1] & 15) << 2) | (in[2] >> 6)];
		q[3] = b64[in[2] & 63];
		add(l, q, 4);
	}
	if (n) {
		q[0] = b64[in[0] >> 2];
		q[1] = b64[((in[0] & 3) << 4) | (n > 1 ? in[1] >> 4 : 0)];
		q[2] = n > 1 ? b64[(in[1] & 15) << 2] : '=';
		q[3] = '=';
		add(l, q, 4);
	}
}

/*
 * memcached's base64_decode, in place: bytes outside the alphabet are
 * skipped, the rest must come in fours; "=" pads at most two. 0: invalid.
 */
static size_t b64_decode(char *s, size_t n)
{
	uint8_t block[4], *out = (uint8_t *)s;
	size_t i, count = 0, o = 0;
	int pad = 0;
	const char *q;

	for (i = 0; i < n; i++)
		if (s[i] && (strchr(b64, s[i]) || s[i] == '='))
			count++;
	if (!count || count % 4)
		return 0;
	count = 0;
	for (i = 0; i < n; i++) {
		if (!s[i])
			continue;
		if (s[i] == '=') {
			pad++;
			block[count++] = 0;
		} else if ((q = strchr(b64, s[i]))) {
			block[count++] = (uint8_t)(q - b64);
		} else {
			continue;
		}
		if (count < 4)
			continue;
		out[o++] = (uint8_t)((block[0] << 2) | (block[1] >> 4));
		out[o++] = (uint8_t)((block[1] << 4) | (block[2] >> 2));
		out[o++] = (uint8_t)((block[2] << 6) | block[3]);
		count = 0;
		if (pad) {
			if (pad > 2)
				return 0;
			o -= pad;
			break;
		}
	}
	return o;
}

/* " k<key>", base64 and " b" after it for a binary key. */
static void add_key(struct line *l, const char *key, size_t nkey, bool bin)
{
	add(l, " k", 2);
	if (!bin) {
		add(l, key, nkey);
		return;
	}
	add_b64(l, (const uint8_t *)key, nkey);
	add(l, " b", 2);
}

static int error(struct kv_buf *out, const char *e)
{
	return puts_(out, e) ?: puts_(out, "\r\n");
}

/*
 * memcached's _meta_flag_preparse from word @start on: 0, or -1 with
 * *@err (a duplicate or unknown flag stops at once; a bad token is noted
 * and the rest still read). b decodes the key in place, as memcached.
 */
static int preparse(struct words *w, unsigned int start, struct mflags *f,
		    const char **err)
{
	bool seen[127] = { false }, bad = false;
	unsigned int i;
	uint8_t o;
	size_t n;

	for (i = start; i < w->n; i++) {
		o = (uint8_t)w->w[i][0];
		if (o >= 127 || seen[o]) {
			*err = "CLIENT_ERROR duplicate flag";
			return -1;
		}
		seen[o] = true;
		switch (o) {
		case 'b':
			n = b64_decode(w->w[1], w->len[1]);
			if (!n) {
				*err = "CLIENT_ERROR error decoding key";
				bad = true;
			}
			w->len[1] = n;
			f->binary = true;
			break;
		case 'N':
			f->locked = f->vivify = true;
			if (!parse_l(w->w[i] + 1, &f->viv_exptime)) {
				*err = E_TOKEN;
				bad = true;
			}
			break;
		case 'T':
			f->locked = true;
			if (!parse_l(w->w[i] + 1, &f->exptime)) {
				*err = E_TOKEN;
				bad = true;
			} else {
				f->new_ttl = true;
			}
			break;
		case 'R':
			f->locked = true;
			if (!parse_l(w->w[i] + 1, &f->recache)) {
				*err = E_TOKEN;
				bad = true;
			}
			break;
		case 'l':
		case 'h':
			f->locked = true;
			break;
		case 'O':
		case 'P':
		case 'L':
		case 'k':
		case 's':
		case 't':
		case 'c':
		case 'f':
			break;
		case 'v':
			f->value = true;
			break;
		case 'u':
			f->no_update = true;
			break;
		case 'q':
			f->no_reply = true;
			break;
		case 'F':
			/* memcached keeps its default message for this one. */
			if (!parse_ul(w->w[i] + 1, &f->client_flags))
				bad = true;
			break;
		case 'C':
			if (!parse_ull(w->w[i] + 1, &f->cas)) {
				*err = E_TOKEN;
				bad = true;
			} else {
				f->has_cas = true;
			}
			break;
		case 'M':
			if (w->len[i] != 2) {
				*err = "CLIENT_ERROR incorrect length for M token";
				bad = true;
			} else {
				f->mode = w->w[i][1];
			}
			break;
		case 'J':
			if (!parse_ull(w->w[i] + 1, &f->initial)) {
				*err = "CLIENT_ERROR invalid numeric initial value";
				bad = true;
			}
			break;
		case 'D':
			if (!parse_ull(w->w[i] + 1, &f->delta)) {
				*err = "CLIENT_ERROR invalid numeric delta value";
				bad = true;
			}
			break;
		case 'I':
			f->stale = true;
			break;
		default:
			*err = "CLIENT_ERROR invalid flag";
			return -1;
		}
	}
	return bad ? -1 : 0;
}

/* The number of memcached's tokens: the words and a final empty one. */
static bool too_many(const struct words *w)
{
	return w->more || w->n + 1 > MAX_TOKENS;
}

struct mg_ctx {
	struct words *w;
	struct mflags *f;
	struct kv_buf *out;
	struct line l;
	const char *err;
	int ret;
};

/* mg on an item: the flags in the request's order, as memcached. */
static void mg_item(void *arg, struct kv_meta_item *m)
{
	struct mg_ctx *g = arg;
	struct words *w = g->w;
	bool won = false;
	unsigned int i;

	if (g->f->value)
		addf(&g->l, "VA %" PRIu32, m->len);
	else
		add(&g->l, "HD", 2);
	for (i = 2; i < w->n; i++) {
		switch (w->w[i][0]) {
		case 'T':
			m->exptime = kv_abs_time(g->f->exptime, m->now);
			break;
		case 'N':
			if (m->created) {
				m->exptime = kv_abs_time(g->f->viv_exptime,
							 m->now);
				won = true;
			}
			break;
		case 'R':
			if (!m->win && !m->created && m->exptime &&
			    m->exptime < kv_abs_time(g->f->recache, m->now))
				won = true;
			break;
		case 's':
			addf(&g->l, " s%" PRIu32, m->len);
			break;
		case 't':
			if (!m->exptime)
				add(&g->l, " t-1", 4);
			else
				addf(&g->l, " t%" PRIu32,
				     (uint32_t)(m->exptime - m->now));
			break;
		case 'c':
			addf(&g->l, " c%" PRIu64, m->cas);
			break;
		case 'f':
			addf(&g->l, " f%" PRIu32, m->flags);
			break;
		case 'l':
			addf(&g->l, " l%" PRIu32, (uint32_t)(m->now - m->atime));
			break;
		case 'h':
			add(&g->l, m->fetched ? " h1" : " h0", 3);
			break;
		case 'O':
			if (w->len[i] > MAX_OPAQUE) {
				g->err = E_OPAQUE;
				m->failed = true;
				return;
			}
			add(&g->l, " ", 1);
			add(&g->l, w->w[i], w->len[i]);
			break;
		case 'k':
			add_key(&g->l, m->key, m->nkey, m->binary);
			break;
		}
	}
	/* Z before W: a client that was told to recache already. */
	if (m->win)
		add(&g->l, " Z", 2);
	if (m->stale) {
		add(&g->l, " X", 2);
		if (!m->win)
			won = true;
	}
	if (won) {
		add(&g->l, " W", 2);
		m->win = true;
	}
	add(&g->l, "\r\n", 2);
	/* Under the store's lock: the value is copied out now. */
	g->ret = put(g->out, g->l.p, g->l.n);
	if (!g->ret && g->f->value)
		g->ret = put(g->out, m->data, m->len) ?:
			 puts_(g->out, "\r\n");
}

/* The miss reply's flags: O and k only. NULL, or an error. */
static const char *miss_flags(struct words *w, const struct mflags *f,
			      struct line *l)
{
	unsigned int i;

	for (i = 2; i < w->n; i++) {
		if (w->w[i][0] == 'O') {
			if (w->len[i] > MAX_OPAQUE)
				return E_OPAQUE;
			add(l, " ", 1);
			add(l, w->w[i], w->len[i]);
		} else if (w->w[i][0] == 'k') {
			add_key(l, w->w[1], w->len[1], f->binary);
		}
	}
	return NULL;
}

static int cmd_mg(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	struct mflags f = { 0 };
	struct mg_ctx *g;
	unsigned int opts = 0;
	const char *err = E_FORMAT;
	int ret;

	if (w->n < 2)
		return puts_(out, "ERROR\r\n");
	if (w->len[1] > KV_KEY_MAX)
		return error(out, E_FORMAT);
	if (too_many(w))
		return error(out, "CLIENT_ERROR options flags are too long");
	if (preparse(w, 2, &f, &err))
		return error(out, err);
	/* The value is copied out under the store's lock: room for it. */
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->w = w;
	g->f = &f;
	g->out = out;
	if (f.no_update)
		opts |= KV_MG_NO_BUMP;
	if (f.vivify)
		opts |= KV_MG_VIVIFY;
	if (f.new_ttl)
		opts |= KV_MG_TOUCH;
	if (kv_store_mget(c->store, w->w[1], w->len[1], opts, mg_item, g))
		ret = g->err ? error(out, g->err) : g->ret;
	else if ((err = miss_flags(w, &f, &g->l)))
		ret = error(out, err);
	else if (f.no_reply)
		ret = 0;
	else
		ret = puts_(out, "EN") ?: put(out, g->l.p, g->l.n) ?:
		      puts_(out, "\r\n");
	free(g);
	return ret;
}

/*
 * ms: the flags that come back (O, k, c) are kept after the data block,
 * as memcached keeps them in its write buffer, until the value is in.
 */
static int cmd_ms(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	struct mflags f = { 0 };
	const char *err = E_FORMAT;
	enum kv_mode mode = KV_SET;
	struct line *l = NULL;
	bool bad_opaque = false;
	unsigned int i;
	int32_t vlen;
	int ret;

	if (w->n < 2)
		return puts_(out, "ERROR\r\n");
	if (w->len[1] > KV_KEY_MAX || w->n == 2)
		return error(out, E_FORMAT);
	if (too_many(w))
		return error(out, "CLIENT_ERROR options flags too long");
	if (!parse_l(w->w[2], &vlen) || vlen < 0 || vlen > INT32_MAX - 2)
		return error(out, E_FORMAT);
	/* From here on an error swallows the data block, as memcached. */
	c->vlen = (size_t)vlen;
	if (preparse(w, 3, &f, &err))
		goto refuse;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (i = 3; i < w->n; i++) {
		switch (w->w[i][0]) {
		case 'O':
			if (w->len[i] > MAX_OPAQUE) {
				bad_opaque = true;
				break;
			}
			add(l, " ", 1);
			add(l, w->w[i], w->len[i]);
			break;
		case 'k':
			add(l, " k", 2);
			break;
		case 'c':
			add(l, " c", 2);
			break;
		}
	}
	switch (f.mode) {
	case 0:
	case 'S':
		break;
	case 'E':
		mode = KV_ADD;
		break;
	case 'A':
		mode = KV_APPEND;
		break;
	case 'P':
		mode = KV_PREPEND;
		break;
	case 'R':
		mode = KV_REPLACE;
		break;
	default:
		err = "CLIENT_ERROR invalid mode for ms M token";
		goto refuse;
	}
	/* A CAS makes set and replace a cas; append and prepend test it. */
	if (f.has_cas && (mode == KV_SET || mode == KV_REPLACE))
		mode = KV_CAS;
	if (bad_opaque) {
		err = E_OPAQUE;
		goto refuse;
	}
	memcpy(c->key, w->w[1], w->len[1]);
	c->nkey = w->len[1];
	if (!kv_store_fits(c->store, c->nkey, c->vlen)) {
		err = "SERVER_ERROR object too large for cache";
		kv_count(&c->ctr->n.store_too_large, 1);
		/* Avoid stale data persisting, in every mode, as memcached. */
		kv_store_drop(c->store, c->key, c->nkey);
		goto refuse;
	}
	if (!kv_start_data(c, l->n)) {
		err = "SERVER_ERROR out of memory storing object";
		kv_store_drop(c->store, c->key, c->nkey);
		goto refuse;
	}
	if (l->n)
		memcpy(c->data + c->vlen + 2, l->p, l->n);
	c->nmret = l->n;
	free(l);
	c->meta = true;
	c->noreply = f.no_reply;
	c->mode = mode;
	c->flags = f.client_flags;
	c->exptime = f.exptime;
	c->cas = f.cas;
	c->binary = f.binary;
	c->stale_ok = f.stale && mode == KV_CAS;
	return 0;
refuse:
	free(l);
	c->swallow = c->vlen + 2;
	ret = error(out, err);
	return ret;
}

int kv_meta_data_done(struct kv_conn *c, struct kv_buf *out)
{
	const char *t = (const char *)c->data + c->vlen + 2;
	const char *end = t + c->nmret;
	unsigned int opts = 0;
	struct line *l;
	uint64_t cas;
	enum kv_result r;
	int ret;

	/* A bad data chunk is an error, always answered in meta. */
	if (c->data[c->vlen] != '\r' || c->data[c->vlen + 1] != '\n')
		return error(out, "CLIENT_ERROR bad data chunk");
	if (c->stale_ok)
		opts |= KV_SET_STALE_OK;
	if (c->binary)
		opts |= KV_SET_BINARY;
	r = kv_store_mset(c->store, c->mode, c->key, c->nkey, c->flags,
			  c->exptime, c->data, (uint32_t)c->vlen, c->cas, opts,
			  &cas);
	kv_count_store_error(c, r);
	switch (r) {
	case KV_STORED:
		if (c->noreply)
			return 0;
		break;
	case KV_EXISTS:
	case KV_NOT_FOUND:
	case KV_NOT_STORED:
		break;
	case KV_TOO_LARGE:
		return error(out, "SERVER_ERROR object too large for cache");
	default:
		return error(out, "SERVER_ERROR out of memory storing object");
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	add(l, r == KV_STORED ? "HD" : r == KV_EXISTS ? "EX" :
	       r == KV_NOT_FOUND ? "NF" : "NS", 2);
	/* memcached's _finalize_mset walks the template byte by byte. */
	for (; t < end; t++) {
		if (*t == 'O') {
			add(l, " ", 1);
			for (; t < end && *t != ' '; t++)
				add(l, t, 1);
		} else if (*t == 'k') {
			add_key(l, c->key, c->nkey, c->binary);
		} else if (*t == 'c') {
			addf(l, " c%" PRIu64, cas);
		}
	}
	add(l, "\r\n", 2);
	ret = put(out, l->p, l->n);
	free(l);
	return ret;
}

static int cmd_md(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	struct mflags f = { 0 };
	const char *err = E_FORMAT;
	unsigned int opts = 0;
	struct line l = { .n = 2 };
	enum kv_result r;

	if (w->n < 2)
		return puts_(out, "ERROR\r\n");
	if (w->len[1] > KV_KEY_MAX)
		return error(out, E_FORMAT);
	if (too_many(w))
		return error(out, "CLIENT_ERROR options flags too long");
	if (preparse(w, 2, &f, &err))
		return error(out, E_INVALID_DUP);
	if ((err = miss_flags(w, &f, &l)))
		return error(out, err);
	if (f.has_cas)
		opts |= KV_MD_CAS;
	if (f.stale)
		opts |= KV_MD_STALE;
	if (f.new_ttl)
		opts |= KV_MD_TTL;
	r = kv_store_mdelete(c->store, w->w[1], w->len[1], opts, f.cas,
			     f.exptime);
	if (r == KV_DELETED && f.no_reply)
		return 0;
	memcpy(l.p, r == KV_DELETED ? "HD" : r == KV_EXISTS ? "EX" : "NF", 2);
	add(&l, "\r\n", 2);
	return put(out, l.p, l.n);
}

struct ma_ctx {
	struct words *w;
	const struct mflags *f;
	struct line *l;
	const char *err;
	bool created;
};

/* ma on the item after the delta: c, t, T, N, O, k in order. */
static void ma_item(void *arg, struct kv_meta_item *m)
{
	struct ma_ctx *a = arg;
	struct words *w = a->w;
	unsigned int i;
	int32_t v;

	a->created = m->created;
	for (i = 2; i < w->n; i++) {
		switch (w->w[i][0]) {
		case 'c':
			addf(a->l, " c%" PRIu64, m->cas);
			break;
		case 't':
			if (!m->exptime)
				add(a->l, " t-1", 4);
			else
				addf(a->l, " t%" PRIu32,
				     (uint32_t)(m->exptime - m->now));
			break;
		case 'T':
			/* Parsed already: preparse accepted it. */
			parse_l(w->w[i] + 1, &v);
			m->exptime = kv_abs_time(v, m->now);
			break;
		case 'N':
			if (m->created) {
				parse_l(w->w[i] + 1, &v);
				m->exptime = kv_abs_time(v, m->now);
			}
			break;
		case 'O':
			if (w->len[i] > MAX_OPAQUE) {
				a->err = E_OPAQUE;
				return;
			}
			add(a->l, " ", 1);
			add(a->l, w->w[i], w->len[i]);
			break;
		case 'k':
			add_key(a->l, w->w[1], w->len[1], a->f->binary);
			break;
		}
	}
}

static int cmd_ma(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	struct mflags f = { .delta = 1 };
	const char *err = E_FORMAT;
	struct ma_ctx a = { .w = w };
	struct line head = { 0 }, l = { 0 };
	unsigned int opts = 0;
	bool incr = true;
	enum kv_result r;
	char num[24];
	uint64_t v;

	if (w->n < 2)
		return puts_(out, "ERROR\r\n");
	if (w->len[1] > KV_KEY_MAX)
		return error(out, E_FORMAT);
	if (too_many(w))
		return error(out, "CLIENT_ERROR options flags too long");
	if (preparse(w, 2, &f, &err))
		return error(out, E_INVALID_DUP);
	switch (f.mode) {
	case 0:
	case 'I':
	case '+':
		break;
	case 'D':
	case '-':
		incr = false;
		break;
	default:
		return error(out, "CLIENT_ERROR invalid mode for ma M token");
	}
	if (f.vivify)
		opts |= KV_MA_VIVIFY;
	a.l = &l;
	a.f = &f;
	r = kv_store_marith(c->store, w->w[1], w->len[1], incr, f.delta,
			    f.cas, opts, f.initial, &v, ma_item, &a);
	switch (r) {
	case KV_STORED:
		break;
	case KV_NON_NUMERIC:
		return error(out, "CLIENT_ERROR cannot increment or decrement non-numeric value");
	case KV_NO_MEMORY:
		return error(out, f.vivify ?
			     "SERVER_ERROR Out of memory allocating new item" :
			     "SERVER_ERROR out of memory");
	default:
		if ((err = miss_flags(w, &f, &l)))
			return error(out, err);
		return puts_(out, r == KV_EXISTS ? "EX" : "NF") ?:
		       put(out, l.p, l.n) ?: puts_(out, "\r\n");
	}
	if (a.err)
		return error(out, a.err);
	/* q drops a success, except a created item's, as memcached. */
	if (f.no_reply && !a.created)
		return 0;
	snprintf(num, sizeof(num), "%" PRIu64, v);
	if (f.value)
		addf(&head, "VA %zu", strlen(num));
	else
		add(&head, "HD", 2);
	return put(out, head.p, head.n) ?: put(out, l.p, l.n) ?:
	       puts_(out, "\r\n") ?:
	       (f.value ? puts_(out, num) ?: puts_(out, "\r\n") : 0);
}

struct me_ctx {
	struct line l;
};

static void me_item(void *arg, struct kv_meta_item *m)
{
	struct me_ctx *e = arg;

	add(&e->l, "ME ", 3);
	if (m->binary)
		add_b64(&e->l, (const uint8_t *)m->key, m->nkey);
	else
		add(&e->l, m->key, m->nkey);
	/* memcached's exp is now - expiry: negative while it lives. */
	addf(&e->l, " exp=%" PRId64 " la=%" PRId64 " cas=%" PRIu64
	     " fetch=%s cls=1 size=%" PRIu32 "\r\n",
	     m->exptime ? m->now - m->exptime : -1, m->now - m->atime,
	     m->cas, m->fetched ? "yes" : "no", m->size);
}

/*
 * me, memcached's meta debug: an item's expiry, last access, CAS and
 * whether it was fetched, without touching it. cls is the one pseudo
 * slab class of "stats items", size what the item costs in this store.
 * The only command memcached 1.6 counts in cmd_meta.
 */
static int cmd_me(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	struct me_ctx *e;
	size_t nkey = w->n > 1 ? w->len[1] : 0;
	int ret;

	if (w->n < 2 || nkey > KV_KEY_MAX)
		return error(out, E_FORMAT);
	if (w->n >= 3 && w->len[2] == 1 && w->w[2][0] == 'b') {
		nkey = b64_decode(w->w[1], nkey);
		if (!nkey)
			return error(out, E_FORMAT);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (kv_store_mget(c->store, w->w[1], nkey, KV_MG_PEEK, me_item, e))
		ret = put(out, e->l.p, e->l.n);
	else
		ret = puts_(out, "EN\r\n");
	free(e);
	kv_count(&c->ctr->n.cmd_meta, 1);
	return ret;
}

int kv_meta_command(struct kv_conn *c, struct words *w, struct kv_buf *out)
{
	switch (w->w[0][1]) {
	case 'g':
		return cmd_mg(c, w, out);
	case 's':
		return cmd_ms(c, w, out);
	case 'd':
		return cmd_md(c, w, out);
	case 'a':
		return cmd_ma(c, w, out);
	case 'n':
		return puts_(out, "MN\r\n");
	case 'e':
		return cmd_me(c, w, out);
	}
	return puts_(out, "ERROR\r\n");
}
