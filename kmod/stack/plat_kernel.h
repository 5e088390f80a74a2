/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's implementation of the stack's platform contract (plat.h).
 */
#ifndef IX_PLAT_KERNEL_H
#define IX_PLAT_KERNEL_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/printk.h>
#include <linux/tracepoint-defs.h>
#include <asm/barrier.h>

static inline void *ix_plat_zalloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL);
}

static inline void ix_plat_free(void *p)
{
	kvfree(p);
}

/*
 * Connection control blocks, from the "ixdp_tcb" slab cache (plat_kernel.c):
 * allocated in the dataplane loop, so never sleeping and never dipping
 * into the atomic reserves; a failure drops the SYN or fails the connect.
 */
extern struct kmem_cache *ix_plat_tcb_cache;

static inline void *ix_plat_tcb_zalloc(size_t size)
{
	return kmem_cache_zalloc(ix_plat_tcb_cache, GFP_NOWAIT | __GFP_NOWARN);
}

static inline void ix_plat_tcb_free(void *p)
{
	kmem_cache_free(ix_plat_tcb_cache, p);
}

int ix_plat_init(void);
void ix_plat_exit(void);

static inline void ix_plat_random(void *buf, size_t len)
{
	get_random_bytes(buf, len);
}

#define ix_plat_warn(fmt, ...) \
	pr_warn_ratelimited(fmt, ##__VA_ARGS__)

/*
 * A connection changes state: the ixdp_conn_state tracepoint (kmod/trace.h).
 * Only its static key is tested here; the probe is called out of line
 * (plat_kernel.c), so the stack never includes a trace header.
 */
struct ix_stack;
struct ix_tcb;

DECLARE_TRACEPOINT(ixdp_conn_state);
void ix_plat_trace_tcp_state(const struct ix_stack *c, const struct ix_tcb *t,
			     u8 state);

static inline void ix_plat_tcp_state(const struct ix_stack *c,
				     const struct ix_tcb *t, u8 state)
{
	if (tracepoint_enabled(ixdp_conn_state))
		ix_plat_trace_tcp_state(c, t, state);
}

#endif /* IX_PLAT_KERNEL_H */
