// SPDX-License-Identifier: GPL-2.0
/*
 * ixctl objects that only show the dataplane's state: "fg" (flow groups
 * and their owners) and "app" (attached application contexts).
 *
 *   ixctl fg show
 *   ixctl [-s] app show
 */
#include <inttypes.h>
#include <stdio.h>

#include "ixctl.h"
#include "print.h"

static void print_fg(const struct ixdp_genl_reply *r, void *arg)
{
	print_open_object();
	print_u64("fg", "fg %" PRIu64, r->num[IXDP_A_FG_ID]);
	print_u64("cpu", " cpu %" PRIu64, r->num[IXDP_A_CORE_CPU]);
	print_u64("rxq", " rxq %" PRIu64, r->num[IXDP_A_CORE_RXQ]);
	print_nl();
	print_close_object();
}

int ixctl_fg(struct ixdp_genl *g, int argc, char **argv)
{
	int err;

	if (argc == 0 || ixctl_matches(argv[0], "show")) {
		print_open_array();
		err = ixdp_genl_dump(g, IXDP_CMD_FG_GET, print_fg, NULL);
		print_close_array();
		return err ? ixctl_fail(err, NULL, "fg show") : 0;
	}
	return ixctl_usage_error("fg: unknown command \"%s\"", argv[0]);
}

static void print_app(const struct ixdp_genl_reply *r, void *arg)
{
	print_open_object();
	print_u64("pid", "app pid %" PRIu64, r->num[IXDP_A_APP_PID]);
	print_u64("tid", " tid %" PRIu64, r->num[IXDP_A_APP_TID]);
	print_u64("cpu", " cpu %" PRIu64, r->num[IXDP_A_CORE_CPU]);
	print_u64("connections", " connections %" PRIu64,
		  r->num[IXDP_A_APP_CONNS]);
	print_u64("max_connections", " max-connections %" PRIu64,
		  r->num[IXDP_A_APP_MAX_CONNS]);
	print_str("state", " %s", r->num[IXDP_A_APP_DEAD] ? "dead" : "live");
	ixctl_print_stats(r);
	print_nl();
	print_close_object();
}

int ixctl_app(struct ixdp_genl *g, int argc, char **argv)
{
	int err;

	if (argc == 0 || ixctl_matches(argv[0], "show")) {
		print_open_array();
		err = ixdp_genl_dump(g, IXDP_CMD_APP_GET, print_app, NULL);
		print_close_array();
		return err ? ixctl_fail(err, NULL, "app show") : 0;
	}
	return ixctl_usage_error("app: unknown command \"%s\"", argv[0]);
}
