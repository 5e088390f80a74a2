/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ixdp: a protected, run-to-completion TCP/IP dataplane for Linux.
 *
 * This header is the specification of every interface ixdp.ko offers to
 * user space: the /dev/ixdp character device and the "ixdp" generic
 * netlink family. It only ever grows:
 *
 *  - every structure uses fixed-width types and explicit padding, and its
 *    size is pinned by BUILD_BUG_ON in the module;
 *  - reserved fields and unknown flags must be zero on input; the module
 *    answers -EINVAL otherwise, so they can be given a meaning later;
 *  - capabilities are announced by IXDP_FEAT_* bits, never inferred from
 *    a version number;
 *  - netlink commands and attributes are appended, never renumbered.
 *
 * Documentation/abi.rst describes the same interfaces in prose.
 */
#ifndef _UAPI_LINUX_IXDP_H
#define _UAPI_LINUX_IXDP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Versions: one story, three numbers.
 *
 *  - IXDP_ABI_VERSION is the revision of the whole interface: the
 *    structures and rings of /dev/ixdp and the commands and attributes
 *    of the netlink family. A program built for another revision must
 *    not run (libixdp refuses with -EPROTO). It is 1 at the first tag
 *    (v0.1) and stays 1, because from then on the ABI only grows.
 *  - Growth is announced by IXDP_FEAT_* bits (IXDP_IOC_VERSION and
 *    IXDP_CMD_GET_VERSION report the same u64). The baseline, all that
 *    this header describes at v0.1, has no bit: a program needs no test
 *    to use it. A bit is defined for each later addition that a program
 *    could find missing on an older module, and only then.
 *  - IXDP_GENL_VERSION is the version field of the generic netlink
 *    header. It is 1 and stays 1; the module does not read it. Netlink
 *    additions are new commands and attributes, announced by feature
 *    bits, never by this field.
 */
#define IXDP_ABI_VERSION	1

/*
 * Feature bits, reported in ixdp_version_info.features and in
 * IXDP_VERSION_A_FEATURES. The v0.1 baseline is "no bits"
 * (IXDP_FEAT_NONE). A program tests a bit before it uses what the bit
 * announces; bits it does not know, it ignores.
 */
#define IXDP_FEAT_NONE		0ULL
/* IXDP_IOC_RUN: a pinned thread runs its core's loop (inline mode). */
#define IXDP_FEAT_RUN		(1ULL << 0)
/*
 * IXDP_ATTACH_RECV_ACKED: a RECV event carries the acknowledged bytes a
 * SENT event would report (struct ixdp_event, enum ixdp_ev).
 */
#define IXDP_FEAT_RECV_ACKED	(1ULL << 1)
/* SEND and SENDV return received bytes too (arg[1], enum ixdp_op). */
#define IXDP_FEAT_SEND_DONE	(1ULL << 2)
/*
 * The RX arena is a pool of chunks shared by the context's connections
 * (struct ixdp_attach: max_conns in, rx_chunk): connections cost no
 * arena while they hold no unreturned byte.
 */
#define IXDP_FEAT_RX_CHUNKS	(1ULL << 3)
/*
 * IXDP_OP_HANDOFF: a context gives a knocked connection to another
 * context of the same process on the same core (struct ixdp_attach's
 * ctx_id names it).
 */
#define IXDP_FEAT_HANDOFF	(1ULL << 4)
/*
 * IXDP_ATTACH_MOVABLE: the flow groups of a context's connections may
 * move to another core, where a context of the same process adopts them
 * (IXDP_EV_MOVED, IXDP_EV_ADOPT).
 */
#define IXDP_FEAT_MOVE		(1ULL << 5)

/* ------------------------------------------------------------------ */
/* /dev/ixdp character device                                         */
/* ------------------------------------------------------------------ */

#define IXDP_DEV_NAME		"ixdp"
#define IXDP_IOC_MAGIC		0xB9

#define IXDP_VERSION_STRLEN	32

/**
 * struct ixdp_version_info - answer of IXDP_IOC_VERSION
 * @abi_version:	out: IXDP_ABI_VERSION of the running module
 * @flags:		in: must be zero
 * @features:		out: IXDP_FEAT_* bits
 * @module_version:	out: NUL-terminated build version (git describe)
 * @resv:		in: must be zero; out: zero
 *
 * The caller zeroes the structure and passes it in; the module fills the
 * "out" fields. A non-zero @flags or @resv gets -EINVAL, an unreadable or
 * unwritable pointer -EFAULT.
 */
struct ixdp_version_info {
	__u32 abi_version;
	__u32 flags;
	__u64 features;
	char module_version[IXDP_VERSION_STRLEN];
	__u64 resv[4];
};

#define IXDP_IOC_VERSION	_IOWR(IXDP_IOC_MAGIC, 0x00, struct ixdp_version_info)

/*
 * Shared memory of an attached context. Each open file of /dev/ixdp is one
 * application context: IXDP_IOC_ATTACH binds it to a dataplane core and
 * creates its regions, which the application maps with mmap() at these
 * fixed offsets (the whole region, from its start):
 *
 *  region            access  written by  holds
 *  IXDP_OFF_SQ       RW      app         command tail, event head,
 *                                        command entries
 *  IXDP_OFF_CQ       RO      kernel      command head, event tail, flags,
 *                                        counters, event entries
 *  IXDP_OFF_RX_ARENA RO      kernel      received payload
 *  IXDP_OFF_TX_ARENA RW      app         payload sent by reference
 *
 * Read-only regions are mapped without write permission and can never
 * gain it: mmap(PROT_WRITE) and mprotect() get EACCES, and neither
 * ptrace nor /proc/PID/mem can write them. RW regions must be MAP_SHARED.
 * No region is inherited across fork(). Where each field lives inside
 * SQ and CQ is returned by IXDP_IOC_ATTACH (struct ixdp_ring_offsets),
 * so the layout can change without breaking binaries.
 */
#define IXDP_OFF_SQ		0x00000000ULL
#define IXDP_OFF_CQ		0x10000000ULL
#define IXDP_OFF_RX_ARENA	0x20000000ULL
#define IXDP_OFF_TX_ARENA	0x30000000ULL

/* Byte offsets of the ring fields inside the SQ and CQ regions. */
struct ixdp_ring_offsets {
	__u32 cmd_tail;		/* SQ: u32, app's producer index */
	__u32 ev_head;		/* SQ: u32, app's consumer index */
	__u32 cmds;		/* SQ: struct ixdp_cmd[cmd_entries] */
	__u32 cmd_head;		/* CQ: u32, kernel's consumer index */
	__u32 ev_tail;		/* CQ: u32, kernel's producer index */
	__u32 flags;		/* CQ: u32, IXDP_CQ_* */
	__u32 dropped;		/* CQ: u64, invalid commands refused */
	__u32 events;		/* CQ: struct ixdp_event[ev_entries] */
	__u32 resv[8];
};

