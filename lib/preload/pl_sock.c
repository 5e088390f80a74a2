// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libixdp-preload: the socket calls (bind, listen, accept, connect,
 * shutdown, close, dup, fcntl, ioctl, options and names) for descriptors
 * of ixdp sockets; every other descriptor goes to the C library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "preload.h"

static int pl_fail(int err)
{
	errno = err;
	return -1;
}

int pl_fd_attach(int fd, struct pl_sock *s)
{
	int ret;

	pthread_mutex_lock(&pl.lock);
	ret = pl_fdtab_set(&pl.socks, fd, s);
	if (!ret) {
		s->nfds++;
		__atomic_fetch_add(&pl.nsocks, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&pl.lock);
	return ret;
}

/* Under pl.lock: @fd no longer names its socket; true if it was the last. */
static struct pl_sock *pl_fd_detach_locked(int fd, bool *last)
{
	struct pl_sock *s = pl_fdtab_clear(&pl.socks, fd);

	*last = false;
	if (s) {
		__atomic_fetch_sub(&pl.nsocks, 1, __ATOMIC_RELAXED);
		*last = --s->nfds == 0;
	}
	return s;
}

static void pl_fd_release(struct pl_sock *s, bool last)
{
	if (s && last)
		pl_sock_last_close(s);
	if (s)
		pl_sock_put(s);
}

/* Does closing @s reset it (unread bytes, or SO_LINGER with 0)? */
static bool pl_conn_resets(struct pl_sock *s)
{
	return s->conn->ctx.rx_bytes || s->left_off < s->left_len ||
	       (s->opt_linger.l_onoff && !s->opt_linger.l_linger);
}

/* A conn socket closed by the application: FIN, or RST with unread bytes. */
static void pl_conn_close(struct pl_sock *s)
{
	struct pl_core *c = s->core;
	struct ixev_ctx *ctx;

	pl_core_lock(c);
	/*
	 * The SENDs that writes left to publish (pl_defer) go first:
	 * ixev_abort takes the context off the list that would publish
	 * them, and the peer would get a bare RST.
	 */
	if (s->conn && !s->dead && pl_conn_resets(s))
		pl_core_drive(c);
	s->closed = true;
	if (s->conn && !s->dead) {
		ctx = &s->conn->ctx;
		if (pl_conn_resets(s))
			ixev_abort(ctx);
		else
			ixev_close(ctx);
		pl_core_drive(c);
	}
	pl_core_unlock(c);
}

/*
 * A listener stops: off the list, every core stops listening, and the
 * connections it has not handed out are reset.
 */
static void pl_listen_stop(struct pl_sock *s)
{
	struct pl_sock **pp, *q;
	unsigned int i;

	pthread_mutex_lock(&pl.lsn_lock);
	for (pp = &pl.listeners; *pp; pp = &(*pp)->lnext) {
		if (*pp == s) {
			*pp = s->lnext;
			break;
		}
	}
	pthread_mutex_unlock(&pl.lsn_lock);
	for (i = 0; i < pl.ncores; i++) {
		pl_core_lock(&pl.cores[i]);
		ixev_unlisten(pl.cores[i].t, s->lport);
		pl_core_drive(&pl.cores[i]);
		pl_core_unlock(&pl.cores[i]);
	}
	for (;;) {
		pthread_mutex_lock(&s->qlock);
		q = s->q_head != s->q_tail ? s->q[s->q_head++ % s->q_cap] :
					     NULL;
		pthread_mutex_unlock(&s->qlock);
		if (!q)
			break;
		pl_core_lock(q->core);
		q->closed = true;
		if (q->conn && !q->dead)
			ixev_abort(&q->conn->ctx);
		pl_core_drive(q->core);
		pl_core_unlock(q->core);
		pl_sock_put(q);
	}
}

void pl_sock_last_close(struct pl_sock *s)
{
	pl_ep_forget_sock(s);
	if (s->lin_fd >= 0) {
		pl_real.close(s->lin_fd);
		s->lin_fd = -1;
	}
	if (s->kind == PL_CONN)
		pl_conn_close(s);
	else if (s->kind == PL_LISTEN)
		pl_listen_stop(s);
}

int pl_fd_close(int fd)
{
	struct pl_sock *s;
	bool last;
	int ret;

	/*
	 * Off the table first, then closed: the number cannot be taken by
	 * another open() before its entry is gone.
	 */
	pthread_mutex_lock(&pl.lock);
	s = pl_fd_detach_locked(fd, &last);
	pthread_mutex_unlock(&pl.lock);
	ret = pl_real.close(fd);
	pl_fd_release(s, last);
	return ret;
}

int close(int fd)
{
	pl_real_init();
	pl_ep_close(fd);
	if (!__atomic_load_n(&pl.nsocks, __ATOMIC_RELAXED))
		return pl_real.close(fd);
	return pl_fd_close(fd);
}

/* The options set on the Linux socket before it became ixdp's. */
static void pl_sock_copy_opts(struct pl_sock *s, int fd)
{
	socklen_t len = sizeof(int);

	pl_real.getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &s->opt_reuseaddr,
			   &len);
	len = sizeof(int);
	pl_real.getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &s->opt_reuseport,
			   &len);
	len = sizeof(int);
	pl_real.getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &s->opt_keepalive,
			   &len);
	len = sizeof(int);
	pl_real.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &s->opt_rcvbuf, &len);
	len = sizeof(int);
	pl_real.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s->opt_sndbuf, &len);
	len = sizeof(int);
	pl_real.getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &s->opt_nodelay,
			   &len);
	len = sizeof(s->opt_linger);
	pl_real.getsockopt(fd, SOL_SOCKET, SO_LINGER, &s->opt_linger, &len);
}

