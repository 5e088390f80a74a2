// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_refl: the raw NIC ceiling of "make bench-app". An XDP program that
 * sends every IPv4 UDP datagram for port REFL_PORT straight back out of
 * the NIC it came in on (XDP_TX), with the Ethernet addresses, the IP
 * addresses and the UDP ports swapped; everything else goes on to the
 * stack (XDP_PASS), so ARP and the guest's own traffic keep working.
 * Swapping leaves the IP and UDP checksums valid (both are sums).
 *
 * Built with clang -target bpf against the UAPI headers alone (no
 * libbpf headers, no maps, no helpers); attached in the guest with
 * iproute2: ip link set dev eth0 xdpdrv obj xdp_refl.o sec xdp
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

#define REFL_PORT	7

#define SEC(name)	__attribute__((section(name), used))

/* -target bpf is little-endian on x86 (bpfel): network order by hand. */
#define NET16(x)	((__u16)((((x) & 0xff) << 8) | (((x) >> 8) & 0xff)))

SEC("xdp")
int xdp_refl(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	unsigned char mac[ETH_ALEN];
	struct udphdr *udp;
	struct iphdr *ip;
	__be32 addr;
	__be16 port;
	int i;

	if ((void *)(eth + 1) > end || eth->h_proto != NET16(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP ||
	    ip->ihl != 5 || (ip->frag_off & NET16(0x3fff)))
		return XDP_PASS;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end || udp->dest != NET16(REFL_PORT))
		return XDP_PASS;

	for (i = 0; i < ETH_ALEN; i++) {
		mac[i] = eth->h_dest[i];
		eth->h_dest[i] = eth->h_source[i];
		eth->h_source[i] = mac[i];
	}
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
