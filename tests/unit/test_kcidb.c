/*
 * test_kcidb.c - `nooks export --kcidb` (reports/report_kcidb.c) on a real
 * SQLite database filled by campaign_run() (campaign_fixture.h: crashes,
 * NIM recoveries, an infra_error): one checkout for the kernel, one build
 * for the image, one test per trial with the path
 * nooks.<extension>.<mode>.<fault types> and the status of its outcome
 * (infra_error as ERROR), the crash title and the NIM detection in the
 * comment and misc; the file validates against the KCIDB v5.3 schema
 * (tests/fixtures/kcidb/validate.py, python3-jsonschema), and the same
 * file with one status spoiled does not.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_fixture.h"
#include "db_fixture.h"
#include "fixture.h"
#include "report.h"
#include "util.h"

#define VALIDATE "python3 tests/fixtures/kcidb/validate.py "

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static const char *str(struct json_object *o, const char *key)
{
	return json_object_get_string(get(o, key));
}

/* The test object of trial key in tests. */
static struct json_object *test_of(struct json_object *tests, const char *key)
{
	size_t i;

	for (i = 0; i < json_object_array_length(tests); i++) {
		struct json_object *t = json_object_array_get_idx(tests, i);

		if (!strcmp(str(get(t, "misc"), "key"), key))
			return t;
	}
	fail_msg("no test for trial %s", key);
	return NULL;
}

static void test_export(void **state)
{
	char *db = xasprintf("%s/k.db", fixture_tmp), *out = xasprintf("%s/k.json", fixture_tmp);
	char *bad = xasprintf("%s/bad.json", fixture_tmp), *cmd, *text;
	struct fixture_run run = { "k", "6.1.0-57-amd64", 11, 0, 0, 0 };
	struct json_object *root, *tests, *t;
	struct store *st;
	sqlite3_stmt *s;
	size_t len;
	FILE *f;
	int n = 0;

	(void)state;
	assert_int_equal(fixture_campaign(db, &run), 0);
	assert_int_equal(store_open(db, STORE_RO, &st), 0);
	f = fopen(out, "w");
	assert_non_null(f);
	assert_int_equal(report_write_kcidb(st, 1, f), 0);
	fclose(f);
	root = json_object_from_file(out);
	assert_non_null(root);
	assert_int_equal(json_object_get_int(get(get(root, "version"), "major")), 5);
	assert_int_equal(json_object_array_length(get(root, "checkouts")), 1);
	assert_string_equal(str(json_object_array_get_idx(get(root, "checkouts"), 0), "id"),
			    "nooks:debian-linux-image-6.1.0-57-amd64");
	assert_int_equal(json_object_array_length(get(root, "builds")), 1);
	tests = get(root, "tests");
	assert_int_equal(json_object_array_length(tests), 28);
	s = store_prepare(st, "SELECT key, extension, mode, fault_types, outcome, crash_title, "
			      "nim_detection FROM v_trials");
	assert_non_null(s);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		const char *oc = (const char *)sqlite3_column_text(s, 4);
		const char *title = (const char *)sqlite3_column_text(s, 5);
		const char *det = (const char *)sqlite3_column_text(s, 6);
		char *path = xasprintf("nooks.%s.%s.%s", sqlite3_column_text(s, 1),
				       sqlite3_column_text(s, 2), sqlite3_column_text(s, 3));

		t = test_of(tests, key);
		assert_string_equal(str(t, "path"), path);
		assert_string_equal(str(t, "status"), !strcmp(oc, "infra_error") ? "ERROR" :
				    !strcmp(oc, "crash") ? "FAIL" : "PASS");
		assert_string_equal(str(get(t, "misc"), "outcome"), oc);
		if (title) {
			assert_non_null(strstr(str(t, "comment"), title));
			assert_string_equal(str(t, "log_excerpt"), title);
			assert_string_equal(str(get(t, "misc"), "crash_title"), title);
		}
		if (det) {
			assert_non_null(strstr(str(t, "comment"), "NIM detection: page_fault"));
			assert_string_equal(str(get(t, "misc"), "nim_detection"), det);
		}
		free(path);
		n++;
	}
	sqlite3_finalize(s);
	assert_int_equal(n, 28);
	t = test_of(tests, "b/0002/nooks");
	assert_string_equal(str(t, "status"), "ERROR");
	assert_non_null(strstr(str(t, "comment"), "infra error: qemu failed to start (fixture)"));
	assert_true(one_int(st, "SELECT COUNT(*) FROM trials WHERE crash_title IS NOT NULL") > 0);
	assert_true(one_int(st, "SELECT COUNT(*) FROM trials WHERE nim_detection IS NOT NULL") > 0);
	store_close(st);

	cmd = xasprintf(VALIDATE "%s", out);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/* the validator can fail: a status the schema does not know */
	text = read_file(out, &len);
	assert_non_null(text);
	memcpy(strstr(text, "\"ERROR\""), "\"OOPS!\"", 7);
	assert_int_equal(write_file_atomic(bad, text, len), 0);
	cmd = xasprintf(VALIDATE "%s 2>/dev/null", bad);
	assert_int_not_equal(system(cmd), 0);
	free(cmd);
	free(text);
	json_object_put(root);
	free(db);
	free(out);
	free(bad);
}

FIXTURE_MAIN(fixture_tmp_setup, fixture_tmp_teardown, cmocka_unit_test(test_export))
