/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests to the "ixdp" generic netlink family through libnl-genl-3,
 * shared by ixctl and ixdpd.
 */
#ifndef IXDP_DAEMON_GENL_H
#define IXDP_DAEMON_GENL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/ixdp.h>

struct nl_sock;
struct nl_msg;

struct ixdp_genl {
	struct nl_sock *sk;
	int family;
};

#define IXDP_GENL_MAX_STATS	256

/* The attributes of one reply, by IXDP_A_* type. */
struct ixdp_genl_reply {
	int cmd;
	bool has[IXDP_A_MAX + 1];
	uint64_t num[IXDP_A_MAX + 1];	/* u8..u64 attributes */
	char str[IXDP_A_MAX + 1][64];	/* string attributes */
	unsigned int nstats;		/* from IXDP_A_{PORT,CORE,APP}_STATS */
	unsigned int nport_stats;	/* the first ones, IXDP_A_PORT_STATS' */
	char stat_name[IXDP_GENL_MAX_STATS][32];
	uint64_t stat_value[IXDP_GENL_MAX_STATS];
	char extack[256];		/* kernel's explanation of a refusal */
};

typedef void (*ixdp_genl_each_t)(const struct ixdp_genl_reply *r, void *arg);

/* genl.c APIs: */
int ixdp_genl_open(struct ixdp_genl *g);
void ixdp_genl_close(struct ixdp_genl *g);
struct nl_msg *ixdp_genl_msg(struct ixdp_genl *g, int cmd);
int ixdp_genl_request(struct ixdp_genl *g, struct nl_msg *msg,
		      struct ixdp_genl_reply *reply);
int ixdp_genl_dump(struct ixdp_genl *g, int cmd, ixdp_genl_each_t each,
		   void *arg);
int ixdp_genl_parse(struct nl_msg *msg, struct ixdp_genl_reply *r);

/* Notifications of the "events" group: their names and attributes. */
struct ixdp_genl_field {
	int attr;		/* IXDP_A_* */
	const char *key;
};

extern const struct ixdp_genl_field ixdp_genl_event_fields[];
extern const unsigned int ixdp_genl_nevent_fields;
const char *ixdp_genl_event_name(int cmd);

#endif /* IXDP_DAEMON_GENL_H */
