// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libixdp-preload: parsing of its environment variables (pl_config.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pl_config.h"

/* A decimal number in [lo, hi] from @s to the first @end or NUL. */
static int pl_config_num(const char **s, unsigned long lo, unsigned long hi,
			 unsigned long *out)
{
	const char *p = *s;
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > hi)
			return -EINVAL;
		p++;
	}
	if (v < lo)
		return -EINVAL;
	*s = p;
	*out = v;
	return 0;
}

static int pl_config_ports(struct pl_config *c, const char *s)
{
	unsigned long v;

	if (!*s)
		return -EINVAL;
	for (;;) {
		if (c->nports == PL_MAX_PORTS ||
		    pl_config_num(&s, 1, 65535, &v))
			return -EINVAL;
		c->ports[c->nports++] = (uint16_t)v;
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

/* A list of CPUs and ranges: "0,1", "0-3", "2". */
static int pl_config_cpus(struct pl_config *c, const char *s)
{
	unsigned long a, b;

	if (!*s)
		return -EINVAL;
	for (;;) {
		if (pl_config_num(&s, 0, PL_MAX_CPUS - 1, &a))
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			if (pl_config_num(&s, a, PL_MAX_CPUS - 1, &b))
				return -EINVAL;
		}
		for (; a <= b; a++)
			c->cpus |= 1ULL << a;
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

/* "1" or "0" (unset and empty are 0). */
static int pl_config_bool(const char *s, bool *out)
{
	*out = false;
	if (!s || !*s || !strcmp(s, "0"))
		return 0;
	if (!strcmp(s, "1")) {
		*out = true;
		return 0;
	}
	return -EINVAL;
}

int pl_config_parse(struct pl_config *c, const char *addr, const char *ports,
		    const char *cpus, const char *strict, const char *debug,
		    const char **bad)
{
	struct in_addr a;

	memset(c, 0, sizeof(*c));
	*bad = NULL;
	if (pl_config_bool(strict, &c->strict)) {
		*bad = "IXDP_PRELOAD_STRICT";
		return -EINVAL;
	}
	if (pl_config_bool(debug, &c->debug)) {
		*bad = "IXDP_PRELOAD_DEBUG";
		return -EINVAL;
	}
	if (!addr || !*addr)
		return 0;
	if (inet_pton(AF_INET, addr, &a) != 1 || a.s_addr == INADDR_ANY ||
	    a.s_addr == INADDR_BROADCAST) {
		*bad = "IXDP_PRELOAD_ADDR";
		return -EINVAL;
	}
	if (ports && pl_config_ports(c, ports)) {
		*bad = "IXDP_PRELOAD_PORTS";
		goto fail;
	}
	if (cpus && pl_config_cpus(c, cpus)) {
		*bad = "IXDP_PRELOAD_CPUS";
		goto fail;
	}
	c->addr = a.s_addr;
	c->enabled = true;
	return 0;
fail:
	c->nports = 0;
	c->cpus = 0;
	return -EINVAL;
}

bool pl_config_port_ok(const struct pl_config *c, uint16_t port)
{
	unsigned int i;

	if (!c->nports)
		return true;
	for (i = 0; i < c->nports; i++)
		if (c->ports[i] == port)
			return true;
	return false;
}
