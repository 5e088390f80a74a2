// SPDX-License-Identifier: GPL-2.0
/*
 * ixev connections that move with their flow group, against the fake
 * kernel (fake_ring.h): the old thread's ring gets IXDP_EV_MOVED, the new
 * one's IXDP_EV_ADOPT, in either order. The application must see the same
 * byte streams as if nothing had moved.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>
#include "unit.h"

#include <ixdp/ixdp.h>
#include <ixdp/ixev.h>
#include "fake_ring.h"

#define RX_MAX		4096
#define PEER		(0x0200000aULL | 40000ULL << 32 | 7ULL << 48)

struct mconn {
	struct ixev_ctx ctx;
	size_t quota;		/* bytes the handler may still read */
	uint8_t got[RX_MAX];
	size_t ngot;
	int ins, outs, hups, released, moved;
	int hup_status;
	int early;		/* handler calls before the moved callback */
	struct ixev_thread *from, *to;
	int zc_done, zc_status;
};

static struct mconn mc;
static int errors, last_err;
static unsigned int last_err_op;

#define to_mconn(c) ((struct mconn *)((char *)(c) - offsetof(struct mconn, ctx)))

/* Reads what its quota allows, into got[]. */
static void m_handler(struct ixev_ctx *ctx, unsigned int reason)
{
	struct mconn *c = to_mconn(ctx);
	ssize_t n;

	if (c->from && !c->moved)
		c->early++;
	if (reason & IXEVHUP) {
		c->hups++;
		c->hup_status = ctx->status;
		return;
	}
	if (reason & IXEVOUT)
		c->outs++;
	if (!(reason & IXEVIN))
		return;
	c->ins++;
	while (c->quota) {
		n = ixev_recv(ctx, c->got + c->ngot,
			      c->quota < RX_MAX - c->ngot ?
			      c->quota : RX_MAX - c->ngot);
		if (n <= 0)
			return;
		c->ngot += n;
		c->quota -= n;
	}
}

static struct ixev_ctx *m_accept(struct ixev_thread *t,
				 const struct ixev_peer *peer)
{
	memset(&mc, 0, sizeof(mc));
	ixev_ctx_init(&mc.ctx);
	ixev_set_handler(&mc.ctx, IXEVIN | IXEVOUT, m_handler);
	return &mc.ctx;
}

static void m_release(struct ixev_ctx *ctx)
{
	to_mconn(ctx)->released++;
}

static void m_error(struct ixev_thread *t, struct ixev_ctx *ctx,
		    unsigned int op, int status)
{
	errors++;
	last_err_op = op;
	last_err = status;
}

static void m_moved(struct ixev_ctx *ctx, struct ixev_thread *from,
		    struct ixev_thread *to)
{
	struct mconn *c = to_mconn(ctx);

	c->moved++;
	c->from = from;
	c->to = to;
	assert_ptr_equal(ctx->t, to);
}

static void m_zc(struct ixev_ctx *ctx, void *arg, int status)
{
	struct mconn *c = to_mconn(ctx);

	c->zc_done++;
	c->zc_status = status;
	/* A moving connection is nobody's: calls are refused. */
	assert_int_equal(ixev_send(ctx, "x", 1), -EXDEV);
}

static const struct ixev_conn_ops m_ops = {
	.accept = m_accept,
	.release = m_release,
	.error = m_error,
};

struct pair {
	struct fk k1, k2;
	struct ixev_thread *t1, *t2;
	uint64_t ck, h;		/* the connection on t1 */
};

static void pair_setup(struct pair *p, const struct ixev_params *prm)
{
	memset(&mc, 0, sizeof(mc));
	errors = 0;
	last_err = 0;
	last_err_op = 0;
	fk_setup(&p->k1, 64, 64, WRAP_START, 64 * 1024, 64 * 1024);
	fk_setup(&p->k2, 64, 64, 0, 64 * 1024, 64 * 1024);
	assert_int_equal(ixev_thread_attach(&p->t1, &p->k1.ring, prm, &m_ops,
					    NULL), 0);
	assert_int_equal(ixev_thread_attach(&p->t2, &p->k2.ring, prm, &m_ops,
					    NULL), 0);
	assert_int_equal(ixev_set_moved(p->t1, m_moved), 0);
	assert_int_equal(ixev_set_moved(p->t2, m_moved), 0);
}

