/*
 * table.c - the report table model and its three renderers (table.h).
 */
#define _GNU_SOURCE
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void tab_init(struct table *t, const char *id, const struct tab_col *cols, int n_cols)
{
	memset(t, 0, sizeof(*t));
	t->id = id ? xstrdup(id) : NULL;
	t->cols = cols;
	t->n_cols = n_cols;
}

void tab_no_head(struct table *t)
{
	t->no_head = 1;
}

void tab_set_cols(struct table *t, const struct tab_col *cols)
{
	t->cols = cols;
}

void tab_release(struct table *t)
{
	int i;

	for (i = 0; i < t->n_rows * t->n_cols; i++) {
		free(t->cells[i].text);
		free(t->cells[i].href);
		free(t->cells[i].html);
	}
	for (i = 0; i < t->n_rows; i++)
		free(t->row_class[i]);
	free(t->row_class);
	free(t->cells);
	free(t->id);
	free(t->empty);
	memset(t, 0, sizeof(*t));
}

void tab_empty(struct table *t, const char *text)
{
	free(t->empty);
	t->empty = xstrdup(text);
}

void tab_row(struct table *t)
{
	if (t->n_rows == t->cap_rows) {
		t->cap_rows = t->cap_rows ? 2 * t->cap_rows : 8;
		t->cells = xrealloc(t->cells, (size_t)t->cap_rows * (size_t)t->n_cols *
				    sizeof(*t->cells));
		t->row_class = xrealloc(t->row_class, (size_t)t->cap_rows * sizeof(char *));
	}
	t->row_class[t->n_rows] = NULL;
	memset(&t->cells[t->n_rows * t->n_cols], 0, (size_t)t->n_cols * sizeof(*t->cells));
	t->n_rows++;
	t->at = 0;
}

void tab_row_class(struct table *t, const char *cls)
{
	if (!t->n_rows)
		return;
	free(t->row_class[t->n_rows - 1]);
	t->row_class[t->n_rows - 1] = xstrdup(cls);
}

static struct tab_cell *put(struct table *t, char *text, const char *href)
{
	static struct tab_cell none;
	struct tab_cell *c;

	if (!t->n_rows || t->at >= t->n_cols) {	/* a programming error: keep the text */
		free(text);
		memset(&none, 0, sizeof(none));
		return &none;
	}
	c = &t->cells[(t->n_rows - 1) * t->n_cols + t->at++];
	c->text = text;
	c->href = href ? xstrdup(href) : NULL;
	return c;
}

void tab_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup("");
	va_end(ap);
	put(t, s, NULL);
}

void tab_text(struct table *t, const char *s)
{
	put(t, xstrdup(s ? s : "-"), NULL);
}

void tab_link(struct table *t, const char *href, const char *text)
{
	put(t, xstrdup(text ? text : "-"), href);
}

void tab_html_text(struct table *t, const char *html, const char *text)
{
	struct tab_cell *c = put(t, xstrdup(text), NULL);

	if (c->text)
		c->html = xstrdup(html);
}

void tab_span(struct table *t, const char *text)
{
	put(t, xstrdup(text), NULL)->span = 1;
}

void tab_pct(struct table *t, double r)
{
	tab_cell(t, "%.1f%%", 100 * r);
}

void tab_interval(struct table *t, double lo, double hi)
{
	tab_cell(t, "%.1f%% \u2013 %.1f%%", 100 * lo, 100 * hi);
}

static const char *text_of(const struct table *t, int r, int c)
{
	const char *s = t->cells[r * t->n_cols + c].text;

	return s ? s : "";
}

void html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
				fputc('?', f);
			else
				fputc(ch, f);
		}
	}
}

void md_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
	}
}

static const char *html_class(const struct table *t, int c)
{
	return t->cols[c].align == TAB_LEFT ? " class=\"l\"" : "";
}

