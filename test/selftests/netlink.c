// SPDX-License-Identifier: GPL-2.0
/*
 * The "ixdp" generic netlink family, driven through libnl-genl-3 as the
 * control plane drives it: resolution, the version and configuration
 * commands, strict validation with extended-ACK messages, the admin-only
 * rule and the "events" multicast group.
 *
 * Every request puts its attributes in the nest of its object (enum
 * ixdp_a); the checks cover that layout: missing, empty and wrong nests,
 * attributes outside their nest, reply-only attributes in a request.
 *
 * "netlink move" checks only how FG_MOVE and CORE_SET refuse bad input,
 * against a module that has a port with 128 flow groups and cores on
 * CPUs 0 and 1, the one on CPU 1 active; the caller sets that up.
 */
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/ixdp.h>

#include "ksft.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define SET_ATTRS	64	/* > every attribute set's MAX */
_Static_assert(IXDP_CORE_STAT_MAX < SET_ATTRS, "SET_ATTRS is too small");

struct reply {
	bool done;
	int err;			/* 0 or -errno from the kernel */
	char extack[256];		/* extended-ACK message, if any */
	int cmd;			/* genl command of the reply */
	bool has[IXDP_A_MAX + 1];	/* the top-level nests */
	bool ihas[IXDP_A_MAX + 1][SET_ATTRS];
	uint64_t val[IXDP_A_MAX + 1][SET_ATTRS];
	char version[64];
	/* The typed STATS and one XSTATS entry of the last CORE nest. */
	bool has_stat[SET_ATTRS];
	uint64_t stat[SET_ATTRS];
	uint64_t xrxbuf_total;
	bool has_xrxbuf_total;
	int nmsgs;			/* messages seen (dumps) */
	int ncomplete;			/* CORE nests with every typed stat */
};

static int family;

static void parse_core_stats(struct reply *r, struct nlattr *nest)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) < SET_ATTRS && nla_len(a) == 8) {
			r->has_stat[nla_type(a)] = true;
			r->stat[nla_type(a)] = nla_get_u64(a);
		}
	}
}

static void parse_core_xstats(struct reply *r, struct nlattr *nest)
{
	struct nlattr *a, *tb[IXDP_XSTAT_A_MAX + 1];
	int rem;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != IXDP_XSTATS_A_ENTRY ||
		    nla_parse_nested(tb, IXDP_XSTAT_A_MAX, a, NULL) ||
		    !tb[IXDP_XSTAT_A_NAME] || !tb[IXDP_XSTAT_A_VALUE])
			continue;
		if (!strcmp(nla_get_string(tb[IXDP_XSTAT_A_NAME]),
			    "dp_rxbuf_total")) {
			r->xrxbuf_total = nla_get_u64(tb[IXDP_XSTAT_A_VALUE]);
			r->has_xrxbuf_total = true;
		}
	}
}

