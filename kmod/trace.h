/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ixdp's tracepoints (Documentation/tracing.rst): the system "ixdp" in
 * tracefs, for trace-cmd, perf or BPF. Each costs a patched-out jump
 * while disabled; the arguments are pointers the enabled probe reads.
 *
 * kmod/trace.c alone defines CREATE_TRACE_POINTS; it includes the headers
 * the probes dereference. The stack (kmod/stack/) reaches ixdp_conn_state
 * only through its platform hook, ix_plat_tcp_state() (plat_kernel.h),
 * so that it stays portable C.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ixdp

#if !defined(_IXDP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IXDP_TRACE_H

#include <linux/if_ether.h>
#include <linux/skbuff.h>
#include <linux/tracepoint.h>

struct ixdp_core;
struct ixdp_app;
struct ixdp_attach;
struct ix_stack;
struct ix_tcb;

/*
 * A frame the receive handler hands to the core that owns its flow group
 * (rx.c), before it enters that core's ring: core (its CPU), the device,
 * the frame's length with its Ethernet header, the flow group (-1 for
 * ARP) and the receive queue the driver recorded (-1 if none). The CPU
 * that received it is the event's own.
 */
TRACE_EVENT(ixdp_rx_frame,

	TP_PROTO(const struct ixdp_core *dp, const struct sk_buff *skb),

	TP_ARGS(dp, skb),

	TP_STRUCT__entry(
		__field(u32, core)
		__field(int, ifindex)
		__field(u32, len)
		__field(s32, fg)
		__field(s32, queue)
	),

	TP_fast_assign(
		__entry->core = dp->cpu;
		__entry->ifindex = skb->dev ? skb->dev->ifindex : 0;
		__entry->len = skb->len + ETH_HLEN;
		__entry->fg = (s32)IXDP_SKB_CB(skb)->fg;
		__entry->queue = skb_rx_queue_recorded(skb) ?
				 skb_get_rx_queue(skb) : -1;
	),

	TP_printk("core=%u ifindex=%d len=%u fg=%d queue=%d",
		  __entry->core, __entry->ifindex, __entry->len, __entry->fg,
		  __entry->queue)
);

/*
 * One step of a core's loop that did something (core.c): the frames it
 * took from the rings, the commands of contexts it ran, the events it
 * wrote to their rings, and who ran it: the core's kthread, or an
 * application thread inside IXDP_IOC_RUN (inline). Idle steps (the
 * kthread polls) are not recorded.
 */
TRACE_EVENT_CONDITION(ixdp_loop_step,

	TP_PROTO(const struct ixdp_core *dp, unsigned int frames,
		 unsigned int cmds, u64 events, bool kthread),

	TP_ARGS(dp, frames, cmds, events, kthread),

	TP_CONDITION(frames || cmds || events),

	TP_STRUCT__entry(
		__field(u32, core)
		__field(u32, frames)
		__field(u32, cmds)
		__field(u32, events)
		__field(bool, kthread)
	),

	TP_fast_assign(
		__entry->core = dp->cpu;
		__entry->frames = frames;
		__entry->cmds = cmds;
		__entry->events = events;
		__entry->kthread = kthread;
	),

	TP_printk("core=%u frames=%u cmds=%u events=%u runner=%s",
		  __entry->core, __entry->frames, __entry->cmds,
		  __entry->events, __entry->kthread ? "kthread" : "inline")
);

/* enum ix_tcp_state (stack/tcp.h) */
TRACE_DEFINE_ENUM(IX_TCP_CLOSED);
TRACE_DEFINE_ENUM(IX_TCP_SYN_SENT);
TRACE_DEFINE_ENUM(IX_TCP_SYN_RCVD);
TRACE_DEFINE_ENUM(IX_TCP_ESTABLISHED);
TRACE_DEFINE_ENUM(IX_TCP_FIN_WAIT_1);
TRACE_DEFINE_ENUM(IX_TCP_FIN_WAIT_2);
TRACE_DEFINE_ENUM(IX_TCP_CLOSE_WAIT);
TRACE_DEFINE_ENUM(IX_TCP_CLOSING);
TRACE_DEFINE_ENUM(IX_TCP_LAST_ACK);
TRACE_DEFINE_ENUM(IX_TCP_TIME_WAIT);

