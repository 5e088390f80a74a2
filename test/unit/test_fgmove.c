// SPDX-License-Identifier: GPL-2.0
/*
 * Flow-group migration (fgmove.c): connections of side 1 move to another
 * core with the same configuration in the middle of transfers, over a
 * lossy, reordering, duplicating wire.
 */
#include "sim.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "unit.h"

static const u8 mac2[6] = { 0x02, 0, 0, 0, 0, 2 };

/* A second core for side 1: same configuration, same listening ports. */
static struct ix_stack *twin(struct sim *s, u16 port)
{
	struct ix_stack *c = ix_stack_create(&s->c[1]->cfg, s->now);

	assert_non_null(c);
	if (port)
		assert_int_equal(ix_tcp_listen(c, port), 0);
	return c;
}

struct rehandle {
	u64 *handle;		/* the host's handle to update */
	u32 calls;
};

static void rehandle(void *arg, u64 old_handle, u64 new_handle, u64 cookie)
{
	struct rehandle *r = arg;

	r->calls++;
	if (*r->handle == old_handle)
		*r->handle = new_handle;
}

static u32 fg_of(struct ix_stack *c, u64 handle)
{
	return (u32)(handle >> 48);
}

/*
 * Move side 1's flow group fg from s->c[1] to "to", which becomes
 * s->c[1]; returns the old core.  No event is pending (between steps).
 */
static struct ix_stack *move(struct sim *s, struct ix_stack *to, u32 fg,
			    u64 *handle, int expect)
{
	struct ix_stack *from = s->c[1];
	struct ix_fg_blob *blob;
	struct rehandle r = { handle, 0 };
	int n;

	assert_int_equal(s->app[1].nev, 0);
	n = ix_fg_export(from, fg, &blob);
	assert_int_equal(n, expect);
	assert_false(ix_stack_owns_fg(from, fg));
	assert_int_equal(ix_fg_import(to, blob, s->now, rehandle, &r), n);
	assert_int_equal(r.calls, n);
	assert_true(ix_stack_owns_fg(to, fg));
	ix_fg_blob_free(blob);
	s->c[1] = to;
	s->app[1].c = to;
	return from;
}

static void assert_idle(struct ix_stack *c)
{
	assert_int_equal(c->ntcb_free, c->cfg.nconn);
	assert_int_equal(c->rxpool.nfree, c->rxpool.count);
	assert_int_equal(c->syn_rcvd, 0);
}

/* Resets sent and received by both sides so far. */
static u64 rsts(const struct sim *s)
{
	u64 n = 0;
	int i;

	for (i = 0; i < 2; i++)
		n += s->c[i]->stat[IX_STAT_TCP_RST_SENT] +
		     s->c[i]->stat[IX_STAT_TCP_RST_RCVD];
	return n;
}

/* No reset at all (@s NULL: on @other only). */
static void no_rst(struct sim *s, struct ix_stack *other)
{
	int i;

	for (i = 0; s && i < 2; i++) {
		assert_int_equal(s->c[i]->stat[IX_STAT_TCP_RST_SENT], 0);
		assert_int_equal(s->c[i]->stat[IX_STAT_TCP_RST_RCVD], 0);
	}
	if (other) {
		assert_int_equal(other->stat[IX_STAT_TCP_RST_SENT], 0);
		assert_int_equal(other->stat[IX_STAT_TCP_RST_RCVD], 0);
	}
}

static void impair(struct sim *s)
{
	s->loss_ppm = 10000;
	s->reorder_ppm = 20000;
	s->reorder_us = 300;
	s->dup_ppm = 10000;
	s->jitter_us = 40;
}

