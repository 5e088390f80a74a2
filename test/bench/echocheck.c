// SPDX-License-Identifier: GPL-2.0
/*
 * echocheck: a verifying TCP echo peer for the host side of the tap.
 *
 *   echocheck ADDRESS PORT CONNS MSGS SIZES [options]
 *	CONNS concurrent connections (non-blocking, one poll loop) each send
 *	MSGS messages and check that every byte comes back, in order. SIZES
 *	is a comma list (1,7,64,1460,4096,65536); message m of connection c
 *	has size SIZES[(c + m) % n], and its bytes are pseudo-random, seeded
 *	by (c, m). At most DEPTH messages are in flight per connection. When
 *	all of its echoes are in, a connection shuts down its sending side
 *	and must then see EOF: both ends close gracefully. A reset anywhere
 *	is a failure.
 *	  --depth D      messages in flight per connection (default 1)
 *	  --half-close   shut down the sending side right after the last
 *	                 message is sent, before its echo is in
 *	  --duration S   stop starting messages after S seconds: each
 *	                 connection finishes the one it is sending, waits
 *	                 for its echoes and closes (MSGS is then a bound)
 *	  --gap-ms G     a connection starts a message at most every G ms:
 *	                 many live connections, little load
 *
 *   echocheck --serve PORT --count N [options]
 *	An echo server: accepts N connections (on --bind ADDRESS, default
 *	any), echoes each until its peer's EOF, then closes it. Succeeds
 *	when all N were closed this way, with no reset.
 *
 *   Both modes:
 *	  --timeout S    bound on the whole run (default 120 s); exits 124
 *	                 when it runs out
 *	  --label L      label of the RESULT line (default "echocheck")
 *
 * Prints one line, and exits 0 only if everything was right:
 *   RESULT L conns=N msgs=N bytes=N mismatches=N resets=N eof_ok=N/N
 *	secs=S msgs_per_s=R errors=N
 * (--serve: msgs counts the reads echoed).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZES	64
#define MAX_SIZE	(16 << 20)
#define CHUNK		65536
#define MAX_REPORTS	10

enum state {
	ST_CONNECTING,
	ST_RUNNING,		/* sending and receiving messages */
	ST_WAIT_EOF,		/* all echoed, our FIN sent: peer's FIN next */
	ST_DONE,		/* closed gracefully */
	ST_FAILED,		/* closed after an error */
};

struct conn {
	int fd;
	enum state state;
	uint32_t id;
	uint32_t tx_msg, rx_msg;	/* message being sent, received */
	uint32_t nmsgs;			/* messages it sends in all */
	uint32_t tx_off, rx_off;	/* bytes of it so far */
	double next_at;			/* --gap-ms: next message not before */
	int shut;			/* our SHUT_WR is done */
	int bad_msg;			/* rx_msg mismatched already */
	/* --serve: bytes read and not yet echoed */
	char *pend;
	uint32_t pend_off, pend_len;
};

static uint32_t nsizes, sizes[MAX_SIZES], depth = 1, nmsgs;
static int half_close;
static double timeout_s = 120, duration_s, gap_s;
static const char *label = "echocheck";
static uint64_t mismatches, resets, errors, msgs_done, bytes_done;
static unsigned int reports;