/*
 * INADDR_ANY: the application's Linux socket stays, at a descriptor of
 * the library's, bound to the same port on Linux's addresses, so that the
 * server listens on both. If Linux refuses the port, ixdp alone.
 */
static void pl_sock_linux_side(struct pl_sock *s, int fd, uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int hfd = pl_real.fcntl(fd, F_DUPFD_CLOEXEC, 0), fl;

	if (hfd < 0)
		return;
	fl = pl_real.fcntl(hfd, F_GETFL);
	if (fl < 0 || pl_real.bind(hfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    pl_real.fcntl(hfd, F_SETFL, fl | O_NONBLOCK)) {
		pl_log("port %u: ixdp only, Linux refused it: %s", port,
		       strerror(errno));
		pl_real.close(hfd);
		return;
	}
	s->lin_fd = hfd;
}

/* Turns the Linux socket @fd into an ixdp socket bound to @port. */
static int pl_sock_adopt(int fd, uint32_t addr, uint16_t port)
{
	struct pl_sock *s;
	int efd, fl, ret;

	ret = pl_cores_up();
	if (ret) {
		pl_log("bind to ixdp's address: no dataplane core (%s)",
		       strerror(-ret));
		return pl_fail(EADDRNOTAVAIL);
	}
	fl = pl_real.fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	s = pl_sock_new(PL_BOUND);
	if (!s)
		return pl_fail(ENOMEM);
	pl_sock_copy_opts(s, fd);
	if (addr == htonl(INADDR_ANY))
		pl_sock_linux_side(s, fd, port);
	s->laddr = addr;	/* INADDR_ANY stays so for getsockname */
	s->lport = port;
	s->nonblock = fl & O_NONBLOCK;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		pl_sock_put(s);
		return -1;
	}
	fl = pl_real.fcntl(fd, F_GETFD);
	ret = pl_real.dup3(efd, fd, fl > 0 && (fl & FD_CLOEXEC) ?
			   O_CLOEXEC : 0);
	if (ret >= 0) {
		pthread_mutex_lock(&pl.lock);
		ret = pl_fdtab_set(&pl.socks, fd, s);
		if (!ret) {
			s->nfds = 1;
			__atomic_fetch_add(&pl.nsocks, 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&pl.lock);
	} else {
		ret = -errno;
	}
	pl_real.close(efd);
	if (ret) {
		if (s->lin_fd >= 0)
			pl_real.close(s->lin_fd);
		pl_sock_put(s);
		return pl_fail(-ret);
	}
	pl_sock_update(s, false, false);
	if (pl.cfg.debug)
		pl_log("fd %d: ixdp socket, port %u", fd, port);
	return 0;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct sockaddr_in *sin = (const void *)addr;
	const struct sockaddr_in6 *sin6 = (const void *)addr;
	int type = 0, proto = 0;
	socklen_t olen = sizeof(int);
	struct pl_sock *s;
	uint16_t port;
	bool mine;

	pl_init();
	if (!pl.cfg.enabled || !addr || len < sizeof(sa_family_t))
		return pl_real.bind(fd, addr, len);
	s = pl_sock_lookup(fd);
	if (s) {
		pl_sock_put(s);
		return pl_fail(EINVAL);
	}
	if (addr->sa_family == AF_INET6 && len >= sizeof(*sin6) &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
	    !memcmp(&sin6->sin6_addr.s6_addr[12], &pl.cfg.addr, 4))
		return pl_unsupported("IPv6 (v4-mapped) on ixdp's address");
	if (addr->sa_family != AF_INET || len < sizeof(*sin))
		return pl_real.bind(fd, addr, len);
	port = ntohs(sin->sin_port);
	mine = sin->sin_addr.s_addr == pl.cfg.addr;
	if (!mine && sin->sin_addr.s_addr != htonl(INADDR_ANY))
		return pl_real.bind(fd, addr, len);
	if (!pl_config_port_ok(&pl.cfg, port) || (!mine && !port))
		return pl_real.bind(fd, addr, len);
	if (pl_real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &olen))
		return -1;
	olen = sizeof(int);
	pl_real.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &olen);
	if (type != SOCK_STREAM || proto != IPPROTO_TCP) {
		if (mine)
			return pl_unsupported("a socket other than TCP on ixdp's address");
		return pl_real.bind(fd, addr, len);
	}
	return pl_sock_adopt(fd, sin->sin_addr.s_addr, port);
}

