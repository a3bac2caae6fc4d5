/*
 * report_text.c - the text outputs of a report: the summary table (stdout
 * of campaign run, report and make demo), report.md and junit.xml, and
 * report_write_all() which writes every output into one directory.
 *
 * JUnit semantics: one test case per extension x mode x fault type.  A
 * nooks- or domains-mode case fails when any of its trials crashed or hung (the NIM
 * did not keep the system alive); native cases are the baseline and never
 * fail (their counts are in system-out).
 */
#define _GNU_SOURCE
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"

/* Paired survival per isolated mode, and what write protection caught that
 * stage 1 missed (campaigns with domains trials only). */
static void print_domains(const struct rep_campaign *c, FILE *f)
{
	struct rep_paired p;
	int i, pos = 0;

	if (!rep_mode_shown(c, REP_DOMAINS))
		return;
	fprintf(f, "native crashing faults survived, paired:\n%-12s %-7s %8s %8s %6s %12s\n",
		"extension", "mode", "crashing", "survived", "rate", "95% CI");
	while (rep_paired_next(c, &pos, &p))
		fprintf(f, "%-12s %-7s %8d %8d %5.0f%% %5.0f-%.0f%%\n", p.e->name,
			rep_mode_names[p.mode], p.crashing, p.survived,
			100 * rate(p.survived, p.crashing), 100 * p.lo, 100 * p.hi);
	for (i = 0; i < c->n_ext; i++) {
		const struct rep_ext *e = &c->ext[i];

		if (e->wp_paired)
			fprintf(f, "%s: caught by write protection that stage 1 missed: %d of %d "
				"descriptors run in nooks and domains (%.0f%%)\n", e->name,
				e->wp_caught, e->wp_paired, 100 * rate(e->wp_caught, e->wp_paired));
	}
	for (i = 0; i < c->n_wp; i++) {
		const struct rep_wp *w = &c->wp[i];

		fprintf(f, "  %s/%04d %s seed %lld: write to %s (native %s, nooks %s, domains %s); "
			"mutated %s\n", w->ext, w->idx, w->types, (long long)w->seed,
			w->target ? w->target : "?", w->native_outcome ? w->native_outcome : "-",
			w->nooks_outcome, w->domains_outcome, w->mutated ? w->mutated : "?");
	}
}

/* How the NIM detected faults, per extension and isolated mode. */
static void print_detection(const struct rep_campaign *c, FILE *f)
{
	char buf[512];
	int i, m;

	for (i = 0; i < c->n_ext; i++)
		for (m = 1; m < REP_MODES; m++) {
			if (!c->ext[i].detect[m].count)
				continue;
			rep_detect_text(&c->ext[i].detect[m], buf, sizeof(buf));
			fprintf(f, "%s: %s: NIM detection: %s\n", c->ext[i].name, rep_mode_names[m], buf);
		}
}

static void plain(FILE *f, const char *s)
{
	fputs(s, f);
}

/* "EXT: no candidate site for TYPES" per extension whose module lacks a type. */
static void print_missing(const struct rep_campaign *c, FILE *f, const char *prefix)
{
	rep_print_missing(f, c, prefix, ": no candidate site for ", "\n", plain);
}

/* The outcomes table (report_tables.c) in fixed columns, class names shortened. */
static void summary_table(struct table *t, const struct rep_campaign *c)
{
	static struct tab_col cols[3 + REP_CLASSES] = {
		COL_LW("extension", 12), COL_LW("mode", 7), COL_RW("trials", 6),
	};
	int k;

	for (k = 0; k < REP_CLASSES; k++)
		cols[3 + k] = (struct tab_col)COL_RW(k == 5 ? "rec_degr" : k == 6 ? "det_unrec"
						     : outcome_name(k), k == 6 ? 8 : 9);
	rep_table_outcomes(t, c);
	tab_set_cols(t, cols);
}

