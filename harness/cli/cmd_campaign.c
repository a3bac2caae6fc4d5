/*
 * cmd_campaign.c - `nooks campaign run`, `status` and `submit`.
 *
 * run: parse the spec, check that the build can run it (exec_prepare), run
 * or resume the campaign into the database (campaign.c) with the real
 * executor, then print the summary table (unless --no-summary).  status:
 * list the campaigns of a database with their progress, or one campaign's
 * table, or the shards of a Slurm submission (--db-dir).  submit: write a
 * campaign's Slurm job array (harness/campaign/slurm.c), submit it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "campaign_exec.h"
#include "cli.h"
#include "image.h"
#include "report.h"
#include "slurm.h"
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
"usage: nooks campaign status [--db FILE] [--campaign ID|NAME] [--db-dir DIR]\n"
"\n"
"List the campaigns in the database with their progress, or print the\n"
"summary table of one campaign.  With --db-dir, the shards of a campaign\n"
"submitted to Slurm: each array task's Slurm state (squeue, else sacct) and\n"
"the trials its shard database holds.\n"
"\n"
"  --db FILE        results database (default: nooks.db)\n"
"  --campaign ID    campaign id or name\n"
"  --db-dir DIR     submission directory of `nooks campaign submit`\n";

static const char submit_usage[] =
"usage: nooks campaign submit SPEC --slurm [--shards N] [--partition P]\n"
"                             [--db-dir DIR] [--jobs N] [--time T] [--image DIR]\n"
"                             [--dry-run]\n"
"\n"
"Submit the campaign of SPEC to Slurm as a job array of N tasks: task I runs\n"
"`nooks campaign run --shard I/N` into DIR/shard-I-of-N.db (DIR, this nooks\n"
"and the image must be on storage every node shares).  The array is\n"
"requeue-safe: a preempted, failed or requeued task resumes its shard, no\n"
"trial lost or stored twice.  Watch it with `nooks campaign status --db-dir\n"
"DIR`, then `nooks merge OUT.db DIR/shard-*-of-N.db`.  SLURM_CONF selects\n"
"the cluster.\n"
"\n"
"  --slurm          submit with sbatch (the only backend; required)\n"
"  --shards N       array tasks (default 4)\n"
"  --partition P    Slurm partition (default: the cluster's default)\n"
"  --db-dir DIR     submission directory (default: NAME.shards)\n"
"  --jobs N         trials in parallel per task, and its --cpus-per-task\n"
"                   (default: the spec's jobs, else 1)\n"
"  --time T         Slurm time limit per task (e.g. 4:00:00)\n"
"  --image DIR      guest image (default: build/image next to bin/)\n"
"  --dry-run        write DIR/spec.json and the batch script, do not submit\n";

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

static int shards_status(const char *dir);

static int campaign_status(int argc, char **argv)
{
	const char *db = "nooks.db", *camp = NULL, *dir = NULL;
	int first, r;
	const struct opt_spec opts[] = {
		OPT_STRING("db", &db),
		OPT_STRING("campaign", &camp),
		OPT_STRING("db-dir", &dir),
		OPT_END()
	};
	struct store *st;
	sqlite3_stmt *s;
	int64_t id;

	r = cli_options("nooks campaign status", status_usage, opts, 0, 0, argc, argv, &first);
	if (r >= 0)
		return r;
	if (dir)
		return shards_status(dir);
	if (store_open(db, STORE_RO, &st))
		return 1;
	if (camp) {
		r = store_campaign_resolve(st, camp, &id);
		store_close(st);
		return r || print_table(db, id) ? 1 : 0;
	}
	s = store_prepare(st, "SELECT campaign_id, name, stored, planned, created_at, "
			      "finished_at, ' (shard ' || shard_index || '/' || shard_count || ')' "
			      "FROM v_progress ORDER BY campaign_id");
	if (!s) {
		store_close(st);
		return 1;
	}
	printf("%4s  %-16s %9s  %-20s  %s\n", "id", "name", "stored", "created", "state");
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("%4lld  %-16s %4d/%-4d  %-20s  %s%s\n", (long long)sqlite3_column_int64(s, 0),
		       sqlite3_column_text(s, 1), sqlite3_column_int(s, 2), sqlite3_column_int(s, 3),
		       sqlite3_column_text(s, 4), sqlite3_column_type(s, 5) == SQLITE_NULL
		       ? "incomplete" : "finished", sqlite3_column_type(s, 6) == SQLITE_NULL ? ""
		       : (const char *)sqlite3_column_text(s, 6));
	sqlite3_finalize(s);
	store_close(st);
	return 0;
}

static int campaign_submit(int argc, char **argv)
{
	const char *dir = NULL, *image = NULL;
	struct slurm_submit sub = { .shards = 4 };
	int slurm = 0, first, r;
	const struct opt_spec opts[] = {
		OPT_FLAG("slurm", &slurm),
		OPT_INT("shards", &sub.shards, 1, SLURM_MAX_SHARDS),
		OPT_STRING("partition", &sub.partition),
		OPT_STRING("db-dir", &dir),
		OPT_INT("jobs", &sub.jobs, 1, 256),
		OPT_STRING("time", &sub.time_limit),
		OPT_STRING("image", &image),
		OPT_FLAG("dry-run", &sub.dry_run),
		OPT_END()
	};
	char nooks[PATH_MAX], img_dir[PATH_MAX], *dir_owned = NULL, *job = NULL;
	struct campaign_spec sp;
	struct image img;

	r = cli_options("nooks campaign submit", submit_usage, opts, 0, 1, argc, argv, &first);
	if (r >= 0)
		return r;
	if (first == argc || !slurm) {
		error(first == argc ? "missing SPEC for 'nooks campaign submit'"
				    : "'nooks campaign submit' needs a backend: --slurm");
		return usage(submit_usage, 1);
	}
	if (spec_load(argv[first], &sp))
		return 1;
	r = 1;
	if (!realpath("/proc/self/exe", nooks)) {
		error_errno("cannot find the nooks binary");
		goto out;
	}
	if (image_load(image, &img))
		goto out;
	if (!realpath(img.dir, img_dir)) {
		error_errno("cannot resolve the image directory '%s'", img.dir);
		image_release(&img);
		goto out;
	}
	image_release(&img);
	sub.spec_path = argv[first];
	sub.name = sp.name;
	sub.dir = dir ? dir : (dir_owned = xasprintf("%s.shards", sp.name));
	sub.image_dir = img_dir;
	sub.nooks = nooks;
	sub.jobs = sub.jobs ? sub.jobs : sp.jobs ? sp.jobs : 1;
	if (slurm_submit(&sub, &job))
		goto out;
	if (sub.dry_run)
		printf("campaign '%s': %d shards written to %s (not submitted)\n", sp.name, sub.shards,
		       sub.dir);
	else
		printf("campaign '%s': Slurm job %s, %d array tasks, shards in %s\n", sp.name, job,
		       sub.shards, sub.dir);
	r = 0;
out:
	free(job);
	free(dir_owned);
	spec_release(&sp);
	return r;
}

/* One shard's stored/planned trials ("-" when its database does not exist yet). */
static void shard_progress(const char *db, char *buf, size_t len, int *stored)
{
	struct store *st;
	sqlite3_stmt *s;

	*stored = 0;
	snprintf(buf, len, "-");
	if (!file_exists(db) || store_open(db, STORE_RO, &st))
		return;
	s = store_prepare(st, "SELECT stored, planned, finished_at IS NOT NULL FROM v_progress");
	if (s && sqlite3_step(s) == SQLITE_ROW) {
		*stored = sqlite3_column_int(s, 0);
		snprintf(buf, len, "%d/%d%s", *stored, sqlite3_column_int(s, 1),
			 sqlite3_column_int(s, 2) ? " finished" : "");
	}
	sqlite3_finalize(s);
	store_close(st);
}

