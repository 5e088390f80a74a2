// SPDX-License-Identifier: GPL-2.0
/*
 * The one way userspace tools talk to ixdp.ko's netlink family: open a
 * socket with extended ACKs, send a request, collect the reply's
 * attributes and the kernel's verdict (0 or -errno, with its message).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct request_state {
	struct ixdp_genl_reply *reply;
	ixdp_genl_each_t each;		/* dumps: called per message */
	void *arg;
	int err;
	bool done;
};

/*
 * Attribute types and how to read them. A_FLAG has no payload: its
 * presence is the value, so only has[] records it.
 */
static const enum {
	A_NONE, A_U8, A_U16, A_U32, A_U64, A_STR, A_STATS, A_FLAG
} attr_kind[IXDP_A_MAX + 1] = {
	[IXDP_A_ABI_VERSION]	= A_U32,
	[IXDP_A_MODULE_VERSION]	= A_STR,
	[IXDP_A_FEATURES]	= A_U64,
	[IXDP_A_CFG_BATCH]	= A_U32,
	[IXDP_A_CFG_POLL_US]	= A_U32,
	[IXDP_A_PORT_IFNAME]	= A_STR,
	[IXDP_A_PORT_IFINDEX]	= A_U32,
	[IXDP_A_PORT_ADDR]	= A_U32,
	[IXDP_A_PORT_PREFIX]	= A_U8,
	[IXDP_A_PORT_NFG]	= A_U32,
	[IXDP_A_PORT_RSS]	= A_U8,
	[IXDP_A_CORE_CPU]	= A_U32,
	[IXDP_A_CORE_RXQ]	= A_U16,
	[IXDP_A_CORE_TXQ]	= A_U16,
	[IXDP_A_CORE_NFG]	= A_U32,
	[IXDP_A_CORE_STATS]	= A_STATS,
	[IXDP_A_RESP_PORT]	= A_U16,
	[IXDP_A_RESP_MODE]	= A_U8,
	[IXDP_A_PORT_STATS]	= A_STATS,
	[IXDP_A_CORE_CONNS]	= A_U32,
	[IXDP_A_FG_ID]		= A_U32,
	[IXDP_A_APP_PID]	= A_U32,
	[IXDP_A_APP_TID]	= A_U32,
	[IXDP_A_APP_CONNS]	= A_U32,
	[IXDP_A_APP_MAX_CONNS]	= A_U32,
	[IXDP_A_APP_DEAD]	= A_U8,
	[IXDP_A_APP_STATS]	= A_STATS,
	[IXDP_A_CORE_PARKED]	= A_U8,
	[IXDP_A_FG_FROM_CPU]	= A_U32,
	[IXDP_A_FG_BALANCE]	= A_FLAG,
	[IXDP_A_MOVE_FGS]	= A_U32,
	[IXDP_A_MOVE_CONNS]	= A_U32,
	[IXDP_A_MOVE_HELD]	= A_U32,
	[IXDP_A_MOVE_HOLD_NS]	= A_U64,
	[IXDP_A_MOVE_SWITCH_NS]	= A_U64,
	[IXDP_A_MOVE_EXPORT_NS]	= A_U64,
	[IXDP_A_MOVE_IMPORT_NS]	= A_U64,
	[IXDP_A_MOVE_TOTAL_NS]	= A_U64,
	[IXDP_A_QUEUE_KIND]	= A_U8,
	[IXDP_A_QUEUE_ID]	= A_U16,
	[IXDP_A_QUEUE_CPUS]	= A_U64,
	[IXDP_A_QUEUE_NFG]	= A_U32,
	[IXDP_A_QUEUE_NAPI]	= A_U32,
	[IXDP_A_FG_FRAMES]	= A_U64,
	[IXDP_A_GRANT_PORT_LO]	= A_U16,
	[IXDP_A_GRANT_PORT_HI]	= A_U16,
	[IXDP_A_GRANT_UID]	= A_U32,
	[IXDP_A_GRANT_GID]	= A_U32,
	[IXDP_A_GRANT_RIGHTS]	= A_U32,
};

