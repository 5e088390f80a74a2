// SPDX-License-Identifier: GPL-2.0
/*
 * Keyed initial sequence numbers (RFC 6528) and SYN cookies.
 *
 * ISN = M + F(4-tuple, key): M is a 4 us clock, F the low 32 bits of
 * SipHash-2-4 with a per-core random key.
 *
 * A SYN cookie is the ISN of a SYN-ACK sent without keeping state:
 *   bits 0-1  low bits of a 64 s counter (accepted: this one or the last)
 *   bits 2-3  index of the peer's MSS in mss_table
 *   bits 4-7  our window scale + 1 when the peer offered scaling, else 0
 *   bits 8-31 24 bits of SipHash(cookie key, 4-tuple, peer ISN, counter)
 * A connection made from a cookie has no SACK and no timestamps.
 */
#include "tcp.h"

static const u16 mss_table[4] = { 536, 1220, 1440, 1460 };

static u64 rotl(u64 x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static u64 load_le64(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void sipround(u64 *v)
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static void siprounds(u64 *v, int n)
{
	while (n--)
		sipround(v);
}

/* SipHash-2-4 of n little-endian 64-bit words. */
u64 ix_tcp_siphash(const u8 *key, const u64 *words, u32 n)
{
	u64 k0 = load_le64(key), k1 = load_le64(key + 8);
	u64 b = (u64)((n * 8) & 0xff) << 56;
	u64 v[4];
	u32 i;

	v[0] = k0 ^ 0x736f6d6570736575ull;
	v[1] = k1 ^ 0x646f72616e646f6dull;
	v[2] = k0 ^ 0x6c7967656e657261ull;
	v[3] = k1 ^ 0x7465646279746573ull;
	for (i = 0; i < n; i++) {
		v[3] ^= words[i];
		siprounds(v, 2);
		v[0] ^= words[i];
	}
	v[3] ^= b;
	siprounds(v, 2);
	v[0] ^= b;
	v[2] ^= 0xff;
	siprounds(v, 4);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void ix_tcp_isn_init(struct ix_stack *c)
{
	static const u8 zero[sizeof(c->cfg.secret)];

	if (memcmp(c->cfg.secret, zero, sizeof(zero))) {
		memcpy(c->isn_key, c->cfg.secret, sizeof(c->isn_key));
		memcpy(c->cookie_key, c->cfg.secret + sizeof(c->isn_key),
		       sizeof(c->cookie_key));
		return;
	}
	ix_plat_random(c->isn_key, sizeof(c->isn_key));
	ix_plat_random(c->cookie_key, sizeof(c->cookie_key));
}

u32 ix_tcp_isn(struct ix_stack *c, u32 lip, u32 rip, u16 lport, u16 rport)
{
	u64 w[2];

	w[0] = ((u64)lip << 32) | rip;
	w[1] = ((u64)lport << 16) | rport;
	return (u32)(c->now >> 2) + (u32)ix_tcp_siphash(c->isn_key, w, 2);
}

static u32 cookie_hash(struct ix_stack *c, u32 lip, u32 rip,
		       const struct ix_tcp_seg *s, u64 period)
{
	u64 w[3];

	w[0] = ((u64)lip << 32) | rip;
	w[1] = ((u64)s->dport << 48) | ((u64)s->sport << 32) | s->seq;
	w[2] = period;
	return (u32)ix_tcp_siphash(c->cookie_key, w, 3) & 0xffffff;
}

u32 ix_tcp_cookie_make(struct ix_stack *c, u32 lip, u32 rip,
		       const struct ix_tcp_seg *s, u8 *wscale_out)
{
	u64 period = c->now >> IX_TCP_COOKIE_PERIOD_SHIFT;
	u32 mssidx = 0, ws = 0, i;

	for (i = 0; i < 4; i++)
		if (s->mss >= mss_table[i] && mss_table[i] <= c->cfg.mss)
			mssidx = i;
	if (s->ws != IX_TCP_WS_NONE && !c->cfg.no_wscale) {
		*wscale_out = ix_tcp_wscale_for(c->cfg.rcv_buf);
		ws = *wscale_out + 1u;
	} else {
		*wscale_out = IX_TCP_WS_NONE;
	}
	return (cookie_hash(c, lip, rip, s, period) << 8) | (ws << 4) |
	       (mssidx << 2) | (u32)(period & 3);
}

/* s is the ACK completing the handshake: s->seq - 1 was the peer's ISN. */
bool ix_tcp_cookie_check(struct ix_stack *c, u32 lip, u32 rip,
			 const struct ix_tcp_seg *s, u32 *mss, u8 *ws)
{
	u64 period = c->now >> IX_TCP_COOKIE_PERIOD_SHIFT;
	u32 cookie = s->ack - 1;
	struct ix_tcp_seg syn = *s;
	u32 i;

	syn.seq = s->seq - 1;
	for (i = 0; i < 2 && period >= i; i++) {
		u64 p = period - i;

		if ((p & 3) != (cookie & 3))
			continue;
		if (cookie_hash(c, lip, rip, &syn, p) != cookie >> 8)
			continue;
		*mss = mss_table[(cookie >> 2) & 3];
		*ws = ((cookie >> 4) & 0xf) ? ((cookie >> 4) & 0xf) - 1 :
						    IX_TCP_WS_NONE;
		return true;
	}
	return false;
}
