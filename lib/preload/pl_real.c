// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libixdp-preload: the C library's own functions behind the ones it
 * replaces, found with dlsym(RTLD_NEXT).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "preload.h"

struct pl_real pl_real;

#define PL_REAL(name) do {						\
	void *p = dlsym(RTLD_NEXT, #name);				\
	if (!p) {							\
		static const char m[] =					\
			"libixdp-preload: no " #name " in libc\n";	\
		if (write(2, m, sizeof(m) - 1) < 0)			\
			abort();					\
		abort();						\
	}								\
	__atomic_store_n((void **)&pl_real.name, p, __ATOMIC_RELEASE);	\
} while (0)

void pl_real_init(void)
{
	if (__atomic_load_n((void **)&pl_real.pselect, __ATOMIC_ACQUIRE))
		return;
	PL_REAL(socket);
	PL_REAL(bind);
	PL_REAL(listen);
	PL_REAL(accept);
	PL_REAL(accept4);
	PL_REAL(connect);
	PL_REAL(read);
	PL_REAL(write);
	PL_REAL(readv);
	PL_REAL(writev);
	PL_REAL(recv);
	PL_REAL(send);
	PL_REAL(recvfrom);
	PL_REAL(sendto);
	PL_REAL(recvmsg);
	PL_REAL(sendmsg);
	PL_REAL(sendfile);
	PL_REAL(close);
	PL_REAL(shutdown);
	PL_REAL(dup);
	PL_REAL(dup2);
	PL_REAL(dup3);
	PL_REAL(fcntl);
	PL_REAL(ioctl);
	PL_REAL(getsockopt);
	PL_REAL(setsockopt);
	PL_REAL(getsockname);
	PL_REAL(getpeername);
	PL_REAL(epoll_create);
	PL_REAL(epoll_create1);
	PL_REAL(epoll_ctl);
	PL_REAL(epoll_wait);
	PL_REAL(epoll_pwait);
	PL_REAL(poll);
	PL_REAL(ppoll);
	PL_REAL(select);
	PL_REAL(pselect);
}
