/*
 * test_slurm.c - the Slurm backend's files without a cluster
 * (harness/campaign/slurm.c; tests/vm/test_slurm.sh runs a real one): a
 * dry-run submission writes the spec copy, submit.json and a batch script
 * that sh parses and whose shard command line survives paths with spaces
 * and quotes; slurm_read_submission() reads it back and names a broken
 * record in one line; without a reachable cluster every task's state is
 * "unknown", never invented.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "fixture.h"
#include "slurm.h"
#include "util.h"

/* Every one of the NULL-terminated needles occurs in text (asserted). */
static void expect_all(const char *text, const char *const *needles)
{
	for (; *needles; needles++)
		if (!strstr(text, *needles))
			fail_msg("'%s' not in:\n%s", *needles, text);
}

/* What cmd prints on stdout (malloc'd). */
static char *output_of(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = xcalloc(1, 65536);

	assert_non_null(p);
	assert_true(fread(out, 1, 65535, p) > 0);
	pclose(p);
	return out;
}

static void test_dry_run_files(void **state)
{
	char *dir = xasprintf("%s/it's a dir", fixture_tmp), *spec = xasprintf("%s/s.json", fixture_tmp);
	char *script, *text, *cmd, *job = NULL, *out = NULL;
	struct slurm_submit s = {
		.spec_path = spec, .name = "tiny", .dir = dir, .image_dir = "/img dir/it's",
		.nooks = "/opt/no oks/bin/nooks", .partition = "lab", .time_limit = "1:00:00",
		.shards = 3, .jobs = 2, .dry_run = 1,
	};
	struct slurm_submission sub;
	size_t len;

	(void)state;
	assert_int_equal(write_file_atomic(spec, "{\"name\": \"tiny\"}\n", 17), 0);
	assert_int_equal(slurm_submit(&s, &job), 0);
	assert_string_equal(job, "");
	script = xasprintf("%s/nooks-campaign.sbatch", dir);
	text = read_file(script, &len);
	assert_non_null(text);
	expect_all(text, (const char *const[]){ "#SBATCH --array=1-3\n", "#SBATCH --requeue\n",
		"#SBATCH --partition=lab\n", "#SBATCH --time=1:00:00\n",
		"#SBATCH --cpus-per-task=2\n", "--shard \"$i/3\"", NULL });
	/* sh parses it; the command line of task 2, echoed instead of run, keeps every path whole */
	cmd = xasprintf("sh -n \"%s\"", script);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cmd = xasprintf("sed \"s|^'/opt|printf '%%s\\\\\\\\n' '/opt|\" \"%s\" | "
			"SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_JOB_ID=7 TMPDIR='%s' sh", script, fixture_tmp);
	out = output_of(cmd);
	free(cmd);
	expect_all(out, (const char *const[]){ "/opt/no oks/bin/nooks\ncampaign\nrun\n",
		"it's a dir/spec.json\n--shard\n2/3\n--db\n", "it's a dir/shard-2-of-3.db\n--runs\n",
		"/nooks-runs-7-2\n--jobs\n2\n", "--image\n/img dir/it's\n--no-summary\n", NULL });
	free(out);
	free(text);
	free(script);
	script = xasprintf("%s/spec.json", dir);	/* the spec, copied as it was */
	text = read_file(script, &len);
	assert_non_null(text);
	assert_string_equal(text, "{\"name\": \"tiny\"}\n");
	assert_int_equal(slurm_read_submission(dir, &sub), 0);
	assert_string_equal(sub.name, "tiny");
	assert_int_equal(sub.shards, 3);
	slurm_submission_release(&sub);
	free(text);
	free(script);
	free(job);
	free(dir);
	free(spec);
}

static int read_bad(void *arg)
{
	struct slurm_submission sub;

	return slurm_read_submission(arg, &sub);
}

static void test_bad_record(void **state)
{
	char *dir = xasprintf("%s/bad", fixture_tmp), *rec = xasprintf("%s/bad/submit.json", fixture_tmp);
	char *err;

	(void)state;
	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(capture_run(read_bad, dir, NULL, &err), -1);
	assert_non_null(strstr(err, "is not a submission directory"));
	free(err);
	assert_int_equal(write_file_atomic(rec, "{\"campaign\": \"x\", \"job_id\": \"1\", \"shards\": 0}", 45), 0);
	assert_int_equal(capture_run(read_bad, dir, NULL, &err), -1);
	assert_non_null(strstr(err, "missing or invalid field"));
	assert_int_equal(strchr(err, '\n') - err, (long)strlen(err) - 1);
	free(err);
	free(dir);
	free(rec);
}

static void test_states_unknown_without_cluster(void **state)
{
	char **st;
	int i;

	(void)state;
	setenv("SLURM_CONF", "/nonexistent/slurm.conf", 1);
	assert_int_equal(slurm_task_states("12345", 3, &st), 0);
	for (i = 0; i < 3; i++)
		assert_string_equal(st[i], "unknown");
	slurm_states_free(st, 3);
	assert_int_equal(slurm_task_states("", 2, &st), 0);	/* a dry run: no job */
	assert_string_equal(st[1], "unknown");
	slurm_states_free(st, 2);
}

FIXTURE_MAIN(fixture_tmp_setup, fixture_tmp_teardown,
	     cmocka_unit_test(test_dry_run_files),
	     cmocka_unit_test(test_bad_record),
	     cmocka_unit_test(test_states_unknown_without_cluster))
