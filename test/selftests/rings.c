// SPDX-License-Identifier: GPL-2.0
/*
 * The command and event rings of /dev/ixdp (IXDP_FEAT_RINGS), driven with
 * the raw ABI of include/uapi/linux/ixdp.h, without libixdp:
 *
 *   rings validate PORT CLOSED  every documented refusal, against a live
 *                               connection made with IXDP_OP_CONNECT to
 *                               a host echo server on PORT (CLOSED: a
 *                               host port nobody listens on); a full
 *                               command ring, a full event ring, a bogus
 *                               ev_head, cmd_tail a ring ahead
 *   rings fuzz N PORT           N random commands, ring drained, while a
 *                               host peer connects to PORT ($FUZZ_SEED
 *                               picks another sequence)
 *   rings echo PORT MSGS        connect out, echo MSGS messages, close
 *   rings poll PORT             poll() sleeps until an event; WAKE
 *   rings serve PORT N          echo server on every core (killed -9)
 *   rings thread PORT N         a thread attaches, holds N connections
 *                               and exits without closing its files
 *   rings coredel CPU RXQ       a context whose core is removed
 *   rings idle LABEL SECONDS    counters back to rest: no context, no
 *                               connection of an application, every
 *                               buffer free
 *   rings wait NAME MIN SECONDS wait until the counter sum >= MIN
 *   rings features              exit 0 if IXDP_FEAT_RINGS is announced
 *
 * serve, wait and features answer with their exit status. The others are
 * tests: as a step of a stage (lib.sh's tap_join sets $TAP_START) they
 * print TAP result lines numbered from there, no plan, and their totals;
 * run by hand, a whole TAP stream with the plan last (ksft.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "ksft.h"
#include "rings.h"

#define HOST_IP		"198.18.0.1"
#define MAXC		64	/* connections per context in these tests */
#define CPL_LOG		512
#define PENDQ		8192
#define SEGQ		64

/* user_data of the commands these tests issue: tag, connection, sequence */
enum { T_TEST = 1, T_SEND, T_FENCE, T_RDONE, T_ACCEPT, T_CLOSE, T_MISC };
#define UD(tag, conn, seq)	((uint64_t)(tag) << 56 | \
				 (uint64_t)((conn) & 0xffffff) << 32 | \
				 (uint32_t)(seq))
#define UD_TAG(u)		((unsigned int)((u) >> 56))
#define UD_CONN(u)		((unsigned int)((u) >> 32) & 0xffffff)

struct seg {
	uint64_t off;
	uint32_t len;
};

struct conn {
	bool used, open, eof, dead, closing;
	int32_t dead_status, conn_status;
	uint64_t handle;
	int slice;		/* RX slice of its payload, -1 before any */
	/* receive */
	uint8_t *rbuf;		/* client: bytes received */
	size_t rcap, rlen;
	uint64_t rx_bytes;
	struct seg rq[SEGQ];	/* echo: received, not yet copied */
	unsigned int rq_h, rq_n;
	/* send: our region of the TX arena */
	uint64_t txbase;
	struct seg sq[SEGQ];	/* queued, not yet taken */
	unsigned int sq_h, sq_n;
	bool inflight, wait_room, got_short;
	uint32_t short_n;
	int32_t send_err;
	uint64_t queued, taken, acked, echoed;
};

struct cpl {
	uint64_t ud, handle;
	int32_t status;
	uint8_t op;
	bool used;
};

struct app {
	struct rctx r;
	struct conn c[MAXC];
	struct cpl log[CPL_LOG];
	unsigned int nlog;
	struct ixdp_cmd *pend;	/* commands waiting for ring room */
	unsigned int pend_h, pend_n;
	bool accept_knocks, echo;
	uint32_t txslot;	/* TX bytes of each connection */
	uint64_t scratch;	/* TX arena offset free for tests */
	uint64_t seq;
	uint64_t knocks[MAXC];
	unsigned int nknocks;
	unsigned long errors, slice_bad, events;
	unsigned long echoed, deaths, closed_ok, busy;	/* echo servers */
};

static int left_ms(uint64_t end)
{
	uint64_t now = now_ms();

	return now < end ? (int)(end - now) : 0;
}

static uint32_t host_ip(void)
{
	return inet_addr(HOST_IP);
}

/* ---- an application context with its connections ---- */

static int app_open(struct app *a, unsigned int cpu, uint32_t tx_arena)
{
	struct ixdp_attach want = { .tx_arena = tx_arena };
	int err;

	memset(a, 0, sizeof(*a));
	err = rctx_open(&a->r, cpu, &want);
	if (err)
		return err;
	a->pend = calloc(PENDQ, sizeof(*a->pend));
	a->txslot = (a->r.a.tx_arena / (MAXC + 1)) & ~4095U;
	if (a->txslot > 65536)
		a->txslot = 65536;
	a->scratch = (uint64_t)MAXC * a->txslot;
	return a->pend ? 0 : -ENOMEM;
}

static void app_close(struct app *a)
{
	unsigned int i;

	for (i = 0; i < MAXC; i++)
		free(a->c[i].rbuf);
	free(a->pend);
	a->pend = NULL;
	rctx_close(&a->r);
}

/* Move queued commands into the ring while it has room. */
static void app_flush(struct app *a)
{
	unsigned int n = 0;

	while (a->pend_n && rctx_room(&a->r)) {
		*rctx_slot(&a->r) = a->pend[a->pend_h];
		a->pend_h = (a->pend_h + 1) % PENDQ;
		a->pend_n--;
		n++;
	}
	if (n)
		rctx_publish(&a->r);
}

static void app_cmd_raw(struct app *a, const struct ixdp_cmd *cmd)
{
	if (a->pend_n == PENDQ) {
		ksft_print_msg("command queue overflow\n");
		exit(KSFT_FAIL);
	}
	a->pend[(a->pend_h + a->pend_n) % PENDQ] = *cmd;
	a->pend_n++;
	app_flush(a);
}

