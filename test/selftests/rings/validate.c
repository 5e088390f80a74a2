// SPDX-License-Identifier: GPL-2.0
/*
 * rings validate PORT CLOSED: every documented refusal of the command
 * ring, against a live connection made with IXDP_OP_CONNECT to a host
 * echo server on PORT (CLOSED: a host port nobody listens on); a full
 * command ring, a full event ring, a bogus ev_head, cmd_tail a ring
 * ahead, backpressure.
 */
#include "app.h"

#include <signal.h>
#include <sys/wait.h>

/* A child process listens on @port from the core on @cpu. */
static pid_t listening_child(unsigned int cpu, uint16_t port, int *ctl)
{
	int up[2], down[2];
	char st = 0;
	pid_t pid;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid == 0) {
		static struct app ch;
		struct ixdp_cmd m = mk(IXDP_OP_LISTEN, 0, port, 0, 0);

		close(up[0]);
		close(down[1]);
		m.flags = IXDP_CMDF_ACK;
		if (app_open(&ch, cpu, 0) == 0 && test_cmd(&ch, &m, NULL) == 0)
			st = 1;
		if (write(up[1], &st, 1) != 1)
			_exit(1);
		/* Hold the port until the parent closes its end. */
		while (read(down[0], &st, 1) > 0)
			;
		app_close(&ch);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0 || read(up[0], &st, 1) != 1 || !st) {
		close(up[0]);
		close(down[1]);
		return -1;
	}
	close(up[0]);
	*ctl = down[1];
	return pid;
}

static void validate_cmd_tail_jump(struct app *a, struct app *b,
				   struct conn *c, unsigned int cpu)
{
	static struct app d;
	struct ixdp_cmd m = mk(IXDP_OP_NOP, 0, 0, 0, 0);
	size_t sz[] = { 3000 };
	bool dead;
	int err;

	err = app_open(&d, cpu, 0);
	if (!ksft_test_result(!err, "a fourth context attaches (%d)", err))
		return;
	store_rel(d.r.cmd_tail, load_acq(d.r.cmd_head) +
		  d.r.a.cmd_entries + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ioctl(d.r.fd, IXDP_IOC_WAKE, 0);
	dead = WAIT(&d, 3000, rctx_dead(&d.r));
	ksft_test_result(dead,
			 "cmd_tail more than cmd_entries ahead: the context is dead (IXDP_CQ_DEAD)");
	err = rctx_poll(&d.r, 0);
	ksft_test_result(err > 0 && (err & POLLERR),
			 "poll() on that context reports POLLERR (%#x)", err);
	err = ioctl(d.r.fd, IXDP_IOC_WAKE, 0) < 0 ? -errno : 0;
	ksft_expect_err(err, -ENXIO,
			"IXDP_IOC_WAKE on the dead context gets -ENXIO");
	ksft_print_msg("dead context: dropped %llu, flags %#x\n",
		       (unsigned long long)rctx_dropped(&d.r),
		       rctx_flags(&d.r));
	m.flags = IXDP_CMDF_ACK;
	ksft_test_result(test_cmd(b, &m, NULL) == 0 &&
			 !rctx_dead(&a->r) && !rctx_dead(&b->r),
			 "another context of the same core still completes commands");
	ksft_test_result(echo_some(a, c, sz, 1, 77),
			 "the live connection of a third context still echoes");
	app_close(&d);
}

/* CPU time (clock ticks) of the kthread "ixdp/@cpu", -1 if not found. */
static long kthread_ticks(unsigned int cpu)
{
	char path[64], comm[32], want[32], buf[512];
	unsigned long ut, st;
	long ticks = -1;
	FILE *f;
	int pid;

	snprintf(want, sizeof(want), "ixdp/%u\n", cpu);
	for (pid = 2; pid < 32768 && ticks < 0; pid++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f) || strcmp(comm, want)) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (f && fgets(buf, sizeof(buf), f)) {
			char *p = strrchr(buf, ')');

			if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
					&ut, &st) == 2)
				ticks = (long)(ut + st);
		}
		if (f)
			fclose(f);
	}
	return ticks;
}

