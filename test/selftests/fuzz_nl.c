// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink fuzzer of the "ixdp" family, as root:
 *
 *   fuzz_nl [-s SEED] [-d DEV] [-a ADDR] [-u N] N
 *
 * N requests, each for one command of the family (every IXDP_CMD_* in
 * turn, UNSPEC and unknown ones included) with random flags (do, dump,
 * ack), a random genl header version and random attributes: mostly the
 * nest of the command's object with attributes of its set, else nests of
 * other sets, numbers where a nest is due and unknown types; inside the
 * nests types the command takes, others and unknown ones, wrong lengths,
 * zero, huge and edge values, strings without NUL, nests of garbage,
 * empty nests, attribute headers
 * longer than their message, and sometimes no attribute at all. After
 * each request a GET_VERSION with NLM_F_ACK marks the end of its answer:
 * every answer must come (within 10 s), each error must be a negative
 * errno, each reply must parse. Valid requests may change the state;
 * every 64 requests and at the end the port on DEV (eth0) with ADDR
 * (198.18.0.3/24), a core on every CPU (not parked), the echo responder
 * on port 7 and the configuration are restored, and afterwards checked.
 * -u N: also N random requests as an unprivileged user (uid 65534) for
 * the commands that change state: none may succeed, and each with plain
 * flags (REQUEST, ACK) and a zero genl reserved word must get -EPERM
 * (genetlink refuses odd flags and a reserved word first, -EINVAL).
 *
 * SEED (default: from the clock) is printed. Output: TAP 13, the plan last (ksft.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/ixdp.h>

#include "ksft.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define MAXATTR		8

static int family;
static uint64_t rs;
static const char *dev = "eth0";
static uint32_t addr;			/* network order */
static unsigned int prefix = 24, ncpu, nrxq = 1;
static bool tame_header;		/* unprivileged: no broken headers */

static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dULL;
}

static uint64_t pick_n(unsigned int n, const uint64_t *v)
{
	return v[rnd() % n];
}

#define PICK(...) pick_n(sizeof((uint64_t[]){ __VA_ARGS__ }) / \
			 sizeof(uint64_t), (uint64_t[]){ __VA_ARGS__ })

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Payload of each attribute of each set: bytes, 0 a flag, -1 a string,
 * -2 a nest. Index: the top-level nest (enum ixdp_a), then the type in
 * that nest's set.
 */
#define SETMAX		16

static const int width[IXDP_A_MAX + 1][SETMAX] = {
	[IXDP_A_VERSION] = {
		[IXDP_VERSION_A_PAD] = 0, [IXDP_VERSION_A_ABI] = 4,
		[IXDP_VERSION_A_MODULE] = -1, [IXDP_VERSION_A_FEATURES] = 8,
	},
	[IXDP_A_CONFIG] = {
		[IXDP_CONFIG_A_BATCH] = 4, [IXDP_CONFIG_A_POLL_US] = 4,
		[IXDP_CONFIG_A_RUN_GRACE_US] = 4,
	},
	[IXDP_A_PORT] = {
		[IXDP_PORT_A_IFNAME] = -1, [IXDP_PORT_A_IFINDEX] = 4,
		[IXDP_PORT_A_ADDR] = 4, [IXDP_PORT_A_PREFIX] = 1,
		[IXDP_PORT_A_NFG] = 4, [IXDP_PORT_A_RSS] = 1,
		[IXDP_PORT_A_STATS] = -2, [IXDP_PORT_A_XSTATS] = -2,
	},
	[IXDP_A_CORE] = {
		[IXDP_CORE_A_CPU] = 4, [IXDP_CORE_A_RXQ] = 2,
		[IXDP_CORE_A_TXQ] = 2, [IXDP_CORE_A_NFG] = 4,
		[IXDP_CORE_A_PARKED] = 1, [IXDP_CORE_A_CONNS] = 4,
		[IXDP_CORE_A_STATS] = -2, [IXDP_CORE_A_XSTATS] = -2,
	},
	[IXDP_A_FG] = {
		[IXDP_FG_A_ID] = 4, [IXDP_FG_A_CPU] = 4, [IXDP_FG_A_RXQ] = 2,
		[IXDP_FG_A_FRAMES] = 8,
	},
	[IXDP_A_MOVE] = {
		[IXDP_MOVE_A_FG] = 4, [IXDP_MOVE_A_FROM_CPU] = 4,
		[IXDP_MOVE_A_TO_CPU] = 4, [IXDP_MOVE_A_BALANCE] = 0,
		[IXDP_MOVE_A_FGS] = 4, [IXDP_MOVE_A_CONNS] = 4,
		[IXDP_MOVE_A_HELD] = 4, [IXDP_MOVE_A_HOLD_NS] = 8,
		[IXDP_MOVE_A_SWITCH_NS] = 8, [IXDP_MOVE_A_EXPORT_NS] = 8,
		[IXDP_MOVE_A_IMPORT_NS] = 8, [IXDP_MOVE_A_TOTAL_NS] = 8,
	},
	[IXDP_A_APP] = {
		[IXDP_APP_A_PID] = 4, [IXDP_APP_A_TID] = 4,
		[IXDP_APP_A_CPU] = 4, [IXDP_APP_A_CONNS] = 4,
		[IXDP_APP_A_MAX_CONNS] = 4, [IXDP_APP_A_DEAD] = 1,
		[IXDP_APP_A_STATS] = -2, [IXDP_APP_A_XSTATS] = -2,
	},
	[IXDP_A_QUEUE] = {
		[IXDP_QUEUE_A_KIND] = 1, [IXDP_QUEUE_A_ID] = 2,
		[IXDP_QUEUE_A_CPUS] = 8, [IXDP_QUEUE_A_NFG] = 4,
		[IXDP_QUEUE_A_NAPI] = 4,
	},
	[IXDP_A_RESPONDER] = {
		[IXDP_RESPONDER_A_PORT] = 2, [IXDP_RESPONDER_A_MODE] = 1,
	},
	[IXDP_A_GRANT] = {
		[IXDP_GRANT_A_PORT_LO] = 2, [IXDP_GRANT_A_PORT_HI] = 2,
		[IXDP_GRANT_A_UID] = 4, [IXDP_GRANT_A_GID] = 4,
		[IXDP_GRANT_A_RIGHTS] = 4,
	},
};

