// SPDX-License-Identifier: GPL-2.0
/*
 * An application context of the ring tests: an attached rctx with up to
 * MAXC connections, the completions it has seen, the commands waiting for
 * ring room, and an event loop that echoes or sends as its connections
 * ask. The helpers every topic uses: connect, echo, close, a command and
 * its completion, a refusal and what it must look like.
 */
#include "app.h"

int app_open(struct app *a, unsigned int cpu, uint32_t tx_arena)
{
	return app_open_flags(a, cpu, tx_arena, 0);
}

/* IXDP_ATTACH_RECV_ACKED in @flags: the folded ABI (struct app.fold). */
int app_open_flags(struct app *a, unsigned int cpu, uint32_t tx_arena,
		   uint32_t flags)
{
	struct ixdp_attach want = { .tx_arena = tx_arena, .flags = flags };
	int err;

	memset(a, 0, sizeof(*a));
	err = rctx_open(&a->r, cpu, &want);
	if (err)
		return err;
	a->fold = flags & IXDP_ATTACH_RECV_ACKED;
	a->pend = calloc(PENDQ, sizeof(*a->pend));
	a->txslot = (a->r.a.tx_arena / (MAXC + 1)) & ~4095U;
	if (a->txslot > 65536)
		a->txslot = 65536;
	a->scratch = (uint64_t)MAXC * a->txslot;
	return a->pend ? 0 : -ENOMEM;
}

void app_close(struct app *a)
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
		c->chunk = -1;
		c->rbuf = rbuf;
		c->rcap = rcap;
		c->txbase = (uint64_t)i * a->txslot;
		return (int)i;
	}
	return -1;
}

void conn_free(struct conn *c)
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

struct cpl *find_cpl(struct app *a, uint64_t ud)
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
	uint32_t ch = a->r.a.rx_chunk;
	unsigned int i;
	bool shared = false;

	if (!len) {
		c->eof = true;
		return;
	}
	/*
	 * A RECV lies in one chunk, and no other connection's newest
	 * unreturned bytes are in that chunk (bytes are returned in order,
	 * so a connection with bytes left holds its newest chunk).
	 */
	for (i = 0; off < a->r.a.rx_arena && i < MAXC; i++)
		shared |= &a->c[i] != c && a->c[i].used && a->c[i].unret &&
			  a->c[i].chunk == (int)(off / ch);
	if (off >= a->r.a.rx_arena || len > a->r.a.rx_arena - off ||
	    off / ch != (off + len - 1) / ch || shared) {
		a->slice_bad++;
		ksft_print_msg("recv outside its own chunk: off %llu len %llu chunk %d shared %d\n",
			       (unsigned long long)off,
			       (unsigned long long)len, c->chunk, shared);
		return;
	}
	c->chunk = (int)(off / ch);
	c->unret += len;
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
	/* Folded: returned with the next SEND, unless half a window waits. */
	if (a->fold && c->rdone + len < 32768) {
		c->rdone += (uint32_t)len;
		return;
	}
	app_cmd(a, IXDP_OP_RECV_DONE, 0, UD(T_RDONE, c - a->c, 0), c->handle,
		(uint32_t)(len + c->rdone), 0, 0);
	c->unret -= len + c->rdone;
	c->rdone = 0;
}

/* The thread test rejects the first knock any of its contexts sees. */
bool reject_next;
uint64_t rejected;
struct app *rejected_by;

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
		/* Acknowledged bytes, as a SENT would say (fold only). */
		if (ev->arg[2]) {
			if (!a->fold || !ev->arg[1]) {
				a->errors++;
				ksft_print_msg("RECV with arg[2] %llu unasked\n",
					       (unsigned long long)ev->arg[2]);
			}
			c->acked += ev->arg[2];
			c->wait_room = false;
			a->recv_acked++;
		}
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
		if (a->fold)
			c->rdone += n;	/* with the SEND of these bytes */
		else
			app_cmd(a, IXDP_OP_RECV_DONE, 0, UD(T_RDONE, idx, 0),
				c->handle, n, 0, 0);
		if (!a->fold)
			c->unret -= n;
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
		s->off, c->rdone);
	a->send_done += c->rdone != 0;
	c->unret -= c->rdone;
	c->rdone = 0;
	app_cmd(a, IXDP_OP_NOP, 0, UD(T_FENCE, idx, 0), 0, 0, 0, 0);
	c->inflight = true;
}

/* Handle what is there: the number of events. */
int app_step(struct app *a)
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
int apps_pump(struct app **as, int n, int ms)
{
	struct pollfd p[8];
	int i, got = 0;

	for (i = 0; i < n; i++)
		got += app_step(as[i]);
	if (got || !ms)
		return got;
	/*
	 * Inline: run the loop of this CPU's core; the other contexts'
	 * kthreads run theirs, so come back often for their events.
	 */
	for (i = 0; i < n; i++) {
		if (rctx_runs_here(&as[i]->r)) {
			rctx_run(&as[i]->r, n > 1 && (ms < 0 || ms > 5) ? 5 : ms);
			break;
		}
	}
	if (i < n)
		goto out;
	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = as[i]->r.fd, .events = POLLIN };
	poll(p, n, ms);
out:
	for (i = 0; i < n; i++)
		got += app_step(as[i]);
	return got;
}

int app_pump(struct app *a, int ms)
{
	return apps_pump(&a, 1, ms);
}

struct cpl *wait_cpl(struct app *a, uint64_t ud, int ms)
{
	struct cpl *l = NULL;

	WAIT(a, ms, (l = find_cpl(a, ud)) != NULL);
	if (l)
		l->used = false;
	return l;
}

/* Send @cmd as a test command; its completion status, 1 if none came. */
int test_cmd(struct app *a, struct ixdp_cmd *cmd, struct cpl *out)
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
bool expect_refused(struct app *a, struct ixdp_cmd cmd, int want,
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
int conn_connect(struct app *a, uint32_t ip, uint16_t port, int ms,
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

void fill(uint8_t *buf, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

/* CLOSE, then the peer's EOF and a DEAD event with status 0. */
bool conn_close_graceful(struct app *a, struct conn *c)
{
	app_cmd(a, IXDP_OP_CLOSE, 0, UD(T_CLOSE, c - a->c, 0), c->handle, 0,
		0, 0);
	WAIT(a, 10000, c->dead);
	if (!c->dead || c->dead_status || !c->eof)
		ksft_print_msg("close: dead %d status %d eof %d\n", c->dead,
			       c->dead_status, c->eof);
	return c->dead && !c->dead_status && c->eof;
}

struct ixdp_cmd mk(uint8_t op, uint64_t handle, uint32_t arg32,
		   uint64_t a0, uint64_t a1)
{
	return (struct ixdp_cmd){ .opcode = op, .handle = handle,
				  .arg32 = arg32, .arg = { a0, a1 } };
}

uint64_t mkh(uint16_t fg, uint16_t gen, uint32_t slot)
{
	return (uint64_t)fg << 48 | (uint64_t)gen << 32 | slot;
}

/* Echo a few messages of @sizes on connection @c: all byte-exact? */
bool echo_some(struct app *a, struct conn *c, const size_t *sizes,
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

/* The CPUs of the dataplane cores, in the cores' order. */
int core_cpus(int *cpus, int max)
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
