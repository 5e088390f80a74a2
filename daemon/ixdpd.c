// SPDX-License-Identifier: GPL-2.0
/*
 * ixdpd: the control daemon of ixdp.
 *
 *   ixdpd [-f] [-n] [-t] [-v] [-c CONFIG] [-l LOGFILE] | -V | -h
 *
 * Applies the configuration file to the dataplane at start and on SIGHUP
 * (leaving alone whatever already matches, so that a restart under load
 * changes nothing), retries what the kernel refuses for now, optionally
 * runs the dynamic core policy (daemon/policy.h), and tells systemd when
 * it is ready (Type=notify). It is only the control plane: on SIGTERM it
 * exits and the dataplane keeps running. Documentation/ixdpd.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "ixdpd.h"

#ifndef IXDPD_VERSION
#define IXDPD_VERSION	"1.0"
#endif

static FILE *log_file;
static bool log_syslog, log_verbose;

static const char *level_name(enum ixdpd_level lvl)
{
	switch (lvl) {
	case LOG_LVL_ERR:
		return "error";
	case LOG_LVL_WARN:
		return "warning";
	case LOG_LVL_INFO:
		return "info";
	case LOG_LVL_DEBUG:
		return "debug";
	}
	return "?";
}

/*
 * One line per decision: to stderr with a syslog level prefix ("<6>"),
 * which journald understands; to the -l file with a time stamp; or to
 * syslog when running in the background without -l.
 */
void ixdpd_log(enum ixdpd_level lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (lvl == LOG_LVL_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog((int)lvl, "%s", msg);
	} else if (log_file) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(log_file, "%s.%03ld ixdpd %s: %s\n", when,
			ts.tv_nsec / 1000000, level_name(lvl), msg);
		fflush(log_file);
	} else {
		fprintf(stderr, "<%d>%s\n", (int)lvl, msg);
	}
}

/*
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, a path
 * or, with a leading '@', an abstract socket.
 */
static void notify(const char *fmt, ...)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[256];
	socklen_t len;
	size_t plen;
	va_list ap;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	plen = strlen(path);
	if (plen >= sizeof(sa.sun_path)) {
		log_warn("NOTIFY_SOCKET is too long, not notifying");
		return;
	}
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
			  (path[0] == '@' ? 0 : 1));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   len) < 0)
		log_warn("notify %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The policy loop's memory between samples. */
struct policy_state {
	struct ixdp_policy p;
	struct ixdpd_kstate ks;
	struct ixdp_policy_sample s;
	struct ixdp_policy_decision d;
	bool have_prev;
	uint64_t prev_active;
	struct ixdpd_kcore prev[IXDPD_MAX_CORES];	/* by CPU */
	char last_key[2][96];		/* the last two decisions logged */
	char last_deferred[96];		/* of the last deferral logged */
	bool have_prev_fg;
	uint64_t fg_frames[IXDP_POLICY_MAX_FG];	/* FG_GET's counts */
	uint64_t prev_fg_frames[IXDP_POLICY_MAX_FG];
};

struct daemon {
	struct ixdp_genl g;
	struct ixdpd_config cfg;
	struct policy_state *ps;
	unsigned int deferred;
	uint64_t next_retry, next_sample;
	struct nl_sock *ev;		/* the "events" group */
	bool ev_own;			/* the events read now are ixdpd's */
	bool recheck;			/* changed outside ixdpd: reconcile */
	struct ixdp_genl_reply evr;
	struct ixdpd_cpus cpus;
};

/*
 * One notification: logged; a port, core or config change that ixdpd
 * did not make brings a reconcile on the next retry tick.
 */
static int on_event(struct nl_msg *msg, void *arg)
{
	struct daemon *dm = arg;
	struct ixdp_genl_reply *r = &dm->evr;
	const char *name;
	char line[256];
	bool change;
	size_t i, n;

	memset(r, 0, sizeof(*r));
	if (ixdp_genl_parse(msg, r))
		return NL_SKIP;
	name = ixdp_genl_event_name(r->cmd);
	if (name)
		n = (size_t)snprintf(line, sizeof(line), "%s", name);
	else
		n = (size_t)snprintf(line, sizeof(line), "command %d", r->cmd);
	for (i = 0; i < ixdp_genl_nevent_fields && n < sizeof(line); i++) {
		const struct ixdp_genl_field *f = &ixdp_genl_event_fields[i];
		const struct ixdp_genl_obj *o = &r->obj[f->nest];

		if (!ixdp_genl_event_has(r, f))
			continue;
		if (f->str)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      " %s %s", f->key, o->str);
		else
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      " %s %" PRIu64, f->key,
					      o->num[f->attr]);
	}
	/*
	 * Applications, flow-group moves and parking are no part of the
	 * config: nothing to reconcile. Moves come by the dozen: debug.
	 */
	change = r->cmd != IXDP_CMD_APP_ATTACH &&
		 r->cmd != IXDP_CMD_APP_DETACH &&
		 r->cmd != IXDP_CMD_FG_MOVE && r->cmd != IXDP_CMD_CORE_SET;
	ixdpd_log(r->cmd == IXDP_CMD_FG_MOVE ? LOG_LVL_DEBUG : LOG_LVL_INFO,
		  "kernel: %s%s", line, !change ? "" : dm->ev_own ?
		  " (ixdpd's change)" : " (not made by ixdpd)");
	if (change && !dm->ev_own && !dm->recheck) {
		uint64_t at = now_us() + (uint64_t)dm->cfg.retry_s * 1000000;

		dm->recheck = true;
		if (!dm->deferred || at < dm->next_retry)
			dm->next_retry = at;
		log_info("reconcile: the kernel was changed outside ixdpd; checking it against the config in %u s",
			 dm->cfg.retry_s);
	}
	return NL_OK;
}

