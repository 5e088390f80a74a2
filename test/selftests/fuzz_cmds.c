// SPDX-License-Identifier: GPL-2.0
/*
 * Command-ring fuzzer of /dev/ixdp: several processes (and threads) attach
 * contexts to the dataplane cores and submit random and mutated commands
 * at once, while host peers connect to them and they connect out:
 *
 *   fuzz_cmds [-s SEED] [-j PROCS] [-t SECONDS] [-w SECONDS] [-l PORT]
 *             [-H PORT] [-f] N
 *
 * N commands in all, submitted by PROCS processes at a time (default 4),
 * round after round until N were published or SECONDS (default 240) ran
 * out. Each process runs sessions: attach to a core, listen on PORT
 * (default 7600, where a host chaos peer connects) and connect to the
 * host 198.18.0.1 on PORT given by -H (default 7601, a tolerant host
 * server) or a closed one, and fuzz:
 *
 *  - valid sequences: listen, connect, accept or reject knocks, send and
 *    sendv from the TX arena, recv_done with the bytes received, close,
 *    abort, NOP;
 *  - the same commands mutated (a flipped bit, an edge value in a field,
 *    a reserved word or flag set, a stale, forged or neighbouring handle,
 *    offsets and lengths at and past the arena's end, iov arrays that
 *    straddle it or hold too many entries);
 *  - random commands and bad opcodes.
 *
 * A session ends by closing its file, by publishing a cmd_tail more than
 * a ring ahead or a bogus ev_head, or by unmapping its regions; a process
 * ends by exit, by _exit() in the middle of a batch, by SIGKILL from the
 * parent at a random moment, by munmap() of every region followed by
 * _exit(), or after a thread that attached a context exited with it open.
 * Every event the kernel writes is checked against the ABI. Afterwards:
 * no context left, no connection of an application, every buffer back
 * (within -w SECONDS, default 30; connections that were closed may
 * linger in TIME_WAIT, so dp_conns is only reported). -f: fault
 * injection is armed: the fuzzing processes get make-it-fail (attach
 * failures are then expected) and the checks run without it, with the
 * dataplane kthreads' make-it-fail cleared.
 *
 * SEED (default: from the clock) is printed; the same SEED and N replay
 * the same command stream of every process (their timing differs).
 * Output: TAP 13, the plan last (ksft.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "ksft.h"
#include "rings.h"

#define HOST_IP		"198.18.0.1"
#define CLOSED_PORT	7199
#define NH		64		/* handles remembered per context */
#define NRV		64		/* received chunks not yet returned */
#define IOV_AREA	(64U << 10)	/* TX arena head: iov arrays */
#define MAX_PROCS	16

/* Counters of every process, in a shared anonymous mapping. */
struct shared {
	uint64_t cmds;			/* commands published */
	uint64_t events, cpls, cpl_err, knocks, connected, recvs, deads;
	uint64_t sent_bytes, recv_bytes;
	uint64_t attaches, attach_fail, sessions;
	uint64_t bad_events;
	uint64_t bogus_tail, bogus_head, unmaps, thread_exits, thread_dead;
	uint64_t exits_mid, kills;
};

static struct shared *sh;

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* xorshift64*, one state per context */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t seed_mix(uint64_t seed, uint64_t n)
{
	uint64_t s = seed + n * 0x9e3779b97f4a7c15ULL;

	s = (s ^ (s >> 30)) * 0xbf58476d1ce4e5b9ULL;
	s = (s ^ (s >> 27)) * 0x94d049bb133111ebULL;
	return (s ^ (s >> 31)) | 1;
}

enum fate {
	FATE_CLOSE,		/* close the file at the end */
	FATE_EXIT,		/* _exit() in the middle of a batch */
	FATE_KILL,		/* the parent sends SIGKILL */
	FATE_UNMAP,		/* munmap() every region mid-batch, _exit() */
	FATE_THREAD,		/* sessions in threads that exit */
	NFATES
};

static const char * const fate_name[NFATES] = {
	"close", "exit", "kill", "unmap", "thread",
};

struct opts {
	uint64_t seed, n;
	unsigned int procs, secs, idle_secs;
	uint16_t lport, hport;
	bool faults;
};

static struct opts o = {
	.procs = 4, .secs = 240, .idle_secs = 30, .lport = 7600, .hport = 7601,
};

struct fctx {
	struct rctx r;
	uint64_t rs;
	uint64_t live[NH], stale[NH], knock[NH];
	unsigned int nlive, nstale, nknock;
	struct {
		uint64_t h;
		uint32_t n;
	} rv[NRV];
	unsigned int nrv;
	uint64_t published;
	uint64_t quota;
};

