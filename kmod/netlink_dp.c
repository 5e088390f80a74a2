// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink commands of the dataplane objects: port, core (with counters),
 * flow group, application context, NIC queue, the totals of the counters
 * and the built-in responder. Policies live beside the ops table in
 * netlink.c; here every handler checks what the policy cannot (required
 * attributes, cross-attribute rules) and explains refusals via extack.
 * Each object is one nest (IXDP_A_<OBJ>) of its own attribute set; its
 * counters go out twice: typed in STATS, by name in XSTATS.
 */
#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "ixdp.h"
#include "app.h"

static int fill_ifname(struct sk_buff *msg, const void *ifname)
{
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_PORT);

	if (!nest || nla_put_string(msg, IXDP_PORT_A_IFNAME, ifname))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

struct core_id {
	u32 cpu;
	u16 rxq, txq;
};

static int fill_core_id(struct sk_buff *msg, const void *arg)
{
	const struct core_id *id = arg;
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_CORE);

	if (!nest ||
	    nla_put_u32(msg, IXDP_CORE_A_CPU, id->cpu) ||
	    nla_put_u16(msg, IXDP_CORE_A_RXQ, id->rxq) ||
	    nla_put_u16(msg, IXDP_CORE_A_TXQ, id->txq))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* pre_doit holds ixdp_ctl_lock() (IXDP_NL_F_CTL) for the four below. */
int ixdp_nl_port_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[IXDP_PORT_A_MAX + 1], *nest;
	char ifname[IFNAMSIZ];
	int err;

	err = ixdp_nl_parse(info, IXDP_A_PORT, tb, IXDP_PORT_A_MAX);
	if (err)
		return err;
	nest = info->attrs[IXDP_A_PORT];
	if (ixdp_nl_need(info, nest, tb, IXDP_PORT_A_IFNAME) ||
	    ixdp_nl_need(info, nest, tb, IXDP_PORT_A_ADDR) ||
	    ixdp_nl_need(info, nest, tb, IXDP_PORT_A_PREFIX))
		return -EINVAL;
	nla_strscpy(ifname, tb[IXDP_PORT_A_IFNAME], sizeof(ifname));
	err = ixdp_port_add(genl_info_net(info), ifname,
			    nla_get_in_addr(tb[IXDP_PORT_A_ADDR]),
			    nla_get_u8(tb[IXDP_PORT_A_PREFIX]), info->extack);
	if (!err)
		ixdp_nl_announce(IXDP_CMD_PORT_ADD, fill_ifname, ifname);
	return err;
}

int ixdp_nl_port_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[IXDP_PORT_A_MAX + 1];
	char ifname[IFNAMSIZ];
	int err;

	err = ixdp_nl_parse(info, IXDP_A_PORT, tb, IXDP_PORT_A_MAX);
	if (err)
		return err;
	if (ixdp_nl_need(info, info->attrs[IXDP_A_PORT], tb,
			 IXDP_PORT_A_IFNAME))
		return -EINVAL;
	nla_strscpy(ifname, tb[IXDP_PORT_A_IFNAME], sizeof(ifname));
	err = ixdp_port_del(ifname, info->extack);
	if (!err)
		ixdp_nl_announce(IXDP_CMD_PORT_DEL, fill_ifname, ifname);
	return err;
}

/*
 * A counter: its typed attribute (for programs), its display name (for
 * people, in XSTATS) and where it lives.
 */
struct stat_field {
	u16 attr;
	const char *name;
	size_t off;
};

#define DP(a, f)	{ IXDP_CORE_STAT_##a, "dp_" #f,			\
			  offsetof(struct ixdp_core_stats_snapshot, f) }