int listen(int fd, int backlog)
{
	struct pl_sock *s = pl_sock_lookup(fd), *other;
	unsigned int i, j, bl;
	int err = 0, ret = 0;

	pl_real_init();
	if (!s)
		return pl_real.listen(fd, backlog);
	if (s->kind == PL_CONN) {
		ret = pl_fail(EINVAL);
		goto out;
	}
	bl = backlog < 1 ? 1 : backlog > 4096 ? 4096 : (unsigned int)backlog;
	if (s->kind == PL_LISTEN) {
		pthread_mutex_lock(&s->qlock);
		if (bl > s->backlog && bl <= s->q_cap)
			s->backlog = bl;
		pthread_mutex_unlock(&s->qlock);
		goto out;
	}
	if (!s->lport) {
		ret = pl_unsupported("listening on ixdp's address without a port");
		goto out;
	}
	/* A listen() tried again after a refusal has its queue already. */
	if (!s->q)
		s->q = calloc(4096, sizeof(*s->q));
	if (!s->q) {
		ret = pl_fail(ENOMEM);
		goto out;
	}
	s->q_cap = 4096;
	s->backlog = bl;
	pthread_mutex_lock(&pl.lsn_lock);
	other = pl_listener_find(s->lport);
	if (!other) {
		s->kind = PL_LISTEN;
		s->lnext = pl.listeners;
		pl.listeners = s;
	}
	pthread_mutex_unlock(&pl.lsn_lock);
	if (other) {
		ret = pl_fail(EADDRINUSE);
		goto out;
	}
	for (i = 0; i < pl.ncores; i++) {
		pl_core_lock(&pl.cores[i]);
		pl.cores[i].listen_err = 0;
		ixev_listen_backlog(pl.cores[i].t, s->lport, 4096);
		pl_core_drive(&pl.cores[i]);
		pl_core_unlock(&pl.cores[i]);
	}
	/* A refusal comes back as a completion: give the cores a moment. */
	for (j = 0; j < 10 && !err; j++) {
		usleep(2000);
		for (i = 0; i < pl.ncores && !err; i++) {
			pl_core_lock(&pl.cores[i]);
			pl_core_drive(&pl.cores[i]);
			err = pl.cores[i].listen_err;
			pl_core_unlock(&pl.cores[i]);
		}
	}
	if (err) {
		/* Only the listening is undone: the socket stays open. */
		pl_listen_stop(s);
		s->kind = PL_BOUND;
		ret = pl_fail(-err);
	} else {
		if (s->lin_fd >= 0 && pl_real.listen(s->lin_fd, backlog)) {
			pl_log("port %u: ixdp only, Linux refused to queue: %s",
			       s->lport, strerror(errno));
			pl_real.close(s->lin_fd);
			s->lin_fd = -1;
		}
		pl_sock_update(s, false, false);
	}
out:
	pl_sock_put(s);
	return ret;
}

