// SPDX-License-Identifier: GPL-2.0
/*
 * libixdp and ixev against a fake kernel (fake_ring.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "unit.h"

#include <ixdp/ixdp.h>
#include <ixdp/ixev.h>
#include "fake_ring.h"

/* ---- libixdp ---------------------------------------------------------- */

static void test_init_mem_checks(void **state)
{
	struct fk k;
	struct ixdp_ring r;
	struct ixdp_attach a;
	struct ixdp_ring_mem m;

	fk_setup(&k, 16, 16, 0, 4096, 4096);
	assert_ptr_equal(k.ring.cmd_tail, k.cmd_tail);
	assert_ptr_equal(k.ring.events, k.events);
	assert_ptr_equal(k.ring.dropped, k.dropped);
	assert_int_equal(k.ring.fd, -1);
	assert_int_equal(k.ring.cpu, 3);
	assert_int_equal(k.ring.rx_chunk, 256);
	m = (struct ixdp_ring_mem){ .sq = k.sq, .cq = k.cq, .rx = k.rx,
				    .tx = k.tx, .a = &a };

	a = k.a;
	a.cmd_entries = 12;
	assert_int_equal(ixdp_ring_init_mem(&r, &m), -EINVAL);
	a = k.a;
	a.ev_entries = IXDP_EV_ENTRIES_MAX * 2;
	assert_int_equal(ixdp_ring_init_mem(&r, &m), -EINVAL);
	a = k.a;
	a.off.events = 264;	/* the last event would leave the region */
	assert_int_equal(ixdp_ring_init_mem(&r, &m), -EINVAL);
	a = k.a;
	a.off.dropped = 196;	/* misaligned u64 */
	assert_int_equal(ixdp_ring_init_mem(&r, &m), -EINVAL);
	a = k.a;
	a.off.cmd_tail = a.sq_size - 2;
	assert_int_equal(ixdp_ring_init_mem(&r, &m), -EINVAL);
	a = k.a;
	assert_int_equal(ixdp_ring_init_mem(&r, &m), 0);
	fk_free(&k);
}

static void test_cmd_encoding(void **state)
{
	struct fk k;
	struct ixdp_ring *r = &k.ring;
	struct ixdp_cmd *c, got;

	fk_setup(&k, 16, 16, 0, 4096, 4096);
	/* A slot comes back zeroed even if the last lap left bytes in it. */
	memset(k.cmds, 0xa5, 16 * sizeof(*k.cmds));

	ixdp_prep_nop(ixdp_get_cmd(r));
	c = ixdp_get_cmd(r);
	ixdp_prep_listen(c, 8080);
	ixdp_cmd_set_ack(c);
	ixdp_cmd_set_data(c, 0x1122334455667788ULL);
	ixdp_prep_unlisten(ixdp_get_cmd(r), 8081);
	ixdp_prep_accept(ixdp_get_cmd(r), 0xaaaa000100000005ULL, 77);
	ixdp_prep_reject(ixdp_get_cmd(r), 0xbbbb);
	ixdp_prep_connect(ixdp_get_cmd(r), 0x0100000a, 443, 99);
	ixdp_prep_send(ixdp_get_cmd(r), 5, 4096 - 64, 64);
	ixdp_prep_sendv(ixdp_get_cmd(r), 6, 128, 3);
	ixdp_prep_recv_done(ixdp_get_cmd(r), 7, 1500);
	ixdp_prep_close(ixdp_get_cmd(r), 8);
	ixdp_prep_abort(ixdp_get_cmd(r), 9);
	assert_int_equal(ixdp_cmds_pending(r), 11);
	fk_expect_none(&k);	/* nothing is visible before submit */
	assert_int_equal(ixdp_submit(r), 11);
	assert_int_equal(*k.cmd_tail, 11);
	assert_int_equal(ixdp_cmds_pending(r), 0);

	got = fk_expect(&k, IXDP_OP_NOP);
	assert_int_equal(got.flags, 0);
	got = fk_expect(&k, IXDP_OP_LISTEN);
	assert_int_equal(got.arg32, 8080);
	assert_int_equal(got.flags, IXDP_CMDF_ACK);
	assert_int_equal(got.user_data, 0x1122334455667788ULL);
	got = fk_expect(&k, IXDP_OP_UNLISTEN);
	assert_int_equal(got.arg32, 8081);
	assert_int_equal(got.user_data, 0);
	got = fk_expect(&k, IXDP_OP_ACCEPT);
	assert_int_equal(got.handle, 0xaaaa000100000005ULL);
	assert_int_equal(got.arg[0], 77);
	got = fk_expect(&k, IXDP_OP_REJECT);
	assert_int_equal(got.handle, 0xbbbb);
	got = fk_expect(&k, IXDP_OP_CONNECT);
	assert_int_equal(got.arg32, 443);
	assert_int_equal(got.arg[0], 99);
	assert_int_equal(got.arg[1], 0x0100000a);
	got = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(got.handle, 5);
	assert_int_equal(got.arg[0], 4096 - 64);
	assert_int_equal(got.arg32, 64);
	got = fk_expect(&k, IXDP_OP_SENDV);
	assert_int_equal(got.arg[0], 128);
	assert_int_equal(got.arg32, 3);
	got = fk_expect(&k, IXDP_OP_RECV_DONE);
	assert_int_equal(got.handle, 7);
	assert_int_equal(got.arg32, 1500);
	got = fk_expect(&k, IXDP_OP_CLOSE);
	assert_int_equal(got.handle, 8);
	got = fk_expect(&k, IXDP_OP_ABORT);
	assert_int_equal(got.handle, 9);
	fk_expect_none(&k);
	assert_int_equal(ixdp_submit(r), 0);
	fk_free(&k);
}

/* Fill, drain in part, refill, across the 2^32 wrap of both indices. */
static void test_cmd_ring_full_wrap(void **state)
{
	struct fk k;
	struct ixdp_ring *r = &k.ring;
	struct ixdp_cmd got;
	uint32_t seq = 0, want = 0, i, round;

	fk_setup(&k, 8, 16, WRAP_START, 4096, 4096);
	for (round = 0; round < 10; round++) {
		while (ixdp_cmd_space(r)) {
			struct ixdp_cmd *c = ixdp_get_cmd(r);

			assert_non_null(c);
			ixdp_prep_nop(c);
			ixdp_cmd_set_data(c, seq++);
		}
		assert_null(ixdp_get_cmd(r));
		assert_true(ixdp_submit(r) > 0);
		/* The core takes 3 (or what is left), in order. */
		for (i = 0; i < 3 && fk_take(&k, &got); i++)
			assert_int_equal(got.user_data, want++);
		assert_int_equal(ixdp_cmd_space(r), i);
	}
	while (fk_take(&k, &got))
		assert_int_equal(got.user_data, want++);
	assert_int_equal(want, seq);
	assert_int_equal(seq, 8 + 9 * 3);
	/* The published tail wrapped past zero. */
	assert_int_equal(*k.cmd_tail, (uint32_t)(WRAP_START + seq));
	assert_true(*k.cmd_tail < WRAP_START);
	assert_int_equal(ixdp_cmd_space(r), 8);

	/* A cmd_head beyond the tail (a kernel bug) reads as a full ring. */
	*k.cmd_head = *k.cmd_tail + 1;
	assert_null(ixdp_get_cmd(r));
	fk_free(&k);
}

