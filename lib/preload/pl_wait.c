// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libixdp-preload: waiting on ixdp sockets and Linux descriptors at once
 * (poll, ppoll, select, pselect, epoll). The readiness of an ixdp socket
 * is its struct pl_sock's events, kept by the library; Linux descriptors
 * are asked with the real call and a timeout of 0; a thread that finds
 * nothing sleeps in ppoll() on those, the contexts' ring files and the
 * library's wake eventfd (pl_block), then looks again.
 *
 * An epoll set keeps its Linux descriptors in the kernel's epoll and its
 * ixdp sockets in a list of registrations here; edge-triggered ones
 * report a socket when its in_seq or out_seq moved since they last did.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "preload.h"

struct pl_ep;

struct pl_epreg {
	struct pl_ep *ep;
	struct pl_sock *s;
	int fd;
	uint32_t events;
	epoll_data_t data;
	uint32_t in_seen, out_seen;
	bool off;			/* EPOLLONESHOT fired */
	struct pl_epreg *next;
};

struct pl_ep {
	int fd;
	int bit;			/* its bit in the sockets' epbits */
	uint64_t cores;			/* of the connections added */
	struct pl_epreg *regs;
	struct pl_ep *next;
};

static pthread_mutex_t pl_ep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pl_ep *pl_eps;
/*
 * The bits of pl_sock.epbits and pl.epgen the sets have (one each; past
 * 63 sets the last is shared, which only wakes a thread for nothing).
 */
static uint64_t pl_ep_bits;

static int pl_ep_bit_get(void)
{
	int b;

	if (!~(pl_ep_bits | 1ULL << 63))
		return 63;
	b = __builtin_ctzll(~pl_ep_bits);
	pl_ep_bits |= 1ULL << b;
	return b;
}

/* ---- poll and select ---------------------------------------------------- */