static void pl_fill_addr(struct sockaddr *addr, socklen_t *len, uint32_t ip,
			 uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = ip,
	};

	if (!addr || !len)
		return;
	memcpy(addr, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
	*len = sizeof(sin);
}

static int pl_timeout_ms(const struct timeval *tv)
{
	if (!tv->tv_sec && !tv->tv_usec)
		return -1;
	return (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000);
}

int64_t pl_deadline(const struct timeval *tv);
int64_t pl_deadline(const struct timeval *tv)
{
	int ms = pl_timeout_ms(tv);

	return ms < 0 ? -1 : (int64_t)pl_now_ms() + ms;
}

static int pl_accept(struct pl_sock *s, struct sockaddr *addr,
		     socklen_t *len, int flags)
{
	int64_t deadline = pl_deadline(&s->rcvtimeo);
	struct pollfd lin = { .fd = s->lin_fd, .events = POLLIN };
	struct pl_interest in;
	struct pl_sock *c;
	int efd, ret;

	if (s->kind != PL_LISTEN)
		return pl_fail(EINVAL);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return pl_fail(EINVAL);
	for (;;) {
		pl_interest_sock(&in, s);
		pl_cores_drive_all();
		pthread_mutex_lock(&s->qlock);
		c = s->q_head != s->q_tail ? s->q[s->q_head++ % s->q_cap] :
					     NULL;
		pthread_mutex_unlock(&s->qlock);
		if (c)
			break;
		if (s->lin_fd >= 0) {
			ret = pl_real.accept4(s->lin_fd, addr, len, flags);
			if (ret >= 0 || (errno != EAGAIN &&
					 errno != ECONNABORTED))
				return ret;
		}
		if (s->nonblock)
			return pl_fail(EAGAIN);
		if (deadline >= 0 && !pl_left_ms(deadline))
			return pl_fail(EAGAIN);
		ret = pl_block(&in, pl_left_ms(deadline), &lin,
			       s->lin_fd >= 0 ? 1 : 0, NULL);
		if (ret)
			return pl_fail(-ret);
	}
	pl_sock_update(s, false, false);
	c->nonblock = flags & SOCK_NONBLOCK;
	efd = eventfd(0, EFD_NONBLOCK | (flags & SOCK_CLOEXEC ?
					 EFD_CLOEXEC : 0));
	if (efd < 0 || pl_fd_attach(efd, c)) {
		ret = errno;
		if (efd >= 0)
			pl_real.close(efd);
		pl_core_lock(c->core);
		c->closed = true;
		if (c->conn)
			ixev_abort(&c->conn->ctx);
		pl_core_drive(c->core);
		pl_core_unlock(c->core);
		pl_sock_put(c);
		return pl_fail(efd < 0 ? ret : ENOMEM);
	}
	pl_core_lock(c->core);
	pl_sock_update(c, true, true);
	pl_core_unlock(c->core);
	pl_fill_addr(addr, len, c->raddr, c->rport);
	return efd;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	int ret;

	pl_real_init();
	if (!s) {
		pl_flush_mine();
		return pl_real.accept4(fd, addr, len, flags);
	}
	ret = pl_accept(s, addr, len, flags);
	pl_sock_put(s);
	return ret;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	int ret;

	pl_real_init();
	if (!s) {
		pl_flush_mine();
		return pl_real.accept(fd, addr, len);
	}
	ret = pl_accept(s, addr, len, 0);
	pl_sock_put(s);
	return ret;
}

