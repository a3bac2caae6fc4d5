/*
 * report_domains.c - the index.html sections of stage 2 (issue 8): how the
 * NIM detected faults per extension and isolated mode, the paired table of
 * native crashing faults survived by nooks and by domains (95% Wilson
 * intervals, reports/stats.c), and the fault descriptors that write
 * protection caught while their nooks trial detected nothing.
 *
 * Reads only the loaded struct rep_campaign (report_data.c, from the views
 * of db/schema.sql); never queries or writes the database.  Every string
 * from the store is escaped.
 */
#define _GNU_SOURCE
#include "report.h"

#include "stats.h"

static void table_detection(FILE *f, const struct rep_campaign *c)
{
	char buf[512];
	int i, m;

	fputs("<h3>NIM detection</h3>\n<p>How the NIM detected the first fault of each trial: "
	      "<code>write_protect</code> when a protection domain caught a write it did not "
	      "grant, otherwise the kind of the NIM's fault line (page_fault, gpf, "
	      "wrapper_check, leaked_lock, ...).</p>\n<table id=\"tbl-detection\"><tr>"
	      "<th class=\"l\">extension</th><th class=\"l\">mode</th><th>trials</th>"
	      "<th class=\"l\">detection (trials)</th></tr>\n", f);
	for (i = 0; i < c->n_ext; i++)
		for (m = 1; m < REP_MODES; m++) {
			if (!rep_mode_shown(c, m) || !c->ext[i].mode[m].total)
				continue;
			rep_detect_text(&c->ext[i].detect[m], buf, sizeof(buf));
			fputs("<tr><td class=\"l\">", f);
			html_escape(f, c->ext[i].name);
			fprintf(f, "</td><td class=\"l\">%s</td><td>%d</td><td class=\"l\">",
				rep_mode_names[m], c->ext[i].mode[m].total);
			html_escape(f, buf);
			fputs("</td></tr>\n", f);
		}
	fputs("</table>\n", f);
}

static void table_paired(FILE *f, const struct rep_campaign *c)
{
	int i, m;

	fputs("<h3>Native crashing faults survived, per mode</h3>\n<p>Paired: the same fault "
	      "descriptor ran natively and in each mode; the denominator counts the descriptors "
	      "whose native trial crashed or hung and whose trial in that mode counted.</p>\n"
	      "<table id=\"tbl-paired-modes\"><tr><th class=\"l\">extension</th>"
	      "<th class=\"l\">mode</th><th>crashing faults</th><th>survived</th><th>rate</th>"
	      "<th>95% Wilson interval</th></tr>\n", f);
	for (i = 0; i < c->n_ext; i++)
		for (m = 1; m < REP_MODES; m++) {
			const struct rep_ext *e = &c->ext[i];
			double lo, hi;

			if (!e->mode[m].total)
				continue;
			wilson(e->psurvived[m], e->pcrashing[m], Z95, &lo, &hi);
			fputs("<tr><td class=\"l\">", f);
			html_escape(f, e->name);
			fprintf(f, "</td><td class=\"l\">%s</td><td>%d</td><td>%d</td><td>%.1f%%</td>"
				"<td>%.1f%% &ndash; %.1f%%</td></tr>\n", rep_mode_names[m],
				e->pcrashing[m], e->psurvived[m],
				100 * rate(e->psurvived[m], e->pcrashing[m]), 100 * lo, 100 * hi);
		}
	fputs("</table>\n", f);
}

static void td(FILE *f, const char *s)
{
	fputs("<td class=\"l\">", f);
	html_escape(f, s ? s : "-");
	fputs("</td>", f);
}

static void table_wp(FILE *f, const struct rep_campaign *c)
{
	int i;

	fputs("<h3>Caught by write protection that stage 1 missed</h3>\n<p>Fault descriptors "
	      "whose nooks trial detected nothing (outcome not recovered, recovered_degraded or "
	      "detected_unrecovered) while their domains trial caught a write-protection "
	      "fault.</p>\n<table id=\"tbl-wp-summary\"><tr><th class=\"l\">extension</th>"
	      "<th>descriptors in nooks and domains</th><th>caught</th><th>rate</th></tr>\n", f);
	for (i = 0; i < c->n_ext; i++) {
		const struct rep_ext *e = &c->ext[i];

		fputs("<tr><td class=\"l\">", f);
		html_escape(f, e->name);
		fprintf(f, "</td><td>%d</td><td>%d</td><td>%.1f%%</td></tr>\n", e->wp_paired,
			e->wp_caught, 100 * rate(e->wp_caught, e->wp_paired));
	}
	fputs("</table>\n<table id=\"tbl-wp\"><tr><th class=\"l\">descriptor</th>"
	      "<th class=\"l\">fault types</th><th>seed</th><th class=\"l\">write target</th>"
	      "<th class=\"l\">native</th><th class=\"l\">nooks</th><th class=\"l\">domains</th>"
	      "<th class=\"l\">mutated</th></tr>\n", f);
	for (i = 0; i < c->n_wp; i++) {
		const struct rep_wp *w = &c->wp[i];

		fputs("<tr><td class=\"l\">", f);
		html_escape(f, w->ext);
		fprintf(f, "/%04d</td>", w->idx);
		td(f, w->types);
		fprintf(f, "<td>%lld</td>", (long long)w->seed);
		td(f, w->target);
		td(f, w->native_outcome);
		fprintf(f, "<td class=\"l\"><a href=\"trials/%lld.html\">", (long long)w->nooks_trial);
		html_escape(f, w->nooks_outcome);
		fprintf(f, "</a></td><td class=\"l\"><a href=\"trials/%lld.html\">",
			(long long)w->domains_trial);
		html_escape(f, w->domains_outcome);
		fputs("</a></td>", f);
		td(f, w->mutated);
		fputs("</tr>\n", f);
	}
	if (!c->n_wp)
		fputs("<tr><td class=\"l\" colspan=\"8\">none</td></tr>\n", f);
	fputs("</table>\n", f);
}

void report_html_domains(FILE *f, const struct rep_campaign *c)
{
	table_detection(f, c);
	if (!rep_mode_shown(c, REP_DOMAINS))
		return;
	table_paired(f, c);
	table_wp(f, c);
}
