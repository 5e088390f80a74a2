// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ixdp: the character device applications open to reach the
 * dataplane. Every ioctl argument is copied in whole, validated (unknown
 * flags and non-zero reserved fields are refused) and only then acted on.
 */
#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ixdp.h"

static long ioctl_version(void __user *argp)
{
	struct ixdp_version_info info;

	if (copy_from_user(&info, argp, sizeof(info)))
		return -EFAULT;
	if (info.flags || !mem_is_zero(info.resv, sizeof(info.resv)))
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.abi_version = IXDP_ABI_VERSION;
	info.features = IXDP_FEATURES;
	strscpy(info.module_version, IXDP_VERSION, sizeof(info.module_version));

	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long ixdp_chardev_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case IXDP_IOC_VERSION:
		return ioctl_version(argp);
	case IXDP_IOC_ATTACH:
		return ixdp_app_attach(file->private_data, argp,
				       ixdp_nl_announce_app);
	case IXDP_IOC_WAKE:
		return ixdp_app_wake(file->private_data, arg);
	case IXDP_IOC_RUN:
		return ixdp_app_run(file->private_data, argp);
	}
	return -ENOTTY;
}

/* Each open file is one application context. */
static int ixdp_chardev_open(struct inode *inode, struct file *file)
{
	file->private_data = ixdp_app_create();
	if (!file->private_data)
		return -ENOMEM;
	return stream_open(inode, file);
}

static int ixdp_chardev_release(struct inode *inode, struct file *file)
{
	ixdp_app_destroy(file->private_data, ixdp_nl_announce_app);
	return 0;
}

static int ixdp_chardev_mmap(struct file *file, struct vm_area_struct *vma)
{
	return ixdp_app_mmap(file->private_data, vma);
}

static __poll_t ixdp_chardev_poll(struct file *file, poll_table *wait)
{
	return ixdp_app_poll(file->private_data, file, wait);
}

static const struct file_operations ixdp_fops = {
	.owner		= THIS_MODULE,
	.open		= ixdp_chardev_open,
	.release	= ixdp_chardev_release,
	.mmap		= ixdp_chardev_mmap,
	.poll		= ixdp_chardev_poll,
	.unlocked_ioctl	= ixdp_chardev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice ixdp_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= IXDP_DEV_NAME,
	.fops	= &ixdp_fops,
	/* The group comes from udev (scripts/60-ixdp.rules). */
	.mode	= 0660,
};

int ixdp_chardev_init(void)
{
	/* The layout is ABI: pin it. */
	BUILD_BUG_ON(sizeof(struct ixdp_version_info) != 80);
	BUILD_BUG_ON(offsetof(struct ixdp_version_info, features) != 8);
	BUILD_BUG_ON(offsetof(struct ixdp_version_info, module_version) != 16);
	BUILD_BUG_ON(offsetof(struct ixdp_version_info, resv) != 48);
	BUILD_BUG_ON(sizeof(struct ixdp_ring_offsets) != 64);
	BUILD_BUG_ON(sizeof(struct ixdp_attach) != 128);
	BUILD_BUG_ON(offsetof(struct ixdp_attach, off) != 32);
	BUILD_BUG_ON(sizeof(struct ixdp_cmd) != 64);
	BUILD_BUG_ON(sizeof(struct ixdp_event) != 48);
	BUILD_BUG_ON(offsetof(struct ixdp_attach, max_conns) != 96);
	BUILD_BUG_ON(sizeof(struct ixdp_iov) != 16);
	BUILD_BUG_ON(offsetof(struct ixdp_cmd, arg) != 24);
	BUILD_BUG_ON(offsetof(struct ixdp_event, arg) != 24);
	BUILD_BUG_ON(sizeof(struct ixdp_run) != 48);
	BUILD_BUG_ON(offsetof(struct ixdp_run, events) != 16);
	BUILD_BUG_ON(offsetof(struct ixdp_run, resv) != 32);

	return misc_register(&ixdp_miscdev);
}

void ixdp_chardev_uninit(void)
{
	misc_deregister(&ixdp_miscdev);
}
