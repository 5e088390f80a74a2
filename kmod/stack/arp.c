// SPDX-License-Identifier: GPL-2.0
/*
 * ARP (RFC 826): a small per-core cache.  Entries are INCOMPLETE while a
 * request is outstanding (holding up to IX_ARP_PENDING frames) and
 * REACHABLE for cfg.arp_timeout_us after the last reply or request from
 * that address.  A once-a-second timer expires entries and retries
 * requests (three tries, then queued frames are dropped and counted).
 */
#include "stack.h"

#define ARP_RETRY_US	1000000
#define ARP_TRIES	3

static void arp_send(struct ix_stack *c, u16 op, const u8 *tha, u32 tpa)
{
	static const u8 zero[IX_ETH_ALEN];
	struct ix_mbuf *m = ix_pool_get(&c->txpool);
	u8 *f, *a;

	if (!m) {
		c->stat[IX_DROP_NOBUF]++;
		return;
	}
	f = ix_stack_data(c, m);
	a = f + IX_ETH_HLEN;
	ix_put16(a, 1);
	ix_put16(a + 2, IX_ETH_P_IPV4);
	a[4] = IX_ETH_ALEN;
	a[5] = 4;
	ix_put16(a + 6, op);
	memcpy(a + 8, c->cfg.mac, IX_ETH_ALEN);
	ix_put32(a + 14, c->cfg.ip);
	memcpy(a + 18, tha ? tha : zero, IX_ETH_ALEN);
	ix_put32(a + 24, tpa);
	m->len = IX_ETH_HLEN + IX_ARP_LEN;
	if (op == IX_ARP_REQUEST)
		c->stat[IX_STAT_ARP_REQ_SENT]++;
	ix_ether_output(c, m, op == IX_ARP_REPLY ? tha : NULL, IX_ETH_P_ARP);
}

static struct ix_arp_entry *find(struct ix_stack *c, u32 ip)
{
	unsigned int i;

	for (i = 0; i < IX_ARP_ENTRIES; i++)
		if (c->arp[i].state != IX_ARP_FREE && c->arp[i].ip == ip)
			return &c->arp[i];
	return NULL;
}

static void flush_pending(struct ix_stack *c, struct ix_arp_entry *e)
{
	struct ix_mbuf *m;

	while ((m = ix_mq_pop(&c->txpool, &e->pending)))
		ix_ether_output(c, m, e->mac, IX_ETH_P_IPV4);
}

/* Through ix_stack_free(): a frame may lie in a buffer of the host's. */
static void purge_pending(struct ix_stack *c, struct ix_arp_entry *e)
{
	struct ix_mbuf *m;

	while ((m = ix_mq_pop(&c->txpool, &e->pending)))
		ix_stack_free(c, m);
}

static void drop_pending(struct ix_stack *c, struct ix_arp_entry *e)
{
	c->stat[IX_DROP_ARP_UNRESOLVED] += e->pending.count;
	purge_pending(c, e);
}

/*
 * Replacement prefers a free slot, then the oldest unresolved entry, and
 * only then a resolved one, so a flood of new addresses (a SYN flood from
 * spoofed sources) cannot push out the neighbours in use.
 */
static struct ix_arp_entry *create(struct ix_stack *c, u32 ip)
{
	struct ix_arp_entry *e, *inc = NULL, *old = NULL, *victim = NULL;
	unsigned int i;

	for (i = 0; i < IX_ARP_ENTRIES; i++) {
		e = &c->arp[i];
		if (e->state == IX_ARP_FREE) {
			victim = e;
			break;
		}
		if (e->state == IX_ARP_INCOMPLETE &&
		    (!inc || e->expires < inc->expires))
			inc = e;
		if (e->state == IX_ARP_REACHABLE &&
		    (!old || e->expires < old->expires))
			old = e;
	}
	if (!victim)
		victim = inc ? inc : old;
	if (victim->state == IX_ARP_INCOMPLETE)
		drop_pending(c, victim);
	victim->ip = ip;
	victim->state = IX_ARP_INCOMPLETE;
	victim->tries = 0;
	ix_mq_init(&victim->pending);
	return victim;
}

