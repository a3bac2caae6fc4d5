/*
 * cmd_compare.c - `nooks compare A [B]`: two campaigns side by side, or
 * native vs nooks of one campaign; rates with 95% Wilson intervals and the
 * significant differences.  Read-only.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "util.h"

static const char compare_usage[] =
"usage: nooks compare [--db FILE] [--allow-kernel-change] A [B]\n"
"\n"
"Compare campaign A with campaign B (ids or names) per extension, mode and\n"
"outcome class, or native with nooks within A when B is omitted.  Prints\n"
"the kernel the trials ran on, counts, rates, 95% Wilson intervals and the\n"
"two-proportion test; marks differences with p < 0.05.  Trials that ran on\n"
"different kernels are not compared: one error line naming the kernels.\n"
"Exit status 0 (1 on error or different kernels).\n"
"\n"
"  --db FILE        results database (default: nooks.db)\n"
"  --allow-kernel-change  compare trials of different kernels anyway (the\n"
"                   output names both)\n";

int cmd_compare(int argc, char **argv)
{
	const char *db = "nooks.db";
	int allow = 0, first;
	const struct opt_spec opts[] = {
		OPT_STRING("db", &db),
		OPT_FLAG("allow-kernel-change", &allow),
		OPT_END()
	};
	struct rep_campaign a, b;
	struct store *st;
	int64_t ia, ib;
	int two, ret = 1;

	ret = cli_options("nooks compare", compare_usage, opts, 0, -1, argc, argv, &first);
	if (ret >= 0)
		return ret;
	ret = 1;
	if (argc - first < 1 || argc - first > 2) {
		error("'nooks compare' takes one or two campaigns");
		return usage(compare_usage, 1);
	}
	two = argc - first == 2;
	if (store_open(db, STORE_RO, &st))
		return 1;
	if (store_campaign_resolve(st, argv[first], &ia) ||
	    (two && store_campaign_resolve(st, argv[first + 1], &ib)))
		goto out;
	if (report_load(st, ia, &a))
		goto out;
	if (two && report_load(st, ib, &b)) {
		report_release(&a);
		goto out;
	}
	if (!report_kernel_check(&a, two ? &b : NULL, allow, stdout)) {
		report_compare(&a, two ? &b : NULL, stdout);
		ret = 0;
	}
	report_release(&a);
	if (two)
		report_release(&b);
out:
	store_close(st);
	return ret;
}
