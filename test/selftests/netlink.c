// SPDX-License-Identifier: GPL-2.0
/*
 * The "ixdp" generic netlink family, driven through libnl-genl-3 as the
 * control plane drives it: resolution, the version and configuration
 * commands, strict validation with extended-ACK messages, the admin-only
 * rule and the "events" multicast group.
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

struct reply {
	bool done;
	int err;			/* 0 or -errno from the kernel */
	char extack[256];		/* extended-ACK message, if any */
	int cmd;			/* genl command of the reply */
	bool has[IXDP_A_MAX + 1];
	uint32_t u32[IXDP_A_MAX + 1];
	uint64_t features;
	char version[64];
};

static int family;

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[IXDP_A_MAX + 1];
	struct reply *r = arg;
	int i;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, IXDP_A_MAX, NULL))
		return NL_SKIP;
	r->cmd = gh->cmd;
	for (i = 1; i <= IXDP_A_MAX; i++) {
		if (!tb[i])
			continue;
		r->has[i] = true;
		if (i == IXDP_A_FEATURES)
			r->features = nla_get_u64(tb[i]);
		else if (i == IXDP_A_MODULE_VERSION)
			nla_strlcpy(r->version, tb[i], sizeof(r->version));
		else if (nla_len(tb[i]) == 4)
			r->u32[i] = nla_get_u32(tb[i]);
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

struct attr {
	int type;
	uint32_t val;
	int width;			/* 1, 2, 4 or 8 bytes */
	const char *str;		/* a string attribute instead */
	bool flag;			/* an NLA_FLAG instead: no payload */
};

#define U32(t, v)	{ .type = (t), .val = (v), .width = 4 }
#define U16(t, v)	{ .type = (t), .val = (v), .width = 2 }
#define U8(t, v)	{ .type = (t), .val = (v), .width = 1 }
#define STR(t, s)	{ .type = (t), .str = (s) }
#define FLAG(t)		{ .type = (t), .flag = true }

/* Send @cmd with @n attributes and collect the reply and the ACK. */

static int request(struct nl_sock *sk, int cmd, const struct attr *attrs,
		   int n, struct reply *r)
{
	struct nl_msg *msg;
	struct nl_cb *cb;
	int i, err = 0;

	memset(r, 0, sizeof(*r));
	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!msg || !cb)
		return -ENOMEM;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK, cmd,
		    IXDP_GENL_VERSION);
	for (i = 0; i < n; i++) {
		if (attrs[i].flag)
			nla_put_flag(msg, attrs[i].type);
		else if (attrs[i].str)
			nla_put_string(msg, attrs[i].type, attrs[i].str);
		else if (attrs[i].width == 1)
			nla_put_u8(msg, attrs[i].type, attrs[i].val);
		else if (attrs[i].width == 2)
			nla_put_u16(msg, attrs[i].type, attrs[i].val);
		else if (attrs[i].width == 8)
			nla_put_u64(msg, attrs[i].type, attrs[i].val);
		else
			nla_put_u32(msg, attrs[i].type, attrs[i].val);
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, r);
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

static void test_version(struct nl_sock *sk)
{
	struct reply r;
	int err;

	err = request(sk, IXDP_CMD_GET_VERSION, NULL, 0, &r);
	if (!err)
		ksft_print_msg("netlink: abi %u version %s features %#llx\n",
			       r.u32[IXDP_A_ABI_VERSION], r.version,
			       (unsigned long long)r.features);
	ksft_test_result(!err && r.cmd == IXDP_CMD_GET_VERSION &&
			 r.u32[IXDP_A_ABI_VERSION] == IXDP_ABI_VERSION &&
			 r.version[0] && (r.features & IXDP_FEAT_NETLINK),
			 "GET_VERSION returns abi, version and features");
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
	struct attr a = U32(IXDP_A_CFG_BATCH, 0);
	struct reply r;
	int err;

	err = request(sk, IXDP_CMD_GET_CONFIG, NULL, 0, &r);
	*batch0 = r.u32[IXDP_A_CFG_BATCH];
	ksft_test_result(!err && r.has[IXDP_A_CFG_BATCH] &&
			 r.has[IXDP_A_CFG_POLL_US] &&
			 (int)*batch0 == read_param("batch") &&
			 (int)r.u32[IXDP_A_CFG_POLL_US] == read_param("poll_us"),
			 "GET_CONFIG matches the module parameters");

	a.val = *batch0 == 32 ? 16 : 32;
	err = request(sk, IXDP_CMD_SET_CONFIG, &a, 1, &r);
	ksft_test_result(!err && read_param("batch") == (int)a.val,
			 "SET_CONFIG batch=%u as root takes effect", a.val);
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
	const struct attr zero = U32(IXDP_A_CFG_BATCH, 0);
	const struct attr big = U32(IXDP_A_CFG_BATCH, IXDP_BATCH_MAX + 1);
	const struct attr poll = U32(IXDP_A_CFG_POLL_US, IXDP_POLL_US_MAX + 1);
	const struct attr narrow = U16(IXDP_A_CFG_BATCH, 8);
	const struct attr unknown = U32(IXDP_A_MAX + 5, 1);
	const struct attr stray = U32(IXDP_A_CFG_BATCH, 8);
	const struct attr mixed[2] = {
		U32(IXDP_A_CFG_BATCH, 8),
		U32(IXDP_A_CFG_POLL_US, IXDP_POLL_US_MAX + 1),
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
		       "SET_CONFIG with an unknown attribute is refused");
	expect_refusal(sk, IXDP_CMD_SET_CONFIG, NULL, 0, -EINVAL, true,
		       "SET_CONFIG without attributes is refused");
	expect_refusal(sk, IXDP_CMD_GET_VERSION, &stray, 1, -EINVAL, true,
		       "GET_VERSION with an attribute is refused");
	expect_refusal(sk, IXDP_CMD_MAX + 1, NULL, 0, -EOPNOTSUPP, false,
		       "an unknown command gets -EOPNOTSUPP");
}