/*
 * A full event ring holds the context's commands back: with 16 event
 * slots and 64 NOPs published, at most 16 are taken until events are
 * consumed; then all 64 complete, in order, none lost.
 */
static void validate_backpressure(unsigned int cpu)
{
	struct ixdp_attach want = { .ev_entries = 16 };
	uint32_t head0, taken, queued, i, got = 0, order = 0;
	const struct ixdp_event *e;
	static struct rctx r;
	uint64_t end;
	long ticks;
	int err;

	err = rctx_open(&r, cpu, &want);
	if (!ksft_test_result(!err && r.a.ev_entries == 16,
			      "a context attaches with an event ring of 16 (%d)",
			      err))
		return;
	head0 = load_acq(r.cmd_head);
	for (i = 0; i < 64; i++) {
		struct ixdp_cmd *cmd = rctx_slot(&r);

		cmd->opcode = IXDP_OP_NOP;
		cmd->flags = IXDP_CMDF_ACK;
		cmd->user_data = 1000 + i;
	}
	rctx_publish(&r);
	sleep_ms(300);
	ticks = kthread_ticks(cpu);
	sleep_ms(1000);
	if (ticks >= 0)
		ticks = kthread_ticks(cpu) - ticks;
	ksft_print_msg("the core's kthread used %ld ticks (1/%ld s) in the 1 s its context's event ring stayed full\n",
		       ticks, sysconf(_SC_CLK_TCK));
	taken = load_acq(r.cmd_head) - head0;
	queued = load_acq(r.ev_tail) - r.head;
	ksft_test_result(queued <= 16 && taken <= 16 && taken >= 1,
			 "with the event ring full the core took %u of 64 commands and wrote %u events",
			 taken, queued);
	end = now_ms() + 5000;
	while (got < 64 && now_ms() < end) {
		while ((e = rctx_peek(&r))) {
			if (e->type == IXDP_EV_COMPLETION && !e->status &&
			    e->arg[0] == 1000 + got)
				order++;
			got++;
			rctx_advance(&r);
		}
		/* Room was made: kick the core if it sleeps. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (rctx_flags(&r) & IXDP_CQ_NEED_WAKEUP)
			ioctl(r.fd, IXDP_IOC_WAKE, 0);
		rctx_poll(&r, 10);
	}
	ksft_test_result(got == 64 && order == 64 && !rctx_dead(&r),
			 "as events are consumed all 64 complete, in order (%u, %u)",
			 got, order);
	rctx_close(&r);
}

/*
 * An ev_head that no consumer could have written (far ahead of ev_tail)
 * may only hurt its own context: the others keep completing commands.
 */
static void validate_bad_ev_head(unsigned int cpu, struct app *b)
{
	struct ixdp_cmd m = mk(IXDP_OP_NOP, 0, 0, 0, 0), *cmd;
	static struct rctx r;
	bool back;
	int err;

	err = rctx_open(&r, cpu, NULL);
	if (!ksft_test_result(!err, "a context attaches (%d)", err))
		return;
	store_rel(r.ev_head, r.head + 0x40000000);
	cmd = rctx_slot(&r);
	cmd->opcode = IXDP_OP_NOP;
	cmd->flags = IXDP_CMDF_ACK;
	rctx_publish(&r);
	sleep_ms(200);
	m.flags = IXDP_CMDF_ACK;
	ksft_test_result(test_cmd(b, &m, NULL) == 0,
			 "a bogus ev_head in one context leaves another context of its core working");
	ksft_print_msg("with the bogus ev_head: cmd_head %u of %u, ev_tail %u, flags %#x\n",
		       load_acq(r.cmd_head), r.tail, load_acq(r.ev_tail),
		       rctx_flags(&r));
	store_rel(r.ev_head, r.head);
	rctx_publish(&r);
	back = false;
	for (err = 0; err < 100 && !back; err++) {
		back = rctx_peek(&r) != NULL;
		if (!back)
			rctx_poll(&r, 10);
	}
	ksft_print_msg("once ev_head is sane again the NOP %s\n",
		       back ? "completes" : "does not complete");
	rctx_close(&r);
}

/* cmd_entries commands published at once are all taken. */
static void validate_full_ring(struct app *b)
{
	uint32_t n = b->r.a.cmd_entries, i, got = 0, bad = 0;
	uint64_t base = UD(T_TEST, 1, 0);
	struct cpl *l;

	app_step(b);
	if (!ksft_test_result(rctx_room(&b->r) == n && !b->pend_n,
			      "the command ring is empty before filling it"))
		return;
	for (i = 0; i < n; i++) {
		struct ixdp_cmd *cmd = rctx_slot(&b->r);

		cmd->opcode = IXDP_OP_NOP;
		cmd->flags = IXDP_CMDF_ACK;
		cmd->user_data = base + i;
	}
	rctx_publish(&b->r);
	for (i = 0; i < n; i++) {
		l = wait_cpl(b, base + i, 3000);
		if (!l)
			break;
		got++;
		bad += l->status != 0;
	}
	ksft_test_result(got == n && !bad && load_acq(b->r.cmd_head) == b->r.tail,
			 "a ring of exactly cmd_entries (%u) NOPs is taken whole: %u completions, %u failed",
			 n, got, bad);
}

static void validate_listen(struct app *a, struct app *cother)
{
	struct ixdp_cmd m;
	int ctl = -1, st;
	pid_t pid;

	m = mk(IXDP_OP_LISTEN, 0, 7150, 0, 0);
	m.flags = IXDP_CMDF_ACK;
	ksft_test_result(test_cmd(a, &m, NULL) == 0, "LISTEN on port 7150");
	m.opcode = IXDP_OP_UNLISTEN;
	ksft_test_result(test_cmd(a, &m, NULL) == 0, "UNLISTEN of port 7150");
	st = test_cmd(a, &m, NULL);
	ksft_print_msg("a second UNLISTEN of that port: %d\n", st);

	expect_refused(a, mk(IXDP_OP_LISTEN, 0, 7, 0, 0), -EADDRINUSE,
		       "LISTEN on the port of the built-in responder gets -EADDRINUSE");
	pid = listening_child(0, 7151, &ctl);
	if (!ksft_test_result(pid > 0, "a child process listens on port 7151"))
		return;
	expect_refused(a, mk(IXDP_OP_LISTEN, 0, 7151, 0, 0), -EADDRINUSE,
		       "LISTEN on a port another process holds gets -EADDRINUSE");
	if (cother)
		expect_refused(cother, mk(IXDP_OP_LISTEN, 0, 7151, 0, 0),
			       -EADDRINUSE,
			       "... also from a context on the child's own core");
	close(ctl);
	waitpid(pid, &st, 0);
	m = mk(IXDP_OP_LISTEN, 0, 7151, 0, 0);
	m.flags = IXDP_CMDF_ACK;
	st = test_cmd(a, &m, NULL);
	ksft_test_result(st == 0,
			 "once that process exited the port can be listened on (%d)",
			 st);
	m.opcode = IXDP_OP_UNLISTEN;
	test_cmd(a, &m, NULL);
}

static void validate_refusals(struct app *a, struct app *b, struct app *cx,
			      struct conn *c, unsigned int ncores)
{
	const uint64_t H = c->handle, tx = a->r.a.tx_arena;
	const uint16_t fg = H >> 48, gen = (uint16_t)(H >> 32);
	const uint32_t slot = (uint32_t)H;
	const uint64_t s = a->scratch;
	struct ixdp_iov *iov = (struct ixdp_iov *)(a->r.tx + s);
	struct ixdp_cmd m;

	/* Opcodes, flags, reserved words, unused arguments. */
	expect_refused(a, mk(0, 0, 0, 0, 0), -EINVAL, "opcode 0 gets -EINVAL");
	expect_refused(a, mk(__IXDP_OP_MAX, 0, 0, 0, 0), -EINVAL,
		       "opcode __IXDP_OP_MAX gets -EINVAL");
	expect_refused(a, mk(255, 0, 0, 0, 0), -EINVAL,
		       "opcode 255 gets -EINVAL");
	m = mk(IXDP_OP_NOP, 0, 0, 0, 0);
	m.flags = 1 << 1;
	expect_refused(a, m, -EINVAL, "NOP with unknown flag bit 1 gets -EINVAL");
	m.flags = 0x80 | IXDP_CMDF_ACK;
	expect_refused(a, m, -EINVAL, "NOP with unknown flag bit 7 gets -EINVAL");
	m = mk(IXDP_OP_NOP, 0, 0, 0, 0);
	m.resv0 = 1;
	expect_refused(a, m, -EINVAL, "NOP with resv0 set gets -EINVAL");
	m = mk(IXDP_OP_NOP, 0, 0, 0, 0);
	m.resv[0] = 1ULL << 63;
	expect_refused(a, m, -EINVAL, "NOP with resv[0] set gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_NOP, 0, 1, 0, 0), -EINVAL,
		       "NOP with arg32 set gets -EINVAL");
	m = mk(IXDP_OP_NOP, 0, 0, 0, 0);
	m.arg[3] = 1;
	expect_refused(a, m, -EINVAL, "NOP with arg[3] set gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_NOP, H, 0, 0, 0), -EINVAL,
		       "NOP with a handle gets -EINVAL (kernel: handle is an unused argument)");
	expect_refused(a, mk(IXDP_OP_SEND, H, 16, s, 1ULL << 32), -EINVAL,
		       "SEND returning 2^32 received bytes (arg[1]) gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SEND, H, 16, s, 1U << 30), -EINVAL,
		       "SEND returning more received bytes than announced gets -EINVAL (nothing sent)");
	m = mk(IXDP_OP_SEND, H, 16, s, 0);
	m.arg[3] = 5;
	expect_refused(a, m, -EINVAL, "SEND with unused arg[3] gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_CLOSE, H, 1, 0, 0), -EINVAL,
		       "CLOSE with unused arg32 gets -EINVAL (and does not close)");
	expect_refused(a, mk(IXDP_OP_ABORT, H, 0, 1, 0), -EINVAL,
		       "ABORT with unused arg[0] gets -EINVAL (and does not abort)");
	expect_refused(a, mk(IXDP_OP_RECV_DONE, H, 1, 1, 0), -EINVAL,
		       "RECV_DONE with unused arg[0] gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_LISTEN, 0, 7998, 0, 1), -EINVAL,
		       "LISTEN with unused arg[1] gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_LISTEN, 0, 7998, IXDP_BACKLOG_MAX + 1, 0),
		       -EINVAL, "LISTEN with a backlog over IXDP_BACKLOG_MAX gets -EINVAL");
	m = mk(IXDP_OP_CONNECT, 0, 7199, 1, host_ip());
	m.arg[2] = 1;
	expect_refused(a, m, -EINVAL, "CONNECT with unused arg[2] gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_LISTEN, 0, 0, 0, 0), -EINVAL,
		       "LISTEN on port 0 gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_LISTEN, 0, 65536, 0, 0), -EINVAL,
		       "LISTEN on port 65536 gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_UNLISTEN, 0, 0, 0, 0), -EINVAL,
		       "UNLISTEN of port 0 gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_CONNECT, 0, 0, 1, host_ip()), -EINVAL,
		       "CONNECT to port 0 gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_CONNECT, 0, 7199, 1, 0), -EINVAL,
		       "CONNECT to address 0 gets -EINVAL");

	/* Forged handles: valid everything else, so only the handle is bad. */
	expect_refused(a, mk(IXDP_OP_SEND, mkh(fg, gen, 0x7fffffff), 16, s, 0),
		       -EBADF, "SEND on a handle with a slot out of range gets -EBADF");
	expect_refused(a, mk(IXDP_OP_SEND, mkh(fg, gen, slot ^ 5), 16, s, 0),
		       -EBADF, "SEND on a handle with another slot gets -EBADF");
	expect_refused(a, mk(IXDP_OP_SEND, mkh(fg, gen ^ 1, slot), 16, s, 0),
		       -EBADF, "SEND on a handle with a wrong generation gets -EBADF");
	expect_refused(a, mk(IXDP_OP_SEND, mkh(fg, gen + 0x100, slot), 16, s, 0),
		       -EBADF, "SEND on a handle with another wrong generation gets -EBADF");
	if (ncores > 1)
		expect_refused(a, mk(IXDP_OP_SEND, mkh(fg ^ 1, gen, slot), 16, s, 0),
			       -EBADF,
			       "SEND on a handle with another core's flow group gets -EBADF");
	expect_refused(a, mk(IXDP_OP_SEND, mkh(0xffff, gen, slot), 16, s, 0),
		       -EBADF, "SEND on a handle with flow group 0xffff gets -EBADF");
	expect_refused(a, mk(IXDP_OP_SEND, 0, 16, s, 0), -EBADF,
		       "SEND on handle 0 gets -EBADF");
	expect_refused(a, mk(IXDP_OP_ABORT, mkh(fg, gen ^ 1, slot), 0, 0, 0),
		       -EBADF, "ABORT on a wrong generation gets -EBADF");
	expect_refused(a, mk(IXDP_OP_CLOSE, mkh(fg, gen, slot ^ 1), 0, 0, 0),
		       -EBADF, "CLOSE on another slot gets -EBADF");
	expect_refused(a, mk(IXDP_OP_RECV_DONE, mkh(fg ^ 1, gen, slot), 1, 0, 0),
		       -EBADF, "RECV_DONE on another flow group gets -EBADF");
	expect_refused(a, mk(IXDP_OP_ACCEPT, mkh(fg, gen ^ 1, slot), 0, 1, 0),
		       -EBADF, "ACCEPT on a forged handle gets -EBADF");
	expect_refused(a, mk(IXDP_OP_REJECT, mkh(fg, gen ^ 1, slot), 0, 0, 0),
		       -EBADF, "REJECT on a forged handle gets -EBADF");
	expect_refused(b, mk(IXDP_OP_SEND, H, 16, b->scratch, 0), -EBADF,
		       "SEND on a handle of another context of the same core gets -EBADF");
	expect_refused(b, mk(IXDP_OP_ABORT, H, 0, 0, 0), -EBADF,
		       "ABORT on a handle of another context of the same core gets -EBADF");
	if (cx)
		expect_refused(cx, mk(IXDP_OP_ABORT, H, 0, 0, 0), -EBADF,
			       "ABORT on a handle of a context of another core gets -EBADF");

	/* SEND ranges. */
	expect_refused(a, mk(IXDP_OP_SEND, H, 1, tx, 0), -EINVAL,
		       "SEND at offset tx_arena gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SEND, H, 9, tx - 8, 0), -EINVAL,
		       "SEND crossing the end of the TX arena gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SEND, H, (uint32_t)tx + 1, 0, 0), -EINVAL,
		       "SEND of tx_arena + 1 bytes gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SEND, H, UINT32_MAX, 0, 0), -EINVAL,
		       "SEND of 2^32 - 1 bytes gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SEND, H, 8, UINT64_MAX - 3, 0), -EINVAL,
		       "SEND whose offset + length overflows u64 gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SEND, H, UINT32_MAX, tx - 1, 0), -EINVAL,
		       "SEND whose offset + length overflows u32 gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SEND, H, 16, (1ULL << 32) + s, 0), -EINVAL,
		       "SEND at 2^32 + a valid offset gets -EINVAL (no truncation)");
	expect_refused(a, mk(IXDP_OP_SEND, H, 0, s, 0), -EINVAL,
		       "SEND of 0 bytes gets -EINVAL (kernel's choice)");

	/* SENDV: the array, its entries. */
	memset(iov, 0, 4096);
	iov[0] = (struct ixdp_iov){ s + 1024, 4, 0 };
	expect_refused(a, mk(IXDP_OP_SENDV, H, 0, s, 0), -EINVAL,
		       "SENDV of 0 entries gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SENDV, H, IXDP_IOV_MAX + 1, s, 0), -EINVAL,
		       "SENDV of IXDP_IOV_MAX + 1 entries gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, s + 4, 0), -EINVAL,
		       "SENDV with a misaligned iov array gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, tx - 8, 0), -EINVAL,
		       "SENDV with an iov array crossing the arena's end gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, tx, 0), -EINVAL,
		       "SENDV with an iov array at tx_arena gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SENDV, H, 3, tx - 32, 0), -EINVAL,
		       "SENDV with 3 entries of which the last is outside gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, UINT64_MAX - 7, 0), -EINVAL,
		       "SENDV with an iov array offset near 2^64 gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, (1ULL << 32) + s, 0), -EINVAL,
		       "SENDV with an iov array at 2^32 + a valid offset gets -EINVAL");
	iov[0] = (struct ixdp_iov){ tx, 1, 0 };
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, s, 0), -EINVAL,
		       "SENDV entry at offset tx_arena gets -EINVAL");
	iov[0] = (struct ixdp_iov){ tx - 4, 5, 0 };
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, s, 0), -EINVAL,
		       "SENDV entry crossing the arena's end gets -EINVAL");
	iov[0] = (struct ixdp_iov){ UINT64_MAX - 3, 8, 0 };
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, s, 0), -EINVAL,
		       "SENDV entry whose offset + length overflows gets -EINVAL");
	iov[0] = (struct ixdp_iov){ 0, (uint32_t)tx + 1, 0 };
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, s, 0), -EINVAL,
		       "SENDV entry longer than the arena gets -EINVAL");
	iov[0] = (struct ixdp_iov){ (1ULL << 32) + s + 1024, 4, 0 };
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, s, 0), -EINVAL,
		       "SENDV entry at 2^32 + a valid offset gets -EINVAL");
	iov[0] = (struct ixdp_iov){ s + 1024, 4, 1 };
	expect_refused(a, mk(IXDP_OP_SENDV, H, 1, s, 0), -EINVAL,
		       "SENDV entry with resv set gets -EINVAL");
	iov[0] = (struct ixdp_iov){ s + 1024, 5, 0 };
	iov[1] = (struct ixdp_iov){ tx, 1, 0 };
	expect_refused(a, mk(IXDP_OP_SENDV, H, 2, s, 0), -EINVAL,
		       "SENDV with a good entry then a bad one gets -EINVAL (nothing is sent)");

	/* Receive credit. */
	expect_refused(a, mk(IXDP_OP_RECV_DONE, H, 1, 0, 0), -EINVAL,
		       "RECV_DONE of a byte never delivered gets -EINVAL");
	expect_refused(a, mk(IXDP_OP_RECV_DONE, H, UINT32_MAX, 0, 0), -EINVAL,
		       "RECV_DONE of 2^32 - 1 bytes gets -EINVAL");
}

