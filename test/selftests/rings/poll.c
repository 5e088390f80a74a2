// SPDX-License-Identifier: GPL-2.0
/*
 * rings poll PORT: poll() on a context sleeps until an event comes, and a
 * sleeping core runs after IXDP_IOC_WAKE.
 */
#include "app.h"

static long cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Wait until the core sleeps (IXDP_CQ_NEED_WAKEUP), publish a NOP and,
 * if @kick and the flag is still set after a full barrier, WAKE. The
 * microseconds until its completion is seen, 0 if it never came.
 */
static uint64_t nop_latency(struct app *a, bool kick, bool *slept, int *err)
{
	struct ixdp_cmd *cmd;
	uint64_t t0, ud = UD(T_TEST, 2, ++a->seq);

	app_step(a);
	*slept = WAIT(a, 5000, rctx_flags(&a->r) & IXDP_CQ_NEED_WAKEUP);
	cmd = rctx_slot(&a->r);
	cmd->opcode = IXDP_OP_NOP;
	cmd->flags = IXDP_CMDF_ACK;
	cmd->user_data = ud;
	t0 = now_us();
	store_rel(a->r.cmd_tail, a->r.tail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*err = 0;
	if (kick && (rctx_flags(&a->r) & IXDP_CQ_NEED_WAKEUP))
		*err = ioctl(a->r.fd, IXDP_IOC_WAKE, 0) < 0 ? -errno : 0;
	/* Sleep in poll() for the completion. */
	for (;;) {
		struct cpl *l;

		app_step(a);
		l = find_cpl(a, ud);
		if (l) {
			l->used = false;
			return now_us() - t0 ? now_us() - t0 : 1;
		}
		if (now_us() - t0 > 3000000)
			return 0;
		rctx_poll(&a->r, 1000);
	}
}

/*
 * A sleeping core takes published commands after IXDP_IOC_WAKE. It also
 * wakes by itself at least every 100 ms (kmod/core.c), so the test is
 * one of latency: kicked, the NOP must complete far sooner than that.
 */
static void poll_wakeup(struct app *a)
{
	long long sleeps0 = core_stat((int)a->r.cpu, "dp_sleeps");
	uint64_t lat[7], nokick[3];
	unsigned int i, fast = 0, slept_all = 1, done = 1;
	bool slept;
	int err, errs = 0;

	for (i = 0; i < 7; i++) {
		lat[i] = nop_latency(a, true, &slept, &err);
		slept_all &= slept;
		done &= lat[i] != 0;
		errs += err != 0;
		fast += lat[i] && lat[i] < 30000;
	}
	for (i = 0; i < 3; i++) {
		nokick[i] = nop_latency(a, false, &slept, &err);
		slept_all &= slept;
	}
	ksft_test_result(slept_all,
			 "an idle core sets IXDP_CQ_NEED_WAKEUP before each command (dp_sleeps %lld -> %lld)",
			 sleeps0, core_stat((int)a->r.cpu, "dp_sleeps"));
	ksft_print_msg("NOP latency with WAKE (us): %llu %llu %llu %llu %llu %llu %llu; without: %llu %llu %llu\n",
		       (unsigned long long)lat[0], (unsigned long long)lat[1],
		       (unsigned long long)lat[2], (unsigned long long)lat[3],
		       (unsigned long long)lat[4], (unsigned long long)lat[5],
		       (unsigned long long)lat[6],
		       (unsigned long long)nokick[0],
		       (unsigned long long)nokick[1],
		       (unsigned long long)nokick[2]);
	ksft_test_result(done && !errs && fast >= 6,
			 "after IXDP_IOC_WAKE a sleeping core completes a NOP within 30 ms (%u of 7, %d WAKE errors)",
			 fast, errs);
	ksft_print_msg("without WAKE the core took the NOPs too (it sleeps 100 ms at most): %s\n",
		       nokick[0] && nokick[1] && nokick[2] ? "yes" : "no");
}

int mode_poll(uint16_t port)
{
	static struct app apps[8];
	struct app *as[8];
	int cpus[8], n = core_cpus(cpus, 8), i, err, ready = -1, fd;
	struct pollfd p[8];
	unsigned long echoed = 0, closed = 0;
	long c0, c1;
	uint64_t t0, t1;
	struct ixdp_cmd m;
	bool ok = true;

	for (i = 0; i < n; i++) {
		err = app_open(&apps[i], (unsigned int)cpus[i], 0);
		ok &= !err;
		as[i] = &apps[i];
		apps[i].accept_knocks = true;
		apps[i].echo = true;
	}
	if (!ksft_test_result(n > 0 && ok, "a context attaches to each of the %d cores",
			      n))
		return ksft_finish();
	err = ioctl(apps[0].r.fd, IXDP_IOC_WAKE, 1) < 0 ? -errno : 0;
	ksft_expect_err(err, -EINVAL, "IXDP_IOC_WAKE with an argument gets -EINVAL");
	fd = open("/dev/ixdp", O_RDWR | O_CLOEXEC);
	err = ioctl(fd, IXDP_IOC_WAKE, 0) < 0 ? -errno : 0;
	ksft_expect_err(err, -EINVAL,
			"IXDP_IOC_WAKE on a file that is not attached gets -EINVAL");
	close(fd);
	for (i = 0; i < n; i++) {
		m = mk(IXDP_OP_LISTEN, 0, port, 0, 0);
		m.flags = IXDP_CMDF_ACK;
		ok &= test_cmd(&apps[i], &m, NULL) == 0;
	}
	ksft_test_result(ok, "every context listens on port %u", port);
	for (i = 0; i < n; i++)
		app_step(&apps[i]);
	ok = true;
	for (i = 0; i < n; i++)
		ok &= rctx_poll(&apps[i].r, 0) == 0;
	ksft_test_result(ok, "poll() with no event pending reports nothing");

	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = apps[i].r.fd, .events = POLLIN };
	t0 = now_ms();
	c0 = cpu_ms();
	err = poll(p, n, 20000);
	c1 = cpu_ms();
	t1 = now_ms();
	for (i = 0; i < n && err > 0; i++)
		if (p[i].revents & POLLIN)
			ready = i;
	ksft_test_result(err > 0 && ready >= 0,
			 "poll() returns POLLIN when an event arrives (after %llu ms)",
			 (unsigned long long)(t1 - t0));
	ksft_test_result(t1 - t0 >= 500 && (c1 - c0) * 5 < (long)(t1 - t0) + 50,
			 "... having slept: %llu ms waited, %ld ms of CPU",
			 (unsigned long long)(t1 - t0), c1 - c0);
	if (ready >= 0) {
		const struct ixdp_event *e = rctx_peek(&apps[ready].r);

		ksft_test_result(e && e->type == IXDP_EV_KNOCK &&
				 e->arg[2] == port && e->arg[0] == host_ip(),
				 "the event is the KNOCK of the host's connection to port %u",
				 port);
	} else {
		ksft_test_result(false, "the event is the KNOCK of the host's connection");
	}
	/* Echo it until the peer closes. */
	t0 = now_ms();
	for (;;) {
		unsigned long deaths = 0;

		for (i = 0; i < n; i++) {
			deaths += apps[i].deaths;
			echoed += apps[i].echoed;
			closed += apps[i].closed_ok;
		}
		if (deaths || now_ms() - t0 > 20000)
			break;
		echoed = closed = 0;
		apps_pump(as, n, 20);
	}
	ksft_test_result(echoed == 1000 && closed == 1,
			 "the accepted connection echoed %lu bytes and closed gracefully (%lu)",
			 echoed, closed);
	poll_wakeup(&apps[n - 1]);
	ok = true;
	for (i = 0; i < n; i++) {
		ok &= !apps[i].errors && !apps[i].slice_bad;
		app_close(&apps[i]);
	}
	ksft_test_result(ok, "no unexpected failure");
	return ksft_finish();
}
