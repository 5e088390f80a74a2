// SPDX-License-Identifier: GPL-2.0
/*
 * The rule that keeps pipelined sends in order:
 *   rings sendorder PORT  connect to the host's echo server on PORT; a
 *                         SEND larger than the send buffer is short, the
 *                         SEND queued behind it is refused (-EAGAIN), and
 *                         still after SENT, until the application sends
 *                         again from the first byte not taken; the echo
 *                         shows that the peer got every byte in order.
 */
#include "app.h"

#define SO_FIRST	(2U << 20)	/* more than the 1 MiB send buffer */
#define SO_TOTAL	(3U << 20)

/*
 * Send TX bytes [@from, @to) from the first byte each completion says was
 * not taken, waiting for SENT after a short one; true when all are taken.
 */
static bool send_from(struct app *a, struct conn *c, uint64_t from,
		      uint64_t to, unsigned int *nsends)
{
	uint64_t end = now_ms() + 60000, acked;
	struct ixdp_cmd cmd;
	int st;

	while (from < to && now_ms() < end) {
		acked = c->acked;
		cmd = mk(IXDP_OP_SEND, c->handle, (uint32_t)(to - from), from,
			 0);
		cmd.flags = IXDP_CMDF_ACK;
		st = test_cmd(a, &cmd, NULL);
		(*nsends)++;
		if (st < 0 || st > (int)(to - from)) {
			ksft_print_msg("SEND of [%llu, %llu): %d\n",
				       (unsigned long long)from,
				       (unsigned long long)to, st);
			return false;
		}
		from += (uint32_t)st;
		if (from < to)
			WAIT(a, left_ms(end), c->acked > acked || c->dead);
	}
	return from == to;
}

int mode_sendorder(uint16_t port)
{
	static struct app A;
	int ncores = core_count(), cpu = ncores > 1 ? 1 : 0, idx, err, st;
	struct ixdp_cmd s1, s2;
	unsigned int n1 = 0, n2 = 0;
	struct cpl l1 = {}, l2 = {}, *p;
	uint8_t *want;
	struct conn *c;
	bool ok;

	err = app_open(&A, cpu, 4 << 20);
	if (!ksft_test_result(!err, "a context with a 4 MiB TX arena attaches to the core on CPU %d (%d)",
			      cpu, err))
		return ksft_finish();
	idx = conn_connect(&A, host_ip(), port, 15000, true, &st);
	want = malloc(SO_TOTAL);
	if (!ksft_test_result(idx >= 0 && want,
			      "IXDP_OP_CONNECT to %s:%u (%d)", HOST_IP, port,
			      st)) {
		app_close(&A);
		free(want);
		return ksft_finish();
	}
	c = &A.c[idx];
	c->rbuf = malloc(SO_TOTAL);
	c->rcap = c->rbuf ? SO_TOTAL : 0;
	c->rlen = 0;
	fill(want, SO_TOTAL, 4242);
	memcpy(A.r.tx, want, SO_TOTAL);

	/* Two SENDs queued together, neither with IXDP_CMDF_ACK. */
	s1 = mk(IXDP_OP_SEND, c->handle, SO_FIRST, 0, 0);
	s1.user_data = UD(T_TEST, 0, ++A.seq);
	s2 = mk(IXDP_OP_SEND, c->handle, SO_TOTAL - SO_FIRST, SO_FIRST, 0);
	s2.user_data = UD(T_TEST, 0, ++A.seq);
	ok = rctx_room(&A.r) >= 2;
	if (ok) {
		*rctx_slot(&A.r) = s1;
		*rctx_slot(&A.r) = s2;
		rctx_publish(&A.r);
	}
	p = ok ? wait_cpl(&A, s1.user_data, 3000) : NULL;
	if (p)
		l1 = *p;
	p = ok ? wait_cpl(&A, s2.user_data, 3000) : NULL;
	if (p)
		l2 = *p;
	ksft_test_result(l1.ud == s1.user_data && l1.status >= 0 &&
			 l1.status < (int)SO_FIRST,
			 "a SEND of 2 MiB, more than the send buffer, is short and completes without IXDP_CMDF_ACK (%d taken)",
			 l1.status);
	ksft_test_result(l2.ud == s2.user_data && l2.status == -EAGAIN,
			 "the SEND queued behind it is refused with -EAGAIN (%d)",
			 l2.status);
	ksft_test_result(WAIT(&A, 20000, c->acked > 0 || c->dead) && !c->dead,
			 "a SENT event announces room (%llu bytes acknowledged)",
			 (unsigned long long)c->acked);
	expect_refused(&A, mk(IXDP_OP_SEND, c->handle, SO_TOTAL - SO_FIRST,
			      SO_FIRST, 0), -EAGAIN,
		       "after SENT, a SEND not at the first untaken byte is still refused with -EAGAIN");
	ok = l1.ud == s1.user_data && l1.status >= 0 &&
	     send_from(&A, c, (uint32_t)l1.status, SO_FIRST, &n1);
	ksft_test_result(ok, "sent again from the first untaken byte, the rest of the 2 MiB is taken (%u SENDs)",
			 n1);
	ok = ok && send_from(&A, c, SO_FIRST, SO_TOTAL, &n2);
	ksft_test_result(ok, "then the refused 1 MiB is taken (%u SENDs)", n2);
	if (!ok)
		/* Where a stalled stream stood, for the log. */
		ksft_print_msg("stalled: acked %llu received %zu unreturned %llu dead %d (%d) eof %d events %lu\n",
			       (unsigned long long)c->acked, c->rlen,
			       (unsigned long long)c->unret, c->dead,
			       c->dead_status, c->eof, A.events);
	WAIT(&A, 60000, c->rlen >= SO_TOTAL || c->dead || c->eof);
	ksft_test_result(c->rlen == SO_TOTAL && !memcmp(c->rbuf, want, SO_TOTAL),
			 "the peer got the 3 MiB in order: its echo is byte-exact (%zu bytes)",
			 c->rlen);
	ksft_test_result(conn_close_graceful(&A, c),
			 "CLOSE ends the connection gracefully (EOF, DEAD 0)");
	ksft_test_result(!A.errors && !A.slice_bad,
			 "no unexpected failure (%lu errors)", A.errors);
	app_close(&A);
	free(want);
	return ksft_finish();
}
