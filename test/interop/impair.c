// SPDX-License-Identifier: GPL-2.0
/*
 * The impairment stage of ixhost (see impair.h).  Delayed frames wait in a
 * FIFO ring: with one fixed delay, due times are in arrival order, so the
 * head is always the next frame to leave.  A reordered frame skips the
 * ring, which puts it ahead of every frame still waiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impair.h"

#define RING_SLOTS	8192

static u32 rnd_ppm(struct impair *im)
{
	im->rng ^= im->rng << 13;
	im->rng ^= im->rng >> 7;
	im->rng ^= im->rng << 17;
	return (u32)(im->rng % 1000000);
}

/* "LOSS,REORDER,DUP,DELAY_US", the first three in percent */
int impair_parse(struct impair *im, const char *spec, u64 seed)
{
	double loss, reorder, dup;
	unsigned int delay;

	memset(im, 0, sizeof(*im));
	if (sscanf(spec, "%lf,%lf,%lf,%u", &loss, &reorder, &dup, &delay) != 4 ||
	    loss < 0 || loss > 100 || reorder < 0 || reorder > 100 ||
	    dup < 0 || dup > 100)
		return -1;
	im->loss_ppm = (u32)(loss * 10000);
	im->reorder_ppm = (u32)(reorder * 10000);
	im->dup_ppm = (u32)(dup * 10000);
	im->delay_us = delay;
	im->rng = seed * 0x9e3779b97f4a7c15ull + 0x1234567;
	return 0;
}

bool impair_on(const struct impair *im)
{
	return im->loss_ppm || im->reorder_ppm || im->dup_ppm || im->delay_us;
}

static bool is_ipv4(const u8 *f, u32 len)
{
	return len >= 14 && f[12] == 0x08 && f[13] == 0x00;
}

static void enqueue(struct impair *im, const u8 *f, u32 len,
		    u64 now, impair_fn fn, void *arg)
{
	struct impair_slot *s;

	if (!im->delay_us || (im->reorder_ppm &&
			      rnd_ppm(im) < im->reorder_ppm)) {
		if (im->delay_us && im->cnt)
			im->reordered++;
		fn(arg, f, len);
		return;
	}
	if (!im->q) {
		im->q = calloc(RING_SLOTS, sizeof(*im->q));
		if (!im->q) {
			perror("impair");
			exit(1);
		}
		im->cap = RING_SLOTS;
	}
	if (im->cnt == im->cap || len > IMPAIR_FRAME_MAX) {
		im->overflow++;
		return;
	}
	s = &im->q[(im->head + im->cnt) % im->cap];
	s->due = now + im->delay_us;
	s->len = len;
	memcpy(s->data, f, len);
	im->cnt++;
	im->delayed++;
}

void impair_push(struct impair *im, const u8 *f, u32 len,
		 u64 now, impair_fn fn, void *arg)
{
	if (!is_ipv4(f, len) || !impair_on(im)) {
		fn(arg, f, len);
		return;
	}
	if (im->loss_ppm && rnd_ppm(im) < im->loss_ppm) {
		im->lost++;
		return;
	}
	enqueue(im, f, len, now, fn, arg);
	if (im->dup_ppm && rnd_ppm(im) < im->dup_ppm) {
		im->duplicated++;
		enqueue(im, f, len, now, fn, arg);
	}
}

void impair_flush(struct impair *im, u64 now, impair_fn fn, void *arg)
{
	while (im->cnt && im->q[im->head].due <= now) {
		struct impair_slot *s = &im->q[im->head];

		im->head = (im->head + 1) % im->cap;
		im->cnt--;
		fn(arg, s->data, s->len);
	}
}

/* When the head frame is due (absolute us), -1 when nothing waits. */
s64 impair_next_due(const struct impair *im)
{
	return im->cnt ? (s64)im->q[im->head].due : -1;
}

void impair_free(struct impair *im)
{
	free(im->q);
	im->q = NULL;
	im->cnt = 0;
}
