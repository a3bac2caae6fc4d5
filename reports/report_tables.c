/*
 * report_tables.c - the campaign tables that index.html and report.md
 * share (outcomes per extension and mode, crashing faults survived,
 * failures eliminated, the
 * filesystem left corrupt, crash signatures) and report.md's tables per
 * fault type (outcomes, activation), each built once as a table model
 * (table.h) that the caller renders in its format.
 *
 * Reads only the loaded struct rep_campaign; the caller releases the table.
 */
#include "report.h"

#include <stddef.h>

#include "stats.h"
#include "util.h"

void rep_table_outcomes(struct table *t, const struct rep_campaign *c)
{
	static struct tab_col cols[3 + REP_CLASSES] = {
		COL_L("extension"), COL_L("mode"), COL_R("trials"),
	};
	int i, m, k;

	for (k = 0; k < REP_CLASSES; k++)
		cols[3 + k] = (struct tab_col)COL_R(outcome_name(k));
	tab_init(t, "tbl-outcomes", cols, 3 + REP_CLASSES);
	for (i = 0; i < c->n_ext; i++)
		for (m = 0; m < REP_MODES; m++) {
			const struct rep_cell *cell = &c->ext[i].mode[m];

			if (!rep_mode_shown(c, m))
				continue;
			tab_row(t);
			tab_text(t, c->ext[i].name);
			tab_text(t, rep_mode_names[m]);
			tab_cell(t, "%d", cell->total);
			for (k = 0; k < REP_CLASSES; k++)
				tab_cell(t, "%d", cell->n[k]);
		}
}

/* One row per extension: the count at whole, the part of it at part (offsets
 * into struct rep_ext), the rate and its 95% Wilson interval. */
static void rate_rows(struct table *t, const struct rep_campaign *c, size_t whole, size_t part)
{
	int i;

	for (i = 0; i < c->n_ext; i++) {
		const char *e = (const char *)&c->ext[i];
		int n = *(const int *)(e + whole), k = *(const int *)(e + part);
		double lo, hi;

		wilson(k, n, Z95, &lo, &hi);
		tab_row(t);
		tab_text(t, c->ext[i].name);
		tab_cell(t, "%d", n);
		tab_cell(t, "%d", k);
		tab_pct(t, rate(k, n));
		tab_interval(t, lo, hi);
	}
}

void rep_table_survival(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_R("crashing faults (native crash or hang)"),
		COL_R("survived with nooks"), COL_R("rate"),
		COL_R("95% Wilson interval"),
	};

	tab_init(t, "tbl-survival", cols, 5);
	rate_rows(t, c, offsetof(struct rep_ext, crashing), offsetof(struct rep_ext, survived));
}

/*
 * The paper's second figure: native descriptors whose workload failed
 * (functional, crash or hang) and whose nooks trial passed: no_effect,
 * recovered, or the workload's verdict for the whole trial passed and the
 * guest neither crashed nor hung (a fault the NIM contained at power-off,
 * after the workload, is recovered_degraded with the workload passed).
 */
void rep_table_nonfatal(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_R("failures (native workload failed)"),
		COL_R("eliminated with nooks"), COL_R("rate"), COL_R("95% Wilson interval"),
	};

	tab_init(t, "tbl-nonfatal", cols, 5);
	rate_rows(t, c, offsetof(struct rep_ext, failing), offsetof(struct rep_ext, eliminated));
}

void rep_table_fs(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_L("mode"), COL_R("checked"),
		COL_R("fs corrupt after trial"), { .head = "rate", .align = TAB_RIGHT, .only = TAB_HTML_ONLY },
		COL_R("dirty bit left"),
	};
	int i, m;

	tab_init(t, "tbl-fs", cols, 6);
	for (i = 0; i < c->n_ext; i++)
		for (m = 0; m < REP_MODES; m++) {
			const struct rep_ext *e = &c->ext[i];

			if (!e->fs_checked[m])
				continue;
			tab_row(t);
			tab_text(t, e->name);
			tab_text(t, rep_mode_names[m]);
			tab_cell(t, "%d", e->fs_checked[m]);
			tab_cell(t, "%d", e->fs_corrupt[m]);
			tab_pct(t, rate(e->fs_corrupt[m], e->fs_checked[m]));
			tab_cell(t, "%d", e->fs_dirty[m]);
		}
}

