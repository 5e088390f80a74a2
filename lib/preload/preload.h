/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libixdp-preload internals (Documentation/preload.rst): ixdp sockets
 * behind POSIX calls. An ixdp socket is a real descriptor (an eventfd
 * that only reserves the number) mapped by the descriptor table to a
 * struct pl_sock; its connection is an ixev context on the dataplane core
 * of its flow group. Every core's ixev thread is shared by the process
 * under the core's mutex; whoever holds it drives the context
 * (pl_core_drive) and leaves it unbound, so that any thread may act.
 */
#ifndef _PL_PRELOAD_H
#define _PL_PRELOAD_H

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <ixdp/ixev.h>

#include "pl_config.h"
#include "pl_fdtab.h"

/* ---- the real calls --------------------------------------------------- */

struct pl_real {
	int (*socket)(int domain, int type, int proto);
	int (*bind)(int fd, const struct sockaddr *addr, socklen_t len);
	int (*listen)(int fd, int backlog);
	int (*accept)(int fd, struct sockaddr *addr, socklen_t *len);
	int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len,
		       int flags);
	int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
	ssize_t (*read)(int fd, void *buf, size_t len);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	ssize_t (*readv)(int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*writev)(int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
	ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
	ssize_t (*recvfrom)(int fd, void *buf, size_t len, int flags,
			    struct sockaddr *addr, socklen_t *alen);
	ssize_t (*sendto)(int fd, const void *buf, size_t len, int flags,
			  const struct sockaddr *addr, socklen_t alen);
	ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
	ssize_t (*sendmsg)(int fd, const struct msghdr *msg, int flags);
	ssize_t (*sendfile)(int out, int in, off_t *off, size_t count);
	int (*close)(int fd);
	int (*shutdown)(int fd, int how);
	int (*dup)(int fd);
	int (*dup2)(int oldfd, int newfd);
	int (*dup3)(int oldfd, int newfd, int flags);
	int (*fcntl)(int fd, int cmd, ...);
	int (*ioctl)(int fd, unsigned long req, ...);
	int (*getsockopt)(int fd, int level, int name, void *val,
			  socklen_t *len);
	int (*setsockopt)(int fd, int level, int name, const void *val,
			  socklen_t len);
	int (*getsockname)(int fd, struct sockaddr *addr, socklen_t *len);
	int (*getpeername)(int fd, struct sockaddr *addr, socklen_t *len);
	int (*epoll_create)(int size);
	int (*epoll_create1)(int flags);
	int (*epoll_ctl)(int epfd, int op, int fd, struct epoll_event *ev);
	int (*epoll_wait)(int epfd, struct epoll_event *evs, int max,
			  int timeout);
	int (*epoll_pwait)(int epfd, struct epoll_event *evs, int max,
			   int timeout, const sigset_t *mask);
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout);
	int (*ppoll)(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		     const sigset_t *mask);
	int (*select)(int nfds, fd_set *r, fd_set *w, fd_set *e,
		      struct timeval *tv);
	int (*pselect)(int nfds, fd_set *r, fd_set *w, fd_set *e,
		       const struct timespec *ts, const sigset_t *mask);
};

extern struct pl_real pl_real;
void pl_real_init(void);

/* ---- state ------------------------------------------------------------ */

struct pl_core {
	pthread_mutex_t lock;
	struct ixev_thread *t;
	int ring_fd;
	unsigned int cpu;
	int listen_err;		/* a LISTEN the core refused */
	/*
	 * Atomic: the thread asleep in pl_block() that watches the ring's
	 * file (its rank in the top byte, its number below), 0 if none.
	 */
	uint32_t watch;
	uint32_t driven;	/* atomic: drives that found work */
};

enum pl_kind {
	PL_BOUND,		/* bound to ixdp's address, not yet used */
	PL_LISTEN,
	PL_CONN,		/* accepted, connecting or connected */
};

struct pl_conn;