/* Every top-level nest, and the numbers and strings inside it. */
static int on_valid(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[IXDP_A_MAX + 1], *a;
	struct reply *r = arg;
	int i, t, rem, k;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, IXDP_A_MAX, NULL))
		return NL_SKIP;
	r->cmd = gh->cmd;
	r->nmsgs++;
	memset(r->has_stat, 0, sizeof(r->has_stat));
	r->has_xrxbuf_total = false;
	for (i = 1; i <= IXDP_A_MAX; i++) {
		if (!tb[i])
			continue;
		r->has[i] = true;
		nla_for_each_nested(a, tb[i], rem) {
			t = nla_type(a);
			if (t >= SET_ATTRS)
				continue;
			r->ihas[i][t] = true;
			if (i == IXDP_A_VERSION && t == IXDP_VERSION_A_MODULE)
				nla_strlcpy(r->version, a, sizeof(r->version));
			else if (i == IXDP_A_CORE && t == IXDP_CORE_A_STATS)
				parse_core_stats(r, a);
			else if (i == IXDP_A_CORE && t == IXDP_CORE_A_XSTATS)
				parse_core_xstats(r, a);
			else if (nla_len(a) == 8)
				r->val[i][t] = nla_get_u64(a);
			else if (nla_len(a) == 4)
				r->val[i][t] = nla_get_u32(a);
			else if (nla_len(a) == 2)
				r->val[i][t] = nla_get_u16(a);
			else if (nla_len(a) == 1)
				r->val[i][t] = nla_get_u8(a);
		}
	}
	if (r->has[IXDP_A_CORE]) {
		for (k = IXDP_CORE_STAT_PAD + 1; k <= IXDP_CORE_STAT_MAX; k++)
			if (!r->has_stat[k])
				break;
		if (k > IXDP_CORE_STAT_MAX && r->has_xrxbuf_total &&
		    r->xrxbuf_total == r->stat[IXDP_CORE_STAT_RXBUF_TOTAL])
			r->ncomplete++;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct reply *r = arg;
	int len;

	r->err = e->error;
	r->done = true;
	/* NETLINK_CAP_ACK is set: the TLVs follow the bare nlmsgerr. */
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(*e);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > 0 &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)(e + 1), len,
		       NULL) && tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(r->extack, tb[NLMSGERR_ATTR_MSG],
			    sizeof(r->extack));
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;

	r->done = true;
	return NL_STOP;
}

static struct nl_sock *open_sock(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk)
		return NULL;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	return sk;
}

/*
 * One attribute of a request. @nest: the top-level nest it goes in
 * (consecutive attributes of one nest share it), 0 for the top level.
 */
struct attr {
	int nest;
	int type;
	uint32_t val;
	int width;			/* 1, 2, 4 or 8 bytes */
	const char *str;		/* a string attribute instead */
	bool flag;			/* an NLA_FLAG instead: no payload */
	bool empty;			/* just the (empty) nest @nest */
};

#define A(n)		IXDP_A_##n
#define U32(n, t, v)	{ .nest = (n), .type = (t), .val = (v), .width = 4 }
#define U16(n, t, v)	{ .nest = (n), .type = (t), .val = (v), .width = 2 }
#define U8(n, t, v)	{ .nest = (n), .type = (t), .val = (v), .width = 1 }
#define STR(n, t, s)	{ .nest = (n), .type = (t), .str = (s) }
#define FLAG(n, t)	{ .nest = (n), .type = (t), .flag = true }
#define EMPTY(n)	{ .nest = (n), .empty = true }

#define CFG(t, v)	U32(A(CONFIG), IXDP_CONFIG_A_##t, v)
#define PORT_S(t, s)	STR(A(PORT), IXDP_PORT_A_##t, s)
#define PORT32(t, v)	U32(A(PORT), IXDP_PORT_A_##t, v)
#define PORT8(t, v)	U8(A(PORT), IXDP_PORT_A_##t, v)
#define CORE32(t, v)	U32(A(CORE), IXDP_CORE_A_##t, v)
#define CORE16(t, v)	U16(A(CORE), IXDP_CORE_A_##t, v)
#define CORE8(t, v)	U8(A(CORE), IXDP_CORE_A_##t, v)
#define MOVE32(t, v)	U32(A(MOVE), IXDP_MOVE_A_##t, v)
#define RESP8(t, v)	U8(A(RESPONDER), IXDP_RESPONDER_A_##t, v)
#define RESP16(t, v)	U16(A(RESPONDER), IXDP_RESPONDER_A_##t, v)
#define GRANT16(t, v)	U16(A(GRANT), IXDP_GRANT_A_##t, v)
#define GRANT32(t, v)	U32(A(GRANT), IXDP_GRANT_A_##t, v)

static void put_attr(struct nl_msg *msg, const struct attr *a)
{
	if (a->flag)
		nla_put_flag(msg, a->type);
	else if (a->str)
		nla_put_string(msg, a->type, a->str);
	else if (a->width == 1)
		nla_put_u8(msg, a->type, a->val);
	else if (a->width == 2)
		nla_put_u16(msg, a->type, a->val);
	else if (a->width == 8)
		nla_put_u64(msg, a->type, a->val);
	else
		nla_put_u32(msg, a->type, a->val);
}

