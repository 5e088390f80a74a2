// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libixdp-preload: reading and writing ixdp sockets (read, write, readv,
 * writev, recv, send, recvfrom, sendto, recvmsg, sendmsg, sendfile).
 * Received bytes are copied out of the RX arena and given back to the
 * core; sent bytes are copied into the TX arena (ixev_send).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>

#include "preload.h"

int64_t pl_deadline(const struct timeval *tv);

/* Bytes read whose receive credit is returned to the core at once. */
#define PL_CREDIT_NOW	65536

static ssize_t pl_iov_len(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	int i;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

/* Copies up to @len bytes after @skip of the buffers @iov into... */
static size_t pl_iov_put(const struct iovec *iov, int iovcnt, size_t skip,
			 const void *src, size_t len)
{
	size_t done = 0, n;
	int i;

	for (i = 0; i < iovcnt && done < len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - skip;
		if (n > len - done)
			n = len - done;
		memcpy((char *)iov[i].iov_base + skip, (const char *)src + done,
		       n);
		done += n;
		skip = 0;
	}
	return done;
}

/*
 * Under the core's lock: up to @want bytes into @iov after @skip. Bytes,
 * 0 at the end of the stream, or -errno (-EAGAIN: nothing yet).
 */
static ssize_t pl_recv_locked(struct pl_sock *s, const struct iovec *iov,
			      int iovcnt, size_t skip, size_t want, bool peek)
{
	struct ixev_ctx *ctx;
	size_t done = 0;
	const void *p;
	ssize_t n = 0;
	int err;

	if (s->left_off < s->left_len) {
		n = (ssize_t)pl_iov_put(iov, iovcnt, skip,
					s->left + s->left_off,
					s->left_len - s->left_off < want ?
					s->left_len - s->left_off : want);
		if (!peek)
			s->left_off += (size_t)n;
		return n;
	}
	if (s->connecting)
		return -EAGAIN;
	if (!s->conn || s->dead) {
		if (s->err && !s->eof) {
			err = s->err;
			s->err = 0;
			return -err;
		}
		return 0;
	}
	ctx = &s->conn->ctx;
	while (done < want) {
		n = ixev_recv_zc(ctx, &p, want - done);
		if (n <= 0)
			break;
		pl_iov_put(iov, iovcnt, skip + done, p, (size_t)n);
		done += (size_t)n;
		if (peek)
			break;
		ixev_recv_done(ctx, (size_t)n);
	}
	if (done)
		return (ssize_t)done;
	if (n == 0 || s->shut_rd)
		return 0;
	return n == -EIO ? -ECONNRESET : n;
}

ssize_t pl_recv(struct pl_sock *s, const struct iovec *iov, int iovcnt,
		int flags)
{
	bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
	bool peek = flags & MSG_PEEK;
	bool waitall = (flags & MSG_WAITALL) && !nonblock && !peek;
	int64_t deadline = pl_deadline(&s->rcvtimeo);
	ssize_t total = pl_iov_len(iov, iovcnt), n;
	struct pl_interest in;
	size_t done = 0;
	int ret;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return pl_unsupported("MSG_OOB or MSG_ERRQUEUE");
	if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_NOSIGNAL |
		      MSG_CMSG_CLOEXEC | MSG_TRUNC))
		return pl_unsupported("these recv() flags");
	if (flags & MSG_TRUNC)
		return pl_unsupported("MSG_TRUNC");
	if (total < 0) {
		errno = -total;
		return -1;
	}
	if (s->kind != PL_CONN) {
		errno = ENOTCONN;
		return -1;
	}
	if (!total)
		return 0;
	for (;;) {
		pl_interest_sock(&in, s);
		pl_core_lock(s->core);
		n = pl_recv_locked(s, iov, iovcnt, done, (size_t)total - done,
				   peek);
		if (n == -EAGAIN) {
			pl_core_drive(s->core);
			n = pl_recv_locked(s, iov, iovcnt, done,
					   (size_t)total - done, peek);
		}
		/*
		 * The credit of what was read goes back at the next drive
		 * (the next call that waits, or the progress thread within
		 * two ticks, up to 100 ms from its deep sleep, which a credit
		 * does not cut short); at once when it is large.
		 */
		if (n > 0 && !peek && s->conn &&
		    s->conn->ctx.credit >= PL_CREDIT_NOW)
			pl_core_drive(s->core);
		pl_sock_update(s, false, false);
		pl_core_unlock(s->core);
		if (n > 0) {
			done += (size_t)n;
			if (waitall && done < (size_t)total)
				continue;
			return (ssize_t)done;
		}
		if (n == 0 || (done && n != -EAGAIN))
			return (ssize_t)done;
		if (n != -EAGAIN) {
			errno = (int)-n;
			return -1;
		}
		if (nonblock || (deadline >= 0 && !pl_left_ms(deadline))) {
			if (done)
				return (ssize_t)done;
			errno = EAGAIN;
			return -1;
		}
		ret = pl_block(&in, pl_left_ms(deadline), NULL, 0, NULL);
		/* What woke it may be another core's: not this loop's own. */
		pl_cores_drive_all();
		if (ret) {
			if (done)
				return (ssize_t)done;
			errno = -ret;
			return -1;
		}
	}
}

