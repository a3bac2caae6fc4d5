/*
 * report_html.c - the self-contained HTML report: index.html with inline
 * SVG charts (outcomes native vs nooks per extension in the style of the
 * Nooks paper's Figure 6, per fault type breakdown, crashing faults
 * survived with 95% Wilson intervals, recovery latency distribution), the
 * crash signature table, the trial list, and trials/<id>.html per trial.
 *
 * Never references anything outside the output directory (no scripts, no
 * fonts, no network), and never prints a database or guest string without
 * html_escape().
 */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"

static const char *const class_color[REP_CLASSES] = {
	"#43a047", "#fbc02d", "#d32f2f", "#7b1fa2", "#1e88e5", "#90caf9", "#ff7043",
};

static const char css[] =
	"body{font-family:sans-serif;margin:2em;max-width:75em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;"
	"padding:.2em .5em;text-align:right}th{background:#eee}td.l,th.l{text-align:left}"
	"pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:85%}"
	"svg{display:block;margin:1em 0}.sw{display:inline-block;width:.9em;height:.9em;"
	"margin:0 .3em 0 1em;vertical-align:middle}h2{border-bottom:1px solid #ccc}";

static void head(FILE *f, const char *title, const char *extra_css)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\"><title>", f);
	html_escape(f, title);
	fprintf(f, "</title><style>%s%s</style></head><body>\n", css, extra_css);
}

static void legend(FILE *f)
{
	int k;

	fputs("<p id=\"legend\">", f);
	for (k = 0; k < REP_CLASSES; k++)
		fprintf(f, "<span class=\"sw\" style=\"background:%s\"></span>%s", class_color[k],
			outcome_name(k));
	fputs("</p>\n", f);
}

/* One stacked bar (percentages of cell) at x, plot area top..top+h. */
static void stacked_bar(FILE *f, const struct rep_cell *c, double x, double w, double top,
			double h, const char *label)
{
	double y = top + h;
	int k;

	for (k = 0; k < REP_CLASSES && c->total; k++) {
		double bh = h * c->n[k] / c->total;

		if (!c->n[k])
			continue;
		y -= bh;
		fprintf(f, "<rect class=\"seg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"><title>%s %s: %d of %d (%.1f%%)</title></rect>\n",
			x, y, w, bh, class_color[k], label, outcome_name(k), c->n[k], c->total,
			100.0 * c->n[k] / c->total);
	}
	if (!c->total)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">"
			"no data</text>\n", x + w / 2, top + h / 2);
}

static void axis(FILE *f, double left, double top, double h, double right)
{
	int p;

	for (p = 0; p <= 100; p += 25) {
		double y = top + h - h * p / 100.0;

		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%d%%</text>\n",
			left, right, y, y, left - 4, y + 3, p);
	}
}