/* @n attributes, each run of one nest inside that nest. */
static void put_attrs(struct nl_msg *msg, const struct attr *attrs, int n)
{
	struct nlattr *nest = NULL;
	int i, cur = 0;

	for (i = 0; i < n; i++) {
		if (attrs[i].nest != cur || attrs[i].empty) {
			if (nest)
				nla_nest_end(msg, nest);
			nest = NULL;
			cur = attrs[i].nest;
			if (cur)
				nest = nla_nest_start(msg, cur);
		}
		if (!attrs[i].empty)
			put_attr(msg, &attrs[i]);
	}
	if (nest)
		nla_nest_end(msg, nest);
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;

	r->done = true;
	return NL_STOP;
}

/*
 * Send @cmd (a dump if @flags has NLM_F_DUMP) with @n attributes and
 * collect the reply and the ACK.
 */
static int send_request(struct nl_sock *sk, int cmd, int flags,
			const struct attr *attrs, int n, struct reply *r)
{
	struct nl_msg *msg;
	struct nl_cb *cb;
	int err = 0;

	memset(r, 0, sizeof(*r));
	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!msg || !cb)
		return -ENOMEM;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
		    IXDP_GENL_VERSION);
	put_attrs(msg, attrs, n);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);
	if (nl_send_auto(sk, msg) < 0)
		err = -EIO;
	while (!err && !r->done)
		if (nl_recvmsgs(sk, cb) < 0 && !r->done)
			err = -EIO;
	nl_cb_put(cb);
	nlmsg_free(msg);
	return err ? err : r->err;
}

static int request(struct nl_sock *sk, int cmd, const struct attr *attrs,
		   int n, struct reply *r)
{
	return send_request(sk, cmd, NLM_F_ACK, attrs, n, r);
}

static void test_version(struct nl_sock *sk)
{
	struct reply r;
	int err;

	err = request(sk, IXDP_CMD_GET_VERSION, NULL, 0, &r);
	if (!err)
		ksft_print_msg("netlink: abi %u version %s features %#llx\n",
			       (unsigned int)r.val[A(VERSION)][IXDP_VERSION_A_ABI],
			       r.version,
			       (unsigned long long)r.val[A(VERSION)][IXDP_VERSION_A_FEATURES]);
	ksft_test_result(!err && r.cmd == IXDP_CMD_GET_VERSION &&
			 r.val[A(VERSION)][IXDP_VERSION_A_ABI] == IXDP_ABI_VERSION &&
			 r.version[0] &&
			 r.ihas[A(VERSION)][IXDP_VERSION_A_FEATURES] &&
			 r.val[A(VERSION)][IXDP_VERSION_A_FEATURES] ==
			 (IXDP_FEAT_RUN | IXDP_FEAT_RECV_ACKED |
			  IXDP_FEAT_SEND_DONE | IXDP_FEAT_RX_CHUNKS |
			  IXDP_FEAT_HANDOFF | IXDP_FEAT_MOVE),
			 "GET_VERSION returns abi, version and features (run recv_acked send_done rx_chunks handoff move)");
}

static int read_param(const char *name)
{
	char path[128];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/sys/module/ixdp/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void test_config(struct nl_sock *sk, uint32_t *batch0)
{
	struct attr a = CFG(BATCH, 0);
	struct reply r;
	int err;

	err = request(sk, IXDP_CMD_GET_CONFIG, NULL, 0, &r);
	*batch0 = r.val[A(CONFIG)][IXDP_CONFIG_A_BATCH];
	ksft_test_result(!err && r.ihas[A(CONFIG)][IXDP_CONFIG_A_BATCH] &&
			 r.ihas[A(CONFIG)][IXDP_CONFIG_A_POLL_US] &&
			 (int)*batch0 == read_param("batch") &&
			 (int)r.val[A(CONFIG)][IXDP_CONFIG_A_POLL_US] ==
			 read_param("poll_us"),
			 "GET_CONFIG matches the module parameters");

	a.val = *batch0 == 32 ? 16 : 32;
	err = request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r);
	ksft_test_result(!err && read_param("batch") == (int)a.val,
			 "SET_CONFIG batch=%u as root takes effect", a.val);
}

