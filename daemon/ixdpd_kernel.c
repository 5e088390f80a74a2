// SPDX-License-Identifier: GPL-2.0
/*
 * ixdpd and the kernel: read the dataplane's state over netlink and bring
 * it to the configuration without disturbing traffic. What matches is
 * left alone; what is missing is added; what differs is changed only when
 * the kernel allows it now, else it is deferred and retried. A port that
 * carries connections is never deleted.
 *
 * And the CPUs under the dataplane (Documentation/ixdpd.rst): whether they are online
 * and isolated, the other IRQs steered off them, ixdpd kept off them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ixdpd.h"

/* The typed counters of a core that the policy reads, and where to. */
static const struct {
	int stat;			/* enum ixdp_core_stat */
	size_t off;			/* in struct ixdpd_kcore */
} core_stats[] = {
	{ IXDP_CORE_STAT_BUSY_NS, offsetof(struct ixdpd_kcore, busy_ns) },
	{ IXDP_CORE_STAT_IDLE_NS, offsetof(struct ixdpd_kcore, idle_ns) },
	{ IXDP_CORE_STAT_RX_FRAMES, offsetof(struct ixdpd_kcore, rx_frames) },
	{ IXDP_CORE_STAT_APP_CMDS, offsetof(struct ixdpd_kcore, app_cmds) },
	{ IXDP_CORE_STAT_BATCHES, offsetof(struct ixdpd_kcore, batches) },
	{ IXDP_CORE_STAT_BATCH_FRAMES,
	  offsetof(struct ixdpd_kcore, batch_frames) },
};

struct core_read {
	struct ixdpd_kstate *ks;
	bool bad;		/* a core lacked an attribute the policy needs */
};

/*
 * One core of the CORE_GET dump, from its typed attributes only: a
 * counter the module does not send is an error, never a silent 0.
 */
static void on_core(const struct ixdp_genl_reply *r, void *arg)
{
	const struct ixdp_genl_obj *o = &r->obj[IXDP_A_CORE];
	struct core_read *cr = arg;
	struct ixdpd_kstate *ks = cr->ks;
	struct ixdpd_kcore *c;
	size_t i;

	if (!o->has[IXDP_CORE_A_CPU] || !o->has[IXDP_CORE_A_STATS]) {
		cr->bad = true;
		return;
	}
	if (ks->ncores == IXDPD_MAX_CORES)
		return;
	c = &ks->core[ks->ncores++];
	c->cpu = (uint32_t)o->num[IXDP_CORE_A_CPU];
	c->rxq = (uint16_t)o->num[IXDP_CORE_A_RXQ];
	c->txq = (uint16_t)o->num[IXDP_CORE_A_TXQ];
	c->nfg = (uint32_t)o->num[IXDP_CORE_A_NFG];
	c->conns = (uint32_t)o->num[IXDP_CORE_A_CONNS];
	c->parked = o->num[IXDP_CORE_A_PARKED] != 0;
	for (i = 0; i < sizeof(core_stats) / sizeof(core_stats[0]); i++) {
		if (!o->has_stat[core_stats[i].stat])
			cr->bad = true;
		*(uint64_t *)((char *)c + core_stats[i].off) =
			o->stat[core_stats[i].stat];
	}
}

static int cores_dump(struct ixdp_genl *g, struct ixdpd_kstate *ks)
{
	struct core_read cr = { .ks = ks };
	int err;

	ks->ncores = 0;
	err = ixdp_genl_dump(g, IXDP_CMD_CORE_GET, on_core, &cr);
	return err ? err : cr.bad ? -EPROTO : 0;
}

/* The CORE_GET dump alone, for the policy loop. */
int ixdpd_cores_read(struct ixdp_genl *g, struct ixdpd_kstate *ks)
{
	return cores_dump(g, ks);
}

/* PORT_GET, the CORE_GET dump and GET_CONFIG. Returns 0 or -errno. */
int ixdpd_kstate_read(struct ixdp_genl *g, struct ixdpd_kstate *ks)
{
	static struct ixdp_genl_reply r;
	const struct ixdp_genl_obj *cfg = &r.obj[IXDP_A_CONFIG];
	const struct ixdp_genl_obj *port = &r.obj[IXDP_A_PORT];
	int err;

	memset(ks, 0, sizeof(*ks));
	err = ixdp_genl_request(g, ixdp_genl_msg(g, IXDP_CMD_GET_CONFIG), &r);
	if (err)
		return err;
	ks->batch = (uint32_t)cfg->num[IXDP_CONFIG_A_BATCH];
	ks->poll_us = (uint32_t)cfg->num[IXDP_CONFIG_A_POLL_US];
	err = ixdp_genl_request(g, ixdp_genl_msg(g, IXDP_CMD_PORT_GET), &r);
	if (err == -ENODEV)
		return 0;	/* no port, hence no core */
	if (err)
		return err;
	ks->has_port = true;
	snprintf(ks->ifname, sizeof(ks->ifname), "%.*s", IFNAMSIZ - 1,
		 port->str);
	ks->addr = (uint32_t)port->num[IXDP_PORT_A_ADDR];
	ks->prefix = (uint8_t)port->num[IXDP_PORT_A_PREFIX];
	ks->nfg = (uint32_t)port->num[IXDP_PORT_A_NFG];
	return cores_dump(g, ks);
}

