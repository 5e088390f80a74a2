// SPDX-License-Identifier: GPL-2.0
/*
 * ixdpd and the kernel: read the dataplane's state over netlink and bring
 * it to the configuration without disturbing traffic. What matches is
 * left alone; what is missing is added; what differs is changed only when
 * the kernel allows it now, else it is deferred and retried. A port that
 * carries connections is never deleted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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
