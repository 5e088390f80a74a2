/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libixdp-preload's descriptor table: which file descriptor numbers name
 * an ixdp socket (or an epoll set the library emulates part of). The
 * caller serialises changes; lookups race only with changes of other
 * descriptors, which the table never moves: it grows by whole new pages
 * that are never freed while the process lives.
 */
#ifndef _PL_FDTAB_H
#define _PL_FDTAB_H

#include <stddef.h>

#define PL_FDTAB_PAGE	1024		/* entries per page */
#define PL_FDTAB_PAGES	1024		/* up to 1,048,576 descriptors */

struct pl_fdtab {
	void **pages[PL_FDTAB_PAGES];
	size_t used;			/* entries not NULL */
};

/* The pointer stored for @fd, or NULL (also for a negative or huge @fd). */
void *pl_fdtab_get(const struct pl_fdtab *t, int fd);
/* Stores @p for @fd: 0, -EBADF out of range, -ENOMEM. */
int pl_fdtab_set(struct pl_fdtab *t, int fd, void *p);
/* Removes and returns what was stored for @fd (NULL if nothing). */
void *pl_fdtab_clear(struct pl_fdtab *t, int fd);
/* Frees the pages (the entries' objects are the caller's). */
void pl_fdtab_free(struct pl_fdtab *t);

#endif /* _PL_FDTAB_H */
