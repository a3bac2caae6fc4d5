/*
 * cmd_trial.c - `nooks trial run MANIFEST`: run a trial (or --repeat N of
 * it through the pool, -j in parallel) and print each result as JSON.
 * Parsing and printing only: trial.c runs, pool.c parallelizes.
 */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image.h"
#include "manifest.h"
#include "pool.h"
#include "trial.h"
#include "util.h"

static const char trial_run_usage[] =
"usage: nooks trial run MANIFEST [--out DIR] [--repeat N] [-j N] [--retries N]\n"
"                       [--capture-limit BYTES] [--keep] [--image DIR] [--reset auto|boot]\n"
"\n"
"Run the trial described by MANIFEST (JSON, see docs/OUTCOMES.md) in a fresh\n"
"guest and print its result as JSON (outcome, triage, workload, NIM events,\n"
"deadlines, durations, log paths); DIR/result.json holds the same.\n"
"\n"
"  --out DIR          run directory (default: a new $TMPDIR/nooks-trial-XXXXXX);\n"
"                     with --repeat, one subdirectory per trial\n"
"  --repeat N         run the trial N times (one JSON line each, then a summary\n"
"                     on stderr)\n"
"  -j, --jobs N       trials in parallel (default: number of CPUs)\n"
"  --retries N        re-runs of an infra_error trial (default 2)\n"
"  --capture-limit B  maximum bytes kept per log (default 8388608)\n"
"  --keep             keep the per-trial initrd\n"
"  --image DIR        guest image (default: build/image next to bin/)\n"
"  --reset MODE       auto (default): restore a parked guest snapshot of the\n"
"                     trial's configuration, made once and cached in\n"
"                     $NOOKS_CACHE/snapshots or build/snapshots; boot: always\n"
"                     boot fresh (also: manifest \"reset\": \"boot\")\n"
"\n"
"Exit status: 0 every trial has an outcome other than infra_error; 1 some\n"
"trial ended infra_error or a host-side error; 2 usage.\n";

struct run_opts {
	const char *manifest, *out, *image;
	unsigned repeat, jobs, retries, capture;
	int keep, retries_set, fresh_boot;
};

static int parse_reset(const char *arg, void *value)
{
	if (strcmp(arg, "auto") && strcmp(arg, "boot"))
		return error("invalid --reset '%s' (expected auto or boot)", arg);
	*(int *)value = !strcmp(arg, "boot");
	return 0;
}

/* -1: go on with o filled; otherwise the exit status (messages printed). */
static int parse_run(int argc, char **argv, struct run_opts *o)
{
	const struct opt_spec opts[] = {
		OPT_STRING("out", &o->out),
		OPT_UINT("repeat", &o->repeat, 1, 100000),
		OPT_UINT_S('j', "jobs", &o->jobs, 0, 256),
		{ .kind = OPT_KIND_UINT, .name = "retries", .value = &o->retries, .max = 10,
		  .seen = &o->retries_set },
		OPT_UINT("capture-limit", &o->capture, 4096, 1u << 30),
		OPT_FLAG("keep", &o->keep),
		OPT_STRING("image", &o->image),
		OPT_CALL("reset", parse_reset, &o->fresh_boot),
		OPT_END()
	};
	int first, r;

	memset(o, 0, sizeof(*o));
	o->repeat = 1;
	r = cli_options("nooks trial run", trial_run_usage, opts, 0, 1, argc, argv, &first);
	if (r >= 0)
		return r;
	if (first == argc) {
		error("missing MANIFEST for 'nooks trial run'");
		return usage(trial_run_usage, 1);
	}
	o->manifest = argv[first];
	return -1;
}

struct summary {
	unsigned counts[OUTCOME__COUNT];
	uint64_t *walls;
	unsigned n;
	int pretty;
	enum outcome last;
	const char *last_reason;
};

