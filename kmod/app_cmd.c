// SPDX-License-Identifier: GPL-2.0
/*
 * Commands of application contexts, in the core's kthread.
 *
 * The command ring is writable by the application at any moment, so each
 * command is copied once into a private struct and only the copy is
 * validated and used. Validation comes before any effect: reserved words
 * and unused arguments must be zero, a handle must name a connection of
 * this context that this core still owns, and every {offset, length} must
 * lie inside the TX arena (checked without overflow). A refused command
 * changes nothing but its completion and the counters.
 *
 * A command is taken only while the event ring has room for its
 * completion, which is how a full ring holds the application back.
 */
#include "app.h"
#include "grant.h"

/* What each opcode reads besides opcode, flags and user_data. */
struct op_spec {
	u8 args;		/* bit i: arg[i] */
	bool arg32;
	bool handle;
};

static const struct op_spec op_spec[__IXDP_OP_MAX] = {
	[IXDP_OP_NOP]		= { 0, false, false },
	[IXDP_OP_LISTEN]	= { BIT(0), true, false },
	[IXDP_OP_UNLISTEN]	= { 0, true, false },
	[IXDP_OP_ACCEPT]	= { BIT(0), false, true },
	[IXDP_OP_REJECT]	= { 0, false, true },
	[IXDP_OP_CONNECT]	= { BIT(0) | BIT(1), true, false },
	[IXDP_OP_SEND]		= { BIT(0) | BIT(1), true, true },
	[IXDP_OP_SENDV]		= { BIT(0) | BIT(1), true, true },
	[IXDP_OP_RECV_DONE]	= { 0, true, true },
	[IXDP_OP_CLOSE]		= { 0, false, true },
	[IXDP_OP_ABORT]		= { 0, false, true },
	[IXDP_OP_HANDOFF]	= { BIT(0), false, true },
};

static int check_format(const struct ixdp_cmd *cmd)
{
	const struct op_spec *s;
	unsigned int i;

	if (!cmd->opcode || cmd->opcode >= __IXDP_OP_MAX)
		return -EINVAL;
	s = &op_spec[cmd->opcode];
	if ((cmd->flags & ~IXDP_CMDF_ALL) || cmd->resv0 || cmd->resv[0])
		return -EINVAL;
	if ((!s->arg32 && cmd->arg32) || (!s->handle && cmd->handle))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(cmd->arg); i++)
		if (!(s->args & BIT(i)) && cmd->arg[i])
			return -EINVAL;
	return 0;
}

/*
 * The connection @handle names, if it is this context's and this core
 * still owns its flow group; the core checks slot, generation and owner.
 */
static struct ixdp_app_conn *conn_of(struct ixdp_core *dp, struct ixdp_app *app,
				     u64 handle, u32 *idx)
{
	struct ixdp_core_apps *da = dp->apps;
	u32 slot = ix_stack_handle_slot(handle);
	struct ixdp_app_owner *o;

	if (slot >= da->nconn)
		return NULL;
	o = &da->owner[slot];
	if (!o->used || o->handle != handle || o->app != app->slot ||
	    o->conn >= app->nconn)
		return NULL;
	if (!ix_tcp_lookup_handle(dp->stack, handle))
		return NULL;
	*idx = o->conn;
	return &app->conn[o->conn];
}

/* [off, off + len) inside the TX arena, len > 0. */
static bool tx_range(const struct ixdp_app *app, u64 off, u64 len)
{
	return len && off < app->tx_size && len <= app->tx_size - off;
}