static void pair_teardown(struct pair *p)
{
	assert_int_equal(ixev_thread_stats(p->t1)->bad_events, 0);
	assert_int_equal(ixev_thread_stats(p->t2)->bad_events, 0);
	ixev_thread_destroy(p->t1);
	ixev_thread_destroy(p->t2);
	fk_free(&p->k1);
	fk_free(&p->k2);
}

static void loop(struct ixev_thread *t, int n)
{
	assert_int_equal(ixev_wait(t, 0), n);
}

/* A knock on t1, accepted. */
static void open_conn(struct pair *p, uint64_t handle)
{
	struct ixdp_cmd c;

	fk_push(&p->k1, IXDP_EV_KNOCK, 0, 0, handle, 0x0200000a, 40000, 7);
	loop(p->t1, 1);
	loop(p->t1, 0);
	c = fk_expect(&p->k1, IXDP_OP_ACCEPT);
	p->ck = c.arg[0];
	p->h = handle;
}

static void recv_ev(struct fk *k, uint64_t cookie, uint64_t handle,
		    uint32_t off, uint32_t len, uint32_t pos)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		k->rx[off + i] = (uint8_t)(pos + i);
	fk_push(k, IXDP_EV_RECV, 0, cookie, handle, off, len, 0);
}

static uint64_t positions(uint32_t rx, uint32_t tx)
{
	return (uint64_t)tx << 32 | rx;
}

static void moved_ev(struct pair *p, uint64_t token, uint32_t rx, uint32_t tx,
		     uint64_t flags)
{
	fk_push(&p->k1, IXDP_EV_MOVED, 0, p->ck, p->h, token,
		positions(rx, tx), flags);
}

static void adopt_ev(struct fk *k, uint64_t handle, uint64_t token,
		     uint32_t rx, uint32_t tx)
{
	fk_push(k, IXDP_EV_ADOPT, 0, 0, handle, token, positions(rx, tx),
		PEER);
}

/* The receive stream is byte i == (uint8_t)i. */
static void check_stream(const uint8_t *b, size_t n, uint32_t first)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(b[i], (uint8_t)(first + i));
}

/* The sender's stream: byte i == (uint8_t)(i * 7 + 3). */
static uint8_t tx_byte(uint64_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static void fill_tx(uint8_t *b, size_t n, uint64_t first)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = tx_byte(first + i);
}

/* Every SEND of @k until another command: appended to @out. */
static size_t take_sends(struct fk *k, uint8_t *out, size_t n,
			 struct ixdp_cmd *next)
{
	struct ixdp_cmd c;

	next->opcode = 0;
	while (fk_take(k, &c)) {
		if (c.opcode != IXDP_OP_SEND) {
			*next = c;
			break;
		}
		assert_true(c.arg[0] + c.arg32 <= k->a.tx_arena);
		memcpy(out + n, k->tx + c.arg[0], c.arg32);
		n += c.arg32;
	}
	return n;
}

/*
 * MOVED, then ADOPT: bytes the application had not read are read first on
 * the new thread, byte for byte, without credit (the core forgot them);
 * then new bytes there, credited. The callback comes before any handler.
 */