static void app_cmd(struct app *a, uint8_t op, uint8_t flags, uint64_t ud,
		    uint64_t handle, uint32_t arg32, uint64_t a0, uint64_t a1)
{
	struct ixdp_cmd cmd = {
		.opcode = op, .flags = flags, .user_data = ud,
		.handle = handle, .arg32 = arg32, .arg = { a0, a1 },
	};

	app_cmd_raw(a, &cmd);
}

static int conn_new(struct app *a)
{
	unsigned int i;

	for (i = 0; i < MAXC; i++) {
		struct conn *c = &a->c[i];
		uint8_t *rbuf = c->rbuf;
		size_t rcap = c->rcap;

		if (c->used)
			continue;
		memset(c, 0, sizeof(*c));
		c->used = true;
		c->slice = -1;
		c->rbuf = rbuf;
		c->rcap = rcap;
		c->txbase = (uint64_t)i * a->txslot;
		return (int)i;
	}
	return -1;
}

static void conn_free(struct conn *c)
{
	c->used = false;
}

static uint64_t cookie_of(int idx)
{
	return 0x5eed0000ULL + (uint64_t)idx;
}

static struct conn *conn_of_cookie(struct app *a, uint64_t cookie)
{
	uint64_t i = cookie - 0x5eed0000ULL;

	return i < MAXC && a->c[i].used ? &a->c[i] : NULL;
}

static void log_cpl(struct app *a, const struct ixdp_event *ev)
{
	struct cpl *l = &a->log[a->nlog++ % CPL_LOG];

	l->ud = ev->arg[0];
	l->op = (uint8_t)ev->arg[1];
	l->handle = ev->handle;
	l->status = ev->status;
	l->used = true;
}

static struct cpl *find_cpl(struct app *a, uint64_t ud)
{
	unsigned int i;

	for (i = 0; i < CPL_LOG; i++)
		if (a->log[i].used && a->log[i].ud == ud)
			return &a->log[i];
	return NULL;
}

static void on_completion(struct app *a, const struct ixdp_event *ev)
{
	uint64_t ud = ev->arg[0];
	unsigned int tag = UD_TAG(ud), i = UD_CONN(ud);
	struct conn *c = i < MAXC ? &a->c[i] : NULL;

	switch (tag) {
	case T_SEND:
		if (!c)
			break;
		if (ev->status >= 0) {
			/* A short send: the rest waits for a SENT event. */
			c->got_short = true;
			c->short_n = (uint32_t)ev->status;
			c->wait_room = true;
		} else {
			c->send_err = ev->status;
			a->errors++;
			ksft_print_msg("send on connection %u: %d\n", i,
				       ev->status);
		}
		return;
	case T_FENCE:
		if (!c || !c->sq_n)
			break;
		if (c->got_short) {
			struct seg *s = &c->sq[c->sq_h];

			s->off += c->short_n;
			s->len -= c->short_n;
			c->taken += c->short_n;
			if (!s->len) {
				c->sq_h = (c->sq_h + 1) % SEGQ;
				c->sq_n--;
			}
		} else {
			if (!c->send_err)
				c->taken += c->sq[c->sq_h].len;
			c->sq_h = (c->sq_h + 1) % SEGQ;
			c->sq_n--;
		}
		c->got_short = false;
		c->send_err = 0;
		c->inflight = false;
		return;
	case T_RDONE:
	case T_ACCEPT:
	case T_CLOSE:
		if (ev->status < 0) {
			a->errors++;
			ksft_print_msg("command %u of connection %u: %d\n",
				       (unsigned int)ev->arg[1], i, ev->status);
		}
		break;
	}
	log_cpl(a, ev);
}

static void on_recv(struct app *a, struct conn *c, const struct ixdp_event *ev)
{
	uint64_t off = ev->arg[0], len = ev->arg[1];
	uint32_t sl = a->r.a.rx_slice;

	if (!len) {
		c->eof = true;
		return;
	}
	if (off >= a->r.a.rx_arena || len > a->r.a.rx_arena - off ||
	    off / sl != (off + len - 1) / sl ||
	    (c->slice >= 0 && (uint64_t)c->slice != off / sl)) {
		a->slice_bad++;
		ksft_print_msg("recv outside its slice: off %llu len %llu slice %d\n",
			       (unsigned long long)off,
			       (unsigned long long)len, c->slice);
		return;
	}
	c->slice = (int)(off / sl);
	c->rx_bytes += len;
	if (a->echo) {
		struct seg *last = c->rq_n ?
			&c->rq[(c->rq_h + c->rq_n - 1) % SEGQ] : NULL;

		if (last && last->off + last->len == off) {
			last->len += (uint32_t)len;
		} else if (c->rq_n == SEGQ) {
			a->errors++;
		} else {
			c->rq[(c->rq_h + c->rq_n) % SEGQ] =
				(struct seg){ off, (uint32_t)len };
			c->rq_n++;
		}
		return;
	}
	if (c->rbuf) {
		if (c->rlen + len > c->rcap) {
			a->errors++;
			ksft_print_msg("more bytes than expected\n");
		} else {
			memcpy(c->rbuf + c->rlen, a->r.rx + off, len);
			c->rlen += len;
		}
	}
	app_cmd(a, IXDP_OP_RECV_DONE, 0, UD(T_RDONE, c - a->c, 0), c->handle,
		(uint32_t)len, 0, 0);
}

/* The thread test rejects the first knock any of its contexts sees. */
static bool reject_next;
static uint64_t rejected;
static struct app *rejected_by;

