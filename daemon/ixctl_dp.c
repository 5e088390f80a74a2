// SPDX-License-Identifier: GPL-2.0
/*
 * ixctl objects of the dataplane: "port", "core" and "responder".
 *
 *   ixctl port add dev IFNAME addr A.B.C.D/PREFIX
 *   ixctl port del dev IFNAME
 *   ixctl [-s] port show
 *   ixctl core add cpu N rxq Q [ txq Q ]
 *   ixctl core del cpu N
 *   ixctl core set cpu N parked { on | off }
 *   ixctl [-s] core show
 *   ixctl responder set mode { echo | discard | none } [ port P ]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ixctl.h"
#include "print.h"

/*
 * The display counters (XSTATS) of object @o of @r as the JSON object
 * @key: all of them in JSON, one "name value" line each of those that
 * are not zero in text.
 */
void ixctl_print_counters(const struct ixdp_genl_reply *r,
			  const struct ixdp_genl_obj *o, const char *key)
{
	unsigned int i;

	print_open_named(key);
	for (i = o->xfirst; i < o->xfirst + o->xcount && i < r->nxstats; i++) {
		if (!print_is_json() && !r->xstat_value[i])
			continue;
		if (!print_is_json())
			printf("\n    %s ", r->xstat_name[i]);
		print_u64(r->xstat_name[i], "%" PRIu64, r->xstat_value[i]);
	}
	print_close_object();
}

void ixctl_print_stats(const struct ixdp_genl_reply *r,
		       const struct ixdp_genl_obj *o)
{
	if (!ixctl_show_stats && !print_is_json())
		return;
	ixctl_print_counters(r, o, "stats");
}

/* The display counter @name of object @o of @r, 0 if absent. */
static uint64_t xstat(const struct ixdp_genl_reply *r,
		      const struct ixdp_genl_obj *o, const char *name)
{
	unsigned int i;

	for (i = o->xfirst; i < o->xfirst + o->xcount && i < r->nxstats; i++)
		if (!strcmp(r->xstat_name[i], name))
			return r->xstat_value[i];
	return 0;
}

static double per_loop(uint64_t n, uint64_t loops)
{
	return loops ? (double)n / (double)loops : 0.0;
}

/*
 * Figures per loop step derived from the counters of core object @o:
 * the steps the kthread ran (dp_loops counts those of the inline
 * applications too), application commands and events per step.
 */
void ixctl_print_loop_figures(const struct ixdp_genl_reply *r,
			      const struct ixdp_genl_obj *o)
{
	uint64_t loops = xstat(r, o, "dp_loops");
	uint64_t run = xstat(r, o, "dp_run_loops");

	print_u64("kthread_loops", "\n    kthread_loops %" PRIu64,
		  loops > run ? loops - run : 0);
	print_fixed2("cmds_per_loop", "\n    cmds_per_loop %.2f",
		     per_loop(xstat(r, o, "dp_app_cmds"), loops));
	print_fixed2("events_per_loop", "\n    events_per_loop %.2f",
		     per_loop(xstat(r, o, "dp_app_events"), loops));
}

