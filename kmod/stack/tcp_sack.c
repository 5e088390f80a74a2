// SPDX-License-Identifier: GPL-2.0
/*
 * Selective acknowledgements (RFC 2018).
 *
 * Sender: the scoreboard t->sacked[] holds disjoint SACKed ranges above
 * snd_una, sorted.  During recovery every un-SACKed byte below the highest
 * SACKed one counts as lost (a conservative form of RFC 6675's IsLost);
 * holes are retransmitted in order from rtx_hi, and the number of bytes in
 * flight ("pipe") is what was sent, minus what was SACKed, minus holes not
 * yet retransmitted.
 *
 * Receiver: blocks are built from the out-of-order queue; the first block
 * holds the most recently received segment.
 */
#include "tcp.h"

static void sb_insert(struct ix_tcb *t, u32 start, u32 end)
{
	u32 i, j;

	for (i = 0; i < t->nsacked; i++) {
		struct ix_sack_blk *b = &t->sacked[i];

		if (ix_seq_lt(end, b->start))
			break;
		if (ix_seq_gt(start, b->end))
			continue;
		/* overlaps or touches b: merge, then absorb followers */
		if (ix_seq_lt(start, b->start))
			b->start = start;
		if (ix_seq_gt(end, b->end))
			b->end = end;
		while (i + 1 < t->nsacked &&
		       ix_seq_geq(b->end, t->sacked[i + 1].start)) {
			if (ix_seq_gt(t->sacked[i + 1].end, b->end))
				b->end = t->sacked[i + 1].end;
			for (j = i + 1; j + 1 < t->nsacked; j++)
				t->sacked[j] = t->sacked[j + 1];
			t->nsacked--;
		}
		return;
	}
	if (t->nsacked == IX_SACK_SCOREBOARD) {
		/* full: forget the highest range rather than a lower one */
		if (i == t->nsacked)
			return;
		t->nsacked--;
	}
	for (j = t->nsacked; j > i; j--)
		t->sacked[j] = t->sacked[j - 1];
	t->sacked[i].start = start;
	t->sacked[i].end = end;
	t->nsacked++;
}

void ix_tcp_sack_update(struct ix_tcb *t, const struct ix_tcp_seg *s)
{
	u32 i;

	for (i = 0; i < s->nsack; i++) {
		u32 start = s->sack[i].start, end = s->sack[i].end;

		if (!ix_seq_lt(start, end) || ix_seq_gt(end, t->snd_max))
			continue;
		if (ix_seq_leq(end, t->snd_una))
			continue;	/* D-SACK or stale */
		if (ix_seq_lt(start, t->snd_una))
			start = t->snd_una;
		sb_insert(t, start, end);
	}
}

/* Forget what snd_una has passed. */
void ix_tcp_sack_clean(struct ix_tcb *t)
{
	u32 i = 0, j;

	while (i < t->nsacked) {
		struct ix_sack_blk *b = &t->sacked[i];

		if (ix_seq_leq(b->end, t->snd_una)) {
			for (j = i; j + 1 < t->nsacked; j++)
				t->sacked[j] = t->sacked[j + 1];
			t->nsacked--;
			continue;
		}
		if (ix_seq_lt(b->start, t->snd_una))
			b->start = t->snd_una;
		i++;
	}
}

u32 ix_tcp_sack_pipe(const struct ix_tcb *t)
{
	u32 pipe = t->snd_max - t->snd_una;
	u32 pos = t->snd_una, i;

	for (i = 0; i < t->nsacked; i++) {
		const struct ix_sack_blk *b = &t->sacked[i];
		u32 hs = pos, he = b->start;

		pipe -= b->end - b->start;
		if (ix_seq_lt(hs, t->rtx_hi))
			hs = t->rtx_hi;
		if (ix_seq_lt(hs, he))
			pipe -= he - hs;
		pos = b->end;
	}
	return pipe;
}

/* The first lost byte range at or above rtx_hi, if any. */
bool ix_tcp_sack_next_hole(const struct ix_tcb *t, u32 *seq, u32 *len)
{
	u32 pos = t->snd_una, i;

	for (i = 0; i < t->nsacked; i++) {
		const struct ix_sack_blk *b = &t->sacked[i];
		u32 hs = pos;

		if (ix_seq_lt(hs, t->rtx_hi))
			hs = t->rtx_hi;
		if (ix_seq_lt(hs, b->start)) {
			*seq = hs;
			*len = b->start - hs;
			return true;
		}
		pos = b->end;
	}
	return false;
}

u32 ix_tcp_sack_blocks(struct ix_stack *c, const struct ix_tcb *t,
		       struct ix_sack_blk *blk, u32 max)
{
	struct ix_mbuf *m = ix_mq_peek(&c->rxpool, &t->ooo);
	u32 n = 0, first = max;

	while (m) {
		u32 s = m->seq, e = m->seq + m->plen;

		if (s == e) {
			m = ix_pool_mbuf(&c->rxpool, m->next);
			continue;
		}
		if (n && blk[n - 1].end == s) {
			blk[n - 1].end = e;
		} else {
			if (n == max)
				break;
			blk[n].start = s;
			blk[n].end = e;
			n++;
		}
		if (m->seq == t->last_ooo_seq)
			first = n - 1;
		m = ix_pool_mbuf(&c->rxpool, m->next);
	}
	if (first < n && first) {
		struct ix_sack_blk tmp = blk[first];

		while (first) {
			blk[first] = blk[first - 1];
			first--;
		}
		blk[0] = tmp;
	}
	return n;
}
