/*
 * cmd_gate.c - `nooks gate`: the CI gate.  Compares a candidate campaign
 * with a baseline under interval-based rules (reports/compare.c) and exits
 * 0 when every rule holds, 3 when any fails (one line per failed rule),
 * 1 on errors, 2 on usage errors.  Read-only.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "util.h"

#define EXIT_GATE_FAILED 3

static const char gate_usage[] =
"usage: nooks gate [--db FILE] --baseline A --candidate B [--rules FILE]\n"
"                  [--allow-kernel-change]\n"
"\n"
"Fail (exit 3) when the candidate campaign is significantly worse than the\n"
"baseline.  Default rules: per extension, the NIM's survival rate of\n"
"crashing faults, and the no-crash rate of nooks-mode runs, must not drop:\n"
"a rule fails only when the whole 95% Newcombe interval of the difference\n"
"lies below -max_drop, so a single flaky trial cannot fail the gate.\n"
"Rules file (JSON): {\"rules\": [{\"metric\": \"survival\"|\"no_crash\",\n"
"  \"mode\": \"native\"|\"nooks\", \"max_drop\": 0.05, \"confidence\": 0.95,\n"
"  \"min_trials\": 10}, ...]}  (see docs/CAMPAIGNS.md)\n"
"\n"
"  --db FILE          results database (default: nooks.db)\n"
"  --baseline A       baseline campaign id or name\n"
"  --candidate B      candidate campaign id or name\n"
"  --rules FILE       gate rules (default: the rules above, max_drop 0)\n"
"  --allow-kernel-change  gate campaigns whose trials ran on different kernels\n"
"                     (refused otherwise: one error line naming the kernels)\n"
"\n"
"Exit status: 0 pass, 3 a rule failed, 1 error (different kernels included),\n"
"2 usage.\n";

int cmd_gate(int argc, char **argv)
{
	const char *db = "nooks.db", *base = NULL, *cand = NULL, *rules = NULL;
	int n, fails, allow = 0, ret = 1, first;
	const struct opt_spec opts[] = {
		OPT_STRING("db", &db),
		OPT_STRING("baseline", &base),
		OPT_STRING("candidate", &cand),
		OPT_STRING("rules", &rules),
		OPT_FLAG("allow-kernel-change", &allow),
		OPT_END()
	};
	struct rep_campaign a, b;
	struct gate_rule *r = NULL;
	struct store *st;
	int64_t ia, ib;

	ret = cli_options("nooks gate", gate_usage, opts, 0, 0, argc, argv, &first);
	if (ret >= 0)
		return ret;
	ret = 1;
	if (!base || !cand) {
		error("'nooks gate' needs --baseline and --candidate");
		return usage(gate_usage, 1);
	}
	if (gate_rules_load(rules, &r, &n))
		return 1;
	if (store_open(db, STORE_RO, &st)) {
		free(r);
		return 1;
	}
	if (store_campaign_resolve(st, base, &ia) || store_campaign_resolve(st, cand, &ib) ||
	    report_load(st, ia, &a))
		goto out;
	if (report_load(st, ib, &b)) {
		report_release(&a);
		goto out;
	}
	if (report_kernel_check(&a, &b, allow, stdout)) {
		report_release(&a);
		report_release(&b);
		goto out;
	}
	fails = gate_eval(&a, &b, r, n, stdout);
	if (fails)
		printf("gate: %d rule%s failed\n", fails, fails == 1 ? "" : "s");
	else
		printf("gate: pass (%d rule%s, baseline #%lld, candidate #%lld)\n", n,
		       n == 1 ? "" : "s", (long long)ia, (long long)ib);
	ret = fails ? EXIT_GATE_FAILED : 0;
	report_release(&a);
	report_release(&b);
out:
	free(r);
	store_close(st);
	return ret;
}