static int port_add(struct ixdp_genl *g, int argc, char **argv)
{
	const char *dev = NULL, *addr = NULL;
	struct ixdp_genl_reply r;
	struct nlattr *nest;
	struct in_addr in;
	struct nl_msg *msg;
	char buf[32], *slash;
	uint64_t prefix = 0;
	int err;

	for (; argc >= 2; argc -= 2, argv += 2) {
		if (ixctl_matches(argv[0], "dev"))
			dev = argv[1];
		else if (ixctl_matches(argv[0], "addr"))
			addr = argv[1];
		else
			return ixctl_usage_error("port add: unknown key \"%s\"",
						 argv[0]);
	}
	if (argc || !dev || !addr)
		return ixctl_usage_error("usage: ixctl port add dev IFNAME addr A.B.C.D/PREFIX%s",
					 "");
	if (strlen(dev) >= IFNAMSIZ)
		return ixctl_usage_error("device name too long: \"%s\"", dev);
	snprintf(buf, sizeof(buf), "%s", addr);
	slash = strchr(buf, '/');
	if (!slash || ixctl_parse_num(slash + 1, 32, &prefix) || prefix < 1 ||
	    prefix > 30)
		return ixctl_usage_error("address needs a /PREFIX from 1 to 30: \"%s\"",
					 addr);
	*slash = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return ixctl_usage_error("not an IPv4 address: \"%s\"", buf);

	msg = ixdp_genl_msg(g, IXDP_CMD_PORT_ADD);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "port add");
	nest = nla_nest_start(msg, IXDP_A_PORT);
	nla_put_string(msg, IXDP_PORT_A_IFNAME, dev);
	nla_put_u32(msg, IXDP_PORT_A_ADDR, in.s_addr);
	nla_put_u8(msg, IXDP_PORT_A_PREFIX, (uint8_t)prefix);
	nla_nest_end(msg, nest);
	err = ixdp_genl_request(g, msg, &r);
	return err ? ixctl_fail(err, &r, "port add") : 0;
}

static int port_del(struct ixdp_genl *g, int argc, char **argv)
{
	struct ixdp_genl_reply r;
	struct nlattr *nest;
	struct nl_msg *msg;
	int err;

	if (argc != 2 || !ixctl_matches(argv[0], "dev"))
		return ixctl_usage_error("usage: ixctl port del dev IFNAME%s", "");
	msg = ixdp_genl_msg(g, IXDP_CMD_PORT_DEL);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "port del");
	nest = nla_nest_start(msg, IXDP_A_PORT);
	nla_put_string(msg, IXDP_PORT_A_IFNAME, argv[1]);
	nla_nest_end(msg, nest);
	err = ixdp_genl_request(g, msg, &r);
	return err ? ixctl_fail(err, &r, "port del") : 0;
}

static int port_show(struct ixdp_genl *g)
{
	static struct ixdp_genl_reply r;
	const struct ixdp_genl_obj *p = &r.obj[IXDP_A_PORT];
	struct in_addr in;
	char addr[INET_ADDRSTRLEN];
	int err;

	err = ixdp_genl_request(g, ixdp_genl_msg(g, IXDP_CMD_PORT_GET), &r);
	if (err)
		return ixctl_fail(err, &r, "port show");
	in.s_addr = (uint32_t)p->num[IXDP_PORT_A_ADDR];
	inet_ntop(AF_INET, &in, addr, sizeof(addr));
	print_open_object();
	print_str("dev", "port %s", p->str);
	print_u64("ifindex", " ifindex %" PRIu64, p->num[IXDP_PORT_A_IFINDEX]);
	print_str("addr", " addr %s", addr);
	print_u64("prefix", "/%" PRIu64, p->num[IXDP_PORT_A_PREFIX]);
	print_u64("flow_groups", " flow-groups %" PRIu64,
		  p->num[IXDP_PORT_A_NFG]);
	print_str("steering", " steering %s",
		  p->num[IXDP_PORT_A_RSS] ? "rss" : "software");
	ixctl_print_stats(&r, p);
	print_nl();
	print_close_object();
	return 0;
}

int ixctl_port(struct ixdp_genl *g, int argc, char **argv)
{
	if (argc == 0 || ixctl_matches(argv[0], "show"))
		return port_show(g);
	if (ixctl_matches(argv[0], "add"))
		return port_add(g, argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "del"))
		return port_del(g, argc - 1, argv + 1);
	return ixctl_usage_error("port: unknown command \"%s\"", argv[0]);
}