/* A valid SENDV of three pieces, and a valid SEND with IXDP_CMDF_ACK. */
static void validate_sendv(struct app *a, struct conn *c)
{
	const uint64_t s = a->scratch;
	struct ixdp_iov *iov = (struct ixdp_iov *)(a->r.tx + s);
	static uint8_t want[6000];
	struct ixdp_cmd m;
	int st;

	fill(want, sizeof(want), 99);
	memcpy(a->r.tx + s + 8192, want, 1000);
	memcpy(a->r.tx + s + 16384, want + 1000, 2000);
	memcpy(a->r.tx + s + 32768, want + 3000, 3000);
	iov[0] = (struct ixdp_iov){ s + 8192, 1000, 0 };
	iov[1] = (struct ixdp_iov){ s + 16384, 2000, 0 };
	iov[2] = (struct ixdp_iov){ s + 32768, 3000, 0 };
	c->rlen = 0;
	if (c->rcap < sizeof(want)) {
		free(c->rbuf);
		c->rbuf = malloc(sizeof(want));
		c->rcap = sizeof(want);
	}
	m = mk(IXDP_OP_SENDV, c->handle, 3, s, 0);
	m.flags = IXDP_CMDF_ACK;
	st = test_cmd(a, &m, NULL);
	if (st > 0) {
		c->queued += st;
		c->taken += st;
	}
	WAIT(a, 20000, c->rlen >= sizeof(want) || c->dead);
	ksft_test_result(st == (int)sizeof(want) && c->rlen == sizeof(want) &&
			 !memcmp(c->rbuf, want, sizeof(want)),
			 "SENDV of 3 entries with ACK completes with the bytes taken (%d) and is echoed in order",
			 st);
	WAIT(a, 2000, c->acked == c->taken);

	memcpy(a->r.tx + s + 8192, want, 1460);
	c->rlen = 0;
	m = mk(IXDP_OP_SEND, c->handle, 1460, s + 8192, 0);
	m.flags = IXDP_CMDF_ACK;
	st = test_cmd(a, &m, NULL);
	if (st > 0) {
		c->queued += st;
		c->taken += st;
	}
	WAIT(a, 20000, c->rlen >= 1460 || c->dead);
	ksft_test_result(st == 1460 && c->rlen == 1460 &&
			 !memcmp(c->rbuf, want, 1460),
			 "SEND with ACK completes with the bytes taken (%d) and is echoed",
			 st);
	WAIT(a, 2000, c->acked == c->taken);
}

