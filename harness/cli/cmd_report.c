/*
 * cmd_report.c - `nooks report`: write a campaign's HTML report (with
 * per-trial pages), report.md and junit.xml into a directory, and print the
 * summary table.  Opens the database read-only; never modifies it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "util.h"

static const char report_usage[] =
"usage: nooks report [--db FILE] [--campaign ID|NAME] -o DIR\n"
"\n"
"Write DIR/index.html (self-contained, inline SVG charts, a page per trial\n"
"under DIR/trials/), DIR/report.md and DIR/junit.xml for one campaign, and\n"
"print its summary table.\n"
"\n"
"  --db FILE        results database (default: nooks.db)\n"
"  --campaign ID    campaign id or name (default: the latest campaign)\n"
"  -o, --out DIR    output directory (created)\n";

int cmd_report(int argc, char **argv)
{
	const char *db = "nooks.db", *camp = NULL, *out = NULL;
	int first;
	const struct opt_spec opts[] = {
		OPT_STRING("db", &db),
		OPT_STRING("campaign", &camp),
		OPT_STRING_S('o', "out", &out),
		OPT_END()
	};
	struct rep_campaign c;
	struct store *st;
	int64_t id;
	int ret = 1;

	ret = cli_options("nooks report", report_usage, opts, 0, 0, argc, argv, &first);
	if (ret >= 0)
		return ret;
	ret = 1;
	if (!out) {
		error("missing -o DIR for 'nooks report'");
		return usage(report_usage, 1);
	}
	if (store_open(db, STORE_RO, &st))
		return 1;
	if (store_campaign_resolve(st, camp, &id) || report_load(st, id, &c))
		goto out;
	if (!report_write_all(st, &c, out)) {
		report_print_summary(&c, stdout);
		printf("report: %s/index.html\n", out);
		ret = 0;
	}
	report_release(&c);
out:
	store_close(st);
	return ret;
}
