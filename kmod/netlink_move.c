// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink commands that move flow groups (IXDP_CMD_FG_MOVE) and park or
 * unpark cores (IXDP_CMD_CORE_SET). The policies in netlink.c check types
 * and ranges; here every cross-attribute rule and every object lookup is
 * checked before anything moves, and each refusal says why via extack.
 */
#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "ixdp.h"
#include "dataplane.h"

int ixdp_nl_put_move(struct sk_buff *msg, const struct ixdp_move_stats *st)
{
	if (nla_put_u32(msg, IXDP_A_MOVE_FGS, st->fgs) ||
	    nla_put_u32(msg, IXDP_A_MOVE_CONNS, st->conns) ||
	    nla_put_u32(msg, IXDP_A_MOVE_HELD, st->held) ||
	    nla_put_u64_64bit(msg, IXDP_A_MOVE_HOLD_NS, st->hold_ns,
			      IXDP_A_PAD) ||
	    nla_put_u64_64bit(msg, IXDP_A_MOVE_SWITCH_NS, st->switch_ns,
			      IXDP_A_PAD) ||
	    nla_put_u64_64bit(msg, IXDP_A_MOVE_EXPORT_NS, st->export_ns,
			      IXDP_A_PAD) ||
	    nla_put_u64_64bit(msg, IXDP_A_MOVE_IMPORT_NS, st->import_ns,
			      IXDP_A_PAD) ||
	    nla_put_u64_64bit(msg, IXDP_A_MOVE_TOTAL_NS, st->total_ns,
			      IXDP_A_PAD))
		return -EMSGSIZE;
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

	if (nla_put_u32(msg, IXDP_A_FG_FROM_CPU, n->from) ||
	    nla_put_u32(msg, IXDP_A_CORE_CPU, n->to) ||
	    (n->fg >= 0 && nla_put_u32(msg, IXDP_A_FG_ID, n->fg)))
		return -EMSGSIZE;
	return ixdp_nl_put_move(msg, n->st);
}

/* One step of a move, for the "events" group. */
void ixdp_nl_announce_move(u32 from, u32 to, s32 fg,
			   const struct ixdp_move_stats *st)
{
	struct move_note n = { .st = st, .from = from, .to = to, .fg = fg };

	ixdp_nl_announce(IXDP_CMD_FG_MOVE, fill_move, &n);
}

/* The core on @cpu, or NULL with extack naming the attribute. */
static struct ixdp_core *core_on(struct ixdp_port *port, struct genl_info *info,
				 int attr)
{
	struct ixdp_core *dp;

	dp = ixdp_port_core_on(port, nla_get_u32(info->attrs[attr]));
	if (dp)
		return dp;
	GENL_SET_ERR_MSG(info, "no dataplane core on this CPU");
	NL_SET_BAD_ATTR(info->extack, info->attrs[attr]);
	return NULL;
}

/* What the request asks for, checked before the port is looked at. */
static int move_args(struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	int n = !!a[IXDP_A_FG_ID] + !!a[IXDP_A_FG_FROM_CPU] +
		!!a[IXDP_A_FG_BALANCE];

	if (n != 1) {
		GENL_SET_ERR_MSG(info,
				 "give one of a flow group, a source core, balance");
		return -EINVAL;
	}
	if (a[IXDP_A_FG_BALANCE] && a[IXDP_A_CORE_CPU]) {
		GENL_SET_ERR_MSG(info, "balance takes no target core");
		NL_SET_BAD_ATTR(info->extack, a[IXDP_A_CORE_CPU]);
		return -EINVAL;
	}
	if (!a[IXDP_A_FG_BALANCE] && !a[IXDP_A_CORE_CPU]) {
		GENL_SET_ERR_MSG(info, "the target core is missing");
		return -EINVAL;
	}
	return 0;
}

static int move(struct ixdp_port *port, struct genl_info *info,
		struct ixdp_move_stats *st)
{
	struct nlattr **a = info->attrs;
	DECLARE_BITMAP(set, IX_FG_MAX);
	struct ixdp_core *src, *dst;
	u8 owner[IX_FG_MAX];
	u32 fg;

	if (a[IXDP_A_FG_BALANCE])
		return ixdp_ctl_rebalance(port, ixdp_nl_announce_move, st,
					  info->extack);
	dst = core_on(port, info, IXDP_A_CORE_CPU);
	if (!dst)
		return -ENOENT;
	if (dst->parked) {
		GENL_SET_ERR_MSG(info, "the target core is parked");
		NL_SET_BAD_ATTR(info->extack, a[IXDP_A_CORE_CPU]);
		return -EINVAL;
	}
	ixdp_port_owners(port, owner);
	bitmap_zero(set, IX_FG_MAX);
	if (a[IXDP_A_FG_ID]) {
		fg = nla_get_u32(a[IXDP_A_FG_ID]);
		if (fg >= port->nfg) {
			GENL_SET_ERR_MSG(info, "no such flow group");
			NL_SET_BAD_ATTR(info->extack, a[IXDP_A_FG_ID]);
			return -ENOENT;
		}
		src = port->dp[owner[fg]];
		__set_bit(fg, set);
	} else {
		src = core_on(port, info, IXDP_A_FG_FROM_CPU);
		if (!src)
			return -ENOENT;
		for (fg = 0; fg < port->nfg; fg++)
			if (owner[fg] == src->slot)
				__set_bit(fg, set);
	}
	return ixdp_fgmove_move(port, set, src, dst, st, ixdp_nl_announce_move,
				info->extack);
}

int ixdp_nl_fg_move(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_move_stats st = {};
	struct ixdp_port *port;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = move_args(info);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ixdp_ctl_lock();
	port = ixdp_port_get();
	if (!port) {
		GENL_SET_ERR_MSG(info, "no port is attached");
		err = -ENODEV;
	} else if (!port->ndp) {
		GENL_SET_ERR_MSG(info, "the port has no core");
		err = -ENODEV;
	} else {
		err = move(port, info, &st);
	}
	ixdp_ctl_unlock();
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

	if (nla_put_u32(msg, IXDP_A_CORE_CPU, n->cpu) ||
	    nla_put_u8(msg, IXDP_A_CORE_PARKED, n->parked))
		return -EMSGSIZE;
	return 0;
}

int ixdp_nl_core_set(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_port *port;
	struct park_note note;
	struct ixdp_core *dp;
	bool changed;
	int err;

	if (!info->attrs[IXDP_A_CORE_CPU] || !info->attrs[IXDP_A_CORE_PARKED]) {
		GENL_SET_ERR_MSG(info, "a core and its parked state are required");
		return -EINVAL;
	}
	note.cpu = nla_get_u32(info->attrs[IXDP_A_CORE_CPU]);
	note.parked = nla_get_u8(info->attrs[IXDP_A_CORE_PARKED]);
	ixdp_ctl_lock();
	port = ixdp_port_get();
	if (!port) {
		GENL_SET_ERR_MSG(info, "no port is attached");
		err = -ENODEV;
		goto out;
	}
	dp = core_on(port, info, IXDP_A_CORE_CPU);
	if (!dp) {
		err = -ENOENT;
		goto out;
	}
	changed = dp->parked != !!note.parked;
	err = ixdp_ctl_core_park(port, dp, note.parked, ixdp_nl_announce_move,
				 info->extack);
	/* In order with the moves parking made: under the lock. */
	if (!err && changed)
		ixdp_nl_announce(IXDP_CMD_CORE_SET, fill_park, &note);
out:
	ixdp_ctl_unlock();
	return err;
}
