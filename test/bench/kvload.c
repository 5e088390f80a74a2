// SPDX-License-Identifier: GPL-2.0
/*
 * kvload: memcached text-protocol load from the host side of the tap
 * (make bench-kv). Many TCP connections, epoll, non-blocking, one or a
 * few threads (the host's two CPUs are shared with QEMU: it is meant to
 * be frugal, and prints its own CPU use so that a run can tell when the
 * generator, not the server, is the limit).
 *
 *   kvload ADDRESS PORT [options]
 *   kvload --selftest
 *
 * Workloads (--workload):
 *   usr  Facebook's USR pool: 99.8% GET, 20-byte keys, 2-byte values.
 *   etc  Facebook's ETC pool, from Atikoglu, Xu, Frachtenberg, Jiang and
 *        Paleczny, "Workload Analysis of a Large-Scale Key-Value Store",
 *        SIGMETRICS'12, section 5 (the fitted models): key sizes from a
 *        Generalized Extreme Value distribution (mu 30.7984, sigma
 *        8.20449, k 0.078688), clipped to [1, 250]; value sizes from a
 *        Generalized Pareto distribution (theta 0, sigma 214.476,
 *        k 0.348238), clipped to --value-max (default 4096); about 30
 *        GETs per SET (GET:SET of 30:1).
 * Each key has one key size and one value size (drawn once, from
 * --seed), so that every GET of a key that was set must return that
 * many bytes; a key whose drawn size is shorter than its unique name
 * ('e' and the key's number in base 36) gets the name's length.
 *
 * Key popularity (--dist): uniform over --keys keys, or Zipf with
 * exponent --zipf (0.99) by a precomputed CDF; the rank to key map is a
 * random permutation, so that popular keys are spread over the table.
 *
 * Loops: closed (--conns N --depth D: N connections each keep D requests
 * in flight, pipelined) or open (--rate R: Poisson arrivals at R
 * requests/s over all connections, each sent on the next connection in
 * turn with fewer than --max-inflight outstanding; the latency of a
 * request runs from its intended send time, so a server that falls
 * behind is charged for the queue it causes: no coordinated omission).
 *
 * --preload first sets every key (closed loop, STORED checked), so that
 * GETs hit; --preload-only does only that. Then --warmup seconds (1)
 * unmeasured and --duration seconds (3) measured. One line:
 *
 *   KVLOAD LABEL mode=closed|open workload=W dist=D conns=N depth=D
 *     offered=R rate=R p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=..
 *     gets=N sets=N misses=N errors=N unfinished=N cpu_pct=P
 *
 * (rate: replies per second in the measured window; cpu_pct: this
 * process's user+system CPU over the window, 100 = one CPU;
 * unfinished: open-loop requests of the window with no reply 1 s after
 * it, counted in the percentiles at that age). --hist adds "HIST LABEL
 * us count" lines, the latency histogram (about 1.5% buckets) for CDF
 * plots. Exit status 1 on any error, miss after a preload or failed
 * connection.
 *
 * --selftest draws fixed-seed samples from the workload generator and
 * checks the GET/SET mix, the key and value size quantiles against the
 * distributions above and the Zipf head against its closed form;
 * "ok"/"not ok" lines, status 1 if any check fails (scripts/check.sh).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS	8
#define MAX_CONNS	4096
#define KEY_MAX		250
#define NBUCKETS	2560
#define DRAIN_NS	1000000000ull

/* SIGMETRICS'12, Atikoglu et al., ETC: key size GEV, value size GPD. */
#define ETC_KEY_MU	30.7984
#define ETC_KEY_SIGMA	8.20449
#define ETC_KEY_K	0.078688
#define ETC_VAL_THETA	0.0
#define ETC_VAL_SIGMA	214.476
#define ETC_VAL_K	0.348238
#define ETC_GETS_PER_SET 30.0

enum { OP_GET, OP_SET };

/* The workload: its keys and how requests are drawn. */
static struct {
	bool etc;
	bool zipf;
	double zipf_s;
	uint32_t nkeys;
	uint32_t value_max;
	double set_frac;
	char *names;		/* key i at names + name_off[i] */
	uint32_t *name_off;
	uint8_t *key_len;
	uint16_t *val_len;
	double *cdf;		/* Zipf: P(rank <= r) */
	uint32_t *perm;		/* rank -> key */
} wl;

static char *value_bytes;	/* --value-max bytes of pattern */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

/* xoshiro256** */
static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = s[3] << 45 | s[3] >> 19;
	return res;
}