static int core_change(struct ixdp_genl *g, int cmd, int argc, char **argv)
{
	struct ixdp_genl_reply r;
	struct nl_msg *msg;
	bool has_cpu = false, has_rxq = false;
	struct nlattr *nest;
	uint64_t v;
	int attr, err;

	msg = ixdp_genl_msg(g, cmd);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "core");
	nest = nla_nest_start(msg, IXDP_A_CORE);
	for (; argc >= 2; argc -= 2, argv += 2) {
		if (ixctl_matches(argv[0], "cpu")) {
			attr = IXDP_CORE_A_CPU;
			has_cpu = true;
		} else if (cmd == IXDP_CMD_CORE_ADD &&
			   ixctl_matches(argv[0], "rxq")) {
			attr = IXDP_CORE_A_RXQ;
			has_rxq = true;
		} else if (cmd == IXDP_CMD_CORE_ADD &&
			   ixctl_matches(argv[0], "txq")) {
			attr = IXDP_CORE_A_TXQ;
		} else {
			nlmsg_free(msg);
			return ixctl_usage_error("core: unknown key \"%s\"",
						 argv[0]);
		}
		if (ixctl_parse_num(argv[1], attr == IXDP_CORE_A_CPU ?
				    UINT32_MAX : UINT16_MAX, &v)) {
			nlmsg_free(msg);
			return ixctl_usage_error("core: \"%s\" needs a number",
						 argv[0]);
		}
		if (attr == IXDP_CORE_A_CPU)
			nla_put_u32(msg, attr, (uint32_t)v);
		else
			nla_put_u16(msg, attr, (uint16_t)v);
	}
	if (argc || !has_cpu || (cmd == IXDP_CMD_CORE_ADD && !has_rxq)) {
		nlmsg_free(msg);
		return ixctl_usage_error("usage: ixctl core add cpu N rxq Q [ txq Q ] | core del cpu N%s",
					 "");
	}
	nla_nest_end(msg, nest);
	err = ixdp_genl_request(g, msg, &r);
	return err ? ixctl_fail(err, &r, "core") : 0;
}

/*
 * Parking moves a core's flow groups away and puts its kthread to sleep;
 * unparking only makes it eligible again (fg move or balance give it
 * groups back).
 */
static int core_set(struct ixdp_genl *g, int argc, char **argv)
{
	struct ixdp_genl_reply r;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint64_t cpu = 0;
	int parked = -1, err;
	bool has_cpu = false;

	for (; argc >= 2; argc -= 2, argv += 2) {
		if (ixctl_matches(argv[0], "cpu")) {
			if (ixctl_parse_num(argv[1], UINT32_MAX, &cpu))
				return ixctl_usage_error("core set: bad cpu \"%s\"",
							 argv[1]);
			has_cpu = true;
		} else if (ixctl_matches(argv[0], "parked")) {
			if (!strcmp(argv[1], "on"))
				parked = 1;
			else if (!strcmp(argv[1], "off"))
				parked = 0;
			else
				return ixctl_usage_error("core set: parked \"%s\" is not on or off",
							 argv[1]);
		} else {
			return ixctl_usage_error("core set: unknown key \"%s\"",
						 argv[0]);
		}
	}
	if (argc || !has_cpu || parked < 0)
		return ixctl_usage_error("usage: ixctl core set cpu N parked { on | off }%s",
					 "");
	msg = ixdp_genl_msg(g, IXDP_CMD_CORE_SET);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "core set");
	nest = nla_nest_start(msg, IXDP_A_CORE);
	nla_put_u32(msg, IXDP_CORE_A_CPU, (uint32_t)cpu);
	nla_put_u8(msg, IXDP_CORE_A_PARKED, (uint8_t)parked);
	nla_nest_end(msg, nest);
	err = ixdp_genl_request(g, msg, &r);
	return err ? ixctl_fail(err, &r, "core set") : 0;
}