static int pl_ms(const struct timespec *ts)
{
	long long ms;

	if (!ts)
		return -1;
	ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

static int pl_poll_common(struct pollfd *fds, nfds_t n, int timeout_ms,
			  const sigset_t *mask)
{
	struct pl_sock **socks = NULL;
	struct pollfd *lin = NULL;
	int64_t deadline;
	nfds_t i, nix = 0;
	int cnt, ret, m;
	struct pl_interest in;
	uint32_t ev;
	struct timespec zero = { 0, 0 };

	pl_flush_mine();
	if (__atomic_load_n(&pl.nsocks, __ATOMIC_RELAXED) && n) {
		socks = calloc(n, sizeof(*socks));
		if (!socks) {
			errno = ENOMEM;
			return -1;
		}
		for (i = 0; i < n; i++) {
			socks[i] = pl_sock_lookup(fds[i].fd);
			if (socks[i])
				nix++;
		}
	}
	if (!nix) {
		free(socks);
		return mask ? pl_real.ppoll(fds, n, timeout_ms < 0 ? NULL :
			&(struct timespec){ timeout_ms / 1000,
					    (timeout_ms % 1000) * 1000000L },
			mask) : pl_real.poll(fds, n, timeout_ms);
	}
	lin = calloc(n, sizeof(*lin));
	if (!lin) {
		ret = -1;
		errno = ENOMEM;
		goto out;
	}
	deadline = timeout_ms < 0 ? -1 : (int64_t)pl_now_ms() + timeout_ms;
	for (;;) {
		pl_interest_any(&in);
		pl_cores_drive_all();
		for (i = 0; i < n; i++) {
			lin[i] = fds[i];
			/* An INADDR_ANY listener's Linux side (pl_sock). */
			if (socks[i]) {
				lin[i].fd = socks[i]->lin_fd;
				lin[i].events &= POLLIN;
			}
		}
		m = pl_real.ppoll(lin, n, &zero, NULL);
		if (m < 0) {
			ret = -1;
			goto out;
		}
		cnt = 0;
		for (i = 0; i < n; i++) {
			if (socks[i]) {
				ev = __atomic_load_n(&socks[i]->events,
						     __ATOMIC_ACQUIRE);
				fds[i].revents = (short)(ev & ((uint32_t)
					fds[i].events | POLLERR | POLLHUP));
				if (lin[i].fd >= 0)
					fds[i].revents |= lin[i].revents &
							  POLLIN;
			} else {
				fds[i].revents = lin[i].revents;
			}
			cnt += fds[i].revents != 0;
		}
		if (cnt) {
			ret = cnt;
			goto out;
		}
		if (deadline >= 0 && !pl_left_ms(deadline)) {
			ret = 0;
			goto out;
		}
		ret = pl_block(&in, pl_left_ms(deadline), lin, (unsigned int)n,
			       mask);
		if (ret) {
			errno = -ret;
			ret = -1;
			goto out;
		}
	}
out:
	for (i = 0; socks && i < n; i++)
		if (socks[i])
			pl_sock_put(socks[i]);
	free(socks);
	free(lin);
	return ret;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	pl_real_init();
	return pl_poll_common(fds, n, timeout, NULL);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
	  const sigset_t *mask)
{
	pl_real_init();
	return pl_poll_common(fds, n, pl_ms(ts), mask);
}

static bool pl_sets_have_ixdp(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	struct pl_sock *s;
	int fd;

	if (!__atomic_load_n(&pl.nsocks, __ATOMIC_RELAXED))
		return false;
	for (fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
		if (!((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) ||
		      (e && FD_ISSET(fd, e))))
			continue;
		s = pl_sock_lookup(fd);
		if (s) {
			pl_sock_put(s);
			return true;
		}
	}
	return false;
}

static int pl_select_common(int nfds, fd_set *r, fd_set *w, fd_set *e,
			    int timeout_ms, const sigset_t *mask)
{
	struct pollfd *fds;
	int fd, n = 0, i, ret;

	if (nfds < 0 || nfds > FD_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	fds = calloc((size_t)nfds + 1, sizeof(*fds));
	if (!fds) {
		errno = ENOMEM;
		return -1;
	}
	for (fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (r && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (e && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (ev)
			fds[n++] = (struct pollfd){ fd, ev, 0 };
	}
	ret = pl_poll_common(fds, (nfds_t)n, timeout_ms, mask);
	if (ret < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (fds[i].revents & POLLNVAL) {
			errno = EBADF;
			ret = -1;
			goto out;
		}
	}
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	ret = 0;
	for (i = 0; i < n; i++) {
		short rev = fds[i].revents;

		if (r && (fds[i].events & POLLIN) &&
		    (rev & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(fds[i].fd, r);
			ret++;
		}
		if (w && (fds[i].events & POLLOUT) &&
		    (rev & (POLLOUT | POLLERR))) {
			FD_SET(fds[i].fd, w);
			ret++;
		}
		if (e && (fds[i].events & POLLPRI) && (rev & POLLPRI)) {
			FD_SET(fds[i].fd, e);
			ret++;
		}
	}
out:
	free(fds);
	return ret;
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	int ms = -1;

	pl_real_init();
	pl_flush_mine();
	if (!pl_sets_have_ixdp(nfds, r, w, e))
		return pl_real.select(nfds, r, w, e, tv);
	if (tv) {
		if (tv->tv_sec < 0 || tv->tv_usec < 0) {
			errno = EINVAL;
			return -1;
		}
		ms = (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000);
	}
	return pl_select_common(nfds, r, w, e, ms, NULL);
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
	    const struct timespec *ts, const sigset_t *mask)
{
	pl_real_init();
	pl_flush_mine();
	if (!pl_sets_have_ixdp(nfds, r, w, e))
		return pl_real.pselect(nfds, r, w, e, ts, mask);
	return pl_select_common(nfds, r, w, e, pl_ms(ts), mask);
}

/* ---- epoll ---------------------------------------------------------------- */

int epoll_create(int size)
{
	pl_real_init();
	return pl_real.epoll_create(size);
}

int epoll_create1(int flags)
{
	pl_real_init();
	return pl_real.epoll_create1(flags);
}

static struct pl_ep *pl_ep_find(int epfd)
{
	struct pl_ep *ep;

	for (ep = pl_eps; ep; ep = ep->next)
		if (ep->fd == epfd)
			return ep;
	return NULL;
}

static void pl_reg_arm(struct pl_epreg *r)
{
	r->in_seen = __atomic_load_n(&r->s->in_seq, __ATOMIC_ACQUIRE) - 1;
	r->out_seen = __atomic_load_n(&r->s->out_seq, __ATOMIC_ACQUIRE) - 1;
	r->off = false;
}

static int pl_ep_ctl(int epfd, int op, int fd, struct epoll_event *ev,
		     struct pl_sock *s)
{
	struct pl_epreg *r, **pp;
	struct pl_ep *ep;
	int ret = 0, bit = -1;

	if (epfd == fd)
		return -EINVAL;
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && !ev)
		return -EFAULT;
	/* Is @epfd an epoll set? Deleting a descriptor it lacks says. */
	if (pl_real.epoll_ctl(epfd, EPOLL_CTL_DEL, pl.wake_fd, NULL) &&
	    errno != ENOENT)
		return -errno;
	pthread_mutex_lock(&pl_ep_lock);
	ep = pl_ep_find(epfd);
	if (!ep && op == EPOLL_CTL_ADD) {
		ep = calloc(1, sizeof(*ep));
		if (!ep) {
			ret = -ENOMEM;
			goto out;
		}
		ep->fd = epfd;
		ep->bit = pl_ep_bit_get();
		ep->next = pl_eps;
		pl_eps = ep;
	}
	for (pp = ep ? &ep->regs : NULL; pp && *pp; pp = &(*pp)->next)
		if ((*pp)->fd == fd && (*pp)->s == s)
			break;
	r = pp ? *pp : NULL;
	if (ep)
		bit = ep->bit;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (r) {
			ret = -EEXIST;
			break;
		}
		r = calloc(1, sizeof(*r));
		if (!r) {
			ret = -ENOMEM;
			break;
		}
		pl_sock_get(s);
		r->ep = ep;
		r->s = s;
		r->fd = fd;
		r->events = ev->events;
		r->data = ev->data;
		pl_reg_arm(r);
		r->next = ep->regs;
		ep->regs = r;
		/* Never cleared: a stale bit only wakes a thread for nothing. */
		__atomic_fetch_or(&s->epbits, 1ULL << ep->bit,
				  __ATOMIC_RELEASE);
		if (s->kind == PL_CONN && s->core)
			ep->cores |= 1ULL << (s->core - pl.cores);
		break;
	case EPOLL_CTL_MOD:
		if (!r) {
			ret = -ENOENT;
			break;
		}
		r->events = ev->events;
		r->data = ev->data;
		pl_reg_arm(r);
		break;
	case EPOLL_CTL_DEL:
		if (!r) {
			ret = -ENOENT;
			break;
		}
		*pp = r->next;
		pl_sock_put(r->s);
		free(r);
		break;
	default:
		ret = -EINVAL;
	}
out:
	pthread_mutex_unlock(&pl_ep_lock);
	/*
	 * A socket added or armed again may be ready already: a thread
	 * asleep on the set looks again, as Linux wakes it.
	 */
	if (!ret && op != EPOLL_CTL_DEL && bit >= 0)
		pl_notify_bits(1ULL << bit);
	/* An INADDR_ANY listener's Linux side is in the kernel's set. */
	if (!ret && s->lin_fd >= 0 &&
	    pl_real.epoll_ctl(epfd, op, s->lin_fd, ev) && pl.cfg.debug)
		pl_log("epoll_ctl of port %u's Linux side: %s", s->lport,
		       strerror(errno));
	return ret;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct pl_sock *s;
	int ret;

	pl_real_init();
	s = pl_sock_lookup(fd);
	if (!s)
		return pl_real.epoll_ctl(epfd, op, fd, ev);
	ret = pl_ep_ctl(epfd, op, fd, ev, s);
	pl_sock_put(s);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}

/*
 * What the registrations of @ep report now, up to @max. A scan that fills
 * @max starts the next one after the last it reported (the list turns),
 * so that more ready sockets than @max all get their turn.
 */
static int pl_ep_collect(struct pl_ep *ep, struct epoll_event *evs, int max)
{
	const uint32_t in_bits = EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLPRI;
	const uint32_t out_bits = EPOLLOUT | EPOLLWRNORM;
	uint32_t in, out, ev, want, r_ev;
	struct pl_epreg *r, *last = NULL, *tail;
	bool new_in, new_out;
	int n = 0;

	for (r = ep->regs; r && n < max; r = r->next) {
		if (r->off)
			continue;
		in = __atomic_load_n(&r->s->in_seq, __ATOMIC_ACQUIRE);
		out = __atomic_load_n(&r->s->out_seq, __ATOMIC_ACQUIRE);
		ev = __atomic_load_n(&r->s->events, __ATOMIC_ACQUIRE);
		want = (r->events | EPOLLERR | EPOLLHUP) &
		       ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);
		r_ev = ev & want;
		if (r->events & EPOLLET) {
			new_in = in != r->in_seen;
			new_out = out != r->out_seen;
			r->in_seen = in;
			r->out_seen = out;
			r_ev = (new_in ? r_ev & in_bits : 0) |
			       (new_out ? r_ev & out_bits : 0) |
			       (new_in || new_out ?
				r_ev & (EPOLLERR | EPOLLHUP) : 0);
		}
		if (!r_ev)
			continue;
		evs[n].events = r_ev;
		evs[n].data = r->data;
		n++;
		last = r;
		if (r->events & EPOLLONESHOT)
			r->off = true;
	}
	if (n == max && last && last->next) {
		for (tail = last->next; tail->next; tail = tail->next)
			;
		tail->next = ep->regs;
		ep->regs = last->next;
		last->next = NULL;
	}
	return n;
}

static int pl_epoll_wait_common(int epfd, struct epoll_event *evs, int max,
				int timeout_ms, const sigset_t *mask)
{
	struct pollfd pfd = { .fd = epfd, .events = POLLIN };
	struct pl_interest in;
	int64_t deadline;
	struct pl_ep *ep;
	int n, m, ret;

	pl_flush_mine();
	pthread_mutex_lock(&pl_ep_lock);
	ep = pl_ep_find(epfd);
	pthread_mutex_unlock(&pl_ep_lock);
	if (!ep)
		return mask ? pl_real.epoll_pwait(epfd, evs, max, timeout_ms,
						  mask) :
			      pl_real.epoll_wait(epfd, evs, max, timeout_ms);
	if (max <= 0 || !evs) {
		errno = max <= 0 ? EINVAL : EFAULT;
		return -1;
	}
	deadline = timeout_ms < 0 ? -1 : (int64_t)pl_now_ms() + timeout_ms;
	for (;;) {
		pthread_mutex_lock(&pl_ep_lock);
		ep = pl_ep_find(epfd);
		if (ep)
			pl_interest_ep(&in, ep->bit, ep->cores);
		else
			pl_interest_any(&in);
		pthread_mutex_unlock(&pl_ep_lock);
		pl_cores_drive_all();
		pthread_mutex_lock(&pl_ep_lock);
		ep = pl_ep_find(epfd);
		/* One slot at least for the Linux descriptors of the set. */
		n = ep ? pl_ep_collect(ep, evs, max > 1 ? max - 1 : max) : 0;
		pthread_mutex_unlock(&pl_ep_lock);
		if (n < max) {
			m = pl_real.epoll_wait(epfd, evs + n, max - n, 0);
			if (m < 0 && !n)
				return -1;
			if (m > 0)
				n += m;
		}
		if (n)
			return n;
		if (deadline >= 0 && !pl_left_ms(deadline))
			return 0;
		ret = pl_block(&in, pl_left_ms(deadline), &pfd, 1, mask);
		if (ret) {
			errno = -ret;
			return -1;
		}
	}
}

int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	pl_real_init();
	return pl_epoll_wait_common(epfd, evs, max, timeout, NULL);
}

int epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout,
		const sigset_t *mask)
{
	pl_real_init();
	return pl_epoll_wait_common(epfd, evs, max, timeout, mask);
}