static uint64_t pick_n(uint64_t *s, unsigned int n, const uint64_t *v)
{
	return v[rnd(s) % n];
}

#define PICK(s, ...) pick_n(s, sizeof((uint64_t[]){ __VA_ARGS__ }) / \
			    sizeof(uint64_t), (uint64_t[]){ __VA_ARGS__ })

static void remember(uint64_t *s, uint64_t *v, unsigned int *n, uint64_t h)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (v[i] == h)
			return;
	if (*n < NH)
		v[(*n)++] = h;
	else
		v[rnd(s) % NH] = h;
}

static void forget(uint64_t *v, unsigned int *n, uint64_t h)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (v[i] == h) {
			v[i] = v[--*n];
			return;
		}
}

/* A handle: live, knocked, stale, a neighbour of one, or forged. */
static uint64_t fz_handle(struct fctx *f)
{
	uint64_t *s = &f->rs;
	uint64_t h = f->nlive ? f->live[rnd(s) % f->nlive] : rnd(s);

	switch (rnd(s) % 12) {
	case 0: case 1: case 2: case 3: case 4:
		return h;
	case 5:
		return f->nstale ? f->stale[rnd(s) % f->nstale] : h;
	case 6:
		return f->nknock ? f->knock[rnd(s) % f->nknock] : h;
	case 7:
		return h ^ (1ULL << (rnd(s) % 64));
	case 8:
		return h + (1ULL << 32);	/* next generation */
	case 9:
		/* Same group and generation, another slot. */
		return (h & ~0xffffffffULL) |
		       (uint32_t)PICK(s, 0, 1, h + 1, 0xffffffff,
				      rnd(s) % 4096);
	case 10:
		return PICK(s, 0, ~0ULL, 1ULL << 63, 0xffffULL << 48, rnd(s));
	default:
		return (rnd(s) % 512) << 48 | (rnd(s) % 4) << 32 |
		       rnd(s) % 1024;
	}
}

static uint64_t edge64(struct fctx *f)
{
	uint64_t tx = f->r.a.tx_arena, *s = &f->rs;

	return PICK(s, 0, 1, tx - 1, tx, tx + 1, tx - 4096, ~0ULL,
		    ~0ULL - 4095, 1ULL << 32, 1ULL << 63, 0xffffffffULL,
		    rnd(s), rnd(s) % tx);
}

static uint32_t edge32(struct fctx *f)
{
	uint64_t tx = f->r.a.tx_arena, *s = &f->rs;

	return (uint32_t)PICK(s, 0, 1, 0x7fffffff, 0x80000000, 0xffffffff,
			      tx, tx - 1, tx + 1, 65535, 65536, IXDP_IOV_MAX,
			      IXDP_IOV_MAX + 1, rnd(s), rnd(s) % 4096);
}

/* An iov array at @off of @n entries, mostly valid payload references. */
static void fz_iov_fill(struct fctx *f, uint64_t off, unsigned int n,
			bool valid)
{
	uint64_t tx = f->r.a.tx_arena, *s = &f->rs;
	struct ixdp_iov *iov;
	unsigned int i;

	for (i = 0; i < n && off + (i + 1) * sizeof(*iov) <= tx; i++) {
		iov = (struct ixdp_iov *)(f->r.tx + off) + i;
		iov->off = IOV_AREA + rnd(s) % (tx - IOV_AREA - 4096);
		iov->len = 1 + rnd(s) % 2048;
		iov->resv = 0;
		if (valid || rnd(s) % 3)
			continue;
		switch (rnd(s) % 6) {
		case 0:
			iov->off = edge64(f);
			break;
		case 1:
			iov->len = edge32(f);
			break;
		case 2:
			iov->resv = (uint32_t)rnd(s) | 1;
			break;
		case 3:
			iov->off = tx - rnd(s) % 64;
			iov->len = 64;
			break;
		case 4:
			iov->off = ~0ULL - rnd(s) % 4096;
			iov->len = 8192;
			break;
		default:
			iov->len = 0;
			break;
		}
	}
}

