// SPDX-License-Identifier: GPL-2.0
/*
 * inline: IXDP_IOC_RUN, the inline mode, with the raw ABI.
 *
 *   inline api CPU     the call's rules, refusals and answers, on the
 *                      core on CPU (another CPU must exist for the
 *                      wrong-CPU refusal; it is skipped otherwise)
 *   inline hold CPU    attach, pin, and sleep in RUN until killed (the
 *                      stage kills it to show a fatal signal ends a call)
 *
 * A step of a shell stage (tap_join) or a TAP stream of its own.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "ksft.h"
#include "rings.h"

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu < 0) {
		for (cpu = 0; cpu < CPU_SETSIZE && cpu < 64; cpu++)
			CPU_SET(cpu, &set);
	} else {
		CPU_SET(cpu, &set);
	}
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int run(int fd, struct ixdp_run *r)
{
	int ret = ioctl(fd, IXDP_IOC_RUN, r);

	return ret < 0 ? -errno : ret;
}

static struct ixdp_run run_arg(uint32_t min, uint32_t timeout_us)
{
	return (struct ixdp_run){ .min_events = min, .timeout_us = timeout_us,
				  .spin_us = 0 };
}

static void on_sigint(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	unsigned int after_ms;
};

static void *kick_later(void *arg)
{
	struct kicker *k = arg;

	sleep_ms(k->after_ms);
	pthread_kill(k->target, SIGINT);
	return NULL;
}

/* Refusals before anything runs. */
static void test_refusals(int cpu, struct rctx *c)
{
	struct ixdp_run r = run_arg(0, 0);
	int fd, other = -1, i;

	fd = open("/dev/ixdp", O_RDWR | O_CLOEXEC);
	pin(cpu);
	ksft_expect_err(fd >= 0 ? run(fd, &r) : -EBADF, -EINVAL,
			"RUN on a file that is not attached gets -EINVAL");
	if (fd >= 0)
		close(fd);

	r = run_arg(0, 0);
	r.flags = 1;
	ksft_expect_err(run(c->fd, &r), -EINVAL,
			"RUN with an unknown flag gets -EINVAL");
	r = run_arg(0, 0);
	r.resv0 = 1;
	ksft_expect_err(run(c->fd, &r), -EINVAL,
			"RUN with resv0 set gets -EINVAL");
	r = run_arg(0, 0);
	r.resv[1] = 1;
	ksft_expect_err(run(c->fd, &r), -EINVAL,
			"RUN with resv[1] set gets -EINVAL");
	ksft_expect_err(ioctl(c->fd, IXDP_IOC_RUN, (void *)8) < 0 ? -errno : 0,
			-EFAULT, "RUN with a bad pointer gets -EFAULT");

	pin(-1);
	r = run_arg(0, 0);
	ksft_expect_err(run(c->fd, &r), -EXDEV,
			"RUN from a thread that may run on every CPU gets -EXDEV");
	for (i = 0; i < 64 && other < 0; i++)
		if (i != cpu && pin(i) == 0)
			other = i;
	if (other >= 0) {
		r = run_arg(0, 0);
		ksft_expect_err(run(c->fd, &r), -EXDEV,
				"RUN pinned to another CPU gets -EXDEV");
	} else {
		ksft_test_result_skip("RUN pinned to another CPU: one CPU only");
	}
	pin(cpu);
}

/* A real-time thread would starve the kthread that covers for it. */
static void test_rt(struct rctx *c)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct ixdp_run r = run_arg(0, 0);
	int err;

	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		ksft_test_result_skip("RUN as SCHED_FIFO: cannot become one (%s)",
				      strerror(errno));
		return;
	}
	err = run(c->fd, &r);
	sp.sched_priority = 0;
	sched_setscheduler(0, SCHED_OTHER, &sp);
	ksft_expect_err(err, -EPERM, "RUN as a SCHED_FIFO thread gets -EPERM");
}

/* A niced thread would hold every context's loop with little CPU. */
static void test_nice(struct rctx *c)
{
	struct ixdp_run r = run_arg(0, 0);
	int st = 0;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		if (setpriority(PRIO_PROCESS, 0, 5))
			_exit(2);
		_exit(run(c->fd, &r) == -EPERM ? 0 : 1);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	ksft_test_result(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
			 "RUN from a thread at nice 5 gets -EPERM (status %#x)", st);
}

struct sleeper {
	int fd, ret;
};

static void *sleep_in_run(void *arg)
{
	struct sleeper *sl = arg;
	struct ixdp_run r = run_arg(1, IXDP_RUN_FOREVER);

	sl->ret = run(sl->fd, &r);
	return NULL;
}