/* Figure 6 style: per extension, native and nooks bars side by side. */
static void chart_outcomes(FILE *f, const struct rep_campaign *c)
{
	int i, m, j, shown = 2 + rep_mode_shown(c, REP_DOMAINS);
	double left = 45, top = 10, h = 220, bw = 50, gap = 26;
	double group = shown * bw + (shown - 1) * gap + 40;
	double width = left + group * c->n_ext + 20;

	fprintf(f, "<svg id=\"fig-outcomes\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" role=\"img\" aria-label=\"outcomes per extension\">\n",
		width, top + h + 45);
	axis(f, left, top, h, width - 10);
	for (i = 0; i < c->n_ext; i++) {
		double x = left + 20 + group * i;

		for (m = j = 0; m < REP_MODES; m++) {
			char label[160];

			if (!rep_mode_shown(c, m))
				continue;
			snprintf(label, sizeof(label), "%s %s", c->ext[i].name, rep_mode_names[m]);
			stacked_bar(f, &c->ext[i].mode[m], x + j * (bw + gap), bw, top, h, label);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">"
				"%s (%d)</text>\n", x + j * (bw + gap) + bw / 2, top + h + 12,
				rep_mode_names[m], c->ext[i].mode[m].total);
			j++;
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
			"font-weight=\"bold\">", x + (shown * bw + (shown - 1) * gap) / 2, top + h + 30);
		html_escape(f, c->ext[i].name);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

/* Per fault type: one horizontal stacked bar per (extension, types, mode). */
static void chart_types(FILE *f, const struct rep_campaign *c)
{
	double left = 230, rowh = 16, w = 420;
	int i, m, row = 0, shown = 2 + rep_mode_shown(c, REP_DOMAINS);

	fprintf(f, "<svg id=\"fig-types\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\">\n", left + w + 20, rowh * (shown * c->n_types) + 20);
	for (i = 0; i < c->n_types; i++) {
		for (m = 0; m < REP_MODES; m++) {
			const struct rep_cell *cell = &c->types[i].mode[m];
			double x = left, y = 5 + row * rowh;
			int k;

			if (!rep_mode_shown(c, m))
				continue;
			row++;

			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">",
				left - 6, y + 11);
			html_escape(f, c->types[i].ext);
			fputs(" ", f);
			html_escape(f, c->types[i].types);
			fprintf(f, " %s (%d)</text>\n", rep_mode_names[m], cell->total);
			for (k = 0; k < REP_CLASSES && cell->total; k++) {
				double bw = w * cell->n[k] / cell->total;

				if (!cell->n[k])
					continue;
				fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					"fill=\"%s\"><title>%s: %d</title></rect>\n", x, y, bw,
					rowh - 3, class_color[k], outcome_name(k), cell->n[k]);
				x += bw;
			}
		}
	}
	fputs("</svg>\n", f);
}

/* Crashing faults survived by the NIM, with 95% Wilson intervals. */
static void chart_survival(FILE *f, const struct rep_campaign *c)
{
	double left = 45, top = 10, h = 180, bw = 50, group = 90;
	int i;

	fprintf(f, "<svg id=\"fig-survival\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\">\n", left + group * c->n_ext + 30, top + h + 40);
	axis(f, left, top, h, left + group * c->n_ext + 20);
	for (i = 0; i < c->n_ext; i++) {
		const struct rep_ext *e = &c->ext[i];
		double x = left + 20 + group * i, lo, hi, p = rate(e->survived, e->crashing);

		wilson(e->survived, e->crashing, Z95, &lo, &hi);
		if (e->crashing) {
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"#1e88e5\"><title>%d of %d survived (%.1f%%, 95%% CI %.1f-%.1f%%)"
				"</title></rect>\n", x, top + h - h * p, bw, h * p, e->survived,
				e->crashing, 100 * p, 100 * lo, 100 * hi);
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
				"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
				"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n",
				x + bw / 2, x + bw / 2, top + h - h * hi, top + h - h * lo,
				x + bw / 2 - 6, x + bw / 2 + 6, top + h - h * hi, top + h - h * hi,
				x + bw / 2 - 6, x + bw / 2 + 6, top + h - h * lo, top + h - h * lo);
		} else {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">"
				"%s</text>\n", x + bw / 2, top + h / 2,
				e->mode[1].total ? "no crashing fault" : "no nooks trials");
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">",
			x + bw / 2, top + h + 14);
		html_escape(f, e->name);
		fprintf(f, " (n=%d)</text>\n", e->crashing);
	}
	fputs("</svg>\n", f);
}

/* Recovery latency histogram over all extensions, log2 buckets in ms. */
static void chart_latency(FILE *f, const struct rep_campaign *c)
{
	int bucket[16] = { 0 }, i, j, max = 0, total = 0;
	double left = 45, top = 10, h = 140, bw = 32;

	for (i = 0; i < c->n_ext; i++)
		for (j = 0; j < c->ext[i].n_lat; j++) {
			double v = c->ext[i].lat[j];
			int b = 0;

			while (b < 15 && v >= (double)(1 << b))
				b++;
			bucket[b]++;
			total++;
		}
	for (i = 0; i < 16; i++)
		if (bucket[i] > max)
			max = bucket[i];
	fprintf(f, "<svg id=\"fig-latency\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\">\n", left + 16 * bw + 20, top + h + 40);
	if (!total) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">no recovery recorded"
			"</text></svg>\n", left, top + 20);
		return;
	}
	for (i = 0; i < 16; i++) {
		double bh = max ? h * bucket[i] / max : 0;

		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#1e88e5\">"
			"<title>%s%d ms: %d</title></rect>\n", left + i * bw, top + h - bh, bw - 3, bh,
			i ? "< " : "< ", 1 << i, bucket[i]);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">&lt;%d"
			"</text>\n", left + i * bw + bw / 2, top + h + 12, 1 << i);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">recovery latency (ms), %d "
		"recoveries</text></svg>\n", left, top + h + 30, total);
}