static void on_event(struct app *a, const struct ixdp_event *ev)
{
	struct conn *c;
	int idx;

	a->events++;
	if (ev->type == IXDP_EV_COMPLETION) {
		on_completion(a, ev);
		return;
	}
	if (ev->type == IXDP_EV_KNOCK) {
		if (reject_next) {
			reject_next = false;
			rejected = ev->handle;
			rejected_by = a;
			app_cmd(a, IXDP_OP_REJECT, IXDP_CMDF_ACK,
				UD(T_TEST, 4, 0), ev->handle, 0, 0, 0);
			return;
		}
		if (!a->accept_knocks) {
			if (a->nknocks < MAXC)
				a->knocks[a->nknocks++] = ev->handle;
			return;
		}
		idx = conn_new(a);
		if (idx < 0) {
			app_cmd(a, IXDP_OP_REJECT, 0, UD(T_MISC, 0, 0),
				ev->handle, 0, 0, 0);
			return;
		}
		a->c[idx].handle = ev->handle;
		a->c[idx].open = true;
		app_cmd(a, IXDP_OP_ACCEPT, 0, UD(T_ACCEPT, idx, 0), ev->handle,
			0, cookie_of(idx), 0);
		return;
	}
	c = conn_of_cookie(a, ev->cookie);
	if (!c) {
		a->errors++;
		ksft_print_msg("event %u with unknown cookie %#llx\n", ev->type,
			       (unsigned long long)ev->cookie);
		return;
	}
	switch (ev->type) {
	case IXDP_EV_CONNECTED:
		if (ev->status) {
			c->conn_status = ev->status;
			c->dead = true;
		} else {
			c->handle = ev->handle;
			c->open = true;
		}
		break;
	case IXDP_EV_RECV:
		on_recv(a, c, ev);
		break;
	case IXDP_EV_SENT:
		c->acked += ev->arg[0];
		c->wait_room = false;
		break;
	case IXDP_EV_DEAD:
		c->dead = true;
		c->open = false;
		c->dead_status = ev->status;
		c->rq_n = 0;
		a->deaths++;
		a->closed_ok += !ev->status;
		if (a->echo)
			conn_free(c);
		break;
	default:
		a->errors++;
		ksft_print_msg("unknown event type %u\n", ev->type);
	}
}

/* Echo servers: copy what came into our TX region and send it back. */
static void echo_progress(struct app *a, struct conn *c, int idx)
{
	uint32_t n = 0;

	if (!c->open || c->inflight || c->sq_n || c->taken != c->acked)
		return;
	while (c->rq_n && n < a->txslot) {
		struct seg *s = &c->rq[c->rq_h];
		uint32_t k = s->len < a->txslot - n ? s->len : a->txslot - n;

		memcpy(a->r.tx + c->txbase + n, a->r.rx + s->off, k);
		n += k;
		s->off += k;
		s->len -= k;
		if (!s->len) {
			c->rq_h = (c->rq_h + 1) % SEGQ;
			c->rq_n--;
		}
	}
	if (n) {
		app_cmd(a, IXDP_OP_RECV_DONE, 0, UD(T_RDONE, idx, 0),
			c->handle, n, 0, 0);
		c->sq[(c->sq_h + c->sq_n) % SEGQ] =
			(struct seg){ c->txbase, n };
		c->sq_n++;
		c->queued += n;
		if (!c->echoed)
			a->busy++;
		c->echoed += n;
		a->echoed += n;
	} else if (c->eof && !c->closing) {
		c->closing = true;
		app_cmd(a, IXDP_OP_CLOSE, 0, UD(T_CLOSE, idx, 0), c->handle,
			0, 0, 0);
	}
}

static void send_progress(struct app *a, struct conn *c, int idx)
{
	struct seg *s;

	if (!c->open || c->inflight || c->wait_room || !c->sq_n)
		return;
	s = &c->sq[c->sq_h];
	/* The NOP after it tells whether the send was whole. */
	app_cmd(a, IXDP_OP_SEND, 0, UD(T_SEND, idx, 0), c->handle, s->len,
		s->off, 0);
	app_cmd(a, IXDP_OP_NOP, 0, UD(T_FENCE, idx, 0), 0, 0, 0, 0);
	c->inflight = true;
}

/* Handle what is there: the number of events. */
static int app_step(struct app *a)
{
	const struct ixdp_event *e;
	struct ixdp_event ev;
	int n = 0, i;

	app_flush(a);
	while ((e = rctx_peek(&a->r))) {
		ev = *e;
		rctx_advance(&a->r);
		on_event(a, &ev);
		n++;
	}
	for (i = 0; i < MAXC; i++) {
		if (!a->c[i].used)
			continue;
		if (a->echo)
			echo_progress(a, &a->c[i], i);
		send_progress(a, &a->c[i], i);
	}
	app_flush(a);
	return n;
}

/* Handle the events of several contexts, sleeping in poll() up to @ms. */
static int apps_pump(struct app **as, int n, int ms)
{
	struct pollfd p[8];
	int i, got = 0;

	for (i = 0; i < n; i++)
		got += app_step(as[i]);
	if (got || !ms)
		return got;
	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = as[i]->r.fd, .events = POLLIN };
	poll(p, n, ms);
	for (i = 0; i < n; i++)
		got += app_step(as[i]);
	return got;
}

static int app_pump(struct app *a, int ms)
{
	return apps_pump(&a, 1, ms);
}

/* Pump @a until @cond holds or @ms pass; the value of @cond. */
#define WAIT(a, ms, cond) ({						\
	uint64_t _end = now_ms() + (ms);				\
	bool _ok;							\
	while (!(_ok = (cond)) && now_ms() < _end)			\
		app_pump((a), 5);					\
	_ok;								\
})

static struct cpl *wait_cpl(struct app *a, uint64_t ud, int ms)
{
	struct cpl *l = NULL;

	WAIT(a, ms, (l = find_cpl(a, ud)) != NULL);
	if (l)
		l->used = false;
	return l;
}

/* Send @cmd as a test command; its completion status, 1 if none came. */
static int test_cmd(struct app *a, struct ixdp_cmd *cmd, struct cpl *out)
{
	struct cpl *l;

	cmd->user_data = UD(T_TEST, 0, ++a->seq);
	app_cmd_raw(a, cmd);
	l = wait_cpl(a, cmd->user_data, 3000);
	if (!l)
		return 1;
	if (out)
		*out = *l;
	return l->status;
}

/*
 * One command the kernel must refuse with @want: its completion carries
 * that status, the command's user_data, opcode and handle, and the CQ's
 * dropped counter grows by exactly one.
 */
