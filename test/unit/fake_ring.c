// SPDX-License-Identifier: GPL-2.0
/*
 * The fake ixdp kernel of the libixdp and ixev unit tests (fake_ring.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_ring.h"

void *zalloc(size_t n)
{
	void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);

	assert_non_null(p);
	memset(p, 0, n);
	return p;
}

unsigned int fk_cpu = 3;
uint32_t fk_ctx_id = 1;

/* Offsets deliberately unlike the module's, so only a->off can find them. */
void fk_setup(struct fk *k, uint32_t ncmd, uint32_t nev, uint32_t start,
	      uint32_t rx, uint32_t tx)
{
	struct ixdp_ring_offsets *o = &k->a.off;
	struct ixdp_ring_mem m;

	memset(k, 0, sizeof(*k));
	k->a.cpu = fk_cpu;
	k->a.ctx_id = fk_ctx_id ? fk_ctx_id++ : 0;
	k->a.cmd_entries = ncmd;
	k->a.ev_entries = nev;
	k->a.rx_arena = rx;
	k->a.tx_arena = tx;
	k->a.max_conns = 16;
	k->a.rx_chunk = rx / 16;
	o->cmd_tail = 8;
	o->ev_head = 68;
	o->cmds = 128;
	o->cmd_head = 4;
	o->ev_tail = 72;
	o->flags = 132;
	o->dropped = 200;
	o->events = 256;
	k->a.sq_size = 128 + ncmd * sizeof(struct ixdp_cmd);
	k->a.cq_size = 256 + nev * sizeof(struct ixdp_event);
	k->sq = zalloc(k->a.sq_size);
	k->cq = zalloc(k->a.cq_size);
	k->rx = zalloc(rx);
	k->tx = zalloc(tx);
	k->cmd_tail = (uint32_t *)(k->sq + o->cmd_tail);
	k->ev_head = (uint32_t *)(k->sq + o->ev_head);
	k->cmds = (struct ixdp_cmd *)(k->sq + o->cmds);
	k->cmd_head = (uint32_t *)(k->cq + o->cmd_head);
	k->ev_tail = (uint32_t *)(k->cq + o->ev_tail);
	k->flags = (uint32_t *)(k->cq + o->flags);
	k->dropped = (uint64_t *)(k->cq + o->dropped);
	k->events = (struct ixdp_event *)(k->cq + o->events);
	*k->cmd_tail = *k->cmd_head = start;
	*k->ev_head = *k->ev_tail = start + 7;
	m = (struct ixdp_ring_mem){ .sq = k->sq, .cq = k->cq, .rx = k->rx,
				    .tx = k->tx, .a = &k->a };
	assert_int_equal(ixdp_ring_init_mem(&k->ring, &m), 0);
}

void fk_free(struct fk *k)
{
	free(k->sq);
	free(k->cq);
	free(k->rx);
	free(k->tx);
}

/* Reserved words and the arguments an opcode does not use are zero. */
static void check_clean(const struct ixdp_cmd *c)
{
	bool handle = false, arg32 = false;
	unsigned int nargs = 0, i;

	assert_int_equal(c->resv0, 0);
	assert_int_equal(c->resv[0], 0);
	assert_int_equal(c->flags & ~IXDP_CMDF_ALL, 0);
	switch (c->opcode) {
	case IXDP_OP_NOP:
		break;
	case IXDP_OP_LISTEN:
		arg32 = true;
		nargs = 1;	/* arg[0]: the backlog */
		break;
	case IXDP_OP_UNLISTEN:
		arg32 = true;
		break;
	case IXDP_OP_ACCEPT:
		handle = true;
		nargs = 1;
		break;
	case IXDP_OP_HANDOFF:
		handle = true;
		nargs = 1;
		break;
	case IXDP_OP_REJECT:
	case IXDP_OP_CLOSE:
	case IXDP_OP_ABORT:
		handle = true;
		break;
	case IXDP_OP_CONNECT:
		arg32 = true;
		nargs = 2;
		break;
	case IXDP_OP_SEND:
	case IXDP_OP_SENDV:
		handle = arg32 = true;
		nargs = 2;	/* arg[1]: credit (IXDP_FEAT_SEND_DONE) */
		break;
	case IXDP_OP_RECV_DONE:
		handle = arg32 = true;
		break;
	default:
		fail_msg("bad opcode %u", c->opcode);
	}
	if (!handle)
		assert_int_equal(c->handle, 0);
	if (!arg32)
		assert_int_equal(c->arg32, 0);
	for (i = nargs; i < 4; i++)
		assert_int_equal(c->arg[i], 0);
}

/* The core's side of the command ring. */
bool fk_take(struct fk *k, struct ixdp_cmd *c)
{
	uint32_t head = *k->cmd_head;

	if (head == __atomic_load_n(k->cmd_tail, __ATOMIC_ACQUIRE))
		return false;
	*c = k->cmds[head & (k->a.cmd_entries - 1)];
	__atomic_store_n(k->cmd_head, head + 1, __ATOMIC_RELEASE);
	check_clean(c);
	return true;
}

struct ixdp_cmd fk_expect(struct fk *k, unsigned int op)
{
	struct ixdp_cmd c;

	assert_true(fk_take(k, &c));
	assert_int_equal(c.opcode, op);
	return c;
}

void fk_expect_none(struct fk *k)
{
	struct ixdp_cmd c;

	if (fk_take(k, &c))
		fail_msg("unexpected command opcode %u", c.opcode);
}

uint32_t fk_ev_space(struct fk *k)
{
	return k->a.ev_entries - (*k->ev_tail -
		__atomic_load_n(k->ev_head, __ATOMIC_ACQUIRE));
}

void fk_push(struct fk *k, unsigned int type, int status, uint64_t cookie,
	     uint64_t handle, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint32_t tail = *k->ev_tail;
	struct ixdp_event *ev = &k->events[tail & (k->a.ev_entries - 1)];

	assert_true(fk_ev_space(k) > 0);
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->status = status;
	ev->cookie = cookie;
	ev->handle = handle;
	ev->arg[0] = a0;
	ev->arg[1] = a1;
	ev->arg[2] = a2;
	__atomic_store_n(k->ev_tail, tail + 1, __ATOMIC_RELEASE);
}

void fk_complete(struct fk *k, const struct ixdp_cmd *c, int status)
{
	fk_push(k, IXDP_EV_COMPLETION, status, 0, c->handle, c->user_data,
		c->opcode, 0);
}