static void test_submit_wakeup_dead(void **state)
{
	struct fk k;
	struct ixdp_ring *r = &k.ring;
	struct ixdp_cmd got;

	fk_setup(&k, 8, 16, 0, 4096, 4096);
	*k.flags = IXDP_CQ_NEED_WAKEUP;
	/* Nothing untaken: no kick, so the fake fd is never touched. */
	assert_int_equal(ixdp_submit(r), 0);
	ixdp_prep_nop(ixdp_get_cmd(r));
	/* Untaken commands and a sleeping core: IXDP_IOC_WAKE on fd -1. */
	assert_int_equal(ixdp_submit(r), -EBADF);
	assert_int_equal(*k.cmd_tail, 1);	/* published before the kick */
	/* Still untaken on a later submit with nothing new: kick again. */
	assert_int_equal(ixdp_submit(r), -EBADF);
	assert_true(fk_take(&k, &got));
	assert_int_equal(ixdp_submit(r), 0);
	/* Room made in a full event ring: the core may wait for it. */
	while (fk_ev_space(&k))
		fk_push(&k, IXDP_EV_SENT, 0, 0, 0, 0, 0, 0);
	ixdp_event_advance(r, 1);
	assert_int_equal(ixdp_submit(r), -EBADF);
	assert_int_equal(ixdp_submit(r), 0);	/* once */
	ixdp_event_advance(r, 1);		/* not full any more */
	assert_int_equal(ixdp_submit(r), 0);
	*k.flags = 0;
	ixdp_prep_nop(ixdp_get_cmd(r));
	assert_int_equal(ixdp_submit(r), 1);
	*k.flags = IXDP_CQ_DEAD;
	assert_true(ixdp_ring_dead(r));
	assert_int_equal(ixdp_submit(r), -ENXIO);
	/* Dead, but events are left: they come first. */
	assert_int_equal(ixdp_wait(r, 0), 14);
	ixdp_event_advance(r, 14);
	assert_int_equal(ixdp_wait(r, 0), -ENXIO);
	*k.dropped = 12;
	assert_int_equal(ixdp_dropped(r), 12);
	fk_free(&k);
}

static void test_events_wrap(void **state)
{
	struct fk k;
	struct ixdp_ring *r = &k.ring;
	const struct ixdp_event *ev;
	uint32_t head, n, want = 0, pushed = 0, round;

	fk_setup(&k, 8, 8, WRAP_START, 4096, 4096);
	assert_null(ixdp_peek_event(r));
	assert_int_equal(ixdp_wait(r, 0), 0);	/* poll(-1 fd) times out */
	for (round = 0; round < 6; round++) {
		while (fk_ev_space(&k))
			fk_push(&k, IXDP_EV_SENT, 0, pushed++, 0, 0, 0, 0);
		assert_int_equal(ixdp_events_ready(r), 8);
		assert_int_equal(ixdp_wait(r, 0), 8);
		ev = ixdp_peek_event(r);
		assert_non_null(ev);
		assert_int_equal(ev->cookie, want);
		/* Consume five; the core may then write five more. */
		n = 0;
		ixdp_for_each_event(r, head, ev) {
			if (n == 5)
				break;
			assert_int_equal(ev->cookie, want++);
			n++;
		}
		ixdp_event_advance(r, n);
		assert_int_equal(fk_ev_space(&k), 5);
		assert_int_equal(*k.ev_head, r->cached_ev_head);
	}
	assert_int_equal(want, 30);
	assert_true(*k.ev_head < WRAP_START);	/* wrapped */
	/* A tail more than a ring ahead is clamped. */
	*k.ev_tail = r->cached_ev_head + 100;
	assert_int_equal(ixdp_events_ready(r), 8);
	fk_free(&k);
}

static void test_rx_bounds(void **state)
{
	struct fk k;
	struct ixdp_ring *r = &k.ring;

	fk_setup(&k, 8, 8, 0, 4096, 8192);
	assert_ptr_equal(ixdp_rx_data(r, 0, 4096), k.rx);
	assert_ptr_equal(ixdp_rx_data(r, 4000, 96), k.rx + 4000);
	assert_ptr_equal(ixdp_rx_data(r, 4096, 0), k.rx + 4096);
	assert_null(ixdp_rx_data(r, 4000, 97));
	assert_null(ixdp_rx_data(r, 4097, 0));
	assert_null(ixdp_rx_data(r, UINT64_MAX, 2));
	assert_null(ixdp_rx_data(r, 2, UINT64_MAX));
	assert_ptr_equal(ixdp_tx_base(r), k.tx);
	assert_int_equal(ixdp_tx_size(r), 8192);
	fk_free(&k);
}

/* ---- ixev ------------------------------------------------------------- */

#define NCONN	16

struct conn {
	struct ixev_ctx ctx;
	int in_use;
	int released;
	int hups;
	int outs;
	int eofs;
	int dialed;
	int dial_status;
	int zc_done;
	int zc_status;
	int no_echo;		/* read nothing: let data pile up */
};

static struct conn conns[NCONN];
static int accept_none;
static int errors;
static unsigned int last_err_op;
static int last_err;

#define to_conn(c) ((struct conn *)((char *)(c) - offsetof(struct conn, ctx)))

/* Echo: zero-copy read, copying send, credit what was sent, close on EOF. */
static void echo_handler(struct ixev_ctx *ctx, unsigned int reason)
{
	struct conn *c = to_conn(ctx);
	const void *p;
	ssize_t n, k;

	if (reason & IXEVHUP) {
		c->hups++;
		return;
	}
	if (reason & IXEVOUT)
		c->outs++;
	if (c->no_echo)
		return;
	for (;;) {
		n = ixev_recv_zc(ctx, &p, SIZE_MAX);
		if (n == 0) {
			c->eofs++;
			ixev_close(ctx);
			return;
		}
		if (n < 0)
			return;
		k = ixev_send(ctx, p, n);
		if (k < 0)
			return;
		ixev_recv_done(ctx, k);
	}
}

static struct conn *conn_new(void)
{
	int i;

	for (i = 0; i < NCONN; i++) {
		if (!conns[i].in_use) {
			memset(&conns[i], 0, sizeof(conns[i]));
			conns[i].in_use = 1;
			ixev_ctx_init(&conns[i].ctx);
			ixev_set_handler(&conns[i].ctx, IXEVIN | IXEVOUT,
					 echo_handler);
			return &conns[i];
		}
	}
	return NULL;
}

static struct ixev_ctx *t_accept(struct ixev_thread *t,
				 const struct ixev_peer *peer)
{
	struct conn *c;

	if (accept_none)
		return NULL;
	c = conn_new();
	return c ? &c->ctx : NULL;
}

static void t_release(struct ixev_ctx *ctx)
{
	struct conn *c = to_conn(ctx);

	c->released++;
	c->in_use = 0;
}

static void t_dialed(struct ixev_ctx *ctx, int status)
{
	struct conn *c = to_conn(ctx);

	c->dialed++;
	c->dial_status = status;
}

static void t_error(struct ixev_thread *t, struct ixev_ctx *ctx,
		    unsigned int op, int status)
{
	errors++;
	last_err_op = op;
	last_err = status;
}

static const struct ixev_conn_ops ops = {
	.accept = t_accept,
	.release = t_release,
	.dialed = t_dialed,
	.error = t_error,
};