static int shards_status(const char *dir)
{
	struct slurm_submission sub;
	char **states, progress[64];
	int i, stored, total = 0;

	if (slurm_read_submission(dir, &sub))
		return 1;
	slurm_task_states(sub.job_id, sub.shards, &states);
	printf("campaign '%s': Slurm job %s, %d shards in %s\n", sub.name,
	       *sub.job_id ? sub.job_id : "(not submitted)", sub.shards, dir);
	printf("%5s  %-12s %-18s  %s\n", "shard", "slurm", "trials", "database");
	for (i = 0; i < sub.shards; i++) {
		char *db = slurm_shard_db(dir, i + 1, sub.shards);

		shard_progress(db, progress, sizeof(progress), &stored);
		total += stored;
		printf("%5d  %-12s %-18s  %s\n", i + 1, states[i], progress, db);
		free(db);
	}
	printf("%d trials stored in all shards; merge: nooks merge OUT.db %s/shard-*-of-%d.db\n",
	       total, dir, sub.shards);
	slurm_states_free(states, sub.shards);
	slurm_submission_release(&sub);
	return 0;
}

static const struct subcommand campaign_verbs[] = {
	{ "run", campaign_run_cmd, "run or resume a campaign spec into the database" },
	{ "status", campaign_status, "progress of the campaigns in a database, or of Slurm shards" },
	{ "submit", campaign_submit, "submit a campaign to Slurm as a job array of shards" },
};

int cmd_campaign(int argc, char **argv)
{
	return run_subcommand("campaign", campaign_verbs, ARRAY_SIZE(campaign_verbs), argc, argv);
}
