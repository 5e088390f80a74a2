/* SPDX-License-Identifier: GPL-2.0 */
/* ixctl: objects and their handlers. */
#ifndef IXDP_IXCTL_H
#define IXDP_IXCTL_H

#include "genl.h"

/* Each object handler gets the arguments after its name. */
typedef int (*ixctl_handler_t)(struct ixdp_genl *g, int argc, char **argv);

/* ixctl.c APIs: */
extern bool ixctl_show_stats;
int ixctl_fail(int err, const struct ixdp_genl_reply *r, const char *what);
int ixctl_usage_error(const char *fmt, const char *arg);
bool ixctl_matches(const char *arg, const char *word);
int ixctl_parse_num(const char *s, uint64_t max, uint64_t *out);

/* ixctl_module.c APIs: */
int ixctl_version(struct ixdp_genl *g, int argc, char **argv);
int ixctl_config(struct ixdp_genl *g, int argc, char **argv);

/* ixctl_dp.c APIs: */
int ixctl_port(struct ixdp_genl *g, int argc, char **argv);
int ixctl_core(struct ixdp_genl *g, int argc, char **argv);
int ixctl_responder(struct ixdp_genl *g, int argc, char **argv);
void ixctl_print_stats(const struct ixdp_genl_reply *r,
		       const struct ixdp_genl_obj *o);
void ixctl_print_counters(const struct ixdp_genl_reply *r,
			  const struct ixdp_genl_obj *o, const char *key);
void ixctl_print_loop_figures(const struct ixdp_genl_reply *r,
			      const struct ixdp_genl_obj *o);

/* ixctl_obj.c APIs: */
int ixctl_fg(struct ixdp_genl *g, int argc, char **argv);
int ixctl_app(struct ixdp_genl *g, int argc, char **argv);
int ixctl_queue(struct ixdp_genl *g, int argc, char **argv);
int ixctl_stats(struct ixdp_genl *g, int argc, char **argv);

/* ixctl_grant.c APIs: */
int ixctl_grant(struct ixdp_genl *g, int argc, char **argv);

/* ixctl_monitor.c APIs: */
int ixctl_monitor(struct ixdp_genl *g, int argc, char **argv);

#endif /* IXDP_IXCTL_H */
