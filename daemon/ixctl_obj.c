// SPDX-License-Identifier: GPL-2.0
/*
 * ixctl objects of the dataplane's state: "fg" (flow groups, their owners
 * and their live migration between cores), "app" (attached application
 * contexts), "queue" (the NIC's queues and the cores that own them) and
 * "stats" (the totals of the port's and the cores' counters).
 *
 *   ixctl fg show
 *   ixctl fg move FG cpu N
 *   ixctl fg move from CPU cpu N
 *   ixctl fg balance
 *   ixctl [-s] app show
 *   ixctl queue show
 *   ixctl stats show
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ixctl.h"
#include "print.h"

static void print_fg(const struct ixdp_genl_reply *r, void *arg)
{
	const struct ixdp_genl_obj *f = &r->obj[IXDP_A_FG];

	print_open_object();
	print_u64("fg", "fg %" PRIu64, f->num[IXDP_FG_A_ID]);
	print_u64("cpu", " cpu %" PRIu64, f->num[IXDP_FG_A_CPU]);
	print_u64("rxq", " rxq %" PRIu64, f->num[IXDP_FG_A_RXQ]);
	/* The load: always in JSON, with -s in text (keeps lines short). */
	if (f->has[IXDP_FG_A_FRAMES] && (print_is_json() || ixctl_show_stats))
		print_u64("frames", " frames %" PRIu64,
			  f->num[IXDP_FG_A_FRAMES]);
	print_nl();
	print_close_object();
}

/*
 * A step time of a move: the kernel's nanoseconds as they are in JSON,
 * for scripts; microseconds rounded to one decimal in text, the scale
 * at which a person compares the steps.
 */
static void print_move_time(const char *key, const char *text_key,
			    uint64_t ns)
{
	uint64_t tenths = ns / 100 + (ns % 100 >= 50);

	if (print_is_json())
		print_u64(key, "", ns);
	else
		printf(" %s %" PRIu64 ".%" PRIu64, text_key, tenths / 10,
		       tenths % 10);
}

static void print_move(const struct ixdp_genl_reply *r)
{
	const struct ixdp_genl_obj *m = &r->obj[IXDP_A_MOVE];

	print_open_object();
	if (!print_is_json())
		printf("moved");
	print_u64("fgs", " fgs %" PRIu64, m->num[IXDP_MOVE_A_FGS]);
	print_u64("conns", " conns %" PRIu64, m->num[IXDP_MOVE_A_CONNS]);
	print_u64("held", " held %" PRIu64, m->num[IXDP_MOVE_A_HELD]);
	print_move_time("hold_ns", "hold_us", m->num[IXDP_MOVE_A_HOLD_NS]);
	print_move_time("switch_ns", "switch_us",
			m->num[IXDP_MOVE_A_SWITCH_NS]);
	print_move_time("export_ns", "export_us",
			m->num[IXDP_MOVE_A_EXPORT_NS]);
	print_move_time("import_ns", "import_us",
			m->num[IXDP_MOVE_A_IMPORT_NS]);
	print_move_time("total_ns", "total_us", m->num[IXDP_MOVE_A_TOTAL_NS]);
	print_nl();
	print_close_object();
}

/* Send a built FG_MOVE (consumed) and print what the kernel moved. */
static int fg_move_send(struct ixdp_genl *g, struct nl_msg *msg,
			const char *what)
{
	struct ixdp_genl_reply r;
	int err;

	err = ixdp_genl_request(g, msg, &r);
	if (err)
		return ixctl_fail(err, &r, what);
	print_move(&r);
	return 0;
}

/*
 * fg move FG cpu N: one group to core N; fg move from CPU cpu N: every
 * group of core CPU to core N. Exactly one source and one target; the
 * kernel checks that they exist and that the target is active.
 */
static int fg_move(struct ixdp_genl *g, int argc, char **argv)
{
	bool has_fg = false, has_from = false, has_cpu = false;
	uint64_t fg = 0, from = 0, cpu = 0;
	struct nlattr *nest;
	struct nl_msg *msg;

	while (argc > 0) {
		if (ixctl_matches(argv[0], "from") ||
		    ixctl_matches(argv[0], "cpu")) {
			bool is_cpu = ixctl_matches(argv[0], "cpu");

			if (argc < 2 || ixctl_parse_num(argv[1], UINT32_MAX,
							is_cpu ? &cpu : &from))
				return ixctl_usage_error("fg move: \"%s\" needs a number",
							 argv[0]);
			if (is_cpu ? has_cpu : has_from)
				return ixctl_usage_error("fg move: \"%s\" given twice",
							 argv[0]);
			if (is_cpu)
				has_cpu = true;
			else
				has_from = true;
			argc -= 2;
			argv += 2;
		} else if (!has_fg && isdigit((unsigned char)argv[0][0])) {
			if (ixctl_parse_num(argv[0], UINT32_MAX, &fg))
				return ixctl_usage_error("fg move: not a flow group: \"%s\"",
							 argv[0]);
			has_fg = true;
			argc--;
			argv++;
		} else {
			return ixctl_usage_error("fg move: unknown argument \"%s\"",
						 argv[0]);
		}
	}
	if (has_fg && has_from)
		return ixctl_usage_error("fg move: a flow group or \"from CPU\", not both%s",
					 "");
	if (!has_cpu || (!has_fg && !has_from))
		return ixctl_usage_error("usage: ixctl fg move { FG | from CPU } cpu N%s",
					 "");

	msg = ixdp_genl_msg(g, IXDP_CMD_FG_MOVE);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "fg move");
	nest = nla_nest_start(msg, IXDP_A_MOVE);
	if (has_fg)
		nla_put_u32(msg, IXDP_MOVE_A_FG, (uint32_t)fg);
	else
		nla_put_u32(msg, IXDP_MOVE_A_FROM_CPU, (uint32_t)from);
	nla_put_u32(msg, IXDP_MOVE_A_TO_CPU, (uint32_t)cpu);
	nla_nest_end(msg, nest);
	return fg_move_send(g, msg, "fg move");
}

