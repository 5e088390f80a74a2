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
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ixdp.h"
#include "dataplane.h"

#define SQ_HDR		128	/* cmd_tail, ev_head: a cache line each */
#define CQ_HDR		256	/* cmd_head, ev_tail, flags, dropped */

struct app_region {
	void *mem;
	size_t size;		/* page aligned */
	u64 off;		/* mmap offset */
	bool writable;
};

enum { R_SQ, R_CQ, R_RX, R_TX, R_NR };

/*
 * Locking: @lock serialises attaches. The regions never change once
 * @attached is published (release), until the file is released, when no
 * mapping remains; mmap() therefore only needs an acquire of @attached
 * and takes no lock (it runs under mmap_lock, which attach may take when
 * it copies to user memory).
 */
struct ixdp_app {
	struct mutex lock;	/* serialises attach */
	bool attached;
	unsigned int cpu;
	struct ixdp_attach params;
	struct app_region region[R_NR];
};

struct ixdp_app *ixdp_app_create(void)
{
	struct ixdp_app *app = kzalloc(sizeof(*app), GFP_KERNEL);

	if (app)
		mutex_init(&app->lock);
	return app;
}

/* The last reference to the file is gone: no mapping remains. */
void ixdp_app_destroy(struct ixdp_app *app)
{
	unsigned int i;

	for (i = 0; i < R_NR; i++)
		vfree(app->region[i].mem);
	kfree(app);
}

static bool core_exists(unsigned int cpu)
{
	struct ixdp_port *port;
	bool found = false;
	unsigned int i;

	mutex_lock(&ixdp_dp_lock);
	port = ixdp_port_get();
	for (i = 0; port && i < port->ndp; i++)
		found |= port->dp[i]->cpu == cpu;
	mutex_unlock(&ixdp_dp_lock);
	return found;
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

static int arena_size(u32 *n)
{
	if (!*n)
		*n = 4U << 20;
	if (*n > IXDP_ARENA_MAX)
		return -EINVAL;
	*n = PAGE_ALIGN(*n);
	return 0;
}

static int region_alloc(struct app_region *r, size_t size, u64 off,
			bool writable)
{
	r->size = PAGE_ALIGN(size);
	r->off = off;
	r->writable = writable;
	r->mem = vmalloc_user(r->size);
	return r->mem ? 0 : -ENOMEM;
}

long ixdp_app_attach(struct ixdp_app *app, void __user *argp)
{
	struct ixdp_attach a;
	struct ixdp_ring_offsets *o = &a.off;
	unsigned int i;
	int err;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || !mem_is_zero(a.resv, sizeof(a.resv)) ||
	    !mem_is_zero(&a.off, sizeof(a.off)) || a.sq_size || a.cq_size)
		return -EINVAL;
	err = ring_size(&a.cmd_entries, 256, IXDP_CMD_ENTRIES_MAX) ?:
	      ring_size(&a.ev_entries, 1024, IXDP_EV_ENTRIES_MAX) ?:
	      arena_size(&a.rx_arena) ?: arena_size(&a.tx_arena);
	if (err)
		return err;

	mutex_lock(&app->lock);
	if (app->attached) {
		err = -EBUSY;
		goto out;
	}
	if (a.cpu >= nr_cpu_ids || !core_exists(a.cpu)) {
		err = -ENOENT;
		goto out;
	}

	o->cmd_tail = 0;
	o->ev_head = 64;
	o->cmds = SQ_HDR;
	o->cmd_head = 0;
	o->ev_tail = 64;
	o->flags = 128;
	o->dropped = 192;
	o->events = CQ_HDR;
	err = region_alloc(&app->region[R_SQ],
			   SQ_HDR + a.cmd_entries * sizeof(struct ixdp_cmd),
			   IXDP_OFF_SQ, true) ?:
	      region_alloc(&app->region[R_CQ],
			   CQ_HDR + a.ev_entries * sizeof(struct ixdp_event),
			   IXDP_OFF_CQ, false) ?:
	      region_alloc(&app->region[R_RX], a.rx_arena, IXDP_OFF_RX_ARENA,
			   false) ?:
	      region_alloc(&app->region[R_TX], a.tx_arena, IXDP_OFF_TX_ARENA,
			   true);
	if (err)
		goto err_free;
	a.sq_size = app->region[R_SQ].size;
	a.cq_size = app->region[R_CQ].size;
	if (copy_to_user(argp, &a, sizeof(a))) {
		err = -EFAULT;
		goto err_free;
	}
	app->params = a;
	app->cpu = a.cpu;
	/* Pairs with the acquire in ixdp_app_mmap(). */
	smp_store_release(&app->attached, true);
	mutex_unlock(&app->lock);
	return 0;

err_free:
	for (i = 0; i < R_NR; i++) {
		vfree(app->region[i].mem);
		app->region[i].mem = NULL;
	}
out:
	mutex_unlock(&app->lock);
	return err;
}

static vm_fault_t app_fault(struct vm_fault *vmf)
{
	struct app_region *r = vmf->vma->vm_private_data;
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
	struct app_region *r = NULL;
	unsigned int i;

	/* Pairs with the release in ixdp_app_attach(). */
	if (!smp_load_acquire(&app->attached))
		return -EINVAL;
	for (i = 0; i < R_NR; i++)
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