static int cmd_listen(struct ixdp_core *dp, struct ixdp_app *app, u32 port,
		      u64 backlog)
{
	struct ixdp_core_apps *da = dp->apps;
	struct ixdp_app_listener *l = NULL;
	unsigned int i, mine = 0, users = 0;
	struct ixdp_app *owner;
	int err;

	if (!port || port > U16_MAX || backlog > IXDP_BACKLOG_MAX)
		return -EINVAL;
	if (!ixdp_grant_allows(app, port, IXDP_GRANT_LISTEN)) {
		ixdp_core_stats_inc(app->dst, app_denied);
		return -EACCES;
	}
	if (port == ixdp_responder_port(dp->resp))
		return -EADDRINUSE;
	for (i = 0; i < IX_LISTEN_MAX; i++) {
		if (da->listen[i].used && da->listen[i].port == port)
			return -EADDRINUSE;
		if (!da->listen[i].used) {
			l = l ?: &da->listen[i];
			continue;
		}
		owner = da->app[da->listen[i].app];
		mine += owner == app;
		users += owner && uid_eq(owner->cred->euid, app->cred->euid);
	}
	/* A context's share of the core's listeners, and its user's. */
	if (!l || mine >= IXDP_CTX_LISTEN_MAX || users >= IX_LISTEN_MAX / 2)
		return -ENOSPC;
	err = ixdp_listen_claim(port, app->tgid);
	if (err)
		return err;
	err = ix_tcp_listen(dp->stack, port);
	if (err) {
		ixdp_listen_unclaim(port);
		return err;
	}
	l->port = port;
	l->knocked = 0;
	l->gen++;
	l->backlog = backlog ?: IXDP_BACKLOG_DEFAULT;
	l->app = app->slot;
	l->used = true;
	return 0;
}

static int cmd_unlisten(struct ixdp_core *dp, struct ixdp_app *app, u32 port)
{
	struct ixdp_core_apps *da = dp->apps;
	unsigned int i;

	if (!port || port > U16_MAX)
		return -EINVAL;
	for (i = 0; i < IX_LISTEN_MAX; i++) {
		if (da->listen[i].used && da->listen[i].port == port &&
		    da->listen[i].app == app->slot) {
			ix_tcp_unlisten(dp->stack, port);
			ixdp_listen_unclaim(port);
			da->listen[i].used = false;
			return 0;
		}
	}
	return -ENOENT;
}

static int cmd_connect(struct ixdp_core *dp, struct ixdp_app *app,
		       const struct ixdp_cmd *cmd)
{
	u32 port = cmd->arg32, idx;
	u64 ip = cmd->arg[1];
	struct ixdp_app_conn *c;
	int err;

	if (!port || port > U16_MAX || !ip || ip > U32_MAX)
		return -EINVAL;
	if (!ixdp_grant_allows(app, port, IXDP_GRANT_CONNECT)) {
		ixdp_core_stats_inc(app->dst, app_denied);
		return -EACCES;
	}
	if (ixdp_app_conn_user_full(dp, app)) {
		ixdp_core_stats_inc(app->dst, app_share_drops);
		return -ENOBUFS;
	}
	idx = ixdp_app_conn_alloc(app);
	if (idx == IX_NIL)
		return -ENOBUFS;
	c = &app->conn[idx];
	c->state = IXDP_CONN_CONNECTING;
	c->cookie = cmd->arg[0];
	c->peer_ip = (__force __be32)(u32)ip;
	c->peer_port = port;
	err = ix_tcp_connect(dp->stack, be32_to_cpu(c->peer_ip),
			     port, 0, ixdp_app_cookie(app, idx));
	if (err)
		ixdp_app_conn_free(app, idx);
	return err;
}

/*
 * Sends keep the stream in order. The core may take a later buffer after
 * refusing an earlier one (it merges a buffer that continues the last one
 * it holds), so once a send is short (its completion says so), the
 * connection takes no send but the one that starts at the first byte not
 * taken: any other, such as those the application queued before it saw
 * that completion, gets -EAGAIN. A SENT event tells when there is room.
 */
static bool send_refused(const struct ixdp_app_conn *c, u64 first)
{
	return c->send_short && first != c->send_resume;
}

static void send_taken(struct ixdp_app_conn *c, long n, bool short_send,
		       u64 resume)
{
	if (n < 0)
		return;
	c->send_short = short_send;
	c->send_resume = short_send ? resume : 0;
}

