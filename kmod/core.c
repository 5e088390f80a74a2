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
 */
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <net/busy_poll.h>

#include "ixdp.h"
#include "app.h"

#define MSG_LAST_CORE "connections exist and no other core can take them"
#define IDLE_SLEEP_MS		100	/* longest sleep without a timer due */
#define ACTIVE_SLEEP_MS		1	/* frames wait for the driver's queue */

u64 ixdp_core_now_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

void ixdp_core_kick(struct ixdp_core *dp)
{
	/* (F) pairs with (E) in dp_sleep(). */
	smp_mb();
	if (READ_ONCE(dp->sleeping))
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

static bool dp_rings_empty(const struct ixdp_core *dp)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (!ixdp_handoff_empty(dp->in[cpu]))
			return false;
	return true;
}

/*
 * Run @fn(dp, arg) in the core's kthread and return its result. The
 * control path is serialised by ixdp_core_lock, so one call at a time.
 */
int ixdp_core_call(struct ixdp_core *dp, int (*fn)(struct ixdp_core *, void *),
		   void *arg)
{
	struct ixdp_core_call call = { .fn = fn, .arg = arg };

	lockdep_assert_held(&ixdp_core_lock);
	init_completion(&call.done);
	/* Release: the kthread sees a fully initialised request. */
	smp_store_release(&dp->call, &call);
	ixdp_core_kick(dp);
	wait_for_completion(&call.done);
	return call.ret;
}

static void dp_run_call(struct ixdp_core *dp)
{
	/* Acquire pairs with the release in ixdp_core_call(). */
	struct ixdp_core_call *call = smp_load_acquire(&dp->call);

	if (!call)
		return;
	call->ret = call->fn(dp, call->arg);
	WRITE_ONCE(dp->call, NULL);
	complete(&call->done);
}

/* Copy one received frame into a core buffer and run the stack on it. */
void ixdp_core_input(struct ixdp_core *dp, struct sk_buff *skb, u64 now)
{
	struct ix_stack *c = dp->stack;
	u32 len = skb->len + ETH_HLEN, fg = IXDP_SKB_CB(skb)->fg;
	struct ix_mbuf *m;
	u8 *buf;

	/* The load of each group, for the policy (read by netlink). */
	if (fg < IX_FG_MAX)
		WRITE_ONCE(dp->fg_frames[fg], dp->fg_frames[fg] + 1);

	if (unlikely(len > c->rxpool.bufsz - IX_HEADROOM)) {
		ixdp_core_stats_inc(&dp->st, rx_too_big);
		goto out;
	}
	m = ix_stack_rxbuf(c);
	if (unlikely(!m)) {
		ixdp_core_stats_inc(&dp->st, rx_nobuf);
		goto out;
	}
	buf = ix_stack_data(c, m);
	memcpy(buf, skb_mac_header(skb), ETH_HLEN);
	if (skb_copy_bits(skb, 0, buf + ETH_HLEN, skb->len)) {
		ix_stack_free(c, m);
		ixdp_core_stats_inc(&dp->st, rx_too_big);
		goto out;
	}
	m->len = len;
	/* The NIC (or the host, for virtio) vouched for the checksums. */
	if (skb->ip_summed == CHECKSUM_UNNECESSARY ||
	    skb->ip_summed == CHECKSUM_PARTIAL)
		m->flags |= IX_MBUF_CSUM_OK;
	ixdp_core_stats_inc(&dp->st, rx_frames);
	ixdp_core_stats_add(&dp->st, rx_bytes, len);
	ix_stack_rx(c, m, now);
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

	for_each_possible_cpu(cpu) {
		/* Acquire pairs with the producer's release of prod. */
		avail = smp_load_acquire(&dp->in[cpu]->prod) -
			READ_ONCE(dp->in[cpu]->cons);
		while (avail-- && (skb = ixdp_handoff_pop(dp->in[cpu]))) {
			dp_take(dp, skb, cpu == dp->cpu, now);
			n++;
		}
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
		while (n < budget && (skb = ixdp_handoff_pop(dp->in[cpu]))) {
			dp_take(dp, skb, cpu == first, now);
			n++;
		}
		cpu = cpumask_next(cpu, cpu_possible_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_possible_mask);
	} while (cpu != first && n < budget);
	return n;
}

/*
 * napi_busy_loop() returns to the loop as soon as a frame or a request
 * is there, or after poll_us of nothing (start and now are in the
 * busy-poll clock, about microseconds).
 */