/* The highest type of each set. */
static const int set_max[IXDP_A_MAX + 1] = {
	[IXDP_A_VERSION] = IXDP_VERSION_A_MAX,
	[IXDP_A_CONFIG] = IXDP_CONFIG_A_MAX,
	[IXDP_A_PORT] = IXDP_PORT_A_MAX,
	[IXDP_A_CORE] = IXDP_CORE_A_MAX,
	[IXDP_A_FG] = IXDP_FG_A_MAX,
	[IXDP_A_MOVE] = IXDP_MOVE_A_MAX,
	[IXDP_A_APP] = IXDP_APP_A_MAX,
	[IXDP_A_QUEUE] = IXDP_QUEUE_A_MAX,
	[IXDP_A_RESPONDER] = IXDP_RESPONDER_A_MAX,
	[IXDP_A_GRANT] = IXDP_GRANT_A_MAX,
};

/* The nest each command takes and its attributes, to aim at mostly. */
static const struct {
	int nest;
	int attr[4];
} takes[IXDP_CMD_MAX + 1] = {
	[IXDP_CMD_SET_CONFIG] = { IXDP_A_CONFIG,
		{ IXDP_CONFIG_A_BATCH, IXDP_CONFIG_A_POLL_US,
		  IXDP_CONFIG_A_RUN_GRACE_US } },
	[IXDP_CMD_PORT_ADD] = { IXDP_A_PORT, { IXDP_PORT_A_IFNAME,
		IXDP_PORT_A_ADDR, IXDP_PORT_A_PREFIX } },
	[IXDP_CMD_PORT_DEL] = { IXDP_A_PORT, { IXDP_PORT_A_IFNAME } },
	[IXDP_CMD_CORE_ADD] = { IXDP_A_CORE, { IXDP_CORE_A_CPU,
		IXDP_CORE_A_RXQ, IXDP_CORE_A_TXQ } },
	[IXDP_CMD_CORE_DEL] = { IXDP_A_CORE, { IXDP_CORE_A_CPU } },
	[IXDP_CMD_CORE_SET] = { IXDP_A_CORE, { IXDP_CORE_A_CPU,
		IXDP_CORE_A_PARKED } },
	[IXDP_CMD_FG_MOVE] = { IXDP_A_MOVE, { IXDP_MOVE_A_FG,
		IXDP_MOVE_A_TO_CPU, IXDP_MOVE_A_FROM_CPU,
		IXDP_MOVE_A_BALANCE } },
	[IXDP_CMD_RESPONDER_SET] = { IXDP_A_RESPONDER,
		{ IXDP_RESPONDER_A_PORT, IXDP_RESPONDER_A_MODE } },
};

/* Commands that change state: admin only. */
static bool admin_cmd(int cmd)
{
	switch (cmd) {
	case IXDP_CMD_SET_CONFIG: case IXDP_CMD_PORT_ADD:
	case IXDP_CMD_PORT_DEL: case IXDP_CMD_CORE_ADD:
	case IXDP_CMD_CORE_DEL: case IXDP_CMD_CORE_SET:
	case IXDP_CMD_FG_MOVE: case IXDP_CMD_RESPONDER_SET:
		return true;
	}
	return false;
}

#define K(nest, type)	((nest) * 64 + (type))

