// SPDX-License-Identifier: GPL-2.0
/*
 * Index-addressed buffer pools.  Each pool is one data area of count
 * buffers of bufsz bytes, an array of descriptors and a stack of free
 * indices.  Everything is allocated at setup; get and put are O(1) and
 * never allocate.  Queues (struct ix_mq) link descriptors by index, so a
 * queue is valid in any address space that maps the pool.
 */
#include "stack.h"

int ix_pool_init(struct ix_pool *p, u8 id, u32 count, u32 bufsz)
{
	u32 i;

	memset(p, 0, sizeof(*p));
	if (!count || bufsz < 256 || bufsz > 65536)
		return -EINVAL;
	p->desc = ix_plat_zalloc((size_t)count * sizeof(*p->desc));
	p->stack = ix_plat_zalloc((size_t)count * sizeof(*p->stack));
	p->data = ix_plat_zalloc((size_t)count * bufsz);
	if (!p->desc || !p->stack || !p->data) {
		ix_pool_destroy(p);
		return -ENOMEM;
	}
	p->count = count;
	p->bufsz = bufsz;
	p->id = id;
	for (i = 0; i < count; i++) {
		p->desc[i].idx = i;
		p->desc[i].pool = id;
		p->stack[i] = count - 1 - i;
	}
	p->nfree = count;
	return 0;
}

void ix_pool_destroy(struct ix_pool *p)
{
	ix_plat_free(p->desc);
	ix_plat_free(p->stack);
	ix_plat_free(p->data);
	memset(p, 0, sizeof(*p));
}

struct ix_mbuf *ix_pool_get(struct ix_pool *p)
{
	struct ix_mbuf *m;

	if (unlikely(!p->nfree))
		return NULL;
	m = &p->desc[p->stack[--p->nfree]];
	m->next = IX_NIL;
	m->off = IX_HEADROOM;
	m->len = 0;
	m->flags = 0;
	m->csum_start = 0;
	m->hash = 0;
	m->seq = 0;
	m->poff = 0;
	m->plen = 0;
	m->in_use = 1;
	m->ext = NULL;
	m->host = NULL;
	m->release = NULL;
	return m;
}

void ix_pool_put(struct ix_pool *p, struct ix_mbuf *m)
{
	if (unlikely(!m->in_use || p->nfree >= p->count)) {
		ix_plat_warn("double free of buffer %u\n", m->idx);
		return;
	}
	m->in_use = 0;
	if (m->release) {
		/* A lent frame goes back to its host. */
		p->nlent--;
		m->release(m->host);
		m->release = NULL;
	}
	m->ext = NULL;
	p->stack[p->nfree++] = m->idx;
}

/* The base of an mbuf's bytes: its pool buffer, or the host's frame. */
u8 *ix_pool_buf(const struct ix_pool *p, const struct ix_mbuf *m)
{
	if (m->ext)
		return m->ext;
	return p->data + (size_t)m->idx * p->bufsz;
}

struct ix_mbuf *ix_pool_mbuf(const struct ix_pool *p, u32 idx)
{
	if (idx >= p->count)
		return NULL;
	return &p->desc[idx];
}

void ix_mq_init(struct ix_mq *q)
{
	q->head = IX_NIL;
	q->tail = IX_NIL;
	q->count = 0;
}

void ix_mq_push(const struct ix_pool *p, struct ix_mq *q, struct ix_mbuf *m)
{
	m->next = IX_NIL;
	if (q->tail == IX_NIL)
		q->head = m->idx;
	else
		p->desc[q->tail].next = m->idx;
	q->tail = m->idx;
	q->count++;
}

struct ix_mbuf *ix_mq_peek(const struct ix_pool *p, const struct ix_mq *q)
{
	return q->head == IX_NIL ? NULL : &p->desc[q->head];
}

struct ix_mbuf *ix_mq_pop(const struct ix_pool *p, struct ix_mq *q)
{
	struct ix_mbuf *m = ix_mq_peek(p, q);

	if (!m)
		return NULL;
	q->head = m->next;
	if (q->head == IX_NIL)
		q->tail = IX_NIL;
	q->count--;
	m->next = IX_NIL;
	return m;
}

void ix_mq_purge(struct ix_pool *p, struct ix_mq *q)
{
	struct ix_mbuf *m;

	while ((m = ix_mq_pop(p, q)))
		ix_pool_put(p, m);
}