static bool dp_busy_loop_end(void *arg, unsigned long start)
{
	struct ixdp_core *dp = arg;

	return !dp_rings_empty(dp) || READ_ONCE(dp->call) ||
	       kthread_should_stop() || ixdp_core_apps_pending(dp) ||
	       busy_loop_current_time() - start >= dp->poll_budget;
}

/* Until the core's next timer, at most IDLE_SLEEP_MS. */
static long dp_sleep_jiffies(struct ixdp_core *dp)
{
	u64 next = ix_stack_next_timer(dp->stack), now = ixdp_core_now_us();
	long j = msecs_to_jiffies(IDLE_SLEEP_MS);

	if (!skb_queue_empty(&dp->tx_backlog) || ixdp_core_apps_backlog(dp))
		return msecs_to_jiffies(ACTIVE_SLEEP_MS);
	/*
	 * A parked core serves no flow group, so no connection and no
	 * frame: only a kick (a request, an application) wakes it. Its
	 * housekeeping timers (ARP aging) wait until it is unparked; only
	 * attached contexts still need their periodic check (a thread that
	 * exited with its file open).
	 */
	if (READ_ONCE(dp->parked))
		return dp->apps->napps ? j : MAX_SCHEDULE_TIMEOUT;
	if (next <= now)
		return 1;
	if (next - now < (u64)IDLE_SLEEP_MS * USEC_PER_MSEC)
		j = max_t(long, usecs_to_jiffies(next - now), 1);
	return j;
}

static void dp_sleep(struct ixdp_core *dp)
{
	long timeout = dp_sleep_jiffies(dp);
	bool apps;

	set_current_state(TASK_INTERRUPTIBLE);
	WRITE_ONCE(dp->sleeping, true);
	apps = ixdp_core_apps_prepare_sleep(dp);
	/* (E) pairs with (F) in ixdp_core_kick() and in the applications. */
	smp_mb();
	if (dp_rings_empty(dp) && !READ_ONCE(dp->call) &&
	    !kthread_should_stop() && !ixdp_core_apps_pending(dp) &&
	    (timeout != MAX_SCHEDULE_TIMEOUT || READ_ONCE(dp->parked))) {
		ixdp_core_stats_inc(&dp->st, sleeps);
		schedule_timeout(timeout);
	}
	__set_current_state(TASK_RUNNING);
	WRITE_ONCE(dp->sleeping, false);
	if (apps)
		ixdp_core_apps_woken(dp);
}

/* Gauges for the counters (kthread only, a few stores per step). */
static void dp_gauges(struct ixdp_core *dp)
{
	struct ixdp_core_stats *st = &dp->st;
	struct ix_stack *c = dp->stack;

	u64_stats_update_begin(&st->syncp);
	u64_stats_set(&st->apps, dp->apps->napps);
	u64_stats_set(&st->app_conns, ixdp_core_apps_conns(dp));
	u64_stats_set(&st->conns, dp_connections(dp));
	u64_stats_set(&st->rxbuf_free, c->rxpool.nfree);
	u64_stats_set(&st->rxbuf_total, c->rxpool.count);
	u64_stats_set(&st->txbuf_free, c->txpool.nfree);
	u64_stats_set(&st->txbuf_total, c->txpool.count);
	u64_stats_update_end(&st->syncp);
}

static int dp_thread(void *arg)
{
	struct ixdp_core *dp = arg;
	struct ixdp_config cfg;
	u64 now, t0, last_work;
	unsigned int n, napi_id;
	bool parked;

	last_work = ixdp_core_now_us();
	while (!kthread_should_stop()) {
		t0 = ktime_get_ns();
		ixdp_config_get(&cfg);
		dp_run_call(dp);

		napi_id = READ_ONCE(dp->napi_id);
		dp->poll_budget = cfg.poll_us;
		parked = READ_ONCE(dp->parked);
		if (napi_id && cfg.poll_us && !parked && dp_rings_empty(dp)) {
			ixdp_core_stats_inc(&dp->st, busy_polls);
			napi_busy_loop(napi_id, dp_busy_loop_end, dp, true,
				       cfg.batch);
		}

		ixdp_tx_flush(dp);
		now = ixdp_core_now_us();
		n = dp_drain(dp, cfg.batch, now);
		ix_stack_poll(dp->stack, now);
		ixdp_responder_run(dp->resp);
		n += ixdp_core_apps_run(dp, cfg.batch);
		/* Frames the commands produced go out in this step. */
		ixdp_tx_flush(dp);
		dp_gauges(dp);
		ixdp_core_stats_inc(&dp->st, loops);
		if (n) {
			ixdp_core_stats_inc(&dp->st, batches);
			ixdp_core_stats_add(&dp->st, batch_frames, n);
			ixdp_core_stats_max(&dp->st, batch_max, n);
			last_work = now;
			ixdp_core_stats_add(&dp->st, busy_ns,
					    ktime_get_ns() - t0);
			cond_resched();
			continue;
		}
		ixdp_core_stats_add(&dp->st, idle_ns, ktime_get_ns() - t0);
		if (!parked && now - last_work < cfg.poll_us) {
			cond_resched();
			continue;
		}
		t0 = ktime_get_ns();
		dp_sleep(dp);
		ixdp_core_stats_add(&dp->st, idle_ns, ktime_get_ns() - t0);
		/* dp_sleep() may return at once: never hog the CPU. */
		cond_resched();
	}
	return 0;
}