struct pl_sock {
	/* First: pl_sock_new() clears what follows while it is still 0. */
	int refs;		/* atomic: descriptors, connection, users */
	int nfds;		/* descriptors naming it (pl.lock) */
	enum pl_kind kind;
	bool nonblock;		/* O_NONBLOCK of its open file */
	bool cloexec;		/* FD_CLOEXEC as the application set it */

	uint32_t laddr, raddr;	/* network order */
	uint16_t lport, rport;	/* host order */

	/*
	 * Bound to INADDR_ANY: the Linux socket bound to the same port (the
	 * application's, kept at another descriptor), listening beside ixdp
	 * on Linux's addresses; -1 when there is none.
	 */
	int lin_fd;

	/* PL_LISTEN: connections accepted by the cores, not yet by accept() */
	pthread_mutex_t qlock;
	struct pl_sock **q;
	unsigned int q_head, q_tail, q_cap, backlog;
	struct pl_sock *lnext;	/* the list of listeners */

	/* PL_CONN, under core->lock */
	struct pl_core *core;
	struct pl_conn *conn;	/* NULL once ixev released it */
	bool connecting, connected, dead, shut_rd, shut_wr, closed, eof;
	int err;		/* pending SO_ERROR (positive) */
	char *left;		/* bytes unread when the connection died */
	size_t left_len, left_off;

	/* readiness, for poll/select/epoll without the core's lock */
	uint32_t events;	/* atomic EPOLL* mask */
	uint32_t in_seq, out_seq;	/* atomic: bumped at each change */
	uint32_t wgen;		/* atomic: bumped at each change, for pl_block */
	uint64_t epbits;	/* atomic: the epoll sets it was added to */

	/* options recorded (Documentation/preload.rst, "Options") */
	int opt_reuseaddr, opt_reuseport, opt_keepalive, opt_nodelay;
	int opt_rcvbuf, opt_sndbuf, opt_keepidle, opt_keepintvl;
	int opt_keepcnt, opt_cork, opt_quickack, opt_defer_accept;
	struct linger opt_linger;
	struct timeval rcvtimeo, sndtimeo;
};

struct pl_conn {
	struct ixev_ctx ctx;
	struct pl_sock *s;
};

struct pl_state {
	struct pl_config cfg;
	bool inited;
	/* The tables' changes (lookups take none; no system call inside). */
	pthread_mutex_t lock;
	struct pl_fdtab socks;	/* fd -> struct pl_sock */
	struct pl_fdtab eps;	/* epoll fd -> struct pl_ep */
	size_t nsocks;		/* atomic: ixdp descriptors open */

	pthread_mutex_t cores_lock;
	bool cores_up;
	int cores_err;
	struct pl_core *cores;
	unsigned int ncores, next_core;

	pthread_mutex_t lsn_lock;
	struct pl_sock *listeners;

	uint32_t gen;		/* atomic: bumped at every socket change */
	uint32_t epgen[64];	/* atomic: bumped at changes of a set's socket */
	/*
	 * Atomic: threads asleep in pl_block() on each epoll set's bit, and
	 * on anything else (a socket, any change), so that a change nobody
	 * waits for takes no lock.
	 */
	int ep_waiters[64];
	int waiters;
	bool progress_deep;	/* atomic: the progress thread polls the rings */
	int progress_fd;	/* an eventfd that wakes it from there */
	int wake_fd;		/* an eventfd that no epoll set holds */
};

extern struct pl_state pl;

/* ---- pl_core.c -------------------------------------------------------- */

void pl_init(void);
/* One line to stderr, "libixdp-preload[PID]: " first. */
void pl_log(const char *fmt, ...);
/* ENOTSUP with a one-line message once per @what; abort if strict. */
int pl_unsupported(const char *what);
int pl_cores_up(void);
struct pl_core *pl_core_pick(void);
void pl_core_lock(struct pl_core *c);
/* Publishes the commands, handles the events, unlocks the ixev thread. */
void pl_core_drive(struct pl_core *c);
void pl_core_unlock(struct pl_core *c);
bool pl_cores_drive_all(void);

