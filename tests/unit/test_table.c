/*
 * test_table.c - reports/table.c: the one table model rendered as HTML,
 * Markdown and aligned text; escaping of HTML specials and Markdown pipes,
 * alignment, links, empty tables, short rows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "table.h"

static const struct tab_col cols[] = {
	COL_L("name"), COL_R("n"), COL_R("rate"),
};

static char *render(const struct table *t, void (*fn)(const struct table *, FILE *))
{
	struct mem_out m;

	fn(t, mem_open(&m));
	return mem_text(&m);
}

/* fn renders t exactly as want. */
static void assert_renders(const struct table *t, void (*fn)(const struct table *, FILE *),
			   const char *want)
{
	char *s = render(t, fn);

	assert_string_equal(s, want);
	free(s);
}

static void build(struct table *t)
{
	tab_init(t, "tbl-x", cols, 3);
	tab_row(t);
	tab_text(t, "a<b>&\"c'|d");
	tab_cell(t, "%d", 12);
	tab_pct(t, 0.125);
	tab_row(t);
	tab_link(t, "trials/7.html", "seven");
	tab_cell(t, "%d", 3);
	tab_interval(t, 0.1, 0.25);
}

static void test_html(void **state)
{
	struct table t;

	(void)state;
	build(&t);
	assert_renders(&t, tab_html,
		"<table id=\"tbl-x\"><tr><th class=\"l\">name</th><th>n</th><th>rate</th></tr>\n"
		"<tr><td class=\"l\">a&lt;b&gt;&amp;&quot;c&#39;|d</td><td>12</td><td>12.5%</td></tr>\n"
		"<tr><td class=\"l\"><a href=\"trials/7.html\">seven</a></td><td>3</td>"
		"<td>10.0% \u2013 25.0%</td></tr>\n</table>\n");
	tab_release(&t);
}

static void test_md(void **state)
{
	struct table t;

	(void)state;
	build(&t);
	assert_renders(&t, tab_md,
		"| name | n | rate |\n|---|---:|---:|\n"
		"| a&lt;b&gt;&\"c'\\|d | 12 | 12.5% |\n"
		"| seven | 3 | 10.0% \u2013 25.0% |\n");
	tab_release(&t);
}

static void test_text(void **state)
{
	struct table t;

	(void)state;
	tab_init(&t, NULL, cols, 3);
	tab_row(&t);
	tab_text(&t, "e1000");
	tab_cell(&t, "%d", 5);
	tab_text(&t, "x");
	tab_row(&t);
	tab_text(&t, "k");
	tab_cell(&t, "%d", 120);
	tab_text(&t, "yy");
	assert_renders(&t, tab_text_render, "name     n  rate\ne1000    5     x\nk      120    yy\n");
	tab_release(&t);
}

static void test_empty_and_short(void **state)
{
	struct table t;
	char *s;

	(void)state;
	tab_init(&t, "e", cols, 3);
	/* no rows, no empty text: the header only */
	assert_renders(&t, tab_html, "<table id=\"e\"><tr><th class=\"l\">name</th><th>n</th>"
			       "<th>rate</th></tr>\n</table>\n");
	tab_empty(&t, "none");
	s = render(&t, tab_html);
	assert_non_null(strstr(s, "<tr><td class=\"l\" colspan=\"3\">none</td></tr>\n"));
	free(s);
	assert_renders(&t, tab_md, "| name | n | rate |\n|---|---:|---:|\n| none |  |  |\n");
	tab_row(&t);	/* a short row: the missing cells render empty */
	tab_text(&t, NULL);
	tab_cell(&t, "x");
	tab_cell(&t, "y");
	tab_cell(&t, "dropped");	/* past the last column */
	assert_renders(&t, tab_md, "| name | n | rate |\n|---|---:|---:|\n| - | x | y |\n");
	tab_release(&t);
}