static void test_move_then_adopt(void **state)
{
	struct pair p;
	struct ixdp_cmd c;
	const struct ixev_stats *s1, *s2;
	uint64_t ck2;
	int i;

	pair_setup(&p, NULL);
	s1 = ixev_thread_stats(p.t1);
	s2 = ixev_thread_stats(p.t2);
	open_conn(&p, 0x100);
	/* The credit for the 30 bytes read is unsent when the move comes. */
	mc.quota = 30;
	recv_ev(&p.k1, p.ck, p.h, 0, 100, 0);
	recv_ev(&p.k1, p.ck, p.h, 4096, 50, 100);
	moved_ev(&p, 77, 150, 0, 0);
	loop(p.t1, 3);
	assert_int_equal(mc.ngot, 30);
	check_stream(mc.got, 30, 0);
	assert_int_equal(s1->moved_out, 1);
	assert_int_equal(mc.released, 0);
	assert_int_equal(mc.hups, 0);
	/* Nobody's while it moves; the old thread sends nothing for it. */
	assert_int_equal(ixev_send(&mc.ctx, "x", 1), -EXDEV);
	assert_int_equal(ixev_send_space(&mc.ctx), 0);
	loop(p.t1, 0);
	fk_expect_none(&p.k1);
	/* The old ring may reuse the RX arena: the carried copy must not. */
	memset(p.k1.rx, 0xee, 8192);

	mc.quota = 1000;
	adopt_ev(&p.k2, 0x200, 77, 150, 0);
	loop(p.t2, 1);
	assert_int_equal(mc.moved, 1);
	assert_ptr_equal(mc.from, p.t1);
	assert_ptr_equal(mc.to, p.t2);
	assert_int_equal(mc.early, 0);
	assert_ptr_equal(mc.ctx.t, p.t2);
	assert_int_equal(mc.ngot, 150);
	check_stream(mc.got, 150, 0);
	assert_int_equal(s2->moved_in, 1);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_ACCEPT);
	assert_int_equal(c.handle, 0x200);
	ck2 = c.arg[0];
	assert_int_not_equal(ck2, 0);
	fk_expect_none(&p.k2);	/* no credit for carried bytes */

	/* The stream goes on there; only new bytes are credited. */
	recv_ev(&p.k2, ck2, 0x200, 0, 10, 150);
	loop(p.t2, 1);
	assert_int_equal(mc.ngot, 160);
	check_stream(mc.got, 160, 0);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_RECV_DONE);
	assert_int_equal(c.handle, 0x200);
	assert_int_equal(c.arg32, 10);
	fk_expect_none(&p.k2);
	/* The old thread: nothing; calls from its side are refused there. */
	for (i = 0; i < 2; i++)
		loop(p.t1, 0);
	fk_expect_none(&p.k1);

	fk_push(&p.k2, IXDP_EV_DEAD, 0, ck2, 0x200, 0, 0, 0);
	loop(p.t2, 1);
	assert_int_equal(mc.released, 1);
	assert_int_equal(errors, 0);
	pair_teardown(&p);
}

/*
 * The old thread is destroyed while its connection is in transit: the
 * adoption still works and the callback's @from is NULL, not the freed
 * thread.
 */
static void test_from_destroyed(void **state)
{
	struct pair p;

	pair_setup(&p, NULL);
	open_conn(&p, 0x100);
	moved_ev(&p, 78, 0, 0, 0);
	loop(p.t1, 1);
	ixev_thread_destroy(p.t1);
	p.t1 = NULL;
	adopt_ev(&p.k2, 0x200, 78, 0, 0);
	loop(p.t2, 1);
	assert_int_equal(mc.moved, 1);
	assert_null(mc.from);
	assert_ptr_equal(mc.to, p.t2);
	assert_ptr_equal(mc.ctx.t, p.t2);
	loop(p.t2, 0);
	fk_expect(&p.k2, IXDP_OP_ACCEPT);
	assert_int_equal(ixev_thread_stats(p.t2)->bad_events, 0);
	ixev_thread_destroy(p.t2);
	fk_free(&p.k1);
	fk_free(&p.k2);
}

/*
 * ADOPT before MOVED (different rings, no order): the new thread waits
 * without blocking in ixev_wait() for long, and adopts once the old one
 * has let go.
 */
