// SPDX-License-Identifier: GPL-2.0
/*
 * Internet checksum (RFC 1071) in software.  Sums are kept unfolded in a
 * u32 of big-endian 16-bit words; only the last buffer of a chain may have
 * an odd length.
 */
#include "stack.h"

u32 ix_csum_add(u32 sum, const u8 *buf, u32 len)
{
	u64 acc = sum;
	u32 i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (u32)((buf[i] << 8) | buf[i + 1]);
	if (len & 1)
		acc += (u32)buf[len - 1] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (u32)acc;
}

u16 ix_csum_fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

u32 ix_csum_pseudo(u32 src, u32 dst, u8 proto, u16 len)
{
	u64 acc;

	acc = (u64)(src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	acc += proto;
	acc += len;
	return (u32)acc;
}