static void table_outcomes(FILE *f, const struct rep_campaign *c)
{
	struct table t;

	rep_table_outcomes(&t, c);
	rep_table_render(&t, 1, f);
}

static void table_survival(FILE *f, const struct rep_campaign *c)
{
	struct table t;

	rep_table_survival(&t, c);
	rep_table_render(&t, 1, f);
	fputs("<h3>Failures eliminated by the NIM</h3>\n<p>Native descriptors whose workload "
	      "failed (crash or not) and whose nooks trial passed (paired).</p>\n", f);
	rep_table_nonfatal(&t, c);
	rep_table_render(&t, 1, f);
}

/* Trials whose FAT image fsck.vfat -n found corrupt after the VM exited. */
static void table_fs(FILE *f, const struct rep_campaign *c)
{
	struct table t;

	fputs("<h2>Filesystem left corrupt</h2>\n<p>After each trial with a disk the host runs "
	      "<code>fsck.vfat -n</code> on the trial's image.  Corrupt: a finding beyond the dirty "
	      "bit, which every crash with the filesystem mounted leaves.</p>\n"
	      , f);
	rep_table_fs(&t, c);
	rep_table_render(&t, 1, f);
}

/* Activation cells of index.html: counts, rate, 95% Wilson interval; persistent code faults: unknown. */
static void fill_activation(struct table *t, const struct rep_type *ty, int m)
{
	const struct rep_act *a = &ty->act[m];
	char buf[128], text[64];
	double lo, hi;

	if (!a->known) {
		rep_act_text(a, ty->mode[m].total, buf, sizeof(buf));
		tab_span(t, buf);
		return;
	}
	tab_cell(t, "%d", a->armed);
	tab_cell(t, "%d", a->fired);
	if (a->armed) {
		wilson(a->fired, a->armed, Z95, &lo, &hi);
		tab_cell(t, "%.1f%%", 100.0 * a->fired / a->armed);
		snprintf(buf, sizeof(buf), "%.0f&ndash;%.0f%%", 100 * lo, 100 * hi);
		snprintf(text, sizeof(text), "%.0f\u2013%.0f%%", 100 * lo, 100 * hi);
		tab_html_text(t, buf, text);
	} else {
		tab_text(t, "-");
		tab_text(t, "-");
	}
	tab_cell(t, "%d of %d", a->trials_fired, a->known);
}

/* Faults fired per fault type; persistent code faults: activation unknown. */
static void table_activation(FILE *f, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_L("fault types"), COL_L("mode"), COL_R("trials"),
		COL_R("armed"), COL_R("fired"), COL_R("activation rate"), COL_R("95% interval"),
		COL_R("trials with a fault fired"),
	};
	struct table t;

	fputs("<h3>Fault activation</h3>\n<p>Runtime faults (alloc, free, leak, bcopy) report "
	      "when they fire; transient code faults, each mutated site written into the live "
	      "module (armed) and executed (fired: a one-shot breakpoint).  Persistent code "
	      "faults are not instrumented, so whether the mutated instruction ever ran is "
	      "unknown (not zero).  Filter the trial list below by activation.</p>\n", f);
	tab_init(&t, "tbl-activation", cols, (int)ARRAY_SIZE(cols));
	rep_type_rows(&t, c, fill_activation);
	rep_table_render(&t, 1, f);
}

static void table_sigs(FILE *f, const struct rep_campaign *c)
{
	struct table t;

	rep_table_sigs(&t, c);
	rep_table_render(&t, 1, f);
}

#define TRIAL_COLS "id, key, mode, outcome, extension, fault_idx, fault_types, fault_count, " \
	"fault_seed, crash_kind, crash_title, guilty_function, guilty_module, detection, " \
	"recovery_ms, deadlines_hit, workload_pass, workload_reason, metrics_json, " \
	"nim_events_json, boot_ms, workload_ms, wall_ms, attempts, error, fault_id, finished_at, " \
	"fs_corrupt, fs_dirty, fsck_summary, fault_armed, fault_fired, nim_detection, nim_target"
