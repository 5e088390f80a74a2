// SPDX-License-Identifier: GPL-2.0
/*
 * ixhost: the portable stack (kmod/stack) hosted in a user process on a TAP
 * device, so it can be tested against the real Linux TCP stack on the
 * other side of the tap.
 *
 * One thread runs the loop IX runs on a dataplane core: read every frame
 * the tap has into an RX pool buffer and hand it to ix_stack_rx, run the
 * timers with ix_stack_poll, then act on the queued events (the event hook
 * only queues: it must not call back into the core) and push application
 * data with sendv.  poll() sleeps at most 1 ms so timers stay punctual.
 * Time is CLOCK_MONOTONIC in microseconds.
 *
 * The jobs keep the zero-copy contract of the IX ABI: send-client hands
 * sendv references into one pattern buffer and never touches it until the
 * sent events cover it; echo-server sends the received bytes straight out
 * of their RX buffers and returns them with recv_done only when the echo
 * of those bytes is acknowledged (sent), as an IX echo server does.
 *
 * Output: "ready" once listening (servers), one "conn" line per finished
 * connection, a "summary" line and the nonzero core counters.  Exit 0 when
 * every connection closed gracefully and all bytes were delivered.
 *
 * --rx-impair and --tx-impair put a netem-like stage (impair.c) on either
 * direction, for kernels built without sch_netem.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "stack.h"
#include "tcp.h"
#include "sha256.h"
#include "impair.h"

#define MAX_CONNS	64
#define RX_BATCH	256
#define FRAME_MAX	(IX_ETH_HLEN + 1500)

enum job {
	JOB_NONE,
	JOB_ECHO,
	JOB_SINK,
	JOB_SEND,
	JOB_RECV,
};

struct conn {
	bool used, eof, closed, dead, opts_shown;
	int status;
	u64 handle;
	u64 rx_bytes, tx_queued, tx_acked;
	u64 start_us;
	struct sha256 rx_sha;
	/* echo: received bytes not yet taken by sendv, oldest first */
	struct ix_iov *pend;
	u32 phead, pcnt, pcap;
};

struct host {
	enum job job;
	int fd;
	struct ix_stack *c;
	struct ix_stack_cfg cfg;
	u16 port;
	u32 peer_ip;
	u64 send_total;
	u8 *pattern;
	char pattern_sha[2 * SHA256_LEN + 1];
	u32 conns_wanted, conns_done, conns_bad;
	struct conn conn[MAX_CONNS];
	struct ix_event *evq;
	u32 nev, evcap;
	struct impair rx_im, tx_im;
	u64 tx_errors, tx_oversize, rx_nobuf, ev_overflow;
	u64 rx_total, tx_total;
	bool failed;
};

static u64 now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000 + (u64)ts.tv_nsec / 1000;
}

void ix_plat_random(void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n <= 0) {
			perror("getrandom");
			exit(1);
		}
		p += n;
		len -= (size_t)n;
	}
}

static u64 pattern_next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void tap_write(void *arg, const u8 *f, u32 len)
{
	struct host *h = arg;

	if (write(h->fd, f, len) != (ssize_t)len)
		h->tx_errors++;
}

static void host_tx(void *arg, struct ix_stack *c, struct ix_mbuf *m)
{
	struct host *h = arg;

	if (m->len > FRAME_MAX)
		h->tx_oversize++;
	impair_push(&h->tx_im, ix_stack_data(c, m), m->len, now_us(),
		    tap_write, h);
	ix_stack_free(c, m);
}

/* Frames that went through the RX impairment stage are copied in. */
static void core_rx_copy(void *arg, const u8 *f, u32 len)
{
	struct host *h = arg;

	if (ix_stack_rx_frame(h->c, f, len, 0, now_us()))
		h->rx_nobuf++;
}