void tab_html(const struct table *t, FILE *f)
{
	int r, c;

	fputs("<table", f);
	if (t->id)
		fprintf(f, " id=\"%s\"", t->id);
	fputs(">", f);
	if (!t->no_head) {
		fputs("<tr>", f);
		for (c = 0; c < t->n_cols; c++) {
			fprintf(f, "<th%s>", html_class(t, c));
			html_escape(f, t->cols[c].head);
			fputs("</th>", f);
		}
		fputs("</tr>", f);
	}
	fputc('\n', f);
	for (r = 0; r < t->n_rows; r++) {
		if (t->row_class[r]) {
			fputs("<tr class=\"", f);
			html_escape(f, t->row_class[r]);
			fputs("\">", f);
		} else {
			fputs("<tr>", f);
		}
		for (c = 0; c < t->n_cols; c++) {
			const struct tab_cell *cell = &t->cells[r * t->n_cols + c];
			const char *tag = t->cols[c].th && !cell->span ? "th" : "td";

			if (cell->span)
				fprintf(f, "<td colspan=\"%d\" class=\"l\">", t->n_cols - c);
			else
				fprintf(f, "<%s%s>", tag, html_class(t, c));
			if (cell->href) {
				fputs("<a href=\"", f);
				html_escape(f, cell->href);
				fputs("\">", f);
			}
			if (t->cols[c].code)
				fputs("<code>", f);
			if (cell->html)
				fputs(cell->html, f);
			else
				html_escape(f, text_of(t, r, c));
			if (t->cols[c].code)
				fputs("</code>", f);
			if (cell->href)
				fputs("</a>", f);
			fprintf(f, "</%s>", tag);
			if (cell->span)
				break;
		}
		fputs("</tr>\n", f);
	}
	if (!t->n_rows && t->empty) {
		fprintf(f, "<tr><td class=\"l\" colspan=\"%d\">", t->n_cols);
		html_escape(f, t->empty);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void tab_md(const struct table *t, FILE *f)
{
	int r, c;

	fputs("|", f);
	for (c = 0; c < t->n_cols; c++) {
		if (t->cols[c].only == TAB_HTML_ONLY)
			continue;
		fputc(' ', f);
		md_escape(f, t->cols[c].head);
		fputs(" |", f);
	}
	fputs("\n|", f);
	for (c = 0; c < t->n_cols; c++)
		if (t->cols[c].only != TAB_HTML_ONLY)
			fputs(t->cols[c].align == TAB_LEFT ? "---|" : "---:|", f);
	fputc('\n', f);
	for (r = 0; r < t->n_rows; r++) {
		fputs("|", f);
		for (c = 0; c < t->n_cols; c++) {
			if (t->cols[c].only == TAB_HTML_ONLY)
				continue;
			fputc(' ', f);
			md_escape(f, text_of(t, r, c));
			fputs(" |", f);
		}
		fputc('\n', f);
	}
	if (!t->n_rows && t->empty) {
		fputs("| ", f);
		md_escape(f, t->empty);
		fputs(" |", f);
		for (c = 1; c < t->n_cols; c++)
			if (t->cols[c].only != TAB_HTML_ONLY)
				fputs("  |", f);
		fputc('\n', f);
	}
}

void tab_text_render(const struct table *t, FILE *f)
{
	int *w = xcalloc((size_t)t->n_cols, sizeof(*w)), r, c, last = -1;

	for (c = 0; c < t->n_cols; c++) {
		if (t->cols[c].only == TAB_HTML_ONLY)
			continue;
		last = c;
		w[c] = (int)strlen(t->cols[c].head);
		for (r = 0; r < t->n_rows; r++)
			if ((int)strlen(text_of(t, r, c)) > w[c])
				w[c] = (int)strlen(text_of(t, r, c));
	}
	for (r = -1; r < t->n_rows; r++) {
		for (c = 0; c <= last; c++) {
			const char *s = r < 0 ? t->cols[c].head : text_of(t, r, c);

			if (t->cols[c].only == TAB_HTML_ONLY)
				continue;
			if (t->cols[c].align == TAB_RIGHT)
				fprintf(f, "%*s", w[c], s);
			else
				fprintf(f, "%-*s", c == last ? 0 : w[c], s);
			if (c != last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	if (!t->n_rows && t->empty)
		fprintf(f, "%s\n", t->empty);
	free(w);
}

void tab_fixed_render(const struct table *t, FILE *f)
{
	int r, c;

	for (r = t->no_head ? 0 : -1; r < t->n_rows; r++) {
		for (c = 0; c < t->n_cols; c++) {
			const char *s = r < 0 ? t->cols[c].head : text_of(t, r, c);

			if (t->cols[c].only == TAB_HTML_ONLY)
				continue;
			fprintf(f, t->cols[c].align == TAB_RIGHT ? "%s%*s" : "%s%-*s", c ? " " : "",
				t->cols[c].width, s);
		}
		fputc('\n', f);
	}
}
