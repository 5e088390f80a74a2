// SPDX-License-Identifier: GPL-2.0
/*
 * The semantics of the POSIX calls that libixdp-preload.so replaces,
 * checked the same way on an ixdp socket (run with LD_PRELOAD and
 * IXDP_PRELOAD_ADDR=SERVER) and on a Linux one (SERVER is the guest's
 * Linux address), against the host's preload_peer.py, which this program
 * drives over a control connection (test/host/preload_peer.py).
 *
 *	preload_calls ixdp|linux SERVER PORT PEER CTLPORT [LINUX]
 *
 * SERVER:PORT and SERVER:PORT+1 are listened on here, and PORT+4 on
 * INADDR_ANY; the peer listens on PEER:PORT+10 for the connect checks;
 * PEER:PORT+11 is closed. In ixdp mode, LINUX (the guest's Linux address)
 * is where the INADDR_ANY server must be reachable too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ksft.h"

static bool ixdp_mode;
static const char *mode_name;
static struct in_addr srv, peer, other;
static int port, ctl = -1, nconn;
static char ctl_buf[8192];
static size_t ctl_len;

#define CHECK(ok, fmt, ...) \
	ksft_test_result(ok, "%s: " fmt, mode_name, ##__VA_ARGS__)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- the control connection -------------------------------------------- */

static void ctl_send(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	if (write(ctl, line, (size_t)n) != n)
		ksft_print_msg("control write: %s\n", strerror(errno));
}

/*
 * Waits up to @ms for a line starting with @prefix; copies it to @out.
 * Other lines are kept for later callers.
 */
static bool ctl_expect(const char *prefix, int ms, char *out, size_t outlen)
{
	long long end = now_ms() + ms;
	struct pollfd p = { .fd = ctl, .events = POLLIN };
	char *line, *nl;
	size_t off, len;
	ssize_t n;

	for (;;) {
		for (off = 0; off < ctl_len; off = (size_t)(nl - ctl_buf) + 1) {
			line = ctl_buf + off;
			nl = memchr(line, '\n', ctl_len - off);
			if (!nl)
				break;
			if (strncmp(line, prefix, strlen(prefix)))
				continue;
			len = (size_t)(nl - line);
			if (out) {
				len = len < outlen - 1 ? len : outlen - 1;
				memcpy(out, line, len);
				out[len] = 0;
			}
			len = (size_t)(nl - line) + 1;
			memmove(line, nl + 1, ctl_len - off - len);
			ctl_len -= len;
			return true;
		}
		if (now_ms() >= end || ctl_len == sizeof(ctl_buf)) {
			ksft_print_msg("no \"%s\" from the peer; it said: %.*s\n",
				       prefix, (int)ctl_len, ctl_buf);
			return false;
		}
		if (poll(&p, 1, (int)(end - now_ms())) <= 0)
			continue;
		n = read(ctl, ctl_buf + ctl_len, sizeof(ctl_buf) - ctl_len);
		if (n <= 0)
			return false;
		ctl_len += (size_t)n;
	}
}

/* ---- helpers --------------------------------------------------------------- */

static struct sockaddr_in sa(struct in_addr a, int p)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_addr = a,
				 .sin_port = htons((uint16_t)p) };
	return s;
}

static short wait_ev(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return p.revents;
}