static void close_both(struct sim *s)
{
	assert_int_equal(ix_tcp_close(s->c[0], s->app[0].handle), 0);
	sim_run(s, 2000000, NULL);
	assert_int_equal(s->app[1].eof, 1);
	assert_int_equal(ix_tcp_close(s->c[1], s->app[1].handle), 0);
	assert_true(sim_run(s, 10000000, sim_both_dead));
	assert_int_equal(s->app[0].dead_status, 0);
	assert_int_equal(s->app[1].dead_status, 0);
	assert_int_equal(s->app[0].eof, 1);
}

/*
 * Bulk both ways; side 1 moves "moves" times between two cores (back and
 * forth), every "gap" us, then the transfer ends and both close.
 */
static void bulk_moves(u64 seed, u32 len, u32 moves, u64 gap)
{
	struct ix_stack *other;
	u8 *s0 = sim_make_src(100, len), *s1 = sim_make_src(101, len);
	struct sim s;
	u32 i, fg;

	sim_init(&s, seed, NULL);
	assert_true(sim_connect(&s, 5001));
	other = twin(&s, 5001);
	s.app[0].src = s0;
	s.app[0].tx_total = len;
	s.app[1].src = s1;
	s.app[1].tx_total = len;
	impair(&s);
	sim_run(&s, 20000, NULL);
	fg = fg_of(s.c[1], s.app[1].handle);
	for (i = 0; i < moves; i++) {
		assert_false(sim_xfer_done(&s));
		other = move(&s, other, fg, &s.app[1].handle, 1);
		/* the old core let everything go */
		assert_idle(other);
		assert_null(ix_tcp_lookup_handle(other, s.app[1].handle));
		sim_run(&s, gap, NULL);
	}
	assert_true(sim_run(&s, 120000000, sim_xfer_done));
	assert_int_equal(s.app[0].rx_errors, 0);
	assert_int_equal(s.app[1].rx_errors, 0);
	assert_int_equal(s.app[0].rx_total, len);
	assert_int_equal(s.app[1].rx_total, len);
	close_both(&s);
	no_rst(&s, other);
	assert_idle(other);
	assert_int_equal(other->stat[IX_DROP_FG], 0);
	ix_stack_destroy(other);
	sim_fini(&s);
	free(s0);
	free(s1);
}

/*
 * The sender's memory is the application's again once the move is told:
 * side 1 overwrites every byte it gave the stack so far right after each
 * move, and side 0 still gets the pattern (what was taken and not yet
 * acknowledged went with the connection as a copy, freed once acked).
 */
static void test_move_copies_sends(void **state)
{
	const u32 len = 4000000;
	u8 *s1 = sim_make_src(101, len);
	struct ix_stack *other;
	struct ix_tcb *t;
	struct sim s;
	u32 i, fg, copied = 0;

	sim_init(&s, 77, NULL);
	assert_true(sim_connect(&s, 5001));
	other = twin(&s, 5001);
	s.app[1].src = s1;
	s.app[1].tx_total = len;
	impair(&s);
	sim_run(&s, 2000, NULL);
	fg = fg_of(s.c[1], s.app[1].handle);
	for (i = 0; i < 6; i++) {
		assert_false(sim_xfer_done(&s));
		other = move(&s, other, fg, &s.app[1].handle, 1);
		t = ix_tcp_lookup_handle(s.c[1], s.app[1].handle);
		assert_non_null(t);
		if (t->sq_copy)
			copied++;
		memset(s1, 0xa5, s.app[1].tx_queued);
		sim_run(&s, 1000, NULL);
	}
	/* Unacknowledged bytes were in flight at some move. */
	assert_true(copied > 0);
	assert_true(sim_run(&s, 120000000, sim_xfer_done));
	assert_int_equal(s.app[0].rx_errors, 0);
	assert_int_equal(s.app[0].rx_total, len);
	t = ix_tcp_lookup_handle(s.c[1], s.app[1].handle);
	assert_non_null(t);
	assert_null(t->sq_copy);
	close_both(&s);
	ix_stack_destroy(other);
	sim_fini(&s);
	free(s1);
}

