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
	pr_warn_ratelimited(fmt, ##__VA_ARGS__)

#endif /* IX_PLAT_KERNEL_H */