void pl_ep_forget_sock(struct pl_sock *s)
{
	struct pl_epreg **pp, *r;
	struct pl_ep *ep;

	pthread_mutex_lock(&pl_ep_lock);
	for (ep = pl_eps; ep; ep = ep->next) {
		pp = &ep->regs;
		while (*pp) {
			r = *pp;
			if (r->s != s) {
				pp = &r->next;
				continue;
			}
			*pp = r->next;
			if (s->lin_fd >= 0)
				pl_real.epoll_ctl(ep->fd, EPOLL_CTL_DEL,
						  s->lin_fd, NULL);
			pl_sock_put(r->s);
			free(r);
		}
	}
	pthread_mutex_unlock(&pl_ep_lock);
}

void pl_ep_close(int epfd)
{
	struct pl_ep **pp, *ep = NULL;
	struct pl_epreg *r;

	if (!__atomic_load_n(&pl_eps, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&pl_ep_lock);
	for (pp = &pl_eps; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == epfd) {
			ep = *pp;
			*pp = ep->next;
			break;
		}
	}
	if (ep && ep->bit < 63)
		pl_ep_bits &= ~(1ULL << ep->bit);
	pthread_mutex_unlock(&pl_ep_lock);
	if (!ep)
		return;
	while ((r = ep->regs)) {
		ep->regs = r->next;
		pl_sock_put(r->s);
		free(r);
	}
	free(ep);
}

void pl_atfork_child_eps(void)
{
	pthread_mutex_init(&pl_ep_lock, NULL);
	pl_eps = NULL;
	pl_ep_bits = 0;
}