/* fg balance: every group spread evenly over the active cores. */
static int fg_balance(struct ixdp_genl *g, int argc, char **argv)
{
	struct nlattr *nest;
	struct nl_msg *msg;

	if (argc)
		return ixctl_usage_error("fg balance: unknown argument \"%s\"",
					 argv[0]);
	msg = ixdp_genl_msg(g, IXDP_CMD_FG_MOVE);
	if (!msg)
		return ixctl_fail(-ENOMEM, NULL, "fg balance");
	nest = nla_nest_start(msg, IXDP_A_MOVE);
	nla_put_flag(msg, IXDP_MOVE_A_BALANCE);
	nla_nest_end(msg, nest);
	return fg_move_send(g, msg, "fg balance");
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
	if (ixctl_matches(argv[0], "move"))
		return fg_move(g, argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "balance"))
		return fg_balance(g, argc - 1, argv + 1);
	if (ixctl_matches(argv[0], "help")) {
		printf("Usage: ixctl fg show\n"
		       "       ixctl fg move FG cpu N\n"
		       "       ixctl fg move from CPU cpu N\n"
		       "       ixctl fg balance\n");
		return 0;
	}
	return ixctl_usage_error("fg: unknown command \"%s\"", argv[0]);
}

static void print_app(const struct ixdp_genl_reply *r, void *arg)
{
	const struct ixdp_genl_obj *a = &r->obj[IXDP_A_APP];

	print_open_object();
	print_u64("pid", "app pid %" PRIu64, a->num[IXDP_APP_A_PID]);
	print_u64("tid", " tid %" PRIu64, a->num[IXDP_APP_A_TID]);
	print_u64("cpu", " cpu %" PRIu64, a->num[IXDP_APP_A_CPU]);
	print_u64("connections", " connections %" PRIu64,
		  a->num[IXDP_APP_A_CONNS]);
	print_u64("max_connections", " max-connections %" PRIu64,
		  a->num[IXDP_APP_A_MAX_CONNS]);
	print_str("state", " %s", a->num[IXDP_APP_A_DEAD] ? "dead" : "live");
	ixctl_print_stats(r, a);
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

static const char *queue_kind(uint64_t kind)
{
	switch (kind) {
	case IXDP_QUEUE_RX:	return "rx";
	case IXDP_QUEUE_TX:	return "tx";
	}
	return "unknown";
}

/* Flow groups and the NAPI id only mean something for an RX queue. */
static void print_queue(const struct ixdp_genl_reply *r, void *arg)
{
	const struct ixdp_genl_obj *q = &r->obj[IXDP_A_QUEUE];

	print_open_object();
	print_str("kind", "queue %s", queue_kind(q->num[IXDP_QUEUE_A_KIND]));
	print_u64("id", " %" PRIu64, q->num[IXDP_QUEUE_A_ID]);
	print_bitmap("cpus", " cpus %s", q->num[IXDP_QUEUE_A_CPUS]);
	if (q->num[IXDP_QUEUE_A_KIND] == IXDP_QUEUE_RX) {
		print_u64("flow_groups", " flow-groups %" PRIu64,
			  q->num[IXDP_QUEUE_A_NFG]);
		print_u64("napi", " napi %" PRIu64, q->num[IXDP_QUEUE_A_NAPI]);
	}
	print_nl();
	print_close_object();
}

int ixctl_queue(struct ixdp_genl *g, int argc, char **argv)
{
	int err;

	if (argc == 0 || ixctl_matches(argv[0], "show")) {
		print_open_array();
		err = ixdp_genl_dump(g, IXDP_CMD_QUEUE_GET, print_queue, NULL);
		print_close_array();
		return err ? ixctl_fail(err, NULL, "queue show") : 0;
	}
	if (ixctl_matches(argv[0], "help")) {
		printf("Usage: ixctl queue show\n");
		return 0;
	}
	return ixctl_usage_error("queue: unknown command \"%s\"", argv[0]);
}

/*
 * The port's counters and the cores' summed ones, always (no -s needed:
 * they are what this object shows), as two groups.
 */
static int stats_show(struct ixdp_genl *g)
{
	static struct ixdp_genl_reply r;
	const struct ixdp_genl_obj *p = &r.obj[IXDP_A_PORT];
	const struct ixdp_genl_obj *c = &r.obj[IXDP_A_CORE];
	int err;

	err = ixdp_genl_request(g, ixdp_genl_msg(g, IXDP_CMD_STATS_GET), &r);
	if (err)
		return ixctl_fail(err, &r, "stats show");
	print_open_object();
	print_u64("flow_groups", "stats flow-groups %" PRIu64,
		  p->num[IXDP_PORT_A_NFG]);
	print_u64("connections", " connections %" PRIu64,
		  c->num[IXDP_CORE_A_CONNS]);
	ixctl_print_counters(&r, p, "port");
	ixctl_print_counters(&r, c, "cores");
	ixctl_print_loop_figures(&r, c);
	print_nl();
	print_close_object();
	return 0;
}

int ixctl_stats(struct ixdp_genl *g, int argc, char **argv)
{
	if (argc == 0 || ixctl_matches(argv[0], "show"))
		return stats_show(g);
	if (ixctl_matches(argv[0], "help")) {
		printf("Usage: ixctl stats show\n");
		return 0;
	}
	return ixctl_usage_error("stats: unknown command \"%s\"", argv[0]);
}
