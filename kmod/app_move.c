// SPDX-License-Identifier: GPL-2.0
/*
 * Application connections that follow their flow group to another core
 * (IXDP_ATTACH_MOVABLE), the application half of a move (fgmove.c runs
 * the steps). Each half runs in one core's kthread:
 *
 *  check   on the source core: a group can move if every connection
 *          an application holds there is an open one of a movable
 *          context (not a knock, not a connect in progress); the
 *          processes holding them are noted.
 *  target  on the target core: each of those processes has a live
 *          movable context there, or the group stays.
 *  out     on the source core, right after the stack exported the
 *          group: each connection's record (token, stream positions,
 *          what the new context shows first) goes into the move, the
 *          bytes the old context holds in its arena are taken out of the
 *          stack's window accounting (they stay the old context's until
 *          it moves past the MOVED event), and the old context is told.
 *  in      on the target core: before the import, room for every
 *          record in its adopting context (else the group goes back);
 *          then, called for each imported connection, the adopting
 *          context gets it as a knock that shows IXDP_EV_ADOPT.
 *
 * An undo imports back into the source core the same way: there the
 * connection is adopted by a movable context of the same process, chosen
 * by the same rule (adopter()).
 */
#include <linux/slab.h>

#include "app.h"

static atomic64_t ixdp_move_tokens = ATOMIC64_INIT(0);

static struct ixdp_app *owner_app(struct ixdp_core *dp, u64 handle, u32 *idx)
{
	struct ixdp_app_owner *o = ixdp_app_conn_owner_of(dp->apps, handle);
	struct ixdp_app *app;

	if (!o)
		return NULL;
	app = dp->apps->app[o->app];
	if (!app || app->dead)
		return NULL;
	*idx = o->conn;
	return app;
}

static bool movable(const struct ixdp_app *app)
{
	return app->params.flags & IXDP_ATTACH_MOVABLE;
}

/* The index of @tgid in @mv's processes, added if new; -1 if full. */
static int proc_index(struct ixdp_app_moves *mv, pid_t tgid)
{
	unsigned int i;

	for (i = 0; i < mv->nproc; i++)
		if (mv->proc[i] == tgid)
			return i;
	if (mv->nproc == IXDP_DP_APPS)
		return -1;
	mv->proc[mv->nproc] = tgid;
	return mv->nproc++;
}

struct check {
	struct ixdp_core *dp;
	struct ixdp_app_moves *mv;
	u32 procs;
	u32 conns[IXDP_DP_APPS];
};

static int check_one(void *arg, u64 handle, u64 cookie, bool bound)
{
	struct check *ck = arg;
	struct ixdp_app *app;
	u32 idx;
	int i;

	if (!bound)
		return 0;
	app = owner_app(ck->dp, handle, &idx);
	if (!app) {
		/* A connect in progress is known by its cookie only. */
		return ixdp_app_cookie_is_app(cookie) ? -EBUSY : 0;
	}
	if (!movable(app) || app->conn[idx].state != IXDP_CONN_OPEN)
		return -EBUSY;
	i = proc_index(ck->mv, app->tgid);
	if (i < 0)
		return -EBUSY;
	ck->procs |= BIT(i);
	ck->conns[i]++;
	return 0;
}

/*
 * On the source core: can flow group @fg follow its move? -EBUSY if an
 * application holds a connection of it that cannot; else 0, with the
 * processes holding its connections noted for the target's check.
 */
int ixdp_app_move_check(struct ixdp_core *dp, struct ixdp_app_moves *mv,
			u32 fg)
{
	struct check ck = { .dp = dp, .mv = mv };
	unsigned int i;
	int err;

	err = ix_fg_for_each(dp->stack, fg, check_one, &ck);
	mv->fg_procs[fg] = err ? 0 : ck.procs;
	if (err || (mv->counted[fg / 32] & BIT(fg % 32)))
		return err;
	/* A group checked again at its export is counted once. */
	mv->counted[fg / 32] |= BIT(fg % 32);
	for (i = 0; i < mv->nproc; i++)
		mv->proc_conns[i] += ck.conns[i];
	return 0;
}

/* The movable context of @tgid on @dp that adopts a connection to @lport. */
static struct ixdp_app *adopter(struct ixdp_core *dp, pid_t tgid, u16 lport)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app *app, *first = NULL;
	unsigned int i;

	for (i = 0; i < IX_LISTEN_MAX; i++) {
		if (!da->listen[i].used || da->listen[i].port != lport)
			continue;
		app = da->app[da->listen[i].app];
		if (app && !app->dead && movable(app) && app->tgid == tgid)
			return app;
	}
	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = da->app[i];
		if (!app || app->dead || !movable(app) || app->tgid != tgid)
			continue;
		/* The one attached first: the lowest context id. */
		if (!first || app->ctx_id < first->ctx_id)
			first = app;
	}
	return first;
}

