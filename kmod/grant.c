// SPDX-License-Identifier: GPL-2.0
/*
 * Port grants: which users and groups may listen on, or connect to, which
 * TCP ports through ixdp. /dev/ixdp may be opened by a group of ordinary
 * users; what their contexts may then do with the dataplane's address is
 * what the administrator granted over netlink (IXDP_CMD_GRANT_*):
 *
 *   grant {uid U | gid G} ports LO-HI rights {listen, connect}
 *
 * A context whose attaching thread had CAP_NET_ADMIN may use every port;
 * any other needs a grant that matches its effective uid, its effective
 * gid or one of its supplementary groups (the credentials it attached
 * with) and covers the port. LISTEN checks the local port, CONNECT the
 * remote one. A grant is checked when the command runs: taking one away
 * ends no listener or connection that exists.
 *
 * The table is small and read only by commands that open something, so a
 * spinlock is enough; the cores' kthreads take it too.
 */
#include <linux/cred.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

#include "app.h"
#include "grant.h"

static DEFINE_SPINLOCK(grants_lock);
static struct ixdp_grant grants[IXDP_GRANTS_MAX];
static unsigned int ngrants;

static bool same_key(const struct ixdp_grant *a, const struct ixdp_grant *b)
{
	return a->lo == b->lo && a->hi == b->hi && a->is_gid == b->is_gid &&
	       a->id == b->id;
}

/* Add @g, or widen the rights of the grant with the same key. */
int ixdp_grant_add(const struct ixdp_grant *g)
{
	unsigned int i;
	int err = 0;

	spin_lock(&grants_lock);
	for (i = 0; i < ngrants; i++) {
		if (same_key(&grants[i], g)) {
			if ((grants[i].rights | g->rights) == grants[i].rights)
				err = -EEXIST;
			grants[i].rights |= g->rights;
			goto out;
		}
	}
	if (ngrants == IXDP_GRANTS_MAX) {
		err = -ENOSPC;
		goto out;
	}
	grants[ngrants++] = *g;
out:
	spin_unlock(&grants_lock);
	return err;
}

/* Take @g->rights away from the grant with @g's key; none left: remove. */
int ixdp_grant_del(const struct ixdp_grant *g)
{
	unsigned int i;
	int err = -ENOENT;

	spin_lock(&grants_lock);
	for (i = 0; i < ngrants; i++) {
		if (!same_key(&grants[i], g))
			continue;
		grants[i].rights &= ~g->rights;
		if (!grants[i].rights)
			grants[i] = grants[--ngrants];
		err = 0;
		break;
	}
	spin_unlock(&grants_lock);
	return err;
}

/* Copy grant @idx out; false past the end. */
bool ixdp_grant_get(unsigned int idx, struct ixdp_grant *g)
{
	bool ok;

	spin_lock(&grants_lock);
	ok = idx < ngrants;
	if (ok)
		*g = grants[idx];
	spin_unlock(&grants_lock);
	return ok;
}

static bool in_groups(const struct cred *cred, kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (gid_eq(cred->egid, gid))
		return true;
	for (i = 0; gi && i < gi->ngroups; i++)
		if (gid_eq(gi->gid[i], gid))
			return true;
	return false;
}

static bool matches(const struct ixdp_grant *g, const struct cred *cred)
{
	if (g->is_gid)
		return in_groups(cred, make_kgid(&init_user_ns, g->id));
	return uid_eq(cred->euid, make_kuid(&init_user_ns, g->id));
}

/* May @app use @port with @right (IXDP_GRANT_LISTEN or _CONNECT)? */
bool ixdp_grant_allows(const struct ixdp_app *app, u16 port, u32 right)
{
	unsigned int i;
	bool ok = false;

	if (app->net_admin)
		return true;
	spin_lock(&grants_lock);
	for (i = 0; i < ngrants && !ok; i++)
		ok = (grants[i].rights & right) && port >= grants[i].lo &&
		     port <= grants[i].hi && matches(&grants[i], app->cred);
	spin_unlock(&grants_lock);
	return ok;
}
