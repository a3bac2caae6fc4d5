/*
 * test_report.c - the report's VFAT verdict: trials stored with a fsck
 * verdict are counted per extension and mode (checked, corrupt, dirty bit
 * left) by report_load(), and the summary table, report.md and index.html
 * show "fs corrupt after trial"; a campaign without disks shows none of it.
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

#include "report.h"
#include "store.h"
#include "util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_report.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(dir);
	return 0;
}

static void put(struct store *st, int64_t c, int64_t f, const char *key, const char *mode,
		const char *outcome, int checked, int corrupt, int dirty)
{
	struct store_trial t = {
		.campaign_id = c, .fault_id = f, .key = key, .mode = mode, .outcome = outcome,
		.recovery_ms = -1, .workload_pass = -1, .boot_ms = -1, .workload_ms = -1,
		.wall_ms = 100, .fs_checked = checked, .fs_corrupt = corrupt, .fs_dirty = dirty,
		.fsck_exit = corrupt || dirty, .fsck_summary = corrupt ? "FATs differ" : NULL,
	};

	assert_int_equal(store_trial_put(st, &t, NULL), 0);
}

/* Campaign 1: fat (disk) and e1000 (no disk); 3 native + 2 nooks fat trials. */
static struct store *make_db(const char *name, int64_t *cid)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct store *st;
	int64_t img, ef, ee, f[3], g;
	int i;

	assert_int_equal(store_open(p, STORE_RW, &st), 0);
	free(p);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_image_id(st, "6.1.0-56-amd64", "a", "b", &img), 0);
	assert_int_equal(store_campaign_insert(st, "v", "{}", "h", 1, img, 8, cid), 0);
	assert_int_equal(store_extension_insert(st, *cid, "fat", "fat", NULL, "vfat", "vfat", &ef), 0);
	assert_int_equal(store_extension_insert(st, *cid, "e1000", "e1000", "e1000", "netdev", NULL,
						&ee), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(store_fault_insert(st, *cid, ef, i, "nop", 5, (uint64_t)i, &f[i]), 0);
	assert_int_equal(store_fault_insert(st, *cid, ee, 0, "nop", 5, 9, &g), 0);
	assert_int_equal(store_commit(st), 0);
	put(st, *cid, f[0], "fat/0000/native", "native", "crash", 1, 1, 1);
	put(st, *cid, f[1], "fat/0001/native", "native", "crash", 1, 0, 1);
	put(st, *cid, f[2], "fat/0002/native", "native", "no_effect", 1, 0, 0);
	put(st, *cid, f[0], "fat/0000/nooks", "nooks", "functional", 1, 0, 0);
	put(st, *cid, f[1], "fat/0001/nooks", "nooks", "infra_error", 1, 1, 0);	/* not counted */
	put(st, *cid, g, "e1000/0000/native", "native", "crash", 0, 0, 0);
	return st;
}

static void test_fs_counts(void **state)
{
	struct rep_campaign c;
	struct store *st;
	int64_t cid;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	st = make_db("a.db", &cid);
	assert_int_equal(report_load(st, cid, &c), 0);
	assert_int_equal(c.n_ext, 2);
	assert_string_equal(c.ext[0].name, "fat");
	assert_int_equal(c.ext[0].fs_checked[0], 3);
	assert_int_equal(c.ext[0].fs_corrupt[0], 1);
	assert_int_equal(c.ext[0].fs_dirty[0], 2);
	assert_int_equal(c.ext[0].fs_checked[1], 1);
	assert_int_equal(c.ext[0].fs_corrupt[1], 0);
	assert_int_equal(c.ext[1].fs_checked[0], 0);
	assert_true(rep_has_fs(&c));
	f = open_memstream(&buf, &len);
	report_print_summary(&c, f);
	fclose(f);
	assert_non_null(strstr(buf, "fat: fs corrupt after trial (fsck.vfat -n): native 1 of 3 "
				    "(dirty bit left: 2), nooks 0 of 1 (dirty bit left: 0)\n"));
	assert_null(strstr(buf, "e1000: fs corrupt"));
	free(buf);
	f = open_memstream(&buf, &len);
	report_write_md(&c, f);
	fclose(f);
	assert_non_null(strstr(buf, "## Filesystem left corrupt"));
	assert_non_null(strstr(buf, "| fat | native | 3 | 1 | 2 |"));
	free(buf);
	report_release(&c);
	store_close(st);
}

static void test_no_disk_no_fs_section(void **state)
{
	struct rep_campaign c;
	struct store *st;
	int64_t cid, img, e, f;
	char *p = xasprintf("%s/n.db", dir), *buf = NULL;
	size_t len = 0;
	FILE *o;

	(void)state;
	assert_int_equal(store_open(p, STORE_RW, &st), 0);
	free(p);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_image_id(st, "k", "a", "b", &img), 0);
	assert_int_equal(store_campaign_insert(st, "n", "{}", "h", 1, img, 1, &cid), 0);
	assert_int_equal(store_extension_insert(st, cid, "e1000", "e1000", "e1000", "netdev", NULL,
						&e), 0);
	assert_int_equal(store_fault_insert(st, cid, e, 0, "nop", 5, 1, &f), 0);
	assert_int_equal(store_commit(st), 0);
	put(st, cid, f, "e1000/0000/native", "native", "crash", 0, 0, 0);
	assert_int_equal(report_load(st, cid, &c), 0);
	assert_false(rep_has_fs(&c));
	o = open_memstream(&buf, &len);
	report_print_summary(&c, o);
	report_write_md(&c, o);
	fclose(o);
	assert_null(strstr(buf, "fs corrupt"));
	assert_null(strstr(buf, "Filesystem left corrupt"));
	free(buf);
	report_release(&c);
	store_close(st);
}

static void test_html_fs_table(void **state)
{
	struct rep_campaign c;
	struct store *st;
	int64_t cid;
	char *out = xasprintf("%s/html", dir), *idx, *html, *page;

	(void)state;
	st = make_db("h.db", &cid);
	assert_int_equal(report_load(st, cid, &c), 0);
	assert_int_equal(report_write_html(st, &c, out), 0);
	idx = xasprintf("%s/index.html", out);
	html = read_file(idx, NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "<table id=\"tbl-fs\">"));
	assert_non_null(strstr(html, "<td class=\"l\">native</td><td>3</td><td>1</td><td>33.3%</td>"
				     "<td>2</td>"));
	free(html);
	free(idx);
	/* the first trial's page shows its verdict */
	page = xasprintf("%s/trials/1.html", out);
	html = read_file(page, NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "fs corrupt (fsck.vfat -n)"));
	assert_non_null(strstr(html, "FATs differ"));
	free(html);
	free(page);
	free(out);
	report_release(&c);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs_counts),
		cmocka_unit_test(test_no_disk_no_fs_section),
		cmocka_unit_test(test_html_fs_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