/* Free connection slots of @tgid's movable contexts on @dp. */
static u32 proc_room(struct ixdp_core *dp, pid_t tgid)
{
	struct ixdp_app *app;
	unsigned int i;
	u32 room = 0, head;

	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = dp->apps->app[i];
		if (!app || app->dead || !movable(app) || app->tgid != tgid)
			continue;
		if (ixdp_app_ev_head(app, &head))
			ixdp_app_conn_reclaim(app, head);
		room += app->nconn - app->nused;
	}
	return room;
}

/*
 * On the target core: the processes noted by the checks that have no
 * movable context here, or too few free slots in theirs for the
 * connections that would come, as a mask of their indexes. The others
 * are marked checked: a process first seen at the export is not.
 */
u32 ixdp_app_move_missing(struct ixdp_core *dp, struct ixdp_app_moves *mv)
{
	u32 missing = 0;
	unsigned int i;

	for (i = 0; i < mv->nproc; i++) {
		if (!adopter(dp, mv->proc[i], 0) ||
		    proc_room(dp, mv->proc[i]) < mv->proc_conns[i])
			missing |= BIT(i);
		else
			mv->checked |= BIT(i);
	}
	return missing;
}

/* The target has not vouched for every process holding @fg's connections. */
bool ixdp_app_move_unchecked(const struct ixdp_app_moves *mv, u32 fg)
{
	return mv->fg_procs[fg] & ~mv->checked;
}

/* A record in the room ixdp_app_move_reserve() made. */
static struct ixdp_app_move *rec_add(struct ixdp_app_moves *mv)
{
	struct ixdp_app_move *m;

	if (mv->n == mv->cap)
		return NULL;
	m = &mv->rec[mv->n++];
	memset(m, 0, sizeof(*m));
	return m;
}

/*
 * Room for the records of a group of @n connections, made before its
 * export so that nothing fails after it.
 */