/* A command of a valid sequence, as an application would write it. */
static void fz_valid(struct fctx *f, struct ixdp_cmd *c)
{
	uint64_t tx = f->r.a.tx_arena, *s = &f->rs;
	unsigned int r = rnd(s) % 100, k, i;

	c->flags = rnd(s) % 3 ? 0 : IXDP_CMDF_ACK;
	if (f->nknock && r < 15) {
		i = rnd(s) % f->nknock;
		c->handle = f->knock[i];
		if (rnd(s) % 4) {
			c->opcode = IXDP_OP_ACCEPT;
			c->arg[0] = rnd(s);
		} else {
			c->opcode = IXDP_OP_REJECT;
		}
		f->knock[i] = f->knock[--f->nknock];
		return;
	}
	if (f->nrv && r < 30) {
		i = rnd(s) % f->nrv;
		c->opcode = IXDP_OP_RECV_DONE;
		c->handle = f->rv[i].h;
		c->arg32 = f->rv[i].n;
		f->rv[i] = f->rv[--f->nrv];
		return;
	}
	r = rnd(s) % 100;
	if (r < 5) {
		c->opcode = IXDP_OP_LISTEN;
		c->arg32 = o.lport + rnd(s) % 2;
	} else if (r < 7) {
		c->opcode = IXDP_OP_UNLISTEN;
		c->arg32 = o.lport + rnd(s) % 2;
	} else if (r < 17) {
		c->opcode = IXDP_OP_CONNECT;
		c->arg32 = rnd(s) % 8 ? o.hport : CLOSED_PORT;
		c->arg[0] = rnd(s);
		c->arg[1] = inet_addr(HOST_IP);
	} else if (r < 50 && f->nlive) {
		c->opcode = IXDP_OP_SEND;
		c->handle = f->live[rnd(s) % f->nlive];
		c->arg32 = 1 + rnd(s) % 4096;
		c->arg[0] = IOV_AREA + rnd(s) % (tx - IOV_AREA - c->arg32);
	} else if (r < 70 && f->nlive) {
		c->opcode = IXDP_OP_SENDV;
		c->handle = f->live[rnd(s) % f->nlive];
		k = 1 + rnd(s) % 8;
		c->arg[0] = (rnd(s) % (IOV_AREA / 1024)) * 1024;
		c->arg32 = k;
		fz_iov_fill(f, c->arg[0], k, true);
	} else if (r < 74 && f->nlive) {
		c->opcode = rnd(s) % 2 ? IXDP_OP_CLOSE : IXDP_OP_ABORT;
		c->handle = f->live[rnd(s) % f->nlive];
	} else {
		c->opcode = IXDP_OP_NOP;
	}
}

/* Change one thing of a command. */
static void fz_mutate(struct fctx *f, struct ixdp_cmd *c)
{
	uint64_t *s = &f->rs, tx = f->r.a.tx_arena;
	uint8_t *b = (uint8_t *)c;
	unsigned int k;

	switch (rnd(s) % 14) {
	case 0:
	case 1:
		b[rnd(s) % sizeof(*c)] ^= 1 << (rnd(s) % 8);
		break;
	case 2:
		c->handle = fz_handle(f);
		break;
	case 3:
		c->arg[0] = edge64(f);
		break;
	case 4:
		c->arg32 = edge32(f);
		break;
	case 5:
		c->arg[rnd(s) % 4] = rnd(s) | 1;
		break;
	case 6:
		c->resv0 = (uint16_t)rnd(s) | 1;
		break;
	case 7:
		c->resv[0] = rnd(s) | 1;
		break;
	case 8:
		c->flags |= (uint8_t)(rnd(s) & ~IXDP_CMDF_ALL) | 2;
		break;
	case 9:	/* a send ending exactly at, or just past, the arena's end */
		c->arg32 = 1 + rnd(s) % 4096;
		c->arg[0] = tx - c->arg32 + rnd(s) % 2;
		break;
	case 10: /* an iov array at the arena's end, or too many entries */
		k = 1 + rnd(s) % (IXDP_IOV_MAX + 2);
		c->arg[0] = PICK(s, tx - 16 * (1 + rnd(s) % 8), tx - 8, tx,
				 (rnd(s) % IOV_AREA) & ~7ULL,
				 (rnd(s) % IOV_AREA) | 4);
		c->arg32 = PICK(s, k, 0, IXDP_IOV_MAX, IXDP_IOV_MAX + 1,
				rnd(s));
		if (c->arg[0] < tx)
			fz_iov_fill(f, c->arg[0], c->arg32 < 80 ?
				    c->arg32 : 80, false);
		break;
	case 11:
		c->opcode = (uint8_t)PICK(s, 0, __IXDP_OP_MAX, 255,
					  rnd(s) % 256);
		break;
	case 12: /* recv_done of more than was announced */
		c->arg32 += 1 + rnd(s) % 65536;
		break;
	default:
		c->opcode = 1 + rnd(s) % (__IXDP_OP_MAX - 1);
		break;
	}
}

static void fz_random(struct fctx *f, struct ixdp_cmd *c)
{
	uint64_t *s = &f->rs;
	unsigned int i;

	c->opcode = (uint8_t)rnd(s);
	if (rnd(s) % 2)
		c->opcode = 1 + rnd(s) % (__IXDP_OP_MAX - 1);
	c->flags = rnd(s) % 4 ? rnd(s) % 2 : (uint8_t)rnd(s);
	c->arg32 = rnd(s) % 2 ? edge32(f) : 0;
	c->handle = rnd(s) % 2 ? fz_handle(f) : 0;
	for (i = 0; i < 4; i++)
		c->arg[i] = rnd(s) % 3 ? 0 : edge64(f);
}

