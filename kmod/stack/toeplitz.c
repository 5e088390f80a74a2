// SPDX-License-Identifier: GPL-2.0
/*
 * Toeplitz hash as computed by RSS NICs, and the flow group derived from
 * it.  A flow group is one entry of the NIC's RSS indirection table: the
 * low bits of the hash of a received packet's
 * {source address, destination address, source port, destination port}.
 */
#include "stack.h"

const u8 ix_toeplitz_default_key[IX_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* input may be at most IX_RSS_KEY_LEN - 4 bytes long */
u32 ix_toeplitz_hash(const u8 *key, const u8 *input, u32 len)
{
	u32 window = ix_get32(key);
	u32 hash = 0;
	u32 i;
	int b;

	for (i = 0; i < len; i++) {
		u8 next = key[i + 4];

		for (b = 7; b >= 0; b--) {
			if (input[i] & (1u << b))
				hash ^= window;
			window = (window << 1) | ((next >> b) & 1);
		}
	}
	return hash;
}

u32 ix_toeplitz_flow(const u8 *key, u32 saddr, u32 daddr, u16 sport,
		     u16 dport)
{
	u8 in[12];

	ix_put32(in, saddr);
	ix_put32(in + 4, daddr);
	ix_put16(in + 8, sport);
	ix_put16(in + 10, dport);
	return ix_toeplitz_hash(key, in, sizeof(in));
}

u32 ix_toeplitz_fg(u32 hash, u32 nfg)
{
	return hash & (nfg - 1);
}