/* run_grace_us: reported, set at both ends of its range, refused beyond. */
static void test_run_grace(struct nl_sock *sk)
{
	struct attr a = CFG(RUN_GRACE_US, IXDP_RUN_GRACE_US_MIN);
	int grace0 = read_param("run_grace_us");
	struct reply r;
	int err;

	err = request(sk, IXDP_CMD_GET_CONFIG, NULL, 0, &r);
	ksft_test_result(!err && r.ihas[A(CONFIG)][IXDP_CONFIG_A_RUN_GRACE_US] &&
			 (int)r.val[A(CONFIG)][IXDP_CONFIG_A_RUN_GRACE_US] ==
			 grace0 && grace0 >= IXDP_RUN_GRACE_US_MIN,
			 "GET_CONFIG reports run_grace_us (%d)", grace0);
	err = request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r);
	ksft_test_result(!err && read_param("run_grace_us") == (int)a.val,
			 "SET_CONFIG run_grace_us=%u takes effect", a.val);
	a.val = IXDP_RUN_GRACE_US_MAX;
	err = request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r);
	ksft_test_result(!err && read_param("run_grace_us") == (int)a.val,
			 "SET_CONFIG run_grace_us=%u takes effect", a.val);
	a.val = IXDP_RUN_GRACE_US_MIN - 1;
	err = request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r);
	ksft_test_result(err == -ERANGE && r.extack[0] &&
			 read_param("run_grace_us") == IXDP_RUN_GRACE_US_MAX,
			 "SET_CONFIG run_grace_us=%u is refused (%d, \"%s\")",
			 a.val, err, r.extack);
	a.val = IXDP_RUN_GRACE_US_MAX + 1;
	err = request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r);
	ksft_test_result(err == -ERANGE && r.extack[0] &&
			 read_param("run_grace_us") == IXDP_RUN_GRACE_US_MAX,
			 "SET_CONFIG run_grace_us=%u is refused (%d, \"%s\")",
			 a.val, err, r.extack);
	a.val = (uint32_t)grace0;
	err = request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r);
	ksft_test_result(!err && read_param("run_grace_us") == grace0,
			 "run_grace_us is restored to %d", grace0);
}

/* Each refusal: the error code, an extack message, and nothing changed. */
static void expect_refusal(struct nl_sock *sk, int cmd, const struct attr *a,
			   int n, int want, bool want_msg, const char *what)
{
	int before = read_param("batch");
	struct reply r;
	int err;

	err = request(sk, cmd, a, n, &r);
	if (err != want || (want_msg && !r.extack[0]) ||
	    read_param("batch") != before)
		ksft_print_msg("%s: err %d (want %d) extack \"%s\"\n", what, err,
			       want, r.extack);
	else
		ksft_print_msg("%s: extack \"%s\"\n", what, r.extack);
	ksft_test_result(err == want && (!want_msg || r.extack[0]) &&
			 read_param("batch") == before, "%s", what);
}

