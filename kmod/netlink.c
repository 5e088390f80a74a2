// SPDX-License-Identifier: GPL-2.0
/*
 * The "ixdp" generic netlink family: the control plane's view of the
 * module. Every command has its own strict policy (unknown attributes and
 * wrong types are refused by the genetlink core before a handler runs);
 * commands that change state need CAP_NET_ADMIN and explain any refusal
 * through extended ACK. Changes are announced on the "events" group.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "ixdp.h"
#include "dataplane.h"
#include "grant.h"

enum {
	IXDP_MCGRP_EVENTS_ID,
};

static const struct nla_policy set_config_policy[IXDP_A_MAX + 1] = {
	[IXDP_A_CFG_BATCH]	= NLA_POLICY_RANGE(NLA_U32, IXDP_BATCH_MIN,
						   IXDP_BATCH_MAX),
	[IXDP_A_CFG_POLL_US]	= NLA_POLICY_MAX(NLA_U32, IXDP_POLL_US_MAX),
};

static int put_config(struct sk_buff *skb, const struct ixdp_config *cfg)
{
	if (nla_put_u32(skb, IXDP_A_CFG_BATCH, cfg->batch) ||
	    nla_put_u32(skb, IXDP_A_CFG_POLL_US, cfg->poll_us))
		return -EMSGSIZE;
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

static int get_version_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = new_msg(info, IXDP_CMD_GET_VERSION, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, IXDP_A_ABI_VERSION, IXDP_ABI_VERSION) ||
	    nla_put_string(msg, IXDP_A_MODULE_VERSION, IXDP_VERSION) ||
	    nla_put_u64_64bit(msg, IXDP_A_FEATURES, IXDP_FEATURES,
			      IXDP_A_PAD)) {
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

static void announce_config(const struct ixdp_config *cfg)
{
	ixdp_nl_announce(IXDP_CMD_SET_CONFIG, fill_config, cfg);
}

static int set_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct ixdp_config vals = {}, now;
	u32 mask = 0;
	int err;

	if (attrs[IXDP_A_CFG_BATCH]) {
		vals.batch = nla_get_u32(attrs[IXDP_A_CFG_BATCH]);
		mask |= IXDP_CFG_BATCH;
	}
	if (attrs[IXDP_A_CFG_POLL_US]) {
		vals.poll_us = nla_get_u32(attrs[IXDP_A_CFG_POLL_US]);
		mask |= IXDP_CFG_POLL_US;
	}
	if (!mask) {
		GENL_SET_ERR_MSG(info, "no configuration attribute given");
		return -EINVAL;
	}

	err = ixdp_config_update(mask, &vals, &now, info->extack);
	if (err)
		return err;
	announce_config(&now);
	return 0;
}

static const struct nla_policy port_policy[IXDP_A_MAX + 1] = {
	[IXDP_A_PORT_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[IXDP_A_PORT_ADDR]	= { .type = NLA_U32 },
	[IXDP_A_PORT_PREFIX]	= NLA_POLICY_RANGE(NLA_U8, 1, 30),
};

static const struct nla_policy core_policy[IXDP_A_MAX + 1] = {
	[IXDP_A_CORE_CPU]	= { .type = NLA_U32 },
	[IXDP_A_CORE_RXQ]	= NLA_POLICY_MAX(NLA_U16, IXDP_MAX_QUEUES - 1),
	[IXDP_A_CORE_TXQ]	= NLA_POLICY_MAX(NLA_U16, IXDP_MAX_QUEUES - 1),
};

static const struct nla_policy core_set_policy[IXDP_A_MAX + 1] = {
	[IXDP_A_CORE_CPU]	= { .type = NLA_U32 },
	[IXDP_A_CORE_PARKED]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy fg_move_policy[IXDP_A_MAX + 1] = {
	[IXDP_A_FG_ID]		= NLA_POLICY_MAX(NLA_U32, IX_FG_MAX - 1),
	[IXDP_A_FG_FROM_CPU]	= { .type = NLA_U32 },
	[IXDP_A_CORE_CPU]	= { .type = NLA_U32 },
	[IXDP_A_FG_BALANCE]	= { .type = NLA_FLAG },
};

static const struct nla_policy responder_policy[IXDP_A_MAX + 1] = {
	[IXDP_A_RESP_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[IXDP_A_RESP_MODE]	= NLA_POLICY_MAX(NLA_U8, IXDP_RESP_DISCARD),
};

static const struct nla_policy grant_policy[IXDP_A_MAX + 1] = {
	[IXDP_A_GRANT_PORT_LO]	= NLA_POLICY_MIN(NLA_U16, 1),
	[IXDP_A_GRANT_PORT_HI]	= NLA_POLICY_MIN(NLA_U16, 1),
	[IXDP_A_GRANT_UID]	= { .type = NLA_U32 },
	[IXDP_A_GRANT_GID]	= { .type = NLA_U32 },
	[IXDP_A_GRANT_RIGHTS]	= NLA_POLICY_RANGE(NLA_U32, 1, IXDP_GRANT_ALL),
};

static const struct genl_ops ixdp_genl_ops[] = {
	{
		.cmd	= IXDP_CMD_GET_VERSION,
		.doit	= get_version_doit,
	},
	{
		.cmd	= IXDP_CMD_GET_CONFIG,
		.doit	= get_config_doit,
	},
	{
		.cmd	= IXDP_CMD_SET_CONFIG,
		.doit	= set_config_doit,
		.policy	= set_config_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_PORT_ADD,
		.doit	= ixdp_nl_port_add,
		.policy	= port_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_PORT_DEL,
		.doit	= ixdp_nl_port_del,
		.policy	= port_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_PORT_GET,
		.doit	= ixdp_nl_port_get,
	},
	{
		.cmd	= IXDP_CMD_CORE_ADD,
		.doit	= ixdp_nl_core_add,
		.policy	= core_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_CORE_DEL,
		.doit	= ixdp_nl_core_del,
		.policy	= core_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_CORE_SET,
		.doit	= ixdp_nl_core_set,
		.policy	= core_set_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_CORE_GET,
		.dumpit	= ixdp_nl_core_dump,
	},
	{
		.cmd	= IXDP_CMD_FG_MOVE,
		.doit	= ixdp_nl_fg_move,
		.policy	= fg_move_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_FG_GET,
		.dumpit	= ixdp_nl_fg_dump,
	},
	{
		.cmd	= IXDP_CMD_APP_GET,
		.dumpit	= ixdp_nl_app_dump,
	},
	{
		.cmd	= IXDP_CMD_QUEUE_GET,
		.dumpit	= ixdp_nl_queue_dump,
	},
	{
		.cmd	= IXDP_CMD_STATS_GET,
		.doit	= ixdp_nl_stats_get,
	},
	{
		.cmd	= IXDP_CMD_RESPONDER_SET,
		.doit	= ixdp_nl_responder_set,
		.policy	= responder_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_GRANT_ADD,
		.doit	= ixdp_nl_grant_add,
		.policy	= grant_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_GRANT_DEL,
		.doit	= ixdp_nl_grant_del,
		.policy	= grant_policy,
		.maxattr = IXDP_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= IXDP_CMD_GRANT_GET,
		.dumpit	= ixdp_nl_grant_dump,
	},
};

static const struct genl_multicast_group ixdp_genl_mcgrps[] = {
	[IXDP_MCGRP_EVENTS_ID] = { .name = IXDP_MCGRP_EVENTS },
};

struct genl_family ixdp_genl_family __ro_after_init = {
	.name		= IXDP_GENL_NAME,
	.version	= IXDP_GENL_VERSION,
	.module		= THIS_MODULE,
	.netnsok	= true,
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