static void events_open(struct daemon *dm)
{
	int grp, err;

	dm->ev = nl_socket_alloc();
	if (!dm->ev) {
		log_warn("events: out of memory; changes made outside ixdpd go unnoticed");
		return;
	}
	err = genl_connect(dm->ev);
	grp = err ? err : genl_ctrl_resolve_grp(dm->ev, IXDP_GENL_NAME,
						IXDP_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(dm->ev, grp) ||
	    nl_socket_set_nonblocking(dm->ev)) {
		log_warn("events: cannot join the \"%s\" group; changes made outside ixdpd go unnoticed",
			 IXDP_MCGRP_EVENTS);
		nl_socket_free(dm->ev);
		dm->ev = NULL;
		return;
	}
	nl_socket_disable_seq_check(dm->ev);
	nl_socket_modify_cb(dm->ev, NL_CB_VALID, NL_CB_CUSTOM, on_event, dm);
	log_debug("events: joined the \"%s\" group", IXDP_MCGRP_EVENTS);
}

/*
 * Read the notifications queued so far. @own: they follow changes ixdpd
 * just made (the kernel queues a notification before it answers the
 * request), so they are ixdpd's.
 */
static void events_read(struct daemon *dm, bool own)
{
	int err, i;

	if (!dm->ev)
		return;
	dm->ev_own = own;
	for (i = 0; i < 1000; i++) {
		err = nl_recvmsgs_default(dm->ev);
		if (err >= 0)
			continue;
		if (err != -NLE_NOMEM)
			break;
		/* ENOBUFS: the socket overflowed, events were lost */
		log_warn("events: notifications were lost; checking the kernel against the config");
		if (!dm->recheck) {
			dm->recheck = true;
			dm->next_retry = now_us();
		}
	}
	dm->ev_own = false;
}