static struct ixev_thread *ev_setup(struct fk *k, uint32_t ncmd,
				    uint32_t start, uint32_t tx,
				    const struct ixev_params *p)
{
	struct ixev_thread *t;

	memset(conns, 0, sizeof(conns));
	accept_none = 0;
	errors = 0;
	last_err = 0;
	last_err_op = 0;
	fk_setup(k, ncmd, 64, start, 64 * 1024, tx);
	assert_int_equal(ixev_thread_attach(&t, &k->ring, p, &ops, k), 0);
	assert_ptr_equal(ixev_thread_user(t), k);
	return t;
}

static void ev_teardown(struct fk *k, struct ixev_thread *t)
{
	ixev_thread_destroy(t);
	fk_free(k);
}

/* Run one loop and expect it to have handled @n events. */
static void loop(struct ixev_thread *t, int n)
{
	assert_int_equal(ixev_wait(t, 0), n);
}

/* A knock, accepted: returns the ACCEPT's cookie. */
static uint64_t knock(struct fk *k, struct ixev_thread *t, uint64_t handle)
{
	struct ixdp_cmd c;

	fk_push(k, IXDP_EV_KNOCK, 0, 0, handle, 0x0200000a, 40000, 7);
	loop(t, 1);
	loop(t, 0);	/* publishes */
	c = fk_expect(k, IXDP_OP_ACCEPT);
	assert_int_equal(c.handle, handle);
	assert_int_not_equal(c.arg[0], 0);
	return c.arg[0];
}

/* Put @len bytes of @pat at @off of the RX arena and announce them. */
static void recv_ev(struct fk *k, uint64_t cookie, uint64_t handle,
		    uint32_t off, uint32_t len, uint8_t pat)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		k->rx[off + i] = (uint8_t)(pat + i);
	fk_push(k, IXDP_EV_RECV, 0, cookie, handle, off, len, 0);
}

static void check_tx(struct fk *k, const struct ixdp_cmd *c, uint8_t pat)
{
	uint32_t i;

	assert_true(c->arg[0] + c->arg32 <= k->a.tx_arena);
	for (i = 0; i < c->arg32; i++)
		assert_int_equal(k->tx[c->arg[0] + i], (uint8_t)(pat + i));
}

static void test_ixev_echo(void **state)
{
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 64, WRAP_START, 64 * 1024, NULL);
	const struct ixev_stats *st = ixev_thread_stats(t);
	struct ixdp_cmd c, s, s2;
	uint64_t ck, h = 0x0001000200000003ULL;

	ck = knock(&k, t, h);
	fk_expect_none(&k);
	assert_int_equal(st->accepted, 1);
	assert_int_equal(conns[0].in_use, 1);

	/* Two receives in one batch: one SEND (merged), one RECV_DONE. */
	recv_ev(&k, ck, h, 0, 100, 1);
	recv_ev(&k, ck, h, 100, 50, 101);
	loop(t, 2);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_RECV_DONE);
	assert_int_equal(c.handle, h);
	assert_int_equal(c.arg32, 150);
	s = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s.handle, h);
	assert_int_equal(s.arg32, 150);
	assert_int_equal(s.flags, 0);	/* taken whole: no completion */
	assert_int_equal(s.arg[1], 0);	/* no IXDP_FEAT_SEND_DONE here */
	check_tx(&k, &s, 1);
	fk_expect_none(&k);

	/* More data while that SEND is unanswered: sent at once as well. */
	recv_ev(&k, ck, h, 150, 40, 151);
	loop(t, 1);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_RECV_DONE);
	assert_int_equal(c.arg32, 40);
	s = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s.arg32, 40);
	assert_int_equal(s.flags, 0);
	check_tx(&k, &s, 151);
	fk_expect_none(&k);
	recv_ev(&k, ck, h, 190, 10, 191);
	loop(t, 1);
	loop(t, 0);
	fk_expect(&k, IXDP_OP_RECV_DONE);
	s2 = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s2.arg32, 10);
	assert_int_equal(s2.arg[0], s.arg[0] + 40);	/* the range grew */
	check_tx(&k, &s2, 191);
	fk_expect_none(&k);

	/*
	 * Short: 15 of the 40 taken, and the core refuses the 10 queued
	 * behind them. The rest waits for SENT, then goes out in order.
	 */
	fk_complete(&k, &s, 15);
	fk_complete(&k, &s2, -EAGAIN);
	loop(t, 2);
	loop(t, 0);
	fk_expect_none(&k);
	assert_int_equal(st->short_sends, 1);
	assert_int_equal(st->cmd_errors, 0);
	fk_push(&k, IXDP_EV_SENT, 0, ck, h, 165, 1000, 0);
	loop(t, 1);
	assert_int_equal(conns[0].outs, 1);
	loop(t, 0);
	s = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s.arg32, 35);	/* one range again: 25 and 10 */
	check_tx(&k, &s, 151 + 15);
	fk_expect_none(&k);

	/* EOF: a fence first; close once it says every byte was taken. */
	fk_push(&k, IXDP_EV_RECV, 0, ck, h, 0, 0, 0);
	loop(t, 1);
	assert_int_equal(conns[0].eofs, 1);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_NOP);
	fk_expect_none(&k);
	fk_complete(&k, &c, 0);
	loop(t, 1);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_CLOSE);
	assert_int_equal(c.handle, h);
	fk_expect_none(&k);
	/* Sends after close are refused. */
	assert_int_equal(ixev_send(&conns[0].ctx, "x", 1), -EPIPE);

	fk_push(&k, IXDP_EV_SENT, 0, ck, h, 35, 1000, 0);
	fk_push(&k, IXDP_EV_DEAD, 0, ck, h, 0, 0, 0);
	loop(t, 2);
	assert_int_equal(conns[0].hups, 1);
	assert_int_equal(conns[0].released, 1);
	assert_int_equal(st->dead, 1);
	assert_int_equal(st->bad_events, 0);
	assert_int_equal(st->cmd_errors, 0);
	loop(t, 0);
	fk_expect_none(&k);	/* nothing for a dead connection */

	/* A late event for the released connection finds nothing. */
	fk_push(&k, IXDP_EV_RECV, 0, ck, h, 0, 10, 0);
	loop(t, 1);
	assert_int_equal(st->bad_events, 1);
	assert_int_equal(conns[0].released, 1);
	ev_teardown(&k, t);
}

/*
 * Accept here, serve there. Another thread's calls on a connection, or on
 * the ixev thread, are refused with -EXDEV and change nothing; it takes the
 * ixev thread over by calling ixev_wait() while nobody is inside it, or
 * after ixev_thread_unbind() (cmocka asserts only on the test's own
 * thread: the other one records).
 */
struct other {
	struct ixev_thread *t;
	struct ixev_ctx *ctx, *spare;
	bool serve;		/* run the ixev thread and echo once */
	long r[12];
	ssize_t served;
};

