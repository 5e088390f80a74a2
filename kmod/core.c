// SPDX-License-Identifier: GPL-2.0
/*
 * Dataplane cores. Each one is a kthread bound to its CPU that owns an
 * ix_stack (the TCP/IP state of the flow groups it serves) and runs to
 * completion:
 *
 *   control requests -> poll the NIC queue -> frames from the rings (at
 *   most B) -> TCP/IP -> events -> timers -> transmit
 *
 * Polling is adaptive: while frames keep coming the core polls its queue
 * with napi_busy_loop(); after poll_us without work it sleeps with the
 * queue's interrupt enabled and is woken by whoever hands it a frame or a
 * request. On a small machine a spinning core takes the CPU the rest of
 * the system needs, so an idle core really sleeps.
 *
 * Sleeping without losing a wakeup (the io_uring SQPOLL pattern): the
 * core sets TASK_INTERRUPTIBLE, then @sleeping and every attached
 * context's IXDP_CQ_NEED_WAKEUP, then issues a full barrier (E) and
 * re-checks its rings and the contexts' command tails; a producer
 * publishes a frame (or an application its commands), issues a full
 * barrier (F) and then reads @sleeping (the flag). E pairs with F: either
 * the core sees the work, or the producer sees that it must wake it.
 *
 * Inline mode (IXDP_IOC_RUN, IX's run loop): an application thread pinned
 * on the core's CPU runs the same loop step itself, and sleeps in it the
 * same way (@run_wq, without the loop). One runner at a time: whoever runs
 * a step holds @loop_lock, so the state the kthread alone touched before
 * (the stack, the rings' consumer side, the TX backlog, the counters) still
 * has one writer. While a thread is inside RUN, and for run_grace_us after
 * it left, the kthread stands by (@standby): it only runs a step when a
 * control request or a context's IXDP_IOC_WAKE needs one at once (@cover).
 * An application that stays away longer has its loop taken back: the
 * kthread runs it as before until the next RUN, which waits at most for
 * the step in progress. A thread blocked inside RUN is woken by a signal,
 * so a stopped or traced application is never inside it.
 */
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include <net/busy_poll.h>

#include "ixdp.h"
#include "dataplane.h"
#include "trace.h"

#define IDLE_SLEEP_MS		100	/* longest sleep without a timer due */
#define ACTIVE_SLEEP_US		1000	/* frames wait for the driver's queue */
/* Sleeps end on hrtimers, this late at most, for the stack's timers. */
#define SLEEP_SLACK_NS		(50 * NSEC_PER_USEC)
/*
 * How long the control path waits for a core to run one request. A
 * healthy core answers within a loop step; one that does not is wedged,
 * and the caller gets -ETIMEDOUT instead of hanging with the lock held.
 */
#define CALL_TIMEOUT_MS		10000
/*
 * Serialises the control path (ctl.c takes it, with ixdp_ctl_lock()).
 * Defined here, at the bottom, because ixdp_core_call() relies on it.
 */
DEFINE_MUTEX(ixdp_core_lock);

/* CPUs with a running core, for the hotplug callback (ctl.c). */
static struct cpumask core_cpus;

bool ixdp_core_on_cpu(unsigned int cpu)
{
	return cpumask_test_cpu(cpu, &core_cpus);
}

u64 ixdp_core_now_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

/*
 * The loop's own clock, for its spins, grace periods and deadlines:
 * local_clock() reads no clocksource (ktime_get_ns() may read an HPET, an
 * exit to the hypervisor of microseconds in a guest without a stable
 * TSC), and it is monotonic on one CPU, the only one that runs a core's
 * loop: the kthread is bound there, run_may() checks an inline thread.
 */
u64 ixdp_core_clock_ns(void)
{
	return local_clock();
}

/* How often the loop reads the clocksource for the stack's time. */
#define CLOCK_SYNC_NS		NSEC_PER_MSEC

/*
 * The stack's time for a step of the runner (us, ixdp_core_now_us()'s
 * clock): the clocksource read at most every CLOCK_SYNC_NS, the loop's
 * clock's progress added in between, never going back. Both clocks tick
 * at the same rate; the error is their drift over a millisecond.
 */
static u64 dp_now_us(struct ixdp_core *dp)
{
	u64 t = ixdp_core_clock_ns(), now;

	if (t - dp->clk_sync >= CLOCK_SYNC_NS || !dp->clk_ktime) {
		dp->clk_sync = t;
		dp->clk_ktime = ktime_get_ns();
		now = dp->clk_ktime;
	} else {
		now = dp->clk_ktime + (t - dp->clk_sync);
	}
	now = div_u64(now, NSEC_PER_USEC);
	dp->now_us = max(now, dp->now_us);
	return dp->now_us;
}

void ixdp_core_kick(struct ixdp_core *dp)
{
	/* (F) pairs with (E) in dp_sleep() and run_sleep(). */
	smp_mb();
	if (READ_ONCE(dp->sleeping))
		wake_up_process(dp->task);
	/* The barrier above pairs with prepare_to_wait() in run_sleep(). */
	if (waitqueue_active(&dp->run_wq))
		wake_up(&dp->run_wq);
}

/*
 * A kick that cannot wait for an inline application to come back: a
 * control request, a context's IXDP_IOC_WAKE. A standing-by kthread runs
 * a step at once when nobody is inside RUN.
 */
void ixdp_core_kick_urgent(struct ixdp_core *dp)
{
	/* Before the kick's barrier: dp_standby() sees it, or we see it. */
	WRITE_ONCE(dp->cover, true);
	ixdp_core_kick(dp);
	if (READ_ONCE(dp->standby))
		wake_up_process(dp->task);
}

/* Connections that hold state in this core (kthread context only). */
static u32 dp_connections(const struct ixdp_core *dp)
{
	return dp->stack->cfg.nconn - dp->stack->ntcb_free;
}