/* A value for @type of set @nest that is often meaningful, else an edge. */
static uint64_t value_for(int nest, int type)
{
	if (rnd() % 4 == 0)
		return PICK(0, 1, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff,
			    0x80000000, 0xffffffff, 1ULL << 32, ~0ULL, rnd());
	switch (K(nest, type)) {
	case K(IXDP_A_CORE, IXDP_CORE_A_CPU):
	case K(IXDP_A_MOVE, IXDP_MOVE_A_FROM_CPU):
	case K(IXDP_A_MOVE, IXDP_MOVE_A_TO_CPU):
		return PICK(0, 1, 0, 1, ncpu, 63, 64, 4095, 0xffffffff);
	case K(IXDP_A_CORE, IXDP_CORE_A_RXQ):
	case K(IXDP_A_CORE, IXDP_CORE_A_TXQ):
		return PICK(0, 1, 2, 15, 0xffff);
	case K(IXDP_A_MOVE, IXDP_MOVE_A_FG):
		return PICK(rnd() % 128, rnd() % 128, 127, 128, 255, 65535,
			    0xffffffff);
	case K(IXDP_A_CONFIG, IXDP_CONFIG_A_BATCH):
		return PICK(0, 1, 8, 32, 64, 65, 0xffffffff);
	case K(IXDP_A_CONFIG, IXDP_CONFIG_A_POLL_US):
		return PICK(0, 1, 50, 10000, 10001, 0xffffffff);
	case K(IXDP_A_CONFIG, IXDP_CONFIG_A_RUN_GRACE_US):
		return PICK(0, 99, 100, 2000, 1000000, 1000001, 0xffffffff);
	case K(IXDP_A_PORT, IXDP_PORT_A_PREFIX):
		return PICK(0, 1, 24, 30, 31, 32, 255);
	case K(IXDP_A_PORT, IXDP_PORT_A_ADDR):
		return PICK(addr, inet_addr("198.18.0.2"),
			    inet_addr("198.18.0.1"), inet_addr("198.18.1.9"),
			    inet_addr("198.19.255.255"), inet_addr("127.0.0.1"),
			    inet_addr("224.0.0.1"), 0, 0xffffffff,
			    htonl(0xc6120000 | (rnd() % 0x20000)));
	case K(IXDP_A_RESPONDER, IXDP_RESPONDER_A_PORT):
		return PICK(0, 7, 9, 7, 65535);
	case K(IXDP_A_RESPONDER, IXDP_RESPONDER_A_MODE):
		return PICK(0, 1, 2, 3, 255);
	case K(IXDP_A_CORE, IXDP_CORE_A_PARKED):
		return PICK(0, 1, 0, 1, 2, 255);
	}
	return rnd();
}

/* Random inner attributes: a nest of garbage. */
static void put_garbage_nest(struct nl_msg *msg, int type, int depth)
{
	struct nlattr *n = nla_nest_start(msg, type);
	unsigned int k = rnd() % 4, i;
	char buf[32];

	if (!n)
		return;
	for (i = 0; i < k; i++) {
		int t = (int)(rnd() % (SETMAX + 4));

		if (depth < 3 && rnd() % 4 == 0) {
			put_garbage_nest(msg, t, depth + 1);
			continue;
		}
		for (size_t j = 0; j < sizeof(buf); j++)
			buf[j] = (char)rnd();
		nla_put(msg, t, (int)(rnd() % sizeof(buf)), buf);
	}
	nla_nest_end(msg, n);
}

/* Attribute @type with payload kind @w and value @v, or a wrong length. */
static void put_value(struct nl_msg *msg, int type, int w, uint64_t v)
{
	static const char * const names[] = {
		"eth0", "lo", "", "nosuch0", "eth0 ", "ETH0", "eth00",
		"0123456789abcdef", "0123456789abcdefXYZ",
	};
	char buf[300];
	int len, k;

	if (rnd() % 5 == 0) {
		/* A wrong length. */
		len = (int)PICK(0, 1, 2, 3, 5, 7, 8, 9, 16, IFNAMSIZ,
				IFNAMSIZ + 1, 64, 256);
		for (k = 0; k < len; k++)
			buf[k] = (char)(k < 8 ? v >> (8 * k) : rnd());
		nla_put(msg, type, len, buf);
		return;
	}
	if (rnd() % 12 == 0) {
		put_garbage_nest(msg, type, 0);
		return;
	}
	switch (w) {
	case 0:
		nla_put_flag(msg, type);
		break;
	case 1:
		nla_put_u8(msg, type, (uint8_t)v);
		break;
	case 2:
		nla_put_u16(msg, type, (uint16_t)v);
		break;
	case 8:
		nla_put_u64(msg, type, v);
		break;
	case -1:
		if (rnd() % 4 == 0) {
			/* No NUL, or bytes of anything. */
			len = 1 + rnd() % 40;
			for (k = 0; k < len; k++)
				buf[k] = (char)(rnd() % 3 ? 'a' + rnd() % 26 :
						rnd());
			nla_put(msg, type, len, buf);
		} else {
			k = (int)(rnd() % (sizeof(names) /
					    sizeof(names[0])));
			nla_put_string(msg, type, names[k]);
		}
		break;
	case -2:
		put_garbage_nest(msg, type, 0);
		break;
	default:
		nla_put_u32(msg, type, (uint32_t)v);
		break;
	}
}

/* One attribute inside a nest of set @nest, for a request of @cmd. */
static void put_inner(struct nl_msg *msg, int cmd, int nest)
{
	int type, r = rnd() % 100, k;

	if (nest == takes[cmd].nest && r < 60) {
		for (k = 0; k < 4 && takes[cmd].attr[k]; k++)
			;
		type = takes[cmd].attr[rnd() % k];
	} else if (r < 90 && set_max[nest]) {
		type = 1 + rnd() % set_max[nest];
	} else {
		type = (int)PICK(0, SETMAX, SETMAX + 1, 200, 0x3fff,
				 rnd() & 0x3fff);
	}
	put_value(msg, type, type > 0 && type < SETMAX ? width[nest][type] : 4,
		  value_for(nest, type));
}

