/*
 * test_triage.c - triage on recorded console logs of the pinned kernel
 * (tests/fixtures/console/NAME.log, each with its expected verdict in a
 * "# key: value" header) and on edge cases (empty, truncated, CRLF, noise).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "triage.h"
#include "util.h"

static const char *fixture_dir(void)
{
	const char *d = getenv("NOOKS_FIXTURES");

	return d ? d : "tests/fixtures/console";
}

/* Expected value of header key, or NULL. */
static char *header_value(const char *text, const char *key, char *buf, size_t size)
{
	const char *p = text;
	size_t klen = strlen(key);

	while (*p == '#') {
		const char *eol = strchr(p, '\n');

		if (!eol)
			break;
		if (!strncmp(p, "# ", 2) && !strncmp(p + 2, key, klen) && p[2 + klen] == ':') {
			const char *v = p + 3 + klen;

			while (*v == ' ')
				v++;
			snprintf(buf, size, "%.*s", (int)(eol - v), v);
			return buf;
		}
		p = eol + 1;
	}
	return NULL;
}

static const char *body(const char *text)
{
	while (*text == '#') {
		const char *eol = strchr(text, '\n');

		if (!eol)
			return text + strlen(text);
		text = eol + 1;
	}
	return text;
}

static void check_str(const char *text, const char *key, const char *got)
{
	char buf[512];

	if (header_value(text, key, buf, sizeof(buf))) {
		if (strcmp(buf, got))
			print_error("%s: expected '%s', got '%s'\n", key, buf, got);
		assert_string_equal(buf, got);
	}
}

static void check_int(const char *text, const char *key, long got)
{
	char buf[64];

	if (header_value(text, key, buf, sizeof(buf)))
		assert_int_equal(strtol(buf, NULL, 10), got);
}

static void check_bool(const char *text, const char *key, bool got)
{
	char buf[64];

	if (header_value(text, key, buf, sizeof(buf)))
		assert_string_equal(buf, got ? "true" : "false");
}

static void test_fixture(void **state)
{
	const char *path = *state;
	char *text = read_file(path, NULL), buf[64];
	const char *b;
	struct triage_verdict v;

	assert_non_null(text);
	assert_non_null(header_value(text, "crashed", buf, sizeof(buf)));	/* every fixture states it */
	assert_non_null(header_value(text, "kind", buf, sizeof(buf)));
	b = body(text);
	triage_console(b, strlen(b), &v);
	check_bool(text, "crashed", v.crashed);
	check_str(text, "kind", v.kind);
	check_str(text, "title", v.title);
	check_str(text, "guilty_function", v.guilty_function);
	check_str(text, "guilty_module", v.guilty_module);
	check_bool(text, "lockup", v.lockup);
	check_bool(text, "panicked", v.panicked);
	check_bool(text, "in_interrupt", v.in_interrupt);
	check_int(text, "first_line", v.first_line);
	check_int(text, "last_line", v.last_line);
	free(text);
}

static void test_every_kind_has_a_fixture(void **state)
{
	/* The kinds the harness issue requires fixtures for. */
	static const char *const required[] = {
		"none", "null_deref", "page_fault", "gpf", "bug", "invalid_opcode", "divide_error",
		"panic", "soft_lockup", "hung_task", "rcu_stall", "stack_overflow",
		"slab_corruption", "warning",
	};
	char seen[4096] = " ";
	int interrupt_seen = 0;
	DIR *d = opendir(fixture_dir());
	struct dirent *e;
	size_t i;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char *p, *text, buf[64];

		if (!strstr(e->d_name, ".log"))
			continue;
		p = xasprintf("%s/%s", fixture_dir(), e->d_name);
		text = read_file(p, NULL);
		if (text && header_value(text, "kind", buf, sizeof(buf)) &&
		    strlen(seen) + strlen(buf) + 2 < sizeof(seen)) {
			strcat(seen, buf);
			strcat(seen, " ");
		}
		if (text && header_value(text, "in_interrupt", buf, sizeof(buf)) && !strcmp(buf, "true"))
			interrupt_seen = 1;
		free(text);
		free(p);
	}
	closedir(d);
	for (i = 0; i < ARRAY_SIZE(required); i++) {
		char key[64];

		snprintf(key, sizeof(key), " %s ", required[i]);
		if (!strstr(seen, key))
			print_error("no fixture of kind %s\n", required[i]);
		assert_non_null(strstr(seen, key));
	}
	assert_true(interrupt_seen);	/* "Fatal exception in interrupt" */
}