static void on_done(const struct pool_job *job, const struct trial_result *r, void *arg)
{
	struct summary *s = arg;
	json_object *o = trial_result_json(r);

	(void)job;
	s->counts[r->outcome]++;
	s->last = r->outcome;
	s->last_reason = r->outcome_reason;
	s->walls[s->n++] = r->wall_ms;
	puts(json_object_to_json_string_ext(o, (s->pretty ? JSON_C_TO_STRING_PRETTY :
		JSON_C_TO_STRING_PLAIN) | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void print_summary(struct summary *s)
{
	int i;

	qsort(s->walls, s->n, sizeof(*s->walls), cmp_u64);
	fprintf(stderr, "nooks: %u trial(s):", s->n);
	for (i = 0; i < OUTCOME__COUNT; i++)
		if (s->counts[i])
			fprintf(stderr, " %s=%u", outcome_name(i), s->counts[i]);
	if (s->n)
		fprintf(stderr, "; wall ms median %llu min %llu max %llu\n",
			(unsigned long long)s->walls[s->n / 2], (unsigned long long)s->walls[0],
			(unsigned long long)s->walls[s->n - 1]);
	else
		fputc('\n', stderr);
}

static int make_dir(const char *out, char **dir)
{
	if (out) {
		*dir = xstrdup(out);
		return mkdir_p(out, 0755);
	}
	const char *tmp = getenv("TMPDIR");

	*dir = xasprintf("%s/nooks-trial-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(*dir))
		return error_errno("cannot create run directory '%s'", *dir);
	return 0;
}

static int trial_run_cmd(int argc, char **argv)
{
	struct run_opts o;
	struct trial_manifest m;
	struct image img;
	struct trial_opts to = { 0 };
	struct pool_opts po = { 0 };
	struct summary s = { { 0 }, NULL, 0, 0, OUTCOME_INFRA_ERROR, NULL };
	struct pool_job *jobs = NULL;
	char *dir = NULL;
	int r, ret = 1;
	unsigned i;

	r = parse_run(argc, argv, &o);
	if (r >= 0)
		return r;
	if (manifest_load(o.manifest, &m))
		return 1;
	if (manifest_check_files(&m) || image_load(o.image, &img)) {
		manifest_release(&m);
		return 1;
	}
	if (trial_workload_known(&img, m.workload) || make_dir(o.out, &dir))
		goto out;
	to.image = &img;
	to.capture_limit = o.capture;
	to.keep_initrd = o.keep;
	to.reset = o.fresh_boot ? TRIAL_RESET_BOOT : TRIAL_RESET_AUTO;
	po.parallel = (int)o.jobs;
	po.max_retries = o.retries_set ? (o.retries ? (int)o.retries : -1) : 0;
	po.trial = &to;
	po.done = on_done;
	po.arg = &s;
	s.pretty = o.repeat == 1;
	s.walls = xcalloc(o.repeat, sizeof(*s.walls));
	jobs = xcalloc(o.repeat, sizeof(*jobs));
	for (i = 0; i < o.repeat; i++) {
		jobs[i].manifest = &m;
		jobs[i].run_dir = o.repeat == 1 ? xstrdup(dir) : xasprintf("%s/trial-%04u", dir, i + 1);
	}
	r = pool_run(jobs, (int)o.repeat, &po);
	if (o.repeat > 1)
		print_summary(&s);
	else if (s.n)
		fprintf(stderr, "nooks: outcome %s (%s); logs in %s\n", outcome_name(s.last),
			s.last_reason, dir);
	ret = r == 0 && s.n == o.repeat ? 0 : 1;
	for (i = 0; i < o.repeat; i++)
		free((char *)jobs[i].run_dir);
out:
	free(jobs);
	free(s.walls);
	free(dir);
	image_release(&img);
	manifest_release(&m);
	return ret;
}

static const struct subcommand trial_verbs[] = {
	{ "run", trial_run_cmd, "run a trial manifest in a fresh guest and classify it" },
};

int cmd_trial(int argc, char **argv)
{
	return run_subcommand("trial", trial_verbs, ARRAY_SIZE(trial_verbs), argc, argv);
}
