// SPDX-License-Identifier: GPL-2.0
/*
 * connscale: many concurrent TCP connections to an echo server, from the
 * host side of the tap, checked byte for byte.
 *
 *   connscale ADDRESS PORT CONNS [options]
 *	--sources N    spread the connections over N source addresses,
 *	               198.18.0.10 and up (they must exist; default 1:
 *	               the kernel's choice)
 *	--window W     connects and messages in flight at once (default
 *	               4096; CONNS for a burst of every SYN at once)
 *	--rounds R     echo rounds: in each, every connection sends one
 *	               message of --size bytes and waits for its echo
 *	               (default 2)
 *	--size B       message size, 1 to 4096 (default 64)
 *	--duration S   instead of rounds: for 1 + S seconds keep --window
 *	               messages in flight over all the connections (one
 *	               at most on each, taken in turn), and report the
 *	               last S seconds' rate and round trips (a LOAD line)
 *	--hold S       after the rounds, after closing half and after
 *	               closing all: wait S seconds (for the server's
 *	               counters to be read; default 0)
 *	--procs P      split the connections over P processes (each
 *	               needs a descriptor per connection: RLIMIT_NOFILE's
 *	               hard limit may be low); they pass each phase
 *	               together (default: as many as the limit needs)
 *	--timeout S    bound on the whole run (default 600 s); exit 124
 *	--label L      label of the lines (default "connscale")
 *
 * Phases, each announced by a line "PHASE L NAME ..." when it ends:
 * open (all CONNS connected), echo (the rounds), half (half closed),
 * closed (all closed). A connection closes gracefully: it shuts down
 * its sending side and must see EOF. A reset, a refused or failed
 * connect, or a wrong byte is a failure. Last line:
 *   RESULT L conns=N opened=N msgs=N mismatches=N resets=N eof_ok=N
 *	open_secs=S echo_secs=S errors=N
 * and with --duration, before it:
 *   LOAD L conns=N msgs_per_s=R p50_us=U p99_us=U
 * Exit status 0 only if everything was right.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define MAX_SIZE	4096
#define MAX_SOURCES	32
#define HIST_US		200000		/* round trips kept to the us */

enum cstate { C_IDLE, C_CONNECTING, C_OPEN, C_SENDING, C_CLOSING, C_DONE };

struct conn {
	int fd;
	uint8_t state;
	uint16_t sent, rcvd;		/* bytes of the current message */
	uint32_t nmsg;			/* messages echoed */
	double t_sent;			/* of the current message */
};

static struct conn *conns;
static unsigned int nconns, window = 4096, rounds = 2, size = 64;
static unsigned int first, last, nprocs;	/* this process: [first, last) */
static int to_parent = -1, from_parent = -1;
static unsigned int nsources = 1, hold_s, timeout_s = 600, duration_s;
static double m_start, m_end;		/* the measured window */
static unsigned long long mmsgs;	/* messages echoed in it */
static uint32_t hist[HIST_US + 1];	/* their round trips, us */
static const char *label = "connscale";
static struct sockaddr_in dst;
static int ep;
static unsigned int inflight, opened, eof_ok;
static unsigned long long msgs, mismatches, resets, errors;
static double t_start;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Byte @i of message @round of connection @c. */
static uint8_t pattern(unsigned int c, unsigned int round, unsigned int i)
{
	uint32_t x = c * 2654435761u ^ (round + 1) * 40503u ^ i * 97u;

	return (uint8_t)(x ^ (x >> 13));
}

static void fail(const char *what, unsigned int c, int err)
{
	if (errors++ < 10)
		fprintf(stderr, "connscale: conn %u: %s: %s\n", c, what,
			strerror(err));
	if (err == ECONNRESET || err == ECONNREFUSED || err == EPIPE)
		resets++;
}

/* End @c; it was one of the operations in flight unless idle. */
static void drop(unsigned int c)
{
	struct conn *k = &conns[c];

	if (k->state != C_OPEN && k->state != C_IDLE)
		inflight--;
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	k->state = C_DONE;
}

static void watch(unsigned int c, uint32_t ev, int op)
{
	struct epoll_event e = { .events = ev, .data.u32 = c };

	if (epoll_ctl(ep, op, conns[c].fd, &e))
		fail("epoll_ctl", c, errno);
}