static int policy_start(struct daemon *dm)
{
	unsigned int i, running = 0;
	struct ixdpd_kstate ks;
	int err;

	if (!dm->cfg.policy) {
		free(dm->ps);
		dm->ps = NULL;
		return 0;
	}
	if (!dm->ps) {
		dm->ps = calloc(1, sizeof(*dm->ps));
		if (!dm->ps)
			return -ENOMEM;
	}
	memset(dm->ps, 0, sizeof(*dm->ps));
	err = ixdpd_cores_read(&dm->g, &ks);
	for (i = 0; i < ks.ncores; i++)
		running += !ks.core[i].parked;
	if (!err)
		err = ixdp_policy_init(&dm->ps->p, &dm->cfg.pol, running);
	if (err) {
		log_err("policy: cannot start: %s", strerror(-err));
		return err;
	}
	log_info("policy: on, cores %#" PRIx64 ", %u to %u running, sample every %u ms",
		 dm->cfg.pol.cores, dm->cfg.pol.min_cores, dm->cfg.pol.max_cores,
		 dm->cfg.sample_ms);
	dm->next_sample = now_us() + dm->cfg.pol.sample_period_us;
	return 0;
}

/* A decision's identity for the logs: action, core, reason to a digit. */
static void decision_key(const struct ixdp_policy_decision *d, char *key,
			 size_t len)
{
	size_t n = strcspn(d->reason, "0123456789");

	snprintf(key, len, "%d/%d/%.*s", d->action, d->core,
		 (int)(n < 64 ? n : 64), d->reason);
}

/*
 * Make the decision's moves whose flow group is still where the policy
 * saw it, one FG_MOVE each (a live migration in the kernel). Returns the
 * first error, its explanation in @extack; *@done counts the moves made.
 */
static int apply_moves(struct daemon *dm, char *extack, size_t len,
		       unsigned int *done)
{
	struct policy_state *ps = dm->ps;
	const struct ixdp_policy_decision *d = &ps->d;
	char why[320];
	int err = 0, e;
	uint32_t i;

	for (i = 0; i < d->nmoves; i++) {
		const struct ixdp_policy_move *m = &d->moves[i];

		if (m->fg >= ps->s.nfg || ps->s.fg_owner[m->fg] != m->from)
			continue;
		e = ixdpd_fg_move(&dm->g, m->fg, m->to, why, sizeof(why));
		if (e) {
			if (!err) {
				err = e;
				snprintf(extack, len, "flow group %u: %s", m->fg,
					 why);
			}
			continue;
		}
		ps->s.fg_owner[m->fg] = m->to;
		(*done)++;
	}
	return err;
}

/* The kernel's core on @cpu in the last sample, or NULL. */
static const struct ixdpd_kcore *kcore_of(const struct ixdpd_kstate *ks,
					  int cpu)
{
	unsigned int i;

	for (i = 0; i < ks->ncores; i++)
		if (ks->core[i].cpu == (uint32_t)cpu)
			return &ks->core[i];
	return NULL;
}

/*
 * Carry out a decision: a core is added by unparking it (or starting it
 * if the kernel has none there), flow groups move one by one by live
 * migration, and a core is parked once its groups are gone (the kernel
 * moves any left). A refusal under load (-EBUSY: an application holds
 * connections of a group) is logged once and retried by later steps.
 */