static int get_connections(struct ixdp_core *dp, void *arg)
{
	return dp_connections(dp);
}

u32 ixdp_core_connections(struct ixdp_core *dp)
{
	return ixdp_core_call(dp, get_connections, NULL);
}

/*
 * Only CPUs present when the core was created have a ring (a CPU that
 * is not present never receives); rx.c drops frames of a later one.
 */
static bool dp_rings_empty(const struct ixdp_core *dp)
{
	unsigned int cpu;

	for_each_present_cpu(cpu)
		if (dp->in[cpu] && !ixdp_handoff_empty(dp->in[cpu]))
			return false;
	return true;
}

static void call_post(struct ixdp_core *dp, struct ixdp_core_call *call)
{
	lockdep_assert_held(&ixdp_core_lock);
	init_completion(&call->done);
	/* Release: the kthread sees a fully initialised request. */
	smp_store_release(&dp->call, call);
	ixdp_core_kick_urgent(dp);
}

/*
 * Run @fn(dp, arg) in the core's loop (the kthread, or a thread inside
 * IXDP_IOC_RUN) and return its result. The
 * control path is serialised by ixdp_core_lock, so one call at a time.
 *
 * For requests that may be given up (a user's request that changes
 * nothing until it runs): the wait is killable and bounded
 * (CALL_TIMEOUT_MS). A caller that gives up withdraws the request,
 * unless the kthread has already taken it: then @fn is running and the
 * caller waits for it to end, since the request and @arg live in its
 * frame. So -EINTR and -ETIMEDOUT mean that @fn did not run.
 */
int ixdp_core_call(struct ixdp_core *dp, int (*fn)(struct ixdp_core *, void *),
		   void *arg)
{
	struct ixdp_core_call call = { .fn = fn, .arg = arg };
	long left;

	call_post(dp, &call);
	left = wait_for_completion_killable_timeout(&call.done,
						    msecs_to_jiffies(CALL_TIMEOUT_MS));
	if (left > 0)
		return call.ret;
	/* Pairs with the kthread's cmpxchg in dp_run_call(): one wins. */
	if (cmpxchg(&dp->call, &call, NULL) == &call) {
		pr_warn_ratelimited("core on CPU %u: request %ps %s\n", dp->cpu,
				    fn, left ? "interrupted" : "timed out");
		return left ? (int)left : -ETIMEDOUT;
	}
	/* The kthread runs @fn now: it ends, and touches @call until then. */
	wait_for_completion(&call.done);
	return call.ret;
}

/*
 * ixdp_core_call() for a request that must run: a step of a flow-group
 * move that changed something already, the end of a context or of the
 * core. It cannot be given up, so it is not killable; a core that does
 * not answer within CALL_TIMEOUT_MS is reported, once per period, until
 * it does.
 */
int ixdp_core_call_sync(struct ixdp_core *dp,
			int (*fn)(struct ixdp_core *, void *), void *arg)
{
	struct ixdp_core_call call = { .fn = fn, .arg = arg };

	call_post(dp, &call);
	while (!wait_for_completion_timeout(&call.done,
					    msecs_to_jiffies(CALL_TIMEOUT_MS)))
		pr_warn("core on CPU %u has not run request %ps for %u ms\n",
			dp->cpu, fn, CALL_TIMEOUT_MS);
	return call.ret;
}

static void dp_run_call(struct ixdp_core *dp)
{
	/* Acquire pairs with the release in ixdp_core_call(). */
	struct ixdp_core_call *call = smp_load_acquire(&dp->call);

	/* Take it, unless its caller withdrew it meanwhile. */
	if (!call || cmpxchg(&dp->call, call, NULL) != call)
		return;
	call->ret = call->fn(dp, call->arg);
	complete(&call->done);
}

/* The stack freed the descriptor of a frame it was lent: the skb goes. */
static void dp_rx_release(void *skb)
{
	consume_skb(skb);
}

/*
 * Run the stack on one received frame. A linear frame is lent to it: the
 * mbuf points at the skb's bytes, and the skb lives until the stack frees
 * the mbuf (the application path, right after it copied the payload into
 * the RX arena; the responder, once the bytes are acknowledged). Each
 * pins its skb, so at most IXDP_CORE_NRXLENT are lent at a time; other
 * frames, and nonlinear ones, are copied into a core buffer.
 */
void ixdp_core_input(struct ixdp_core *dp, struct sk_buff *skb, u64 now)
{
	struct ix_stack *c = dp->stack;
	u32 len = skb->len + ETH_HLEN, fg = IXDP_SKB_CB(skb)->fg;
	struct ix_mbuf *m;
	bool lend;
	u8 *buf;

	/* The load of each group, for the policy (read by netlink). */
	if (fg < IX_FG_MAX)
		WRITE_ONCE(dp->fg_frames[fg], dp->fg_frames[fg] + 1);

	if (unlikely(len > c->rxpool.bufsz - IX_HEADROOM)) {
		ixdp_core_stats_inc(&dp->st, rx_too_big);
		goto out;
	}
	lend = !skb_is_nonlinear(skb) && skb_mac_header_was_set(skb) &&
	       skb_mac_header(skb) + ETH_HLEN == skb->data &&
	       c->rxpool.nlent < IXDP_CORE_NRXLENT;
	if (lend)
		m = ix_stack_rxbuf_lent(c, skb_mac_header(skb), len,
					dp_rx_release, skb);
	else
		m = ix_stack_rxbuf(c);
	if (unlikely(!m)) {
		ixdp_core_stats_inc(&dp->st, rx_nobuf);
		goto out;
	}
	if (!lend) {
		buf = ix_stack_data(c, m);
		memcpy(buf, skb_mac_header(skb), ETH_HLEN);
		if (skb_copy_bits(skb, 0, buf + ETH_HLEN, skb->len)) {
			ix_stack_free(c, m);
			ixdp_core_stats_inc(&dp->st, rx_too_big);
			goto out;
		}
		m->len = len;
	}
	/* rx.c hashed a TCP segment with the stack's key already. */
	if (IXDP_SKB_CB(skb)->has_hash) {
		m->hash = IXDP_SKB_CB(skb)->hash;
		m->flags |= IX_MBUF_HASH;
	}
	/* The NIC (or the host, for virtio) vouched for the checksums. */
	if (skb->ip_summed == CHECKSUM_UNNECESSARY ||
	    skb->ip_summed == CHECKSUM_PARTIAL)
		m->flags |= IX_MBUF_CSUM_OK;
	ixdp_core_stats_inc(&dp->st, rx_frames);
	ixdp_core_stats_add(&dp->st, rx_bytes, len);
	if (!lend)
		consume_skb(skb);
	/* A lent skb may be gone once this returns. */
	ix_stack_rx(c, m, now);
	return;
out:
	consume_skb(skb);
}

