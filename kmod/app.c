// SPDX-License-Identifier: GPL-2.0
/*
 * Application contexts: one per open file of /dev/ixdp. IXDP_IOC_ATTACH
 * binds the context to a dataplane core and creates its four regions;
 * the application maps them with mmap().
 *
 * Protection comes from the page tables, not from convention. A region
 * the kernel writes and trusts (CQ: indices, flags, events; RX arena:
 * received bytes) is mapped without VM_WRITE and without VM_MAYWRITE, so
 * no mprotect(), ptrace() or /proc/PID/mem write can ever make it
 * writable. Pages are supplied by a fault handler rather than inserted up
 * front, so madvise(MADV_DONTNEED) cannot swap in an anonymous page: the
 * next touch maps the kernel's page again. No region is copied on fork
 * (VM_DONTCOPY; a child that undoes it with MADV_DOFORK inherits the same
 * read-only flags), none can grow (VM_DONTEXPAND), none is dumped.
 *
 * An attached context is registered with its dataplane core, whose
 * kthread then reads its commands and writes its events (app_cmd.c,
 * app_event.c). Release unregisters it: every connection is reset and
 * every buffer returned before the memory is freed.
 *
 * Locking: @lock serialises attaches. The regions never change once
 * @attached is published (release), until the file is released, when no
 * mapping remains; mmap() therefore only needs an acquire of @attached
 * and takes no lock (it runs under mmap_lock, which attach may take when
 * it copies to user memory). Registration and release hold ixdp_core_lock,
 * which keeps the core alive.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "app.h"
#include "trace.h"

/*
 * The headers of the SQ and CQ regions, each index on its own 64-byte
 * cache line; the rings follow them. IXDP_IOC_ATTACH reports the offsets
 * (struct ixdp_ring_offsets), as io_uring reports sq_off and cq_off.
 */
#define LINE	64

struct sq_hdr {
	u32 cmd_tail;
	u8 pad0[LINE - sizeof(u32)];
	u32 ev_head;
	u8 pad1[LINE - sizeof(u32)];
};

struct cq_hdr {
	u32 cmd_head;
	u8 pad0[LINE - sizeof(u32)];
	u32 ev_tail;
	u8 pad1[LINE - sizeof(u32)];
	u32 flags;
	u8 pad2[LINE - sizeof(u32)];
	u64 dropped;
	u8 pad3[LINE - sizeof(u64)];
};

#define SQ_HDR		sizeof(struct sq_hdr)
#define CQ_HDR		sizeof(struct cq_hdr)

static void ring_offsets(struct ixdp_ring_offsets *o)
{
	o->cmd_tail = offsetof(struct sq_hdr, cmd_tail);
	o->ev_head = offsetof(struct sq_hdr, ev_head);
	o->cmds = SQ_HDR;
	o->cmd_head = offsetof(struct cq_hdr, cmd_head);
	o->ev_tail = offsetof(struct cq_hdr, ev_tail);
	o->flags = offsetof(struct cq_hdr, flags);
	o->dropped = offsetof(struct cq_hdr, dropped);
	o->events = CQ_HDR;
}

/*
 * The uapi structures of the rings and ioctls are ABI: every field is
 * pinned, as io_uring pins the SQE (chardev.c pins the sizes).
 */
#define ABI_OFFSET(type, field, off) \
	static_assert(offsetof(struct type, field) == (off))

