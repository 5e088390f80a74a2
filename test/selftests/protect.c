// SPDX-License-Identifier: GPL-2.0
/*
 * Protection invariant 1 (Documentation/abi.rst, "Shared regions"):
 * nothing the dataplane trusts is writable by the application. The CQ
 * region (kernel indices, flags, events) and the RX arena are mapped
 * read-only, and no store, mmap, mprotect, /proc/self/mem write, ptrace
 * poke, mremap, madvise or fork yields a writable view; the SQ region
 * and the TX arena stay usable. Also: IXDP_IOC_ATTACH validates its
 * argument.
 *
 * Needs a dataplane core on CPU 0 (the stage script creates one).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ixdp.h>

#include "ksft.h"

static int attach(int fd, struct ixdp_attach *a)
{
	return ioctl(fd, IXDP_IOC_ATTACH, a) < 0 ? -errno : 0;
}

static void test_attach_validation(void)
{
	struct ixdp_attach a;
	int fd = open("/dev/ixdp", O_RDWR | O_CLOEXEC);

	memset(&a, 0, sizeof(a));
	/* The lowest bit past the known ones (they start at bit 0). */
	a.flags = ~IXDP_ATTACH_FLAGS & (IXDP_ATTACH_FLAGS + 1);
	ksft_expect_err(attach(fd, &a), -EINVAL,
			"attach with an unknown flag gets -EINVAL");
	a.flags = IXDP_ATTACH_FLAGS | 1U << 31;
	ksft_expect_err(attach(fd, &a), -EINVAL,
			"attach with a known and an unknown flag gets -EINVAL");
	memset(&a, 0, sizeof(a));
	a.resv[1] = 1;
	ksft_expect_err(attach(fd, &a), -EINVAL,
			"attach with a reserved field gets -EINVAL");
	memset(&a, 0, sizeof(a));
	a.resv0 = 1;
	ksft_expect_err(attach(fd, &a), -EINVAL,
			"attach with resv0 set gets -EINVAL");
	memset(&a, 0, sizeof(a));
	a.ctx_id = 1;
	ksft_expect_err(attach(fd, &a), -EINVAL,
			"attach with the output ctx_id set gets -EINVAL");
	memset(&a, 0, sizeof(a));
	a.cmd_entries = 100;
	ksft_expect_err(attach(fd, &a), -EINVAL,
			"attach with a ring size not a power of two gets -EINVAL");
	memset(&a, 0, sizeof(a));
	a.rx_arena = IXDP_ARENA_MAX + 1;
	ksft_expect_err(attach(fd, &a), -EINVAL,
			"attach with an oversized arena gets -EINVAL");
	memset(&a, 0, sizeof(a));
	a.cpu = 1000;
	ksft_expect_err(attach(fd, &a), -ENOENT,
			"attach to a CPU without a core gets -ENOENT");
	ksft_expect_err(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			     IXDP_OFF_CQ) == MAP_FAILED ? -errno : 0, -EINVAL,
			"mmap before attach gets -EINVAL");
	close(fd);
}

/* Run @fn in a child; true if it died of SIGSEGV. */
static bool dies_of_segv(void (*fn)(void *), void *arg)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

static void store(void *p)
{
	*(volatile uint32_t *)p = 0xdeadbeef;
}

static void load(void *p)
{
	(void)*(volatile uint32_t *)p;
}

struct regions {
	int fd;
	struct ixdp_attach a;
	uint8_t *sq, *cq, *rx, *tx;
};

static void *map(struct regions *r, size_t len, int prot, int flags,
		 uint64_t off)
{
	void *p = mmap(NULL, len, prot, flags, r->fd, off);

	return p == MAP_FAILED ? NULL : p;
}