#define show_ix_tcp_state(s)					\
	__print_symbolic(s,					\
			 { IX_TCP_CLOSED, "CLOSED" },		\
			 { IX_TCP_SYN_SENT, "SYN_SENT" },	\
			 { IX_TCP_SYN_RCVD, "SYN_RCVD" },	\
			 { IX_TCP_ESTABLISHED, "ESTABLISHED" },	\
			 { IX_TCP_FIN_WAIT_1, "FIN_WAIT_1" },	\
			 { IX_TCP_FIN_WAIT_2, "FIN_WAIT_2" },	\
			 { IX_TCP_CLOSE_WAIT, "CLOSE_WAIT" },	\
			 { IX_TCP_CLOSING, "CLOSING" },		\
			 { IX_TCP_LAST_ACK, "LAST_ACK" },	\
			 { IX_TCP_TIME_WAIT, "TIME_WAIT" })

/*
 * A TCP connection changes state (stack/tcp.h, ix_tcp_set_state()): the
 * core (the stack's cfg.id, its CPU), the connection's slot, generation
 * and flow group (its handle; the generation changes once the
 * application has let go of it), the local port, the peer and the states.
 * CLOSED at the end is the control block being freed. A connection that
 * a flow-group move carries to another core changes no state: it is
 * counted by ixdp_fg_move, not traced here.
 */
TRACE_EVENT(ixdp_conn_state,

	TP_PROTO(const struct ix_stack *c, const struct ix_tcb *t, u8 newstate),

	TP_ARGS(c, t, newstate),

	TP_STRUCT__entry(
		__field(u32, core)
		__field(u32, slot)
		__field(u16, gen)
		__field(u16, fg)
		__field(u16, lport)
		__field(u16, rport)
		__array(u8, raddr, 4)
		__field(u8, oldstate)
		__field(u8, newstate)
	),

	TP_fast_assign(
		__entry->core = c->cfg.id;
		__entry->slot = t->slot;
		__entry->gen = t->gen;
		__entry->fg = t->fg;
		__entry->lport = t->lport;
		__entry->rport = t->rport;
		/* Network order, as %pI4 prints it. */
		__entry->raddr[0] = t->rip >> 24;
		__entry->raddr[1] = t->rip >> 16;
		__entry->raddr[2] = t->rip >> 8;
		__entry->raddr[3] = t->rip;
		__entry->oldstate = t->state;
		__entry->newstate = newstate;
	),

	TP_printk("core=%u slot=%u gen=%u fg=%u lport=%u raddr=%pI4 rport=%u oldstate=%s newstate=%s",
		  __entry->core, __entry->slot, __entry->gen, __entry->fg,
		  __entry->lport, __entry->raddr, __entry->rport,
		  show_ix_tcp_state(__entry->oldstate),
		  show_ix_tcp_state(__entry->newstate))
);

/* enum ixdp_move_step (dataplane.h) */
TRACE_DEFINE_ENUM(IXDP_MOVE_HOLD);
TRACE_DEFINE_ENUM(IXDP_MOVE_SWITCH);
TRACE_DEFINE_ENUM(IXDP_MOVE_EXPORT);
TRACE_DEFINE_ENUM(IXDP_MOVE_IMPORT);
TRACE_DEFINE_ENUM(IXDP_MOVE_UNDO);

/*
 * One step of a flow-group move (fgmove.c, Documentation/migration.rst)
 * from core @src to core @dst: the groups and connections it concerned
 * (hold, switch: the groups asked for; export: those that left src and
 * their connections; import: those dst took; undo: those that went
 * back) and how long it took.
 */
