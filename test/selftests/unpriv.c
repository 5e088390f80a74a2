// SPDX-License-Identifier: GPL-2.0
/*
 * Unprivileged application contexts (test/selftests/unpriv.sh runs each
 * mode, most of them through runas as an ordinary user):
 *
 *   unpriv open-denied              /dev/ixdp refuses a non-member
 *   unpriv memlock CPU              default sizes exceed 8 MiB: ENOBUFS;
 *                                   small ones fit
 *   unpriv exhaust CPU              64 MiB arenas until refused: ENOBUFS,
 *                                   and the charge comes back on close
 *   unpriv quota CPU N              N small contexts, the next: EDQUOT
 *   unpriv full CPU                 32 contexts on a core, the 33rd: ENOSPC
 *   unpriv memcg CPU                in a memory cgroup with a small limit,
 *                                   64 MiB arenas until refused: ENOMEM
 *   unpriv listen CPU PORT WANT     LISTEN's status is WANT (0, -13, ...)
 *   unpriv connect CPU IP PORT WANT CONNECT's outcome: -13 (refused by a
 *                                   grant) or 0 (connected)
 *   unpriv listeners CPU PORT       from PORT up: 4 listens per context,
 *                                   8 per user on a core, then ENOSPC
 *   unpriv backlog CPU PORT N SECS  listen with backlog N, never accept:
 *                                   exactly N knocks in SECS seconds
 *
 * Each mode is a step of unpriv.sh (lib.sh's tap_join): TAP lines numbered
 * from $TAP_START, no plan, then the totals (ksft.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sys/resource.h>

#include "ksft.h"
#include "rings.h"

#define MAX_CTX		64

static const struct ixdp_attach small = {
	.cmd_entries = 64, .ev_entries = 64,
	.rx_arena = 64 << 10, .tx_arena = 4096,
};

static unsigned long memlock_limit(void)
{
	struct rlimit rl;

	getrlimit(RLIMIT_MEMLOCK, &rl);
	return rl.rlim_cur;
}

static int open_denied(void)
{
	int fd = open("/dev/ixdp", O_RDWR);
	int err = fd < 0 ? -errno : 0;

	if (fd >= 0)
		close(fd);
	return ksft_expect_err(err, -EACCES,
			       "a user outside the device's group cannot open /dev/ixdp")
	       ? 0 : 1;
}

static int memlock(unsigned int cpu)
{
	struct rctx c;
	int err;

	ksft_print_msg("RLIMIT_MEMLOCK %lu bytes\n", memlock_limit());
	err = rctx_open(&c, cpu, NULL);
	if (!err)
		rctx_close(&c);
	ksft_expect_err(err, -ENOBUFS,
			"default sizes (8 MiB of arenas) beyond RLIMIT_MEMLOCK: ENOBUFS");
	err = rctx_open(&c, cpu, &small);
	ksft_expect_err(err, 0, "a small context fits in RLIMIT_MEMLOCK");
	if (!err)
		rctx_close(&c);
	return 0;
}

static int exhaust(unsigned int cpu)
{
	static struct rctx c[MAX_CTX];
	struct ixdp_attach big = {
		.rx_arena = IXDP_ARENA_MAX, .tx_arena = IXDP_ARENA_MAX,
	};
	unsigned long limit = memlock_limit(), each = 0;
	int n = 0, err = 0, i;

	while (n < MAX_CTX) {
		err = rctx_open(&c[n], cpu, &big);
		if (err)
			break;
		each = c[n].a.sq_size + c[n].a.cq_size + c[n].a.rx_arena +
		       c[n].a.tx_arena;
		n++;
	}
	ksft_print_msg("%d contexts of %lu bytes of regions each under a limit of %lu, then %d (%s)\n",
		       n, each, limit, err, strerror(-err));
	ksft_test_result(n >= 1 && err == -ENOBUFS,
			 "64 MiB arenas are attached until RLIMIT_MEMLOCK refuses with ENOBUFS");
	ksft_test_result(each && (unsigned long)n * each <= limit &&
			 (unsigned long)(n + 1) * each > limit - limit / 8,
			 "the refusal comes where the limit is (%d x %lu of %lu)",
			 n, each, limit);
	for (i = 0; i < n; i++)
		rctx_close(&c[i]);
	err = rctx_open(&c[0], cpu, &big);
	ksft_expect_err(err, 0, "after closing them the whole limit is free again");
	if (!err)
		rctx_close(&c[0]);
	return 0;
}

/*
 * Run by root (no RLIMIT_MEMLOCK charge) inside a memory cgroup whose
 * limit is far below what is asked: the charge fails, the attach gets
 * ENOMEM, and the OOM killer is never called (unpriv.sh checks the log).
 */
