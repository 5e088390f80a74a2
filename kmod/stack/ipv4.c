// SPDX-License-Identifier: GPL-2.0
/*
 * IPv4 input validation and output.  Options are skipped, fragments are
 * counted and dropped (no reassembly), and only our unicast address is
 * accepted.
 */
#include "stack.h"
#include "tcp.h"

void ix_ipv4_input(struct ix_stack *c, struct ix_mbuf *m, u8 *ip, u32 len)
{
	u32 hlen, tot;
	u16 frag;

	if (len < IX_IP_HLEN) {
		c->stat[IX_DROP_IP_SHORT]++;
		goto drop;
	}
	if ((ip[IX_IP_OFF_VER_IHL] >> 4) != IX_IP_VERSION) {
		c->stat[IX_DROP_IP_VERSION]++;
		goto drop;
	}
	hlen = (ip[IX_IP_OFF_VER_IHL] & 0x0f) * 4u;
	if (hlen < IX_IP_HLEN || hlen > len) {
		c->stat[IX_DROP_IP_IHL]++;
		goto drop;
	}
	tot = ix_get16(ip + IX_IP_OFF_TOTLEN);
	if (tot < hlen || tot > len) {
		c->stat[IX_DROP_IP_LEN]++;
		goto drop;
	}
	if (!(m->flags & IX_MBUF_CSUM_OK) &&
	    ix_csum_fold(ix_csum_add(0, ip, hlen))) {
		c->stat[IX_DROP_IP_CSUM]++;
		goto drop;
	}
	frag = ix_get16(ip + IX_IP_OFF_FRAG);
	if (frag & (IX_IP_MF | IX_IP_OFFMASK)) {
		c->stat[IX_DROP_IP_FRAG]++;
		goto drop;
	}
	if (ix_get32(ip + IX_IP_OFF_DADDR) != c->cfg.ip) {
		c->stat[IX_DROP_IP_DST]++;
		goto drop;
	}
	switch (ip[IX_IP_OFF_PROTO]) {
	case IX_IP_PROTO_TCP:
		ix_tcp_input(c, m, ip, hlen, tot);
		return;
	case IX_IP_PROTO_ICMP:
		ix_icmp_input(c, m, ip, hlen, tot);
		return;
	}
	c->stat[IX_DROP_IP_PROTO]++;
drop:
	ix_stack_free(c, m);
}

/* The L4 header and payload are already in place after a 20-byte header. */
void ix_ipv4_output(struct ix_stack *c, struct ix_mbuf *m, u32 dst, u8 proto,
		    u16 l4len)
{
	u8 *ip = ix_stack_data(c, m) + IX_ETH_HLEN;
	u32 nexthop = dst;

	ip[IX_IP_OFF_VER_IHL] = IX_IP_VER_IHL;
	ip[IX_IP_OFF_TOS] = 0;
	ix_put16(ip + IX_IP_OFF_TOTLEN, IX_IP_HLEN + l4len);
	ix_put16(ip + IX_IP_OFF_ID, 0);
	ix_put16(ip + IX_IP_OFF_FRAG, IX_IP_DF);
	ip[IX_IP_OFF_TTL] = IX_IP_TTL;
	ip[IX_IP_OFF_PROTO] = proto;
	ix_put16(ip + IX_IP_OFF_CSUM, 0);
	ix_put32(ip + IX_IP_OFF_SADDR, c->cfg.ip);
	ix_put32(ip + IX_IP_OFF_DADDR, dst);
	ix_put16(ip + IX_IP_OFF_CSUM,
		 ix_csum_fold(ix_csum_add(0, ip, IX_IP_HLEN)));
	m->len = IX_ETH_HLEN + IX_IP_HLEN + l4len;
	if (c->cfg.gateway && ((dst ^ c->cfg.ip) & c->cfg.netmask))
		nexthop = c->cfg.gateway;
	ix_arp_output(c, m, nexthop);
}