void report_print_summary(const struct rep_campaign *c, FILE *f)
{
	char kernel[1024];
	struct table t;
	int i, m;

	rep_kernel_text(c, kernel, sizeof(kernel));
	fprintf(f, "campaign %s (#%lld): %d of %d trials stored%s\n", c->name, (long long)c->id,
		c->stored, c->planned, c->finished ? "" : " (incomplete)");
	fprintf(f, "kernel: %s\n", kernel);
	print_missing(c, f, "");
	summary_table(&t, c);
	tab_fixed_render(&t, f);
	tab_release(&t);
	for (i = 0; i < c->n_ext; i++) {
		const struct rep_ext *e = &c->ext[i];

		if (!e->fs_checked[0] && !e->fs_checked[1] && !e->fs_checked[REP_DOMAINS])
			continue;
		fprintf(f, "%s: fs corrupt after trial (fsck.vfat -n):", e->name);
		for (m = 0; m < REP_MODES; m++)
			if (e->fs_checked[m])
				fprintf(f, "%s %s %d of %d (dirty bit left: %d)", m ? "," : "",
					rep_mode_names[m], e->fs_corrupt[m], e->fs_checked[m],
					e->fs_dirty[m]);
		fputc('\n', f);
	}
	for (i = 0; i < c->n_ext; i++) {
		const struct rep_ext *e = &c->ext[i];
		double lo, hi;

		if (!e->mode[1].total)
			continue;
		wilson(e->survived, e->crashing, Z95, &lo, &hi);
		fprintf(f, "%s: nooks survived %d of %d crashing faults (%.0f%%, 95%% CI %.0f-%.0f%%)\n",
			e->name, e->survived, e->crashing, 100 * rate(e->survived, e->crashing),
			100 * lo, 100 * hi);
		wilson(e->eliminated, e->failing, Z95, &lo, &hi);
		fprintf(f, "%s: nooks eliminated %d of %d failures (native workload failed; "
			"%.0f%%, 95%% CI %.0f-%.0f%%)\n", e->name, e->eliminated, e->failing,
			100 * rate(e->eliminated, e->failing), 100 * lo, 100 * hi);
	}
	print_domains(c, f);
	print_detection(c, f);
}

/* Candidate sites per extension and fault type, and the types a module lacks. */
static void md_sites(const struct rep_campaign *c, FILE *f)
{
	struct table t;

	if (!c->n_site_types)
		return;
	fputs("\n## Candidate sites\n\nCounted in each extension's module before planning "
	      "(`nooks inject --sites`): instructions for code fault types, called kernel "
	      "functions swifi wraps x N (1..16) for runtime types.  A type with no site is never "
	      "planned for that extension.\n\n", f);
	rep_table_sites(&t, c);
	rep_table_sites_render(&t, 0, f);
	fputc('\n', f);
	print_missing(c, f, "- ");
}

/* A report.md section: its heading (with the text before the table), then the table. */
static void md_table(FILE *f, const char *heading, const struct rep_campaign *c,
		     void (*build)(struct table *t, const struct rep_campaign *c))
{
	struct table t;

	fputs(heading, f);
	build(&t, c);
	rep_table_render(&t, 0, f);
}

int report_write_md(const struct rep_campaign *c, FILE *f)
{
	char kernel[1024];

	rep_kernel_text(c, kernel, sizeof(kernel));
	fprintf(f, "# Campaign %s (#%lld)\n\n", c->name, (long long)c->id);
	fputs("Kernel ", f);
	md_escape(f, kernel);
	fprintf(f, "; %d of %d planned trials stored; %d infra retries.\n\n", c->stored,
		c->planned, c->infra_attempts);
	md_table(f, "## Outcomes\n\n", c, rep_table_outcomes);
	md_table(f, "\n## Crashing faults survived by the NIM\n\n", c, rep_table_survival);
	md_table(f, "\n## Failures eliminated by the NIM\n\nNative descriptors whose workload "
		 "failed (crash or not) and whose nooks trial passed (paired).\n\n", c,
		 rep_table_nonfatal);
	report_md_domains(f, c);
	if (rep_has_fs(c))
		md_table(f, "\n## Filesystem left corrupt (fsck.vfat -n after the trial)\n\n", c,
			 rep_table_fs);
	md_table(f, "\n## Per fault type\n\n", c, rep_table_types_md);
	md_table(f, "\n## Fault activation\n\nRuntime faults (alloc, free, leak, bcopy) report "
		 "when they fire (swifi's console events); transient code faults, each mutated "
		 "site written and executed (a one-shot breakpoint); persistent code faults are "
		 "not instrumented (unknown).\n\n", c,
		 rep_table_activation_md);
	md_sites(c, f);
	md_table(f, "\n## Crash signatures\n\n", c, rep_table_sigs);
	return ferror(f) ? -1 : 0;
}

