// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: a netdev handed to ixdp together with one IPv4 address that ixdp
 * owns on it. Attaching registers the receive handler and turns the
 * device's GRO, hardware GRO and LRO off (ixdp wants wire-sized frames);
 * detaching stops the cores and restores the device exactly. Where the
 * flow groups go is published by ixdp_port_publish(), which also
 * programs the NIC's RSS indirection table where the driver allows it.
 *
 * Locking: callers hold the control lock (ixdp_core_lock); this file
 * takes rtnl itself, only around netdev operations, after it (ctl.c).
 * The netdev notifier runs under rtnl and so must not take the control
 * lock: when the device goes away it unhooks the receive handler and
 * leaves the rest of the detach to a work item that takes the locks in
 * order. Under rtnl, a device whose reg_state is no longer
 * NETREG_REGISTERED is left alone.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <net/route.h>

#include "dataplane.h"

#define IXDP_PORT_FEATURES	(NETIF_F_GRO | NETIF_F_GRO_HW | NETIF_F_LRO)

/* Written under both the control lock and rtnl, read under either. */
static struct ixdp_port *the_port;

struct ixdp_port *ixdp_port_get(void)
{
	lockdep_assert_held(&ixdp_core_lock);
	return the_port;
}

/* The core of @port on @cpu, or NULL (also when @port is NULL). */
struct ixdp_core *ixdp_port_core_on(const struct ixdp_port *port,
				    unsigned int cpu)
{
	unsigned int i;

	lockdep_assert_held(&ixdp_core_lock);
	for (i = 0; port && i < port->ndp; i++)
		if (port->dp[i]->cpu == cpu)
			return port->dp[i];
	return NULL;
}

/* The device is still ours to change (under rtnl). */
static bool port_dev_alive(const struct ixdp_port *port)
{
	ASSERT_RTNL();
	return port->dev->reg_state == NETREG_REGISTERED;
}

/* Is @addr one of Linux's own addresses in @net? */
static bool addr_used_by_linux(struct net *net, __be32 addr)
{
	struct net_device *dev;
	bool used;

	rcu_read_lock();
	dev = __ip_dev_find(net, addr, false);
	used = !!dev;
	rcu_read_unlock();
	return used;
}

/*
 * Learn the NIC's RSS key so the software hash agrees with the NIC's.
 * Without one, ixdp uses the well-known default key.
 */
static void port_read_rss_key(struct ixdp_port *port)
{
	const struct ethtool_ops *ops = port->dev->ethtool_ops;
	u8 key[IX_RSS_KEY_LEN];

	memcpy(port->rss_key, ix_toeplitz_default_key, IX_RSS_KEY_LEN);
	if (!ops || !ops->get_rxfh || !ops->get_rxfh_key_size ||
	    ops->get_rxfh_key_size(port->dev) != IX_RSS_KEY_LEN)
		return;
	if (!ixdp_compat_get_rxfh_key(port->dev, key))
		memcpy(port->rss_key, key, IX_RSS_KEY_LEN);
}

static int port_attach(struct ixdp_port *port, struct net *net,
		       const char *ifname, struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	dev = __dev_get_by_name(net, ifname);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device");
		return -ENODEV;
	}
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN ||
	    (dev->flags & IFF_LOOPBACK)) {
		NL_SET_ERR_MSG(extack, "not an Ethernet device");
		return -EOPNOTSUPP;
	}
	if (dev->mtu > ETH_DATA_LEN) {
		NL_SET_ERR_MSG(extack, "MTU above 1500 is not supported");
		return -EOPNOTSUPP;
	}
	err = netdev_rx_handler_register(dev, ixdp_rx_handler, port);
	if (err) {
		NL_SET_ERR_MSG(extack, "the device already has a receive handler");
		return err;
	}
	netdev_hold(dev, &port->dev_tracker, GFP_KERNEL);
	port->dev = dev;
	port->saved_features = dev->wanted_features & IXDP_PORT_FEATURES;
	dev->wanted_features &= ~IXDP_PORT_FEATURES;
	netdev_update_features(dev);
	port_read_rss_key(port);
	the_port = port;
	return 0;
}

int ixdp_port_add(struct net *net, const char *ifname, __be32 addr, u8 prefix,
		  struct netlink_ext_ack *extack)
{
	struct ixdp_port *port;
	int err;

