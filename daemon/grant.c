// SPDX-License-Identifier: GPL-2.0
/*
 * Port grants (IXDP_CMD_GRANT_*) in words, shared by ixctl ("ixctl grant
 * add ...") and ixdpd ("grant ..." lines of its config file):
 *
 *   ports LO[-HI] { user NAME|UID | group NAME|GID } [ rights R ]
 *
 * R is listen, connect or all (the default). Names are looked up in the
 * system's user and group databases; numbers are taken as they are.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/ixdp.h>

#include "grant.h"

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_ports(const char *s, struct ixdp_grant_spec *g)
{
	char buf[16], *dash;
	uint32_t lo, hi;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_u32(buf, 65535, &lo) || !lo)
		return -EINVAL;
	hi = lo;
	if (dash && (parse_u32(dash, 65535, &hi) || hi < lo))
		return -EINVAL;
	g->lo = (uint16_t)lo;
	g->hi = (uint16_t)hi;
	return 0;
}

static int parse_who(const char *kind, const char *s,
		     struct ixdp_grant_spec *g)
{
	g->is_gid = !strcmp(kind, "group");
	if (!parse_u32(s, UINT32_MAX - 1, &g->id))
		return 0;
	if (g->is_gid) {
		const struct group *gr = getgrnam(s);

		if (!gr)
			return -ENOENT;
		g->id = gr->gr_gid;
	} else {
		const struct passwd *pw = getpwnam(s);

		if (!pw)
			return -ENOENT;
		g->id = pw->pw_uid;
	}
	return 0;
}

static int parse_rights(const char *s, uint32_t *rights)
{
	if (!strcmp(s, "listen"))
		*rights = IXDP_GRANT_LISTEN;
	else if (!strcmp(s, "connect"))
		*rights = IXDP_GRANT_CONNECT;
	else if (!strcmp(s, "all"))
		*rights = IXDP_GRANT_ALL;
	else
		return -EINVAL;
	return 0;
}

const char *ixdp_grant_rights_name(uint32_t rights)
{
	switch (rights) {
	case IXDP_GRANT_LISTEN:		return "listen";
	case IXDP_GRANT_CONNECT:	return "connect";
	case IXDP_GRANT_ALL:		return "all";
	}
	return "unknown";
}

/*
 * Parse the words of one grant; on error @why says which word is wrong.
 * Each key once; "ports" and one of "user"/"group" are required.
 */
int ixdp_grant_parse(int argc, char **argv, struct ixdp_grant_spec *g,
		     char *why, unsigned int whylen)
{
	bool ports = false, who = false;
	int i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int err = 0;

		if (!val) {
			snprintf(why, whylen, "\"%s\" needs a value", key);
			return -EINVAL;
		}
		if (!strcmp(key, "ports") && !ports) {
			ports = true;
			err = parse_ports(val, g);
		} else if ((!strcmp(key, "user") || !strcmp(key, "group")) &&
			   !who) {
			who = true;
			err = parse_who(key, val, g);
		} else if (!strcmp(key, "rights") && !g->rights) {
			err = parse_rights(val, &g->rights);
		} else {
			snprintf(why, whylen, "unknown or repeated key \"%s\"",
				 key);
			return -EINVAL;
		}
		if (err) {
			snprintf(why, whylen, "%s \"%s\": %s", key, val,
				 err == -ENOENT ? "no such name" :
				 "not valid");
			return err;
		}
	}
	if (!ports || !who) {
		snprintf(why, whylen,
			 "a grant needs \"ports LO[-HI]\" and \"user U\" or \"group G\"");
		return -EINVAL;
	}
	return 0;
}

/* @g as the IXDP_A_GRANT nest of a request. */
int ixdp_grant_put(struct nl_msg *msg, const struct ixdp_grant_spec *g)
{
	struct nlattr *nest = nla_nest_start(msg, IXDP_A_GRANT);

	if (!nest ||
	    nla_put_u16(msg, IXDP_GRANT_A_PORT_LO, g->lo) ||
	    nla_put_u16(msg, IXDP_GRANT_A_PORT_HI, g->hi) ||
	    nla_put_u32(msg, g->is_gid ? IXDP_GRANT_A_GID : IXDP_GRANT_A_UID,
			g->id) ||
	    (g->rights && nla_put_u32(msg, IXDP_GRANT_A_RIGHTS, g->rights)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}