/* Kernel flags in the CQ region. */
#define IXDP_CQ_NEED_WAKEUP	(1U << 0)	/* the core sleeps: kick it with
						 * IXDP_IOC_WAKE after
						 * publishing commands
						 */
#define IXDP_CQ_DEAD		(1U << 1)	/* the context is torn down
						 * (its core was removed or
						 * the attaching thread
						 * exited): no command is
						 * read any more
						 */

#define IXDP_CMD_ENTRIES_MAX	4096
#define IXDP_EV_ENTRIES_MAX	16384
#define IXDP_ARENA_MAX		(64U << 20)
/* The sizes IXDP_IOC_ATTACH grants for a zero request. */
#define IXDP_CMD_ENTRIES_DEFAULT 256
#define IXDP_EV_ENTRIES_DEFAULT	1024
#define IXDP_ARENA_DEFAULT	(4U << 20)	/* 4 MiB */
#define IXDP_CONNS_DEFAULT	4096
#define IXDP_CONNS_MAX		(1U << 20)
#define IXDP_RX_CHUNK_DEFAULT	4096
#define IXDP_RX_CHUNK_MIN	1024
#define IXDP_RX_CHUNK_MAX	(64U << 10)

/**
 * struct ixdp_attach - argument of IXDP_IOC_ATTACH
 * @flags:	in: IXDP_ATTACH_* (IXDP_ATTACH_RECV_ACKED needs
 *		IXDP_FEAT_RECV_ACKED); other bits must be zero
 * @cpu:	in: the CPU of the dataplane core to attach to
 * @cmd_entries: in: command ring size, a power of two up to
 *		IXDP_CMD_ENTRIES_MAX (0: IXDP_CMD_ENTRIES_DEFAULT); out: the
 *		size granted
 * @ev_entries:	in: event ring size, a power of two up to
 *		IXDP_EV_ENTRIES_MAX (0: IXDP_EV_ENTRIES_DEFAULT); out: the
 *		size granted
 * @rx_arena:	in: RX arena bytes, up to IXDP_ARENA_MAX (0:
 *		IXDP_ARENA_DEFAULT); out: granted, a multiple of @rx_chunk
 * @tx_arena:	in/out: TX arena bytes, up to IXDP_ARENA_MAX (0:
 *		IXDP_ARENA_DEFAULT), granted as a multiple of the page size
 * @sq_size:	out: bytes to map at IXDP_OFF_SQ
 * @cq_size:	out: bytes to map at IXDP_OFF_CQ
 * @off:	out: where the ring fields are
 * @max_conns:	in: connections the context may hold at once, up to
 *		IXDP_CONNS_MAX (0: IXDP_CONNS_DEFAULT); out: granted
 * @rx_chunk:	in: a power of two from IXDP_RX_CHUNK_MIN to
 *		IXDP_RX_CHUNK_MAX (0: IXDP_RX_CHUNK_DEFAULT); out: granted.
 *		The RX arena is cut into chunks of this size. Received
 *		payload is written into chunks taken as it arrives; a chunk
 *		holds the bytes of one connection at a time, and a RECV
 *		event's bytes never cross a chunk boundary. A chunk goes
 *		back to the pool once all its bytes are returned
 *		(RECV_DONE) or, after the connection's DEAD event, once
 *		ev_head has moved past that event.
 * @ctx_id:	out (in: zero): the context's name on its core, for
 *		IXDP_OP_HANDOFF of the process's other contexts there
 *		(IXDP_FEAT_HANDOFF). Another context of the core never has
 *		the same one while this one lives.
 * @resv0:	in: must be zero
 * @resv:	in: must be zero
 *
 * Receive window. A connection's advertised window is at most 64 KiB,
 * and at most what the arena has free (the chunks are shared, first come
 * first served): a full arena closes the windows, and a segment the arena
 * cannot take is dropped unacknowledged and sent again by the peer.
 *
 * Limits. A context holds at most half of its core's connection slots
 * (module parameter max_conns): a larger @max_conns is granted only up
 * to that. Its memory
 * (rings, arenas, per-connection state) is charged to the caller's memory
 * cgroup and, unless the caller has CAP_IPC_LOCK, to its user's
 * RLIMIT_MEMLOCK, which io_uring, AF_XDP and perf share: a non-root
 * application with the default sizes (about 8.1 MiB) needs a limit above
 * the usual 8 MiB (LimitMEMLOCK= in systemd, ulimit -l). A user holds at
 * most ixdp.max_contexts contexts (module parameter, default 64) unless
 * the caller has CAP_SYS_RESOURCE.
 *
 * Errors: EINVAL (bad size, flags, reserved or output field), ENOENT (no
 * core on that CPU), EBUSY (this file is already attached), ENOSPC (the
 * core has its 32 contexts already), ENOBUFS (RLIMIT_MEMLOCK would be
 * exceeded), EDQUOT (the user has ixdp.max_contexts contexts, or 16 on
 * that core), ENOMEM
 * (no memory, or the memory cgroup's limit), EFAULT. Each is returned
 * before the memory is allocated, ENOMEM aside.
 */
struct ixdp_attach {
	__u32 flags;
	__u32 cpu;
	__u32 cmd_entries;
	__u32 ev_entries;
	__u32 rx_arena;
	__u32 tx_arena;
	__u32 sq_size;
	__u32 cq_size;
	struct ixdp_ring_offsets off;
	__u32 max_conns;
	__u32 rx_chunk;
	__u32 ctx_id;
	__u32 resv0;
	__u64 resv[2];
};

#define IXDP_IOC_ATTACH		_IOWR(IXDP_IOC_MAGIC, 0x01, struct ixdp_attach)

/*
 * Attach flags. IXDP_ATTACH_RECV_ACKED: bytes the peer acknowledged ride
 * in arg[2] of the connection's next RECV event when there is one and its
 * send room is not 0; a SENT event reports them otherwise. One event per
 * request and answer instead of two.
 */