/*
 * The cores this thread sent on without publishing the SENDs (pl_defer):
 * it publishes them when it next waits or looks for readiness
 * (pl_flush_mine), else the progress thread: when pl_defer wakes it
 * from its deep sleep (or its 1 ms tick after, if the lock was held),
 * within two of its ticks otherwise.
 */
extern __thread uint64_t pl_unflushed;
/* Under @c's lock, after bytes were queued on it. */
void pl_defer(struct pl_core *c);
void pl_flush_mine_slow(void);
static inline void pl_flush_mine(void)
{
	if (pl_unflushed)
		pl_flush_mine_slow();
}
/* @s changed: wakes the threads asleep on it, its epoll sets or anything. */
void pl_notify(struct pl_sock *s);
/*
 * The epoll sets of @bits changed (a socket added or armed again): wakes
 * the threads asleep on them, so that they look again.
 */
void pl_notify_bits(uint64_t bits);
void pl_waiters_reset(void);

/*
 * What a thread is about to wait for: any ixdp change (poll, select),
 * one socket's (read, write, accept, connect) or those of one epoll set's
 * sockets; the generation it saw before it looked, and the cores whose
 * connections it waits on (it watches their rings before other threads).
 */
struct pl_interest {
	const uint32_t *genp;
	uint32_t gen;
	struct pl_sock *s;
	int epbit;
	uint64_t cores;
};

void pl_interest_any(struct pl_interest *in);
void pl_interest_sock(struct pl_interest *in, struct pl_sock *s);
void pl_interest_ep(struct pl_interest *in, int epbit, uint64_t cores);
/* Looks again: the generation now. */
static inline void pl_interest_renew(struct pl_interest *in)
{
	in->gen = __atomic_load_n(in->genp, __ATOMIC_ACQUIRE);
}

/*
 * Sleeps until a change @in waits for may have happened since it was
 * taken, @extra fds are ready, a watched ring has events, or @timeout_ms
 * passes (-1: forever): 0, or -EINTR. @extra may be NULL; its revents are
 * filled.
 */
int pl_block(const struct pl_interest *in, int timeout_ms,
	     struct pollfd *extra, unsigned int nextra, const sigset_t *mask);

struct pl_sock *pl_sock_new(enum pl_kind kind);
void pl_sock_get(struct pl_sock *s);
void pl_sock_put(struct pl_sock *s);
/* The socket of @fd with a reference, or NULL if @fd is not ixdp's. */
struct pl_sock *pl_sock_lookup(int fd);
/* Recomputes s->events (under the core's lock for a connection). */
void pl_sock_update(struct pl_sock *s, bool in, bool out);
struct pl_sock *pl_listener_find(uint16_t port);
int pl_conn_start(struct pl_sock *s, struct pl_core *c);
extern const struct ixev_conn_ops pl_ops;

/* Milliseconds left until @deadline_ms (CLOCK_MONOTONIC), -1 forever. */
uint64_t pl_now_ms(void);
int pl_left_ms(int64_t deadline_ms);

/* ---- pl_sock.c, pl_io.c, pl_wait.c ------------------------------------ */

/* Attaches @s to descriptor @fd: 0 or -errno. */
int pl_fd_attach(int fd, struct pl_sock *s);
int pl_fd_close(int fd);
ssize_t pl_recv(struct pl_sock *s, const struct iovec *iov, int iovcnt,
		int flags);
ssize_t pl_send(struct pl_sock *s, const struct iovec *iov, int iovcnt,
		int flags);
/* Socket side of close(): the last descriptor is gone. */
void pl_sock_last_close(struct pl_sock *s);
void pl_ep_forget_sock(struct pl_sock *s);
void pl_ep_close(int epfd);
void pl_atfork_child_eps(void);

#endif /* _PL_PRELOAD_H */
