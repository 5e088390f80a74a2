// SPDX-License-Identifier: GPL-2.0
/*
 * IXDP_OP_HANDOFF: a context gives a knock to another context of its
 * process on its core. Context A listens and keeps its knocks; B, on the
 * same core, accepts what it is given; C, on another core if there is
 * one, and a context of a child process are names A must not reach; D
 * takes a knock and dies. The host opens two connections to PORT and two
 * to PORT + 1 that send a line and wait for their reset (ring_peer.py
 * hold), which comes when the contexts close.
 */
#include "app.h"

#include <sys/wait.h>

/* A child process attached to @cpu: its ctx_id on @out, then it waits. */
static pid_t child_context(unsigned int cpu, uint32_t *id, int *done)
{
	static struct app ch;
	int up[2], down[2];
	pid_t pid;
	char c;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid == 0) {
		uint32_t v = app_open(&ch, cpu, 0) ? 0 : ch.r.a.ctx_id;

		close(up[0]);
		close(down[1]);
		if (write(up[1], &v, sizeof(v)) != sizeof(v) ||
		    read(down[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0 || read(up[0], id, sizeof(*id)) != sizeof(*id))
		*id = 0;
	close(up[0]);
	*done = down[1];
	return pid;
}

int mode_handoff(uint16_t port)
{
	static struct app a, b, c, d;
	struct app *ab[] = { &a, &b };
	struct ixdp_cmd m;
	struct cpl l = {};
	uint32_t child_id = 0, cid = 0;
	long long before;
	bool have_c, ok;
	uint64_t h, h2;
	int cpus[2], done = -1, st;
	pid_t child;
	unsigned int i;

	if (!ksft_test_result(!app_open(&a, 0, 0) && !app_open(&b, 0, 0),
			      "two contexts of one process attach to the core on CPU 0"))
		return ksft_finish();
	ksft_test_result(a.r.a.ctx_id && b.r.a.ctx_id &&
			 a.r.a.ctx_id != b.r.a.ctx_id,
			 "each has a ctx_id of its own (%u, %u)", a.r.a.ctx_id,
			 b.r.a.ctx_id);
	have_c = core_cpus(cpus, 2) == 2 && !app_open(&c, cpus[1], 0);
	if (have_c)
		cid = c.r.a.ctx_id;
	child = child_context(0, &child_id, &done);
	ksft_test_result(child > 0 && child_id,
			 "a child process attaches a context to the same core (%u)",
			 child_id);
	before = core_stat(-1, "dp_app_handoffs");

	m = mk(IXDP_OP_LISTEN, 0, port, 0, 0);
	m.flags = IXDP_CMDF_ACK;
	if (!ksft_test_result(test_cmd(&a, &m, NULL) == 0,
			      "A listens on port %u", port))
		goto out;
	b.accept_knocks = true;
	ok = false;
	for (i = 0; i < 4000 && !ok; i++) {
		apps_pump(ab, 2, 5);
		ok = a.nknocks >= 2;
	}
	if (!ksft_test_result(ok, "A gets the host's two knocks (%u)",
			      a.nknocks))
		goto out;
	h = a.knocks[0];
	h2 = a.knocks[1];

	expect_refused(&a, mk(IXDP_OP_HANDOFF, h, 0, a.r.a.ctx_id, 0), -EINVAL,
		       "HANDOFF to the context itself gets -EINVAL");
	expect_refused(&a, mk(IXDP_OP_HANDOFF, h, 0, 0, 0), -ENOENT,
		       "HANDOFF to ctx_id 0 gets -ENOENT");
	expect_refused(&a, mk(IXDP_OP_HANDOFF, h, 0,
			      (uint64_t)1 << 32 | b.r.a.ctx_id, 0), -ENOENT,
		       "HANDOFF to a ctx_id beyond 32 bits gets -ENOENT");
	if (have_c)
		expect_refused(&a, mk(IXDP_OP_HANDOFF, h, 0, cid, 0), -ENOENT,
			       "HANDOFF to a context on another core gets -ENOENT");
	else
		ksft_test_result_skip("HANDOFF to another core: one core only\n");
	if (child_id)
		expect_refused(&a, mk(IXDP_OP_HANDOFF, h, 0, child_id, 0),
			       -EPERM,
			       "HANDOFF to another process's context gets -EPERM");
	expect_refused(&a, mk(IXDP_OP_HANDOFF, 0, 0, b.r.a.ctx_id, 0), -EBADF,
		       "HANDOFF of no connection gets -EBADF");
	m = mk(IXDP_OP_HANDOFF, h, 0, b.r.a.ctx_id, 0);
	m.resv[0] = 1;
	expect_refused(&a, m, -EINVAL,
		       "HANDOFF with a reserved word set gets -EINVAL");

	/* Every refusal left the knock with A: now it goes to B. */
	m = mk(IXDP_OP_HANDOFF, h, 0, b.r.a.ctx_id, 0);
	m.flags = IXDP_CMDF_ACK;
	st = test_cmd(&a, &m, &l);
	ksft_test_result(st == 0, "HANDOFF of the first knock to B completes (%d)",
			 st);
	m = mk(IXDP_OP_HANDOFF, h2, 0, b.r.a.ctx_id, 0);
	m.flags = IXDP_CMDF_ACK;
	st = test_cmd(&a, &m, &l);
	ksft_test_result(st == 0, "and of the second (%d)", st);
	ok = false;
	for (i = 0; i < 1000 && !ok; i++) {
		apps_pump(ab, 2, 5);
		ok = b.c[0].used && b.c[1].used && b.c[0].open && b.c[1].open;
	}
	ksft_test_result(ok && b.c[0].handle == h && b.c[1].handle == h2,
			 "B gets both as knocks with the same handles and accepts them");
	ksft_test_result(core_stat(-1, "dp_app_handoffs") - before == 2,
			 "dp_app_handoffs counts the two (%lld)",
			 core_stat(-1, "dp_app_handoffs") - before);
	expect_refused(&a, mk(IXDP_OP_ACCEPT, h, 0, 1, 0), -EBADF,
		       "ACCEPT by A of a knock it gave away gets -EBADF");
	expect_refused(&a, mk(IXDP_OP_HANDOFF, h, 0, b.r.a.ctx_id, 0), -EBADF,
		       "and HANDOFF of it again gets -EBADF");
	expect_refused(&b, mk(IXDP_OP_HANDOFF, h, 0, a.r.a.ctx_id, 0), -EINVAL,
		       "HANDOFF of an accepted connection gets -EINVAL");
	ksft_test_result(!a.errors && !b.errors,
			 "no unexpected event on either context (%lu, %lu)",
			 a.errors, b.errors);

	/*
	 * A knock handed to a context that then dies leaves its listener's
	 * backlog: port + 1 takes one knock at a time, D gets the first and
	 * closes, and the host's second connection must come to A.
	 */
	m = mk(IXDP_OP_LISTEN, 0, port + 1, 1, 0);
	m.flags = IXDP_CMDF_ACK;
	ok = test_cmd(&a, &m, NULL) == 0 && !app_open(&d, 0, 0);
	if (!ksft_test_result(ok, "A listens on port %u with a backlog of 1, D attaches",
			      port + 1))
		goto out;
	ab[1] = &d;
	for (i = 0; i < 4000 && a.nknocks < 3; i++)
		apps_pump(ab, 2, 5);
	ok = a.nknocks == 3;
	if (ok) {
		m = mk(IXDP_OP_HANDOFF, a.knocks[2], 0, d.r.a.ctx_id, 0);
		m.flags = IXDP_CMDF_ACK;
		ok = test_cmd(&a, &m, NULL) == 0;
	}
	ksft_test_result(ok, "the first knock on port %u goes to D", port + 1);
	for (i = 0; i < 100; i++)
		apps_pump(ab, 2, 5);
	app_close(&d);
	ok = false;
	for (i = 0; i < 2000 && !ok; i++) {
		app_pump(&a, 5);
		ok = a.nknocks == 4;
	}
	ksft_test_result(ok, "D closed: the listener takes the second connection (%u knocks)",
			 a.nknocks);
out:
	if (done >= 0)
		close(done);
	if (child > 0)
		waitpid(child, NULL, 0);
	if (have_c)
		app_close(&c);
	/* The host's connections end with resets. */
	app_close(&b);
	app_close(&a);
	return ksft_finish();
}