/*
 * One top-level attribute for a request of @cmd: mostly a nest (often
 * the command's) of attributes of its set, else anything else: a nest of
 * another set, a number where a nest is due, an unknown type.
 */
static void put_attr(struct nl_msg *msg, int cmd)
{
	int r = rnd() % 100, nest, t;
	struct nlattr *n;
	unsigned int i, k;

	if (cmd < 0 || cmd > IXDP_CMD_MAX)
		cmd = 0;
	if (r < 75) {
		nest = takes[cmd].nest && rnd() % 4 ? takes[cmd].nest :
		       1 + (int)(rnd() % IXDP_A_MAX);
		n = nla_nest_start(msg, nest);
		if (!n)
			return;
		k = rnd() % 8 == 0 ? 0 : 1 + rnd() % 4;
		for (i = 0; i < k; i++)
			put_inner(msg, cmd, nest);
		nla_nest_end(msg, n);
	} else if (r < 90) {
		t = (int)(rnd() % (IXDP_A_MAX + 3));
		put_value(msg, t, (int)PICK(0, 1, 2, 4, 8, -1), rnd());
	} else {
		put_garbage_nest(msg, (int)PICK(0, IXDP_A_MAX + 1, 200, 0x3fff,
						1 + rnd() % IXDP_A_MAX), 0);
	}
}

/* ---- receiving ---- */

struct answers {
	uint32_t seq, sync_seq;
	bool dump, dump_done, synced;
	unsigned long replies, errors, acks, dones, bad, late;
	unsigned long eperm, errno_count[136];
	int last_err;
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct answers *a = arg;
	struct nlmsgerr *e;

	if (h->nlmsg_seq == a->sync_seq) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			e = nlmsg_data(h);
			if (e->error)
				a->bad++;
			a->synced = true;
		}
		return NL_SKIP;
	}
	if (h->nlmsg_seq != a->seq) {
		a->late++;
		return NL_SKIP;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		e = nlmsg_data(h);
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error > 0 ||
		    e->error < -4095) {
			a->bad++;
		} else if (e->error) {
			a->errors++;
			a->last_err = e->error;
			if (-e->error < 136)
				a->errno_count[-e->error]++;
		} else {
			a->acks++;
		}
		a->dump_done = true;
	} else if (h->nlmsg_type == NLMSG_DONE) {
		a->dones++;
		a->dump_done = true;
	} else if (h->nlmsg_type == family) {
		struct nlattr *tb[IXDP_A_MAX + 1];
		struct genlmsghdr *gh = nlmsg_data(h);

		a->replies++;
		if (genlmsg_parse(h, 0, tb, IXDP_A_MAX, NULL) ||
		    gh->cmd == 0 || gh->cmd > IXDP_CMD_MAX)
			a->bad++;
	} else {
		a->bad++;
	}
	return NL_SKIP;
}

static struct nl_sock *open_sock(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk)
		return NULL;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_disable_auto_ack(sk);
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	return sk;
}

static uint32_t seqno = 1000;

/*
 * Send @msg (its seq is set here), then a GET_VERSION with ACK; read
 * until that ACK came and a dump the request started is finished.
 * Returns false if the answers did not come within 10 s.
 */
static bool exchange(struct nl_sock *sk, struct nl_msg *msg,
		     struct answers *a)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nl_msg *sync;
	struct nl_cb *cb;
	uint64_t end = now_ms() + 10000;
	bool ok = true;

	a->seq = h->nlmsg_seq = seqno++;
	a->sync_seq = seqno++;
	/* Only a request gets an answer; a dump ends with DONE or error. */
	a->dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP &&
		  (h->nlmsg_flags & NLM_F_REQUEST) &&
		  h->nlmsg_len >= NLMSG_HDRLEN;
	a->dump_done = a->synced = false;
	a->last_err = 0;
	h->nlmsg_pid = 0;
	if (nl_sendto(sk, h, h->nlmsg_len) < 0)
		a->dump = false;
	sync = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!sync || !cb)
		return false;
	genlmsg_put(sync, 0, a->sync_seq, family, 0,
		    NLM_F_REQUEST | NLM_F_ACK,
		    IXDP_CMD_GET_VERSION, IXDP_GENL_VERSION);
	nl_sendto(sk, nlmsg_hdr(sync), nlmsg_hdr(sync)->nlmsg_len);
	nl_cb_set(cb, NL_CB_MSG_IN, NL_CB_CUSTOM, on_msg, a);
	while (!a->synced || (a->dump && !a->dump_done)) {
		struct pollfd p = { .fd = nl_socket_get_fd(sk),
				    .events = POLLIN };
		int left = (int)(end - now_ms());

		if (left <= 0 || poll(&p, 1, left) <= 0) {
			ok = false;
			break;
		}
		nl_recvmsgs(sk, cb);
	}
	nl_cb_put(cb);
	nlmsg_free(sync);
	return ok;
}