static void *other_thread(void *arg)
{
	struct other *o = arg;
	const void *p = NULL;

	if (o->serve) {
		o->r[0] = ixev_wait(o->t, 0);
		o->served = ixev_recv_zc(o->ctx, &p, SIZE_MAX);
		if (o->served > 0) {
			o->r[1] = ixev_send(o->ctx, p, (size_t)o->served);
			o->r[2] = ixev_recv_done(o->ctx, (size_t)o->served);
		}
		o->r[3] = ixev_wait(o->t, 0);	/* publishes */
		return NULL;
	}
	o->r[0] = ixev_recv_zc(o->ctx, &p, SIZE_MAX);
	o->r[1] = ixev_recv(o->ctx, (void *)o->r, 1);
	o->r[2] = ixev_send(o->ctx, "x", 1);
	o->r[3] = ixev_send_zc(o->ctx, 0, 1, NULL, NULL);
	o->r[4] = (long)ixev_send_space(o->ctx);
	o->r[5] = ixev_recv_done(o->ctx, 1);
	o->r[6] = ixev_close(o->ctx);
	o->r[7] = ixev_abort(o->ctx);
	o->r[8] = ixev_unlisten(o->t, 9);
	o->r[9] = ixev_listen(o->t, 9);
	o->r[10] = ixev_connect(o->t, o->spare, 0x0200000a, 9);
	o->r[11] = ixev_thread_unbind(o->t);
	return NULL;
}

static void run_other(struct other *o)
{
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, other_thread, o), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
}

static void test_ixev_other_thread(void **state)
{
	struct fk k;
	struct ixev_params p = { .tx_reserve = 4096 };
	struct ixev_thread *t = ev_setup(&k, 64, 0, 64 * 1024, &p);
	struct other o = { .t = t };
	struct conn *spare;
	struct ixdp_cmd c;
	uint64_t ck, h = 0x0001000200000003ULL;
	const void *ptr;
	int i;

	/* Accepted on this thread, which runs the ixev thread now. */
	ck = knock(&k, t, h);
	conns[0].no_echo = 1;
	recv_ev(&k, ck, h, 0, 20, 1);
	loop(t, 1);
	spare = conn_new();
	assert_non_null(spare);
	o.ctx = &conns[0].ctx;
	o.spare = &spare->ctx;
	run_other(&o);
	for (i = 0; i < 12; i++) {
		if (i == 4)
			assert_int_equal(o.r[i], 0);	/* send space */
		else
			assert_int_equal(o.r[i], -EXDEV);
	}
	/* Nothing changed: no command, the bytes still unread. */
	loop(t, 0);
	fk_expect_none(&k);
	assert_int_equal(spare->ctx.state, IXEV_S_INIT);
	assert_int_equal(ixev_recv_zc(&conns[0].ctx, &ptr, SIZE_MAX), 20);

	/* Handed over by its ixev_wait(): the other thread runs it and serves. */
	o.serve = true;
	memset(o.r, 0, sizeof(o.r));
	run_other(&o);
	assert_int_equal(o.r[0], 0);
	assert_int_equal(o.served, 20);
	assert_int_equal(o.r[1], 20);
	assert_int_equal(o.r[2], 0);
	assert_int_equal(o.r[3], 0);
	c = fk_expect(&k, IXDP_OP_RECV_DONE);
	assert_int_equal(c.arg32, 20);
	c = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(c.arg32, 20);
	check_tx(&k, &c, 1);
	fk_expect_none(&k);
	/* ... and this thread no longer may, until it waits on it again. */
	assert_int_equal(ixev_send(&conns[0].ctx, "x", 1), -EXDEV);
	assert_int_equal(ixev_listen(t, 9), -EXDEV);
	loop(t, 0);
	fk_expect_none(&k);
	assert_int_equal(ixev_send(&conns[0].ctx, "x", 1), 1);
	/* Let go: anyone may act until someone waits on it. */
	assert_int_equal(ixev_thread_unbind(t), 0);
	memset(o.r, 0, sizeof(o.r));
	o.serve = false;
	run_other(&o);
	assert_int_equal(o.r[9], 0);	/* its listen */
	ev_teardown(&k, t);
}

/*
 * With IXDP_FEAT_SEND_DONE the receive credit rides on the connection's
 * first SEND (arg[1]) instead of a RECV_DONE of its own; with
 * IXDP_ATTACH_RECV_ACKED a RECV's arg[2] acknowledges sent bytes as a
 * SENT would. One command and one event per request and answer.
 */
static void test_ixev_folded(void **state)
{
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 64, WRAP_START, 64 * 1024, NULL);
	const struct ixev_stats *st = ixev_thread_stats(t);
	struct ixdp_cmd c;
	uint64_t ck, h = 0x0001000200000003ULL;
	uint32_t i;

	ixev_thread_ring(t)->feat = IXDP_RING_F_SEND_DONE |
				    IXDP_RING_F_RECV_ACKED;
	ck = knock(&k, t, h);
	recv_ev(&k, ck, h, 0, 100, 1);
	loop(t, 1);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(c.arg32, 100);
	assert_int_equal(c.arg[1], 100);	/* the credit */
	check_tx(&k, &c, 1);
	fk_expect_none(&k);
	assert_int_equal(conns[0].ctx.unacked, 100);

	/* The next request acknowledges the answer: no SENT needed. */
	for (i = 0; i < 50; i++)
		k.rx[100 + i] = (uint8_t)(101 + i);
	fk_push(&k, IXDP_EV_RECV, 0, ck, h, 100, 50, 100);
	loop(t, 1);
	assert_int_equal(conns[0].outs, 1);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(c.arg32, 50);
	assert_int_equal(c.arg[1], 50);
	check_tx(&k, &c, 101);
	fk_expect_none(&k);
	assert_int_equal(conns[0].ctx.unacked, 50);

	/* Bytes read without an answer: a RECV_DONE of their own. */
	conns[0].no_echo = 1;
	recv_ev(&k, ck, h, 150, 10, 151);
	loop(t, 1);
	assert_int_equal(ixev_recv(&conns[0].ctx, k.rx + 4096, 10), 10);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_RECV_DONE);
	assert_int_equal(c.arg32, 10);
	fk_expect_none(&k);
	assert_int_equal(st->bad_events, 0);
	assert_int_equal(st->cmd_errors, 0);
	ev_teardown(&k, t);
}