#define COL_ARMED 30
#define COL_FIRED 31
#define COL_NIM_DETECTION 32

/* Show only the trials of one activation class (radio buttons, CSS only: no script). */
static const char filter_css[] =
	"#act-fired:checked~#tbl-trials tr.act-silent,#act-fired:checked~#tbl-trials "
	"tr.act-unknown,#act-silent:checked~#tbl-trials tr.act-fired,#act-silent:checked~"
	"#tbl-trials tr.act-unknown,#act-unknown:checked~#tbl-trials tr.act-fired,"
	"#act-unknown:checked~#tbl-trials tr.act-silent{display:none}"
	"input[name=act]{margin-left:1em}";

static const char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* Activation class of a trial row: fired, silent (armed, never fired), unknown. */
static const char *act_class(sqlite3_stmt *s)
{
	if (sqlite3_column_type(s, COL_ARMED) == SQLITE_NULL)
		return "unknown";
	return sqlite3_column_int(s, COL_FIRED) > 0 ? "fired" : "silent";
}

/* index.html's list of trials: one row each, classed by activation (the filter). */
static void trial_list_init(struct table *t)
{
	static const struct tab_col cols[] = {
		COL_L("trial"), COL_L("outcome"), COL_L("fault types"), COL_L("crash title"),
		COL_L("NIM detection"), COL_R("wall (ms)"), COL_L("runtime faults"),
	};

	tab_init(t, "tbl-trials", cols, (int)ARRAY_SIZE(cols));
}

static void trial_list_row(struct table *t, sqlite3_stmt *s)
{
	const char *a = act_class(s);
	char buf[64];

	tab_row(t);
	snprintf(buf, sizeof(buf), "act-%s", a);
	tab_row_class(t, buf);
	snprintf(buf, sizeof(buf), "trials/%lld.html", (long long)sqlite3_column_int64(s, 0));
	tab_link(t, buf, col(s, 1));
	tab_text(t, col(s, 3));
	tab_text(t, col(s, 6));
	tab_text(t, col(s, 10));
	tab_text(t, col(s, COL_NIM_DETECTION));
	tab_text(t, col(s, 22));
	if (*a == 'u')
		tab_text(t, "unknown");
	else
		tab_cell(t, "%s/%s fired", col(s, COL_FIRED), col(s, COL_ARMED));
}

/* Lines of log around the first crash marker, or its tail. */
static void excerpt(FILE *f, const char *log)
{
	static const char *const marks[] = { "BUG:", "Oops", "general protection", "Kernel panic",
					     "kernel BUG", "divide error", "invalid opcode",
					     "watchdog:", "INFO: task", "rcu:", "nooks:", NULL };
	const char *start = NULL, *p, *end;
	int i, lines;

	for (i = 0; marks[i]; i++) {
		p = strstr(log, marks[i]);
		if (p && (!start || p < start))
			start = p;
	}
	if (start) {
		for (lines = 0; start > log && lines < 10; start--)
			if (start[-1] == '\n')
				lines++;
	} else {
		for (start = log + strlen(log), lines = 0; start > log && lines < 60; start--)
			if (start[-1] == '\n')
				lines++;
	}
	for (end = start, lines = 0; *end && lines < 80; end++)
		if (*end == '\n')
			lines++;
	{
		char *cut = strndup(start, (size_t)(end - start));

		fputs("<pre class=\"console-excerpt\">", f);
		html_escape(f, cut);
		fputs("</pre>\n", f);
		free(cut);
	}
}