/* The dataplane commands refuse what the policy or the state forbids. */
static void test_dataplane_validation(struct nl_sock *sk)
{
	const struct attr no_addr[] = {
		STR(IXDP_A_PORT_IFNAME, "eth0"), U8(IXDP_A_PORT_PREFIX, 24),
	};
	const struct attr bad_prefix[] = {
		STR(IXDP_A_PORT_IFNAME, "eth0"), U32(IXDP_A_PORT_ADDR, 0x030012c6),
		U8(IXDP_A_PORT_PREFIX, 31),
	};
	const struct attr long_name[] = {
		STR(IXDP_A_PORT_IFNAME, "an-interface-name-too-long"),
		U32(IXDP_A_PORT_ADDR, 0x030012c6), U8(IXDP_A_PORT_PREFIX, 24),
	};
	const struct attr multicast[] = {
		STR(IXDP_A_PORT_IFNAME, "eth0"), U32(IXDP_A_PORT_ADDR, 0x010000e0),
		U8(IXDP_A_PORT_PREFIX, 24),
	};
	const struct attr big_rxq[] = {
		U32(IXDP_A_CORE_CPU, 0), U16(IXDP_A_CORE_RXQ, 64),
	};
	const struct attr no_port_core[] = {
		U32(IXDP_A_CORE_CPU, 0), U16(IXDP_A_CORE_RXQ, 0),
	};
	const struct attr bad_mode[] = {
		U8(IXDP_A_RESP_MODE, IXDP_RESP_DISCARD + 1), U16(IXDP_A_RESP_PORT, 7),
	};
	const struct attr mode_no_port[] = { U8(IXDP_A_RESP_MODE, IXDP_RESP_ECHO) };
	struct reply r;

	expect_refusal(sk, IXDP_CMD_PORT_ADD, no_addr, 2, -EINVAL, true,
		       "PORT_ADD without an address is refused");
	expect_refusal(sk, IXDP_CMD_PORT_ADD, bad_prefix, 3, -ERANGE, true,
		       "PORT_ADD with prefix 31 is refused");
	expect_refusal(sk, IXDP_CMD_PORT_ADD, long_name, 3, -EINVAL, true,
		       "PORT_ADD with an over-long device name is refused");
	expect_refusal(sk, IXDP_CMD_PORT_ADD, multicast, 3, -EINVAL, true,
		       "PORT_ADD with a multicast address is refused");
	expect_refusal(sk, IXDP_CMD_CORE_ADD, big_rxq, 2, -ERANGE, true,
		       "CORE_ADD with queue 64 is refused");
	expect_refusal(sk, IXDP_CMD_CORE_ADD, no_port_core, 2, -ENODEV, true,
		       "CORE_ADD before any port is refused");
	expect_refusal(sk, IXDP_CMD_RESPONDER_SET, bad_mode, 2, -ERANGE, true,
		       "RESPONDER_SET with an unknown mode is refused");
	expect_refusal(sk, IXDP_CMD_RESPONDER_SET, mode_no_port, 1, -EINVAL,
		       true, "RESPONDER_SET echo without a port is refused");
	ksft_test_result(request(sk, IXDP_CMD_PORT_GET, NULL, 0, &r) == -ENODEV,
			 "PORT_GET without a port gets -ENODEV");
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
	const struct attr a = U32(IXDP_A_CFG_BATCH, 7);
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
	const struct attr fg_only[] = { U32(IXDP_A_FG_ID, 0) };
	const struct attr fg_u8[] = {
		U8(IXDP_A_FG_ID, 0), U32(IXDP_A_CORE_CPU, 1),
	};
	const struct attr fg_and_from[] = {
		U32(IXDP_A_FG_ID, 0), U32(IXDP_A_FG_FROM_CPU, 0),
		U32(IXDP_A_CORE_CPU, 1),
	};
	const struct attr fg_huge[] = {
		U32(IXDP_A_FG_ID, 100000), U32(IXDP_A_CORE_CPU, 1),
	};
	const struct attr fg_beyond[] = {
		U32(IXDP_A_FG_ID, 300), U32(IXDP_A_CORE_CPU, 1),
	};
	const struct attr to_nowhere[] = {
		U32(IXDP_A_FG_ID, 0), U32(IXDP_A_CORE_CPU, 7),
	};
	const struct attr from_nowhere[] = {
		U32(IXDP_A_FG_FROM_CPU, 7), U32(IXDP_A_CORE_CPU, 1),
	};
	const struct attr balance_fg[] = {
		FLAG(IXDP_A_FG_BALANCE), U32(IXDP_A_FG_ID, 0),
	};
	const struct attr cpu_only[] = { U32(IXDP_A_CORE_CPU, 1) };
	const struct attr parked_2[] = {
		U32(IXDP_A_CORE_CPU, 1), U8(IXDP_A_CORE_PARKED, 2),
	};
	const struct attr park_nowhere[] = {
		U32(IXDP_A_CORE_CPU, 7), U8(IXDP_A_CORE_PARKED, 1),
	};

	expect_refusal(sk, IXDP_CMD_FG_MOVE, NULL, 0, -EINVAL, true,
		       "FG_MOVE without attributes is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_only, 1, -EINVAL, true,
		       "FG_MOVE of a group without a target core is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_u8, 2, -EINVAL, true,
		       "FG_MOVE with a u8 where the u32 FG_ID is due is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_and_from, 3, -EINVAL, true,
		       "FG_MOVE with both FG_ID and FG_FROM_CPU is refused");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_huge, 2, -ERANGE, true,
		       "FG_MOVE of group 100000 is refused with -ERANGE");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, fg_beyond, 2, -ENOENT, true,
		       "FG_MOVE of group 300 of 128 gets -ENOENT");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, to_nowhere, 2, -ENOENT, true,
		       "FG_MOVE to a CPU without a core gets -ENOENT");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, from_nowhere, 2, -ENOENT, true,
		       "FG_MOVE from a CPU without a core gets -ENOENT");
	expect_refusal(sk, IXDP_CMD_FG_MOVE, balance_fg, 2, -EINVAL, true,
		       "FG_MOVE with FG_BALANCE and FG_ID is refused");
	expect_refusal(sk, IXDP_CMD_CORE_SET, cpu_only, 1, -EINVAL, true,
		       "CORE_SET without CORE_PARKED is refused");
	expect_refusal(sk, IXDP_CMD_CORE_SET, parked_2, 2, -ERANGE, true,
		       "CORE_SET with parked=2 is refused with -ERANGE");
	expect_refusal(sk, IXDP_CMD_CORE_SET, park_nowhere, 2, -ENOENT, true,
		       "CORE_SET of a CPU without a core gets -ENOENT");
}

/*
 * The child's checks for the move commands. Their attributes name CPU 7,
 * where there is no core, so that a missing admin check would answer
 * -ENOENT instead of changing anything.
 */
static int unprivileged_move_checks(struct nl_sock *sk)
{
	const struct attr move[] = {
		U32(IXDP_A_FG_ID, 0), U32(IXDP_A_CORE_CPU, 7),
	};
	const struct attr park[] = {
		U32(IXDP_A_CORE_CPU, 7), U8(IXDP_A_CORE_PARKED, 1),
	};
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
	const struct attr a = U32(IXDP_A_CFG_BATCH, batch0);
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
			       ev.cmd, ev.u32[IXDP_A_CFG_BATCH]);
	ksft_test_result(r.err == 0 && ev.cmd == IXDP_CMD_SET_CONFIG &&
			 ev.u32[IXDP_A_CFG_BATCH] == batch0 &&
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
		test_move_unprivileged();
		nl_socket_free(sk);
		return ksft_finish();
	}
	test_version(sk);
	test_config(sk, &batch0);
	test_validation(sk);
	test_dataplane_validation(sk);
	test_unprivileged();
	test_multicast(sk, batch0);
	nl_socket_free(sk);
	return ksft_finish();
}
