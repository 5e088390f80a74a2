// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: the TCP/IP stack hands a finished Ethernet frame to its host;
 * the frame goes out on the core's own TX queue, bypassing the qdisc
 * (ixdp paces itself) but still feeding packet taps, so tcpdump sees both
 * directions.
 *
 * TCP segments are built in place in the skb that carries them (the
 * stack's cfg.tx_alloc hook): the copy of the payload from the sender's
 * buffer is the only one on the way out. ARP and ICMP frames, built in
 * the stack's TX pool, are copied into an skb.
 *
 * Frames are not sent one by one: ixdp_tx_frame() queues them in the
 * core's backlog and ixdp_tx_flush(), at the end of every loop step (and
 * of the control requests that make frames), hands them to the driver as
 * one burst under one hold of the queue's lock, telling it to ring its
 * doorbell only with the last frame (xmit_more), as the qdisc layer does
 * for a bulk dequeue. A step that makes more than TX_BURST frames flushes
 * every TX_BURST of them.
 *
 * When the driver's queue is full, frames wait in the backlog (in order)
 * for the next flush; the kthread then sleeps briefly, not until its next
 * timer, so they go out in bounded time. Only a backlog beyond
 * TX_BACKLOG_MAX drops, and TCP recovers those.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>

#include "dataplane.h"

#define TX_BACKLOG_MAX	1024
/* Frames handed to the driver per doorbell, at most. */
#define TX_BURST	64

/*
 * Hand one burst of the backlog to the driver: false if the rest must
 * wait (the queue is full or stopped, or the link is down for a moment:
 * some drivers reset it when features change).
 *
 * As __dev_direct_xmit() does for one frame, with bottom halves off and
 * the queue's lock held (HARD_TX_LOCK); taps see each frame just before
 * the driver does, as in the kernel's xmit_one().
 */
static bool tx_burst(struct ixdp_core *dp, struct net_device *dev,
		     struct netdev_queue *txq)
{
	struct sk_buff_head *q = &dp->tx_backlog;
	unsigned int n = 0, bytes = 0, drops = 0, len;
	bool nit = dev_nit_active(dev), more, ok = true;
	struct sk_buff *skb;
	netdev_tx_t rc;

	local_bh_disable();
	HARD_TX_LOCK(dev, txq, smp_processor_id());
	while ((skb = skb_peek(q))) {
		if (netif_xmit_frozen_or_drv_stopped(txq)) {
			ok = false;
			break;
		}
		__skb_unlink(skb, q);
		more = !skb_queue_empty(q) && n + drops + 1 < TX_BURST;
		if (nit)
			dev_queue_xmit_nit(skb, dev);
		len = skb->len;
		rc = netdev_start_xmit(skb, dev, txq, more);
		if (rc == NETDEV_TX_BUSY) {
			__skb_queue_head(q, skb);
			ok = false;
			break;
		}
		if (rc == NETDEV_TX_OK) {
			n++;
			bytes += len;
		} else {
			/* Dropped by the driver, which freed it. */
			drops++;
		}
		if (!more) {
			if (rc == NETDEV_TX_OK)
				ixdp_core_stats_inc(&dp->st, tx_doorbells);
			break;
		}
	}
	HARD_TX_UNLOCK(dev, txq);
	local_bh_enable();

	if (n) {
		ixdp_core_stats_add(&dp->st, tx_frames, n);
		ixdp_core_stats_add(&dp->st, tx_bytes, bytes);
	}
	if (drops)
		ixdp_core_stats_add(&dp->st, tx_drops, drops);
	return ok;
}

/* Send what waits in the backlog, oldest first, until the queue fills. */
void ixdp_tx_flush(struct ixdp_core *dp)
{
	struct net_device *dev = dp->port->dev;
	struct netdev_queue *txq;

	if (skb_queue_empty(&dp->tx_backlog))
		return;
	if (unlikely(!netif_running(dev) || !netif_carrier_ok(dev))) {
		ixdp_core_stats_inc(&dp->st, tx_no_carrier);
		return;
	}
	txq = netdev_get_tx_queue(dev, dp->txq);
	while (!skb_queue_empty(&dp->tx_backlog)) {
		if (!tx_burst(dp, dev, txq)) {
			ixdp_core_stats_inc(&dp->st, tx_busy);
			return;
		}
	}
}

