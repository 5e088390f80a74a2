// SPDX-License-Identifier: GPL-2.0
/*
 * notify_recv PATH SECONDS: the receiving end of sd_notify(3) for the
 * ixdpd stage. Binds an AF_UNIX datagram socket at PATH (abstract if it
 * starts with '@'), prints every datagram it gets on a line of its own
 * (newlines inside one become " | "), and exits after "STOPPING=1" or
 * after SECONDS. Exit status 0 if it received anything, 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec t0, t;
	char buf[4096];
	size_t plen;
	long secs;
	int fd, got = 0;

	if (argc != 3 || (argv[1][0] != '/' && argv[1][0] != '@')) {
		fprintf(stderr, "usage: notify_recv /PATH|@NAME SECONDS\n");
		return 2;
	}
	secs = strtol(argv[2], NULL, 10);
	plen = strlen(argv[1]);
	if (plen >= sizeof(sa.sun_path)) {
		fprintf(stderr, "notify_recv: path too long\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], plen);
	if (argv[1][0] == '@')
		sa.sun_path[0] = '\0';
	else
		unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
			     (argv[1][0] == '@' ? 0 : 1))) < 0) {
		perror("notify_recv: bind");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left;
		ssize_t n;
		char *nl;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = secs * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
				      (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("notify_recv: recv");
			break;
		}
		buf[n] = '\0';
		got = 1;
		while (n && buf[n - 1] == '\n')
			buf[--n] = '\0';
		for (nl = strchr(buf, '\n'); nl; nl = strchr(nl, '\n'))
			*nl = '|';
		printf("%s\n", buf);
		fflush(stdout);
		if (strstr(buf, "STOPPING=1"))
			break;
	}
	if (argv[1][0] == '/')
		unlink(argv[1]);
	return got ? 0 : 1;
}