static int request(struct ixdp_genl *g, struct nl_msg *msg, char *extack,
		   size_t len)
{
	struct ixdp_genl_reply r;
	int err;

	err = ixdp_genl_request(g, msg, &r);
	snprintf(extack, len, "%s%s%s", strerror(-err), r.extack[0] ? ": " : "",
		 r.extack);
	return err;
}

int ixdpd_core_add(struct ixdp_genl *g, const struct ixdpd_core_cfg *c,
		   char *extack, size_t len)
{
	struct nl_msg *msg = ixdp_genl_msg(g, IXDP_CMD_CORE_ADD);

	if (msg) {
		struct nlattr *nest = nla_nest_start(msg, IXDP_A_CORE);

		nla_put_u32(msg, IXDP_CORE_A_CPU, c->cpu);
		nla_put_u16(msg, IXDP_CORE_A_RXQ, c->rxq);
		nla_put_u16(msg, IXDP_CORE_A_TXQ, c->txq);
		nla_nest_end(msg, nest);
	}
	return request(g, msg, extack, len);
}

int ixdpd_core_park(struct ixdp_genl *g, uint32_t cpu, bool park,
		    char *extack, size_t len)
{
	struct nl_msg *msg = ixdp_genl_msg(g, IXDP_CMD_CORE_SET);

	if (msg) {
		struct nlattr *nest = nla_nest_start(msg, IXDP_A_CORE);

		nla_put_u32(msg, IXDP_CORE_A_CPU, cpu);
		nla_put_u8(msg, IXDP_CORE_A_PARKED, park);
		nla_nest_end(msg, nest);
	}
	return request(g, msg, extack, len);
}

int ixdpd_fg_move(struct ixdp_genl *g, uint32_t fg, uint32_t cpu,
		  char *extack, size_t len)
{
	struct nl_msg *msg = ixdp_genl_msg(g, IXDP_CMD_FG_MOVE);

	if (msg) {
		struct nlattr *nest = nla_nest_start(msg, IXDP_A_MOVE);

		nla_put_u32(msg, IXDP_MOVE_A_FG, fg);
		nla_put_u32(msg, IXDP_MOVE_A_TO_CPU, cpu);
		nla_nest_end(msg, nest);
	}
	return request(g, msg, extack, len);
}

struct fg_owners {
	uint8_t *owner;
	uint64_t *frames;
	size_t max;
	uint32_t n;
	bool bad;
};

static void on_fg(const struct ixdp_genl_reply *r, void *arg)
{
	const struct ixdp_genl_obj *f = &r->obj[IXDP_A_FG];
	uint64_t fg = f->num[IXDP_FG_A_ID], cpu = f->num[IXDP_FG_A_CPU];
	struct fg_owners *o = arg;

	if (!f->has[IXDP_FG_A_ID] || !f->has[IXDP_FG_A_CPU] ||
	    (o->frames && !f->has[IXDP_FG_A_FRAMES]) ||
	    fg >= o->max || cpu > UINT8_MAX) {
		o->bad = true;
		return;
	}
	o->owner[fg] = (uint8_t)cpu;
	if (o->frames)
		o->frames[fg] = f->num[IXDP_FG_A_FRAMES];
	if (fg + 1 > o->n)
		o->n = (uint32_t)fg + 1;
}

/*
 * The owner (CPU) of every flow group and, if @frames, the frames it has
 * run so far, from the FG_GET dump.
 */
int ixdpd_fg_owners(struct ixdp_genl *g, uint8_t *owner, uint64_t *frames,
		    size_t max, uint32_t *nfg)
{
	struct fg_owners o = { .owner = owner, .frames = frames, .max = max };
	int err;

	err = ixdp_genl_dump(g, IXDP_CMD_FG_GET, on_fg, &o);
	if (err)
		return err;
	if (o.bad)
		return -EPROTO;
	*nfg = o.n;
	return 0;
}

int ixdpd_core_del(struct ixdp_genl *g, uint32_t cpu, char *extack,
		   size_t len)
{
	struct nl_msg *msg = ixdp_genl_msg(g, IXDP_CMD_CORE_DEL);

	if (msg) {
		struct nlattr *nest = nla_nest_start(msg, IXDP_A_CORE);

		nla_put_u32(msg, IXDP_CORE_A_CPU, cpu);
		nla_nest_end(msg, nest);
	}
	return request(g, msg, extack, len);
}

struct rc {
	struct ixdp_genl *g;
	const struct ixdpd_config *cfg;
	struct ixdpd_kstate ks;
	bool dry;
	enum ixdpd_level note;	/* "matches" and deferrals: quiet on retries */
	struct ixdpd_reconcile_result *res;
	char extack[320];
};