/* Queue @skb for the next flush; false if it was dropped (freed). */
static bool tx_queue(struct ixdp_core *dp, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct sk_buff *seg;
	bool again = false;

	/*
	 * Checksum help for a device that cannot offload this frame, as
	 * __dev_direct_xmit() does; a frame ixdp builds is never split.
	 */
	seg = validate_xmit_skb_list(skb, dev, &again);
	if (unlikely(seg != skb)) {
		kfree_skb_list(seg);
		return false;
	}
	if (unlikely(skb_queue_len(&dp->tx_backlog) >= TX_BACKLOG_MAX)) {
		kfree_skb(skb);
		return false;
	}
	__skb_queue_tail(&dp->tx_backlog, skb);
	/* A step that makes many frames rings every TX_BURST of them. */
	if (!(skb_queue_len(&dp->tx_backlog) % TX_BURST))
		ixdp_tx_flush(dp);
	return true;
}

/*
 * The stack's cfg.tx_alloc: a TCP segment is built in place in a fresh
 * skb, with the device's headroom, so that it goes out without a copy.
 *
 * alloc_skb(), not netdev_alloc_skb() or napi_alloc_skb(): for frames
 * under 1 KB (ACKs and small segments, the common case) both fall back
 * to the same __alloc_skb() (6.1, 6.12); napi_alloc_skb()'s cached skb
 * heads need a NAPI context of our own.
 */
static bool tx_alloc(void *arg, struct ix_mbuf *m, u32 len)
{
	struct ixdp_core *dp = arg;
	unsigned int hr = LL_RESERVED_SPACE(dp->port->dev);
	struct sk_buff *skb;

	skb = alloc_skb(hr + len, GFP_NOWAIT | __GFP_NOWARN);
	if (unlikely(!skb)) {
		ixdp_core_stats_inc(&dp->st, tx_drops);
		return false;
	}
	skb_reserve(skb, hr);
	m->ext = skb->data;
	m->host = skb;
	return true;
}

/* The stack's cfg.tx_free: a frame built in an skb was never sent. */
static void tx_free(void *arg, struct ix_mbuf *m)
{
	kfree_skb(m->host);
}

/*
 * The skb holding frame @m: the one it was built in, or for a frame in
 * the stack's TX pool (ARP, ICMP) a copy. Gives @m back to the stack.
 */
static struct sk_buff *tx_skb(struct ixdp_core *dp, struct ix_stack *c,
			      struct ix_mbuf *m)
{
	struct net_device *dev = dp->port->dev;
	struct sk_buff *skb = m->host;
	u32 len = m->len;

	if (skb) {
		m->ext = NULL;
		m->host = NULL;
		ix_stack_free(c, m);
		if (WARN_ON_ONCE(len > skb_tailroom(skb))) {
			kfree_skb(skb);
			return NULL;
		}
		__skb_put(skb, len);
		return skb;
	}
	skb = alloc_skb(LL_RESERVED_SPACE(dev) + len,
			GFP_NOWAIT | __GFP_NOWARN);
	if (likely(skb)) {
		skb_reserve(skb, LL_RESERVED_SPACE(dev));
		skb_put_data(skb, ix_stack_data(c, m), len);
	}
	ix_stack_free(c, m);
	return skb;
}

static void tx_frame(void *arg, struct ix_stack *c, struct ix_mbuf *m)
{
	struct ixdp_core *dp = arg;
	bool partial = m->flags & IX_MBUF_CSUM_PARTIAL;
	u16 csum_start = m->csum_start;
	struct sk_buff *skb;

	skb = tx_skb(dp, c, m);
	if (unlikely(!skb)) {
		ixdp_core_stats_inc(&dp->st, tx_drops);
		return;
	}
	skb->dev = dp->port->dev;
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	skb->protocol = eth_hdr(skb)->h_proto;
	if (partial &&
	    !skb_partial_csum_set(skb, csum_start,
				  offsetof(struct tcphdr, check))) {
		ixdp_core_stats_inc(&dp->st, tx_drops);
		kfree_skb(skb);
		return;
	}
	skb_set_queue_mapping(skb, dp->txq);
	if (!tx_queue(dp, skb))
		ixdp_core_stats_inc(&dp->st, tx_drops);
}

/* The stack's transmit hooks (cfg.arg is the core). */
void ixdp_tx_hooks(struct ix_stack_cfg *cfg)
{
	cfg->tx = tx_frame;
	cfg->tx_alloc = tx_alloc;
	cfg->tx_free = tx_free;
}