TRACE_EVENT(ixdp_fg_move,

	TP_PROTO(const struct ixdp_core *src, const struct ixdp_core *dst,
		 int step, u32 groups, u32 conns, u64 ns),

	TP_ARGS(src, dst, step, groups, conns, ns),

	TP_STRUCT__entry(
		__field(u32, src)
		__field(u32, dst)
		__field(int, step)
		__field(u32, groups)
		__field(u32, conns)
		__field(u64, ns)
	),

	TP_fast_assign(
		__entry->src = src->cpu;
		__entry->dst = dst->cpu;
		__entry->step = step;
		__entry->groups = groups;
		__entry->conns = conns;
		__entry->ns = ns;
	),

	TP_printk("src=%u dst=%u step=%s groups=%u conns=%u ns=%llu",
		  __entry->src, __entry->dst,
		  __print_symbolic(__entry->step,
				   { IXDP_MOVE_HOLD, "hold" },
				   { IXDP_MOVE_SWITCH, "switch" },
				   { IXDP_MOVE_EXPORT, "export" },
				   { IXDP_MOVE_IMPORT, "import" },
				   { IXDP_MOVE_UNDO, "undo" }),
		  __entry->groups, __entry->conns, __entry->ns)
);

/*
 * IXDP_IOC_ATTACH returns, its arguments well-formed (app.c), in the
 * attaching thread: the core's
 * CPU it asked for, the context's slot in that core's table (-1 if it is
 * not registered) and generation, the connections it was granted and
 * the status returned.
 */
TRACE_EVENT(ixdp_app_attach,

	TP_PROTO(const struct ixdp_app *app, const struct ixdp_attach *a,
		 bool registered, int status),

	TP_ARGS(app, a, registered, status),

	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(pid_t, tgid)
		__field(u32, cpu)
		__field(int, slot)
		__field(u16, gen)
		__field(u32, max_conns)
		__field(int, status)
	),

	TP_fast_assign(
		__entry->pid = current->pid;
		__entry->tgid = current->tgid;
		__entry->cpu = a->cpu;
		__entry->slot = registered ? (int)app->slot : -1;
		__entry->gen = registered ? app->gen : 0;
		__entry->max_conns = a->max_conns;
		__entry->status = status;
	),

	TP_printk("pid=%d tgid=%d cpu=%u slot=%d gen=%u max_conns=%u status=%d",
		  __entry->pid, __entry->tgid, __entry->cpu, __entry->slot,
		  __entry->gen, __entry->max_conns, __entry->status)
);

/* enum ixdp_app_end (app.h) */
TRACE_DEFINE_ENUM(IXDP_APP_END_CLOSE);
TRACE_DEFINE_ENUM(IXDP_APP_END_EXIT);
TRACE_DEFINE_ENUM(IXDP_APP_END_CORE);
TRACE_DEFINE_ENUM(IXDP_APP_END_RING);

/*
 * A context ends (app_table.c), once, in its core's loop: the attaching
 * thread and process, the core's CPU, the context's slot and
 * generation, the connections it still held (they get resets) and why:
 * its file was closed, the attaching thread exited, the core went away,
 * or its command ring's tail was beyond the ring.
 */
TRACE_EVENT(ixdp_app_detach,

	TP_PROTO(const struct ixdp_core *dp, const struct ixdp_app *app,
		 int reason),

	TP_ARGS(dp, app, reason),

	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(pid_t, tgid)
		__field(u32, cpu)
		__field(u32, slot)
		__field(u16, gen)
		__field(u32, conns)
		__field(int, reason)
	),

	TP_fast_assign(
		__entry->pid = pid_nr(app->pid);
		__entry->tgid = app->tgid;
		__entry->cpu = dp->cpu;
		__entry->slot = app->slot;
		__entry->gen = app->gen;
		__entry->conns = app->nused;
		__entry->reason = reason;
	),

	TP_printk("pid=%d tgid=%d cpu=%u slot=%u gen=%u conns=%u reason=%s",
		  __entry->pid, __entry->tgid, __entry->cpu, __entry->slot,
		  __entry->gen, __entry->conns,
		  __print_symbolic(__entry->reason,
				   { IXDP_APP_END_CLOSE, "close" },
				   { IXDP_APP_END_EXIT, "exit" },
				   { IXDP_APP_END_CORE, "core_gone" },
				   { IXDP_APP_END_RING, "bad_ring" }))
);

#endif /* _IXDP_TRACE_H */

/* Out of the guard: define_trace.h reads this header again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