static void test_move_bulk(void **state)
{
	bulk_moves(1, 2u << 20, 1, 1000);
}

static void test_move_back_and_forth_50(void **state)
{
	bulk_moves(2, 4u << 20, 50, 3000);
}

/*
 * Zero-copy echo: side 0 streams a pattern, side 1 sends each received
 * buffer back by reference (iov.base = ev->data) and returns it with
 * recv_done only once the echo is acknowledged (the sent event).
 */
#define ECHO_WIN	(16 * 1024)

struct echo {
	u8 *src;
	u32 total;
	u64 h[2];
	u64 sent, echoed, rx_errors;
	u32 backlog_n;
	struct ix_iov backlog[256];	/* side 1: not yet accepted by sendv */
	u64 sent_acked;
	int eof[2], dead[2], dead_status[2];
	/*
	 * Resets until one end was gone: a duplicate that arrives after it
	 * closed gets a reset, as from any TCP (dead_status says whether
	 * the other end closed cleanly all the same).
	 */
	u64 rst_alive;
	bool closed[2];
	bool hold;		/* side 1 keeps its backlog for now */
};

static void echo_pump(struct sim *s)
{
	struct echo *e = s->priv;
	long n;

	while (e->backlog_n && !e->hold) {
		n = ix_tcp_sendv(s->c[1], e->h[1], e->backlog, 1);
		if (n <= 0)
			break;
		e->backlog[0].base += n;
		e->backlog[0].len -= (u32)n;
		if (!e->backlog[0].len)
			memmove(e->backlog, e->backlog + 1,
				--e->backlog_n * sizeof(e->backlog[0]));
	}
	while (e->h[0] && e->sent < e->total &&
	       e->sent < e->echoed + ECHO_WIN) {
		struct ix_iov iov = { e->src + e->sent,
			(u32)ix_min64(e->total - e->sent,
				      e->echoed + ECHO_WIN - e->sent) };

		n = ix_tcp_sendv(s->c[0], e->h[0], &iov, 1);
		if (n <= 0)
			break;
		e->sent += (u64)n;
	}
	if (e->h[0] && e->echoed == e->total && !e->closed[0]) {
		e->closed[0] = true;
		assert_int_equal(ix_tcp_close(s->c[0], e->h[0]), 0);
	}
	if (e->eof[1] && !e->backlog_n && !e->closed[1]) {
		e->closed[1] = true;
		assert_int_equal(ix_tcp_close(s->c[1], e->h[1]), 0);
	}
}

static void echo_event(struct sim *s, int side, const struct ix_event *ev)
{
	struct echo *e = s->priv;
	struct ix_stack *c = s->c[side];
	u32 i;

	switch (ev->type) {
	case IX_EV_CONNECTED:
		assert_int_equal(ev->status, 0);
		e->h[0] = ev->handle;
		break;
	case IX_EV_KNOCK:
		e->h[1] = ev->handle;
		assert_int_equal(ix_tcp_accept(c, ev->handle, 7), 0);
		break;
	case IX_EV_RECV:
		if (!ev->len) {
			e->eof[side] = 1;
			break;
		}
		if (side == 1) {
			assert_true(e->backlog_n < 256);
			e->backlog[e->backlog_n].base = ev->data;
			e->backlog[e->backlog_n++].len = ev->len;
			break;
		}
		for (i = 0; i < ev->len; i++)
			if (ev->data[i] != e->src[e->echoed + i])
				e->rx_errors++;
		e->echoed += ev->len;
		assert_int_equal(ix_tcp_recv_done(c, ev->handle, ev->len), 0);
		break;
	case IX_EV_SENT:
		if (side == 1 && ev->len) {
			assert_int_equal(ix_tcp_recv_done(c, ev->handle,
							  ev->len), 0);
			e->sent_acked += ev->len;
		}
		break;
	case IX_EV_DEAD:
		e->dead[side] = 1;
		e->dead_status[side] = ev->status;
		if (!e->dead[!side])
			e->rst_alive = rsts(s);
		break;
	}
	echo_pump(s);
}

