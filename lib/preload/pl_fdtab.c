// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libixdp-preload: the descriptor table (pl_fdtab.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "pl_fdtab.h"

static void **pl_fdtab_slot(const struct pl_fdtab *t, int fd)
{
	void **page;

	if (fd < 0 || fd >= PL_FDTAB_PAGE * PL_FDTAB_PAGES)
		return NULL;
	page = __atomic_load_n(&t->pages[fd / PL_FDTAB_PAGE],
			       __ATOMIC_ACQUIRE);
	return page ? &page[fd % PL_FDTAB_PAGE] : NULL;
}

void *pl_fdtab_get(const struct pl_fdtab *t, int fd)
{
	void **slot = pl_fdtab_slot(t, fd);

	return slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : NULL;
}

int pl_fdtab_set(struct pl_fdtab *t, int fd, void *p)
{
	void **slot, **page;

	if (fd < 0 || fd >= PL_FDTAB_PAGE * PL_FDTAB_PAGES)
		return -EBADF;
	slot = pl_fdtab_slot(t, fd);
	if (!slot) {
		page = calloc(PL_FDTAB_PAGE, sizeof(*page));
		if (!page)
			return -ENOMEM;
		__atomic_store_n(&t->pages[fd / PL_FDTAB_PAGE], page,
				 __ATOMIC_RELEASE);
		slot = &page[fd % PL_FDTAB_PAGE];
	}
	if (!*slot && p)
		t->used++;
	else if (*slot && !p)
		t->used--;
	__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return 0;
}

void *pl_fdtab_clear(struct pl_fdtab *t, int fd)
{
	void *p = pl_fdtab_get(t, fd);

	if (p)
		pl_fdtab_set(t, fd, NULL);
	return p;
}

void pl_fdtab_free(struct pl_fdtab *t)
{
	unsigned int i;

	for (i = 0; i < PL_FDTAB_PAGES; i++) {
		free(t->pages[i]);
		t->pages[i] = NULL;
	}
	t->used = 0;
}
