/*
 * cmd_compare.c - `nooks compare A [B]`: two campaigns side by side, or
 * native vs nooks of one campaign; rates with 95% Wilson intervals and the
 * significant differences.  A may come from another database
 * (--baseline-db: last night's results).  Read-only.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "util.h"

static const char compare_usage[] =
"usage: nooks compare [--db FILE] [--baseline-db FILE] [--allow-kernel-change] A [B]\n"
"\n"
"Compare campaign A with campaign B (ids or names) per extension, mode and\n"
"outcome class, or native with nooks within A when B is omitted.  Prints\n"
"the kernel the trials ran on, counts, rates, 95% Wilson intervals and the\n"
"two-proportion test; marks differences with p < 0.05.  Trials that ran on\n"
"different kernels are not compared: one error line naming the kernels.\n"
"Exit status 0 (1 on error or different kernels).\n"
"\n"
"  --db FILE        results database (default: nooks.db)\n"
"  --baseline-db FILE  read A from FILE (e.g. last night's database) and B\n"
"                   from --db; B defaults to A's name or id\n"
"  --allow-kernel-change  compare trials of different kernels anyway (the\n"
"                   output names both)\n";

int cmd_compare(int argc, char **argv)
{
	const char *db = "nooks.db", *base_db = NULL;
	int allow = 0, first;
	const struct opt_spec opts[] = {
		OPT_STRING("db", &db),
		OPT_STRING("baseline-db", &base_db),
		OPT_FLAG("allow-kernel-change", &allow),
		OPT_END()
	};
	struct rep_campaign a, b;
	int two, ret;

	ret = cli_options("nooks compare", compare_usage, opts, 0, -1, argc, argv, &first);
	if (ret >= 0)
		return ret;
	ret = 1;
	if (argc - first < 1 || argc - first > 2) {
		error("'nooks compare' takes one or two campaigns");
		return usage(compare_usage, 1);
	}
	two = argc - first == 2 || base_db;
	if (report_load_db(base_db ? base_db : db, argv[first], &a))
		return 1;
	if (two && report_load_db(db, argv[first + (argc - first == 2)], &b)) {
		report_release(&a);
		return 1;
	}
	if (!report_kernel_check(&a, two ? &b : NULL, allow, stdout)) {
		report_compare(&a, two ? &b : NULL, stdout);
		ret = 0;
	}
	report_release(&a);
	if (two)
		report_release(&b);
	return ret;
}
