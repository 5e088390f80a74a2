// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen: closed-loop echo load from the host side of the tap. CONNS
 * connections each keep DEPTH messages of SIZE bytes in flight for
 * SECONDS (after one second of warm-up) and check every echoed byte.
 * Prints one line: messages/s and round-trip percentiles in microseconds
 * over the measured window, and the messages echoed over the whole run
 * ("total", warm-up included: the guest's counters cover all of it).
 *
 *   loadgen [--udp] [--cdf] ADDRESS PORT CONNS DEPTH SIZE SECONDS LABEL
 *
 * --udp: CONNS connected UDP sockets (flows) instead, each with DEPTH
 * datagrams of SIZE bytes in flight, for a reflector that sends each one
 * back (test/bench/xdp_refl.c). A datagram carries its sequence number
 * and slot; a flow that has heard nothing for LOSS_MS declares what it
 * has in flight lost and sends anew. The line adds "lost" and "late"
 * (an answer to a datagram already declared lost).
 *
 * --cdf: a second line, the distribution of the round trips measured,
 * for the benchmarks' plots (test/bench/plot.sh): "CDF LABEL n N" and
 * then "Q:US" pairs, the round trip in microseconds below which a
 * fraction Q of them fell, for Q from 0 to 1 in steps of 0.01 and at
 * 0.995, 0.999 and 0.9999 (Q = 1 is the largest).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#define MAX_DEPTH	64
#define MAX_SAMPLES	(1 << 22)
#define LOSS_MS		200

struct conn {
	int fd;
	uint32_t sent, rcvd;		/* messages */
	uint32_t rx_off;		/* bytes of the current reply */
	uint64_t t_sent[MAX_DEPTH];	/* send time per slot of DEPTH */
	/* UDP: the sequence number in each slot, whether it is in flight. */
	uint32_t slot_seq[MAX_DEPTH];
	uint8_t live[MAX_DEPTH];
	uint32_t inflight;
	uint64_t t_heard;		/* last answer, or last (re)start */
};

/* The run's parameters and what it counted. */
static struct conn c[MAX_CONNS];
static struct pollfd pfd[MAX_CONNS];
static uint32_t nconn, depth, size;
static uint64_t *lat, nlat, done, total, errors, lost, late, refused;
static uint64_t warm, end;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The round trip below which a fraction @f of the sorted samples fell. */
static double quantile_us(double f)
{
	uint64_t i = (uint64_t)(f * nlat);

	return lat[i < nlat ? i : nlat - 1] / 1e3;
}

/* The "CDF" line of --cdf, from the sorted samples. */
static void print_cdf(const char *label)
{
	static const double tail[] = { 0.995, 0.999, 0.9999, 1 };
	unsigned int q;

	printf("CDF %s n %llu", label, (unsigned long long)nlat);
	for (q = 0; q < 100 && nlat; q++)
		printf(" %g:%.1f", q / 100.0, quantile_us(q / 100.0));
	for (q = 0; q < sizeof(tail) / sizeof(tail[0]) && nlat; q++)
		printf(" %g:%.1f", tail[q], quantile_us(tail[q]));
	printf("\n");
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

/* One answer heard at @t that was sent at @t_sent. */
static void count(uint64_t t, uint64_t t_sent)
{
	total++;
	if (t < warm)
		return;
	done++;
	if (nlat < MAX_SAMPLES)
		lat[nlat++] = t - t_sent;
}

static int tcp_run(void)
{
	char out[4096], in[4096], want[4096];
	uint32_t i, k;
	uint64_t t;

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
			count(t, c[i].t_sent[c[i].rcvd % depth]);
			c[i].rcvd++;
			fill(out, size, c[i].sent);
			c[i].t_sent[c[i].sent % depth] = t;
			if (write(c[i].fd, out, size) != (ssize_t)size)
				return 1;
			c[i].sent++;
		}
	}
	return 0;
}

/*
 * A UDP datagram: the pattern of its sequence number, with the number
 * and the slot it travels in written over its first 6 bytes.
 */
static void udp_msg(char *buf, uint32_t seq, uint16_t slot)
{
	fill(buf, size, seq);
	memcpy(buf, &seq, sizeof(seq));
	memcpy(buf + 4, &slot, sizeof(slot));
}

static void udp_send(struct conn *f, uint16_t slot, uint64_t t)
{
	char out[4096];

	udp_msg(out, f->sent, slot);
	f->slot_seq[slot] = f->sent++;
	f->t_sent[slot] = t;
	if (send(f->fd, out, size, 0) != (ssize_t)size) {
		/* Counted as lost by the flow's timeout. */
		if (errno == ECONNREFUSED)
			refused++;
	}
	if (!f->live[slot]) {
		f->live[slot] = 1;
		f->inflight++;
	}
}

