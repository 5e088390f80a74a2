// SPDX-License-Identifier: GPL-2.0
/*
 * rings fuzz N PORT: N random and malformed commands through the ring of
 * one context while a host peer connects to PORT; the ring is drained,
 * every command is taken and the dataplane stays sane ($FUZZ_SEED picks
 * another sequence).
 */
#include "app.h"

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

int mode_fuzz(uint32_t n, uint16_t port)
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
