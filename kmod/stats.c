// SPDX-License-Identifier: GPL-2.0
/*
 * The counters of the cores and of the receive handler, read as u64_stats
 * snapshots. Their writers update them in place with ixdp_core_stats_inc()
 * and ixdp_rx_stats_inc() (dataplane.h).
 */
#include <linux/percpu.h>
#include <linux/string.h>

#include "dataplane.h"

/* Every counter of a snapshot has its u64_stats_t, and only those. */
#define NR_COUNTERS(type, first) \
	((sizeof(type) - offsetof(type, first)) / sizeof(u64_stats_t))

void ixdp_core_stats_init(struct ixdp_core *dp)
{
	BUILD_BUG_ON(offsetof(struct ixdp_core_stats, syncp) != 0);
	BUILD_BUG_ON(offsetof(struct ixdp_rx_stats, syncp) != 0);
	u64_stats_init(&dp->st.syncp);
}

void ixdp_core_stats_read(const struct ixdp_core *dp,
			  struct ixdp_core_stats_snapshot *out)
{
	const struct ixdp_core_stats *s = &dp->st;
	unsigned int start;

	BUILD_BUG_ON(NR_COUNTERS(struct ixdp_core_stats, rx_frames) !=
		     sizeof(*out) / sizeof(u64));
	do {
		start = u64_stats_fetch_begin(&s->syncp);
		out->rx_frames = u64_stats_read(&s->rx_frames);
		out->rx_bytes = u64_stats_read(&s->rx_bytes);
		out->rx_local = u64_stats_read(&s->rx_local);
		out->rx_handoff = u64_stats_read(&s->rx_handoff);
		out->rx_nobuf = u64_stats_read(&s->rx_nobuf);
		out->rx_too_big = u64_stats_read(&s->rx_too_big);
		out->tx_frames = u64_stats_read(&s->tx_frames);
		out->tx_bytes = u64_stats_read(&s->tx_bytes);
		out->tx_drops = u64_stats_read(&s->tx_drops);
		out->tx_busy = u64_stats_read(&s->tx_busy);
		out->tx_no_carrier = u64_stats_read(&s->tx_no_carrier);
		out->loops = u64_stats_read(&s->loops);
		out->batches = u64_stats_read(&s->batches);
		out->batch_frames = u64_stats_read(&s->batch_frames);
		out->batch_max = u64_stats_read(&s->batch_max);
		out->busy_polls = u64_stats_read(&s->busy_polls);
		out->sleeps = u64_stats_read(&s->sleeps);
		out->busy_ns = u64_stats_read(&s->busy_ns);
		out->idle_ns = u64_stats_read(&s->idle_ns);
		out->app_cmds = u64_stats_read(&s->app_cmds);
		out->app_bad_cmds = u64_stats_read(&s->app_bad_cmds);
		out->app_events = u64_stats_read(&s->app_events);
		out->app_ring_full = u64_stats_read(&s->app_ring_full);
		out->app_knock_drops = u64_stats_read(&s->app_knock_drops);
		out->app_backlog_drops = u64_stats_read(&s->app_backlog_drops);
		out->app_share_drops = u64_stats_read(&s->app_share_drops);
		out->app_denied = u64_stats_read(&s->app_denied);
		out->fg_in = u64_stats_read(&s->fg_in);
		out->fg_out = u64_stats_read(&s->fg_out);
		out->conns_in = u64_stats_read(&s->conns_in);
		out->conns_out = u64_stats_read(&s->conns_out);
		out->held = u64_stats_read(&s->held);
		out->held_drops = u64_stats_read(&s->held_drops);
		out->apps = u64_stats_read(&s->apps);
		out->app_conns = u64_stats_read(&s->app_conns);
		out->conns = u64_stats_read(&s->conns);
		out->rxbuf_free = u64_stats_read(&s->rxbuf_free);
		out->rxbuf_total = u64_stats_read(&s->rxbuf_total);
		out->txbuf_free = u64_stats_read(&s->txbuf_free);
		out->txbuf_total = u64_stats_read(&s->txbuf_total);
		out->tx_doorbells = u64_stats_read(&s->tx_doorbells);
		out->run_calls = u64_stats_read(&s->run_calls);
		out->run_loops = u64_stats_read(&s->run_loops);
		out->run_sleeps = u64_stats_read(&s->run_sleeps);
		out->run_switches = u64_stats_read(&s->run_switches);
		out->takebacks = u64_stats_read(&s->takebacks);
		out->takeback_loops = u64_stats_read(&s->takeback_loops);
		out->kthread_switches = u64_stats_read(&s->kthread_switches);
		out->app_rx_waits = u64_stats_read(&s->app_rx_waits);
		out->tcbs = u64_stats_read(&s->tcbs);
		out->app_rx_chunks = u64_stats_read(&s->app_rx_chunks);
		out->app_handoffs = u64_stats_read(&s->app_handoffs);
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

void ixdp_rx_stats_init(struct ixdp_port *port)
{
	int cpu;

	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(port->rx_stats, cpu)->syncp);
}

/* The receive handler's counters, added up over every CPU. */
void ixdp_rx_stats_read(const struct ixdp_port *port,
			struct ixdp_rx_stats_snapshot *out)
{
	struct ixdp_rx_stats_snapshot one;
	unsigned int start;
	int cpu;

	BUILD_BUG_ON(NR_COUNTERS(struct ixdp_rx_stats, consumed) !=
		     sizeof(*out) / sizeof(u64));
	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct ixdp_rx_stats *s;

		s = per_cpu_ptr(port->rx_stats, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			one.consumed = u64_stats_read(&s->consumed);
			one.passed = u64_stats_read(&s->passed);
			one.ring_full = u64_stats_read(&s->ring_full);
			one.no_core = u64_stats_read(&s->no_core);
			one.unshare_fail = u64_stats_read(&s->unshare_fail);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		out->consumed += one.consumed;
		out->passed += one.passed;
		out->ring_full += one.ring_full;
		out->no_core += one.no_core;
		out->unshare_fail += one.unshare_fail;
	}
}
