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

#define IXDP_GENL_MAX_STATS	256	/* XSTATS entries of one reply */
#define IXDP_GENL_OBJ_ATTRS	16	/* > every enum ixdp_<obj>_a's MAX */
#define IXDP_GENL_OBJ_STATS	64	/* > every enum ixdp_<obj>_stat's MAX */

/*
 * One object nest of a reply (IXDP_A_PORT, IXDP_A_CORE...): its
 * attributes by their type in the object's set, its typed counters by
 * enum ixdp_<obj>_stat, and where its display counters (XSTATS) are in
 * the reply's xstat arrays.
 */
struct ixdp_genl_obj {
	bool has[IXDP_GENL_OBJ_ATTRS];
	uint64_t num[IXDP_GENL_OBJ_ATTRS];	/* u8..u64 attributes */
	char str[64];				/* its string attribute */
	bool has_stat[IXDP_GENL_OBJ_STATS];
	uint64_t stat[IXDP_GENL_OBJ_STATS];	/* STATS, typed */
	unsigned int xfirst, xcount;		/* XSTATS, for display */
};

/* The objects of one reply or notification, by IXDP_A_* type. */
struct ixdp_genl_reply {
	int cmd;
	bool has[IXDP_A_MAX + 1];
	struct ixdp_genl_obj obj[IXDP_A_MAX + 1];
	unsigned int nxstats;
	char xstat_name[IXDP_GENL_MAX_STATS][32];
	uint64_t xstat_value[IXDP_GENL_MAX_STATS];
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
struct nlattr;
int ixdp_genl_parse_attrs(struct ixdp_genl_reply *r, struct nlattr *head,
			  int len);

/* Notifications of the "events" group: their names and attributes. */
struct ixdp_genl_field {
	int nest;		/* IXDP_A_* */
	int attr;		/* in the nest's set */
	const char *key;
	bool str;		/* a string (obj->str), else a number */
};

extern const struct ixdp_genl_field ixdp_genl_event_fields[];
extern const unsigned int ixdp_genl_nevent_fields;
const char *ixdp_genl_event_name(int cmd);
bool ixdp_genl_event_has(const struct ixdp_genl_reply *r,
			 const struct ixdp_genl_field *f);

#endif /* IXDP_DAEMON_GENL_H */
