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
 * Attribute types and how to read them, per object set. A_FLAG has no
 * payload: its presence is the value, so only has[] records it.
 */
enum kind { A_NONE, A_U8, A_U16, A_U32, A_U64, A_STR, A_FLAG, A_STATS,
	    A_XSTATS };

static const unsigned char version_kinds[IXDP_VERSION_A_MAX + 1] = {
	[IXDP_VERSION_A_ABI]		= A_U32,
	[IXDP_VERSION_A_MODULE]		= A_STR,
	[IXDP_VERSION_A_FEATURES]	= A_U64,
};

static const unsigned char config_kinds[IXDP_CONFIG_A_MAX + 1] = {
	[IXDP_CONFIG_A_BATCH]		= A_U32,
	[IXDP_CONFIG_A_POLL_US]		= A_U32,
	[IXDP_CONFIG_A_RUN_GRACE_US]	= A_U32,
};

static const unsigned char port_kinds[IXDP_PORT_A_MAX + 1] = {
	[IXDP_PORT_A_IFNAME]		= A_STR,
	[IXDP_PORT_A_IFINDEX]		= A_U32,
	[IXDP_PORT_A_ADDR]		= A_U32,
	[IXDP_PORT_A_PREFIX]		= A_U8,
	[IXDP_PORT_A_NFG]		= A_U32,
	[IXDP_PORT_A_RSS]		= A_U8,
	[IXDP_PORT_A_STATS]		= A_STATS,
	[IXDP_PORT_A_XSTATS]		= A_XSTATS,
};

static const unsigned char core_kinds[IXDP_CORE_A_MAX + 1] = {
	[IXDP_CORE_A_CPU]		= A_U32,
	[IXDP_CORE_A_RXQ]		= A_U16,
	[IXDP_CORE_A_TXQ]		= A_U16,
	[IXDP_CORE_A_NFG]		= A_U32,
	[IXDP_CORE_A_PARKED]		= A_U8,
	[IXDP_CORE_A_CONNS]		= A_U32,
	[IXDP_CORE_A_STATS]		= A_STATS,
	[IXDP_CORE_A_XSTATS]		= A_XSTATS,
};

static const unsigned char fg_kinds[IXDP_FG_A_MAX + 1] = {
	[IXDP_FG_A_ID]			= A_U32,
	[IXDP_FG_A_CPU]			= A_U32,
	[IXDP_FG_A_RXQ]			= A_U16,
	[IXDP_FG_A_FRAMES]		= A_U64,
};

static const unsigned char move_kinds[IXDP_MOVE_A_MAX + 1] = {
	[IXDP_MOVE_A_FG]		= A_U32,
	[IXDP_MOVE_A_FROM_CPU]		= A_U32,
	[IXDP_MOVE_A_TO_CPU]		= A_U32,
	[IXDP_MOVE_A_BALANCE]		= A_FLAG,
	[IXDP_MOVE_A_FGS]		= A_U32,
	[IXDP_MOVE_A_CONNS]		= A_U32,
	[IXDP_MOVE_A_HELD]		= A_U32,
	[IXDP_MOVE_A_HOLD_NS]		= A_U64,
	[IXDP_MOVE_A_SWITCH_NS]		= A_U64,
	[IXDP_MOVE_A_EXPORT_NS]		= A_U64,
	[IXDP_MOVE_A_IMPORT_NS]		= A_U64,
	[IXDP_MOVE_A_TOTAL_NS]		= A_U64,
};

static const unsigned char app_kinds[IXDP_APP_A_MAX + 1] = {
	[IXDP_APP_A_PID]		= A_U32,
	[IXDP_APP_A_TID]		= A_U32,
	[IXDP_APP_A_CPU]		= A_U32,
	[IXDP_APP_A_CONNS]		= A_U32,
	[IXDP_APP_A_MAX_CONNS]		= A_U32,
	[IXDP_APP_A_DEAD]		= A_U8,
	[IXDP_APP_A_STATS]		= A_STATS,
	[IXDP_APP_A_XSTATS]		= A_XSTATS,
};

static const unsigned char queue_kinds[IXDP_QUEUE_A_MAX + 1] = {
	[IXDP_QUEUE_A_KIND]		= A_U8,
	[IXDP_QUEUE_A_ID]		= A_U16,
	[IXDP_QUEUE_A_CPUS]		= A_U64,
	[IXDP_QUEUE_A_NFG]		= A_U32,
	[IXDP_QUEUE_A_NAPI]		= A_U32,
};

