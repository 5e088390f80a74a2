// SPDX-License-Identifier: GPL-2.0
/*
 * What application contexts may make the kernel hold, per user.
 *
 * Memory. Every page of a context's regions is kernel memory the
 * application keeps resident for as long as it holds the file. It is
 * charged twice, as AF_XDP charges its UMEM and io_uring its rings:
 *  - to the process's memory cgroup (the regions are allocated with
 *    __GFP_ACCOUNT), so a container's limit covers it;
 *  - to the user's RLIMIT_MEMLOCK through user_struct.locked_vm, the
 *    counter io_uring, AF_XDP and perf share, unless the process has
 *    CAP_IPC_LOCK. An attach beyond it gets -ENOBUFS before anything is
 *    allocated, never the OOM killer.
 *
 * Contexts. A user (effective uid, as for the per-core shares and the
 * grants) holds at most ixdp_max_contexts contexts at once over
 * all cores (module parameter; 0: no limit), unless the process has
 * CAP_SYS_RESOURCE; one more gets -EDQUOT.
 *
 * Both charges are taken at attach and returned when the file is
 * released, whatever way the process ends.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "app.h"

static unsigned int max_contexts = 64;
module_param_named(max_contexts, max_contexts, uint, 0644);
MODULE_PARM_DESC(max_contexts,
		 "application contexts one user may hold (0: no limit; default 64)");

struct user_contexts {
	struct hlist_node node;
	kuid_t uid;
	unsigned int n;
};

static DEFINE_MUTEX(contexts_lock);
static DEFINE_HASHTABLE(contexts, 6);

static struct user_contexts *contexts_of(kuid_t uid)
{
	struct user_contexts *u;

	hash_for_each_possible(contexts, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* One more context for the current user; -EDQUOT beyond the limit. */
static int contexts_get(kuid_t uid, bool unlimited)
{
	unsigned int limit = READ_ONCE(max_contexts);
	struct user_contexts *u;
	int err = 0;

	mutex_lock(&contexts_lock);
	u = contexts_of(uid);
	if (!u) {
		u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
		if (!u) {
			err = -ENOMEM;
			goto out;
		}
		u->uid = uid;
		hash_add(contexts, &u->node, __kuid_val(uid));
	}
	if (limit && !unlimited && u->n >= limit)
		err = -EDQUOT;
	else
		u->n++;
out:
	mutex_unlock(&contexts_lock);
	return err;
}

static void contexts_put(kuid_t uid)
{
	struct user_contexts *u;

	mutex_lock(&contexts_lock);
	u = contexts_of(uid);
	if (!WARN_ON_ONCE(!u || !u->n) && !--u->n) {
		hash_del(&u->node);
		kfree(u);
	}
	mutex_unlock(&contexts_lock);
}

/* Charge @pages to @user's RLIMIT_MEMLOCK (the caller's limit). */
static int memlock_charge(struct user_struct *user, unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	long cur = atomic_long_read(&user->locked_vm), want;

	do {
		want = cur + pages;
		if (want < cur || want > limit)
			return -ENOBUFS;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, want));
	return 0;
}

/*
 * Charge a context of @bytes of regions to the calling process's user
 * before anything is allocated; undone by ixdp_account_release().
 */
int ixdp_account_charge(struct ixdp_account *acct, size_t bytes)
{
	int err;

	acct->uid = current_euid();
	err = contexts_get(acct->uid, capable(CAP_SYS_RESOURCE));
	if (err)
		return err;
	acct->counted = true;
	if (capable(CAP_IPC_LOCK))
		return 0;
	acct->user = get_uid(current_user());
	acct->pages = PAGE_ALIGN(bytes) >> PAGE_SHIFT;
	err = memlock_charge(acct->user, acct->pages);
	if (err) {
		free_uid(acct->user);
		acct->user = NULL;
		acct->pages = 0;
		ixdp_account_release(acct);
	}
	return err;
}

void ixdp_account_release(struct ixdp_account *acct)
{
	if (acct->user) {
		atomic_long_sub(acct->pages, &acct->user->locked_vm);
		free_uid(acct->user);
		acct->user = NULL;
	}
	if (acct->counted) {
		contexts_put(acct->uid);
		acct->counted = false;
	}
}
