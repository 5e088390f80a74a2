// SPDX-License-Identifier: GPL-2.0
/*
 * ixctl object "grant": which users and groups may listen on, or connect
 * to, which TCP ports through ixdp (Documentation/abi.rst, "Unprivileged
 * applications").
 *
 *   ixctl grant show
 *   ixctl grant add ports LO[-HI] { user U | group G } [ rights R ]
 *   ixctl grant del ports LO[-HI] { user U | group G } [ rights R ]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "grant.h"
#include "ixctl.h"
#include "print.h"

static void print_grant(const struct ixdp_genl_reply *r, void *arg)
{
	const struct ixdp_genl_obj *gr = &r->obj[IXDP_A_GRANT];
	bool gid = gr->has[IXDP_GRANT_A_GID];

	print_open_object();
	print_u64("port_lo", "grant ports %" PRIu64, gr->num[IXDP_GRANT_A_PORT_LO]);
	print_u64("port_hi", "-%" PRIu64, gr->num[IXDP_GRANT_A_PORT_HI]);
	print_u64(gid ? "gid" : "uid", gid ? " group %" PRIu64 : " user %" PRIu64,
		  gr->num[gid ? IXDP_GRANT_A_GID : IXDP_GRANT_A_UID]);
	print_str("rights", " rights %s",
		  ixdp_grant_rights_name((uint32_t)gr->num[IXDP_GRANT_A_RIGHTS]));
	print_nl();
	print_close_object();
}

static int grant_change(struct ixdp_genl *g, int cmd, const char *what,
			int argc, char **argv)
{
	struct ixdp_grant_spec spec;
	struct ixdp_genl_reply r;
	struct nl_msg *msg;
	char why[160];
	int err;

	err = ixdp_grant_parse(argc, argv, &spec, why, sizeof(why));
	if (err) {
		fprintf(stderr, "ixctl: %s: %s\n", what, why);
		fprintf(stderr, "usage: ixctl grant { add | del } ports LO[-HI] { user U | group G } [ rights { listen | connect | all } ]\n");
		return 2;
	}
	msg = ixdp_genl_msg(g, cmd);
	if (!msg || ixdp_grant_put(msg, &spec))
		return ixctl_fail(-ENOMEM, NULL, what);
	err = ixdp_genl_request(g, msg, &r);
	return err ? ixctl_fail(err, &r, what) : 0;
}

int ixctl_grant(struct ixdp_genl *g, int argc, char **argv)
{
	int err;

	if (argc == 0 || ixctl_matches(argv[0], "show")) {
		print_open_array();
		err = ixdp_genl_dump(g, IXDP_CMD_GRANT_GET, print_grant, NULL);
		print_close_array();
		return err ? ixctl_fail(err, NULL, "grant show") : 0;
	}
	if (ixctl_matches(argv[0], "add"))
		return grant_change(g, IXDP_CMD_GRANT_ADD, "grant add",
				    argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "delete"))
		return grant_change(g, IXDP_CMD_GRANT_DEL, "grant del",
				    argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "help")) {
		printf("Usage: ixctl grant show\n"
		       "       ixctl grant { add | del } ports LO[-HI] { user U | group G }\n"
		       "                   [ rights { listen | connect | all } ]\n");
		return 0;
	}
	return ixctl_usage_error("grant: unknown command \"%s\"", argv[0]);
}
