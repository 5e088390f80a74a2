// SPDX-License-Identifier: GPL-2.0
/*
 * echo_epoll: the Linux baseline for ixdp's echo benchmarks. One thread
 * per CPU, each with its own SO_REUSEPORT listener and edge-triggered
 * epoll set, echoing whatever arrives.
 *
 *   echo_epoll ADDRESS PORT [THREADS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in addr;

static int listener(void)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 1024)) {
		perror("echo_epoll: listener");
		exit(1);
	}
	return fd;
}

/* Echo until EAGAIN; false when the connection is finished. */
static int echo(int fd)
{
	char buf[65536];
	ssize_t n, w, off;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0)
			return errno == EAGAIN ? 1 : 0;
		for (off = 0; off < n; off += w) {
			w = write(fd, buf + off, n - off);
			if (w < 0 && errno == EAGAIN) {
				/* Peer is not reading: wait for it, simply. */
				usleep(100);
				w = 0;
			} else if (w < 0) {
				return 0;
			}
		}
	}
}

static void *worker(void *arg)
{
	long cpu = (long)arg;
	struct epoll_event ev, evs[256];
	int lfd, ep, i, n, fd, one = 1;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	lfd = listener();
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL,
						     SOCK_NONBLOCK)) >= 0) {
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
						   &one, sizeof(one));
					ev.events = EPOLLIN | EPOLLET;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			if (!echo(evs[i].data.fd))
				close(evs[i].data.fd);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long i, n = argc > 3 ? atol(argv[3]) : sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t t;

	if (argc < 3) {
		fprintf(stderr, "usage: echo_epoll ADDRESS PORT [THREADS]\n");
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "echo_epoll: bad address %s\n", argv[1]);
		return 2;
	}
	for (i = 1; i < n; i++)
		pthread_create(&t, NULL, worker, (void *)i);
	worker(0);
	return 0;
}