static bool echo_dead(struct sim *s)
{
	struct echo *e = s->priv;

	echo_pump(s);
	return e->dead[0] && e->dead[1];
}

/*
 * A zero-copy echo of @total pseudo-random bytes (seed @src_seed) from
 * side 0 to side 1 over an impaired wire (sim seed @seed), connected and
 * running; returns side 1's twin core and in *@fg the echo's flow group.
 */
static struct ix_stack *echo_start(struct sim *s, struct echo *e, u32 total,
				  u32 src_seed, u64 seed, u32 *fg)
{
	struct ix_stack *other;

	e->total = total;
	e->src = sim_make_src(src_seed, e->total);
	sim_init(s, seed, NULL);
	s->priv = e;
	s->on_event = echo_event;
	assert_int_equal(ix_tcp_listen(s->c[1], 7), 0);
	assert_int_equal(ix_tcp_connect(s->c[0], SIM_IP(2), 7, 0, 1), 0);
	sim_run(s, 2000, NULL);
	assert_true(e->h[0] && e->h[1]);
	other = twin(s, 7);
	impair(s);
	echo_pump(s);
	*fg = fg_of(s->c[1], e->h[1]);
	return other;
}

/*
 * @lend: the frames come lent by the host (ix_stack_rxbuf_lent(), as
 * ixdp.ko lends skbs), so the echo's references point into them.
 */
static void move_zero_copy_echo(bool lend)
{
	struct echo *e = calloc(1, sizeof(*e));
	struct ix_stack *other;
	struct ix_tcb *t;
	struct sim s;
	u32 i, fg, moved_refs = 0;

	other = echo_start(&s, e, 4u << 20, 5, 3, &fg);
	s.lend = s.lend || lend;
	for (i = 0; i < 10; i++) {
		u32 refs = 0, k;

		sim_run(&s, 1000, NULL);
		assert_true(e->echoed < e->total);
		/* no pointer of the host into the pool across the move */
		while (e->backlog_n)
			sim_step(&s, 20);
		t = ix_tcp_lookup_handle(s.c[1], e->h[1]);
		assert_non_null(t);
		for (k = 0; k < t->sq_cnt; k++) {
			const u8 *b = t->sq[(t->sq_head + k) % IX_SQ_REFS].base;

			refs += (b >= s.c[1]->rxpool.data &&
				 b < s.c[1]->rxpool.data +
				 s.c[1]->rxpool.count * s.c[1]->rxpool.bufsz) ||
				(s.lend && s.c[1]->rxpool.nlent);
		}
		moved_refs += refs;
		other = move(&s, other, fg, &e->h[1], 1);
		assert_idle(other);
		t = ix_tcp_lookup_handle(s.c[1], e->h[1]);
		for (k = 0; k < t->sq_cnt; k++) {
			const u8 *b = t->sq[(t->sq_head + k) % IX_SQ_REFS].base;

			assert_false(b >= other->rxpool.data &&
				     b < other->rxpool.data +
				     other->rxpool.count * other->rxpool.bufsz);
		}
	}
	/* the echo did reference received buffers when it moved */
	assert_true(moved_refs > 0);
	assert_true(sim_run(&s, 120000000, echo_dead));
	assert_int_equal(e->rx_errors, 0);
	assert_int_equal(e->echoed, e->total);
	assert_int_equal(e->sent_acked, e->total);
	assert_int_equal(e->dead_status[0], 0);
	assert_int_equal(e->dead_status[1], 0);
	assert_int_equal(e->rst_alive, 0);
	no_rst(NULL, other);
	assert_idle(other);
	assert_int_equal(s.c[1]->rxpool.nfree, s.c[1]->rxpool.count);
	assert_int_equal(s.c[1]->rxpool.nlent, 0);
	ix_stack_destroy(other);
	sim_fini(&s);
	assert_int_equal(s.lent, 0);
	free(e->src);
	free(e);
}