static void host_event(void *arg, const struct ix_event *ev)
{
	struct host *h = arg;

	if (h->nev == h->evcap) {
		u32 cap = h->evcap ? 2 * h->evcap : 1024;
		struct ix_event *q = realloc(h->evq, cap * sizeof(*q));

		if (!q) {
			h->ev_overflow++;
			return;
		}
		h->evq = q;
		h->evcap = cap;
	}
	h->evq[h->nev++] = *ev;
}

static struct conn *conn_of(struct host *h, u64 cookie)
{
	return cookie < MAX_CONNS && h->conn[cookie].used ?
	       &h->conn[cookie] : NULL;
}

static struct conn *conn_new(struct host *h, u64 *cookie)
{
	u32 i;

	for (i = 0; i < MAX_CONNS; i++) {
		struct conn *k = &h->conn[i];

		if (k->used)
			continue;
		free(k->pend);
		memset(k, 0, sizeof(*k));
		k->used = true;
		k->start_us = now_us();
		sha256_init(&k->rx_sha);
		*cookie = i;
		return k;
	}
	return NULL;
}

static int pend_push(struct conn *k, const u8 *data, u32 len)
{
	if (k->phead + k->pcnt == k->pcap) {
		if (k->phead) {
			memmove(k->pend, k->pend + k->phead,
				k->pcnt * sizeof(*k->pend));
			k->phead = 0;
		} else {
			u32 cap = k->pcap ? 2 * k->pcap : 256;
			struct ix_iov *p = realloc(k->pend, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			k->pend = p;
			k->pcap = cap;
		}
	}
	k->pend[k->phead + k->pcnt].base = data;
	k->pend[k->phead + k->pcnt].len = len;
	k->pcnt++;
	return 0;
}

static void show_opts(struct host *h, struct conn *k)
{
	struct ix_tcb *t = ix_tcp_lookup_handle(h->c, k->handle);

	if (!t || k->opts_shown)
		return;
	k->opts_shown = true;
	printf("opts conn=%u mss=%u ts=%d sack=%d wscale=%u,%u\n",
	       (unsigned int)(k - h->conn), t->mss, !!(t->flags & TF_TS),
	       !!(t->flags & TF_SACK), t->snd_wscale, t->rcv_wscale);
}

static void conn_finish(struct host *h, struct conn *k, int status)
{
	char hex[2 * SHA256_LEN + 1];
	u8 d[SHA256_LEN];

	k->dead = true;
	k->status = status;
	sha256_final(&k->rx_sha, d);
	sha256_hex(d, hex);
	printf(
	       "conn %u status=%d rx_bytes=%llu rx_sha256=%s tx_queued=%llu tx_acked=%llu ms=%llu\n",
	       (unsigned int)(k - h->conn), status,
	       (unsigned long long)k->rx_bytes, hex,
	       (unsigned long long)k->tx_queued,
	       (unsigned long long)k->tx_acked,
	       (unsigned long long)(now_us() - k->start_us) / 1000);
	if (status || !k->eof || k->tx_acked != k->tx_queued ||
	    (h->job == JOB_SEND && k->tx_acked != h->send_total) ||
	    (h->job == JOB_ECHO && k->tx_acked != k->rx_bytes))
		h->conns_bad++;
	h->conns_done++;
	k->used = false;
}

static void on_recv(struct host *h, struct conn *k, const struct ix_event *ev)
{
	if (!ev->len) {
		k->eof = true;
		return;
	}
	k->rx_bytes += ev->len;
	h->rx_total += ev->len;
	sha256_update(&k->rx_sha, ev->data, ev->len);
	if (h->job == JOB_ECHO) {
		/* returned with recv_done once the echo is acknowledged */
		if (pend_push(k, ev->data, ev->len)) {
			fprintf(stderr, "ixhost: out of memory\n");
			h->failed = true;
		}
		return;
	}
	if (ix_tcp_recv_done(h->c, k->handle, ev->len)) {
		fprintf(stderr, "ixhost: recv_done failed\n");
		h->failed = true;
	}
}

static void on_sent(struct host *h, struct conn *k, const struct ix_event *ev)
{
	int err;

	k->tx_acked += ev->len;
	h->tx_total += ev->len;
	if (h->job != JOB_ECHO || !ev->len)
		return;
	/*
	 * The ACK that completes the close emits sent and then dead; by the
	 * time the queued sent is handled the handle is gone (-EBADF) and
	 * the core has already released the buffers.
	 */
	err = ix_tcp_recv_done(h->c, k->handle, ev->len);
	if (err && err != -EBADF) {
		fprintf(stderr, "ixhost: recv_done(%u): %d\n", ev->len, err);
		h->failed = true;
	}
}

static void handle_event(struct host *h, const struct ix_event *ev)
{
	struct conn *k;
	u64 cookie = 0;

	switch (ev->type) {
	case IX_EV_KNOCK:
		k = NULL;
		if (h->job == JOB_ECHO || h->job == JOB_SINK)
			k = conn_new(h, &cookie);
		if (!k || ix_tcp_accept(h->c, ev->handle, cookie)) {
			if (k)
				k->used = false;
			ix_tcp_reject(h->c, ev->handle);
			return;
		}
		k->handle = ev->handle;
		show_opts(h, k);
		return;
	case IX_EV_CONNECTED:
		k = conn_of(h, ev->cookie);
		if (!k)
			return;
		if (ev->status) {
			fprintf(stderr, "ixhost: connect failed: %d\n",
				ev->status);
			conn_finish(h, k, ev->status);
			return;
		}
		k->handle = ev->handle;
		show_opts(h, k);
		return;
	}
	k = conn_of(h, ev->cookie);
	if (!k || k->dead)
		return;
	switch (ev->type) {
	case IX_EV_RECV:
		on_recv(h, k, ev);
		break;
	case IX_EV_SENT:
		on_sent(h, k, ev);
		break;
	case IX_EV_DEAD:
		conn_finish(h, k, ev->status);
		break;
	}
}

/* Application output after the events of one loop iteration. */
static void pump(struct host *h, struct conn *k)
{
	struct ix_iov iov;
	long n;

	if (!k->used || k->dead || !k->handle)
		return;
	if (h->job == JOB_ECHO) {
		while (k->pcnt) {
			struct ix_iov *p = &k->pend[k->phead];

			n = ix_tcp_sendv(h->c, k->handle, p, 1);
			if (n <= 0)
				break;
			k->tx_queued += (u64)n;
			if ((u32)n < p->len) {
				p->base += n;
				p->len -= (u32)n;
				break;
			}
			k->phead++;
			k->pcnt--;
		}
		if (!k->pcnt)
			k->phead = 0;
		if (k->eof && !k->pcnt && !k->closed) {
			k->closed = true;
			ix_tcp_close(h->c, k->handle);
		}
		return;
	}
	if (h->job == JOB_SEND) {
		while (k->tx_queued < h->send_total) {
			iov.base = h->pattern + k->tx_queued;
			iov.len = (u32)ix_min64(h->send_total - k->tx_queued,
						1u << 20);
			n = ix_tcp_sendv(h->c, k->handle, &iov, 1);
			if (n <= 0)
				break;
			k->tx_queued += (u64)n;
		}
		if (k->tx_queued == h->send_total && !k->closed) {
			k->closed = true;
			ix_tcp_close(h->c, k->handle);
		}
		return;
	}
	/* sink and recv: close once the peer has */
	if (k->eof && !k->closed) {
		k->closed = true;
		ix_tcp_close(h->c, k->handle);
	}
}

static void run_app(struct host *h)
{
	u32 i;

	/* handling an event may queue more (sendv, close): drain fully */
	for (i = 0; i < h->nev; i++)
		handle_event(h, &h->evq[i]);
	h->nev = 0;
	for (i = 0; i < MAX_CONNS; i++)
		pump(h, &h->conn[i]);
	for (i = 0; i < h->nev; i++)
		handle_event(h, &h->evq[i]);
	h->nev = 0;
}

static void rx_frames(struct host *h)
{
	u8 scratch[2048];
	u32 i;

	for (i = 0; i < RX_BATCH; i++) {
		struct ix_mbuf *m;
		ssize_t n;

		if (impair_on(&h->rx_im)) {
			n = read(h->fd, scratch, sizeof(scratch));
			if (n <= 0)
				return;
			impair_push(&h->rx_im, scratch, (u32)n, now_us(),
				    core_rx_copy, h);
			continue;
		}
		m = ix_stack_rxbuf(h->c);
		if (!m) {
			h->rx_nobuf++;
			if (read(h->fd, scratch, sizeof(scratch)) <= 0)
				return;
			continue;
		}
		n = read(h->fd, ix_stack_data(h->c, m),
			 h->c->rxpool.bufsz - m->off);
		if (n <= 0) {
			ix_stack_free(h->c, m);
			return;
		}
		m->len = (u16)n;
		ix_stack_rx(h->c, m, now_us());
	}
}

static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		perror("/dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror("TUNSETIFF");
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_ip(const char *s, u32 *ip, u32 *mask)
{
	char buf[32], *slash;
	struct in_addr a;
	long bits = 32;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = 0;
		bits = strtol(slash, NULL, 10);
		if (bits < 1 || bits > 32)
			return -1;
	}
	if (!mask && slash)
		return -1;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	if (mask)
		*mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
	return 0;
}

static int parse_mac(const char *s, u8 *mac)
{
	unsigned int v[IX_ETH_ALEN], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5]) != IX_ETH_ALEN)
		return -1;
	for (i = 0; i < IX_ETH_ALEN; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (u8)v[i];
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: ixhost --tap NAME --ip A.B.C.D/NN [--mac M] [--timeout SEC]\n"
		"              [--conns N] [--linger MS] [--seed N] [--rcvbuf B]\n"
		"              [--rx-impair L,R,D,US] [--tx-impair L,R,D,US]\n"
		"              [--no-sack] [--no-ts] [--no-wscale] JOB\n"
		"impair: loss, reorder and duplicate percent, delay in us\n"
		"JOB: echo-server PORT | sink-server PORT\n"
		"     send-client IP PORT BYTES | recv-client IP PORT\n");
	exit(2);
}