static void report(const char *fmt, ...)
{
	va_list ap;

	if (reports++ >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	fputs("echocheck: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Bytes [off, off + len) of message msg of connection id: random access,
 * so neither side keeps a copy of what is in flight.
 */
static void payload(char *buf, uint32_t id, uint32_t msg, uint32_t off,
		    uint32_t len)
{
	uint64_t seed = splitmix64(((uint64_t)id << 32) | msg), word = 0;
	uint32_t i;

	for (i = 0; i < len; i++) {
		uint32_t at = off + i;

		if (i == 0 || at % 8 == 0)
			word = splitmix64(seed ^ (at / 8));
		buf[i] = (char)(word >> (at % 8 * 8));
	}
}

static uint32_t msg_size(const struct conn *c, uint32_t msg)
{
	return sizes[(c->id + msg) % nsizes];
}

static void raise_nofile(uint32_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need + 16)
		return;
	rl.rlim_cur = need + 16 < rl.rlim_max ? need + 16 : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void drop(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->state = ST_FAILED;
	free(c->pend);
	c->pend = NULL;
}

/* An error on c's socket: counted as a reset or as another error. */
static void fail(struct conn *c, int err, const char *what)
{
	if (err == ECONNRESET || err == EPIPE) {
		resets++;
		report("conn %u: %s: connection reset (msg %u)", c->id, what,
		       c->rx_msg);
	} else {
		errors++;
		report("conn %u: %s: %s (msg %u)", c->id, what,
		       err ? strerror(err) : "unexpected EOF", c->rx_msg);
	}
	drop(c);
}

static void finish_ok(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->state = ST_DONE;
	free(c->pend);
	c->pend = NULL;
}

static void shut_wr(struct conn *c)
{
	if (c->shut)
		return;
	c->shut = 1;
	if (shutdown(c->fd, SHUT_WR))
		fail(c, errno, "shutdown");
}

/* Send as much as the window of DEPTH messages and the socket allow. */
static void client_tx(struct conn *c, char *buf)
{
	while (c->state == ST_RUNNING && c->tx_msg < c->nmsgs &&
	       c->tx_msg < c->rx_msg + depth) {
		uint32_t size = msg_size(c, c->tx_msg);
		uint32_t len = size - c->tx_off;
		ssize_t n;

		if (gap_s > 0 && !c->tx_off && now_s() < c->next_at)
			return;

		if (len > CHUNK)
			len = CHUNK;
		payload(buf, c->id, c->tx_msg, c->tx_off, len);
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail(c, errno, "send");
			return;
		}
		c->tx_off += n;
		if (c->tx_off == size) {
			c->tx_off = 0;
			c->tx_msg++;
			if (gap_s > 0)
				c->next_at = now_s() + gap_s;
		}
		if (c->tx_msg == c->nmsgs && half_close)
			shut_wr(c);
		if ((size_t)n < len)
			return;
	}
}

/* Check what arrived against what was sent. */
static void client_rx(struct conn *c, char *buf, char *want)
{
	for (;;) {
		ssize_t n = recv(c->fd, buf, CHUNK, 0);
		ssize_t i, done = 0;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail(c, errno, "recv");
			return;
		}
		if (n == 0) {
			if (c->state == ST_WAIT_EOF)
				finish_ok(c);
			else
				fail(c, 0, "recv");
			return;
		}
		if (c->state == ST_WAIT_EOF) {
			mismatches++;
			report("conn %u: %zd bytes after the last echo", c->id,
			       n);
			drop(c);
			return;
		}
		bytes_done += n;
		while (done < n) {
			uint32_t size = msg_size(c, c->rx_msg);
			uint32_t len = size - c->rx_off;

			if (len > n - done)
				len = n - done;
			payload(want, c->id, c->rx_msg, c->rx_off, len);
			if (!c->bad_msg && memcmp(buf + done, want, len)) {
				for (i = 0; buf[done + i] == want[i]; i++)
					;
				c->bad_msg = 1;
				mismatches++;
				report("conn %u msg %u (size %u): byte %u is 0x%02x, want 0x%02x",
				       c->id, c->rx_msg, size,
				       c->rx_off + (uint32_t)i,
				       (unsigned char)buf[done + i],
				       (unsigned char)want[i]);
			}
			done += len;
			c->rx_off += len;
			if (c->rx_off == size) {
				c->rx_off = 0;
				c->rx_msg++;
				c->bad_msg = 0;
				msgs_done++;
			}
			if (c->rx_msg == c->nmsgs)
				break;
		}
		if (done < n) {
			mismatches++;
			report("conn %u: %zd bytes after the last echo", c->id,
			       n - done);
			drop(c);
			return;
		}
		if (c->rx_msg == c->nmsgs) {
			c->state = ST_WAIT_EOF;
			shut_wr(c);
			if (c->state == ST_FAILED)
				return;
		}
	}
}

/*
 * --duration is over: no message after the one being sent. A connection
 * whose echoes are all in closes now.
 */
static void stop_sending(struct conn *c)
{
	if (c->state != ST_RUNNING && c->state != ST_CONNECTING)
		return;
	c->nmsgs = c->tx_off ? c->tx_msg + 1 : c->tx_msg;
	if (c->state == ST_RUNNING && c->rx_msg == c->nmsgs) {
		c->state = ST_WAIT_EOF;
		shut_wr(c);
	}
}

/* Connected: the first messages go out (or, with none, our FIN). */
static void client_start(struct conn *c, char *buf)
{
	c->state = ST_RUNNING;
	if (!c->nmsgs) {
		c->state = ST_WAIT_EOF;
		shut_wr(c);
		return;
	}
	client_tx(c, buf);
}

static void client_connected(struct conn *c, char *buf)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		fail(c, err ? err : errno, "connect");
		return;
	}
	client_start(c, buf);
}