/*
 * Announce a change. In a dry run it is printed as part of the plan and
 * not made (false); otherwise it is logged and the caller makes it.
 */
static bool __attribute__((format(printf, 2, 3)))
plan(struct rc *rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc->res->changes++;
	if (rc->dry) {
		printf("plan: %s\n", msg);
		return false;
	}
	/* A retry says so only when it gets through (outcome()). */
	ixdpd_log(rc->note, "%s", msg);
	return true;
}

/* The outcome of a change the kernel was asked for. */
static void outcome(struct rc *rc, int err, const char *what)
{
	if (!err && rc->note != LOG_LVL_INFO)
		log_info("retry: %s: done", what);
	if (!err)
		return;
	rc->res->changes--;
	if (err == -EBUSY) {
		rc->res->deferred++;
		ixdpd_log(rc->note == LOG_LVL_INFO ? LOG_LVL_WARN : rc->note,
			  "deferred: %s: the kernel refuses it now (%s); retrying every %u s",
			  what, rc->extack, rc->cfg->retry_s);
	} else {
		rc->res->failed++;
		log_err("%s failed: %s", what, rc->extack);
	}
}

static void defer(struct rc *rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void defer(struct rc *rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc->res->deferred++;
	if (rc->dry)
		printf("plan: deferred: %s\n", msg);
	else
		ixdpd_log(rc->note == LOG_LVL_INFO ? LOG_LVL_WARN : rc->note,
			  "deferred: %s; retrying every %u s", msg,
			  rc->cfg->retry_s);
}

static unsigned int total_conns(const struct ixdpd_kstate *ks)
{
	unsigned int i, n = 0;

	for (i = 0; i < ks->ncores; i++)
		n += ks->core[i].conns;
	return n;
}

static const char *addr_str(uint32_t addr, uint8_t prefix, char *buf,
			    size_t len)
{
	struct in_addr in = { .s_addr = addr };
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, prefix);
	return buf;
}

/* Returns false when the cores cannot be reconciled now. */
static bool port_step(struct rc *rc)
{
	const struct ixdpd_config *cfg = rc->cfg;
	struct ixdpd_kstate *ks = &rc->ks;
	char want[32], have[32], what[96];
	struct nlattr *nest;
	struct nl_msg *msg;
	unsigned int conns;
	int err;

	addr_str(cfg->addr, cfg->prefix, want, sizeof(want));
	if (ks->has_port) {
		addr_str(ks->addr, ks->prefix, have, sizeof(have));
		if (!strcmp(ks->ifname, cfg->ifname) && ks->addr == cfg->addr &&
		    ks->prefix == cfg->prefix) {
			ixdpd_log(rc->note, "port %s %s: matches, left alone",
				  cfg->ifname, want);
			return true;
		}
		conns = total_conns(ks);
		if (conns) {
			defer(rc, "port is %s %s, config says %s %s: not replaced while %u connections exist",
			      ks->ifname, have, cfg->ifname, want, conns);
			return false;
		}
		snprintf(what, sizeof(what), "port del %s", ks->ifname);
		if (plan(rc, "port %s %s differs from the config (%s %s) and carries no connection: delete it",
			 ks->ifname, have, cfg->ifname, want)) {
			msg = ixdp_genl_msg(rc->g, IXDP_CMD_PORT_DEL);
			if (msg) {
				nest = nla_nest_start(msg, IXDP_A_PORT);
				nla_put_string(msg, IXDP_PORT_A_IFNAME,
					       ks->ifname);
				nla_nest_end(msg, nest);
			}
			err = request(rc->g, msg, rc->extack,
				      sizeof(rc->extack));
			outcome(rc, err, what);
			if (err)
				return false;
		}
		ks->has_port = false;
		ks->ncores = 0;
	}
	snprintf(what, sizeof(what), "port add %s %s", cfg->ifname, want);
	if (plan(rc, "port %s %s is missing: add it", cfg->ifname, want)) {
		msg = ixdp_genl_msg(rc->g, IXDP_CMD_PORT_ADD);
		if (msg) {
			nest = nla_nest_start(msg, IXDP_A_PORT);
			nla_put_string(msg, IXDP_PORT_A_IFNAME, cfg->ifname);
			nla_put_u32(msg, IXDP_PORT_A_ADDR, cfg->addr);
			nla_put_u8(msg, IXDP_PORT_A_PREFIX, cfg->prefix);
			nla_nest_end(msg, nest);
		}
		err = request(rc->g, msg, rc->extack, sizeof(rc->extack));
		outcome(rc, err, what);
		if (err)
			return false;
	}
	return true;
}

static const struct ixdpd_core_cfg *cfg_core(const struct ixdpd_config *cfg,
					     uint32_t cpu)
{
	unsigned int i;

	for (i = 0; i < cfg->ncores; i++)
		if (cfg->core[i].cpu == cpu)
			return &cfg->core[i];
	return NULL;
}