#define IXDP_ATTACH_RECV_ACKED	(1U << 0)
/*
 * IXDP_ATTACH_MOVABLE (IXDP_FEAT_MOVE): the context's connections follow
 * their flow group when it moves to another core of the port (ixctl move,
 * ixdpd's policy). There a context of the same process that was attached
 * with this flag adopts each of them: the one listening on the
 * connection's local port if there is one, else the one attached first.
 * A group holding connections of a context without this flag, or of a
 * process with no such context on the target core, stays where it is
 * (EBUSY for the move). The connection is not interrupted:
 *  - the old context gets IXDP_EV_MOVED after every event the connection
 *    owed it (its RECV up to the bytes in its arena, SENT); the handle is
 *    dead from the move on (commands get -EBADF), the connection's bytes
 *    stay readable in the RX arena until ev_head moves past the event,
 *    and every byte the core took from the TX arena was copied: the TX
 *    arena is the application's again;
 *  - the new context gets IXDP_EV_ADOPT with the same token and a new
 *    handle, and answers with ACCEPT (its cookie) or REJECT (a reset), as
 *    for a knock (other commands on it get -EINVAL until then, and no
 *    event of it but DEAD comes); its new bytes wait meanwhile.
 *    After ACCEPT it delivers the bytes that follow those of the old
 *    context, and takes sends that continue the bytes the core took;
 *    SENT counts only bytes sent after the move (a SENT of 0 bytes
 *    announces room that acknowledgements of earlier ones made).
 * Stream positions (arg[1] of both events) count bytes mod 2^32 from the
 * connection's first byte: the low word received bytes the old context
 * was given (RECV), the high word bytes the core took from sends.
 */
#define IXDP_ATTACH_MOVABLE	(1U << 1)
#define IXDP_ATTACH_FLAGS	(IXDP_ATTACH_RECV_ACKED | IXDP_ATTACH_MOVABLE)

/*
 * IXDP_IOC_WAKE: no argument (0). Wakes the dataplane core of an attached
 * context so that it reads the commands published so far. Needed only when
 * IXDP_CQ_NEED_WAKEUP is set: publish cmd_tail, issue a full barrier, read
 * the flags, and kick if the bit is set (the core sets it, issues a full
 * barrier and re-reads cmd_tail before it sleeps, so no wakeup is lost).
 * A core that holds events back for a full event ring re-checks the ring
 * every timer tick while it has nothing else to do; an application that
 * made room and wants them at once kicks too.
 * Errors: EINVAL (not attached, or a non-zero argument), ENXIO (the
 * context is dead, see IXDP_CQ_DEAD).
 *
 * poll()/epoll on the file: EPOLLIN | EPOLLRDNORM while the event ring
 * holds events the application has not consumed (ev_tail != ev_head),
 * EPOLLERR once the context is dead. The core wakes pollers after it
 * publishes events; the application needs no other way to sleep.
 */
#define IXDP_IOC_WAKE		_IO(IXDP_IOC_MAGIC, 0x02)

/**
 * struct ixdp_run - argument of IXDP_IOC_RUN (IXDP_FEAT_RUN)
 * @flags:		in: none defined yet, must be 0
 * @min_events:		in: return once this many events are unread in the
 *			context's event ring (at most ev_entries count); 0:
 *			run one loop step and return
 * @timeout_us:		in: longest wait for them, in microseconds;
 *			IXDP_RUN_FOREVER: no limit
 * @spin_us:		in: busy-poll the NIC queue this long before sleeping
 *			(at most 10000); IXDP_RUN_SPIN_DEFAULT: the module's
 *			poll_us
 * @events:		out: events unread when the call returns
 * @steps:		out: loop steps this call ran
 * @frames:		out: frames and commands those steps took
 * @resv0:		must be 0
 * @resv:		must be 0
 *
 * Inline mode, IX's run loop: the calling thread runs its core's loop
 * itself (IX's sys_bpoll). Each step takes the commands of every context
 * on the core, runs pending control requests, polls the NIC queue, runs
 * TCP/IP and the timers on at most a batch of frames, writes the events
 * and transmits. With nothing to do the call busy-polls for @spin_us and
 * then sleeps until a frame, a command, a request or the next timer. The
 * core's kthread stands by while a thread is inside the call, and for
 * run_grace_us (a module tunable, netlink IXDP_CONFIG_A_RUN_GRACE_US)
 * after it returned: an application that stops calling (stuck, stopped,
 * in its own code) gets its loop taken back by the kthread within twice
 * that, until its next call. Other contexts on the core keep working:
 * their commands are run by whichever thread runs the loop, and
 * IXDP_IOC_WAKE makes the kthread run a step at once when nobody is
 * inside the call.
 *
 * The caller must be attached, pinned to the core's CPU alone
 * (sched_setaffinity), and run at normal priority: SCHED_OTHER or
 * SCHED_BATCH, nice 0 or below. Returns the number of events unread
 * (fewer than min_events, maybe 0, on timeout), or:
 * Errors: EINVAL (not attached, unknown flags, reserved fields), EFAULT,
 * EXDEV (the thread is not pinned to the core's CPU, or was moved during
 * the call), EPERM (real-time, SCHED_IDLE or niced: it would starve the
 * kthread, or hold every context's loop with little CPU), EBUSY (another
 * thread of the context is inside the call), ENXIO (the context is
 * dead), EINTR (a signal came before any event; a sleeping call is
 * interrupted at once).
 */
struct ixdp_run {
	__u32 flags;
	__u32 min_events;
	__u32 timeout_us;
	__u32 spin_us;
	__u32 events;
	__u32 steps;
	__u32 frames;
	__u32 resv0;
	__u64 resv[2];
};

#define IXDP_RUN_FOREVER	0xffffffffU
#define IXDP_RUN_SPIN_DEFAULT	0xffffffffU

#define IXDP_IOC_RUN		_IOWR(IXDP_IOC_MAGIC, 0x03, struct ixdp_run)

/*
 * Commands and events.
 *
 * Rings. The command ring has cmd_entries slots; the application writes
 * slot (tail & (cmd_entries - 1)) and then publishes tail + 1 with a
 * release store to cmd_tail. The core reads cmd_tail with an acquire
 * load, copies each command once, validates it and acts, then publishes
 * cmd_head. A cmd_tail more than cmd_entries ahead of cmd_head is
 * refused as a whole: the context is marked dead. The event ring works the
 * same way in the other direction (ev_tail written by the core, ev_head by
 * the application); the core never writes more than ev_entries events
 * ahead of ev_head and never drops one: when the ring is full it stops
 * taking this context's commands until the application makes room
 * (received payload waits in the RX arena meanwhile).
 *
 * Handles. A connection is named by an opaque 64-bit handle from its
 * knock or connected event: {flow group:16, generation:16, slot:32}. Every
 * use checks the slot range, the generation, that the connection belongs to
 * this context and that this core owns the flow group; anything else gets
 * a completion with -EBADF and changes nothing. A handle is valid until the
 * connection's dead event (or until reject).
 *
 * Completions. A command that fails gets an IXDP_EV_COMPLETION event with
 * status -errno. One that succeeds gets one only if it carries
 * IXDP_CMDF_ACK, or if it returns a value (a short send, NOP); the status
 * of a successful SEND or SENDV is the number of bytes taken, of any other
 * command 0. A completion may come before events the core raised earlier
 * but had not yet written. Refused commands are also counted in the CQ's
 * "dropped" counter.
 *
 * Reserved words. A command's flags other than IXDP_CMDF_*, resv0, resv
 * and every arg word the opcode does not use must be zero (-EINVAL).
 */

