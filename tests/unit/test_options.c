/*
 * test_options.c - common/options.c: every option kind, ranges and
 * malformed numbers, missing arguments, unknown options, "--", help,
 * positional arguments (permuted or not), callbacks and the "seen" flag;
 * and harness/cli cli_options(): exit statuses and unexpected arguments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"

struct vals {
	const char *s, *list[3];
	int flag, off, n_list, i, seen_u, called;
	unsigned u;
	uint64_t big;
};

static int call_even(const char *arg, void *value)
{
	struct vals *v = value;

	if (strlen(arg) % 2)
		return -1;
	v->called++;
	return 0;
}

static int parse(struct vals *v, int flags, int *first, int argc, ...)
{
	const struct opt_spec opts[] = {
		OPT_STRING_S('o', "out", &v->s),
		OPT_FLAG("flag", &v->flag),
		OPT_SET("no-x", &v->off, 7),
		{ .kind = OPT_KIND_UINT, .name = "jobs", .short_name = 'j', .value = &v->u,
		  .min = 1, .max = 256, .seen = &v->seen_u },
		OPT_INT("int", &v->i, 0, 10),
		OPT_U64("seed", &v->big, 0, UINT64_MAX),
		OPT_LIST("item", v->list, &v->n_list, 3),
		OPT_CALL("even", call_even, v),
		OPT_END()
	};
	char *argv[32];
	va_list ap;
	int i;

	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	memset(v, 0, sizeof(*v));
	return options_parse("nooks t", opts, flags, argc, argv, first);
}

static void test_kinds(void **state)
{
	struct vals v;
	int first;

	(void)state;
	assert_int_equal(parse(&v, 0, &first, 12, "t", "--out", "a", "--flag", "--no-x",
			       "-j", "256", "--int=10", "--seed", "18446744073709551615",
			       "--item", "x"), OPTIONS_OK);
	assert_string_equal(v.s, "a");
	assert_int_equal(v.flag, 1);
	assert_int_equal(v.off, 7);
	assert_int_equal(v.u, 256);
	assert_int_equal(v.seen_u, 1);
	assert_int_equal(v.i, 10);
	assert_true(v.big == UINT64_MAX);
	assert_int_equal(v.n_list, 1);
	assert_string_equal(v.list[0], "x");
	assert_int_equal(first, 12);
	assert_int_equal(parse(&v, 0, &first, 3, "t", "-o", "b"), OPTIONS_OK);
	assert_string_equal(v.s, "b");
	assert_int_equal(v.seen_u, 0);
	assert_int_equal(parse(&v, 0, &first, 2, "t", "-oc"), OPTIONS_OK);
	assert_string_equal(v.s, "c");
}

static void test_numbers(void **state)
{
	static const char *bad[] = { "0", "257", "12x", "", "-1", "x", "1e3",
				     "99999999999999999999999" };
	struct vals v;
	size_t k;
	int first;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		assert_int_equal(parse(&v, 0, &first, 3, "t", "--jobs", bad[k]), OPTIONS_BAD_VALUE);
		assert_int_equal(v.u, 0);	/* nothing stored */
		assert_int_equal(v.seen_u, 0);
	}
	assert_int_equal(parse(&v, 0, &first, 3, "t", "--jobs", "1"), OPTIONS_OK);
	assert_int_equal(v.u, 1);
	assert_int_equal(parse(&v, 0, &first, 3, "t", "--jobs", "0x10"), OPTIONS_OK);
	assert_int_equal(v.u, 16);
	assert_int_equal(parse(&v, 0, &first, 3, "t", "--int", "11"), OPTIONS_BAD_VALUE);
	assert_int_equal(parse(&v, 0, &first, 3, "t", "--seed", "-5"), OPTIONS_BAD_VALUE);
	/* a bad value stops the parse: what follows is not stored */
	assert_int_equal(parse(&v, 0, &first, 5, "t", "--jobs", "0", "--flag", "x"),
			 OPTIONS_BAD_VALUE);
	assert_int_equal(v.flag, 0);
}