ABI_OFFSET(ixdp_ring_offsets, cmd_tail, 0);
ABI_OFFSET(ixdp_ring_offsets, ev_head, 4);
ABI_OFFSET(ixdp_ring_offsets, cmds, 8);
ABI_OFFSET(ixdp_ring_offsets, cmd_head, 12);
ABI_OFFSET(ixdp_ring_offsets, ev_tail, 16);
ABI_OFFSET(ixdp_ring_offsets, flags, 20);
ABI_OFFSET(ixdp_ring_offsets, dropped, 24);
ABI_OFFSET(ixdp_ring_offsets, events, 28);
ABI_OFFSET(ixdp_ring_offsets, resv, 32);
ABI_OFFSET(ixdp_attach, flags, 0);
ABI_OFFSET(ixdp_attach, cpu, 4);
ABI_OFFSET(ixdp_attach, cmd_entries, 8);
ABI_OFFSET(ixdp_attach, ev_entries, 12);
ABI_OFFSET(ixdp_attach, rx_arena, 16);
ABI_OFFSET(ixdp_attach, tx_arena, 20);
ABI_OFFSET(ixdp_attach, sq_size, 24);
ABI_OFFSET(ixdp_attach, cq_size, 28);
ABI_OFFSET(ixdp_attach, off, 32);
ABI_OFFSET(ixdp_attach, max_conns, 96);
ABI_OFFSET(ixdp_attach, rx_chunk, 100);
ABI_OFFSET(ixdp_attach, ctx_id, 104);
ABI_OFFSET(ixdp_attach, resv0, 108);
ABI_OFFSET(ixdp_attach, resv, 112);
ABI_OFFSET(ixdp_iov, off, 0);
ABI_OFFSET(ixdp_iov, len, 8);
ABI_OFFSET(ixdp_iov, resv, 12);
ABI_OFFSET(ixdp_cmd, opcode, 0);
ABI_OFFSET(ixdp_cmd, flags, 1);
ABI_OFFSET(ixdp_cmd, resv0, 2);
ABI_OFFSET(ixdp_cmd, arg32, 4);
ABI_OFFSET(ixdp_cmd, user_data, 8);
ABI_OFFSET(ixdp_cmd, handle, 16);
ABI_OFFSET(ixdp_cmd, arg, 24);
ABI_OFFSET(ixdp_cmd, resv, 56);
ABI_OFFSET(ixdp_event, type, 0);
ABI_OFFSET(ixdp_event, resv0, 1);
ABI_OFFSET(ixdp_event, status, 4);
ABI_OFFSET(ixdp_event, cookie, 8);
ABI_OFFSET(ixdp_event, handle, 16);
ABI_OFFSET(ixdp_event, arg, 24);

/* The layout the headers have always had: 2 and 4 cache lines. */
static_assert(SQ_HDR == 128 && CQ_HDR == 256);
static_assert(SQ_HDR % __alignof__(struct ixdp_cmd) == 0 &&
	      CQ_HDR % __alignof__(struct ixdp_event) == 0);

struct ixdp_app *ixdp_app_create(void)
{
	struct ixdp_app *app = kzalloc(sizeof(*app), GFP_KERNEL_ACCOUNT);

	if (!app)
		return NULL;
	mutex_init(&app->lock);
	init_waitqueue_head(&app->wq);
	return app;
}

static void app_free_mem(struct ixdp_app *app)
{
	unsigned int i;

	for (i = 0; i < IXDP_REGION_NR; i++) {
		vfree(app->region[i].mem);
		app->region[i].mem = NULL;
	}
	kvfree(app->conn);
	kvfree(app->dirty);
	kvfree(app->chunk);
	app->conn = NULL;
	app->dirty = NULL;
	app->chunk = NULL;
}

/* The last reference to the file is gone: no mapping remains. */
void ixdp_app_destroy(struct ixdp_app *app, ixdp_app_note_fn note)
{
	struct ixdp_core *dp;

	mutex_lock(&ixdp_core_lock);
	dp = rcu_dereference_protected(app->dp,
				       lockdep_is_held(&ixdp_core_lock));
	if (dp)
		ixdp_core_call_sync(dp, ixdp_app_table_unregister, app);
	mutex_unlock(&ixdp_core_lock);
	if (app->attached)
		note(IXDP_CMD_APP_DETACH, app);
	put_pid(app->pid);
	if (app->cred)
		put_cred(app->cred);
	app_free_mem(app);
	ixdp_account_release(&app->acct);
	kfree(app);
}

static struct ixdp_core *dp_on_cpu(unsigned int cpu)
{
	return ixdp_port_core_on(ixdp_port_get(), cpu);
}

/* 0 -> @def; otherwise a power of two no larger than @max. */
static int ring_size(u32 *n, u32 def, u32 max)
{
	if (!*n)
		*n = def;
	if (!is_power_of_2(*n) || *n > max)
		return -EINVAL;
	return 0;
}

static int arena_size(u32 *n, u32 align)
{
	if (!*n)
		*n = IXDP_ARENA_DEFAULT;
	if (*n > IXDP_ARENA_MAX)
		return -EINVAL;
	*n = ALIGN(*n, align);
	return 0;
}

/*
 * Memory of a context: charged to the caller's memory cgroup, and never
 * worth the OOM killer or a warning: past the cgroup's limit (or when
 * memory is short) the attach fails with -ENOMEM instead. Without
 * __GFP_NORETRY a charge over the limit would invoke the cgroup's OOM
 * killer from inside the ioctl.
 */