static void test_ixev_reject_and_errors(void **state)
{
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 64, 0, 64 * 1024, NULL);
	const struct ixev_stats *st = ixev_thread_stats(t);
	struct ixdp_cmd c, s;
	uint64_t ck, ck2, h = 0x77;

	/* The application says no: REJECT, no context. */
	accept_none = 1;
	fk_push(&k, IXDP_EV_KNOCK, 0, 0, 0x55, 0, 0, 0);
	loop(t, 1);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_REJECT);
	assert_int_equal(c.handle, 0x55);
	assert_int_equal(st->rejected, 1);
	accept_none = 0;

	/* LISTEN fails: reported with no context. */
	assert_int_equal(ixev_listen(t, 0), -EINVAL);
	assert_int_equal(ixev_listen(t, 7), 0);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_LISTEN);
	assert_int_equal(c.arg32, 7);
	fk_complete(&k, &c, -EADDRINUSE);
	loop(t, 1);
	assert_int_equal(errors, 1);
	assert_int_equal(last_err_op, IXDP_OP_LISTEN);
	assert_int_equal(last_err, -EADDRINUSE);

	/* A backlog of the application's rides in arg[0]; past the max: -EINVAL. */
	assert_int_equal(ixev_listen_backlog(t, 8, IXDP_BACKLOG_MAX + 1),
			 -EINVAL);
	assert_int_equal(ixev_listen_backlog(t, 8, 20000), 0);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_LISTEN);
	assert_int_equal(c.arg32, 8);
	assert_int_equal(c.arg[0], 20000);
	fk_complete(&k, &c, 0);
	loop(t, 1);
	assert_int_equal(errors, 1);

	/* A SEND that fails stops the connection's sends. */
	ck = knock(&k, t, h);
	recv_ev(&k, ck, h, 0, 10, 0);
	loop(t, 1);
	loop(t, 0);
	fk_expect(&k, IXDP_OP_RECV_DONE);
	s = fk_expect(&k, IXDP_OP_SEND);
	fk_complete(&k, &s, -ENOTCONN);
	loop(t, 1);
	assert_int_equal(errors, 2);
	assert_int_equal(last_err, -ENOTCONN);
	assert_int_equal(ixev_send(&conns[0].ctx, "abc", 3), -EPIPE);
	assert_int_equal(conns[0].ctx.status, -ENOTCONN);

	/* A reset: HUP, release, bytes still unread are gone. */
	conns[0].no_echo = 1;
	recv_ev(&k, ck, h, 10, 5, 0);
	fk_push(&k, IXDP_EV_DEAD, -ECONNRESET, ck, h, 0, 0, 0);
	loop(t, 2);
	assert_int_equal(conns[0].hups, 1);
	assert_int_equal(conns[0].released, 1);
	loop(t, 0);
	fk_expect_none(&k);	/* no RECV_DONE after DEAD */

	/* The slot is reused with a new generation: old cookies miss. */
	ck2 = knock(&k, t, h + 1);
	assert_int_equal((uint32_t)ck2, (uint32_t)ck);
	assert_int_not_equal(ck2, ck);
	fk_push(&k, IXDP_EV_DEAD, 0, ck, h, 0, 0, 0);
	loop(t, 1);
	assert_int_equal(conns[0].released, 0);	/* the new one lives */
	assert_int_equal(st->bad_events, 1);

	/* ACCEPT refused by the core: no DEAD will come; released at once. */
	ck2 = knock(&k, t, h + 2);
	c.opcode = IXDP_OP_ACCEPT;
	c.handle = h + 2;
	c.user_data = ck2;
	fk_complete(&k, &c, -EBADF);
	loop(t, 1);
	assert_int_equal(conns[1].released, 1);
	assert_int_equal(conns[1].hups, 1);
	loop(t, 0);
	fk_expect_none(&k);	/* the handle is not ours: nothing to reset */

	/* Refused for another reason: the knocked connection is reset. */
	ck2 = knock(&k, t, h + 3);
	c.handle = h + 3;
	c.user_data = ck2;
	fk_complete(&k, &c, -ENOBUFS);
	loop(t, 1);
	assert_int_equal(conns[1].released, 1);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_REJECT);
	assert_int_equal(c.handle, h + 3);
	fk_expect_none(&k);
	ev_teardown(&k, t);
}

/* ixev_set_dispatch(): the knock goes where the callback says. */
static struct ixev_thread *dispatch_to;

static struct ixev_thread *t_dispatch(struct ixev_thread *t,
				      const struct ixev_peer *peer)
{
	assert_int_equal(peer->local_port, 7);
	return dispatch_to;
}

/* A knock of @handle to @t, with the commands it then publishes. */
static void knock_only(struct fk *k, struct ixev_thread *t, uint64_t handle)
{
	fk_push(k, IXDP_EV_KNOCK, 0, 0, handle, 0x0200000a, 40000, 7);
	loop(t, 1);
	loop(t, 0);
}

static void test_ixev_dispatch(void **state)
{
	struct fk k1, k2, k3, k4;
	struct ixev_thread *t1, *t2, *t3, *t4;
	const struct ixev_stats *st1, *st2;
	struct ixdp_cmd c;

	t1 = ev_setup(&k1, 64, 0, 64 * 1024, NULL);
	t2 = ev_setup(&k2, 64, 0, 64 * 1024, NULL);
	fk_cpu = 4;
	t3 = ev_setup(&k3, 64, 0, 64 * 1024, NULL);
	fk_cpu = 3;
	fk_ctx_id = 0;		/* a module without IXDP_FEAT_HANDOFF */
	t4 = ev_setup(&k4, 64, 0, 64 * 1024, NULL);
	fk_ctx_id = 100;
	st1 = ixev_thread_stats(t1);
	st2 = ixev_thread_stats(t2);
	assert_int_not_equal(k1.a.ctx_id, k2.a.ctx_id);

	assert_int_equal(ixev_set_dispatch(t4, t_dispatch), -EOPNOTSUPP);
	assert_int_equal(ixev_set_dispatch(t1, t_dispatch), 0);

	/* To another thread of the core: HANDOFF, not ACCEPT. */
	dispatch_to = t2;
	knock_only(&k1, t1, 0x10);
	c = fk_expect(&k1, IXDP_OP_HANDOFF);
	assert_int_equal(c.handle, 0x10);
	assert_int_equal(c.arg[0], k2.a.ctx_id);
	fk_expect_none(&k1);
	assert_int_equal(st1->handed_off, 1);
	assert_int_equal(st1->accepted, 0);
	/* ... whose core then shows it the knock: it accepts. */
	knock_only(&k2, t2, 0x10);
	c = fk_expect(&k2, IXDP_OP_ACCEPT);
	assert_int_equal(c.handle, 0x10);
	assert_int_equal(st2->accepted, 1);

	/* NULL, or the thread itself: accepted here. */
	dispatch_to = NULL;
	knock_only(&k1, t1, 0x11);
	c = fk_expect(&k1, IXDP_OP_ACCEPT);
	assert_int_equal(c.handle, 0x11);
	dispatch_to = t1;
	knock_only(&k1, t1, 0x12);
	c = fk_expect(&k1, IXDP_OP_ACCEPT);
	assert_int_equal(c.handle, 0x12);
	assert_int_equal(st1->accepted, 2);

	/* A thread on another core cannot take it: reset, reported. */
	dispatch_to = t3;
	knock_only(&k1, t1, 0x13);
	c = fk_expect(&k1, IXDP_OP_REJECT);
	assert_int_equal(c.handle, 0x13);
	assert_int_equal(errors, 1);
	assert_int_equal(last_err_op, IXDP_OP_HANDOFF);
	assert_int_equal(last_err, -EXDEV);

	/* The core refuses the HANDOFF: the knock is reset, reported. */
	dispatch_to = t2;
	knock_only(&k1, t1, 0x14);
	c = fk_expect(&k1, IXDP_OP_HANDOFF);
	fk_complete(&k1, &c, -ENOBUFS);
	loop(t1, 1);
	loop(t1, 0);
	c = fk_expect(&k1, IXDP_OP_REJECT);
	assert_int_equal(c.handle, 0x14);
	assert_int_equal(errors, 2);
	assert_int_equal(last_err, -ENOBUFS);
	/* ... unless the handle itself was refused: nothing to reset. */
	knock_only(&k1, t1, 0x15);
	c = fk_expect(&k1, IXDP_OP_HANDOFF);
	fk_complete(&k1, &c, -EBADF);
	loop(t1, 1);
	loop(t1, 0);
	fk_expect_none(&k1);
	assert_int_equal(errors, 3);

	/* Off again. */
	assert_int_equal(ixev_set_dispatch(t1, NULL), 0);
	knock_only(&k1, t1, 0x16);
	fk_expect(&k1, IXDP_OP_ACCEPT);
	/* Only the one the core took; two resets (other core, -ENOBUFS). */
	assert_int_equal(st1->handed_off, 1);
	assert_int_equal(st1->rejected, 2);
	assert_int_equal(st1->bad_events, 0);

	ev_teardown(&k4, t4);
	ev_teardown(&k3, t3);
	ev_teardown(&k2, t2);
	ev_teardown(&k1, t1);
}

