/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels ixdp supports (6.1 and later) live here
 * and nowhere else: Kbuild force-includes this header into every kernel
 * object, and no .c file tests LINUX_VERSION_CODE.
 */
#ifndef _IXDP_COMPAT_H
#define _IXDP_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "ixdp needs Linux 6.1 or later"
#endif

#include <linux/ethtool.h>
#include <linux/netdevice.h>

/*
 * RSS indirection table and key through the driver's ethtool ops. The
 * callbacks took separate arguments until 6.8 and a parameter block since.
 * The caller has checked that the op exists.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
static inline int ixdp_compat_set_rxfh_indir(struct net_device *dev,
					     u32 *indir, u32 size)
{
	struct ethtool_rxfh_param p = {
		.hfunc = ETH_RSS_HASH_NO_CHANGE,
		.indir = indir,
		.indir_size = size,
	};

	return dev->ethtool_ops->set_rxfh(dev, &p, NULL);
}

static inline int ixdp_compat_get_rxfh_key(struct net_device *dev, u8 *key)
{
	struct ethtool_rxfh_param p = {
		.key = key,
		.key_size = dev->ethtool_ops->get_rxfh_key_size(dev),
	};

	return dev->ethtool_ops->get_rxfh(dev, &p);
}
#else
static inline int ixdp_compat_set_rxfh_indir(struct net_device *dev,
					     u32 *indir, u32 size)
{
	return dev->ethtool_ops->set_rxfh(dev, indir, NULL,
					  ETH_RSS_HASH_NO_CHANGE);
}

static inline int ixdp_compat_get_rxfh_key(struct net_device *dev, u8 *key)
{
	return dev->ethtool_ops->get_rxfh(dev, NULL, key, NULL);
}
#endif

#include <linux/mm.h>

/* vm_flags became read-only in 6.3, written through helpers since. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define ixdp_vm_flags_set(vma, f)	vm_flags_set(vma, f)
#define ixdp_vm_flags_clear(vma, f)	vm_flags_clear(vma, f)
#else
#define ixdp_vm_flags_set(vma, f)	((vma)->vm_flags |= (f))
#define ixdp_vm_flags_clear(vma, f)	((vma)->vm_flags &= ~(f))
#endif

/*
 * The ops a genl family's pre_doit and post_doit see: struct genl_ops
 * until 6.2, struct genl_split_ops since. Both carry internal_flags.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define ixdp_genl_split_ops	genl_split_ops
#else
#define ixdp_genl_split_ops	genl_ops
#endif

#include <linux/timer.h>

/* timer_delete_sync() from 6.2 on; del_timer_sync() is gone since 6.15. */
static inline int ixdp_compat_timer_delete_sync(struct timer_list *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return timer_delete_sync(t);
#else
	return del_timer_sync(t);
#endif
}

#endif /* _IXDP_COMPAT_H */