/*
 * Keep a frame of a flow group that is moving to this core until the
 * group's connections have arrived (fgmove.c); false if not such a frame.
 */
static bool dp_hold(struct ixdp_core *dp, struct sk_buff *skb)
{
	u32 fg = IXDP_SKB_CB(skb)->fg;

	if (fg == IXDP_FG_NONE || fg >= IX_FG_MAX || !test_bit(fg, dp->hold))
		return false;
	if (skb_queue_len(&dp->held) >= IXDP_HOLD_MAX) {
		ixdp_core_stats_inc(&dp->st, held_drops);
		kfree_skb(skb);
		return true;
	}
	ixdp_core_stats_inc(&dp->st, held);
	__skb_queue_tail(&dp->held, skb);
	return true;
}

static void dp_take(struct ixdp_core *dp, struct sk_buff *skb, bool local,
		    u64 now)
{
	if (local)
		ixdp_core_stats_inc(&dp->st, rx_local);
	else
		ixdp_core_stats_inc(&dp->st, rx_handoff);
	if (unlikely(dp->nhold) && dp_hold(dp, skb))
		return;
	ixdp_core_input(dp, skb, now);
}

/*
 * Run every frame that is in the rings now, and no later one: after the
 * receive map stopped sending a flow group here and readers drained, the
 * group's last frames are among these.
 */
unsigned int ixdp_core_drain_snapshot(struct ixdp_core *dp, u64 now)
{
	unsigned int n = 0, cpu;
	struct sk_buff *skb;
	u32 avail;

	for_each_present_cpu(cpu) {
		if (!dp->in[cpu])
			continue;
		/* Acquire pairs with the producer's release of prod. */
		avail = smp_load_acquire(&dp->in[cpu]->prod) -
			READ_ONCE(dp->in[cpu]->cons);
		while (avail-- && (skb = ixdp_handoff_pop(dp->in[cpu]))) {
			dp_take(dp, skb, cpu == dp->cpu, now);
			n++;
		}
		/* Up to IXDP_RING_SIZE frames per CPU: let others run. */
		cond_resched();
	}
	return n;
}

/* Take up to @budget frames from the rings, own CPU's ring first. */
static unsigned int dp_drain(struct ixdp_core *dp, unsigned int budget, u64 now)
{
	unsigned int n = 0, cpu, first = dp->cpu;
	struct sk_buff *skb;

	cpu = first;
	do {
		while (dp->in[cpu] && n < budget &&
		       (skb = ixdp_handoff_pop(dp->in[cpu]))) {
			dp_take(dp, skb, cpu == first, now);
			n++;
		}
		cpu = cpumask_next(cpu, cpu_present_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_present_mask);
	} while (cpu != first && n < budget);
	return n;
}

/*
 * The clients, only through their hooks (struct ixdp_core_client_ops).
 * The stack's event hook: the first client that takes @ev has it.
 */
static void dp_event(void *arg, const struct ix_event *ev)
{
	struct ixdp_core *dp = arg;
	unsigned int i;

	for (i = 0; i < dp->nclients; i++)
		if (dp->client[i]->event(dp, ev))
			return;
}

static u32 dp_rx_room(void *arg, u64 handle)
{
	struct ixdp_core *dp = arg;
	unsigned int i;
	u32 room;

	for (i = 0; i < dp->nclients; i++) {
		if (!dp->client[i]->rx_room)
			continue;
		room = dp->client[i]->rx_room(dp, handle);
		if (room != U32_MAX)
			return room;
	}
	return U32_MAX;
}

static bool dp_accept_full(void *arg, u16 lport)
{
	struct ixdp_core *dp = arg;
	unsigned int i;

	for (i = 0; i < dp->nclients; i++)
		if (dp->client[i]->accept_full &&
		    dp->client[i]->accept_full(dp, lport))
			return true;
	return false;
}

/* The last registered first: the fallback client acts before the others. */
static unsigned int clients_run(struct ixdp_core *dp, unsigned int budget)
{
	unsigned int i, n = 0;

	for (i = dp->nclients; i-- > 0;)
		if (dp->client[i]->run)
			n += dp->client[i]->run(dp, budget);
	return n;
}

static bool clients_pending(const struct ixdp_core *dp)
{
	unsigned int i;

	for (i = 0; i < dp->nclients; i++)
		if (dp->client[i]->pending && dp->client[i]->pending(dp))
			return true;
	return false;
}

static bool clients_backlog(const struct ixdp_core *dp)
{
	unsigned int i;

	for (i = 0; i < dp->nclients; i++)
		if (dp->client[i]->backlog && dp->client[i]->backlog(dp))
			return true;
	return false;
}

/* Bit i set: client i asked to be told when the core woke. */
static unsigned long clients_prepare_sleep(struct ixdp_core *dp)
{
	unsigned long want = 0;
	unsigned int i;

	for (i = 0; i < dp->nclients; i++)
		if (dp->client[i]->prepare_sleep && dp->client[i]->prepare_sleep(dp))
			want |= BIT(i);
	return want;
}

