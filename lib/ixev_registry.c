// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * ixev's registry of moving connections: one per process, a list under a
 * mutex. The thread that got IXDP_EV_MOVED leaves the connection here; the
 * thread that got IXDP_EV_ADOPT, on any core, takes it. The two events
 * come in either order, so an adoption may look for its token several
 * times before it is here, and give up (then a tombstone tells the old
 * thread that nobody will take it). Moves are rare and few are in flight
 * at once: a list is enough.
 */
#include <pthread.h>
#include <stdlib.h>

#include "ixev_move.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ixev_carry *registry;

void ixev_carry_free(struct ixev_carry *c)
{
	if (!c)
		return;
	free(c->rx);
	free(c->tx);
	free(c);
}

/* Unlinks and returns the entry of @token (locked). */
static struct ixev_carry *registry_unlink(uint64_t token)
{
	struct ixev_carry **pp, *c;

	for (pp = &registry; (c = *pp); pp = &c->next) {
		if (c->token == token) {
			*pp = c->next;
			c->next = NULL;
			return c;
		}
	}
	return NULL;
}

bool ixev_registry_put(struct ixev_carry *c)
{
	struct ixev_carry *old;

	pthread_mutex_lock(&registry_lock);
	old = registry_unlink(c->token);
	if (!old) {
		c->next = registry;
		registry = c;
	}
	pthread_mutex_unlock(&registry_lock);
	/* Only a tombstone can be there: tokens are unique. */
	ixev_carry_free(old);
	return !old;
}

struct ixev_carry *ixev_registry_take(uint64_t token)
{
	struct ixev_carry *c;

	pthread_mutex_lock(&registry_lock);
	c = registry_unlink(token);
	if (c && !c->ctx) {
		/* A tombstone is for the old thread, not for an adoption. */
		c->next = registry;
		registry = c;
		c = NULL;
	}
	pthread_mutex_unlock(&registry_lock);
	return c;
}

void ixev_registry_forget(const struct ixev_thread *t)
{
	struct ixev_carry *c;

	pthread_mutex_lock(&registry_lock);
	for (c = registry; c; c = c->next)
		if (c->from == t)
			c->from = NULL;
	pthread_mutex_unlock(&registry_lock);
}

struct ixev_carry *ixev_registry_give_up(uint64_t token)
{
	struct ixev_carry *c, *tomb = calloc(1, sizeof(*tomb));

	pthread_mutex_lock(&registry_lock);
	c = registry_unlink(token);
	if (!c && tomb) {
		tomb->token = token;
		tomb->next = registry;
		registry = tomb;
		tomb = NULL;
	}
	pthread_mutex_unlock(&registry_lock);
	free(tomb);
	return c;
}