static void policy_apply(struct daemon *dm, const char *key)
{
	struct policy_state *ps = dm->ps;
	const struct ixdp_policy_decision *d = &ps->d;
	const struct ixdpd_core_cfg *c = NULL;
	const struct ixdpd_kcore *k;
	unsigned int i, moved = 0;
	char extack[400] = "";
	uint32_t nfg;
	int err = 0;

	switch (d->action) {
	case IXDP_POLICY_NONE:
		return;
	case IXDP_POLICY_ADD_CORE:
		k = kcore_of(&ps->ks, d->core);
		if (k && k->parked) {
			err = ixdpd_core_park(&dm->g, (uint32_t)d->core, false,
					      extack, sizeof(extack));
		} else if (!k) {
			for (i = 0; i < dm->cfg.ncores; i++)
				if (dm->cfg.core[i].cpu == (uint32_t)d->core)
					c = &dm->cfg.core[i];
			if (!c) {
				log_err("policy: core %d is not configured",
					d->core);
				return;
			}
			err = ixdpd_core_add(&dm->g, c, extack, sizeof(extack));
			/* The kernel spread the groups: move from there. */
			if (!err)
				err = ixdpd_fg_owners(&dm->g, ps->s.fg_owner,
						      NULL, IXDP_POLICY_MAX_FG,
						      &nfg);
		}
		if (!err)
			err = apply_moves(dm, extack, sizeof(extack), &moved);
		break;
	case IXDP_POLICY_DRAIN_CORE:
	case IXDP_POLICY_REBALANCE:
		err = apply_moves(dm, extack, sizeof(extack), &moved);
		break;
	case IXDP_POLICY_PARK_CORE:
		err = ixdpd_core_park(&dm->g, (uint32_t)d->core, true, extack,
				      sizeof(extack));
		break;
	}
	if (!err) {
		log_info("policy: %s core %d done, %u flow groups moved",
			 ixdp_policy_action_name(d->action), d->core, moved);
		ps->last_deferred[0] = '\0';
		return;
	}
	if (err != -EBUSY) {
		log_err("policy: %s core %d failed after %u moves: %s",
			ixdp_policy_action_name(d->action), d->core, moved,
			extack);
		return;
	}
	if (!strcmp(ps->last_deferred, key))
		return;
	snprintf(ps->last_deferred, sizeof(ps->last_deferred), "%s", key);
	log_warn("policy: %s core %d deferred after %u moves: %s",
		 ixdp_policy_action_name(d->action), d->core, moved, extack);
}

/* The cores' counters since the last sample; returns the running set. */
static uint64_t sample_cores(struct policy_state *ps)
{
	struct ixdp_policy_sample *s = &ps->s;
	const struct ixdpd_kstate *ks = &ps->ks;
	uint64_t active = 0;
	unsigned int i;

	memset(s, 0, offsetof(struct ixdp_policy_sample, nfg));
	for (i = 0; i < ks->ncores; i++) {
		const struct ixdpd_kcore *k = &ks->core[i], *o;
		struct ixdp_policy_core_sample *cs;

		/* A parked core is no running core: the policy may add it. */
		if (k->cpu >= IXDPD_MAX_CORES || k->parked)
			continue;
		o = &ps->prev[k->cpu];
		cs = &s->core[k->cpu];
		active |= 1ULL << k->cpu;
		cs->busy_ns = k->busy_ns - o->busy_ns;
		cs->idle_ns = k->idle_ns - o->idle_ns;
		cs->frames = k->rx_frames - o->rx_frames;
		cs->cmds = k->app_cmds - o->app_cmds;
		cs->batches = k->batches - o->batches;
		cs->batch_frames = k->batch_frames - o->batch_frames;
		cs->qdelay_us = IXDP_POLICY_NO_QDELAY;
	}
	return active;
}

/*
 * Each group's owner, and its load: frames since the last sample. A count
 * that went down (its core was deleted) gives no sample.
 */
static int sample_groups(struct daemon *dm)
{
	struct policy_state *ps = dm->ps;
	struct ixdp_policy_sample *s = &ps->s;
	unsigned int i;
	int err;

	err = ixdpd_fg_owners(&dm->g, s->fg_owner, ps->fg_frames,
			      IXDP_POLICY_MAX_FG, &s->nfg);
	if (err) {
		log_err("policy: cannot read the flow groups: %s",
			strerror(-err));
		return err;
	}
	s->has_fg_load = ps->have_prev_fg;
	for (i = 0; i < s->nfg; i++) {
		s->fg_load[i] = ps->fg_frames[i] >= ps->prev_fg_frames[i] ?
				ps->fg_frames[i] - ps->prev_fg_frames[i] : 0;
		ps->prev_fg_frames[i] = ps->fg_frames[i];
	}
	ps->have_prev_fg = true;
	return 0;
}

/*
 * Log the decision: info for one unlike the last two (a refused step up
 * alternates with its hold-down), debug otherwise.
 */
