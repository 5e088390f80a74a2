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
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <ixdp/ixev.h>

#include "pl_config.h"
#include "pl_fdtab.h"

/* ---- the real calls --------------------------------------------------- */

struct pl_real {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
			    socklen_t *);
	ssize_t (*sendto)(int, const void *, size_t, int,
			  const struct sockaddr *, socklen_t);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	int (*close)(int);
	int (*shutdown)(int, int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*epoll_create)(int);
	int (*epoll_create1)(int);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int,
			   const sigset_t *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
		     const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *,
		       const struct timespec *, const sigset_t *);
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
};

enum pl_kind {
	PL_BOUND,		/* bound to ixdp's address, not yet used */
	PL_LISTEN,
	PL_CONN,		/* accepted, connecting or connected */
};

struct pl_conn;

struct pl_sock {
	int refs;		/* atomic: descriptors, connection, users */
	int nfds;		/* descriptors naming it (pl.lock) */
	enum pl_kind kind;
	bool nonblock;		/* O_NONBLOCK of its open file */
	bool cloexec;		/* FD_CLOEXEC as the application set it */

	uint32_t laddr, raddr;	/* network order */
	uint16_t lport, rport;	/* host order */

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

	/* options recorded (Documentation/preload.rst, "Options") */
	int opt_reuseaddr, opt_reuseport, opt_keepalive, opt_nodelay;
	int opt_rcvbuf, opt_sndbuf, opt_keepidle, opt_keepintvl;
	int opt_keepcnt;
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
	pthread_mutex_t lock;	/* the tables and descriptors' changes */
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
	int waiters;		/* atomic: threads blocked in pl_block */
	int wake_fd;		/* eventfd written when waiters > 0 */
};

extern struct pl_state pl;

/* ---- pl_core.c -------------------------------------------------------- */

void pl_init(void);
void pl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ENOTSUP with a one-line message once per @what; abort if strict. */
int pl_unsupported(const char *what);
int pl_cores_up(void);
struct pl_core *pl_core_pick(void);
void pl_core_lock(struct pl_core *c);
/* Publishes the commands, handles the events, unlocks the ixev thread. */
void pl_core_drive(struct pl_core *c);
void pl_core_unlock(struct pl_core *c);
bool pl_cores_drive_all(void);
void pl_notify(void);
/*
 * Sleeps until an ixdp change may have happened since @gen, @extra fds
 * are ready or @timeout_ms passes (-1: forever): 0, or -EINTR. @extra may
 * be NULL; its revents are filled.
 */
int pl_block(uint32_t gen, int timeout_ms, struct pollfd *extra,
	     unsigned int nextra, const sigset_t *mask);
static inline uint32_t pl_gen(void)
{
	return __atomic_load_n(&pl.gen, __ATOMIC_ACQUIRE);
}

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