static int memcg(unsigned int cpu)
{
	static struct rctx c[MAX_CTX];
	struct ixdp_attach big = {
		.rx_arena = IXDP_ARENA_MAX, .tx_arena = IXDP_ARENA_MAX,
	};
	int n = 0, err = 0, i;

	while (n < MAX_CTX && !(err = rctx_open(&c[n], cpu, &big)))
		n++;
	ksft_print_msg("attached %d, then %d (%s)\n", n, err, strerror(-err));
	ksft_test_result(err == -ENOMEM,
			 "past its memory cgroup's limit an attach gets ENOMEM");
	for (i = 0; i < n; i++)
		rctx_close(&c[i]);
	err = rctx_open(&c[0], cpu, &small);
	ksft_expect_err(err, 0, "and a small context still fits afterwards");
	if (!err)
		rctx_close(&c[0]);
	return 0;
}

/* Attach small contexts until refused: how many, and why it stopped. */
static int attach_until(unsigned int cpu, struct rctx *c, int max, int *err)
{
	int n = 0;

	*err = 0;
	while (n < max && !(*err = rctx_open(&c[n], cpu, &small)))
		n++;
	return n;
}

static int quota(unsigned int cpu, int want)
{
	static struct rctx c[MAX_CTX];
	int n, err, i;

	n = attach_until(cpu, c, want + 1, &err);
	ksft_print_msg("attached %d, then %d (%s)\n", n, err, strerror(-err));
	ksft_test_result(n == want && err == -EDQUOT,
			 "a user holds %d contexts, the next is refused with EDQUOT",
			 want);
	for (i = 0; i < n; i++)
		rctx_close(&c[i]);
	return 0;
}

static int full(unsigned int cpu)
{
	static struct rctx c[MAX_CTX];
	int n, err, i;

	n = attach_until(cpu, c, 40, &err);
	ksft_print_msg("attached %d, then %d (%s)\n", n, err, strerror(-err));
	ksft_test_result(n == 32 && err == -ENOSPC,
			 "a core takes 32 contexts, the 33rd is refused with ENOSPC");
	for (i = 0; i < n; i++)
		rctx_close(&c[i]);
	return 0;
}

/* Submit one command and return the status of its completion. */
static int run_cmd(struct rctx *c, const struct ixdp_cmd *tmpl,
		   struct ixdp_event *out, int ms)
{
	const struct ixdp_event *e;
	uint64_t end = now_ms() + ms;
	struct ixdp_cmd *cmd = rctx_slot(c);

	*cmd = *tmpl;
	cmd->user_data = 0x5eed;
	rctx_publish(c);
	while (now_ms() < end) {
		while ((e = rctx_peek(c))) {
			*out = *e;
			rctx_advance(c);
			if (out->type == IXDP_EV_COMPLETION ||
			    out->type == IXDP_EV_CONNECTED)
				return 0;
		}
		rctx_poll(c, 50);
	}
	return -ETIMEDOUT;
}

static int listen_mode(unsigned int cpu, unsigned int port, int want)
{
	struct ixdp_cmd cmd = { .opcode = IXDP_OP_LISTEN,
				.flags = IXDP_CMDF_ACK, .arg32 = port };
	struct ixdp_event ev;
	struct rctx c;
	int err;

	err = rctx_open(&c, cpu, &small);
	if (!ksft_expect_err(err, 0, "attach"))
		return 1;
	err = run_cmd(&c, &cmd, &ev, 5000);
	if (!err)
		err = ev.status;
	ksft_expect_err(err, want, want ? "LISTEN without a grant is refused"
					: "LISTEN on a granted port works");
	rctx_close(&c);
	return 0;
}

static int connect_mode(unsigned int cpu, const char *ip, unsigned int port,
			int want)
{
	struct ixdp_cmd cmd = { .opcode = IXDP_OP_CONNECT, .arg32 = port,
				.arg = { 7 } };
	struct ixdp_event ev;
	struct rctx c;
	int err;

	cmd.arg[1] = inet_addr(ip);
	err = rctx_open(&c, cpu, &small);
	if (!ksft_expect_err(err, 0, "attach"))
		return 1;
	err = run_cmd(&c, &cmd, &ev, 10000);
	if (!err)
		err = ev.status;
	ksft_expect_err(err, want, want ? "CONNECT without a grant is refused"
					: "CONNECT to a granted port connects");
	rctx_close(&c);
	return 0;
}

