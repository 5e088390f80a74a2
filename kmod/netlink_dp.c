// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink commands of the dataplane objects: port, core (with counters),
 * flow group, application context, NIC queue, the totals of the counters
 * and the built-in responder. Policies live beside the ops table in
 * netlink.c; here every handler checks what the policy cannot (required
 * attributes, cross-attribute rules) and explains refusals via extack.
 */
#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "ixdp.h"
#include "app.h"

static int need(struct genl_info *info, int attr)
{
	if (info->attrs[attr])
		return 0;
	GENL_SET_ERR_MSG(info, "a required attribute is missing");
	NL_SET_BAD_ATTR(info->extack, NULL);
	return -EINVAL;
}

static int fill_ifname(struct sk_buff *msg, const void *ifname)
{
	return nla_put_string(msg, IXDP_A_PORT_IFNAME, ifname);
}

struct core_id {
	u32 cpu;
	u16 rxq, txq;
};

static int fill_core_id(struct sk_buff *msg, const void *arg)
{
	const struct core_id *id = arg;

	if (nla_put_u32(msg, IXDP_A_CORE_CPU, id->cpu) ||
	    nla_put_u16(msg, IXDP_A_CORE_RXQ, id->rxq) ||
	    nla_put_u16(msg, IXDP_A_CORE_TXQ, id->txq))
		return -EMSGSIZE;
	return 0;
}

int ixdp_nl_port_add(struct sk_buff *skb, struct genl_info *info)
{
	char ifname[IFNAMSIZ];
	int err;

	err = need(info, IXDP_A_PORT_IFNAME) ?: need(info, IXDP_A_PORT_ADDR) ?:
	      need(info, IXDP_A_PORT_PREFIX);
	if (err)
		return err;
	nla_strscpy(ifname, info->attrs[IXDP_A_PORT_IFNAME], sizeof(ifname));
	ixdp_ctl_lock();
	err = ixdp_port_add(genl_info_net(info), ifname,
			    nla_get_in_addr(info->attrs[IXDP_A_PORT_ADDR]),
			    nla_get_u8(info->attrs[IXDP_A_PORT_PREFIX]),
			    info->extack);
	ixdp_ctl_unlock();
	if (!err)
		ixdp_nl_announce(IXDP_CMD_PORT_ADD, fill_ifname, ifname);
	return err;
}

int ixdp_nl_port_del(struct sk_buff *skb, struct genl_info *info)
{
	char ifname[IFNAMSIZ];
	int err;

	err = need(info, IXDP_A_PORT_IFNAME);
	if (err)
		return err;
	nla_strscpy(ifname, info->attrs[IXDP_A_PORT_IFNAME], sizeof(ifname));
	ixdp_ctl_lock();
	err = ixdp_port_del(ifname, info->extack);
	ixdp_ctl_unlock();
	if (!err)
		ixdp_nl_announce(IXDP_CMD_PORT_DEL, fill_ifname, ifname);
	return err;
}

