// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ixdp: the device node, the version ioctl and how bad ioctl input
 * is refused.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ixdp.h>

#include "ksft.h"

#define DEV_PATH "/dev/" IXDP_DEV_NAME

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++)
			return false;
	return true;
}

/* The node exists, is a character device and is private to root. */
static void test_node(void)
{
	struct stat st;
	bool ok;

	ok = stat(DEV_PATH, &st) == 0 && S_ISCHR(st.st_mode) &&
	     (st.st_mode & 0777) == 0660 && st.st_uid == 0;
	if (!ok)
		ksft_print_msg("stat %s: mode %o uid %u\n", DEV_PATH,
			       (unsigned int)st.st_mode, (unsigned int)st.st_uid);
	ksft_test_result(ok, "%s is a character device of root, mode 0660 (a udev rule gives the group)",
			 DEV_PATH);
}

static void test_version(int fd)
{
	struct ixdp_version_info info;
	int err;
	bool ok;

	memset(&info, 0, sizeof(info));
	err = xioctl(fd, IXDP_IOC_VERSION, &info);
	ok = !err && info.abi_version == IXDP_ABI_VERSION &&
	     info.features == (IXDP_FEAT_RUN | IXDP_FEAT_RECV_ACKED |
				IXDP_FEAT_SEND_DONE | IXDP_FEAT_RX_CHUNKS |
				IXDP_FEAT_HANDOFF | IXDP_FEAT_MOVE) &&
	     info.module_version[0] != '\0' &&
	     memchr(info.module_version, '\0', sizeof(info.module_version)) &&
	     !info.flags && all_zero(info.resv, sizeof(info.resv));
	if (!err)
		ksft_print_msg("abi %u features %#llx version %.32s\n",
			       info.abi_version,
			       (unsigned long long)info.features,
			       info.module_version);
	ksft_test_result(ok, "IXDP_IOC_VERSION reports abi, features, version");
}

static void test_unknown_ioctls(int fd)
{
	uint32_t small = 0;
	struct ixdp_version_info info = {};

	ksft_expect_err(xioctl(fd, _IO(IXDP_IOC_MAGIC, 0x7f), NULL), -ENOTTY,
			"unknown ixdp ioctl number gets -ENOTTY");
	ksft_expect_err(xioctl(fd, _IOWR(IXDP_IOC_MAGIC, 0x00, uint32_t),
			       &small), -ENOTTY,
			"version ioctl with a wrong size gets -ENOTTY");
	ksft_expect_err(xioctl(fd, _IOWR('T', 0x00, struct ixdp_version_info),
			       &info), -ENOTTY,
			"foreign ioctl magic gets -ENOTTY");
}

static void test_bad_arguments(int fd)
{
	struct ixdp_version_info info;
	void *ro;
	int err;

	ksft_expect_err(xioctl(fd, IXDP_IOC_VERSION, NULL), -EFAULT,
			"NULL argument gets -EFAULT");
	ksft_expect_err(xioctl(fd, IXDP_IOC_VERSION, (void *)8), -EFAULT,
			"unmapped argument gets -EFAULT");

	/* Readable but not writable: the copy-out must fail cleanly. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		ksft_test_result(false, "read-only argument gets -EFAULT (mmap)");
	} else {
		err = xioctl(fd, IXDP_IOC_VERSION, ro);
		ksft_expect_err(err, -EFAULT, "read-only argument gets -EFAULT");
		munmap(ro, 4096);
	}

	memset(&info, 0, sizeof(info));
	info.flags = 1;
	err = xioctl(fd, IXDP_IOC_VERSION, &info);
	ksft_expect_err(err, -EINVAL, "non-zero flags get -EINVAL");
	ksft_test_result(info.abi_version == 0 && info.flags == 1,
			 "a refused ioctl leaves the argument untouched");

	memset(&info, 0, sizeof(info));
	info.resv[3] = 1ULL << 63;
	ksft_expect_err(xioctl(fd, IXDP_IOC_VERSION, &info), -EINVAL,
			"non-zero reserved field gets -EINVAL");
}

/* An unprivileged process cannot open the device at all. */
static void test_unprivileged_open(void)
{
	pid_t pid;
	int status = 0;

	pid = fork();
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		/* Control: the same user can open a world-writable node. */
		if (open("/dev/null", O_RDWR) < 0)
			_exit(3);
		fd = open(DEV_PATH, O_RDWR);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "open by an unprivileged user gets -EACCES");
}

int main(void)
{
	int fd;

	ksft_print_header();
	test_node();

	fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (!ksft_test_result(fd >= 0, "open %s", DEV_PATH)) {
		ksft_print_msg("open: %s\n", strerror(errno));
		return ksft_finish();
	}
	test_version(fd);
	test_unknown_ioctls(fd);
	test_bad_arguments(fd);
	test_unprivileged_open();
	close(fd);
	return ksft_finish();
}