/* Ten knocks against a four-slot ring: every ACCEPT arrives, in order. */
static void test_ixev_cmd_overflow(void **state)
{
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 4, WRAP_START + 12, 64 * 1024,
					 NULL);
	const struct ixev_stats *st = ixev_thread_stats(t);
	uint64_t handles[10], cookies[10];
	struct ixdp_cmd c;
	int i, got = 0;

	for (i = 0; i < 10; i++)
		fk_push(&k, IXDP_EV_KNOCK, 0, 0, 100 + i, 0, 0, 0);
	loop(t, 10);
	assert_int_equal(st->overflowed, 6);
	while (got < 10) {
		loop(t, 0);
		/* The core takes only two per loop. */
		for (i = 0; i < 2 && fk_take(&k, &c); i++, got++) {
			assert_int_equal(c.opcode, IXDP_OP_ACCEPT);
			handles[got] = c.handle;
			cookies[got] = c.arg[0];
		}
	}
	for (i = 0; i < 10; i++)
		assert_int_equal(handles[i], 100 + i);
	/* All ten contexts answer to their cookies. */
	for (i = 0; i < 10; i++)
		fk_push(&k, IXDP_EV_DEAD, 0, cookies[i], 100 + i, 0, 0, 0);
	loop(t, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(conns[i].released, 1);
	assert_int_equal(st->bad_events, 0);
	loop(t, 0);
	fk_expect_none(&k);
	ev_teardown(&k, t);
}

/*
 * TX arena of four 256-byte chunks shared by two connections: a send
 * stops at the arena's end, and a connection that found no chunk hears
 * IXEVOUT once another's acknowledged bytes return one.
 */
static void test_ixev_tx_chunks(void **state)
{
	struct ixev_params p = { .chunk_size = 256 };
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 64, 0, 1024, &p);
	struct ixev_ctx *a, *b;
	struct ixdp_cmd s;
	uint64_t cka, ckb;
	uint8_t buf[2048];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	cka = knock(&k, t, 1);
	ckb = knock(&k, t, 2);
	a = &conns[0].ctx;
	b = &conns[1].ctx;
	assert_int_equal(ixev_send_space(a), 1024);

	/* 1000 bytes: four chunks' worth minus 24; the arena is used up. */
	assert_int_equal(ixev_send(a, buf, 1000), 1000);
	assert_int_equal(ixev_send(a, buf + 1000, 100), 24);
	assert_int_equal(ixev_send(b, buf, 10), -EAGAIN);
	loop(t, 0);
	/* One contiguous range per chunk, all sent at once. */
	for (i = 0; i < 4; i++) {
		s = fk_expect(&k, IXDP_OP_SEND);
		assert_int_equal(s.handle, 1);
		assert_int_equal(s.arg32, 256);
		assert_memory_equal(k.tx + s.arg[0], buf + 256 * i, 256);
		if (!i)
			assert_int_equal(s.arg[0], 0);
	}
	fk_expect_none(&k);
	assert_int_equal(conns[1].outs, 0);

	/* 300 acknowledged: chunk one is free; b hears of it. */
	fk_push(&k, IXDP_EV_SENT, 0, cka, 1, 300, 5000, 0);
	loop(t, 1);
	assert_int_equal(conns[1].outs, 1);
	assert_int_equal(ixev_send(b, buf, 10), 10);
	loop(t, 0);
	s = fk_expect(&k, IXDP_OP_SEND);	/* b, in the freed chunk */
	assert_int_equal(s.handle, 2);
	assert_int_equal(s.arg[0], 0);
	assert_int_equal(s.arg32, 10);
	assert_memory_equal(k.tx, buf, 10);
	fk_expect_none(&k);

	/* DEAD gives every chunk of a back; b keeps its own. */
	fk_push(&k, IXDP_EV_DEAD, -ETIMEDOUT, cka, 1, 0, 0, 0);
	loop(t, 1);
	assert_int_equal(conns[0].released, 1);
	assert_int_equal(ixev_send_space(b), 1024 - 10);

	/* b dies holding a partly filled chunk: it returns exactly once. */
	fk_push(&k, IXDP_EV_DEAD, -ECONNRESET, ckb, 2, 0, 0, 0);
	loop(t, 1);
	assert_int_equal(conns[1].released, 1);
	cka = knock(&k, t, 3);
	a = &conns[0].ctx;
	assert_int_equal(ixev_send_space(a), 1024);

	/* Once all of it is acknowledged, a holds no chunk at all. */
	assert_int_equal(ixev_send(a, buf, 10), 10);
	assert_int_equal(ixev_send_space(a), 1024 - 10);
	loop(t, 0);
	s = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s.arg32, 10);
	fk_push(&k, IXDP_EV_SENT, 0, cka, 3, 10, 5000, 0);
	loop(t, 1);
	assert_int_equal(a->fill_chunk, IXEV_NO_CHUNK);
	assert_int_equal(ixev_send_space(a), 1024);
	assert_int_equal(ixev_send(a, buf, 2048), 1024);
	ev_teardown(&k, t);
}

/* A window of 300 bytes: sends stop there and resume on SENT. */
static void test_ixev_send_window(void **state)
{
	struct ixev_params p = { .send_win = 300 };
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 64, 0, 64 * 1024, &p);
	struct ixev_ctx *a;
	struct ixdp_cmd s;
	uint8_t buf[500] = { 0 };
	uint64_t ck;

	ck = knock(&k, t, 9);
	a = &conns[0].ctx;
	assert_int_equal(ixev_send(a, buf, 500), 300);
	assert_int_equal(ixev_send(a, buf, 1), -EAGAIN);
	loop(t, 0);
	s = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s.arg32, 300);
	fk_push(&k, IXDP_EV_SENT, 0, ck, 9, 120, 5000, 0);
	loop(t, 1);
	assert_int_equal(conns[0].outs, 1);
	assert_int_equal(ixev_send_space(a), 120);
	assert_int_equal(ixev_send(a, buf, 500), 120);
	/* Acknowledging more than was taken is a kernel bug: counted. */
	fk_push(&k, IXDP_EV_SENT, 0, ck, 9, 1000, 5000, 0);
	loop(t, 1);
	assert_int_equal(ixev_thread_stats(t)->bad_events, 1);
	ev_teardown(&k, t);
}

static void zc_sent(struct ixev_ctx *ctx, void *arg, int status)
{
	struct conn *c = to_conn(ctx);

	c->zc_done++;
	c->zc_status = status;
	assert_ptr_equal(arg, &conns[0]);
}

