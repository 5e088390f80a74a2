/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Single-producer single-consumer ring of pointers, used to hand frames
 * from the CPU that received them to the dataplane core that owns their
 * flow group. There is one ring per (producer CPU, consumer core) pair, so
 * neither side ever takes a lock.
 *
 * Ordering. The producer writes the slot, then publishes it with a
 * store-release of @prod (A); the consumer's load-acquire of @prod (B)
 * pairs with A, so the slot it reads is the one written. The consumer
 * releases the slot with a store-release of @cons (C) after reading it;
 * the producer's load-acquire of @cons (D) pairs with C, so it never
 * overwrites a slot still being read.
 *
 * Exclusivity of the producer: frames are produced only with bottom
 * halves disabled on the producing CPU (softirq, or a kthread inside
 * napi_busy_loop() or local_bh_disable()), and each CPU has its own ring.
 */
#ifndef _IXDP_HANDOFF_H
#define _IXDP_HANDOFF_H

#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/slab.h>
#include <asm/barrier.h>

struct ixdp_handoff {
	u32 prod ____cacheline_aligned_in_smp;	/* written by the producer */
	u32 cons ____cacheline_aligned_in_smp;	/* written by the consumer */
	u32 mask ____cacheline_aligned_in_smp;
	void *slot[];
};

/* @size must be a power of two. Free with kvfree(). */
static inline struct ixdp_handoff *ixdp_handoff_alloc(u32 size, gfp_t gfp)
{
	struct ixdp_handoff *r;

	r = kvzalloc(struct_size(r, slot, size), gfp);
	if (r)
		r->mask = size - 1;
	return r;
}

static inline bool ixdp_handoff_push(struct ixdp_handoff *r, void *p)
{
	u32 prod = r->prod;

	/* (D) pairs with (C): the slot is free once cons has passed it. */
	if (prod - smp_load_acquire(&r->cons) > r->mask)
		return false;
	r->slot[prod & r->mask] = p;
	/* (A) pairs with (B): publish the slot. */
	smp_store_release(&r->prod, prod + 1);
	return true;
}

static inline void *ixdp_handoff_pop(struct ixdp_handoff *r)
{
	u32 cons = r->cons;
	void *p;

	/* (B) pairs with (A). */
	if (cons == smp_load_acquire(&r->prod))
		return NULL;
	p = r->slot[cons & r->mask];
	/* (C) pairs with (D): hand the slot back. */
	smp_store_release(&r->cons, cons + 1);
	return p;
}

static inline bool ixdp_handoff_empty(struct ixdp_handoff *r)
{
	return READ_ONCE(r->cons) == READ_ONCE(r->prod);
}

#endif /* _IXDP_HANDOFF_H */