/* Command opcodes (struct ixdp_cmd.opcode). 0 is never valid. */
enum ixdp_op {
	IXDP_OP_NOP = 1,	/* always completes with status 0 */
	IXDP_OP_LISTEN,		/* arg32: TCP port (1-65535); arg[0]:
				 * backlog, the knocked connections not
				 * yet accepted or rejected (0: 4096, as
				 * Linux's somaxconn; at most
				 * IXDP_BACKLOG_MAX). While it is full
				 * a handshake's last ACK is dropped, as
				 * Linux does: the connection completes
				 * when there is room. -EACCES without
				 * a grant, -ENOSPC past
				 * IXDP_CTX_LISTEN_MAX ports of the
				 * context or 8 of its user on the core
				 */
	IXDP_OP_UNLISTEN,	/* arg32: TCP port */
	IXDP_OP_ACCEPT,		/* handle (from knock); arg[0]: cookie.
				 * On failure the connection stays knocked
				 */
	IXDP_OP_REJECT,		/* handle (from knock): reset */
	IXDP_OP_CONNECT,	/* arg32: port; arg[0]: cookie;
				 * arg[1]: IPv4 address, network order.
				 * -EACCES without a grant for the port;
				 * -ENOBUFS when the context holds
				 * max_conns or its user holds half of the
				 * core's connections
				 */
	IXDP_OP_SEND,		/* handle; arg[0]: TX arena offset;
				 * arg32: bytes. -EAGAIN after a short
				 * send, see struct ixdp_cmd. arg[1]
				 * (IXDP_FEAT_SEND_DONE): received bytes
				 * returned first, as by RECV_DONE (its
				 * error fails the command, nothing sent;
				 * the send's own errors leave them
				 * returned)
				 */
	IXDP_OP_SENDV,		/* handle; arg[0]: TX arena offset of a
				 * struct ixdp_iov array (8-byte aligned),
				 * read once when the command is taken;
				 * arg32: entries (1-IXDP_IOV_MAX); arg[1]
				 * as for SEND
				 */
	IXDP_OP_RECV_DONE,	/* handle; arg32: bytes returned */
	IXDP_OP_CLOSE,		/* handle: graceful close (FIN) */
	IXDP_OP_ABORT,		/* handle: reset (RST) */
	IXDP_OP_HANDOFF,	/* handle (from knock, not yet accepted);
				 * arg[0]: ctx_id of another context of
				 * this process on this core
				 * (IXDP_FEAT_HANDOFF). The knock goes to
				 * that context as a new KNOCK event,
				 * with the same handle, and is no longer
				 * this one's. -EINVAL: not a knock the
				 * context was shown, or its own ctx_id;
				 * -ENOENT: no such context on the core
				 * (or it is dead); -EPERM: another
				 * process's; -ENOBUFS: it holds
				 * max_conns. On failure the knock stays
				 * here, to accept or reject
				 */
	__IXDP_OP_MAX
};

/* Command flags (struct ixdp_cmd.flags). */
#define IXDP_CMDF_ACK		(1U << 0)	/* complete even on success */
#define IXDP_CMDF_ALL		IXDP_CMDF_ACK

#define IXDP_IOV_MAX		64
#define IXDP_BACKLOG_DEFAULT	4096
#define IXDP_BACKLOG_MAX	65535
#define IXDP_CTX_LISTEN_MAX	4	/* ports one context listens on */

/* One buffer of IXDP_OP_SENDV, inside the TX arena. */
struct ixdp_iov {
	__u64 off;		/* TX arena offset */
	__u32 len;
	__u32 resv;		/* must be zero */
};

/**
 * struct ixdp_cmd - one command, written by the application (64 bytes)
 *
 * Send by reference: the bytes named by SEND and SENDV belong to the
 * dataplane until IXDP_EV_SENT events of the connection have covered them
 * (a retransmission reads them again), in the order they were sent; the
 * application must not change them before. A send takes as many bytes as
 * the connection's send buffer has room for; when that is fewer than asked
 * (also 0), a completion reports the bytes taken, and a later SENT event
 * announces room. -ENOTCONN: not established; -EPIPE: already closed.
 *
 * Short sends. After a short send the connection takes only a send (SEND,
 * or SENDV by its first entry) that starts at the first untaken byte, the
 * same TX arena offset; any other send gets -EAGAIN and takes nothing,
 * however long after. Sends may therefore be pipelined without
 * IXDP_CMDF_ACK: those queued before the short completion was seen are
 * all refused, so the stream keeps its order. Wait for SENT, send again
 * from the first untaken byte, then what followed.
 *
 * Receive credit: RECV_DONE returns bytes of recv events, in order; more
 * than were announced and not yet returned gets -EINVAL.
 */
struct ixdp_cmd {
	__u8 opcode;		/* IXDP_OP_* */
	__u8 flags;		/* IXDP_CMDF_* */
	__u16 resv0;		/* must be zero */
	__u32 arg32;		/* per opcode, see enum ixdp_op */
	__u64 user_data;	/* echoed in the completion */
	__u64 handle;		/* the connection, from knock/connected */
	__u64 arg[4];		/* per opcode; unused ones must be zero */
	__u64 resv[1];		/* must be zero */
};

/* Event types (struct ixdp_event.type). */
enum ixdp_ev {
	IXDP_EV_COMPLETION = 1,	/* status: result; handle: the command's;
				 * arg[0]: user_data; arg[1]: opcode
				 */
	IXDP_EV_KNOCK,		/* handle; arg[0]: peer IPv4 (network
				 * order); arg[1]: peer port; arg[2]:
				 * local port. Answer with ACCEPT or REJECT
				 */
	IXDP_EV_CONNECTED,	/* cookie; status 0: handle is valid;
				 * -errno: the connect failed (no handle);
				 * arg[0]: peer IPv4, arg[1]: peer port
				 */
	IXDP_EV_RECV,		/* cookie, handle; arg[0]: RX arena offset;
				 * arg[1]: bytes, 0 once at end of stream;
				 * arg[2]: with IXDP_ATTACH_RECV_ACKED,
				 * bytes acked since the last report (as
				 * SENT's arg[0], adding to the send
				 * room), else 0
				 */
	IXDP_EV_SENT,		/* cookie, handle; arg[0]: bytes acked since
				 * the last SENT; arg[1]: send room now
				 * (0 while the connection holds 64
				 * unacknowledged buffers: a later SENT
				 * announces room)
				 */
	IXDP_EV_DEAD,		/* cookie, handle; status: 0 (closed both
				 * ways), -ECONNRESET, -ETIMEDOUT,
				 * -ECONNABORTED (after ABORT)
				 */
	IXDP_EV_MOVED,		/* cookie, handle (dead from now on); arg[0]:
				 * token; arg[1]: stream positions (see
				 * IXDP_ATTACH_MOVABLE); arg[2]:
				 * IXDP_MOVED_* flags. The connection went
				 * to another core: no DEAD event follows
				 */
	IXDP_EV_ADOPT,		/* handle; arg[0]: token of the MOVED event
				 * of the same connection; arg[1]: stream
				 * positions; arg[2]: peer IPv4 (network
				 * order, low word), peer port (bits 32-47),
				 * local port (bits 48-63). Answer with
				 * ACCEPT or REJECT
				 */
	__IXDP_EV_MAX
};

