// SPDX-License-Identifier: GPL-2.0
/*
 * echo_uring: the io_uring flavour of the Linux baseline for ixdp's echo
 * benchmarks (examples/echo_epoll.c is the epoll one). One thread per
 * CPU, each with its own SO_REUSEPORT listener and its own ring: a
 * multishot accept (a plain one re-armed after each connection where the
 * kernel lacks it), then per connection one recv, and sends until all of
 * it went out, in turn. EOF closes the connection after everything read
 * was echoed, so the peer sees a FIN, never a reset.
 *
 *   echo_uring ADDRESS PORT [THREADS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RING_ENTRIES	1024
#define BUF_SIZE	65536

/* What a completion is for: the low bits of its user_data. */
enum op { OP_ACCEPT, OP_RECV, OP_SEND };
#define OP_MASK		3UL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct conn {
	int fd;
	uint32_t len;		/* bytes of buf received, to echo */
	uint32_t off;		/* of which already sent */
	char buf[BUF_SIZE];
};

struct worker {
	struct io_uring ring;
	int lfd;
	int multishot;		/* the accept is multishot */
};

static struct sockaddr_in addr;

static int listener(void)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 1024)) {
		perror("echo_uring: listener");
		exit(1);
	}
	return fd;
}

/* A free submission slot, submitting what is queued when none is left. */
static struct io_uring_sqe *get_sqe(struct worker *w)
{
	struct io_uring_sqe *sqe;

	while (!(sqe = io_uring_get_sqe(&w->ring))) {
		int ret = io_uring_submit(&w->ring);

		if (ret < 0 && ret != -EAGAIN && ret != -EINTR) {
			fprintf(stderr, "echo_uring: submit: %s\n",
				strerror(-ret));
			exit(1);
		}
	}
	return sqe;
}

static void arm_accept(struct worker *w)
{
	struct io_uring_sqe *sqe = get_sqe(w);

#ifdef IORING_ACCEPT_MULTISHOT
	if (w->multishot)
		io_uring_prep_multishot_accept(sqe, w->lfd, NULL, NULL, 0);
	else
#endif
		io_uring_prep_accept(sqe, w->lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

static void arm_recv(struct worker *w, struct conn *c)
{
	struct io_uring_sqe *sqe = get_sqe(w);

	io_uring_prep_recv(sqe, c->fd, c->buf, sizeof(c->buf), 0);
	io_uring_sqe_set_data64(sqe, (uintptr_t)c | OP_RECV);
}

static void arm_send(struct worker *w, struct conn *c)
{
	struct io_uring_sqe *sqe = get_sqe(w);

	io_uring_prep_send(sqe, c->fd, c->buf + c->off, c->len - c->off,
			   MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, (uintptr_t)c | OP_SEND);
}

/*
 * Everything received was echoed when the peer's EOF is seen (one recv
 * or send is in flight at a time), so close() sends a FIN. Errors close
 * the same way; the kernel resets only if unread data is left.
 */
static void finish(struct conn *c)
{
	close(c->fd);
	free(c);
}

static void on_accept(struct worker *w, struct io_uring_cqe *cqe)
{
	struct conn *c;
	int one = 1;

	if (cqe->res < 0) {
#ifdef IORING_ACCEPT_MULTISHOT
		if (cqe->res == -EINVAL && w->multishot) {
			/* Kernel before 5.19: plain accepts from now on. */
			w->multishot = 0;
			arm_accept(w);
			return;
		}
#endif
		/* -EMFILE, -ENFILE, -ENOMEM, -EINTR...: try again. */
		if (cqe->res != -EAGAIN && cqe->res != -EINTR &&
		    cqe->res != -ECONNABORTED)
			fprintf(stderr, "echo_uring: accept: %s\n",
				strerror(-cqe->res));
	} else {
		c = malloc(sizeof(*c));
		if (!c) {
			close(cqe->res);
		} else {
			c->fd = cqe->res;
			setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			arm_recv(w, c);
		}
	}
	/* A multishot accept stays armed while the kernel says MORE. */
	if (!w->multishot || !(cqe->flags & IORING_CQE_F_MORE))
		arm_accept(w);
}

static void on_recv(struct worker *w, struct conn *c, int res)
{
	if (res == -EINTR || res == -EAGAIN) {
		arm_recv(w, c);
		return;
	}
	if (res <= 0) {
		/* 0: EOF; < 0: -ECONNRESET and the like. */
		finish(c);
		return;
	}
	c->len = res;
	c->off = 0;
	arm_send(w, c);
}

static void on_send(struct worker *w, struct conn *c, int res)
{
	if (res == -EINTR || res == -EAGAIN) {
		arm_send(w, c);
		return;
	}
	if (res <= 0) {
		finish(c);
		return;
	}
	c->off += res;
	if (c->off < c->len)
		arm_send(w, c);		/* short send: the rest */
	else
		arm_recv(w, c);
}

/*
 * Rings that let the kernel run completion work when this thread enters
 * it are cheaper for a server; older kernels get a plain ring.
 */
static void ring_init(struct io_uring *ring)
{
	static const unsigned int flags[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	struct io_uring_params p;
	unsigned int i;
	int ret = -EINVAL;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flags[i];
		ret = io_uring_queue_init_params(RING_ENTRIES, ring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0) {
		fprintf(stderr, "echo_uring: io_uring_queue_init: %s\n",
			strerror(-ret));
		exit(1);
	}
}

static void *worker(void *arg)
{
	long cpu = (long)arg;
	struct io_uring_cqe *cqe;
	struct worker w = { 0 };
	unsigned int head, seen;
	cpu_set_t set;
	int ret;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	ring_init(&w.ring);
	w.lfd = listener();
#ifdef IORING_ACCEPT_MULTISHOT
	w.multishot = 1;
#endif
	arm_accept(&w);
	for (;;) {
		ret = io_uring_submit_and_wait(&w.ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY) {
			fprintf(stderr, "echo_uring: submit_and_wait: %s\n",
				strerror(-ret));
			exit(1);
		}
		seen = 0;
		io_uring_for_each_cqe(&w.ring, head, cqe) {
			uint64_t ud = io_uring_cqe_get_data64(cqe);
			struct conn *c = (struct conn *)(uintptr_t)(ud & ~OP_MASK);

			switch (ud & OP_MASK) {
			case OP_ACCEPT:
				on_accept(&w, cqe);
				break;
			case OP_RECV:
				on_recv(&w, c, cqe->res);
				break;
			case OP_SEND:
				on_send(&w, c, cqe->res);
				break;
			}
			seen++;
		}
		io_uring_cq_advance(&w.ring, seen);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long i, n = argc > 3 ? atol(argv[3]) : sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t t;

	if (argc < 3) {
		fprintf(stderr, "usage: echo_uring ADDRESS PORT [THREADS]\n");
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "echo_uring: bad address %s\n", argv[1]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < n; i++)
		pthread_create(&t, NULL, worker, (void *)i);
	worker(0);
	return 0;
}