/* Uniform in (0, 1): never 0, never 1 (both are logs' poles below). */
static double rng_unit(struct rng *r)
{
	return ((rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double gev_quantile(double u, double mu, double sigma, double k)
{
	return mu + sigma * (pow(-log(u), -k) - 1.0) / k;
}

static double gpd_quantile(double u, double theta, double sigma, double k)
{
	return theta + sigma * (pow(1.0 - u, -k) - 1.0) / k;
}

static uint32_t etc_key_size(double u)
{
	double x = round(gev_quantile(u, ETC_KEY_MU, ETC_KEY_SIGMA, ETC_KEY_K));

	return x < 1 ? 1 : x > KEY_MAX ? KEY_MAX : (uint32_t)x;
}

static uint32_t etc_value_size(double u, uint32_t max)
{
	double x = round(gpd_quantile(u, ETC_VAL_THETA, ETC_VAL_SIGMA,
				      ETC_VAL_K));

	return x < 0 ? 0 : x > max ? max : (uint32_t)x;
}

/* The key set: names, sizes, popularity, all from @seed. */
static int workload_init(uint64_t seed)
{
	struct rng r;
	size_t total = 0, off = 0;
	uint32_t i, len;
	char id[16];

	rng_seed(&r, seed);
	wl.name_off = calloc(wl.nkeys, sizeof(*wl.name_off));
	wl.key_len = calloc(wl.nkeys, sizeof(*wl.key_len));
	wl.val_len = calloc(wl.nkeys, sizeof(*wl.val_len));
	wl.perm = calloc(wl.nkeys, sizeof(*wl.perm));
	value_bytes = malloc(wl.value_max + 1);
	if (!wl.name_off || !wl.key_len || !wl.val_len || !wl.perm ||
	    !value_bytes)
		return -1;
	for (i = 0; i <= wl.value_max; i++)
		value_bytes[i] = (char)('a' + i % 26);
	for (i = 0; i < wl.nkeys; i++) {
		if (wl.etc) {
			len = etc_key_size(rng_unit(&r));
			wl.val_len[i] = (uint16_t)etc_value_size(rng_unit(&r),
								 wl.value_max);
		} else {
			len = 20;
			wl.val_len[i] = 2;
		}
		wl.key_len[i] = (uint8_t)len;
		total += len + 21;
	}
	wl.names = malloc(total);
	if (!wl.names)
		return -1;
	for (i = 0; i < wl.nkeys; i++) {
		char *p = wl.names + off;
		uint32_t v = i, n = 0, want = wl.key_len[i];

		/* "u" or "e", the number in base 36, '_' up to the size. */
		do {
			id[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
			v /= 36;
		} while (v);
		p[0] = wl.etc ? 'e' : 'u';
		for (len = 1; n; len++)
			p[len] = id[--n];
		if (want < len)
			want = len;
		while (len < want)
			p[len++] = '_';
		wl.key_len[i] = (uint8_t)len;
		wl.name_off[i] = (uint32_t)off;
		off += len;
	}
	/* A random permutation: rank r is key perm[r]. */
	for (i = 0; i < wl.nkeys; i++)
		wl.perm[i] = i;
	for (i = wl.nkeys - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rng_next(&r) % (i + 1)), t = wl.perm[i];

		wl.perm[i] = wl.perm[j];
		wl.perm[j] = t;
	}
	if (wl.zipf) {
		double sum = 0;

		wl.cdf = malloc(wl.nkeys * sizeof(*wl.cdf));
		if (!wl.cdf)
			return -1;
		for (i = 0; i < wl.nkeys; i++) {
			sum += pow(i + 1.0, -wl.zipf_s);
			wl.cdf[i] = sum;
		}
		for (i = 0; i < wl.nkeys; i++)
			wl.cdf[i] /= sum;
	}
	wl.set_frac = wl.etc ? 1.0 / (ETC_GETS_PER_SET + 1.0) : 0.002;
	return 0;
}

static uint32_t draw_key(struct rng *r)
{
	uint32_t lo = 0, hi, mid;
	double u;

	if (!wl.zipf)
		return (uint32_t)(rng_next(r) % wl.nkeys);
	u = rng_unit(r);
	hi = wl.nkeys - 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (wl.cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return wl.perm[lo];
}

static int draw_op(struct rng *r)
{
	return rng_unit(r) < wl.set_frac ? OP_SET : OP_GET;
}

/*
 * Latency histogram in ns: exact below 128, then 64 buckets per power of
 * two (1.6% wide at most).
 */
static unsigned int bucket_of(uint64_t v)
{
	unsigned int m;

	if (v < 128)
		return (unsigned int)v;
	m = 63 - (unsigned int)__builtin_clzll(v);
	v = (m - 6) * 64 + (v >> (m - 6));
	return v < NBUCKETS ? (unsigned int)v : NBUCKETS - 1;
}

/* The middle of bucket @b, in ns. */
static double bucket_mid(unsigned int b)
{
	unsigned int m, q;

	if (b < 128)
		return b;
	m = b / 64 + 5;
	q = b % 64 + 64;
	return ((double)q + 0.5) * (double)(1ull << (m - 6));
}

struct req {
	uint64_t t0;		/* send time (closed) or intended (open) */
	uint32_t key;
	uint8_t op;
};

struct conn {
	int fd;
	bool dead, want_out;
	struct req *q;		/* in flight, oldest first */
	uint32_t qhead, qlen, qcap;
	char *tx;
	size_t txlen, txoff, txcap;
	char *rx;
	size_t rxlen, rxcap;
};

struct thread {
	pthread_t tid;
	unsigned int idx;
	int ep;
	struct conn *c;
	uint32_t nc, rr;
	struct rng r;
	double rate;		/* open loop: this thread's share */
	uint64_t next_t;	/* open loop: the next arrival */
	/* preload: keys idx, idx + nthreads, ... */
	uint32_t pre_next;
	uint64_t pre_done;
	uint64_t hist[NBUCKETS];
	uint64_t done, lat, gets, sets, misses, errors, unfinished, dead;
	uint64_t issued;
};

static struct {
	struct sockaddr_in sa;
	uint32_t conns, depth, max_inflight, nthreads;
	double rate, warmup, duration;
	bool preload, preload_only, hist;
	const char *label;
	uint64_t seed;
} opt = {
	.conns = 32, .depth = 8, .max_inflight = 512, .nthreads = 1,
	.warmup = 1, .duration = 3, .label = "kv", .seed = 1,
};

static struct thread th[MAX_THREADS];
static pthread_barrier_t barrier;
static uint64_t t_warm, t_end;	/* the measured window */
static volatile int phase;	/* 0 preload, 1 load, 2 drain, 3 stop */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int grow(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 4096;
	char *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*buf, n);
	if (!p)
		return -1;
	*buf = p;
	*cap = n;
	return 0;
}

static void conn_kill(struct thread *t, struct conn *c, const char *why)
{
	if (c->dead)
		return;
	fprintf(stderr, "kvload: thread %u: connection lost: %s\n", t->idx,
		why);
	c->dead = true;
	t->dead++;
	epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

/* Queue one request on @c (its text into tx, its record into q). */
static int issue(struct thread *t, struct conn *c, int op, uint32_t key,
		 uint64_t t0)
{
	const char *name = wl.names + wl.name_off[key];
	uint32_t klen = wl.key_len[key], vlen = wl.val_len[key];
	struct req *rq;
	char *p;

	if (c->qlen == c->qcap)
		return -1;
	if (grow(&c->tx, &c->txcap, c->txlen + klen + vlen + 64))
		return -1;
	p = c->tx + c->txlen;
	if (op == OP_GET) {
		memcpy(p, "get ", 4);
		memcpy(p + 4, name, klen);
		memcpy(p + 4 + klen, "\r\n", 2);
		c->txlen += klen + 6;
	} else {
		int n;

		memcpy(p, "set ", 4);
		memcpy(p + 4, name, klen);
		n = sprintf(p + 4 + klen, " 0 0 %u\r\n", vlen);
		memcpy(p + 4 + klen + n, value_bytes, vlen);
		memcpy(p + 4 + klen + n + vlen, "\r\n", 2);
		c->txlen += 4 + klen + n + vlen + 2;
	}
	rq = &c->q[(c->qhead + c->qlen++) % c->qcap];
	rq->t0 = t0;
	rq->key = key;
	rq->op = (uint8_t)op;
	t->issued++;
	return 0;
}

static void flush_tx(struct thread *t, struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };
	ssize_t n;

	while (!c->dead && c->txoff < c->txlen) {
		n = send(c->fd, c->tx + c->txoff, c->txlen - c->txoff,
			 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			conn_kill(t, c, strerror(errno));
			return;
		}
		c->txoff += (size_t)n;
	}
	if (c->dead)
		return;
	if (c->txoff == c->txlen)
		c->txoff = c->txlen = 0;
	if (c->want_out != (c->txlen != 0)) {
		c->want_out = c->txlen != 0;
		ev.events = EPOLLIN | (c->want_out ? EPOLLOUT : 0);
		epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

static void record(struct thread *t, const struct req *rq, uint64_t now)
{
	if (phase == 0) {
		t->pre_done++;
		return;
	}
	/* The rate: what completes in the window. */
	if (now >= t_warm && now < t_end)
		t->done++;
	/* Latency: closed loop, the same; open loop, what was due in it. */
	if (opt.rate > 0 ? (rq->t0 < t_warm || rq->t0 >= t_end) :
			   (now < t_warm || now >= t_end))
		return;
	t->lat++;
	t->hist[bucket_of(now - rq->t0)]++;
	if (rq->op == OP_GET)
		t->gets++;
	else
		t->sets++;
}

/*
 * Parse the replies in @c's rx buffer, oldest request first. Returns
 * the number of requests answered, or -1 on a reply that is not what
 * memcached sends for the request.
 */
static int parse(struct thread *t, struct conn *c, uint64_t now)
{
	size_t pos = 0;
	int answered = 0;

	while (c->qlen) {
		struct req *rq = &c->q[c->qhead];
		const char *line = c->rx + pos, *nl, *name;
		size_t avail = c->rxlen - pos, llen, klen, need;
		unsigned long bytes;
		char *end;

		nl = memchr(line, '\n', avail);
		if (!nl)
			break;
		llen = (size_t)(nl - line) + 1;
		if (llen < 2 || line[llen - 2] != '\r')
			return -1;
		if (rq->op == OP_SET) {
			if (llen != 8 || memcmp(line, "STORED\r\n", 8))
				goto bad;
			need = llen;
		} else if (llen == 5 && !memcmp(line, "END\r\n", 5)) {
			if (phase)
				t->misses++;
			need = llen;
		} else {
			name = wl.names + wl.name_off[rq->key];
			klen = wl.key_len[rq->key];
			if (llen < 6 + klen + 6 || memcmp(line, "VALUE ", 6) ||
			    memcmp(line + 6, name, klen) || line[6 + klen] != ' ')
				goto bad;
			end = memchr(line + 7 + klen, ' ', llen - 7 - klen);
			if (!end)
				goto bad;
			bytes = strtoul(end + 1, &end, 10);
			if (*end != '\r' || bytes != wl.val_len[rq->key])
				goto bad;
			need = llen + bytes + 2 + 5;
			if (avail < need)
				break;
			if (memcmp(line + llen + bytes, "\r\nEND\r\n", 7))
				goto bad;
		}
		pos += need;
		record(t, rq, now);
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
		answered++;
		continue;
bad:
		t->errors++;
		fprintf(stderr, "kvload: unexpected reply to %s: %.*s\n",
			rq->op == OP_GET ? "get" : "set",
			(int)(llen > 80 ? 80 : llen - 2), line);
		return -1;
	}
	memmove(c->rx, c->rx + pos, c->rxlen - pos);
	c->rxlen -= pos;
	return answered;
}

/* Closed loop and preload: top @c up to the depth. */
static void refill(struct thread *t, struct conn *c, uint64_t now)
{
	while (!c->dead && c->qlen < opt.depth) {
		if (phase == 0) {
			if (t->pre_next >= wl.nkeys)
				break;
			issue(t, c, OP_SET, t->pre_next, now);
			t->pre_next += opt.nthreads;
		} else if (phase == 1 && opt.rate <= 0) {
			int op = draw_op(&t->r);

			issue(t, c, op, draw_key(&t->r), now);
		} else {
			break;
		}
	}
}

static void on_readable(struct thread *t, struct conn *c)
{
	uint64_t now;
	ssize_t n;

	for (;;) {
		if (grow(&c->rx, &c->rxcap, c->rxlen + 16384)) {
			conn_kill(t, c, "out of memory");
			return;
		}
		n = recv(c->fd, c->rx + c->rxlen, c->rxcap - c->rxlen, 0);
		if (n == 0) {
			conn_kill(t, c, "closed by the server");
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN)
				conn_kill(t, c, strerror(errno));
			break;
		}
		c->rxlen += (size_t)n;
		if ((size_t)n < 16384)
			break;
	}
	now = now_ns();
	if (parse(t, c, now) < 0) {
		conn_kill(t, c, "bad reply");
		return;
	}
	if (!c->dead)
		refill(t, c, now);
}

/*
 * Open loop: send every arrival that is due (up to the window's end,
 * late or not), each on the next connection.
 */
static void arrivals(struct thread *t, uint64_t now)
{
	uint32_t tried;

	while (t->next_t <= now && t->next_t < t_end) {
		struct conn *c = NULL;

		for (tried = 0; tried < t->nc; tried++) {
			struct conn *x = &t->c[t->rr++ % t->nc];

			if (!x->dead && x->qlen < opt.max_inflight) {
				c = x;
				break;
			}
		}
		if (!c)
			return;	/* all full: the arrival waits, its clock runs */
		issue(t, c, draw_op(&t->r), draw_key(&t->r), t->next_t);
		t->next_t += (uint64_t)(-log(rng_unit(&t->r)) / t->rate * 1e9);
	}
}

static uint32_t outstanding(struct thread *t)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->nc; i++)
		if (!t->c[i].dead)
			n += t->c[i].qlen;
	return n;
}

static void *run(void *arg)
{
	struct thread *t = arg;
	struct epoll_event ev[64];
	struct timespec ts;
	uint64_t now, deadline;
	int n, i;

	/* Preload: every key once, the thread's share, closed loop. */
	if (opt.preload) {
		now = now_ns();
		for (uint32_t k = 0; k < t->nc; k++) {
			refill(t, &t->c[k], now);
			flush_tx(t, &t->c[k]);
		}
		while (outstanding(t) || t->pre_next < wl.nkeys) {
			if (t->dead == t->nc)
				break;
			n = epoll_wait(t->ep, ev, 64, 1000);
			for (i = 0; i < n; i++) {
				struct conn *c = ev[i].data.ptr;

				if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
					on_readable(t, c);
				if (!c->dead)
					flush_tx(t, c);
			}
		}
	}
	pthread_barrier_wait(&barrier);	/* main sets the window */
	pthread_barrier_wait(&barrier);
	if (opt.preload_only)
		return NULL;
	now = now_ns();
	t->next_t = now;
	for (uint32_t k = 0; k < t->nc; k++) {
		refill(t, &t->c[k], now);
		flush_tx(t, &t->c[k]);
	}
	deadline = t_end + DRAIN_NS;
	for (;;) {
		now = now_ns();
		if (opt.rate > 0)
			arrivals(t, now);
		if (now >= t_end && phase == 1)
			phase = 2;
		if (now >= deadline || (phase == 2 && !outstanding(t)) ||
		    t->dead == t->nc)
			break;
		if (opt.rate > 0) {
			for (uint32_t k = 0; k < t->nc; k++)
				if (t->c[k].txlen)
					flush_tx(t, &t->c[k]);
			/*
			 * Sleep until the next arrival at most; when it is
			 * already due, every connection is full and only a
			 * reply (which wakes the wait) makes room.
			 */
			if (phase == 1 && t->next_t > now) {
				uint64_t d = t->next_t - now;

				ts.tv_sec = (time_t)(d / 1000000000ull);
				ts.tv_nsec = (long)(d % 1000000000ull);
			} else {
				ts.tv_sec = 0;
				ts.tv_nsec = 10000000;
			}
		} else {
			ts.tv_sec = 0;
			ts.tv_nsec = 100000000;
		}
		n = epoll_pwait2(t->ep, ev, 64, &ts, NULL);
		for (i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;

			if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				on_readable(t, c);
			if (!c->dead && c->txlen)
				flush_tx(t, c);
		}
	}
	/*
	 * What was due in the window and never answered, at its age now;
	 * arrivals of the window never sent (every connection was full)
	 * likewise.
	 */
	now = now_ns();
	while (opt.rate > 0 && t->next_t < t_end) {
		if (t->next_t >= t_warm) {
			t->unfinished++;
			t->hist[bucket_of(now - t->next_t)]++;
		}
		t->next_t += (uint64_t)(-log(rng_unit(&t->r)) / t->rate * 1e9);
	}
	for (uint32_t k = 0; k < t->nc; k++) {
		struct conn *c = &t->c[k];

		for (uint32_t j = 0; j < c->qlen; j++) {
			struct req *rq = &c->q[(c->qhead + j) % c->qcap];

			if (opt.rate > 0 && rq->t0 >= t_warm && rq->t0 < t_end) {
				t->unfinished++;
				t->hist[bucket_of(now - rq->t0)]++;
			}
		}
	}
	return NULL;
}

static double percentile(const uint64_t *h, uint64_t total, double p)
{
	uint64_t want = (uint64_t)ceil(p * (double)total), seen = 0;

	if (!total)
		return 0;
	if (!want)
		want = 1;
	for (unsigned int b = 0; b < NBUCKETS; b++) {
		seen += h[b];
		if (seen >= want)
			return bucket_mid(b) / 1e3;
	}
	return bucket_mid(NBUCKETS - 1) / 1e3;
}

static double cpu_secs(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000000ull),
		.tv_nsec = (long)(t % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static int open_conns(void)
{
	uint32_t i, k = 0;
	int one = 1;

	for (i = 0; i < opt.nthreads; i++) {
		struct thread *t = &th[i];

		t->idx = i;
		t->nc = opt.conns / opt.nthreads + (i < opt.conns % opt.nthreads);
		t->c = calloc(t->nc, sizeof(*t->c));
		t->ep = epoll_create1(0);
		t->pre_next = i;
		t->rate = opt.rate / opt.nthreads;
		rng_seed(&t->r, opt.seed * 1000003 + i + 1);
		if (!t->c || t->ep < 0)
			return -1;
		for (uint32_t j = 0; j < t->nc; j++, k++) {
			struct conn *c = &t->c[j];
			struct epoll_event ev = { .events = EPOLLIN,
						  .data.ptr = c };

			c->qcap = opt.rate > 0 ? opt.max_inflight : opt.depth;
			c->q = calloc(c->qcap, sizeof(*c->q));
			c->fd = socket(AF_INET, SOCK_STREAM, 0);
			if (!c->q || c->fd < 0)
				return -1;
			setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			if (connect(c->fd, (struct sockaddr *)&opt.sa,
				    sizeof(opt.sa))) {
				fprintf(stderr, "kvload: connect %u: %s\n", k,
					strerror(errno));
				return -1;
			}
			fcntl(c->fd, F_SETFL, O_NONBLOCK);
			epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev);
		}
	}
	return 0;
}

/* --selftest: the generator's output against the distributions. */
static int st_fail;

static void st_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void st_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	st_fail += !ok;
}

static int cmp32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void workload_free(void)
{
	free(wl.names);
	free(wl.name_off);
	free(wl.key_len);
	free(wl.val_len);
	free(wl.cdf);
	free(wl.perm);
	free(value_bytes);
	wl.names = NULL;
	wl.cdf = NULL;
}

/* The mix of @n draws, and the share of the most popular key. */
static void st_stream(const char *what, uint32_t n, double want_set,
		      double tol)
{
	struct rng r;
	uint32_t *hits = calloc(wl.nkeys, sizeof(*hits)), i, sets = 0;
	double got;

	rng_seed(&r, 42);
	for (i = 0; i < n; i++) {
		sets += draw_op(&r) == OP_SET;
		hits[draw_key(&r)]++;
	}
	got = (double)sets / n;
	st_check(fabs(got - want_set) <= tol,
		 "%s: SET share %.5f (want %.5f +- %.5f)", what, got, want_set,
		 tol);
	if (wl.zipf) {
		double h = 0, p1, p10;

		for (i = 0; i < wl.nkeys; i++)
			h += pow(i + 1.0, -wl.zipf_s);
		p1 = (double)hits[wl.perm[0]] / n;
		p10 = (double)hits[wl.perm[9]] / n;
		st_check(fabs(p1 * h - 1) < 0.03 && fabs(p10 * h * pow(10, wl.zipf_s) - 1) < 0.1,
			 "%s: Zipf(%.2f) rank 1 %.5f (want %.5f), rank 10 %.5f (want %.5f)",
			 what, wl.zipf_s, p1, 1 / h, p10,
			 1 / h / pow(10, wl.zipf_s));
	} else {
		uint32_t max = 0;
		double mean = (double)n / wl.nkeys;

		for (i = 0; i < wl.nkeys; i++)
			if (hits[i] > max)
				max = hits[i];
		/* Poisson(mean) over nkeys keys: the max within ~6 sd. */
		st_check(max < mean + 6 * sqrt(mean) + 1,
			 "%s: uniform, busiest key %u hits (mean %.1f)", what,
			 max, mean);
	}
	free(hits);
}

/* Quantile @p of the integer sizes @v (sorted) against @want +- @tol. */
static void st_quantile(const char *what, const uint32_t *v, uint32_t n,
			double p, double want, double tol)
{
	uint32_t got = v[(uint32_t)(p * (n - 1))];

	st_check(fabs(got - want) <= tol, "%s p%.0f %u (want %.1f +- %.1f)",
		 what, p * 100, got, want, tol);
}

/*
 * The quantiles p10, p50, p90, p99 of the paper's two fitted
 * distributions, computed apart from this file (Python's math module,
 * the closed forms above): a wrong formula here fails the self-test.
 */
static const double ps[] = { 0.1, 0.5, 0.9, 0.99 };
static const double etc_key_q[] = { 24.1753, 33.8492, 50.9971, 76.2756 };
static const double etc_val_q[] = { 23.0170, 168.1408, 757.3322, 2445.9230 };

static int selftest(void)
{
	uint32_t n = 200000, *ks, *vs, i;
	bool usr_ok = true;
	char name[80];

	wl.nkeys = n;
	wl.value_max = 4096;
	wl.zipf_s = 0.99;
	wl.etc = false;
	wl.zipf = false;
	if (workload_init(7))
		return 1;
	for (i = 0; i < n; i++)
		usr_ok &= wl.key_len[i] == 20 && wl.val_len[i] == 2;
	st_check(usr_ok, "usr: every key 20 bytes, every value 2");
	st_stream("usr uniform", 2000000, 0.002, 0.0003);
	workload_free();
	wl.zipf = true;
	workload_init(7);
	st_stream("usr zipf", 2000000, 0.002, 0.0003);
	workload_free();

	wl.etc = true;
	wl.zipf = false;
	if (workload_init(7))
		return 1;
	ks = malloc(n * sizeof(*ks));
	vs = malloc(n * sizeof(*vs));
	if (!ks || !vs)
		return 1;
	for (i = 0; i < n; i++) {
		ks[i] = wl.key_len[i];
		vs[i] = wl.val_len[i];
	}
	qsort(ks, n, sizeof(*ks), cmp32);
	qsort(vs, n, sizeof(*vs), cmp32);
	st_check(ks[0] >= 1 && ks[n - 1] <= KEY_MAX && vs[n - 1] <= wl.value_max,
		 "etc: key sizes in [%u, %u], values at most %u", ks[0],
		 ks[n - 1], vs[n - 1]);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double kq = etc_key_q[i], vq = etc_val_q[i];

		snprintf(name, sizeof(name), "etc: key size (GEV %.4f %.5f %.6f)",
			 ETC_KEY_MU, ETC_KEY_SIGMA, ETC_KEY_K);
		st_quantile(name, ks, n, ps[i], kq, 1.0);
		snprintf(name, sizeof(name), "etc: value size (GPD 0 %.3f %.6f)",
			 ETC_VAL_SIGMA, ETC_VAL_K);
		st_quantile(name, vs, n, ps[i], vq, 1.0 + 0.02 * vq);
	}
	st_stream("etc uniform", 2000000, 1 / 31.0, 0.001);
	free(ks);
	free(vs);
	workload_free();
	wl.zipf = true;
	workload_init(7);
	st_stream("etc zipf", 2000000, 1 / 31.0, 0.001);
	/* Every name unique: sorted names have no neighbours alike. */
	{
		uint32_t dup = 0;
		char **names = malloc(n * sizeof(*names));

		for (i = 0; i < n; i++) {
			names[i] = strndup(wl.names + wl.name_off[i],
					   wl.key_len[i]);
		}
		qsort(names, n, sizeof(*names), cmpstr);
		for (i = 1; i < n; i++)
			dup += !strcmp(names[i - 1], names[i]);
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		st_check(dup == 0, "etc: %u key names, %u duplicates", n, dup);
	}
	workload_free();
	printf("kvload selftest: %s\n", st_fail ? "FAILED" : "passed");
	return st_fail ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kvload ADDRESS PORT [--workload usr|etc] [--keys N]\n"
		"              [--dist uniform|zipf] [--zipf S] [--value-max B]\n"
		"              [--conns N] [--depth D] [--rate R] [--max-inflight N]\n"
		"              [--threads T] [--warmup S] [--duration S] [--seed N]\n"
		"              [--preload | --preload-only] [--hist] [--label L]\n"
		"       kvload --selftest\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "workload", 1, 0, 'w' }, { "keys", 1, 0, 'k' },
		{ "dist", 1, 0, 'D' }, { "zipf", 1, 0, 'z' },
		{ "value-max", 1, 0, 'V' }, { "conns", 1, 0, 'c' },
		{ "depth", 1, 0, 'd' }, { "rate", 1, 0, 'r' },
		{ "max-inflight", 1, 0, 'M' }, { "threads", 1, 0, 't' },
		{ "warmup", 1, 0, 'W' }, { "duration", 1, 0, 'T' },
		{ "seed", 1, 0, 's' }, { "preload", 0, 0, 'p' },
		{ "preload-only", 0, 0, 'P' }, { "hist", 0, 0, 'H' },
		{ "label", 1, 0, 'l' }, { "selftest", 0, 0, 'S' },
		{ 0, 0, 0, 0 }
	};
	uint64_t hist[NBUCKETS] = { 0 }, done = 0, lat = 0, gets = 0, sets = 0;
	uint64_t misses = 0, errors = 0, unfinished = 0, dead = 0, pre = 0;
	double cpu0, cpu1, secs;
	uint64_t t0;
	uint32_t i;
	int o;

	wl.nkeys = 100000;
	wl.value_max = 4096;
	wl.zipf_s = 0.99;
	while ((o = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (o) {
		case 'w':
			if (!strcmp(optarg, "etc"))
				wl.etc = true;
			else if (strcmp(optarg, "usr"))
				usage();
			break;
		case 'k': wl.nkeys = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'D':
			if (!strcmp(optarg, "zipf"))
				wl.zipf = true;
			else if (strcmp(optarg, "uniform"))
				usage();
			break;
		case 'z': wl.zipf_s = atof(optarg); break;
		case 'V': wl.value_max = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'c': opt.conns = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd': opt.depth = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': opt.rate = atof(optarg); break;
		case 'M': opt.max_inflight = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 't': opt.nthreads = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'W': opt.warmup = atof(optarg); break;
		case 'T': opt.duration = atof(optarg); break;
		case 's': opt.seed = strtoull(optarg, NULL, 10); break;
		case 'p': opt.preload = true; break;
		case 'P': opt.preload = opt.preload_only = true; break;
		case 'H': opt.hist = true; break;
		case 'l': opt.label = optarg; break;
		case 'S': return selftest();
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	opt.sa.sin_family = AF_INET;
	opt.sa.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &opt.sa.sin_addr) != 1 ||
	    !wl.nkeys || wl.value_max > 65535 || !opt.conns ||
	    opt.conns > MAX_CONNS || !opt.depth || opt.depth > 4096 ||
	    !opt.nthreads || opt.nthreads > MAX_THREADS ||
	    opt.nthreads > opt.conns || opt.duration <= 0 || opt.warmup < 0 ||
	    opt.rate < 0 || !opt.max_inflight || wl.zipf_s <= 0)
		usage();
	/* Open loop sleeps to the next arrival: ask for tight wakeups. */
	prctl(PR_SET_TIMERSLACK, 1000UL);
	signal(SIGPIPE, SIG_IGN);
	if (workload_init(opt.seed)) {
		fprintf(stderr, "kvload: no memory for %u keys\n", wl.nkeys);
		return 1;
	}
	if (open_conns())
		return 1;
	pthread_barrier_init(&barrier, NULL, opt.nthreads + 1);
	t0 = now_ns();
	for (i = 0; i < opt.nthreads; i++)
		pthread_create(&th[i].tid, NULL, run, &th[i]);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < opt.nthreads; i++) {
		pre += th[i].pre_done;
		dead += th[i].dead;
		errors += th[i].errors;
	}
	if (opt.preload)
		printf("PRELOAD %s keys=%u stored=%llu secs=%.2f\n", opt.label,
		       wl.nkeys, (unsigned long long)pre,
		       (now_ns() - t0) / 1e9);
	t_warm = now_ns() + (uint64_t)(opt.warmup * 1e9);
	t_end = t_warm + (uint64_t)(opt.duration * 1e9);
	phase = 1;
	pthread_barrier_wait(&barrier);
	if (opt.preload_only) {
		for (i = 0; i < opt.nthreads; i++)
			pthread_join(th[i].tid, NULL);
		return pre == wl.nkeys && !dead && !errors ? 0 : 1;
	}
	sleep_until(t_warm);
	cpu0 = cpu_secs();
	sleep_until(t_end);
	cpu1 = cpu_secs();
	for (i = 0; i < opt.nthreads; i++) {
		pthread_join(th[i].tid, NULL);
		for (unsigned int b = 0; b < NBUCKETS; b++)
			hist[b] += th[i].hist[b];
		done += th[i].done;
		lat += th[i].lat;
		gets += th[i].gets;
		sets += th[i].sets;
		misses += th[i].misses;
		errors += th[i].errors;
		unfinished += th[i].unfinished;
		dead += th[i].dead;
	}
	secs = opt.duration;
	printf("KVLOAD %s mode=%s workload=%s dist=%s keys=%u conns=%u depth=%u threads=%u offered=%.0f rate=%.0f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f gets=%llu sets=%llu misses=%llu errors=%llu unfinished=%llu dead=%llu cpu_pct=%.0f\n",
	       opt.label, opt.rate > 0 ? "open" : "closed",
	       wl.etc ? "etc" : "usr", wl.zipf ? "zipf" : "uniform",
	       wl.nkeys, opt.conns, opt.rate > 0 ? 0 : opt.depth, opt.nthreads,
	       opt.rate, done / secs,
	       percentile(hist, lat + unfinished, 0.5),
	       percentile(hist, lat + unfinished, 0.9),
	       percentile(hist, lat + unfinished, 0.99),
	       percentile(hist, lat + unfinished, 0.999),
	       percentile(hist, lat + unfinished, 1.0),
	       (unsigned long long)gets, (unsigned long long)sets,
	       (unsigned long long)misses, (unsigned long long)errors,
	       (unsigned long long)unfinished, (unsigned long long)dead,
	       100.0 * (cpu1 - cpu0) / secs);
	if (opt.hist)
		for (unsigned int b = 0; b < NBUCKETS; b++)
			if (hist[b])
				printf("HIST %s %.2f %llu\n", opt.label,
				       bucket_mid(b) / 1e3,
				       (unsigned long long)hist[b]);
	return errors || dead || (opt.preload && misses) ? 1 : 0;
}
