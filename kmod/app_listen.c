// SPDX-License-Identifier: GPL-2.0
/*
 * Which process listens on which TCP port of ixdp's address. The contexts
 * of one process (one per thread and core) may all listen on a port; no
 * other process may, since each core would otherwise hand the flow groups
 * it owns to a different application. Called from the cores' kthreads.
 */
#include <linux/spinlock.h>

#include "app.h"

#define PORT_CLAIMS	(IXDP_MAX_CORES * IX_LISTEN_MAX)

struct port_claim {
	u16 port;
	u16 refs;
	pid_t tgid;
};

static DEFINE_SPINLOCK(claims_lock);
static struct port_claim claims[PORT_CLAIMS];

int ixdp_listen_claim(u16 port, pid_t tgid)
{
	struct port_claim *free = NULL;
	unsigned int i;
	int err = 0;

	spin_lock(&claims_lock);
	for (i = 0; i < PORT_CLAIMS; i++) {
		if (claims[i].refs && claims[i].port == port) {
			if (claims[i].tgid != tgid)
				err = -EADDRINUSE;
			else
				claims[i].refs++;
			goto out;
		}
		if (!claims[i].refs && !free)
			free = &claims[i];
	}
	if (!free) {
		err = -ENOSPC;
		goto out;
	}
	free->port = port;
	free->tgid = tgid;
	free->refs = 1;
out:
	spin_unlock(&claims_lock);
	return err;
}

void ixdp_listen_unclaim(u16 port)
{
	unsigned int i;

	spin_lock(&claims_lock);
	for (i = 0; i < PORT_CLAIMS; i++) {
		if (claims[i].refs && claims[i].port == port) {
			claims[i].refs--;
			break;
		}
	}
	spin_unlock(&claims_lock);
}