static const unsigned char responder_kinds[IXDP_RESPONDER_A_MAX + 1] = {
	[IXDP_RESPONDER_A_PORT]		= A_U16,
	[IXDP_RESPONDER_A_MODE]		= A_U8,
};

static const unsigned char grant_kinds[IXDP_GRANT_A_MAX + 1] = {
	[IXDP_GRANT_A_PORT_LO]		= A_U16,
	[IXDP_GRANT_A_PORT_HI]		= A_U16,
	[IXDP_GRANT_A_UID]		= A_U32,
	[IXDP_GRANT_A_GID]		= A_U32,
	[IXDP_GRANT_A_RIGHTS]		= A_U32,
};

#define SET(t, k)	[t] = { k, sizeof(k) / sizeof(k[0]) - 1 }

/* Each top-level nest: its attribute set. */
static const struct {
	const unsigned char *kind;
	int max;
} sets[IXDP_A_MAX + 1] = {
	SET(IXDP_A_VERSION, version_kinds),
	SET(IXDP_A_CONFIG, config_kinds),
	SET(IXDP_A_PORT, port_kinds),
	SET(IXDP_A_CORE, core_kinds),
	SET(IXDP_A_FG, fg_kinds),
	SET(IXDP_A_MOVE, move_kinds),
	SET(IXDP_A_APP, app_kinds),
	SET(IXDP_A_QUEUE, queue_kinds),
	SET(IXDP_A_RESPONDER, responder_kinds),
	SET(IXDP_A_GRANT, grant_kinds),
};

_Static_assert(IXDP_PORT_A_MAX < IXDP_GENL_OBJ_ATTRS &&
	       IXDP_CORE_A_MAX < IXDP_GENL_OBJ_ATTRS &&
	       IXDP_MOVE_A_MAX < IXDP_GENL_OBJ_ATTRS &&
	       IXDP_APP_A_MAX < IXDP_GENL_OBJ_ATTRS,
	       "an object set outgrew struct ixdp_genl_obj");
_Static_assert(IXDP_CORE_STAT_MAX < IXDP_GENL_OBJ_STATS &&
	       IXDP_PORT_STAT_MAX < IXDP_GENL_OBJ_STATS &&
	       IXDP_APP_STAT_MAX < IXDP_GENL_OBJ_STATS,
	       "a stats set outgrew struct ixdp_genl_obj");

/* A typed STATS nest: u64 attributes numbered by enum ixdp_<obj>_stat. */
static void parse_stats(struct ixdp_genl_obj *o, struct nlattr *nest)
{
	struct nlattr *st;
	int rem, t;

	nla_for_each_nested(st, nest, rem) {
		t = nla_type(st);
		if (t <= 0 || t >= IXDP_GENL_OBJ_STATS || nla_len(st) != 8)
			continue;
		o->stat[t] = nla_get_u64(st);
		o->has_stat[t] = true;
	}
}

/* An XSTATS nest of IXDP_XSTATS_A_ENTRY {NAME, VALUE}: display names. */
static void parse_xstats(struct ixdp_genl_reply *r, struct ixdp_genl_obj *o,
			 struct nlattr *nest)
{
	struct nlattr *st, *tb[IXDP_XSTAT_A_MAX + 1];
	int rem;

	o->xfirst = r->nxstats;
	nla_for_each_nested(st, nest, rem) {
		if (nla_type(st) != IXDP_XSTATS_A_ENTRY ||
		    r->nxstats == IXDP_GENL_MAX_STATS ||
		    nla_parse_nested(tb, IXDP_XSTAT_A_MAX, st, NULL) ||
		    !tb[IXDP_XSTAT_A_NAME] || !tb[IXDP_XSTAT_A_VALUE] ||
		    nla_len(tb[IXDP_XSTAT_A_VALUE]) != 8)
			continue;
		nla_strlcpy(r->xstat_name[r->nxstats], tb[IXDP_XSTAT_A_NAME],
			    sizeof(r->xstat_name[0]));
		r->xstat_value[r->nxstats++] =
			nla_get_u64(tb[IXDP_XSTAT_A_VALUE]);
	}
	o->xcount = r->nxstats - o->xfirst;
}

/* One attribute @a of kind @k into @o; false if it is malformed. */
static bool parse_attr(struct ixdp_genl_reply *r, struct ixdp_genl_obj *o,
		       struct nlattr *a, int k)
{
	static const int size[] = { [A_U8] = 1, [A_U16] = 2, [A_U32] = 4,
				    [A_U64] = 8 };
	int t = nla_type(a);

