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

#endif /* _IXDP_COMPAT_H */