static const char *state_name(enum state s)
{
	static const char *const names[] = {
		"connecting", "running", "waiting for EOF", "done", "failed",
	};

	return names[s];
}

static int summary(uint32_t nconn, uint32_t eof_ok, double t0, int timed_out)
{
	double secs = now_s() - t0;

	printf("RESULT %s conns=%u msgs=%llu bytes=%llu mismatches=%llu resets=%llu eof_ok=%u/%u secs=%.3f msgs_per_s=%.0f errors=%llu\n",
	       label, nconn, (unsigned long long)msgs_done,
	       (unsigned long long)bytes_done,
	       (unsigned long long)mismatches, (unsigned long long)resets,
	       eof_ok, nconn, secs, secs > 0 ? msgs_done / secs : 0.0,
	       (unsigned long long)errors);
	fflush(stdout);
	if (timed_out)
		return 124;
	return mismatches || resets || errors || eof_ok != nconn ? 1 : 0;
}

static int run_client(const char *address, int port, uint32_t nconn)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct conn *c = calloc(nconn, sizeof(*c));
	struct pollfd *pfd = calloc(nconn, sizeof(*pfd));
	char *buf = malloc(CHUNK), *want = malloc(CHUNK);
	uint32_t i, live, eof_ok = 0, failed = 0, shown = 0;
	double t0 = now_s(), left;
	int one = 1, timed_out = 0, stopped = 0;

	if (!c || !pfd || !buf || !want)
		return 1;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
		fprintf(stderr, "echocheck: bad address %s\n", address);
		return 2;
	}
	raise_nofile(nconn);
	for (i = 0; i < nconn; i++) {
		c[i].id = i;
		c[i].nmsgs = nmsgs;
		c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c[i].fd < 0) {
			fail(&c[i], errno, "socket");
			continue;
		}
		setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one,
			   sizeof(one));
		if (!connect(c[i].fd, (struct sockaddr *)&sa, sizeof(sa)))
			client_start(&c[i], buf);
		else if (errno != EINPROGRESS)
			fail(&c[i], errno, "connect");
	}
	for (;;) {
		if (duration_s > 0 && !stopped && now_s() - t0 >= duration_s) {
			stopped = 1;
			for (i = 0; i < nconn; i++)
				stop_sending(&c[i]);
		}
		live = 0;
		for (i = 0; i < nconn; i++) {
			struct conn *k = &c[i];

			pfd[i].fd = k->fd;
			pfd[i].revents = 0;
			switch (k->state) {
			case ST_CONNECTING:
				pfd[i].events = POLLOUT;
				break;
			case ST_RUNNING:
				pfd[i].events = POLLIN;
				if (k->tx_msg < k->nmsgs &&
				    k->tx_msg < k->rx_msg + depth &&
				    (gap_s <= 0 || k->tx_off ||
				     now_s() >= k->next_at))
					pfd[i].events |= POLLOUT;
				break;
			case ST_WAIT_EOF:
				pfd[i].events = POLLIN;
				break;
			default:
				pfd[i].fd = -1;
				continue;
			}
			live++;
		}
		if (!live)
			break;
		left = timeout_s - (now_s() - t0);
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (gap_s > 0 && left > gap_s)
			left = gap_s;
		if (poll(pfd, nconn, left > 1 ? 1000 : (int)(left * 1000) + 1) < 0 &&
		    errno != EINTR) {
			perror("echocheck: poll");
			return 1;
		}
		/* --gap-ms: messages whose time came. */
		for (i = 0; gap_s > 0 && i < nconn; i++)
			if (c[i].state == ST_RUNNING && pfd[i].fd >= 0 &&
			    !pfd[i].revents)
				client_tx(&c[i], buf);
		for (i = 0; i < nconn; i++) {
			struct conn *k = &c[i];

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (k->state == ST_CONNECTING) {
				client_connected(k, buf);
				continue;
			}
			/* Errors and hang-ups show up in recv(). */
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				client_rx(k, buf, want);
			/* Sends when writable or when echoes opened the window. */
			if (k->state == ST_RUNNING)
				client_tx(k, buf);
		}
	}
	for (i = 0; i < nconn; i++) {
		if (c[i].state == ST_DONE) {
			eof_ok++;
			continue;
		}
		failed += c[i].state == ST_FAILED;
		if (c[i].state == ST_FAILED || !timed_out)
			continue;
		if (shown++ < MAX_REPORTS)
			fprintf(stderr, "echocheck: conn %u %s: sent %u/%u, echoed %u/%u messages\n",
				i, state_name(c[i].state), c[i].tx_msg,
				c[i].nmsgs, c[i].rx_msg, c[i].nmsgs);
	}
	if (timed_out)
		fprintf(stderr, "echocheck: timed out after %.0f s: %u of %u connections unfinished\n",
			timeout_s, nconn - eof_ok - failed, nconn);
	free(want);
	free(buf);
	free(pfd);
	free(c);
	return summary(nconn, eof_ok, t0, timed_out);
}