/*
 * CLOSE and a SEND behind it in one publication of cmd_tail, so that the
 * core takes both before anything from the peer: the header documents
 * -EPIPE for a send on a connection already closed.
 */
static void validate_send_after_close(struct app *a, struct conn *c)
{
	uint64_t before, ud = UD(T_TEST, 3, ++a->seq);
	struct ixdp_cmd *cmd;
	struct cpl *l;

	app_step(a);
	WAIT(a, 2000, !a->pend_n && rctx_room(&a->r) >= 2);
	before = rctx_dropped(&a->r);
	cmd = rctx_slot(&a->r);
	cmd->opcode = IXDP_OP_CLOSE;
	cmd->user_data = UD(T_CLOSE, c - a->c, 0);
	cmd->handle = c->handle;
	cmd = rctx_slot(&a->r);
	cmd->opcode = IXDP_OP_SEND;
	cmd->user_data = ud;
	cmd->handle = c->handle;
	cmd->arg[0] = a->scratch;
	cmd->arg32 = 16;
	rctx_publish(&a->r);
	l = wait_cpl(a, ud, 3000);
	if (l && l->status != -EPIPE)
		ksft_print_msg("SEND after CLOSE: status %d (%s), dropped +%llu\n",
			       l->status, strerror(-l->status),
			       (unsigned long long)(rctx_dropped(&a->r) - before));
	ksft_test_result(l && l->status == -EPIPE &&
			 rctx_dropped(&a->r) == before + 1,
			 "SEND right after CLOSE gets -EPIPE");
}