static void print_summary(struct host *h, const char *why)
{
	u64 drops = 0;
	unsigned int i;

	for (i = 0; i < IX_STAT_RX_FRAMES; i++)
		drops += h->c->stat[i];
	printf(
	       "summary job=%s conns=%u bad=%u rx_bytes=%llu tx_acked=%llu retrans=%llu rto=%llu fast_retrans=%llu sack_retrans=%llu rst_sent=%llu rst_rcvd=%llu drops=%llu tx_errors=%llu tx_oversize=%llu%s%s\n",
		h->job == JOB_ECHO ? "echo" : h->job == JOB_SINK ? "sink" :
		h->job == JOB_SEND ? "send" : "recv",
		h->conns_done, h->conns_bad,
		(unsigned long long)h->rx_total,
		(unsigned long long)h->tx_total,
		(unsigned long long)h->c->stat[IX_STAT_TCP_RETRANS],
		(unsigned long long)h->c->stat[IX_STAT_TCP_RTO],
		(unsigned long long)h->c->stat[IX_STAT_TCP_FAST_RETRANS],
		(unsigned long long)h->c->stat[IX_STAT_TCP_SACK_RETRANS],
		(unsigned long long)h->c->stat[IX_STAT_TCP_RST_SENT],
		(unsigned long long)h->c->stat[IX_STAT_TCP_RST_RCVD],
		(unsigned long long)drops,
		(unsigned long long)h->tx_errors,
		(unsigned long long)h->tx_oversize,
		why ? " result=" : "", why ? why : "");
	if (h->job == JOB_SEND)
		printf("sent_sha256=%s\n", h->pattern_sha);
	printf(
	       "impair rx_lost=%llu rx_dup=%llu rx_reordered=%llu rx_overflow=%llu tx_lost=%llu tx_dup=%llu tx_reordered=%llu tx_overflow=%llu\n",
	       (unsigned long long)h->rx_im.lost,
	       (unsigned long long)h->rx_im.duplicated,
	       (unsigned long long)h->rx_im.reordered,
	       (unsigned long long)h->rx_im.overflow,
	       (unsigned long long)h->tx_im.lost,
	       (unsigned long long)h->tx_im.duplicated,
	       (unsigned long long)h->tx_im.reordered,
	       (unsigned long long)h->tx_im.overflow);
	for (i = 0; i < IX_STAT_NR; i++)
		if (h->c->stat[i])
			printf("stat %s %llu\n", ix_stack_stat_name(i),
			       (unsigned long long)h->c->stat[i]);
}

