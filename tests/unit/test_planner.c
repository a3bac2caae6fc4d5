/*
 * test_planner.c - the plan is a pure function of the spec: same seed, same
 * descriptors; modes paired; keys unique; growing "trials" keeps the prefix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "planner.h"

#define GOOD_NO_LIMIT \
	"{ \"name\": \"p\", \"seed\": 3, \"trials\": 4," \
	"  \"fault_types\": { \"text\": 1 }," \
	"  \"extensions\": [ { \"name\": \"a\", \"module\": \"a\", \"workload\": \"w\" }," \
	"                    { \"name\": \"b\", \"module\": \"b\", \"workload\": \"w\" } ] }"

static const char *spec_text(char *buf, size_t n, int seed, int trials, const char *mix)
{
	snprintf(buf, n,
		 "{ \"name\": \"p\", \"seed\": %d, \"trials\": %d, \"fault_mix\": \"%s\","
		 "  \"fault_types\": { \"text\": 1, \"nop\": 1, \"branch\": 3 },"
		 "  \"extensions\": [ { \"name\": \"a\", \"module\": \"a\", \"workload\": \"w\" },"
		 "                    { \"name\": \"b\", \"module\": \"b\", \"workload\": \"w\" } ] }",
		 seed, trials, mix);
	return buf;
}

static void load(int seed, int trials, const char *mix, struct campaign_spec *sp,
		 struct plan *p)
{
	char buf[1024];

	assert_int_equal(spec_parse(spec_text(buf, sizeof(buf), seed, trials, mix), "p", sp), 0);
	plan_build(sp, p);
}

static void test_deterministic(void **state)
{
	struct campaign_spec s1, s2, s3;
	struct plan p1, p2, p3;
	int i, differ = 0;

	(void)state;
	load(42, 20, "single", &s1, &p1);
	load(42, 20, "single", &s2, &p2);
	load(43, 20, "single", &s3, &p3);
	assert_int_equal(p1.n_trials, 80);
	assert_int_equal(p1.n_faults, 40);
	for (i = 0; i < p1.n_faults; i++) {
		assert_int_equal(p1.faults[i].seed, p2.faults[i].seed);
		assert_string_equal(p1.faults[i].types, p2.faults[i].types);
		differ += p1.faults[i].seed != p3.faults[i].seed;
	}
	for (i = 0; i < p1.n_trials; i++)
		assert_string_equal(p1.trials[i].key, p2.trials[i].key);
	assert_int_equal(differ, p1.n_faults);
	plan_release(&p1); plan_release(&p2); plan_release(&p3);
	spec_release(&s1); spec_release(&s2); spec_release(&s3);
}

static void test_paired_and_unique(void **state)
{
	struct campaign_spec sp;
	struct plan p;
	int i, j;

	(void)state;
	load(1, 10, "single", &sp, &p);
	for (i = 0; i < p.n_trials; i += 2) {
		assert_int_equal(p.trials[i].fault, p.trials[i + 1].fault);
		assert_int_equal(p.trials[i].mode, MODE_NATIVE);
		assert_int_equal(p.trials[i + 1].mode, MODE_NOOKS);
	}
	for (i = 0; i < p.n_trials; i++)
		for (j = i + 1; j < p.n_trials; j++)
			assert_string_not_equal(p.trials[i].key, p.trials[j].key);
	/* extensions interleaved: a, b, a, b ... */
	assert_int_equal(p.faults[0].ext, 0);
	assert_int_equal(p.faults[1].ext, 1);
	assert_string_equal(p.trials[0].key, "a/0000/native");
	assert_string_equal(p.trials[3].key, "b/0000/nooks");
	for (i = 0; i < p.n_faults; i++)
		assert_null(strchr(p.faults[i].types, ','));	/* single mix */
	plan_release(&p);
	spec_release(&sp);
}

/* An extension limited to native mode gets no nooks trials; the other stays paired. */
static void test_extension_modes(void **state)
{
	static const char text[] =
		"{ \"name\": \"p\", \"seed\": 3, \"trials\": 4,"
		"  \"fault_types\": { \"text\": 1 },"
		"  \"extensions\": [ { \"name\": \"a\", \"module\": \"a\", \"workload\": \"w\" },"
		"                    { \"name\": \"b\", \"module\": \"b\", \"workload\": \"w\","
		"                      \"modes\": [\"native\"] } ] }";
	struct campaign_spec sp, sp2;
	struct plan p;
	int i, a = 0, b = 0;

	(void)state;
	assert_int_equal(spec_parse(text, "p", &sp), 0);
	assert_true(spec_ext_runs(&sp, 0, MODE_NOOKS));
	assert_false(spec_ext_runs(&sp, 1, MODE_NOOKS));
	assert_true(spec_ext_runs(&sp, 1, MODE_NATIVE));
	plan_build(&sp, &p);
	assert_int_equal(p.n_trials, 4 * 2 + 4);
	for (i = 0; i < p.n_trials; i++) {
		if (p.faults[p.trials[i].fault].ext == 1) {
			assert_int_equal(p.trials[i].mode, MODE_NATIVE);
			b++;
		} else {
			a++;
		}
	}
	assert_int_equal(a, 8);
	assert_int_equal(b, 4);
	/* the limit is part of the spec's identity */
	assert_non_null(strstr(sp.canonical, "\"modes\""));
	assert_int_equal(spec_parse(GOOD_NO_LIMIT, "p", &sp2), 0);
	assert_string_not_equal(sp.hash, sp2.hash);
	/* --modes nooks would leave b nothing: refused */
	assert_int_equal(spec_override_modes(&sp, "nooks"), -1);
	assert_int_equal(spec_override_modes(&sp, "native"), 0);
	plan_release(&p);
	spec_release(&sp);
	spec_release(&sp2);
}

static void test_growing_keeps_prefix(void **state)
{
	struct campaign_spec s1, s2;
	struct plan p1, p2;
	int i;

	(void)state;
	load(5, 4, "mixed", &s1, &p1);
	load(5, 9, "mixed", &s2, &p2);
	for (i = 0; i < p1.n_faults; i++) {
		assert_int_equal(p1.faults[i].seed, p2.faults[i].seed);
		assert_string_equal(p1.faults[i].types, p2.faults[i].types);
	}
	plan_release(&p1); plan_release(&p2);
	spec_release(&s1); spec_release(&s2);
}

static void test_weights_respected(void **state)
{
	struct campaign_spec sp;
	struct plan p;
	int i, branch = 0;

	(void)state;
	load(9, 500, "single", &sp, &p);
	for (i = 0; i < p.n_faults; i++)
		branch += !strcmp(p.faults[i].types, "branch");
	/* weight 3 of 5: expect ~600 of 1000; a broken pick gives ~333 or 0/1000 */
	assert_in_range(branch, 520, 680);
	plan_release(&p);
	spec_release(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_paired_and_unique),
		cmocka_unit_test(test_growing_keeps_prefix),
		cmocka_unit_test(test_extension_modes),
		cmocka_unit_test(test_weights_respected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
