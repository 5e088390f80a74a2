/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The platform contract of the portable TCP/IP stack.
 *
 * The stack is host-independent C: besides its own files it includes only
 * this header, which picks the host's implementation:
 *   - plat_kernel.h in ixdp.ko;
 *   - plat_user.h in the unit tests, the interop host and the benchmarks.
 *
 * A host provides:
 *   - fixed-width types u8..u64, s8..s64, bool, size_t, NULL;
 *   - memcpy/memset/memcmp, errno constants (returned negated);
 *   - likely/unlikely, READ_ONCE/WRITE_ONCE, smp_load_acquire,
 *     smp_store_release, smp_mb;
 *   - ix_plat_zalloc/ix_plat_free: zeroed allocation, used at setup only;
 *   - ix_plat_random: fills a buffer with unpredictable bytes (ISN keys);
 *   - ix_plat_warn: rate-limited warning, printed with the host's prefix;
 *   - ix_plat_tcp_state: told of every TCP state change before it is made
 *     (the kernel's tracepoint ixdp_conn_state; nothing in userspace).
 * Time is never read here: the host passes it into the stack.  Everything
 * else the stack needs from its host (transmit, events) comes through the
 * callbacks of struct ix_stack_cfg.
 */
#ifndef IX_PLAT_H
#define IX_PLAT_H

#ifdef __KERNEL__
#include "plat_kernel.h"
#else
#include "plat_user.h"
#endif

#endif /* IX_PLAT_H */
