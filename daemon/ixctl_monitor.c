// SPDX-License-Identifier: GPL-2.0
/*
 * ixctl monitor: print the notifications of the module's "events"
 * multicast group as they come, one line (or JSON object) each.
 *
 *   ixctl [-j] monitor [ count N ] [ timeout SECONDS ]
 *
 * With count, it exits 0 after N notifications; with timeout, after that
 * many seconds (status 1 if count was given and not reached).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <arpa/inet.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ixctl.h"
#include "print.h"

struct monitor {
	unsigned long seen;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	const struct ixdp_genl_field *f;
	static struct ixdp_genl_reply r;
	struct monitor *m = arg;
	const char *name;
	unsigned int i;
	char fmt[32];

	memset(&r, 0, sizeof(r));
	if (ixdp_genl_parse(msg, &r))
		return NL_SKIP;
	print_open_object();
	name = ixdp_genl_event_name(r.cmd);
	print_str("event", "%s", name ? name : "unknown");
	for (i = 0; i < ixdp_genl_nevent_fields; i++) {
		f = &ixdp_genl_event_fields[i];
		if (!ixdp_genl_event_has(&r, f))
			continue;
		if (f->str) {
			snprintf(fmt, sizeof(fmt), " %s %%s", f->key);
			print_str(f->key, fmt, r.obj[f->nest].str);
		} else {
			snprintf(fmt, sizeof(fmt), " %s %%" PRIu64, f->key);
			print_u64(f->key, fmt, r.obj[f->nest].num[f->attr]);
		}
	}
	print_nl();
	print_close_object();
	fflush(stdout);
	m->seen++;
	return NL_OK;
}

static int parse_arg(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || !*s || *end || *s == '-' ? -EINVAL : 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int ixctl_monitor(struct ixdp_genl *g, int argc, char **argv)
{
	unsigned long count = 0, timeout = 0;
	struct monitor m = { 0 };
	struct nl_sock *sk;
	long long end = 0;
	int grp, err, i;

	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return ixctl_usage_error("monitor: \"%s\" needs a value",
						 argv[i]);
		if (ixctl_matches(argv[i], "count")) {
			if (parse_arg(argv[i + 1], &count) || !count)
				return ixctl_usage_error("monitor: bad count \"%s\"",
							 argv[i + 1]);
		} else if (ixctl_matches(argv[i], "timeout")) {
			if (parse_arg(argv[i + 1], &timeout) || !timeout)
				return ixctl_usage_error("monitor: bad timeout \"%s\"",
							 argv[i + 1]);
		} else {
			return ixctl_usage_error("monitor: unknown argument \"%s\"",
						 argv[i]);
		}
	}

	sk = nl_socket_alloc();
	if (!sk)
		return ixctl_fail(-ENOMEM, NULL, "monitor");
	err = genl_connect(sk);
	grp = err ? err : genl_ctrl_resolve_grp(sk, IXDP_GENL_NAME,
						IXDP_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(sk, grp)) {
		nl_socket_free(sk);
		return ixctl_fail(-ENOENT, NULL, "monitor: the events group");
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	if (timeout)
		end = now_ms() + timeout * 1000LL;

	print_open_array();
	while (!count || m.seen < count) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(sk),
				      .events = POLLIN };
		long long left = end ? end - now_ms() : -1;

		if (end && left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd.revents & POLLIN)
			nl_recvmsgs_default(sk);
	}
	print_close_array();
	nl_socket_free(sk);
	return count && m.seen < count ? 1 : 0;
}
