/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4), streaming, so the interop hosts can report a digest
 * of every byte they sent or received for comparison with Python's hashlib.
 */
#ifndef IXHOST_SHA256_H
#define IXHOST_SHA256_H

#include <plat.h>

#define SHA256_LEN	32

struct sha256 {
	u32 h[8];
	u64 total;
	u8 blk[64];
	unsigned int fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, u8 out[SHA256_LEN]);
void sha256_hex(const u8 d[SHA256_LEN], char hex[2 * SHA256_LEN + 1]);

#endif /* IXHOST_SHA256_H */