/*
 * IXDP_EV_MOVED flags: IXDP_MOVED_FIN, the core had taken a CLOSE (its FIN
 * is queued or sent); IXDP_MOVED_EOF, the end of the stream was shown to
 * the old context (RECV of 0 bytes), so the new one gets none.
 */
#define IXDP_MOVED_FIN		(1ULL << 0)
#define IXDP_MOVED_EOF		(1ULL << 1)

/**
 * struct ixdp_event - one event, written by the kernel (48 bytes)
 *
 * Received payload (RECV) sits in a chunk of the read-only RX arena that
 * holds only this connection's bytes (struct ixdp_attach); it stays there
 * until returned with RECV_DONE, or, after the connection's DEAD event,
 * until the application moves ev_head past that event. Every accepted or
 * connected connection ends with exactly one DEAD event; a rejected one
 * ends at once.
 */
struct ixdp_event {
	__u8 type;		/* IXDP_EV_* */
	__u8 resv0[3];
	__s32 status;		/* 0 or -errno (COMPLETION: result) */
	__u64 cookie;		/* the application's, from accept/connect */
	__u64 handle;
	__u64 arg[3];		/* per type, see enum ixdp_ev */
};

/* ------------------------------------------------------------------ */
/* Generic netlink family "ixdp"                                      */
/* ------------------------------------------------------------------ */

#define IXDP_GENL_NAME		"ixdp"
#define IXDP_GENL_VERSION	1

/* Multicast groups of the family. */
#define IXDP_MCGRP_EVENTS	"events"

/*
 * Attributes. Every message carries, at its top level, only nests of
 * enum ixdp_a: one per object it is about (a port, a core, a move...).
 * Inside each nest the object's own attribute set (enum ixdp_<obj>_a)
 * applies, with its own strict policy: an unknown attribute, a wrong
 * type or length, an out-of-range value or a missing required nest or
 * attribute is refused with -EINVAL (-ERANGE for ranges) and an
 * extended-ACK message that points at the attribute, before anything
 * changes. Documentation/netlink/specs/ixdp.yaml is the same layout in
 * the kernel's YAML format; scripts/nlspec-check.py keeps both equal.
 *
 * Counters come twice, for two readers. A program reads the object's
 * STATS nest: one typed u64 attribute per counter (enum ixdp_<obj>_stat),
 * whose numbers never change. A person reads XSTATS: every counter,
 * including those of the TCP/IP stack, as IXDP_XSTATS_A_ENTRY nests of
 * {NAME, VALUE}, like "ethtool -S"; the names are for display only and
 * may change between builds.
 *
 * Commands. GET_* are open to every user; every command that changes
 * state requires CAP_NET_ADMIN in the initial user namespace (-EPERM
 * otherwise), since the dataplane is shared by the whole machine.
 * "in" lists what a request carries, "out" what the reply carries.
 *
 * IXDP_CMD_GET_VERSION: out VERSION {ABI, MODULE, FEATURES}.
 * IXDP_CMD_GET_CONFIG: out CONFIG with every tunable.
 * IXDP_CMD_SET_CONFIG (admin): in CONFIG with one or more tunables, each
 *	range-checked; all are applied or none. Announced with the new
 *	values.
 * IXDP_CMD_PORT_ADD (admin): in PORT {IFNAME, ADDR, PREFIX}. Gives the
 *	netdev to ixdp, which from then on owns that IPv4 address on it
 *	(ARP and IPv4 to it); all other traffic still reaches Linux. The
 *	address must not be one Linux uses. One port at a time (-EBUSY).
 * IXDP_CMD_PORT_DEL (admin): in PORT {IFNAME}. Stops the port's cores
 *	(their connections are reset) and restores the device.
 * IXDP_CMD_PORT_GET: out PORT {IFNAME, IFINDEX, ADDR, PREFIX, NFG, RSS,
 *	STATS, XSTATS}: the receive handler's counters over all CPUs.
 *	-ENODEV without a port (as every command about the port's objects).
 * IXDP_CMD_CORE_ADD (admin): in CORE {CPU, RXQ, optional TXQ (default:
 *	RXQ)}. Starts a dataplane core on that CPU owning those queues of
 *	the port; the flow groups are then spread evenly over the active
 *	cores again, by live migration of the groups that change owner.
 * IXDP_CMD_CORE_DEL (admin): in CORE {CPU}. Its flow groups move to the
 *	other active cores first, so its connections live on (-EBUSY if it
 *	is the last core and connections exist, if no other core is active,
 *	or if one of its groups cannot move).
 * IXDP_CMD_CORE_SET (admin): in CORE {CPU, PARKED}. Parking moves every
 *	flow group of the core to the other active cores, then the core
 *	owns none and its kthread sleeps until unparked; unparking makes it
 *	eligible again without moving anything. The last active core
 *	cannot be parked (-EBUSY).
 * IXDP_CMD_CORE_GET: dump; one CORE {CPU, RXQ, TXQ, NFG, PARKED, CONNS,
 *	STATS, XSTATS} per core.
 * IXDP_CMD_FG_MOVE (admin): live migration of flow groups between cores
 *	(no byte lost, duplicated or reordered). In MOVE with one of:
 *	  FG and TO_CPU: that group to that core;
 *	  FROM_CPU and TO_CPU: every group of one core;
 *	  BALANCE: spread all groups evenly over the active cores, moving
 *	  as few as possible.
 *	The target must be an active core. Groups whose connections an
 *	application holds cannot move yet (-EBUSY). Out MOVE {FGS, CONNS,
 *	HELD, HOLD_NS, SWITCH_NS, EXPORT_NS, IMPORT_NS, TOTAL_NS}, summed
 *	over the moves made: HOLD (target told to hold the groups' frames),
 *	SWITCH (receive map and NIC table switched, readers drained), EXPORT
 *	(source finished its frames and handed the connections over),
 *	IMPORT (target took them and ran the frames it held). Each (source,
 *	target) step is announced as MOVE {FROM_CPU, TO_CPU, FG when one
 *	group moved, and the results of that step}.
 * IXDP_CMD_FG_GET: dump; one FG {ID, CPU (owner), RXQ (the owner's
 *	queue), FRAMES (frames of the group run so far, whichever core
 *	owned it: the load the core policy balances)} per flow group.
 * IXDP_CMD_QUEUE_GET: dump; one QUEUE per NIC queue of the port's
 *	device, RX queues first: {KIND, ID, CPUS (bitmap of the CPUs of the
 *	cores that own it; 0: still Linux's alone)}, and for RX queues NFG
 *	(flow groups steered to it) and NAPI (the NAPI id the cores
 *	busy-poll, 0 until learnt).
 * IXDP_CMD_STATS_GET: the dataplane's totals: PORT {NFG, STATS, XSTATS}
 *	and CORE {CONNS, STATS, XSTATS} without a CPU: every core counter
 *	summed over the cores (the *_MAX ones: their maximum).
 * IXDP_CMD_APP_GET: dump; one APP {PID (process), TID (attaching
 *	thread), CPU, CONNS, MAX_CONNS, DEAD, STATS, XSTATS} per attached
 *	application context.
 * IXDP_CMD_RESPONDER_SET (admin): in RESPONDER {MODE, PORT (unless MODE
 *	is NONE)}: the built-in TCP test service every core runs on that
 *	port (echo or discard), or none.
 * IXDP_CMD_GRANT_ADD (admin): in GRANT {PORT_LO, optional PORT_HI
 *	(default: LO), exactly one of UID and GID, optional RIGHTS (default:
 *	both)}. Lets contexts of that user, or of members of that group,
 *	LISTEN on (IXDP_GRANT_LISTEN) or CONNECT to (IXDP_GRANT_CONNECT)
 *	ports LO-HI. A context attached with CAP_NET_ADMIN needs no grant;
 *	any other is refused with -EACCES. Grants are checked when a listen
 *	or connect runs. Adding rights to an existing key widens it; -EEXIST
 *	if it had them all; -ENOSPC past 256 grants.
 * IXDP_CMD_GRANT_DEL (admin): in GRANT with the same key and optional
 *	RIGHTS (default: all): those rights are taken away; a grant left
 *	with none is removed. -ENOENT: no grant.
 * IXDP_CMD_GRANT_GET: dump; one GRANT per grant.
 * Notifications on the "events" group: IXDP_CMD_PORT_ADD and _DEL with
 *	PORT {IFNAME}; IXDP_CMD_CORE_ADD and _DEL with CORE {CPU, RXQ, TXQ}
 *	(the flow groups were spread again); IXDP_CMD_APP_ATTACH and _DETACH
 *	with APP {PID, TID, CPU} (these two are notifications only: a
 *	request gets -EOPNOTSUPP); and, as they succeed, the requests
 *	IXDP_CMD_SET_CONFIG (CONFIG), IXDP_CMD_CORE_SET (CORE {CPU, PARKED})
 *	and IXDP_CMD_FG_MOVE (above).
 */
