// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's side of the stack's platform contract that is not inline
 * (plat_kernel.h): the slab cache of connection control blocks, made at
 * module load and destroyed at unload, after every core is gone; the
 * probe call of the state-change tracepoint.
 */
#include "tcp.h"
#include "../trace.h"

struct kmem_cache *ix_plat_tcb_cache;

int ix_plat_init(void)
{
	ix_plat_tcb_cache = kmem_cache_create("ixdp_tcb", sizeof(struct ix_tcb),
					      0, SLAB_HWCACHE_ALIGN, NULL);
	return ix_plat_tcb_cache ? 0 : -ENOMEM;
}

void ix_plat_exit(void)
{
	kmem_cache_destroy(ix_plat_tcb_cache);
	ix_plat_tcb_cache = NULL;
}

void ix_plat_trace_tcp_state(const struct ix_stack *c, const struct ix_tcb *t,
			     u8 state)
{
	trace_ixdp_conn_state(c, t, state);
}