/* A well-formed request; its error or 0. */
static int request(struct nl_sock *sk, int cmd, int flags,
		   void (*fill)(struct nl_msg *, const void *),
		   const void *arg, struct answers *a)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct answers tmp;

	if (!a)
		a = &tmp;
	memset(a, 0, sizeof(*a));
	if (!msg)
		return -ENOMEM;
	genlmsg_put(msg, 0, 0, family, 0, NLM_F_REQUEST | NLM_F_ACK | flags,
		    cmd,
		    IXDP_GENL_VERSION);
	if (fill)
		fill(msg, arg);
	if (!exchange(sk, msg, a))
		a->last_err = -ETIMEDOUT;
	nlmsg_free(msg);
	return a->last_err;
}

/* ---- the state to restore ---- */

struct cfg {
	uint32_t batch, poll_us, run_grace_us;
};

struct state_reply {
	struct cfg cfg;
	char ifname[IFNAMSIZ + 8];
	uint32_t addr;
	uint8_t prefix;
	bool port;
	unsigned int cores, parked;
	unsigned int fgs, fg_bad;
};

static struct state_reply *cur;

/* The @nest nest of @h parsed into @tb (all NULL if absent). */
static void inner(struct nlmsghdr *h, int nest, struct nlattr **tb, int max)
{
	struct nlattr *top[IXDP_A_MAX + 1];

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (genlmsg_parse(h, 0, top, IXDP_A_MAX, NULL) || !top[nest])
		return;
	nla_parse_nested(tb, max, top[nest], NULL);
}

static int on_state(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(h);
	struct nlattr *tb[SETMAX];

	if (h->nlmsg_type != family)
		return NL_SKIP;
	switch (gh->cmd) {
	case IXDP_CMD_GET_CONFIG:
		inner(h, IXDP_A_CONFIG, tb, IXDP_CONFIG_A_MAX);
		if (tb[IXDP_CONFIG_A_BATCH])
			cur->cfg.batch = nla_get_u32(tb[IXDP_CONFIG_A_BATCH]);
		if (tb[IXDP_CONFIG_A_POLL_US])
			cur->cfg.poll_us =
				nla_get_u32(tb[IXDP_CONFIG_A_POLL_US]);
		if (tb[IXDP_CONFIG_A_RUN_GRACE_US])
			cur->cfg.run_grace_us =
				nla_get_u32(tb[IXDP_CONFIG_A_RUN_GRACE_US]);
		break;
	case IXDP_CMD_PORT_GET:
		cur->port = true;
		inner(h, IXDP_A_PORT, tb, IXDP_PORT_A_MAX);
		if (tb[IXDP_PORT_A_IFNAME])
			nla_strlcpy(cur->ifname, tb[IXDP_PORT_A_IFNAME],
				    sizeof(cur->ifname));
		if (tb[IXDP_PORT_A_ADDR])
			cur->addr = nla_get_u32(tb[IXDP_PORT_A_ADDR]);
		if (tb[IXDP_PORT_A_PREFIX])
			cur->prefix = nla_get_u8(tb[IXDP_PORT_A_PREFIX]);
		break;
	case IXDP_CMD_CORE_GET:
		cur->cores++;
		inner(h, IXDP_A_CORE, tb, IXDP_CORE_A_MAX);
		if (tb[IXDP_CORE_A_PARKED] &&
		    nla_get_u8(tb[IXDP_CORE_A_PARKED]))
			cur->parked++;
		break;
	case IXDP_CMD_FG_GET:
		cur->fgs++;
		inner(h, IXDP_A_FG, tb, IXDP_FG_A_MAX);
		if (!tb[IXDP_FG_A_CPU] ||
		    nla_get_u32(tb[IXDP_FG_A_CPU]) >= ncpu)
			cur->fg_bad++;
		break;
	}
	return NL_SKIP;
}

/* A plain request whose replies go to on_state(). */
static int query(struct nl_sock *sk, int cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb = nl_cb_alloc(NL_CB_CUSTOM);
	int err;

	if (!msg || !cb)
		return -ENOMEM;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
		    dump ? NLM_F_DUMP : 0, cmd, IXDP_GENL_VERSION);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_state, NULL);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	nlmsg_free(msg);
	return err < 0 ? err : 0;
}

static int read_state(struct state_reply *st)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	memset(st, 0, sizeof(*st));
	cur = st;
	if (!sk || genl_connect(sk))
		return -EIO;
	nl_socket_disable_auto_ack(sk);
	err = query(sk, IXDP_CMD_GET_CONFIG, false);
	query(sk, IXDP_CMD_PORT_GET, false);
	query(sk, IXDP_CMD_CORE_GET, true);
	query(sk, IXDP_CMD_FG_GET, true);
	nl_socket_free(sk);
	return err;
}

static void fill_port(struct nl_msg *m, const void *arg)
{
	struct nlattr *n = nla_nest_start(m, IXDP_A_PORT);
	const char *name = arg;

	nla_put_string(m, IXDP_PORT_A_IFNAME, name);
	if (name == dev) {
		nla_put_u32(m, IXDP_PORT_A_ADDR, addr);
		nla_put_u8(m, IXDP_PORT_A_PREFIX, (uint8_t)prefix);
	}
	nla_nest_end(m, n);
}

