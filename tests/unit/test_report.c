/*
 * test_report.c - the report's VFAT verdict: trials stored with a fsck
 * verdict are counted per extension and mode (checked, corrupt, dirty bit
 * left) by report_load(), and the summary table, report.md and index.html
 * show "fs corrupt after trial"; a campaign without disks shows none of it.
 * The domains mode (issue 8): paired survival per mode, detection
 * mechanisms, and the faults write protection caught that stage 1 missed,
 * from a small database built here (views of migration 5).
 * Kernels and candidate sites (migration 6): reports name the kernel that
 * ran (and "fallback from" the locked one) and the fault types a module
 * has no candidate site for (counted in the real khttpd.ko and e1000.ko of
 * the guest image); compare and gate refuse campaigns whose trials ran on
 * different kernels (one line naming both, exit 1) unless
 * --allow-kernel-change, and then name both.
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
#include "report.h"
#include "sites.h"
#include "store.h"
#include "fixture.h"
#include "util.h"

#define E1000 "build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
#define KHTTPD "build/image/modules/extra/khttpd.ko"

int cmd_compare(int argc, char **argv);
int cmd_gate(int argc, char **argv);


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
	char *p = xasprintf("%s/%s", fixture_tmp, name);
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
	struct mem_out m;
	char *buf;

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
	report_print_summary(&c, mem_open(&m));
	buf = mem_text(&m);
	assert_non_null(strstr(buf, "fat: fs corrupt after trial (fsck.vfat -n): native 1 of 3 "
				    "(dirty bit left: 2), nooks 0 of 1 (dirty bit left: 0)\n"));
	assert_null(strstr(buf, "e1000: fs corrupt"));
	free(buf);
	report_write_md(&c, mem_open(&m));
	buf = mem_text(&m);
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
	char *p = xasprintf("%s/n.db", fixture_tmp), *buf;
	struct mem_out m;
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
	o = mem_open(&m);
	report_print_summary(&c, o);
	report_write_md(&c, o);
	buf = mem_text(&m);
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
	char *out = xasprintf("%s/html", fixture_tmp), *idx, *html, *page;

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

static void put_nim(struct store *st, int64_t c, int64_t f, const char *key, const char *mode,
		    const char *outcome, const char *det, const char *target,
		    const struct store_mutation *mut)
{
	struct store_trial t = {
		.campaign_id = c, .fault_id = f, .key = key, .mode = mode, .outcome = outcome,
		.recovery_ms = -1, .workload_pass = -1, .boot_ms = -1, .workload_ms = -1,
		.wall_ms = 100, .nim_detection = det, .nim_target = target,
		.mutations = mut, .n_mutations = mut ? 1 : 0,
	};

	assert_int_equal(store_trial_put(st, &t, NULL), 0);
}

/*
 * e1000, four descriptors in three modes:
 *  0: native crash, nooks no_effect (missed), domains recovered_degraded by write_protect
 *  1: native crash, nooks crash, domains detected_unrecovered (page_fault)
 *  2: native hang, nooks recovered_degraded (wrapper_check), domains crash by write_protect
 *  3: native no_effect, nooks functional (missed), domains recovered by write_protect
 * plus descriptor 4 whose domains trial is an infra error (never counted).
 */
static struct store *make_domains_db(int64_t *cid)
{
	static const struct store_mutation mut = {
		.type = "nop", .section = ".text", .symbol = "e1000_clean+0x1c", .sym_offset = 0x51c,
		.file_offset = -1,
	};
	char *p = xasprintf("%s/d.db", fixture_tmp);
	struct store *st;
	int64_t img, e, f[5];
	int i;

