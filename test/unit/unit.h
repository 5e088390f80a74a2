/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by every unit test's main(): "make unit T=PATTERN" runs only the
 * tests whose names match PATTERN (cmocka's filter: '*' and '?').
 */
#ifndef IXDP_UNIT_H
#define IXDP_UNIT_H

#include <stdlib.h>

static inline void unit_filter(void)
{
	const char *t = getenv("T");

	if (t && *t)
		cmocka_set_test_filter(t);
}

#endif /* IXDP_UNIT_H */
