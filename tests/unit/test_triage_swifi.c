/*
 * test_triage_swifi.c - kmod/swifi's console lines (triage/triage_swifi.c)
 * on recorded consoles (tests/fixtures/swifi/, expectations in each
 * file's "# key: value" header): runtime-fault activation (armed / fired,
 * -1 when nothing was armed) and a profiling run's call counts; then the
 * edge cases of a capture: a cut log, "\r\n" line ends, malformed lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "triage.h"
#include "util.h"

#define DIR "tests/fixtures/swifi"
#define MAX_COUNT 1000000	/* injector's RT_NTH_LIMIT */

static const char *const files[] = { "calls_e1000_netdev.log", "fired_free_e1000.log" };

/* Every fixture: what its header says, from its full text (header lines included). */
static void test_fixtures(void **state)
{
	size_t i, len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *text = fixture_read(DIR, files[i], &len);
		struct json_object *calls;
		int armed, fired;

		assert_non_null(text);
		swifi_activation_scan(text, len, &armed, &fired);
		assert_int_equal(armed, fixture_header_int(text, "armed"));
		assert_int_equal(fired, fixture_header_int(text, "fired"));
		assert_int_equal(swifi_calls_scan(text, len, MAX_COUNT, &calls),
				 fixture_header_int(text, "calls_done") ? 0 : 1);
		assert_int_equal(json_object_object_length(calls), fixture_header_int(text, "calls"));
		json_object_put(calls);
		free(text);
	}
}

/* The recorded profiling run: the counts themselves; cut before its end mark, no profile. */
static void test_calls(void **state)
{
	size_t len;
	char *text = fixture_read(DIR, "calls_e1000_netdev.log", &len);
	struct json_object *calls, *v;

	(void)state;
	assert_non_null(text);
	assert_int_equal(swifi_calls_scan(text, len, MAX_COUNT, &calls), 0);
	assert_true(json_object_object_get_ex(calls, "__netdev_alloc_frag_align", &v));
	assert_int_equal(json_object_get_int64(v), 439);
	assert_true(json_object_object_get_ex(calls, "alloc_etherdev_mqs", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_false(json_object_object_get_ex(calls, "page_frag_free", &v));
	json_object_put(calls);
	/* no end mark: the guest died before power-off */
	assert_int_equal(swifi_calls_scan(text, len - 40, MAX_COUNT, &calls), 1);
	json_object_put(calls);
	/* a count over the limit is malformed */
	assert_int_equal(swifi_calls_scan(text, len, 100, &calls), -1);
	assert_null(calls);
	free(text);
}

static void test_malformed_calls(void **state)
{
	static const char *const bad[] = {
		"swifi: event=calls sym=kfree count=x\n",
		"swifi: event=calls sym=kfree count=-1\n",
		"swifi: event=calls sym=kfree count=3 extra\n",
		"swifi: event=calls count=3\n",
	};
	struct json_object *calls;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(swifi_calls_scan(bad[i], strlen(bad[i]), MAX_COUNT, &calls), -1);
		assert_null(calls);
	}
	/* the mark at the very end of the log, no newline: read within the log */
	assert_int_equal(swifi_calls_scan("x\nswifi: event=calls", 20, MAX_COUNT, &calls), 1);
	json_object_put(calls);
	assert_int_equal(swifi_calls_scan("swifi: event=calls_do", 21, MAX_COUNT, &calls), 1);
	json_object_put(calls);
}

static void test_activation_edges(void **state)
{
	size_t len;
	char *text = fixture_read(DIR, "fired_free_e1000.log", &len);
	const char *silent = "[ 1.0] swifi: event=armed type=leak sym=kfree nth=9 seed=0x1\n"
			     "[ 1.1] swifi: event=armed type=alloc sym=vzalloc nth=1 seed=0x2\n"
			     "[ 2.0] swifi: event=fired type=alloc sym=vzalloc call=1\r\n"
			     "[ 9.0] swifi: event=calls_done fired=1";
	int armed, fired;

	(void)state;
	assert_non_null(text);
	swifi_activation_scan(silent, strlen(silent), &armed, &fired);
	assert_int_equal(armed, 2);
	assert_int_equal(fired, 1);
	swifi_activation_scan("", 0, &armed, &fired);
	assert_int_equal(armed, -1);
	assert_int_equal(fired, -1);
	/* the fired line cut by a truncated capture still counts (the buffer ends the line) */
	swifi_activation_scan(text, (size_t)(strstr(text, "call=174") - text), &armed, &fired);
	assert_int_equal(armed, 1);
	assert_int_equal(fired, 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_malformed_calls),
		cmocka_unit_test(test_activation_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