	lockdep_assert_held(&ixdp_core_lock);
	if (the_port) {
		NL_SET_ERR_MSG(extack, "a port is already attached (one at a time)");
		return -EBUSY;
	}
	if (ipv4_is_multicast(addr) || ipv4_is_lbcast(addr) ||
	    ipv4_is_zeronet(addr) || ipv4_is_loopback(addr)) {
		NL_SET_ERR_MSG(extack, "not a unicast IPv4 address");
		return -EINVAL;
	}
	if (addr_used_by_linux(net, addr)) {
		NL_SET_ERR_MSG(extack, "Linux already uses this address");
		return -EADDRINUSE;
	}

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port)
		return -ENOMEM;
	port->rx_stats = alloc_percpu(struct ixdp_rx_stats);
	port->spare = kzalloc(sizeof(*port->spare), GFP_KERNEL);
	if (!port->rx_stats || !port->spare) {
		err = -ENOMEM;
		goto err_free;
	}
	ixdp_rx_stats_init(port);
	port->addr = addr;
	port->prefix = prefix;
	port->nfg = IX_FG_DEFAULT;
	/* One key for all cores: SYN cookies stay valid across moves. */
	get_random_bytes(port->secret, sizeof(port->secret));

	rtnl_lock();
	err = port_attach(port, net, ifname, extack);
	rtnl_unlock();
	if (err)
		goto err_free;
	netdev_info(port->dev, "ixdp owns %pI4/%u on this device\n", &addr,
		    prefix);
	return 0;

err_free:
	free_percpu(port->rx_stats);
	kfree(port->spare);
	kfree(port);
	return err;
}

/* Put the driver's default table back (what ethtool -X equal N gives). */
static void port_restore_rss(struct ixdp_port *port)
{
	const struct ethtool_ops *ops = port->dev->ethtool_ops;
	u32 *indir, size, i, nq = port->dev->real_num_rx_queues;

	size = ops->get_rxfh_indir_size(port->dev);
	indir = kcalloc(size, sizeof(*indir), GFP_KERNEL);
	if (!indir)
		return;
	for (i = 0; i < size; i++)
		indir[i] = ethtool_rxfh_indir_default(i, nq);
	ixdp_compat_set_rxfh_indir(port->dev, indir, size);
	kfree(indir);
}

/* Undo what port_attach() did to a device that is still registered. */
static void port_restore_dev(struct ixdp_port *port)
{
	struct net_device *dev = port->dev;

	ASSERT_RTNL();
	if (!port_dev_alive(port))
		return;
	if (port->rss)
		port_restore_rss(port);
	dev->wanted_features |= port->saved_features;
	netdev_update_features(dev);
}

/* Release the port (the_port) and stop its cores: control lock held. */
static void port_detach(struct ixdp_port *port)
{
	struct net_device *dev = port->dev;
	struct ixdp_map *map;
	unsigned int i;

	lockdep_assert_held(&ixdp_core_lock);
	rtnl_lock();
	/* The notifier may have unhooked it already (device unregistering). */
	if (port_dev_alive(port))
		netdev_rx_handler_unregister(dev);
	the_port = NULL;
	rtnl_unlock();
	/* No receive handler runs any more, none will push to a ring. */
	synchronize_net();
	for (i = port->ndp; i-- > 0;) {
		ixdp_core_destroy(port->dp[i]);
		port->dp[i] = NULL;
	}
	port->ndp = 0;
	map = rcu_dereference_protected(port->map, true);
	RCU_INIT_POINTER(port->map, NULL);
	kfree(map);
	kfree(port->spare);

	rtnl_lock();
	port_restore_dev(port);
	rtnl_unlock();
	netdev_info(dev, "ixdp released %pI4\n", &port->addr);
	netdev_put(dev, &port->dev_tracker);
	free_percpu(port->rx_stats);
	kfree(port);
}

int ixdp_port_del(const char *ifname, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&ixdp_core_lock);
	if (!the_port || strcmp(the_port->dev->name, ifname)) {
		NL_SET_ERR_MSG(extack, "no ixdp port on this device");
		return -ENODEV;
	}
	port_detach(the_port);
	return 0;
}

/*
 * Point the NIC's indirection table entry of each flow group at the RX
 * queue of the group's owner. Returns 0 when the NIC steers, an error
 * when the driver offers no table of the right size (frames then follow
 * transmit or are handed over between cores).
 */
static int port_program_rss(struct ixdp_port *port, const struct ixdp_map *map)
{
	const struct ethtool_ops *ops = port->dev->ethtool_ops;
	u32 *indir, size, i;
	int err;

	ASSERT_RTNL();
	if (!port_dev_alive(port))
		return -ENODEV;
	if (!ops || !ops->set_rxfh || !ops->get_rxfh_indir_size)
		return -EOPNOTSUPP;
	size = ops->get_rxfh_indir_size(port->dev);
	if (!size || size % port->nfg)
		return -EOPNOTSUPP;
	indir = kcalloc(size, sizeof(*indir), GFP_KERNEL);
	if (!indir)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		indir[i] = map->dp[map->fg_owner[i % port->nfg]]->rxq;
	err = ixdp_compat_set_rxfh_indir(port->dev, indir, size);
	kfree(indir);
	return err;
}

