// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile application of /dev/ixdp, driven with the raw ABI of
 * include/uapi/linux/ixdp.h (rings.h), for the hostile-context stage
 * (hostile.sh): it shares a dataplane core with a well-behaved echo
 * server and misbehaves in one way per mode, until it is killed.
 *
 *   hostile [-c CPU] [-a CPU] [-t SECONDS] [-d SECONDS] [-g TARGET] MODE ...
 *	-c  the dataplane core to attach to (default 0)
 *	-a  run on this CPU (default: wherever the scheduler likes)
 *	-t  exit by itself after this long (default 120 s): a bound, the
 *	    stage kills it long before
 *	-d  wait this long after "ready" before misbehaving
 *	-g  the progress that counts as "the pattern took hold" (below)
 *
 *   listen PORT   listen with a 64 MiB RX arena (1024 connections), read
 *		   every event, never accept nor reject a knock
 *   hoard PORT	   the same, but accept every knock and never return
 *		   received bytes (no RECV_DONE)
 *   deaf PORT	   the same, but with a 16-entry event ring that it never
 *		   reads again once listening (ev_head stays put)
 *   flood	   NOPs and invalid commands at full speed, the command ring
 *		   refilled to full on every round, IXDP_IOC_WAKE on every
 *		   round whether or not the core sleeps; events are drained
 *		   so that the core has to look at every command
 *   conns PORT IP RPORT N
 *		   two contexts with 64 MiB RX arenas: one accepts every
 *		   connection to PORT, the other connects N times to
 *		   IP:RPORT (a refused connect is tried again 500 ms later,
 *		   5 times at most); all are held and never read
 *   attach MAX	   attach contexts (smallest rings and arenas) until one is
 *		   refused or MAX are attached, and hold them; "ready" comes
 *		   after the first
 *
 *   snap FILE	   write the idle values of the slot and buffer counters
 *   show LABEL	   print the counters as a TAP diagnostic
 *   settle LABEL FILE SECONDS
 *		   wait until the counters are back at the values in FILE;
 *		   one TAP line per counter, a step of hostile.sh (tap_join)
 *
 * The pattern modes print "ready" once attached (and listening), then
 * "effect: ..." once the pattern took hold: its progress (the core's
 * dp_app_conns for the connection patterns, completions for flood)
 * reached -g, or stopped growing for 3 s, or the attach was refused.
 * Progress goes to stdout as "# " lines every 5 s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>

#include "ksft.h"
/* rings.h has helpers this program does not need. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "rings.h"

#define BIG_ARENA	(64U << 20)	/* IXDP_ARENA_MAX */
#define PENDMAX		8192		/* commands waiting for ring room */
#define STABLE_MS	3000
#define REPORT_MS	5000
#define RETRIES		5		/* of a refused connect */

enum mode { M_LISTEN, M_HOARD, M_DEAF, M_FLOOD, M_CONNS, M_ATTACH };

static const char *const mode_name[] = {
	"listen", "hoard", "deaf", "flood", "conns", "attach",
};

struct hctx {
	struct rctx r;
	struct ixdp_cmd *pend;
	unsigned int ph, pn;
};

static struct {
	uint64_t knocks, accepts, connects, connected, connect_err;
	uint64_t recvs, recv_bytes, eofs, deads;
	uint64_t events, cpls, cpl_err, cmds, wakes, wake_err, pend_drop;
	uint64_t listen_ok, refused, retried;
	int connect_errno;		/* of the last failed connect */
} st;

static enum mode mode;
static unsigned int core_cpu;
static int run_cpu = -1;
static unsigned int lifetime_s = 120, delay_s;
static long long target = -1;

/* ---- contexts ---- */

static int hx_open(struct hctx *h, const struct ixdp_attach *want)
{
	int err = rctx_open(&h->r, core_cpu, want);

	if (err)
		return err;
	h->pend = calloc(PENDMAX, sizeof(*h->pend));
	h->ph = h->pn = 0;
	return h->pend ? 0 : -ENOMEM;
}

static void hx_queue(struct hctx *h, const struct ixdp_cmd *cmd)
{
	if (h->pn == PENDMAX) {
		st.pend_drop++;
		return;
	}
	h->pend[(h->ph + h->pn) % PENDMAX] = *cmd;
	h->pn++;
}

/* Move waiting commands into the ring as far as it has room; publish. */
static void hx_flush(struct hctx *h)
{
	unsigned int n = 0;

	while (h->pn && rctx_room(&h->r)) {
		*rctx_slot(&h->r) = h->pend[h->ph];
		h->ph = (h->ph + 1) % PENDMAX;
		h->pn--;
		n++;
	}
	if (n) {
		st.cmds += n;
		if (rctx_publish(&h->r) < 0)
			st.wake_err++;
	}
}