/* Sleep at most 1 ms (timers), less when an impaired frame falls due. */
static u64 wait_us(const struct host *h, u64 now)
{
	s64 due[2] = { impair_next_due(&h->rx_im), impair_next_due(&h->tx_im) };
	u64 w = 1000;
	int i;

	for (i = 0; i < 2; i++)
		if (due[i] >= 0)
			w = ix_min64(w, (u64)due[i] > now ? (u64)due[i] - now : 0);
	return w;
}

static void make_pattern(struct host *h, u64 seed)
{
	struct sha256 s;
	u8 d[SHA256_LEN];
	u64 i, x = seed * 0x9e3779b97f4a7c15ull + 1;

	h->pattern = malloc(h->send_total ? h->send_total : 1);
	if (!h->pattern) {
		perror("malloc");
		exit(1);
	}
	for (i = 0; i < h->send_total; i++)
		h->pattern[i] = (u8)(pattern_next(&x) >> 24);
	sha256_init(&s);
	sha256_update(&s, h->pattern, h->send_total);
	sha256_final(&s, d);
	sha256_hex(d, h->pattern_sha);
}

static int start_job(struct host *h)
{
	u64 cookie;
	int err;

	if (h->job == JOB_ECHO || h->job == JOB_SINK) {
		err = ix_tcp_listen(h->c, h->port);
		if (err)
			return err;
		printf("ready listening port %u\n", h->port);
		return 0;
	}
	if (!conn_new(h, &cookie))
		return -ENOMEM;
	err = ix_tcp_connect(h->c, h->peer_ip, h->port, 0, cookie);
	if (err)
		return err;
	printf("ready connecting\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *tap = NULL;
	const char *rx_spec = "0,0,0,0", *tx_spec = "0,0,0,0";
	double timeout = 60;
	u64 deadline, done_at = 0, linger_us = 300000, seed = 1, now;
	struct host *h = calloc(1, sizeof(*h));
	bool have_ip = false;
	const char *why = NULL;
	int i, ret;

	if (!h)
		return 1;
	ix_stack_cfg_default(&h->cfg);
	h->conns_wanted = 1;
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--no-sack")) {
			h->cfg.no_sack = true;
			continue;
		} else if (!strcmp(o, "--no-ts")) {
			h->cfg.no_ts = true;
			continue;
		} else if (!strcmp(o, "--no-wscale")) {
			h->cfg.no_wscale = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(o, "--tap"))
			tap = v;
		else if (!strcmp(o, "--ip") &&
			 !parse_ip(v, &h->cfg.ip, &h->cfg.netmask))
			have_ip = true;
		else if (!strcmp(o, "--mac") && !parse_mac(v, h->cfg.mac))
			;
		else if (!strcmp(o, "--timeout"))
			timeout = strtod(v, NULL);
		else if (!strcmp(o, "--conns"))
			h->conns_wanted = (u32)strtoul(v, NULL, 0);
		else if (!strcmp(o, "--rx-impair"))
			rx_spec = v;
		else if (!strcmp(o, "--tx-impair"))
			tx_spec = v;
		else if (!strcmp(o, "--linger"))
			linger_us = strtoull(v, NULL, 0) * 1000;
		else if (!strcmp(o, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--rcvbuf"))
			h->cfg.rcv_buf = (u32)strtoul(v, NULL, 0);
		else
			usage();
	}
	if (!tap || !have_ip || i >= argc)
		usage();
	if (!strcmp(argv[i], "echo-server") && i + 2 == argc) {
		h->job = JOB_ECHO;
		h->port = (u16)atoi(argv[i + 1]);
	} else if (!strcmp(argv[i], "sink-server") && i + 2 == argc) {
		h->job = JOB_SINK;
		h->port = (u16)atoi(argv[i + 1]);
	} else if (!strcmp(argv[i], "send-client") && i + 4 == argc &&
		   !parse_ip(argv[i + 1], &h->peer_ip, NULL)) {
		h->job = JOB_SEND;
		h->port = (u16)atoi(argv[i + 2]);
		h->send_total = strtoull(argv[i + 3], NULL, 0);
	} else if (!strcmp(argv[i], "recv-client") && i + 3 == argc &&
		   !parse_ip(argv[i + 1], &h->peer_ip, NULL)) {
		h->job = JOB_RECV;
		h->port = (u16)atoi(argv[i + 2]);
	} else {
		usage();
	}
	if (!h->port || !h->conns_wanted || h->conns_wanted > MAX_CONNS)
		usage();
	if (h->job == JOB_SEND || h->job == JOB_RECV)
		h->conns_wanted = 1;
	if (h->job == JOB_SEND)
		make_pattern(h, seed);
	if (impair_parse(&h->rx_im, rx_spec, seed) ||
	    impair_parse(&h->tx_im, tx_spec, seed + 1))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	h->fd = tap_open(tap);
	if (h->fd < 0)
		return 1;
	h->cfg.tx = host_tx;
	h->cfg.event = host_event;
	h->cfg.arg = h;
	now = now_us();
	h->c = ix_stack_create(&h->cfg, now);
	if (!h->c) {
		fprintf(stderr, "ixhost: ix_stack_create failed\n");
		return 1;
	}
	ix_stack_start(h->c, now);
	ret = start_job(h);
	if (ret) {
		fprintf(stderr, "ixhost: cannot start job: %d\n", ret);
		return 1;
	}
	run_app(h);
	deadline = now + (u64)(timeout * 1e6);

	for (;;) {
		struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
		struct timespec ts;

		now = now_us();
		if (!done_at && h->conns_done >= h->conns_wanted)
			done_at = now;
		/* linger so a lost last ACK or FIN can still be answered */
		if (done_at && now - done_at >= linger_us)
			break;
		if (now >= deadline) {
			why = "timeout";
			break;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = 1000 * (long)wait_us(h, now);
		if (ppoll(&pfd, 1, &ts, NULL) < 0 && errno != EINTR) {
			perror("ppoll");
			why = "poll";
			break;
		}
		if (pfd.revents & POLLIN)
			rx_frames(h);
		impair_flush(&h->rx_im, now_us(), core_rx_copy, h);
		ix_stack_poll(h->c, now_us());
		run_app(h);
		impair_flush(&h->tx_im, now_us(), tap_write, h);
	}
	if (!why && (h->conns_bad || h->failed || h->ev_overflow))
		why = "failed";
	print_summary(h, why ? why : "ok");
	ix_stack_destroy(h->c);
	impair_free(&h->rx_im);
	impair_free(&h->tx_im);
	close(h->fd);
	for (i = 0; i < MAX_CONNS; i++)
		free(h->conn[i].pend);
	free(h->evq);
	free(h->pattern);
	free(h);
	return why ? 1 : 0;
}
