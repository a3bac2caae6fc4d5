/*
 * cmd_campaign.c - `nooks campaign run` and `nooks campaign status`.
 *
 * run: parse the spec, check that the build can run it (exec_prepare), run
 * or resume the campaign into the database (campaign.c) with the real
 * executor, then print the summary table (unless --no-summary).  status: list the campaigns of a
 * database with their progress, or one campaign's table.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "campaign_exec.h"
#include "cli.h"
#include "report.h"
#include "store.h"
#include "util.h"

static const char run_usage[] =
"usage: nooks campaign run SPEC [--db FILE] [--jobs N] [--modes LIST] [--image DIR]\n"
"                          [--runs DIR] [--keep-runs] [--max-trials N] [--no-summary]\n"
"                          [--allow-kernel-change] [--shard I/N]\n"
"\n"
"Run the campaign of SPEC (JSON, see docs/CAMPAIGNS.md): plan the trials from\n"
"its seed and the candidate sites of each fault type in each extension's\n"
"module (a type a module lacks is never planned for it; a type no module has\n"
"is an error), run them on real guests, store each in the database as it\n"
"completes.  Rerunning the same command resumes: stored trials are kept,\n"
"the rest run (also after kill -9).  Every trial records the kernel it ran\n"
"on; resuming on another kernel is refused.\n"
"\n"
"  --db FILE        results database (default: nooks.db)\n"
"  --jobs N         trials in parallel (default: the spec's jobs, else cores)\n"
"  --modes LIST     override the spec's modes: native, nooks, domains (comma-\n"
"                   separated; domains = nooks with page-table domains; a new\n"
"                   campaign)\n"
"  --image DIR      guest image (default: build/image next to bin/)\n"
"  --runs DIR       per-trial work directories (default: FILE.runs)\n"
"  --keep-runs      keep work directories after a trial is stored\n"
"  --max-trials N   stop after N more trials are stored\n"
"  --no-summary     do not print the summary table at the end (nooks report does)\n"
"  --allow-kernel-change  resume a campaign whose trials ran on another kernel\n"
"                   (each trial records its own; reports name both)\n"
"  --shard I/N      run only shard I of N of the planned trials (every mode of\n"
"                   descriptor d goes to shard d % N + 1) into FILE, which\n"
"                   then holds that shard only; `nooks merge` joins the shards\n";

static const char status_usage[] =
"usage: nooks campaign status [--db FILE] [--campaign ID|NAME]\n"
"\n"
"List the campaigns in the database with their progress, or print the\n"
"summary table of one campaign.\n"
"\n"
"  --db FILE        results database (default: nooks.db)\n"
"  --campaign ID    campaign id or name\n";

static int print_table(const char *db, int64_t id)
{
	struct rep_campaign c;
	struct store *st;
	int r = -1;

	if (store_open(db, STORE_RO, &st))
		return -1;
	if (!report_load(st, id, &c)) {
		report_print_summary(&c, stdout);
		report_release(&c);
		r = 0;
	}
	store_close(st);
	return r;
}

/* OPT_CALL of --shard: "I/N", 1 <= I <= N <= SHARD_MAX, into int[2]. */
#define SHARD_MAX 10000
static int parse_shard(const char *arg, void *value)
{
	int *sh = value, n = 0;

	if (sscanf(arg, "%d/%d%n", &sh[0], &sh[1], &n) != 2 || arg[n] || sh[0] < 1 ||
	    sh[1] < sh[0] || sh[1] > SHARD_MAX) {
		sh[0] = sh[1] = 0;
		return error("invalid --shard '%s' (expected I/N with 1 <= I <= N <= %d)", arg,
			     SHARD_MAX);
	}
	return 0;
}