static void log_decision(struct policy_state *ps, const char *key)
{
	ixdpd_log(strcmp(key, ps->last_key[0]) && strcmp(key, ps->last_key[1]) ?
		  LOG_LVL_INFO : LOG_LVL_DEBUG,
		  "policy: [%s] %s (cores %u, fast queue %.1f, slow queue %.1f, busy %.2f, idle %.2f)",
		  ixdp_policy_action_name(ps->d.action), ps->d.reason,
		  ps->d.ncores, ps->d.fast_queue, ps->d.slow_queue,
		  ps->d.fast_busy, ps->d.fast_idle);
	if (strcmp(key, ps->last_key[0])) {
		memcpy(ps->last_key[1], ps->last_key[0],
		       sizeof(ps->last_key[1]));
		snprintf(ps->last_key[0], sizeof(ps->last_key[0]), "%s", key);
	}
}

/* This sample is the baseline of the next. */
static void keep_sample(struct policy_state *ps, uint64_t active)
{
	const struct ixdpd_kstate *ks = &ps->ks;
	unsigned int i;

	memset(ps->prev, 0, sizeof(ps->prev));
	for (i = 0; i < ks->ncores; i++)
		if (ks->core[i].cpu < IXDPD_MAX_CORES)
			ps->prev[ks->core[i].cpu] = ks->core[i];
	ps->prev_active = active;
	ps->have_prev = true;
}

static void policy_sample(struct daemon *dm)
{
	struct policy_state *ps = dm->ps;
	uint64_t active, t = now_us();
	char key[96];
	int err;

	err = ixdpd_cores_read(&dm->g, &ps->ks);
	if (err) {
		log_err("policy: cannot read the cores: %s", strerror(-err));
		return;
	}
	active = sample_cores(ps);
	/*
	 * A new set of cores only gives a baseline: a core's counters since
	 * it started are no sample of one period.
	 */
	if (!ps->have_prev || active != ps->prev_active) {
		log_debug("policy: cores %#" PRIx64 ": new baseline", active);
		goto keep;
	}
	ps->s.active = active;
	if (sample_groups(dm))
		goto keep;
	err = ixdp_policy_step(&ps->p, &ps->s, t, &ps->d);
	if (err) {
		log_err("policy: step: %s", strerror(-err));
		goto keep;
	}
	decision_key(&ps->d, key, sizeof(key));
	log_decision(ps, key);
	/* Steady again: a later refusal is news. */
	if (ps->d.action == IXDP_POLICY_NONE && !strstr(key, "hold-down"))
		ps->last_deferred[0] = '\0';
	if (ps->d.action != IXDP_POLICY_NONE) {
		events_read(dm, false);
		policy_apply(dm, key);
		events_read(dm, true);
	}
keep:
	keep_sample(ps, active);
}

static void status(struct daemon *dm)
{
	notify("STATUS=port %s, %u cores configured, policy %s, %u changes deferred",
	       dm->cfg.ifname, dm->cfg.ncores, dm->cfg.policy ? "on" : "off",
	       dm->deferred);
}

/* Returns 0, or -errno if the kernel's state could not be read. */
static int reconcile(struct daemon *dm, bool initial,
		     struct ixdpd_reconcile_result *res)
{
	unsigned int before = dm->deferred;
	bool outside;
	int err;

	events_read(dm, false);
	outside = dm->recheck;
	dm->recheck = false;
	if (outside)
		log_info("reconcile: checking the kernel against the config after a change made outside ixdpd");
	err = ixdpd_reconcile(&dm->g, &dm->cfg, initial, false, res);
	events_read(dm, !err && res->changes);
	if (err) {
		dm->recheck = dm->recheck || outside;
		return err;
	}
	if (outside && !res->changes && !res->deferred && !res->failed)
		log_info("reconcile: the kernel matches the config again, nothing to change");
	dm->deferred = res->deferred;
	if (dm->deferred)
		dm->next_retry = now_us() + (uint64_t)dm->cfg.retry_s * 1000000;
	else if (before)
		log_info("reconcile: the deferred changes are done");
	if (before != dm->deferred)
		status(dm);
	return 0;
}

