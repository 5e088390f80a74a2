/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port grants as ixctl and ixdpd read them:
 *   ports LO[-HI] { user NAME|UID | group NAME|GID } [ rights listen|connect|all ]
 */
#ifndef IXDP_DAEMON_GRANT_H
#define IXDP_DAEMON_GRANT_H

#include <stdbool.h>
#include <stdint.h>

struct nl_msg;

struct ixdp_grant_spec {
	uint16_t lo, hi;
	bool is_gid;
	uint32_t id;
	uint32_t rights;	/* IXDP_GRANT_*, 0: not given */
};

/* grant.c APIs: */
int ixdp_grant_parse(int argc, char **argv, struct ixdp_grant_spec *g,
		     char *why, unsigned int whylen);
int ixdp_grant_put(struct nl_msg *msg, const struct ixdp_grant_spec *g);
const char *ixdp_grant_rights_name(uint32_t rights);

#endif /* IXDP_DAEMON_GRANT_H */
