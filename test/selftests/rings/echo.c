// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic through application contexts:
 *   rings echo PORT MSGS  connect out, echo MSGS messages, close
 *   rings echo-folded PORT MSGS  the same attached with
 *                         IXDP_ATTACH_RECV_ACKED, received bytes returned
 *                         in SENDs (IXDP_FEAT_SEND_DONE)
 *   rings serve PORT N    an echo server on every core until it is killed
 *                         (rings.sh sends SIGKILL mid-traffic)
 */
#include "app.h"

int mode_echo(uint16_t port, unsigned int msgs, bool fold)
{
	static const size_t sizes[] = { 1, 7, 64, 512, 1460, 4096, 16384,
					65536 };
	static struct app A;
	int ncores = core_count(), cpu = ncores > 1 ? 1 : 0, idx, err, st;
	unsigned int i, ok = 0;
	uint64_t bytes = 0;
	struct conn *c;

	err = app_open_flags(&A, cpu, 8 << 20,
			     fold ? IXDP_ATTACH_RECV_ACKED : 0);
	if (!ksft_test_result(!err, "a context attaches to the core on CPU %d (%d)",
			      cpu, err))
		return ksft_finish();
	idx = conn_connect(&A, host_ip(), port, 15000, true, &st);
	if (!ksft_test_result(idx >= 0, "IXDP_OP_CONNECT to %s:%u (%d)",
			      HOST_IP, port, st)) {
		app_close(&A);
		return ksft_finish();
	}
	c = &A.c[idx];
	for (i = 0; i < msgs; i++) {
		size_t sz = sizes[i % 8];

		if (!echo_some(&A, c, &sz, 1, 1000 + i))
			break;
		ok++;
		bytes += sz;
	}
	ksft_test_result(ok == msgs,
			 "%u of %u messages (1 B to 64 KiB, %llu bytes) echoed byte-exact",
			 ok, msgs, (unsigned long long)bytes);
	ksft_test_result(conn_close_graceful(&A, c),
			 "CLOSE ends the connection gracefully (EOF, DEAD 0)");
	ksft_test_result(!A.errors && !A.slice_bad && c->rx_bytes == c->queued,
			 "no unexpected failure, every byte came back once (%llu of %llu)",
			 (unsigned long long)c->rx_bytes,
			 (unsigned long long)c->queued);
	if (fold) {
		ksft_test_result(A.recv_acked > 0 && c->acked == c->queued,
				 "acknowledgements rode on %lu RECV events, SENT and RECV acknowledged every byte (%llu of %llu)",
				 A.recv_acked, (unsigned long long)c->acked,
				 (unsigned long long)c->queued);
		ksft_test_result(A.send_done > 0,
				 "%lu SENDs returned received bytes, and the window stayed open",
				 A.send_done);
	}
	app_close(&A);
	return ksft_finish();
}

/*
 * An echo server on every core until it is killed (the stage kills it
 * with SIGKILL mid-traffic). Prints "# serve: busy" once @want
 * connections have echoed something. Not a test by itself.
 */
int mode_serve(uint16_t port, unsigned int want)
{
	static struct app apps[8];
	struct app *as[8];
	int cpus[8], n = core_cpus(cpus, 8), i;
	uint64_t start = now_ms(), report = start;
	bool said = false;
	struct ixdp_cmd m;

	for (i = 0; i < n; i++) {
		if (app_open(&apps[i], (unsigned int)cpus[i], 0)) {
			printf("# serve: cannot attach to CPU %d\n", cpus[i]);
			return 1;
		}
		as[i] = &apps[i];
		apps[i].accept_knocks = true;
		apps[i].echo = true;
		m = mk(IXDP_OP_LISTEN, 0, port, 0, 0);
		m.flags = IXDP_CMDF_ACK;
		if (test_cmd(&apps[i], &m, NULL)) {
			printf("# serve: cannot listen on port %u\n", port);
			return 1;
		}
	}
	printf("# serve: listening on port %u on %d cores\n", port, n);
	fflush(stdout);
	while (now_ms() - start < 120000) {
		unsigned long busy = 0, echoed = 0, errors = 0;

		apps_pump(as, n, 20);
		for (i = 0; i < n; i++) {
			busy += apps[i].busy;
			echoed += apps[i].echoed;
			errors += apps[i].errors;
		}
		if (!said && busy >= want) {
			printf("# serve: busy: %lu connections echoed %lu bytes\n",
			       busy, echoed);
			fflush(stdout);
			said = true;
		}
		if (now_ms() - report > 2000) {
			printf("# serve: %lu connections, %lu bytes echoed, %lu errors\n",
			       busy, echoed, errors);
			fflush(stdout);
			report = now_ms();
		}
	}
	return 0;
}