static void test_move_zero_copy_echo(void **state)
{
	move_zero_copy_echo(false);
}

static void test_move_zero_copy_echo_lent(void **state)
{
	move_zero_copy_echo(true);
}

/*
 * A zero-copy host that holds received bytes it has not sent yet (the
 * built-in responder's unsent chunks) moves with them: in the callback
 * it gives the connection its new cookie and rebuilds its backlog from
 * the newest bytes the connection holds (ix_tcp_shown_tail()).
 */
struct adopt {
	struct ix_stack *to;
	struct echo *e;
	u32 unsent, calls;
	u64 cookie;		/* the connection's, before the move */
};

static void adopt_chunk(void *arg, const u8 *data, u32 len)
{
	struct echo *e = arg;

	assert_true(e->backlog_n < 256);
	e->backlog[e->backlog_n].base = data;
	e->backlog[e->backlog_n++].len = len;
}

static void adopt(void *arg, u64 old_handle, u64 new_handle, u64 cookie)
{
	struct adopt *a = arg;

	a->calls++;
	if (a->e->h[1] != old_handle)
		return;
	/* the cookie moves; the group is the new core's already */
	assert_int_equal(cookie, a->cookie);
	a->e->h[1] = new_handle;
	assert_int_equal(ix_tcp_set_cookie(a->to, new_handle, cookie + 1), 0);
	a->e->backlog_n = 0;
	assert_int_equal(ix_tcp_shown_tail(a->to, new_handle, a->unsent,
					   adopt_chunk, a->e), 0);
}

static void test_move_with_backlog(void **state)
{
	struct echo *e = calloc(1, sizeof(*e));
	struct ix_stack *other, *from;
	struct ix_fg_blob *blob;
	u32 i, k, fg, with_backlog = 0;
	struct adopt a;
	struct sim s;

	other = echo_start(&s, e, 2u << 20, 9, 4, &fg);
	for (i = 0; i < 40; i++) {
		sim_run(&s, 300, NULL);
		/* every other move: with received bytes not echoed yet */
		e->hold = i % 2;
		sim_run(&s, 300, NULL);
		assert_int_equal(s.app[1].nev, 0);
		a = (struct adopt){ .to = other, .e = e, .cookie = 7 + i };
		for (k = 0; k < e->backlog_n; k++)
			a.unsent += e->backlog[k].len;
		with_backlog += a.unsent > 0;
		/* more than is held is refused */
		assert_int_equal(ix_tcp_shown_tail(s.c[1], e->h[1], 1u << 30,
						   adopt_chunk, e), -EINVAL);
		from = s.c[1];
		assert_int_equal(ix_fg_export(from, fg, &blob), 1);
		assert_int_equal(ix_fg_import(other, blob, s.now, adopt, &a),
				 1);
		assert_int_equal(a.calls, 1);
		ix_fg_blob_free(blob);
		s.c[1] = other;
		s.app[1].c = other;
		other = from;
		assert_idle(other);
		e->hold = false;
		echo_pump(&s);
	}
	/* some moves did carry bytes not yet echoed */
	assert_true(with_backlog > 0);
	assert_true(sim_run(&s, 120000000, echo_dead));
	assert_int_equal(e->rx_errors, 0);
	assert_int_equal(e->echoed, e->total);
	assert_int_equal(e->dead_status[0], 0);
	assert_int_equal(e->dead_status[1], 0);
	assert_int_equal(e->rst_alive, 0);
	no_rst(NULL, other);
	ix_stack_destroy(other);
	sim_fini(&s);
	free(e->src);
	free(e);
}

/*
 * Cores that share cfg.secret (the module gives one per port) accept
 * each other's SYN cookies: a handshake that completes after its flow
 * group moved still succeeds. A core with its own random keys does not.
 */