static ssize_t pl_epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	errno = EPIPE;
	return -1;
}

/* Under the core's lock: copies what the TX arena and window take. */
static ssize_t pl_send_locked(struct pl_sock *s, const struct iovec *iov,
			      int iovcnt, size_t skip)
{
	struct ixev_ctx *ctx;
	size_t done = 0, len;
	ssize_t n = 0;
	int i, err;

	if (s->err) {
		err = s->err;
		s->err = 0;
		return -err;
	}
	if (s->shut_wr || s->closed)
		return -EPIPE;
	if (s->connecting)
		return -EAGAIN;
	if (!s->conn || s->dead)
		return -EPIPE;
	ctx = &s->conn->ctx;
	for (i = 0; i < iovcnt; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		len = iov[i].iov_len - skip;
		n = ixev_send(ctx, (const char *)iov[i].iov_base + skip, len);
		if (n < 0)
			break;
		done += (size_t)n;
		skip = 0;
		if ((size_t)n < len) {
			n = -EAGAIN;
			break;
		}
	}
	if (done)
		return (ssize_t)done;
	if (n == -EIO)
		return -EPIPE;
	return n;
}

ssize_t pl_send(struct pl_sock *s, const struct iovec *iov, int iovcnt,
		int flags)
{
	bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
	int64_t deadline = pl_deadline(&s->sndtimeo);
	ssize_t total = pl_iov_len(iov, iovcnt), n;
	struct pl_interest in;
	size_t done = 0;
	int ret;

	if (flags & MSG_OOB)
		return pl_unsupported("MSG_OOB");
	if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR))
		return pl_unsupported("these send() flags");
	if (total < 0) {
		errno = -total;
		return -1;
	}
	if (s->kind != PL_CONN) {
		errno = s->kind == PL_LISTEN ? ENOTCONN : EPIPE;
		return s->kind == PL_LISTEN ? -1 : pl_epipe(flags);
	}
	if (!total)
		return 0;
	for (;;) {
		pl_interest_sock(&in, s);
		pl_core_lock(s->core);
		n = pl_send_locked(s, iov, iovcnt, done);
		if (n == -EAGAIN && !s->connecting) {
			pl_core_drive(s->core);
			n = pl_send_locked(s, iov, iovcnt, done);
		}
		/*
		 * All taken: the SEND is published when this thread next
		 * waits or looks for readiness, with those of the other
		 * connections it answers meanwhile (pl_defer).
		 */
		if (n > 0 && done + (size_t)n == (size_t)total)
			pl_defer(s->core);
		else
			pl_core_drive(s->core);
		pl_sock_update(s, false, false);
		pl_core_unlock(s->core);
		if (n > 0) {
			done += (size_t)n;
			if (done == (size_t)total || nonblock)
				return (ssize_t)done;
			continue;
		}
		if (n == -EPIPE)
			return done ? (ssize_t)done : pl_epipe(flags);
		if (n != -EAGAIN) {
			if (done)
				return (ssize_t)done;
			errno = (int)-n;
			return -1;
		}
		if (nonblock || (deadline >= 0 && !pl_left_ms(deadline))) {
			if (done)
				return (ssize_t)done;
			errno = EAGAIN;
			return -1;
		}
		ret = pl_block(&in, pl_left_ms(deadline), NULL, 0, NULL);
		/* What woke it may be another core's: not this loop's own. */
		pl_cores_drive_all();
		if (ret) {
			if (done)
				return (ssize_t)done;
			errno = -ret;
			return -1;
		}
	}
}

