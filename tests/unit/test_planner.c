/*
 * test_planner.c - the plan is a pure function of the spec: same seed, same
 * descriptors; modes paired; keys unique; growing "trials" keeps the prefix.
 * With candidate sites counted in real modules of the guest image (e1000.ko
 * has every code type, khttpd.ko and fat.ko have no irq site): the counts
 * are the ones `nooks inject --sites` prints, a module never gets a type it
 * lacks, the other types share its weight, the plan is the same for the
 * same modules and seed, and a type no extension has is a one-line error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "planner.h"
#include "sites.h"
#include "util.h"

#define E1000 "build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
#define KHTTPD "build/image/modules/extra/khttpd.ko"
#define FAT "build/image/modules/kernel/fs/fat/fat.ko"

int cmd_inject(int argc, char **argv);

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
	plan_build(sp, NULL, p);
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
	plan_build(&sp, NULL, &p);
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

static int inject_sites(void *ko)
{
	char *argv[] = { "inject", "--sites", ko, NULL };

	return cmd_inject(3, argv);
}

static const char *const all_types[] = {
	"text", "nop", "src", "dst", "ptr", "branch", "invert", "loop", "init", "interface",
	"irq", "alloc", "free", "leak", "bcopy", "data",
};

/* The counts are what `nooks inject --sites` prints, type by type. */
static void check_like_cli(const char *ko)
{
	int64_t n[ARRAY_SIZE(all_types)];
	char *out, *line, *save = NULL;
	int r, k, seen = 0;

	assert_int_equal(sites_count(ko, all_types, (int)ARRAY_SIZE(all_types), false, n), 0);
	r = capture_run(inject_sites, (void *)ko, &out, NULL);
	assert_int_equal(r, 0);
	assert_non_null(out);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		long long v;

		assert_int_equal(sscanf(line, "%31s %lld", name, &v), 2);
		for (k = 0; k < (int)ARRAY_SIZE(all_types) && strcmp(all_types[k], name); k++)
			;
		assert_true(k < (int)ARRAY_SIZE(all_types));
		assert_int_equal(n[k], v);
		seen++;
	}
	assert_int_equal(seen, (int)ARRAY_SIZE(all_types) - 1);	/* all but data */
	assert_int_equal(n[ARRAY_SIZE(all_types) - 1], 0);	/* no injector has data faults */
	free(out);
}

static void test_sites_real_modules(void **state)
{
	int64_t n[ARRAY_SIZE(all_types)];
	int k;

	(void)state;
	check_like_cli(KHTTPD);
	check_like_cli(E1000);
	assert_int_equal(sites_count(KHTTPD, all_types, 11, false, n), 0);
	for (k = 0; k < 10; k++)
		assert_true(n[k] > 0);
	assert_int_equal(n[10], 0);		/* khttpd.ko: no irq site */
	assert_int_equal(sites_count(E1000, all_types, 11, false, n), 0);
	for (k = 0; k < 11; k++)
		assert_true(n[k] > 0);		/* e1000.ko: every code type */
	assert_int_equal(sites_count("/nonexistent.ko", all_types, 1, false, n), -1);
	assert_false(sites_type_injectable("data"));
	assert_true(sites_type_injectable("irq"));
	assert_true(sites_type_injectable("leak"));
}

/* Transient faults count only text that stays after init: fewer sites, never more. */
static void test_live_sites(void **state)
{
	static const char *const mods[] = { E1000, KHTTPD };
	int64_t all[11], live[11], sum_all = 0, sum_live = 0;
	size_t m;
	int t;

	(void)state;
	for (m = 0; m < 2; m++) {
		assert_int_equal(sites_count(mods[m], all_types, 11, false, all), 0);
		assert_int_equal(sites_count(mods[m], all_types, 11, true, live), 0);
		for (t = 0; t < 11; t++) {
			assert_true(live[t] <= all[t]);
			sum_all += all[t];
			sum_live += live[t];
		}
	}
	assert_true(sum_live > 0);
	assert_true(sum_live < sum_all);	/* both have .init.text sites */
}

/* Parse text, count the sites of the modules mods[e] (real .ko files). */
static void load_real(const char *text, const char *const *mods, struct campaign_spec *sp,
		      struct plan_sites *ps)
{
	assert_int_equal(spec_parse(text, "real.json", sp), 0);
	assert_int_equal(sites_count_spec(sp, (char *const *)mods, ps), 0);
}

#define TWO_EXT(types, mix, trials) \
	"{ \"name\": \"r\", \"seed\": 11, \"trials\": " #trials ", \"fault_mix\": \"" mix "\"," \
	"  \"fault_types\": " types "," \
	"  \"extensions\": [ { \"name\": \"e1000\", \"module\": \"e1000\", \"workload\": \"w\" }," \
	"                    { \"name\": \"khttpd\", \"module\": \"khttpd\", \"workload\": \"w\" } ] }"

/*
 * irq weighs 6 of 10: e1000 draws it ~60% of the time; khttpd.ko has no irq
 * site, so it never does and its weights renormalise over nop 1 : branch 3.
 */