static void test_cookie_across_cores(void **state)
{
	struct ix_tcp_seg syn = { .seq = 123456, .sport = 40000, .dport = 7,
				  .mss = 1460, .ws = 7 }, ack;
	struct ix_stack *a, *b, *other;
	struct ix_stack_cfg cfg;
	u32 cookie, mss;
	struct sim s;
	u8 ws, wso;

	sim_init(&s, 11, NULL);
	cfg = s.c[1]->cfg;
	memset(cfg.secret, 0x5a, sizeof(cfg.secret));
	a = ix_stack_create(&cfg, s.now);
	b = ix_stack_create(&cfg, s.now);
	cfg.secret[31] ^= 1;	/* the cookie half of the keys */
	other = ix_stack_create(&cfg, s.now);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(other);
	cookie = ix_tcp_cookie_make(a, SIM_IP(2), SIM_IP(1), &syn, &wso);
	ack = syn;
	ack.seq = syn.seq + 1;
	ack.ack = cookie + 1;
	assert_true(ix_tcp_cookie_check(b, SIM_IP(2), SIM_IP(1), &ack, &mss,
					&ws));
	assert_int_equal(ws, wso);
	assert_false(ix_tcp_cookie_check(other, SIM_IP(2), SIM_IP(1), &ack,
					 &mss, &ws));
	/* and the default (all-zero secret) cores of the simulation differ */
	assert_false(ix_tcp_cookie_check(s.c[1], SIM_IP(2), SIM_IP(1), &ack,
					 &mss, &ws));
	ix_stack_destroy(a);
	ix_stack_destroy(b);
	ix_stack_destroy(other);
	sim_fini(&s);
}

static void test_move_empty_fg(void **state)
{
	struct ix_stack *b;
	struct ix_fg_blob *blob;
	struct sim s;

	sim_init(&s, 4, NULL);
	b = twin(&s, 0);
	ix_stack_set_fg(b, 3, false);
	assert_int_equal(ix_fg_export(s.c[1], 3, &blob), 0);
	assert_false(ix_stack_owns_fg(s.c[1], 3));
	/* not owned any more: a second export is refused */
	{
		struct ix_fg_blob *b2;

		assert_int_equal(ix_fg_export(s.c[1], 3, &b2), -EINVAL);
		assert_null(b2);
	}
	assert_int_equal(ix_fg_import(b, blob, s.now, NULL, NULL), 0);
	assert_true(ix_stack_owns_fg(b, 3));
	ix_fg_blob_free(blob);
	assert_idle(b);
	ix_stack_destroy(b);
	sim_fini(&s);
}