/* One thread of a context in the call at a time. */
static void test_busy(struct rctx *c)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	struct sleeper sl = { .fd = c->fd };
	struct ixdp_run r = run_arg(0, 0);
	pthread_t th;
	int ret;

	sigaction(SIGINT, &sa, NULL);
	if (pthread_create(&th, NULL, sleep_in_run, &sl)) {
		ksft_test_result_skip("a second RUN of a context: no thread");
		return;
	}
	sleep_ms(200);
	ret = run(c->fd, &r);
	pthread_kill(th, SIGINT);
	pthread_join(th, NULL);
	ksft_test_result(ret == -EBUSY && sl.ret == -EINTR,
			 "a second thread's RUN on a context inside RUN gets -EBUSY (%d; the first: %d)",
			 ret, sl.ret);
}

/* One step, a NOP through the ring, a timeout. */
static void test_steps(struct rctx *c)
{
	struct ixdp_run r = run_arg(0, 0);
	const struct ixdp_event *ev;
	struct ixdp_cmd *cmd;
	uint64_t t0;
	int ret;

	ret = run(c->fd, &r);
	ksft_test_result(ret >= 0 && r.steps >= 1 && !r.resv0,
			 "RUN with min_events 0 runs one step and returns (%d, %u steps)",
			 ret, r.steps);

	cmd = rctx_slot(c);
	cmd->opcode = IXDP_OP_NOP;
	cmd->flags = IXDP_CMDF_ACK;
	cmd->user_data = 0x1234;
	store_rel(c->cmd_tail, c->tail);
	r = run_arg(1, 2000000);
	ret = run(c->fd, &r);
	ev = rctx_peek(c);
	ksft_test_result(ret >= 1 && r.events >= 1 && ev &&
			 ev->type == IXDP_EV_COMPLETION && ev->arg[0] == 0x1234,
			 "a NOP published without WAKE completes inside RUN (%d, %u events)",
			 ret, r.events);
	while (rctx_peek(c))
		rctx_advance(c);

	r = run_arg(1, 50000);
	t0 = now_ms();
	ret = run(c->fd, &r);
	ksft_test_result(ret == 0 && now_ms() - t0 >= 40 && now_ms() - t0 < 5000,
			 "with nothing to do RUN returns 0 at its timeout (%d after %llu ms)",
			 ret, (unsigned long long)(now_ms() - t0));
}

/* A signal ends a sleeping call with -EINTR, at once. */
static void test_signal(struct rctx *c)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	struct kicker k = { .target = pthread_self(), .after_ms = 200 };
	struct ixdp_run r = run_arg(1, IXDP_RUN_FOREVER);
	pthread_t th;
	uint64_t t0;
	int ret;

	sigaction(SIGINT, &sa, NULL);
	t0 = now_ms();
	if (pthread_create(&th, NULL, kick_later, &k)) {
		ksft_test_result_skip("a signal during RUN: no thread");
		return;
	}
	ret = run(c->fd, &r);
	pthread_join(th, NULL);
	ksft_test_result(ret == -EINTR && now_ms() - t0 < 5000,
			 "SIGINT ends a sleeping RUN with -EINTR (%d after %llu ms)",
			 ret, (unsigned long long)(now_ms() - t0));
}

static int mode_api(int cpu)
{
	long long calls0, calls1;
	struct rctx c;
	int err;

	err = rctx_open(&c, cpu, NULL);
	if (err) {
		ksft_test_result(false, "attach to the core on CPU %d (%s)",
				 cpu, strerror(-err));
		return ksft_finish();
	}
	calls0 = core_stat(cpu, "dp_run_calls");
	test_refusals(cpu, &c);
	test_rt(&c);
	test_nice(&c);
	test_steps(&c);
	test_busy(&c);
	test_signal(&c);
	calls1 = core_stat(cpu, "dp_run_calls");
	ksft_test_result(calls0 >= 0 && calls1 - calls0 >= 4,
			 "dp_run_calls counts the calls that ran (%lld -> %lld)",
			 calls0, calls1);
	rctx_close(&c);
	return ksft_finish();
}

/* Sleep in RUN until killed; "holding" once inside. */
static int mode_hold(int cpu)
{
	struct ixdp_run r = run_arg(1, IXDP_RUN_FOREVER);
	struct rctx c;
	int err;

	err = rctx_open(&c, cpu, NULL);
	if (!err)
		err = pin(cpu);
	if (err) {
		fprintf(stderr, "inline hold: %s\n", strerror(-err));
		return 1;
	}
	printf("holding\n");
	fflush(stdout);
	for (;;) {
		err = run(c.fd, &r);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "inline hold: RUN: %s\n", strerror(-err));
			return 1;
		}
		while (rctx_peek(&c))
			rctx_advance(&c);
	}
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "hold") && argc == 3)
		return mode_hold(atoi(argv[2]));
	if (!strcmp(m, "api") && argc == 3) {
		ksft_print_header();
		return mode_api(atoi(argv[2]));
	}
	fprintf(stderr, "usage: inline api CPU | hold CPU\n");
	return 2;
}
