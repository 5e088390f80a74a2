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

static const struct {
	uint64_t bit;
	const char *name;
} feature_names[] = {
	{ IXDP_FEAT_VERSION, "version" },
	{ IXDP_FEAT_NETLINK, "netlink" },
	{ IXDP_FEAT_CONFIG, "config" },
	{ IXDP_FEAT_DATAPLANE, "dataplane" },
	{ IXDP_FEAT_ATTACH, "attach" },
	{ IXDP_FEAT_RINGS, "rings" },
	{ IXDP_FEAT_FG_MOVE, "fg-move" },
	{ IXDP_FEAT_OBJECTS, "objects" },
	{ IXDP_FEAT_GRANTS, "grants" },
};

int ixctl_version(struct ixdp_genl *g, int argc, char **argv)
{
	struct ixdp_genl_reply r;
	size_t i;
	int err;

	if (argc > 0 && !ixctl_matches(argv[0], "show"))
		return ixctl_usage_error("usage: ixctl version [ show ]%s", "");
	err = ixdp_genl_request(g, ixdp_genl_msg(g, IXDP_CMD_GET_VERSION), &r);
	if (err)
		return ixctl_fail(err, &r, "version");

	print_open_object();
	print_str("module_version", "ixdp %s", r.str[IXDP_A_MODULE_VERSION]);
	print_u64("abi_version", " abi %" PRIu64,
		  r.num[IXDP_A_ABI_VERSION]);
	print_hex("features", " features %#" PRIx64,
		  r.num[IXDP_A_FEATURES]);
	if (!print_is_json()) {
		for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
			if (r.num[IXDP_A_FEATURES] & feature_names[i].bit)
				printf(" %s", feature_names[i].name);
	}
	print_nl();
	print_close_object();
	return 0;
}

static void print_config(const struct ixdp_genl_reply *r)
{
	print_open_object();
	print_u64("batch", "batch %" PRIu64, r->num[IXDP_A_CFG_BATCH]);
	print_u64("poll_us", " poll_us %" PRIu64, r->num[IXDP_A_CFG_POLL_US]);
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
	struct nl_msg *msg;
	uint32_t v;
	int attr, err;

	if (argc == 0)
		return ixctl_usage_error("config set: nothing to set%s", "");
	msg = ixdp_genl_msg(g, IXDP_CMD_SET_CONFIG);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "config set");
	for (; argc > 0; argc -= 2, argv += 2) {
		if (ixctl_matches(argv[0], "batch")) {
			attr = IXDP_A_CFG_BATCH;
		} else if (ixctl_matches(argv[0], "poll_us")) {
			attr = IXDP_A_CFG_POLL_US;
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
		printf("Usage: ixctl config { show | set [ batch N ] [ poll_us US ] }\n");
		return 0;
	}
	return ixctl_usage_error("config: unknown command \"%s\"", argv[0]);
}
