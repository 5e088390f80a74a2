// SPDX-License-Identifier: GPL-2.0
/*
 * Orchestration of dataplane cores, for the netlink handlers: the control
 * lock, adding, deleting, parking and unparking a core, rebalancing the
 * flow groups, and refusing to take a dataplane CPU offline. The
 * mechanisms it combines sit below it: port.c (the receive map), core.c
 * (a core's kthread), fgmove.c (moving flow groups) and the core's
 * clients (the responder, application contexts).
 *
 * Locking. ixdp_core_lock (the control lock, ixdp_ctl_lock()) guards all
 * of ixdp's own state. rtnl is not part of it: port.c takes it inside,
 * only around netdev operations (receive handler, features, RSS table),
 * so the lock order is ixdp_core_lock, then rtnl; the netdev notifier,
 * called under rtnl, never takes ixdp_core_lock (port.c). Flow-group
 * moves and requests to the kthreads therefore never hold rtnl.
 *
 * CPU hotplug. A CPU that runs a dataplane core (parked or not) cannot
 * go offline: the core owns flow groups, connections and a NIC queue,
 * and a kthread bound to a dead CPU would run elsewhere, unnoticed. The
 * hotplug callback refuses with -EBUSY and logs which core to delete
 * first (ixctl core del). core.c keeps the set of those CPUs, which the
 * callback reads without the control lock (it runs under the hotplug
 * lock, which ixdp_ctl_core_add() takes inside the control lock, from
 * the check that the CPU is online to the start of the kthread).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/netlink.h>

#include "ixdp.h"
#include "app.h"

#define MSG_LAST_CORE "connections exist and no other core can take them"

static int ixdp_cpuhp_state = -1;

void ixdp_ctl_lock(void)
{
	mutex_lock(&ixdp_core_lock);
}

void ixdp_ctl_unlock(void)
{
	mutex_unlock(&ixdp_core_lock);
}

/* Did every flow group leave the core in @slot? */
static bool evacuated(const struct ixdp_port *port, unsigned int slot)
{
	u8 owner[IX_FG_MAX];
	u32 fg;

	ixdp_port_owners(port, owner);
	for (fg = 0; fg < port->nfg; fg++)
		if (owner[fg] == slot)
			return false;
	return true;
}

/*
 * Move every group of @dp to the other active cores. What counts is that
 * its own groups moved: a refusal among the other cores' moves (an
 * application's group) does not stop it.
 */
static int evacuate(struct ixdp_port *port, struct ixdp_core *dp,
		    ixdp_move_note_fn note, struct netlink_ext_ack *extack)
{
	struct ixdp_move_stats st = {};
	int err;

	err = ixdp_fgmove_balance(port, dp, &st, note, extack);
	if (evacuated(port, dp->slot))
		return 0;
	if (!err)
		NL_SET_ERR_MSG(extack, "some of its flow groups could not move");
	return err ?: -EBUSY;
}

/* The checks of a new core against the port, before anything changes. */
static int core_check(struct ixdp_port *port, unsigned int cpu, u16 rxq,
		      u16 txq, struct netlink_ext_ack *extack)
{
	const struct net_device *dev = port->dev;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		NL_SET_ERR_MSG(extack, "CPU is not online");
		return -EINVAL;
	}
	/*
	 * Cores may share a queue when the NIC has fewer queues than cores
	 * (e1000e has one): frames then reach their owner by handoff, and
	 * the driver's queue lock serialises the transmitters.
	 */
	if (rxq >= dev->real_num_rx_queues || txq >= dev->real_num_tx_queues) {
		NL_SET_ERR_MSG(extack, "the device has no such queue");
		return -EINVAL;
	}
	if (port->ndp >= IXDP_MAX_CORES) {
		NL_SET_ERR_MSG(extack, "too many dataplane cores");
		return -ENOSPC;
	}
	if (ixdp_port_core_on(port, cpu)) {
		NL_SET_ERR_MSG(extack, "a dataplane core already runs on this CPU");
		return -EEXIST;
	}
	return 0;
}

/* A core with its clients: application contexts first, the responder last. */
static struct ixdp_core *core_build(struct ixdp_port *port, unsigned int cpu,
				    u16 rxq, u16 txq,
				    struct netlink_ext_ack *extack)
{
	struct ixdp_core *dp;
	int err;

	dp = ixdp_core_create(port, cpu, rxq, txq, extack);
	if (IS_ERR(dp))
		return dp;
	dp->apps = ixdp_app_conn_table_alloc(dp->stack->cfg.nconn);
	if (!dp->apps) {
		ixdp_core_free(dp);
		return ERR_PTR(-ENOMEM);
	}
	ixdp_core_client_add(dp, &ixdp_app_client_ops);
	err = ixdp_responder_create(dp);
	if (err) {
		ixdp_core_free(dp);
		return ERR_PTR(err);
	}
	return dp;
}

/*
 * Start a core on @cpu. The first core of the port takes every flow
 * group; a later one starts with none (the caller rebalances, so that
 * the announcement of the core comes before those of the moves).
 */
