// SPDX-License-Identifier: GPL-2.0
/*
 * The reply parser of daemon/genl.c (ixctl and ixdpd): attributes built
 * with libnl as the module sends them, one nest per object, decoded into
 * struct ixdp_genl_reply. Unknown nests and attributes are skipped (a
 * newer module), malformed ones are not recorded, typed counters land by
 * their enum number, display counters keep their names per object.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "unit.h"
#include "../../daemon/genl.h"

static struct ixdp_genl_reply r;

/* Parse the attributes of @msg (no netlink header of interest). */
static void parse(struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	memset(&r, 0, sizeof(r));
	assert_int_equal(ixdp_genl_parse_attrs(&r, nlmsg_attrdata(h, 0),
					       nlmsg_attrlen(h, 0)), 0);
}

static struct nl_msg *new_msg(void)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(nlmsg_put(msg, 0, 0, 0x20, 0, 0));
	return msg;
}

static void put_xstat(struct nl_msg *msg, const char *name, uint64_t v)
{
	struct nlattr *e = nla_nest_start(msg, IXDP_XSTATS_A_ENTRY);

	nla_put_string(msg, IXDP_XSTAT_A_NAME, name);
	nla_put_u64(msg, IXDP_XSTAT_A_VALUE, v);
	nla_nest_end(msg, e);
}

static void test_core(void **state)
{
	struct nl_msg *msg = new_msg();
	struct nlattr *core, *st, *x;
	const struct ixdp_genl_obj *o = &r.obj[IXDP_A_CORE];

	core = nla_nest_start(msg, IXDP_A_CORE);
	nla_put_u32(msg, IXDP_CORE_A_CPU, 3);
	nla_put_u16(msg, IXDP_CORE_A_RXQ, 2);
	nla_put_u8(msg, IXDP_CORE_A_PARKED, 1);
	st = nla_nest_start(msg, IXDP_CORE_A_STATS);
	nla_put_u64(msg, IXDP_CORE_STAT_BUSY_NS, 123456789012ULL);
	nla_put_u64(msg, IXDP_CORE_STAT_BATCH_FRAMES, 7);
	nla_put_u32(msg, IXDP_CORE_STAT_IDLE_NS, 5);	/* not a u64 */
	nla_nest_end(msg, st);
	x = nla_nest_start(msg, IXDP_CORE_A_XSTATS);
	put_xstat(msg, "dp_busy_ns", 123456789012ULL);
	put_xstat(msg, "tcp_in_segs", 42);
	nla_nest_end(msg, x);
	nla_nest_end(msg, core);
	parse(msg);

	assert_true(r.has[IXDP_A_CORE]);
	assert_false(r.has[IXDP_A_PORT]);
	assert_true(o->has[IXDP_CORE_A_CPU]);
	assert_int_equal(o->num[IXDP_CORE_A_CPU], 3);
	assert_int_equal(o->num[IXDP_CORE_A_RXQ], 2);
	assert_int_equal(o->num[IXDP_CORE_A_PARKED], 1);
	assert_false(o->has[IXDP_CORE_A_TXQ]);
	assert_true(o->has_stat[IXDP_CORE_STAT_BUSY_NS]);
	assert_int_equal(o->stat[IXDP_CORE_STAT_BUSY_NS], 123456789012ULL);
	assert_int_equal(o->stat[IXDP_CORE_STAT_BATCH_FRAMES], 7);
	assert_false(o->has_stat[IXDP_CORE_STAT_IDLE_NS]);
	assert_int_equal(o->xcount, 2);
	assert_string_equal(r.xstat_name[o->xfirst + 1], "tcp_in_segs");
	assert_int_equal(r.xstat_value[o->xfirst + 1], 42);
	nlmsg_free(msg);
}