static int pl_connect(struct pl_sock *s, const struct sockaddr *addr,
		      socklen_t len)
{
	const struct sockaddr_in *sin = (const void *)addr;
	int64_t deadline = pl_deadline(&s->sndtimeo);
	struct pl_interest in;
	struct pl_core *c;
	int ret, err;

	if (s->kind == PL_LISTEN)
		return pl_fail(EISCONN);
	if (s->kind == PL_CONN) {
		if (s->connecting)
			return pl_fail(EALREADY);
		if (s->err) {
			err = s->err;
			s->err = 0;
			return pl_fail(err);
		}
		return pl_fail(EISCONN);
	}
	if (!addr || len < sizeof(sa_family_t))
		return pl_fail(EINVAL);
	if (addr->sa_family != AF_INET)
		return pl_unsupported("connect() to other than IPv4 from ixdp's address");
	if (len < sizeof(*sin))
		return pl_fail(EINVAL);
	if (s->lport)
		return pl_unsupported("connect() from a chosen local port on ixdp's address");
	s->raddr = sin->sin_addr.s_addr;
	s->rport = ntohs(sin->sin_port);
	c = pl_core_pick();
	pl_core_lock(c);
	ret = pl_conn_start(s, c);
	if (!ret) {
		pl_core_drive(c);
		pl_sock_update(s, false, false);
	}
	pl_core_unlock(c);
	if (ret)
		return pl_fail(-ret);
	if (s->nonblock)
		return pl_fail(EINPROGRESS);
	for (;;) {
		pl_interest_sock(&in, s);
		pl_core_lock(c);
		pl_core_drive(c);
		pl_core_unlock(c);
		if (!s->connecting)
			break;
		if (deadline >= 0 && !pl_left_ms(deadline))
			return pl_fail(EINPROGRESS);
		ret = pl_block(&in, pl_left_ms(deadline), NULL, 0, NULL);
		/* What woke it may be another core's: not this loop's own. */
		pl_cores_drive_all();
		if (ret)
			return pl_fail(-ret);
	}
	if (s->err) {
		err = s->err;
		s->err = 0;
		return pl_fail(err);
	}
	return 0;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	int ret;

	pl_real_init();
	if (!s) {
		pl_flush_mine();
		return pl_real.connect(fd, addr, len);
	}
	ret = pl_connect(s, addr, len);
	pl_sock_put(s);
	return ret;
}

int shutdown(int fd, int how)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	int ret = 0;

	pl_real_init();
	if (!s)
		return pl_real.shutdown(fd, how);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) {
		ret = pl_fail(EINVAL);
	} else if (s->kind != PL_CONN || s->connecting ||
		   (!s->connected && !s->conn)) {
		ret = pl_fail(ENOTCONN);
	} else {
		pl_core_lock(s->core);
		if (how != SHUT_WR)
			s->shut_rd = true;
		if (how != SHUT_RD && !s->shut_wr) {
			s->shut_wr = true;
			if (s->conn && !s->dead)
				ixev_close(&s->conn->ctx);
			pl_core_drive(s->core);
		}
		pl_sock_update(s, true, true);
		pl_core_unlock(s->core);
	}
	pl_sock_put(s);
	return ret;
}

/* ---- descriptors -------------------------------------------------------- */

static int pl_dup_to(struct pl_sock *s, int oldfd, int newfd, int flags,
		     int cmd)
{
	struct pl_sock *gone = NULL;
	bool last = false;
	int fd;

	/*
	 * The real call first, the table after (no lock across it): only a
	 * program racing on @newfd itself could see the old entry between.
	 */
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		fd = pl_real.fcntl(oldfd, cmd, newfd);
	else if (cmd == 3)
		fd = pl_real.dup3(oldfd, newfd, flags);
	else
		fd = pl_real.dup2(oldfd, newfd);
	if (fd >= 0 && fd != oldfd) {
		pthread_mutex_lock(&pl.lock);
		gone = pl_fd_detach_locked(fd, &last);
		if (s && !pl_fdtab_set(&pl.socks, fd, s)) {
			pl_sock_get(s);
			s->nfds++;
			__atomic_fetch_add(&pl.nsocks, 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&pl.lock);
	}
	pl_fd_release(gone, last);
	/*
	 * dup2() and dup3() closed what was at @fd, perhaps an epoll set:
	 * its ixdp registrations go with it. F_DUPFD took a free number.
	 */
	if (fd >= 0 && fd != oldfd && cmd != F_DUPFD &&
	    cmd != F_DUPFD_CLOEXEC)
		pl_ep_close(fd);
	return fd;
}

int dup(int oldfd)
{
	struct pl_sock *s = pl_sock_lookup(oldfd);
	int fd;

	pl_real_init();
	if (!s)
		return pl_real.dup(oldfd);
	fd = pl_dup_to(s, oldfd, 0, 0, F_DUPFD);
	pl_sock_put(s);
	return fd;
}

int dup2(int oldfd, int newfd)
{
	struct pl_sock *s = pl_sock_lookup(oldfd);
	int fd;

	pl_real_init();
	if (!s && !__atomic_load_n(&pl.nsocks, __ATOMIC_RELAXED))
		return pl_real.dup2(oldfd, newfd);
	fd = pl_dup_to(s, oldfd, newfd, 0, 2);
	if (s)
		pl_sock_put(s);
	return fd;
}

int dup3(int oldfd, int newfd, int flags)
{
	struct pl_sock *s = pl_sock_lookup(oldfd);
	int fd;

	pl_real_init();
	if (!s && !__atomic_load_n(&pl.nsocks, __ATOMIC_RELAXED))
		return pl_real.dup3(oldfd, newfd, flags);
	fd = pl_dup_to(s, oldfd, newfd, flags, 3);
	if (s)
		pl_sock_put(s);
	return fd;
}

static int pl_fcntl(int fd, int cmd, long arg)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	int ret;

	if (!s)
		return pl_real.fcntl(fd, cmd, arg);
	switch (cmd) {
	case F_GETFL:
		ret = O_RDWR | (s->nonblock ? O_NONBLOCK : 0);
		break;
	case F_SETFL:
		s->nonblock = arg & O_NONBLOCK;
		ret = 0;
		break;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		ret = pl_dup_to(s, fd, (int)arg, 0, cmd);
		break;
	case F_GETFD:
	case F_SETFD:
		ret = pl_real.fcntl(fd, cmd, arg);
		break;
	default:
		ret = pl_unsupported("this fcntl() command");
		break;
	}
	pl_sock_put(s);
	return ret;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	pl_real_init();
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return pl_fcntl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...);
int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	pl_real_init();
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return pl_fcntl(fd, cmd, arg);
}