static void clients_woken(struct ixdp_core *dp, unsigned long want)
{
	unsigned int i;

	for (i = 0; i < dp->nclients; i++)
		if ((want & BIT(i)) && dp->client[i]->woken)
			dp->client[i]->woken(dp);
}

/*
 * Register a client of @dp (before ixdp_core_start()). The first one is
 * asked first for each event; the last one should take every event.
 */
void ixdp_core_client_add(struct ixdp_core *dp,
			  const struct ixdp_core_client_ops *ops)
{
	if (WARN_ON_ONCE(dp->task || dp->nclients >= IXDP_CORE_CLIENTS))
		return;
	dp->client[dp->nclients++] = ops;
}

/*
 * Work is waiting for the loop: a frame, a request, a context's commands
 * (lockless peeks, also from napi_busy_loop()).
 */
static bool dp_work(const struct ixdp_core *dp)
{
	return !dp_rings_empty(dp) || READ_ONCE(dp->call) ||
	       clients_pending(dp);
}

/*
 * A busy poll's budget ran out: its end is in the loop's clock, not in
 * napi_busy_loop()'s @start, whose clock may be ktime_get_ns() (6.1.y
 * since 6.1.94: a clocksource read per spin, microseconds each in a
 * guest whose clocksource is an HPET).
 */
static bool dp_poll_over(const struct ixdp_core *dp)
{
	return ixdp_core_clock_ns() >= dp->poll_end_ns;
}

/*
 * napi_busy_loop() returns to the loop as soon as a frame or a request
 * is there, or after poll_us of nothing, or when a thread waits to run
 * the loop inline.
 */
static bool dp_busy_loop_end(void *arg, unsigned long start)
{
	struct ixdp_core *dp = arg;

	return dp_work(dp) || kthread_should_stop() ||
	       atomic_read(&dp->inside) || dp_poll_over(dp);
}

/*
 * How long a sleep may last (ns; KTIME_MAX: until a kick): until the
 * core's next timer, at most IDLE_SLEEP_MS. @want: some client asked to
 * be told of the wakeup, and so needs its periodic check.
 */
static u64 dp_sleep_ns(struct ixdp_core *dp, bool want)
{
	u64 next, now_us;

	if (!skb_queue_empty(&dp->tx_backlog) || clients_backlog(dp))
		return ACTIVE_SLEEP_US * NSEC_PER_USEC;
	/*
	 * A parked core serves no flow group, so no connection and no
	 * frame: only a kick (a request, an application) wakes it. Its
	 * housekeeping timers (ARP aging) wait until it is unparked; only
	 * clients that asked for it (attached contexts: a thread that
	 * exited with its file open) still get their periodic check.
	 */
	if (READ_ONCE(dp->parked) && !want)
		return KTIME_MAX;
	if (READ_ONCE(dp->parked))
		return IDLE_SLEEP_MS * NSEC_PER_MSEC;
	next = ix_stack_next_timer(dp->stack);
	now_us = dp_now_us(dp);
	if (next >= now_us + IDLE_SLEEP_MS * USEC_PER_MSEC)
		return IDLE_SLEEP_MS * NSEC_PER_MSEC;
	if (next <= now_us)
		return 0;
	return (next - now_us) * NSEC_PER_USEC;
}

/* Sleep for @ns (KTIME_MAX: until a kick). */
static void dp_sleep_for(u64 ns)
{
	ktime_t t = ns;

	schedule_hrtimeout_range(&t, ns == KTIME_MAX ? 0 : SLEEP_SLACK_NS,
				 HRTIMER_MODE_REL);
}

/* Gauges for the counters (the runner, a few stores per step). */
static void dp_gauges(struct ixdp_core *dp)
{
	struct ixdp_core_stats *st = &dp->st;
	struct ix_stack *c = dp->stack;
	unsigned int i;

	u64_stats_update_begin(&st->syncp);
	for (i = 0; i < dp->nclients; i++)
		if (dp->client[i]->gauges)
			dp->client[i]->gauges(dp);
	u64_stats_set(&st->conns, dp_connections(dp));
	u64_stats_set(&st->tcbs, c->ntcb);
	u64_stats_set(&st->rxbuf_free, c->rxpool.nfree);
	u64_stats_set(&st->rxbuf_total, c->rxpool.count);
	u64_stats_set(&st->txbuf_free, c->txpool.nfree);
	u64_stats_set(&st->txbuf_total, c->txpool.count);
	u64_stats_set(&st->kthread_switches,
		      READ_ONCE(dp->task->nvcsw) + READ_ONCE(dp->task->nivcsw));
	u64_stats_update_end(&st->syncp);
}

/*
 * One step of the loop, by whoever holds @loop_lock: the pending request,
 * the frames in the rings (at most a batch), the timers, the clients
 * (commands, events), transmit. Returns the frames and commands taken.
 */
static unsigned int dp_step(struct ixdp_core *dp, const struct ixdp_config *cfg)
{
	unsigned int n, cmds;
	u64 now, events = 0;

	lockdep_assert_held(&dp->loop_lock);
	/* The runner writes the counter: its own read needs no retry. */
	if (trace_ixdp_loop_step_enabled())
		events = u64_stats_read(&dp->st.app_events);
	/* This step is the one an urgent kick asked for. */
	WRITE_ONCE(dp->cover, false);
	if (dp->woken_want) {
		clients_woken(dp, dp->woken_want);
		dp->woken_want = 0;
	}
	dp_run_call(dp);
	ixdp_tx_flush(dp);
	now = dp_now_us(dp);
	n = dp_drain(dp, cfg->batch, now);
	ix_stack_poll(dp->stack, now);
	cmds = clients_run(dp, cfg->batch);
	/* Frames the commands produced go out in this step. */
	ixdp_tx_flush(dp);
	if (trace_ixdp_loop_step_enabled())
		trace_ixdp_loop_step(dp, n, cmds,
				     u64_stats_read(&dp->st.app_events) - events,
				     current == dp->task);
	n += cmds;
	dp_gauges(dp);
	ixdp_core_stats_inc(&dp->st, loops);
	if (n) {
		ixdp_core_stats_inc(&dp->st, batches);
		ixdp_core_stats_add(&dp->st, batch_frames, n);
		ixdp_core_stats_max(&dp->st, batch_max, n);
	}
	return n;
}