	assert_int_equal(store_open(p, STORE_RW, &st), 0);
	free(p);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_image_id(st, "6.1.0-56-amd64", "a", "b", &img), 0);
	assert_int_equal(store_campaign_insert(st, "e1000-domains", "{}", "h", 1, img, 15, cid), 0);
	assert_int_equal(store_extension_insert(st, *cid, "e1000", "e1000", "e1000", "netdev", NULL,
						&e), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(store_fault_insert(st, *cid, e, i, "nop", 5, (uint64_t)(10 + i),
						    &f[i]), 0);
	assert_int_equal(store_commit(st), 0);
	put_nim(st, *cid, f[0], "e1000/0000/native", "native", "crash", NULL, NULL, &mut);
	put_nim(st, *cid, f[0], "e1000/0000/nooks", "nooks", "no_effect", NULL, NULL, NULL);
	put_nim(st, *cid, f[0], "e1000/0000/domains", "domains", "recovered_degraded",
		"write_protect", "jiffies+0x0/0x8", NULL);
	put_nim(st, *cid, f[1], "e1000/0001/native", "native", "crash", NULL, NULL, NULL);
	put_nim(st, *cid, f[1], "e1000/0001/nooks", "nooks", "crash", NULL, NULL, NULL);
	put_nim(st, *cid, f[1], "e1000/0001/domains", "domains", "detected_unrecovered",
		"page_fault", NULL, NULL);
	put_nim(st, *cid, f[2], "e1000/0002/native", "native", "hang", NULL, NULL, NULL);
	put_nim(st, *cid, f[2], "e1000/0002/nooks", "nooks", "recovered_degraded", "wrapper_check",
		NULL, NULL);
	put_nim(st, *cid, f[2], "e1000/0002/domains", "domains", "crash", "write_protect",
		"init_net+0x40/0x100", NULL);
	put_nim(st, *cid, f[3], "e1000/0003/native", "native", "no_effect", NULL, NULL, NULL);
	put_nim(st, *cid, f[3], "e1000/0003/nooks", "nooks", "functional", NULL, NULL, NULL);
	put_nim(st, *cid, f[3], "e1000/0003/domains", "domains", "recovered", "write_protect",
		"0xffff888003c51000", NULL);
	put_nim(st, *cid, f[4], "e1000/0004/native", "native", "crash", NULL, NULL, NULL);
	put_nim(st, *cid, f[4], "e1000/0004/nooks", "nooks", "no_effect", NULL, NULL, NULL);
	put_nim(st, *cid, f[4], "e1000/0004/domains", "domains", "infra_error", "write_protect",
		"jiffies+0x0/0x8", NULL);
	return st;
}

static char *capture(void (*fn)(const struct rep_campaign *, FILE *), const struct rep_campaign *c)
{
	struct mem_out m;

	fn(c, mem_open(&m));
	return mem_text(&m);
}

static void md(const struct rep_campaign *c, FILE *f) { assert_int_equal(report_write_md(c, f), 0); }
static void cmp(const struct rep_campaign *c, FILE *f) { report_compare(c, NULL, f); }

