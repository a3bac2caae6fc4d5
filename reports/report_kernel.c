/*
 * report_kernel.c - what a report says about the ground a campaign ran on:
 * the kernel(s) of its trials (images of migration 6: version, and whether
 * it was the locked kernel or a fallback), the refusal of compare and gate
 * to put trials of different kernels side by side, and each extension's
 * candidate sites per fault type with the types its module lacks.
 *
 * Reads only the loaded struct rep_campaign (report_data.c); never queries
 * or writes the database.  Every string from the store is escaped in HTML.
 */
#define _GNU_SOURCE
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* One kernel: "VERSION", with "(fallback from LOCKED)" / "(NOOKS_KERNEL override)"
 * and, when several ran, its trial count. */
static size_t kernel_entry(const struct rep_kernel *k, int several, char *buf, size_t len)
{
	const char *src = k->source ? k->source : "";
	char note[256] = "";
	size_t o = 0;

	if (!strcmp(src, "fallback"))
		o += (size_t)snprintf(note, sizeof(note), "fallback from %s",
				      k->locked ? k->locked : "?");
	else if (!strcmp(src, "override"))
		o += (size_t)snprintf(note, sizeof(note), "NOOKS_KERNEL override");
	if (several && o < sizeof(note))
		snprintf(note + o, sizeof(note) - o, "%s%d trial%s", o ? "; " : "", k->trials,
			 k->trials == 1 ? "" : "s");
	return (size_t)snprintf(buf, len, "%s%s%s%s", k->version, *note ? " (" : "", note,
				*note ? ")" : "");
}

void rep_kernel_text(const struct rep_campaign *c, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	snprintf(buf, len, "%s", c->kernel ? c->kernel : "?");
	for (i = 0; i < c->n_kernels && o < len; i++) {
		if (i)
			o += (size_t)snprintf(buf + o, len - o, ", ");
		if (o < len)
			o += kernel_entry(&c->kernels[i], c->n_kernels > 1, buf + o, len - o);
	}
}

int rep_missing_types(const struct rep_campaign *c, const struct rep_ext *e, char *buf,
		      size_t len)
{
	size_t o = 0;
	int k, n = 0;

	buf[0] = '\0';
	for (k = 0; e->sites && k < c->n_site_types; k++) {
		if (e->sites[k] != 0)
			continue;
		n++;
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
					      c->site_types[k]);
	}
	return n;
}

void rep_print_missing(FILE *f, const struct rep_campaign *c, const char *pre, const char *mid,
		       const char *post, void (*esc)(FILE *, const char *))
{
	char miss[512];
	int i;

	for (i = 0; i < c->n_ext; i++)
		if (rep_missing_types(c, &c->ext[i], miss, sizeof(miss))) {
			fputs(pre, f);
			esc(f, c->ext[i].name);
			fputs(mid, f);
			esc(f, miss);
			fputs(post, f);
		}
}

void rep_table_sites(struct table *t, const struct rep_campaign *c)
{
	struct tab_col *cols = xcalloc((size_t)c->n_site_types + 1, sizeof(*cols));
	int i, k;

	cols[0] = (struct tab_col)COL_L("extension");
	for (k = 0; k < c->n_site_types; k++)
		cols[1 + k] = (struct tab_col)COL_R(c->site_types[k]);
	tab_init(t, "tbl-sites", cols, c->n_site_types + 1);
	for (i = 0; i < c->n_ext; i++) {
		tab_row(t);
		tab_text(t, c->ext[i].name);
		for (k = 0; k < c->n_site_types; k++)
			if (!c->ext[i].sites || c->ext[i].sites[k] < 0)
				tab_text(t, "-");
			else
				tab_cell(t, "%lld", (long long)c->ext[i].sites[k]);
	}
}

void rep_table_sites_render(struct table *t, int html, FILE *f)
{
	const struct tab_col *cols = t->cols;

	rep_table_render(t, html, f);
	free((void *)cols);
}

void report_html_sites(FILE *f, const struct rep_campaign *c)
{
	if (!c->n_site_types)
		return;
	fputs("<h3>Candidate sites</h3>\n<p>Counted in each extension's module before "
	      "planning (<code>nooks inject --sites</code>): instructions for code fault types, "
	      "called kernel functions swifi wraps &times; N (1..16) for runtime types.  The "
	      "planner never gives an extension a type with no site; the other types share "
	      "its weight.</p>\n", f);
	{
		struct table t;

		rep_table_sites(&t, c);
		rep_table_sites_render(&t, 1, f);
	}
	rep_print_missing(f, c, "<p class=\"missing\">", ": no candidate site for ", "</p>\n",
			  html_escape);
}

/* ---- compare and gate: one kernel ------------------------------------------------ */

/* Add the known kernel versions of c to v (distinct); their total number. */
static int add_versions(const struct rep_campaign *c, const char **v, int n, int max)
{
	int i, k;

	for (i = 0; i < c->n_kernels; i++) {
		for (k = 0; k < n && strcmp(v[k], c->kernels[i].version); k++)
			;
		if (k == n && n < max)
			v[n++] = c->kernels[i].version;
	}
	return n;
}

/* "X" or "X and Y" (the distinct versions of c), into buf. */
static void versions_text(const struct rep_campaign *c, char *buf, size_t len)
{
	const char *v[16];
	int n = add_versions(c, v, 0, 16), i;
	size_t o = 0;

	snprintf(buf, len, "?");
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", !i ? "" : i + 1 < n ? ", " : " and ",
				      v[i]);
}

int report_kernel_check(const struct rep_campaign *a, const struct rep_campaign *b, int allow,
			FILE *f)
{
	const char *v[16];
	char ka[512], kb[512];
	int n = add_versions(a, v, 0, 16);

	if (b)
		n = add_versions(b, v, n, 16);
	if (n > 1 && !allow) {
		versions_text(a, ka, sizeof(ka));
		if (!b)
			return error("campaign '%s' (#%lld) ran on different kernels: %s; "
				     "--allow-kernel-change compares its trials anyway", a->name,
				     (long long)a->id, ka);
		versions_text(b, kb, sizeof(kb));
		return error("campaigns '%s' (#%lld) and '%s' (#%lld) ran on different kernels: "
			     "'%s' on %s, '%s' on %s; --allow-kernel-change compares them anyway",
			     a->name, (long long)a->id, b->name, (long long)b->id, a->name, ka,
			     b->name, kb);
	}
	rep_kernel_text(a, ka, sizeof(ka));
	if (b)
		rep_kernel_text(b, kb, sizeof(kb));
	if (!b || !strcmp(ka, kb))
		fprintf(f, "%s: %s\n", n > 1 ? "kernels differ (--allow-kernel-change)" : "kernel",
			ka);
	else
		fprintf(f, "%s: A %s; B %s\n", n > 1 ? "kernels differ (--allow-kernel-change)"
			: "kernel", ka, kb);
	return 0;
}
