// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry and exit: bring the subsystems up in dependency order,
 * the user-facing interfaces (/dev/ixdp, the genl family) last, and take
 * them down in exactly the reverse order, those interfaces first.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "ixdp.h"
#include "dataplane.h"

static int __init ixdp_mod_init(void)
{
	int err;

	err = ix_plat_init();
	if (err)
		return err;
	ixdp_fgmove_init();

	err = ixdp_port_init();
	if (err)
		goto err_port;

	err = ixdp_ctl_init();
	if (err)
		goto err_ctl;

	err = ixdp_netlink_init();
	if (err)
		goto err_netlink;

	err = ixdp_chardev_init();
	if (err)
		goto err_chardev;

	pr_info("version %s loaded (abi %u)\n", IXDP_VERSION, IXDP_ABI_VERSION);
	return 0;

err_chardev:
	ixdp_netlink_uninit();
err_netlink:
	ixdp_ctl_uninit();
err_ctl:
	ixdp_port_uninit();
err_port:
	ixdp_fgmove_uninit();
	ix_plat_exit();
	return err;
}

static void __exit ixdp_mod_exit(void)
{
	ixdp_chardev_uninit();
	ixdp_netlink_uninit();
	ixdp_ctl_uninit();
	ixdp_port_uninit();
	ixdp_fgmove_uninit();
	ix_plat_exit();
	pr_info("unloaded\n");
}

module_init(ixdp_mod_init);
module_exit(ixdp_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ixdp: protected run-to-completion TCP/IP dataplane");
MODULE_AUTHOR("The ixdp developers");
MODULE_VERSION(IXDP_VERSION);
MODULE_ALIAS_GENL_FAMILY(IXDP_GENL_NAME);
