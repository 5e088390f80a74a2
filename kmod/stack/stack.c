// SPDX-License-Identifier: GPL-2.0
/*
 * One dataplane core's state: creation, teardown, and the three entry
 * points the host calls from its loop (ix_stack_rx for each received frame,
 * ix_stack_poll to run timers, the tcp.c commands for the application).
 */
#include "stack.h"
#include "tcp.h"

#define BUFSZ		2048

static const char *const stat_names[IX_STAT_NR] = {
	[IX_DROP_ETH_SHORT] = "drop_eth_short",
	[IX_DROP_ETH_TYPE] = "drop_eth_type",
	[IX_DROP_ETH_DST] = "drop_eth_dst",
	[IX_DROP_ARP_BAD] = "drop_arp_bad",
	[IX_DROP_ARP_UNRESOLVED] = "drop_arp_unresolved",
	[IX_DROP_ARP_QUEUE] = "drop_arp_queue",
	[IX_DROP_IP_SHORT] = "drop_ip_short",
	[IX_DROP_IP_VERSION] = "drop_ip_version",
	[IX_DROP_IP_IHL] = "drop_ip_ihl",
	[IX_DROP_IP_LEN] = "drop_ip_len",
	[IX_DROP_IP_CSUM] = "drop_ip_csum",
	[IX_DROP_IP_FRAG] = "drop_ip_frag",
	[IX_DROP_IP_DST] = "drop_ip_dst",
	[IX_DROP_IP_PROTO] = "drop_ip_proto",
	[IX_DROP_ICMP_SHORT] = "drop_icmp_short",
	[IX_DROP_ICMP_CSUM] = "drop_icmp_csum",
	[IX_DROP_ICMP_TYPE] = "drop_icmp_type",
	[IX_DROP_TCP_SHORT] = "drop_tcp_short",
	[IX_DROP_TCP_OFF] = "drop_tcp_off",
	[IX_DROP_TCP_CSUM] = "drop_tcp_csum",
	[IX_DROP_TCP_NOCONN] = "drop_tcp_noconn",
	[IX_DROP_TCP_OOW] = "drop_tcp_out_of_window",
	[IX_DROP_TCP_PAWS] = "drop_tcp_paws",
	[IX_DROP_TCP_ACK] = "drop_tcp_bad_ack",
	[IX_DROP_TCP_RCVBUF] = "drop_tcp_rcvbuf",
	[IX_DROP_TCP_RX_ROOM] = "drop_tcp_rx_room",
	[IX_DROP_TCP_PREACCEPT] = "drop_tcp_preaccept",
	[IX_DROP_TCP_BADCOOKIE] = "drop_tcp_bad_cookie",
	[IX_DROP_TCP_BACKLOG] = "drop_tcp_backlog",
	[IX_DROP_TCP_ACCEPT_FULL] = "drop_tcp_accept_full",
	[IX_DROP_TCP_NOMEM] = "drop_tcp_nomem",
	[IX_DROP_TCP_FLAGS] = "drop_tcp_flags",
	[IX_DROP_FG] = "drop_foreign_flow_group",
	[IX_DROP_NOBUF] = "drop_nobuf",
	[IX_STAT_RX_FRAMES] = "rx_frames",
	[IX_STAT_TX_FRAMES] = "tx_frames",
	[IX_STAT_ARP_REQ_SENT] = "arp_requests_sent",
	[IX_STAT_ARP_EXPIRED] = "arp_expired",
	[IX_STAT_ICMP_ECHO] = "icmp_echo_replies",
	[IX_STAT_TCP_RETRANS] = "tcp_retransmits",
	[IX_STAT_TCP_TW_RECYCLED] = "tcp_time_wait_recycled",
	[IX_STAT_TCP_RTO] = "tcp_timeouts",
	[IX_STAT_TCP_FAST_RETRANS] = "tcp_fast_retransmits",
	[IX_STAT_TCP_PARTIAL_ACK] = "tcp_partial_acks",
	[IX_STAT_TCP_SACK_RETRANS] = "tcp_sack_retransmits",
	[IX_STAT_TCP_CHALLENGE_ACK] = "tcp_challenge_acks",
	[IX_STAT_TCP_SYNCOOKIE_SENT] = "tcp_syncookies_sent",
	[IX_STAT_TCP_SYNCOOKIE_OK] = "tcp_syncookies_ok",
	[IX_STAT_TCP_PROBE] = "tcp_window_probes",
	[IX_STAT_TCP_RST_SENT] = "tcp_rst_sent",
	[IX_STAT_TCP_RST_RCVD] = "tcp_rst_received",
	[IX_STAT_TCP_DUPSEG] = "tcp_duplicate_segments",
	[IX_STAT_TCP_OOO] = "tcp_out_of_order",
	[IX_STAT_TCP_TW_REUSE] = "tcp_time_wait_reuse",
};