static void fill_core(struct nl_msg *m, const void *arg)
{
	struct nlattr *n = nla_nest_start(m, IXDP_A_CORE);
	unsigned int cpu = *(const unsigned int *)arg;

	nla_put_u32(m, IXDP_CORE_A_CPU, cpu);
	nla_put_u16(m, IXDP_CORE_A_RXQ, (uint16_t)(cpu % nrxq));
	nla_nest_end(m, n);
}

static void fill_unpark(struct nl_msg *m, const void *arg)
{
	struct nlattr *n = nla_nest_start(m, IXDP_A_CORE);

	nla_put_u32(m, IXDP_CORE_A_CPU, *(const unsigned int *)arg);
	nla_put_u8(m, IXDP_CORE_A_PARKED, 0);
	nla_nest_end(m, n);
}

static void fill_resp(struct nl_msg *m, const void *arg)
{
	struct nlattr *n = nla_nest_start(m, IXDP_A_RESPONDER);

	nla_put_u16(m, IXDP_RESPONDER_A_PORT, 7);
	nla_put_u8(m, IXDP_RESPONDER_A_MODE, IXDP_RESP_ECHO);
	nla_nest_end(m, n);
}

static void fill_cfg(struct nl_msg *m, const void *arg)
{
	struct nlattr *n = nla_nest_start(m, IXDP_A_CONFIG);
	const struct cfg *c = arg;

	nla_put_u32(m, IXDP_CONFIG_A_BATCH, c->batch);
	nla_put_u32(m, IXDP_CONFIG_A_POLL_US, c->poll_us);
	nla_put_u32(m, IXDP_CONFIG_A_RUN_GRACE_US, c->run_grace_us);
	nla_nest_end(m, n);
}

static void fill_balance(struct nl_msg *m, const void *arg)
{
	struct nlattr *n = nla_nest_start(m, IXDP_A_MOVE);

	nla_put_flag(m, IXDP_MOVE_A_BALANCE);
	nla_nest_end(m, n);
}

/*
 * Back to the known state: the port on dev with addr, a core on every
 * CPU, none parked, groups balanced, the echo responder, config @c.
 * Returns the number of repairs made.
 */
static unsigned int restore(struct nl_sock *sk, const struct cfg *c)
{
	struct state_reply st;
	unsigned int cpu, fixes = 0;

	read_state(&st);
	if (st.port && (strcmp(st.ifname, dev) || st.addr != addr ||
			st.prefix != prefix)) {
		request(sk, IXDP_CMD_PORT_DEL, 0, fill_port, st.ifname, NULL);
		st.port = false;
		fixes++;
	}
	if (!st.port) {
		request(sk, IXDP_CMD_PORT_ADD, 0, fill_port, dev, NULL);
		fixes++;
	}
	if (!st.port || st.cores != ncpu || st.parked) {
		for (cpu = 0; cpu < ncpu; cpu++) {
			request(sk, IXDP_CMD_CORE_ADD, 0, fill_core, &cpu,
				NULL);
			request(sk, IXDP_CMD_CORE_SET, 0, fill_unpark, &cpu,
				NULL);
		}
		request(sk, IXDP_CMD_FG_MOVE, 0, fill_balance, NULL, NULL);
		fixes++;
	}
	if (st.cfg.batch != c->batch || st.cfg.poll_us != c->poll_us ||
	    st.cfg.run_grace_us != c->run_grace_us) {
		request(sk, IXDP_CMD_SET_CONFIG, 0, fill_cfg, c, NULL);
		fixes++;
	}
	request(sk, IXDP_CMD_RESPONDER_SET, 0, fill_resp, NULL, NULL);
	return fixes;
}

/* ---- fuzzing ---- */

struct totals {
	unsigned long sent, answered, timeouts, replies, errors, acks, dones;
	unsigned long bad, late, raw, per_cmd[IXDP_CMD_MAX + 3];
	unsigned long eperm_want, eperm_got, errno_count[136];
	unsigned long plain_want, plain_got, admin_ok;
};