/* --serve: echo one connection until EAGAIN or its close. */
static void serve_io(struct conn *c)
{
	for (;;) {
		ssize_t n;

		while (c->pend_off < c->pend_len) {
			n = send(c->fd, c->pend + c->pend_off,
				 c->pend_len - c->pend_off, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					fail(c, errno, "send");
				return;
			}
			c->pend_off += n;
			bytes_done += n;
		}
		if (c->state == ST_WAIT_EOF) {
			/* Everything echoed after the peer's FIN: ours. */
			finish_ok(c);
			return;
		}
		n = recv(c->fd, c->pend, CHUNK, 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail(c, errno, "recv");
			return;
		}
		c->pend_off = 0;
		c->pend_len = n;
		if (n == 0)
			c->state = ST_WAIT_EOF;
		else
			msgs_done++;
	}
}

static int run_server(const char *bind_addr, int port, uint32_t count)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct conn *c = calloc(count, sizeof(*c));
	struct pollfd *pfd = calloc(count + 1, sizeof(*pfd));
	uint32_t i, accepted = 0, eof_ok = 0, live;
	double t0 = now_s(), left;
	int lfd, one = 1, timed_out = 0;

	if (!c || !pfd)
		return 1;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "echocheck: bad address %s\n", bind_addr);
		return 2;
	}
	raise_nofile(count);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, count < 1024 ? 1024 : count)) {
		perror("echocheck: listen");
		return 1;
	}
	fprintf(stderr, "echocheck: serving %u connections on %s:%d\n",
		count, bind_addr, port);
	for (;;) {
		live = 0;
		pfd[0].fd = accepted < count ? lfd : -1;
		pfd[0].events = POLLIN;
		for (i = 0; i < accepted; i++) {
			struct conn *k = &c[i];

			pfd[i + 1].revents = 0;
			pfd[i + 1].fd = k->fd;
			if (k->state != ST_RUNNING && k->state != ST_WAIT_EOF) {
				pfd[i + 1].fd = -1;
				continue;
			}
			pfd[i + 1].events = k->pend_off < k->pend_len ?
					    POLLOUT : POLLIN;
			live++;
		}
		if (!live && accepted == count)
			break;
		left = timeout_s - (now_s() - t0);
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(pfd, accepted + 1,
			 left > 1 ? 1000 : (int)(left * 1000) + 1) < 0 &&
		    errno != EINTR) {
			perror("echocheck: poll");
			return 1;
		}
		if (pfd[0].fd >= 0 && (pfd[0].revents & POLLIN)) {
			int fd;

			while (accepted < count &&
			       (fd = accept4(lfd, NULL, NULL,
					     SOCK_NONBLOCK)) >= 0) {
				struct conn *k = &c[accepted];

				k->id = accepted++;
				k->fd = fd;
				k->state = ST_RUNNING;
				k->pend = malloc(CHUNK);
				if (!k->pend)
					return 1;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				serve_io(k);
			}
			if (accepted == count)
				close(lfd);
		}
		for (i = 0; i < accepted; i++)
			if (pfd[i + 1].fd >= 0 && pfd[i + 1].revents)
				serve_io(&c[i]);
	}
	for (i = 0; i < accepted; i++)
		eof_ok += c[i].state == ST_DONE;
	if (timed_out)
		fprintf(stderr, "echocheck: timed out after %.0f s: %u of %u connections accepted, %u closed cleanly\n",
			timeout_s, accepted, count, eof_ok);
	for (i = 0; i < accepted; i++)
		free(c[i].pend);
	free(pfd);
	free(c);
	return summary(count, eof_ok, t0, timed_out);
}