static int pl_fionread(struct pl_sock *s)
{
	size_t n = 0;

	if (s->kind != PL_CONN)
		return pl_fail(EINVAL);
	pl_core_lock(s->core);
	pl_core_drive(s->core);
	if (s->conn && !s->dead)
		n = s->conn->ctx.rx_bytes;
	n += s->left_len - s->left_off;
	pl_core_unlock(s->core);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

int ioctl(int fd, unsigned long req, ...)
{
	struct pl_sock *s;
	va_list ap;
	void *arg;
	int ret;

	pl_real_init();
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	s = pl_sock_lookup(fd);
	if (!s)
		return pl_real.ioctl(fd, req, arg);
	switch (req) {
	case FIONBIO:
		if (!arg) {
			ret = pl_fail(EFAULT);
			break;
		}
		s->nonblock = *(int *)arg != 0;
		ret = 0;
		break;
	case FIONREAD:
		if (!arg) {
			ret = pl_fail(EFAULT);
			break;
		}
		ret = pl_fionread(s);
		if (ret >= 0) {
			*(int *)arg = ret;
			ret = 0;
		}
		break;
	case FIOCLEX:
	case FIONCLEX:
		ret = pl_real.ioctl(fd, req, arg);
		break;
	default:
		ret = pl_unsupported("this request (only FIONBIO, FIONREAD, FIOCLEX)");
		break;
	}
	pl_sock_put(s);
	return ret;
}

/* ---- options and names -------------------------------------------------- */

/* The recorded int option @level/@name of @s, or NULL. */
static int *pl_opt_int(struct pl_sock *s, int level, int name)
{
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
			return &s->opt_reuseaddr;
		case SO_REUSEPORT:
			return &s->opt_reuseport;
		case SO_KEEPALIVE:
			return &s->opt_keepalive;
		case SO_RCVBUF:
			return &s->opt_rcvbuf;
		case SO_SNDBUF:
			return &s->opt_sndbuf;
		}
	} else if (level == IPPROTO_TCP) {
		switch (name) {
		case TCP_NODELAY:
			return &s->opt_nodelay;
		case TCP_KEEPIDLE:
			return &s->opt_keepidle;
		case TCP_KEEPINTVL:
			return &s->opt_keepintvl;
		case TCP_KEEPCNT:
			return &s->opt_keepcnt;
		case TCP_CORK:
			return &s->opt_cork;
		case TCP_QUICKACK:
			return &s->opt_quickack;
		case TCP_DEFER_ACCEPT:
			return &s->opt_defer_accept;
		}
	}
	return NULL;
}