#define APP_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN)

/*
 * Zeroed pages. The fault handler maps them one by one, so VM_USERMAP
 * (vmalloc_user()) is not needed.
 */
static int region_alloc(struct ixdp_app_region *r, size_t size, u64 off,
			bool writable)
{
	r->size = PAGE_ALIGN(size);
	r->off = off;
	r->writable = writable;
	r->mem = __vmalloc(r->size, APP_GFP | __GFP_ZERO);
	return r->mem ? 0 : -ENOMEM;
}

/* Point the ring fields into the regions and set up the connections. */
static int app_init_rings(struct ixdp_app *app, const struct ixdp_attach *a)
{
	u8 *sq = app->region[IXDP_REGION_SQ].mem;
	u8 *cq = app->region[IXDP_REGION_CQ].mem;
	const struct ixdp_ring_offsets *o = &a->off;
	u32 i;

	app->sq_cmd_tail = (u32 *)(sq + o->cmd_tail);
	app->sq_ev_head = (u32 *)(sq + o->ev_head);
	app->cmds = (struct ixdp_cmd *)(sq + o->cmds);
	app->cq_cmd_head = (u32 *)(cq + o->cmd_head);
	app->cq_ev_tail = (u32 *)(cq + o->ev_tail);
	app->cq_flags = (u32 *)(cq + o->flags);
	app->cq_dropped = (u64 *)(cq + o->dropped);
	app->evs = (struct ixdp_event *)(cq + o->events);
	app->cmd_entries = a->cmd_entries;
	app->ev_entries = a->ev_entries;
	app->rx = app->region[IXDP_REGION_RX].mem;
	app->tx = app->region[IXDP_REGION_TX].mem;
	app->rx_size = a->rx_arena;
	app->tx_size = a->tx_arena;
	app->chunk_shift = ilog2(a->rx_chunk);
	app->nchunk = a->rx_arena >> app->chunk_shift;
	app->nconn = a->max_conns;
	app->conn = kvcalloc(app->nconn, sizeof(*app->conn), APP_GFP);
	app->dirty = kvcalloc(app->nconn, sizeof(*app->dirty), APP_GFP);
	app->chunk = kvcalloc(app->nchunk, sizeof(*app->chunk), APP_GFP);
	if (!app->conn || !app->dirty || !app->chunk)
		return -ENOMEM;
	for (i = 0; i < app->nconn; i++) {
		app->conn[i].next = i + 1 < app->nconn ? i + 1 : IX_NIL;
		app->conn[i].head = IX_NIL;
		app->conn[i].tail = IX_NIL;
		app->conn[i].ann_chunk = IX_NIL;
	}
	app->free_conn = 0;
	for (i = 0; i < app->nchunk; i++)
		app->chunk[i].next = i + 1 < app->nchunk ? i + 1 : IX_NIL;
	app->free_chunk = 0;
	app->nfree_chunk = app->nchunk;
	app->wait_head = IX_NIL;
	app->zombie_head = IX_NIL;
	app->zombie_tail = IX_NIL;
	return 0;
}

/*
 * The connection slots a context may hold on @cpu's core: half of them,
 * so that no context alone can fill the core. 0: no core there; -ENOSPC:
 * the core has all the contexts it can take (checked again when the
 * context registers, since this is before any allocation).
 */
static int core_share(u32 cpu, bool unlimited, u32 *conns)
{
	struct ixdp_core *dp;
	int err = 0;

	mutex_lock(&ixdp_core_lock);
	dp = cpu < nr_cpu_ids ? dp_on_cpu(cpu) : NULL;
	if (!dp)
		err = -ENOENT;
	else if (READ_ONCE(dp->apps->napps) >= IXDP_DP_APPS)
		err = -ENOSPC;
	else if (!unlimited &&
		 ixdp_app_table_user_contexts(dp, current_euid()) >=
		 IXDP_USER_APPS)
		err = -EDQUOT;
	else
		*conns = dp->apps->nconn / 2;
	mutex_unlock(&ixdp_core_lock);
	return err;
}