static void fz_gen(struct fctx *f, struct ixdp_cmd *c)
{
	uint64_t *s = &f->rs;
	unsigned int r = rnd(s) % 100, m;

	memset(c, 0, sizeof(*c));
	if (r < 40) {
		fz_valid(f, c);
	} else if (r < 80) {
		fz_valid(f, c);
		for (m = 1 + rnd(s) % 3; m; m--)
			fz_mutate(f, c);
	} else {
		fz_random(f, c);
	}
	c->user_data = rnd(s);
}

/* Check one event against the ABI and learn from it. */
static void fz_event(struct fctx *f, const struct ixdp_event *e)
{
	uint64_t rx = f->r.a.rx_arena;
	bool bad = false;

	count(&sh->events, 1);
	if (!e->type || e->type >= __IXDP_EV_MAX || e->resv0[0] ||
	    e->resv0[1] || e->resv0[2] || e->status > 0x7fffffff ||
	    e->status < -4095)
		bad = true;
	switch (e->type) {
	case IXDP_EV_COMPLETION:
		count(&sh->cpls, 1);
		if (e->status < 0)
			count(&sh->cpl_err, 1);
		if (e->arg[1] > 255 ||
		    (e->status > 0 && e->arg[1] != IXDP_OP_SEND &&
		     e->arg[1] != IXDP_OP_SENDV))
			bad = true;
		break;
	case IXDP_EV_KNOCK:
		count(&sh->knocks, 1);
		remember(&f->rs, f->knock, &f->nknock, e->handle);
		break;
	case IXDP_EV_CONNECTED:
		count(&sh->connected, 1);
		if (!e->status)
			remember(&f->rs, f->live, &f->nlive, e->handle);
		break;
	case IXDP_EV_RECV:
		count(&sh->recvs, 1);
		if (e->arg[0] >= rx || e->arg[1] > rx - e->arg[0]) {
			bad = true;
			break;
		}
		remember(&f->rs, f->live, &f->nlive, e->handle);
		if (e->arg[1]) {
			/* The payload must be readable where it says. */
			(void)*(volatile const uint8_t *)(f->r.rx + e->arg[0]);
			(void)*(volatile const uint8_t *)(f->r.rx + e->arg[0] +
							  e->arg[1] - 1);
			count(&sh->recv_bytes, e->arg[1]);
			if (f->nrv < NRV) {
				f->rv[f->nrv].h = e->handle;
				f->rv[f->nrv].n = (uint32_t)e->arg[1];
				f->nrv++;
			}
		}
		break;
	case IXDP_EV_SENT:
		count(&sh->sent_bytes, e->arg[0]);
		break;
	case IXDP_EV_DEAD:
		count(&sh->deads, 1);
		forget(f->live, &f->nlive, e->handle);
		forget(f->knock, &f->nknock, e->handle);
		remember(&f->rs, f->stale, &f->nstale, e->handle);
		break;
	}
	if (bad && __atomic_fetch_add(&sh->bad_events, 1,
				      __ATOMIC_RELAXED) < 10)
		ksft_print_msg("event out of spec: type %u status %d handle %#llx arg %#llx %#llx %#llx\n",
			       e->type, e->status,
			       (unsigned long long)e->handle,
			       (unsigned long long)e->arg[0],
			       (unsigned long long)e->arg[1],
			       (unsigned long long)e->arg[2]);
}

static void fz_drain(struct fctx *f)
{
	const struct ixdp_event *e;
	struct ixdp_event ev;
	unsigned int n = 0;

	/* Bounded: a bogus ev_head makes the ring look huge. */
	while ((e = rctx_peek(&f->r)) && n++ < f->r.a.ev_entries) {
		ev = *e;
		rctx_advance(&f->r);
		fz_event(f, &ev);
	}
}

enum { END_CLOSE, END_TAIL, END_HEAD, END_UNMAP, NENDS };

/*
 * One session: attach, fuzz up to f->quota commands, end as @end says.
 * @mid_fate: FATE_EXIT or FATE_UNMAP end the process mid-batch instead.
 * Returns false if the attach failed.
 */
