// SPDX-License-Identifier: GPL-2.0
/*
 * ixctl objects that describe the module itself: "version" and "config".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ixctl.h"
#include "print.h"

/* The IXDP_FEAT_* bits this ixctl knows, by name, after the mask. */
static void print_features(uint64_t f)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ IXDP_FEAT_RUN, "run" },
		{ IXDP_FEAT_RECV_ACKED, "recv_acked" },
		{ IXDP_FEAT_SEND_DONE, "send_done" },
		{ IXDP_FEAT_RX_CHUNKS, "rx_chunks" },
		{ IXDP_FEAT_HANDOFF, "handoff" },
		{ IXDP_FEAT_MOVE, "move" },
	};
	char buf[64] = "";
	size_t i, n = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      n ? " " : "", names[i].name);
	if (n)
		print_str("feature_names", " (%s)", buf);
}

int ixctl_version(struct ixdp_genl *g, int argc, char **argv)
{
	static struct ixdp_genl_reply r;
	const struct ixdp_genl_obj *v = &r.obj[IXDP_A_VERSION];
	int err;

	if (argc > 0 && !ixctl_matches(argv[0], "show"))
		return ixctl_usage_error("usage: ixctl version [ show ]%s", "");
	err = ixdp_genl_request(g, ixdp_genl_msg(g, IXDP_CMD_GET_VERSION), &r);
	if (err)
		return ixctl_fail(err, &r, "version");

	print_open_object();
	print_str("module_version", "ixdp %s", v->str);
	print_u64("abi_version", " abi %" PRIu64, v->num[IXDP_VERSION_A_ABI]);
	print_hex("features", " features 0x%" PRIx64,
		  v->num[IXDP_VERSION_A_FEATURES]);
	print_features(v->num[IXDP_VERSION_A_FEATURES]);
	print_nl();
	print_close_object();
	return 0;
}

static void print_config(const struct ixdp_genl_reply *r)
{
	const struct ixdp_genl_obj *c = &r->obj[IXDP_A_CONFIG];

	print_open_object();
	print_u64("batch", "batch %" PRIu64, c->num[IXDP_CONFIG_A_BATCH]);
	print_u64("poll_us", " poll_us %" PRIu64,
		  c->num[IXDP_CONFIG_A_POLL_US]);
	print_u64("run_grace_us", " run_grace_us %" PRIu64,
		  c->num[IXDP_CONFIG_A_RUN_GRACE_US]);
	print_nl();
	print_close_object();
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > UINT32_MAX || *s == '-')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int config_set(struct ixdp_genl *g, int argc, char **argv)
{
	struct ixdp_genl_reply r;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint32_t v;
	int attr, err;

	if (argc == 0)
		return ixctl_usage_error("config set: nothing to set%s", "");
	msg = ixdp_genl_msg(g, IXDP_CMD_SET_CONFIG);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "config set");
	nest = nla_nest_start(msg, IXDP_A_CONFIG);
	for (; argc > 0; argc -= 2, argv += 2) {
		if (ixctl_matches(argv[0], "batch")) {
			attr = IXDP_CONFIG_A_BATCH;
		} else if (ixctl_matches(argv[0], "poll_us")) {
			attr = IXDP_CONFIG_A_POLL_US;
		} else if (ixctl_matches(argv[0], "run_grace_us")) {
			attr = IXDP_CONFIG_A_RUN_GRACE_US;
		} else {
			nlmsg_free(msg);
			return ixctl_usage_error("config set: unknown key \"%s\"",
						 argv[0]);
		}
		if (argc < 2 || parse_u32(argv[1], &v)) {
			nlmsg_free(msg);
			return ixctl_usage_error("config set: \"%s\" needs a number",
						 argv[0]);
		}
		nla_put_u32(msg, attr, v);
	}
	nla_nest_end(msg, nest);
	err = ixdp_genl_request(g, msg, &r);
	if (err)
		return ixctl_fail(err, &r, "config set");
	return 0;
}

int ixctl_config(struct ixdp_genl *g, int argc, char **argv)
{
	struct ixdp_genl_reply r;
	int err;

	if (argc == 0 || ixctl_matches(argv[0], "show")) {
		err = ixdp_genl_request(g, ixdp_genl_msg(g, IXDP_CMD_GET_CONFIG),
					&r);
		if (err)
			return ixctl_fail(err, &r, "config show");
		print_config(&r);
		return 0;
	}
	if (ixctl_matches(argv[0], "set"))
		return config_set(g, argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "help")) {
		printf("Usage: ixctl config { show | set [ batch N ] [ poll_us US ] [ run_grace_us US ] }\n");
		return 0;
	}
	return ixctl_usage_error("config: unknown command \"%s\"", argv[0]);
}