static void test_validation(struct nl_sock *sk)
{
	const struct attr zero = CFG(BATCH, 0);
	const struct attr big = CFG(BATCH, IXDP_BATCH_MAX + 1);
	const struct attr poll = CFG(POLL_US, IXDP_POLL_US_MAX + 1);
	const struct attr narrow = U16(A(CONFIG), IXDP_CONFIG_A_BATCH, 8);
	const struct attr unknown = U32(A(CONFIG), IXDP_CONFIG_A_MAX + 5, 1);
	const struct attr unknown_top = U32(0, IXDP_A_MAX + 5, 1);
	const struct attr flat = U32(0, IXDP_CONFIG_A_BATCH, 8);
	const struct attr not_nest = U32(0, IXDP_A_CONFIG, 8);
	const struct attr empty = EMPTY(A(CONFIG));
	const struct attr wrong_nest = U32(A(PORT), IXDP_PORT_A_IFINDEX, 8);
	const struct attr stray = CFG(BATCH, 8);
	const struct attr mixed[2] = {
		CFG(BATCH, 8), CFG(POLL_US, IXDP_POLL_US_MAX + 1),
	};

	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &zero, 1, -ERANGE, true,
		       "SET_CONFIG batch=0 is refused with -ERANGE");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &big, 1, -ERANGE, true,
		       "SET_CONFIG batch=65 is refused with -ERANGE");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &poll, 1, -ERANGE, true,
		       "SET_CONFIG poll_us beyond the limit is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, mixed, 2, -ERANGE, true,
		       "SET_CONFIG with one bad value changes nothing");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &narrow, 1, -EINVAL, true,
		       "SET_CONFIG with a u16 where u32 is due is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &unknown, 1, -EINVAL, true,
		       "SET_CONFIG with an unknown attribute in the nest is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &unknown_top, 1, -EINVAL, true,
		       "SET_CONFIG with an unknown top-level attribute is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, NULL, 0, -EINVAL, true,
		       "SET_CONFIG without the CONFIG nest is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &flat, 1, -EINVAL, true,
		       "SET_CONFIG with batch outside its nest is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &not_nest, 1, -EINVAL, true,
		       "SET_CONFIG with CONFIG as a u32, not a nest, is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &empty, 1, -EINVAL, true,
		       "SET_CONFIG with an empty CONFIG nest is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, &wrong_nest, 1, -EINVAL, true,
		       "SET_CONFIG with a PORT nest instead is refused");
	expect_refusal(sk, IXDP_CMD_GET_VERSION, &stray, 1, -EINVAL, true,
		       "GET_VERSION with an attribute is refused");
	expect_refusal(sk, IXDP_CMD_MAX + 1, NULL, 0, -EOPNOTSUPP, false,
		       "an unknown command gets -EOPNOTSUPP");
}

/* The dataplane commands refuse what the policy or the state forbids. */
static void test_dataplane_validation(struct nl_sock *sk)
{
	const struct attr no_addr[] = {
		PORT_S(IFNAME, "eth0"), PORT8(PREFIX, 24),
	};
	const struct attr bad_prefix[] = {
		PORT_S(IFNAME, "eth0"), PORT32(ADDR, 0x030012c6),
		PORT8(PREFIX, 31),
	};
	const struct attr long_name[] = {
		PORT_S(IFNAME, "an-interface-name-too-long"),
		PORT32(ADDR, 0x030012c6), PORT8(PREFIX, 24),
	};
	const struct attr out_only[] = {
		PORT_S(IFNAME, "eth0"), PORT32(ADDR, 0x030012c6),
		PORT8(PREFIX, 24), PORT32(IFINDEX, 2),
	};
	const struct attr multicast[] = {
		PORT_S(IFNAME, "eth0"), PORT32(ADDR, 0x010000e0),
		PORT8(PREFIX, 24),
	};
	const struct attr big_rxq[] = {
		CORE32(CPU, 0), CORE16(RXQ, 64),
	};
	const struct attr no_port_core[] = {
		CORE32(CPU, 0), CORE16(RXQ, 0),
	};
	const struct attr bad_mode[] = {
		RESP8(MODE, IXDP_RESP_DISCARD + 1), RESP16(PORT, 7),
	};
	const struct attr grant_no_lo[] = { GRANT32(UID, 1000) };
	const struct attr grant_both[] = {
		GRANT16(PORT_LO, 80), GRANT32(UID, 1000), GRANT32(GID, 1000),
	};
	struct reply r;

	expect_refusal(sk, IXDP_CMD_PORT_ADD, no_addr, 2, -EINVAL, true,
		       "PORT_ADD without an address is refused");
	expect_refusal(sk, IXDP_CMD_PORT_ADD, bad_prefix, 3, -ERANGE, true,
		       "PORT_ADD with prefix 31 is refused");
	expect_refusal(sk, IXDP_CMD_PORT_ADD, long_name, 3, -EINVAL, true,
		       "PORT_ADD with an over-long device name is refused");
	expect_refusal(sk, IXDP_CMD_PORT_ADD, out_only, 4, -EINVAL, true,
		       "PORT_ADD with the reply-only IFINDEX is refused");
	expect_refusal(sk, IXDP_CMD_PORT_ADD, multicast, 3, -EINVAL, true,
		       "PORT_ADD with a multicast address is refused");
	expect_refusal(sk, IXDP_CMD_CORE_ADD, big_rxq, 2, -ERANGE, true,
		       "CORE_ADD with queue 64 is refused");
	expect_refusal(sk, IXDP_CMD_CORE_ADD, no_port_core, 2, -ENODEV, true,
		       "CORE_ADD before any port is refused");
	expect_refusal(sk, IXDP_CMD_RESPONDER_SET, bad_mode, 2, -ERANGE, true,
		       "RESPONDER_SET with an unknown mode is refused");
	expect_refusal(sk, IXDP_CMD_GRANT_ADD, grant_no_lo, 1, -EINVAL, true,
		       "GRANT_ADD without its first port is refused");
	expect_refusal(sk, IXDP_CMD_GRANT_ADD, grant_both, 3, -EINVAL, true,
		       "GRANT_ADD with both a user and a group is refused");
	ksft_test_result(request(sk, IXDP_CMD_PORT_GET, NULL, 0, &r) == -ENODEV &&
			 r.extack[0],
			 "PORT_GET without a port gets -ENODEV (\"%s\")",
			 r.extack);
}

