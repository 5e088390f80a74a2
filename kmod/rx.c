// SPDX-License-Identifier: GPL-2.0
/*
 * The receive handler: the one place where frames leave Linux for ixdp.
 * It runs where the driver delivers (softirq, or a dataplane kthread
 * inside napi_busy_loop()), classifies the frame and either leaves it to
 * Linux or hands it to the core that owns its flow group, through the
 * single-producer ring of this CPU. It never takes a lock.
 *
 * ixdp takes: IPv4 addressed to the port's address, and ARP whose target
 * is that address. Requests go to one core (any core may answer); replies
 * go to every core, since each keeps its own neighbour cache.
 */
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/if_vlan.h>
#include <net/busy_poll.h>
#include <net/ip.h>

#include "dataplane.h"
#include "trace.h"

struct arp_ipv4 {
	struct arphdr hdr;
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

/* Push @skb to @dp's ring of this CPU; false (and skb freed) when full. */
static bool rx_push(struct ixdp_port *port, struct ixdp_core *dp,
		    struct sk_buff *skb)
{
	struct ixdp_handoff *r = dp->in[smp_processor_id()];

	/* Before the push: the core may free the frame at once after it. */
	trace_ixdp_rx_frame(dp, skb);
	/* No ring: a CPU that came present after the core (ring_full). */
	if (unlikely(!r || !ixdp_handoff_push(r, skb))) {
		ixdp_rx_stats_inc(this_cpu_ptr(port->rx_stats), ring_full);
		kfree_skb(skb);
		return false;
	}
	ixdp_core_kick(dp);
	return true;
}

/*
 * Learn the NAPI instance of each core's RX queue from the frames it
 * delivers: neither 6.1 nor virtio-net on 6.12 maps a queue to its NAPI
 * id, so a core can busy-poll its queue only once this is known.
 */
static void rx_learn_napi(const struct ixdp_map *map, struct sk_buff *skb)
{
#ifdef CONFIG_NET_RX_BUSY_POLL
	unsigned int i, q;

	if (!skb_rx_queue_recorded(skb) || skb->napi_id < MIN_NAPI_ID)
		return;
	q = skb_get_rx_queue(skb);
	for (i = 0; i < map->ndp; i++)
		if (map->dp[i]->rxq == q && !READ_ONCE(map->dp[i]->napi_id))
			WRITE_ONCE(map->dp[i]->napi_id, skb->napi_id);
#endif
}

/*
 * The flow group of an IPv4 frame: Toeplitz over addresses and ports.
 * A TCP segment's hash is the one the stack looks its connection up by:
 * it goes in the skb's cb so that the stack need not compute it again.
 */
static u32 rx_flow_group(const struct ixdp_port *port, struct sk_buff *skb,
			 const struct iphdr *iph)
{
	struct ixdp_skb_cb *cb = IXDP_SKB_CB(skb);
	u16 sport = 0, dport = 0;
	__be16 ports[2], *pp;
	u32 hash;

	cb->has_hash = false;
	if ((iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) &&
	    !(iph->frag_off & htons(IP_MF | IP_OFFSET))) {
		pp = skb_header_pointer(skb, iph->ihl * 4, sizeof(ports), ports);
		if (pp) {
			sport = ntohs(pp[0]);
			dport = ntohs(pp[1]);
			cb->has_hash = iph->protocol == IPPROTO_TCP;
		}
	}
	hash = ix_toeplitz_flow(port->rss_key, ntohl(iph->saddr),
				ntohl(iph->daddr), sport, dport);
	cb->hash = hash;
	return ix_toeplitz_fg(hash, port->nfg);
}

/* Is this ARP frame about the port's address? Sets *@request. */
static bool rx_arp_is_ours(const struct ixdp_port *port, struct sk_buff *skb,
			   bool *request)
{
	const struct arp_ipv4 *arp;
	struct arp_ipv4 _arp;

	arp = skb_header_pointer(skb, 0, sizeof(_arp), &_arp);
	if (!arp || arp->hdr.ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->hdr.ar_pro != htons(ETH_P_IP) || arp->tip != port->addr)
		return false;
	*request = arp->hdr.ar_op == htons(ARPOP_REQUEST);
	return true;
}

static void rx_arp(struct ixdp_port *port, const struct ixdp_map *map,
		   struct sk_buff *skb, bool request)
{
	struct sk_buff *copy;
	unsigned int i;

	IXDP_SKB_CB(skb)->fg = IXDP_FG_NONE;
	IXDP_SKB_CB(skb)->has_hash = false;
	/* Parked cores serve no flow group and need no neighbours. */
	for (i = 0; !request && i < map->ndp; i++) {
		if (i == map->arp_dp || !(map->active & BIT_ULL(i)))
			continue;
		copy = skb_clone(skb, GFP_ATOMIC);
		if (copy)
			rx_push(port, map->dp[i], copy);
	}
	rx_push(port, map->dp[map->arp_dp], skb);
}

rx_handler_result_t ixdp_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	const struct iphdr *iph = NULL;
	struct ixdp_port *port;
	struct ixdp_map *map;
	bool request = false;
	struct iphdr _iph;
	u32 fg;

	port = rcu_dereference(skb->dev->rx_handler_data);

	if (skb->pkt_type == PACKET_OTHERHOST || skb_vlan_tag_present(skb))
		goto pass;
	if (skb->protocol == htons(ETH_P_IP)) {
		iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
		if (!iph || iph->daddr != port->addr ||
		    skb->pkt_type != PACKET_HOST)
			goto pass;
	} else if (skb->protocol != htons(ETH_P_ARP) ||
		   !rx_arp_is_ours(port, skb, &request)) {
		goto pass;
	}

	/* From here on the frame is ixdp's, whatever becomes of it. */
	local_bh_disable();
	map = rcu_dereference(port->map);
	if (!map || !map->ndp) {
		ixdp_rx_stats_inc(this_cpu_ptr(port->rx_stats), no_core);
		kfree_skb(skb);
		goto out;
	}
	/*
	 * A tap may hold a clone; the core only reads the frame, but the
	 * skb itself must be ours to queue.
	 */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb) {
		ixdp_rx_stats_inc(this_cpu_ptr(port->rx_stats), unshare_fail);
		goto out;
	}
	ixdp_rx_stats_inc(this_cpu_ptr(port->rx_stats), consumed);
	rx_learn_napi(map, skb);
	if (iph) {
		fg = rx_flow_group(port, skb, iph);
		IXDP_SKB_CB(skb)->fg = fg;
		rx_push(port, map->dp[map->fg_owner[fg]], skb);
	} else {
		rx_arp(port, map, skb, request);
	}
out:
	local_bh_enable();
	return RX_HANDLER_CONSUMED;
pass:
	ixdp_rx_stats_inc(this_cpu_ptr(port->rx_stats), passed);
	return RX_HANDLER_PASS;
}