static void test_domains_report(void **state)
{
	struct rep_campaign c;
	struct store *st;
	const struct rep_ext *e;
	int64_t cid;
	char *buf, *out = xasprintf("%s/dhtml", fixture_tmp), *idx;

	(void)state;
	st = make_domains_db(&cid);
	assert_int_equal(report_load(st, cid, &c), 0);
	e = &c.ext[0];
	assert_int_equal(c.mode_trials[REP_DOMAINS], 4);
	assert_true(rep_mode_shown(&c, REP_DOMAINS));
	/* paired: native crash/hang = descriptors 0, 1, 2 (4 has no counted domains trial) */
	assert_int_equal(e->crashing, 4);		/* v_survival: native vs nooks */
	assert_int_equal(e->survived, 3);
	/* failures eliminated: native 0, 1, 2, 4 failed; nooks passed on 0 and 4 only
	 * (recovered_degraded and crash are failures; native no_effect 3 is not counted) */
	assert_int_equal(e->failing, 4);
	assert_int_equal(e->eliminated, 2);
	assert_int_equal(e->pcrashing[1], 4);
	assert_int_equal(e->psurvived[1], 3);
	assert_int_equal(e->pcrashing[REP_DOMAINS], 3);
	assert_int_equal(e->psurvived[REP_DOMAINS], 2);
	assert_int_equal(e->wp_paired, 4);
	assert_int_equal(e->wp_caught, 2);
	assert_int_equal(c.n_wp, 2);
	assert_int_equal(c.wp[0].idx, 0);
	assert_string_equal(c.wp[0].target, "jiffies+0x0/0x8");
	assert_string_equal(c.wp[0].native_outcome, "crash");
	assert_string_equal(c.wp[0].nooks_outcome, "no_effect");
	assert_string_equal(c.wp[0].domains_outcome, "recovered_degraded");
	assert_string_equal(c.wp[0].mutated, "e1000_clean+0x1c");
	assert_int_equal(c.wp[0].seed, 10);
	assert_int_equal(c.wp[1].idx, 3);
	assert_null(c.wp[1].mutated);
	assert_int_equal(e->detect[REP_DOMAINS].count, 2);
	assert_string_equal(e->detect[REP_DOMAINS].mech[0], "write_protect");
	assert_int_equal(e->detect[REP_DOMAINS].n[0], 3);

	buf = capture(report_print_summary, &c);
	assert_non_null(strstr(buf, "e1000        domains      4 "));
	assert_non_null(strstr(buf, "e1000        domains        3        2    67%"));
	assert_non_null(strstr(buf, "e1000: caught by write protection that stage 1 missed: 2 of 4 "));
	assert_non_null(strstr(buf, "e1000/0000 nop seed 10: write to jiffies+0x0/0x8 (native crash, "
				    "nooks no_effect, domains recovered_degraded); mutated e1000_clean+0x1c"));
	assert_non_null(strstr(buf, "e1000: domains: NIM detection: write_protect 3, page_fault 1"));
	assert_non_null(strstr(buf, "e1000: nooks: NIM detection: wrapper_check 1"));
	assert_non_null(strstr(buf, "e1000: nooks eliminated 2 of 4 failures (native workload "
				    "failed; 50%, 95% CI 15-85%)"));
	free(buf);
	buf = capture(md, &c);
	assert_non_null(strstr(buf, "## Failures eliminated by the NIM"));
	assert_non_null(strstr(buf, "| e1000 | domains | 3 | 2 | 66.7% |"));
	assert_non_null(strstr(buf, "## Caught by write protection that stage 1 missed"));
	assert_non_null(strstr(buf, "| e1000 | 4 | 2 | 50.0% |"));
	assert_non_null(strstr(buf, "| e1000/0003 | nop | 13 | 0xffff888003c51000 | no_effect | "
				    "functional | recovered | ? |"));
	free(buf);
	buf = capture(cmp, &c);
	assert_non_null(strstr(buf, "native (A) vs domains (B)"));
	assert_non_null(strstr(buf, "nooks (A) vs domains (B)"));
	assert_non_null(strstr(buf, "domains NIM detection: write_protect 3, page_fault 1"));
	free(buf);
	assert_int_equal(report_write_html(st, &c, out), 0);
	idx = xasprintf("%s/index.html", out);
	buf = read_file(idx, NULL);
	assert_non_null(buf);
	assert_non_null(strstr(buf, "<table id=\"tbl-paired-modes\">"));
	assert_non_null(strstr(buf, "<td class=\"l\">domains</td><td>3</td><td>2</td><td>66.7%</td>"));
	assert_non_null(strstr(buf, "<table id=\"tbl-wp\">"));
	assert_non_null(strstr(buf, "<table id=\"tbl-nonfatal\">"));
	assert_non_null(strstr(buf, "jiffies+0x0/0x8"));
	assert_non_null(strstr(buf, "write_protect 3, page_fault 1"));
	free(buf);
	free(idx);
	free(out);
	report_release(&c);
	store_close(st);
}

/* A campaign without domains trials shows no domains row or section. */
static void test_no_domains_no_section(void **state)
{
	struct rep_campaign c;
	struct store *st;
	int64_t cid;
	char *buf;

	(void)state;
	st = make_db("nd.db", &cid);
	assert_int_equal(report_load(st, cid, &c), 0);
	assert_false(rep_mode_shown(&c, REP_DOMAINS));
	buf = capture(report_print_summary, &c);
	assert_null(strstr(buf, "domains"));
	assert_null(strstr(buf, "write protection"));
	free(buf);
	buf = capture(md, &c);
	assert_null(strstr(buf, "domains"));
	free(buf);
	report_release(&c);
	store_close(st);
}

/* ---- kernels and candidate sites ------------------------------------------- */

static const char *const code_types[] = {
	"text", "nop", "src", "dst", "ptr", "branch", "invert", "loop", "init", "interface", "irq",
};

/*
 * A campaign of e1000 and khttpd whose image is img, with the site counts of
 * the real modules; one native trial per extension on image trial_img
 * (<= 0: the campaign's).
 */
