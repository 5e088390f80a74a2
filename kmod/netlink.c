// SPDX-License-Identifier: GPL-2.0
/*
 * The "ixdp" generic netlink family: the control plane's view of the
 * module. Every message carries one nest per object at its top level
 * (enum ixdp_a), each validated against its own attribute set. Every
 * command has a strict policy of its own, so unknown attributes, wrong
 * types and out-of-range values are refused by the genetlink core before
 * a handler runs; commands that change state need CAP_NET_ADMIN. The
 * pre_doit hook takes the control lock and looks the port up once for
 * the commands that need them (internal_flags). Changes are announced on
 * the "events" group.
 */
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "ixdp.h"
#include "dataplane.h"
#include "grant.h"

enum {
	IXDP_MCGRP_EVENTS_ID,
};

/*
 * The request's @type nest, parsed into @tb. The genetlink core has
 * validated it against the command's policy already.
 */
int ixdp_nl_parse(struct genl_info *info, int type, struct nlattr **tb,
		  unsigned int max)
{
	if (GENL_REQ_ATTR_CHECK(info, type)) {
		GENL_SET_ERR_MSG(info, "the request's object nest is missing");
		return -EINVAL;
	}
	return nla_parse_nested(tb, max, info->attrs[type], NULL,
				info->extack);
}

/* 0 if @nest (parsed into @tb) has @type; else -EINVAL, with extack. */
int ixdp_nl_need(struct genl_info *info, const struct nlattr *nest,
		 struct nlattr **tb, unsigned int type)
{
	if (!NL_REQ_ATTR_CHECK(info->extack, nest, tb, type))
		return 0;
	GENL_SET_ERR_MSG(info, "a required attribute is missing");
	return -EINVAL;
}

/* Commands without a request attribute: any attribute is refused. */
static const struct nla_policy no_attr_policy[IXDP_A_MAX + 1] = {};

/* Beyond the s16 bounds of NLA_POLICY_RANGE() (not const: 6.1's policy) */
static struct netlink_range_validation run_grace_range = {
	.min = IXDP_RUN_GRACE_US_MIN,
	.max = IXDP_RUN_GRACE_US_MAX,
};

static const struct nla_policy config_policy[IXDP_CONFIG_A_MAX + 1] = {
	[IXDP_CONFIG_A_BATCH]	= NLA_POLICY_RANGE(NLA_U32, IXDP_BATCH_MIN,
						   IXDP_BATCH_MAX),
	[IXDP_CONFIG_A_POLL_US]	= NLA_POLICY_MAX(NLA_U32, IXDP_POLL_US_MAX),
	[IXDP_CONFIG_A_RUN_GRACE_US] = NLA_POLICY_FULL_RANGE(NLA_U32,
							     &run_grace_range),
};

static const struct nla_policy set_config_policy[IXDP_A_MAX + 1] = {
	[IXDP_A_CONFIG]	= NLA_POLICY_NESTED(config_policy),
};