static void test_ixev_send_zc(void **state)
{
	struct ixev_params p = { .tx_reserve = 4096 };
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 64, 0, 64 * 1024, &p);
	struct ixev_ctx *a;
	struct ixdp_cmd s;
	size_t sz;
	uint8_t *user = ixev_tx_reserved(t, &sz), sz_buf[1];
	struct ixev_ctx idle;
	uint64_t ck;

	assert_ptr_equal(user, k.tx);
	assert_int_equal(sz, 4096);
	/* Not yet a connection. */
	ixev_ctx_init(&idle);
	assert_int_equal(ixev_send_zc(&idle, 0, 5, zc_sent, NULL), -ENOTCONN);
	assert_int_equal(ixev_send(&idle, "x", 1), -ENOTCONN);
	assert_int_equal(ixev_recv(&idle, sz_buf, 1), -EAGAIN);
	ck = knock(&k, t, 4);
	a = &conns[0].ctx;
	assert_int_equal(ixev_send_zc(a, 4000, 200, zc_sent, &conns[0]),
			 -EINVAL);
	memcpy(user + 100, "hello", 5);
	assert_int_equal(ixev_send_zc(a, 100, 5, zc_sent, &conns[0]), 0);
	/* A copy after it lands in the chunk area, after the reserve. */
	assert_int_equal(ixev_send(a, "world", 5), 5);
	loop(t, 0);
	s = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s.arg[0], 100);
	assert_int_equal(s.arg32, 5);
	s = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s.arg[0], 4096);
	assert_memory_equal(k.tx + 4096, "world", 5);
	fk_push(&k, IXDP_EV_SENT, 0, ck, 4, 4, 5000, 0);
	loop(t, 1);
	assert_int_equal(conns[0].zc_done, 0);	/* 4 of 5 */
	fk_push(&k, IXDP_EV_SENT, 0, ck, 4, 1, 5000, 0);
	loop(t, 1);
	assert_int_equal(conns[0].zc_done, 1);
	assert_int_equal(conns[0].zc_status, 0);

	/* A zero-copy buffer not acknowledged when the connection dies. */
	assert_int_equal(ixev_send_zc(a, 0, 10, zc_sent, &conns[0]), 0);
	fk_push(&k, IXDP_EV_DEAD, -ECONNRESET, ck, 4, 0, 0, 0);
	loop(t, 1);
	assert_int_equal(conns[0].zc_done, 2);
	assert_int_equal(conns[0].zc_status, -ECONNRESET);
	ev_teardown(&k, t);
}

static void test_ixev_connect(void **state)
{
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 64, 0, 64 * 1024, NULL);
	struct conn *c1 = conn_new(), *c2 = conn_new();
	struct ixdp_cmd c, s;
	uint64_t ck1, ck2;

	assert_int_equal(ixev_connect(t, &c1->ctx, 0x0300000a, 80), 0);
	assert_int_equal(ixev_connect(t, &c1->ctx, 0x0300000a, 80), -EINVAL);
	assert_int_equal(ixev_connect(t, &c2->ctx, 0x0400000a, 81), 0);
	/* Bytes and a close queued before the connection exists. */
	assert_int_equal(ixev_send(&c1->ctx, "GET", 3), 3);
	ixev_close(&c1->ctx);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_CONNECT);
	assert_int_equal(c.arg32, 80);
	assert_int_equal(c.arg[1], 0x0300000a);
	ck1 = c.arg[0];
	c = fk_expect(&k, IXDP_OP_CONNECT);
	ck2 = c.arg[0];
	assert_int_not_equal(ck1, ck2);
	fk_expect_none(&k);

	fk_push(&k, IXDP_EV_CONNECTED, 0, ck1, 0x99, 0, 0, 0);
	fk_push(&k, IXDP_EV_CONNECTED, -ECONNREFUSED, ck2, 0, 0, 0, 0);
	loop(t, 2);
	assert_int_equal(c1->dialed, 1);
	assert_int_equal(c1->dial_status, 0);
	assert_int_equal(c2->dialed, 1);
	assert_int_equal(c2->dial_status, -ECONNREFUSED);
	assert_int_equal(c2->released, 1);
	loop(t, 0);
	s = fk_expect(&k, IXDP_OP_SEND);
	assert_int_equal(s.handle, 0x99);
	assert_int_equal(s.arg32, 3);
	/* The close waits for a fence: was every byte taken? */
	c = fk_expect(&k, IXDP_OP_NOP);
	fk_expect_none(&k);
	fk_complete(&k, &c, 0);
	loop(t, 1);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_CLOSE);
	assert_int_equal(c.handle, 0x99);

	/* Abort drops what is queued and sends RST at once. */
	ixev_abort(&c1->ctx);
	loop(t, 0);
	fk_expect(&k, IXDP_OP_ABORT);
	fk_push(&k, IXDP_EV_DEAD, -ECONNABORTED, ck1, 0x99, 0, 0, 0);
	loop(t, 1);
	assert_int_equal(c1->released, 1);
	ev_teardown(&k, t);
}

/*
 * Many small receives that are not contiguous (the application reads
 * nothing) outgrow the inline receive queue; every byte is kept.
 */
static void test_ixev_rx_queue_growth(void **state)
{
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 64, 0, 64 * 1024, NULL);
	struct ixdp_cmd c;
	uint8_t out[200];
	uint64_t ck;
	int i;

	ck = knock(&k, t, 5);
	conns[0].no_echo = 1;
	for (i = 0; i < 40; i++)
		recv_ev(&k, ck, 5, i * 10, 5, (uint8_t)(i * 5));
	loop(t, 40);
	assert_int_equal(ixev_recv(&conns[0].ctx, out, sizeof(out)), 200);
	for (i = 0; i < 200; i++)
		assert_int_equal(out[i], (uint8_t)i);
	assert_int_equal(ixev_recv(&conns[0].ctx, out, 1), -EAGAIN);
	loop(t, 0);
	c = fk_expect(&k, IXDP_OP_RECV_DONE);
	assert_int_equal(c.arg32, 200);
	/* Out of the arena: refused, not read. */
	fk_push(&k, IXDP_EV_RECV, 0, ck, 5, 64 * 1024 - 4, 8, 0);
	loop(t, 1);
	assert_int_equal(ixev_thread_stats(t)->bad_events, 1);
	assert_int_equal(ixev_recv(&conns[0].ctx, out, 1), -EAGAIN);
	fk_push(&k, IXDP_EV_RECV, 0, ck, 5, 0, 0, 0);
	loop(t, 1);
	assert_int_equal(ixev_recv(&conns[0].ctx, out, 1), 0);
	/* Still open at the end: destroy releases it (and its queue). */
	ev_teardown(&k, t);
	assert_int_equal(conns[0].released, 1);
	assert_int_equal(conns[0].ctx.status, -ECONNABORTED);
}

/*
 * Random echo traffic through the fake core: receives of random sizes
 * that wrap around each connection's RX slice, sends taken in random
 * (often short) parts, acknowledgements in random pieces, then EOF,
 * close and DEAD. Every echoed byte is checked in order, every credit
 * against what was announced, and the TX arena must be whole at the end.
 */
#define S_CONNS		8
#define S_SLICE		4096
#define S_BYTES		200000

struct s_conn {
	uint64_t handle, cookie;
	uint64_t gen;		/* bytes the peer sent */
	uint64_t ann;		/* announced in RECV events */
	uint64_t rd;		/* credited by RECV_DONE */
	uint64_t taken;		/* echoed bytes the core took */
	uint64_t acked;
	uint64_t resume;	/* TX offset a short send stopped at */
	bool eof_sent, closed, dead_sent, short_send;
	uint64_t refused;
};

static uint8_t s_pat(int i, uint64_t pos)
{
	return (uint8_t)(pos * 31 + i * 7 + (pos >> 9));
}

static uint32_t s_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

static struct s_conn *s_find(struct s_conn *sc, uint64_t handle)
{
	int i;

