/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two ix_stack instances joined by a simulated wire with loss, reordering,
 * duplication and delay jitter, driven by a simulated clock and a seeded
 * PRNG, plus a small application model that streams a byte pattern and
 * checks every received byte.
 */
#ifndef SIM_H
#define SIM_H

#include <plat.h>
#include "stack.h"
#include "tcp.h"

#define SIM_MAX_PKTS	8192
#define SIM_MAX_EVENTS	4096
#define SIM_FRAME_MAX	2048

struct sim;

struct sim_pkt {
	u64 at;
	u32 order;
	u16 len;
	u8 to;
	u8 data[SIM_FRAME_MAX];
};

struct sim_app {
	struct ix_stack *c;
	int side;
	u64 handle;
	u64 cookie;
	int connected;		/* 1 ok, <0 error */
	int knocked;
	int dead;
	int dead_status;
	int eof;
	bool auto_accept;
	bool manual_done;	/* do not return received bytes */
	bool copy_out;		/* check and consume recv bytes in the hook */
	bool defer_rx;		/* leave them for ix_tcp_rx_pull() instead */
	u64 rx_copied;
	const u8 *src;		/* bytes to send */
	u64 tx_total, tx_queued, tx_acked;
	u64 rx_total, rx_undone;
	u32 rx_seed, tx_seed;
	u64 rx_errors;
	u32 last_window;
	struct sim *sim;
	struct ix_event ev[SIM_MAX_EVENTS];
	struct ix_event last[8];
	u32 nev;
	u64 nev_type[8];
};

struct sim {
	u64 now;
	u64 rng;
	u32 loss_ppm, reorder_ppm, dup_ppm;
	u32 delay_us, jitter_us, reorder_us;
	u32 order;
	struct ix_stack *c[2];
	struct sim_app app[2];
	struct sim_pkt *pkts[SIM_MAX_PKTS];
	u32 npkts;
	u64 sent_frames[2];
	u64 dropped_frames;
	/* return true to drop a frame sent by side "from" */
	bool (*filter)(struct sim *s, int from, const u8 *f, u32 len);
	void *priv;
	/* replaces the built-in one-connection application model */
	void (*on_event)(struct sim *s, int side, const struct ix_event *ev);
	bool capture;		/* record frames instead of delivering */
	/*
	 * Deliver frames lent (ix_stack_rxbuf_lent()), each in a heap block
	 * of its exact size, so that ASan sees any read past a frame; also
	 * on for every sim when the environment has SIM_LEND=1.
	 */
	bool lend;
	u64 lent;		/* lent frames not yet given back */
	struct sim_pkt *cap[64];
	u32 ncap;
};

#define SIM_IP(n)	(0xc6120000u | (n))	/* 198.18.0.n */

void sim_init(struct sim *s, u64 seed, const struct ix_stack_cfg *base);
void sim_fini(struct sim *s);
void sim_cap_clear(struct sim *s);
u32 sim_rand(struct sim *s);
void sim_step(struct sim *s, u64 dt);
bool sim_run(struct sim *s, u64 max_us, bool (*done)(struct sim *s));
void sim_inject(struct sim *s, int to, const u8 *f, u32 len);
u8 sim_pattern(u32 seed, u64 i);
u8 *sim_make_src(u32 seed, u32 len);
void sim_pump(struct sim *s, int side);
bool sim_connect(struct sim *s, u16 port);
bool sim_xfer_done(struct sim *s);
bool sim_both_dead(struct sim *s);
u32 sim_build_tcp(u8 *f, const u8 *dmac, u32 sip, u32 dip, u16 sport,
		  u16 dport, u32 seq, u32 ack, u8 flags, u16 wnd,
		  const u8 *opt, u32 optlen, const u8 *payload, u32 plen);

#endif /* SIM_H */