/* The same process writes its own read-only page through the kernel. */
static int proc_mem_write(void *addr)
{
	uint32_t v = 0x41414141;
	int fd = open("/proc/self/mem", O_RDWR);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pwrite(fd, &v, sizeof(v), (off_t)(uintptr_t)addr);
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/*
 * A traced child maps the CQ itself (regions are not inherited) and
 * stops; the parent peeks (allowed) and pokes (refused).
 */
static void test_ptrace(struct regions *r)
{
	int status, pipefd[2];
	uintptr_t addr = 0;
	long peek, poke;
	pid_t pid;

	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		void *cq = mmap(NULL, r->a.cq_size, PROT_READ, MAP_SHARED,
				r->fd, IXDP_OFF_CQ);

		addr = cq == MAP_FAILED ? 0 : (uintptr_t)cq;
		if (write(pipefd[1], &addr, sizeof(addr)) != sizeof(addr))
			_exit(2);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	if (read(pipefd[0], &addr, sizeof(addr)) != sizeof(addr))
		addr = 0;
	waitpid(pid, &status, 0);
	errno = 0;
	peek = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, NULL);
	peek = errno ? -errno : 0;
	poke = ptrace(PTRACE_POKEDATA, pid, (void *)addr, (void *)0x4242L);
	poke = poke < 0 ? -errno : 0;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(pipefd[0]);
	close(pipefd[1]);
	ksft_test_result(addr && peek == 0,
			 "ptrace PEEKDATA reads the CQ of a traced child");
	ksft_test_result(addr && poke != 0,
			 "ptrace POKEDATA cannot write the CQ (%ld)", poke);
}

