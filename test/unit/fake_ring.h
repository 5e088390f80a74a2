/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake ixdp kernel for libixdp and ixev unit tests: the test owns the
 * SQ, CQ and arena memory, lays it out with offsets of its own, consumes
 * commands (checking their encoding down to the reserved words) and
 * produces events, with ring indices that may start near 2^32 so that
 * they wrap. Include after <cmocka.h>.
 */
#ifndef IXDP_FAKE_RING_H
#define IXDP_FAKE_RING_H

#include <stdbool.h>
#include <stdint.h>

#include <ixdp/ixdp.h>
#include "../../lib/ixdp_int.h"

#define WRAP_START	0xfffffff0U

struct fk {
	struct ixdp_attach a;
	uint8_t *sq, *cq, *rx, *tx;
	uint32_t *cmd_tail, *ev_head, *cmd_head, *ev_tail, *flags;
	uint64_t *dropped;
	struct ixdp_cmd *cmds;
	struct ixdp_event *events;
	struct ixdp_ring ring;
};

/* The CPU and ctx_id fk_setup() gives the next fake context. */
extern unsigned int fk_cpu;
extern uint32_t fk_ctx_id;

void *zalloc(size_t n);
void fk_setup(struct fk *k, uint32_t ncmd, uint32_t nev, uint32_t start,
	      uint32_t rx, uint32_t tx);
void fk_free(struct fk *k);
/* The core's side of the command ring: the next command, if any. */
bool fk_take(struct fk *k, struct ixdp_cmd *c);
struct ixdp_cmd fk_expect(struct fk *k, unsigned int op);
void fk_expect_none(struct fk *k);
uint32_t fk_ev_space(struct fk *k);
void fk_push(struct fk *k, unsigned int type, int status, uint64_t cookie,
	     uint64_t handle, uint64_t a0, uint64_t a1, uint64_t a2);
/* The completion of @c with @status. */
void fk_complete(struct fk *k, const struct ixdp_cmd *c, int status);

#endif /* IXDP_FAKE_RING_H */
