// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen: closed-loop echo load from the host side of the tap. CONNS
 * connections each keep DEPTH messages of SIZE bytes in flight for
 * SECONDS (after one second of warm-up) and check every echoed byte.
 * Prints one line: messages/s and round-trip percentiles in microseconds.
 *
 *   loadgen ADDRESS PORT CONNS DEPTH SIZE SECONDS LABEL
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS	256
#define MAX_SAMPLES	(1 << 22)

struct conn {
	int fd;
	uint32_t sent, rcvd;		/* messages */
	uint32_t rx_off;		/* bytes of the current reply */
	uint64_t t_sent[64];		/* send time per slot of DEPTH */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void fill(char *buf, uint32_t size, uint32_t seq)
{
	for (uint32_t i = 0; i < size; i++)
		buf[i] = (char)(seq * 31 + i);
}

int main(int argc, char **argv)
{
	static struct conn c[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS];
	static uint64_t *lat;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint32_t nconn, depth, size, i, k;
	uint64_t start, warm, end, t, nlat = 0, done = 0, errors = 0;
	char out[4096], in[4096], want[4096];
	double secs;
	int one = 1;

	if (argc < 8) {
		fprintf(stderr, "usage: loadgen ADDR PORT CONNS DEPTH SIZE SECONDS LABEL\n");
		return 2;
	}
	sa.sin_port = htons(atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	nconn = atoi(argv[3]);
	depth = atoi(argv[4]);
	size = atoi(argv[5]);
	secs = atof(argv[6]);
	if (!nconn || nconn > MAX_CONNS || !depth || depth > 64 || !size ||
	    size > sizeof(out))
		return 2;
	lat = malloc(MAX_SAMPLES * sizeof(*lat));
	for (i = 0; i < nconn; i++) {
		c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c[i].fd, (struct sockaddr *)&sa, sizeof(sa))) {
			perror("loadgen: connect");
			return 1;
		}
		pfd[i].fd = c[i].fd;
		pfd[i].events = POLLIN;
	}
	start = now_ns();
	warm = start + 1000000000ull;
	end = warm + (uint64_t)(secs * 1e9);
	for (i = 0; i < nconn; i++)
		for (k = 0; k < depth; k++) {
			fill(out, size, c[i].sent);
			c[i].t_sent[c[i].sent % depth] = now_ns();
			if (write(c[i].fd, out, size) != (ssize_t)size)
				return 1;
			c[i].sent++;
		}
	while ((t = now_ns()) < end) {
		if (poll(pfd, nconn, 1000) <= 0)
			continue;
		for (i = 0; i < nconn; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = read(c[i].fd, in + c[i].rx_off, size - c[i].rx_off);
			if (n <= 0) {
				fprintf(stderr, "loadgen: connection %u lost\n", i);
				return 1;
			}
			c[i].rx_off += n;
			if (c[i].rx_off < size)
				continue;
			c[i].rx_off = 0;
			fill(want, size, c[i].rcvd);
			errors += memcmp(in, want, size) != 0;
			t = now_ns();
			if (t >= warm) {
				done++;
				if (nlat < MAX_SAMPLES)
					lat[nlat++] = t - c[i].t_sent[c[i].rcvd % depth];
			}
			c[i].rcvd++;
			fill(out, size, c[i].sent);
			c[i].t_sent[c[i].sent % depth] = t;
			if (write(c[i].fd, out, size) != (ssize_t)size)
				return 1;
			c[i].sent++;
		}
	}
	qsort(lat, nlat, sizeof(*lat), cmp64);
	printf("RESULT %s msgs/s %.0f p50_us %.0f p99_us %.0f errors %llu\n",
	       argv[7], done / secs,
	       nlat ? lat[nlat / 2] / 1e3 : 0.0,
	       nlat ? lat[nlat * 99 / 100] / 1e3 : 0.0,
	       (unsigned long long)errors);
	for (i = 0; i < nconn; i++)
		close(c[i].fd);
	return errors ? 1 : 0;
}
