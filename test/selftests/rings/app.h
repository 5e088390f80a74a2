/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rings selftest program (test/selftests/rings/, built as one binary
 * "rings"): application contexts of /dev/ixdp with their connections,
 * driven with the raw ABI of include/uapi/linux/ixdp.h through the
 * helpers of ../rings.h, without libixdp. app.c has the context and its
 * event loop; each other file is one topic of tests (see main.c for the
 * modes the stage scripts run).
 */
#ifndef IXDP_RINGS_APP_H
#define IXDP_RINGS_APP_H

#define _GNU_SOURCE

#include <arpa/inet.h>

#include "../ksft.h"
#include "../rings.h"

#define HOST_IP		"198.18.0.1"
#define MAXC		64	/* connections per context in these tests */
#define CPL_LOG		512
#define PENDQ		8192
#define SEGQ		64

/* user_data of the commands these tests issue: tag, connection, sequence */
enum { T_TEST = 1, T_SEND, T_FENCE, T_RDONE, T_ACCEPT, T_CLOSE, T_MISC };
#define UD(tag, conn, seq)	((uint64_t)(tag) << 56 | \
				 (uint64_t)((conn) & 0xffffff) << 32 | \
				 (uint32_t)(seq))
#define UD_TAG(u)		((unsigned int)((u) >> 56))
#define UD_CONN(u)		((unsigned int)((u) >> 32) & 0xffffff)

struct seg {
	uint64_t off;
	uint32_t len;
};

struct conn {
	bool used, open, eof, dead, closing;
	int32_t dead_status, conn_status;
	uint64_t handle;
	int chunk;		/* RX chunk of its newest bytes, -1 before */
	uint64_t unret;		/* bytes received, not yet returned */
	/* receive */
	uint8_t *rbuf;		/* client: bytes received */
	size_t rcap, rlen;
	uint64_t rx_bytes;
	struct seg rq[SEGQ];	/* echo: received, not yet copied */
	unsigned int rq_h, rq_n;
	/* send: our region of the TX arena */
	uint64_t txbase;
	struct seg sq[SEGQ];	/* queued, not yet taken */
	unsigned int sq_h, sq_n;
	bool inflight, wait_room, got_short;
	uint32_t short_n;
	int32_t send_err;
	uint64_t queued, taken, acked, echoed;
	uint32_t rdone;		/* fold: bytes to return with the next SEND */
};

struct cpl {
	uint64_t ud, handle;
	int32_t status;
	uint8_t op;
	bool used;
};

struct app {
	struct rctx r;
	struct conn c[MAXC];
	struct cpl log[CPL_LOG];
	unsigned int nlog;
	struct ixdp_cmd *pend;	/* commands waiting for ring room */
	unsigned int pend_h, pend_n;
	bool accept_knocks, echo;
	uint32_t txslot;	/* TX bytes of each connection */
	uint64_t scratch;	/* TX arena offset free for tests */
	uint64_t seq;
	uint64_t knocks[MAXC];
	unsigned int nknocks;
	unsigned long errors, slice_bad, events;
	unsigned long echoed, deaths, closed_ok, busy;	/* echo servers */
	/*
	 * Attached with IXDP_ATTACH_RECV_ACKED, returns received bytes in
	 * SENDs (IXDP_FEAT_SEND_DONE): how many RECVs carried acks, and
	 * how many SENDs returned bytes.
	 */
	bool fold;
	unsigned long recv_acked, send_done;
};

/* The thread test rejects the first knock any of its contexts sees. */
extern bool reject_next;
extern uint64_t rejected;
extern struct app *rejected_by;

static inline int left_ms(uint64_t end)
{
	uint64_t now = now_ms();

	return now < end ? (int)(end - now) : 0;
}

static inline uint32_t host_ip(void)
{
	return inet_addr(HOST_IP);
}

/* Pump @a until @cond holds or @ms pass; the value of @cond. */
#define WAIT(a, ms, cond) ({						\
	uint64_t _end = now_ms() + (ms);				\
	bool _ok;							\
	while (!(_ok = (cond)) && now_ms() < _end)			\
		app_pump((a), 5);					\
	_ok;								\
})

/* app.c: a context, its connections and its event loop */
int app_open(struct app *a, unsigned int cpu, uint32_t tx_arena);
int app_open_flags(struct app *a, unsigned int cpu, uint32_t tx_arena,
		   uint32_t flags);
void app_close(struct app *a);
void conn_free(struct conn *c);
struct cpl *find_cpl(struct app *a, uint64_t ud);
int app_step(struct app *a);
int apps_pump(struct app **as, int n, int ms);
int app_pump(struct app *a, int ms);
struct cpl *wait_cpl(struct app *a, uint64_t ud, int ms);
int test_cmd(struct app *a, struct ixdp_cmd *cmd, struct cpl *out);
bool expect_refused(struct app *a, struct ixdp_cmd cmd, int want,
		    const char *fmt, ...);
int conn_connect(struct app *a, uint32_t ip, uint16_t port, int ms,
		 bool retry, int32_t *status);
void fill(uint8_t *buf, size_t len, uint32_t seed);
bool conn_close_graceful(struct app *a, struct conn *c);
struct ixdp_cmd mk(uint8_t op, uint64_t handle, uint32_t arg32,
		   uint64_t a0, uint64_t a1);
uint64_t mkh(uint16_t fg, uint16_t gen, uint32_t slot);
bool echo_some(struct app *a, struct conn *c, const size_t *sizes,
	       unsigned int n, uint32_t seed);
int core_cpus(int *cpus, int max);

/* The modes of the program, one per topic file (main.c dispatches). */
int mode_validate(uint16_t port, uint16_t closed);
int mode_fuzz(uint32_t n, uint16_t port);
int mode_echo(uint16_t port, unsigned int msgs, bool fold);
int mode_poll(uint16_t port);
int mode_serve(uint16_t port, unsigned int want);
int mode_thread(uint16_t port, unsigned int conns);
int mode_coredel(int cpu, int rxq);
int mode_idle(const char *label, int secs);
int mode_wait(const char *name, long long min, int secs);
int mode_features(void);
int mode_sendorder(uint16_t port);
int mode_handoff(uint16_t port);

#endif /* IXDP_RINGS_APP_H */
