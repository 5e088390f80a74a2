// SPDX-License-Identifier: GPL-2.0
/*
 * Per-core hierarchical timing wheel (Varghese and Lauck, scheme 7).
 *
 * Four levels of 256 slots; a tick is 16 us, so level 0 spans 4 ms,
 * level 1 about 1 s, level 2 about 268 s and level 3 about 19 hours.  A
 * timer sits at the lowest level L whose slot counter
 * (expires >> 8L) is less than 256 slots ahead of the wheel's; when the
 * level below wraps, the slot is emptied and its timers are re-added,
 * landing one level lower ("cascade").  Timers carry the flow group that
 * owns them so that a flow group can later be moved with its timers.
 *
 * The wheel never reads a clock: ix_timerwheel_advance() is given the
 * time and runs every timer whose tick is not after it, in tick order.
 */
#include "stack.h"

static u64 us_to_tick(u64 us)
{
	return (us + (1u << IX_TW_TICK_SHIFT) - 1) >> IX_TW_TICK_SHIFT;
}

static void slot_add(struct ix_timerwheel *w, struct ix_timer *t)
{
	u64 tick = t->expires;
	struct ix_timer **head;
	unsigned int level;

	if (tick <= w->now)
		tick = w->now + 1;
	for (level = 0; level < IX_TW_LEVELS - 1; level++) {
		unsigned int sh = level * IX_TW_BITS;

		if ((tick >> sh) - (w->now >> sh) < IX_TW_SLOTS)
			break;
	}
	if (level == IX_TW_LEVELS - 1) {
		unsigned int sh = level * IX_TW_BITS;
		u64 max = ((w->now >> sh) + IX_TW_SLOTS - 1) << sh;

		if (tick > max)
			tick = max;
	}
	head = &w->slot[level][(tick >> (level * IX_TW_BITS)) &
			       (IX_TW_SLOTS - 1)];
	t->level = (u8)level;
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	t->pprev = head;
	*head = t;
	w->count[level]++;
}

static void unlink_timer(struct ix_timerwheel *w, struct ix_timer *t)
{
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
	w->count[t->level]--;
}

void ix_timerwheel_init(struct ix_timerwheel *w, u64 now_us)
{
	memset(w, 0, sizeof(*w));
	w->now = now_us >> IX_TW_TICK_SHIFT;
}

void ix_timer_init(struct ix_timer *t, ix_timer_fn fn, u16 fg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->fg = fg;
}

bool ix_timer_pending(const struct ix_timer *t)
{
	return !!t->pprev;
}

void ix_timer_arm(struct ix_timerwheel *w, struct ix_timer *t, u64 when_us)
{
	if (t->pprev)
		unlink_timer(w, t);
	t->expires = us_to_tick(when_us);
	slot_add(w, t);
}

void ix_timer_cancel(struct ix_timerwheel *w, struct ix_timer *t)
{
	if (t->pprev)
		unlink_timer(w, t);
}

/* Move every timer of one slot to where it belongs now. */
static void cascade(struct ix_timerwheel *w, unsigned int level)
{
	unsigned int idx = (w->now >> (level * IX_TW_BITS)) &
			   (IX_TW_SLOTS - 1);
	struct ix_timer *t = w->slot[level][idx];

	w->slot[level][idx] = NULL;
	while (t) {
		struct ix_timer *next = t->next;

		w->count[level]--;
		slot_add(w, t);
		t = next;
	}
}

static u32 run_slot(struct ix_stack *c, struct ix_timerwheel *w)
{
	struct ix_timer **head = &w->slot[0][w->now & (IX_TW_SLOTS - 1)];
	struct ix_timer *list = *head;
	u32 ran = 0;

	/*
	 * Detach the slot onto a local head first: callbacks may re-arm
	 * their own timer for this very tick (it then goes to the next one)
	 * or cancel another timer still on the local list.
	 */
	*head = NULL;
	if (list)
		list->pprev = &list;
	while (list) {
		struct ix_timer *t = list;

		unlink_timer(w, t);
		t->fn(c, t);
		ran++;
	}
	return ran;
}

static bool wheel_empty(const struct ix_timerwheel *w)
{
	unsigned int i;

	for (i = 0; i < IX_TW_LEVELS; i++)
		if (w->count[i])
			return false;
	return true;
}

u32 ix_timerwheel_advance(struct ix_stack *c, struct ix_timerwheel *w,
			  u64 now_us)
{
	u64 target = now_us >> IX_TW_TICK_SHIFT;
	u32 ran = 0;

	while (w->now < target) {
		unsigned int level;

		if (wheel_empty(w)) {
			w->now = target;
			break;
		}
		if (!w->count[0]) {
			/* skip to the last tick before the next wrap */
			u64 skip = (w->now | (IX_TW_SLOTS - 1));

			if (skip > w->now && skip < target)
				w->now = skip;
			else if (skip >= target)
				w->now = target - 1;
		}
		w->now++;
		for (level = 1; level < IX_TW_LEVELS; level++)
			if ((w->now >> ((level - 1) * IX_TW_BITS)) &
			    (IX_TW_SLOTS - 1))
				break;
		/* levels 1..level-1 wrapped: cascade from the highest */
		while (--level >= 1)
			cascade(w, level);
		ran += run_slot(c, w);
	}
	return ran;
}

/*
 * When the host must call ix_timerwheel_advance() next, in us: the exact
 * expiry of the first timer on level 0, or the cascade of the first
 * occupied slot of a higher level, whichever comes first (the cascaded
 * timers are not due before it).  U64_MAX-like when empty.
 */
u64 ix_timerwheel_next(const struct ix_timerwheel *w)
{
	u64 next = ~0ull, tick;
	unsigned int level, i;

	if (w->count[0]) {
		for (i = 1; i <= IX_TW_SLOTS; i++) {
			tick = w->now + i;
			if (w->slot[0][tick & (IX_TW_SLOTS - 1)]) {
				next = tick;
				break;
			}
		}
	}
	for (level = 1; level < IX_TW_LEVELS; level++) {
		unsigned int sh = level * IX_TW_BITS;
		u64 cur = w->now >> sh;

		if (!w->count[level])
			continue;
		/* the first occupied slot after the current one cascades at */
		for (i = 1; i <= IX_TW_SLOTS; i++) {
			if (w->slot[level][(cur + i) & (IX_TW_SLOTS - 1)])
				break;
		}
		tick = (cur + i) << sh;
		if (tick < next)
			next = tick;
	}
	return next == ~0ull ? next : next << IX_TW_TICK_SHIFT;
}

/*
 * Move every timer of one flow group to another wheel (the flow group
 * changes cores), keeping each expiry.  Returns how many moved.
 */
u32 ix_timerwheel_move_fg(struct ix_timerwheel *from, struct ix_timerwheel *to,
			  u16 fg)
{
	unsigned int level, i;
	u32 moved = 0;

	for (level = 0; level < IX_TW_LEVELS; level++) {
		for (i = 0; i < IX_TW_SLOTS; i++) {
			struct ix_timer *t = from->slot[level][i];

			while (t) {
				struct ix_timer *next = t->next;

				if (t->fg == fg) {
					unlink_timer(from, t);
					slot_add(to, t);
					moved++;
				}
				t = next;
			}
		}
	}
	return moved;
}