static void trial_mutations(FILE *f, struct store *st, int64_t fault_id)
{
	static const struct tab_col cols[] = {
		COL_R("#"), COL_LCODE("type"), COL_LCODE("section+offset"), COL_LCODE("symbol"),
		COL_R("file offset"), COL_LCODE("old bytes"), COL_LCODE("new bytes"),
		COL_LCODE("before"), COL_LCODE("after"),
	};
	sqlite3_stmt *s = store_prepare(st,
		"SELECT n, type, section, symbol, sym_offset, file_offset, old_bytes, new_bytes, "
		"disasm_before, disasm_after FROM mutations WHERE fault_id = ?1 ORDER BY n");
	struct table t;
	int i;

	if (!s)
		return;
	sqlite3_bind_int64(s, 1, fault_id);
	tab_init(&t, "tbl-mutations", cols, (int)ARRAY_SIZE(cols));
	tab_empty(&t, "no mutation recorded");
	while (sqlite3_step(s) == SQLITE_ROW) {
		tab_row(&t);
		tab_cell(&t, "%d", sqlite3_column_int(s, 0));
		tab_text(&t, col(s, 1));
		tab_cell(&t, "%s+0x%llx", col(s, 2), (unsigned long long)sqlite3_column_int64(s, 4));
		tab_text(&t, col(s, 3));
		tab_cell(&t, "0x%llx", (unsigned long long)sqlite3_column_int64(s, 5));
		for (i = 6; i <= 9; i++)
			tab_text(&t, col(s, i));
	}
	tab_html(&t, f);
	tab_release(&t);
	sqlite3_finalize(s);
}

static int trial_page(struct store *st, const struct rep_campaign *c, sqlite3_stmt *s,
		      const char *dir)
{
	int64_t id = sqlite3_column_int64(s, 0);
	char *path = xasprintf("%s/trials/%lld.html", dir, (long long)id), *log;
	static const char *const names[] = {
		NULL, "key", "mode", "outcome", "extension", "fault index", "fault types",
		"faults", "injector seed", "crash kind", "crash title", "guilty function",
		"guilty module", "detection", "recovery (ms)", "deadlines hit", "workload pass",
		"workload reason", "workload metrics", "NIM events", "boot (ms)", "workload (ms)",
		"wall (ms)", "attempts", "error", NULL, "finished", "fs corrupt (fsck.vfat -n)",
		"fs dirty bit left", "fsck", "runtime faults armed", "runtime faults fired",
		"NIM detection", "write target",
	};
	/* a key/value table: the key column is the row's header cell */
	static const struct tab_col cols[] = { COL_LTH("field"), COL_L("value") };
	FILE *f = fopen(path, "w");
	struct table t;
	size_t len;
	int i;

	if (!f) {
		error_errno("cannot write '%s'", path);
		free(path);
		return -1;
	}
	head(f, col(s, 1), "");
	fputs("<p><a href=\"../index.html\">&larr; campaign ", f);
	html_escape(f, c->name);
	fputs("</a></p><h1>Trial ", f);
	html_escape(f, col(s, 1));
	fputs("</h1>\n", f);
	tab_init(&t, "tbl-trial", cols, (int)ARRAY_SIZE(cols));
	tab_no_head(&t);
	for (i = 1; i < (int)ARRAY_SIZE(names); i++)
		if (names[i] && sqlite3_column_type(s, i) != SQLITE_NULL) {
			tab_row(&t);
			tab_text(&t, names[i]);
			tab_text(&t, col(s, i));
		}
	tab_html(&t, f);
	tab_release(&t);
	fputs("<h2>Fault descriptor and disassembly</h2>\n", f);
	trial_mutations(f, st, sqlite3_column_int64(s, 25));
	fputs("<h2>Console excerpt</h2>\n", f);
	if (store_log_get(st, id, "console", &log, &len) == 0) {
		excerpt(f, log);
		fputs("<details><summary>full console log</summary><pre class=\"console\">", f);
		html_escape(f, log);
		fputs("</pre></details>\n", f);
		free(log);
	} else {
		fputs("<p>no console log stored</p>\n", f);
	}
	fputs("<h2>Agent events</h2>\n", f);
	if (store_log_get(st, id, "agent", &log, &len) == 0) {
		fputs("<pre class=\"agent\">", f);
		html_escape(f, log);
		fputs("</pre>\n", f);
		free(log);
	} else {
		fputs("<p>no agent log stored</p>\n", f);
	}
	fputs("</body></html>\n", f);
	free(path);
	if (fclose(f))
		return error_errno("cannot write trial page %lld", (long long)id);
	return 0;
}