static bool session(struct fctx *f, unsigned int cpu, int end, int mid_fate)
{
	uint64_t stop = now_ms() + (uint64_t)o.secs * 1000;
	uint64_t idle_since = now_ms(), cut;
	struct ixdp_attach want = {};
	uint64_t *s = &f->rs;
	uint32_t room, b, j;
	int err;

	want.cmd_entries = 1U << (4 + rnd(s) % 7);
	want.ev_entries = rnd(s) % 2 ? 0 : 1U << (4 + rnd(s) % 9);
	want.tx_arena = rnd(s) % 2 ? 0 : (1U << 20);
	err = rctx_open(&f->r, cpu, &want);
	if (err) {
		count(&sh->attach_fail, 1);
		return false;
	}
	count(&sh->attaches, 1);
	f->nlive = f->nstale = f->nknock = f->nrv = 0;
	f->published = 0;
	/* A mid-batch end of the process, somewhere in its quota. */
	cut = mid_fate != FATE_CLOSE ? rnd(s) % (f->quota + 1) : ~0ULL;

	while (f->published < f->quota && now_ms() < stop &&
	       !rctx_dead(&f->r)) {
		fz_drain(f);
		room = rctx_room(&f->r);
		if (!room || room > f->r.a.cmd_entries) {
			if (now_ms() - idle_since > 3000)
				break;	/* held back: bogus head, full ring */
			rctx_poll(&f->r, 2);
			continue;
		}
		idle_since = now_ms();
		b = 1 + rnd(s) % room;
		if (b > f->quota - f->published)
			b = f->quota - f->published;
		for (j = 0; j < b; j++) {
			fz_gen(f, rctx_slot(&f->r));
			if (f->published + j + 1 == cut) {
				/* Half a batch written, part published. */
				store_rel(f->r.cmd_tail, f->r.tail - j / 2);
				count(&sh->cmds, j + 1 - j / 2);
				if (mid_fate == FATE_UNMAP) {
					rctx_unmap(&f->r);
					count(&sh->unmaps, 1);
				} else {
					count(&sh->exits_mid, 1);
				}
				_exit(3);
			}
		}
		rctx_publish(&f->r);
		f->published += b;
		count(&sh->cmds, b);
		if (rnd(s) % 4 == 0)
			sleep_ms(1);
	}
	fz_drain(f);
	switch (end) {
	case END_TAIL:
		/* More than a ring ahead: the context must die. */
		store_rel(f->r.cmd_tail, f->r.tail + f->r.a.cmd_entries + 1 +
			  rnd(s) % 1000);
		rctx_publish(&f->r);
		count(&sh->bogus_tail, 1);
		break;
	case END_HEAD:
		store_rel(f->r.ev_head, (uint32_t)rnd(s));
		rctx_publish(&f->r);
		count(&sh->bogus_head, 1);
		sleep_ms(rnd(s) % 20);
		break;
	case END_UNMAP:
		rctx_unmap(&f->r);
		count(&sh->unmaps, 1);
		break;
	}
	rctx_close(&f->r);
	return true;
}

struct thr {
	struct fctx *f;
	unsigned int cpu;
	bool attached;
};

/* Attach, fuzz and return with the file open and mapped. */
static void *thread_session(void *arg)
{
	struct thr *t = arg;
	struct fctx *f = t->f;
	uint64_t stop = now_ms() + 10000;
	uint32_t room, b, j;

	if (rctx_open(&f->r, t->cpu, NULL)) {
		count(&sh->attach_fail, 1);
		return NULL;
	}
	count(&sh->attaches, 1);
	t->attached = true;
	f->nlive = f->nstale = f->nknock = f->nrv = 0;
	for (f->published = 0; f->published < f->quota && now_ms() < stop &&
	     !rctx_dead(&f->r);) {
		fz_drain(f);
		room = rctx_room(&f->r);
		if (!room || room > f->r.a.cmd_entries) {
			rctx_poll(&f->r, 2);
			continue;
		}
		b = 1 + rnd(&f->rs) % room;
		if (b > f->quota - f->published)
			b = f->quota - f->published;
		for (j = 0; j < b; j++)
			fz_gen(f, rctx_slot(&f->r));
		rctx_publish(&f->r);
		f->published += b;
		count(&sh->cmds, b);
	}
	return NULL;
}

/* A thread's context is dead once the thread has exited. */
static void thread_fate(struct fctx *f, unsigned int cpu)
{
	struct thr t = { .f = f, .cpu = cpu };
	pthread_t th;
	uint64_t end;

	if (pthread_create(&th, NULL, thread_session, &t))
		return;
	pthread_join(th, NULL);
	if (!t.attached)
		return;
	count(&sh->thread_exits, 1);
	end = now_ms() + 5000;
	while (!rctx_dead(&f->r) && now_ms() < end)
		sleep_ms(10);
	if (rctx_dead(&f->r))
		count(&sh->thread_dead, 1);
	rctx_close(&f->r);
}

/*
 * One fuzzing process: sessions until its quota is used or @until (ms)
 * has passed; a session may take 15 s more (thread_fate()), well inside
 * the 30 s the parent allows past its limit.
 */