enum ixdp_genl_cmd {
	IXDP_CMD_UNSPEC,
	IXDP_CMD_GET_VERSION,
	IXDP_CMD_GET_CONFIG,
	IXDP_CMD_SET_CONFIG,
	IXDP_CMD_PORT_ADD,
	IXDP_CMD_PORT_DEL,
	IXDP_CMD_PORT_GET,
	IXDP_CMD_CORE_ADD,
	IXDP_CMD_CORE_DEL,
	IXDP_CMD_CORE_GET,
	IXDP_CMD_RESPONDER_SET,
	IXDP_CMD_FG_GET,
	IXDP_CMD_APP_GET,
	IXDP_CMD_APP_ATTACH,		/* notification only */
	IXDP_CMD_APP_DETACH,		/* notification only */
	IXDP_CMD_CORE_SET,
	IXDP_CMD_FG_MOVE,
	IXDP_CMD_QUEUE_GET,
	IXDP_CMD_STATS_GET,
	IXDP_CMD_GRANT_ADD,
	IXDP_CMD_GRANT_DEL,
	IXDP_CMD_GRANT_GET,

	__IXDP_CMD_MAX,
	IXDP_CMD_MAX = __IXDP_CMD_MAX - 1
};

/* The top level of every message: one nest per object. */
enum ixdp_a {
	IXDP_A_UNSPEC,
	IXDP_A_VERSION,			/* nest: enum ixdp_version_a */
	IXDP_A_CONFIG,			/* nest: enum ixdp_config_a */
	IXDP_A_PORT,			/* nest: enum ixdp_port_a */
	IXDP_A_CORE,			/* nest: enum ixdp_core_a */
	IXDP_A_FG,			/* nest: enum ixdp_fg_a */
	IXDP_A_MOVE,			/* nest: enum ixdp_move_a */
	IXDP_A_APP,			/* nest: enum ixdp_app_a */
	IXDP_A_QUEUE,			/* nest: enum ixdp_queue_a */
	IXDP_A_RESPONDER,		/* nest: enum ixdp_responder_a */
	IXDP_A_GRANT,			/* nest: enum ixdp_grant_a */

	__IXDP_A_MAX,
	IXDP_A_MAX = __IXDP_A_MAX - 1
};

enum ixdp_version_a {
	IXDP_VERSION_A_UNSPEC,
	IXDP_VERSION_A_PAD,		/* alignment padding for u64 */
	IXDP_VERSION_A_ABI,		/* u32: IXDP_ABI_VERSION */
	IXDP_VERSION_A_MODULE,		/* string: build version */
	IXDP_VERSION_A_FEATURES,	/* u64: IXDP_FEAT_* */

	__IXDP_VERSION_A_MAX,
	IXDP_VERSION_A_MAX = __IXDP_VERSION_A_MAX - 1
};

enum ixdp_config_a {
	IXDP_CONFIG_A_UNSPEC,
	IXDP_CONFIG_A_BATCH,		/* u32: dataplane batch bound B */
	IXDP_CONFIG_A_POLL_US,		/* u32: busy-poll budget before sleep */
	IXDP_CONFIG_A_RUN_GRACE_US,	/* u32: an inline app's time out of
					 * IXDP_IOC_RUN before the kthread
					 * takes its loop back
					 */

	__IXDP_CONFIG_A_MAX,
	IXDP_CONFIG_A_MAX = __IXDP_CONFIG_A_MAX - 1
};

enum ixdp_port_a {
	IXDP_PORT_A_UNSPEC,
	IXDP_PORT_A_PAD,
	IXDP_PORT_A_IFNAME,		/* string, < IFNAMSIZ */
	IXDP_PORT_A_IFINDEX,		/* u32 (out) */
	IXDP_PORT_A_ADDR,		/* u32: IPv4 address, network order */
	IXDP_PORT_A_PREFIX,		/* u8: 1..30 */
	IXDP_PORT_A_NFG,		/* u32 (out): flow groups */
	IXDP_PORT_A_RSS,		/* u8 (out): 1 if the NIC's RSS table
					 * steers flow groups, 0 if frames
					 * follow transmit or are handed over
					 */
	IXDP_PORT_A_STATS,		/* nest (out): enum ixdp_port_stat */
	IXDP_PORT_A_XSTATS,		/* nest (out): enum ixdp_xstats_a */