/*
 * Run @checks in a child that became nobody, which leaves it without
 * CAP_NET_ADMIN; true if it exited 0 (every check held).
 */
static bool as_unprivileged(int (*checks)(struct nl_sock *sk))
{
	int status = -1;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		struct nl_sock *sk;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		sk = open_sock();
		if (!sk)
			_exit(11);
		_exit(checks(sk));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ksft_print_msg("unprivileged child status %#x\n", status);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The child's checks: its exit status, 0 if all held. */
static int unprivileged_checks(struct nl_sock *sk)
{
	const struct attr a = CFG(BATCH, 7);
	struct reply r;

	if (request(sk, IXDP_CMD_GET_CONFIG, NULL, 0, &r))
		return 12;
	if (request(sk, IXDP_CMD_PORT_ADD, NULL, 0, &r) != -EPERM ||
	    request(sk, IXDP_CMD_CORE_DEL, NULL, 0, &r) != -EPERM ||
	    request(sk, IXDP_CMD_RESPONDER_SET, NULL, 0, &r) != -EPERM)
		return 14;
	return request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r) == -EPERM ? 0 : 13;
}

/* A process without CAP_NET_ADMIN may read but not change. */
static void test_unprivileged(void)
{
	int before = read_param("batch");
	bool ok = as_unprivileged(unprivileged_checks);

	ksft_test_result(ok && read_param("batch") == before,
			 "non-root may read; SET_CONFIG, PORT_ADD, CORE_DEL, RESPONDER_SET get -EPERM");
}

/*
 * FG_MOVE and CORE_SET refuse, with an extack message, what their policy
 * or the dataplane's state forbids: a port with 128 flow groups, cores
 * on CPUs 0 and 1 (1 active), none on CPU 7. Nothing here may move a
 * group: every request is wrong in exactly one way.
 */