static void test_errors(void **state)
{
	struct vals v;
	int first;

	(void)state;
	assert_int_equal(parse(&v, 0, &first, 2, "t", "--bogus"), OPTIONS_UNKNOWN);
	assert_int_equal(parse(&v, 0, &first, 2, "t", "-z"), OPTIONS_UNKNOWN);
	assert_int_equal(parse(&v, 0, &first, 2, "t", "--out"), OPTIONS_UNKNOWN);	/* no value */
	assert_int_equal(parse(&v, 0, &first, 2, "t", "-o"), OPTIONS_UNKNOWN);
	assert_int_equal(parse(&v, 0, &first, 2, "t", "--flag=1"), OPTIONS_UNKNOWN);
	assert_int_equal(parse(&v, 0, &first, 2, "t", "--help"), OPTIONS_HELP);
	assert_int_equal(parse(&v, 0, &first, 3, "t", "x", "-h"), OPTIONS_HELP);
	assert_int_equal(parse(&v, 0, &first, 9, "t", "--item", "a", "--item", "b", "--item", "c",
			       "--item", "d"), OPTIONS_BAD_VALUE);	/* over capacity */
	assert_int_equal(v.n_list, 3);
	assert_int_equal(parse(&v, 0, &first, 3, "t", "--even", "abc"), OPTIONS_BAD_VALUE);
	assert_int_equal(v.called, 0);
	assert_int_equal(parse(&v, 0, &first, 3, "t", "--even", "ab"), OPTIONS_OK);
	assert_int_equal(v.called, 1);
}

static void test_positional(void **state)
{
	struct vals v;
	int first;

	(void)state;
	/* permuted: positional arguments end up after the options */
	assert_int_equal(parse(&v, 0, &first, 5, "t", "in.ko", "--flag", "-o", "x"), OPTIONS_OK);
	assert_int_equal(v.flag, 1);
	assert_int_equal(first, 4);
	/* "--" ends the options */
	assert_int_equal(parse(&v, 0, &first, 4, "t", "--", "--flag", "y"), OPTIONS_OK);
	assert_int_equal(v.flag, 0);
	assert_int_equal(first, 2);
	/* STOP_AT_ARG: the first positional argument ends the options */
	assert_int_equal(parse(&v, OPTIONS_STOP_AT_ARG, &first, 4, "t", "w", "--flag", "z"),
			 OPTIONS_OK);
	assert_int_equal(v.flag, 0);
	assert_int_equal(first, 1);
}

static void test_cli_options(void **state)
{
	int flag = 0, first;
	const struct opt_spec opts[] = { OPT_FLAG("flag", &flag), OPT_END() };
	char *ok[] = { "x", "--flag", "a", NULL };
	char *extra[] = { "x", "a", "b", NULL };
	char *unknown[] = { "x", "--nope", NULL };
	char *help[] = { "x", "--help", NULL };
	FILE *saved = stdout;

	(void)state;
	assert_int_equal(cli_options("nooks x", "usage: x\n", opts, 0, 1, 3, ok, &first), -1);
	assert_int_equal(flag, 1);
	assert_int_equal(first, 2);
	assert_int_equal(cli_options("nooks x", "usage: x\n", opts, 0, 1, 3, extra, &first),
			 EXIT_USAGE);
	assert_int_equal(cli_options("nooks x", "usage: x\n", opts, 0, -1, 3, extra, &first), -1);
	assert_int_equal(cli_options("nooks x", "usage: x\n", opts, 0, 0, 2, unknown, &first),
			 EXIT_USAGE);
	stdout = fopen("/dev/null", "w");
	assert_int_equal(cli_options("nooks x", "usage: x\n", opts, 0, 0, 2, help, &first), 0);
	fclose(stdout);
	stdout = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_positional),
		cmocka_unit_test(test_cli_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