	__IXDP_PORT_A_MAX,
	IXDP_PORT_A_MAX = __IXDP_PORT_A_MAX - 1
};

enum ixdp_core_a {
	IXDP_CORE_A_UNSPEC,
	IXDP_CORE_A_PAD,
	IXDP_CORE_A_CPU,		/* u32 */
	IXDP_CORE_A_RXQ,		/* u16 */
	IXDP_CORE_A_TXQ,		/* u16 */
	IXDP_CORE_A_NFG,		/* u32 (out): flow groups owned */
	IXDP_CORE_A_PARKED,		/* u8: 1 parked, 0 active */
	IXDP_CORE_A_CONNS,		/* u32 (out): connections held */
	IXDP_CORE_A_STATS,		/* nest (out): enum ixdp_core_stat */
	IXDP_CORE_A_XSTATS,		/* nest (out): enum ixdp_xstats_a */

	__IXDP_CORE_A_MAX,
	IXDP_CORE_A_MAX = __IXDP_CORE_A_MAX - 1
};

enum ixdp_fg_a {
	IXDP_FG_A_UNSPEC,
	IXDP_FG_A_PAD,
	IXDP_FG_A_ID,			/* u32 (out): flow group */
	IXDP_FG_A_CPU,			/* u32 (out): its owner's CPU */
	IXDP_FG_A_RXQ,			/* u16 (out): its owner's RX queue */
	IXDP_FG_A_FRAMES,		/* u64 (out): frames run so far */

	__IXDP_FG_A_MAX,
	IXDP_FG_A_MAX = __IXDP_FG_A_MAX - 1
};

enum ixdp_move_a {
	IXDP_MOVE_A_UNSPEC,
	IXDP_MOVE_A_PAD,
	IXDP_MOVE_A_FG,			/* u32: the flow group to move */
	IXDP_MOVE_A_FROM_CPU,		/* u32: the source core */
	IXDP_MOVE_A_TO_CPU,		/* u32: the target core */
	IXDP_MOVE_A_BALANCE,		/* flag: spread over active cores */
	IXDP_MOVE_A_FGS,		/* u32 (out): flow groups moved */
	IXDP_MOVE_A_CONNS,		/* u32 (out): connections moved */
	IXDP_MOVE_A_HELD,		/* u32 (out): frames the target held,
					 * then ran after the import
					 */
	IXDP_MOVE_A_HOLD_NS,		/* u64 (out): step times, see FG_MOVE */
	IXDP_MOVE_A_SWITCH_NS,		/* u64 (out) */
	IXDP_MOVE_A_EXPORT_NS,		/* u64 (out) */
	IXDP_MOVE_A_IMPORT_NS,		/* u64 (out) */
	IXDP_MOVE_A_TOTAL_NS,		/* u64 (out) */

	__IXDP_MOVE_A_MAX,
	IXDP_MOVE_A_MAX = __IXDP_MOVE_A_MAX - 1
};

enum ixdp_app_a {
	IXDP_APP_A_UNSPEC,
	IXDP_APP_A_PAD,
	IXDP_APP_A_PID,			/* u32: process (thread group) id */
	IXDP_APP_A_TID,			/* u32: attaching thread id */
	IXDP_APP_A_CPU,			/* u32: its core's CPU */
	IXDP_APP_A_CONNS,		/* u32: connections held */
	IXDP_APP_A_MAX_CONNS,		/* u32: connections at most */
	IXDP_APP_A_DEAD,		/* u8: 1 once the context has ended */
	IXDP_APP_A_STATS,		/* nest: enum ixdp_app_stat */
	IXDP_APP_A_XSTATS,		/* nest: enum ixdp_xstats_a */

	__IXDP_APP_A_MAX,
	IXDP_APP_A_MAX = __IXDP_APP_A_MAX - 1
};

enum ixdp_queue_a {
	IXDP_QUEUE_A_UNSPEC,
	IXDP_QUEUE_A_PAD,
	IXDP_QUEUE_A_KIND,		/* u8: enum ixdp_queue_kind */
	IXDP_QUEUE_A_ID,		/* u16 */
	IXDP_QUEUE_A_CPUS,		/* u64: bitmap of owners' CPUs */
	IXDP_QUEUE_A_NFG,		/* u32: flow groups steered */
	IXDP_QUEUE_A_NAPI,		/* u32: NAPI id, 0 if unknown */

	__IXDP_QUEUE_A_MAX,
	IXDP_QUEUE_A_MAX = __IXDP_QUEUE_A_MAX - 1
};

enum ixdp_responder_a {
	IXDP_RESPONDER_A_UNSPEC,
	IXDP_RESPONDER_A_PORT,		/* u16: TCP port, >= 1 */
	IXDP_RESPONDER_A_MODE,		/* u8: enum ixdp_resp_mode */

	__IXDP_RESPONDER_A_MAX,
	IXDP_RESPONDER_A_MAX = __IXDP_RESPONDER_A_MAX - 1
};

enum ixdp_grant_a {
	IXDP_GRANT_A_UNSPEC,
	IXDP_GRANT_A_PORT_LO,		/* u16: first TCP port, >= 1 */
	IXDP_GRANT_A_PORT_HI,		/* u16: last TCP port, >= LO */
	IXDP_GRANT_A_UID,		/* u32: a user */
	IXDP_GRANT_A_GID,		/* u32: a group */
	IXDP_GRANT_A_RIGHTS,		/* u32: IXDP_GRANT_* */

	__IXDP_GRANT_A_MAX,
	IXDP_GRANT_A_MAX = __IXDP_GRANT_A_MAX - 1
};

/* XSTATS nests: counters by name, for display only. */
enum ixdp_xstats_a {
	IXDP_XSTATS_A_UNSPEC,
	IXDP_XSTATS_A_ENTRY,		/* nest: enum ixdp_xstat_a; repeated */

	__IXDP_XSTATS_A_MAX,
	IXDP_XSTATS_A_MAX = __IXDP_XSTATS_A_MAX - 1
};

enum ixdp_xstat_a {
	IXDP_XSTAT_A_UNSPEC,
	IXDP_XSTAT_A_PAD,
	IXDP_XSTAT_A_NAME,		/* string */
	IXDP_XSTAT_A_VALUE,		/* u64 */

	__IXDP_XSTAT_A_MAX,
	IXDP_XSTAT_A_MAX = __IXDP_XSTAT_A_MAX - 1
};