int ixdp_app_move_reserve(struct ixdp_app_moves *mv, u32 n)
{
	struct ixdp_app_move *m;
	u32 cap = mv->cap;

	if (mv->n + n <= mv->cap)
		return 0;
	while (cap < mv->n + n)
		cap = cap ? cap * 2 : 64;
	m = kvmalloc_array(cap, sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	if (mv->n)
		memcpy(m, mv->rec, mv->n * sizeof(*m));
	kvfree(mv->rec);
	mv->rec = m;
	mv->cap = cap;
	return 0;
}

/*
 * On the source core, after ix_fg_export() of group @fg: every connection
 * of an application in @blob leaves its context (the MOVED event follows
 * the events it owed) and its record goes into @mv.
 */
void ixdp_app_move_out(struct ixdp_core *dp, struct ixdp_app_moves *mv,
		       u32 fg, struct ix_fg_blob *blob)
{
	struct ix_fg_conn_info ci;
	struct ixdp_app_conn *c;
	struct ixdp_app_move *m;
	struct ixdp_app *app;
	u32 i, idx, n = ix_fg_blob_conns(blob);

	mv->fg_first[fg] = mv->n;
	mv->fg_n[fg] = 0;
	for (i = 0; i < n; i++) {
		ix_fg_blob_info(blob, i, &ci);
		if (!ci.app || !ixdp_app_cookie_is_app(ci.cookie))
			continue;
		app = owner_app(dp, ci.handle, &idx);
		if (!app)
			continue;
		c = &app->conn[idx];
		/* Reserved before the export: cannot fail. */
		m = rec_add(mv);
		if (WARN_ON_ONCE(!m))
			break;
		mv->fg_n[fg]++;
		m->old_handle = ci.handle;
		m->token = atomic64_inc_return(&ixdp_move_tokens);
		m->tgid = app->tgid;
		m->rx_pos = c->wr;
		m->tx_pos = ci.tx_taken;
		m->tx_skip = ci.tx_unreported;
		m->wait_bytes = c->wait_bytes;
		m->peer_ip = c->peer_ip;
		m->peer_port = c->peer_port;
		m->lport = c->lport;
		/* An end of stream not yet shown here is the new context's. */
		m->eof = c->pend & IXDP_PEND_EOF;
		m->flags = (ci.fin ? IXDP_MOVED_FIN : 0) |
			   (ci.eof_shown && !m->eof ? IXDP_MOVED_EOF : 0);
		/* What the arena holds stays here: B's window is not on it. */
		WARN_ON_ONCE(ix_fg_blob_rx_return(blob, i, c->wr - c->rd));

		ixdp_app_conn_owner_clear(dp, ci.handle);
		if (c->waiting) {
			app->wait_bytes -= c->wait_bytes;
			c->wait_bytes = 0;
			c->waiting = false;
		}
		c->token = m->token;
		c->tx_pos = m->tx_pos;
		c->move_flags = m->flags;
		c->pend = (c->pend & ~IXDP_PEND_EOF) | IXDP_PEND_MOVED;
		c->state = IXDP_CONN_DYING;
		ixdp_app_conn_mark_dirty(app, idx);
	}
}

/*
 * The record of @handle among those of the group being imported
 * (@mv->cur_fg): the import calls back in export order, so it is the
 * next one from the cursor, usually.
 */
static struct ixdp_app_move *rec_of(struct ixdp_app_moves *mv, u64 handle)
{
	u32 first = mv->fg_first[mv->cur_fg], end = first + mv->fg_n[mv->cur_fg];
	u32 i;

	for (i = max(mv->cursor, first); i < end; i++) {
		if (!mv->rec[i].done && mv->rec[i].old_handle == handle) {
			mv->cursor = i + 1;
			return &mv->rec[i];
		}
	}
	for (i = first; i < end; i++)
		if (!mv->rec[i].done && mv->rec[i].old_handle == handle)
			return &mv->rec[i];
	return NULL;
}

/*
 * On the target core, before the import of group @fg: room for each of
 * its connections in the context that will adopt it. -ENOSPC if some
 * context has too few free slots, -ESRCH if a process has none here.
 */
int ixdp_app_move_in_check(struct ixdp_core *dp, struct ixdp_app_moves *mv,
			   u32 fg)
{
	u32 need[IXDP_DP_APPS] = {}, head, end;
	struct ixdp_app *app;
	unsigned int i;

	mv->cur_fg = fg;
	mv->cursor = mv->fg_first[fg];
	end = mv->fg_first[fg] + mv->fg_n[fg];
	for (i = mv->fg_first[fg]; i < end; i++) {
		if (mv->rec[i].done)
			continue;
		app = adopter(dp, mv->rec[i].tgid, mv->rec[i].lport);
		if (!app)
			return -ESRCH;
		need[app->slot]++;
	}
	for (i = 0; i < IXDP_DP_APPS; i++) {
		app = dp->apps->app[i];
		if (!need[i])
			continue;
		if (ixdp_app_ev_head(app, &head))
			ixdp_app_conn_reclaim(app, head);
		if (app->nconn - app->nused < need[i])
			return -ENOSPC;
	}
	return 0;
}

/*
 * On the target core, for each imported connection: the adopting context
 * gets it (its ADOPT event, then nothing until it answers). True if the
 * connection was an application's.
 */
bool ixdp_app_move_in(struct ixdp_core *dp, struct ixdp_app_moves *mv,
		      u64 old_handle, u64 new_handle, u64 cookie)
{
	struct ixdp_app_conn k = {}, *c;
	struct ixdp_app_move *m;
	struct ixdp_app *app;
	u32 idx;

	if (!ixdp_app_cookie_is_app(cookie))
		return false;
	m = rec_of(mv, old_handle);
	if (!m)
		return false;
	m->done = true;
	app = adopter(dp, m->tgid, m->lport);
	idx = app ? ixdp_app_conn_alloc(app) : IX_NIL;
	if (idx == IX_NIL) {
		/* The check before the import makes this unreachable. */
		WARN_ON_ONCE(1);
		ixdp_app_conn_defer(dp, IXDP_DEFER_ABORT, new_handle);
		return true;
	}
	/* A knock of no listener, which shows ADOPT instead of KNOCK. */
	k.handle = new_handle;
	k.peer_ip = m->peer_ip;
	k.peer_port = m->peer_port;
	k.lport = m->lport;
	k.lslot = IX_LISTEN_MAX;
	ixdp_app_conn_knocked(dp, app, idx, &k);
	c = &app->conn[idx];
	c->pend = IXDP_PEND_ADOPT;
	c->rd = m->rx_pos;
	c->ann = m->rx_pos;
	c->wr = m->rx_pos;
	c->token = m->token;
	c->tx_pos = m->tx_pos;
	c->tx_skip = m->tx_skip;
	c->adopt = true;
	c->adopt_eof = m->eof;
	/*
	 * Bytes that waited in the core's buffers on the old core still do,
	 * and new ones wait behind them (on_recv()) until they are pulled
	 * after the answer.
	 */
	if (m->wait_bytes) {
		app->wait_bytes += m->wait_bytes;
		c->wait_bytes += m->wait_bytes;
		c->waiting = true;
		if (!c->wait_listed) {
			c->wait_listed = true;
			c->wait_next = app->wait_head;
			app->wait_head = idx;
		}
	}
	return true;
}

/*
 * ACCEPT of an adopted connection: it is the context's from now on, under
 * @cookie; the bytes that came since the move are shown.
 */
int ixdp_app_move_accept(struct ixdp_core *dp, struct ixdp_app *app,
			 struct ixdp_app_conn *c, u32 idx, u64 cookie)
{
	int err;

	err = ix_tcp_set_cookie(dp->stack, c->handle,
				ixdp_app_cookie(app, idx));
	if (err)
		return err;
	c->adopt = false;
	c->cookie = cookie;
	c->state = IXDP_CONN_OPEN;
	if (c->adopt_eof)
		c->pend |= IXDP_PEND_EOF;
	/* What waits is pulled at the next loop step (apps_run()). */
	ixdp_app_conn_mark_dirty(app, idx);
	return 0;
}

void ixdp_app_move_free(struct ixdp_app_moves *mv)
{
	kvfree(mv->rec);
	mv->rec = NULL;
	mv->n = 0;
	mv->cap = 0;
}
