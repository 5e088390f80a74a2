// SPDX-License-Identifier: GPL-2.0
/*
 * libixdp-preload's logic that needs no kernel: the parsing of its
 * environment variables (lib/preload/pl_config.c) and its descriptor
 * table (lib/preload/pl_fdtab.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "unit.h"
#include "pl_config.h"
#include "pl_fdtab.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int parse(struct pl_config *c, const char *addr, const char *ports,
		 const char *cpus, const char **bad)
{
	return pl_config_parse(c, addr, ports, cpus, NULL, NULL, bad);
}

static void test_config_unset(void **state)
{
	struct pl_config c;
	const char *bad;

	assert_int_equal(parse(&c, NULL, "80", "0", &bad), 0);
	assert_false(c.enabled);
	assert_null(bad);
	assert_int_equal(parse(&c, "", NULL, NULL, &bad), 0);
	assert_false(c.enabled);
}

static void test_config_addr(void **state)
{
	struct pl_config c;
	const char *bad;

	assert_int_equal(parse(&c, "198.18.0.3", NULL, NULL, &bad), 0);
	assert_true(c.enabled);
	assert_int_equal(c.addr, inet_addr("198.18.0.3"));
	assert_int_equal(c.nports, 0);
	assert_true(pl_config_port_ok(&c, 1));
	assert_true(pl_config_port_ok(&c, 65535));
	assert_int_equal(c.cpus, 0);
	assert_false(c.strict);
	assert_false(c.debug);

	/* Not an address, a name, the wildcard, broadcast, IPv6. */
	assert_int_equal(parse(&c, "198.18.0", NULL, NULL, &bad), -EINVAL);
	assert_string_equal(bad, "IXDP_PRELOAD_ADDR");
	assert_false(c.enabled);
	assert_int_equal(parse(&c, "localhost", NULL, NULL, &bad), -EINVAL);
	assert_int_equal(parse(&c, "0.0.0.0", NULL, NULL, &bad), -EINVAL);
	assert_int_equal(parse(&c, "255.255.255.255", NULL, NULL, &bad),
			 -EINVAL);
	assert_int_equal(parse(&c, "::1", NULL, NULL, &bad), -EINVAL);
	assert_int_equal(parse(&c, "198.18.0.3 ", NULL, NULL, &bad), -EINVAL);
}

static void test_config_ports(void **state)
{
	struct pl_config c;
	const char *bad;
	char many[PL_MAX_PORTS * 6 + 8];
	unsigned int i;
	size_t n = 0;

	assert_int_equal(parse(&c, "10.0.0.1", "80,443,11211", NULL, &bad), 0);
	assert_int_equal(c.nports, 3);
	assert_true(pl_config_port_ok(&c, 80));
	assert_true(pl_config_port_ok(&c, 11211));
	assert_false(pl_config_port_ok(&c, 81));
	assert_false(pl_config_port_ok(&c, 0));

	assert_int_equal(parse(&c, "10.0.0.1", "65535", NULL, &bad), 0);
	assert_true(pl_config_port_ok(&c, 65535));

	/* Each wrong form fails the whole configuration. */
	static const char * const wrong[] = {
		"", ",", "80,", ",80", "0", "65536", "80,,81", "8o", "-1",
		"80 81", "99999999999999999999",
	};
	for (i = 0; i < ARRAY_SIZE(wrong); i++) {
		assert_int_equal(parse(&c, "10.0.0.1", wrong[i], NULL, &bad),
				 -EINVAL);
		assert_string_equal(bad, "IXDP_PRELOAD_PORTS");
		assert_false(c.enabled);
		assert_int_equal(c.nports, 0);
	}

	/* At most PL_MAX_PORTS. */
	for (i = 0; i < PL_MAX_PORTS; i++)
		n += (size_t)sprintf(many + n, "%s%u", i ? "," : "", 1000 + i);
	assert_int_equal(parse(&c, "10.0.0.1", many, NULL, &bad), 0);
	assert_int_equal(c.nports, PL_MAX_PORTS);
	sprintf(many + n, ",2000");
	assert_int_equal(parse(&c, "10.0.0.1", many, NULL, &bad), -EINVAL);
}