/* The target lacks RX buffers: -ENOSPC, nothing changed, then it works. */
static void test_move_enospc(void **state)
{
	struct ix_stack *b, *old;
	struct ix_fg_blob *blob;
	struct ix_mbuf **held;
	struct rehandle r = { NULL, 0 };
	u8 *src = sim_make_src(100, 50000);
	struct sim s;
	u32 i, n, fg, nfree;
	u64 rx;

	sim_init(&s, 5, NULL);
	assert_true(sim_connect(&s, 80));
	s.app[1].manual_done = true;	/* side 1 keeps what it received */
	s.app[0].src = src;
	s.app[0].tx_total = 50000;
	sim_run(&s, 100000, NULL);
	assert_int_equal(s.app[1].rx_total, 50000);
	b = twin(&s, 80);
	fg = fg_of(s.c[1], s.app[1].handle);
	ix_stack_set_fg(b, fg, false);
	assert_int_equal(ix_fg_export(s.c[1], fg, &blob), 1);
	assert_idle(s.c[1]);
	/* take all but a few of b's buffers */
	n = b->rxpool.count - 5;
	held = calloc(n, sizeof(*held));
	for (i = 0; i < n; i++)
		held[i] = ix_stack_rxbuf(b);
	nfree = b->ntcb_free;
	r.handle = &s.app[1].handle;
	assert_int_equal(ix_fg_import(b, blob, s.now, rehandle, &r), -ENOSPC);
	assert_int_equal(r.calls, 0);
	assert_false(ix_stack_owns_fg(b, fg));
	assert_int_equal(b->ntcb_free, nfree);
	assert_int_equal(b->rxpool.nfree, 5);
	for (i = 0; i < n; i++)
		ix_stack_free(b, held[i]);
	free(held);
	assert_int_equal(ix_fg_import(b, blob, s.now, rehandle, &r), 1);
	assert_int_equal(r.calls, 1);
	assert_true(ix_stack_owns_fg(b, fg));
	/* 50000 bytes held in about 35 buffers moved */
	assert_true(b->rxpool.nfree < b->rxpool.count - 30);
	ix_fg_blob_free(blob);
	old = s.c[1];
	s.c[1] = b;
	s.app[1].c = b;
	/* the held bytes are returned on the new core */
	rx = s.app[1].rx_undone;
	assert_int_equal(ix_tcp_recv_done(b, s.app[1].handle, (u32)rx), 0);
	s.app[1].manual_done = false;
	assert_int_equal(b->rxpool.nfree, b->rxpool.count);
	close_both(&s);
	no_rst(&s, old);
	ix_stack_destroy(old);
	sim_fini(&s);
	free(src);
}

static bool tcp_hdr(const u8 *f, u32 len, u32 *seq, u32 *ack, u8 *fl)
{
	if (len < 54 || f[23] != 6)
		return false;
	*seq = ix_get32(f + 38);
	*ack = ix_get32(f + 42);
	*fl = f[47];
	return true;
}

static struct ix_tcb *find_state(struct ix_stack *c, u8 state)
{
	u32 i;

	for (i = 0; i < c->cfg.nconn; i++)
		if (c->tcb[i] && c->tcb[i]->state == state)
			return c->tcb[i];
	return NULL;
}

/* A TIME_WAIT connection moves and still answers a retransmitted FIN. */
static void test_move_time_wait(void **state)
{
	struct ix_stack_cfg cfg;
	struct ix_stack *b, *old;
	struct ix_tcb *tw;
	u32 len, seq, ack, rcv_nxt, snd_nxt, lport;
	u64 wait;
	u8 f[128], fl;
	struct sim s;

	ix_stack_cfg_default(&cfg);
	cfg.no_ts = true;
	cfg.msl_us = 1000000;
	sim_init(&s, 6, &cfg);
	assert_true(sim_connect(&s, 80));
	/* the server closes first and ends in TIME_WAIT */
	assert_int_equal(ix_tcp_close(s.c[1], s.app[1].handle), 0);
	sim_run(&s, 10000, NULL);
	assert_int_equal(ix_tcp_close(s.c[0], s.app[0].handle), 0);
	assert_true(sim_run(&s, 100000, sim_both_dead));
	tw = find_state(s.c[1], IX_TCP_TIME_WAIT);
	assert_non_null(tw);
	rcv_nxt = tw->rcv_nxt;
	snd_nxt = tw->snd_nxt;
	wait = tw->t_wait.expires;
	lport = tw->rport;
	b = twin(&s, 80);
	{
		u64 none = 0;

		old = move(&s, b, tw->fg, &none, 1);
	}
	assert_idle(old);
	tw = find_state(b, IX_TCP_TIME_WAIT);
	assert_non_null(tw);
	assert_int_equal(b->ntcb_free, b->cfg.nconn - 1);
	/* the 2 MSL timer came along, at the same expiry */
	assert_true(ix_timer_pending(&tw->t_wait));
	assert_int_equal(tw->t_wait.expires, wait);
	/* the client's FIN again (its ACK was lost): B acknowledges it */
	s.capture = true;
	len = sim_build_tcp(f, mac2, SIM_IP(1), SIM_IP(2), (u16)lport, 80,
			    rcv_nxt - 1, snd_nxt, IX_TCP_FIN | IX_TCP_ACK,
			    65535, NULL, 0, NULL, 0);
	sim_inject(&s, 1, f, len);
	assert_int_equal(s.ncap, 1);
	assert_true(tcp_hdr(s.cap[0]->data, s.cap[0]->len, &seq, &ack, &fl));
	assert_int_equal(fl & (IX_TCP_ACK | IX_TCP_RST), IX_TCP_ACK);
	assert_int_equal(seq, snd_nxt);
	assert_int_equal(ack, rcv_nxt);
	sim_cap_clear(&s);
	s.capture = false;
	assert_int_equal(tw->state, IX_TCP_TIME_WAIT);
	assert_int_equal(old->stat[IX_STAT_TCP_RST_SENT], 0);
	/* TIME_WAIT ends on B */
	sim_run(&s, 2100000, NULL);
	assert_idle(b);
	ix_stack_destroy(old);
	sim_fini(&s);
}