int ixdp_ctl_core_add(struct ixdp_port *port, unsigned int cpu, u16 rxq,
		      u16 txq, struct netlink_ext_ack *extack)
{
	u8 owner[IX_FG_MAX];
	struct ixdp_core *dp;
	int err;

	lockdep_assert_held(&ixdp_core_lock);
	/*
	 * The CPU stays online until its core runs (ixdp_core_on_cpu()).
	 * Not held beyond: rtnl (publishing) nests outside the hotplug lock
	 * elsewhere in the kernel.
	 */
	cpus_read_lock();
	err = core_check(port, cpu, rxq, txq, extack);
	dp = err ? ERR_PTR(err) : core_build(port, cpu, rxq, txq, extack);
	if (!IS_ERR(dp)) {
		err = ixdp_core_start(dp);
		if (err)
			ixdp_core_free(dp);
	} else {
		err = PTR_ERR(dp);
	}
	cpus_read_unlock();
	if (err)
		return err;

	ixdp_port_owners(port, owner);
	port->dp[port->ndp++] = dp;
	if (port->ndp == 1) {
		memset(owner, 0, sizeof(owner));
		err = ixdp_core_own_all(dp);
	}
	err = err ?: ixdp_port_publish(port, owner);
	if (err) {
		port->dp[--port->ndp] = NULL;
		ixdp_core_destroy(dp);
		return err;
	}
	ixdp_core_start_stack(dp);
	ixdp_core_call(dp, ixdp_responder_apply, NULL);
	return 0;
}

/* Take @dp out of the port's table and the receive map, then stop it. */
static int core_remove(struct ixdp_port *port, struct ixdp_core *dp)
{
	unsigned int i, slot = dp->slot;
	u8 owner[IX_FG_MAX];
	int err;
	u32 fg;

	ixdp_port_owners(port, owner);
	for (fg = 0; fg < port->nfg; fg++)
		if (owner[fg] > slot)
			owner[fg]--;
	for (i = slot; i + 1 < port->ndp; i++) {
		port->dp[i] = port->dp[i + 1];
		port->dp[i]->slot = i;
	}
	port->dp[--port->ndp] = NULL;
	err = ixdp_port_publish(port, owner);
	if (err) {
		/* The old map still names it: put it back where it was. */
		for (i = port->ndp++; i > slot; i--) {
			port->dp[i] = port->dp[i - 1];
			port->dp[i]->slot = i;
		}
		port->dp[slot] = dp;
		dp->slot = slot;
		return err;
	}
	/* The old map may still be in use by a receive handler. */
	synchronize_net();
	ixdp_core_destroy(dp);
	return 0;
}

/*
 * Stop the core on @cpu. Its flow groups move to the other active cores
 * first, so its connections live on; only the last core may take
 * connections with it, and it refuses while any exist.
 */
int ixdp_ctl_core_del(struct ixdp_port *port, unsigned int cpu,
		      ixdp_move_note_fn note, struct netlink_ext_ack *extack)
{
	struct ixdp_core *dp;
	int err;

	lockdep_assert_held(&ixdp_core_lock);
	dp = ixdp_port_core_on(port, cpu);
	if (!dp) {
		NL_SET_ERR_MSG(extack, "no dataplane core on this CPU");
		return -ENOENT;
	}
	if (port->ndp == 1 && ixdp_core_connections(dp)) {
		NL_SET_ERR_MSG(extack, MSG_LAST_CORE);
		return -EBUSY;
	}
	if (port->ndp > 1) {
		err = evacuate(port, dp, note, extack);
		if (err)
			return err;
	}
	return core_remove(port, dp);
}

/*
 * Park: move every group away (spread over the other active cores),
 * then mark the core parked; it sleeps until unparked. Unpark: eligible
 * again, owning nothing until groups are moved to it.
 */
int ixdp_ctl_core_park(struct ixdp_port *port, struct ixdp_core *dp, bool park,
		       ixdp_move_note_fn note, struct netlink_ext_ack *extack)
{
	u8 owner[IX_FG_MAX];
	int err;

	lockdep_assert_held(&ixdp_core_lock);
	if (dp->parked == park)
		return 0;
	if (park) {
		err = evacuate(port, dp, note, extack);
		if (err)
			return err;
	}
	WRITE_ONCE(dp->parked, park);
	ixdp_port_owners(port, owner);
	err = ixdp_port_publish(port, owner);
	if (err) {
		WRITE_ONCE(dp->parked, !park);
		return err;
	}
	/* Let it see the new state: sleep for good, or poll again. */
	ixdp_core_kick(dp);
	return 0;
}

/* Spread the flow groups evenly over the active cores. */
int ixdp_ctl_rebalance(struct ixdp_port *port, ixdp_move_note_fn note,
		       struct ixdp_move_stats *st, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&ixdp_core_lock);
	return ixdp_fgmove_balance(port, NULL, st, note, extack);
}

/* The hotplug core takes @cpu down: refuse while a core runs there. */
static int ixdp_cpu_offline(unsigned int cpu)
{
	if (!ixdp_core_on_cpu(cpu))
		return 0;
	pr_warn("CPU %u runs a dataplane core: delete the core before taking the CPU offline\n",
		cpu);
	return -EBUSY;
}

int ixdp_ctl_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "net/ixdp:online",
					NULL, ixdp_cpu_offline);
	if (ret < 0)
		return ret;
	ixdp_cpuhp_state = ret;
	return 0;
}

void ixdp_ctl_uninit(void)
{
	if (ixdp_cpuhp_state >= 0)
		cpuhp_remove_state_nocalls(ixdp_cpuhp_state);
	ixdp_cpuhp_state = -1;
}