static int parse_sizes(char *list)
{
	char *tok, *end;
	unsigned long v;

	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		v = strtoul(tok, &end, 0);
		if (*end || !v || v > MAX_SIZE || nsizes == MAX_SIZES)
			return -1;
		sizes[nsizes++] = v;
	}
	return nsizes ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: echocheck ADDRESS PORT CONNS MSGS SIZES [--depth D] [--half-close]\n"
		"                 [--duration S] [--gap-ms G]\n"
		"                 [--timeout S] [--label L]\n"
		"       echocheck --serve PORT --count N [--bind ADDRESS] [--timeout S] [--label L]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *bind_addr = "0.0.0.0", *pos[5];
	int i, npos = 0, serve = -1;
	long count = -1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;

		if (!strcmp(a, "--timeout") && more)
			timeout_s = atof(argv[++i]);
		else if (!strcmp(a, "--label") && more)
			label = argv[++i];
		else if (!strcmp(a, "--depth") && more)
			depth = atoi(argv[++i]);
		else if (!strcmp(a, "--duration") && more)
			duration_s = atof(argv[++i]);
		else if (!strcmp(a, "--gap-ms") && more)
			gap_s = atof(argv[++i]) / 1000;
		else if (!strcmp(a, "--half-close"))
			half_close = 1;
		else if (!strcmp(a, "--serve") && more)
			serve = atoi(argv[++i]);
		else if (!strcmp(a, "--count") && more)
			count = atol(argv[++i]);
		else if (!strcmp(a, "--bind") && more)
			bind_addr = argv[++i];
		else if (a[0] == '-' && a[1] == '-')
			usage();
		else if (npos < 5)
			pos[npos++] = a;
		else
			usage();
	}
	if (timeout_s <= 0 || !depth)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (serve >= 0) {
		if (npos || serve > 65535 || count <= 0 || count > 1000000)
			usage();
		return run_server(bind_addr, serve, count);
	}
	if (npos != 5 || atol(pos[2]) <= 0 || atol(pos[2]) > 1000000 ||
	    atol(pos[3]) < 0)
		usage();
	nmsgs = atol(pos[3]);
	if (parse_sizes((char *)pos[4])) {
		fprintf(stderr, "echocheck: bad SIZES %s (1..%d, at most %d)\n",
			pos[4], MAX_SIZE, MAX_SIZES);
		return 2;
	}
	return run_client(pos[0], atoi(pos[1]), atol(pos[2]));
}
