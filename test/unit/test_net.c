// SPDX-License-Identifier: GPL-2.0
/* Ethernet, ARP, IPv4, ICMP, checksums, Toeplitz, pools, malformed input. */
#include "sim.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "unit.h"

static const u8 mac1[6] = { 0x02, 0, 0, 0, 0, 1 };

static u32 ipv4(u8 a, u8 b, u8 c, u8 d)
{
	return ((u32)a << 24) | ((u32)b << 16) | ((u32)c << 8) | d;
}

/* Microsoft RSS verification suite, IPv4. */
static void test_toeplitz_vectors(void **state)
{
	static const struct {
		u8 dst[4], src[4];
		u16 dport, sport;
		u32 ip_hash, tcp_hash;
	} v[] = {
		{ { 161, 142, 100, 80 }, { 66, 9, 149, 187 }, 1766, 2794,
		  0x323e8fc2, 0x51ccc178 },
		{ { 65, 69, 140, 83 }, { 199, 92, 111, 2 }, 4739, 14230,
		  0xd718262a, 0xc626b0ea },
		{ { 12, 22, 207, 184 }, { 24, 19, 198, 95 }, 38024, 12898,
		  0xd2d0a5de, 0x5c2b394a },
		{ { 209, 142, 163, 6 }, { 38, 27, 205, 30 }, 2217, 48228,
		  0x82989176, 0xafc7327f },
		{ { 202, 188, 127, 2 }, { 153, 39, 163, 191 }, 1303, 44251,
		  0x5d1809c5, 0x10e828a2 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		u8 in[8];
		u32 s = ix_get32(v[i].src), d = ix_get32(v[i].dst);

		memcpy(in, v[i].src, 4);
		memcpy(in + 4, v[i].dst, 4);
		assert_int_equal(ix_toeplitz_hash(ix_toeplitz_default_key, in, 8),
				 v[i].ip_hash);
		assert_int_equal(ix_toeplitz_flow(ix_toeplitz_default_key, s, d,
						  v[i].sport, v[i].dport),
				 v[i].tcp_hash);
		assert_int_equal(ix_toeplitz_fg(v[i].tcp_hash, 128),
				 v[i].tcp_hash & 127);
	}
}

static void test_siphash_vector(void **state)
{
	u8 key[16];
	u64 w;
	int i;

	for (i = 0; i < 16; i++)
		key[i] = (u8)i;
	/* reference SipHash-2-4 outputs for the empty and 8-byte messages */
	assert_true(ix_tcp_siphash(key, NULL, 0) == 0x726fdb47dd0e0e31ull);
	w = 0x0706050403020100ull;
	assert_true(ix_tcp_siphash(key, &w, 1) == 0x93f5f5799a932462ull);
}

static void test_csum(void **state)
{
	/* RFC 1071 example words 0001 f203 f4f5 f6f7 sum to ddf2 */
	static const u8 b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	u8 odd[3] = { 0x12, 0x34, 0x56 };

	assert_int_equal(ix_csum_fold(ix_csum_add(0, b, 8)), (u16)~0xddf2);
	assert_int_equal(ix_csum_fold(ix_csum_add(0, odd, 3)),
			 (u16)~(0x1234 + 0x5600));
	assert_int_equal(ix_csum_fold(ix_csum_pseudo(0x01020304, 0x05060708,
						     6, 20)),
			 (u16)~(0x0102 + 0x0304 + 0x0506 + 0x0708 + 6 + 20));
}

static void test_pool_exhaustion(void **state)
{
	struct ix_pool p;
	struct ix_mbuf *m[8];
	struct ix_mq q;
	int i;

	assert_int_equal(ix_pool_init(&p, 0, 8, 100), -EINVAL);
	assert_int_equal(ix_pool_init(&p, 0, 8, 2048), 0);
	for (i = 0; i < 8; i++) {
		m[i] = ix_pool_get(&p);
		assert_non_null(m[i]);
		assert_ptr_equal(ix_pool_buf(&p, m[i]), p.data + m[i]->idx * 2048);
	}
	assert_null(ix_pool_get(&p));
	assert_int_equal(p.nfree, 0);
	ix_pool_put(&p, m[3]);
	ix_pool_put(&p, m[3]);		/* double free is refused */
	assert_int_equal(p.nfree, 1);
	assert_ptr_equal(ix_pool_get(&p), m[3]);
	ix_mq_init(&q);
	for (i = 0; i < 8; i++)
		ix_mq_push(&p, &q, m[i]);
	assert_int_equal(q.count, 8);
	assert_ptr_equal(ix_mq_pop(&p, &q), m[0]);
	assert_ptr_equal(ix_pool_mbuf(&p, m[1]->idx), m[1]);
	assert_null(ix_pool_mbuf(&p, 8));
	ix_mq_purge(&p, &q);
	assert_int_equal(p.nfree, 7);
	ix_pool_destroy(&p);
}

static bool arp_done(struct sim *s)
{
	return ix_arp_lookup(s->c[0], SIM_IP(2)) &&
	       ix_arp_lookup(s->c[0], SIM_IP(2))->state == IX_ARP_REACHABLE;
}

static void test_arp_resolve_and_expiry(void **state)
{
	struct ix_stack_cfg cfg;
	const struct ix_arp_entry *e;
	struct sim s;

	ix_stack_cfg_default(&cfg);
	cfg.arp_timeout_us = 5000000;
	sim_init(&s, 1, &cfg);
	ix_stack_start(s.c[0], s.now);
	assert_int_equal(s.c[0]->stat[IX_STAT_ARP_REQ_SENT], 1);
	sim_step(&s, 100);
	/* a gratuitous request alone does not create entries */
	assert_null(ix_arp_lookup(s.c[1], SIM_IP(1)));
	/* a frame to .2 triggers a request; the reply resolves it */
	assert_int_equal(ix_tcp_connect(s.c[0], SIM_IP(2), 9, 0, 1), 0);
	assert_true(sim_run(&s, 100000, arp_done));
	e = ix_arp_lookup(s.c[0], SIM_IP(2));
	assert_int_equal(e->mac[5], 2);
	assert_int_equal(e->mac[0], 2);
	/* the peer learned us from the request */
	assert_non_null(ix_arp_lookup(s.c[1], SIM_IP(1)));
	/* the queued SYN was sent after resolution: the peer refused it */
	sim_run(&s, 100000, NULL);
	assert_int_equal(s.app[0].connected, -ECONNREFUSED);
	assert_int_equal(s.c[1]->stat[IX_DROP_TCP_NOCONN], 1);
	/* expiry after the timeout */
	sim_run(&s, 4000000, NULL);
	assert_non_null(ix_arp_lookup(s.c[0], SIM_IP(2)));
	sim_run(&s, 2500000, NULL);
	assert_null(ix_arp_lookup(s.c[0], SIM_IP(2)));
	assert_true(s.c[0]->stat[IX_STAT_ARP_EXPIRED] >= 1);
	sim_fini(&s);
}

static bool drop_all(struct sim *s, int from, const u8 *f, u32 len)
{
	return true;
}

static void test_arp_unresolved(void **state)
{
	struct sim s;
	int i;

	sim_init(&s, 2, NULL);
	s.filter = drop_all;
	/* more frames than the pending queue holds */
	for (i = 0; i < 6; i++)
		assert_int_equal(ix_tcp_connect(s.c[0], SIM_IP(2), 80, 0, i), 0);
	assert_int_equal(s.c[0]->stat[IX_DROP_ARP_QUEUE], 2);
	assert_int_equal(s.c[0]->stat[IX_STAT_ARP_REQ_SENT], 1);
	sim_run(&s, 2500000, NULL);
	/* one try a second */
	assert_int_equal(s.c[0]->stat[IX_STAT_ARP_REQ_SENT], 3);
	assert_int_equal(s.c[0]->stat[IX_DROP_ARP_UNRESOLVED], 0);
	assert_int_equal(ix_arp_lookup(s.c[0], SIM_IP(2))->state,
			 IX_ARP_INCOMPLETE);
	/* after three tries the queued frames are dropped */
	sim_run(&s, 1000000, NULL);
	assert_true(s.c[0]->stat[IX_DROP_ARP_UNRESOLVED] >= 4);
	sim_fini(&s);
}

static u32 build_icmp(u8 *f, u8 type, u32 plen)
{
	u8 *ip = f + 14, *ic = f + 34;
	u32 i;

	memcpy(f, mac1, 6);
	memset(f + 6, 0xee, 6);
	ix_put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ix_put16(ip + 2, (u16)(20 + 8 + plen));
	ip[8] = 64;
	ip[9] = 1;
	ix_put32(ip + 12, SIM_IP(2));
	ix_put32(ip + 16, SIM_IP(1));
	ix_put16(ip + 10, ix_csum_fold(ix_csum_add(0, ip, 20)));
	ic[0] = type;
	ic[1] = 0;
	ix_put16(ic + 2, 0);
	ix_put16(ic + 4, 0x1234);
	ix_put16(ic + 6, 7);
	for (i = 0; i < plen; i++)
		ic[8 + i] = (u8)i;
	ix_put16(ic + 2, ix_csum_fold(ix_csum_add(0, ic, 8 + plen)));
	return 34 + 8 + plen;
}

static void test_icmp_echo(void **state)
{
	u8 f[256];
	struct sim s;
	u32 len;
	u8 *r, *ric;

	sim_init(&s, 3, NULL);
	s.capture = true;
	/* teach c0 the peer's MAC so the reply leaves at once */
	len = build_icmp(f, 8, 56);
	{
		/* an ARP request from .2 creates the entry */
		u8 a[42];

		memset(a, 0xff, 6);
		memcpy(a + 6, (u8[]){ 0x02, 0, 0, 0, 0, 2 }, 6);
		ix_put16(a + 12, 0x0806);
		ix_put16(a + 14, 1);
		ix_put16(a + 16, 0x0800);
		a[18] = 6;
		a[19] = 4;
		ix_put16(a + 20, 1);
		memcpy(a + 22, (u8[]){ 0x02, 0, 0, 0, 0, 2 }, 6);
		ix_put32(a + 28, SIM_IP(2));
		memset(a + 32, 0, 6);
		ix_put32(a + 38, SIM_IP(1));
		sim_inject(&s, 0, a, 42);
	}
	assert_int_equal(s.ncap, 1);	/* ARP reply */
	assert_int_equal(ix_get16(s.cap[0]->data + 20), 2);
	assert_int_equal(ix_stack_rx_frame(s.c[0], f, len, 0, s.now), 0);
	assert_int_equal(ix_stack_rx_frame(s.c[0], f, 3000, 0, s.now),
			 -EMSGSIZE);
	assert_int_equal(s.ncap, 2);
	r = s.cap[1]->data;
	ric = r + 34;
	assert_int_equal(s.cap[1]->len, len);
	assert_int_equal(ric[0], 0);
	assert_int_equal(ix_get32(r + 30), SIM_IP(2));
	assert_int_equal(ix_get32(r + 26), SIM_IP(1));
	assert_memory_equal(ric + 4, f + 38, 4 + 56);
	assert_int_equal(ix_csum_fold(ix_csum_add(0, ric, 64)), 0);
	assert_int_equal(ix_csum_fold(ix_csum_add(0, r + 14, 20)), 0);
	assert_int_equal(s.c[0]->stat[IX_STAT_ICMP_ECHO], 1);
	/* bad checksum, wrong type and short messages are dropped */
	f[40] ^= 0xff;
	sim_inject(&s, 0, f, len);
	assert_int_equal(s.c[0]->stat[IX_DROP_ICMP_CSUM], 1);
	len = build_icmp(f, 13, 0);
	sim_inject(&s, 0, f, len);
	assert_int_equal(s.c[0]->stat[IX_DROP_ICMP_TYPE], 1);
	assert_int_equal(s.ncap, 2);
	sim_fini(&s);
}

static void test_malformed(void **state)
{
	struct ix_stack *c;
	u8 f[256], g[256];
	struct sim s;
	u32 len, i;
	u32 before;

	sim_init(&s, 4, NULL);
	c = s.c[0];
	ix_tcp_listen(c, 80);
	len = sim_build_tcp(f, mac1, SIM_IP(2), SIM_IP(1), 1000, 80, 1, 0,
			    IX_TCP_SYN, 1000, NULL, 0, NULL, 0);
	/* truncated below the Ethernet header */
	sim_inject(&s, 0, f, 10);
	assert_int_equal(c->stat[IX_DROP_ETH_SHORT], 1);
	/* wrong destination MAC, unknown ethertype */
	memcpy(g, f, len);
	g[0] = 0x04;
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_ETH_DST], 1);
	memcpy(g, f, len);
	g[12] = 0x86;
	g[13] = 0xdd;
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_ETH_TYPE], 1);
	/* IP: short, version, IHL, length, checksum, fragment, dst, proto */
	sim_inject(&s, 0, f, 14 + 19);
	assert_int_equal(c->stat[IX_DROP_IP_SHORT], 1);
	memcpy(g, f, len);
	g[14] = 0x65;
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_IP_VERSION], 1);
	memcpy(g, f, len);
	g[14] = 0x44;
	sim_inject(&s, 0, g, len);
	memcpy(g, f, len);
	g[14] = 0x4f;
	sim_inject(&s, 0, g, 14 + 40);
	assert_int_equal(c->stat[IX_DROP_IP_IHL], 2);
	memcpy(g, f, len);
	ix_put16(g + 16, (u16)(len - 14 + 1));
	sim_inject(&s, 0, g, len);
	ix_put16(g + 16, 19);
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_IP_LEN], 2);
	memcpy(g, f, len);
	g[22] ^= 1;		/* TTL change without checksum update */
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_IP_CSUM], 1);
	/* with the NIC's "checksum verified" flag it is accepted */
	{
		struct ix_mbuf *m = ix_stack_rxbuf(c);

		before = c->stat[IX_STAT_TCP_SYNCOOKIE_SENT] + c->syn_rcvd;
		memcpy(ix_stack_data(c, m), g, len);
		m->len = (u16)len;
		m->flags |= IX_MBUF_CSUM_OK;
		ix_stack_rx(c, m, s.now);
		assert_int_equal(c->syn_rcvd, before + 1);
	}
	memcpy(g, f, len);
	ix_put16(g + 20, 0x2000);	/* MF */
	ix_put16(g + 24, 0);
	ix_put16(g + 24, ix_csum_fold(ix_csum_add(0, g + 14, 20)));
	sim_inject(&s, 0, g, len);
	ix_put16(g + 20, 0x0010);	/* offset */
	ix_put16(g + 24, 0);
	ix_put16(g + 24, ix_csum_fold(ix_csum_add(0, g + 14, 20)));
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_IP_FRAG], 2);
	len = sim_build_tcp(g, mac1, SIM_IP(2), SIM_IP(9), 1000, 80, 1, 0,
			    IX_TCP_SYN, 1000, NULL, 0, NULL, 0);
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_IP_DST], 1);
	memcpy(g, f, len);
	g[23] = 17;
	ix_put16(g + 24, 0);
	ix_put16(g + 24, ix_csum_fold(ix_csum_add(0, g + 14, 20)));
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_IP_PROTO], 1);
	/* TCP: short header, bad data offset, bad checksum, bad flags */
	memcpy(g, f, len);
	ix_put16(g + 16, 20 + 10);
	ix_put16(g + 24, 0);
	ix_put16(g + 24, ix_csum_fold(ix_csum_add(0, g + 14, 20)));
	sim_inject(&s, 0, g, 14 + 30);
	assert_int_equal(c->stat[IX_DROP_TCP_SHORT], 1);
	memcpy(g, f, len);
	g[46] = 0x40;		/* 16-byte header */
	sim_inject(&s, 0, g, len);
	memcpy(g, f, len);
	g[46] = 0xf0;		/* 60 bytes, beyond the segment */
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_TCP_OFF], 2);
	memcpy(g, f, len);
	g[40] ^= 0x55;		/* sequence number without checksum update */
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_TCP_CSUM], 1);
	len = sim_build_tcp(g, mac1, SIM_IP(2), SIM_IP(1), 1000, 80, 1, 0,
			    IX_TCP_SYN | IX_TCP_FIN, 1000, NULL, 0, NULL, 0);
	sim_inject(&s, 0, g, len);
	assert_int_equal(c->stat[IX_DROP_TCP_FLAGS], 1);
	/* garbage options must not be read past the header */
	{
		u8 opt[8] = { 2, 40, 3, 0, 8, 1, 5, 9 };

		len = sim_build_tcp(g, mac1, SIM_IP(2), SIM_IP(1), 1001, 80, 1,
				    0, IX_TCP_SYN, 1000, opt, 8, NULL, 0);
		sim_inject(&s, 0, g, len);
	}
	/* random frames never crash and are all freed */
	for (i = 0; i < 2000; i++) {
		u32 k, n = 15 + sim_rand(&s) % 120;

		memcpy(g, f, sizeof(g) < 256 ? sizeof(g) : 256);
		for (k = 0; k < 4; k++)
			g[14 + sim_rand(&s) % (n - 14)] = (u8)sim_rand(&s);
		sim_inject(&s, 0, g, n);
	}
	sim_fini(&s);
}