static struct nl_msg *fuzz_msg(int cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(8192);
	unsigned int n, i;
	int flags;
	uint8_t ver;

	if (!msg)
		return NULL;
	flags = (int)PICK(0, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP | NLM_F_ACK,
			  NLM_F_ACK, NLM_F_ROOT, NLM_F_EXCL | NLM_F_CREATE,
			  rnd() & 0xfff0);
	if (tame_header || rnd() % 50)
		flags |= NLM_F_REQUEST;
	ver = rnd() % 8 ? IXDP_GENL_VERSION : (uint8_t)rnd();
	genlmsg_put(msg, 0, 0, family, 0, flags, (uint8_t)cmd, ver);
	if (rnd() % 16 == 0)
		((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->reserved =
			(uint16_t)rnd();
	n = rnd() % 10 == 0 ? 0 : 1 + rnd() % MAXATTR;
	for (i = 0; i < n; i++)
		put_attr(msg, cmd);
	if (rnd() % 25 == 0) {
		/* The last attribute claims more than the message holds. */
		struct nlmsghdr *h = nlmsg_hdr(msg);
		struct nlattr *a = nlmsg_tail(h);

		nla_put(msg, (int)(rnd() % (IXDP_A_MAX + 2)), 4, &n);
		a->nla_len = (uint16_t)PICK(0, 1, 3, 5, 200, 0xffff);
	}
	if (!tame_header && rnd() % 40 == 0) {
		/* Cut the message short, mid-attribute or mid-header. */
		struct nlmsghdr *h = nlmsg_hdr(msg);

		h->nlmsg_len = NLMSG_HDRLEN + (uint32_t)(rnd() %
			(h->nlmsg_len - NLMSG_HDRLEN + 1));
	}
	return msg;
}

static bool fuzz_one(struct nl_sock *sk, int cmd, struct totals *t)
{
	struct nl_msg *msg = fuzz_msg(cmd);
	struct answers a = {};
	unsigned int i;
	bool ok;

	if (!msg)
		return false;
	ok = exchange(sk, msg, &a);
	t->sent++;
	t->per_cmd[cmd < IXDP_CMD_MAX + 2 ? cmd : IXDP_CMD_MAX + 2]++;
	t->answered += ok;
	t->timeouts += !ok;
	t->replies += a.replies;
	t->errors += a.errors;
	t->acks += a.acks;
	t->dones += a.dones;
	t->bad += a.bad;
	t->late += a.late;
	for (i = 0; i < 136; i++)
		t->errno_count[i] += a.errno_count[i];
	if (admin_cmd(cmd)) {
		t->eperm_want++;
		t->eperm_got += a.last_err == -EPERM;
		t->admin_ok += ok && !a.last_err;
		/*
		 * Plain flags and a zero reserved word: genetlink's header
		 * check has nothing to refuse before the capability.
		 */
		if (!(nlmsg_hdr(msg)->nlmsg_flags &
		      ~(NLM_F_REQUEST | NLM_F_ACK)) &&
		    !((struct genlmsghdr *)
		      nlmsg_data(nlmsg_hdr(msg)))->reserved) {
			t->plain_want++;
			t->plain_got += a.last_err == -EPERM;
		}
		if (tame_header && a.last_err != -EPERM &&
		    t->eperm_want - t->eperm_got <= 3)
			ksft_print_msg("unprivileged cmd %d flags %#x: error %d, %lu replies, %lu acks\n",
				       cmd, nlmsg_hdr(msg)->nlmsg_flags,
				       a.last_err, a.replies, a.acks);
	}
	if (!ok && t->timeouts <= 5)
		ksft_print_msg("no answer in time: cmd %d flags %#x len %u\n",
			       cmd, nlmsg_hdr(msg)->nlmsg_flags,
			       nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	return ok;
}

static int pick_cmd(unsigned long i)
{
	if (i % 2 == 0)
		return (int)((i / 2) % (IXDP_CMD_MAX + 3));
	return (int)PICK(1 + rnd() % IXDP_CMD_MAX, 1 + rnd() % IXDP_CMD_MAX,
			 1 + rnd() % IXDP_CMD_MAX, 0, IXDP_CMD_MAX + 1,
			 rnd() % 256);
}

/* -u: random requests as uid 65534; admin commands must get -EPERM. */
static int unprivileged(unsigned long n, struct totals *out)
{
	struct totals *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int st;

	if (t == MAP_FAILED)
		return -1;
	memset(t, 0, sizeof(*t));
	pid = fork();
	if (pid == 0) {
		struct nl_sock *sk;
		unsigned long i;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		tame_header = true;
		sk = open_sock();
		if (!sk)
			_exit(3);
		rs ^= 0x5555;
		for (i = 0; i < n; i++) {
			int cmd = pick_cmd(i);

			/* Only the commands that change state. */
			if (!admin_cmd(cmd))
				cmd = (int)PICK(IXDP_CMD_SET_CONFIG,
						IXDP_CMD_PORT_DEL,
						IXDP_CMD_CORE_DEL,
						IXDP_CMD_FG_MOVE,
						IXDP_CMD_CORE_SET);
			fuzz_one(sk, cmd, t);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	*out = *t;
	munmap(t, sizeof(*t));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int usage(void)
{
	fprintf(stderr, "usage: fuzz_nl [-s SEED] [-d DEV] [-a ADDR/PREFIX] [-u N] N\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long n, i, nunpriv = 0, repairs = 0;
	struct state_reply before, after;
	struct totals t = {}, u = {};
	uint64_t seed = 0, start;
	bool seeded = false;
	struct nl_sock *sk;
	char *slash, a_str[32] = "198.18.0.3/24";
	int c, urc = 0;

	while ((c = getopt(argc, argv, "s:d:a:u:")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'a':
			snprintf(a_str, sizeof(a_str), "%s", optarg);
			break;
		case 'u':
			nunpriv = strtoul(optarg, NULL, 0);
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	n = strtoul(argv[optind], NULL, 0);
	slash = strchr(a_str, '/');
	if (slash) {
		*slash = 0;
		prefix = (unsigned int)atoi(slash + 1);
	}
	addr = inet_addr(a_str);
	if (!seeded)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	rs = seed | 1;
	ncpu = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	for (;;) {
		char path[96];

		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%u",
			 dev, nrxq);
		if (access(path, F_OK))
			break;
		nrxq++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_print_msg("fuzz_nl seed %#llx, %lu requests (replay: fuzz_nl -s %#llx %lu)\n",
		       (unsigned long long)seed, n, (unsigned long long)seed,
		       n);

	sk = open_sock();
	family = sk ? genl_ctrl_resolve(sk, IXDP_GENL_NAME) : -1;
	if (!ksft_test_result(family > 0, "the ixdp family resolves (%d)",
			      family))
		return ksft_finish();
	read_state(&before);
	ksft_print_msg("before: port %s %s, %u cores (%u parked), %u flow groups, batch %u poll_us %u\n",
		       before.port ? before.ifname : "none",
		       inet_ntoa((struct in_addr){ before.addr }),
		       before.cores, before.parked, before.fgs,
		       before.cfg.batch, before.cfg.poll_us);

	start = now_ms();
	for (i = 0; i < n; i++) {
		if (!fuzz_one(sk, pick_cmd(i), &t) && t.timeouts > 5)
			break;
		if (i % 64 == 63)
			repairs += restore(sk, &before.cfg) != 0;
	}
	repairs += restore(sk, &before.cfg) != 0;
	ksft_print_msg("%lu requests in %llu ms: %lu answered, %lu timed out; %lu replies, %lu errors, %lu acks, %lu dump ends, %lu late, %lu malformed; state restored %lu times\n",
		       t.sent, (unsigned long long)(now_ms() - start),
		       t.answered, t.timeouts, t.replies, t.errors, t.acks,
		       t.dones, t.late, t.bad, repairs);
	ksft_print_msg("per command (0..%d, unknown):", IXDP_CMD_MAX + 2);
	for (i = 0; i < IXDP_CMD_MAX + 3; i++)
		printf(" %lu", t.per_cmd[i]);
	printf("\n# errors:");
	for (i = 1; i < 136; i++)
		if (t.errno_count[i])
			printf(" %s %lu", strerrorname_np((int)i) ?
			       strerrorname_np((int)i) : "?", t.errno_count[i]);
	printf("\n");
	if (nunpriv) {
		urc = unprivileged(nunpriv, &u);
		printf("# unprivileged errors:");
		for (i = 1; i < 136; i++)
			if (u.errno_count[i])
				printf(" %s %lu", strerrorname_np((int)i),
				       u.errno_count[i]);
		printf("\n");
		ksft_print_msg("unprivileged: %lu requests, %lu of %lu admin ones got EPERM, %lu malformed answers (exit %d)\n",
			       u.sent, u.eperm_got, u.eperm_want, u.bad, urc);
	}
	ksft_print_msg("FUZZ netlink=%lu seed=%#llx\n", t.sent + u.sent,
		       (unsigned long long)seed);

	ksft_test_result(t.sent == n, "%lu of %lu random requests sent",
			 t.sent, n);
	ksft_test_result(!t.timeouts,
			 "every request was answered in time (%lu were not)",
			 t.timeouts);
	ksft_test_result(!t.bad,
			 "every answer is a well-formed reply, ACK or -errno (%lu are not)",
			 t.bad);
	for (i = 1; i <= IXDP_CMD_MAX; i++)
		if (!t.per_cmd[i])
			break;
	ksft_test_result(i > IXDP_CMD_MAX && t.per_cmd[0] &&
			 t.per_cmd[IXDP_CMD_MAX + 1],
			 "every command of the family was fuzzed, UNSPEC and unknown ones too");
	if (nunpriv)
		ksft_test_result(!urc && u.sent == nunpriv && !u.bad &&
				 !u.admin_ok && u.plain_got == u.plain_want &&
				 u.plain_want,
				 "unprivileged: no state-changing request succeeded (%lu did), each with plain flags got -EPERM (%lu of %lu)",
				 u.admin_ok, u.plain_got, u.plain_want);
	else
		ksft_test_result_skip("no unprivileged requests (-u)");

	read_state(&after);
	ksft_print_msg("after: port %s %s, %u cores (%u parked), %u flow groups (%u on no core), batch %u poll_us %u\n",
		       after.port ? after.ifname : "none",
		       inet_ntoa((struct in_addr){ after.addr }),
		       after.cores, after.parked, after.fgs, after.fg_bad,
		       after.cfg.batch, after.cfg.poll_us);
	{
		struct answers a;
		int err = request(sk, IXDP_CMD_GET_VERSION, 0, NULL, NULL, &a);

		ksft_test_result(!err && a.replies == 1 && !a.bad,
				 "GET_VERSION still answers (%d)", err);
	}
	ksft_test_result(after.cfg.batch == before.cfg.batch &&
			 after.cfg.poll_us == before.cfg.poll_us &&
			 after.cfg.run_grace_us == before.cfg.run_grace_us,
			 "the configuration is restored (batch %u, poll_us %u, run_grace_us %u)",
			 after.cfg.batch, after.cfg.poll_us,
			 after.cfg.run_grace_us);
	ksft_test_result(after.port && !strcmp(after.ifname, dev) &&
			 after.addr == addr && after.prefix == prefix,
			 "the port is on %s with its address again", dev);
	ksft_test_result(after.cores == ncpu && !after.parked,
			 "a core on each of %u CPUs, none parked (%u, %u)",
			 ncpu, after.cores, after.parked);
	ksft_test_result(after.fgs == before.fgs && after.fgs &&
			 !after.fg_bad,
			 "all %u flow groups are owned by a core", after.fgs);
	nl_socket_free(sk);
	return ksft_finish();
}
