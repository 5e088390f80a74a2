// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmark of the portable core (not a test): two ix_stack instances
 * joined back to back in memory run a 64-byte request/response loop over
 * one established connection, as a closed-loop RPC client and server.
 *
 * The "wire" moves each transmitted frame into an RX buffer of the other
 * core (the copy a NIC's DMA would do) and queues it; frames are handed to
 * ix_stack_rx only after the sender returns, since a core must not be
 * re-entered from its own transmit hook.  The clock is simulated (1 us per
 * exchange) so that instruction counts are reproducible; only the elapsed
 * time is real.  By default the core does everything in software; with
 * --offload the wire plays a NIC that completes the TCP checksum, checks
 * received sums and supplies the RSS hash (cached per flow, as the NIC's
 * work is not the core's).  The wall-clock figure is the median of --reps
 * runs.
 *
 * bench_loop() is the measured region: the Makefile's callgrind run
 * toggles collection on it and divides by the number of exchanges.
 */
#include <time.h>

#include "stack.h"

#define MSG		64
#define WIRE_SLOTS	64
#define PORT		7

struct bench;

struct side {
	struct bench *b;
	struct ix_stack *c;
	int id;
	u64 handle;
	bool up;
	u32 got;			/* bytes of the current message */
	struct ix_event ev[WIRE_SLOTS];
	u32 nev;
};

struct bench {
	struct side s[2];		/* 0 client, 1 server */
	struct {
		u8 tuple[12];
		u32 hash;
		bool valid;
	} rss[2];			/* the "NIC" hash per receiving side */
	struct {
		struct ix_mbuf *m;
		int to;
	} wire[WIRE_SLOTS];
	u32 whead, wcnt;
	u64 now;
	u64 lost;
	bool offload;
	u8 req[MSG], resp[MSG];
};

static u64 rng = 0x853c49e6748fea9bull;

void ix_plat_random(void *buf, size_t len)
{
	u8 *p = buf;

	while (len--) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		*p++ = (u8)rng;
	}
}

/*
 * What an offloading NIC does for a received IPv4/TCP frame: the L4 sum
 * (completed on the sending side) is good, and the RSS hash is known.
 */
static void nic_rx(struct bench *b, int to, struct ix_mbuf *r, const u8 *f)
{
	const u8 *tuple = f + IX_ETH_HLEN + 12;	/* saddr daddr sport dport */

	if (r->len < IX_HDRS_LEN + IX_TCP_HLEN ||
	    ix_get16(f + 12) != IX_ETH_P_IPV4 || f[IX_ETH_HLEN] != 0x45 ||
	    f[IX_ETH_HLEN + 9] != IX_IP_PROTO_TCP)
		return;
	if (!b->rss[to].valid || memcmp(b->rss[to].tuple, tuple, 12)) {
		memcpy(b->rss[to].tuple, tuple, 12);
		b->rss[to].hash = ix_toeplitz_flow(b->s[to].c->rss_key,
						   ix_get32(tuple),
						   ix_get32(tuple + 4),
						   ix_get16(tuple + 8),
						   ix_get16(tuple + 10));
		b->rss[to].valid = true;
	}
	r->hash = b->rss[to].hash;
	r->flags |= IX_MBUF_CSUM_OK | IX_MBUF_HASH;
}

static void wire_tx(void *arg, struct ix_stack *c, struct ix_mbuf *m)
{
	struct side *s = arg;
	struct bench *b = s->b;
	struct ix_stack *peer = b->s[!s->id].c;
	struct ix_mbuf *r;

	if (b->wcnt == WIRE_SLOTS) {
		b->lost++;
		ix_stack_free(c, m);
		return;
	}
	r = ix_stack_rxbuf(peer);
	if (!r) {
		b->lost++;
		ix_stack_free(c, m);
		return;
	}
	memcpy(ix_stack_data(peer, r), ix_stack_data(c, m), m->len);
	r->len = m->len;
	if (b->offload)
		nic_rx(b, !s->id, r, ix_stack_data(peer, r));
	b->wire[(b->whead + b->wcnt) % WIRE_SLOTS].m = r;
	b->wire[(b->whead + b->wcnt) % WIRE_SLOTS].to = !s->id;
	b->wcnt++;
	ix_stack_free(c, m);
}

static void on_event(void *arg, const struct ix_event *ev)
{
	struct side *s = arg;

	if (s->nev < WIRE_SLOTS)
		s->ev[s->nev++] = *ev;
}

static void app(struct bench *b, struct side *s)
{
	struct ix_iov iov;
	u32 i;

	for (i = 0; i < s->nev; i++) {
		const struct ix_event *ev = &s->ev[i];

		switch (ev->type) {
		case IX_EV_KNOCK:
			if (!ix_tcp_accept(s->c, ev->handle, 1)) {
				s->handle = ev->handle;
				s->up = true;
			}
			break;
		case IX_EV_CONNECTED:
			s->handle = ev->handle;
			s->up = !ev->status;
			break;
		case IX_EV_RECV:
			s->got += ev->len;
			ix_tcp_recv_done(s->c, s->handle, ev->len);
			if (s->id == 1 && s->got == MSG) {
				s->got = 0;
				iov.base = b->resp;
				iov.len = MSG;
				ix_tcp_sendv(s->c, s->handle, &iov, 1);
			}
			break;
		}
	}
	s->nev = 0;
}

static void run_wire(struct bench *b)
{
	while (b->wcnt) {
		struct ix_mbuf *m = b->wire[b->whead].m;
		struct side *s = &b->s[b->wire[b->whead].to];

		b->whead = (b->whead + 1) % WIRE_SLOTS;
		b->wcnt--;
		ix_stack_rx(s->c, m, b->now);
		app(b, s);
	}
}

/* One exchange per iteration: request out, response back. */
#define noinline __attribute__((__noinline__))

noinline void bench_loop(struct bench *b, u64 iters);
noinline void bench_loop(struct bench *b, u64 iters)
{
	struct side *cl = &b->s[0];
	struct ix_iov iov = { .base = b->req, .len = MSG };
	u64 i;

	for (i = 0; i < iters; i++) {
		b->now++;
		ix_tcp_sendv(cl->c, cl->handle, &iov, 1);
		run_wire(b);
		ix_stack_poll(b->s[0].c, b->now);
		ix_stack_poll(b->s[1].c, b->now);
		app(b, &b->s[0]);
		app(b, &b->s[1]);
		run_wire(b);
		if (cl->got != MSG) {
			fprintf(stderr, "bench: exchange %llu incomplete\n",
				(unsigned long long)i);
			exit(1);
		}
		cl->got = 0;
	}
}

static int usage(void)
{
	fprintf(stderr,
		"Usage: bench [--iters N] [--reps N] [--offload] [--quiet]\n");
	return 2;
}

static u64 wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static u64 frames(const struct bench *b)
{
	return b->s[0].c->stat[IX_STAT_TX_FRAMES] +
	       b->s[1].c->stat[IX_STAT_TX_FRAMES];
}

int main(int argc, char **argv)
{
	struct bench *b = calloc(1, sizeof(*b));
	u64 iters = 200000, f0, t0, nseg = 0;
	double ns[16], tmp;
	bool quiet = false;
	int i, j, reps = 5;

	if (!b)
		return 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--offload"))
			b->offload = true;
		else
			return usage();
	}
	if (!iters || reps < 1 || reps > 16)
		return 2;
	b->now = 1000000;
	memset(b->req, 'q', MSG);
	memset(b->resp, 'r', MSG);
	for (i = 0; i < 2; i++) {
		struct ix_stack_cfg cfg;

		ix_stack_cfg_default(&cfg);
		cfg.mac[5] = (u8)(i + 1);
		cfg.ip = 0xc6120100u | (u32)(i + 1);	/* 198.18.1.{1,2} */
		cfg.nconn = 16;
		cfg.nrxbuf = 256;
		cfg.ntxbuf = 256;
		cfg.tx_csum_offload = b->offload;
		cfg.tx = wire_tx;
		cfg.event = on_event;
		cfg.arg = &b->s[i];
		b->s[i].b = b;
		b->s[i].id = i;
		b->s[i].c = ix_stack_create(&cfg, b->now);
		if (!b->s[i].c)
			return 1;
	}
	ix_stack_start(b->s[0].c, b->now);
	ix_stack_start(b->s[1].c, b->now);
	run_wire(b);
	if (ix_tcp_listen(b->s[1].c, PORT) ||
	    ix_tcp_connect(b->s[0].c, 0xc6120102u, PORT, 0, 1))
		return 1;
	for (i = 0; i < 100 && !(b->s[0].up && b->s[1].up); i++) {
		b->now += 10;
		run_wire(b);
		ix_stack_poll(b->s[0].c, b->now);
		ix_stack_poll(b->s[1].c, b->now);
		app(b, &b->s[0]);
		app(b, &b->s[1]);
	}
	if (!b->s[0].up || !b->s[1].up) {
		fprintf(stderr, "bench: no connection\n");
		return 1;
	}
	bench_loop(b, 1000);		/* warm up caches and the windows */
	if (quiet) {			/* under callgrind: one measured run */
		bench_loop(b, iters);
		reps = 0;
	}
	for (i = 0; i < reps; i++) {
		f0 = frames(b);
		t0 = wall_ns();
		bench_loop(b, iters);
		ns[i] = (double)(wall_ns() - t0);
		nseg = frames(b) - f0;
		ns[i] /= (double)nseg;
		for (j = i; j > 0 && ns[j - 1] > ns[j]; j--) {
			tmp = ns[j];
			ns[j] = ns[j - 1];
			ns[j - 1] = tmp;
		}
	}
	if (reps)
		printf(
	       "bench: %d B request/response, %s: %.1f ns/segment (median of %d runs of %llu exchanges, min %.1f, max %.1f), %.2f segments/exchange, %.1f ns/exchange, wire losses %llu\n",
		       MSG, b->offload ?
		       "checksums and RSS hash offloaded" :
		       "all in software (checksums, Toeplitz hash)",
		       ns[reps / 2], reps, (unsigned long long)iters, ns[0],
		       ns[reps - 1], (double)nseg / iters,
		       ns[reps / 2] * nseg / iters,
		       (unsigned long long)b->lost);
	for (i = 0; i < 2; i++)
		ix_stack_destroy(b->s[i].c);
	free(b);
	return 0;
}