static const struct stat_field dp_fields[] = {
	DP(RX_FRAMES, rx_frames),
	DP(RX_BYTES, rx_bytes),
	DP(RX_LOCAL, rx_local),
	DP(RX_HANDOFF, rx_handoff),
	DP(RX_NOBUF, rx_nobuf),
	DP(RX_TOO_BIG, rx_too_big),
	DP(TX_FRAMES, tx_frames),
	DP(TX_BYTES, tx_bytes),
	DP(TX_DROPS, tx_drops),
	DP(TX_BUSY, tx_busy),
	DP(TX_NO_CARRIER, tx_no_carrier),
	DP(LOOPS, loops),
	DP(BATCHES, batches),
	DP(BATCH_FRAMES, batch_frames),
	DP(BATCH_MAX, batch_max),
	DP(BUSY_POLLS, busy_polls),
	DP(SLEEPS, sleeps),
	DP(BUSY_NS, busy_ns),
	DP(IDLE_NS, idle_ns),
	DP(APP_CMDS, app_cmds),
	DP(APP_BAD_CMDS, app_bad_cmds),
	DP(APP_EVENTS, app_events),
	DP(APP_RING_FULL, app_ring_full),
	DP(APP_KNOCK_DROPS, app_knock_drops),
	DP(APP_BACKLOG_DROPS, app_backlog_drops),
	DP(APP_DENIED, app_denied),
	DP(APP_SHARE_DROPS, app_share_drops),
	DP(FG_IN, fg_in),
	DP(FG_OUT, fg_out),
	DP(CONNS_IN, conns_in),
	DP(CONNS_OUT, conns_out),
	DP(HELD, held),
	DP(HELD_DROPS, held_drops),
	DP(APPS, apps),
	DP(APP_CONNS, app_conns),
	DP(CONNS, conns),
	DP(RXBUF_FREE, rxbuf_free),
	DP(RXBUF_TOTAL, rxbuf_total),
	DP(TXBUF_FREE, txbuf_free),
	DP(TXBUF_TOTAL, txbuf_total),
	DP(TX_DOORBELLS, tx_doorbells),
	DP(RUN_CALLS, run_calls),
	DP(RUN_LOOPS, run_loops),
	DP(RUN_SLEEPS, run_sleeps),
	DP(RUN_SWITCHES, run_switches),
	DP(TAKEBACKS, takebacks),
	DP(TAKEBACK_LOOPS, takeback_loops),
	DP(KTHREAD_SWITCHES, kthread_switches),
	DP(APP_RX_WAITS, app_rx_waits),
	DP(TCBS, tcbs),
	DP(APP_RX_CHUNKS, app_rx_chunks),
	DP(APP_HANDOFFS, app_handoffs),
	/* Not in the core's snapshot: the responder's (see core_values). */
	{ IXDP_CORE_STAT_EVENT_OVERFLOW, "dp_event_overflow", 0 },
};

#define NDP		ARRAY_SIZE(dp_fields)
#define DP_OVERFLOW	(NDP - 1)

#define RX(a, f)	{ IXDP_PORT_STAT_RX_##a, "rx_" #f,			\
			  offsetof(struct ixdp_rx_stats_snapshot, f) }

static const struct stat_field rx_fields[] = {
	RX(CONSUMED, consumed),
	RX(PASSED, passed),
	RX(RING_FULL, ring_full),
	RX(NO_CORE, no_core),
	RX(UNSHARE_FAIL, unshare_fail),
};

static const struct stat_field app_fields[] = {
	{ IXDP_APP_STAT_CMDS, "app_cmds", 0 },
	{ IXDP_APP_STAT_BAD_CMDS, "app_bad_cmds", 0 },
	{ IXDP_APP_STAT_EVENTS, "app_events", 0 },
};

/* The typed counters @v of @fields as the nest @type (u64, padded). */
static int put_stats(struct sk_buff *msg, int type, int pad,
		     const struct stat_field *fields, const u64 *v,
		     unsigned int n)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(msg, fields[i].attr, v[i], pad))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* One {name, value} entry of an XSTATS nest. */
static int put_xstat(struct sk_buff *msg, const char *name, u64 value)
{
	struct nlattr *st = nla_nest_start(msg, IXDP_XSTATS_A_ENTRY);

	if (!st || nla_put_string(msg, IXDP_XSTAT_A_NAME, name) ||
	    nla_put_u64_64bit(msg, IXDP_XSTAT_A_VALUE, value,
			      IXDP_XSTAT_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, st);
	return 0;
}

static int put_xstats(struct sk_buff *msg, const struct stat_field *fields,
		      const u64 *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (put_xstat(msg, fields[i].name, v[i]))
			return -EMSGSIZE;
	return 0;
}

/* The u64 counters of the snapshot @base that @fields locate. */
static void read_fields(const void *base, const struct stat_field *fields,
			unsigned int n, u64 *v)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		v[i] = *(const u64 *)((const u8 *)base + fields[i].off);
}

/*
 * The counters of an object: typed in @stats_type, by name in
 * @xstats_type (with the stack's @stack, IX_STAT_NR of them, if any).
 */