static int campaign_run_cmd(int argc, char **argv)
{
	const char *db = "nooks.db", *modes = NULL, *image = NULL, *runs = NULL;
	struct campaign_opts o = { 0 };
	int jobs = 0, summary = 1, first, shard[2] = { 0, 0 };
	const struct opt_spec opts[] = {
		OPT_STRING("db", &db),
		OPT_INT("jobs", &jobs, 1, 256),
		OPT_STRING("modes", &modes),
		OPT_STRING("image", &image),
		OPT_STRING("runs", &runs),
		OPT_FLAG("keep-runs", &o.keep_runs),
		OPT_INT("max-trials", &o.max_trials, 1, 1000000),
		OPT_SET("no-summary", &summary, 0),
		OPT_FLAG("allow-kernel-change", &o.allow_kernel_change),
		OPT_CALL("shard", parse_shard, shard),
		OPT_END()
	};
	struct campaign_totals tot;
	struct campaign_spec sp;
	struct exec_ctx x;
	char *runs_owned = NULL;
	int ret;

	ret = cli_options("nooks campaign run", run_usage, opts, 0, 1, argc, argv, &first);
	if (ret >= 0)
		return ret;
	ret = 1;
	if (first == argc) {
		error("missing SPEC for 'nooks campaign run'");
		return usage(run_usage, 1);
	}
	if (spec_load(argv[first], &sp))
		return 1;
	if (modes && spec_override_modes(&sp, modes))
		goto out_spec;
	if (store_check_writable(db))	/* before the costly preparation */
		goto out_spec;
	if (exec_prepare(&sp, image, &x))
		goto out_spec;
	if (!runs)
		runs = runs_owned = xasprintf("%s.runs", db);
	o.db_path = db;
	o.runs_dir = runs;
	o.jobs = jobs ? jobs : sp.jobs ? sp.jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	o.progress = isatty(2);
	o.interval_s = 10;
	o.image.kernel_version = x.img.kernel_version;
	o.image.vmlinux_sha256 = x.img.vmlinux_sha256;
	o.image.initramfs_sha256 = x.img.initramfs_sha256;
	o.image.kernel_source = x.img.kernel_source;
	o.image.kernel_locked = x.img.kernel_locked;
	o.sites = &x.sites;
	o.shard_index = shard[0];
	o.shard_count = shard[1];
	o.exec = exec_trial;
	o.exec_ctx = &x;
	o.cancel = exec_cancel;
	if (!campaign_run(&sp, &o, &tot) && (!summary || !print_table(db, tot.campaign_id)))
		ret = 0;
	exec_release(&x);
	free(runs_owned);
out_spec:
	spec_release(&sp);
	return ret;
}

static int campaign_status(int argc, char **argv)
{
	const char *db = "nooks.db", *camp = NULL;
	int first, r;
	const struct opt_spec opts[] = {
		OPT_STRING("db", &db),
		OPT_STRING("campaign", &camp),
		OPT_END()
	};
	struct store *st;
	sqlite3_stmt *s;
	int64_t id;

	r = cli_options("nooks campaign status", status_usage, opts, 0, 0, argc, argv, &first);
	if (r >= 0)
		return r;
	if (store_open(db, STORE_RO, &st))
		return 1;
	if (camp) {
		r = store_campaign_resolve(st, camp, &id);
		store_close(st);
		return r || print_table(db, id) ? 1 : 0;
	}
	s = store_prepare(st, "SELECT campaign_id, name, stored, planned, created_at, "
			      "finished_at FROM v_progress ORDER BY campaign_id");
	if (!s) {
		store_close(st);
		return 1;
	}
	printf("%4s  %-16s %9s  %-20s  %s\n", "id", "name", "stored", "created", "state");
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("%4lld  %-16s %4d/%-4d  %-20s  %s\n", (long long)sqlite3_column_int64(s, 0),
		       sqlite3_column_text(s, 1), sqlite3_column_int(s, 2), sqlite3_column_int(s, 3),
		       sqlite3_column_text(s, 4), sqlite3_column_type(s, 5) == SQLITE_NULL
		       ? "incomplete" : "finished");
	sqlite3_finalize(s);
	store_close(st);
	return 0;
}

static const struct subcommand campaign_verbs[] = {
	{ "run", campaign_run_cmd, "run or resume a campaign spec into the database" },
	{ "status", campaign_status, "progress of the campaigns in a database" },
};

int cmd_campaign(int argc, char **argv)
{
	return run_subcommand("campaign", campaign_verbs, ARRAY_SIZE(campaign_verbs), argc, argv);
}
