/*
 * table.h - one model for every report table: columns (header, alignment)
 * and rows of cells, built once and rendered as HTML, Markdown or aligned
 * text.  Report code says what a table holds; how each format writes a
 * table lives only here.
 *
 * Invariants: a table owns copies of every string given to it; cells are
 * plain text (escaped by each renderer: HTML entities, Markdown pipes), a
 * cell may carry a link (HTML renders it, the others print the text) or
 * its own HTML (HTML renders that, the others the text); a spanning cell
 * takes the rest of its row in HTML (left-aligned, the cells after it are
 * not written) and its own column elsewhere; a row has exactly n_cols
 * cells when rendered (missing ones are empty).
 */
#ifndef NOOKS_TABLE_H
#define NOOKS_TABLE_H

#include <stdio.h>

enum tab_align { TAB_LEFT, TAB_RIGHT };

enum tab_only { TAB_ALL, TAB_HTML_ONLY };	/* formats a column appears in */

struct tab_col {
	const char *head;
	enum tab_align align;
	enum tab_only only;
	int width;		/* tab_fixed_render(): the column's width (at least) */
	int code;		/* HTML: each cell's text inside <code> */
	int th;			/* HTML: cells are header cells (<th>), as in a key column */
};

#define COL_L(h) { .head = (h), .align = TAB_LEFT }
#define COL_R(h) { .head = (h), .align = TAB_RIGHT }
#define COL_LW(h, w) { .head = (h), .align = TAB_LEFT, .width = (w) }
#define COL_RW(h, w) { .head = (h), .align = TAB_RIGHT, .width = (w) }
#define COL_LCODE(h) { .head = (h), .align = TAB_LEFT, .code = 1 }
#define COL_LTH(h) { .head = (h), .align = TAB_LEFT, .th = 1 }

struct tab_cell {
	char *text;
	char *href;		/* NULL: no link */
	char *html;		/* NULL: the text, escaped */
	int span;		/* HTML: spans the rest of the row */
};

struct table {
	char *id;		/* HTML id attribute, NULL: none */
	const struct tab_col *cols;
	int n_cols;
	struct tab_cell *cells;	/* n_rows * n_cols */
	char **row_class;	/* HTML class attribute of each row, NULL: none */
	int n_rows, cap_rows, at;	/* at: cells filled in the last row */
	char *empty;		/* one row spanning the table when it has none */
	int no_head;		/* HTML and fixed text: no header row (tab_no_head()) */
};

void tab_init(struct table *t, const char *id, const struct tab_col *cols, int n_cols);
/* Other column definitions for the same cells (as many columns): another
 * format's heads, alignments and widths. */
void tab_set_cols(struct table *t, const struct tab_col *cols);
void tab_release(struct table *t);
/* No header row in HTML and tab_fixed_render(): the column heads are not
 * written (a key/value table, or rows continuing a table printed before). */
void tab_no_head(struct table *t);
/* Text of the one row shown when the table has no rows (default: no row). */
void tab_empty(struct table *t, const char *text);
/* Start a row; the cells that follow fill it left to right. */
void tab_row(struct table *t);
/* The HTML class attribute of the row just started. */
void tab_row_class(struct table *t, const char *cls);
void tab_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A cell holding s as it is ("-" when NULL). */
void tab_text(struct table *t, const char *s);
void tab_link(struct table *t, const char *href, const char *text);
/* A cell written as html in HTML (given escaped), as text elsewhere. */
void tab_html_text(struct table *t, const char *html, const char *text);
/* A cell that spans the rest of its row in HTML. */
void tab_span(struct table *t, const char *text);
/* Rate and 95% interval cells: "12.5%" and "10.1% – 15.0%". */
void tab_pct(struct table *t, double r);
void tab_interval(struct table *t, double lo, double hi);

void tab_html(const struct table *t, FILE *f);
void tab_md(const struct table *t, FILE *f);
/* Plain text: columns padded to their widest cell, two spaces apart. */
void tab_text_render(const struct table *t, FILE *f);
/* Plain text in fixed columns: each padded to its width (longer cells are
 * not cut), one space apart, as printf("%-12s %6s") would. */
void tab_fixed_render(const struct table *t, FILE *f);

/* The escapers the renderers use, for text around tables. */
void html_escape(FILE *f, const char *s);
void md_escape(FILE *f, const char *s);

#endif