/*
 * The kthread goes to sleep, @loop_lock held on entry and dropped: no
 * context's flags may change under another runner.
 */
static void dp_sleep(struct ixdp_core *dp)
{
	unsigned long want;
	u64 ns;

	set_current_state(TASK_INTERRUPTIBLE);
	WRITE_ONCE(dp->sleeping, true);
	want = clients_prepare_sleep(dp);
	dp->woken_want |= want;
	ns = dp_sleep_ns(dp, want);
	/* (E) pairs with (F) in ixdp_core_kick() and in the applications. */
	smp_mb();
	if (!dp_work(dp) && !kthread_should_stop() &&
	    !atomic_read(&dp->inside)) {
		ixdp_core_stats_inc(&dp->st, sleeps);
		mutex_unlock(&dp->loop_lock);
		dp_sleep_for(ns);
	} else {
		mutex_unlock(&dp->loop_lock);
	}
	__set_current_state(TASK_RUNNING);
	WRITE_ONCE(dp->sleeping, false);
}

/* ns the kthread leaves the loop to an inline application that is out. */
static u64 dp_grace_ns(const struct ixdp_config *cfg)
{
	return (u64)cfg->run_grace_us * NSEC_PER_USEC;
}

/*
 * An inline application runs the loop: a thread is inside RUN, or one
 * left it less than run_grace_us ago. Acquire: what the last one wrote
 * before it left is seen with @run_left_ns.
 */
static bool dp_inline(struct ixdp_core *dp, const struct ixdp_config *cfg,
		      u64 now)
{
	if (atomic_read_acquire(&dp->inside))
		return true;
	return READ_ONCE(dp->run_owner) &&
	       now - READ_ONCE(dp->run_left_ns) < dp_grace_ns(cfg);
}

/*
 * The runner is about to let go of the loop while nobody may run it for
 * a while (an inline thread leaving RUN, a cover step): ask the contexts
 * for a kick, and have the kthread run a step at once for what cannot
 * wait: a control request, other contexts' commands. Frames wait for the
 * inline thread's return, or its grace. Returns true if it must be woken.
 */
static bool dp_hand_back(struct ixdp_core *dp)
{
	dp->woken_want |= clients_prepare_sleep(dp);
	/* (E) pairs with (F) in ixdp_core_kick() and the applications. */
	smp_mb();
	if (!READ_ONCE(dp->call) && !clients_pending(dp))
		return false;
	WRITE_ONCE(dp->cover, true);
	return true;
}

/*
 * The kthread stands by while an application runs the loop inline. It
 * sleeps until the application's grace ends, and while a thread is inside
 * RUN until the grace timer (armed by every thread leaving RUN, to fire
 * once none has left for run_grace_us); it covers one step at once for an
 * urgent kick when nobody is inside RUN.
 */
static bool dp_urgent(struct ixdp_core *dp)
{
	return READ_ONCE(dp->cover) || READ_ONCE(dp->call);
}

static void dp_standby(struct ixdp_core *dp, const struct ixdp_config *cfg)
{
	u64 now = ixdp_core_clock_ns(), until = KTIME_MAX;
	bool inside;

	set_current_state(TASK_INTERRUPTIBLE);
	WRITE_ONCE(dp->standby, true);
	/*
	 * Pairs with the barrier of the kick, and orders the flag before
	 * @inside: a thread that leaves RUN after this read arms the grace
	 * timer, which sees the flag and wakes us.
	 */
	smp_mb();
	inside = atomic_read(&dp->inside);
	if (!inside)
		until = (READ_ONCE(dp->run_owner) ? READ_ONCE(dp->run_left_ns) :
			 now) + dp_grace_ns(cfg);
	/* A thread inside RUN was kicked and runs the urgent step itself. */
	if ((inside || !dp_urgent(dp)) && !kthread_should_stop() &&
	    until > now)
		dp_sleep_for(until == KTIME_MAX ? KTIME_MAX : until - now);
	__set_current_state(TASK_RUNNING);
	WRITE_ONCE(dp->standby, false);
	if (!dp_urgent(dp) || atomic_read(&dp->inside))
		return;
	/* Its holder is leaving RUN, or runs one step: a short wait. */
	mutex_lock(&dp->loop_lock);
	dp_step(dp, cfg);
	ixdp_core_stats_inc(&dp->st, takeback_loops);
	/* The application is still away: what comes next, at once too. */
	dp_hand_back(dp);
	mutex_unlock(&dp->loop_lock);
}

/* No thread left RUN for run_grace_us: a standing-by kthread looks. */
static void dp_grace_timer(struct timer_list *t)
{
	struct ixdp_core *dp = container_of(t, struct ixdp_core, grace_timer);

	if (READ_ONCE(dp->standby))
		wake_up_process(dp->task);
}