static bool expect_refused(struct app *a, struct ixdp_cmd cmd, int want,
			   const char *fmt, ...)
{
	uint64_t before = rctx_dropped(&a->r);
	struct cpl l = {};
	char what[200];
	va_list ap;
	bool ok;
	int st;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	st = test_cmd(a, &cmd, &l);
	WAIT(a, 1000, rctx_dropped(&a->r) > before);
	ok = st == want && rctx_dropped(&a->r) == before + 1 &&
	     l.op == cmd.opcode && l.handle == cmd.handle;
	if (!ok)
		ksft_print_msg("%s: status %d (want %d), dropped +%llu, opcode %u, handle %#llx\n",
			       what, st, want,
			       (unsigned long long)(rctx_dropped(&a->r) - before),
			       l.op, (unsigned long long)l.handle);
	return ksft_test_result(ok, "%s", what);
}

/* Connect to the host; the connection or -1 (retries refusals). */
static int conn_connect(struct app *a, uint32_t ip, uint16_t port, int ms,
			bool retry, int32_t *status)
{
	uint64_t end = now_ms() + ms;
	struct conn *c;
	struct cpl *l;
	int idx;

	for (;;) {
		uint64_t ud = UD(T_MISC, 0, ++a->seq);

		idx = conn_new(a);
		if (idx < 0)
			return -1;
		c = &a->c[idx];
		app_cmd(a, IXDP_OP_CONNECT, 0, ud, 0, port, cookie_of(idx),
			ip);
		WAIT(a, left_ms(end), c->open || c->dead || find_cpl(a, ud));
		l = find_cpl(a, ud);
		*status = l ? l->status : c->open ? 0 : c->dead ?
			  c->conn_status : -ETIMEDOUT;
		if (c->open)
			return idx;
		conn_free(c);
		if (!retry || *status != -ECONNREFUSED || now_ms() >= end)
			return -1;
		sleep_ms(200);
	}
}

static bool conn_sendable(const struct conn *c)
{
	return !c->inflight && !c->sq_n && c->taken == c->acked;
}

/* Echo @len bytes of @msg through connection @c: byte-exact? */
static bool conn_echo(struct app *a, struct conn *c, const uint8_t *msg,
		      size_t len, int ms)
{
	uint64_t end = now_ms() + ms;
	size_t off = 0;

	if (c->rcap < len) {
		free(c->rbuf);
		c->rbuf = malloc(len);
		c->rcap = c->rbuf ? len : 0;
		if (!c->rbuf)
			return false;
	}
	c->rlen = 0;
	while (off < len) {
		uint32_t k = len - off < a->txslot ? len - off : a->txslot;

		if (!WAIT(a, left_ms(end), conn_sendable(c) || c->dead))
			return false;
		if (c->dead)
			return false;
		memcpy(a->r.tx + c->txbase, msg + off, k);
		c->sq[(c->sq_h + c->sq_n) % SEGQ] = (struct seg){ c->txbase, k };
		c->sq_n++;
		c->queued += k;
		off += k;
		app_step(a);
	}
	WAIT(a, left_ms(end), c->rlen >= len || c->dead || c->eof);
	WAIT(a, 1000, conn_sendable(c));
	return c->rlen == len && !memcmp(c->rbuf, msg, len);
}

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

/* CLOSE, then the peer's EOF and a DEAD event with status 0. */
static bool conn_close_graceful(struct app *a, struct conn *c)
{
	app_cmd(a, IXDP_OP_CLOSE, 0, UD(T_CLOSE, c - a->c, 0), c->handle, 0,
		0, 0);
	WAIT(a, 10000, c->dead);
	if (!c->dead || c->dead_status || !c->eof)
		ksft_print_msg("close: dead %d status %d eof %d\n", c->dead,
			       c->dead_status, c->eof);
	return c->dead && !c->dead_status && c->eof;
}

static struct ixdp_cmd mk(uint8_t op, uint64_t handle, uint32_t arg32,
			  uint64_t a0, uint64_t a1)
{
	return (struct ixdp_cmd){ .opcode = op, .handle = handle,
				  .arg32 = arg32, .arg = { a0, a1 } };
}

static uint64_t mkh(uint16_t fg, uint16_t gen, uint32_t slot)
{
	return (uint64_t)fg << 48 | (uint64_t)gen << 32 | slot;
}

/* Echo a few messages of @sizes on connection @c: all byte-exact? */
static bool echo_some(struct app *a, struct conn *c, const size_t *sizes,
		      unsigned int n, uint32_t seed)
{
	static uint8_t msg[1 << 17];
	unsigned int i;

	for (i = 0; i < n; i++) {
		fill(msg, sizes[i], seed + i);
		if (!conn_echo(a, c, msg, sizes[i], 20000)) {
			ksft_print_msg("echo of %zu bytes: got %zu%s\n",
				       sizes[i], c->rlen,
				       c->dead ? ", connection dead" : "");
			return false;
		}
	}
	return true;
}

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
	expect_refused(a, mk(IXDP_OP_SEND, H, 16, s, 1), -EINVAL,
		       "SEND with unused arg[1] gets -EINVAL");
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

static int validate(uint16_t port, uint16_t closed)
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
	ksft_print_msg("cmd %u ev %u rx %u tx %u max_conns %u rx_slice %u\n",
		       A.r.a.cmd_entries, A.r.a.ev_entries, A.r.a.rx_arena,
		       A.r.a.tx_arena, A.r.a.max_conns, A.r.a.rx_slice);

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
			 "every RECV lay inside its connection's own RX slice");
	ksft_test_result(!A.errors && !B.errors,
			 "no unexpected failure or event (%lu)", A.errors + B.errors);
	app_close(&A);
	app_close(&B);
	if (cx)
		app_close(&C);
	return ksft_finish();
}

/* ---- fuzz ---- */

struct fz {
	uint64_t handle;
	uint32_t arg32;
	uint8_t op, flags;
	bool malformed;		/* reserved word, unknown flag, unused arg */
	uint8_t seen;
};

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t pick(unsigned int n, const uint64_t *v)
{
	return v[rnd() % n];
}