static void test_move_validation(struct nl_sock *sk)
{
	const struct attr fg_only[] = { MOVE32(FG, 0) };
	const struct attr fg_u8[] = {
		U8(A(MOVE), IXDP_MOVE_A_FG, 0), MOVE32(TO_CPU, 1),
	};
	const struct attr fg_and_from[] = {
		MOVE32(FG, 0), MOVE32(FROM_CPU, 0), MOVE32(TO_CPU, 1),
	};
	const struct attr fg_huge[] = {
		MOVE32(FG, 100000), MOVE32(TO_CPU, 1),
	};
	const struct attr fg_beyond[] = {
		MOVE32(FG, 300), MOVE32(TO_CPU, 1),
	};
	const struct attr to_nowhere[] = {
		MOVE32(FG, 0), MOVE32(TO_CPU, 7),
	};
	const struct attr from_nowhere[] = {
		MOVE32(FROM_CPU, 7), MOVE32(TO_CPU, 1),
	};
	const struct attr balance_fg[] = {
		FLAG(A(MOVE), IXDP_MOVE_A_BALANCE), MOVE32(FG, 0),
	};
	const struct attr result_in[] = {
		MOVE32(FG, 0), MOVE32(TO_CPU, 1), MOVE32(FGS, 1),
	};
	const struct attr cpu_only[] = { CORE32(CPU, 1) };
	const struct attr parked_2[] = {
		CORE32(CPU, 1), CORE8(PARKED, 2),
	};
	const struct attr park_nowhere[] = {
		CORE32(CPU, 7), CORE8(PARKED, 1),
	};
	const struct attr mode_no_port[] = { RESP8(MODE, IXDP_RESP_ECHO) };

	expect_refusal(sk, IXDP_CMD_FG_MOVE, NULL, 0, -EINVAL, true,
		       "FG_MOVE without the MOVE nest is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_only, 1, -EINVAL, true,
		       "FG_MOVE of a group without a target core is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_u8, 2, -EINVAL, true,
		       "FG_MOVE with a u8 where the u32 FG is due is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_and_from, 3, -EINVAL, true,
		       "FG_MOVE with both FG and FROM_CPU is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_huge, 2, -ERANGE, true,
		       "FG_MOVE of group 100000 is refused with -ERANGE");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_beyond, 2, -ENOENT, true,
		       "FG_MOVE of group 300 of 128 gets -ENOENT");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, to_nowhere, 2, -ENOENT, true,
		       "FG_MOVE to a CPU without a core gets -ENOENT");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, from_nowhere, 2, -ENOENT, true,
		       "FG_MOVE from a CPU without a core gets -ENOENT");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, balance_fg, 2, -EINVAL, true,
		       "FG_MOVE with BALANCE and FG is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, result_in, 3, -EINVAL, true,
		       "FG_MOVE with the reply-only FGS is refused");
	expect_refusal(sk, IXDP_CMD_CORE_SET, cpu_only, 1, -EINVAL, true,
		       "CORE_SET without PARKED is refused");
	expect_refusal(sk, IXDP_CMD_CORE_SET, parked_2, 2, -ERANGE, true,
		       "CORE_SET with parked=2 is refused with -ERANGE");
	expect_refusal(sk, IXDP_CMD_CORE_SET, park_nowhere, 2, -ENOENT, true,
		       "CORE_SET of a CPU without a core gets -ENOENT");
	/* Needs the port: without one, pre_doit answers -ENODEV first. */
	expect_refusal(sk, IXDP_CMD_RESPONDER_SET, mode_no_port, 1, -EINVAL,
		       true, "RESPONDER_SET echo without a TCP port is refused");
}

/*
 * CORE_GET: every core's nest carries every typed counter of enum
 * ixdp_core_stat, and the display copy in XSTATS agrees with it.
 */
static void test_core_stats(struct nl_sock *sk)
{
	struct reply r;
	int err;

	err = send_request(sk, IXDP_CMD_CORE_GET, NLM_F_DUMP, NULL, 0, &r);
	ksft_test_result(!err && r.nmsgs >= 2 && r.ncomplete == r.nmsgs,
			 "CORE_GET: %d of %d cores carry every typed counter",
			 r.ncomplete, r.nmsgs);
}

/*
 * The child's checks for the move commands. Their attributes name CPU 7,
 * where there is no core, so that a missing admin check would answer
 * -ENOENT instead of changing anything.
 */