static struct ixdp_cmd mk(uint8_t op, uint64_t handle, uint32_t arg32,
			  uint64_t a0, uint64_t a1)
{
	struct ixdp_cmd c = {
		.opcode = op, .arg32 = arg32, .handle = handle,
		.arg = { a0, a1 },
	};

	return c;
}

static void on_event(struct hctx *h, const struct ixdp_event *ev)
{
	struct ixdp_cmd c;

	st.events++;
	switch (ev->type) {
	case IXDP_EV_COMPLETION:
		st.cpls++;
		if (ev->status < 0)
			st.cpl_err++;
		if (ev->arg[1] == IXDP_OP_LISTEN && !ev->status)
			st.listen_ok++;
		if (ev->arg[1] == IXDP_OP_CONNECT && ev->status < 0) {
			st.connect_err++;
			st.connect_errno = -ev->status;
		}
		break;
	case IXDP_EV_KNOCK:
		st.knocks++;
		if (mode == M_HOARD || mode == M_CONNS) {
			c = mk(IXDP_OP_ACCEPT, ev->handle, 0, ev->handle, 0);
			hx_queue(h, &c);
			st.accepts++;
		}
		break;
	case IXDP_EV_CONNECTED:
		if (ev->status) {
			st.connect_err++;
			st.connect_errno = -ev->status;
		} else {
			st.connected++;
		}
		/* The host's listener may not be up yet: try again later. */
		if (ev->status == -ECONNREFUSED)
			st.refused++;
		break;
	case IXDP_EV_RECV:
		if (ev->arg[1]) {
			st.recvs++;
			st.recv_bytes += ev->arg[1];
		} else {
			st.eofs++;
		}
		break;
	case IXDP_EV_DEAD:
		st.deads++;
		break;
	}
}

static unsigned int hx_drain(struct hctx *h)
{
	const struct ixdp_event *ev;
	unsigned int n = 0;

	while ((ev = rctx_peek(&h->r))) {
		on_event(h, ev);
		rctx_advance(&h->r);
		n++;
	}
	return n;
}

/* Listen on @port and wait (3 s at most) for the completion. */
static int hx_listen(struct hctx *h, uint16_t port)
{
	struct ixdp_cmd c = mk(IXDP_OP_LISTEN, 0, port, 0, 0);
	uint64_t end = now_ms() + 3000;

	c.flags = IXDP_CMDF_ACK;
	hx_queue(h, &c);
	hx_flush(h);
	while (!st.listen_ok && now_ms() < end) {
		if (!hx_drain(h))
			rctx_poll(&h->r, 50);
		hx_flush(h);
	}
	return st.listen_ok ? 0 : -ETIMEDOUT;
}

/* ---- progress ---- */

static void report(const char *what)
{
	printf("# %s %s: knocks %llu accepts %llu connects %llu connected %llu connect_err %llu (refused %llu, last errno %d) recv %llu B eof %llu dead %llu events %llu cpl %llu cpl_err %llu cmds %llu wakes %llu wake_err %llu pend_drop %llu\n",
	       mode_name[mode], what, (unsigned long long)st.knocks,
	       (unsigned long long)st.accepts,
	       (unsigned long long)st.connects,
	       (unsigned long long)st.connected,
	       (unsigned long long)st.connect_err,
	       (unsigned long long)st.refused, st.connect_errno,
	       (unsigned long long)st.recv_bytes,
	       (unsigned long long)st.eofs, (unsigned long long)st.deads,
	       (unsigned long long)st.events, (unsigned long long)st.cpls,
	       (unsigned long long)st.cpl_err, (unsigned long long)st.cmds,
	       (unsigned long long)st.wakes,
	       (unsigned long long)st.wake_err,
	       (unsigned long long)st.pend_drop);
}

struct progress {
	uint64_t next_check, next_report, stable_since;
	long long last;
	bool done;
};

static long long progress_metric(void)
{
	if (mode == M_FLOOD)
		return (long long)st.cpls;
	return core_stat(-1, "dp_app_conns");
}