#define PICK(...) pick(sizeof((uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t), \
		       (uint64_t[]){ __VA_ARGS__ })

/* Which words each opcode reads (mirrors enum ixdp_op in the header). */
static const struct {
	uint8_t args;		/* bit i: arg[i] */
	bool arg32, handle;
} op_use[__IXDP_OP_MAX] = {
	[IXDP_OP_LISTEN] = { 0, true, false },
	[IXDP_OP_UNLISTEN] = { 0, true, false },
	[IXDP_OP_ACCEPT] = { 1, false, true },
	[IXDP_OP_REJECT] = { 0, false, true },
	[IXDP_OP_CONNECT] = { 3, true, false },
	[IXDP_OP_SEND] = { 1, true, true },
	[IXDP_OP_SENDV] = { 1, true, true },
	[IXDP_OP_RECV_DONE] = { 0, true, true },
	[IXDP_OP_CLOSE] = { 0, false, true },
	[IXDP_OP_ABORT] = { 0, false, true },
};

struct fuzzer {
	struct rctx r;
	struct fz *fz;
	uint32_t n;
	uint16_t port;
	uint64_t handles[64];
	unsigned int nh;
	uint32_t recent_recv[16];
	unsigned int nrecv;
	unsigned long cpls, fails, refusals, bad, badop_wrong, shorts;
	unsigned long ev_type[__IXDP_EV_MAX + 1], ev_bad, recv_bad;
	bool ctl_done;
	int32_t ctl_status;
	unsigned int accepted;
	unsigned long ctl_fails;
	uint64_t to_accept[64];	/* knocks to accept properly */
	unsigned int nacc;
};

#define FZ_CTL	(1ULL << 63)

static uint64_t fz_handle(struct fuzzer *f)
{
	uint64_t h = f->nh ? f->handles[rnd() % f->nh] : rnd();

	switch (rnd() % 10) {
	case 0: case 1: case 2: case 3:
		return h;
	case 4: case 5:
		return h ^ (1ULL << (rnd() % 64));
	case 6:
		return rnd();
	case 7:
		return 0;
	case 8:
		return (h & ~0xffffffffULL) | (rnd() % 256);
	default:
		return h + (1ULL << 32);
	}
}

static void fz_gen(struct fuzzer *f, struct ixdp_cmd *cmd, uint32_t i)
{
	uint64_t tx = f->r.a.tx_arena;
	struct fz *z = &f->fz[i];
	unsigned int r = rnd() % 100, k;
	uint8_t op;

	memset(cmd, 0, sizeof(*cmd));
	if (r < 4)
		op = 0;
	else if (r < 8)
		op = __IXDP_OP_MAX + rnd() % (256 - __IXDP_OP_MAX);
	else
		op = 1 + rnd() % (__IXDP_OP_MAX - 1);
	cmd->opcode = op;
	r = rnd() % 100;
	cmd->flags = r < 60 ? 0 : r < 92 ? IXDP_CMDF_ACK : (uint8_t)rnd();
	if (rnd() % 100 < 3)
		cmd->resv0 = (uint16_t)rnd() | 1;
	if (rnd() % 100 < 3)
		cmd->resv[0] = rnd() | 1;
	cmd->user_data = i;
	switch (op) {
	case IXDP_OP_LISTEN:
	case IXDP_OP_UNLISTEN:
		cmd->arg32 = (uint32_t)PICK(f->port, rnd() % 65536, rnd(),
					    1 + rnd() % 1024, 0);
		break;
	case IXDP_OP_CONNECT:
		cmd->arg32 = (uint32_t)PICK(7199, rnd() % 65536, rnd(), 0);
		cmd->arg[0] = rnd();
		cmd->arg[1] = PICK(host_ip(), host_ip(), (uint32_t)rnd(),
				   rnd(), 0);
		break;
	case IXDP_OP_SEND:
		cmd->arg[0] = PICK(rnd() % tx, rnd() % tx, rnd(),
				   tx - rnd() % 64, 0);
		cmd->arg32 = (uint32_t)PICK(rnd() % 2048, rnd() % 2048,
					    rnd(), 0, tx - cmd->arg[0]);
		break;
	case IXDP_OP_SENDV:
		cmd->arg[0] = PICK(0, 0, 0, (rnd() % tx) & ~7ULL, rnd(),
				   tx - 16 * (rnd() % 8));
		cmd->arg32 = (uint32_t)PICK(1 + rnd() % 8, rnd() % 70, rnd());
		break;
	case IXDP_OP_RECV_DONE:
		cmd->arg32 = (uint32_t)PICK(f->nrecv ?
			f->recent_recv[rnd() % f->nrecv] : 1, rnd() % 100,
			rnd(), 0);
		break;
	case IXDP_OP_ACCEPT:
		cmd->arg[0] = rnd();
		break;
	}
	if (op && op < __IXDP_OP_MAX && op_use[op].handle) {
		cmd->handle = fz_handle(f);
		/*
		 * Ending a live connection is rare, or no command would meet
		 * one for long: a wrong generation instead, mostly.
		 */
		if ((op == IXDP_OP_ABORT || op == IXDP_OP_CLOSE ||
		     op == IXDP_OP_REJECT) && rnd() % 200)
			cmd->handle ^= 1ULL << 32;
	} else if (rnd() % 100 < 3) {
		cmd->handle = rnd();
	}
	/* Now and then one word the opcode does not use. */
	if (rnd() % 100 < 4) {
		k = rnd() % 5;
		if (k == 4)
			cmd->arg32 |= (op && op < __IXDP_OP_MAX &&
				       op_use[op].arg32) ? 0 : 1 + rnd() % 9;
		else if (!(op && op < __IXDP_OP_MAX &&
			   (op_use[op].args & (1 << k))))
			cmd->arg[k] = rnd() | 1;
	}
	z->op = op;
	z->flags = cmd->flags;
	z->handle = cmd->handle;
	z->arg32 = cmd->arg32;
	z->malformed = !op || op >= __IXDP_OP_MAX ||
		       (cmd->flags & ~IXDP_CMDF_ALL) || cmd->resv0 ||
		       cmd->resv[0] || (cmd->handle && !op_use[op].handle);
	for (k = 0; !z->malformed && k < 4; k++)
		if (cmd->arg[k] && !(op_use[op].args & (1 << k)))
			z->malformed = true;
	if (!z->malformed && cmd->arg32 && !op_use[op].arg32)
		z->malformed = true;
}

