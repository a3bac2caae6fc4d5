/*
 * test_stats.c - Wilson, two-proportion test and Newcombe interval against
 * published reference values (Newcombe 1998, Table II; R prop.test without
 * continuity correction).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "fixture.h"
#include "stats.h"

#define near(a, b, eps) assert_true(fabs((a) - (b)) < (eps))

static void test_wilson(void **state)
{
	/* successes, trials, expected interval, tolerance of each bound */
	static const struct {
		int k, n;
		double lo, hi, eps_lo, eps_hi;
	} cases[] = {
		/* Newcombe 1998 Table I: 81/263 -> 0.2553, 0.3662 */
		{ 81, 263, 0.2553, 0.3662, 5e-4, 5e-4 },
		/* 15/148 -> 0.0624, 0.1605 */
		{ 15, 148, 0.0624, 0.1605, 5e-4, 5e-4 },
		/* 0/20 -> 0, 0.1611 */
		{ 0, 20, 0.0, 0.1611, 1e-12, 5e-4 },
		{ 10, 10, 0.7225, 1.0, 5e-4, 1e-12 },
		{ 0, 0, 0.0, 1.0, 1e-12, 1e-12 },
	};
	double lo, hi;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wilson(cases[i].k, cases[i].n, Z95, &lo, &hi);
		near(lo, cases[i].lo, cases[i].eps_lo);
		near(hi, cases[i].hi, cases[i].eps_hi);
	}
}

static void test_two_prop(void **state)
{
	(void)state;
	/* prop.test(c(15, 30), c(50, 50), correct=FALSE): X-squared = 9.0909, p = 0.002569 */
	near(two_prop_p(15, 50, 30, 50), 0.002569, 2e-6);
	near(two_prop_p(30, 50, 15, 50), 0.002569, 2e-6);
	near(two_prop_p(10, 20, 10, 20), 1.0, 1e-12);
	near(two_prop_p(0, 0, 3, 5), 1.0, 1e-12);
}

static void test_newcombe(void **state)
{
	double lo, hi;

	(void)state;
	/* Newcombe 1998 Table II example (56/70 vs 48/80): -> 0.0524, 0.3339 for p1 - p2 */
	diff_interval(48, 80, 56, 70, Z95, &lo, &hi);
	near(lo, 0.0524, 5e-4);
	near(hi, 0.3339, 5e-4);
	/* one flaky trial of 20 cannot make the interval exclude 0 */
	diff_interval(20, 20, 19, 20, Z95, &lo, &hi);
	assert_true(lo < 0.0 && hi > 0.0);
}

FIXTURE_MAIN(NULL, NULL,
	     cmocka_unit_test(test_wilson),
	     cmocka_unit_test(test_two_prop),
	     cmocka_unit_test(test_newcombe))