static int dp_thread(void *arg)
{
	struct ixdp_core *dp = arg;
	struct ixdp_config cfg;
	u64 now, t0, last_work;
	unsigned int n, napi_id;
	bool parked;

	last_work = ixdp_core_clock_ns();
	while (!kthread_should_stop()) {
		t0 = ixdp_core_clock_ns();
		ixdp_config_get(&cfg);
		if (dp_inline(dp, &cfg, t0) ||
		    !mutex_trylock(&dp->loop_lock)) {
			dp_standby(dp, &cfg);
			last_work = ixdp_core_clock_ns();
			continue;
		}
		if (dp->idle_pending) {
			ixdp_core_stats_add(&dp->st, idle_ns, dp->idle_pending);
			dp->idle_pending = 0;
		}
		if (dp->run_owner) {
			/*
			 * The application stayed away past its grace: the
			 * loop is the kthread's until the next RUN.
			 */
			WRITE_ONCE(dp->run_owner, NULL);
			ixdp_core_stats_inc(&dp->st, takebacks);
			ixdp_core_stats_inc(&dp->st, takeback_loops);
		}

		napi_id = READ_ONCE(dp->napi_id);
		dp->poll_end_ns = ixdp_core_clock_ns() +
				  (u64)cfg.poll_us * NSEC_PER_USEC;
		parked = READ_ONCE(dp->parked);
		if (napi_id && cfg.poll_us && !parked && dp_rings_empty(dp)) {
			ixdp_core_stats_inc(&dp->st, busy_polls);
			napi_busy_loop(napi_id, dp_busy_loop_end, dp, true,
				       cfg.batch);
		}

		n = dp_step(dp, &cfg);
		now = ixdp_core_clock_ns();
		if (n) {
			last_work = now;
			ixdp_core_stats_add(&dp->st, busy_ns, now - t0);
			mutex_unlock(&dp->loop_lock);
			cond_resched();
			continue;
		}
		ixdp_core_stats_add(&dp->st, idle_ns, now - t0);
		if (!parked &&
		    now - last_work < (u64)cfg.poll_us * NSEC_PER_USEC) {
			mutex_unlock(&dp->loop_lock);
			cond_resched();
			continue;
		}
		t0 = ixdp_core_clock_ns();
		dp_sleep(dp);
		/* The counters are the runner's: the next step adds it. */
		dp->idle_pending += ixdp_core_clock_ns() - t0;
		/* dp_sleep() may return at once: never hog the CPU. */
		cond_resched();
	}
	return 0;
}

/*
 * Inline mode. ixdp_core_run_get() and ixdp_core_run_put() bracket a RUN
 * so that ixdp_core_destroy() waits for it; the caller found @dp under
 * RCU, from a context that destroy unregisters before its grace period.
 */
bool ixdp_core_run_get(struct ixdp_core *dp)
{
	if (READ_ONCE(dp->dying))
		return false;
	atomic_inc(&dp->runs);
	return true;
}

/* @dp may be gone once the count is 0: wake_up_var() only hashes it. */
void ixdp_core_run_put(struct ixdp_core *dp)
{
	if (atomic_dec_and_test(&dp->runs))
		wake_up_var(&dp->runs);
}

/* The context @owner is gone: it cannot come back for its loop. */
void ixdp_core_run_forget(struct ixdp_core *dp, const void *owner)
{
	lockdep_assert_held(&dp->loop_lock);
	if (dp->run_owner == owner)
		WRITE_ONCE(dp->run_owner, NULL);
}

struct run_poll {
	struct ixdp_core *dp;
	struct ixdp_core_run *run;
};

static bool run_busy_loop_end(void *arg, unsigned long start)
{
	struct run_poll *rp = arg;
	struct ixdp_core *dp = rp->dp;

	return dp_work(dp) || rp->run->done(rp->run->arg) ||
	       signal_pending(current) || dp_poll_over(dp);
}

/*
 * An inline thread sleeps in the loop as the kthread would, without the
 * loop: another context's thread may come to run it meanwhile (each one
 * waits for its own events), and any kick wakes them all.
 */
static void run_sleep(struct ixdp_core *dp, struct ixdp_core_run *run)
{
	DEFINE_WAIT(wait);
	unsigned long want;
	u64 ns, now;

	prepare_to_wait(&dp->run_wq, &wait, TASK_INTERRUPTIBLE);
	want = clients_prepare_sleep(dp);
	dp->woken_want |= want;
	ns = dp_sleep_ns(dp, want);
	if (run->deadline_ns != KTIME_MAX) {
		now = ixdp_core_clock_ns();
		ns = min(ns, run->deadline_ns > now ? run->deadline_ns - now : 0);
	}
	/* (E) pairs with (F) in ixdp_core_kick() and in the applications. */
	smp_mb();
	if (dp_work(dp) || run->done(run->arg) || signal_pending(current)) {
		finish_wait(&dp->run_wq, &wait);
		return;
	}
	ixdp_core_stats_inc(&dp->st, run_sleeps);
	mutex_unlock(&dp->loop_lock);
	dp_sleep_for(ns);
	finish_wait(&dp->run_wq, &wait);
	/* Its holders only run steps: a short wait, signals or not. */
	mutex_lock(&dp->loop_lock);
}

/*
 * A thread is out of RUN. The watchdog: the kthread hears of it once no
 * thread has left RUN for run_grace_us (rounded up to the tick, plus
 * one); re-arming in the same tick costs a compare.
 */
static void run_out(struct ixdp_core *dp, const struct ixdp_config *cfg)
{
	atomic_dec(&dp->inside);
	mod_timer(&dp->grace_timer,
		  jiffies + usecs_to_jiffies(cfg->run_grace_us) + 1);
}

/*
 * Who may run the loop inline: a thread pinned on the core's CPU alone,
 * at normal priority. A real-time one would starve the kthread that
 * covers for it; an idle-class or niced one would hold the loop of every
 * context on the core while it gets almost no CPU.
 */
static int run_may(const struct ixdp_core *dp)
{
	if (current->policy != SCHED_NORMAL && current->policy != SCHED_BATCH)
		return -EPERM;
	if (task_nice(current) > 0)
		return -EPERM;
	if (current->nr_cpus_allowed != 1 ||
	    raw_smp_processor_id() != dp->cpu)
		return -EXDEV;
	return 0;
}

/*
 * IXDP_IOC_RUN: the calling thread, pinned on the core's CPU, runs the
 * loop until @run->done, a signal, or the deadline; busy-polls the NIC for
 * spin_us when idle, then sleeps until a kick or a timer. Returns 0,
 * -EINTR (a signal), -EXDEV (not pinned here), -EPERM (a real-time task,
 * which would starve the kthread that covers for it).
 */