/* One buffer through pl_recv or pl_send, then the lookup's reference. */
static ssize_t pl_io1(struct pl_sock *s, bool out, const void *buf,
		      size_t len, int flags)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };
	ssize_t r = out ? pl_send(s, &v, 1, flags) : pl_recv(s, &v, 1, flags);

	pl_sock_put(s);
	return r;
}

ssize_t read(int fd, void *buf, size_t len)
{
	struct pl_sock *s = pl_sock_lookup(fd);

	pl_real_init();
	if (!s) {
		pl_flush_mine();
		return pl_real.read(fd, buf, len);
	}
	return pl_io1(s, false, buf, len, 0);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	struct pl_sock *s = pl_sock_lookup(fd);

	pl_real_init();
	if (!s)
		return pl_real.write(fd, buf, len);
	return pl_io1(s, true, buf, len, 0);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct pl_sock *s = pl_sock_lookup(fd);

	pl_real_init();
	if (!s) {
		pl_flush_mine();
		return pl_real.recv(fd, buf, len, flags);
	}
	return pl_io1(s, false, buf, len, flags);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct pl_sock *s = pl_sock_lookup(fd);

	pl_real_init();
	if (!s)
		return pl_real.send(fd, buf, len, flags);
	return pl_io1(s, true, buf, len, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *addr, socklen_t *alen)
{
	struct pl_sock *s = pl_sock_lookup(fd);

	pl_real_init();
	if (!s) {
		pl_flush_mine();
		return pl_real.recvfrom(fd, buf, len, flags, addr, alen);
	}
	/* TCP leaves the address alone: Linux sets *alen to 0. */
	if (addr && alen)
		*alen = 0;
	return pl_io1(s, false, buf, len, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *addr, socklen_t alen)
{
	struct pl_sock *s = pl_sock_lookup(fd);

	pl_real_init();
	if (!s)
		return pl_real.sendto(fd, buf, len, flags, addr, alen);
	return pl_io1(s, true, buf, len, flags);
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	ssize_t n;

	pl_real_init();
	if (!s) {
		pl_flush_mine();
		return pl_real.readv(fd, iov, iovcnt);
	}
	n = pl_recv(s, iov, iovcnt, 0);
	pl_sock_put(s);
	return n;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	ssize_t n;

	pl_real_init();
	if (!s)
		return pl_real.writev(fd, iov, iovcnt);
	n = pl_send(s, iov, iovcnt, 0);
	pl_sock_put(s);
	return n;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	ssize_t n;

	pl_real_init();
	if (!s) {
		pl_flush_mine();
		return pl_real.recvmsg(fd, msg, flags);
	}
	if (!msg) {
		pl_sock_put(s);
		errno = EFAULT;
		return -1;
	}
	n = pl_recv(s, msg->msg_iov, (int)msg->msg_iovlen, flags);
	if (n >= 0) {
		msg->msg_namelen = 0;
		msg->msg_controllen = 0;
		msg->msg_flags = 0;
	}
	pl_sock_put(s);
	return n;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct pl_sock *s = pl_sock_lookup(fd);
	ssize_t n;

	pl_real_init();
	if (!s)
		return pl_real.sendmsg(fd, msg, flags);
	if (!msg)
		n = -1, errno = EFAULT;
	else if (msg->msg_controllen)
		n = pl_unsupported("control messages (msg_control) on send");
	else
		n = pl_send(s, msg->msg_iov, (int)msg->msg_iovlen, flags);
	pl_sock_put(s);
	return n;
}

/* sendfile() to an ixdp socket: read from @in, then send (a copy). */
ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	struct pl_sock *s = pl_sock_lookup(out);
	char buf[65536];
	struct iovec v;
	ssize_t got, n;

	pl_real_init();
	if (!s)
		return pl_real.sendfile(out, in, off, count);
	if (count > sizeof(buf))
		count = sizeof(buf);
	got = off ? pread(in, buf, count, *off) : pl_real.read(in, buf, count);
	if (got <= 0) {
		pl_sock_put(s);
		return got;
	}
	v.iov_base = buf;
	v.iov_len = (size_t)got;
	n = pl_send(s, &v, 1, 0);
	pl_sock_put(s);
	if (off && n > 0)
		*off += n;
	else if (!off && n < got)
		lseek(in, (off_t)(n > 0 ? n : 0) - got, SEEK_CUR);
	return n;
}

ssize_t sendfile64(int out, int in, off_t *off, size_t count);
ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	return sendfile(out, in, off, count);
}