static bool start_connect(unsigned int c)
{
	struct conn *k = &conns[c];
	int one = 1;

	k->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (k->fd < 0) {
		fail("socket", c, errno);
		return false;
	}
	if (nsources > 1) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		src.sin_addr.s_addr = htonl(0xc6120000u + 10 + c % nsources);
		setsockopt(k->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
		if (bind(k->fd, (struct sockaddr *)&src, sizeof(src))) {
			fail("bind", c, errno);
			drop(c);
			return false;
		}
	}
	if (connect(k->fd, (struct sockaddr *)&dst, sizeof(dst)) &&
	    errno != EINPROGRESS) {
		fail("connect", c, errno);
		drop(c);
		return false;
	}
	k->state = C_CONNECTING;
	inflight++;
	watch(c, EPOLLOUT, EPOLL_CTL_ADD);
	return true;
}

static void send_msg(unsigned int c)
{
	struct conn *k = &conns[c];
	uint8_t buf[MAX_SIZE];
	unsigned int i;
	ssize_t n;

	for (i = k->sent; i < size; i++)
		buf[i - k->sent] = pattern(c, k->nmsg, i);
	n = send(k->fd, buf, size - k->sent, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN) {
		fail("send", c, errno);
		drop(c);
		return;
	}
	if (n > 0)
		k->sent += n;
	watch(c, k->sent < size ? EPOLLIN | EPOLLOUT : EPOLLIN,
	      EPOLL_CTL_MOD);
}

static void on_event(unsigned int c, uint32_t ev)
{
	struct conn *k = &conns[c];
	uint8_t buf[MAX_SIZE];
	unsigned int i;
	socklen_t sl;
	ssize_t n;
	int err;

	switch (k->state) {
	case C_CONNECTING:
		err = 0;
		sl = sizeof(err);
		getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err) {
			fail("connect", c, err);
			drop(c);
			return;
		}
		k->state = C_OPEN;
		opened++;
		inflight--;
		watch(c, 0, EPOLL_CTL_MOD);
		return;
	case C_SENDING:
		if ((ev & EPOLLOUT) && k->sent < size)
			send_msg(c);
		if (!(ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) ||
		    k->state != C_SENDING)
			return;
		n = recv(k->fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			if (n < 0 && errno == EAGAIN)
				return;
			fail(n ? "recv" : "early EOF", c, n ? errno : EPIPE);
			drop(c);
			return;
		}
		if (k->rcvd + n > size) {
			mismatches++;
			fail("more bytes than sent", c, EPROTO);
			drop(c);
			return;
		}
		for (i = 0; i < n; i++)
			if (buf[i] != pattern(c, k->nmsg, k->rcvd + i)) {
				mismatches++;
				break;
			}
		k->rcvd += n;
		if (k->rcvd == size) {
			double t = now();

			msgs++;
			k->nmsg++;
			if (t >= m_start && t < m_end) {
				double us = (t - k->t_sent) * 1e6;

				mmsgs++;
				hist[us < HIST_US ? (unsigned int)us : HIST_US]++;
			}
			k->state = C_OPEN;
			inflight--;
			watch(c, 0, EPOLL_CTL_MOD);
		}
		return;
	case C_OPEN:
		/* Nothing is expected while idle: a reset or stray bytes. */
		n = recv(k->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN)
			return;
		fail(n > 0 ? "bytes while idle" : n ? "idle" : "EOF while idle",
		     c, n > 0 ? EPROTO : n ? errno : EPIPE);
		drop(c);
		return;
	case C_CLOSING:
		n = recv(k->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n == 0)
			eof_ok++;
		else
			fail(n > 0 ? "bytes after the last echo" : "close",
			     c, n > 0 ? EPROTO : errno);
		drop(c);
		return;
	default:
		return;
	}
}

/* Run the event loop until fewer than @max operations are in flight. */
static bool pump(unsigned int max)
{
	struct epoll_event evs[256];
	int i, n;

	while (inflight >= max && inflight) {
		if (now() - t_start > timeout_s)
			return false;
		n = epoll_wait(ep, evs, 256, 1000);
		for (i = 0; i < n; i++)
			on_event(evs[i].data.u32, evs[i].events);
	}
	return true;
}

/* --duration: keep the window full, connections in turn, then drain. */
static bool load(void)
{
	unsigned int c = first, idle = 0;
	bool ok = true;

	m_start = now() + 1;
	m_end = m_start + duration_s;
	while (ok && now() < m_end) {
		if (conns[c].state == C_OPEN) {
			conns[c].state = C_SENDING;
			conns[c].sent = conns[c].rcvd = 0;
			conns[c].t_sent = now();
			inflight++;
			send_msg(c);
			idle = 0;
			ok = pump(window);
		} else if (++idle > last - first) {
			/* Every connection busy or gone: wait for one. */
			ok = pump(inflight);
			idle = 0;
		}
		if (++c == last)
			c = first;
	}
	return ok && pump(1);
}