static void child(uint64_t seed, uint64_t quota, int fate,
		  const unsigned int *cpus, unsigned int ncpus,
		  uint64_t until)
{
	struct fctx *f = calloc(1, sizeof(*f));
	uint64_t left = quota;
	unsigned int cpu;
	int end, fails = 0;

	if (!f)
		_exit(2);
	f->rs = seed;
	while (left && fails < 50 && now_ms() < until) {
		cpu = cpus[rnd(&f->rs) % ncpus];
		f->quota = 200 + rnd(&f->rs) % 8000;
		if (f->quota > left)
			f->quota = left;
		end = rnd(&f->rs) % 8 < 5 ? END_CLOSE :
		      END_TAIL + rnd(&f->rs) % (NENDS - END_TAIL);
		if (fate == FATE_THREAD && rnd(&f->rs) % 2) {
			thread_fate(f, cpu);
		} else if (!session(f, cpu, end, left == f->quota &&
				    (fate == FATE_EXIT || fate == FATE_UNMAP) ?
				    fate : FATE_CLOSE)) {
			fails++;
			sleep_ms(5);
			continue;
		}
		left -= f->published < f->quota ? f->quota : f->published;
	}
	count(&sh->sessions, 1);
	if (fate == FATE_KILL) {
		/* Wait for the parent's SIGKILL, a bounded time. */
		sleep_ms(2000);
	}
	_exit(0);
}

/* The CPUs of the dataplane cores, from "ixctl -j core show -s". */
static unsigned int core_cpus(unsigned int *cpus, unsigned int max)
{
	char *snap = stat_snapshot();
	const char *p = snap;
	unsigned int n = 0;

	while (p && n < max && (p = strstr(p, "\"cpu\":"))) {
		cpus[n++] = (unsigned int)atoi(p + 6);
		p += 6;
	}
	free(snap);
	return n;
}

/* Contexts that "ixctl -j app show" lists. */
static int app_show_count(void)
{
	FILE *p = popen("ixctl -j app show 2>/dev/null", "r");
	char buf[4096];
	int n = 0, ok;
	size_t r;

	if (!p)
		return -1;
	while ((r = fread(buf, 1, sizeof(buf) - 1, p)) > 0) {
		const char *q = buf;

		buf[r] = 0;
		while ((q = strstr(q, "\"pid\":"))) {
			n++;
			q += 6;
		}
	}
	ok = pclose(p) == 0;
	return ok ? n : -1;
}

struct idle_state {
	long long apps, conns, all, rf, rt, tf, tt;
	int listed;
};

static void idle_read(struct idle_state *st)
{
	char *snap = stat_snapshot();

	st->apps = stat_of(snap, -1, "dp_apps");
	st->conns = stat_of(snap, -1, "dp_app_conns");
	st->all = stat_of(snap, -1, "dp_conns");
	st->rf = stat_of(snap, -1, "dp_rxbuf_free");
	st->rt = stat_of(snap, -1, "dp_rxbuf_total");
	st->tf = stat_of(snap, -1, "dp_txbuf_free");
	st->tt = stat_of(snap, -1, "dp_txbuf_total");
	free(snap);
	st->listed = app_show_count();
}

static bool idle_done(const struct idle_state *st)
{
	return !st->apps && !st->conns && st->rt > 0 &&
	       st->rf == st->rt && st->tt > 0 && st->tf == st->tt &&
	       !st->listed;
}

/*
 * -f: failslab and fail_page_alloc (task-filter) hit the fuzzing
 * processes, which inherit make-it-fail, while they run; the checks that
 * follow run without it, and the dataplane kthreads are spared again.
 */
static void make_it_fail(const char *pid, int on)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/make-it-fail", pid);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n", on);
		fclose(f);
	}
}

static void kthreads_spared(void)
{
	char path[64], comm[32];
	unsigned int pid;
	FILE *f;

	for (pid = 2; pid < 32768; pid++) {
		snprintf(path, sizeof(path), "/proc/%u/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "ixdp", 4)) {
			snprintf(path, sizeof(path), "%u", pid);
			make_it_fail(path, 0);
		}
		fclose(f);
	}
}

/* Exit status 3: a planned _exit() mid-batch. */
static bool expected_end(int fate, int st)
{
	if (WIFEXITED(st))
		return !WEXITSTATUS(st) ||
		       (WEXITSTATUS(st) == 3 &&
			(fate == FATE_EXIT || fate == FATE_UNMAP));
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL &&
	       fate == FATE_KILL;
}