/* IXDP_PORT_A_STATS: the receive handler, u64 each. */
enum ixdp_port_stat {
	IXDP_PORT_STAT_UNSPEC,
	IXDP_PORT_STAT_PAD,
	IXDP_PORT_STAT_RX_CONSUMED,	/* frames taken for a core */
	IXDP_PORT_STAT_RX_PASSED,	/* frames left to Linux */
	IXDP_PORT_STAT_RX_RING_FULL,	/* dropped: the core's ring was full */
	IXDP_PORT_STAT_RX_NO_CORE,	/* dropped: no core owned the group */
	IXDP_PORT_STAT_RX_UNSHARE_FAIL,	/* dropped: no private copy */

	__IXDP_PORT_STAT_MAX,
	IXDP_PORT_STAT_MAX = __IXDP_PORT_STAT_MAX - 1
};

/* IXDP_CORE_A_STATS: a dataplane core, u64 each. */
enum ixdp_core_stat {
	IXDP_CORE_STAT_UNSPEC,
	IXDP_CORE_STAT_PAD,
	IXDP_CORE_STAT_RX_FRAMES,
	IXDP_CORE_STAT_RX_BYTES,
	IXDP_CORE_STAT_RX_LOCAL,
	IXDP_CORE_STAT_RX_HANDOFF,
	IXDP_CORE_STAT_RX_NOBUF,
	IXDP_CORE_STAT_RX_TOO_BIG,
	IXDP_CORE_STAT_TX_FRAMES,
	IXDP_CORE_STAT_TX_BYTES,
	IXDP_CORE_STAT_TX_DROPS,
	IXDP_CORE_STAT_TX_BUSY,
	IXDP_CORE_STAT_TX_NO_CARRIER,
	IXDP_CORE_STAT_LOOPS,		/* iterations of the core's loop */
	IXDP_CORE_STAT_BATCHES,		/* batches run */
	IXDP_CORE_STAT_BATCH_FRAMES,	/* frames in those batches */
	IXDP_CORE_STAT_BATCH_MAX,	/* largest batch (STATS_GET: maximum) */
	IXDP_CORE_STAT_BUSY_POLLS,
	IXDP_CORE_STAT_SLEEPS,
	IXDP_CORE_STAT_BUSY_NS,		/* time spent working */
	IXDP_CORE_STAT_IDLE_NS,		/* time spent polling for nothing */
	IXDP_CORE_STAT_APP_CMDS,	/* application commands run */
	IXDP_CORE_STAT_APP_BAD_CMDS,
	IXDP_CORE_STAT_APP_EVENTS,
	IXDP_CORE_STAT_APP_RING_FULL,
	IXDP_CORE_STAT_APP_KNOCK_DROPS,
	IXDP_CORE_STAT_APP_BACKLOG_DROPS,
	IXDP_CORE_STAT_APP_DENIED,
	IXDP_CORE_STAT_APP_SHARE_DROPS,
	IXDP_CORE_STAT_FG_IN,		/* flow groups moved in */
	IXDP_CORE_STAT_FG_OUT,
	IXDP_CORE_STAT_CONNS_IN,	/* connections moved in */
	IXDP_CORE_STAT_CONNS_OUT,
	IXDP_CORE_STAT_HELD,
	IXDP_CORE_STAT_HELD_DROPS,
	IXDP_CORE_STAT_APPS,		/* gauge: attached contexts */
	IXDP_CORE_STAT_APP_CONNS,	/* gauge: their connections */
	IXDP_CORE_STAT_CONNS,		/* gauge: all connections */
	IXDP_CORE_STAT_RXBUF_FREE,	/* gauge */
	IXDP_CORE_STAT_RXBUF_TOTAL,	/* gauge */
	IXDP_CORE_STAT_TXBUF_FREE,	/* gauge */
	IXDP_CORE_STAT_TXBUF_TOTAL,	/* gauge */
	IXDP_CORE_STAT_EVENT_OVERFLOW,	/* the responder's lost events */
	IXDP_CORE_STAT_TX_DOORBELLS,	/* bursts ending with the doorbell */
	IXDP_CORE_STAT_RUN_CALLS,	/* IXDP_IOC_RUN calls */
	IXDP_CORE_STAT_RUN_LOOPS,	/* steps run by inline apps */
	IXDP_CORE_STAT_RUN_SLEEPS,	/* sleeps inside RUN */
	IXDP_CORE_STAT_RUN_SWITCHES,	/* their context switches in RUN */
	IXDP_CORE_STAT_TAKEBACKS,	/* loop taken back by the kthread */
	IXDP_CORE_STAT_TAKEBACK_LOOPS,	/* steps it ran meanwhile */
	IXDP_CORE_STAT_KTHREAD_SWITCHES,	/* gauge: the kthread's switches */
	IXDP_CORE_STAT_APP_RX_WAITS,	/* RECVs that waited for arena room */
	IXDP_CORE_STAT_TCBS,		/* gauge: control blocks allocated */
	IXDP_CORE_STAT_APP_RX_CHUNKS,	/* gauge: RX arena chunks held */
	IXDP_CORE_STAT_APP_HANDOFFS,	/* knocks handed to another context */

	__IXDP_CORE_STAT_MAX,
	IXDP_CORE_STAT_MAX = __IXDP_CORE_STAT_MAX - 1
};

/* IXDP_APP_A_STATS: an application context, u64 each. */
enum ixdp_app_stat {
	IXDP_APP_STAT_UNSPEC,
	IXDP_APP_STAT_PAD,
	IXDP_APP_STAT_CMDS,		/* commands run */
	IXDP_APP_STAT_BAD_CMDS,		/* commands refused as malformed */
	IXDP_APP_STAT_EVENTS,		/* events written */

	__IXDP_APP_STAT_MAX,
	IXDP_APP_STAT_MAX = __IXDP_APP_STAT_MAX - 1
};

/* IXDP_QUEUE_A_KIND */
enum ixdp_queue_kind {
	IXDP_QUEUE_RX,
	IXDP_QUEUE_TX,
};

/* The built-in TCP test service (IXDP_CMD_RESPONDER_SET). */
enum ixdp_resp_mode {
	IXDP_RESP_NONE,
	IXDP_RESP_ECHO,		/* every byte is sent back */
	IXDP_RESP_DISCARD,	/* bytes are consumed and dropped */
};

/* IXDP_GRANT_A_RIGHTS */
#define IXDP_GRANT_LISTEN	(1U << 0)
#define IXDP_GRANT_CONNECT	(1U << 1)
#define IXDP_GRANT_ALL		(IXDP_GRANT_LISTEN | IXDP_GRANT_CONNECT)

/* Limits of the tunables (also enforced on the module parameters). */
#define IXDP_BATCH_MIN		1
#define IXDP_BATCH_MAX		64
#define IXDP_POLL_US_MAX	10000
#define IXDP_RUN_GRACE_US_MIN	100
#define IXDP_RUN_GRACE_US_MAX	1000000

#ifdef __cplusplus
}
#endif

#endif /* _UAPI_LINUX_IXDP_H */