int mode_validate(uint16_t port, uint16_t closed)
{
	static struct app A, B, C;
	size_t sizes[] = { 1, 1460, 20000 }, after[] = { 5000, 65536, 7 };
	int ncores = core_count(), cpu, idx, err, st;
	struct app *cx = NULL;
	struct ixdp_cmd m;
	struct cpl l = {};
	struct conn *c;
	char *snap;
	uint16_t fg;

	ksft_test_result(ncores >= 1, "ixctl lists %d dataplane cores", ncores);
	cpu = ncores > 1 ? 1 : 0;
	err = app_open(&A, cpu, 8 << 20);
	if (!ksft_test_result(!err, "a context attaches to the core on CPU %d (%d)",
			      cpu, err))
		return ksft_finish();
	err = app_open(&B, cpu, 0);
	ksft_test_result(!err, "a second context attaches to the same core (%d)",
			 err);
	if (ncores > 1) {
		err = app_open(&C, 0, 0);
		ksft_test_result(!err, "a third context attaches to the core on CPU 0 (%d)",
				 err);
		cx = err ? NULL : &C;
	}
	ksft_print_msg("cmd %u ev %u rx %u tx %u max_conns %u rx_chunk %u\n",
		       A.r.a.cmd_entries, A.r.a.ev_entries, A.r.a.rx_arena,
		       A.r.a.tx_arena, A.r.a.max_conns, A.r.a.rx_chunk);

	m = mk(IXDP_OP_NOP, 0, 0, 0, 0);
	m.flags = IXDP_CMDF_ACK;
	st = test_cmd(&A, &m, &l);
	ksft_test_result(st == 0 && l.ud == m.user_data && l.op == IXDP_OP_NOP,
			 "NOP with IXDP_CMDF_ACK completes with status 0 and its user_data");
	m = mk(IXDP_OP_NOP, 0, 0, 0, 0);
	st = test_cmd(&A, &m, &l);
	ksft_test_result(st == 0 && l.ud == m.user_data,
			 "NOP without IXDP_CMDF_ACK completes too");
	ksft_test_result(rctx_dropped(&A.r) == 0,
			 "successful commands are not counted as dropped");

	idx = conn_connect(&A, host_ip(), port, 15000, true, &st);
	if (!ksft_test_result(idx >= 0,
			      "IXDP_OP_CONNECT to %s:%u gives a CONNECTED event with a handle (%d)",
			      HOST_IP, port, st)) {
		app_close(&A);
		return ksft_finish();
	}
	c = &A.c[idx];
	fg = c->handle >> 48;
	ksft_print_msg("handle %#llx\n", (unsigned long long)c->handle);
	ksft_test_result(fg_owner_cpu(fg) == cpu,
			 "its flow group %u belongs to the attached core (cpu %d, fg show says %d)",
			 fg, cpu, fg_owner_cpu(fg));
	snap = stat_snapshot();
	ksft_test_result(stat_of(snap, cpu, "dp_app_conns") == 1 &&
			 stat_of(snap, -1, "dp_app_conns") == 1,
			 "dp_app_conns: the connection is counted on core %d only (%lld of %lld)",
			 cpu, stat_of(snap, cpu, "dp_app_conns"),
			 stat_of(snap, -1, "dp_app_conns"));
	ksft_test_result(stat_of(snap, cpu, "dp_apps") == 2 &&
			 stat_of(snap, -1, "dp_apps") == (cx ? 3 : 2),
			 "dp_apps counts the attached contexts (%lld on core %d, %lld in all)",
			 stat_of(snap, cpu, "dp_apps"), cpu,
			 stat_of(snap, -1, "dp_apps"));
	free(snap);
	ksft_test_result(echo_some(&A, c, sizes, 3, 1),
			 "1, 1460 and 20000 bytes are echoed byte-exact");

	validate_refusals(&A, &B, cx, c, ncores);
	ksft_test_result(!c->dead && echo_some(&A, c, after, 3, 11),
			 "after every refusal the connection still echoes byte-exact");
	validate_sendv(&A, c);
	validate_listen(&A, cx);
	validate_full_ring(&B);
	validate_backpressure(cpu);
	validate_bad_ev_head(cpu, &B);
	validate_cmd_tail_jump(&A, &B, c, cpu);

	/* Close: a send after it is refused, then EOF and DEAD. */
	validate_send_after_close(&A, c);
	WAIT(&A, 10000, c->dead);
	ksft_test_result(c->dead && !c->dead_status && c->eof,
			 "after CLOSE: EOF from the peer, then DEAD with status 0 (%d)",
			 c->dead_status);
	ksft_test_result(c->rx_bytes == c->queued,
			 "the peer echoed exactly the bytes sent (%llu of %llu)",
			 (unsigned long long)c->rx_bytes,
			 (unsigned long long)c->queued);
	expect_refused(&A, mk(IXDP_OP_SEND, c->handle, 16, A.scratch, 0),
		       -EBADF, "SEND on the stale handle after DEAD gets -EBADF");
	expect_refused(&A, mk(IXDP_OP_CLOSE, c->handle, 0, 0, 0), -EBADF,
		       "CLOSE on the stale handle gets -EBADF");
	expect_refused(&A, mk(IXDP_OP_ABORT, c->handle, 0, 0, 0), -EBADF,
		       "ABORT on the stale handle gets -EBADF");
	conn_free(c);

	idx = conn_connect(&A, host_ip(), closed, 5000, false, &st);
	ksft_expect_err(idx < 0 ? st : 0, -ECONNREFUSED,
			"CONNECT to a closed host port: CONNECTED with -ECONNREFUSED");
	ksft_test_result(!A.slice_bad,
			 "every RECV lay inside one RX chunk no other connection held");
	ksft_test_result(!A.errors && !B.errors,
			 "no unexpected failure or event (%lu)", A.errors + B.errors);
	app_close(&A);
	app_close(&B);
	if (cx)
		app_close(&C);
	return ksft_finish();
}