/* STATS_GET: two objects with display counters, kept apart. */
static void test_two_objects(void **state)
{
	struct nl_msg *msg = new_msg();
	const struct ixdp_genl_obj *p = &r.obj[IXDP_A_PORT];
	const struct ixdp_genl_obj *c = &r.obj[IXDP_A_CORE];
	struct nlattr *n, *x;

	n = nla_nest_start(msg, IXDP_A_CORE);
	nla_put_u32(msg, IXDP_CORE_A_CONNS, 9);
	x = nla_nest_start(msg, IXDP_CORE_A_XSTATS);
	put_xstat(msg, "dp_rx_frames", 1);
	nla_nest_end(msg, x);
	nla_nest_end(msg, n);
	n = nla_nest_start(msg, IXDP_A_PORT);
	nla_put_string(msg, IXDP_PORT_A_IFNAME, "eth0");
	x = nla_nest_start(msg, IXDP_PORT_A_XSTATS);
	put_xstat(msg, "rx_consumed", 2);
	put_xstat(msg, "rx_passed", 3);
	nla_nest_end(msg, x);
	nla_nest_end(msg, n);
	parse(msg);

	assert_string_equal(p->str, "eth0");
	assert_int_equal(c->num[IXDP_CORE_A_CONNS], 9);
	assert_int_equal(c->xcount, 1);
	assert_string_equal(r.xstat_name[c->xfirst], "dp_rx_frames");
	assert_int_equal(p->xcount, 2);
	assert_string_equal(r.xstat_name[p->xfirst], "rx_consumed");
	assert_int_equal(r.xstat_value[p->xfirst + 1], 3);
	nlmsg_free(msg);
}

/* What a newer module may send, and what no module should. */
static void test_unknown_and_malformed(void **state)
{
	struct nl_msg *msg = new_msg();
	const struct ixdp_genl_obj *m = &r.obj[IXDP_A_MOVE];
	struct nlattr *n;

	n = nla_nest_start(msg, IXDP_A_MAX + 1);	/* a newer object */
	nla_put_u32(msg, 1, 1);
	nla_nest_end(msg, n);
	n = nla_nest_start(msg, IXDP_A_MOVE);
	nla_put_u32(msg, IXDP_MOVE_A_MAX + 1, 5);	/* a newer attribute */
	nla_put_u16(msg, IXDP_MOVE_A_FGS, 5);		/* u16 for a u32 */
	nla_put_u32(msg, IXDP_MOVE_A_CONNS, 6);
	nla_put_flag(msg, IXDP_MOVE_A_BALANCE);
	nla_put_u64(msg, IXDP_MOVE_A_TOTAL_NS, 1ULL << 40);
	nla_nest_end(msg, n);
	parse(msg);

	assert_true(r.has[IXDP_A_MOVE]);
	assert_false(m->has[IXDP_MOVE_A_FGS]);
	assert_true(m->has[IXDP_MOVE_A_CONNS]);
	assert_int_equal(m->num[IXDP_MOVE_A_CONNS], 6);
	assert_true(m->has[IXDP_MOVE_A_BALANCE]);
	assert_int_equal(m->num[IXDP_MOVE_A_TOTAL_NS], 1ULL << 40);
	nlmsg_free(msg);
}

/* Notifications: each event field is looked up in its own nest. */
static void test_event_fields(void **state)
{
	struct nl_msg *msg = new_msg();
	struct nlattr *n;
	unsigned int i, shown = 0;

	n = nla_nest_start(msg, IXDP_A_APP);
	nla_put_u32(msg, IXDP_APP_A_PID, 100);
	nla_put_u32(msg, IXDP_APP_A_TID, 101);
	nla_put_u32(msg, IXDP_APP_A_CPU, 1);
	nla_nest_end(msg, n);
	parse(msg);

	for (i = 0; i < ixdp_genl_nevent_fields; i++) {
		const struct ixdp_genl_field *f = &ixdp_genl_event_fields[i];

		if (!ixdp_genl_event_has(&r, f))
			continue;
		assert_int_equal(f->nest, IXDP_A_APP);
		shown++;
	}
	assert_int_equal(shown, 3);
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core),
		cmocka_unit_test(test_two_objects),
		cmocka_unit_test(test_unknown_and_malformed),
		cmocka_unit_test(test_event_fields),
	};

	unit_filter();
	return cmocka_run_group_tests_name("genl", tests, NULL, NULL);
}