/* The testsuite's properties: the kernel that ran, the types a module lacks. */
static void junit_properties(const struct rep_campaign *c, FILE *f)
{
	char buf[1024];

	rep_kernel_text(c, buf, sizeof(buf));
	fputs("<properties><property name=\"kernel\" value=\"", f);
	html_escape(f, buf);
	fputs("\"/>", f);
	rep_print_missing(f, c, "<property name=\"no_candidate_site.", "\" value=\"", "\"/>",
			  html_escape);
	fputs("</properties>\n", f);
}

int report_write_junit(struct store *st, const struct rep_campaign *c, FILE *f)
{
	int i, m, failures = 0, tests = 0;

	(void)st;
	for (i = 0; i < c->n_types; i++)
		for (m = 0; m < REP_MODES; m++) {
			const struct rep_cell *cell = &c->types[i].mode[m];

			if (!cell->total)
				continue;
			tests++;
			failures += rep_mode_isolated(m) && cell->n[2] + cell->n[3] > 0;
		}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"", f);
	html_escape(f, c->name);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n", tests, failures);
	junit_properties(c, f);
	for (i = 0; i < c->n_types; i++)
		for (m = 0; m < REP_MODES; m++) {
			const struct rep_cell *cell = &c->types[i].mode[m];
			int bad = cell->n[2] + cell->n[3], k;

			if (!cell->total)
				continue;
			fputs("<testcase classname=\"", f);
			html_escape(f, c->types[i].ext);
			fprintf(f, ".%s\" name=\"", rep_mode_names[m]);
			html_escape(f, c->types[i].types);
			fputs("\">", f);
			if (rep_mode_isolated(m) && bad)
				fprintf(f, "<failure message=\"%d of %d trials crashed or hung under the NIM\"/>",
					bad, cell->total);
			fputs("<system-out>", f);
			for (k = 0; k < REP_CLASSES; k++)
				fprintf(f, "%s=%d ", outcome_name(k), cell->n[k]);
			fputs("</system-out></testcase>\n", f);
		}
	fputs("</testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -1 : 0;
}

static int write_with(const char *dir, const char *name,
		      int (*fn)(struct store *, const struct rep_campaign *, FILE *),
		      struct store *st, const struct rep_campaign *c)
{
	char *tmp = xasprintf("%s/%s.tmp", dir, name), *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(tmp, "w");
	int r = -1;

	if (!f) {
		error_errno("cannot write '%s'", tmp);
		goto out;
	}
	if (fn(st, c, f) | fclose(f)) {
		error_errno("cannot write '%s'", tmp);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path)) {
		error_errno("cannot rename '%s'", tmp);
		unlink(tmp);
		goto out;
	}
	r = 0;
out:
	free(tmp);
	free(path);
	return r;
}

static int md_adapter(struct store *st, const struct rep_campaign *c, FILE *f)
{
	(void)st;
	return report_write_md(c, f);
}

int report_write_all(struct store *st, const struct rep_campaign *c, const char *dir)
{
	if (mkdir_p(dir, 0755))
		return -1;
	if (report_write_html(st, c, dir) ||
	    write_with(dir, "report.md", md_adapter, st, c) ||
	    write_with(dir, "junit.xml", report_write_junit, st, c))
		return -1;
	return 0;
}