static u32 build_arp(u8 *a, u16 op, u32 spa, u8 last, u32 tpa)
{
	memset(a, 0xff, 6);
	memcpy(a + 6, (u8[]){ 0x02, 0, 0, 0, 9, last }, 6);
	ix_put16(a + 12, 0x0806);
	ix_put16(a + 14, 1);
	ix_put16(a + 16, 0x0800);
	a[18] = 6;
	a[19] = 4;
	ix_put16(a + 20, op);
	memcpy(a + 22, a + 6, 6);
	ix_put32(a + 28, spa);
	memset(a + 32, 0, 6);
	ix_put32(a + 38, tpa);
	return 42;
}

static void test_arp_table(void **state)
{
	const struct ix_arp_entry *e;
	struct ix_stack_cfg cfg;
	struct sim s;
	u8 a[64];
	u32 i, len;

	ix_stack_cfg_default(&cfg);
	cfg.gateway = SIM_IP(254);
	sim_init(&s, 5, &cfg);
	s.capture = true;
	/* a request for us creates an entry and is answered */
	len = build_arp(a, 1, SIM_IP(2), 2, SIM_IP(1));
	sim_inject(&s, 0, a, len);
	e = ix_arp_lookup(s.c[0], SIM_IP(2));
	assert_non_null(e);
	assert_int_equal(e->state, IX_ARP_REACHABLE);
	assert_int_equal(s.ncap, 1);
	/* a request for someone else only refreshes known entries */
	len = build_arp(a, 1, SIM_IP(3), 3, SIM_IP(7));
	sim_inject(&s, 0, a, len);
	assert_null(ix_arp_lookup(s.c[0], SIM_IP(3)));
	len = build_arp(a, 1, SIM_IP(2), 7, SIM_IP(7));
	sim_inject(&s, 0, a, len);
	assert_int_equal(ix_arp_lookup(s.c[0], SIM_IP(2))->mac[5], 7);
	assert_int_equal(s.ncap, 1);
	/* malformed: short, wrong hardware type, unknown operation */
	sim_inject(&s, 0, a, 30);
	len = build_arp(a, 1, SIM_IP(2), 2, SIM_IP(1));
	a[15] = 6;
	sim_inject(&s, 0, a, len);
	len = build_arp(a, 9, SIM_IP(2), 2, SIM_IP(1));
	sim_inject(&s, 0, a, len);
	assert_int_equal(s.c[0]->stat[IX_DROP_ARP_BAD], 3);
	/* off-subnet destinations go through the gateway */
	assert_int_equal(ix_tcp_connect(s.c[0], 0x08080808, 80, 0, 1), 0);
	assert_non_null(ix_arp_lookup(s.c[0], SIM_IP(254)));
	assert_null(ix_arp_lookup(s.c[0], 0x08080808));
	/*
	 * A flood of new destinations fills the table with unresolved
	 * entries; they replace each other, never the resolved neighbour.
	 */
	for (i = 0; i < 300; i++)
		assert_int_equal(ix_tcp_connect(s.c[0], SIM_IP(10 + i % 200),
						80, 0, i), 0);
	e = ix_arp_lookup(s.c[0], SIM_IP(2));
	assert_non_null(e);
	assert_int_equal(e->state, IX_ARP_REACHABLE);
	assert_true(s.c[0]->stat[IX_DROP_ARP_UNRESOLVED] > 0);
	sim_fini(&s);
}