/* Every 500 ms: has the pattern taken hold? Every 5 s: a report. */
static void progress(struct progress *p)
{
	uint64_t now = now_ms();
	long long m;

	if (now >= p->next_report) {
		report("progress");
		p->next_report = now + REPORT_MS;
	}
	if (p->done || now < p->next_check)
		return;
	p->next_check = now + 500;
	m = progress_metric();
	if (m != p->last) {
		p->last = m;
		p->stable_since = now;
	}
	if (target >= 0 && m >= target) {
		printf("effect: %s: progress %lld reached %lld\n",
		       mode_name[mode], m, target);
	} else if (m > 0 && now - p->stable_since >= STABLE_MS) {
		printf("effect: %s: progress %lld, stable for %u ms (target %lld)\n",
		       mode_name[mode], m, STABLE_MS, target);
	} else {
		return;
	}
	report("effect");
	p->done = true;
}

static uint64_t deadline;

static void pattern_start(void)
{
	printf("ready\n");
	if (delay_s)
		sleep_ms(delay_s * 1000);
}

/* ---- the patterns ---- */

static int conn_pattern(uint16_t port)
{
	struct ixdp_attach want = { .rx_arena = BIG_ARENA };
	struct progress p = { 0 };
	struct hctx h;
	int err;

	want.cmd_entries = IXDP_CMD_ENTRIES_MAX;
	want.ev_entries = mode == M_DEAF ? 16 : IXDP_EV_ENTRIES_MAX;
	err = hx_open(&h, &want);
	if (!err)
		err = hx_listen(&h, port);
	if (err) {
		printf("hostile %s: attach and listen on %u: %s\n",
		       mode_name[mode], port, strerror(-err));
		return 1;
	}
	printf("# %s: attached to cpu %u (max_conns %u, ev_entries %u), listening on %u\n",
	       mode_name[mode], core_cpu, h.r.a.max_conns, h.r.a.ev_entries,
	       port);
	pattern_start();
	while (now_ms() < deadline) {
		if (mode != M_DEAF)
			hx_drain(&h);
		hx_flush(&h);
		progress(&p);
		if (mode == M_DEAF || !rctx_peek(&h.r))
			sleep_ms(mode == M_DEAF ? 100 : 5);
	}
	report("lifetime over");
	return 0;
}

static int conns(uint16_t port, const char *ip, uint16_t rport,
		 unsigned int n)
{
	struct ixdp_attach want = {
		.cmd_entries = IXDP_CMD_ENTRIES_MAX,
		.ev_entries = IXDP_EV_ENTRIES_MAX,
		.rx_arena = BIG_ARENA,
	};
	struct progress p = { 0 };
	static struct hctx in, out;
	uint64_t retry_at = 0;
	struct ixdp_cmd c;
	uint32_t addr = inet_addr(ip);
	unsigned int i;
	int err;

	err = hx_open(&in, &want);
	if (!err)
		err = hx_listen(&in, port);
	if (!err)
		err = hx_open(&out, &want);
	if (err) {
		printf("hostile conns: attach and listen on %u: %s\n", port,
		       strerror(-err));
		return 1;
	}
	printf("# conns: two contexts on cpu %u (max_conns %u each), listening on %u, %u connects to %s:%u\n",
	       core_cpu, in.r.a.max_conns, port, n, ip, rport);
	pattern_start();
	for (i = 0; i < n; i++) {
		c = mk(IXDP_OP_CONNECT, 0, rport, 1000 + i, addr);
		hx_queue(&out, &c);
		st.connects++;
	}
	while (now_ms() < deadline) {
		hx_drain(&in);
		hx_drain(&out);
		/* Refused connects again every 500 ms, RETRIES times each. */
		if (now_ms() >= retry_at && st.refused > st.retried &&
		    st.retried < (uint64_t)n * RETRIES) {
			while (st.retried < st.refused) {
				c = mk(IXDP_OP_CONNECT, 0, rport, 1000 + i++,
				       addr);
				hx_queue(&out, &c);
				st.connects++;
				st.retried++;
			}
			retry_at = now_ms() + 500;
		}
		hx_flush(&in);
		hx_flush(&out);
		progress(&p);
		if (!rctx_peek(&in.r) && !rctx_peek(&out.r))
			sleep_ms(5);
	}
	report("lifetime over");
	return 0;
}