/* A cell with its own HTML, and a cell spanning the rest of its row in HTML only. */
static void test_html_cell_and_span(void **state)
{
	struct table t;

	(void)state;
	tab_init(&t, NULL, cols, 3);
	tab_row(&t);
	tab_text(&t, "x");
	tab_html_text(&t, "1&ndash;2", "1-2");
	tab_text(&t, "y");
	tab_row(&t);
	tab_span(&t, "all <of> it");
	assert_renders(&t, tab_html,
		"<table><tr><th class=\"l\">name</th><th>n</th><th>rate</th></tr>\n"
		"<tr><td class=\"l\">x</td><td>1&ndash;2</td><td>y</td></tr>\n"
		"<tr><td colspan=\"3\" class=\"l\">all &lt;of&gt; it</td></tr>\n</table>\n");
	assert_renders(&t, tab_md, "| name | n | rate |\n|---|---:|---:|\n| x | 1-2 | y |\n"
			    "| all &lt;of&gt; it |  |  |\n");
	tab_release(&t);
}

/* Fixed columns: padded to their width, one space apart, longer cells not cut. */
static void test_fixed(void **state)
{
	static const struct tab_col fixed[] = { COL_LW("name", 6), COL_RW("n", 4) };
	struct table t;

	(void)state;
	tab_init(&t, NULL, fixed, 2);
	tab_row(&t);
	tab_text(&t, "e1000");
	tab_cell(&t, "%d", 12);
	tab_row(&t);
	tab_text(&t, "a-long-name");
	tab_cell(&t, "%d", 123456);
	assert_renders(&t, tab_fixed_render, "name      n\ne1000    12\na-long-name 123456\n");
	tab_release(&t);
}

/* A row's HTML class and a column whose cells are code. */
static void test_row_class_and_code(void **state)
{
	static const struct tab_col c2[] = { COL_L("k"), COL_LCODE("insn") };
	struct table t;

	(void)state;
	tab_init(&t, NULL, c2, 2);
	tab_row(&t);
	tab_row_class(&t, "act-fired");
	tab_text(&t, "a");
	tab_text(&t, "mov %rax,<x>");
	assert_renders(&t, tab_html, "<table><tr><th class=\"l\">k</th><th class=\"l\">insn</th></tr>\n"
			    "<tr class=\"act-fired\"><td class=\"l\">a</td><td class=\"l\"><code>"
			    "mov %rax,&lt;x&gt;</code></td></tr>\n</table>\n");
	assert_renders(&t, tab_md, "| k | insn |\n|---|---|\n| a | mov %rax,&lt;x&gt; |\n");
	tab_release(&t);
}

/* A key/value table (a trial page): no header row, the key column in <th>;
 * tab_fixed_render() without a header row too. */
static void test_key_value(void **state)
{
	static const struct tab_col kv[] = { COL_LTH("field"), COL_L("value") };
	struct table t;

	(void)state;
	tab_init(&t, "tbl-kv", kv, 2);
	tab_no_head(&t);
	tab_row(&t);
	tab_text(&t, "key");
	tab_text(&t, "e1000/0000/<native>");
	tab_row(&t);
	tab_text(&t, "mode");
	tab_span(&t, "nooks");
	assert_renders(&t, tab_html,
		"<table id=\"tbl-kv\">\n"
		"<tr><th class=\"l\">key</th><td class=\"l\">e1000/0000/&lt;native&gt;</td></tr>\n"
		"<tr><th class=\"l\">mode</th><td colspan=\"1\" class=\"l\">nooks</td></tr>\n"
		"</table>\n");
	/* fixed text without a header row: rows continuing a table printed before */
	assert_renders(&t, tab_fixed_render, "key e1000/0000/<native>\nmode nooks\n");
	tab_release(&t);
}

FIXTURE_MAIN(NULL, NULL,
	     cmocka_unit_test(test_html),
	     cmocka_unit_test(test_md),
	     cmocka_unit_test(test_text),
	     cmocka_unit_test(test_empty_and_short),
	     cmocka_unit_test(test_html_cell_and_span),
	     cmocka_unit_test(test_fixed),
	     cmocka_unit_test(test_row_class_and_code),
	     cmocka_unit_test(test_key_value))