static const struct ixdpd_kcore *k_core(const struct ixdpd_kstate *ks,
					uint32_t cpu)
{
	unsigned int i;

	for (i = 0; i < ks->ncores; i++)
		if (ks->core[i].cpu == cpu)
			return &ks->core[i];
	return NULL;
}

static void do_core_del(struct rc *rc, uint32_t cpu)
{
	char what[48];

	snprintf(what, sizeof(what), "core del cpu %u", cpu);
	outcome(rc, ixdpd_core_del(rc->g, cpu, rc->extack, sizeof(rc->extack)),
		what);
}

static int do_core_add(struct rc *rc, const struct ixdpd_core_cfg *c)
{
	char what[64];
	int err;

	snprintf(what, sizeof(what), "core add cpu %u rxq %u txq %u", c->cpu,
		 c->rxq, c->txq);
	err = ixdpd_core_add(rc->g, c, rc->extack, sizeof(rc->extack));
	outcome(rc, err, what);
	return err;
}

static void cores_step(struct rc *rc, bool initial)
{
	const struct ixdpd_config *cfg = rc->cfg;
	const struct ixdpd_kstate *ks = &rc->ks;
	const struct ixdpd_core_cfg *c;
	const struct ixdpd_kcore *k;
	unsigned int i, conns = total_conns(ks);

	/* Cores the config does not name, or names with other queues. */
	for (i = 0; i < ks->ncores; i++) {
		k = &ks->core[i];
		c = cfg_core(cfg, k->cpu);
		if (c && c->rxq == k->rxq && c->txq == k->txq) {
			ixdpd_log(rc->note, "core %u rxq %u txq %u: matches, left alone (%u flow groups, %u connections)",
				  k->cpu, k->rxq, k->txq, k->nfg, k->conns);
			continue;
		}
		if (!c) {
			if (plan(rc, "core %u is not in the config: delete it",
				 k->cpu))
				do_core_del(rc, k->cpu);
			continue;
		}
		/*
		 * Same CPU, other queues: delete and add, both or neither.
		 * Its flow groups move away and back meanwhile, which needs
		 * another core while connections exist.
		 */
		if (conns && ks->ncores < 2) {
			defer(rc, "core %u has rxq %u txq %u, config says rxq %u txq %u: not replaced while %u connections exist and no other core runs",
			      k->cpu, k->rxq, k->txq, c->rxq, c->txq, conns);
			continue;
		}
		if (plan(rc, "core %u has rxq %u txq %u, config says rxq %u txq %u: replace it",
			 k->cpu, k->rxq, k->txq, c->rxq, c->txq)) {
			rc->res->changes++;	/* one for each half */
			do_core_del(rc, k->cpu);
			do_core_add(rc, c);
		}
	}
	/* Configured cores the kernel does not run. */
	for (i = 0; i < cfg->ncores; i++) {
		c = &cfg->core[i];
		if (k_core(ks, c->cpu))
			continue;
		if (cfg->policy && !initial) {
			log_debug("core %u is not running: left to the policy",
				  c->cpu);
			continue;
		}
		if (plan(rc, "core %u rxq %u txq %u is missing: add it", c->cpu,
			 c->rxq, c->txq))
			do_core_add(rc, c);
	}
}

static void config_step(struct rc *rc)
{
	const struct ixdpd_config *cfg = rc->cfg;
	const struct ixdpd_kstate *ks = &rc->ks;
	bool batch = cfg->has_batch && cfg->batch != ks->batch;
	bool poll = cfg->has_poll_us && cfg->poll_us != ks->poll_us;
	char b[32] = "", p[32] = "";
	struct nlattr *nest;
	struct nl_msg *msg;

	if (cfg->has_batch && !batch)
		ixdpd_log(rc->note, "batch %u: matches, left alone",
			  ks->batch);
	if (cfg->has_poll_us && !poll)
		ixdpd_log(rc->note, "poll_us %u: matches, left alone",
			  ks->poll_us);
	if (!batch && !poll)
		return;
	if (batch)
		snprintf(b, sizeof(b), " batch %u -> %u", ks->batch, cfg->batch);
	if (poll)
		snprintf(p, sizeof(p), " poll_us %u -> %u", ks->poll_us,
			 cfg->poll_us);
	if (!plan(rc, "config:%s%s", b, p))
		return;
	msg = ixdp_genl_msg(rc->g, IXDP_CMD_SET_CONFIG);
	if (msg) {
		nest = nla_nest_start(msg, IXDP_A_CONFIG);
		if (batch)
			nla_put_u32(msg, IXDP_CONFIG_A_BATCH, cfg->batch);
		if (poll)
			nla_put_u32(msg, IXDP_CONFIG_A_POLL_US, cfg->poll_us);
		nla_nest_end(msg, nest);
	}
	outcome(rc, request(rc->g, msg, rc->extack, sizeof(rc->extack)),
		"config set");
}

