/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A netem-like impairment stage inside ixhost, for kernels without
 * sch_netem: each frame is lost, duplicated, sent at once (reordered ahead
 * of the delayed ones, as netem's "reorder") or held for a fixed delay.
 * Only IPv4 frames are impaired; ARP passes untouched.
 */
#ifndef IXHOST_IMPAIR_H
#define IXHOST_IMPAIR_H

#include <plat.h>

#define IMPAIR_FRAME_MAX	2048

typedef void (*impair_fn)(void *arg, const u8 *frame, u32 len);

struct impair_slot {
	u64 due;
	u32 len;
	u8 data[IMPAIR_FRAME_MAX];
};

struct impair {
	u32 loss_ppm, reorder_ppm, dup_ppm, delay_us;
	u64 rng;
	struct impair_slot *q;
	u32 head, cnt, cap;
	u64 lost, duplicated, reordered, delayed, overflow;
};

int impair_parse(struct impair *im, const char *spec, u64 seed);
bool impair_on(const struct impair *im);
void impair_push(struct impair *im, const u8 *f, u32 len,
		 u64 now, impair_fn fn, void *arg);
void impair_flush(struct impair *im, u64 now, impair_fn fn, void *arg);
s64 impair_next_due(const struct impair *im);
void impair_free(struct impair *im);

#endif /* IXHOST_IMPAIR_H */
