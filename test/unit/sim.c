// SPDX-License-Identifier: GPL-2.0
#include "sim.h"

static u64 plat_rng = 0x1234567887654321ull;

void ix_plat_random(void *buf, size_t len)
{
	u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		plat_rng ^= plat_rng << 13;
		plat_rng ^= plat_rng >> 7;
		plat_rng ^= plat_rng << 17;
		p[i] = (u8)plat_rng;
	}
}

u32 sim_rand(struct sim *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (u32)(s->rng >> 16);
}

u8 sim_pattern(u32 seed, u64 i)
{
	u64 x = (i >> 2) * 0x9e3779b97f4a7c15ull + seed;

	return (u8)((x >> 29) ^ (x >> (8 * (i & 3))));
}

/* A buffer holding @len bytes of pattern @seed (the caller frees it). */
u8 *sim_make_src(u32 seed, u32 len)
{
	u8 *p = malloc(len);
	u32 i;

	for (i = 0; p && i < len; i++)
		p[i] = sim_pattern(seed, i);
	return p;
}

static bool chance(struct sim *s, u32 ppm)
{
	return ppm && sim_rand(s) % 1000000 < ppm;
}

static void queue_pkt(struct sim *s, int to, const u8 *f, u32 len, u64 at)
{
	struct sim_pkt *p;

	if (s->npkts == SIM_MAX_PKTS || len > SIM_FRAME_MAX) {
		s->dropped_frames++;
		return;
	}
	p = malloc(sizeof(*p));
	p->at = at;
	p->order = s->order++;
	p->len = (u16)len;
	p->to = (u8)to;
	memcpy(p->data, f, len);
	s->pkts[s->npkts++] = p;
}

static void sim_tx(void *arg, struct ix_stack *c, struct ix_mbuf *m)
{
	struct sim_app *a = arg;
	struct sim *s = a->sim;
	int from = a->side;
	const u8 *f = ix_stack_data(c, m);
	u32 len = m->len;
	bool tcp = len > 23 && f[12] == 0x08 && f[13] == 0 && f[23] == 6;
	u64 at = s->now + s->delay_us;

	s->sent_frames[from]++;
	if (m->flags & IX_MBUF_CSUM_PARTIAL) {
		u8 *l4 = (u8 *)f + m->csum_start;
		u32 l4len = len - m->csum_start;
		u16 part = ix_get16(l4 + 16);

		ix_put16(l4 + 16, 0);
		ix_put16(l4 + 16, ix_csum_fold(ix_csum_add(part, l4, l4len)));
	}
	if (s->capture && s->ncap < 64) {
		struct sim_pkt *p = malloc(sizeof(*p));

		p->len = (u16)len;
		p->to = (u8)!from;
		memcpy(p->data, f, len);
		s->cap[s->ncap++] = p;
		ix_stack_free(c, m);
		return;
	}
	if (s->filter && s->filter(s, from, f, len)) {
		s->dropped_frames++;
		ix_stack_free(c, m);
		return;
	}
	if (tcp && chance(s, s->loss_ppm)) {
		s->dropped_frames++;
		ix_stack_free(c, m);
		return;
	}
	if (tcp && s->jitter_us)
		at += sim_rand(s) % s->jitter_us;
	if (tcp && chance(s, s->reorder_ppm))
		at += s->reorder_us;
	queue_pkt(s, !from, f, len, at);
	if (tcp && chance(s, s->dup_ppm))
		queue_pkt(s, !from, f, len, at + sim_rand(s) % 200);
	ix_stack_free(c, m);
}

static void sim_event(void *arg, const struct ix_event *ev)
{
	struct sim_app *a = arg;
	u32 i;

	if (a->nev < SIM_MAX_EVENTS)
		a->ev[a->nev++] = *ev;
	/* A copying host: the bytes are checked now and the buffer let go. */
	if (a->copy_out && ev->type == IX_EV_RECV && ev->len) {
		for (i = 0; i < ev->len; i++)
			if (ev->data[i] !=
			    sim_pattern(a->rx_seed, a->rx_copied + i))
				a->rx_errors++;
		a->rx_copied += ev->len;
		ix_stack_rx_consumed(a->c);
		if (a->nev <= SIM_MAX_EVENTS && a->nev)
			a->ev[a->nev - 1].data = NULL;
	}
	/*
	 * A copying host without room: the bytes wait with the stack, which
	 * may join their buffers, so the event's pointer is not kept.
	 */
	if (a->defer_rx && ev->type == IX_EV_RECV && ev->len) {
		ix_stack_rx_deferred(a->c);
		if (a->nev <= SIM_MAX_EVENTS && a->nev)
			a->ev[a->nev - 1].data = NULL;
	}
	if (ev->type < 8) {
		a->nev_type[ev->type]++;
		a->last[ev->type] = *ev;
		/* Nor is it past the hook for a copying host. */
		if ((a->copy_out || a->defer_rx) && ev->type == IX_EV_RECV)
			a->last[ev->type].data = NULL;
	}
}