/*
 * The kernel cannot report the responder, so it is always set. Setting
 * the mode and port it already has changes nothing (the cores keep
 * listening, no connection is touched); it is not counted as a change.
 */
static void responder_step(struct rc *rc)
{
	const struct ixdpd_config *cfg = rc->cfg;
	struct nl_msg *msg;
	int err;

	if (!cfg->has_responder)
		return;
	if (rc->dry) {
		printf("plan: set responder %s port %u (the kernel does not report it; the same setting is a no-op)\n",
		       ixdpd_resp_mode_name(cfg->resp_mode), cfg->resp_port);
		return;
	}
	msg = ixdp_genl_msg(rc->g, IXDP_CMD_RESPONDER_SET);
	if (msg) {
		struct nlattr *nest = nla_nest_start(msg, IXDP_A_RESPONDER);

		nla_put_u8(msg, IXDP_RESPONDER_A_MODE, cfg->resp_mode);
		if (cfg->resp_port)
			nla_put_u16(msg, IXDP_RESPONDER_A_PORT, cfg->resp_port);
		nla_nest_end(msg, nest);
	}
	err = request(rc->g, msg, rc->extack, sizeof(rc->extack));
	if (err) {
		rc->res->failed++;
		log_err("responder set %s port %u failed: %s",
			ixdpd_resp_mode_name(cfg->resp_mode), cfg->resp_port,
			rc->extack);
		return;
	}
	ixdpd_log(rc->note, "responder %s port %u: asserted (the kernel has no read-back; an unchanged setting is a no-op)",
		  ixdpd_resp_mode_name(cfg->resp_mode), cfg->resp_port);
}

/* The grant lines of the config, when there are any (ixdpd_grants.c). */
static void grants_step(struct rc *rc)
{
	struct ixdpd_grant_step st;

	if (ixdpd_grants_reconcile(rc->g, rc->cfg, rc->dry, &st)) {
		rc->res->failed++;
		return;
	}
	rc->res->changes += st.added + st.removed;
	rc->res->failed += st.failed;
}

/*
 * Bring the kernel to @cfg. @initial: at start and on SIGHUP (with the
 * policy on, later retries leave missing cores to the policy). @dry: print
 * the plan, change nothing. Returns 0, or -errno if the state could not
 * be read; @res counts changes, deferrals and failures.
 */
int ixdpd_reconcile(struct ixdp_genl *g, const struct ixdpd_config *cfg,
		    bool initial, bool dry, struct ixdpd_reconcile_result *res)
{
	struct rc rc = {
		.g = g, .cfg = cfg, .dry = dry, .res = res,
		.note = initial || dry ? LOG_LVL_INFO : LOG_LVL_DEBUG,
	};
	int err;

	memset(res, 0, sizeof(*res));
	err = ixdpd_kstate_read(g, &rc.ks);
	if (err) {
		log_err("cannot read the kernel's state: %s", strerror(-err));
		return err;
	}
	ixdpd_log(rc.note, "kernel: %s%s, %u cores, %u connections, batch %u, poll_us %u",
		  rc.ks.has_port ? "port " : "no port",
		  rc.ks.has_port ? rc.ks.ifname : "", rc.ks.ncores,
		  total_conns(&rc.ks), rc.ks.batch, rc.ks.poll_us);
	if (port_step(&rc))
		cores_step(&rc, initial);
	config_step(&rc);
	responder_step(&rc);
	grants_step(&rc);
	if (!res->changes && !res->deferred && !res->failed)
		ixdpd_log(rc.note, "reconcile: nothing to change");
	else if (res->changes || res->failed || rc.note == LOG_LVL_INFO)
		log_info("reconcile: %u change%s %s, %u deferred, %u failed",
			 res->changes, res->changes == 1 ? "" : "s",
			 dry ? "planned" : "made", res->deferred, res->failed);
	return 0;
}

/* --- CPUs and IRQs ---------------------------------------------------- */

#define CPU_SYSFS	"/sys/devices/system/cpu"
#define MAX_QUEUE_IRQS	256

/* The first line of @path without its newline. Returns 0 or -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		buf[0] = '\0';
		if (ferror(f))
			err = -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return err;
}

static int parse_cpu(const char **s, unsigned long *v)
{
	const char *p = *s;
	unsigned long n = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n >= CPU_SETSIZE)
			return -ERANGE;
		p++;
	}
	*v = n;
	*s = p;
	return 0;
}

/*
 * A cpulist as sysfs and procfs print it, "0-2,5", or empty: strictly,
 * no blank, no stride, ranges ascending. Returns 0 or -EINVAL.
 */
