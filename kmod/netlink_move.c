// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink commands that move flow groups (IXDP_CMD_FG_MOVE) and park or
 * unpark cores (IXDP_CMD_CORE_SET), in an IXDP_A_MOVE or IXDP_A_CORE
 * nest. The policies in netlink.c check types and ranges; here every
 * cross-attribute rule and every object lookup is checked before
 * anything moves, and each refusal says why via extack.
 */
#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "ixdp.h"
#include "dataplane.h"

/* The results of a move, inside an open IXDP_A_MOVE nest. */
static int put_move_results(struct sk_buff *msg,
			    const struct ixdp_move_stats *st)
{
	if (nla_put_u32(msg, IXDP_MOVE_A_FGS, st->fgs) ||
	    nla_put_u32(msg, IXDP_MOVE_A_CONNS, st->conns) ||
	    nla_put_u32(msg, IXDP_MOVE_A_HELD, st->held) ||
	    nla_put_u64_64bit(msg, IXDP_MOVE_A_HOLD_NS, st->hold_ns,
			      IXDP_MOVE_A_PAD) ||
	    nla_put_u64_64bit(msg, IXDP_MOVE_A_SWITCH_NS, st->switch_ns,
			      IXDP_MOVE_A_PAD) ||
	    nla_put_u64_64bit(msg, IXDP_MOVE_A_EXPORT_NS, st->export_ns,
			      IXDP_MOVE_A_PAD) ||
	    nla_put_u64_64bit(msg, IXDP_MOVE_A_IMPORT_NS, st->import_ns,
			      IXDP_MOVE_A_PAD) ||
	    nla_put_u64_64bit(msg, IXDP_MOVE_A_TOTAL_NS, st->total_ns,
			      IXDP_MOVE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* The results of a move as an IXDP_A_MOVE nest. */
int ixdp_nl_put_move(struct sk_buff *msg, const struct ixdp_move_stats *st)
{
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_MOVE);

	if (!nest || put_move_results(msg, st))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

struct move_note {
	const struct ixdp_move_stats *st;
	u32 from, to;
	s32 fg;				/* -1: several */
};

static int fill_move(struct sk_buff *msg, const void *arg)
{
	const struct move_note *n = arg;
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_MOVE);

	if (!nest ||
	    nla_put_u32(msg, IXDP_MOVE_A_FROM_CPU, n->from) ||
	    nla_put_u32(msg, IXDP_MOVE_A_TO_CPU, n->to) ||
	    (n->fg >= 0 && nla_put_u32(msg, IXDP_MOVE_A_FG, n->fg)) ||
	    put_move_results(msg, n->st))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* One step of a move, for the "events" group. */
void ixdp_nl_announce_move(u32 from, u32 to, s32 fg,
			   const struct ixdp_move_stats *st)
{
	struct move_note n = { .st = st, .from = from, .to = to, .fg = fg };

	ixdp_nl_announce(IXDP_CMD_FG_MOVE, fill_move, &n);
}

/* The core on the CPU that @attr names, or NULL with extack at @attr. */
static struct ixdp_core *core_on(struct ixdp_port *port, struct genl_info *info,
				 const struct nlattr *attr)
{
	struct ixdp_core *dp = ixdp_port_core_on(port, nla_get_u32(attr));

	if (dp)
		return dp;
	NL_SET_ERR_MSG_ATTR(info->extack, attr, "no dataplane core on this CPU");
	return NULL;
}

/* What the request asks for, checked before the port is looked at. */
static int move_args(struct genl_info *info, struct nlattr **a)
{
	struct nlattr *nest = info->attrs[IXDP_A_MOVE];
	int n = !!a[IXDP_MOVE_A_FG] + !!a[IXDP_MOVE_A_FROM_CPU] +
		!!a[IXDP_MOVE_A_BALANCE];

	if (n != 1) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "give one of a flow group, a source core, balance");
		return -EINVAL;
	}
	if (a[IXDP_MOVE_A_BALANCE] && a[IXDP_MOVE_A_TO_CPU]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[IXDP_MOVE_A_TO_CPU],
				    "balance takes no target core");
		return -EINVAL;
	}
	if (!a[IXDP_MOVE_A_BALANCE] &&
	    ixdp_nl_need(info, nest, a, IXDP_MOVE_A_TO_CPU)) {
		NL_SET_ERR_MSG(info->extack, "the target core is missing");
		return -EINVAL;
	}
	return 0;
}