static void test_adopt_then_move(void **state)
{
	struct pair p;
	struct timespec a, b;
	struct ixdp_cmd c;
	long ms;

	pair_setup(&p, NULL);
	open_conn(&p, 0x101);
	recv_ev(&p.k1, p.ck, p.h, 0, 40, 0);
	loop(p.t1, 1);
	assert_int_equal(mc.ngot, 0);

	adopt_ev(&p.k2, 0x201, 78, 40, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	fk_expect_none(&p.k2);	/* not yet */
	assert_int_equal(mc.moved, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ixev_wait(p.t2, 1000), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms < 200);

	moved_ev(&p, 78, 40, 0, 0);
	loop(p.t1, 1);
	mc.quota = 100;
	loop(p.t2, 0);
	assert_int_equal(mc.moved, 1);
	assert_int_equal(mc.early, 0);
	assert_int_equal(mc.ngot, 40);
	check_stream(mc.got, 40, 0);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_ACCEPT);
	assert_int_equal(c.handle, 0x201);
	fk_expect_none(&p.k2);
	assert_int_equal(ixev_thread_stats(p.t2)->moved_in, 1);
	assert_int_equal(ixev_thread_stats(p.t2)->adopt_timeouts, 0);
	pair_teardown(&p);
}

/*
 * Sends: a copied range and a zero-copy one, the first taken in part (a
 * short send) when the move comes. Taken bytes are done; the rest is sent
 * from the right byte on the new core, before what the application sends
 * there; the zero-copy callback runs at the move. @tx: the core's tx
 * position (in the copied range, or in the zero-copy one).
 */
static void moved_sends(uint32_t tx)
{
	struct ixev_params prm = { .tx_reserve = 4096 };
	struct pair p;
	struct ixdp_cmd c, s1, s2, next;
	uint8_t buf[300], out[300];
	uint8_t *user;
	size_t n;
	uint64_t ck2;
	int stale = 0;

	pair_setup(&p, &prm);
	open_conn(&p, 0x102);
	fill_tx(buf, 100, 0);
	assert_int_equal(ixev_send(&mc.ctx, buf, 100), 100);
	user = ixev_tx_reserved(p.t1, NULL);
	fill_tx(user + 200, 50, 100);
	assert_int_equal(ixev_send_zc(&mc.ctx, 200, 50, m_zc, NULL), 0);
	loop(p.t1, 0);
	s1 = fk_expect(&p.k1, IXDP_OP_SEND);
	assert_int_equal(s1.arg32, 100);
	s2 = fk_expect(&p.k1, IXDP_OP_SEND);
	assert_int_equal(s2.arg32, 50);
	fk_expect_none(&p.k1);
	if (tx < 100) {
		/* Short, and the one behind it refused. */
		fk_complete(&p.k1, &s1, tx);
		fk_complete(&p.k1, &s2, -EAGAIN);
		loop(p.t1, 2);
	} else if (tx < 150) {
		fk_complete(&p.k1, &s2, tx - 100);
		loop(p.t1, 1);
	}
	/* 20 acknowledged. */
	fk_push(&p.k1, IXDP_EV_SENT, 0, p.ck, p.h, 20, 0, 0);
	loop(p.t1, 1);
	assert_int_equal(mc.zc_done, 0);

	moved_ev(&p, 79, 0, tx, 0);
	loop(p.t1, 1);
	assert_int_equal(mc.zc_done, 1);
	assert_int_equal(mc.zc_status, 0);
	/* Commands the core had still queued fail quietly. */
	while (fk_take(&p.k1, &c)) {
		fk_complete(&p.k1, &c, -EBADF);
		stale++;
	}
	assert_true(stale > 0);		/* sent again after the SENT */
	loop(p.t1, stale);
	assert_int_equal(errors, 0);
	assert_int_equal(ixev_thread_stats(p.t1)->cmd_errors, 0);
	/* The copy area of the old thread is free again: */
	memset(p.k1.tx, 0xee, 64 * 1024);

	adopt_ev(&p.k2, 0x202, 79, 0, tx);
	loop(p.t2, 1);
	fill_tx(buf, 7, 150);
	assert_int_equal(ixev_send(&mc.ctx, buf, 7), 7);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_ACCEPT);
	ck2 = c.arg[0];
	n = take_sends(&p.k2, out, 0, &next);
	assert_int_equal(next.opcode, 0);
	assert_int_equal(n, 157 - tx);
	fill_tx(buf, 157 - tx, tx);
	assert_memory_equal(out, buf, n);

	/* Acks there count bytes sent there only. */
	fk_push(&p.k2, IXDP_EV_SENT, 0, ck2, 0x202, n, 1000, 0);
	loop(p.t2, 1);
	assert_int_equal(ixev_thread_stats(p.t2)->bad_events, 0);
	assert_int_equal(mc.moved, 1);
	pair_teardown(&p);
}

