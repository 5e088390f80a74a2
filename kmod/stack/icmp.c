// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP: answer echo requests; everything else is counted and dropped.
 */
#include "stack.h"

void ix_icmp_input(struct ix_stack *c, struct ix_mbuf *m, u8 *ip, u32 hlen,
		   u32 len)
{
	u32 ilen = len - hlen;
	u8 *icmp = ip + hlen;
	struct ix_mbuf *r;
	u8 *out;

	if (ilen < IX_ICMP_HLEN) {
		c->stat[IX_DROP_ICMP_SHORT]++;
		goto drop;
	}
	if (!(m->flags & IX_MBUF_CSUM_OK) &&
	    ix_csum_fold(ix_csum_add(0, icmp, ilen))) {
		c->stat[IX_DROP_ICMP_CSUM]++;
		goto drop;
	}
	if (icmp[0] != IX_ICMP_ECHO || icmp[1] != 0) {
		c->stat[IX_DROP_ICMP_TYPE]++;
		goto drop;
	}
	r = ix_pool_get(&c->txpool);
	if (!r || ilen > c->txpool.bufsz - IX_HEADROOM - IX_HDRS_LEN) {
		if (r)
			ix_stack_free(c, r);
		c->stat[IX_DROP_NOBUF]++;
		goto drop;
	}
	out = ix_stack_data(c, r) + IX_HDRS_LEN;
	memcpy(out, icmp, ilen);
	out[0] = IX_ICMP_ECHOREPLY;
	ix_put16(out + 2, 0);
	ix_put16(out + 2, ix_csum_fold(ix_csum_add(0, out, ilen)));
	c->stat[IX_STAT_ICMP_ECHO]++;
	ix_ipv4_output(c, r, ix_get32(ip + IX_IP_OFF_SADDR), IX_IP_PROTO_ICMP,
		       (u16)ilen);
drop:
	ix_stack_free(c, m);
}