static int move(struct ixdp_port *port, struct genl_info *info,
		struct nlattr **a, struct ixdp_move_stats *st)
{
	DECLARE_BITMAP(set, IX_FG_MAX);
	struct ixdp_core *src, *dst;
	u8 owner[IX_FG_MAX];
	u32 fg;

	if (a[IXDP_MOVE_A_BALANCE])
		return ixdp_ctl_rebalance(port, ixdp_nl_announce_move, st,
					  info->extack);
	dst = core_on(port, info, a[IXDP_MOVE_A_TO_CPU]);
	if (!dst)
		return -ENOENT;
	if (dst->parked) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[IXDP_MOVE_A_TO_CPU],
				    "the target core is parked");
		return -EINVAL;
	}
	ixdp_port_owners(port, owner);
	bitmap_zero(set, IX_FG_MAX);
	if (a[IXDP_MOVE_A_FG]) {
		fg = nla_get_u32(a[IXDP_MOVE_A_FG]);
		if (fg >= port->nfg) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[IXDP_MOVE_A_FG],
					    "no such flow group");
			return -ENOENT;
		}
		src = port->dp[owner[fg]];
		__set_bit(fg, set);
	} else {
		src = core_on(port, info, a[IXDP_MOVE_A_FROM_CPU]);
		if (!src)
			return -ENOENT;
		for (fg = 0; fg < port->nfg; fg++)
			if (owner[fg] == src->slot)
				__set_bit(fg, set);
	}
	return ixdp_fgmove_move(port, set, src, dst, st, ixdp_nl_announce_move,
				info->extack);
}

/* pre_doit holds ixdp_ctl_lock() and found the port (PORT_CTL). */
int ixdp_nl_fg_move(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_port *port = info->user_ptr[0];
	struct nlattr *a[IXDP_MOVE_A_MAX + 1];
	struct ixdp_move_stats st = {};
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = ixdp_nl_parse(info, IXDP_A_MOVE, a, IXDP_MOVE_A_MAX) ?:
	      move_args(info, a);
	if (err)
		return err;
	if (!port->ndp) {
		GENL_SET_ERR_MSG(info, "the port has no core");
		return -ENODEV;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = move(port, info, a, &st);
	if (err)
		goto err_free;
	hdr = genlmsg_put_reply(msg, info, &ixdp_genl_family, 0,
				IXDP_CMD_FG_MOVE);
	err = -EMSGSIZE;
	if (!hdr || ixdp_nl_put_move(msg, &st))
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

struct park_note {
	u32 cpu;
	u8 parked;
};

static int fill_park(struct sk_buff *msg, const void *arg)
{
	const struct park_note *n = arg;
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_CORE);

	if (!nest ||
	    nla_put_u32(msg, IXDP_CORE_A_CPU, n->cpu) ||
	    nla_put_u8(msg, IXDP_CORE_A_PARKED, n->parked))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* pre_doit holds ixdp_ctl_lock() and found the port (PORT_CTL). */
int ixdp_nl_core_set(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_port *port = info->user_ptr[0];
	struct nlattr *tb[IXDP_CORE_A_MAX + 1], *nest;
	struct park_note note;
	struct ixdp_core *dp;
	bool changed;
	int err;

	err = ixdp_nl_parse(info, IXDP_A_CORE, tb, IXDP_CORE_A_MAX);
	if (err)
		return err;
	nest = info->attrs[IXDP_A_CORE];
	if (ixdp_nl_need(info, nest, tb, IXDP_CORE_A_CPU) ||
	    ixdp_nl_need(info, nest, tb, IXDP_CORE_A_PARKED)) {
		NL_SET_ERR_MSG(info->extack,
			       "a core and its parked state are required");
		return -EINVAL;
	}
	note.cpu = nla_get_u32(tb[IXDP_CORE_A_CPU]);
	note.parked = nla_get_u8(tb[IXDP_CORE_A_PARKED]);
	dp = core_on(port, info, tb[IXDP_CORE_A_CPU]);
	if (!dp)
		return -ENOENT;
	changed = dp->parked != !!note.parked;
	err = ixdp_ctl_core_park(port, dp, note.parked, ixdp_nl_announce_move,
				 info->extack);
	/* In order with the moves parking made: under the lock. */
	if (!err && changed)
		ixdp_nl_announce(IXDP_CMD_CORE_SET, fill_park, &note);
	return err;
}
