// SPDX-License-Identifier: GPL-2.0
/*
 * Ethernet: accept frames for our address or broadcast, dispatch IPv4 and
 * ARP, prepend the header on output.
 */
#include "stack.h"

static const u8 bcast[IX_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void ix_ether_input(struct ix_stack *c, struct ix_mbuf *m)
{
	u8 *f = ix_stack_data(c, m);
	u16 type;

	if (m->len < IX_ETH_HLEN) {
		c->stat[IX_DROP_ETH_SHORT]++;
		goto drop;
	}
	if (memcmp(f, c->cfg.mac, IX_ETH_ALEN) &&
	    memcmp(f, bcast, IX_ETH_ALEN)) {
		c->stat[IX_DROP_ETH_DST]++;
		goto drop;
	}
	type = ix_get16(f + IX_ETH_OFF_TYPE);
	if (type == IX_ETH_P_IPV4) {
		ix_ipv4_input(c, m, f + IX_ETH_HLEN, m->len - IX_ETH_HLEN);
		return;
	}
	if (type == IX_ETH_P_ARP) {
		ix_arp_input(c, m, f + IX_ETH_HLEN, m->len - IX_ETH_HLEN);
		return;
	}
	c->stat[IX_DROP_ETH_TYPE]++;
drop:
	ix_stack_free(c, m);
}

/* The frame at m already has room for the header at its start. */
void ix_ether_output(struct ix_stack *c, struct ix_mbuf *m, const u8 *dst,
		     u16 type)
{
	u8 *f = ix_stack_data(c, m);

	memcpy(f, dst ? dst : bcast, IX_ETH_ALEN);
	memcpy(f + IX_ETH_ALEN, c->cfg.mac, IX_ETH_ALEN);
	ix_put16(f + IX_ETH_OFF_TYPE, type);
	ix_stack_xmit(c, m);
}