/* Fill every slot of flow @f anew, declaring what was in flight lost. */
static void udp_restart(struct conn *f, uint64_t t)
{
	lost += f->inflight;
	f->inflight = 0;
	memset(f->live, 0, sizeof(f->live));
	for (uint16_t k = 0; k < depth; k++)
		udp_send(f, k, t);
	f->t_heard = t;
}

static int udp_run(void)
{
	char in[4096], want[4096];
	uint64_t t, loss = LOSS_MS * 1000000ull;
	uint32_t i, seq;
	uint16_t slot;
	ssize_t n;

	t = now_ns();
	for (i = 0; i < nconn; i++)
		udp_restart(&c[i], t);
	while ((t = now_ns()) < end) {
		if (poll(pfd, nconn, 10) < 0)
			continue;
		t = now_ns();
		for (i = 0; i < nconn; i++) {
			struct conn *f = &c[i];

			while ((pfd[i].revents & (POLLIN | POLLERR)) &&
			       (n = recv(f->fd, in, sizeof(in), 0)) != 0) {
				if (n < 0) {
					if (errno == ECONNREFUSED) {
						refused++;
						continue;
					}
					break;	/* EAGAIN: drained */
				}
				if ((uint32_t)n != size || size < 6) {
					errors++;
					continue;
				}
				memcpy(&seq, in, sizeof(seq));
				memcpy(&slot, in + 4, sizeof(slot));
				if (slot >= depth || !f->live[slot] ||
				    f->slot_seq[slot] != seq) {
					late++;
					continue;
				}
				udp_msg(want, seq, slot);
				errors += memcmp(in, want, size) != 0;
				t = now_ns();
				count(t, f->t_sent[slot]);
				f->live[slot] = 0;
				f->inflight--;
				f->t_heard = t;
				udp_send(f, slot, t);
			}
			if (f->inflight && t - f->t_heard > loss)
				udp_restart(f, t);
		}
	}
	/* What is still in flight at the end is not lost. */
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, udp = 0, cdf = 0, rc;
	uint64_t start;
	double secs;
	uint32_t i;

	for (; argc > 1 && !strncmp(argv[1], "--", 2); argv++, argc--) {
		if (!strcmp(argv[1], "--udp"))
			udp = 1;
		else if (!strcmp(argv[1], "--cdf"))
			cdf = 1;
		else
			argc = 0;
	}
	if (argc < 8) {
		fprintf(stderr, "usage: loadgen [--udp] [--cdf] ADDR PORT CONNS DEPTH SIZE SECONDS LABEL\n");
		return 2;
	}
	sa.sin_port = htons(atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	nconn = atoi(argv[3]);
	depth = atoi(argv[4]);
	size = atoi(argv[5]);
	secs = atof(argv[6]);
	if (!nconn || nconn > MAX_CONNS || !depth || depth > MAX_DEPTH ||
	    !size || size > 4096 || (udp && size < 6))
		return 2;
	lat = malloc(MAX_SAMPLES * sizeof(*lat));
	if (!lat)
		return 1;
	for (i = 0; i < nconn; i++) {
		c[i].fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
		if (c[i].fd < 0) {
			perror("loadgen: socket");
			return 1;
		}
		if (!udp)
			setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
		if (connect(c[i].fd, (struct sockaddr *)&sa, sizeof(sa))) {
			perror("loadgen: connect");
			return 1;
		}
		if (udp)
			fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
		pfd[i].fd = c[i].fd;
		pfd[i].events = POLLIN;
	}
	start = now_ns();
	warm = start + 1000000000ull;
	end = warm + (uint64_t)(secs * 1e9);
	rc = udp ? udp_run() : tcp_run();
	if (rc)
		return rc;
	qsort(lat, nlat, sizeof(*lat), cmp64);
	printf("RESULT %s msgs/s %.0f p50_us %.0f p99_us %.0f errors %llu total %llu",
	       argv[7], done / secs,
	       nlat ? lat[nlat / 2] / 1e3 : 0.0,
	       nlat ? lat[nlat * 99 / 100] / 1e3 : 0.0,
	       (unsigned long long)errors, (unsigned long long)total);
	if (udp)
		printf(" lost %llu late %llu refused %llu",
		       (unsigned long long)lost, (unsigned long long)late,
		       (unsigned long long)refused);
	printf("\n");
	if (cdf)
		print_cdf(argv[7]);
	for (i = 0; i < nconn; i++)
		close(c[i].fd);
	if (udp && !done)
		return 1;
	return errors ? 1 : 0;
}