static int trials(struct store *st, const struct rep_campaign *c, FILE *idx, const char *dir)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " TRIAL_COLS " FROM v_trials "
					    "WHERE campaign_id = ?1 ORDER BY key");
	struct table t;
	int r = 0;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, c->id);
	fputs("<span id=\"act-filter\">show:</span>"
	      "<input type=\"radio\" name=\"act\" id=\"act-all\" checked>"
	      "<label for=\"act-all\">all trials</label>"
	      "<input type=\"radio\" name=\"act\" id=\"act-fired\">"
	      "<label for=\"act-fired\">a runtime fault fired</label>"
	      "<input type=\"radio\" name=\"act\" id=\"act-silent\">"
	      "<label for=\"act-silent\">armed, never fired</label>"
	      "<input type=\"radio\" name=\"act\" id=\"act-unknown\">"
	      "<label for=\"act-unknown\">activation unknown (code faults)</label>\n", idx);
	trial_list_init(&t);
	while (!r && sqlite3_step(s) == SQLITE_ROW) {
		trial_list_row(&t, s);
		r = trial_page(st, c, s, dir);
	}
	tab_html(&t, idx);
	tab_release(&t);
	sqlite3_finalize(s);
	return r;
}

int report_write_html(struct store *st, const struct rep_campaign *c, const char *dir)
{
	char *tdir = xasprintf("%s/trials", dir), *path = xasprintf("%s/index.html.tmp", dir);
	char *final = xasprintf("%s/index.html", dir), title[256], kernel[1024];
	FILE *f = NULL;
	int r = -1;

	if (mkdir_p(tdir, 0755))
		goto out;
	f = fopen(path, "w");
	if (!f) {
		error_errno("cannot write '%s'", path);
		goto out;
	}
	snprintf(title, sizeof(title), "nooks campaign %s (#%lld)", c->name, (long long)c->id);
	head(f, title, filter_css);
	fputs("<h1>", f);
	html_escape(f, title);
	fputs("</h1>\n<p id=\"meta\">kernel ", f);
	rep_kernel_text(c, kernel, sizeof(kernel));
	html_escape(f, kernel);
	fprintf(f, " &middot; %d of %d planned trials stored &middot; %d infra retries &middot; "
		"started ", c->stored, c->planned, c->infra_attempts);
	html_escape(f, c->created);
	fputs(c->finished ? " &middot; finished " : " &middot; <b>incomplete</b>", f);
	html_escape(f, c->finished);
	fprintf(f, "</p>\n<h2>Outcomes per extension: native vs nooks%s</h2>\n",
		rep_mode_shown(c, REP_DOMAINS) ? " vs domains" : "");
	legend(f);
	chart_outcomes(f, c);
	table_outcomes(f, c);
	fputs("<h2>Crashing faults survived by the NIM</h2>\n<p>A crashing fault is a fault "
	      "descriptor whose native trial crashed or hung; it is survived when its nooks trial "
	      "did neither.  Intervals: 95% Wilson.</p>\n", f);
	chart_survival(f, c);
	table_survival(f, c);
	report_html_domains(f, c);
	if (rep_has_fs(c))
		table_fs(f, c);
	fputs("<h2>Per fault type</h2>\n", f);
	chart_types(f, c);
	table_activation(f, c);
	report_html_sites(f, c);
	fputs("<h2>Recovery latency</h2>\n", f);
	chart_latency(f, c);
	fputs("<h2>Crash signatures</h2>\n", f);
	table_sigs(f, c);
	fputs("<h2>Trials</h2>\n", f);
	if (trials(st, c, f, dir))
		goto out;
	fputs("<h2>Campaign spec</h2>\n<pre id=\"spec\">", f);
	html_escape(f, c->spec);
	fputs("</pre>\n</body></html>\n", f);
	if (fclose(f)) {
		f = NULL;
		error_errno("cannot write '%s'", path);
		goto out;
	}
	f = NULL;
	if (rename(path, final)) {
		error_errno("cannot rename '%s'", path);
		goto out;
	}
	r = 0;
out:
	if (f)
		fclose(f);
	if (r)
		unlink(path);
	free(tdir);
	free(path);
	free(final);
	return r;
}