static int listen_on(int p, bool nonblock)
{
	struct sockaddr_in a = sa(srv, p);
	int fd = socket(AF_INET, SOCK_STREAM |
			(nonblock ? SOCK_NONBLOCK : 0), 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16)) {
		ksft_print_msg("listen on %d: %s\n", p, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Has the peer dial the listener @lfd on @p in @mode: accepted fd or -1. */
static int peer_conn_at(int lfd, struct in_addr host, int p,
			const char *mode, char *id, size_t idlen)
{
	char line[128];
	int fd;

	snprintf(id, idlen, "c%d", ++nconn);
	ctl_send("dial %s %d %s %s", inet_ntoa(host), p, mode, id);
	if (!(wait_ev(lfd, POLLIN, 20000) & POLLIN)) {
		ksft_print_msg("no connection to accept for %s\n", id);
		return -1;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	snprintf(line, sizeof(line), "ok %s", id);
	if (fd >= 0 && !ctl_expect(line, 10000, NULL, 0))
		ksft_print_msg("the peer did not say %s\n", line);
	return fd;
}

static int peer_conn_to(int lfd, int p, const char *mode, char *id,
			size_t idlen)
{
	return peer_conn_at(lfd, srv, p, mode, id, idlen);
}

static int peer_conn(int lfd, const char *mode, char *id, size_t idlen)
{
	return peer_conn_to(lfd, port, mode, id, idlen);
}

/* Reads exactly @n bytes within @ms (non-blocking @fd). */
static ssize_t read_n(int fd, void *buf, size_t n, int ms)
{
	long long end = now_ms() + ms;
	size_t done = 0;
	ssize_t r;

	while (done < n && now_ms() < end) {
		r = read(fd, (char *)buf + done, n - done);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		wait_ev(fd, POLLIN, 100);
	}
	return (ssize_t)done;
}

static bool write_all(int fd, const void *buf, size_t n)
{
	long long end = now_ms() + 20000;
	size_t done = 0;
	ssize_t r;

	while (done < n && now_ms() < end) {
		r = write(fd, (const char *)buf + done, n - done);
		if (r > 0)
			done += (size_t)r;
		else if (r < 0 && errno == EAGAIN)
			wait_ev(fd, POLLOUT, 100);
		else
			return false;
	}
	return done == n;
}

static bool echo_ok(int fd, const char *msg)
{
	char buf[256];
	size_t n = strlen(msg);

	return write_all(fd, msg, n) && read_n(fd, buf, n, 10000) ==
		(ssize_t)n && !memcmp(buf, msg, n);
}

/* ---- the checks ------------------------------------------------------------ */

static void check_accept_and_names(int lfd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char id[16];
	int fd, one = 1, v;
	socklen_t vl = sizeof(v);

	errno = 0;
	CHECK(accept(lfd, NULL, NULL) < 0 && errno == EAGAIN,
	      "non-blocking accept with nothing pending: EAGAIN");
	fd = peer_conn(lfd, "echo", id, sizeof(id));
	CHECK(fd >= 0, "non-blocking accept after POLLIN returns the connection");
	if (fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	CHECK(!getsockname(fd, (struct sockaddr *)&a, &len) &&
	      a.sin_addr.s_addr == srv.s_addr && ntohs(a.sin_port) == port &&
	      len == sizeof(a), "getsockname: SERVER:PORT");
	len = sizeof(a);
	CHECK(!getpeername(fd, (struct sockaddr *)&a, &len) &&
	      a.sin_addr.s_addr == peer.s_addr, "getpeername: the peer");
	CHECK(!setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) &&
	      !getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &vl) && v == 1,
	      "TCP_NODELAY set and read back");
	vl = sizeof(v);
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) &&
	      !getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &vl) && v == 1,
	      "SO_KEEPALIVE set and read back");
	vl = sizeof(v);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl) &&
	      v == SOCK_STREAM, "SO_TYPE is SOCK_STREAM");
	vl = sizeof(v);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &vl) && v == 0,
	      "SO_ERROR is 0");
	v = 0;
	CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) && !ioctl(fd, FIONBIO, &v) &&
	      !(fcntl(fd, F_GETFL) & O_NONBLOCK) &&
	      !fcntl(fd, F_SETFL, O_NONBLOCK) &&
	      (fcntl(fd, F_GETFL) & O_NONBLOCK),
	      "O_NONBLOCK by accept4, FIONBIO and F_SETFL");
	CHECK(!fcntl(fd, F_SETFD, FD_CLOEXEC) &&
	      fcntl(fd, F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC set and read");
	errno = 0;
	CHECK(read(fd, &v, 1) < 0 && errno == EAGAIN,
	      "read with nothing received: EAGAIN");
	CHECK(echo_ok(fd, "hello, echo"), "write then read: echoed");
	close(fd);
}

/* glibc's fortified entry points, which a _FORTIFY_SOURCE build calls. */
ssize_t __read_chk(int fd, void *buf, size_t nbytes, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);

static bool fortified_io(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[8];

	return send(fd, "xyz", 3, MSG_NOSIGNAL) == 3 &&
	       __poll_chk(&p, 1, 10000, sizeof(p)) == 1 &&
	       (p.revents & POLLIN) && (usleep(200000), 1) &&
	       __read_chk(fd, buf, 2, sizeof(buf)) == 2 &&
	       __recv_chk(fd, buf + 2, 1, sizeof(buf) - 2, 0) == 1 &&
	       !memcmp(buf, "xyz", 3);
}

static void check_io_forms(int lfd)
{
	char id[16], buf[64], b2[8];
	struct iovec iov[2] = { { "abc", 3 }, { "defg", 4 } };
	struct iovec riov[2] = { { buf, 2 }, { buf + 2, 5 } };
	struct msghdr m = { 0 };
	int fd = peer_conn(lfd, "echo", id, sizeof(id)), n = 0;
	long long end;

	if (fd < 0) {
		CHECK(false, "a connection for the I/O forms");
		return;
	}
	CHECK(writev(fd, iov, 2) == 7 && wait_ev(fd, POLLIN, 10000) &&
	      (usleep(200000), 1) &&
	      readv(fd, riov, 2) == 7 && !memcmp(buf, "abcdefg", 7),
	      "writev and readv");
	CHECK(send(fd, "12345", 5, MSG_NOSIGNAL) == 5 &&
	      wait_ev(fd, POLLIN, 10000) && (usleep(200000), 1) &&
	      recv(fd, b2, 2, MSG_PEEK) == 2 && !memcmp(b2, "12", 2) &&
	      recv(fd, buf, 5, MSG_WAITALL) == 5 && !memcmp(buf, "12345", 5),
	      "send, recv MSG_PEEK and MSG_WAITALL");
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	CHECK(sendmsg(fd, &m, 0) == 7 && sendto(fd, "h", 1, 0, NULL, 0) == 1,
	      "sendmsg and sendto");
	m.msg_iov = riov;
	CHECK(wait_ev(fd, POLLIN, 10000) && (usleep(200000), 1) &&
	      recvmsg(fd, &m, 0) == 7 && !memcmp(buf, "abcdefg", 7) &&
	      recvfrom(fd, buf, 1, 0, NULL, NULL) == 1 && buf[0] == 'h',
	      "recvmsg and recvfrom");
	memset(buf, 'f', sizeof(buf));
	CHECK(write_all(fd, buf, 60), "60 bytes written");
	end = now_ms() + 10000;
	while (now_ms() < end && !ioctl(fd, FIONREAD, &n) && n < 60)
		usleep(20000);
	usleep(100000);
	CHECK(!ioctl(fd, FIONREAD, &n) && n == 60,
	      "FIONREAD counts the 60 bytes received (%d)", n);
	CHECK(read_n(fd, buf, 60, 5000) == 60 && !ioctl(fd, FIONREAD, &n) &&
	      n == 0, "FIONREAD is 0 once read");
	CHECK(fortified_io(fd),
	      "__poll_chk, __read_chk and __recv_chk (a _FORTIFY_SOURCE build's calls)");
	close(fd);
}

static void check_half_close(int lfd)
{
	char id[16], line[64], want[64], buf[8];
	static char data[1000];
	int fd = peer_conn(lfd, "halfclose", id, sizeof(id));
	ssize_t r;

	if (fd < 0) {
		CHECK(false, "a connection for the half-close");
		return;
	}
	memset(data, 'h', sizeof(data));
	CHECK(write_all(fd, data, sizeof(data)) && !shutdown(fd, SHUT_WR),
	      "1000 bytes then shutdown(SHUT_WR)");
	snprintf(want, sizeof(want), "eof %s", id);
	CHECK(ctl_expect(want, 15000, line, sizeof(line)) &&
	      atoi(line + strlen(want)) == 1000,
	      "the peer reads the 1000 bytes then EOF");
	errno = 0;
	CHECK(send(fd, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
	      "send after SHUT_WR: EPIPE");
	r = read_n(fd, buf, sizeof(buf), 10000);
	CHECK(r == 3 && !memcmp(buf, "bye", 3),
	      "reads continue after SHUT_WR: the peer's reply (%zd)", r);
	CHECK(read(fd, buf, 1) == 0, "then EOF");
	close(fd);
}

static void check_partial_writes(int lfd)
{
	static char chunk[65536];
	char id[16], line[64], want[64];
	long long total = 0, end = now_ms() + 30000;
	bool eagain = false, shortw = false;
	int fd = peer_conn(lfd, "hold", id, sizeof(id));
	ssize_t r;

	if (fd < 0) {
		CHECK(false, "a connection for the partial writes");
		return;
	}
	while (now_ms() < end && total < (256LL << 20)) {
		r = write(fd, chunk, sizeof(chunk));
		if (r > 0) {
			total += r;
			if (r < (ssize_t)sizeof(chunk))
				shortw = true;
			continue;
		}
		if (r < 0 && errno == EAGAIN) {
			/* The peer's buffers may still be filling. */
			if (wait_ev(fd, POLLOUT, 1000) & POLLOUT)
				continue;
			eagain = true;
			break;
		}
		break;
	}
	ksft_print_msg("%s: %lld bytes taken before EAGAIN (short write: %d)\n",
		       mode_name, total, shortw);
	CHECK(eagain && total > 0,
	      "non-blocking writes to a peer that does not read end in EAGAIN");
	CHECK(!(wait_ev(fd, POLLOUT, 300) & POLLOUT), "and POLLOUT is off");
	ctl_send("drain %s", id);
	CHECK(wait_ev(fd, POLLOUT, 20000) & POLLOUT,
	      "POLLOUT once the peer reads");
	close(fd);
	snprintf(want, sizeof(want), "drained %s", id);
	CHECK(ctl_expect(want, 30000, line, sizeof(line)) &&
	      atoll(line + strlen(want)) == total,
	      "the peer got every byte taken (%s)", line);
}

static int ep_wait1(int ep, struct epoll_event *ev, int ms)
{
	return epoll_wait(ep, ev, 1, ms);
}

static void check_epoll(int lfd)
{
	int fd, lt, et, eo, n1, n2, n3, n4, n5;
	struct epoll_event ev;
	char id[16], buf[32];

	fd = peer_conn(lfd, "echo", id, sizeof(id));
	if (fd < 0) {
		CHECK(false, "a connection for epoll");
		return;
	}
	lt = epoll_create1(EPOLL_CLOEXEC);
	et = epoll_create1(0);
	eo = epoll_create(1);
	ev.events = EPOLLIN;
	ev.data.u64 = 7;
	epoll_ctl(lt, EPOLL_CTL_ADD, fd, &ev);
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(et, EPOLL_CTL_ADD, fd, &ev);
	ev.events = EPOLLOUT | EPOLLET;
	CHECK(!epoll_ctl(eo, EPOLL_CTL_ADD, fd, &ev) &&
	      epoll_ctl(eo, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST,
	      "EPOLL_CTL_ADD, then EEXIST");
	n1 = ep_wait1(eo, &ev, 2000);
	n2 = ep_wait1(eo, &ev, 200);
	CHECK(n1 == 1 && (ev.events & EPOLLOUT) && n2 == 0,
	      "edge-triggered EPOLLOUT: once (%d, %d)", n1, n2);
	CHECK(ep_wait1(lt, &ev, 200) == 0 && ep_wait1(et, &ev, 0) == 0,
	      "nothing readable yet");
	write_all(fd, "0123456789", 10);
	n1 = ep_wait1(lt, &ev, 10000);
	usleep(300000);
	n2 = ep_wait1(lt, &ev, 0);
	n3 = ep_wait1(et, &ev, 2000);
	n4 = ep_wait1(et, &ev, 300);
	CHECK(n1 == 1 && n2 == 1 && ev.data.u64 == 7,
	      "level-triggered EPOLLIN: again while unread (%d, %d)", n1, n2);
	CHECK(n3 == 1 && n4 == 0,
	      "edge-triggered EPOLLIN: once per arrival (%d, %d)", n3, n4);
	read_n(fd, buf, 10, 5000);
	n1 = ep_wait1(lt, &ev, 200);
	write_all(fd, "abc", 3);
	n5 = ep_wait1(et, &ev, 10000);
	CHECK(n1 == 0 && n5 == 1, "after reading: LT quiet, ET fires for new bytes");
	read_n(fd, buf, 3, 5000);
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(lt, EPOLL_CTL_MOD, fd, &ev);
	write_all(fd, "z", 1);
	n1 = ep_wait1(lt, &ev, 10000);
	usleep(200000);
	n2 = ep_wait1(lt, &ev, 0);
	epoll_ctl(lt, EPOLL_CTL_MOD, fd, &(struct epoll_event){
		.events = EPOLLIN });
	n3 = ep_wait1(lt, &ev, 0);
	CHECK(n1 == 1 && n2 == 0 && n3 == 1,
	      "EPOLLONESHOT fires once until EPOLL_CTL_MOD (%d, %d, %d)", n1,
	      n2, n3);
	CHECK(!epoll_ctl(lt, EPOLL_CTL_DEL, fd, NULL) &&
	      epoll_ctl(lt, EPOLL_CTL_DEL, fd, NULL) < 0 && errno == ENOENT,
	      "EPOLL_CTL_DEL, then ENOENT");
	close(lt);
	close(et);
	close(eo);
	close(fd);
}

static void check_rdhup(int lfd)
{
	struct epoll_event ev;
	char id[16], buf[8], want[32];
	long long end = now_ms() + 10000;
	uint32_t seen = 0;
	int fd, ep;

	fd = peer_conn(lfd, "shut", id, sizeof(id));
	if (fd < 0) {
		CHECK(false, "a connection for EPOLLRDHUP");
		return;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	while (now_ms() < end && !(seen & EPOLLRDHUP)) {
		if (epoll_wait(ep, &ev, 1, 500) == 1)
			seen |= ev.events;
	}
	CHECK((seen & EPOLLRDHUP) && (seen & EPOLLIN) &&
	      !(seen & EPOLLHUP), "EPOLLRDHUP when the peer shuts down (%#x)",
	      seen);
	CHECK(read(fd, buf, sizeof(buf)) == 1 && buf[0] == 'x' &&
	      read(fd, buf, sizeof(buf)) == 0, "its byte, then EOF");
	CHECK(write_all(fd, "after", 5), "still writable after the peer's FIN");
	close(fd);
	snprintf(want, sizeof(want), "eof %s 5", id);
	CHECK(ctl_expect(want, 10000, NULL, 0),
	      "the peer reads those bytes, then our FIN");
	close(ep);
}

static void check_mixed(int lfd)
{
	struct epoll_event ev, out[4];
	int fd, ep, pfd[2], n, i;
	bool got_pipe = false, got_sock = false, other = false;
	char id[16], buf[8];
	struct pollfd p[2];
	fd_set rs;
	struct timeval tv = { 10, 0 };

	fd = peer_conn(lfd, "echo", id, sizeof(id));
	if (fd < 0 || pipe2(pfd, O_NONBLOCK)) {
		CHECK(false, "a connection and a pipe");
		return;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.u32 = 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev);
	ev.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	n = write(pfd[1], "p", 1);
	n = epoll_wait(ep, out, 4, 5000);
	for (i = 0; i < n; i++) {
		got_pipe |= out[i].data.u32 == 1;
		other |= out[i].data.u32 != 1;
	}
	CHECK(n == 1 && got_pipe && !other,
	      "one epoll set, pipe and socket: the pipe's byte");
	n = read(pfd[0], buf, 1);
	write_all(fd, "s", 1);
	n = epoll_wait(ep, out, 4, 10000);
	other = false;
	for (i = 0; i < n; i++) {
		got_sock |= out[i].data.u32 == 2;
		other |= out[i].data.u32 != 2;
	}
	CHECK(n == 1 && got_sock && !other, "then the socket's echo");
	n = write(pfd[1], "q", 1);
	usleep(100000);
	CHECK(epoll_wait(ep, out, 4, 5000) == 2, "then both at once");
	n = read(pfd[0], buf, 1);
	n = read(fd, buf, 1);
	p[0] = (struct pollfd){ pfd[0], POLLIN, 0 };
	p[1] = (struct pollfd){ fd, POLLIN, 0 };
	CHECK(poll(p, 2, 200) == 0, "poll: pipe and socket idle");
	write_all(fd, "t", 1);
	n = poll(p, 2, 10000);
	CHECK(n == 1 && !p[0].revents && (p[1].revents & POLLIN),
	      "poll: the socket's echo");
	FD_ZERO(&rs);
	FD_SET(fd, &rs);
	FD_SET(pfd[0], &rs);
	n = select((fd > pfd[0] ? fd : pfd[0]) + 1, &rs, NULL, NULL, &tv);
	CHECK(n == 1 && FD_ISSET(fd, &rs) && !FD_ISSET(pfd[0], &rs),
	      "select: the socket readable, the pipe not");
	n = read(fd, buf, 1);
	close(ep);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
}

static void check_dup(int lfd)
{
	char id[16], want[32], buf[8];
	int fd, d, d2;

	fd = peer_conn(lfd, "echo", id, sizeof(id));
	if (fd < 0) {
		CHECK(false, "a connection for dup");
		return;
	}
	d = dup(fd);
	CHECK(d >= 0 && write_all(d, "dup", 3) && read_n(fd, buf, 3, 10000) == 3 &&
	      !memcmp(buf, "dup", 3), "dup: both descriptors, one socket");
	close(fd);
	CHECK(echo_ok(d, "two"), "still open after the first is closed");
	d2 = dup2(d, 200);
	CHECK(d2 == 200 && fcntl(d, F_DUPFD_CLOEXEC, 210) >= 210,
	      "dup2 and F_DUPFD_CLOEXEC");
	close(d);
	CHECK(echo_ok(d2, "3"), "and through dup2's descriptor");
	close(d2);
	for (d = 210; d < 220; d++)
		close(d);
	snprintf(want, sizeof(want), "eof %s 7", id);
	CHECK(ctl_expect(want, 10000, NULL, 0),
	      "FIN when the last descriptor closes");
}

struct thr {
	int fd;
	bool ok;
};

#define T_MSGS	200
#define T_SIZE	100

static void *thr_write(void *arg)
{
	struct thr *t = arg;
	char buf[T_SIZE];
	int i;

	t->ok = true;
	for (i = 0; i < T_MSGS && t->ok; i++) {
		memset(buf, 'a' + i % 26, sizeof(buf));
		t->ok = write_all(t->fd, buf, sizeof(buf));
	}
	return NULL;
}

static void *thr_read(void *arg)
{
	struct thr *t = arg;
	char buf[T_SIZE];
	int i, j;

	t->ok = true;
	for (i = 0; i < T_MSGS && t->ok; i++) {
		t->ok = read_n(t->fd, buf, sizeof(buf), 20000) == T_SIZE;
		for (j = 0; j < T_SIZE && t->ok; j++)
			t->ok = buf[j] == 'a' + i % 26;
	}
	return NULL;
}

static void check_threads(int lfd)
{
	struct thr w, r;
	pthread_t tw, tr;
	char id[16];
	int fd;

	fd = peer_conn(lfd, "echo", id, sizeof(id));
	if (fd < 0) {
		CHECK(false, "a connection for threads");
		return;
	}
	w.fd = fd;
	r.fd = fd;
	pthread_create(&tr, NULL, thr_read, &r);
	pthread_create(&tw, NULL, thr_write, &w);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	CHECK(w.ok && r.ok,
	      "one socket, a writing and a reading thread: %d bytes in order",
	      T_MSGS * T_SIZE);
	close(fd);
}

static void on_alarm(int sig)
{
}

static void check_eintr(int lfd)
{
	struct sigaction act = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, 300000 } };
	int bl, fd, fl, r;
	char id[16], c;
	long long t0;

	sigaction(SIGALRM, &act, NULL);	/* no SA_RESTART */
	bl = listen_on(port + 1, false);
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = now_ms();
	errno = 0;
	r = accept(bl, NULL, NULL);
	CHECK(r < 0 && errno == EINTR && now_ms() - t0 >= 250,
	      "a blocking accept interrupted by a signal: EINTR");
	if (r >= 0)
		close(r);
	close(bl);
	fd = peer_conn(lfd, "echo", id, sizeof(id));
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	r = (int)read(fd, &c, 1);
	CHECK(fd >= 0 && r < 0 && errno == EINTR,
	      "a blocking read interrupted by a signal: EINTR");
	fcntl(fd, F_SETFL, fl);
	close(fd);
}

static void check_fork(int lfd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char id[16];
	int fd, st = -1;
	pid_t pid;

	fd = peer_conn(lfd, "echo", id, sizeof(id));
	if (fd < 0) {
		CHECK(false, "a connection for fork");
		return;
	}
	pid = fork();
	if (!pid) {
		int r = getsockname(fd, (struct sockaddr *)&a, &len);

		/* ixdp: the child has no ixdp socket (EBADF). */
		if (ixdp_mode)
			_exit(r < 0 && errno == EBADF ? 0 : 1);
		_exit(r == 0 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	CHECK(pid > 0 && WIFEXITED(st) && !WEXITSTATUS(st), "%s",
	      ixdp_mode ? "fork: the child's descriptor is closed (EBADF)" :
	      "fork: the child shares the socket");
	CHECK(echo_ok(fd, "after fork"), "the parent's connection still works");
	close(fd);
}

static void check_connect(void)
{
	struct sockaddr_in a = sa(srv, 0), to = sa(peer, port + 10);
	struct sockaddr_in no = sa(peer, port + 11);
	int fd, v = -1, r;
	socklen_t vl = sizeof(v), len = sizeof(a);

	ctl_send("listen %d echo", port + 10);
	CHECK(ctl_expect("ok listen", 10000, NULL, 0), "the peer listens");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	errno = 0;
	r = connect(fd, (struct sockaddr *)&to, sizeof(to));
	CHECK(r < 0 && errno == EINPROGRESS,
	      "non-blocking connect: EINPROGRESS");
	errno = 0;
	r = connect(fd, (struct sockaddr *)&to, sizeof(to));
	CHECK((r < 0 && (errno == EALREADY || errno == EISCONN)) || r == 0,
	      "connect again meanwhile: EALREADY (or done: %s)",
	      strerror(errno));
	CHECK((wait_ev(fd, POLLOUT, 20000) & POLLOUT) &&
	      !getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &vl) && v == 0,
	      "then writable with SO_ERROR 0");
	CHECK(!getpeername(fd, (struct sockaddr *)&a, &len) &&
	      a.sin_addr.s_addr == peer.s_addr &&
	      ntohs(a.sin_port) == port + 10, "getpeername: the peer");
	CHECK(echo_ok(fd, "client"), "and the peer echoes");
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	a = sa(srv, 0);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	CHECK(!connect(fd, (struct sockaddr *)&to, sizeof(to)) &&
	      echo_ok(fd, "blocking"), "blocking connect, then echo");
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	r = connect(fd, (struct sockaddr *)&no, sizeof(no));
	vl = sizeof(v);
	CHECK(r < 0 && errno == EINPROGRESS &&
	      (wait_ev(fd, POLLOUT, 20000) & (POLLOUT | POLLERR)) &&
	      !getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &vl) &&
	      v == ECONNREFUSED, "a closed port: SO_ERROR ECONNREFUSED (%d)",
	      v);
	close(fd);
}

/*
 * A server bound to INADDR_ANY: under the library with no port list, or
 * with its port listed, it listens on ixdp's address (only); with a port
 * list that leaves it out (the Linux run), on Linux's.
 */
static void check_any(void)
{
	struct in_addr any = { .s_addr = htonl(INADDR_ANY) };
	struct sockaddr_in a = sa(any, port + 4);
	socklen_t len = sizeof(a);
	int lfd, fd, one = 1;
	char id[16];

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(!bind(lfd, (struct sockaddr *)&a, sizeof(a)) && !listen(lfd, 8),
	      "bind to INADDR_ANY and listen");
	memset(&a, 0xff, sizeof(a));
	CHECK(!getsockname(lfd, (struct sockaddr *)&a, &len) &&
	      a.sin_addr.s_addr == htonl(INADDR_ANY) &&
	      ntohs(a.sin_port) == port + 4, "getsockname: 0.0.0.0:PORT+4");
	fd = peer_conn_to(lfd, port + 4, "echo", id, sizeof(id));
	len = sizeof(a);
	CHECK(fd >= 0 && !getsockname(fd, (struct sockaddr *)&a, &len) &&
	      a.sin_addr.s_addr == srv.s_addr,
	      "a connection to SERVER, named SERVER:PORT+4");
	CHECK(fd >= 0 && echo_ok(fd, "any"), "echoed");
	if (fd >= 0)
		close(fd);
	/* ixdp's INADDR_ANY listens on Linux's addresses too. */
	if (ixdp_mode && other.s_addr) {
		fd = peer_conn_at(lfd, other, port + 4, "echo", id,
				  sizeof(id));
		len = sizeof(a);
		CHECK(fd >= 0 && !getsockname(fd, (struct sockaddr *)&a, &len) &&
		      a.sin_addr.s_addr == other.s_addr && echo_ok(fd, "lx"),
		      "and on Linux's address %s: accepted, named, echoed",
		      inet_ntoa(other));
		if (fd >= 0)
			close(fd);
	}
	close(lfd);
}

static void check_unsupported(void)
{
	struct sockaddr_in a = sa(srv, port + 2);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r, tos = 0x10;

	errno = 0;
	r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	if (ixdp_mode)
		CHECK(r < 0 && errno == ENOTSUP,
		      "UDP on ixdp's address: ENOTSUP");
	else
		CHECK(r == 0, "UDP on Linux's address binds");
	close(fd);
	fd = listen_on(port + 3, true);
	errno = 0;
	r = setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	if (ixdp_mode)
		CHECK(fd >= 0 && r < 0 && errno == ENOTSUP,
		      "an option it does not know (IP_TOS): ENOTSUP");
	else
		CHECK(fd >= 0 && r == 0, "IP_TOS on Linux");
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_in c;
	int lfd;

	ksft_print_header();
	if (argc < 6 || argc > 7 || !inet_aton(argv[2], &srv) ||
	    !inet_aton(argv[4], &peer) ||
	    (argc == 7 && !inet_aton(argv[6], &other))) {
		ksft_print_msg("usage: %s ixdp|linux SERVER PORT PEER CTLPORT [LINUX]\n",
			       argv[0]);
		return KSFT_FAIL;
	}
	ixdp_mode = !strcmp(argv[1], "ixdp");
	mode_name = argv[1];
	port = atoi(argv[3]);
	signal(SIGPIPE, SIG_IGN);
	c = sa(peer, atoi(argv[5]));
	ctl = socket(AF_INET, SOCK_STREAM, 0);
	if (!CHECK(ctl >= 0 && !connect(ctl, (struct sockaddr *)&c, sizeof(c)),
		   "control connection to the peer (through Linux)"))
		return ksft_finish();
	lfd = listen_on(port, true);
	if (!CHECK(lfd >= 0, "listen on SERVER:PORT"))
		return ksft_finish();
	check_accept_and_names(lfd);
	check_io_forms(lfd);
	check_half_close(lfd);
	check_partial_writes(lfd);
	check_epoll(lfd);
	check_rdhup(lfd);
	check_mixed(lfd);
	check_dup(lfd);
	check_threads(lfd);
	check_eintr(lfd);
	check_fork(lfd);
	check_connect();
	check_any();
	check_unsupported();
	close(lfd);
	/* The last run ends the peer (preload.sh). */
	if (getenv("PRELOAD_QUIT"))
		ctl_send("quit");
	close(ctl);
	return ksft_finish();
}