/*
 * The end of a phase: a worker tells the parent and waits for the word to
 * go on; the parent (or a lone process) announces it and holds.
 */
static void phase(const char *name, double secs)
{
	char b = 0;

	if (to_parent >= 0) {
		if (write(to_parent, &b, 1) != 1 || read(from_parent, &b, 1) != 1)
			exit(124);
		return;
	}
	printf("PHASE %s %s open=%u msgs=%llu errors=%llu secs=%.2f\n", label,
	       name, opened, msgs, errors, secs);
	fflush(stdout);
	if (hold_s)
		sleep(hold_s);
}

static bool close_conns(unsigned int from, unsigned int to)
{
	unsigned int c;

	for (c = from; c < to; c++) {
		if (conns[c].state != C_OPEN)
			continue;
		if (!pump(window))
			return false;
		if (shutdown(conns[c].fd, SHUT_WR)) {
			fail("shutdown", c, errno);
			drop(c);
			continue;
		}
		conns[c].state = C_CLOSING;
		inflight++;
		watch(c, EPOLLIN, EPOLL_CTL_MOD);
	}
	return pump(1);
}

static unsigned int arg_u(const char *s, unsigned int lo, unsigned int hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v < lo || v > hi) {
		fprintf(stderr, "connscale: bad number %s\n", s);
		exit(2);
	}
	return (unsigned int)v;
}

struct tally {
	unsigned int opened, eof_ok, ok;
	unsigned long long msgs, mismatches, resets, errors, mmsgs;
	double t_open, t_echo;
};

static unsigned int percentile(double q)
{
	unsigned long long n = 0, want = (unsigned long long)(mmsgs * q);
	unsigned int i;

	for (i = 0; i <= HIST_US; i++) {
		n += hist[i];
		if (n > want)
			return i;
	}
	return HIST_US;
}

/* A worker sends its tally up; the parent (or a lone process) reports. */
static int finish(bool ok, double t_open, double t_echo)
{
	struct tally t = { opened, eof_ok, ok, msgs, mismatches, resets,
			   errors, mmsgs, t_open, t_echo };
	unsigned int n = last - first;

	if (to_parent >= 0)
		return write(to_parent, &t, sizeof(t)) == sizeof(t) &&
		       write(to_parent, hist, sizeof(hist)) == sizeof(hist) ?
		       0 : 1;
	if (duration_s)
		printf("LOAD %s conns=%u msgs_per_s=%.0f p50_us=%u p99_us=%u\n",
		       label, n, (double)mmsgs / duration_s, percentile(0.5),
		       percentile(0.99));
	printf("RESULT %s conns=%u opened=%u msgs=%llu mismatches=%llu resets=%llu eof_ok=%u open_secs=%.2f echo_secs=%.2f errors=%llu\n",
	       label, n, opened, msgs, mismatches, resets, eof_ok, t_open,
	       t_echo, errors);
	if (!ok)
		return 124;
	return opened == n &&
	       (duration_s ? mmsgs > 0 : msgs == (unsigned long long)n * rounds) &&
	       !mismatches && !resets && !errors && eof_ok == n ? 0 : 1;
}

static bool read_all(int fd, void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, buf, len);
		if (n <= 0)
			return false;
		buf = (char *)buf + n;
		len -= n;
	}
	return true;
}

static const char *const phase_names[] = { "open", "echo", "half", "closed" };

/* The parent of @np workers: phases in step, then the sum of their tallies. */
static int parent(const int *up, const int *down, unsigned int np)
{
	static uint32_t h[HIST_US + 1];
	struct tally t, sum = { .ok = 1 };
	unsigned int p, k, i;
	char b;

	for (k = 0; k < 4; k++) {
		for (p = 0; p < np; p++)
			if (read(up[p], &b, 1) != 1)
				return 124;
		printf("PHASE %s %s secs=%.2f\n", label, phase_names[k],
		       now() - t_start);
		fflush(stdout);
		if (hold_s)
			sleep(hold_s);
		for (p = 0; p < np; p++)
			if (write(down[p], &b, 1) != 1)
				return 124;
	}
	for (p = 0; p < np; p++) {
		if (read(up[p], &t, sizeof(t)) != sizeof(t) ||
		    !read_all(up[p], h, sizeof(h)))
			return 124;
		for (i = 0; i <= HIST_US; i++)
			hist[i] += h[i];
		sum.mmsgs += t.mmsgs;
		sum.opened += t.opened;
		sum.eof_ok += t.eof_ok;
		sum.ok &= t.ok;
		sum.msgs += t.msgs;
		sum.mismatches += t.mismatches;
		sum.resets += t.resets;
		sum.errors += t.errors;
		sum.t_open = t.t_open > sum.t_open ? t.t_open : sum.t_open;
		sum.t_echo = t.t_echo > sum.t_echo ? t.t_echo : sum.t_echo;
	}
	opened = sum.opened;
	eof_ok = sum.eof_ok;
	msgs = sum.msgs;
	mmsgs = sum.mmsgs;
	mismatches = sum.mismatches;
	resets = sum.resets;
	errors = sum.errors;
	first = 0;
	last = nconns;
	return finish(sum.ok, sum.t_open, sum.t_echo);
}

