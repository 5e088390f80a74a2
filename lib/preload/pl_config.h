/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libixdp-preload's configuration: the environment variables of
 * Documentation/preload.rst parsed into a struct, with no side effect, so
 * that the unit tests can run it.
 */
#ifndef _PL_CONFIG_H
#define _PL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define PL_MAX_PORTS	64
#define PL_MAX_CPUS	64

struct pl_config {
	bool enabled;		/* IXDP_PRELOAD_ADDR is set */
	uint32_t addr;		/* network order */
	uint16_t ports[PL_MAX_PORTS];
	unsigned int nports;	/* 0: every port */
	uint64_t cpus;		/* bit per CPU; 0: every core the module has */
	bool strict;
	bool debug;
};

/*
 * Parses the values of IXDP_PRELOAD_ADDR, _PORTS, _CPUS, _STRICT and
 * _DEBUG (each NULL when unset) into @c. Returns 0, or -EINVAL with
 * @c->enabled false and *@bad naming the variable that is wrong.
 */
int pl_config_parse(struct pl_config *c, const char *addr, const char *ports,
		    const char *cpus, const char *strict, const char *debug,
		    const char **bad);

/* Whether a socket bound to local port @port (host order) goes to ixdp. */
bool pl_config_port_ok(const struct pl_config *c, uint16_t port);

#endif /* _PL_CONFIG_H */