static void print_core(const struct ixdp_genl_reply *r, void *arg)
{
	const struct ixdp_genl_obj *c = &r->obj[IXDP_A_CORE];

	print_open_object();
	print_u64("cpu", "core cpu %" PRIu64, c->num[IXDP_CORE_A_CPU]);
	print_u64("rxq", " rxq %" PRIu64, c->num[IXDP_CORE_A_RXQ]);
	print_u64("txq", " txq %" PRIu64, c->num[IXDP_CORE_A_TXQ]);
	print_u64("flow_groups", " flow-groups %" PRIu64,
		  c->num[IXDP_CORE_A_NFG]);
	/* A bare word, as app show's live/dead. */
	print_str("state", " %s",
		  c->num[IXDP_CORE_A_PARKED] ? "parked" : "active");
	print_u64("connections", " connections %" PRIu64,
		  c->num[IXDP_CORE_A_CONNS]);
	ixctl_print_stats(r, c);
	if (ixctl_show_stats || print_is_json())
		ixctl_print_loop_figures(r, c);
	print_nl();
	print_close_object();
}

int ixctl_core(struct ixdp_genl *g, int argc, char **argv)
{
	int err;

	if (argc == 0 || ixctl_matches(argv[0], "show")) {
		print_open_array();
		err = ixdp_genl_dump(g, IXDP_CMD_CORE_GET, print_core, NULL);
		print_close_array();
		return err ? ixctl_fail(err, NULL, "core show") : 0;
	}
	if (ixctl_matches(argv[0], "add"))
		return core_change(g, IXDP_CMD_CORE_ADD, argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "del"))
		return core_change(g, IXDP_CMD_CORE_DEL, argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "set"))
		return core_set(g, argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "help")) {
		printf("Usage: ixctl [ -s ] core show\n"
		       "       ixctl core add cpu N rxq Q [ txq Q ]\n"
		       "       ixctl core del cpu N\n"
		       "       ixctl core set cpu N parked { on | off }\n");
		return 0;
	}
	return ixctl_usage_error("core: unknown command \"%s\"", argv[0]);
}

int ixctl_responder(struct ixdp_genl *g, int argc, char **argv)
{
	struct ixdp_genl_reply r;
	struct nlattr *nest;
	struct nl_msg *msg;
	int mode = -1, err;
	uint64_t port = 0;

	if (argc < 1 || !ixctl_matches(argv[0], "set"))
		return ixctl_usage_error("usage: ixctl responder set mode { echo | discard | none } [ port P ]%s",
					 "");
	for (argc--, argv++; argc >= 2; argc -= 2, argv += 2) {
		if (ixctl_matches(argv[0], "mode")) {
			if (!strcmp(argv[1], "echo"))
				mode = IXDP_RESP_ECHO;
			else if (!strcmp(argv[1], "discard"))
				mode = IXDP_RESP_DISCARD;
			else if (!strcmp(argv[1], "none"))
				mode = IXDP_RESP_NONE;
			else
				return ixctl_usage_error("responder: unknown mode \"%s\"",
							 argv[1]);
		} else if (ixctl_matches(argv[0], "port")) {
			if (ixctl_parse_num(argv[1], UINT16_MAX, &port) || !port)
				return ixctl_usage_error("responder: bad port \"%s\"",
							 argv[1]);
		} else {
			return ixctl_usage_error("responder: unknown key \"%s\"",
						 argv[0]);
		}
	}
	if (argc || mode < 0)
		return ixctl_usage_error("usage: ixctl responder set mode { echo | discard | none } [ port P ]%s",
					 "");
	msg = ixdp_genl_msg(g, IXDP_CMD_RESPONDER_SET);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "responder");
	nest = nla_nest_start(msg, IXDP_A_RESPONDER);
	nla_put_u8(msg, IXDP_RESPONDER_A_MODE, (uint8_t)mode);
	if (port)
		nla_put_u16(msg, IXDP_RESPONDER_A_PORT, (uint16_t)port);
	nla_nest_end(msg, nest);
	err = ixdp_genl_request(g, msg, &r);
	return err ? ixctl_fail(err, &r, "responder set") : 0;
}