static const struct nla_policy port_add_policy[IXDP_PORT_A_MAX + 1] = {
	[IXDP_PORT_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[IXDP_PORT_A_ADDR]	= { .type = NLA_U32 },
	[IXDP_PORT_A_PREFIX]	= NLA_POLICY_RANGE(NLA_U8, 1, 30),
};

static const struct nla_policy port_del_policy[IXDP_PORT_A_MAX + 1] = {
	[IXDP_PORT_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static const struct nla_policy core_add_policy[IXDP_CORE_A_MAX + 1] = {
	[IXDP_CORE_A_CPU]	= { .type = NLA_U32 },
	[IXDP_CORE_A_RXQ]	= NLA_POLICY_MAX(NLA_U16, IXDP_MAX_QUEUES - 1),
	[IXDP_CORE_A_TXQ]	= NLA_POLICY_MAX(NLA_U16, IXDP_MAX_QUEUES - 1),
};

static const struct nla_policy core_del_policy[IXDP_CORE_A_MAX + 1] = {
	[IXDP_CORE_A_CPU]	= { .type = NLA_U32 },
};

static const struct nla_policy core_set_policy[IXDP_CORE_A_MAX + 1] = {
	[IXDP_CORE_A_CPU]	= { .type = NLA_U32 },
	[IXDP_CORE_A_PARKED]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy move_policy[IXDP_MOVE_A_MAX + 1] = {
	[IXDP_MOVE_A_FG]	= NLA_POLICY_MAX(NLA_U32, IX_FG_MAX - 1),
	[IXDP_MOVE_A_FROM_CPU]	= { .type = NLA_U32 },
	[IXDP_MOVE_A_TO_CPU]	= { .type = NLA_U32 },
	[IXDP_MOVE_A_BALANCE]	= { .type = NLA_FLAG },
};

static const struct nla_policy responder_policy[IXDP_RESPONDER_A_MAX + 1] = {
	[IXDP_RESPONDER_A_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[IXDP_RESPONDER_A_MODE]	= NLA_POLICY_MAX(NLA_U8, IXDP_RESP_DISCARD),
};

static const struct nla_policy grant_policy[IXDP_GRANT_A_MAX + 1] = {
	[IXDP_GRANT_A_PORT_LO]	= NLA_POLICY_MIN(NLA_U16, 1),
	[IXDP_GRANT_A_PORT_HI]	= NLA_POLICY_MIN(NLA_U16, 1),
	[IXDP_GRANT_A_UID]	= { .type = NLA_U32 },
	[IXDP_GRANT_A_GID]	= { .type = NLA_U32 },
	[IXDP_GRANT_A_RIGHTS]	= NLA_POLICY_RANGE(NLA_U32, 1, IXDP_GRANT_ALL),
};

/* The top level of each request: the one nest the command takes. */
#define TOP_POLICY(name, type, inner)					\
static const struct nla_policy name[IXDP_A_MAX + 1] = {			\
	[type] = NLA_POLICY_NESTED(inner),				\
}

TOP_POLICY(port_add_top, IXDP_A_PORT, port_add_policy);
TOP_POLICY(port_del_top, IXDP_A_PORT, port_del_policy);
TOP_POLICY(core_add_top, IXDP_A_CORE, core_add_policy);
TOP_POLICY(core_del_top, IXDP_A_CORE, core_del_policy);
TOP_POLICY(core_set_top, IXDP_A_CORE, core_set_policy);
TOP_POLICY(move_top, IXDP_A_MOVE, move_policy);
TOP_POLICY(responder_top, IXDP_A_RESPONDER, responder_policy);
TOP_POLICY(grant_top, IXDP_A_GRANT, grant_policy);

/*
 * What pre_doit does before a command's doit (genl_ops.internal_flags):
 * IXDP_NL_F_CTL takes ixdp_ctl_lock() (the control lock), for
 * changes; IXDP_NL_F_READ takes ixdp_core_lock only, for reads;
 * IXDP_NL_F_PORT also needs the port (-ENODEV without one), which the
 * handler finds in info->user_ptr[0]. post_doit drops the lock.
 */
static int pre_doit(const struct ixdp_genl_split_ops *ops, struct sk_buff *skb,
		    struct genl_info *info)
{
	struct ixdp_port *port;

	if (ops->internal_flags & IXDP_NL_F_CTL)
		ixdp_ctl_lock();
	else if (ops->internal_flags & IXDP_NL_F_READ)
		mutex_lock(&ixdp_core_lock);
	else
		return 0;
	if (!(ops->internal_flags & IXDP_NL_F_PORT))
		return 0;
	port = ixdp_port_get();
	if (!port) {
		GENL_SET_ERR_MSG(info, "no port is attached");
		if (ops->internal_flags & IXDP_NL_F_CTL)
			ixdp_ctl_unlock();
		else
			mutex_unlock(&ixdp_core_lock);
		return -ENODEV;
	}
	info->user_ptr[0] = port;
	return 0;
}

static void post_doit(const struct ixdp_genl_split_ops *ops,
		      struct sk_buff *skb, struct genl_info *info)
{
	if (ops->internal_flags & IXDP_NL_F_CTL)
		ixdp_ctl_unlock();
	else if (ops->internal_flags & IXDP_NL_F_READ)
		mutex_unlock(&ixdp_core_lock);
}

static int put_config(struct sk_buff *skb, const struct ixdp_config *cfg)
{
	struct nlattr *nest = nla_nest_start(skb, IXDP_A_CONFIG);

	if (!nest ||
	    nla_put_u32(skb, IXDP_CONFIG_A_BATCH, cfg->batch) ||
	    nla_put_u32(skb, IXDP_CONFIG_A_POLL_US, cfg->poll_us) ||
	    nla_put_u32(skb, IXDP_CONFIG_A_RUN_GRACE_US, cfg->run_grace_us))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Build a message for @cmd. On success *@hdrp points at the user header
 * and the caller fills attributes, then ends it with genlmsg_end().
 */
static struct sk_buff *new_msg(struct genl_info *info, u8 cmd, void **hdrp)
{
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	if (info)
		*hdrp = genlmsg_put_reply(skb, info, &ixdp_genl_family, 0, cmd);
	else
		*hdrp = genlmsg_put(skb, 0, 0, &ixdp_genl_family, 0, cmd);
	if (!*hdrp) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static int put_version(struct sk_buff *msg)
{
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_VERSION);

	if (!nest ||
	    nla_put_u32(msg, IXDP_VERSION_A_ABI, IXDP_ABI_VERSION) ||
	    nla_put_string(msg, IXDP_VERSION_A_MODULE, IXDP_VERSION) ||
	    nla_put_u64_64bit(msg, IXDP_VERSION_A_FEATURES, IXDP_FEATURES,
			      IXDP_VERSION_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int get_version_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = new_msg(info, IXDP_CMD_GET_VERSION, &hdr);
	if (!msg)
		return -ENOMEM;
	if (put_version(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int get_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_config cfg;
	struct sk_buff *msg;
	void *hdr;

	msg = new_msg(info, IXDP_CMD_GET_CONFIG, &hdr);
	if (!msg)
		return -ENOMEM;
	ixdp_config_get(&cfg);
	if (put_config(msg, &cfg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * Send a notification on the "events" group: @fill adds the attributes of
 * @arg to a message of command @cmd. Best effort: a notification that
 * cannot be built is dropped (listeners re-read the state with a dump).
 */
void ixdp_nl_announce(u8 cmd, int (*fill)(struct sk_buff *, const void *),
		      const void *arg)
{
	struct sk_buff *msg;
	void *hdr;

	msg = new_msg(NULL, cmd, &hdr);
	if (!msg)
		return;
	if (fill(msg, arg)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&ixdp_genl_family, msg, 0, IXDP_MCGRP_EVENTS_ID,
			  GFP_KERNEL);
}

static int fill_config(struct sk_buff *msg, const void *cfg)
{
	return put_config(msg, cfg);
}

static int set_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[IXDP_CONFIG_A_MAX + 1];
	struct ixdp_config vals = {}, now;
	u32 mask = 0;
	int err;

	err = ixdp_nl_parse(info, IXDP_A_CONFIG, tb, IXDP_CONFIG_A_MAX);
	if (err)
		return err;
	if (tb[IXDP_CONFIG_A_BATCH]) {
		vals.batch = nla_get_u32(tb[IXDP_CONFIG_A_BATCH]);
		mask |= IXDP_CFG_BATCH;
	}
	if (tb[IXDP_CONFIG_A_POLL_US]) {
		vals.poll_us = nla_get_u32(tb[IXDP_CONFIG_A_POLL_US]);
		mask |= IXDP_CFG_POLL_US;
	}
	if (tb[IXDP_CONFIG_A_RUN_GRACE_US]) {
		vals.run_grace_us = nla_get_u32(tb[IXDP_CONFIG_A_RUN_GRACE_US]);
		mask |= IXDP_CFG_RUN_GRACE_US;
	}
	if (!mask) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[IXDP_A_CONFIG],
				    "no configuration attribute given");
		return -EINVAL;
	}

	err = ixdp_config_update(mask, &vals, &now, info->extack);
	if (err)
		return err;
	ixdp_nl_announce(IXDP_CMD_SET_CONFIG, fill_config, &now);
	return 0;
}

#define CHANGE(c, fn, pol, f)						\
	{ .cmd = (c), .doit = (fn), .policy = (pol),			\
	  .maxattr = IXDP_A_MAX, .flags = GENL_ADMIN_PERM,		\
	  .internal_flags = (f) }
#define GET(c, fn, f)							\
	{ .cmd = (c), .doit = (fn), .policy = no_attr_policy,		\
	  .maxattr = IXDP_A_MAX, .internal_flags = (f) }
#define DUMP(c, fn)							\
	{ .cmd = (c), .dumpit = (fn), .policy = no_attr_policy,		\
	  .maxattr = IXDP_A_MAX }

#define PORT_CTL	(IXDP_NL_F_CTL | IXDP_NL_F_PORT)
#define PORT_READ	(IXDP_NL_F_READ | IXDP_NL_F_PORT)

static const struct genl_ops ixdp_genl_ops[] = {
	GET(IXDP_CMD_GET_VERSION, get_version_doit, 0),
	GET(IXDP_CMD_GET_CONFIG, get_config_doit, 0),
	CHANGE(IXDP_CMD_SET_CONFIG, set_config_doit, set_config_policy, 0),
	CHANGE(IXDP_CMD_PORT_ADD, ixdp_nl_port_add, port_add_top,
	       IXDP_NL_F_CTL),
	CHANGE(IXDP_CMD_PORT_DEL, ixdp_nl_port_del, port_del_top,
	       IXDP_NL_F_CTL),
	GET(IXDP_CMD_PORT_GET, ixdp_nl_port_get, PORT_READ),
	CHANGE(IXDP_CMD_CORE_ADD, ixdp_nl_core_add, core_add_top, PORT_CTL),
	CHANGE(IXDP_CMD_CORE_DEL, ixdp_nl_core_del, core_del_top, PORT_CTL),
	CHANGE(IXDP_CMD_CORE_SET, ixdp_nl_core_set, core_set_top, PORT_CTL),
	DUMP(IXDP_CMD_CORE_GET, ixdp_nl_core_dump),
	CHANGE(IXDP_CMD_FG_MOVE, ixdp_nl_fg_move, move_top, PORT_CTL),
	DUMP(IXDP_CMD_FG_GET, ixdp_nl_fg_dump),
	DUMP(IXDP_CMD_APP_GET, ixdp_nl_app_dump),
	DUMP(IXDP_CMD_QUEUE_GET, ixdp_nl_queue_dump),
	GET(IXDP_CMD_STATS_GET, ixdp_nl_stats_get, PORT_READ),
	CHANGE(IXDP_CMD_RESPONDER_SET, ixdp_nl_responder_set, responder_top,
	       PORT_CTL),
	CHANGE(IXDP_CMD_GRANT_ADD, ixdp_nl_grant_add, grant_top, 0),
	CHANGE(IXDP_CMD_GRANT_DEL, ixdp_nl_grant_del, grant_top, 0),
	DUMP(IXDP_CMD_GRANT_GET, ixdp_nl_grant_dump),
};

static const struct genl_multicast_group ixdp_genl_mcgrps[] = {
	[IXDP_MCGRP_EVENTS_ID] = { .name = IXDP_MCGRP_EVENTS },
};

struct genl_family ixdp_genl_family __ro_after_init = {
	.name		= IXDP_GENL_NAME,
	.version	= IXDP_GENL_VERSION,
	.module		= THIS_MODULE,
	.netnsok	= true,
	.pre_doit	= pre_doit,
	.post_doit	= post_doit,
	.ops		= ixdp_genl_ops,
	.n_ops		= ARRAY_SIZE(ixdp_genl_ops),
	.mcgrps		= ixdp_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ixdp_genl_mcgrps),
	/* resv_start_op stays 0: every command is strictly validated. */
};

int __init ixdp_netlink_init(void)
{
	return genl_register_family(&ixdp_genl_family);
}

void ixdp_netlink_uninit(void)
{
	genl_unregister_family(&ixdp_genl_family);
}