const char *ix_stack_stat_name(unsigned int i)
{
	return i < IX_STAT_NR ? stat_names[i] : NULL;
}

int ix_stack_cfg_default(struct ix_stack_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mac[0] = 0x02;
	cfg->mac[5] = 0x01;
	cfg->netmask = 0xffffff00u;
	cfg->nconn = IX_STACK_NCONN_DEFAULT;
	cfg->nrxbuf = 4096;
	cfg->ntxbuf = 4096;
	cfg->nfg = IX_FG_DEFAULT;
	cfg->rcv_buf = 256 * 1024;
	cfg->snd_buf = 1024 * 1024;
	cfg->mss = 1460;
	cfg->syn_backlog = 64;
	cfg->min_rto_us = 200000;
	cfg->max_rto_us = 60000000;
	cfg->init_rto_us = 1000000;
	cfg->dack_us = 1000;
	cfg->msl_us = 30000000;
	cfg->fin_wait2_us = 60000000;
	cfg->arp_timeout_us = 60000000;
	cfg->challenge_ack_limit = 1000;
	cfg->max_retries = 12;
	cfg->syn_retries = 6;
	return 0;
}

static int check_cfg(const struct ix_stack_cfg *cfg)
{
	if (!cfg->nconn || cfg->nconn > (1u << 24) || !cfg->tx || !cfg->event)
		return -EINVAL;
	if (!cfg->tx_alloc != !cfg->tx_free)
		return -EINVAL;
	if (!cfg->nfg || cfg->nfg > IX_FG_MAX || (cfg->nfg & (cfg->nfg - 1)))
		return -EINVAL;
	if (cfg->mss < 88 || cfg->mss > BUFSZ - IX_HEADROOM - IX_HDRS_LEN -
	    IX_TCP_HLEN - IX_TCP_MAXOPT)
		return -EINVAL;
	if (cfg->rcv_buf < cfg->mss || cfg->rcv_buf > (1u << 30) ||
	    !cfg->snd_buf || cfg->snd_buf > (1u << 30))
		return -EINVAL;
	if (!cfg->min_rto_us || cfg->min_rto_us > cfg->max_rto_us)
		return -EINVAL;
	return 0;
}

struct ix_stack *ix_stack_create(const struct ix_stack_cfg *cfg, u64 now)
{
	static const u8 zero[IX_RSS_KEY_LEN];
	struct ix_stack *c;
	u32 i;

	if (check_cfg(cfg))
		return NULL;
	c = ix_plat_zalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->now = now;
	memcpy(c->rss_key, memcmp(cfg->rss_key, zero, sizeof(zero)) ?
	       cfg->rss_key : ix_toeplitz_default_key, IX_RSS_KEY_LEN);
	for (i = 0; i < cfg->nfg; i++)
		ix_stack_set_fg(c, i, true);
	ix_timerwheel_init(&c->tw, now);
	if (ix_pool_init(&c->rxpool, 0, cfg->nrxbuf, BUFSZ) ||
	    ix_pool_init(&c->txpool, 1, cfg->ntxbuf, BUFSZ) ||
	    ix_flowtab_init(c) || ix_tcp_init(c)) {
		ix_stack_destroy(c);
		return NULL;
	}
	ix_tcp_isn_init(c);
	ix_arp_init(c);
	return c;
}

void ix_stack_destroy(struct ix_stack *c)
{
	if (!c)
		return;
	if (c->tcb)
		ix_tcp_destroy(c);
	if (c->txpool.desc)
		ix_arp_flush(c);
	ix_flowtab_destroy(c);
	ix_pool_destroy(&c->rxpool);
	ix_pool_destroy(&c->txpool);
	ix_plat_free(c);
}

void ix_stack_start(struct ix_stack *c, u64 now)
{
	c->now = now;
	ix_arp_announce(c);
}

bool ix_stack_owns_fg(const struct ix_stack *c, u32 fg)
{
	return fg < IX_FG_MAX && (c->fg_owned[fg / 64] >> (fg % 64)) & 1;
}

void ix_stack_set_fg(struct ix_stack *c, u32 fg, bool owned)
{
	if (fg >= IX_FG_MAX)
		return;
	if (owned)
		c->fg_owned[fg / 64] |= 1ull << (fg % 64);
	else
		c->fg_owned[fg / 64] &= ~(1ull << (fg % 64));
}