static void dp_free(struct ixdp_core *dp)
{
	struct sk_buff *skb;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		if (!dp->in[cpu])
			continue;
		while ((skb = ixdp_handoff_pop(dp->in[cpu])))
			kfree_skb(skb);
		kfree(dp->in[cpu]);
	}
	__skb_queue_purge(&dp->tx_backlog);
	__skb_queue_purge(&dp->held);
	if (dp->resp)
		ixdp_responder_destroy(dp->resp);
	ixdp_core_apps_destroy(dp->apps);
	if (dp->stack)
		ix_stack_destroy(dp->stack);
	kfree(dp);
}

static int dp_start_core(struct ixdp_core *dp, void *arg)
{
	ix_stack_start(dp->stack, ixdp_core_now_us());
	return ixdp_responder_apply(dp, NULL);
}

static int dp_own_all(struct ixdp_core *dp, void *arg)
{
	u32 fg;

	for (fg = 0; fg < dp->port->nfg; fg++)
		ix_stack_set_fg(dp->stack, fg, true);
	return 0;
}

int ixdp_core_add(struct ixdp_port *port, unsigned int cpu, u16 rxq, u16 txq,
		  struct netlink_ext_ack *extack)
{
	struct net_device *dev = port->dev;
	u8 owner[IX_FG_MAX];
	struct ix_stack_cfg cfg;
	struct ixdp_core *dp;
	unsigned int i;
	int err;

	ASSERT_RTNL();
	lockdep_assert_held(&ixdp_core_lock);
	if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		NL_SET_ERR_MSG(extack, "CPU is not online");
		return -EINVAL;
	}
	/*
	 * Cores may share a queue when the NIC has fewer queues than cores
	 * (e1000e has one): frames then reach their owner by handoff, and
	 * the driver's queue lock serialises the transmitters.
	 */
	if (rxq >= dev->real_num_rx_queues || txq >= dev->real_num_tx_queues) {
		NL_SET_ERR_MSG(extack, "the device has no such queue");
		return -EINVAL;
	}
	if (port->ndp >= IXDP_MAX_CORES) {
		NL_SET_ERR_MSG(extack, "too many dataplane cores");
		return -ENOSPC;
	}
	for (i = 0; i < port->ndp; i++) {
		if (port->dp[i]->cpu == cpu) {
			NL_SET_ERR_MSG(extack, "a dataplane core already runs on this CPU");
			return -EEXIST;
		}
	}

	dp = kzalloc(struct_size(dp, in, nr_cpu_ids), GFP_KERNEL);
	if (!dp)
		return -ENOMEM;
	dp->port = port;
	dp->cpu = cpu;
	dp->rxq = rxq;
	dp->txq = txq;
	dp->slot = port->ndp;
	ixdp_core_stats_init(dp);
	__skb_queue_head_init(&dp->tx_backlog);
	__skb_queue_head_init(&dp->held);
	err = -ENOMEM;
	for_each_possible_cpu(i) {
		dp->in[i] = ixdp_handoff_alloc(IXDP_RING_SIZE, GFP_KERNEL);
		if (!dp->in[i])
			goto err_free;
	}

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
	cfg.nrxbuf = IXDP_CORE_NRXBUF;
	cfg.ntxbuf = IXDP_CORE_NTXBUF;
	cfg.rcv_buf = IXDP_RX_SLICE;
	cfg.tx_csum_offload = !!(dev->features & (NETIF_F_HW_CSUM |
						    NETIF_F_IP_CSUM));
	memcpy(cfg.rss_key, port->rss_key, IX_RSS_KEY_LEN);
	memcpy(cfg.secret, port->secret, sizeof(cfg.secret));
	cfg.tx = ixdp_tx_frame;
	cfg.event = ixdp_core_event;
	dp->resp = ixdp_responder_create(dp);
	dp->apps = ixdp_core_apps_create(cfg.nconn);
	if (!dp->resp || !dp->apps)
		goto err_free;
	cfg.arg = dp;
	dp->stack = ix_stack_create(&cfg, ixdp_core_now_us());
	if (!dp->stack) {
		NL_SET_ERR_MSG(extack, "cannot create the TCP/IP stack");
		goto err_free;
	}
	/* Until a group moves here, this core owns none. */
	for (i = 0; i < port->nfg; i++)
		ix_stack_set_fg(dp->stack, i, false);

	dp->task = kthread_create_on_cpu(dp_thread, dp, cpu, "ixdp/%u");
	if (IS_ERR(dp->task)) {
		err = PTR_ERR(dp->task);
		dp->task = NULL;
		goto err_free;
	}
	wake_up_process(dp->task);

	/*
	 * The first core takes every group; a later one starts with none
	 * (the caller spreads them, ixdp_fgmove_balance()).
	 */
	ixdp_port_owners(port, owner);
	port->dp[port->ndp++] = dp;
	if (port->ndp == 1) {
		memset(owner, 0, sizeof(owner));
		ixdp_core_call(dp, dp_own_all, NULL);
	}
	err = ixdp_port_publish(port, owner);
	if (err)
		goto err_stop;
	ixdp_core_call(dp, dp_start_core, NULL);
	return 0;