static void reload(struct daemon *dm)
{
	struct ixdpd_reconcile_result res;
	struct ixdpd_config *cfg;
	char err[512];

	notify("RELOADING=1\nMONOTONIC_USEC=%" PRIu64, now_us());
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		log_err("SIGHUP: out of memory");
		goto out;
	}
	if (ixdpd_config_load(dm->cfg.path, cfg, err, sizeof(err))) {
		log_err("SIGHUP: %s; keeping the configuration in use", err);
		free(cfg);
		goto out;
	}
	if (ixdpd_cpus_check(cfg, err, sizeof(err))) {
		log_err("SIGHUP: %s; keeping the configuration in use", err);
		free(cfg);
		goto out;
	}
	log_info("SIGHUP: %s read again, reconciling", cfg->path);
	dm->cfg = *cfg;
	free(cfg);
	if (dm->cpus.nsaved)
		ixdpd_irq_restore(&dm->cpus, "SIGHUP, steering again");
	ixdpd_cpus_apply(&dm->cpus, &dm->cfg);
	if (reconcile(dm, true, &res) == 0)
		policy_start(dm);
out:
	notify("READY=1");
	status(dm);
}

static int serve(struct daemon *dm)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return 1;
	}
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = dm->ev ? nl_socket_get_fd(dm->ev) : -1;
	pfd[1].events = POLLIN;
	for (;;) {
		uint64_t t = now_us(), wake = UINT64_MAX;
		struct ixdpd_reconcile_result res;
		int timeout = -1;

		if (dm->deferred || dm->recheck)
			wake = dm->next_retry;
		if (dm->ps && dm->next_sample < wake)
			wake = dm->next_sample;
		if (wake != UINT64_MAX)
			timeout = wake <= t ? 0 : (int)((wake - t + 999) / 1000);
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[1].revents & POLLIN)
			events_read(dm, false);
		if (pfd[0].revents & POLLIN &&
		    read(fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(dm);
				continue;
			}
			log_info("%s: exiting; the dataplane keeps running",
				 strsignal((int)si.ssi_signo));
			notify("STOPPING=1");
			return 0;
		}
		t = now_us();
		if ((dm->deferred || dm->recheck) && t >= dm->next_retry &&
		    reconcile(dm, false, &res))
			dm->next_retry = t + (uint64_t)dm->cfg.retry_s * 1000000;
		if (dm->ps && t >= dm->next_sample) {
			policy_sample(dm);
			dm->next_sample += dm->cfg.pol.sample_period_us;
			if (dm->next_sample < t)	/* we fell behind */
				dm->next_sample = t + dm->cfg.pol.sample_period_us;
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: ixdpd [-f] [-n] [-t] [-v] [-c CONFIG] [-l LOGFILE]\n"
		   "       ixdpd -V | -h\n"
		   "  -c CONFIG   configuration file (default %s)\n"
		   "  -f          stay in the foreground, log to stderr\n"
		   "  -l LOGFILE  log to LOGFILE instead\n"
		   "  -n          dry run: print the plan, change nothing\n"
		   "  -t          check the configuration file and exit\n"
		   "  -v          log debug messages too\n"
		   "  -V          print the version\n", IXDPD_DEFAULT_CONF);
}

struct options {
	const char *path, *logpath;
	bool foreground, dry, check;
};

/* -1: go on; otherwise the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	int opt;

	o->path = IXDPD_DEFAULT_CONF;
	while ((opt = getopt(argc, argv, "c:fl:ntvVh")) != -1) {
		switch (opt) {
		case 'c':
			o->path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'l':
			o->logpath = optarg;
			break;
		case 'n':
			o->dry = true;
			break;
		case 't':
			o->check = true;
			break;
		case 'v':
			log_verbose = true;
			break;
		case 'V':
			printf("ixdpd %s (ixdp netlink family version %d)\n",
			       IXDPD_VERSION, IXDP_GENL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/*
 * Everything that may refuse before the kernel is touched: the file, the
 * log, the CPUs; then the netlink socket. -1: go on; else the exit status.
 */