static int64_t kernel_campaign(struct store *st, const char *name, const struct store_image *img,
			       const struct store_image *trial_img)
{
	static const char *const mods[] = { E1000, KHTTPD }, *const names[] = { "e1000", "khttpd" };
	int64_t cid, ii, ti = -1, e, f, n[ARRAY_SIZE(code_types)];
	char key[64];
	int i, k;

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_image_add(st, img, &ii), 0);
	if (trial_img)
		assert_int_equal(store_image_add(st, trial_img, &ti), 0);
	assert_int_equal(store_campaign_insert(st, name, "{}", name, 1, ii, 4, &cid), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_extension_insert(st, cid, names[i], names[i], NULL, "w", NULL,
							&e), 0);
		assert_int_equal(sites_count(mods[i], code_types, (int)ARRAY_SIZE(code_types), false, n), 0);
		for (k = 0; k < (int)ARRAY_SIZE(code_types); k++)
			assert_int_equal(store_extension_sites_insert(st, e, code_types[k], n[k]), 0);
		assert_int_equal(store_fault_insert(st, cid, e, 0, "nop", 5, 7, &f), 0);
		snprintf(key, sizeof(key), "%s/0000/native", names[i]);
		{
			struct store_trial t = {
				.campaign_id = cid, .fault_id = f, .key = key, .mode = "native",
				.outcome = "crash", .recovery_ms = -1, .workload_pass = -1,
				.boot_ms = -1, .workload_ms = -1, .wall_ms = 1, .image_id = ti,
			};

			assert_int_equal(store_commit(st), 0);
			assert_int_equal(store_trial_put(st, &t, NULL), 0);
			assert_int_equal(store_begin(st), 0);
		}
	}
	assert_int_equal(store_commit(st), 0);
	return cid;
}

static const struct store_image k56 = { "6.1.0-56-amd64", "", "", "lock", "6.1.0-56-amd64=6.1.158-1" };
static const struct store_image k57fb = { "6.1.0-57-amd64", "", "", "fallback",
					  "6.1.0-58-amd64=6.1.170-1" };

static struct store *kernel_db(const char *name)
{
	char *p = xasprintf("%s/%s", fixture_tmp, name);
	struct store *st;

	assert_int_equal(store_open(p, STORE_RW, &st), 0);
	free(p);
	kernel_campaign(st, "base", &k56, NULL);	/* #1 on 6.1.0-56 */
	kernel_campaign(st, "same", &k56, NULL);	/* #2 on 6.1.0-56 */
	kernel_campaign(st, "newer", &k57fb, NULL);	/* #3 on 6.1.0-57, a fallback */
	kernel_campaign(st, "mixed", &k56, &k57fb);	/* #4 image 56, its trials on 57 */
	return st;
}

static void junit(const struct rep_campaign *c, FILE *f)
{
	assert_int_equal(report_write_junit(NULL, c, f), 0);
}

