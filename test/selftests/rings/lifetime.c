// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts that outlive what they belong to:
 *   rings thread PORT N   a thread attaches, holds N connections and exits
 *                         without closing its files: its contexts die and
 *                         the connections are torn down
 *   rings coredel CPU RXQ a context whose core is removed is dead
 *                         (IXDP_CQ_DEAD, POLLERR, -ENXIO)
 */
#include "app.h"

#include <pthread.h>

struct thread_arg {
	struct app apps[8];
	int n;
	uint16_t port;
	unsigned int conns;
	bool attached, listening, held;
	int32_t abort_status, dead_status, stale_status;
	int32_t reject_status, accept_rejected;
};

/* Attach, listen, accept and hold; abort one; exit with everything open. */
static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	struct app *as[8];
	int cpus[8], i, k;
	uint64_t end;
	struct ixdp_cmd m;
	struct conn *c = NULL;
	struct app *ca = NULL;

	t->n = core_cpus(cpus, 8);
	t->attached = t->n > 0;
	t->listening = true;
	for (i = 0; i < t->n; i++) {
		t->attached &= !app_open(&t->apps[i], (unsigned int)cpus[i], 0);
		as[i] = &t->apps[i];
		t->apps[i].accept_knocks = true;
	}
	if (!t->attached)
		return NULL;
	reject_next = true;
	for (i = 0; i < t->n; i++) {
		m = mk(IXDP_OP_LISTEN, 0, t->port, 0, 0);
		m.flags = IXDP_CMDF_ACK;
		t->listening &= !test_cmd(&t->apps[i], &m, NULL);
	}
	/* Every connection open and its first bytes in. */
	end = now_ms() + 30000;
	while (now_ms() < end) {
		unsigned int held = 0;

		for (i = 0; i < t->n; i++)
			for (k = 0; k < MAXC; k++)
				held += t->apps[i].c[k].open &&
					t->apps[i].c[k].rx_bytes > 0;
		if (held >= t->conns) {
			t->held = true;
			break;
		}
		apps_pump(as, t->n, 20);
	}
	t->reject_status = 1;
	t->accept_rejected = 1;
	if (rejected_by) {
		struct cpl *l = wait_cpl(rejected_by, UD(T_TEST, 4, 0), 1000);

		t->reject_status = l ? l->status : 1;
		m = mk(IXDP_OP_ACCEPT, rejected, 0, 1, 0);
		t->accept_rejected = test_cmd(rejected_by, &m, NULL);
	}
	for (i = 0; i < t->n && !c; i++)
		for (k = 0; k < MAXC && !c; k++)
			if (t->apps[i].c[k].open) {
				ca = &t->apps[i];
				c = &ca->c[k];
			}
	if (!c)
		return NULL;
	m = mk(IXDP_OP_ABORT, c->handle, 0, 0, 0);
	m.flags = IXDP_CMDF_ACK;
	t->abort_status = test_cmd(ca, &m, NULL);
	WAIT(ca, 5000, c->dead);
	t->dead_status = c->dead ? c->dead_status : 1;
	t->stale_status = test_cmd(ca, &m, NULL);
	return NULL;	/* the files stay open */
}

int mode_thread(uint16_t port, unsigned int conns)
{
	static struct thread_arg t;
	long long n;
	pthread_t th;
	bool ok;
	int i, ev;

	t.port = port;
	t.conns = conns;
	if (pthread_create(&th, NULL, thread_main, &t) ||
	    pthread_join(th, NULL))
		t.attached = false;
	if (!ksft_test_result(t.attached && t.listening,
			      "a thread attaches to every core and listens on port %u",
			      port))
		return ksft_finish();
	ksft_test_result(t.reject_status == 0,
			 "REJECT of the first KNOCK completes (%d)", t.reject_status);
	ksft_expect_err(t.accept_rejected, -EBADF,
			"ACCEPT of the rejected handle gets -EBADF");
	ksft_test_result(t.held, "it accepted and holds %u more connections",
			 conns);
	ksft_test_result(t.abort_status == 0 && t.dead_status == -ECONNABORTED,
			 "ABORT completes and the connection ends with DEAD -ECONNABORTED (%d, %d)",
			 t.abort_status, t.dead_status);
	ksft_expect_err(t.stale_status, -EBADF,
			"ABORT again on that handle gets -EBADF");
	n = core_stat(-1, "dp_app_conns");
	ksft_print_msg("the thread exited; dp_app_conns %lld\n", n);
	ok = true;
	for (i = 0; i < t.n; i++)
		ok &= WAIT(&t.apps[i], 5000, rctx_dead(&t.apps[i].r));
	ksft_test_result(ok,
			 "once the attaching thread exited every context shows IXDP_CQ_DEAD");
	ok = true;
	for (i = 0; i < t.n; i++) {
		ev = rctx_poll(&t.apps[i].r, 0);
		ok &= ev > 0 && (ev & POLLERR);
	}
	ksft_test_result(ok, "and poll() reports POLLERR on each");
	for (i = 0; i < 50 && (n = core_stat(-1, "dp_app_conns")) != 0; i++)
		sleep_ms(100);
	ksft_test_result(n == 0,
			 "the kernel tore its connections down: dp_app_conns %lld",
			 n);
	ksft_print_msg("dp_apps %lld while the files are still open\n",
		       core_stat(-1, "dp_apps"));
	for (i = 0; i < t.n; i++)
		app_close(&t.apps[i]);
	return ksft_finish();
}

int mode_coredel(int cpu, int rxq)
{
	static struct app a;
	char cmdline[128];
	struct ixdp_cmd *cmd;
	uint32_t head;
	int err, ev;

	err = app_open(&a, (unsigned int)cpu, 0);
	if (!ksft_test_result(!err, "a context attaches to the core on CPU %d (%d)",
			      cpu, err))
		return ksft_finish();
	snprintf(cmdline, sizeof(cmdline), "ixctl core del cpu %d", cpu);
	err = system(cmdline);
	ksft_test_result(err == 0,
			 "the core on CPU %d is removed while the context is attached",
			 cpu);
	ksft_test_result(WAIT(&a, 3000, rctx_dead(&a.r)),
			 "the context shows IXDP_CQ_DEAD");
	ev = rctx_poll(&a.r, 1000);
	ksft_test_result(ev > 0 && (ev & POLLERR), "poll() reports POLLERR (%#x)",
			 ev);
	err = ioctl(a.r.fd, IXDP_IOC_WAKE, 0) < 0 ? -errno : 0;
	ksft_expect_err(err, -ENXIO, "IXDP_IOC_WAKE gets -ENXIO");
	head = load_acq(a.r.cmd_head);
	cmd = rctx_slot(&a.r);
	cmd->opcode = IXDP_OP_NOP;
	cmd->flags = IXDP_CMDF_ACK;
	store_rel(a.r.cmd_tail, a.r.tail);
	sleep_ms(300);
	ksft_test_result(load_acq(a.r.cmd_head) == head && !rctx_peek(&a.r),
			 "no command is read any more");
	app_close(&a);
	snprintf(cmdline, sizeof(cmdline), "ixctl core add cpu %d rxq %d",
		 cpu, rxq);
	ksft_test_result(system(cmdline) == 0, "the core comes back");
	return ksft_finish();
}