static int prepare(struct daemon *dm, const struct options *o)
{
	char err[512];
	int ret;

	if (ixdpd_config_load(o->path, &dm->cfg, err, sizeof(err))) {
		fprintf(stderr, "ixdpd: %s\n", err);
		return 1;
	}
	if (o->check) {
		printf("ixdpd: %s: OK (port %s, %u cores, policy %s)\n", o->path,
		       dm->cfg.ifname, dm->cfg.ncores,
		       dm->cfg.policy ? "on" : "off");
		return 0;
	}
	if (o->logpath) {
		log_file = fopen(o->logpath, "a");
		if (!log_file) {
			fprintf(stderr, "ixdpd: %s: %s\n", o->logpath,
				strerror(errno));
			return 1;
		}
	}
	if (ixdpd_cpus_check(&dm->cfg, err, sizeof(err))) {
		log_err("%s", err);
		if (log_file)
			fprintf(stderr, "ixdpd: %s\n", err);
		return 1;
	}
	ret = ixdp_genl_open(&dm->g);
	if (ret) {
		fprintf(stderr, "ixdpd: %s\n", ret == -ENOENT ?
			"the ixdp module is not loaded" : strerror(-ret));
		return 1;
	}
	return -1;
}

/* Detach from the terminal unless -f; 0 or the exit status. */
static int daemonize(const struct options *o)
{
	sigset_t set;

	if (!o->foreground) {
		if (daemon(0, 0)) {
			fprintf(stderr, "ixdpd: daemon: %s\n", strerror(errno));
			return 1;
		}
		if (!log_file) {
			openlog("ixdpd", LOG_PID, LOG_DAEMON);
			log_syslog = true;
		}
	}
	/* Signals arrive through a signalfd in serve(). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return 0;
}

/* Apply the configuration, start the policy and serve until told to stop. */
static int run(struct daemon *dm, const char *path)
{
	struct ixdpd_reconcile_result res;

	log_info("ixdpd %s starting, pid %d, config %s", IXDPD_VERSION,
		 (int)getpid(), path);
	events_open(dm);
	ixdpd_cpus_apply(&dm->cpus, &dm->cfg);
	if (reconcile(dm, true, &res) || res.failed) {
		log_err("start: the configuration could not be applied; exiting (the dataplane is left as it is)");
		return 1;
	}
	if (policy_start(dm))
		return 1;
	notify("READY=1\nSTATUS=port %s, %u cores configured, policy %s, %u changes deferred",
	       dm->cfg.ifname, dm->cfg.ncores, dm->cfg.policy ? "on" : "off",
	       dm->deferred);
	log_info("ready");
	return serve(dm);
}

int main(int argc, char **argv)
{
	struct ixdpd_reconcile_result res;
	struct options o = {};
	static struct daemon dm;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* the plan, among the logs */
	ret = parse_options(argc, argv, &o);
	if (ret >= 0)
		return ret;
	/* A bad file or refused CPUs leave the kernel untouched. */
	ret = prepare(&dm, &o);
	if (ret >= 0)
		return ret;
	if (o.dry) {
		ret = ixdpd_reconcile(&dm.g, &dm.cfg, true, true, &res);
		ixdp_genl_close(&dm.g);
		return ret ? 1 : 0;
	}
	ret = daemonize(&o) ?: run(&dm, o.path);
	if (dm.cfg.irq_restore)
		ixdpd_irq_restore(&dm.cpus, "exiting");
	else if (dm.cpus.nsaved)
		log_info("irq_restore off: %u IRQs stay off the dataplane CPUs",
			 dm.cpus.nsaved);
	free(dm.ps);
	if (dm.ev)
		nl_socket_free(dm.ev);
	ixdp_genl_close(&dm.g);
	return ret;
}