err_stop:
	port->dp[--port->ndp] = NULL;
	kthread_stop(dp->task);
err_free:
	dp_free(dp);
	return err;
}

static int dp_abort_all(struct ixdp_core *dp, void *arg)
{
	ixdp_app_unregister_all(dp);
	ixdp_responder_abort_all(dp->resp);
	ixdp_tx_flush(dp);
	return 0;
}

/*
 * Stop a core that no receive handler can reach any more: its contexts
 * are ended (they see IXDP_CQ_DEAD), its peers get resets, its frames and
 * buffers are freed. IXDP_IOC_WAKE may still hold the core under RCU.
 */
void ixdp_core_destroy(struct ixdp_core *dp)
{
	lockdep_assert_held(&ixdp_core_lock);
	ixdp_core_call(dp, dp_abort_all, NULL);
	synchronize_rcu();
	kthread_stop(dp->task);
	dp_free(dp);
}

/*
 * Stop the core on @cpu. Its flow groups move to the other active cores
 * first, so its connections live on; only the last core may take
 * connections with it, and it refuses while any exist.
 */
int ixdp_core_del(struct ixdp_port *port, unsigned int cpu,
		  struct netlink_ext_ack *extack)
{
	struct ixdp_move_stats st = {};
	struct ixdp_core *dp = NULL;
	unsigned int i, slot = 0;
	u8 owner[IX_FG_MAX];
	int err;
	u32 fg;

	ASSERT_RTNL();
	lockdep_assert_held(&ixdp_core_lock);
	for (i = 0; i < port->ndp; i++) {
		if (port->dp[i]->cpu == cpu) {
			dp = port->dp[i];
			slot = i;
		}
	}
	if (!dp) {
		NL_SET_ERR_MSG(extack, "no dataplane core on this CPU");
		return -ENOENT;
	}
	if (port->ndp == 1 && ixdp_core_connections(dp)) {
		NL_SET_ERR_MSG(extack, MSG_LAST_CORE);
		return -EBUSY;
	}
	/*
	 * What counts is that its own groups moved: a refusal among the
	 * other cores' moves (an application's group) does not stop it.
	 */
	if (port->ndp > 1)
		err = ixdp_fgmove_balance(port, dp, &st, extack);
	ixdp_port_owners(port, owner);
	for (fg = 0; fg < port->nfg && port->ndp > 1; fg++) {
		if (owner[fg] == slot) {
			if (!err)
				NL_SET_ERR_MSG(extack, "some of its flow groups could not move");
			return err ?: -EBUSY;
		}
		if (owner[fg] > slot)
			owner[fg]--;
	}
	for (i = slot; i + 1 < port->ndp; i++) {
		port->dp[i] = port->dp[i + 1];
		port->dp[i]->slot = i;
	}
	port->dp[--port->ndp] = NULL;
	err = ixdp_port_publish(port, owner);
	if (err) {
		/* The old map still names it: put it back where it was. */
		for (i = port->ndp++; i > slot; i--) {
			port->dp[i] = port->dp[i - 1];
			port->dp[i]->slot = i;
		}
		port->dp[slot] = dp;
		return err;
	}
	/* The old map may still be in use by a receive handler. */
	synchronize_net();
	ixdp_core_destroy(dp);
	return 0;
}