/* SEND: one buffer; returns the bytes taken; *short_send if not all. */
static long cmd_send(struct ixdp_core *dp, struct ixdp_app *app,
		     struct ixdp_app_conn *c, const struct ixdp_cmd *cmd,
		     bool *short_send)
{
	struct ix_iov iov;
	long n;

	if (!tx_range(app, cmd->arg[0], cmd->arg32))
		return -EINVAL;
	if (send_refused(c, cmd->arg[0]))
		return -EAGAIN;
	iov.base = app->tx + cmd->arg[0];
	iov.len = cmd->arg32;
	n = ix_tcp_sendv(dp->stack, cmd->handle, &iov, 1);
	*short_send = n >= 0 && n < cmd->arg32;
	send_taken(c, n, *short_send, cmd->arg[0] + n);
	return n;
}

/*
 * SENDV: the iov array lives in the TX arena, which the application may
 * rewrite at any moment: copy it once, then check the copy.
 */
static long cmd_sendv(struct ixdp_core *dp, struct ixdp_app *app,
		      struct ixdp_app_conn *c, const struct ixdp_cmd *cmd,
		      bool *short_send)
{
	struct ixdp_core_apps *da = dp->apps;
	u64 off = cmd->arg[0], total = 0, left, resume = 0;
	u32 cnt = cmd->arg32, i;
	long n;

	if (!cnt || cnt > IXDP_IOV_MAX || (off & 7) ||
	    !tx_range(app, off, (u64)cnt * sizeof(struct ixdp_iov)))
		return -EINVAL;
	memcpy(da->uiov, app->tx + off, cnt * sizeof(struct ixdp_iov));
	barrier();
	for (i = 0; i < cnt; i++) {
		if (da->uiov[i].resv ||
		    !tx_range(app, da->uiov[i].off, da->uiov[i].len))
			return -EINVAL;
		da->kiov[i].base = app->tx + da->uiov[i].off;
		da->kiov[i].len = da->uiov[i].len;
		total += da->uiov[i].len;
	}
	if (send_refused(c, da->uiov[0].off))
		return -EAGAIN;
	n = ix_tcp_sendv(dp->stack, cmd->handle, da->kiov, cnt);
	*short_send = n >= 0 && n < total;
	if (*short_send) {
		/* The first untaken byte: in the first buffer not all taken. */
		for (i = 0, left = n; left >= da->uiov[i].len; i++)
			left -= da->uiov[i].len;
		resume = da->uiov[i].off + left;
	}
	send_taken(c, n, *short_send, resume);
	return n;
}

static int cmd_recv_done(struct ixdp_core *dp, struct ixdp_app *app,
			 struct ixdp_app_conn *c, u64 handle, u32 bytes)
{
	int err;

	if (!bytes || bytes > c->ann - c->rd)
		return -EINVAL;
	err = ix_tcp_recv_done(dp->stack, handle, bytes);
	if (err)
		return err;
	c->rd += bytes;
	ixdp_app_conn_rx_release(app, c);
	/* The chunks just freed are room the window may now announce. */
	ix_tcp_rcv_update(dp->stack, handle);
	return 0;
}

static int cmd_accept(struct ixdp_core *dp, struct ixdp_app *app,
		      struct ixdp_app_conn *c, u32 idx,
		      const struct ixdp_cmd *cmd)
{
	int err;

	if (c->state != IXDP_CONN_KNOCKED)
		return -EINVAL;
	if (c->adopt)
		return ixdp_app_move_accept(dp, app, c, idx, cmd->arg[0]);
	/* Open first: accepting delivers the bytes that came before. */
	c->state = IXDP_CONN_OPEN;
	c->cookie = cmd->arg[0];
	err = ix_tcp_accept(dp->stack, cmd->handle, ixdp_app_cookie(app, idx));
	if (err) {
		c->state = IXDP_CONN_KNOCKED;
		c->cookie = 0;
		return err;
	}
	ixdp_app_conn_unknock(dp, c);
	return 0;
}