	for (i = 0; i < S_CONNS; i++)
		if (sc[i].handle == handle)
			return &sc[i];
	fail_msg("unknown handle %llx", (unsigned long long)handle);
	return NULL;
}

static void s_core_cmds(struct fk *k, struct s_conn *sc, uint32_t *seed)
{
	struct ixdp_cmd c;
	struct s_conn *x;
	uint32_t budget = s_rand(seed) % 8;	/* a slow core, at times */
	uint64_t i, take;
	int ci;

	while (budget-- && fk_ev_space(k) > 4 && fk_take(k, &c)) {
		if (c.opcode == IXDP_OP_ACCEPT) {
			x = s_find(sc, c.handle);
			x->cookie = c.arg[0];
			continue;
		}
		if (c.opcode == IXDP_OP_NOP) {
			fk_complete(k, &c, 0);
			continue;
		}
		x = s_find(sc, c.handle);
		ci = (int)(x - sc);
		switch (c.opcode) {
		case IXDP_OP_RECV_DONE:
			assert_true(c.arg32 > 0);
			assert_true(c.arg32 <= x->ann - x->rd);
			x->rd += c.arg32;
			break;
		case IXDP_OP_SEND:
			assert_false(x->closed);
			assert_int_equal(c.flags, 0);
			/* The core's rule after a short send. */
			if (x->short_send && c.arg[0] != x->resume) {
				x->refused++;
				fk_complete(k, &c, -EAGAIN);
				break;
			}
			take = s_rand(seed) % 4 ? c.arg32 : s_rand(seed) %
			       (c.arg32 + 1);
			/* Short only with bytes in flight: SENT will follow. */
			if (!take && x->taken == x->acked)
				take = 1;
			for (i = 0; i < take; i++)
				assert_int_equal(k->tx[c.arg[0] + i],
						 s_pat(ci, x->taken + i));
			x->taken += take;
			x->short_send = take < c.arg32;
			x->resume = c.arg[0] + take;
			if (x->short_send)
				fk_complete(k, &c, (int)take);
			break;

		case IXDP_OP_CLOSE:
			assert_true(x->eof_sent);
			assert_int_equal(x->taken, x->gen);
			x->closed = true;
			break;
		default:
			fail_msg("unexpected opcode %u", c.opcode);
		}
	}
}

static void s_core_events(struct fk *k, struct s_conn *sc, uint32_t *seed)
{
	uint64_t len, off, i, n;
	struct s_conn *x;
	int ci;

	for (ci = 0; ci < S_CONNS; ci++) {
		x = &sc[ci];
		if (!x->cookie || x->dead_sent || fk_ev_space(k) < 4)
			continue;
		/* New bytes into the slice, split where it wraps. */
		len = s_rand(seed) % 3000;
		if (len > S_SLICE - (x->gen - x->rd))
			len = S_SLICE - (x->gen - x->rd);
		if (len > S_BYTES - x->gen)
			len = S_BYTES - x->gen;
		for (i = 0; i < len; i++)
			k->rx[ci * S_SLICE + (x->gen + i) % S_SLICE] =
				s_pat(ci, x->gen + i);
		x->gen += len;
		while (x->ann < x->gen) {
			off = x->ann % S_SLICE;
			n = x->gen - x->ann;
			if (n > S_SLICE - off)
				n = S_SLICE - off;
			fk_push(k, IXDP_EV_RECV, 0, x->cookie, x->handle,
				ci * S_SLICE + off, n, 0);
			x->ann += n;
		}
		if (x->gen == S_BYTES && !x->eof_sent) {
			fk_push(k, IXDP_EV_RECV, 0, x->cookie, x->handle,
				ci * S_SLICE + x->gen % S_SLICE, 0, 0);
			x->eof_sent = true;
		}
		/* The peer acknowledges part of what was taken. */
		if (x->taken > x->acked && s_rand(seed) % 2) {
			n = 1 + s_rand(seed) % (x->taken - x->acked);
			x->acked += n;
			fk_push(k, IXDP_EV_SENT, 0, x->cookie, x->handle, n,
				65536, 0);
		}
		if (x->closed && x->acked == x->taken) {
			fk_push(k, IXDP_EV_DEAD, 0, x->cookie, x->handle,
				0, 0, 0);
			x->dead_sent = true;
		}
	}
}

static void test_ixev_echo_stress(void **state)
{
	struct ixev_params p = { .chunk_size = 1024 };
	struct s_conn sc[S_CONNS] = { { 0 } };
	uint32_t seed = 12345, iter;
	uint64_t refused = 0;
	struct fk k;
	struct ixev_thread *t = ev_setup(&k, 16, WRAP_START, 16 * 1024, &p);
	int i, done = 0;

	/* fk_setup gave 64 KiB of RX: eight 4 KiB slices fit. */
	for (i = 0; i < S_CONNS; i++) {
		sc[i].handle = 0x100 + i;
		fk_push(&k, IXDP_EV_KNOCK, 0, 0, sc[i].handle, 0, 0, 0);
	}
	for (iter = 0; iter < 200000 && done < S_CONNS; iter++) {
		assert_true(ixev_wait(t, 0) >= 0);
		s_core_cmds(&k, sc, &seed);
		s_core_events(&k, sc, &seed);
		for (done = 0, i = 0; i < S_CONNS; i++)
			done += conns[i].released;
	}
	assert_int_equal(done, S_CONNS);
	for (i = 0; i < S_CONNS; i++) {
		assert_int_equal(sc[i].taken, S_BYTES);
		assert_int_equal(sc[i].rd, S_BYTES);
		assert_true(conns[i].eofs >= 1);
		refused += sc[i].refused;
	}
	/* Sends queued behind short ones were refused and sent again. */
	assert_true(refused > 0);
	assert_int_equal(ixev_thread_stats(t)->bad_events, 0);
	assert_int_equal(ixev_thread_stats(t)->cmd_errors, 0);
	assert_true(ixev_thread_stats(t)->short_sends > 0);
	assert_true(ixev_thread_stats(t)->overflowed > 0);
	/* Every chunk is back. */
	knock(&k, t, 0x999);
	assert_int_equal(ixev_send_space(&conns[0].ctx), 16 * 1024);
	ev_teardown(&k, t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_mem_checks),
		cmocka_unit_test(test_cmd_encoding),
		cmocka_unit_test(test_cmd_ring_full_wrap),
		cmocka_unit_test(test_submit_wakeup_dead),
		cmocka_unit_test(test_events_wrap),
		cmocka_unit_test(test_rx_bounds),
		cmocka_unit_test(test_ixev_echo),
		cmocka_unit_test(test_ixev_other_thread),
		cmocka_unit_test(test_ixev_folded),
		cmocka_unit_test(test_ixev_reject_and_errors),
		cmocka_unit_test(test_ixev_dispatch),
		cmocka_unit_test(test_ixev_cmd_overflow),
		cmocka_unit_test(test_ixev_tx_chunks),
		cmocka_unit_test(test_ixev_send_window),
		cmocka_unit_test(test_ixev_send_zc),
		cmocka_unit_test(test_ixev_connect),
		cmocka_unit_test(test_ixev_rx_queue_growth),
		cmocka_unit_test(test_ixev_echo_stress),
	};

	unit_filter();
	return cmocka_run_group_tests_name("libixdp", tests, NULL, NULL);
}