static int cpulist_parse(const char *s, cpu_set_t *set)
{
	unsigned long a, b;

	CPU_ZERO(set);
	if (!*s)
		return 0;
	for (;;) {
		if (parse_cpu(&s, &a))
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			if (parse_cpu(&s, &b) || b < a)
				return -EINVAL;
		}
		for (; a <= b; a++)
			CPU_SET(a, set);
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

static void cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t n = 0;
	int a, b;

	buf[0] = '\0';
	for (a = 0; a < CPU_SETSIZE && n < len; a++) {
		if (!CPU_ISSET(a, set))
			continue;
		for (b = a; b + 1 < CPU_SETSIZE && CPU_ISSET(b + 1, set); b++)
			;
		if (a == b)
			n += (size_t)snprintf(buf + n, len - n, "%s%d",
					      n ? "," : "", a);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%d-%d",
					      n ? "," : "", a, b);
		a = b;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static void dataplane_cpus(const struct ixdpd_config *cfg, cpu_set_t *dp)
{
	unsigned int i;

	CPU_ZERO(dp);
	for (i = 0; i < cfg->ncores; i++)
		CPU_SET(cfg->core[i].cpu, dp);
}

/*
 * A cpulist file of sysfs: a missing file is an empty list (@missing set),
 * one that does not parse an error with a message in @err.
 */
static int read_cpulist(const char *path, cpu_set_t *set, bool *missing,
			char *text, size_t tlen, char *err, size_t len)
{
	int ret;

	*missing = false;
	CPU_ZERO(set);
	ret = read_line(path, text, tlen);
	if (ret == -ENOENT) {
		*missing = true;
		text[0] = '\0';
		return 0;
	}
	if (ret) {
		snprintf(err, len, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	/* An empty mask, as some kernels print nohz_full without nohz_full= */
	if (!strcmp(text, "(null)")) {
		text[0] = '\0';
		return 0;
	}
	if (cpulist_parse(text, set)) {
		snprintf(err, len, "%s: \"%s\" is not a CPU list", path, text);
		return -EINVAL;
	}
	return 0;
}

/*
 * Before the kernel is touched: every dataplane CPU must exist and be
 * online (always), and, unless "isolation off", be isolated from the
 * scheduler (isolcpus=) or the tick (nohz_full=). "warn" logs one line
 * per CPU that is not; "require" refuses. Returns 0, or -errno with the
 * reason in @err.
 */
int ixdpd_cpus_check(const struct ixdpd_config *cfg, char *err, size_t len)
{
	char path[96], buf[64], isol_s[1024], nohz_s[1024];
	char why[448];
	bool isol_missing, nohz_missing;
	cpu_set_t isol, nohz;
	unsigned int i, nbad = 0, first = 0;
	int ret;

	for (i = 0; i < cfg->ncores; i++) {
		uint32_t cpu = cfg->core[i].cpu;

		snprintf(path, sizeof(path), CPU_SYSFS "/cpu%u", cpu);
		if (access(path, F_OK)) {
			snprintf(err, len, "core %u: CPU %u does not exist (no %s): refusing it",
				 cpu, cpu, path);
			return -ENODEV;
		}
		snprintf(path, sizeof(path), CPU_SYSFS "/cpu%u/online", cpu);
		if (!read_line(path, buf, sizeof(buf)) && strcmp(buf, "1")) {
			snprintf(err, len, "core %u: CPU %u is offline (%s is %s): refusing it; bring it online with \"echo 1 > %s\" or configure another CPU",
				 cpu, cpu, path, buf, path);
			return -ENODEV;
		}
	}
	if (cfg->isolation == IXDPD_ISOL_OFF || !cfg->ncores) {
		log_debug("isolation %s: the dataplane CPUs are not checked",
			  ixdpd_isolation_name(cfg->isolation));
		return 0;
	}
	ret = read_cpulist(CPU_SYSFS "/isolated", &isol, &isol_missing, isol_s,
			   sizeof(isol_s), err, len);
	if (!ret)
		ret = read_cpulist(CPU_SYSFS "/nohz_full", &nohz, &nohz_missing,
				   nohz_s, sizeof(nohz_s), err, len);
	if (!ret && isol_missing)
		log_debug("isolation: %s/isolated is missing: no CPU is in isolcpus",
			  CPU_SYSFS);
	if (ret) {
		if (cfg->isolation == IXDPD_ISOL_REQUIRE)
			return ret;
		log_warn("isolation: %s; the dataplane CPUs are not checked",
			 err);
		return 0;
	}
	for (i = 0; i < cfg->ncores; i++) {
		uint32_t cpu = cfg->core[i].cpu;
		bool in_isol = CPU_ISSET(cpu, &isol);
		bool in_nohz = CPU_ISSET(cpu, &nohz);

		if (in_isol && in_nohz) {
			log_info("CPU %u is isolated (isolcpus and nohz_full)",
				 cpu);
			continue;
		}
		if (in_isol || in_nohz) {
			log_info("CPU %u is isolated (%s); it is not in %s, so %s",
				 cpu, in_isol ? "isolcpus" : "nohz_full",
				 in_isol ? "nohz_full" : "isolcpus",
				 in_isol ? "the scheduler tick still interrupts it" :
				 "the scheduler may still place other tasks there");
			continue;
		}
		snprintf(why, sizeof(why), "CPU %u is not isolated: it is in neither %s/isolated (\"%.64s\") nor %s/nohz_full (%s%.64s%s), so other tasks and the tick may run there; add isolcpus=%u nohz_full=%u to the kernel command line, or move the other tasks off it with a cpuset",
			 cpu, CPU_SYSFS, isol_s, CPU_SYSFS,
			 nohz_missing ? "not built in" : "\"",
			 nohz_missing ? "" : nohz_s,
			 nohz_missing ? "" : "\"", cpu, cpu);
		if (cfg->isolation == IXDPD_ISOL_REQUIRE)
			log_err("%s", why);
		else
			log_warn("%s", why);
		if (!nbad++)
			first = cpu;
	}
	if (nbad && cfg->isolation == IXDPD_ISOL_REQUIRE) {
		snprintf(err, len, "isolation require: %u dataplane CPU%s not isolated (CPU %u first: no isolcpus= or nohz_full= for it); refusing to start",
			 nbad, nbad == 1 ? " is" : "s are", first);
		return -EPERM;
	}
	return 0;
}

/* The name of IRQ @irq's first handler, from /proc/irq/N/NAME/. */
static void irq_name(unsigned int irq, char *buf, size_t len)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(buf, len, "no handler");
	snprintf(path, sizeof(path), "/proc/irq/%u", irq);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(buf, len, "%.*s", (int)len - 1, e->d_name);
			break;
		}
	closedir(d);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The MSI vectors in @dir: a PCI device's msi_irqs/. */
static unsigned int read_msi_irqs(const char *dir, unsigned int *irq,
				  unsigned int max)
{
	struct dirent *e;
	unsigned int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max)
		if (all_digits(e->d_name))
			irq[n++] = (unsigned int)strtoul(e->d_name, NULL, 10);
	closedir(d);
	return n;
}

/*
 * The port's own interrupts: the NIC's MSI vectors. A virtio NIC's
 * device/ is the virtio device, whose PCI parent has them.
 */
static unsigned int queue_irqs(const char *ifname, unsigned int *irq,
			       unsigned int max)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *base;
	unsigned int n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/msi_irqs",
		 ifname);
	n = read_msi_irqs(path, irq, max);
	if (n)
		return n;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	if (!realpath(path, real))
		return 0;
	base = strrchr(real, '/');
	if (!base || strncmp(base + 1, "virtio", 6))
		return 0;
	snprintf(path, sizeof(path), "%.*s/msi_irqs", (int)(base - real),
		 real);
	return read_msi_irqs(path, irq, max);
}