/* A nest of IXDP_A_STAT {IXDP_A_STAT_NAME, IXDP_A_STAT_VALUE} entries. */
static void parse_stats(struct ixdp_genl_reply *r, struct nlattr *nest)
{
	struct nlattr *st, *tb[IXDP_A_MAX + 1];
	int rem;

	nla_for_each_nested(st, nest, rem) {
		if (nla_type(st) != IXDP_A_STAT ||
		    r->nstats == IXDP_GENL_MAX_STATS ||
		    nla_parse_nested(tb, IXDP_A_MAX, st, NULL) ||
		    !tb[IXDP_A_STAT_NAME] || !tb[IXDP_A_STAT_VALUE] ||
		    nla_len(tb[IXDP_A_STAT_VALUE]) != 8)
			continue;
		nla_strlcpy(r->stat_name[r->nstats], tb[IXDP_A_STAT_NAME],
			    sizeof(r->stat_name[0]));
		r->stat_value[r->nstats++] = nla_get_u64(tb[IXDP_A_STAT_VALUE]);
	}
}

/*
 * Decode one message of the family into @r (which the caller cleared).
 * The port's counters come first, whatever the attribute order, so that
 * a reply with two nests (IXDP_CMD_STATS_GET) keeps them apart: the
 * port's at [0, nport_stats), the other nest's after them.
 */
int ixdp_genl_parse(struct nl_msg *msg, struct ixdp_genl_reply *r)
{
	struct nlattr *tb[IXDP_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int i;

	if (genlmsg_parse(nlh, 0, tb, IXDP_A_MAX, NULL))
		return -EINVAL;
	r->cmd = ((struct genlmsghdr *)nlmsg_data(nlh))->cmd;
	if (tb[IXDP_A_PORT_STATS])
		parse_stats(r, tb[IXDP_A_PORT_STATS]);
	r->nport_stats = r->nstats;
	for (i = 1; i <= IXDP_A_MAX; i++) {
		if (!tb[i])
			continue;
		switch (attr_kind[i]) {
		case A_U8:
			if (nla_len(tb[i]) != 1)
				continue;
			r->num[i] = nla_get_u8(tb[i]);
			break;
		case A_U16:
			if (nla_len(tb[i]) != 2)
				continue;
			r->num[i] = nla_get_u16(tb[i]);
			break;
		case A_STATS:
			if (i != IXDP_A_PORT_STATS)
				parse_stats(r, tb[i]);
			break;
		case A_U32:
			if (nla_len(tb[i]) != 4)
				continue;
			r->num[i] = nla_get_u32(tb[i]);
			break;
		case A_U64:
			if (nla_len(tb[i]) != 8)
				continue;
			r->num[i] = nla_get_u64(tb[i]);
			break;
		case A_STR:
			nla_strlcpy(r->str[i], tb[i], sizeof(r->str[i]));
			break;
		case A_FLAG:
			break;
		default:
			continue;
		}
		r->has[i] = true;
	}
	return 0;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;
	struct ixdp_genl_reply *r = st->reply;

	if (st->each)
		memset(r, 0, sizeof(*r));
	if (ixdp_genl_parse(msg, r))
		return NL_SKIP;
	if (st->each)
		st->each(r, st->arg);
	return NL_OK;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;

	st->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct request_state *st = arg;
	int len;

	st->err = e->error;
	st->done = true;
	/* With NETLINK_CAP_ACK the TLVs follow the bare nlmsgerr. */
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(*e);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > 0 &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)(e + 1), len,
		       NULL) && tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(st->reply->extack, tb[NLMSGERR_ATTR_MSG],
			    sizeof(st->reply->extack));
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;

	st->done = true;
	return NL_STOP;
}