/* Fork @np workers over [0, nconns); returns in each worker, not at all in the parent. */
static void split(unsigned int np)
{
	int up[64], down[64], fds[2];
	unsigned int p;
	pid_t pid;

	for (p = 0; p < np; p++) {
		if (pipe(fds))
			exit(1);
		up[p] = fds[0];
		to_parent = fds[1];
		if (pipe(fds))
			exit(1);
		down[p] = fds[1];
		from_parent = fds[0];
		pid = fork();
		if (pid < 0)
			exit(1);
		if (!pid) {
			first = (unsigned long long)nconns * p / np;
			last = (unsigned long long)nconns * (p + 1) / np;
			return;
		}
		close(to_parent);
		close(from_parent);
	}
	to_parent = from_parent = -1;
	p = parent(up, down, np);
	while (wait(NULL) > 0)
		;
	exit((int)p);
}

int main(int argc, char **argv)
{
	double t_open, t_echo;
	struct rlimit rl;
	unsigned int c, r;
	bool ok = true;
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: connscale ADDRESS PORT CONNS [options]\n");
		return 2;
	}
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1)
		return 2;
	dst.sin_port = htons(arg_u(argv[2], 1, 65535));
	nconns = arg_u(argv[3], 1, 1000000);
	for (i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--sources"))
			nsources = arg_u(argv[i + 1], 1, MAX_SOURCES);
		else if (!strcmp(argv[i], "--window"))
			window = arg_u(argv[i + 1], 1, 1000000);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = arg_u(argv[i + 1], 0, 1000);
		else if (!strcmp(argv[i], "--size"))
			size = arg_u(argv[i + 1], 1, MAX_SIZE);
		else if (!strcmp(argv[i], "--hold"))
			hold_s = arg_u(argv[i + 1], 0, 600);
		else if (!strcmp(argv[i], "--duration"))
			duration_s = arg_u(argv[i + 1], 1, 3600);
		else if (!strcmp(argv[i], "--procs"))
			nprocs = arg_u(argv[i + 1], 1, 64);
		else if (!strcmp(argv[i], "--timeout"))
			timeout_s = arg_u(argv[i + 1], 1, 3600);
		else if (!strcmp(argv[i], "--label"))
			label = argv[i + 1];
		else
			break;
	}
	if (i < argc) {
		fprintf(stderr, "connscale: bad option %s\n", argv[i]);
		return 2;
	}
	/* As many processes as the descriptor limit needs. */
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1;
	if (!nprocs)
		nprocs = (nconns + 64) / (rl.rlim_max > 256 ? rl.rlim_max - 128 : 128) + 1;
	if (nprocs > 64)
		nprocs = 64;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	conns = calloc(nconns, sizeof(*conns));
	if (!conns)
		return 1;
	t_start = now();
	last = nconns;
	if (nprocs > 1)
		split(nprocs);
	ep = epoll_create1(0);
	if (ep < 0)
		return 1;

	for (c = first; c < last && ok; c++) {
		conns[c].fd = -1;
		ok = pump(window);
		if (ok)
			start_connect(c);
	}
	ok = ok && pump(1);
	t_open = now() - t_start;
	phase("open", t_open);

	for (r = 0; r < rounds && ok; r++) {
		for (c = first; c < last && ok; c++) {
			if (conns[c].state != C_OPEN)
				continue;
			ok = pump(window);
			if (!ok || conns[c].state != C_OPEN)
				continue;
			conns[c].state = C_SENDING;
			conns[c].sent = conns[c].rcvd = 0;
			inflight++;
			conns[c].t_sent = now();
			send_msg(c);
		}
		ok = ok && pump(1);
	}
	if (duration_s && ok)
		ok = load();
	t_echo = now() - t_start - t_open;
	phase("echo", t_echo);

	ok = ok && close_conns(first, first + (last - first) / 2);
	phase("half", now() - t_start);
	ok = ok && close_conns(first + (last - first) / 2, last);
	phase("closed", now() - t_start);
	return finish(ok, t_open, t_echo);
}
