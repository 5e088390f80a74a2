/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace implementation of the stack's platform contract (plat.h),
 * for the unit tests, the interop host and the benchmarks.  Randomness
 * comes from the test harness so that runs are deterministic.
 */
#ifndef IX_PLAT_USER_H
#define IX_PLAT_USER_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline void *ix_plat_zalloc(size_t size)
{
	return calloc(1, size);
}

static inline void ix_plat_free(void *p)
{
	free(p);
}

/* Implemented by the test harness (deterministic, seeded). */
/* Connection control blocks (one size). */
static inline void *ix_plat_tcb_zalloc(size_t size)
{
	return calloc(1, size);
}

static inline void ix_plat_tcb_free(void *p)
{
	free(p);
}

void ix_plat_random(void *buf, size_t len);

#define ix_plat_warn(fmt, ...) fprintf(stderr, "ixdp: " fmt, ##__VA_ARGS__)

/* A connection changes state: no tracing in userspace. */
struct ix_stack;
struct ix_tcb;

static inline void ix_plat_tcp_state(const struct ix_stack *c,
				     const struct ix_tcb *t, u8 state)
{
}

#endif /* IX_PLAT_USER_H */