/* The kernel memory a context of these sizes pins, for the accounting. */
static size_t attach_bytes(const struct ixdp_attach *a)
{
	size_t conns = a->max_conns, chunks = a->rx_arena / a->rx_chunk;

	return PAGE_ALIGN(SQ_HDR + a->cmd_entries * sizeof(struct ixdp_cmd)) +
	       PAGE_ALIGN(CQ_HDR + a->ev_entries * sizeof(struct ixdp_event)) +
	       a->rx_arena + a->tx_arena +
	       conns * (sizeof(struct ixdp_app_conn) + sizeof(u32)) +
	       chunks * sizeof(struct ixdp_app_chunk);
}

/* The request is well formed: sizes granted, everything else zero. */
static int attach_check(struct ixdp_attach *a)
{
	int err;

	if ((a->flags & ~IXDP_ATTACH_FLAGS) ||
	    !mem_is_zero(a->resv, sizeof(a->resv)) || a->ctx_id || a->resv0 ||
	    !mem_is_zero(&a->off, sizeof(a->off)) || a->sq_size ||
	    a->cq_size || a->max_conns > IXDP_CONNS_MAX)
		return -EINVAL;
	if (!a->rx_chunk)
		a->rx_chunk = IXDP_RX_CHUNK_DEFAULT;
	if (!is_power_of_2(a->rx_chunk) || a->rx_chunk < IXDP_RX_CHUNK_MIN ||
	    a->rx_chunk > IXDP_RX_CHUNK_MAX)
		return -EINVAL;
	if (!a->max_conns)
		a->max_conns = IXDP_CONNS_DEFAULT;
	err = ring_size(&a->cmd_entries, IXDP_CMD_ENTRIES_DEFAULT,
			IXDP_CMD_ENTRIES_MAX) ?:
	      ring_size(&a->ev_entries, IXDP_EV_ENTRIES_DEFAULT,
			IXDP_EV_ENTRIES_MAX) ?:
	      arena_size(&a->rx_arena, a->rx_chunk) ?:
	      arena_size(&a->tx_arena, PAGE_SIZE);
	if (err)
		return err;
	if (a->rx_arena > IXDP_ARENA_MAX)
		return -EINVAL;
	return 0;
}

/* The regions and the ring layout of @a; on error nothing is left. */
static int attach_alloc(struct ixdp_app *app, struct ixdp_attach *a)
{
	int err;

	ring_offsets(&a->off);
	err = region_alloc(&app->region[IXDP_REGION_SQ],
			   SQ_HDR + a->cmd_entries * sizeof(struct ixdp_cmd),
			   IXDP_OFF_SQ, true) ?:
	      region_alloc(&app->region[IXDP_REGION_CQ],
			   CQ_HDR + a->ev_entries * sizeof(struct ixdp_event),
			   IXDP_OFF_CQ, false) ?:
	      region_alloc(&app->region[IXDP_REGION_RX], a->rx_arena,
			   IXDP_OFF_RX_ARENA, false) ?:
	      region_alloc(&app->region[IXDP_REGION_TX], a->tx_arena,
			   IXDP_OFF_TX_ARENA, true) ?:
	      app_init_rings(app, a);
	if (err) {
		app_free_mem(app);
		return err;
	}
	a->sq_size = app->region[IXDP_REGION_SQ].size;
	a->cq_size = app->region[IXDP_REGION_CQ].size;
	return 0;
}

/*
 * Contexts' names for IXDP_OP_HANDOFF: unique across the cores (and for
 * 2^32 attaches), so that a name meant for another core never finds a
 * context on this one.
 */
static u32 ctx_id_next(void)
{
	static atomic_t last = ATOMIC_INIT(0);
	u32 id;

	do {
		id = (u32)atomic_inc_return(&last);
	} while (!id);
	return id;
}

/* Register @app with the core on @cpu; on error its identity is dropped. */
static int attach_register(struct ixdp_app *app, u32 cpu)
{
	struct ixdp_core *dp;
	int err;

	app->pid = get_task_pid(current, PIDTYPE_PID);
	app->tgid = task_tgid_nr(current);
	app->ctx_id = ctx_id_next();
	app->cred = get_current_cred();
	app->net_admin = capable(CAP_NET_ADMIN);

	mutex_lock(&ixdp_core_lock);
	dp = dp_on_cpu(cpu);
	err = dp ? ixdp_core_call(dp, ixdp_app_table_register, app) : -ENOENT;
	if (!err)
		rcu_assign_pointer(app->dp, dp);
	mutex_unlock(&ixdp_core_lock);
	if (err) {
		put_pid(app->pid);
		app->pid = NULL;
		put_cred(app->cred);
		app->cred = NULL;
	}
	return err;
}