static int cmd_reject(struct ixdp_core *dp, struct ixdp_app *app,
		      struct ixdp_app_conn *c, u32 idx, u64 handle)
{
	int err;

	if (c->state != IXDP_CONN_KNOCKED)
		return -EINVAL;
	/* An adopted connection was accepted long ago: a reset ends it. */
	err = c->adopt ? ix_tcp_abort(dp->stack, handle) :
	      ix_tcp_reject(dp->stack, handle);
	if (!err) {
		ixdp_app_conn_unknock(dp, c);
		ixdp_app_conn_owner_clear(dp, handle);
		ixdp_app_conn_free(app, idx);
	}
	return err;
}

/* Reset now; the application still gets the dead event, as after any end. */
static int cmd_abort(struct ixdp_core *dp, struct ixdp_app *app,
		     struct ixdp_app_conn *c, u32 idx, u64 handle)
{
	int err = ix_tcp_abort(dp->stack, handle);

	if (err)
		return err;
	if (c->state == IXDP_CONN_KNOCKED)
		ixdp_app_conn_unknock(dp, c);
	ixdp_app_conn_owner_clear(dp, handle);
	c->wr = c->ann;
	c->sent = 0;
	c->room_news = false;
	c->pend = IXDP_PEND_DEAD;
	c->status = -ECONNABORTED;
	c->state = IXDP_CONN_DYING;
	ixdp_app_conn_mark_dirty(app, idx);
	return 0;
}

/*
 * HANDOFF: a knock the application was shown goes to another context of
 * the same process on this core, which gets its own KNOCK event for it
 * (same handle) and answers it. Nothing was delivered to a knocked
 * connection yet, so only the slot changes hands: the listener's backlog
 * still counts it until the new owner accepts or rejects it.
 */
static int cmd_handoff(struct ixdp_core *dp, struct ixdp_app *app,
		       struct ixdp_app_conn *c, u32 idx, const struct ixdp_cmd *cmd)
{
	struct ixdp_core_apps *da = dp->apps;
	u64 id = cmd->arg[0];
	struct ixdp_app *to = NULL;
	unsigned int i;
	u32 nidx;

	if (c->state != IXDP_CONN_KNOCKED || c->adopt ||
	    (c->pend & IXDP_PEND_KNOCK))
		return -EINVAL;
	for (i = 0; id && id <= U32_MAX && i < IXDP_DP_APPS; i++) {
		if (da->app[i] && da->app[i]->ctx_id == id) {
			to = da->app[i];
			break;
		}
	}
	if (!to || to->dead)
		return -ENOENT;
	if (to == app)
		return -EINVAL;
	if (to->tgid != app->tgid)
		return -EPERM;
	/* One process's threads may run as different users. */
	if (!uid_eq(to->cred->euid, app->cred->euid) &&
	    ixdp_app_conn_user_full(dp, to)) {
		ixdp_core_stats_inc(app->dst, app_share_drops);
		return -ENOBUFS;
	}
	nidx = ixdp_app_conn_alloc(to);
	if (nidx == IX_NIL)
		return -ENOBUFS;
	ixdp_app_conn_knocked(dp, to, nidx, c);
	ixdp_app_conn_free(app, idx);
	ixdp_core_stats_inc(app->dst, app_handoffs);
	return 0;
}