static void test_empty_log(void **state)
{
	struct triage_verdict v;

	(void)state;
	triage_console("", 0, &v);
	assert_false(v.crashed);
	assert_string_equal(v.kind, "none");
	assert_int_equal(v.first_line, 0);
}

static void test_noise_is_not_a_crash(void **state)
{
	static const char log[] =
		"[    2.9] nooks_selftest: loading out-of-tree module taints kernel.\r\n"
		"[    2.9] nooks_selftest: module verification failed: signature and/or required key missing - tainting kernel\r\n"
		"[    0.1] ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PCI0], AE_NOT_FOUND\r\n"
		"[    0.2] ACPI: Interpreter enabled\r\n"
		"[    3.0] e1000: Intel(R) PRO/1000 Network Driver\n";
	struct triage_verdict v;

	(void)state;
	triage_console(log, sizeof(log) - 1, &v);
	assert_false(v.crashed);
	assert_string_equal(v.kind, "none");
}

/* A log cut in the middle of the report (QEMU killed) still triages. */
static void test_truncated_report(void **state)
{
	static const char log[] =
		"[    2.8] nooks_selftest: fault gpf@process\n"
		"[    2.9] general protection fault, probably for non-canonical address 0xdead000000000000: 0000 [#1] PREEMPT SMP NOPTI\n"
		"[    2.9] CPU: 0 PID: 99 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1\n"
		"[    2.9] RIP: 0010:e1000_clean+0x13/0x1a [e1000]";
	struct triage_verdict v;

	(void)state;
	triage_console(log, sizeof(log) - 1, &v);
	assert_true(v.crashed);
	assert_string_equal(v.kind, "gpf");
	assert_string_equal(v.title, "general protection fault in e1000_clean");
	assert_string_equal(v.guilty_module, "e1000");
	assert_int_equal(v.first_line, 2);
	assert_int_equal(v.last_line, 4);
}

/* Same crash at other addresses and times gives the same title. */
static void test_title_is_a_dedup_key(void **state)
{
	static const char a[] =
		"[ 1.0] Kernel panic - not syncing: bad thing at 0xffffffffc0201234 count 17\n";
	static const char b[] =
		"[ 9.5] Kernel panic - not syncing: bad thing at 0xffffffffc0305678 count 3\n";
	struct triage_verdict va, vb;

	(void)state;
	triage_console(a, sizeof(a) - 1, &va);
	triage_console(b, sizeof(b) - 1, &vb);
	assert_string_equal(va.title, "kernel panic: bad thing at ADDR count NUM");
	assert_string_equal(va.title, vb.title);
}

static int is_fixture(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 4 && !strcmp(e->d_name + n - 4, ".log");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_every_kind_has_a_fixture),
		cmocka_unit_test(test_empty_log),
		cmocka_unit_test(test_noise_is_not_a_crash),
		cmocka_unit_test(test_truncated_report),
		cmocka_unit_test(test_title_is_a_dedup_key),
	};
	struct dirent **names;
	struct CMUnitTest *tests;
	int n = scandir(fixture_dir(), &names, is_fixture, alphasort), i, ret;

	if (n < 0) {
		fprintf(stderr, "cannot read fixtures in '%s'\n", fixture_dir());
		return 1;
	}
	tests = xcalloc((size_t)n + ARRAY_SIZE(fixed), sizeof(*tests));
	for (i = 0; i < n; i++) {
		tests[i].name = xstrdup(names[i]->d_name);
		tests[i].test_func = test_fixture;
		tests[i].initial_state = xasprintf("%s/%s", fixture_dir(), names[i]->d_name);
		free(names[i]);
	}
	free(names);
	memcpy(tests + n, fixed, sizeof(fixed));
	ret = _cmocka_run_group_tests("triage", tests, (size_t)n + ARRAY_SIZE(fixed), NULL, NULL);
	for (i = 0; i < n; i++) {
		free((void *)tests[i].name);
		free(tests[i].initial_state);
	}
	free(tests);
	return ret;
}