/* Append one nest of IXDP_A_STAT {name, value} entries per counter. */
static int put_stat(struct sk_buff *msg, const char *name, u64 value)
{
	struct nlattr *st = nla_nest_start(msg, IXDP_A_STAT);

	if (!st || nla_put_string(msg, IXDP_A_STAT_NAME, name) ||
	    nla_put_u64_64bit(msg, IXDP_A_STAT_VALUE, value, IXDP_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, st);
	return 0;
}

struct stat_field {
	const char *name;
	size_t off;
};

static const struct stat_field dp_fields[] = {
	{ "dp_rx_frames", offsetof(struct ixdp_core_stats, rx_frames) },
	{ "dp_rx_bytes", offsetof(struct ixdp_core_stats, rx_bytes) },
	{ "dp_rx_local", offsetof(struct ixdp_core_stats, rx_local) },
	{ "dp_rx_handoff", offsetof(struct ixdp_core_stats, rx_handoff) },
	{ "dp_rx_nobuf", offsetof(struct ixdp_core_stats, rx_nobuf) },
	{ "dp_rx_too_big", offsetof(struct ixdp_core_stats, rx_too_big) },
	{ "dp_tx_frames", offsetof(struct ixdp_core_stats, tx_frames) },
	{ "dp_tx_bytes", offsetof(struct ixdp_core_stats, tx_bytes) },
	{ "dp_tx_drops", offsetof(struct ixdp_core_stats, tx_drops) },
	{ "dp_tx_busy", offsetof(struct ixdp_core_stats, tx_busy) },
	{ "dp_tx_no_carrier", offsetof(struct ixdp_core_stats, tx_no_carrier) },
	{ "dp_loops", offsetof(struct ixdp_core_stats, loops) },
	{ "dp_batches", offsetof(struct ixdp_core_stats, batches) },
	{ "dp_batch_frames", offsetof(struct ixdp_core_stats, batch_frames) },
	{ "dp_batch_max", offsetof(struct ixdp_core_stats, batch_max) },
	{ "dp_busy_polls", offsetof(struct ixdp_core_stats, busy_polls) },
	{ "dp_sleeps", offsetof(struct ixdp_core_stats, sleeps) },
	{ "dp_busy_ns", offsetof(struct ixdp_core_stats, busy_ns) },
	{ "dp_idle_ns", offsetof(struct ixdp_core_stats, idle_ns) },
	{ "dp_app_cmds", offsetof(struct ixdp_core_stats, app_cmds) },
	{ "dp_app_bad_cmds", offsetof(struct ixdp_core_stats, app_bad_cmds) },
	{ "dp_app_events", offsetof(struct ixdp_core_stats, app_events) },
	{ "dp_app_ring_full", offsetof(struct ixdp_core_stats, app_ring_full) },
	{ "dp_app_knock_drops", offsetof(struct ixdp_core_stats, app_knock_drops) },
	{ "dp_app_backlog_drops",
	  offsetof(struct ixdp_core_stats, app_backlog_drops) },
	{ "dp_app_denied", offsetof(struct ixdp_core_stats, app_denied) },
	{ "dp_app_share_drops",
	  offsetof(struct ixdp_core_stats, app_share_drops) },
	{ "dp_fg_in", offsetof(struct ixdp_core_stats, fg_in) },
	{ "dp_fg_out", offsetof(struct ixdp_core_stats, fg_out) },
	{ "dp_conns_in", offsetof(struct ixdp_core_stats, conns_in) },
	{ "dp_conns_out", offsetof(struct ixdp_core_stats, conns_out) },
	{ "dp_held", offsetof(struct ixdp_core_stats, held) },
	{ "dp_held_drops", offsetof(struct ixdp_core_stats, held_drops) },
	{ "dp_apps", offsetof(struct ixdp_core_stats, apps) },
	{ "dp_app_conns", offsetof(struct ixdp_core_stats, app_conns) },
	{ "dp_conns", offsetof(struct ixdp_core_stats, conns) },
	{ "dp_rxbuf_free", offsetof(struct ixdp_core_stats, rxbuf_free) },
	{ "dp_rxbuf_total", offsetof(struct ixdp_core_stats, rxbuf_total) },
	{ "dp_txbuf_free", offsetof(struct ixdp_core_stats, txbuf_free) },
	{ "dp_txbuf_total", offsetof(struct ixdp_core_stats, txbuf_total) },
};

static const struct stat_field rx_fields[] = {
	{ "rx_consumed", offsetof(struct ixdp_rx_stats, consumed) },
	{ "rx_passed", offsetof(struct ixdp_rx_stats, passed) },
	{ "rx_ring_full", offsetof(struct ixdp_rx_stats, ring_full) },
	{ "rx_no_core", offsetof(struct ixdp_rx_stats, no_core) },
	{ "rx_unshare_fail", offsetof(struct ixdp_rx_stats, unshare_fail) },
};

/* The u64 counters of @base named by @fields, as IXDP_A_STAT nests. */
static int put_fields(struct sk_buff *msg, const void *base,
		      const struct stat_field *fields, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (put_stat(msg, fields[i].name,
			     READ_ONCE(*(const u64 *)((const u8 *)base +
						      fields[i].off))))
			return -EMSGSIZE;
	return 0;
}

/* The receive handler's counters, over every CPU. */
static void port_rx_sum(const struct ixdp_port *port, struct ixdp_rx_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct ixdp_rx_stats *s = per_cpu_ptr(port->rx_stats, cpu);

		sum->consumed += READ_ONCE(s->consumed);
		sum->passed += READ_ONCE(s->passed);
		sum->ring_full += READ_ONCE(s->ring_full);
		sum->no_core += READ_ONCE(s->no_core);
		sum->unshare_fail += READ_ONCE(s->unshare_fail);
	}
}

