/* SPDX-License-Identifier: GPL-2.0 */
/* Port grants of unprivileged application contexts (grant.c). */
#ifndef _IXDP_GRANT_H
#define _IXDP_GRANT_H

#include <linux/types.h>

#define IXDP_GRANTS_MAX		256

struct ixdp_app;

struct ixdp_grant {
	u16 lo, hi;		/* TCP ports, inclusive */
	bool is_gid;		/* @id is a group, not a user */
	u32 id;			/* uid or gid in the initial namespace */
	u32 rights;		/* IXDP_GRANT_* */
};

/* grant.c APIs: */
int ixdp_grant_add(const struct ixdp_grant *g);
int ixdp_grant_del(const struct ixdp_grant *g);
bool ixdp_grant_get(unsigned int idx, struct ixdp_grant *g);
bool ixdp_grant_allows(const struct ixdp_app *app, u16 port, u32 right);

/* netlink_grant.c APIs: */
struct sk_buff;
struct genl_info;
struct netlink_callback;
int ixdp_nl_grant_add(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_grant_del(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_grant_dump(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _IXDP_GRANT_H */