/* One round's command @i: a NOP or one of many invalid commands. */
static void flood_cmd(struct ixdp_cmd *c, uint32_t i)
{
	uint64_t junk = 0x9e3779b97f4a7c15ULL * (i + 1);

	switch (i % 10) {
	case 0:
		c->opcode = IXDP_OP_NOP;
		c->flags = IXDP_CMDF_ACK;
		break;
	case 1:
		c->opcode = 0;				/* never valid */
		break;
	case 2:
		c->opcode = 0xff;			/* unknown */
		break;
	case 3:
		c->opcode = IXDP_OP_NOP;
		c->flags = 0x80;			/* unknown flag */
		break;
	case 4:
		c->opcode = IXDP_OP_NOP;
		c->resv0 = 1;				/* reserved */
		break;
	case 5:
		c->opcode = IXDP_OP_SEND;		/* forged handle */
		c->handle = junk;
		c->arg32 = 64;
		break;
	case 6:
		c->opcode = IXDP_OP_RECV_DONE;
		c->handle = junk;
		c->arg32 = 1;
		break;
	case 7:
		c->opcode = IXDP_OP_ACCEPT;
		c->handle = junk;
		break;
	case 8:
		c->opcode = IXDP_OP_LISTEN;		/* port 0 */
		break;
	default:
		c->opcode = IXDP_OP_CLOSE;		/* no handle */
		c->arg[3] = junk;			/* unused word */
		break;
	}
	c->user_data = i;
}

static int flood(void)
{
	struct ixdp_attach want = {
		.cmd_entries = IXDP_CMD_ENTRIES_MAX,
		.ev_entries = IXDP_EV_ENTRIES_MAX,
	};
	struct progress p = { 0 };
	struct hctx h;
	uint32_t i = 0, room;
	int err = hx_open(&h, &want);

	if (err) {
		printf("hostile flood: attach: %s\n", strerror(-err));
		return 1;
	}
	printf("# flood: attached to cpu %u, %u command slots\n", core_cpu,
	       h.r.a.cmd_entries);
	pattern_start();
	while (now_ms() < deadline) {
		room = rctx_room(&h.r);
		st.cmds += room;
		while (room--)
			flood_cmd(rctx_slot(&h.r), i++);
		store_rel(h.r.cmd_tail, h.r.tail);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		st.wakes++;
		if (ioctl(h.r.fd, IXDP_IOC_WAKE, 0) < 0)
			st.wake_err++;
		hx_drain(&h);
		progress(&p);
	}
	report("lifetime over");
	return 0;
}