/* Random iov entries at TX offset 0, mostly inside the arena. */
static void fz_iovs(struct fuzzer *f)
{
	struct ixdp_iov *iov = (struct ixdp_iov *)f->r.tx;
	uint64_t tx = f->r.a.tx_arena;
	unsigned int i;

	for (i = 0; i < IXDP_IOV_MAX + 8; i++) {
		iov[i].off = PICK(4096 + rnd() % (tx - 8192), rnd() % tx,
				  rnd(), tx - rnd() % 16);
		iov[i].len = (uint32_t)PICK(rnd() % 3000, rnd() % 3000,
					    rnd(), 0);
		iov[i].resv = rnd() % 50 ? 0 : (uint32_t)rnd();
	}
}

static void fz_add_handle(struct fuzzer *f, uint64_t h)
{
	if (f->nh < 64)
		f->handles[f->nh++] = h;
	else
		f->handles[rnd() % 64] = h;
}

static void fz_event(struct fuzzer *f, const struct ixdp_event *ev)
{
	uint64_t ud = ev->arg[0];
	struct fz *z;

	f->ev_type[ev->type <= __IXDP_EV_MAX ? ev->type : __IXDP_EV_MAX]++;
	if (!ev->type || ev->type >= __IXDP_EV_MAX || ev->resv0[0] ||
	    ev->resv0[1] || ev->resv0[2]) {
		f->ev_bad++;
		return;
	}
	switch (ev->type) {
	case IXDP_EV_KNOCK:
		fz_add_handle(f, ev->handle);
		/* Half of them are accepted properly, to keep data flowing. */
		if (rnd() % 2 && f->nacc < 64)
			f->to_accept[f->nacc++] = ev->handle;
		return;
	case IXDP_EV_CONNECTED:
		if (!ev->status)
			fz_add_handle(f, ev->handle);
		return;
	case IXDP_EV_RECV:
		if (ev->arg[0] >= f->r.a.rx_arena ||
		    ev->arg[1] > f->r.a.rx_arena - ev->arg[0])
			f->recv_bad++;
		if (ev->arg[1]) {
			f->recent_recv[f->nrecv < 16 ? f->nrecv++ :
				       rnd() % 16] = (uint32_t)ev->arg[1];
			/* Touch the payload: it must be readable. */
			(void)*(volatile uint8_t *)(f->r.rx + ev->arg[0] %
						     f->r.a.rx_arena);
		}
		return;
	case IXDP_EV_COMPLETION:
		break;
	default:
		return;
	}
	if (ud == (FZ_CTL | 1)) {
		/* An ACCEPT of to_accept; the fuzz may have beaten it. */
		f->ctl_fails += ev->status < 0;
		return;
	}
	if (ud & FZ_CTL) {
		f->ctl_done = true;
		f->ctl_status = ev->status;
		return;
	}
	f->cpls++;
	if (ud >= f->n) {
		f->bad++;
		ksft_print_msg("completion of unknown user_data %#llx\n",
			       (unsigned long long)ud);
		return;
	}
	z = &f->fz[ud];
	if (++z->seen > 1 || (uint8_t)ev->arg[1] != z->op ||
	    ev->arg[1] > 255 || ev->handle != z->handle ||
	    ev->status < -4095 ||
	    (z->op == IXDP_OP_NOP && !z->malformed && ev->status) ||
	    (ev->status > 0 && z->op != IXDP_OP_SEND &&
	     z->op != IXDP_OP_SENDV) ||
	    (ev->status > 0 && z->op == IXDP_OP_SEND &&
	     (uint32_t)ev->status > z->arg32) ||
	    (z->malformed && ev->status != -EINVAL && ev->status != -EBADF)) {
		if (f->bad++ < 10)
			ksft_print_msg("command %llu (op %u flags %#x%s): completion seen %u, op %llu, status %d\n",
				       (unsigned long long)ud, z->op, z->flags,
				       z->malformed ? ", malformed" : "",
				       z->seen, (unsigned long long)ev->arg[1],
				       ev->status);
	}
	if ((!z->op || z->op >= __IXDP_OP_MAX) && ev->status != -EINVAL)
		f->badop_wrong++;
	if (ev->status < 0) {
		f->fails++;
		if (ev->status == -EINVAL || ev->status == -EBADF)
			f->refusals++;
	} else if (ev->status > 0) {
		f->shorts++;
	}
}

static void fz_drain(struct fuzzer *f)
{
	const struct ixdp_event *e;
	struct ixdp_event ev;

	while ((e = rctx_peek(&f->r))) {
		ev = *e;
		rctx_advance(&f->r);
		fz_event(f, &ev);
	}
}

static void fz_ctl(struct fuzzer *f, uint8_t op, uint32_t arg32,
		   uint64_t handle, uint64_t a0)
{
	struct ixdp_cmd *cmd;
	uint64_t end = now_ms() + 5000;

	while (!rctx_room(&f->r) && now_ms() < end) {
		fz_drain(f);
		rctx_poll(&f->r, 5);
	}
	cmd = rctx_slot(&f->r);
	cmd->opcode = op;
	cmd->flags = IXDP_CMDF_ACK;
	cmd->arg32 = arg32;
	cmd->handle = handle;
	cmd->arg[0] = a0;
	cmd->user_data = FZ_CTL;
	f->ctl_done = false;
	rctx_publish(&f->r);
	while (!f->ctl_done && now_ms() < end) {
		fz_drain(f);
		if (!f->ctl_done)
			rctx_poll(&f->r, 5);
	}
}