int ixdp_genl_open(struct ixdp_genl *g)
{
	int one = 1, fd;

	g->sk = nl_socket_alloc();
	if (!g->sk)
		return -ENOMEM;
	if (genl_connect(g->sk)) {
		nl_socket_free(g->sk);
		g->sk = NULL;
		return -ECONNREFUSED;
	}
	fd = nl_socket_get_fd(g->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	g->family = genl_ctrl_resolve(g->sk, IXDP_GENL_NAME);
	if (g->family < 0) {
		nl_socket_free(g->sk);
		g->sk = NULL;
		return -ENOENT;
	}
	return 0;
}

void ixdp_genl_close(struct ixdp_genl *g)
{
	if (g->sk)
		nl_socket_free(g->sk);
	g->sk = NULL;
}

/* A request for @cmd; the caller adds attributes with nla_put_*(). */
struct nl_msg *ixdp_genl_msg(struct ixdp_genl *g, int cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
				NLM_F_ACK, cmd, IXDP_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/*
 * Send @msg (consumed) and collect messages until the kernel's ACK, error
 * or end of dump. Returns 0 or -errno.
 */
static int transact(struct ixdp_genl *g, struct nl_msg *msg,
		    struct request_state *st)
{
	struct nl_cb *cb;
	int err = 0;

	if (!msg)
		return -ENOMEM;
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, st);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, st);
	if (nl_send_auto(g->sk, msg) < 0)
		err = -EIO;
	while (!err && !st->done)
		if (nl_recvmsgs(g->sk, cb) < 0 && !st->done)
			err = -EIO;
	nl_cb_put(cb);
	nlmsg_free(msg);
	return err ? err : st->err;
}

/*
 * Send @msg (consumed) and wait for its reply and ACK. Returns 0 or the
 * kernel's -errno; @reply->extack then says why.
 */
int ixdp_genl_request(struct ixdp_genl *g, struct nl_msg *msg,
		      struct ixdp_genl_reply *reply)
{
	struct request_state st = { .reply = reply };

	memset(reply, 0, sizeof(*reply));
	return transact(g, msg, &st);
}

/* Dump @cmd; @each sees every message's attributes. */
int ixdp_genl_dump(struct ixdp_genl *g, int cmd, ixdp_genl_each_t each,
		   void *arg)
{
	static struct ixdp_genl_reply reply;
	struct request_state st = {
		.reply = &reply, .each = each, .arg = arg,
	};
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
				NLM_F_DUMP, cmd, IXDP_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return transact(g, msg, &st);
}

/* What the module announces, named as ixctl's commands are ("core add"). */
const char *ixdp_genl_event_name(int cmd)
{
	switch (cmd) {
	case IXDP_CMD_SET_CONFIG:	return "config set";
	case IXDP_CMD_PORT_ADD:		return "port add";
	case IXDP_CMD_PORT_DEL:		return "port del";
	case IXDP_CMD_CORE_ADD:		return "core add";
	case IXDP_CMD_CORE_DEL:		return "core del";
	case IXDP_CMD_CORE_SET:		return "core set";
	case IXDP_CMD_FG_MOVE:		return "fg move";
	case IXDP_CMD_APP_ATTACH:	return "app attach";
	case IXDP_CMD_APP_DETACH:	return "app detach";
	}
	return NULL;
}

/* The attributes a notification may carry, in the order they are shown. */
const struct ixdp_genl_field ixdp_genl_event_fields[] = {
	{ IXDP_A_PORT_IFNAME, "dev" },
	{ IXDP_A_CFG_BATCH, "batch" },
	{ IXDP_A_CFG_POLL_US, "poll_us" },
	{ IXDP_A_FG_ID, "fg" },
	{ IXDP_A_FG_FROM_CPU, "from_cpu" },
	{ IXDP_A_CORE_CPU, "cpu" },
	{ IXDP_A_CORE_RXQ, "rxq" },
	{ IXDP_A_CORE_TXQ, "txq" },
	{ IXDP_A_CORE_PARKED, "parked" },
	{ IXDP_A_APP_PID, "pid" },
	{ IXDP_A_APP_TID, "tid" },
	{ IXDP_A_MOVE_FGS, "fgs" },
	{ IXDP_A_MOVE_CONNS, "conns" },
	{ IXDP_A_MOVE_HELD, "held" },
	{ IXDP_A_MOVE_HOLD_NS, "hold_ns" },
	{ IXDP_A_MOVE_SWITCH_NS, "switch_ns" },
	{ IXDP_A_MOVE_EXPORT_NS, "export_ns" },
	{ IXDP_A_MOVE_IMPORT_NS, "import_ns" },
	{ IXDP_A_MOVE_TOTAL_NS, "total_ns" },
};

const unsigned int ixdp_genl_nevent_fields =
	sizeof(ixdp_genl_event_fields) / sizeof(ixdp_genl_event_fields[0]);