/* Run one validated command: its result, and whether to complete it. */
static long exec(struct ixdp_core *dp, struct ixdp_app *app,
		 const struct ixdp_cmd *cmd, bool *complete)
{
	struct ixdp_app_conn *c = NULL;
	bool short_send = false;
	u32 idx = 0;
	long ret;

	ret = check_format(cmd);
	if (ret)
		return ret;
	if (op_spec[cmd->opcode].handle) {
		c = conn_of(dp, app, cmd->handle, &idx);
		if (!c)
			return -EBADF;
		/* An adoption is answered first, as a knock is. */
		if (c->adopt && cmd->opcode != IXDP_OP_ACCEPT &&
		    cmd->opcode != IXDP_OP_REJECT &&
		    cmd->opcode != IXDP_OP_ABORT)
			return -EINVAL;
	}
	switch (cmd->opcode) {
	case IXDP_OP_NOP:
		*complete = true;
		return 0;
	case IXDP_OP_LISTEN:
		return cmd_listen(dp, app, cmd->arg32, cmd->arg[0]);
	case IXDP_OP_UNLISTEN:
		return cmd_unlisten(dp, app, cmd->arg32);
	case IXDP_OP_ACCEPT:
		return cmd_accept(dp, app, c, idx, cmd);
	case IXDP_OP_REJECT:
		return cmd_reject(dp, app, c, idx, cmd->handle);
	case IXDP_OP_CONNECT:
		return cmd_connect(dp, app, cmd);
	case IXDP_OP_SEND:
	case IXDP_OP_SENDV:
		/* Received bytes returned with it: first, as RECV_DONE. */
		if (cmd->arg[1]) {
			if (cmd->arg[1] > U32_MAX)
				return -EINVAL;
			ret = cmd_recv_done(dp, app, c, cmd->handle, cmd->arg[1]);
			if (ret)
				return ret;
		}
		if (cmd->opcode == IXDP_OP_SEND)
			ret = cmd_send(dp, app, c, cmd, &short_send);
		else
			ret = cmd_sendv(dp, app, c, cmd, &short_send);
		break;
	case IXDP_OP_RECV_DONE:
		return cmd_recv_done(dp, app, c, cmd->handle, cmd->arg32);
	case IXDP_OP_CLOSE:
		return ix_tcp_close(dp->stack, cmd->handle);
	case IXDP_OP_ABORT:
		return cmd_abort(dp, app, c, idx, cmd->handle);
	case IXDP_OP_HANDOFF:
		return cmd_handoff(dp, app, c, idx, cmd);
	}
	*complete |= short_send;
	return ret;
}

/*
 * Take up to @budget commands of @app. A tail more than a ring ahead of
 * the head cannot come from a correct producer: the context is ended.
 */
unsigned int ixdp_app_cmd_run(struct ixdp_core *dp, struct ixdp_app *app,
			      unsigned int budget)
{
	struct ixdp_cmd cmd;
	unsigned int n = 0;
	bool complete;
	u32 tail, i;
	long ret;

	/* Acquire: the entries are read after the tail that covers them. */
	tail = smp_load_acquire(app->sq_cmd_tail);
	if (tail == app->cached_cmd_head)
		return 0;
	if (tail - app->cached_cmd_head > app->cmd_entries) {
		ixdp_core_stats_inc(app->dst, app_bad_cmds);
		WRITE_ONCE(*app->cq_dropped, ++app->bad_cmds);
		ixdp_app_table_kill(dp, app, IXDP_APP_END_RING);
		return 0;
	}
	while (n < budget && app->cached_cmd_head != tail && !app->dead) {
		if (!ixdp_app_event_room(app)) {
			ixdp_core_stats_inc(app->dst, app_ring_full);
			break;
		}
		i = app->cached_cmd_head & (app->cmd_entries - 1);
		memcpy(&cmd, &app->cmds[i], sizeof(cmd));
		barrier();
		app->cached_cmd_head++;
		n++;
		complete = cmd.flags & IXDP_CMDF_ACK;
		ret = exec(dp, app, &cmd, &complete);
		app->ncmds++;
		ixdp_core_stats_inc(app->dst, app_cmds);
		if (ret < 0) {
			ixdp_core_stats_inc(app->dst, app_bad_cmds);
			WRITE_ONCE(*app->cq_dropped, ++app->bad_cmds);
			complete = true;
		}
		if (complete)
			ixdp_app_event_emit(app, IXDP_EV_COMPLETION, (s32)ret,
					    0, cmd.handle, cmd.user_data,
					    cmd.opcode, 0);
	}
	/* Release: the slots are free once the new head is seen. */
	smp_store_release(app->cq_cmd_head, app->cached_cmd_head);
	return n;
}
