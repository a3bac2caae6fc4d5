/*
 * test_initrd.c - the per-trial cpio: entries written in order with their
 * modes and contents, appended after the base archive, read back with
 * libarchive the way the kernel's unpacker sees the concatenation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initrd.h"
#include "fixture.h"
#include "util.h"


struct seen {
	char path[64];
	unsigned mode;
	char data[64];
};

/* Read every entry of the cpio archive starting at byte off of path. */
static int read_back_at(const char *path, size_t off, struct seen *out, int max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t len;
	char *buf = read_file(path, &len);
	int n = 0;

	assert_non_null(buf);
	assert_true(off < len);
	archive_read_support_format_cpio(a);
	assert_int_equal(archive_read_open_memory(a, buf + off, len - off), ARCHIVE_OK);
	while (n < max && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		la_ssize_t r;

		snprintf(out[n].path, sizeof(out[n].path), "%s", archive_entry_pathname(e));
		out[n].mode = archive_entry_mode(e);
		r = archive_read_data(a, out[n].data, sizeof(out[n].data) - 1);
		out[n].data[r > 0 ? r : 0] = '\0';
		n++;
	}
	archive_read_free(a);
	free(buf);
	return n;
}

static int read_back(const char *path, struct seen *out, int max)
{
	return read_back_at(path, 0, out, max);
}

static void test_entries_in_order(void **state)
{
	struct initrd *rd = initrd_new();
	char *out = xasprintf("%s/t.cpio", fixture_tmp);
	struct seen s[8];

	(void)state;
	initrd_add_dir(rd, "/trial");
	initrd_add_data(rd, "trial/run.sh", "uname -r\n", 9, 0755);
	initrd_add_data(rd, "trial/empty", "", 0, 0600);
	assert_int_equal(initrd_write(rd, NULL, out), 0);
	assert_int_equal(read_back(out, s, 8), 3);
	assert_string_equal(s[0].path, "trial");
	assert_true(S_ISDIR(s[0].mode));
	assert_string_equal(s[1].path, "trial/run.sh");
	assert_int_equal(s[1].mode, S_IFREG | 0755);
	assert_string_equal(s[1].data, "uname -r\n");
	assert_string_equal(s[2].path, "trial/empty");
	assert_int_equal(s[2].mode, S_IFREG | 0600);
	initrd_free(rd);
	free(out);
}

static void test_appended_to_base(void **state)
{
	struct initrd *base = initrd_new(), *rd = initrd_new();
	char *b = xasprintf("%s/base.cpio", fixture_tmp), *out = xasprintf("%s/all.cpio", fixture_tmp);
	struct seen s[8];
	size_t blen, olen;
	char *bbuf, *obuf;

	(void)state;
	initrd_add_data(base, "init", "#!/bin/sh\n", 10, 0755);
	assert_int_equal(initrd_write(base, NULL, b), 0);
	initrd_add_data(rd, "trial/x", "payload", 7, 0644);
	assert_int_equal(initrd_write(rd, b, out), 0);
	/* The output starts with the base archive, byte for byte... */
	bbuf = read_file(b, &blen);
	obuf = read_file(out, &olen);
	assert_true(olen > blen);
	assert_memory_equal(obuf, bbuf, blen);
	free(bbuf);
	free(obuf);
	assert_int_equal(read_back(out, s, 8), 1);
	assert_string_equal(s[0].path, "init");
	/* ...followed by the trial archive. */
	assert_int_equal(read_back_at(out, blen, s, 8), 1);
	assert_string_equal(s[0].path, "trial/x");
	assert_string_equal(s[0].data, "payload");
	initrd_free(base);
	initrd_free(rd);
	free(b);
	free(out);
}

static void test_missing_inputs_fail_cleanly(void **state)
{
	struct initrd *rd = initrd_new();
	char *out = xasprintf("%s/never.cpio", fixture_tmp);
	char *missing = xasprintf("%s/no-such-file", fixture_tmp);

	(void)state;
	assert_int_equal(initrd_add_file(rd, "trial/m.ko", missing, 0644), -1);
	assert_int_equal(initrd_write(rd, missing, out), -1);
	assert_false(file_exists(out));	/* nothing half-written */
	initrd_free(rd);
	free(out);
	free(missing);
}

FIXTURE_MAIN(fixture_tmp_setup, fixture_tmp_teardown,
	     cmocka_unit_test(test_entries_in_order),
	     cmocka_unit_test(test_appended_to_base),
	     cmocka_unit_test(test_missing_inputs_fail_cleanly))