static void test_ip_options_and_short_icmp(void **state)
{
	u8 f[256], g[256];
	struct sim s;
	u32 len;

	sim_init(&s, 6, NULL);
	ix_tcp_listen(s.c[0], 80);
	/* a SYN with 4 bytes of IP options (IHL 6) is accepted */
	len = sim_build_tcp(f, mac1, SIM_IP(2), SIM_IP(1), 1000, 80, 1, 0,
			    IX_TCP_SYN, 1000, NULL, 0, NULL, 0);
	memcpy(g, f, 34);
	g[14] = 0x46;
	ix_put16(g + 16, (u16)(len - 14 + 4));
	memset(g + 34, 1, 4);		/* NOP options */
	memcpy(g + 38, f + 34, len - 34);
	ix_put16(g + 24, 0);
	ix_put16(g + 24, ix_csum_fold(ix_csum_add(0, g + 14, 24)));
	sim_inject(&s, 0, g, len + 4);
	assert_int_equal(s.c[0]->syn_rcvd, 1);
	/* ICMP shorter than its header */
	len = build_icmp(f, 8, 0);
	ix_put16(f + 16, 20 + 4);
	ix_put16(f + 24, 0);
	ix_put16(f + 24, ix_csum_fold(ix_csum_add(0, f + 14, 20)));
	sim_inject(&s, 0, f, 38);
	assert_int_equal(s.c[0]->stat[IX_DROP_ICMP_SHORT], 1);
	sim_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toeplitz_vectors),
		cmocka_unit_test(test_siphash_vector),
		cmocka_unit_test(test_csum),
		cmocka_unit_test(test_pool_exhaustion),
		cmocka_unit_test(test_arp_resolve_and_expiry),
		cmocka_unit_test(test_arp_unresolved),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_arp_table),
		cmocka_unit_test(test_ip_options_and_short_icmp),
	};

	(void)ipv4;
	unit_filter();
	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
