// SPDX-License-Identifier: GPL-2.0
/* Timer wheel: ordering, cancel, cascade across levels, re-arm. */
#include "sim.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include "unit.h"

struct rec {
	struct ix_timer t;
	u64 due;
	u64 fired_at;
	int order;
};

static int fire_seq;
static u64 fake_now;

static void fire(struct ix_stack *c, struct ix_timer *t)
{
	struct rec *r = ix_container_of(t, struct rec, t);

	r->order = ++fire_seq;
	r->fired_at = fake_now;
}

#define N 500

static void test_order_and_cascade(void **state)
{
	static struct rec r[N];
	struct ix_timerwheel w;
	u64 start = 123456789, x = 99;
	int i, j;

	ix_timerwheel_init(&w, start);
	fire_seq = 0;
	for (i = 0; i < N; i++) {
		/* spread over all levels: 16 us .. ~80 s */
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		r[i].due = start + 16 + (x >> 20) % (i < 100 ? 4000 :
				i < 300 ? 900000 : 80000000);
		ix_timer_init(&r[i].t, fire, (u16)i);
		ix_timer_arm(&w, &r[i].t, r[i].due);
		assert_true(ix_timer_pending(&r[i].t));
	}
	/* advance in uneven steps up to 100 s */
	for (fake_now = start; fake_now < start + 100000000;) {
		fake_now += 1 + (fake_now % 7) * 3000;
		ix_timerwheel_advance(NULL, &w, fake_now);
	}
	for (i = 0; i < N; i++) {
		assert_int_not_equal(r[i].order, 0);
		assert_false(ix_timer_pending(&r[i].t));
		/* never early, and late by at most one step + one tick */
		assert_true(r[i].fired_at >= r[i].due);
		assert_true(r[i].fired_at <= r[i].due + 18000 + 16);
		for (j = 0; j < N; j++)
			if ((r[j].due >> 4) + 1 < (r[i].due >> 4))
				assert_true(r[j].order < r[i].order);
	}
}

static void test_cancel_and_rearm(void **state)
{
	struct rec a, b, c;
	struct ix_timerwheel w;

	ix_timerwheel_init(&w, 0);
	fire_seq = 0;
	ix_timer_init(&a.t, fire, 0);
	ix_timer_init(&b.t, fire, 0);
	ix_timer_init(&c.t, fire, 0);
	a.order = b.order = c.order = 0;
	ix_timer_arm(&w, &a.t, 1000);
	ix_timer_arm(&w, &b.t, 2000000);	/* level 2 */
	ix_timer_arm(&w, &c.t, 3000);
	ix_timer_cancel(&w, &b.t);
	ix_timer_cancel(&w, &b.t);		/* idempotent */
	ix_timer_arm(&w, &c.t, 500);		/* re-arm earlier */
	fake_now = 5000000;
	assert_int_equal(ix_timerwheel_advance(NULL, &w, fake_now), 2);
	assert_int_equal(c.order, 1);
	assert_int_equal(a.order, 2);
	assert_int_equal(b.order, 0);
	/* a timer armed in the past fires at the next advance */
	ix_timer_arm(&w, &b.t, 10);
	assert_int_equal(ix_timerwheel_advance(NULL, &w, fake_now + 16), 1);
	assert_int_equal(b.order, 3);
	/* very far timers are clamped, not lost */
	ix_timer_arm(&w, &a.t, fake_now + (1ull << 40));
	assert_true(ix_timer_pending(&a.t));
	ix_timer_cancel(&w, &a.t);
	assert_int_equal(w.count[0] + w.count[1] + w.count[2] + w.count[3], 0);
}

struct chain {
	struct ix_timer t, *victim;
	struct ix_timerwheel *w;
	int n;
};

static void fire_chain(struct ix_stack *c, struct ix_timer *t)
{
	struct chain *ch = ix_container_of(t, struct chain, t);

	ch->n++;
	if (ch->victim)
		ix_timer_cancel(ch->w, ch->victim);	/* same slot */
	if (ch->n < 3)
		ix_timer_arm(ch->w, t, 0);		/* re-arm in the past */
}