/* The owner (core slot) of every flow group, as the receive path sees it. */
void ixdp_port_owners(const struct ixdp_port *port, u8 *owner)
{
	const struct ixdp_map *map;

	lockdep_assert_held(&ixdp_core_lock);
	map = rcu_dereference_protected(port->map,
					lockdep_is_held(&ixdp_core_lock));
	if (map)
		memcpy(owner, map->fg_owner, IX_FG_MAX);
	else
		memset(owner, 0, IX_FG_MAX);
}

static void port_install(struct ixdp_port *port, struct ixdp_map *map,
			 const u8 *owner)
{
	struct ixdp_map *old;
	unsigned int i;
	bool arp = false;

	map->ndp = port->ndp;
	for (i = 0; i < port->ndp; i++) {
		map->dp[i] = port->dp[i];
		if (port->dp[i]->parked)
			continue;
		map->active |= BIT_ULL(i);
		if (!arp) {
			map->arp_dp = i;
			arp = true;
		}
	}
	memcpy(map->fg_owner, owner, IX_FG_MAX);

	rtnl_lock();
	port->rss = port->ndp && !port_program_rss(port, map);
	rtnl_unlock();

	old = rcu_dereference_protected(port->map,
					lockdep_is_held(&ixdp_core_lock));
	rcu_assign_pointer(port->map, map);
	if (old)
		kfree_rcu(old, rcu);
}

/*
 * Publish the port's cores and @owner (flow group -> core slot) to the
 * receive path and steer the NIC's table the same way. The cores' own
 * idea of what they own is the migration protocol's business (fgmove.c):
 * this only says where frames go. Readers of the old map may still run
 * when it returns (callers synchronize_net() where that matters).
 */
int ixdp_port_publish(struct ixdp_port *port, const u8 *owner)
{
	struct ixdp_map *map;

	lockdep_assert_held(&ixdp_core_lock);
	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	port_install(port, map, owner);
	return 0;
}

/*
 * Make sure the next ixdp_port_publish_reserved() cannot fail: a step
 * that must not fail (undoing a move) reserves its map beforehand.
 */
int ixdp_port_reserve(struct ixdp_port *port)
{
	lockdep_assert_held(&ixdp_core_lock);
	if (!port->spare)
		port->spare = kzalloc(sizeof(*port->spare), GFP_KERNEL);
	return port->spare ? 0 : -ENOMEM;
}

/* ixdp_port_publish() with the map ixdp_port_reserve() set aside. */
void ixdp_port_publish_reserved(struct ixdp_port *port, const u8 *owner)
{
	struct ixdp_map *map = port->spare;

	lockdep_assert_held(&ixdp_core_lock);
	if (WARN_ON_ONCE(!map))
		return;
	port->spare = NULL;
	memset(map, 0, sizeof(*map));
	port_install(port, map, owner);
}

static void port_gone(struct work_struct *work);
static DECLARE_WORK(port_gone_work, port_gone);

static int ixdp_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct ixdp_port *port;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	/*
	 * Under rtnl, which comes after the control lock: unhook the
	 * receive handler now, stop the cores and drop the device from the
	 * work item (unregistering waits for that reference).
	 */
	port = the_port;
	if (port && port->dev == dev) {
		netdev_rx_handler_unregister(dev);
		schedule_work(&port_gone_work);
	}
	return NOTIFY_DONE;
}

/* The port's device is unregistering: detach what is left. */
static void port_gone(struct work_struct *work)
{
	struct ixdp_port *port;
	bool gone;

	mutex_lock(&ixdp_core_lock);
	port = the_port;
	if (port) {
		rtnl_lock();
		gone = !port_dev_alive(port);
		rtnl_unlock();
		if (gone)
			port_detach(port);
	}
	mutex_unlock(&ixdp_core_lock);
}

static struct notifier_block ixdp_netdev_nb = {
	.notifier_call = ixdp_netdev_event,
};

int ixdp_port_init(void)
{
	return register_netdevice_notifier(&ixdp_netdev_nb);
}

void ixdp_port_uninit(void)
{
	unregister_netdevice_notifier(&ixdp_netdev_nb);
	flush_work(&port_gone_work);
	mutex_lock(&ixdp_core_lock);
	if (the_port)
		port_detach(the_port);
	mutex_unlock(&ixdp_core_lock);
}
