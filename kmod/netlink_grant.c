// SPDX-License-Identifier: GPL-2.0
/*
 * IXDP_CMD_GRANT_ADD, _DEL and _GET: the administrator's port grants for
 * unprivileged application contexts (grant.c). The policies of
 * netlink.c check every attribute's type and range; the handlers check
 * how they combine.
 */
#include <net/genetlink.h>

#include "ixdp.h"
#include "grant.h"

/* The grant an ADD or DEL request names; rights default to all. */
static int grant_of(struct genl_info *info, struct ixdp_grant *g)
{
	struct nlattr *attrs[IXDP_GRANT_A_MAX + 1], *uid, *gid, *nest;
	int err;

	err = ixdp_nl_parse(info, IXDP_A_GRANT, attrs, IXDP_GRANT_A_MAX);
	if (err)
		return err;
	nest = info->attrs[IXDP_A_GRANT];
	uid = attrs[IXDP_GRANT_A_UID];
	gid = attrs[IXDP_GRANT_A_GID];
	if (ixdp_nl_need(info, nest, attrs, IXDP_GRANT_A_PORT_LO)) {
		NL_SET_ERR_MSG(info->extack, "a grant needs its first port");
		return -EINVAL;
	}
	if (!uid == !gid) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "a grant names one user or one group");
		return -EINVAL;
	}
	memset(g, 0, sizeof(*g));
	g->lo = nla_get_u16(attrs[IXDP_GRANT_A_PORT_LO]);
	g->hi = attrs[IXDP_GRANT_A_PORT_HI] ?
		nla_get_u16(attrs[IXDP_GRANT_A_PORT_HI]) : g->lo;
	if (g->hi < g->lo) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[IXDP_GRANT_A_PORT_HI],
				    "the last port is below the first");
		return -EINVAL;
	}
	g->is_gid = gid;
	g->id = nla_get_u32(gid ?: uid);
	if (g->id == (u32)-1) {
		NL_SET_ERR_MSG_ATTR(info->extack, gid ?: uid,
				    "-1 is no user or group");
		return -EINVAL;
	}
	g->rights = attrs[IXDP_GRANT_A_RIGHTS] ?
		    nla_get_u32(attrs[IXDP_GRANT_A_RIGHTS]) : IXDP_GRANT_ALL;
	return 0;
}

int ixdp_nl_grant_add(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_grant g;
	int err;

	err = grant_of(info, &g);
	if (err)
		return err;
	err = ixdp_grant_add(&g);
	if (err == -EEXIST)
		GENL_SET_ERR_MSG(info, "that grant exists already");
	else if (err == -ENOSPC)
		GENL_SET_ERR_MSG(info, "the grant table is full");
	return err;
}

int ixdp_nl_grant_del(struct sk_buff *skb, struct genl_info *info)
{
	struct ixdp_grant g;
	int err;

	err = grant_of(info, &g);
	if (err)
		return err;
	err = ixdp_grant_del(&g);
	if (err)
		GENL_SET_ERR_MSG(info, "no grant with those ports and that user or group");
	return err;
}

static int put_grant(struct sk_buff *skb, const struct ixdp_grant *g)
{
	struct nlattr *nest = nla_nest_start(skb, IXDP_A_GRANT);

	if (!nest ||
	    nla_put_u16(skb, IXDP_GRANT_A_PORT_LO, g->lo) ||
	    nla_put_u16(skb, IXDP_GRANT_A_PORT_HI, g->hi) ||
	    nla_put_u32(skb, g->is_gid ? IXDP_GRANT_A_GID : IXDP_GRANT_A_UID,
			g->id) ||
	    nla_put_u32(skb, IXDP_GRANT_A_RIGHTS, g->rights))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* One message per grant; cb->args[0] is the next index. */
int ixdp_nl_grant_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int i = cb->args[0];
	struct ixdp_grant g;
	void *hdr;

	for (; ixdp_grant_get(i, &g); i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ixdp_genl_family,
				  NLM_F_MULTI, IXDP_CMD_GRANT_GET);
		if (!hdr)
			break;
		if (put_grant(skb, &g)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	if (i == cb->args[0] && ixdp_grant_get(i, &g))
		return -EMSGSIZE;
	cb->args[0] = i;
	return skb->len;
}