static int listen_status(struct rctx *c, unsigned int port)
{
	struct ixdp_cmd cmd = { .opcode = IXDP_OP_LISTEN,
				.flags = IXDP_CMDF_ACK, .arg32 = port };
	struct ixdp_event ev;
	int err = run_cmd(c, &cmd, &ev, 5000);

	return err ?: ev.status;
}

/* Three contexts of one user: 4 + 4 listens, the 5th and the 9th refused. */
static int listeners(unsigned int cpu, unsigned int port)
{
	int st[3][5] = {}, err = 0, i, j, ok = 0;
	struct rctx c[3];

	for (i = 0; i < 3 && !err; i++)
		err = rctx_open(&c[i], cpu, &small);
	if (!ksft_expect_err(err, 0, "three contexts attach"))
		return 1;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 5; j++)
			st[i][j] = listen_status(&c[i], port + i * 5 + j);
	st[2][0] = listen_status(&c[2], port + 10);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++)
			ok += !st[i][j];
	ksft_print_msg("listen statuses: %d %d %d %d %d / %d %d %d %d %d / %d\n",
		       st[0][0], st[0][1], st[0][2], st[0][3], st[0][4],
		       st[1][0], st[1][1], st[1][2], st[1][3], st[1][4],
		       st[2][0]);
	ksft_test_result(ok == 8 && st[0][4] == -ENOSPC && st[1][4] == -ENOSPC,
			 "a context listens on 4 ports, the 5th gets ENOSPC");
	ksft_test_result(st[2][0] == -ENOSPC,
			 "a user listens on 8 ports of a core, the 9th (another context) gets ENOSPC");
	for (i = 0; i < 3; i++)
		rctx_close(&c[i]);
	return 0;
}

static int backlog(unsigned int cpu, unsigned int port, unsigned int n,
		   unsigned int secs)
{
	struct ixdp_cmd cmd = { .opcode = IXDP_OP_LISTEN,
				.flags = IXDP_CMDF_ACK, .arg32 = port,
				.arg = { n } };
	const struct ixdp_event *e;
	unsigned int knocks = 0;
	struct ixdp_event ev;
	uint64_t end;
	struct rctx c;
	int err;

	err = rctx_open(&c, cpu, NULL);
	if (!ksft_expect_err(err, 0, "attach"))
		return 1;
	err = run_cmd(&c, &cmd, &ev, 5000);
	ksft_expect_err(err ?: ev.status, 0, "LISTEN with a backlog");
	printf("backlog: listening\n");
	fflush(stdout);
	end = now_ms() + secs * 1000;
	while (now_ms() < end) {
		while ((e = rctx_peek(&c))) {
			knocks += e->type == IXDP_EV_KNOCK;
			rctx_advance(&c);
		}
		rctx_poll(&c, 100);
	}
	ksft_test_result(knocks == n,
			 "a listener that never accepts sees exactly its backlog of %u knocks (%u)",
			 n, knocks);
	rctx_close(&c);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned int cpu = argc > 2 ? (unsigned int)atoi(argv[2]) : 0;

	ksft_print_header();
	if (!strcmp(mode, "open-denied") && argc == 2)
		open_denied();
	else if (!strcmp(mode, "memlock") && argc == 3)
		memlock(cpu);
	else if (!strcmp(mode, "exhaust") && argc == 3)
		exhaust(cpu);
	else if (!strcmp(mode, "quota") && argc == 4)
		quota(cpu, atoi(argv[3]));
	else if (!strcmp(mode, "full") && argc == 3)
		full(cpu);
	else if (!strcmp(mode, "memcg") && argc == 3)
		memcg(cpu);
	else if (!strcmp(mode, "listen") && argc == 5)
		listen_mode(cpu, (unsigned int)atoi(argv[3]), atoi(argv[4]));
	else if (!strcmp(mode, "connect") && argc == 6)
		connect_mode(cpu, argv[3], (unsigned int)atoi(argv[4]),
			     atoi(argv[5]));
	else if (!strcmp(mode, "listeners") && argc == 4)
		listeners(cpu, (unsigned int)atoi(argv[3]));
	else if (!strcmp(mode, "backlog") && argc == 6)
		backlog(cpu, (unsigned int)atoi(argv[3]),
			(unsigned int)atoi(argv[4]),
			(unsigned int)atoi(argv[5]));
	else {
		fprintf(stderr, "unpriv: bad mode or arguments (see the source)\n");
		return 2;
	}
	return ksft_finish();
}