static int usage(void)
{
	fprintf(stderr, "usage: fuzz_cmds [-s SEED] [-j PROCS] [-t SECONDS] [-w SECONDS]\n"
		"                 [-l PORT] [-H PORT] [-f] N\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int cpus[64], ncpus, round = 0, i, running, unexpected = 0;
	unsigned long fates[NFATES] = {}, procs = 0;
	uint64_t start, limit, kill_at[MAX_PROCS], rs;
	pid_t pid[MAX_PROCS];
	int fate[MAX_PROCS], c, st;
	struct idle_state is;
	bool seeded = false;

	while ((c = getopt(argc, argv, "s:j:t:w:l:H:f")) != -1) {
		switch (c) {
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'j':
			o.procs = (unsigned int)atoi(optarg);
			break;
		case 't':
			o.secs = (unsigned int)atoi(optarg);
			break;
		case 'w':
			o.idle_secs = (unsigned int)atoi(optarg);
			break;
		case 'l':
			o.lport = (uint16_t)atoi(optarg);
			break;
		case 'H':
			o.hport = (uint16_t)atoi(optarg);
			break;
		case 'f':
			o.faults = true;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1 || !o.procs || o.procs > MAX_PROCS)
		return usage();
	o.n = strtoull(argv[optind], NULL, 0);
	if (!seeded)
		o.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_print_msg("fuzz_cmds seed %#llx, %llu commands, %u processes at a time (replay: fuzz_cmds -s %#llx -j %u %llu)\n",
		       (unsigned long long)o.seed, (unsigned long long)o.n,
		       o.procs, (unsigned long long)o.seed, o.procs,
		       (unsigned long long)o.n);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		ksft_print_msg("mmap: %s\n", strerror(errno));
		return KSFT_FAIL;
	}
	ncpus = core_cpus(cpus, 64);
	if (!ksft_test_result(ncpus > 0, "the fuzzer finds %u dataplane cores",
			      ncpus))
		return ksft_finish();

	rs = seed_mix(o.seed, 0);
	if (o.faults)
		make_it_fail("self", 1);
	start = now_ms();
	limit = start + (uint64_t)o.secs * 1000;
	while (__atomic_load_n(&sh->cmds, __ATOMIC_RELAXED) < o.n &&
	       now_ms() < limit) {
		uint64_t left = o.n - __atomic_load_n(&sh->cmds,
						      __ATOMIC_RELAXED);
		uint64_t per = left / o.procs + 1;

		if (per > 30000)
			per = 10000 + rnd(&rs) % 20000;
		for (i = 0; i < o.procs; i++) {
			uint64_t cs = seed_mix(o.seed, 1 + round * MAX_PROCS +
					       i);

			fate[i] = (int)(rnd(&rs) % NFATES);
			fates[fate[i]]++;
			kill_at[i] = fate[i] == FATE_KILL ?
				     now_ms() + 20 + rnd(&rs) % 1500 : 0;
			pid[i] = fork();
			if (pid[i] == 0)
				child(cs, per, fate[i], cpus, ncpus, limit);
			if (pid[i] < 0) {
				ksft_print_msg("fork: %s\n", strerror(errno));
				fate[i] = -1;
			}
			procs++;
		}
		for (running = o.procs; running;) {
			for (i = 0; i < o.procs; i++) {
				if (fate[i] < 0 || pid[i] <= 0)
					continue;
				if (kill_at[i] && now_ms() >= kill_at[i]) {
					kill(pid[i], SIGKILL);
					count(&sh->kills, 1);
					kill_at[i] = 0;
				}
				if (now_ms() > limit + 30000)
					kill(pid[i], SIGKILL);
				if (waitpid(pid[i], &st, WNOHANG) != pid[i])
					continue;
				pid[i] = 0;
				if (expected_end(fate[i], st))
					continue;
				if (unexpected++ < 10)
					ksft_print_msg("process %d (fate %s, round %u) ended with status %#x\n",
						       i, fate_name[fate[i]],
						       round, st);
			}
			for (running = 0, i = 0; i < o.procs; i++)
				running += fate[i] >= 0 && pid[i] > 0;
			if (running)
				sleep_ms(5);
		}
		round++;
	}
	if (o.faults) {
		make_it_fail("self", 0);
		kthreads_spared();
	}
	ksft_print_msg("commands %llu in %llu ms: %lu processes in %u rounds (fates: close %lu exit %lu kill %lu unmap %lu thread %lu)\n",
		       (unsigned long long)sh->cmds,
		       (unsigned long long)(now_ms() - start), procs, round,
		       fates[FATE_CLOSE], fates[FATE_EXIT], fates[FATE_KILL],
		       fates[FATE_UNMAP], fates[FATE_THREAD]);
	ksft_print_msg("contexts attached %llu (failed %llu); ended by bogus cmd_tail %llu, bogus ev_head %llu, munmap %llu, _exit mid-batch %llu, SIGKILL %llu, thread exit %llu (dead %llu)\n",
		       (unsigned long long)sh->attaches,
		       (unsigned long long)sh->attach_fail,
		       (unsigned long long)sh->bogus_tail,
		       (unsigned long long)sh->bogus_head,
		       (unsigned long long)sh->unmaps,
		       (unsigned long long)sh->exits_mid,
		       (unsigned long long)sh->kills,
		       (unsigned long long)sh->thread_exits,
		       (unsigned long long)sh->thread_dead);
	ksft_print_msg("events %llu: completions %llu (%llu failed), knocks %llu, connected %llu, recv %llu (%llu bytes), dead %llu; %llu bytes acked\n",
		       (unsigned long long)sh->events,
		       (unsigned long long)sh->cpls,
		       (unsigned long long)sh->cpl_err,
		       (unsigned long long)sh->knocks,
		       (unsigned long long)sh->connected,
		       (unsigned long long)sh->recvs,
		       (unsigned long long)sh->recv_bytes,
		       (unsigned long long)sh->deads,
		       (unsigned long long)sh->sent_bytes);
	ksft_print_msg("FUZZ commands=%llu seed=%#llx\n",
		       (unsigned long long)sh->cmds,
		       (unsigned long long)o.seed);

	ksft_test_result(sh->cmds >= o.n,
			 "%llu of %llu commands submitted within %u s",
			 (unsigned long long)sh->cmds,
			 (unsigned long long)o.n, o.secs);
	ksft_test_result(!unexpected,
			 "every process ended the way it was meant to (%u did not)",
			 unexpected);
	if (o.faults)
		ksft_test_result(sh->attaches > 0,
				 "contexts attached under fault injection (%llu, %llu attaches failed)",
				 (unsigned long long)sh->attaches,
				 (unsigned long long)sh->attach_fail);
	else
		ksft_test_result(sh->attaches > 0 && !sh->attach_fail,
				 "every one of %llu attaches succeeded (%llu failed)",
				 (unsigned long long)sh->attaches,
				 (unsigned long long)sh->attach_fail);
	ksft_test_result(!sh->bad_events,
			 "all %llu events the kernel wrote are within the ABI (%llu are not)",
			 (unsigned long long)sh->events,
			 (unsigned long long)sh->bad_events);
	ksft_test_result(sh->thread_dead == sh->thread_exits,
			 "the context of every exited attaching thread is dead (%llu of %llu)",
			 (unsigned long long)sh->thread_dead,
			 (unsigned long long)sh->thread_exits);
	ksft_test_result(sh->knocks + sh->connected > 0,
			 "the contexts met connections (%llu knocks, %llu connected)",
			 (unsigned long long)sh->knocks,
			 (unsigned long long)sh->connected);

	/* Back to rest: no context, connection or buffer left. */
	start = now_ms();
	limit = start + (uint64_t)o.idle_secs * 1000;
	for (i = 0;; i++) {
		idle_read(&is);
		if (idle_done(&is) || now_ms() >= limit)
			break;
		if (i % 25 == 0)
			ksft_print_msg("at %llu ms: dp_apps %lld (listed %d) dp_app_conns %lld dp_conns %lld rxbuf %lld/%lld txbuf %lld/%lld\n",
				       (unsigned long long)(now_ms() - start),
				       is.apps, is.listed, is.conns, is.all,
				       is.rf, is.rt, is.tf, is.tt);
		sleep_ms(200);
	}
	ksft_print_msg("after %llu ms: dp_apps %lld (listed %d) dp_app_conns %lld dp_conns %lld rxbuf %lld/%lld txbuf %lld/%lld\n",
		       (unsigned long long)(now_ms() - start), is.apps,
		       is.listed, is.conns, is.all, is.rf, is.rt, is.tf, is.tt);
	ksft_test_result(is.apps == 0 && is.listed == 0,
			 "no context is left (dp_apps %lld, app show lists %d)",
			 is.apps, is.listed);
	ksft_test_result(is.conns == 0,
			 "no connection belongs to an application (dp_app_conns %lld)",
			 is.conns);
	ksft_test_result(is.rt > 0 && is.rf == is.rt,
			 "every RX buffer is free (%lld of %lld)", is.rf, is.rt);
	ksft_test_result(is.tt > 0 && is.tf == is.tt,
			 "every TX buffer is free (%lld of %lld)", is.tf, is.tt);
	ksft_print_msg("dp_app_bad_cmds %lld, flow group 0 on cpu %d\n",
		       core_stat(-1, "dp_app_bad_cmds"), fg_owner_cpu(0));
	ksft_test_result(core_count() == (int)ncpus,
			 "the %u cores are still there", ncpus);
	return ksft_finish();
}