static int write_str(const char *path, const char *s)
{
	size_t n = strlen(s);
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, n) != (ssize_t)n)
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static int irq_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static struct ixdpd_irq_saved *saved_irq(struct ixdpd_cpus *st,
					 unsigned int irq)
{
	unsigned int i;

	for (i = 0; i < st->nsaved; i++)
		if (st->saved[i].irq == irq)
			return &st->saved[i];
	return NULL;
}

/* Every IRQ that may run on a dataplane CPU and is not the port's. */
static void irq_steer(struct ixdpd_cpus *st, const struct ixdpd_config *cfg,
		      const cpu_set_t *dp, const cpu_set_t *online)
{
	unsigned int *irqs, nirq = 0, maxirq = 4096, i, j;
	unsigned int qirq[MAX_QUEUE_IRQS], nq;
	unsigned int moved = 0, queues = 0, locked = 0, stuck = 0;
	char path[64], cur[128], want[128], got[128], name[64], dps[128];
	cpu_set_t aff, hit, rest, back;
	struct dirent *e;
	DIR *d;

	cpulist_format(dp, dps, sizeof(dps));
	nq = queue_irqs(cfg->ifname, qirq, MAX_QUEUE_IRQS);
	log_info("irq_steer: moving the IRQs off the dataplane CPUs %s, except the %u MSI vectors of %s",
		 dps, nq, cfg->ifname);
	d = opendir("/proc/irq");
	irqs = calloc(maxirq, sizeof(*irqs));
	if (!d || !irqs) {
		log_err("irq_steer: cannot list /proc/irq: %s", strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) && nirq < maxirq)
		if (all_digits(e->d_name))
			irqs[nirq++] = (unsigned int)strtoul(e->d_name, NULL,
							     10);
	qsort(irqs, nirq, sizeof(*irqs), irq_cmp);
	for (i = 0; i < nirq; i++) {
		unsigned int irq = irqs[i];
		bool queue = false;
		int err;

		snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list",
			 irq);
		if (read_line(path, cur, sizeof(cur)) ||
		    cpulist_parse(cur, &aff)) {
			log_debug("irq %u: no readable affinity, left alone",
				  irq);
			continue;
		}
		CPU_AND(&hit, &aff, dp);
		if (!CPU_COUNT(&hit))
			continue;
		irq_name(irq, name, sizeof(name));
		for (j = 0; j < nq; j++)
			queue = queue || qirq[j] == irq;
		if (queue) {
			log_info("irq %u (%s): a queue interrupt of %s, left on CPUs %s",
				 irq, name, cfg->ifname, cur);
			queues++;
			continue;
		}
		rest = aff;
		for (j = 0; j < CPU_SETSIZE; j++)
			if (CPU_ISSET(j, dp))
				CPU_CLR(j, &rest);
		CPU_AND(&back, &rest, online);
		if (!CPU_COUNT(&back)) {
			log_info("irq %u (%s): its affinity %s has no online CPU outside the dataplane; left alone",
				 irq, name, cur);
			stuck++;
			continue;
		}
		if (!saved_irq(st, irq) && st->nsaved == IXDPD_MAX_IRQS) {
			log_warn("irq %u (%s): cannot remember more IRQs; left alone",
				 irq, name);
			continue;
		}
		cpulist_format(&rest, want, sizeof(want));
		err = write_str(path, want);
		if (err) {
			log_debug("irq %u (%s): its affinity cannot be written (%s); left alone",
				  irq, name, strerror(-err));
			locked++;
			continue;
		}
		if (!saved_irq(st, irq)) {
			st->saved[st->nsaved].irq = irq;
			snprintf(st->saved[st->nsaved].orig,
				 sizeof(st->saved[0].orig), "%s", cur);
			st->nsaved++;
		}
		moved++;
		if (read_line(path, got, sizeof(got)) || cpulist_parse(got, &aff))
			snprintf(got, sizeof(got), "?");
		CPU_AND(&hit, &aff, dp);
		if (CPU_COUNT(&hit))
			log_warn("irq %u (%s): affinity %s -> %s written, but it reads back %s",
				 irq, name, cur, want, got);
		else
			log_info("irq %u (%s): affinity %s -> %s, off the dataplane CPUs",
				 irq, name, cur, got);
	}
	log_info("irq_steer: %u IRQs moved; on the dataplane CPUs and left alone: %u queue IRQs, %u that cannot be moved, %u with no other CPU",
		 moved, queues, locked, stuck);
