// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: the TCP/IP stack hands a finished Ethernet frame to its host;
 * the frame goes out on the core's own TX queue with __dev_direct_xmit(),
 * bypassing the qdisc (ixdp paces itself) but still feeding packet taps,
 * so tcpdump sees both directions.
 *
 * When the driver's queue is full, frames wait in the core's backlog (in
 * order) and ixdp_tx_flush() retries them on the next loop step; only a
 * backlog beyond TX_BACKLOG_MAX drops, and TCP recovers those.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>

#include "dataplane.h"

#define TX_BACKLOG_MAX	1024

/*
 * Hand @skb to the driver; false if it must wait (skb kept): the queue is
 * full, or the link is down for a moment (some drivers reset it when
 * features change), which __dev_direct_xmit() would answer by dropping.
 */
static bool tx_one(struct ixdp_core *dp, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	unsigned int len = skb->len;
	int rc;

	if (unlikely(!netif_running(dev) || !netif_carrier_ok(dev))) {
		ixdp_core_stats_inc(&dp->st, tx_no_carrier);
		return false;
	}
	rc = __dev_direct_xmit(skb, dp->txq);
	if (rc == NETDEV_TX_BUSY)
		return false;
	if (dev_xmit_complete(rc) && rc == NET_XMIT_SUCCESS) {
		ixdp_core_stats_inc(&dp->st, tx_frames);
		ixdp_core_stats_add(&dp->st, tx_bytes, len);
	} else {
		/* Dropped by the driver or by __dev_direct_xmit (freed). */
		if (!dev_xmit_complete(rc))
			kfree_skb(skb);
		ixdp_core_stats_inc(&dp->st, tx_drops);
	}
	return true;
}

/* Send what waits in the backlog, oldest first, until the queue fills. */
void ixdp_tx_flush(struct ixdp_core *dp)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&dp->tx_backlog))) {
		if (!tx_one(dp, skb)) {
			__skb_queue_head(&dp->tx_backlog, skb);
			ixdp_core_stats_inc(&dp->st, tx_busy);
			return;
		}
	}
}

void ixdp_tx_frame(void *arg, struct ix_stack *c, struct ix_mbuf *m)
{
	struct ixdp_core *dp = arg;
	struct net_device *dev = dp->port->dev;
	unsigned int hr = LL_RESERVED_SPACE(dev);
	u32 len = m->len;
	struct sk_buff *skb;

	skb = alloc_skb(hr + len, GFP_NOWAIT | __GFP_NOWARN);
	if (unlikely(!skb)) {
		ixdp_core_stats_inc(&dp->st, tx_drops);
		ix_stack_free(c, m);
		return;
	}
	skb_reserve(skb, hr);
	skb_put_data(skb, ix_stack_data(c, m), len);
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	skb->protocol = eth_hdr(skb)->h_proto;
	if ((m->flags & IX_MBUF_CSUM_PARTIAL) &&
	    !skb_partial_csum_set(skb, m->csum_start,
				   offsetof(struct tcphdr, check))) {
		ixdp_core_stats_inc(&dp->st, tx_drops);
		kfree_skb(skb);
		ix_stack_free(c, m);
		return;
	}
	skb_set_queue_mapping(skb, dp->txq);
	ix_stack_free(c, m);

	/*
	 * Taps (packet sockets) see the frame as the stack's own transmit
	 * path shows it to them: with bottom halves off, since their locks
	 * are also taken by the receive softirq on this CPU.
	 */
	if (dev_nit_active(dev)) {
		local_bh_disable();
		dev_queue_xmit_nit(skb, dev);
		local_bh_enable();
	}
	if (skb_queue_empty(&dp->tx_backlog) && tx_one(dp, skb))
		return;
	if (skb_queue_len(&dp->tx_backlog) >= TX_BACKLOG_MAX) {
		ixdp_core_stats_inc(&dp->st, tx_drops);
		kfree_skb(skb);
		return;
	}
	__skb_queue_tail(&dp->tx_backlog, skb);
}
