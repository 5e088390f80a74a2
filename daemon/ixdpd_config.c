// SPDX-License-Identifier: GPL-2.0
/*
 * ixdpd's configuration file: one setting per line, "KEY VALUE...",
 * '#' starts a comment. Strict: an unknown key, a repeated setting, a
 * value out of range or a missing one is an error naming file and line.
 * Documentation/ixdpd.rst is the reference.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ixdpd.h"

#define MAX_TOKENS	8
#define LINE_MAX_LEN	1024

struct parser {
	const char *path;
	unsigned int line;
	char *err;
	size_t errlen;
	struct ixdpd_config *cfg;
	/* the line of each setting given so far, for duplicates */
	unsigned int seen[64];
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->path, p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->path, msg);
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Policy knobs: name, where in struct ixdp_policy_cfg, its type, range. */
enum knob_type { K_U32, K_U64, K_DOUBLE };

#define KNOB(n, t, lo, hi) \
	{ #n, offsetof(struct ixdp_policy_cfg, n), t, lo, hi }

static const struct knob {
	const char *name;
	size_t off;
	enum knob_type type;
	double min, max;
} knobs[] = {
	KNOB(min_cores, K_U32, 1, IXDPD_MAX_CORES),
	KNOB(max_cores, K_U32, 1, IXDPD_MAX_CORES),
	KNOB(alpha_fast, K_DOUBLE, 0.001, 1),
	KNOB(alpha_slow, K_DOUBLE, 0.001, 1),
	KNOB(add_queue, K_DOUBLE, 0, IXDP_BATCH_MAX),
	KNOB(add_qdelay_us, K_U64, 0, 10000000),
	KNOB(add_busy, K_DOUBLE, 0, 1),
	KNOB(remove_queue, K_DOUBLE, 0, IXDP_BATCH_MAX),
	KNOB(idle_margin, K_DOUBLE, 1, 100),
	KNOB(remove_busy, K_DOUBLE, 0, 1),
	KNOB(up_after_up_us, K_U64, 0, 3600000000ULL),
	KNOB(up_after_down_us, K_U64, 0, 3600000000ULL),
	KNOB(down_after_up_us, K_U64, 0, 3600000000ULL),
	KNOB(down_after_down_us, K_U64, 0, 3600000000ULL),
	KNOB(rebalance_spread, K_DOUBLE, 0.001, 4),
	KNOB(rebalance_hold_us, K_U64, 0, 3600000000ULL),
	KNOB(max_moves, K_U32, 1, IXDP_POLICY_MAX_FG),
};

/* Settings other than the knobs; their index in parser.seen. */
enum {
	S_PORT, S_BATCH, S_POLL_US, S_RESPONDER, S_POLICY, S_SAMPLE_MS,
	S_RETRY_S, S_ISOLATION, S_IRQ_STEER, S_IRQ_RESTORE,
	S_KNOBS			/* knobs[i] is S_KNOBS + i */
};

static bool once(struct parser *p, unsigned int idx, const char *key,
		 int *err)
{
	if (p->seen[idx]) {
		*err = fail(p, "\"%s\" is already set on line %u", key,
			    p->seen[idx]);
		return false;
	}
	p->seen[idx] = p->line;
	return true;
}

static int want_args(struct parser *p, int ntok, int min, int max,
		     const char *usage)
{
	if (ntok - 1 < min || ntok - 1 > max)
		return fail(p, "usage: %s", usage);
	return 0;
}

static int parse_port(struct parser *p, char **tok, int ntok)
{
	struct ixdpd_config *cfg = p->cfg;
	char buf[64], *slash;
	struct in_addr in;
	uint64_t prefix;
	int err;

	err = want_args(p, ntok, 2, 2, "port IFNAME A.B.C.D/PREFIX");
	if (err || !once(p, S_PORT, "port", &err))
		return err;
	if (strlen(tok[1]) >= IFNAMSIZ || !tok[1][0])
		return fail(p, "interface name \"%s\" is longer than %d characters",
			    tok[1], IFNAMSIZ - 1);
	snprintf(buf, sizeof(buf), "%s", tok[2]);
	slash = strchr(buf, '/');
	if (!slash)
		return fail(p, "address \"%s\" needs a /PREFIX", tok[2]);
	*slash = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return fail(p, "\"%s\" is not an IPv4 address", buf);
	if (parse_u64(slash + 1, 1, 30, &prefix))
		return fail(p, "prefix \"%s\" is not between 1 and 30",
			    slash + 1);
	snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", tok[1]);
	cfg->addr = in.s_addr;
	cfg->prefix = (uint8_t)prefix;
	cfg->has_port = true;
	return 0;
}

static int parse_core(struct parser *p, char **tok, int ntok)
{
	static const char usage[] = "core CPU rxq Q [txq Q]";
	struct ixdpd_config *cfg = p->cfg;
	struct ixdpd_core_cfg c = { .line = p->line };
	bool has_rxq = false, has_txq = false;
	uint64_t v;
	unsigned int i;
	int t;

	if (ntok != 4 && ntok != 6)
		return fail(p, "usage: %s", usage);
	if (parse_u64(tok[1], 0, IXDPD_MAX_CORES - 1, &v))
		return fail(p, "core CPU \"%s\" is not between 0 and %d",
			    tok[1], IXDPD_MAX_CORES - 1);
	c.cpu = (uint32_t)v;
	for (t = 2; t + 1 < ntok; t += 2) {
		bool *has;

		if (!strcmp(tok[t], "rxq"))
			has = &has_rxq;
		else if (!strcmp(tok[t], "txq"))
			has = &has_txq;
		else
			return fail(p, "core: unknown key \"%s\" (usage: %s)",
				    tok[t], usage);
		if (*has)
			return fail(p, "core: \"%s\" given twice", tok[t]);
		if (parse_u64(tok[t + 1], 0, UINT16_MAX, &v))
			return fail(p, "core: %s \"%s\" is not between 0 and %u",
				    tok[t], tok[t + 1], UINT16_MAX);
		*has = true;
		if (has == &has_rxq)
			c.rxq = (uint16_t)v;
		else
			c.txq = (uint16_t)v;
	}
	if (!has_rxq)
		return fail(p, "core %u needs an rxq (usage: %s)", c.cpu, usage);
	if (!has_txq)
		c.txq = c.rxq;
	for (i = 0; i < cfg->ncores; i++)
		if (cfg->core[i].cpu == c.cpu)
			return fail(p, "core %u is already configured on line %u",
				    c.cpu, cfg->core[i].line);
	cfg->core[cfg->ncores++] = c;
	return 0;
}

static int parse_responder(struct parser *p, char **tok, int ntok)
{
	static const char usage[] = "responder { echo | discard } PORT | responder none";
	struct ixdpd_config *cfg = p->cfg;
	uint64_t port;
	int err;

	err = want_args(p, ntok, 1, 2, usage);
	if (err || !once(p, S_RESPONDER, "responder", &err))
		return err;
	if (!strcmp(tok[1], "none")) {
		if (ntok != 2)
			return fail(p, "usage: %s", usage);
		cfg->resp_mode = IXDP_RESP_NONE;
		cfg->resp_port = 0;
	} else {
		if (!strcmp(tok[1], "echo"))
			cfg->resp_mode = IXDP_RESP_ECHO;
		else if (!strcmp(tok[1], "discard"))
			cfg->resp_mode = IXDP_RESP_DISCARD;
		else
			return fail(p, "responder: unknown mode \"%s\" (usage: %s)",
				    tok[1], usage);
		if (ntok != 3)
			return fail(p, "responder %s needs a TCP port", tok[1]);
		if (parse_u64(tok[2], 1, UINT16_MAX, &port))
			return fail(p, "responder: port \"%s\" is not between 1 and 65535",
				    tok[2]);
		cfg->resp_port = (uint16_t)port;
	}
	cfg->has_responder = true;
	return 0;
}

/* grant ports LO[-HI] { user U | group G } [ rights R ] */
static int parse_grant(struct parser *p, char **tok, int ntok)
{
	struct ixdpd_config *cfg = p->cfg;
	struct ixdp_grant_spec g;
	char why[160];
	unsigned int i;

	if (ixdp_grant_parse(ntok - 1, tok + 1, &g, why, sizeof(why)))
		return fail(p, "grant: %s", why);
	g.rights = g.rights ?: IXDP_GRANT_ALL;
	for (i = 0; i < cfg->ngrants; i++)
		if (cfg->grant[i].lo == g.lo && cfg->grant[i].hi == g.hi &&
		    cfg->grant[i].is_gid == g.is_gid &&
		    cfg->grant[i].id == g.id)
			return fail(p, "grant: ports %u-%u for that %s are already granted",
				    g.lo, g.hi, g.is_gid ? "group" : "user");
	if (cfg->ngrants == IXDPD_MAX_GRANTS)
		return fail(p, "grant: more than %d grants", IXDPD_MAX_GRANTS);
	cfg->grant[cfg->ngrants++] = g;
	return 0;
}

/* KEY N with N in [min, max], set once. */
static int parse_uint(struct parser *p, char **tok, int ntok,
		      unsigned int idx, uint64_t min, uint64_t max,
		      uint32_t *out)
{
	uint64_t v;
	int err;

	if (ntok != 2)
		return fail(p, "usage: %s N", tok[0]);
	if (!once(p, idx, tok[0], &err))
		return err;
	if (parse_u64(tok[1], min, max, &v))
		return fail(p, "%s \"%s\" is not between %llu and %llu", tok[0],
			    tok[1], (unsigned long long)min,
			    (unsigned long long)max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_knob(struct parser *p, const struct knob *k,
		      unsigned int idx, char **tok, int ntok)
{
	char *field = (char *)&p->cfg->pol + k->off;
	uint64_t v;
	double d;
	int err;

	if (ntok != 2)
		return fail(p, "usage: %s VALUE", k->name);
	if (!once(p, idx, k->name, &err))
		return err;
	if (k->type == K_DOUBLE) {
		if (parse_double(tok[1], k->min, k->max, &d))
			return fail(p, "%s \"%s\" is not a number between %g and %g",
				    k->name, tok[1], k->min, k->max);
		memcpy(field, &d, sizeof(d));
		return 0;
	}
	if (parse_u64(tok[1], (uint64_t)k->min, (uint64_t)k->max, &v))
		return fail(p, "%s \"%s\" is not between %llu and %llu", k->name,
			    tok[1], (unsigned long long)k->min,
			    (unsigned long long)k->max);
	if (k->type == K_U32) {
		uint32_t u = (uint32_t)v;

		memcpy(field, &u, sizeof(u));
	} else {
		memcpy(field, &v, sizeof(v));
	}
	return 0;
}

/* KEY on|off, set once. */
static int parse_bool(struct parser *p, char **tok, int ntok,
		      unsigned int idx, bool *out)
{
	int err;

	if (ntok != 2 || (strcmp(tok[1], "on") && strcmp(tok[1], "off")))
		return fail(p, "usage: %s { on | off }", tok[0]);
	if (!once(p, idx, tok[0], &err))
		return err;
	*out = !strcmp(tok[1], "on");
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	char *tok[MAX_TOKENS + 1], *s, *save;
	struct ixdpd_config *cfg = p->cfg;
	unsigned int i;
	int ntok = 0, err;

	s = strchr(line, '#');
	if (s)
		*s = '\0';
	for (s = strtok_r(line, " \t\r\n", &save); s;
	     s = strtok_r(NULL, " \t\r\n", &save)) {
		if (ntok == MAX_TOKENS)
			return fail(p, "too many words");
		tok[ntok++] = s;
	}
	if (!ntok)
		return 0;
	if (!strcmp(tok[0], "port"))
		return parse_port(p, tok, ntok);
	if (!strcmp(tok[0], "core"))
		return parse_core(p, tok, ntok);
	if (!strcmp(tok[0], "responder"))
		return parse_responder(p, tok, ntok);
	if (!strcmp(tok[0], "grant"))
		return parse_grant(p, tok, ntok);
	if (!strcmp(tok[0], "batch")) {
		err = parse_uint(p, tok, ntok, S_BATCH, IXDP_BATCH_MIN,
				 IXDP_BATCH_MAX, &cfg->batch);
		cfg->has_batch = !err;
		return err;
	}
	if (!strcmp(tok[0], "poll_us")) {
		err = parse_uint(p, tok, ntok, S_POLL_US, 0, IXDP_POLL_US_MAX,
				 &cfg->poll_us);
		cfg->has_poll_us = !err;
		return err;
	}
	if (!strcmp(tok[0], "sample_ms"))
		return parse_uint(p, tok, ntok, S_SAMPLE_MS, 1, 60000,
				  &cfg->sample_ms);
	if (!strcmp(tok[0], "retry_s"))
		return parse_uint(p, tok, ntok, S_RETRY_S, 1, 3600,
				  &cfg->retry_s);
	if (!strcmp(tok[0], "policy"))
		return parse_bool(p, tok, ntok, S_POLICY, &cfg->policy);
	if (!strcmp(tok[0], "irq_steer"))
		return parse_bool(p, tok, ntok, S_IRQ_STEER, &cfg->irq_steer);
	if (!strcmp(tok[0], "irq_restore"))
		return parse_bool(p, tok, ntok, S_IRQ_RESTORE,
				  &cfg->irq_restore);
	if (!strcmp(tok[0], "isolation")) {
		if (ntok != 2)
			return fail(p, "usage: isolation { off | warn | require }");
		if (!strcmp(tok[1], "off"))
			cfg->isolation = IXDPD_ISOL_OFF;
		else if (!strcmp(tok[1], "warn"))
			cfg->isolation = IXDPD_ISOL_WARN;
		else if (!strcmp(tok[1], "require"))
			cfg->isolation = IXDPD_ISOL_REQUIRE;
		else
			return fail(p, "isolation: unknown mode \"%s\" (usage: isolation { off | warn | require })",
				    tok[1]);
		return once(p, S_ISOLATION, "isolation", &err) ? 0 : err;
	}
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (!strcmp(tok[0], knobs[i].name))
			return parse_knob(p, &knobs[i], S_KNOBS + i, tok, ntok);
	return fail(p, "unknown key \"%s\"", tok[0]);
}

/* The line of knob @name, 0 if not given. */
static unsigned int knob_line(const struct parser *p, const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (!strcmp(knobs[i].name, name))
			return p->seen[S_KNOBS + i];
	return 0;
}

/* Blame the later of two knobs' lines for a conflict between them. */
static void blame(struct parser *p, const char *a, const char *b)
{
	unsigned int la = knob_line(p, a), lb = knob_line(p, b);

	p->line = la > lb ? la : lb;
}

/* Checks that need the whole file. */
static int finish(struct parser *p)
{
	struct ixdpd_config *cfg = p->cfg;
	struct ixdp_policy_cfg *pol = &cfg->pol;
	unsigned int i;

	p->line = 0;
	if (!cfg->has_port)
		return fail(p, "no \"port IFNAME A.B.C.D/PREFIX\" line");
	pol->cores = 0;
	for (i = 0; i < cfg->ncores; i++)
		pol->cores |= 1ULL << cfg->core[i].cpu;
	pol->sample_period_us = (uint64_t)cfg->sample_ms * 1000;
	if (!knob_line(p, "max_cores"))
		pol->max_cores = cfg->ncores ? cfg->ncores : 1;
	if (!cfg->policy)
		return 0;
	if (!cfg->ncores)
		return fail(p, "policy on needs at least one core line");
	if (pol->max_cores > cfg->ncores) {
		p->line = knob_line(p, "max_cores");
		return fail(p, "max_cores %u is more than the %u cores configured",
			    pol->max_cores, cfg->ncores);
	}
	if (pol->min_cores > pol->max_cores) {
		blame(p, "min_cores", "max_cores");
		return fail(p, "min_cores %u is more than max_cores %u",
			    pol->min_cores, pol->max_cores);
	}
	blame(p, "alpha_slow", "alpha_fast");
	if (!(pol->alpha_slow <= pol->alpha_fast))
		return fail(p, "alpha_slow %g must not exceed alpha_fast %g",
			    pol->alpha_slow, pol->alpha_fast);
	blame(p, "remove_queue", "add_queue");
	if (!(pol->remove_queue < pol->add_queue))
		return fail(p, "remove_queue %g must be below add_queue %g",
			    pol->remove_queue, pol->add_queue);
	blame(p, "remove_busy", "add_busy");
	if (!(pol->remove_busy < pol->add_busy))
		return fail(p, "remove_busy %g must be below add_busy %g",
			    pol->remove_busy, pol->add_busy);
	p->line = 0;
	if (ixdp_policy_cfg_check(pol))
		return fail(p, "the policy knobs are inconsistent (Documentation/policy.rst)");
	return 0;
}

/*
 * Parse @path into @cfg. Returns 0, or -errno with a message naming the
 * file and line in @err.
 */
int ixdpd_config_load(const char *path, struct ixdpd_config *cfg,
		      char *err, size_t errlen)
{
	struct parser p = {
		.path = path, .err = err, .errlen = errlen, .cfg = cfg,
	};
	char line[LINE_MAX_LEN + 2];
	FILE *f;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	cfg->sample_ms = 100;
	cfg->retry_s = 5;
	cfg->isolation = IXDPD_ISOL_WARN;
	cfg->irq_restore = true;
	ixdp_policy_cfg_default(&cfg->pol);
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		p.line++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = fail(&p, "line longer than %d characters",
				   LINE_MAX_LEN);
			break;
		}
		ret = parse_line(&p, line);
		if (ret)
			break;
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	fclose(f);
	return ret ? ret : finish(&p);
}

const char *ixdpd_isolation_name(enum ixdpd_isolation mode)
{
	switch (mode) {
	case IXDPD_ISOL_OFF:
		return "off";
	case IXDPD_ISOL_WARN:
		return "warn";
	case IXDPD_ISOL_REQUIRE:
		return "require";
	}
	return "?";
}

const char *ixdpd_resp_mode_name(uint8_t mode)
{
	switch (mode) {
	case IXDP_RESP_NONE:
		return "none";
	case IXDP_RESP_ECHO:
		return "echo";
	case IXDP_RESP_DISCARD:
		return "discard";
	}
	return "?";
}
