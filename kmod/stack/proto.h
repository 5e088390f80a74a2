/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire formats: header sizes, field offsets and byte-order helpers.
 * Headers are read and written byte by byte, so the core never depends on
 * the host's byte order or on the alignment of a frame.
 */
#ifndef IX_PROTO_H
#define IX_PROTO_H

#include "plat.h"

#define IX_ETH_ALEN		6
#define IX_ETH_HLEN		14
#define IX_ETH_OFF_TYPE		12
#define IX_ETH_P_IPV4		0x0800
#define IX_ETH_P_ARP		0x0806

#define IX_ARP_LEN		28
#define IX_ARP_REQUEST		1
#define IX_ARP_REPLY		2

#define IX_IP_HLEN		20
#define IX_IP_VERSION		4
#define IX_IP_VER_IHL		0x45	/* version 4, 20-byte header */
/* Field offsets in the IPv4 header. */
#define IX_IP_OFF_VER_IHL	0	/* version << 4 | header length / 4 */
#define IX_IP_OFF_TOS		1
#define IX_IP_OFF_TOTLEN	2
#define IX_IP_OFF_ID		4
#define IX_IP_OFF_FRAG		6	/* flags and fragment offset */
#define IX_IP_OFF_TTL		8
#define IX_IP_OFF_PROTO		9
#define IX_IP_OFF_CSUM		10
#define IX_IP_OFF_SADDR		12
#define IX_IP_OFF_DADDR		16
#define IX_IP_PROTO_ICMP	1
#define IX_IP_PROTO_TCP		6
#define IX_IP_DF		0x4000
#define IX_IP_MF		0x2000
#define IX_IP_OFFMASK		0x1fff
#define IX_IP_TTL		64

#define IX_ICMP_HLEN		8
#define IX_ICMP_ECHOREPLY	0
#define IX_ICMP_ECHO		8

#define IX_TCP_HLEN		20
#define IX_TCP_MAXOPT		40
/* Field offsets in the TCP header. */
#define IX_TCP_OFF_SPORT	0
#define IX_TCP_OFF_DPORT	2
#define IX_TCP_OFF_SEQ		4
#define IX_TCP_OFF_ACK		8
#define IX_TCP_OFF_DOFF		12	/* header words, high nibble */
#define IX_TCP_OFF_FLAGS	13
#define IX_TCP_OFF_WND		14
#define IX_TCP_OFF_CSUM		16
#define IX_TCP_OFF_URP		18
#define IX_TCP_FLAGS_MASK	0x3f	/* FIN through URG */
#define IX_TCP_FIN		0x01
#define IX_TCP_SYN		0x02
#define IX_TCP_RST		0x04
#define IX_TCP_PSH		0x08
#define IX_TCP_ACK		0x10
#define IX_TCP_URG		0x20

#define IX_TCPOPT_EOL		0
#define IX_TCPOPT_NOP		1
#define IX_TCPOPT_MSS		2
#define IX_TCPOPT_WS		3
#define IX_TCPOPT_SACKOK	4
#define IX_TCPOPT_SACK		5
#define IX_TCPOPT_TS		8

/* Frame layout used for every transmitted TCP segment. */
#define IX_HDRS_LEN		(IX_ETH_HLEN + IX_IP_HLEN)

static inline u16 ix_get16(const u8 *p)
{
	return (u16)((p[0] << 8) | p[1]);
}

static inline u32 ix_get32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) |
	       (u32)p[3];
}

static inline void ix_put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)(v & 0xff);
}

static inline void ix_put32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)((v >> 16) & 0xff);
	p[2] = (u8)((v >> 8) & 0xff);
	p[3] = (u8)(v & 0xff);
}

/* Sequence-space comparisons (RFC 9293 arithmetic modulo 2^32). */
static inline bool ix_seq_lt(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

static inline bool ix_seq_leq(u32 a, u32 b)
{
	return (s32)(a - b) <= 0;
}

static inline bool ix_seq_gt(u32 a, u32 b)
{
	return (s32)(a - b) > 0;
}

static inline bool ix_seq_geq(u32 a, u32 b)
{
	return (s32)(a - b) >= 0;
}

static inline u32 ix_min32(u32 a, u32 b)
{
	return a < b ? a : b;
}

static inline u32 ix_max32(u32 a, u32 b)
{
	return a > b ? a : b;
}

static inline u64 ix_min64(u64 a, u64 b)
{
	return a < b ? a : b;
}

#endif /* IX_PROTO_H */