long ixdp_app_attach(struct ixdp_app *app, void __user *argp,
		     ixdp_app_note_fn note)
{
	struct ixdp_attach a;
	u32 share = 0;
	int err;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	err = attach_check(&a);
	if (err)
		return err;

	mutex_lock(&app->lock);
	if (app->attached) {
		err = -EBUSY;
		goto out;
	}
	/* Everything that can refuse comes before the memory. */
	app->sys_resource = capable(CAP_SYS_RESOURCE);
	err = core_share(a.cpu, app->sys_resource, &share);
	if (err)
		goto out;
	a.max_conns = min(a.max_conns, share);
	err = ixdp_account_charge(&app->acct, attach_bytes(&a));
	if (err)
		goto out;
	err = attach_alloc(app, &a);
	if (err)
		goto err_acct;
	app->params = a;
	err = attach_register(app, a.cpu);
	if (err)
		goto err_free;
	note(IXDP_CMD_APP_ATTACH, app);
	a.ctx_id = app->ctx_id;

	/*
	 * Registered: from here on only release undoes it, so a failed copy
	 * leaves an attached context the caller can still close.
	 */
	if (copy_to_user(argp, &a, sizeof(a)))
		err = -EFAULT;
	/* Pairs with the acquire in ixdp_app_mmap(). */
	smp_store_release(&app->attached, true);
	trace_ixdp_app_attach(app, &a, true, err);
	mutex_unlock(&app->lock);
	return err;

err_free:
	app_free_mem(app);
err_acct:
	ixdp_account_release(&app->acct);
out:
	trace_ixdp_app_attach(app, &a, false, err);
	mutex_unlock(&app->lock);
	return err;
}

/* IXDP_IOC_WAKE: the core sleeps and the application has commands. */
long ixdp_app_wake(struct ixdp_app *app, unsigned long arg)
{
	struct ixdp_core *dp;
	long err = 0;

	/* Pairs with the release in ixdp_app_attach(). */
	if (arg || !smp_load_acquire(&app->attached))
		return -EINVAL;
	rcu_read_lock();
	dp = rcu_dereference(app->dp);
	if (!dp || READ_ONCE(app->dead))
		err = -ENXIO;
	else
		ixdp_core_kick_urgent(dp);
	rcu_read_unlock();
	return err;
}

__poll_t ixdp_app_poll(struct ixdp_app *app, struct file *file,
		       poll_table *wait)
{
	__poll_t mask = 0;

	/* Pairs with the release in ixdp_app_attach(). */
	if (!smp_load_acquire(&app->attached))
		return EPOLLERR;
	poll_wait(file, &app->wq, wait);
	/*
	 * Pairs with the barrier of wq_has_sleeper() in
	 * ixdp_app_event_publish(): either the core sees this waiter, or
	 * this sees the core's new ev_tail.
	 */
	smp_mb();
	if (READ_ONCE(app->dead) || !rcu_access_pointer(app->dp))
		mask |= EPOLLERR;
	if (READ_ONCE(*app->cq_ev_tail) != READ_ONCE(*app->sq_ev_head))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static vm_fault_t app_fault(struct vm_fault *vmf)
{
	struct ixdp_app_region *r = vmf->vma->vm_private_data;
	unsigned long pg = vmf->pgoff - (r->off >> PAGE_SHIFT);
	struct page *page;

	if (pg >= r->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page(r->mem + (pg << PAGE_SHIFT));
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct app_vm_ops = {
	.fault = app_fault,
};

int ixdp_app_mmap(struct ixdp_app *app, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	size_t len = vma->vm_end - vma->vm_start;
	struct ixdp_app_region *r = NULL;
	unsigned int i;

	/* Pairs with the release in ixdp_app_attach(). */
	if (!smp_load_acquire(&app->attached))
		return -EINVAL;
	for (i = 0; i < IXDP_REGION_NR; i++)
		if (app->region[i].off == off)
			r = &app->region[i];
	if (!r || len != r->size)
		return -EINVAL;
	if (!r->writable) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		ixdp_vm_flags_clear(vma, VM_MAYWRITE);
	} else if (!(vma->vm_flags & VM_SHARED)) {
		/* A private copy would hide the application's writes. */
		return -EINVAL;
	}
	ixdp_vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &app_vm_ops;
	vma->vm_private_data = r;
	return 0;
}