/* Events are queued by the callback and handled here, outside the core. */
static void app_handle(struct sim *s, struct sim_app *a, const struct ix_event *ev)
{
	u32 i;

	switch (ev->type) {
	case IX_EV_KNOCK:
		a->knocked++;
		a->handle = ev->handle;
		if (a->auto_accept &&
		    !ix_tcp_accept(a->c, ev->handle, a->cookie))
			a->connected = 1;
		break;
	case IX_EV_CONNECTED:
		a->connected = ev->status ? ev->status : 1;
		if (!ev->status)
			a->handle = ev->handle;
		break;
	case IX_EV_RECV:
		if (!ev->len) {
			a->eof = 1;
			break;
		}
		/*
		 * A lent frame goes back to the host as soon as its connection
		 * ends (an abort): the bytes of an event handled after that
		 * are gone, as the contract allows.
		 */
		for (i = 0; ev->data && i < ev->len &&
		     (!s->lend || ix_tcp_lookup_handle(a->c, ev->handle)); i++)
			if (ev->data[i] != sim_pattern(a->rx_seed, a->rx_total + i))
				a->rx_errors++;
		a->rx_total += ev->len;
		if (a->manual_done)
			a->rx_undone += ev->len;
		else
			ix_tcp_recv_done(a->c, ev->handle, ev->len);
		break;
	case IX_EV_SENT:
		a->tx_acked += ev->len;
		a->last_window = ev->window;
		break;
	case IX_EV_DEAD:
		a->dead = 1;
		a->dead_status = ev->status;
		break;
	}
}

void sim_pump(struct sim *s, int side)
{
	struct sim_app *a = &s->app[side];

	while (a->src && a->connected == 1 && !a->dead &&
	       a->tx_queued < a->tx_total) {
		struct ix_iov iov;
		long n;

		iov.base = a->src + a->tx_queued;
		iov.len = (u32)ix_min64(65536, a->tx_total - a->tx_queued);
		n = ix_tcp_sendv(a->c, a->handle, &iov, 1);
		if (n <= 0)
			break;
		a->tx_queued += (u64)n;
	}
}

void sim_init(struct sim *s, u64 seed, const struct ix_stack_cfg *base)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->lend = getenv("SIM_LEND") && !strcmp(getenv("SIM_LEND"), "1");
	s->rng = seed * 2654435761u + 88172645463325252ull;
	s->now = 1000000;
	s->delay_us = 50;
	for (i = 0; i < 2; i++) {
		struct ix_stack_cfg cfg;

		if (base)
			cfg = *base;
		else
			ix_stack_cfg_default(&cfg);
		cfg.mac[0] = 0x02;
		cfg.mac[5] = (u8)(i + 1);
		cfg.ip = SIM_IP(i + 1);
		cfg.netmask = 0xffffff00u;
		cfg.tx = sim_tx;
		cfg.event = sim_event;
		cfg.arg = &s->app[i];
		s->app[i].side = i;
		s->app[i].sim = s;
		s->app[i].cookie = 0xc0c0 + i;
		s->app[i].rx_seed = 100 + !i;
		s->app[i].tx_seed = 100 + i;
		s->c[i] = ix_stack_create(&cfg, s->now);
		s->app[i].c = s->c[i];
	}
}

void sim_cap_clear(struct sim *s)
{
	while (s->ncap)
		free(s->cap[--s->ncap]);
}

void sim_fini(struct sim *s)
{
	u32 i;

	for (i = 0; i < s->npkts; i++)
		free(s->pkts[i]);
	for (i = 0; i < s->ncap; i++)
		free(s->cap[i]);
	s->npkts = 0;
	ix_stack_destroy(s->c[0]);
	ix_stack_destroy(s->c[1]);
}

struct sim_lent {
	struct sim *s;
	u8 data[];
};

static void sim_release(void *cookie)
{
	struct sim_lent *l = cookie;

	l->s->lent--;
	free(l);
}

