/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ixdpd: the control daemon of ixdp. Its configuration, its view of the
 * kernel's state and the reconciliation between the two.
 */
#ifndef IXDP_DAEMON_IXDPD_H
#define IXDP_DAEMON_IXDPD_H

#include <stdbool.h>
#include <stdint.h>

#include <net/if.h>

#include "genl.h"
#include "grant.h"
#include "policy.h"

#define IXDPD_MAX_CORES		IXDP_POLICY_MAX_CORES	/* CPUs 0..63 */
#define IXDPD_MAX_GRANTS	64
#define IXDPD_DEFAULT_CONF	"/etc/ixdp/ixdpd.conf"

struct ixdpd_core_cfg {
	uint32_t cpu;
	uint16_t rxq;
	uint16_t txq;		/* == rxq unless given */
	unsigned int line;
};

/* The "isolation" setting: what to do with a dataplane CPU not isolated. */
enum ixdpd_isolation {
	IXDPD_ISOL_WARN,	/* the default */
	IXDPD_ISOL_OFF,
	IXDPD_ISOL_REQUIRE,
};

/* The parsed configuration file. */
struct ixdpd_config {
	char path[256];
	bool has_port;
	char ifname[IFNAMSIZ];
	uint32_t addr;		/* network order */
	uint8_t prefix;
	unsigned int ncores;
	struct ixdpd_core_cfg core[IXDPD_MAX_CORES];
	bool has_batch, has_poll_us;
	uint32_t batch, poll_us;
	bool has_responder;
	uint8_t resp_mode;	/* enum ixdp_resp_mode */
	uint16_t resp_port;
	unsigned int ngrants;	/* > 0: the kernel's grants are these */
	struct ixdp_grant_spec grant[IXDPD_MAX_GRANTS];
	bool policy;
	uint32_t sample_ms;
	uint32_t retry_s;
	enum ixdpd_isolation isolation;
	bool irq_steer;		/* default off */
	bool irq_restore;	/* default on */
	struct ixdp_policy_cfg pol;
};

/* One dataplane core as the kernel reports it. */
struct ixdpd_kcore {
	uint32_t cpu;
	uint16_t rxq, txq;
	uint32_t nfg, conns;
	bool parked;
	/* cumulative counters, for the policy */
	uint64_t busy_ns, idle_ns, rx_frames, app_cmds, batches, batch_frames;
};

/* The kernel's state: PORT_GET, CORE_GET dump, GET_CONFIG. */
struct ixdpd_kstate {
	bool has_port;
	char ifname[IFNAMSIZ];
	uint32_t addr;
	uint8_t prefix;
	uint32_t nfg;
	unsigned int ncores;
	struct ixdpd_kcore core[IXDPD_MAX_CORES];
	uint32_t batch, poll_us;
};

enum ixdpd_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* ixdpd.c APIs: */
void ixdpd_log(enum ixdpd_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_err(...)	ixdpd_log(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	ixdpd_log(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	ixdpd_log(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	ixdpd_log(LOG_LVL_DEBUG, __VA_ARGS__)

/* ixdpd_config.c APIs: */
int ixdpd_config_load(const char *path, struct ixdpd_config *cfg,
		      char *err, size_t errlen);
const char *ixdpd_resp_mode_name(uint8_t mode);
const char *ixdpd_isolation_name(enum ixdpd_isolation mode);

/* ixdpd_kernel.c APIs: */
int ixdpd_kstate_read(struct ixdp_genl *g, struct ixdpd_kstate *ks);
int ixdpd_cores_read(struct ixdp_genl *g, struct ixdpd_kstate *ks);

struct ixdpd_reconcile_result {
	unsigned int changes;	/* made (or, dry run, planned) */
	unsigned int deferred;	/* refused for now: retried later */
	unsigned int failed;	/* refused for good */
};

/* ixdpd_grants.c APIs: */
struct ixdpd_grant_step {
	unsigned int added, removed, failed;
};

int ixdpd_grants_reconcile(struct ixdp_genl *g,
			   const struct ixdpd_config *cfg, bool dry,
			   struct ixdpd_grant_step *st);

int ixdpd_reconcile(struct ixdp_genl *g, const struct ixdpd_config *cfg,
		    bool initial, bool dry, struct ixdpd_reconcile_result *res);
int ixdpd_core_add(struct ixdp_genl *g, const struct ixdpd_core_cfg *c,
		   char *extack, size_t len);
int ixdpd_core_park(struct ixdp_genl *g, uint32_t cpu, bool park,
		    char *extack, size_t len);
int ixdpd_fg_move(struct ixdp_genl *g, uint32_t fg, uint32_t cpu,
		  char *extack, size_t len);
int ixdpd_fg_owners(struct ixdp_genl *g, uint8_t *owner, uint64_t *frames,
		    size_t max, uint32_t *nfg);
int ixdpd_core_del(struct ixdp_genl *g, uint32_t cpu, char *extack,
		   size_t len);

/*
 * ixdpd_kernel.c, CPUs and IRQs (Documentation/ixdpd.rst): the dataplane CPUs'
 * isolation, the other IRQs and ixdpd itself kept off them.
 */
#define IXDPD_MAX_IRQS		1024

struct ixdpd_irq_saved {
	unsigned int irq;
	char orig[128];		/* smp_affinity_list as found */
};

struct ixdpd_cpus {
	unsigned int nsaved;
	struct ixdpd_irq_saved saved[IXDPD_MAX_IRQS];
};

int ixdpd_cpus_check(const struct ixdpd_config *cfg, char *err, size_t len);
void ixdpd_cpus_apply(struct ixdpd_cpus *st, const struct ixdpd_config *cfg);
void ixdpd_irq_restore(struct ixdpd_cpus *st, const char *why);

#endif /* IXDP_DAEMON_IXDPD_H */