static void test_renormalised_weights(void **state)
{
	static const char *const mods[] = { E1000, KHTTPD };
	struct campaign_spec sp;
	struct plan_sites ps, ps2;
	struct plan p, p2, pn;
	int i, e_irq = 0, k_irq = 0, k_branch = 0, k_n = 0;

	(void)state;
	load_real(TWO_EXT("{ \"irq\": 6, \"nop\": 1, \"branch\": 3 }", "single", 500), mods,
		  &sp, &ps);
	assert_true(ps.n[0][0] > 0);
	assert_int_equal(ps.n[1][0], 0);
	assert_int_equal(plan_check(&sp, &ps), 0);
	plan_build(&sp, &ps, &p);
	for (i = 0; i < p.n_faults; i++) {
		const char *t = p.faults[i].types;

		if (p.faults[i].ext == 0) {
			e_irq += !strcmp(t, "irq");
			continue;
		}
		k_n++;
		k_irq += !strcmp(t, "irq");
		k_branch += !strcmp(t, "branch");
	}
	assert_int_equal(k_n, 500);
	assert_int_equal(k_irq, 0);
	assert_in_range(k_branch, 340, 410);	/* 3/4 of 500 = 375 (sd ~10) */
	assert_in_range(e_irq, 260, 340);	/* 6/10 of 500 = 300 (sd ~11) */
	/* same modules + same seed = same plan (counted again from the files) */
	assert_int_equal(sites_count_spec(&sp, (char *const *)mods, &ps2), 0);
	assert_memory_equal(&ps, &ps2, sizeof(ps));
	plan_build(&sp, &ps2, &p2);
	/* an extension with every type draws as without counts */
	plan_build(&sp, NULL, &pn);
	for (i = 0; i < p.n_faults; i++) {
		assert_string_equal(p.faults[i].types, p2.faults[i].types);
		assert_int_equal(p.faults[i].seed, p2.faults[i].seed);
		assert_int_equal(p.faults[i].seed, pn.faults[i].seed);
		if (p.faults[i].ext == 0)
			assert_string_equal(p.faults[i].types, pn.faults[i].types);
	}
	plan_release(&p);
	plan_release(&p2);
	plan_release(&pn);
	spec_release(&sp);
}

/* Mixed descriptors: each fault draws among the module's types only. */
static void test_mixed_never_missing_type(void **state)
{
	static const char *const mods[] = { E1000, KHTTPD };
	struct campaign_spec sp;
	struct plan_sites ps;
	struct plan p;
	int i, e_irq = 0;

	(void)state;
	load_real(TWO_EXT("[\"text\", \"nop\", \"src\", \"dst\", \"ptr\", \"branch\", \"invert\", "
			  "\"loop\", \"init\", \"interface\", \"irq\"]", "mixed", 200), mods, &sp, &ps);
	plan_build(&sp, &ps, &p);
	for (i = 0; i < p.n_faults; i++) {
		if (p.faults[i].ext == 1)
			assert_null(strstr(p.faults[i].types, "irq"));
		else
			e_irq += strstr(p.faults[i].types, "irq") != NULL;
	}
	assert_true(e_irq > 50);	/* 1 - (10/11)^5 = 38% of 200 */
	plan_release(&p);
	spec_release(&sp);
}

struct check_arg {
	struct campaign_spec *sp;
	struct plan_sites *ps;
};

static int run_check(void *arg)
{
	struct check_arg *a = arg;

	return plan_check(a->sp, a->ps);
}

/* plan_check's one stderr line for text over the modules mods. */
static char *check_error(const char *text, const char *const *mods)
{
	struct campaign_spec sp;
	struct plan_sites ps;
	struct check_arg a = { &sp, &ps };
	char *out;
	int r;

	load_real(text, mods, &sp, &ps);
	r = capture_run(run_check, &a, NULL, &out);
	spec_release(&sp);
	assert_int_equal(r, -1);
	assert_non_null(out);
	assert_non_null(strchr(out, '\n'));
	assert_string_equal(strchr(out, '\n'), "\n");	/* one line */
	return out;
}

#define EXTS(a, ma, b, mb) \
	"  \"extensions\": [ { \"name\": \"" a "\", \"module\": \"" ma "\", \"workload\": \"w\" }," \
	"                    { \"name\": \"" b "\", \"module\": \"" mb "\", \"workload\": \"w\" } ] }"

static void test_plan_time_errors(void **state)
{
	static const char *const kf[] = { KHTTPD, FAT }, *const ek[] = { E1000, KHTTPD };
	struct campaign_spec sp;
	struct plan_sites ps;
	char *e;

	(void)state;
	e = check_error("{ \"name\": \"x\", \"seed\": 1, \"trials\": 2, \"fault_types\": [\"irq\", "
			"\"nop\"]," EXTS("khttpd", "khttpd", "fat", "fat"), kf);
	assert_non_null(strstr(e, "fault type irq has no candidate site in the module of any "
				  "extension (khttpd, fat)"));
	free(e);
	/* an extension left with no type at all */
	e = check_error("{ \"name\": \"x\", \"seed\": 1, \"trials\": 2, \"fault_types\": [\"irq\"],"
			EXTS("e1000", "e1000", "khttpd", "khttpd"), ek);
	assert_non_null(strstr(e, "extension 'khttpd' has no candidate site of any of the fault "
				  "types (irq)"));
	free(e);
	e = check_error("{ \"name\": \"x\", \"seed\": 1, \"trials\": 2, \"fault_types\": [\"data\", "
			"\"nop\"]," EXTS("e1000", "e1000", "khttpd", "khttpd"), ek);
	assert_non_null(strstr(e, "fault type data has no candidate site"));
	assert_non_null(strstr(e, "'nooks inject' has no data faults"));
	free(e);
	load_real("{ \"name\": \"x\", \"seed\": 1, \"trials\": 2, \"fault_types\": [\"irq\", "
		  "\"leak\"]," EXTS("e1000", "e1000", "khttpd", "khttpd"), ek, &sp, &ps);
	assert_int_equal(plan_check(&sp, &ps), 0);
	assert_int_equal(plan_check(&sp, NULL), 0);
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
		cmocka_unit_test(test_sites_real_modules),
		cmocka_unit_test(test_live_sites),
		cmocka_unit_test(test_renormalised_weights),
		cmocka_unit_test(test_mixed_never_missing_type),
		cmocka_unit_test(test_plan_time_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