void sim_inject(struct sim *s, int to, const u8 *f, u32 len)
{
	struct sim_lent *l;
	struct ix_mbuf *m;

	if (s->lend) {
		l = malloc(sizeof(*l) + len);
		if (!l)
			abort();
		l->s = s;
		memcpy(l->data, f, len);
		m = ix_stack_rxbuf_lent(s->c[to], l->data, len, sim_release,
					l);
		if (!m) {
			free(l);
			return;
		}
		s->lent++;
		ix_stack_rx(s->c[to], m, s->now);
		return;
	}
	m = ix_stack_rxbuf(s->c[to]);
	if (!m)
		return;
	memcpy(ix_stack_data(s->c[to], m), f, len);
	m->len = (u16)len;
	ix_stack_rx(s->c[to], m, s->now);
}

void sim_step(struct sim *s, u64 dt)
{
	u32 i;
	int side;

	s->now += dt;
	for (;;) {
		u32 best = SIM_MAX_PKTS;

		for (i = 0; i < s->npkts; i++) {
			struct sim_pkt *p = s->pkts[i];

			if (p->at > s->now)
				continue;
			if (best == SIM_MAX_PKTS || p->at < s->pkts[best]->at ||
			    (p->at == s->pkts[best]->at &&
			     p->order < s->pkts[best]->order))
				best = i;
		}
		if (best == SIM_MAX_PKTS)
			break;
		{
			struct sim_pkt *p = s->pkts[best];

			s->pkts[best] = s->pkts[--s->npkts];
			sim_inject(s, p->to, p->data, p->len);
			free(p);
		}
	}
	ix_stack_poll(s->c[0], s->now);
	ix_stack_poll(s->c[1], s->now);
	for (side = 0; side < 2; side++) {
		struct sim_app *a = &s->app[side];
		while (a->nev) {
			struct ix_event ev = a->ev[0];

			memmove(a->ev, a->ev + 1, (a->nev - 1) * sizeof(ev));
			a->nev--;
			if (s->on_event)
				s->on_event(s, side, &ev);
			else
				app_handle(s, a, &ev);
		}
		sim_pump(s, side);
	}
}

bool sim_run(struct sim *s, u64 max_us, bool (*done)(struct sim *s))
{
	u64 end = s->now + max_us;

	while (s->now < end) {
		if (done && done(s))
			return true;
		sim_step(s, 20);
	}
	return done ? done(s) : true;
}

static bool both_connected(struct sim *s)
{
	return s->app[0].connected == 1 && s->app[1].knocked;
}

bool sim_connect(struct sim *s, u16 port)
{
	s->app[1].auto_accept = true;
	if (ix_tcp_listen(s->c[1], port))
		return false;
	if (ix_tcp_connect(s->c[0], SIM_IP(2), port, 0, s->app[0].cookie))
		return false;
	return sim_run(s, 5000000, both_connected);
}

u32 sim_build_tcp(u8 *f, const u8 *dmac, u32 sip, u32 dip, u16 sport,
		  u16 dport, u32 seq, u32 ack, u8 flags, u16 wnd,
		  const u8 *opt, u32 optlen, const u8 *payload, u32 plen)
{
	u8 *ip = f + 14, *tcp = f + 34;
	u32 tl = 20 + optlen + plen;

	memcpy(f, dmac, 6);
	memset(f + 6, 0xee, 6);
	ix_put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ix_put16(ip + 2, (u16)(20 + tl));
	ip[8] = 64;
	ip[9] = 6;
	ix_put32(ip + 12, sip);
	ix_put32(ip + 16, dip);
	ix_put16(ip + 10, ix_csum_fold(ix_csum_add(0, ip, 20)));
	memset(tcp, 0, 20);
	ix_put16(tcp, sport);
	ix_put16(tcp + 2, dport);
	ix_put32(tcp + 4, seq);
	ix_put32(tcp + 8, ack);
	tcp[12] = (u8)(((20 + optlen) / 4) << 4);
	tcp[13] = flags;
	ix_put16(tcp + 14, wnd);
	if (optlen)
		memcpy(tcp + 20, opt, optlen);
	if (plen)
		memcpy(tcp + 20 + optlen, payload, plen);
	ix_put16(tcp + 16, ix_csum_fold(ix_csum_add(
		ix_csum_pseudo(sip, dip, 6, (u16)tl), tcp, tl)));
	return 34 + tl;
}

/* Every byte sent both ways was received and acknowledged. */
bool sim_xfer_done(struct sim *s)
{
	return s->app[0].rx_total == s->app[1].tx_total &&
	       s->app[1].rx_total == s->app[0].tx_total &&
	       s->app[0].tx_acked == s->app[0].tx_total &&
	       s->app[1].tx_acked == s->app[1].tx_total;
}

bool sim_both_dead(struct sim *s)
{
	return s->app[0].dead && s->app[1].dead;
}
