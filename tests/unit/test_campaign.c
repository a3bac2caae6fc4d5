/*
 * test_campaign.c - the campaign runner loop: every planned trial stored
 * exactly once; infra errors retried and never counted; and crash safety:
 * a runner killed with SIGKILL at random moments, again and again, resumes
 * to exactly the planned set with every row complete (after SQLite's
 * test/crash*.test: kill at a seeded point, then PRAGMA integrity_check).
 *
 * The executor here is the test's own (it sleeps a little and writes a
 * console log); the product's executor is campaign_exec.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "util.h"

static const char spec_json[] =
	"{ \"name\": \"loop\", \"seed\": 3, \"trials\": 12, \"retries\": 1,"
	"  \"fault_types\": [\"nop\", \"ptr\", \"branch\"],"
	"  \"extensions\": [ { \"name\": \"a\", \"module\": \"a\", \"workload\": \"w\" },"
	"                    { \"name\": \"b\", \"module\": \"b\", \"workload\": \"w\" } ] }";

static char dir[64];

/* Deterministic outcome from the injector seed; every 7th first attempt is an infra error. */
static int test_exec(void *ctx, const struct trial_request *rq, struct campaign_result *r)
{
	char *log = xasprintf("%s/console.log", rq->workdir);
	char line[128];
	int sleep_us = *(int *)ctx;

	if (sleep_us)
		usleep((useconds_t)(rand() % sleep_us));
	snprintf(line, sizeof(line), "[    0.1] trial %s attempt %d\n", rq->key, rq->attempt);
	write_file_atomic(log, line, strlen(line));
	r->console_path = log;
	if (rq->attempt == 1 && rq->fault->seed % 7 == 0) {
		r->error = xstrdup("qemu failed to start (test)");
		return -1;
	}
	if (rq->mode == MODE_NATIVE && rq->fault->seed % 2) {
		r->outcome = xstrdup("crash");
		r->crashed = 1;
		r->crash_kind = xstrdup("oops");
		r->crash_title = xstrdup("BUG: test crash in f");
	} else {
		r->outcome = xstrdup(rq->mode == MODE_NOOKS && rq->fault->seed % 2 ? "recovered"
										 : "no_effect");
	}
	r->describe_json = xstrdup("{\"mutations\": [{\"type\": \"nop\", \"section\": \".text\","
				   " \"offset\": 16, \"old_bytes\": \"90\", \"new_bytes\": \"cc\"}]}");
	return 0;
}

static void run_campaign(const char *db, int sleep_us, int max, struct campaign_totals *t,
			 int expect)
{
	struct campaign_spec sp;
	char *runs = xasprintf("%s/runs", dir);
	struct campaign_opts o = {
		.db_path = db, .runs_dir = runs, .jobs = 2, .interval_s = 3600,
		.max_trials = max, .exec = test_exec, .exec_ctx = &sleep_us,
	};

	assert_int_equal(spec_parse(spec_json, "loop.json", &sp), 0);
	assert_int_equal(campaign_run(&sp, &o, t), expect);
	spec_release(&sp);
	free(runs);
}

static int64_t one_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int64_t v;

	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void check_complete(const char *db)
{
	struct store *st;
	sqlite3_stmt *s;

	assert_int_equal(store_open(db, STORE_RO, &st), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials"), 48);
	assert_int_equal(one_int(st, "SELECT COUNT(DISTINCT key) FROM trials"), 48);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM logs WHERE kind = 'console'"), 48);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials WHERE outcome = 'infra_error'"), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM campaigns"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM faults"), 24);
	assert_int_equal(one_int(st, "SELECT COUNT(DISTINCT fault_id) FROM mutations"), 24);
	assert_true(one_int(st, "SELECT COUNT(*) FROM campaigns WHERE finished_at IS NOT NULL") == 1);
	/* every trial's console log names its own key: no row mixes two trials */
	s = store_prepare(st, "SELECT t.id, t.key FROM trials t");
	while (sqlite3_step(s) == SQLITE_ROW) {
		char *log;
		size_t len;

		assert_int_equal(store_log_get(st, sqlite3_column_int64(s, 0), "console", &log, &len), 0);
		assert_non_null(strstr(log, (const char *)sqlite3_column_text(s, 1)));
		free(log);
	}
	sqlite3_finalize(s);
	s = store_prepare(st, "PRAGMA integrity_check");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
	store_close(st);
}

static void test_complete_and_resume(void **state)
{
	struct campaign_totals t;
	char *db = xasprintf("%s/loop.db", dir);

	(void)state;
	run_campaign(db, 0, 10, &t, 0);
	assert_int_equal(t.planned, 48);
	assert_int_equal(t.stored_now, 10);
	run_campaign(db, 0, 0, &t, 0);
	assert_int_equal(t.stored_before, 10);
	assert_int_equal(t.stored_now, 38);
	assert_true(t.infra_retries > 0);
	run_campaign(db, 0, 0, &t, 0);	/* nothing left */
	assert_int_equal(t.stored_now, 0);
	check_complete(db);
	free(db);
}

static void test_kill9_at_random_points(void **state)
{
	struct campaign_totals t;
	char *db = xasprintf("%s/kill.db", dir);
	int round, kills = 0, midway = 0, last = 0;

	(void)state;
	srand(12345);
	for (round = 0; round < 25; round++) {
		pid_t pid = fork();
		int st;

		assert_true(pid >= 0);
		if (pid == 0) {
			int fd = open("/dev/null", 1);

			dup2(fd, 2);
			srand((unsigned)getpid());
			run_campaign(db, 80000, 0, &t, 0);
			_exit(0);
		}
		usleep((useconds_t)(rand() % 150000));
		if (kill(pid, SIGKILL) == 0)
			kills++;
		waitpid(pid, &st, 0);
		if (WIFSIGNALED(st) && file_exists(db)) {
			struct store *s;
			int n;

			assert_int_equal(store_open(db, STORE_RW, &s), 0);	/* may be pre-migration */
			n = (int)one_int(s, "SELECT COUNT(*) FROM trials");
			assert_true(n >= last);	/* nothing lost */
			midway += n < 48;
			last = n;
			store_close(s);
		}
	}
	printf("killed the runner %d times, %d of them with the campaign incomplete\n", kills,
	       midway);
	assert_true(midway >= 5);
	run_campaign(db, 0, 0, &t, 0);
	check_complete(db);
	free(db);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_campaign.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_and_resume),
		cmocka_unit_test(test_kill9_at_random_points),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