/* Attach one more context with the smallest rings and arenas: errno. */
static int attach_one(void)
{
	struct ixdp_attach a = {
		.cpu = core_cpu, .cmd_entries = 1, .ev_entries = 1,
		.rx_arena = 64 << 10, .tx_arena = 4096,
	};
	int fd = open("/dev/ixdp", O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	if (ioctl(fd, IXDP_IOC_ATTACH, &a) < 0) {
		err = errno;
		close(fd);
		return err;
	}
	return 0;
}

static int attach(unsigned int max)
{
	struct rlimit rl = { max + 64, max + 64 };
	unsigned int n = 0;
	int err;

	setrlimit(RLIMIT_NOFILE, &rl);
	err = attach_one();
	if (err) {
		printf("hostile attach: the first context: %s\n",
		       strerror(err));
		return 1;
	}
	n++;
	pattern_start();
	while (n < max && !(err = attach_one()))
		n++;
	/* "effect" only for a refusal: attaching without end is a failure. */
	if (err)
		printf("effect: attach: refused after %u contexts: errno %d (%s)\n",
		       n, err, strerror(err));
	else
		printf("no effect: attach: never refused: %u contexts attached\n",
		       n);
	while (now_ms() < deadline)
		sleep_ms(200);
	return 0;
}

/* ---- counters ---- */

/* The slot and buffer counters that must come back to their idle values. */
static const char *const watch[] = {
	"dp_apps", "dp_app_conns", "dp_conns", "dp_rxbuf_free",
	"dp_rxbuf_total", "dp_txbuf_free", "dp_txbuf_total",
};
#define NWATCH	(sizeof(watch) / sizeof(watch[0]))

/* Counters that tell what the pattern did to the core. */
static const char *const extra[] = {
	"dp_rx_nobuf", "dp_app_knock_drops", "dp_app_ring_full",
	"dp_app_cmds", "dp_app_bad_cmds", "dp_app_events", "dp_rx_frames",
	"dp_tx_drops", "dp_tx_busy", "dp_held_drops", "dp_sleeps",
};
#define NEXTRA	(sizeof(extra) / sizeof(extra[0]))

static int snap(const char *file)
{
	char *s = stat_snapshot();
	FILE *f = fopen(file, "w");
	long long v;
	unsigned int i;
	int bad = 0;

	if (!s || !f) {
		fprintf(stderr, "hostile snap: %s\n", s ? file : "no counters");
		return 1;
	}
	for (i = 0; i < NWATCH; i++) {
		v = stat_of(s, -1, watch[i]);
		bad |= v < 0;
		fprintf(f, "%s %lld\n", watch[i], v);
	}
	fclose(f);
	free(s);
	return bad;
}

static int show(const char *label)
{
	char *s = stat_snapshot();
	unsigned int i;

	printf("# %s:", label);
	for (i = 0; i < NWATCH; i++)
		printf(" %s %lld", watch[i], stat_of(s, -1, watch[i]));
	for (i = 0; i < NEXTRA; i++)
		printf(" %s %lld", extra[i], stat_of(s, -1, extra[i]));
	printf("\n");
	free(s);
	return s ? 0 : 1;
}

static int settle(const char *label, const char *file, int secs)
{
	uint64_t start = now_ms(), end = start + (uint64_t)secs * 1000;
	long long idle[NWATCH], now[NWATCH];
	char name[64], *s;
	unsigned int i;
	bool same;
	FILE *f = fopen(file, "r");

	for (i = 0; i < NWATCH; i++) {
		idle[i] = -2;
		if (!f || fscanf(f, "%63s %lld", name, &idle[i]) != 2 ||
		    strcmp(name, watch[i]))
			idle[i] = -2;
	}
	if (f)
		fclose(f);
	for (;;) {
		s = stat_snapshot();
		same = true;
		for (i = 0; i < NWATCH; i++) {
			now[i] = stat_of(s, -1, watch[i]);
			same &= now[i] == idle[i];
		}
		free(s);
		if (same || now_ms() >= end)
			break;
		sleep_ms(200);
	}
	printf("# %s: after %llu ms:", label,
	       (unsigned long long)(now_ms() - start));
	for (i = 0; i < NWATCH; i++)
		printf(" %s %lld (idle %lld)", watch[i], now[i], idle[i]);
	printf("\n");
	ksft_test_result(now[0] == idle[0],
			 "%s: application contexts back to idle (dp_apps %lld, idle %lld)",
			 label, now[0], idle[0]);
	ksft_test_result(now[1] == idle[1],
			 "%s: application connections back to idle (dp_app_conns %lld, idle %lld)",
			 label, now[1], idle[1]);
	ksft_test_result(now[2] == idle[2],
			 "%s: the core's connections back to idle (dp_conns %lld, idle %lld)",
			 label, now[2], idle[2]);
	ksft_test_result(now[3] == idle[3] && now[4] == idle[4] && now[4] > 0,
			 "%s: RX buffers back to idle (%lld free of %lld, idle %lld of %lld)",
			 label, now[3], now[4], idle[3], idle[4]);
	ksft_test_result(now[5] == idle[5] && now[6] == idle[6] && now[6] > 0,
			 "%s: TX buffers back to idle (%lld free of %lld, idle %lld of %lld)",
			 label, now[5], now[6], idle[5], idle[6]);
	return ksft_finish();
}

/* ---- main ---- */

static int usage(void)
{
	fprintf(stderr, "usage: hostile [-c CPU] [-a CPU] [-t S] [-d S] [-g N] listen PORT | hoard PORT |\n"
		"  deaf PORT | flood | conns PORT IP RPORT N | attach MAX |\n"
		"  snap FILE | show LABEL | settle LABEL FILE SECONDS\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *m;
	cpu_set_t set;
	int opt;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+c:a:t:d:g:")) != -1) {
		switch (opt) {
		case 'c':
			core_cpu = strtoul(optarg, NULL, 0);
			break;
		case 'a':
			run_cpu = atoi(optarg);
			break;
		case 't':
			lifetime_s = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			delay_s = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			target = atoll(optarg);
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	m = argc > 0 ? argv[0] : "";
	if (!strcmp(m, "snap") && argc == 2)
		return snap(argv[1]);
	if (!strcmp(m, "show") && argc == 2)
		return show(argv[1]);
	if (!strcmp(m, "settle") && argc == 4) {
		ksft_print_header();
		return settle(argv[1], argv[2], atoi(argv[3]));
	}

	if (run_cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(run_cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	deadline = now_ms() + (uint64_t)lifetime_s * 1000;
	if (!strcmp(m, "listen") && argc == 2)
		mode = M_LISTEN;
	else if (!strcmp(m, "hoard") && argc == 2)
		mode = M_HOARD;
	else if (!strcmp(m, "deaf") && argc == 2)
		mode = M_DEAF;
	else if (!strcmp(m, "flood") && argc == 1)
		return mode = M_FLOOD, flood();
	else if (!strcmp(m, "conns") && argc == 5)
		return mode = M_CONNS, conns(atoi(argv[1]), argv[2],
					     atoi(argv[3]),
					     strtoul(argv[4], NULL, 0));
	else if (!strcmp(m, "attach") && argc == 2)
		return mode = M_ATTACH, attach(strtoul(argv[1], NULL, 0));
	else
		return usage();
	return conn_pattern(atoi(argv[1]));
}