void rep_table_sigs(struct table *t, const struct rep_campaign *c)
{
	static struct tab_col cols[9];
	int i, n = 0, dom = rep_mode_shown(c, REP_DOMAINS);
	char href[64], text[64];

	cols[n++] = (struct tab_col)COL_L("kind");
	cols[n++] = (struct tab_col)COL_L("title");
	cols[n++] = (struct tab_col)COL_R("trials");
	cols[n++] = (struct tab_col)COL_R("native");
	cols[n++] = (struct tab_col)COL_R("nooks");
	if (dom)
		cols[n++] = (struct tab_col)COL_R("domains");
	cols[n++] = (struct tab_col)COL_L("example");
	cols[n++] = (struct tab_col){ .head = "first seen", .align = TAB_LEFT, .only = TAB_HTML_ONLY };
	cols[n++] = (struct tab_col){ .head = "last seen", .align = TAB_LEFT, .only = TAB_HTML_ONLY };
	tab_init(t, "tbl-signatures", cols, n);
	tab_empty(t, "no crash recorded");
	for (i = 0; i < c->n_sigs; i++) {
		const struct rep_sig *g = &c->sigs[i];

		tab_row(t);
		tab_text(t, g->kind);
		tab_text(t, g->title);
		tab_cell(t, "%d", g->n);
		tab_cell(t, "%d", g->native_n);
		tab_cell(t, "%d", g->nooks_n);
		if (dom)
			tab_cell(t, "%d", g->domains_n);
		snprintf(href, sizeof(href), "trials/%lld.html", (long long)g->example);
		snprintf(text, sizeof(text), "trial %lld", (long long)g->example);
		tab_link(t, href, text);
		tab_text(t, g->first);
		tab_text(t, g->last);
	}
}

void rep_type_rows(struct table *t, const struct rep_campaign *c,
		   void (*fill)(struct table *t, const struct rep_type *ty, int m))
{
	int i, m;

	for (i = 0; i < c->n_types; i++)
		for (m = 0; m < REP_MODES; m++) {
			if (!c->types[i].mode[m].total)
				continue;
			tab_row(t);
			tab_text(t, c->types[i].ext);
			tab_text(t, c->types[i].types);
			tab_text(t, rep_mode_names[m]);
			tab_cell(t, "%d", c->types[i].mode[m].total);
			fill(t, &c->types[i], m);
		}
}

static void fill_type_md(struct table *t, const struct rep_type *ty, int m)
{
	tab_cell(t, "%d", ty->mode[m].n[2] + ty->mode[m].n[3]);
	tab_cell(t, "%d", ty->mode[m].n[0]);
}

void rep_table_types_md(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_L("fault types"), COL_L("mode"), COL_R("trials"),
		COL_R("crash+hang"), COL_R("no_effect"),
	};

	tab_init(t, NULL, cols, (int)ARRAY_SIZE(cols));
	rep_type_rows(t, c, fill_type_md);
}

static void fill_activation_md(struct table *t, const struct rep_type *ty, int m)
{
	const struct rep_act *a = &ty->act[m];
	char act[128];

	rep_act_text(a, ty->mode[m].total, act, sizeof(act));
	if (a->known) {
		tab_cell(t, "%d", a->armed);
		tab_cell(t, "%d", a->fired);
	} else {
		tab_text(t, "-");
		tab_text(t, "-");
	}
	tab_text(t, act);
}

void rep_table_activation_md(struct table *t, const struct rep_campaign *c)
{
	static const struct tab_col cols[] = {
		COL_L("extension"), COL_L("fault types"), COL_L("mode"), COL_R("trials"),
		COL_R("armed"), COL_R("fired"), COL_L("activation"),
	};

	tab_init(t, NULL, cols, (int)ARRAY_SIZE(cols));
	rep_type_rows(t, c, fill_activation_md);
}

void rep_table_render(struct table *t, int html, FILE *f)
{
	if (html)
		tab_html(t, f);
	else
		tab_md(t, f);
	tab_release(t);
}