int ixdp_core_run(struct ixdp_core *dp, struct ixdp_core_run *run)
{
	u64 csw = current->nvcsw + current->nivcsw, idle_since, now, t0, left;
	struct run_poll rp = { .dp = dp, .run = run };
	struct ixdp_config cfg;
	unsigned int n, napi_id;
	bool wake;
	int ret;

	ret = run_may(dp);
	if (ret)
		return ret;
	/* The kthread stands by from here on; a step of its ends first. */
	atomic_inc(&dp->inside);
	if (mutex_lock_interruptible(&dp->loop_lock)) {
		ixdp_config_get(&cfg);
		run_out(dp, &cfg);
		return -EINTR;
	}
	WRITE_ONCE(dp->run_owner, run->owner);
	ixdp_core_stats_inc(&dp->st, run_calls);
	idle_since = ixdp_core_clock_ns();
	/*
	 * The core's load as the policy reads it (busy_ns, idle_ns): the
	 * application's own work between two calls, within the grace, is
	 * the core's busy time too.
	 */
	ixdp_config_get(&cfg);
	left = READ_ONCE(dp->run_left_ns);
	/* Another runner inside (asleep) counted that gap already. */
	if (left && atomic_read(&dp->inside) == 1 && idle_since > left &&
	    idle_since - left < (u64)cfg.run_grace_us * NSEC_PER_USEC)
		ixdp_core_stats_add(&dp->st, busy_ns, idle_since - left);
	for (;;) {
		ixdp_config_get(&cfg);
		t0 = ixdp_core_clock_ns();
		n = dp_step(dp, &cfg);
		now = ixdp_core_clock_ns();
		if (n)
			ixdp_core_stats_add(&dp->st, busy_ns, now - t0);
		else
			ixdp_core_stats_add(&dp->st, idle_ns, now - t0);
		ixdp_core_stats_inc(&dp->st, run_loops);
		run->steps++;
		run->frames += n;
		if (run->done(run->arg))
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		/* Moved, or its priority lowered, meanwhile: no longer. */
		ret = run_may(dp);
		if (ret)
			break;
		/* The clock read after the step serves the deadline too. */
		if (now >= run->deadline_ns)
			break;
		if (n) {
			idle_since = now;
			/* Nobody waits on the loop for a preempted thread. */
			if (need_resched()) {
				mutex_unlock(&dp->loop_lock);
				cond_resched();
				mutex_lock(&dp->loop_lock);
			}
			/*
			 * More where these came from: another step. Else the
			 * NIC is polled first, as the kthread does: a step
			 * now would find nothing (the frames the commands'
			 * answers call for are not here yet).
			 */
			if (dp_work(dp))
				continue;
		}
		napi_id = READ_ONCE(dp->napi_id);
		if (napi_id && !READ_ONCE(dp->parked) &&
		    now - idle_since < (u64)run->spin_us * NSEC_PER_USEC) {
			dp->poll_end_ns = min(run->deadline_ns, idle_since +
					  (u64)run->spin_us * NSEC_PER_USEC);
			ixdp_core_stats_inc(&dp->st, busy_polls);
			napi_busy_loop(napi_id, run_busy_loop_end, &rp, true,
				       cfg.batch);
			ixdp_core_stats_add(&dp->st, idle_ns,
					    ixdp_core_clock_ns() - now);
			continue;
		}
		run_sleep(dp, run);
		idle_since = ixdp_core_clock_ns();
		ixdp_core_stats_add(&dp->st, idle_ns, idle_since - now);
	}
	WRITE_ONCE(dp->run_left_ns, ixdp_core_clock_ns());
	ixdp_core_stats_add(&dp->st, run_switches,
			    current->nvcsw + current->nivcsw - csw);
	/*
	 * Nobody runs the loop until this thread is back or its grace
	 * ends: what is waiting now, the kthread runs at once. A kthread
	 * asleep since before this call computed its timers without the
	 * ones this call armed: it wakes up to see them.
	 */
	run_out(dp, &cfg);
	wake = dp_hand_back(dp) || READ_ONCE(dp->sleeping);
	mutex_unlock(&dp->loop_lock);
	/* The caller's reference (ixdp_core_run_get()) keeps the task. */
	if (wake)
		wake_up_process(dp->task);
	return ret;
}

static void dp_free(struct ixdp_core *dp)
{
	struct sk_buff *skb;
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		if (!dp->in[cpu])
			continue;
		while ((skb = ixdp_handoff_pop(dp->in[cpu])))
			kfree_skb(skb);
		kvfree(dp->in[cpu]);
	}
	__skb_queue_purge(&dp->tx_backlog);
	__skb_queue_purge(&dp->held);
	for (i = dp->nclients; i-- > 0;)
		if (dp->client[i]->destroy)
			dp->client[i]->destroy(dp);
	if (dp->stack)
		ix_stack_destroy(dp->stack);
	kvfree(dp);
}

static int start_stack(struct ixdp_core *dp, void *arg)
{
	ix_stack_start(dp->stack, ixdp_core_now_us());
	return 0;
}

/* Start the stack's timers (once the core is in the receive map). */
int ixdp_core_start_stack(struct ixdp_core *dp)
{
	return ixdp_core_call_sync(dp, start_stack, NULL);
}

static int own_all(struct ixdp_core *dp, void *arg)
{
	u32 fg;

	for (fg = 0; fg < dp->port->nfg; fg++)
		ix_stack_set_fg(dp->stack, fg, true);
	return 0;
}

/* The port's first core owns every flow group. */
int ixdp_core_own_all(struct ixdp_core *dp)
{
	return ixdp_core_call_sync(dp, own_all, NULL);
}