out:
	free(irqs);
	if (d)
		closedir(d);
}

/* ixdpd itself on the online CPUs that are not dataplane CPUs. */
static void self_affinity(const cpu_set_t *dp, const cpu_set_t *online)
{
	char rs[128], dps[128];
	cpu_set_t rest;
	int j;

	rest = *online;
	for (j = 0; j < CPU_SETSIZE; j++)
		if (CPU_ISSET(j, dp))
			CPU_CLR(j, &rest);
	cpulist_format(dp, dps, sizeof(dps));
	if (!CPU_COUNT(&rest)) {
		log_warn("affinity: every online CPU is a dataplane CPU (%s); ixdpd's own affinity is left alone",
			 dps);
		return;
	}
	cpulist_format(&rest, rs, sizeof(rs));
	if (sched_setaffinity(0, sizeof(rest), &rest)) {
		log_warn("affinity: cannot move ixdpd to CPUs %s: %s", rs,
			 strerror(errno));
		return;
	}
	log_info("affinity: ixdpd runs on CPUs %s, off the dataplane CPUs %s",
		 rs, dps);
}

/*
 * Keep the dataplane CPUs for the dataplane: ixdpd moves itself off them,
 * and with irq_steer on, every other IRQ. Call after ixdpd_cpus_check().
 */
void ixdpd_cpus_apply(struct ixdpd_cpus *st, const struct ixdpd_config *cfg)
{
	char text[256], err[320];
	cpu_set_t dp, online;
	bool missing;

	dataplane_cpus(cfg, &dp);
	if (read_cpulist(CPU_SYSFS "/online", &online, &missing, text,
			 sizeof(text), err, sizeof(err)) || missing ||
	    !CPU_COUNT(&online)) {
		log_warn("affinity: cannot read the online CPUs (%s); ixdpd and the IRQs are left where they are",
			 missing ? CPU_SYSFS "/online is missing" : err);
		return;
	}
	self_affinity(&dp, &online);
	if (!cfg->irq_steer) {
		log_debug("irq_steer off: the IRQs are left where they are");
		return;
	}
	if (!cfg->ncores) {
		log_info("irq_steer: no dataplane CPU, nothing to move");
		return;
	}
	irq_steer(st, cfg, &dp, &online);
}

/* Put back the affinity of every IRQ irq_steer moved. */
void ixdpd_irq_restore(struct ixdpd_cpus *st, const char *why)
{
	char path[64];
	unsigned int i;
	int err;

	for (i = 0; i < st->nsaved; i++) {
		snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list",
			 st->saved[i].irq);
		err = write_str(path, st->saved[i].orig);
		if (err)
			log_warn("irq %u: cannot restore its affinity %s (%s): %s",
				 st->saved[i].irq, st->saved[i].orig, why,
				 strerror(-err));
		else
			log_info("irq %u: affinity restored to %s (%s)",
				 st->saved[i].irq, st->saved[i].orig, why);
	}
	st->nsaved = 0;
}