static void arp_timer(struct ix_stack *c, struct ix_timer *t)
{
	unsigned int i;

	for (i = 0; i < IX_ARP_ENTRIES; i++) {
		struct ix_arp_entry *e = &c->arp[i];

		if (e->state == IX_ARP_FREE || e->expires > c->now)
			continue;
		if (e->state == IX_ARP_REACHABLE) {
			e->state = IX_ARP_FREE;
			c->stat[IX_STAT_ARP_EXPIRED]++;
		} else if (e->tries >= ARP_TRIES) {
			drop_pending(c, e);
			e->state = IX_ARP_FREE;
		} else {
			e->tries++;
			e->expires = c->now + ARP_RETRY_US;
			arp_send(c, IX_ARP_REQUEST, NULL, e->ip);
		}
	}
	ix_timer_arm(&c->tw, t, c->now + ARP_RETRY_US);
}

void ix_arp_init(struct ix_stack *c)
{
	ix_timer_init(&c->t_arp, arp_timer, 0);
	ix_timer_arm(&c->tw, &c->t_arp, c->now + ARP_RETRY_US);
}

void ix_arp_flush(struct ix_stack *c)
{
	unsigned int i;

	for (i = 0; i < IX_ARP_ENTRIES; i++) {
		if (c->arp[i].state == IX_ARP_INCOMPLETE)
			purge_pending(c, &c->arp[i]);
		c->arp[i].state = IX_ARP_FREE;
	}
	ix_timer_cancel(&c->tw, &c->t_arp);
}

/* Gratuitous ARP: a request for our own address. */
void ix_arp_announce(struct ix_stack *c)
{
	arp_send(c, IX_ARP_REQUEST, NULL, c->cfg.ip);
}

const struct ix_arp_entry *ix_arp_lookup(const struct ix_stack *c, u32 ip)
{
	unsigned int i;

	for (i = 0; i < IX_ARP_ENTRIES; i++)
		if (c->arp[i].state != IX_ARP_FREE && c->arp[i].ip == ip)
			return &c->arp[i];
	return NULL;
}

void ix_arp_input(struct ix_stack *c, struct ix_mbuf *m, u8 *a, u32 len)
{
	struct ix_arp_entry *e;
	u32 spa, tpa;
	u16 op;

	if (len < IX_ARP_LEN || ix_get16(a) != 1 ||
	    ix_get16(a + 2) != IX_ETH_P_IPV4 || a[4] != IX_ETH_ALEN ||
	    a[5] != 4) {
		c->stat[IX_DROP_ARP_BAD]++;
		goto out;
	}
	op = ix_get16(a + 6);
	spa = ix_get32(a + 14);
	tpa = ix_get32(a + 24);
	if (op != IX_ARP_REQUEST && op != IX_ARP_REPLY) {
		c->stat[IX_DROP_ARP_BAD]++;
		goto out;
	}
	if (!spa || spa == c->cfg.ip || (a[8] & 1))
		goto out;
	e = find(c, spa);
	if (!e && tpa == c->cfg.ip)
		e = create(c, spa);
	if (e) {
		memcpy(e->mac, a + 8, IX_ETH_ALEN);
		e->state = IX_ARP_REACHABLE;
		e->expires = c->now + c->cfg.arp_timeout_us;
		flush_pending(c, e);
	}
	if (op == IX_ARP_REQUEST && tpa == c->cfg.ip)
		arp_send(c, IX_ARP_REPLY, a + 8, spa);
out:
	ix_stack_free(c, m);
}

void ix_arp_output(struct ix_stack *c, struct ix_mbuf *m, u32 nexthop)
{
	struct ix_arp_entry *e = find(c, nexthop);

	if (e && e->state == IX_ARP_REACHABLE) {
		ix_ether_output(c, m, e->mac, IX_ETH_P_IPV4);
		return;
	}
	if (!e) {
		e = create(c, nexthop);
		e->tries = 1;
		e->expires = c->now + ARP_RETRY_US;
		arp_send(c, IX_ARP_REQUEST, NULL, nexthop);
	}
	if (e->pending.count >= IX_ARP_PENDING) {
		c->stat[IX_DROP_ARP_QUEUE]++;
		ix_stack_free(c, m);
		return;
	}
	ix_mq_push(&c->txpool, &e->pending, m);
}