static int put_port(struct sk_buff *msg, const struct ixdp_port *port)
{
	struct ixdp_rx_stats sum;
	struct nlattr *nest;

	port_rx_sum(port, &sum);
	if (nla_put_string(msg, IXDP_A_PORT_IFNAME, port->dev->name) ||
	    nla_put_u32(msg, IXDP_A_PORT_IFINDEX, port->dev->ifindex) ||
	    nla_put_in_addr(msg, IXDP_A_PORT_ADDR, port->addr) ||
	    nla_put_u8(msg, IXDP_A_PORT_PREFIX, port->prefix) ||
	    nla_put_u32(msg, IXDP_A_PORT_NFG, port->nfg) ||
	    nla_put_u8(msg, IXDP_A_PORT_RSS, port->rss))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, IXDP_A_PORT_STATS);
	if (!nest || put_fields(msg, &sum, rx_fields, ARRAY_SIZE(rx_fields)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Answer @info with a message of @cmd that @put fills from the port
 * (-ENODEV without one), @size bytes at most.
 */
static int reply_port(struct genl_info *info, u8 cmd, size_t size,
		      int (*put)(struct sk_buff *, const struct ixdp_port *))
{
	struct ixdp_port *port;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ixdp_genl_family, 0, cmd);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&ixdp_core_lock);
	port = ixdp_port_get();
	err = port ? put(msg, port) : -ENODEV;
	mutex_unlock(&ixdp_core_lock);
	if (err) {
		if (err == -ENODEV)
			GENL_SET_ERR_MSG(info, "no port is attached");
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int ixdp_nl_port_get(struct sk_buff *skb, struct genl_info *info)
{
	return reply_port(info, IXDP_CMD_PORT_GET, NLMSG_GOODSIZE, put_port);
}

int ixdp_nl_core_add(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_move_stats st = {};
	struct ixdp_port *port;
	struct core_id id;
	u16 rxq, txq;
	int err;

	err = need(info, IXDP_A_CORE_CPU) ?: need(info, IXDP_A_CORE_RXQ);
	if (err)
		return err;
	rxq = nla_get_u16(info->attrs[IXDP_A_CORE_RXQ]);
	txq = info->attrs[IXDP_A_CORE_TXQ] ?
	      nla_get_u16(info->attrs[IXDP_A_CORE_TXQ]) : rxq;
	id.cpu = nla_get_u32(info->attrs[IXDP_A_CORE_CPU]);
	id.rxq = rxq;
	id.txq = txq;
	ixdp_ctl_lock();
	port = ixdp_port_get();
	if (!port) {
		GENL_SET_ERR_MSG(info, "attach a port first");
		err = -ENODEV;
	} else {
		err = ixdp_ctl_core_add(port, id.cpu, rxq, txq, info->extack);
	}
	if (!err) {
		/* The core first, then the moves that give it its share. */
		ixdp_nl_announce(IXDP_CMD_CORE_ADD, fill_core_id, &id);
		if (port->ndp > 1 &&
		    ixdp_ctl_rebalance(port, ixdp_nl_announce_move, &st, NULL))
			pr_warn("cpu %u started, but not all flow groups could move to it\n",
				id.cpu);
	}
	ixdp_ctl_unlock();
	return err;
}

int ixdp_nl_core_del(struct sk_buff *skb, struct genl_info *info)
{
	struct core_id id = {};
	struct ixdp_port *port;
	struct ixdp_core *dp;
	int err;

	err = need(info, IXDP_A_CORE_CPU);
	if (err)
		return err;
	ixdp_ctl_lock();
	port = ixdp_port_get();
	if (!port) {
		GENL_SET_ERR_MSG(info, "no port is attached");
		err = -ENODEV;
	} else {
		id.cpu = nla_get_u32(info->attrs[IXDP_A_CORE_CPU]);
		dp = ixdp_port_core_on(port, id.cpu);
		if (dp) {
			id.rxq = dp->rxq;
			id.txq = dp->txq;
		}
		err = ixdp_ctl_core_del(port, id.cpu, ixdp_nl_announce_move,
					info->extack);
	}
	ixdp_ctl_unlock();
	if (!err)
		ixdp_nl_announce(IXDP_CMD_CORE_DEL, fill_core_id, &id);
	return err;
}

static int put_core(struct sk_buff *msg, const struct ixdp_core *dp)
{
	const struct ixdp_core_stats *s = &dp->st;
	const struct ix_stack *c = dp->stack;
	struct nlattr *nest;
	u32 fg, nfg = 0;
	unsigned int i;

	for (fg = 0; fg < dp->port->nfg; fg++)
		nfg += ix_stack_owns_fg(c, fg);
	if (nla_put_u32(msg, IXDP_A_CORE_CPU, dp->cpu) ||
	    nla_put_u16(msg, IXDP_A_CORE_RXQ, dp->rxq) ||
	    nla_put_u16(msg, IXDP_A_CORE_TXQ, dp->txq) ||
	    nla_put_u32(msg, IXDP_A_CORE_NFG, nfg) ||
	    nla_put_u8(msg, IXDP_A_CORE_PARKED, READ_ONCE(dp->parked)) ||
	    nla_put_u32(msg, IXDP_A_CORE_CONNS,
			c->cfg.nconn - READ_ONCE(c->ntcb_free)))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, IXDP_A_CORE_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (put_fields(msg, s, dp_fields, ARRAY_SIZE(dp_fields)))
		return -EMSGSIZE;
	if (put_stat(msg, "dp_event_overflow", ixdp_responder_overflow(dp->resp)))
		return -EMSGSIZE;
	for (i = 0; i < IX_STAT_NR; i++)
		if (put_stat(msg, ix_stack_stat_name(i), READ_ONCE(c->stat[i])))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * A dump of the port's objects 0..@n-1, resumed at cb->args[0]: one
 * message of @cmd each, filled by put(msg, port, i). The caller holds
 * ixdp_core_lock. An object that does not fit even an empty skb is an
 * error; otherwise the dump goes on in the next skb.
 */
static int dump_port(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
		     struct ixdp_port *port, unsigned int n,
		     int (*put)(struct sk_buff *, struct ixdp_port *,
				unsigned int))
{
	unsigned int i = cb->args[0];
	void *hdr;
	int err = 0;

	lockdep_assert_held(&ixdp_core_lock);
	for (; i < n; i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ixdp_genl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr)
			break;
		err = put(skb, port, i);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	if (err && i == cb->args[0])
		return err;
	cb->args[0] = i;
	return skb->len;
}

static int put_core_at(struct sk_buff *msg, struct ixdp_port *port,
		       unsigned int i)
{
	return put_core(msg, port->dp[i]);
}

int ixdp_nl_core_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ixdp_port *port;
	int ret;

	mutex_lock(&ixdp_core_lock);
	port = ixdp_port_get();
	ret = dump_port(skb, cb, IXDP_CMD_CORE_GET, port, port ? port->ndp : 0,
			put_core_at);
	mutex_unlock(&ixdp_core_lock);
	return ret;
}

int ixdp_nl_responder_set(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_port *port;
	unsigned int i;
	int err;

	err = need(info, IXDP_A_RESP_MODE);
	if (err)
		return err;
	if (nla_get_u8(info->attrs[IXDP_A_RESP_MODE]) != IXDP_RESP_NONE &&
	    !info->attrs[IXDP_A_RESP_PORT]) {
		GENL_SET_ERR_MSG(info, "a responder needs a TCP port");
		return -EINVAL;
	}
	ixdp_ctl_lock();
	port = ixdp_port_get();
	if (!port) {
		GENL_SET_ERR_MSG(info, "no port is attached");
		err = -ENODEV;
		goto out;
	}
	port->resp_mode = nla_get_u8(info->attrs[IXDP_A_RESP_MODE]);
	port->resp_port = info->attrs[IXDP_A_RESP_PORT] ?
			  nla_get_u16(info->attrs[IXDP_A_RESP_PORT]) : 0;
	for (i = 0; i < port->ndp && !err; i++)
		err = ixdp_core_call(port->dp[i], ixdp_responder_apply, NULL);
	if (err)
		GENL_SET_ERR_MSG(info, "a core could not listen on that port");
out:
	ixdp_ctl_unlock();
	return err;
}

/* The receive path's map, as the control path (ixdp_core_lock) sees it. */
static const struct ixdp_map *port_map(const struct ixdp_port *port)
{
	return rcu_dereference_protected(port->map,
					 lockdep_is_held(&ixdp_core_lock));
}

/* Flow group @fg: its owner, the owner's queue, its load. */
static int put_fg(struct sk_buff *msg, struct ixdp_port *port, unsigned int fg)
{
	const struct ixdp_map *map = port_map(port);
	const struct ixdp_core *dp = map->dp[map->fg_owner[fg]];
	unsigned int i;
	u64 frames = 0;

	for (i = 0; i < port->ndp; i++)
		frames += READ_ONCE(port->dp[i]->fg_frames[fg]);
	if (nla_put_u32(msg, IXDP_A_FG_ID, fg) ||
	    nla_put_u32(msg, IXDP_A_CORE_CPU, dp->cpu) ||
	    nla_put_u16(msg, IXDP_A_CORE_RXQ, dp->rxq) ||
	    nla_put_u64_64bit(msg, IXDP_A_FG_FRAMES, frames, IXDP_A_PAD))
		return -EMSGSIZE;
	return 0;
}

int ixdp_nl_fg_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct ixdp_map *map;
	struct ixdp_port *port;
	int ret;

	mutex_lock(&ixdp_core_lock);
	port = ixdp_port_get();
	map = port ? port_map(port) : NULL;
	ret = dump_port(skb, cb, IXDP_CMD_FG_GET, port,
			map && map->ndp ? port->nfg : 0, put_fg);
	mutex_unlock(&ixdp_core_lock);
	return ret;
}

static int fill_app_id(struct sk_buff *msg, const void *arg)
{
	const struct ixdp_app *app = arg;

	if (nla_put_u32(msg, IXDP_A_APP_PID, app->tgid) ||
	    nla_put_u32(msg, IXDP_A_APP_TID, pid_nr(app->pid)) ||
	    nla_put_u32(msg, IXDP_A_CORE_CPU, app->params.cpu))
		return -EMSGSIZE;
	return 0;
}

/* An attach or a detach, for the "events" group (process context). */
void ixdp_nl_announce_app(u8 cmd, const struct ixdp_app *app)
{
	ixdp_nl_announce(cmd, fill_app_id, app);
}

/* The kthread writes these counters; a dump reads them stale but whole. */
static int put_app(struct sk_buff *msg, const struct ixdp_app *app)
{
	struct nlattr *nest;

	if (fill_app_id(msg, app) ||
	    nla_put_u32(msg, IXDP_A_APP_CONNS, READ_ONCE(app->nused)) ||
	    nla_put_u32(msg, IXDP_A_APP_MAX_CONNS, app->nconn) ||
	    nla_put_u8(msg, IXDP_A_APP_DEAD, READ_ONCE(app->dead)))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, IXDP_A_APP_STATS);
	if (!nest ||
	    put_stat(msg, "app_cmds", READ_ONCE(app->ncmds)) ||
	    put_stat(msg, "app_bad_cmds", READ_ONCE(app->bad_cmds)) ||
	    put_stat(msg, "app_events", READ_ONCE(app->nevents)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * One message per attached context. Registration changes only through
 * ixdp_core_call() under ixdp_core_lock, so the tables hold still here.
 */
int ixdp_nl_app_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int i = cb->args[0], j = cb->args[1];
	const struct ixdp_app *app;
	struct ixdp_port *port;
	bool full = false;
	void *hdr;
	int err = 0;

	mutex_lock(&ixdp_core_lock);
	port = ixdp_port_get();
	for (; port && i < port->ndp && !full; i++, j = 0) {
		for (; j < IXDP_DP_APPS; j++) {
			app = port->dp[i]->apps->app[j];
			if (!app)
				continue;
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq,
					  &ixdp_genl_family, NLM_F_MULTI,
					  IXDP_CMD_APP_GET);
			if (!hdr || put_app(skb, app)) {
				if (hdr)
					genlmsg_cancel(skb, hdr);
				err = -EMSGSIZE;
				full = true;
				break;
			}
			genlmsg_end(skb, hdr);
		}
		if (full)
			break;
	}
	mutex_unlock(&ixdp_core_lock);
	if (err && i == cb->args[0] && j == cb->args[1])
		return err;
	cb->args[0] = i;
	cb->args[1] = j;
	return skb->len;
}

/* NIC queue @i of the port's device: RX queues first, then TX. */
static int put_queue(struct sk_buff *msg, struct ixdp_port *port,
		     unsigned int i)
{
	unsigned int nrx = port->dev->real_num_rx_queues, k;
	const struct ixdp_map *map = port_map(port);
	bool rx = i < nrx;
	u16 q = rx ? i : i - nrx;
	u32 napi = 0, nfg = 0, fg;
	u64 cpus = 0;

	for (k = 0; k < port->ndp; k++) {
		const struct ixdp_core *dp = port->dp[k];

		if ((rx ? dp->rxq : dp->txq) != q)
			continue;
		if (dp->cpu < 64)
			cpus |= BIT_ULL(dp->cpu);
		if (rx && !napi)
			napi = READ_ONCE(dp->napi_id);
	}
	for (fg = 0; rx && map && map->ndp && fg < port->nfg; fg++)
		nfg += map->dp[map->fg_owner[fg]]->rxq == q;
	if (nla_put_u8(msg, IXDP_A_QUEUE_KIND, rx ? IXDP_QUEUE_RX : IXDP_QUEUE_TX) ||
	    nla_put_u16(msg, IXDP_A_QUEUE_ID, q) ||
	    nla_put_u64_64bit(msg, IXDP_A_QUEUE_CPUS, cpus, IXDP_A_PAD) ||
	    (rx && (nla_put_u32(msg, IXDP_A_QUEUE_NFG, nfg) ||
		    nla_put_u32(msg, IXDP_A_QUEUE_NAPI, napi))))
		return -EMSGSIZE;
	return 0;
}

int ixdp_nl_queue_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ixdp_port *port;
	int ret;

	mutex_lock(&ixdp_core_lock);
	port = ixdp_port_get();
	ret = dump_port(skb, cb, IXDP_CMD_QUEUE_GET, port,
			port ? port->dev->real_num_rx_queues +
			       port->dev->real_num_tx_queues : 0,
			put_queue);
	mutex_unlock(&ixdp_core_lock);
	return ret;
}

