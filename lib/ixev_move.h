/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ixev internals: a connection on its way from one ixev thread to another
 * (IXDP_EV_MOVED, IXDP_EV_ADOPT), and the process-wide registry where the
 * old thread leaves it under the kernel's token for the new one to take.
 */
#ifndef _IXEV_MOVE_H
#define _IXEV_MOVE_H

#include <stdbool.h>
#include <stdint.h>

struct ixev_ctx;
struct ixev_thread;

/*
 * What a moving connection carries besides its struct ixev_ctx, whose
 * size is ABI: the bytes the application had not read (read first on the
 * new thread) and the bytes the old core had not taken (sent first there).
 */
struct ixev_carry {
	struct ixev_carry *next;	/* registry */
	uint64_t token;
	struct ixev_ctx *ctx;		/* NULL: an adoption gave up on it */
	struct ixev_thread *from;
	uint64_t pos;			/* the MOVED event's arg[1] */
	uint64_t mflags;		/* IXDP_MOVED_* */
	uint64_t rx_total;		/* bytes received before the move */
	uint64_t tx_pos;		/* bytes the old core took */
	bool bad;			/* the events did not add up */
	uint8_t *rx;
	uint32_t rx_len, rx_off;	/* rx_off: read on the new thread */
	uint8_t *tx;
	uint32_t tx_len, tx_off;	/* tx_off: queued on the new thread */
};

void ixev_carry_free(struct ixev_carry *c);

/*
 * Leaves @c under c->token. false if an adoption gave up on that token
 * already (ixev_registry_give_up()): nobody will take it.
 */
bool ixev_registry_put(struct ixev_carry *c);
/* Takes the connection left under @token, NULL if none is there (yet). */
struct ixev_carry *ixev_registry_take(uint64_t token);
/*
 * An adoption gives up waiting for @token: returns the connection if it
 * arrived meanwhile, else NULL and ixev_registry_put() will refuse it.
 */
struct ixev_carry *ixev_registry_give_up(uint64_t token);
/* @t is destroyed: the connections it left no longer name it. */
void ixev_registry_forget(const struct ixev_thread *t);

#endif /* _IXEV_MOVE_H */