static int unprivileged_move_checks(struct nl_sock *sk)
{
	const struct attr move[] = { MOVE32(FG, 0), MOVE32(TO_CPU, 7) };
	const struct attr park[] = { CORE32(CPU, 7), CORE8(PARKED, 1) };
	struct reply r;

	if (request(sk, IXDP_CMD_GET_CONFIG, NULL, 0, &r))
		return 12;
	if (request(sk, IXDP_CMD_FG_MOVE, move, 2, &r) != -EPERM)
		return 15;
	return request(sk, IXDP_CMD_CORE_SET, park, 2, &r) == -EPERM ? 0 : 16;
}

static void test_move_unprivileged(void)
{
	ksft_test_result(as_unprivileged(unprivileged_move_checks),
			 "non-root: FG_MOVE and CORE_SET get -EPERM");
}

/* Announcements carry sequence number 0: accept them as they are. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

static void test_multicast(struct nl_sock *sk, uint32_t batch0)
{
	const struct attr a = CFG(BATCH, batch0);
	struct nl_sock *msk = open_sock();
	struct reply ev = {}, r;
	struct pollfd pfd;
	struct nl_cb *cb;
	int grp;

	grp = msk ? genl_ctrl_resolve_grp(msk, IXDP_GENL_NAME,
					  IXDP_MCGRP_EVENTS) : -1;
	if (grp < 0 || nl_socket_add_membership(msk, grp)) {
		ksft_test_result(false, "events group announces SET_CONFIG");
		goto out;
	}
	nl_socket_disable_seq_check(msk);

	/* Restores the original batch and announces it. */
	request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r);

	cb = nl_cb_alloc(NL_CB_CUSTOM);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &ev);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	pfd.fd = nl_socket_get_fd(msk);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) == 1)
		nl_recvmsgs(msk, cb);
	nl_cb_put(cb);
	if (ev.cmd != IXDP_CMD_SET_CONFIG)
		ksft_print_msg("set err %d, event cmd %d batch %u\n", r.err,
			       ev.cmd,
			       (unsigned int)ev.val[A(CONFIG)][IXDP_CONFIG_A_BATCH]);
	ksft_test_result(r.err == 0 && ev.cmd == IXDP_CMD_SET_CONFIG &&
			 ev.val[A(CONFIG)][IXDP_CONFIG_A_BATCH] == batch0 &&
			 read_param("batch") == (int)batch0,
			 "events group announces SET_CONFIG (batch back to %u)",
			 batch0);
out:
	if (msk)
		nl_socket_free(msk);
}

/* After rmmod: the family must no longer resolve. Exit status only. */
static int check_absent(void)
{
	struct nl_sock *sk = open_sock();
	int id;

	if (!sk)
		return 2;
	id = genl_ctrl_resolve(sk, IXDP_GENL_NAME);
	nl_socket_free(sk);
	return id < 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	bool move = argc > 1 && !strcmp(argv[1], "move");
	struct nl_sock *sk;
	uint32_t batch0 = 0;

	if (argc > 1 && !strcmp(argv[1], "--absent"))
		return check_absent();

	ksft_print_header();
	sk = open_sock();
	family = sk ? genl_ctrl_resolve(sk, IXDP_GENL_NAME) : -1;
	if (!ksft_test_result(family > 0, "family \"%s\" resolves (id %d)",
			      IXDP_GENL_NAME, family))
		return ksft_finish();

	/* The move checks only: the others want a module without a port. */
	if (move) {
		test_move_validation(sk);
		test_core_stats(sk);
		test_move_unprivileged();
		nl_socket_free(sk);
		return ksft_finish();
	}
	test_version(sk);
	test_config(sk, &batch0);
	test_run_grace(sk);
	test_validation(sk);
	test_dataplane_validation(sk);
	test_unprivileged();
	test_multicast(sk, batch0);
	nl_socket_free(sk);
	return ksft_finish();
}