static int fuzz(uint32_t n, uint16_t port)
{
	long long bad0 = core_stat(0, "dp_app_bad_cmds"), bad1;
	static struct fuzzer f;
	uint64_t start = now_ms(), limit = start + 100000, drop0;
	unsigned long missing = 0, batches = 0;
	uint32_t i = 0, j, b;
	char *snap;
	int err;

	f.n = n;
	f.port = port;
	f.fz = calloc(n, sizeof(*f.fz));
	err = rctx_open(&f.r, 0, NULL);
	if (!ksft_test_result(!err && f.fz, "the fuzzer attaches to the core on CPU 0 (%d)",
			      err))
		return ksft_finish();
	if (getenv("FUZZ_SEED"))
		rnd_state = strtoull(getenv("FUZZ_SEED"), NULL, 0) | 1;
	ksft_print_msg("fuzz seed %#llx\n", (unsigned long long)rnd_state);
	fz_ctl(&f, IXDP_OP_LISTEN, port, 0, 0);
	ksft_test_result(f.ctl_done && !f.ctl_status,
			 "the fuzzer listens on port %u for the host's chaos peer",
			 port);
	/* Accept the peer's first connections, so commands meet live ones. */
	while (f.accepted < 4 && now_ms() - start < 20000) {
		unsigned int k, nh = f.nh;

		fz_drain(&f);
		for (k = nh; k < f.nh; k++) {
			fz_ctl(&f, IXDP_OP_ACCEPT, 0, f.handles[k], 0xc0c0 + k);
			f.accepted += f.ctl_done && !f.ctl_status;
		}
		rctx_poll(&f.r, 10);
	}
	ksft_test_result(f.accepted >= 4,
			 "it accepted %u connections of the host's chaos peer",
			 f.accepted);
	drop0 = rctx_dropped(&f.r);
	start = now_ms();

	while (i < n && now_ms() < limit && !rctx_dead(&f.r)) {
		uint32_t room;

		fz_drain(&f);
		room = rctx_room(&f.r);
		if (!room) {
			rctx_poll(&f.r, 2);
			continue;
		}
		b = 1 + rnd() % room;
		if (b > n - i)
			b = n - i;
		if (batches++ % 8 == 0)
			fz_iovs(&f);
		while (f.nacc && b > 1) {
			struct ixdp_cmd *cmd = rctx_slot(&f.r);

			cmd->opcode = IXDP_OP_ACCEPT;
			cmd->handle = f.to_accept[--f.nacc];
			cmd->arg[0] = rnd();
			cmd->user_data = FZ_CTL | 1;
			b--;
		}
		for (j = 0; j < b; j++, i++)
			fz_gen(&f, rctx_slot(&f.r), i);
		rctx_publish(&f.r);
		/* Give the peer's traffic a chance between batches. */
		sleep_ms(1);
	}
	/* Everything taken, then a last NOP behind it. */
	while (load_acq(f.r.cmd_head) != f.r.tail && now_ms() < limit &&
	       !rctx_dead(&f.r)) {
		fz_drain(&f);
		rctx_poll(&f.r, 2);
	}
	fz_ctl(&f, IXDP_OP_NOP, 0, 0, 0);
	fz_drain(&f);
	ksft_test_result(i == n && load_acq(f.r.cmd_head) == f.r.tail &&
			 f.ctl_done && !rctx_dead(&f.r),
			 "%u random commands were all taken in %llu ms (%lu batches, %llu wakes)",
			 i, (unsigned long long)(now_ms() - start), batches,
			 (unsigned long long)f.r.wakes);
	for (j = 0; j < i; j++) {
		struct fz *z = &f.fz[j];

		if (!z->seen && (z->malformed || (z->flags & IXDP_CMDF_ACK) ||
				 z->op == IXDP_OP_NOP)) {
			if (missing++ < 5)
				ksft_print_msg("no completion for command %u (op %u flags %#x)\n",
					       j, z->op, z->flags);
		}
	}
	ksft_print_msg("%lu completions: %lu failed (%lu -EINVAL/-EBADF), %lu sends taking bytes; events: knock %lu connected %lu recv %lu sent %lu dead %lu; dropped +%llu\n",
		       f.cpls, f.fails, f.refusals, f.shorts,
		       f.ev_type[IXDP_EV_KNOCK], f.ev_type[IXDP_EV_CONNECTED],
		       f.ev_type[IXDP_EV_RECV], f.ev_type[IXDP_EV_SENT],
		       f.ev_type[IXDP_EV_DEAD],
		       (unsigned long long)(rctx_dropped(&f.r) - drop0));
	ksft_test_result(f.ev_type[IXDP_EV_RECV] > 0,
			 "the commands met connections carrying data (%lu RECV events)",
			 f.ev_type[IXDP_EV_RECV]);
	ksft_test_result(!f.bad,
			 "every completion names a command once, with its opcode, handle and a sane status (%lu bad)",
			 f.bad);
	ksft_test_result(!f.badop_wrong,
			 "every unknown opcode got -EINVAL (%lu did not)",
			 f.badop_wrong);
	ksft_test_result(!missing,
			 "every malformed, ACKed or NOP command got its completion (%lu missing)",
			 missing);
	ksft_test_result(!f.ev_bad && !f.recv_bad,
			 "every event has a known type, zero reserved bytes and RECVs inside the RX arena (%lu, %lu)",
			 f.ev_bad, f.recv_bad);
	ksft_test_result(rctx_dropped(&f.r) - drop0 >= f.refusals &&
			 rctx_dropped(&f.r) - drop0 <= f.fails + f.ctl_fails,
			 "the CQ's dropped counter counts the refused commands (+%llu, %lu refused, %lu + %lu failed)",
			 (unsigned long long)(rctx_dropped(&f.r) - drop0),
			 f.refusals, f.fails, f.ctl_fails);
	snap = stat_snapshot();
	bad1 = stat_of(snap, 0, "dp_app_bad_cmds");
	free(snap);
	ksft_test_result(bad0 >= 0 &&
			 bad1 - bad0 == (long long)rctx_dropped(&f.r),
			 "the core's dp_app_bad_cmds grew as much as dropped (+%lld, %llu)",
			 bad1 - bad0, (unsigned long long)rctx_dropped(&f.r));
	rctx_close(&f.r);
	free(f.fz);
	return ksft_finish();
}