static void test_callbacks_modify_wheel(void **state)
{
	struct chain a, b;
	struct ix_timerwheel w;

	ix_timerwheel_init(&w, 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ix_timer_init(&a.t, fire_chain, 0);
	ix_timer_init(&b.t, fire_chain, 0);
	a.w = b.w = &w;
	/* b is armed first so it runs after a in the same slot */
	ix_timer_arm(&w, &b.t, 160);
	ix_timer_arm(&w, &a.t, 160);
	a.victim = &b.t;
	ix_timerwheel_advance(NULL, &w, 160);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 0);
	ix_timerwheel_advance(NULL, &w, 200);
	ix_timerwheel_advance(NULL, &w, 300);
	assert_int_equal(a.n, 3);
	assert_false(ix_timer_pending(&a.t));
}

static void test_move_flow_group(void **state)
{
	static struct rec r[64];
	struct ix_timerwheel a, b;
	int i;

	ix_timerwheel_init(&a, 1000);
	ix_timerwheel_init(&b, 1000);
	fire_seq = 0;
	for (i = 0; i < 64; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		ix_timer_init(&r[i].t, fire, (u16)(i % 4));
		r[i].due = 1000 + 100 + (u64)i * 40000;	/* up to 2.5 s */
		ix_timer_arm(&a, &r[i].t, r[i].due);
	}
	assert_int_equal(ix_timerwheel_move_fg(&a, &b, 2), 16);
	assert_int_equal(ix_timerwheel_move_fg(&a, &b, 2), 0);
	fake_now = 4000000;
	assert_int_equal(ix_timerwheel_advance(NULL, &a, fake_now), 48);
	for (i = 0; i < 64; i++)
		assert_int_equal(r[i].order != 0, i % 4 != 2);
	/* the moved ones fire on the new wheel, in order */
	for (fake_now = 1000; fake_now < 4000000; fake_now += 997)
		ix_timerwheel_advance(NULL, &b, fake_now);
	for (i = 2; i < 64; i += 4) {
		assert_true(r[i].fired_at >= r[i].due);
		assert_true(r[i].fired_at < r[i].due + 1000);
		if (i > 2)
			assert_true(r[i].order > r[i - 4].order);
	}
}

static void test_next_deadline(void **state)
{
	struct rec a, b, c;
	struct ix_timerwheel w;
	u64 t;

	ix_timerwheel_init(&w, 1600);		/* tick 100 */
	assert_true(ix_timerwheel_next(&w) == ~0ull);
	ix_timer_init(&a.t, fire, 0);
	ix_timer_init(&b.t, fire, 0);
	ix_timer_init(&c.t, fire, 0);
	ix_timer_arm(&w, &a.t, 3200);		/* level 0, tick 200 */
	assert_int_equal(ix_timerwheel_next(&w), 3200);
	ix_timer_arm(&w, &b.t, 2000000);	/* level 2 */
	assert_int_equal(ix_timerwheel_next(&w), 3200);
	ix_timer_cancel(&w, &a.t);
	/* only a far timer: wake at the next cascade, never after it */
	t = ix_timerwheel_next(&w);
	assert_true(t > 1600 && t <= 2000000);
	/* following the deadlines reaches the timer on time */
	fire_seq = 0;
	b.order = 0;
	fake_now = 1600;
	while (!b.order) {
		fake_now = ix_timerwheel_next(&w);
		assert_true(fake_now <= 2000000 + 16);
		ix_timerwheel_advance(NULL, &w, fake_now);
	}
	assert_true(b.fired_at >= 2000000);
	ix_timer_arm(&w, &c.t, fake_now + 100000);	/* level 1 */
	t = ix_timerwheel_next(&w);
	assert_true(t > fake_now && t <= fake_now + 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_cascade),
		cmocka_unit_test(test_cancel_and_rearm),
		cmocka_unit_test(test_callbacks_modify_wheel),
		cmocka_unit_test(test_move_flow_group),
		cmocka_unit_test(test_next_deadline),
	};

	unit_filter();
	return cmocka_run_group_tests_name("timerwheel", tests, NULL, NULL);
}
