// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide tunables. Each one is a read-only module parameter (its
 * value at load time) that the "ixdp" netlink family can change later.
 * Writers are serialised by config_lock; readers on the fast path take a
 * READ_ONCE snapshot and need no lock.
 */
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netlink.h>

#include "ixdp.h"

static DEFINE_MUTEX(config_lock);

static u32 ixdp_batch = IXDP_BATCH_MAX;
static u32 ixdp_poll_us = 50;
static u32 ixdp_run_grace_us = 2000;
static u32 ixdp_max_conns = IXDP_MAX_CONNS_DEFAULT;

static int param_set_ranged(const char *val, const struct kernel_param *kp,
			    u32 min, u32 max)
{
	u32 v;
	int err;

	err = kstrtou32(val, 0, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	WRITE_ONCE(*(u32 *)kp->arg, v);
	return 0;
}

static int param_set_batch(const char *val, const struct kernel_param *kp)
{
	return param_set_ranged(val, kp, IXDP_BATCH_MIN, IXDP_BATCH_MAX);
}

static int param_set_poll_us(const char *val, const struct kernel_param *kp)
{
	return param_set_ranged(val, kp, 0, IXDP_POLL_US_MAX);
}

static int param_set_run_grace_us(const char *val,
				  const struct kernel_param *kp)
{
	return param_set_ranged(val, kp, IXDP_RUN_GRACE_US_MIN,
				IXDP_RUN_GRACE_US_MAX);
}

static int param_set_max_conns(const char *val, const struct kernel_param *kp)
{
	return param_set_ranged(val, kp, IXDP_MAX_CONNS_MIN,
				IXDP_MAX_CONNS_MAX);
}

static const struct kernel_param_ops max_conns_ops = {
	.set = param_set_max_conns,
	.get = param_get_uint,
};

static const struct kernel_param_ops batch_ops = {
	.set = param_set_batch,
	.get = param_get_uint,
};

static const struct kernel_param_ops poll_us_ops = {
	.set = param_set_poll_us,
	.get = param_get_uint,
};

static const struct kernel_param_ops run_grace_us_ops = {
	.set = param_set_run_grace_us,
	.get = param_get_uint,
};

module_param_cb(batch, &batch_ops, &ixdp_batch, 0444);
MODULE_PARM_DESC(batch,
		 "Packets and commands a dataplane core handles per loop step (1-64, default 64)");
module_param_cb(poll_us, &poll_us_ops, &ixdp_poll_us, 0444);
MODULE_PARM_DESC(poll_us,
		 "Microseconds an idle dataplane core keeps polling before it sleeps (0-10000, default 50)");
module_param_cb(run_grace_us, &run_grace_us_ops, &ixdp_run_grace_us, 0444);
MODULE_PARM_DESC(run_grace_us,
		 "Microseconds an inline application may stay out of IXDP_IOC_RUN before the core's kthread takes its loop back (100-1000000, default 2000)");

module_param_cb(max_conns, &max_conns_ops, &ixdp_max_conns, 0644);
MODULE_PARM_DESC(max_conns,
		 "Connection slots of each dataplane core added from now on (64-4194304, default 65536)");

u32 ixdp_config_max_conns(void)
{
	return READ_ONCE(ixdp_max_conns);
}

void ixdp_config_get(struct ixdp_config *cfg)
{
	cfg->batch = READ_ONCE(ixdp_batch);
	cfg->poll_us = READ_ONCE(ixdp_poll_us);
	cfg->run_grace_us = READ_ONCE(ixdp_run_grace_us);
}

static int config_check(const struct ixdp_config *cfg,
			struct netlink_ext_ack *extack)
{
	if (cfg->batch < IXDP_BATCH_MIN || cfg->batch > IXDP_BATCH_MAX) {
		NL_SET_ERR_MSG(extack, "batch must be between 1 and 64");
		return -ERANGE;
	}
	if (cfg->poll_us > IXDP_POLL_US_MAX) {
		NL_SET_ERR_MSG(extack, "poll_us must be at most 10000");
		return -ERANGE;
	}
	if (cfg->run_grace_us < IXDP_RUN_GRACE_US_MIN ||
	    cfg->run_grace_us > IXDP_RUN_GRACE_US_MAX) {
		NL_SET_ERR_MSG(extack,
			       "run_grace_us must be between 100 and 1000000");
		return -ERANGE;
	}
	return 0;
}

/**
 * ixdp_config_update() - change some tunables, all or nothing
 * @mask:	IXDP_CFG_* bits naming the fields of @vals to apply
 * @vals:	new values; fields outside @mask are ignored
 * @out:	if not NULL, receives the configuration now in force
 * @extack:	where a refusal is explained
 */
int ixdp_config_update(u32 mask, const struct ixdp_config *vals,
		       struct ixdp_config *out, struct netlink_ext_ack *extack)
{
	struct ixdp_config cfg;
	int err;

	mutex_lock(&config_lock);
	ixdp_config_get(&cfg);
	if (mask & IXDP_CFG_BATCH)
		cfg.batch = vals->batch;
	if (mask & IXDP_CFG_POLL_US)
		cfg.poll_us = vals->poll_us;
	if (mask & IXDP_CFG_RUN_GRACE_US)
		cfg.run_grace_us = vals->run_grace_us;
	err = config_check(&cfg, extack);
	if (!err) {
		WRITE_ONCE(ixdp_batch, cfg.batch);
		WRITE_ONCE(ixdp_poll_us, cfg.poll_us);
		WRITE_ONCE(ixdp_run_grace_us, cfg.run_grace_us);
		if (out)
			*out = cfg;
	}
	mutex_unlock(&config_lock);
	return err;
}