int main(void)
{
	struct ixdp_attach again;
	struct regions r = {};
	uint8_t *moved, *q;
	bool ok;

	ksft_print_header();
	test_attach_validation();

	r.fd = open("/dev/ixdp", O_RDWR | O_CLOEXEC);
	if (!ksft_test_result(r.fd >= 0 && attach(r.fd, &r.a) == 0 &&
			      r.a.sq_size && r.a.cq_size,
			      "attach to the core on CPU 0 with defaults"))
		return ksft_finish();
	ksft_print_msg("cmd %u ev %u rx %u tx %u sq %u cq %u\n",
		       r.a.cmd_entries, r.a.ev_entries, r.a.rx_arena,
		       r.a.tx_arena, r.a.sq_size, r.a.cq_size);
	memset(&again, 0, sizeof(again));
	ksft_expect_err(attach(r.fd, &again), -EBUSY,
			"a second attach of the same file gets -EBUSY");

	r.sq = map(&r, r.a.sq_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   IXDP_OFF_SQ);
	r.cq = map(&r, r.a.cq_size, PROT_READ, MAP_SHARED, IXDP_OFF_CQ);
	r.rx = map(&r, r.a.rx_arena, PROT_READ, MAP_SHARED, IXDP_OFF_RX_ARENA);
	r.tx = map(&r, r.a.tx_arena, PROT_READ | PROT_WRITE, MAP_SHARED,
		   IXDP_OFF_TX_ARENA);
	ksft_test_result(r.sq && r.cq && r.rx && r.tx,
			 "the four regions map with their own permissions");
	if (!(r.sq && r.cq && r.rx && r.tx))
		return ksft_finish();

	/*
	 * The writable regions work and keep what was written. The store
	 * goes to a command slot, not to cmd_tail: a core that happens to be
	 * awake (a slow or busy machine) would take the published commands
	 * and move cmd_head, which the CQ check below expects untouched.
	 */
	memset(r.tx, 0x5a, r.a.tx_arena);
	*(volatile uint32_t *)(r.sq + r.a.off.cmds) = 7;
	ok = r.tx[r.a.tx_arena - 1] == 0x5a &&
	     *(volatile uint32_t *)(r.sq + r.a.off.cmds) == 7;
	ksft_test_result(ok, "SQ and TX arena are writable");
	ksft_test_result(*(volatile uint32_t *)(r.cq + r.a.off.ev_tail) == 0 &&
			 r.rx[0] == 0, "CQ and RX arena are readable");

	ksft_test_result(dies_of_segv(store, r.cq + r.a.off.ev_tail),
			 "a store to the CQ kills the writer with SIGSEGV");
	ksft_test_result(dies_of_segv(store, r.rx + 4096),
			 "a store to the RX arena kills the writer with SIGSEGV");

	ksft_expect_err(map(&r, r.a.cq_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			    IXDP_OFF_CQ) ? 0 : -errno, -EACCES,
			"mmap of the CQ for writing gets -EACCES");
	ksft_expect_err(map(&r, r.a.rx_arena, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE, IXDP_OFF_RX_ARENA) ? 0 : -errno,
			-EACCES, "a private writable mmap of the RX arena gets -EACCES");
	ksft_expect_err(mprotect(r.cq, r.a.cq_size, PROT_READ | PROT_WRITE) ?
			-errno : 0, -EACCES, "mprotect of the CQ to writable gets -EACCES");
	ksft_expect_err(mprotect(r.rx, r.a.rx_arena, PROT_READ | PROT_WRITE) ?
			-errno : 0, -EACCES,
			"mprotect of the RX arena to writable gets -EACCES");
	ksft_expect_err(proc_mem_write(r.cq), -EIO,
			"/proc/self/mem cannot write the CQ");
	ksft_expect_err(proc_mem_write(r.rx), -EIO,
			"/proc/self/mem cannot write the RX arena");
	ksft_test_result(*(volatile uint32_t *)r.cq == 0,
			 "the CQ still holds what the kernel wrote");
	test_ptrace(&r);

	/* mremap: no growth; a moved mapping is as read-only as before. */
	ksft_test_result(mremap(r.cq, r.a.cq_size, r.a.cq_size * 2, 0) ==
			 MAP_FAILED, "mremap cannot grow the CQ");
	q = mmap(NULL, r.a.cq_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	moved = mremap(r.cq, r.a.cq_size, r.a.cq_size,
		       MREMAP_MAYMOVE | MREMAP_FIXED, q);
	ok = moved != MAP_FAILED;
	if (ok)
		r.cq = moved;
	ksft_test_result(ok && mprotect(r.cq, r.a.cq_size,
					PROT_READ | PROT_WRITE) && errno == EACCES &&
			 dies_of_segv(store, r.cq),
			 "a moved CQ is still read-only");

	/* madvise: dropping the pages brings back the kernel's, still RO. */
	ok = !madvise(r.rx, r.a.rx_arena, MADV_DONTNEED) && r.rx[0] == 0;
	ksft_test_result(ok && dies_of_segv(store, r.rx),
			 "after MADV_DONTNEED the RX arena is the kernel's, read-only");

	/* fork: not inherited; undone with MADV_DOFORK, still read-only. */
	ksft_test_result(dies_of_segv(load, r.cq),
			 "a forked child does not inherit the CQ mapping");
	ok = !madvise(r.cq, r.a.cq_size, MADV_DOFORK);
	ksft_test_result(ok && dies_of_segv(store, r.cq),
			 "a child inheriting the CQ (MADV_DOFORK) cannot write it");
	ksft_test_result(madvise(r.cq, r.a.cq_size, MADV_DOFORK) == 0 &&
			 mprotect(r.cq, r.a.cq_size, PROT_READ | PROT_WRITE) != 0,
			 "MADV_DOFORK does not make the CQ writable");

	ksft_expect_err(map(&r, r.a.sq_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE, IXDP_OFF_SQ) ? 0 : -errno, -EINVAL,
			"a private mapping of the SQ gets -EINVAL");
	ksft_expect_err(map(&r, 4096, PROT_READ, MAP_SHARED, 0x40000000) ?
			0 : -errno, -EINVAL, "mmap at an unknown offset gets -EINVAL");
	ksft_expect_err(map(&r, r.a.rx_arena / 2, PROT_READ, MAP_SHARED,
			    IXDP_OFF_RX_ARENA) ? 0 : -errno, -EINVAL,
			"mmap of part of a region gets -EINVAL");
	close(r.fd);
	return ksft_finish();
}
