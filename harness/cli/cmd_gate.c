/*
 * cmd_gate.c - `nooks gate`: the CI gate.  Compares a candidate campaign
 * with a baseline under interval-based rules (reports/compare.c) and exits
 * 0 when every rule holds, 3 when any fails (one line per failed rule),
 * 1 on errors, 2 on usage errors.  The baseline may come from another
 * database (--baseline-db: last night's results).  Read-only.
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
"usage: nooks gate [--db FILE] [--baseline-db FILE] --baseline A --candidate B\n"
"                  [--rules FILE] [--allow-kernel-change]\n"
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
"  --baseline-db FILE read the baseline from FILE (e.g. last night's database),\n"
"                     the candidate from --db; --candidate defaults to A\n"
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
	const char *db = "nooks.db", *base_db = NULL, *base = NULL, *cand = NULL, *rules = NULL;
	int n, fails, allow = 0, ret = 1, first;
	const struct opt_spec opts[] = {
		OPT_STRING("db", &db),
		OPT_STRING("baseline-db", &base_db),
		OPT_STRING("baseline", &base),
		OPT_STRING("candidate", &cand),
		OPT_STRING("rules", &rules),
		OPT_FLAG("allow-kernel-change", &allow),
		OPT_END()
	};
	struct rep_campaign a, b;
	struct gate_rule *r = NULL;

	ret = cli_options("nooks gate", gate_usage, opts, 0, 0, argc, argv, &first);
	if (ret >= 0)
		return ret;
	ret = 1;
	if (base_db && !cand)
		cand = base;
	if (!base || !cand) {
		error("'nooks gate' needs --baseline and --candidate");
		return usage(gate_usage, 1);
	}
	if (gate_rules_load(rules, &r, &n))
		return 1;
	if (report_load_db(base_db ? base_db : db, base, &a)) {
		free(r);
		return 1;
	}
	if (report_load_db(db, cand, &b)) {
		report_release(&a);
		free(r);
		return 1;
	}
	if (!report_kernel_check(&a, &b, allow, stdout)) {
		fails = gate_eval(&a, &b, r, n, stdout);
		if (fails)
			printf("gate: %d rule%s failed\n", fails, fails == 1 ? "" : "s");
		else
			printf("gate: pass (%d rule%s, baseline #%lld%s%s, candidate #%lld)\n", n,
			       n == 1 ? "" : "s", (long long)a.id, base_db ? " of " : "",
			       base_db ? base_db : "", (long long)b.id);
		ret = fails ? EXIT_GATE_FAILED : 0;
	}
	report_release(&a);
	report_release(&b);
	free(r);
	return ret;
}
