// SPDX-License-Identifier: GPL-2.0
/*
 * Flow table: TCP control blocks by 4-tuple.  Buckets hold control block
 * indices chained through ix_tcb.hnext; the bucket is taken from the
 * Toeplitz hash of the received direction, the same hash that picked the
 * flow group, so a lookup costs one hash per packet.
 */
#include "tcp.h"

static u32 bucket(const struct ix_stack *c, u32 hash)
{
	return (hash ^ (hash >> 15)) & c->ftab_mask;
}

int ix_flowtab_init(struct ix_stack *c)
{
	u32 n = 16, i;

	while (n < c->cfg.nconn * 2 && n < (1u << 24))
		n <<= 1;
	c->ftab = ix_plat_zalloc((size_t)n * sizeof(*c->ftab));
	if (!c->ftab)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		c->ftab[i] = IX_NIL;
	c->ftab_mask = n - 1;
	return 0;
}

void ix_flowtab_destroy(struct ix_stack *c)
{
	ix_plat_free(c->ftab);
	c->ftab = NULL;
}

struct ix_tcb *ix_flowtab_lookup(struct ix_stack *c, u32 hash, u32 lip,
				 u32 rip, u16 lport, u16 rport)
{
	u32 i = c->ftab[bucket(c, hash)];

	while (i != IX_NIL) {
		struct ix_tcb *t = c->tcb[i];

		if (t->lport == lport && t->rport == rport && t->rip == rip &&
		    t->lip == lip)
			return t;
		i = t->hnext;
	}
	return NULL;
}

void ix_flowtab_insert(struct ix_stack *c, struct ix_tcb *t)
{
	u32 *head = &c->ftab[bucket(c, t->hash)];

	t->hnext = *head;
	*head = t->slot;
}

void ix_flowtab_remove(struct ix_stack *c, struct ix_tcb *t)
{
	u32 *p = &c->ftab[bucket(c, t->hash)];

	while (*p != IX_NIL) {
		if (*p == t->slot) {
			*p = t->hnext;
			t->hnext = IX_NIL;
			return;
		}
		p = &c->tcb[*p]->hnext;
	}
}