static int put_counters(struct sk_buff *msg, int stats_type, int pad,
			int xstats_type, const struct stat_field *fields,
			const u64 *v, unsigned int n, const u64 *stack)
{
	struct nlattr *nest;
	unsigned int i;

	if (put_stats(msg, stats_type, pad, fields, v, n))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, xstats_type);
	if (!nest || put_xstats(msg, fields, v, n))
		return -EMSGSIZE;
	for (i = 0; stack && i < IX_STAT_NR; i++)
		if (put_xstat(msg, ix_stack_stat_name(i), stack[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_port(struct sk_buff *msg, const struct ixdp_port *port,
		    bool totals)
{
	u64 v[ARRAY_SIZE(rx_fields)];
	struct ixdp_rx_stats_snapshot sum;
	struct nlattr *nest;

	ixdp_rx_stats_read(port, &sum);
	read_fields(&sum, rx_fields, ARRAY_SIZE(rx_fields), v);
	nest = nla_nest_start(msg, IXDP_A_PORT);
	if (!nest)
		return -EMSGSIZE;
	if (!totals &&
	    (nla_put_string(msg, IXDP_PORT_A_IFNAME, port->dev->name) ||
	     nla_put_u32(msg, IXDP_PORT_A_IFINDEX, port->dev->ifindex) ||
	     nla_put_in_addr(msg, IXDP_PORT_A_ADDR, port->addr) ||
	     nla_put_u8(msg, IXDP_PORT_A_PREFIX, port->prefix) ||
	     nla_put_u8(msg, IXDP_PORT_A_RSS, port->rss)))
		return -EMSGSIZE;
	if (nla_put_u32(msg, IXDP_PORT_A_NFG, port->nfg) ||
	    put_counters(msg, IXDP_PORT_A_STATS, IXDP_PORT_STAT_PAD,
			 IXDP_PORT_A_XSTATS, rx_fields, v, ARRAY_SIZE(v),
			 NULL))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Answer @info with a message of @cmd that @put fills from the port,
 * @size bytes at most. pre_doit holds ixdp_core_lock and found the port
 * (IXDP_NL_F_READ | IXDP_NL_F_PORT).
 */
static int reply_port(struct genl_info *info, u8 cmd, size_t size,
		      int (*put)(struct sk_buff *, const struct ixdp_port *))
{
	struct ixdp_port *port = info->user_ptr[0];
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ixdp_genl_family, 0, cmd);
	if (!hdr || put(msg, port)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int put_port_get(struct sk_buff *msg, const struct ixdp_port *port)
{
	return put_port(msg, port, false);
}

int ixdp_nl_port_get(struct sk_buff *skb, struct genl_info *info)
{
	return reply_port(info, IXDP_CMD_PORT_GET, NLMSG_GOODSIZE,
			  put_port_get);
}

/* The CORE nest of a request, with its required attributes. */
static int core_req(struct genl_info *info, struct nlattr **tb, int need2)
{
	struct nlattr *nest = info->attrs[IXDP_A_CORE];
	int err;

	err = ixdp_nl_parse(info, IXDP_A_CORE, tb, IXDP_CORE_A_MAX);
	if (err)
		return err;
	if (ixdp_nl_need(info, nest, tb, IXDP_CORE_A_CPU) ||
	    (need2 && ixdp_nl_need(info, nest, tb, need2)))
		return -EINVAL;
	return 0;
}

/* pre_doit holds ixdp_ctl_lock() and found the port (PORT_CTL). */
int ixdp_nl_core_add(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_port *port = info->user_ptr[0];
	struct nlattr *tb[IXDP_CORE_A_MAX + 1];
	struct ixdp_move_stats st = {};
	struct core_id id;
	int err;

	err = core_req(info, tb, IXDP_CORE_A_RXQ);
	if (err)
		return err;
	id.cpu = nla_get_u32(tb[IXDP_CORE_A_CPU]);
	id.rxq = nla_get_u16(tb[IXDP_CORE_A_RXQ]);
	id.txq = tb[IXDP_CORE_A_TXQ] ? nla_get_u16(tb[IXDP_CORE_A_TXQ]) :
				       id.rxq;
	err = ixdp_ctl_core_add(port, id.cpu, id.rxq, id.txq, info->extack);
	if (err)
		return err;
	/* The core first, then the moves that give it its share. */
	ixdp_nl_announce(IXDP_CMD_CORE_ADD, fill_core_id, &id);
	if (port->ndp > 1 &&
	    ixdp_ctl_rebalance(port, ixdp_nl_announce_move, &st, NULL))
		pr_warn("cpu %u started, but not all flow groups could move to it\n",
			id.cpu);
	return 0;
}

int ixdp_nl_core_del(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_port *port = info->user_ptr[0];
	struct nlattr *tb[IXDP_CORE_A_MAX + 1];
	struct core_id id = {};
	struct ixdp_core *dp;
	int err;

	err = core_req(info, tb, 0);
	if (err)
		return err;
	id.cpu = nla_get_u32(tb[IXDP_CORE_A_CPU]);
	dp = ixdp_port_core_on(port, id.cpu);
	if (dp) {
		id.rxq = dp->rxq;
		id.txq = dp->txq;
	}
	err = ixdp_ctl_core_del(port, id.cpu, ixdp_nl_announce_move,
				info->extack);
	if (!err)
		ixdp_nl_announce(IXDP_CMD_CORE_DEL, fill_core_id, &id);
	return err;
}

/* A core's typed counters, in dp_fields order. */
static void core_values(const struct ixdp_core *dp, u64 *v)
{
	struct ixdp_core_stats_snapshot s;

	ixdp_core_stats_read(dp, &s);
	read_fields(&s, dp_fields, DP_OVERFLOW, v);
	v[DP_OVERFLOW] = ixdp_responder_overflow(dp->resp);
}

static u32 core_conns(const struct ixdp_core *dp)
{
	const struct ix_stack *c = dp->stack;

	return c->cfg.nconn - READ_ONCE(c->ntcb_free);
}

static int put_core(struct sk_buff *msg, const struct ixdp_core *dp)
{
	const struct ix_stack *c = dp->stack;
	u64 v[NDP], stack[IX_STAT_NR];
	struct nlattr *nest;
	u32 fg, nfg = 0;
	unsigned int i;

	for (fg = 0; fg < dp->port->nfg; fg++)
		nfg += ix_stack_owns_fg(c, fg);
	core_values(dp, v);
	for (i = 0; i < IX_STAT_NR; i++)
		stack[i] = READ_ONCE(c->stat[i]);
	nest = nla_nest_start(msg, IXDP_A_CORE);
	if (!nest ||
	    nla_put_u32(msg, IXDP_CORE_A_CPU, dp->cpu) ||
	    nla_put_u16(msg, IXDP_CORE_A_RXQ, dp->rxq) ||
	    nla_put_u16(msg, IXDP_CORE_A_TXQ, dp->txq) ||
	    nla_put_u32(msg, IXDP_CORE_A_NFG, nfg) ||
	    nla_put_u8(msg, IXDP_CORE_A_PARKED, READ_ONCE(dp->parked)) ||
	    nla_put_u32(msg, IXDP_CORE_A_CONNS, core_conns(dp)) ||
	    put_counters(msg, IXDP_CORE_A_STATS, IXDP_CORE_STAT_PAD,
			 IXDP_CORE_A_XSTATS, dp_fields, v, NDP, stack))
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

/* pre_doit holds ixdp_ctl_lock() and found the port (PORT_CTL). */
int ixdp_nl_responder_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[IXDP_RESPONDER_A_MAX + 1], *nest;
	struct ixdp_port *port = info->user_ptr[0];
	unsigned int i;
	int err;

	err = ixdp_nl_parse(info, IXDP_A_RESPONDER, tb, IXDP_RESPONDER_A_MAX);
	if (err)
		return err;
	nest = info->attrs[IXDP_A_RESPONDER];
	if (ixdp_nl_need(info, nest, tb, IXDP_RESPONDER_A_MODE))
		return -EINVAL;
	if (nla_get_u8(tb[IXDP_RESPONDER_A_MODE]) != IXDP_RESP_NONE &&
	    ixdp_nl_need(info, nest, tb, IXDP_RESPONDER_A_PORT)) {
		NL_SET_ERR_MSG(info->extack, "a responder needs a TCP port");
		return -EINVAL;
	}
	port->resp_mode = nla_get_u8(tb[IXDP_RESPONDER_A_MODE]);
	port->resp_port = tb[IXDP_RESPONDER_A_PORT] ?
			  nla_get_u16(tb[IXDP_RESPONDER_A_PORT]) : 0;
	for (i = 0; i < port->ndp && !err; i++)
		err = ixdp_core_call(port->dp[i], ixdp_responder_apply, NULL);
	if (err)
		GENL_SET_ERR_MSG(info, "a core could not listen on that port");
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
	struct nlattr *nest;
	unsigned int i;
	u64 frames = 0;

	for (i = 0; i < port->ndp; i++)
		frames += READ_ONCE(port->dp[i]->fg_frames[fg]);
	nest = nla_nest_start(msg, IXDP_A_FG);
	if (!nest ||
	    nla_put_u32(msg, IXDP_FG_A_ID, fg) ||
	    nla_put_u32(msg, IXDP_FG_A_CPU, dp->cpu) ||
	    nla_put_u16(msg, IXDP_FG_A_RXQ, dp->rxq) ||
	    nla_put_u64_64bit(msg, IXDP_FG_A_FRAMES, frames, IXDP_FG_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
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

static int put_app_id(struct sk_buff *msg, const struct ixdp_app *app)
{
	if (nla_put_u32(msg, IXDP_APP_A_PID, app->tgid) ||
	    nla_put_u32(msg, IXDP_APP_A_TID, pid_nr(app->pid)) ||
	    nla_put_u32(msg, IXDP_APP_A_CPU, app->params.cpu))
		return -EMSGSIZE;
	return 0;
}

static int fill_app_id(struct sk_buff *msg, const void *arg)
{
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_APP);

	if (!nest || put_app_id(msg, arg))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
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
	u64 v[] = { READ_ONCE(app->ncmds), READ_ONCE(app->bad_cmds),
		    READ_ONCE(app->nevents) };
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_APP);

	BUILD_BUG_ON(ARRAY_SIZE(v) != ARRAY_SIZE(app_fields));
	if (!nest || put_app_id(msg, app) ||
	    nla_put_u32(msg, IXDP_APP_A_CONNS, READ_ONCE(app->nused)) ||
	    nla_put_u32(msg, IXDP_APP_A_MAX_CONNS, app->nconn) ||
	    nla_put_u8(msg, IXDP_APP_A_DEAD, READ_ONCE(app->dead)) ||
	    put_counters(msg, IXDP_APP_A_STATS, IXDP_APP_STAT_PAD,
			 IXDP_APP_A_XSTATS, app_fields, v, ARRAY_SIZE(v),
			 NULL))
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
	struct nlattr *nest;
	u64 cpus = 0;

	for (k = 0; k < port->ndp; k++) {
		const struct ixdp_core *dp = port->dp[k];

		if ((rx ? dp->rxq : dp->txq) != q)
			continue;
		if (dp->cpu < BITS_PER_TYPE(cpus))
			cpus |= BIT_ULL(dp->cpu);
		if (rx && !napi)
			napi = READ_ONCE(dp->napi_id);
	}
	for (fg = 0; rx && map && map->ndp && fg < port->nfg; fg++)
		nfg += map->dp[map->fg_owner[fg]]->rxq == q;
	nest = nla_nest_start(msg, IXDP_A_QUEUE);
	if (!nest ||
	    nla_put_u8(msg, IXDP_QUEUE_A_KIND, rx ? IXDP_QUEUE_RX : IXDP_QUEUE_TX) ||
	    nla_put_u16(msg, IXDP_QUEUE_A_ID, q) ||
	    nla_put_u64_64bit(msg, IXDP_QUEUE_A_CPUS, cpus, IXDP_QUEUE_A_PAD) ||
	    (rx && (nla_put_u32(msg, IXDP_QUEUE_A_NFG, nfg) ||
		    nla_put_u32(msg, IXDP_QUEUE_A_NAPI, napi))))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
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
	u64 sum[NDP] = {}, stack[IX_STAT_NR] = {}, v[NDP];
	struct nlattr *nest;
	unsigned int i, k;
	u32 conns = 0;

	for (i = 0; i < port->ndp; i++) {
		const struct ixdp_core *dp = port->dp[i];

		core_values(dp, v);
		for (k = 0; k < NDP; k++) {
			if (dp_fields[k].attr == IXDP_CORE_STAT_BATCH_MAX)
				sum[k] = max(sum[k], v[k]);
			else
				sum[k] += v[k];
		}
		for (k = 0; k < IX_STAT_NR; k++)
			stack[k] += READ_ONCE(dp->stack->stat[k]);
		conns += core_conns(dp);
	}
	if (put_port(msg, port, true))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, IXDP_A_CORE);
	if (!nest || nla_put_u32(msg, IXDP_CORE_A_CONNS, conns) ||
	    put_counters(msg, IXDP_CORE_A_STATS, IXDP_CORE_STAT_PAD,
			 IXDP_CORE_A_XSTATS, dp_fields, sum, NDP, stack))
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
