/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel implementation of the platform contract used by kmod/core/.
 *
 * The core is kernel-independent C: it includes only this header and its
 * own files.  test/unit/ix_plat.h provides the same names in userspace.
 * Contract:
 *   - fixed-width types u8..u64, s8..s64, bool, size_t, NULL;
 *   - memcpy/memset/memcmp, errno constants (returned negated);
 *   - likely/unlikely, READ_ONCE/WRITE_ONCE, smp_load_acquire,
 *     smp_store_release, smp_mb;
 *   - ix_plat_zalloc/ix_plat_free: zeroed allocation, used at setup only;
 *   - ix_plat_random: fills a buffer with unpredictable bytes (ISN keys);
 *   - ix_plat_warn: rate-limited warning.
 * Time is never read here: the host passes it into the core.
 */
#ifndef IX_PLAT_H
#define IX_PLAT_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/printk.h>
#include <asm/barrier.h>

static inline void *ix_plat_zalloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL);
}

static inline void ix_plat_free(void *p)
{
	kvfree(p);
}

static inline void ix_plat_random(void *buf, size_t len)
{
	get_random_bytes(buf, len);
}

#define ix_plat_warn(fmt, ...) \
	pr_warn_ratelimited("ixdp: " fmt, ##__VA_ARGS__)

#endif /* IX_PLAT_H */