static int pl_put_opt(void *val, socklen_t *len, const void *v, socklen_t n)
{
	if (!val || !len)
		return pl_fail(EFAULT);
	if (*len < n && n != sizeof(int))
		return pl_fail(EINVAL);
	memcpy(val, v, *len < n ? *len : n);
	*len = *len < n ? *len : n;
	return 0;
}

static int pl_getsockopt(struct pl_sock *s, int level, int name, void *val,
			 socklen_t *len)
{
	int v, *p = pl_opt_int(s, level, name);

	if (p)
		return pl_put_opt(val, len, p, sizeof(int));
	if (level != SOL_SOCKET)
		return pl_unsupported("this getsockopt() option");
	switch (name) {
	case SO_ERROR:
		if (s->kind == PL_CONN)
			pl_core_lock(s->core);
		v = s->err;
		s->err = 0;
		if (s->kind == PL_CONN) {
			pl_sock_update(s, false, false);
			pl_core_unlock(s->core);
		}
		break;
	case SO_TYPE:
		v = SOCK_STREAM;
		break;
	case SO_DOMAIN:
		v = AF_INET;
		break;
	case SO_PROTOCOL:
		v = IPPROTO_TCP;
		break;
	case SO_ACCEPTCONN:
		v = s->kind == PL_LISTEN;
		break;
	case SO_LINGER:
		return pl_put_opt(val, len, &s->opt_linger,
				  sizeof(s->opt_linger));
	case SO_RCVTIMEO:
		return pl_put_opt(val, len, &s->rcvtimeo, sizeof(s->rcvtimeo));
	case SO_SNDTIMEO:
		return pl_put_opt(val, len, &s->sndtimeo, sizeof(s->sndtimeo));
	default:
		return pl_unsupported("this getsockopt() option");
	}
	return pl_put_opt(val, len, &v, sizeof(v));
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	int ret;

	pl_real_init();
	if (!s)
		return pl_real.getsockopt(fd, level, name, val, len);
	ret = pl_getsockopt(s, level, name, val, len);
	pl_sock_put(s);
	return ret;
}

static int pl_setsockopt(struct pl_sock *s, int level, int name,
			 const void *val, socklen_t len)
{
	int *p = pl_opt_int(s, level, name);
	const struct timeval *tv = val;

	if (!val)
		return pl_fail(EFAULT);
	if (p) {
		if (len < sizeof(int))
			return pl_fail(EINVAL);
		*p = *(const int *)val;
		if (name == SO_RCVBUF || name == SO_SNDBUF)
			*p *= 2;	/* as Linux reports it */
		return 0;
	}
	if (level != SOL_SOCKET)
		return pl_unsupported("this setsockopt() option");
	switch (name) {
	case SO_LINGER:
		if (len < sizeof(s->opt_linger))
			return pl_fail(EINVAL);
		memcpy(&s->opt_linger, val, sizeof(s->opt_linger));
		return 0;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		if (len < sizeof(*tv))
			return pl_fail(EINVAL);
		if (tv->tv_usec < 0 || tv->tv_usec >= 1000000)
			return pl_fail(EDOM);
		if (name == SO_RCVTIMEO)
			s->rcvtimeo = *tv;
		else
			s->sndtimeo = *tv;
		return 0;
	}
	return pl_unsupported("this setsockopt() option");
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	int ret;

	pl_real_init();
	if (!s)
		return pl_real.setsockopt(fd, level, name, val, len);
	ret = pl_setsockopt(s, level, name, val, len);
	pl_sock_put(s);
	return ret;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct pl_sock *s = pl_sock_lookup(fd);

	pl_real_init();
	if (!s)
		return pl_real.getsockname(fd, addr, len);
	if (!addr || !len) {
		pl_sock_put(s);
		return pl_fail(EFAULT);
	}
	pl_fill_addr(addr, len, s->laddr, s->lport);
	pl_sock_put(s);
	return 0;
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	int ret = 0;

	pl_real_init();
	if (!s)
		return pl_real.getpeername(fd, addr, len);
	if (!addr || !len)
		ret = pl_fail(EFAULT);
	else if (s->kind != PL_CONN || !s->connected)
		ret = pl_fail(ENOTCONN);
	else
		pl_fill_addr(addr, len, s->raddr, s->rport);
	pl_sock_put(s);
	return ret;
}