static void test_report_kernel_and_sites(void **state)
{
	struct store *st = kernel_db("k.db");
	struct rep_campaign c;
	char *buf, *out = xasprintf("%s/khtml", fixture_tmp), *idx, miss[64];

	(void)state;
	assert_int_equal(report_load(st, 3, &c), 0);
	assert_int_equal(c.n_kernels, 1);
	assert_int_equal(c.n_site_types, 11);
	assert_int_equal(rep_missing_types(&c, &c.ext[0], miss, sizeof(miss)), 0);
	assert_int_equal(rep_missing_types(&c, &c.ext[1], miss, sizeof(miss)), 1);
	assert_string_equal(miss, "irq");
	buf = capture(report_print_summary, &c);
	assert_non_null(strstr(buf, "kernel: 6.1.0-57-amd64 (fallback from "
				    "6.1.0-58-amd64=6.1.170-1)\n"));
	assert_non_null(strstr(buf, "\nkhttpd: no candidate site for irq\n"));
	assert_null(strstr(buf, "e1000: no candidate site"));
	free(buf);
	buf = capture(md, &c);
	assert_non_null(strstr(buf, "Kernel 6.1.0-57-amd64 (fallback from 6.1.0-58-amd64=6.1.170-1);"));
	assert_non_null(strstr(buf, "## Candidate sites"));
	assert_non_null(strstr(buf, "| extension | text | nop | src | dst | ptr | branch | invert | "
				    "loop | init | interface | irq |"));
	assert_non_null(strstr(buf, " 0 |\n\n- khttpd: no candidate site for irq\n"));
	free(buf);
	buf = capture(junit, &c);
	assert_non_null(strstr(buf, "<property name=\"kernel\" value=\"6.1.0-57-amd64 (fallback "
				    "from 6.1.0-58-amd64=6.1.170-1)\"/>"));
	assert_non_null(strstr(buf, "<property name=\"no_candidate_site.khttpd\" value=\"irq\"/>"));
	free(buf);
	assert_int_equal(report_write_html(st, &c, out), 0);
	idx = xasprintf("%s/index.html", out);
	buf = read_file(idx, NULL);
	assert_non_null(buf);
	assert_non_null(strstr(buf, "<p id=\"meta\">kernel 6.1.0-57-amd64 (fallback from "
				    "6.1.0-58-amd64=6.1.170-1)"));
	assert_non_null(strstr(buf, "<table id=\"tbl-sites\">"));
	assert_non_null(strstr(buf, "<td>0</td></tr>"));
	assert_non_null(strstr(buf, "<p class=\"missing\">khttpd: no candidate site for irq</p>"));
	free(buf);
	free(idx);
	free(out);
	report_release(&c);
	/* the kernel its trials ran on, not the one its image row named */
	assert_int_equal(report_load(st, 4, &c), 0);
	buf = capture(report_print_summary, &c);
	assert_non_null(strstr(buf, "kernel: 6.1.0-57-amd64 (fallback from 6.1.0-58-amd64=6.1.170-1)\n"));
	assert_null(strstr(buf, "6.1.0-56-amd64"));
	free(buf);
	report_release(&c);
	store_close(st);
}

/* A campaign loaded before migration 6's counts shows no sites section. */
static void test_no_sites_no_section(void **state)
{
	struct rep_campaign c;
	struct store *st;
	int64_t cid;
	char *buf;

	(void)state;
	st = make_db("ns.db", &cid);
	assert_int_equal(report_load(st, cid, &c), 0);
	assert_int_equal(c.n_site_types, 0);
	buf = capture(report_print_summary, &c);
	assert_non_null(strstr(buf, "kernel: 6.1.0-56-amd64\n"));
	assert_null(strstr(buf, "candidate site"));
	free(buf);
	buf = capture(md, &c);
	assert_null(strstr(buf, "Candidate sites"));
	free(buf);
	report_release(&c);
	store_close(st);
}

struct cmd_call {
	int (*cmd)(int, char **);
	char **argv;
};

static int call_cmd(void *arg)
{
	struct cmd_call *c = arg;
	int argc = 0;

	while (c->argv[argc])
		argc++;
	return c->cmd(argc, c->argv);
}

/* Run a command in-process; its exit status, stdout and stderr (malloc'd). */
static int run_cmd(int (*cmd)(int, char **), char **argv, char **out, char **err)
{
	struct cmd_call c = { cmd, argv };
	int r = capture_run(call_cmd, &c, out, err);

	assert_non_null(*out);
	assert_non_null(*err);
	return r;
}