/* Every core's counters added up; the maxima stay maxima. */
static int put_totals(struct sk_buff *msg, const struct ixdp_port *port)
{
	u64 dp_sum[ARRAY_SIZE(dp_fields)] = {}, core_sum[IX_STAT_NR] = {};
	u64 overflow = 0, v;
	struct ixdp_rx_stats rx;
	struct nlattr *nest;
	unsigned int i, k;
	u32 conns = 0;

	for (i = 0; i < port->ndp; i++) {
		const struct ixdp_core *dp = port->dp[i];
		const struct ix_stack *c = dp->stack;

		for (k = 0; k < ARRAY_SIZE(dp_fields); k++) {
			v = READ_ONCE(*(const u64 *)((const u8 *)&dp->st +
						     dp_fields[k].off));
			if (dp_fields[k].off == offsetof(struct ixdp_core_stats,
							 batch_max))
				dp_sum[k] = max(dp_sum[k], v);
			else
				dp_sum[k] += v;
		}
		for (k = 0; k < IX_STAT_NR; k++)
			core_sum[k] += READ_ONCE(c->stat[k]);
		overflow += ixdp_responder_overflow(dp->resp);
		conns += c->cfg.nconn - READ_ONCE(c->ntcb_free);
	}
	port_rx_sum(port, &rx);
	if (nla_put_u32(msg, IXDP_A_PORT_NFG, port->nfg) ||
	    nla_put_u32(msg, IXDP_A_CORE_CONNS, conns))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, IXDP_A_PORT_STATS);
	if (!nest || put_fields(msg, &rx, rx_fields, ARRAY_SIZE(rx_fields)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, IXDP_A_CORE_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (k = 0; k < ARRAY_SIZE(dp_fields); k++)
		if (put_stat(msg, dp_fields[k].name, dp_sum[k]))
			return -EMSGSIZE;
	if (put_stat(msg, "dp_event_overflow", overflow))
		return -EMSGSIZE;
	for (k = 0; k < IX_STAT_NR; k++)
		if (put_stat(msg, ix_stack_stat_name(k), core_sum[k]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int ixdp_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	/* About a hundred counters: more than one page of attributes. */
	return reply_port(info, IXDP_CMD_STATS_GET, 4 * NLMSG_GOODSIZE,
			  put_totals);
}
