// SPDX-License-Identifier: GPL-2.0
/*
 * ixdpd's port grants: when the config file has "grant" lines, the
 * kernel's grant table is made to hold exactly those (missing ones are
 * added, others removed); without any, the kernel's grants are left as
 * they are, so grants made with ixctl survive a daemon that does not
 * manage them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ixdpd.h"

struct kgrants {
	unsigned int n;
	struct ixdp_grant_spec g[256];
};

static void collect(const struct ixdp_genl_reply *r, void *arg)
{
	const struct ixdp_genl_obj *o = &r->obj[IXDP_A_GRANT];
	struct kgrants *k = arg;
	struct ixdp_grant_spec *g;

	if (k->n == sizeof(k->g) / sizeof(k->g[0]))
		return;
	g = &k->g[k->n++];
	g->lo = (uint16_t)o->num[IXDP_GRANT_A_PORT_LO];
	g->hi = (uint16_t)o->num[IXDP_GRANT_A_PORT_HI];
	g->is_gid = o->has[IXDP_GRANT_A_GID];
	g->id = (uint32_t)o->num[g->is_gid ? IXDP_GRANT_A_GID :
						      IXDP_GRANT_A_UID];
	g->rights = (uint32_t)o->num[IXDP_GRANT_A_RIGHTS];
}

static bool same_key(const struct ixdp_grant_spec *a,
		     const struct ixdp_grant_spec *b)
{
	return a->lo == b->lo && a->hi == b->hi && a->is_gid == b->is_gid &&
	       a->id == b->id;
}

/* The rights @list gives @g's key (ports and user or group), or 0. */
static uint32_t rights_in(const struct ixdp_grant_spec *g,
			  const struct ixdp_grant_spec *list, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (same_key(g, &list[i]))
			return list[i].rights ?: IXDP_GRANT_ALL;
	return 0;
}

static int change(struct ixdp_genl *g, int cmd,
		  const struct ixdp_grant_spec *spec, char *extack,
		  size_t len)
{
	struct ixdp_genl_reply r;
	struct nl_msg *msg = ixdp_genl_msg(g, cmd);
	int err;

	if (!msg || ixdp_grant_put(msg, spec))
		return -ENOMEM;
	err = ixdp_genl_request(g, msg, &r);
	snprintf(extack, len, "%s", err && r.extack[0] ? r.extack :
		 strerror(-err));
	return err;
}

static void describe(const struct ixdp_grant_spec *g, char *buf, size_t len)
{
	snprintf(buf, len, "ports %u-%u %s %u rights %s", g->lo, g->hi,
		 g->is_gid ? "group" : "user", g->id,
		 ixdp_grant_rights_name(g->rights ?: IXDP_GRANT_ALL));
}

int ixdpd_grants_reconcile(struct ixdp_genl *g_nl,
			   const struct ixdpd_config *cfg, bool dry,
			   struct ixdpd_grant_step *st)
{
	static struct kgrants k;
	char what[96], extack[256];
	unsigned int i;
	int err;

	memset(st, 0, sizeof(*st));
	if (!cfg->ngrants)
		return 0;
	k.n = 0;
	err = ixdp_genl_dump(g_nl, IXDP_CMD_GRANT_GET, collect, &k);
	if (err) {
		log_err("cannot read the kernel's grants: %s", strerror(-err));
		return err;
	}
	/*
	 * Rights are added first, then taken away, so that a grant that
	 * changes is never missing in between.
	 */
	for (i = 0; i < cfg->ngrants; i++) {
		struct ixdp_grant_spec g = cfg->grant[i];

		g.rights &= ~rights_in(&g, k.g, k.n);
		if (!g.rights)
			continue;
		describe(&g, what, sizeof(what));
		if (dry) {
			printf("plan: add grant %s\n", what);
		} else if (change(g_nl, IXDP_CMD_GRANT_ADD, &g, extack,
				  sizeof(extack))) {
			log_err("grant add %s failed: %s", what, extack);
			st->failed++;
			continue;
		} else {
			log_info("grant %s added", what);
		}
		st->added++;
	}
	for (i = 0; i < k.n; i++) {
		struct ixdp_grant_spec g = k.g[i];

		g.rights &= ~rights_in(&g, cfg->grant, cfg->ngrants);
		if (!g.rights)
			continue;
		describe(&g, what, sizeof(what));
		if (dry) {
			printf("plan: remove grant %s (more than the config gives)\n",
			       what);
		} else if (change(g_nl, IXDP_CMD_GRANT_DEL, &g, extack,
				  sizeof(extack))) {
			log_err("grant del %s failed: %s", what, extack);
			st->failed++;
			continue;
		} else {
			log_info("grant %s removed (more than the config gives)", what);
		}
		st->removed++;
	}
	return 0;
}