	switch (k) {
	case A_U8:
	case A_U16:
	case A_U32:
	case A_U64:
		if (nla_len(a) != size[k])
			return false;
		o->num[t] = k == A_U8 ? nla_get_u8(a) :
			    k == A_U16 ? nla_get_u16(a) :
			    k == A_U32 ? nla_get_u32(a) : nla_get_u64(a);
		return true;
	case A_STR:
		nla_strlcpy(o->str, a, sizeof(o->str));
		return true;
	case A_FLAG:
		return true;
	case A_STATS:
		parse_stats(o, a);
		return true;
	case A_XSTATS:
		parse_xstats(r, o, a);
		return true;
	}
	return false;
}

/* The nest @nest of top-level type @type into r->obj[type]. */
static void parse_obj(struct ixdp_genl_reply *r, int type, struct nlattr *nest)
{
	struct ixdp_genl_obj *o = &r->obj[type];
	struct nlattr *a;
	int rem, t;

	r->has[type] = true;
	nla_for_each_nested(a, nest, rem) {
		t = nla_type(a);
		if (t <= 0 || t > sets[type].max || !sets[type].kind[t])
			continue;	/* newer than this program */
		if (parse_attr(r, o, a, sets[type].kind[t]))
			o->has[t] = true;
	}
}

/*
 * Decode the attributes of one message of the family (@len bytes at
 * @head) into @r, which the caller cleared. Unknown nests and attributes
 * are skipped: they are newer than this program.
 */
int ixdp_genl_parse_attrs(struct ixdp_genl_reply *r, struct nlattr *head,
			  int len)
{
	struct nlattr *a;
	int rem, t;

	nla_for_each_attr(a, head, len, rem) {
		t = nla_type(a);
		if (t > 0 && t <= IXDP_A_MAX && sets[t].kind)
			parse_obj(r, t, a);
	}
	return 0;
}

/* Decode one message of the family into @r (which the caller cleared). */
int ixdp_genl_parse(struct nl_msg *msg, struct ixdp_genl_reply *r)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EINVAL;
	r->cmd = ((struct genlmsghdr *)nlmsg_data(nlh))->cmd;
	return ixdp_genl_parse_attrs(r, genlmsg_attrdata(nlmsg_data(nlh), 0),
				     genlmsg_attrlen(nlmsg_data(nlh), 0));
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

#define EV(n, a, k)	{ IXDP_A_##n, IXDP_##n##_A_##a, k, false }

/* The attributes a notification may carry, in the order they are shown. */
const struct ixdp_genl_field ixdp_genl_event_fields[] = {
	{ IXDP_A_PORT, IXDP_PORT_A_IFNAME, "dev", true },
	EV(CONFIG, BATCH, "batch"),
	EV(CONFIG, POLL_US, "poll_us"),
	EV(CONFIG, RUN_GRACE_US, "run_grace_us"),
	EV(MOVE, FG, "fg"),
	EV(MOVE, FROM_CPU, "from_cpu"),
	EV(MOVE, TO_CPU, "cpu"),
	EV(CORE, CPU, "cpu"),
	EV(APP, CPU, "cpu"),
	EV(CORE, RXQ, "rxq"),
	EV(CORE, TXQ, "txq"),
	EV(CORE, PARKED, "parked"),
	EV(APP, PID, "pid"),
	EV(APP, TID, "tid"),
	EV(MOVE, FGS, "fgs"),
	EV(MOVE, CONNS, "conns"),
	EV(MOVE, HELD, "held"),
	EV(MOVE, HOLD_NS, "hold_ns"),
	EV(MOVE, SWITCH_NS, "switch_ns"),
	EV(MOVE, EXPORT_NS, "export_ns"),
	EV(MOVE, IMPORT_NS, "import_ns"),
	EV(MOVE, TOTAL_NS, "total_ns"),
};

const unsigned int ixdp_genl_nevent_fields =
	sizeof(ixdp_genl_event_fields) / sizeof(ixdp_genl_event_fields[0]);

/* Whether notification @r carries @f, and its value. */
bool ixdp_genl_event_has(const struct ixdp_genl_reply *r,
			 const struct ixdp_genl_field *f)
{
	return r->has[f->nest] && r->obj[f->nest].has[f->attr];
}