static void test_compare_gate_kernels(void **state)
{
	struct store *st = kernel_db("cg.db");
	char *db = xasprintf("%s/cg.db", fixture_tmp), *out, *err;
	char *same[] = { "compare", "--db", db, "base", "same", NULL };
	char *diff[] = { "compare", "--db", db, "base", "newer", NULL };
	char *diff_ok[] = { "compare", "--db", db, "--allow-kernel-change", "base", "newer", NULL };
	char *mixed[] = { "compare", "--db", db, "mixed", NULL };
	char *g_same[] = { "gate", "--db", db, "--baseline", "base", "--candidate", "same", NULL };
	char *g_diff[] = { "gate", "--db", db, "--baseline", "base", "--candidate", "newer", NULL };
	char *g_ok[] = { "gate", "--db", db, "--baseline", "base", "--candidate", "newer",
			 "--allow-kernel-change", NULL };
	static const char refusal[] = "nooks: error: campaigns 'base' (#1) and 'newer' (#3) ran on "
		"different kernels: 'base' on 6.1.0-56-amd64, 'newer' on 6.1.0-57-amd64; "
		"--allow-kernel-change compares them anyway\n";

	(void)state;
	store_close(st);
	assert_int_equal(run_cmd(cmd_compare, same, &out, &err), 0);
	assert_non_null(strstr(out, "kernel: 6.1.0-56-amd64\n"));
	assert_string_equal(err, "");
	free(out);
	free(err);
	assert_int_equal(run_cmd(cmd_compare, diff, &out, &err), 1);
	assert_string_equal(err, refusal);
	assert_string_equal(out, "");
	free(out);
	free(err);
	assert_int_equal(run_cmd(cmd_compare, diff_ok, &out, &err), 0);
	assert_non_null(strstr(out, "kernels differ (--allow-kernel-change): A 6.1.0-56-amd64; "
				    "B 6.1.0-57-amd64 (fallback from 6.1.0-58-amd64=6.1.170-1)\n"));
	assert_non_null(strstr(out, "significant difference"));
	free(out);
	free(err);
	/* one campaign whose trials ran on another kernel than its image: one kernel */
	assert_int_equal(run_cmd(cmd_compare, mixed, &out, &err), 0);
	assert_non_null(strstr(out, "kernel: 6.1.0-57-amd64"));
	free(out);
	free(err);
	assert_int_equal(run_cmd(cmd_gate, g_same, &out, &err), 0);
	assert_non_null(strstr(out, "gate: pass"));
	free(out);
	free(err);
	assert_int_equal(run_cmd(cmd_gate, g_diff, &out, &err), 1);
	assert_string_equal(err, refusal);
	assert_null(strstr(out, "gate: pass"));
	free(out);
	free(err);
	assert_int_equal(run_cmd(cmd_gate, g_ok, &out, &err), 0);
	assert_non_null(strstr(out, "kernels differ (--allow-kernel-change): A 6.1.0-56-amd64; "
				    "B 6.1.0-57-amd64"));
	assert_non_null(strstr(out, "gate: pass"));
	free(out);
	free(err);
	free(db);
}

/* Within one campaign: trials of two kernels are not compared unless allowed. */
static void test_compare_within_mixed_kernels(void **state)
{
	struct store *st = kernel_db("w.db");
	struct rep_campaign c;
	struct mem_out m;
	char *buf;
	FILE *f;

	(void)state;
	/* one more trial of "same" (#2) on 6.1.0-57 */
	{
		int64_t ti, fid;
		struct store_trial t = {
			.campaign_id = 2, .key = "e1000/0000/nooks", .mode = "nooks",
			.outcome = "recovered", .recovery_ms = -1, .workload_pass = -1,
			.boot_ms = -1, .workload_ms = -1, .wall_ms = 1,
		};

		assert_int_equal(store_begin(st), 0);
		assert_int_equal(store_image_add(st, &k57fb, &ti), 0);
		assert_int_equal(store_commit(st), 0);
		assert_int_equal(store_fault_id(st, 2, "e1000", 0, &fid), 0);
		t.fault_id = fid;
		t.image_id = ti;
		assert_int_equal(store_trial_put(st, &t, NULL), 0);
	}
	assert_int_equal(report_load(st, 2, &c), 0);
	assert_int_equal(c.n_kernels, 2);
	f = mem_open(&m);
	assert_int_equal(report_kernel_check(&c, NULL, 0, f), -1);
	assert_int_equal(report_kernel_check(&c, NULL, 1, f), 0);
	buf = mem_text(&m);
	assert_string_equal(buf, "kernels differ (--allow-kernel-change): 6.1.0-56-amd64 (2 trials), "
				 "6.1.0-57-amd64 (fallback from 6.1.0-58-amd64=6.1.170-1; 1 trial)\n");
	free(buf);
	report_release(&c);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs_counts),
		cmocka_unit_test(test_no_disk_no_fs_section),
		cmocka_unit_test(test_html_fs_table),
		cmocka_unit_test(test_domains_report),
		cmocka_unit_test(test_no_domains_no_section),
		cmocka_unit_test(test_report_kernel_and_sites),
		cmocka_unit_test(test_no_sites_no_section),
		cmocka_unit_test(test_compare_gate_kernels),
		cmocka_unit_test(test_compare_within_mixed_kernels),
	};

	return cmocka_run_group_tests(tests, fixture_tmp_setup, fixture_tmp_teardown);
}
