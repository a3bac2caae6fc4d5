/*
 * report_domains.c - the report sections of stage 2 (issue 8), in HTML
 * (index.html) and Markdown (report.md) from one set of tables: how the
 * NIM detected faults per extension and isolated mode, the paired table of
 * native crashing faults survived by nooks and by domains (95% Wilson
 * intervals, reports/stats.c), and the fault descriptors that write
 * protection caught while their nooks trial detected nothing.
 *
 * Reads only the loaded struct rep_campaign (report_data.c, from the views
 * of db/schema.sql); never queries or writes the database.  Every string
 * from the store is escaped by the table renderers (table.c).
 */
#define _GNU_SOURCE
#include "report.h"

#include "stats.h"

enum fmt { HTML, MD };

static void table_detection(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_L("mode"), COL_R("trials"),
		COL_L("detection (trials)"),
	};
	char buf[512];
	int i, m;

	tab_init(t, "tbl-detection", cols, 4);
	for (i = 0; i < c->n_ext; i++)
		for (m = 1; m < REP_MODES; m++) {
			if (!rep_mode_shown(c, m) || !c->ext[i].mode[m].total)
				continue;
			rep_detect_text(&c->ext[i].detect[m], buf, sizeof(buf));
			tab_row(t);
			tab_text(t, c->ext[i].name);
			tab_text(t, rep_mode_names[m]);
			tab_cell(t, "%d", c->ext[i].mode[m].total);
			tab_text(t, buf);
		}
}

static void table_paired(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_L("mode"), COL_R("crashing faults"),
		COL_R("survived"), COL_R("rate"),
		COL_R("95% Wilson interval"),
	};
	struct rep_paired p;
	int pos = 0;

	tab_init(t, "tbl-paired-modes", cols, 6);
	while (rep_paired_next(c, &pos, &p)) {
		tab_row(t);
		tab_text(t, p.e->name);
		tab_text(t, rep_mode_names[p.mode]);
		tab_cell(t, "%d", p.crashing);
		tab_cell(t, "%d", p.survived);
		tab_pct(t, rate(p.survived, p.crashing));
		tab_interval(t, p.lo, p.hi);
	}
}

static void table_wp_summary(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_R("descriptors in nooks and domains"),
		COL_R("caught"), COL_R("rate"),
	};
	int i;

	tab_init(t, "tbl-wp-summary", cols, 4);
	for (i = 0; i < c->n_ext; i++) {
		const struct rep_ext *e = &c->ext[i];

		tab_row(t);
		tab_text(t, e->name);
		tab_cell(t, "%d", e->wp_paired);
		tab_cell(t, "%d", e->wp_caught);
		tab_pct(t, rate(e->wp_caught, e->wp_paired));
	}
}

static void table_wp(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("descriptor"), COL_L("fault types"), COL_R("seed"),
		COL_L("write target"), COL_L("native"), COL_L("nooks"),
		COL_L("domains"), COL_L("mutated"),
	};
	char href[64];
	int i;

	tab_init(t, "tbl-wp", cols, 8);
	tab_empty(t, "none");
	for (i = 0; i < c->n_wp; i++) {
		const struct rep_wp *w = &c->wp[i];

		tab_row(t);
		tab_cell(t, "%s/%04d", w->ext, w->idx);
		tab_text(t, w->types);
		tab_cell(t, "%lld", (long long)w->seed);
		tab_text(t, w->target ? w->target : "?");	/* unknown, not absent */
		tab_text(t, w->native_outcome);
		snprintf(href, sizeof(href), "trials/%lld.html", (long long)w->nooks_trial);
		tab_link(t, href, w->nooks_outcome);
		snprintf(href, sizeof(href), "trials/%lld.html", (long long)w->domains_trial);
		tab_link(t, href, w->domains_outcome);
		tab_text(t, w->mutated ? w->mutated : "?");
	}
}

/* A section's heading in fmt (html or md), then its table t. */
static void section(FILE *f, enum fmt fmt, const char *html, const char *md, struct table *t)
{
	fputs(fmt == HTML ? html : md, f);
	rep_table_render(t, fmt == HTML, f);
}

static void sections(FILE *f, const struct rep_campaign *c, enum fmt fmt)
{
	struct table t;

	table_detection(&t, c);
	section(f, fmt, "<h3>NIM detection</h3>\n<p>How the NIM detected the first fault of each "
		"trial: <code>write_protect</code> when a protection domain caught a write it "
		"did not grant, otherwise the kind of the NIM's fault line (page_fault, gpf, "
		"wrapper_check, leaked_lock, ...).</p>\n",
		"\n## NIM detection\n\nHow the NIM detected the first fault of each trial "
		"(`write_protect`: a write its protection domain did not grant; otherwise the "
		"fault's kind).\n\n", &t);
	if (!rep_mode_shown(c, REP_DOMAINS))
		return;
	table_paired(&t, c);
	section(f, fmt, "<h3>Native crashing faults survived, per mode</h3>\n<p>Paired: the same "
		"fault descriptor ran natively and in each mode; the denominator counts the "
		"descriptors whose native trial crashed or hung and whose trial in that mode "
		"counted.</p>\n",
		"\n## Native crashing faults survived, per mode (paired)\n\n", &t);
	table_wp_summary(&t, c);
	section(f, fmt, "<h3>Caught by write protection that stage 1 missed</h3>\n<p>Fault "
		"descriptors whose nooks trial detected nothing (outcome not recovered, "
		"recovered_degraded or detected_unrecovered) while their domains trial caught "
		"a write-protection fault.</p>\n",
		"\n## Caught by write protection that stage 1 missed\n\nDescriptors whose "
		"nooks trial detected nothing while their domains trial caught a "
		"write-protection fault.\n\n", &t);
	if (fmt == MD)
		fputc('\n', f);
	table_wp(&t, c);
	rep_table_render(&t, fmt == HTML, f);
}

void report_html_domains(FILE *f, const struct rep_campaign *c)
{
	sections(f, c, HTML);
}

void report_md_domains(FILE *f, const struct rep_campaign *c)
{
	sections(f, c, MD);
}