static void test_config_cpus(void **state)
{
	struct pl_config c;
	const char *bad;

	assert_int_equal(parse(&c, "10.0.0.1", NULL, "0", &bad), 0);
	assert_int_equal(c.cpus, 1);
	assert_int_equal(parse(&c, "10.0.0.1", NULL, "0,2-4,63", &bad), 0);
	assert_int_equal(c.cpus, 1ULL | 0x1cULL | (1ULL << 63));
	assert_int_equal(parse(&c, "10.0.0.1", NULL, "3-3", &bad), 0);
	assert_int_equal(c.cpus, 8);

	static const char * const wrong[] = {
		"", "64", "4-2", "1-", "-1", "a", "1,,2", "0-64",
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(wrong); i++) {
		assert_int_equal(parse(&c, "10.0.0.1", NULL, wrong[i], &bad),
				 -EINVAL);
		assert_string_equal(bad, "IXDP_PRELOAD_CPUS");
		assert_int_equal(c.cpus, 0);
	}
}

static void test_config_flags(void **state)
{
	struct pl_config c;
	const char *bad;

	assert_int_equal(pl_config_parse(&c, "10.0.0.1", NULL, NULL, "1", "1",
					 &bad), 0);
	assert_true(c.strict);
	assert_true(c.debug);
	assert_int_equal(pl_config_parse(&c, "10.0.0.1", NULL, NULL, "0", "",
					 &bad), 0);
	assert_false(c.strict);
	assert_false(c.debug);
	/* Strict mode is known even when the rest is wrong. */
	assert_int_equal(pl_config_parse(&c, "nope", NULL, NULL, "1", NULL,
					 &bad), -EINVAL);
	assert_true(c.strict);
	assert_int_equal(pl_config_parse(&c, "10.0.0.1", NULL, NULL, "yes",
					 NULL, &bad), -EINVAL);
	assert_string_equal(bad, "IXDP_PRELOAD_STRICT");
	assert_int_equal(pl_config_parse(&c, "10.0.0.1", NULL, NULL, NULL,
					 "2", &bad), -EINVAL);
	assert_string_equal(bad, "IXDP_PRELOAD_DEBUG");
}

static void test_fdtab(void **state)
{
	static struct pl_fdtab t;
	int a, b, c;

	assert_null(pl_fdtab_get(&t, 0));
	assert_null(pl_fdtab_get(&t, -1));
	assert_null(pl_fdtab_get(&t, PL_FDTAB_PAGE * PL_FDTAB_PAGES));
	assert_int_equal(pl_fdtab_set(&t, -1, &a), -EBADF);
	assert_int_equal(pl_fdtab_set(&t, PL_FDTAB_PAGE * PL_FDTAB_PAGES, &a),
			 -EBADF);

	assert_int_equal(pl_fdtab_set(&t, 3, &a), 0);
	assert_int_equal(pl_fdtab_set(&t, PL_FDTAB_PAGE + 5, &b), 0);
	assert_int_equal(pl_fdtab_set(&t, PL_FDTAB_PAGE * PL_FDTAB_PAGES - 1,
				      &c), 0);
	assert_int_equal(t.used, 3);
	assert_ptr_equal(pl_fdtab_get(&t, 3), &a);
	assert_ptr_equal(pl_fdtab_get(&t, PL_FDTAB_PAGE + 5), &b);
	assert_ptr_equal(pl_fdtab_get(&t, PL_FDTAB_PAGE * PL_FDTAB_PAGES - 1),
			 &c);
	assert_null(pl_fdtab_get(&t, 4));
	assert_null(pl_fdtab_get(&t, PL_FDTAB_PAGE + 4));
	assert_null(pl_fdtab_get(&t, 2 * PL_FDTAB_PAGE));

	/* Replacing counts once; clearing returns what was there. */
	assert_int_equal(pl_fdtab_set(&t, 3, &b), 0);
	assert_int_equal(t.used, 3);
	assert_ptr_equal(pl_fdtab_clear(&t, 3), &b);
	assert_null(pl_fdtab_clear(&t, 3));
	assert_int_equal(t.used, 2);
	assert_int_equal(pl_fdtab_set(&t, PL_FDTAB_PAGE + 5, NULL), 0);
	assert_int_equal(t.used, 1);
	assert_ptr_equal(pl_fdtab_clear(&t, PL_FDTAB_PAGE * PL_FDTAB_PAGES - 1),
			 &c);
	assert_int_equal(t.used, 0);
	pl_fdtab_free(&t);
	assert_null(pl_fdtab_get(&t, PL_FDTAB_PAGE + 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_unset),
		cmocka_unit_test(test_config_addr),
		cmocka_unit_test(test_config_ports),
		cmocka_unit_test(test_config_cpus),
		cmocka_unit_test(test_config_flags),
		cmocka_unit_test(test_fdtab),
	};

	unit_filter();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