static void test_moved_sends_copy(void **state)
{
	moved_sends(60);
}

static void test_moved_sends_zc(void **state)
{
	moved_sends(120);
}

/* A close the core took (FIN) is not asked again; one it did not, is. */
static void test_close_fin(void **state)
{
	struct pair p;

	pair_setup(&p, NULL);
	open_conn(&p, 0x103);
	assert_int_equal(ixev_close(&mc.ctx), 0);
	loop(p.t1, 0);
	fk_expect(&p.k1, IXDP_OP_CLOSE);
	moved_ev(&p, 80, 0, 0, IXDP_MOVED_FIN);
	loop(p.t1, 1);
	adopt_ev(&p.k2, 0x203, 80, 0, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	fk_expect(&p.k2, IXDP_OP_ACCEPT);
	fk_expect_none(&p.k2);
	assert_int_equal(ixev_send(&mc.ctx, "x", 1), -EPIPE);
	pair_teardown(&p);
}

static void test_close_no_fin(void **state)
{
	struct pair p;
	struct ixdp_cmd c;
	uint8_t buf[30], out[30];
	size_t n;

	pair_setup(&p, NULL);
	open_conn(&p, 0x104);
	fill_tx(buf, 30, 0);
	assert_int_equal(ixev_send(&mc.ctx, buf, 30), 30);
	assert_int_equal(ixev_close(&mc.ctx), 0);
	loop(p.t1, 0);
	fk_expect(&p.k1, IXDP_OP_SEND);
	fk_expect(&p.k1, IXDP_OP_NOP);	/* the close's fence */
	fk_expect_none(&p.k1);
	/* The core took 10 bytes and never the close. */
	moved_ev(&p, 81, 0, 10, 0);
	loop(p.t1, 1);
	adopt_ev(&p.k2, 0x204, 81, 0, 10);
	loop(p.t2, 1);
	loop(p.t2, 0);
	fk_expect(&p.k2, IXDP_OP_ACCEPT);
	n = take_sends(&p.k2, out, 0, &c);
	assert_int_equal(n, 20);
	assert_memory_equal(out, buf + 10, 20);
	assert_int_equal(c.opcode, IXDP_OP_NOP);
	fk_expect_none(&p.k2);
	fk_complete(&p.k2, &c, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_CLOSE);
	assert_int_equal(c.handle, 0x204);
	fk_expect_none(&p.k2);

	/* A CLOSE queued on the old core but not taken: asked again. */
	open_conn(&p, 0x10a);
	assert_int_equal(ixev_close(&mc.ctx), 0);
	loop(p.t1, 0);
	fk_expect(&p.k1, IXDP_OP_CLOSE);
	moved_ev(&p, 87, 0, 0, 0);
	loop(p.t1, 1);
	adopt_ev(&p.k2, 0x20a, 87, 0, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	fk_expect(&p.k2, IXDP_OP_ACCEPT);
	c = fk_expect(&p.k2, IXDP_OP_CLOSE);
	assert_int_equal(c.handle, 0x20a);
	fk_expect_none(&p.k2);
	pair_teardown(&p);
}

/* A move undone: the connection comes back to its own thread. */
static void test_move_undone(void **state)
{
	struct pair p;
	struct ixdp_cmd c;

	pair_setup(&p, NULL);
	open_conn(&p, 0x105);
	recv_ev(&p.k1, p.ck, p.h, 0, 20, 0);
	loop(p.t1, 1);
	moved_ev(&p, 82, 20, 0, 0);
	adopt_ev(&p.k1, 0x205, 82, 20, 0);
	mc.quota = 100;
	loop(p.t1, 2);
	assert_int_equal(mc.moved, 1);
	assert_ptr_equal(mc.from, p.t1);
	assert_ptr_equal(mc.to, p.t1);
	assert_int_equal(mc.ngot, 20);
	check_stream(mc.got, 20, 0);
	loop(p.t1, 0);
	c = fk_expect(&p.k1, IXDP_OP_ACCEPT);
	assert_int_equal(c.handle, 0x205);
	fk_expect_none(&p.k1);
	assert_int_equal(ixev_thread_stats(p.t1)->moved_out, 1);
	assert_int_equal(ixev_thread_stats(p.t1)->moved_in, 1);
	recv_ev(&p.k1, c.arg[0], 0x205, 100, 5, 20);
	loop(p.t1, 1);
	assert_int_equal(mc.ngot, 25);
	check_stream(mc.got, 25, 0);
	pair_teardown(&p);
}

/*
 * An adoption whose connection never comes is reset after the bound; the
 * connection, when it does leave its old thread, is released there.
 */
static void test_adopt_timeout(void **state)
{
	struct timespec d = { 0, 30 * 1000000L };
	unsigned int saved = ixev_adopt_timeout_ms;
	struct pair p;
	struct ixdp_cmd c;

	ixev_adopt_timeout_ms = 20;
	pair_setup(&p, NULL);
	open_conn(&p, 0x106);
	adopt_ev(&p.k2, 0x206, 83, 0, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	fk_expect_none(&p.k2);
	nanosleep(&d, NULL);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_REJECT);
	assert_int_equal(c.handle, 0x206);
	assert_int_equal(ixev_thread_stats(p.t2)->adopt_timeouts, 1);
	assert_int_equal(errors, 1);
	assert_int_equal(last_err_op, IXDP_OP_ACCEPT);
	assert_int_equal(last_err, -ETIMEDOUT);

	moved_ev(&p, 83, 0, 0, 0);
	loop(p.t1, 1);
	assert_int_equal(mc.hups, 1);
	assert_int_equal(mc.hup_status, -ETIMEDOUT);
	assert_int_equal(mc.released, 1);
	assert_int_equal(mc.moved, 0);
	ixev_adopt_timeout_ms = saved;
	pair_teardown(&p);
}

/* DEAD (no cookie) before the ACCEPT: waiting, or with ACCEPT queued. */
static void test_dead_before_accept(void **state)
{
	struct pair p;
	struct ixdp_cmd c;

	pair_setup(&p, NULL);
	open_conn(&p, 0x107);
	adopt_ev(&p.k2, 0x207, 84, 0, 0);
	fk_push(&p.k2, IXDP_EV_DEAD, -ECONNRESET, 0, 0x207, 0, 0, 0);
	loop(p.t2, 2);
	moved_ev(&p, 84, 0, 0, 0);
	loop(p.t1, 1);
	loop(p.t2, 0);
	fk_expect_none(&p.k2);	/* no ACCEPT, no REJECT */
	assert_int_equal(mc.moved, 1);
	assert_int_equal(mc.hups, 1);
	assert_int_equal(mc.hup_status, -ECONNRESET);
	assert_int_equal(mc.released, 1);
	assert_int_equal(errors, 0);

	/* Adopted, ACCEPT queued; then DEAD, and the ACCEPT fails. */
	open_conn(&p, 0x108);
	moved_ev(&p, 85, 0, 0, 0);
	loop(p.t1, 1);
	adopt_ev(&p.k2, 0x208, 85, 0, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_ACCEPT);
	fk_push(&p.k2, IXDP_EV_DEAD, -ECONNRESET, 0, 0x208, 0, 0, 0);
	fk_complete(&p.k2, &c, -EBADF);
	loop(p.t2, 2);
	loop(p.t2, 0);
	fk_expect_none(&p.k2);
	assert_int_equal(mc.hups, 1);
	assert_int_equal(mc.hup_status, -ECONNRESET);
	assert_int_equal(mc.released, 1);
	assert_int_equal(errors, 0);

	/*
	 * A close that completes while it moves: the ACCEPT fails first,
	 * then DEAD says it ended gracefully (0). No error, no reset.
	 */
	open_conn(&p, 0x109);
	assert_int_equal(ixev_close(&mc.ctx), 0);
	loop(p.t1, 0);
	fk_expect(&p.k1, IXDP_OP_CLOSE);
	moved_ev(&p, 86, 0, 0, IXDP_MOVED_FIN);
	loop(p.t1, 1);
	adopt_ev(&p.k2, 0x209, 86, 0, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_ACCEPT);
	fk_complete(&p.k2, &c, -EBADF);
	loop(p.t2, 1);
	assert_int_equal(mc.hups, 0);
	fk_push(&p.k2, IXDP_EV_DEAD, 0, 0, 0x209, 0, 0, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	fk_expect_none(&p.k2);
	assert_int_equal(mc.hups, 1);
	assert_int_equal(mc.hup_status, 0);
	assert_int_equal(mc.released, 1);
	assert_int_equal(errors, 0);
	pair_teardown(&p);
}

/* Positions that do not add up: counted, and the connection is reset. */
static void test_position_mismatch(void **state)
{
	struct pair p;
	struct ixdp_cmd c;

	pair_setup(&p, NULL);
	open_conn(&p, 0x109);
	recv_ev(&p.k1, p.ck, p.h, 0, 20, 0);
	loop(p.t1, 1);
	moved_ev(&p, 86, 25, 0, 0);	/* 25 received? ixev saw 20 */
	loop(p.t1, 1);
	assert_int_equal(ixev_thread_stats(p.t1)->bad_events, 1);
	adopt_ev(&p.k2, 0x209, 86, 25, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_REJECT);
	assert_int_equal(c.handle, 0x209);
	assert_int_equal(mc.hups, 1);
	assert_int_equal(mc.hup_status, -EPROTO);
	assert_int_equal(mc.released, 1);
	/* pair_teardown() would object to the counted event. */
	ixev_thread_destroy(p.t1);
	ixev_thread_destroy(p.t2);
	fk_free(&p.k1);
	fk_free(&p.k2);
}

/*
 * The core refuses (-EBADF) commands of a connection it has moved before
 * the MOVED event reaches the ring: not an error, and the bytes go on the
 * new core all the same.
 */
static void test_refused_before_moved(void **state)
{
	struct pair p;
	struct ixdp_cmd c, next;
	uint8_t buf[80], out[80];
	size_t n;

	pair_setup(&p, NULL);
	open_conn(&p, 0x10b);
	fill_tx(buf, 80, 0);
	assert_int_equal(ixev_send(&mc.ctx, buf, 50), 50);
	loop(p.t1, 0);
	c = fk_expect(&p.k1, IXDP_OP_SEND);
	fk_complete(&p.k1, &c, -EBADF);
	loop(p.t1, 1);
	assert_int_equal(errors, 0);
	/* Still open, still sending. */
	assert_int_equal(ixev_send(&mc.ctx, buf + 50, 30), 30);
	moved_ev(&p, 88, 0, 0, 0);
	loop(p.t1, 1);
	while (fk_take(&p.k1, &c))
		;
	adopt_ev(&p.k2, 0x20b, 88, 0, 0);
	loop(p.t2, 1);
	loop(p.t2, 0);
	fk_expect(&p.k2, IXDP_OP_ACCEPT);
	n = take_sends(&p.k2, out, 0, &next);
	assert_int_equal(next.opcode, 0);
	assert_int_equal(n, 80);
	assert_memory_equal(out, buf, 80);
	assert_int_equal(errors, 0);
	assert_int_equal(ixev_thread_stats(p.t1)->cmd_errors, 0);
	pair_teardown(&p);
}

/*
 * More carried bytes than the new thread can queue at once (small chunks,
 * IXEV_SEGS ranges): the rest goes as the peer acknowledges, and what the
 * application sends there waits behind it (-EAGAIN, then IXEVOUT).
 */
static void test_carry_waits_for_room(void **state)
{
	struct ixev_params prm = { .tx_reserve = 4096, .chunk_size = 64 };
	struct pair p;
	struct ixdp_cmd c, next;
	uint8_t buf[2100], out[2100];
	uint8_t *user;
	size_t n;
	uint64_t ck2;
	int outs;

	pair_setup(&p, &prm);
	open_conn(&p, 0x10c);
	user = ixev_tx_reserved(p.t1, NULL);
	fill_tx(user, 2000, 0);
	assert_int_equal(ixev_send_zc(&mc.ctx, 0, 2000, m_zc, NULL), 0);
	moved_ev(&p, 89, 0, 0, 0);
	loop(p.t1, 1);
	assert_int_equal(mc.zc_done, 1);
	while (fk_take(&p.k1, &c))
		;
	adopt_ev(&p.k2, 0x20c, 89, 0, 0);
	loop(p.t2, 1);
	/* Room for IXEV_SEGS chunks of 64 bytes only. */
	assert_int_equal(ixev_send(&mc.ctx, "z", 1), -EAGAIN);
	assert_int_equal(ixev_send_space(&mc.ctx), 0);
	loop(p.t2, 0);
	c = fk_expect(&p.k2, IXDP_OP_ACCEPT);
	ck2 = c.arg[0];
	n = take_sends(&p.k2, out, 0, &next);
	assert_int_equal(n, IXEV_SEGS * 64);
	outs = mc.outs;
	fk_push(&p.k2, IXDP_EV_SENT, 0, ck2, 0x20c, n, 100000, 0);
	loop(p.t2, 1);
	assert_true(mc.outs > outs);
	loop(p.t2, 0);
	n = take_sends(&p.k2, out, n, &next);
	assert_int_equal(n, 2000);
	fill_tx(buf, 2000, 0);
	assert_memory_equal(out, buf, 2000);
	/* Now the application's bytes, after the carried ones. */
	fk_push(&p.k2, IXDP_EV_SENT, 0, ck2, 0x20c, 2000 - IXEV_SEGS * 64,
		100000, 0);
	loop(p.t2, 1);
	fill_tx(buf, 5, 2000);
	assert_int_equal(ixev_send(&mc.ctx, buf, 5), 5);
	loop(p.t2, 0);
	n = take_sends(&p.k2, out, n, &next);
	assert_int_equal(n, 2005);
	fill_tx(buf, 2005, 0);
	assert_memory_equal(out, buf, 2005);
	pair_teardown(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_then_adopt),
		cmocka_unit_test(test_from_destroyed),
		cmocka_unit_test(test_adopt_then_move),
		cmocka_unit_test(test_moved_sends_copy),
		cmocka_unit_test(test_moved_sends_zc),
		cmocka_unit_test(test_close_fin),
		cmocka_unit_test(test_close_no_fin),
		cmocka_unit_test(test_move_undone),
		cmocka_unit_test(test_adopt_timeout),
		cmocka_unit_test(test_dead_before_accept),
		cmocka_unit_test(test_position_mismatch),
		cmocka_unit_test(test_refused_before_moved),
		cmocka_unit_test(test_carry_waits_for_room),
	};

	unit_filter();
	return cmocka_run_group_tests_name("ixev_move", tests, NULL, NULL);
}