/* One ring for each CPU that may hand this core frames. */
static int dp_alloc_rings(struct ixdp_core *dp)
{
	unsigned int cpu;

	for_each_present_cpu(cpu) {
		dp->in[cpu] = ixdp_handoff_alloc(IXDP_RING_SIZE, GFP_KERNEL);
		if (!dp->in[cpu])
			return -ENOMEM;
	}
	return 0;
}

static struct ix_stack *dp_create_stack(struct ixdp_core *dp)
{
	const struct ixdp_port *port = dp->port;
	const struct net_device *dev = port->dev;
	struct ix_stack_cfg cfg;
	struct ix_stack *stack;
	u32 fg;

	ix_stack_cfg_default(&cfg);
	memcpy(cfg.mac, dev->dev_addr, ETH_ALEN);
	cfg.ip = ntohl(port->addr);
	cfg.netmask = port->prefix ? ~0u << (32 - port->prefix) : 0;
	cfg.nfg = port->nfg;
	/*
	 * Received bytes stay in their buffers until the application
	 * returns them, so the pool must cover the windows of the
	 * connections it serves (IXDP_CORE_NRXBUF). ACKs need a buffer only
	 * while processed.
	 */
	cfg.nconn = ixdp_config_max_conns();
	cfg.nrxbuf = IXDP_CORE_NRXBUF;
	cfg.ntxbuf = IXDP_CORE_NTXBUF;
	cfg.rcv_buf = IXDP_RX_SLICE;
	cfg.tx_csum_offload = !!(dev->features & (NETIF_F_HW_CSUM |
						    NETIF_F_IP_CSUM));
	memcpy(cfg.rss_key, port->rss_key, IX_RSS_KEY_LEN);
	memcpy(cfg.secret, port->secret, sizeof(cfg.secret));
	ixdp_tx_hooks(&cfg);
	cfg.event = dp_event;
	cfg.rx_room = dp_rx_room;
	cfg.accept_full = dp_accept_full;
	cfg.arg = dp;
	cfg.id = dp->cpu;
	stack = ix_stack_create(&cfg, ixdp_core_now_us());
	if (!stack)
		return NULL;
	/* Until a group moves here, this core owns none. */
	for (fg = 0; fg < port->nfg; fg++)
		ix_stack_set_fg(stack, fg, false);
	return stack;
}

/*
 * A new core of @port on @cpu, not yet running: the caller registers its
 * clients, then ixdp_core_start() (or ixdp_core_free() to give up).
 * Checking @cpu and the queues against the port is the caller's job.
 */
struct ixdp_core *ixdp_core_create(struct ixdp_port *port, unsigned int cpu,
				   u16 rxq, u16 txq,
				   struct netlink_ext_ack *extack)
{
	struct ixdp_core *dp;

	dp = kvzalloc(struct_size(dp, in, nr_cpu_ids), GFP_KERNEL);
	if (!dp)
		return ERR_PTR(-ENOMEM);
	dp->port = port;
	dp->cpu = cpu;
	dp->rxq = rxq;
	dp->txq = txq;
	dp->slot = port->ndp;
	mutex_init(&dp->loop_lock);
	atomic_set(&dp->runs, 0);
	atomic_set(&dp->inside, 0);
	init_waitqueue_head(&dp->run_wq);
	timer_setup(&dp->grace_timer, dp_grace_timer, 0);
	ixdp_core_stats_init(dp);
	__skb_queue_head_init(&dp->tx_backlog);
	__skb_queue_head_init(&dp->held);
	if (dp_alloc_rings(dp)) {
		dp_free(dp);
		return ERR_PTR(-ENOMEM);
	}
	dp->stack = dp_create_stack(dp);
	if (!dp->stack) {
		NL_SET_ERR_MSG(extack, "cannot create the TCP/IP stack");
		dp_free(dp);
		return ERR_PTR(-ENOMEM);
	}
	return dp;
}

/* Free a core that ixdp_core_start() did not start (or that failed). */
void ixdp_core_free(struct ixdp_core *dp)
{
	WARN_ON_ONCE(dp->task);
	dp_free(dp);
}

/* Start the core's kthread on its CPU. */
int ixdp_core_start(struct ixdp_core *dp)
{
	struct task_struct *task;

	if (WARN_ON_ONCE(!dp->nclients))
		return -EINVAL;
	task = kthread_create_on_cpu(dp_thread, dp, dp->cpu, "ixdp/%u");
	if (IS_ERR(task))
		return PTR_ERR(task);
	dp->task = task;
	cpumask_set_cpu(dp->cpu, &core_cpus);
	wake_up_process(task);
	return 0;
}

static int abort_all(struct ixdp_core *dp, void *arg)
{
	unsigned int i;

	for (i = 0; i < dp->nclients; i++)
		if (dp->client[i]->abort_all)
			dp->client[i]->abort_all(dp);
	ixdp_tx_flush(dp);
	return 0;
}

/*
 * Stop a core that no receive handler can reach any more: its clients
 * end their users (contexts see IXDP_CQ_DEAD, peers get resets), its
 * frames and buffers are freed. IXDP_IOC_WAKE may still hold the core
 * under RCU, and threads inside IXDP_IOC_RUN until they see that.
 */
void ixdp_core_destroy(struct ixdp_core *dp)
{
	lockdep_assert_held(&ixdp_core_lock);
	ixdp_core_call_sync(dp, abort_all, NULL);
	/*
	 * No context leads here any more; after the grace period no RUN can
	 * start, and those inside see their context dead at the next step.
	 */
	WRITE_ONCE(dp->dying, true);
	synchronize_rcu();
	ixdp_core_kick(dp);
	wait_var_event(&dp->runs, !atomic_read(&dp->runs));
	/* No RUN arms it any more. */
	ixdp_compat_timer_delete_sync(&dp->grace_timer);
	kthread_stop(dp->task);
	cpumask_clear_cpu(dp->cpu, &core_cpus);
	dp->task = NULL;
	dp_free(dp);
}