struct ix_mbuf *ix_stack_rxbuf(struct ix_stack *c)
{
	struct ix_mbuf *m = ix_pool_get(&c->rxpool);

	if (!m)
		c->stat[IX_DROP_NOBUF]++;
	return m;
}

/*
 * A TX buffer for a frame of @len bytes: in the host's memory if it has
 * cfg.tx_alloc, in the TX pool otherwise. NULL if there is none.
 */
struct ix_mbuf *ix_stack_txbuf(struct ix_stack *c, u32 len)
{
	struct ix_mbuf *m = ix_pool_get(&c->txpool);

	if (!m || !c->cfg.tx_alloc)
		return m;
	if (unlikely(!c->cfg.tx_alloc(c->cfg.arg, m, len))) {
		ix_pool_put(&c->txpool, m);
		return NULL;
	}
	m->off = 0;
	return m;
}

/*
 * A descriptor for a received frame that stays in the host's memory:
 * @frame (its first byte, @len bytes) must stay valid and unchanged until
 * the stack frees the descriptor, which calls @release(@host). The
 * descriptor counts against the RX pool like any other. NULL when there
 * is none: the frame is still the host's.
 */
struct ix_mbuf *ix_stack_rxbuf_lent(struct ix_stack *c, u8 *frame, u32 len,
				    void (*release)(void *host),
				    void *host)
{
	struct ix_mbuf *m = ix_stack_rxbuf(c);

	if (!m)
		return NULL;
	m->ext = frame;
	m->off = 0;
	m->len = (u16)len;
	m->release = release;
	m->host = host;
	c->rxpool.nlent++;
	return m;
}

static struct ix_pool *pool_of(struct ix_stack *c, const struct ix_mbuf *m)
{
	return m->pool ? &c->txpool : &c->rxpool;
}

u8 *ix_stack_data(struct ix_stack *c, struct ix_mbuf *m)
{
	if (m->ext)
		return m->ext + m->off;
	return ix_pool_buf(pool_of(c, m), m) + m->off;
}

void ix_stack_free(struct ix_stack *c, struct ix_mbuf *m)
{
	/* A lent received frame goes back through the pool's release. */
	if (m->pool && m->ext) {
		c->cfg.tx_free(c->cfg.arg, m);
		m->ext = NULL;
		m->host = NULL;
	}
	ix_pool_put(pool_of(c, m), m);
}

void ix_stack_xmit(struct ix_stack *c, struct ix_mbuf *m)
{
	c->stat[IX_STAT_TX_FRAMES]++;
	c->cfg.tx(c->cfg.arg, c, m);
}

void ix_stack_emit(struct ix_stack *c, const struct ix_event *ev)
{
	c->cfg.event(c->cfg.arg, ev);
}

/* From inside the event hook: the recv event's bytes have been copied. */
void ix_stack_rx_consumed(struct ix_stack *c)
{
	c->rx_consumed = true;
}

/*
 * From inside the event hook: the recv event's bytes wait for
 * ix_tcp_rx_pull(), which takes the connection's buffered bytes by count.
 */
void ix_stack_rx_deferred(struct ix_stack *c)
{
	c->rx_deferred = true;
}

void ix_stack_rx(struct ix_stack *c, struct ix_mbuf *m, u64 now)
{
	if (now > c->now)
		c->now = now;
	c->stat[IX_STAT_RX_FRAMES]++;
	if (m->len > c->rxpool.bufsz - m->off) {
		c->stat[IX_DROP_ETH_SHORT]++;
		ix_stack_free(c, m);
		return;
	}
	ix_ether_input(c, m);
}

/* Copying variant for hosts whose frames are not in an RX pool buffer. */
int ix_stack_rx_frame(struct ix_stack *c, const u8 *frame, u32 len, u16 flags,
		      u64 now)
{
	struct ix_mbuf *m;

	if (len > c->rxpool.bufsz - IX_HEADROOM)
		return -EMSGSIZE;
	m = ix_stack_rxbuf(c);
	if (!m)
		return -ENOBUFS;
	memcpy(ix_stack_data(c, m), frame, len);
	m->len = (u16)len;
	m->flags = flags & IX_MBUF_CSUM_OK;
	ix_stack_rx(c, m, now);
	return 0;
}

/*
 * The time (us) by which ix_stack_poll() must run again; an idle host may
 * sleep until then.
 */
u64 ix_stack_next_timer(const struct ix_stack *c)
{
	return ix_timerwheel_next(&c->tw);
}

void ix_stack_poll(struct ix_stack *c, u64 now)
{
	if (now > c->now)
		c->now = now;
	ix_timerwheel_advance(c, &c->tw, c->now);
	ix_tcp_release_dead(c);
}