/* ---- echo, poll, serve, thread, coredel ---- */

/* The CPUs of the dataplane cores, in the cores' order. */
static int core_cpus(int *cpus, int max)
{
	char *snap = stat_snapshot();
	const char *p = snap;
	int n = 0;

	while (p && (p = strstr(p, "\"cpu\":")) && n < max) {
		cpus[n++] = atoi(p + 6);
		p += 6;
	}
	free(snap);
	return n;
}

static int echo(uint16_t port, unsigned int msgs)
{
	static const size_t sizes[] = { 1, 7, 64, 512, 1460, 4096, 16384,
					65536 };
	static struct app A;
	int ncores = core_count(), cpu = ncores > 1 ? 1 : 0, idx, err, st;
	unsigned int i, ok = 0;
	uint64_t bytes = 0;
	struct conn *c;

	err = app_open(&A, cpu, 8 << 20);
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
	app_close(&A);
	return ksft_finish();
}

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
 * wakes by itself at least every 100 ms (kmod/dpcore.c), so the test is
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

static int poll_test(uint16_t port)
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

/*
 * An echo server on every core until it is killed (the stage kills it
 * with SIGKILL mid-traffic). Prints "# serve: busy" once @want
 * connections have echoed something. Not a test by itself.
 */
static int serve(uint16_t port, unsigned int want)
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

static int thread_test(uint16_t port, unsigned int conns)
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

static int coredel(int cpu, int rxq)
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

/* ---- counters ---- */

static int idle(const char *label, int secs)
{
	uint64_t start = now_ms(), end = start + (uint64_t)secs * 1000;
	long long apps, conns, rf, rt, tf, tt, all;
	unsigned int n = 0;
	char *snap;

	for (;;) {
		snap = stat_snapshot();
		apps = stat_of(snap, -1, "dp_apps");
		conns = stat_of(snap, -1, "dp_app_conns");
		rf = stat_of(snap, -1, "dp_rxbuf_free");
		rt = stat_of(snap, -1, "dp_rxbuf_total");
		tf = stat_of(snap, -1, "dp_txbuf_free");
		tt = stat_of(snap, -1, "dp_txbuf_total");
		all = stat_of(snap, -1, "dp_conns");
		free(snap);
		if ((!apps && !conns && rf == rt && tf == tt && rt > 0 &&
		     tt > 0) || now_ms() >= end)
			break;
		if (!(n++ % 5))
			ksft_print_msg("%s: at %llu ms: dp_apps %lld dp_app_conns %lld dp_conns %lld rxbuf %lld/%lld txbuf %lld/%lld\n",
				       label,
				       (unsigned long long)(now_ms() - start),
				       apps, conns, all, rf, rt, tf, tt);
		sleep_ms(200);
	}
	ksft_print_msg("%s: after %llu ms: dp_apps %lld dp_app_conns %lld dp_conns %lld rxbuf %lld/%lld txbuf %lld/%lld\n",
		       label, (unsigned long long)(now_ms() - start), apps,
		       conns, all, rf, rt, tf, tt);
	ksft_test_result(apps == 0, "%s: no context is attached (dp_apps %lld)",
			 label, apps);
	ksft_test_result(conns == 0,
			 "%s: no connection belongs to an application (dp_app_conns %lld)",
			 label, conns);
	ksft_test_result(rt > 0 && rf == rt,
			 "%s: every RX buffer is free (%lld of %lld)", label, rf,
			 rt);
	ksft_test_result(tt > 0 && tf == tt,
			 "%s: every TX buffer is free (%lld of %lld)", label, tf,
			 tt);
	return ksft_finish();
}

static int wait_stat(const char *name, long long min, int secs)
{
	uint64_t end = now_ms() + (uint64_t)secs * 1000;
	long long v;

	while ((v = core_stat(-1, name)) < min && now_ms() < end)
		sleep_ms(200);
	printf("# %s = %lld\n", name, v);
	return v >= min ? 0 : 1;
}

static int features(void)
{
	struct ixdp_version_info v = {};
	int fd = open("/dev/ixdp", O_RDWR | O_CLOEXEC);
	int err = fd < 0 || ioctl(fd, IXDP_IOC_VERSION, &v) < 0;

	if (fd >= 0)
		close(fd);
	printf("# module %s, features %#llx\n", err ? "?" : v.module_version,
	       (unsigned long long)v.features);
	return !err && (v.features & IXDP_FEAT_RINGS) ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: rings validate PORT CLOSED | fuzz N PORT | echo PORT MSGS |\n"
		"  poll PORT | serve PORT N | thread PORT N | coredel CPU RXQ |\n"
		"  idle LABEL SECONDS | wait NAME MIN SECONDS | features\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "serve") && argc == 4)
		return serve(atoi(argv[2]), strtoul(argv[3], NULL, 0));
	if (!strcmp(m, "wait") && argc == 5)
		return wait_stat(argv[2], atoll(argv[3]), atoi(argv[4]));
	if (!strcmp(m, "features") && argc == 2)
		return features();

	ksft_print_header();
	if (!strcmp(m, "validate") && argc == 4)
		return validate(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(m, "fuzz") && argc == 4)
		return fuzz(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	if (!strcmp(m, "echo") && argc == 4)
		return echo(atoi(argv[2]), strtoul(argv[3], NULL, 0));
	if (!strcmp(m, "poll") && argc == 3)
		return poll_test(atoi(argv[2]));
	if (!strcmp(m, "thread") && argc == 4)
		return thread_test(atoi(argv[2]), strtoul(argv[3], NULL, 0));
	if (!strcmp(m, "coredel") && argc == 4)
		return coredel(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(m, "idle") && argc == 4)
		return idle(argv[2], atoi(argv[3]));
	return usage();
}