static bool drop_side1(struct sim *s, int from, const u8 *f, u32 len)
{
	return from == 1 && *(bool *)s->priv;
}

/* A retransmission timer pending at the move fires on B. */
static void test_move_rto(void **state)
{
	struct ix_stack *b, *old;
	struct ix_tcb *t;
	u8 *src = sim_make_src(101, 20000);
	bool drop = false;
	struct sim s;
	u64 expires;
	u32 una;

	sim_init(&s, 7, NULL);
	assert_true(sim_connect(&s, 80));
	s.priv = &drop;
	s.filter = drop_side1;
	drop = true;
	s.app[1].src = src;
	s.app[1].tx_total = 20000;
	sim_run(&s, 2000, NULL);
	t = ix_tcp_lookup_handle(s.c[1], s.app[1].handle);
	assert_true(ix_timer_pending(&t->t_rtx));
	expires = t->t_rtx.expires;
	una = t->snd_una;
	assert_int_not_equal(t->snd_max, una);
	b = twin(&s, 80);
	old = move(&s, b, t->fg, &s.app[1].handle, 1);
	t = ix_tcp_lookup_handle(b, s.app[1].handle);
	assert_non_null(t);
	assert_true(ix_timer_pending(&t->t_rtx));
	assert_int_equal(t->t_rtx.expires, expires);
	assert_int_equal(b->stat[IX_STAT_TCP_RTO], 0);
	/* until just before the expiry nothing happens; then B times out */
	while ((s.now + 20) >> IX_TW_TICK_SHIFT < expires)
		sim_step(&s, 20);
	assert_int_equal(b->stat[IX_STAT_TCP_RTO], 0);
	sim_run(&s, 1000, NULL);
	assert_int_equal(b->stat[IX_STAT_TCP_RTO], 1);
	assert_int_equal(old->stat[IX_STAT_TCP_RTO], 0);
	drop = false;
	assert_true(sim_run(&s, 10000000, sim_xfer_done));
	assert_int_equal(s.app[0].rx_errors, 0);
	assert_int_equal(s.app[0].rx_total, 20000);
	assert_true(b->stat[IX_STAT_TCP_RETRANS] > 0);
	close_both(&s);
	ix_stack_destroy(old);
	sim_fini(&s);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_bulk),
		cmocka_unit_test(test_move_copies_sends),
		cmocka_unit_test(test_move_zero_copy_echo),
		cmocka_unit_test(test_move_zero_copy_echo_lent),
		cmocka_unit_test(test_move_back_and_forth_50),
		cmocka_unit_test(test_move_with_backlog),
		cmocka_unit_test(test_cookie_across_cores),
		cmocka_unit_test(test_move_empty_fg),
		cmocka_unit_test(test_move_enospc),
		cmocka_unit_test(test_move_time_wait),
		cmocka_unit_test(test_move_rto),
	};

	unit_filter();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
