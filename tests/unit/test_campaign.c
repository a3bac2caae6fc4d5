/*
 * test_campaign.c - the campaign runner loop: every planned trial stored
 * exactly once; infra errors retried and never counted; and crash safety:
 * a runner killed with SIGKILL at random moments, again and again, resumes
 * to exactly the planned set with every row complete (after SQLite's
 * test/crash*.test: kill at a seeded point, then PRAGMA integrity_check).
 *
 * The executor here is the test's own (it sleeps a little and writes a
 * console log); the product's executor is campaign_exec.c.
 *
 * A store that fails mid-campaign (full disk): the runner says it stops,
 * ends the running trials through the cancel hook and stores nothing more.
 *
 * Candidate sites and kernels (migration 6): with the site counts of real
 * modules (e1000.ko, khttpd.ko, fat.ko of the guest image), a spec whose
 * type no module has writes nothing; a module never gets a type it lacks,
 * also when resumed without counts (the stored ones are used); a campaign
 * stored without counts resumes with its original plan; every trial
 * records its kernel, and resuming on another kernel is refused unless
 * allowed.
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
#include <sys/resource.h>
#include <sys/wait.h>
#include <pthread.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "capture.h"
#include "describe.h"
#include "sites.h"
#include "db_fixture.h"
#include "fixture.h"
#include "util.h"

#define E1000 "build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
#define KHTTPD "build/image/modules/extra/khttpd.ko"
#define FAT "build/image/modules/kernel/fs/fat/fat.ko"

static const char spec_json[] =
	"{ \"name\": \"loop\", \"seed\": 3, \"trials\": 12, \"retries\": 1,"
	"  \"fault_types\": [\"nop\", \"ptr\", \"branch\"],"
	"  \"extensions\": [ { \"name\": \"a\", \"module\": \"a\", \"workload\": \"w\" },"
	"                    { \"name\": \"b\", \"module\": \"b\", \"workload\": \"w\" } ] }";


/* Deterministic outcome from the injector seed; every 7th first attempt is an infra error. */
static int test_exec(void *ctx, const struct trial_request *rq, struct store_trial *r)
{
	char *log = xasprintf("%s/console.log", rq->workdir);
	char line[128];
	int sleep_us = *(int *)ctx;
	struct describe d;

	if (sleep_us)
		usleep((useconds_t)(rand() % sleep_us));
	/* phase times the runner must sum over every attempt */
	rq->phase_ms[CAMPAIGN_PHASE_INJECT] += 2;
	rq->phase_ms[CAMPAIGN_PHASE_TRIAL + TRIAL_PHASE_WORKLOAD] += 10;
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
	assert_int_equal(describe_parse(r->describe_json, &d), 0);	/* as the executor does */
	r->mutations = d.mutations;
	r->n_mutations = d.n_mutations;
	free(d.swifi_params);
	return 0;
}

static void run_campaign(const char *db, int sleep_us, int max, struct campaign_totals *t,
			 int expect)
{
	struct campaign_spec sp;
	char *runs = xasprintf("%s/runs", fixture_tmp);
	struct campaign_opts o = {
		.db_path = db, .runs_dir = runs, .jobs = 2, .interval_s = 3600,
		.max_trials = max, .exec = test_exec, .exec_ctx = &sleep_us,
	};

	assert_int_equal(spec_parse(spec_json, "loop.json", &sp), 0);
	assert_int_equal(campaign_run(&sp, &o, t), expect);
	spec_release(&sp);
	free(runs);
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
	char *db = xasprintf("%s/loop.db", fixture_tmp);

	(void)state;
	run_campaign(db, 0, 10, &t, 0);
	assert_int_equal(t.planned, 48);
	assert_int_equal(t.stored_now, 10);
	run_campaign(db, 0, 0, &t, 0);
	assert_int_equal(t.stored_before, 10);
	assert_int_equal(t.stored_now, 38);
	assert_true(t.infra_retries > 0);
	/* the time of every attempt, infra ones included, per phase */
	assert_int_equal(t.phase_ms[CAMPAIGN_PHASE_INJECT], 2 * (38 + t.infra_retries));
	assert_int_equal(t.phase_ms[CAMPAIGN_PHASE_TRIAL + TRIAL_PHASE_WORKLOAD],
			 10 * (38 + t.infra_retries));
	assert_int_equal(t.phase_ms[CAMPAIGN_PHASE_TRIAL + TRIAL_PHASE_RESTORE], 0);
	assert_int_equal(t.jobs, 2);
	assert_true(t.run_ms > 0);
	assert_string_equal(campaign_phase_name(CAMPAIGN_PHASE_TRIAL + TRIAL_PHASE_SETUP), "setup");
	assert_string_equal(campaign_phase_name(CAMPAIGN_PHASE_STORE), "store");
	run_campaign(db, 0, 0, &t, 0);	/* nothing left */
	assert_int_equal(t.stored_now, 0);
	check_complete(db);
	free(db);
}

static void test_kill9_at_random_points(void **state)
{
	struct campaign_totals t;
	char *db = xasprintf("%s/kill.db", fixture_tmp);
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

/* ---- a store that fails mid-campaign ---------------------------------------- */

/*
 * The executor of a campaign whose store fails (a full disk, made real with
 * RLIMIT_FSIZE in a child process: every write that extends a file fails
 * with EFBIG).  Calls 1-2 succeed; call 3 waits until both are stored, then
 * sets the limit, so storing its own result fails; later calls are long
 * trials that end early only through the cancel hook.
 */
struct full_ctx {
	const char *db;
	int calls, cancels, ended_by_cancel, timed_out, after_cancel, retried;
	volatile int cancelled;
	pthread_mutex_t mu;
};

static int stored_trials(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	int n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM trials", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
	return n;
}

static int full_exec(void *ctx, const struct trial_request *rq, struct store_trial *r)
{
	struct full_ctx *x = ctx;
	int call, late, i;

	pthread_mutex_lock(&x->mu);
	call = ++x->calls;
	late = x->cancelled;	/* handed out before the stop, started after it */
	x->after_cancel += late;
	x->retried += rq->attempt > 1;
	pthread_mutex_unlock(&x->mu);
	if (call == 3) {
		struct rlimit lim = { 0, RLIM_INFINITY };

		for (i = 0; i < 1000 && stored_trials(x->db) < 2; i++)
			usleep(10000);
		setrlimit(RLIMIT_FSIZE, &lim);	/* the disk is full from here */
	}
	if (call <= 3) {
		r->console_path = xasprintf("%s/console.log", rq->workdir);
		if (call < 3)
			write_file_atomic(r->console_path, "[    0.1] ok\n", 13);
		r->outcome = xstrdup("no_effect");
		return 0;
	}
	for (i = 0; i < 3000 && !x->cancelled; i++)	/* a 30 s trial */
		usleep(10000);
	pthread_mutex_lock(&x->mu);
	x->ended_by_cancel += x->cancelled && !late;
	x->timed_out += !x->cancelled;
	pthread_mutex_unlock(&x->mu);
	r->error = xstrdup("ended");
	return -1;
}

static void full_cancel(void *ctx)
{
	struct full_ctx *x = ctx;

	pthread_mutex_lock(&x->mu);
	x->cancels++;
	x->cancelled = 1;
	pthread_mutex_unlock(&x->mu);
}

/*
 * After a store error the runner says it stops, ends the running trial
 * through the cancel hook (never waits the 30 s out), retries nothing,
 * prints no progress line after it; what was stored stays, and a rerun
 * with room completes the campaign.
 */
static void test_store_error_stops_promptly(void **state)
{
	char *db = xasprintf("%s/full.db", fixture_tmp), *runs = xasprintf("%s/full.runs", fixture_tmp);
	char err[4096], *facts;
	int pipefd[2], status, ret, calls, cancels, ended, late, timed_out, retried;
	ssize_t n, len = 0;
	struct campaign_totals t;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {	/* the runner; stderr to the pipe (no file may grow) */
		struct full_ctx x = { .db = db, .mu = PTHREAD_MUTEX_INITIALIZER };
		struct campaign_opts o = {
			.db_path = db, .runs_dir = runs, .jobs = 2, .interval_s = 0,
			.exec = full_exec, .cancel = full_cancel, .exec_ctx = &x,
		};
		struct campaign_spec sp;
		int r;

		signal(SIGXFSZ, SIG_IGN);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (spec_parse(spec_json, "loop.json", &sp))
			_exit(99);
		r = campaign_run(&sp, &o, &t);
		dprintf(2, "FACTS %d %d %d %d %d %d %d\n", r, x.calls, x.cancels,
			x.ended_by_cancel, x.after_cancel, x.timed_out, x.retried);
		_exit(0);
	}
	close(pipefd[1]);
	while (len < (ssize_t)sizeof(err) - 1 &&
	       (n = read(pipefd[0], err + len, sizeof(err) - 1 - (size_t)len)) > 0)
		len += n;
	err[len] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("%s", err);	/* the runner's stderr, for the log */
	/* calls 4 (and 5, if picked before the stop) were running: each one
	 * ended by the hook (or at once), none waited out, none retried */
	facts = strstr(err, "FACTS ");
	assert_non_null(facts);
	assert_int_equal(sscanf(facts, "FACTS %d %d %d %d %d %d %d", &ret, &calls, &cancels,
				&ended, &late, &timed_out, &retried), 7);
	assert_int_equal(ret, -1);
	assert_int_equal(cancels, 1);
	assert_true(calls == 4 || calls == 5);
	assert_int_equal(ended + late, calls - 3);
	assert_int_equal(timed_out, 0);
	assert_int_equal(retried, 0);
	assert_non_null(strstr(err, "nooks: campaign 'loop': stopping on the store error above"));
	assert_non_null(strstr(err, "nooks: campaign 'loop' stopped: 2 of 48 trials stored; "
				    "run it again to resume once the store is writable"));
	assert_null(strstr(strstr(err, "stopping on the store error"), "ETA"));
	assert_int_equal(stored_trials(db), 2);
	run_campaign(db, 0, 0, &t, 0);	/* room again: resumes */
	assert_int_equal(t.stored_before, 2);
	free(db);
	free(runs);
}

/* ---- candidate sites and kernels ------------------------------------------- */

static const char site_spec[] =
	"{ \"name\": \"sites\", \"seed\": 5, \"trials\": 20, \"modes\": [\"native\"],"
	"  \"fault_types\": [\"irq\", \"nop\", \"loop\"],"
	"  \"extensions\": [ { \"name\": \"e1000\", \"module\": \"e1000\", \"workload\": \"w\" },"
	"                    { \"name\": \"khttpd\", \"module\": \"khttpd\", \"workload\": \"w\" } ] }";

static int khttpd_irq;	/* trials of khttpd whose descriptor has irq */

static int site_exec(void *ctx, const struct trial_request *rq, struct store_trial *r)
{
	(void)ctx;
	if (!strcmp(rq->ext->name, "khttpd") && strstr(rq->fault->types, "irq"))
		__atomic_add_fetch(&khttpd_irq, 1, __ATOMIC_RELAXED);
	r->outcome = xstrdup("no_effect");
	return 0;
}

struct site_run {
	const char *db, *spec, *kernel;
	const char *const *mods;	/* count the sites of these modules (NULL: no counts) */
	int allow, max;
	struct campaign_totals t;
};

static int run_sites(struct site_run *a)
{
	struct campaign_spec sp;
	struct plan_sites ps;
	char *runs = xasprintf("%s/runs", fixture_tmp);
	struct campaign_opts o = {
		.db_path = a->db, .runs_dir = runs, .jobs = 2, .interval_s = 3600,
		.max_trials = a->max, .exec = site_exec, .allow_kernel_change = a->allow,
		.image = { a->kernel, "", "", "lock", NULL },
	};
	int r;

	assert_int_equal(spec_parse(a->spec, "sites.json", &sp), 0);
	if (a->mods) {
		assert_int_equal(sites_count_spec(&sp, (char *const *)a->mods, &ps), 0);
		o.sites = &ps;
	}
	r = campaign_run(&sp, &o, &a->t);
	spec_release(&sp);
	free(runs);
	return r;
}

/* A type no extension has: refused before the database is created or written. */
static void test_plan_error_writes_nothing(void **state)
{
	static const char *const kf[] = { KHTTPD, FAT }, *const ek[] = { E1000, KHTTPD };
	char *db = xasprintf("%s/none.db", fixture_tmp);
	struct site_run a = {
		.db = db, .kernel = "6.1.0-56-amd64", .mods = kf,
		.spec = "{ \"name\": \"irq\", \"seed\": 1, \"trials\": 3, \"fault_types\": "
			"[\"irq\"], \"extensions\": ["
			"{ \"name\": \"khttpd\", \"module\": \"khttpd\", \"workload\": \"w\" },"
			"{ \"name\": \"fat\", \"module\": \"fat\", \"workload\": \"w\" } ] }",
	};
	struct site_run b = { .db = db, .spec = site_spec, .kernel = "6.1.0-56-amd64", .mods = ek,
			      .max = 2 };

	(void)state;
	assert_int_equal(run_sites(&a), -1);
	assert_false(file_exists(db));
	assert_int_equal(run_sites(&b), 0);
	assert_int_equal(run_sites(&a), -1);
	assert_int_equal(db_int(db, "SELECT COUNT(*) FROM campaigns"), 1);
	assert_int_equal(db_int(db, "SELECT COUNT(*) FROM trials"), 2);
	free(db);
}

/* Stored counts plan the campaign, also when resumed without counts. */
static void test_sites_stored_and_used(void **state)
{
	static const char *const ek[] = { E1000, KHTTPD };
	char *db = xasprintf("%s/sites.db", fixture_tmp), *old = xasprintf("%s/old.db", fixture_tmp);
	struct site_run a = { .db = db, .spec = site_spec, .kernel = "6.1.0-56-amd64", .mods = ek,
			      .max = 6 };

	(void)state;
	khttpd_irq = 0;
	assert_int_equal(run_sites(&a), 0);
	assert_int_equal(db_int(db, "SELECT COUNT(*) FROM extension_sites"), 6);
	assert_int_equal(db_int(db, "SELECT sites FROM v_sites WHERE extension = 'khttpd' AND "
				    "fault_type = 'irq'"), 0);
	assert_true(db_int(db, "SELECT sites FROM v_sites WHERE extension = 'e1000' AND "
			       "fault_type = 'irq'") > 0);
	a.mods = NULL;	/* resumed without counts: the stored ones plan it */
	a.max = 0;
	assert_int_equal(run_sites(&a), 0);
	assert_int_equal(a.t.stored_before + a.t.stored_now, 40);
	assert_int_equal(khttpd_irq, 0);
	assert_int_equal(db_int(db, "SELECT COUNT(*) FROM faults f JOIN extensions e ON "
				    "e.id = f.extension_id WHERE e.name = 'khttpd' AND f.types = 'irq'"), 0);
	assert_true(db_int(db, "SELECT COUNT(*) FROM faults f JOIN extensions e ON "
			       "e.id = f.extension_id WHERE e.name = 'e1000' AND f.types = 'irq'") > 0);
	/* a campaign stored without counts resumes with the plan it was created with */
	a.db = old;
	a.max = 6;
	assert_int_equal(run_sites(&a), 0);
	assert_int_equal(db_int(old, "SELECT COUNT(*) FROM extension_sites"), 0);
	a.mods = ek;
	a.max = 0;
	assert_int_equal(run_sites(&a), 0);
	assert_true(db_int(old, "SELECT COUNT(*) FROM faults f JOIN extensions e ON "
				"e.id = f.extension_id WHERE e.name = 'khttpd' AND f.types = 'irq'") > 0);
	assert_true(khttpd_irq > 0);
	free(db);
	free(old);
}

static int run_sites_cb(void *a) { return run_sites(a); }

/*
 * Running a on kernel after the campaign's trials ran on kernel ran, without
 * leave to mix kernels: refused with one line naming both.
 */
static void expect_kernel_refused(struct site_run *a, const char *kernel, const char *ran)
{
	char *err = NULL, *want = xasprintf("campaign 'sites' #1 ran on kernel %s, the image "
					    "runs kernel %s", ran, kernel);

	a->kernel = kernel;
	a->allow = 0;
	assert_int_equal(capture_run(run_sites_cb, a, NULL, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, want));
	assert_string_equal(strchr(err, '\n'), "\n");	/* one line */
	free(want);
	free(err);
}

/* Every trial records its kernel; another kernel resumes only when allowed. */
static void test_kernel_per_trial(void **state)
{
	static const char *const ek[] = { E1000, KHTTPD };
	char *db = xasprintf("%s/kernel.db", fixture_tmp);
	struct site_run a = { .db = db, .spec = site_spec, .kernel = "6.1.0-56-amd64", .mods = ek,
			      .max = 6 };

	(void)state;
	assert_int_equal(run_sites(&a), 0);
	assert_int_equal(db_int(db, "SELECT COUNT(*) FROM trials t JOIN images i ON "
				    "i.id = t.image_id WHERE i.kernel_version = '6.1.0-56-amd64' "
				    "AND i.kernel_source = 'lock'"), 6);
	a.max = 0;
	expect_kernel_refused(&a, "6.1.0-57-amd64", "6.1.0-56-amd64");
	assert_int_equal(db_int(db, "SELECT COUNT(*) FROM trials"), 6);
	a.allow = 1;
	assert_int_equal(run_sites(&a), 0);
	assert_int_equal(db_int(db, "SELECT COUNT(*) FROM trials"), 40);
	assert_int_equal(db_int(db, "SELECT COUNT(*) FROM v_kernels"), 2);
	assert_int_equal(db_int(db, "SELECT trials FROM v_kernels WHERE kernel_version = "
				    "'6.1.0-57-amd64'"), 34);
	/* back on the first kernel: its trials now include the second */
	expect_kernel_refused(&a, "6.1.0-56-amd64", "6.1.0-57-amd64");
	free(db);
}

FIXTURE_MAIN(fixture_tmp_setup, fixture_tmp_teardown,
	     cmocka_unit_test(test_complete_and_resume),
	     cmocka_unit_test(test_kill9_at_random_points),
	     cmocka_unit_test(test_store_error_stops_promptly),
	     cmocka_unit_test(test_plan_error_writes_nothing),
	     cmocka_unit_test(test_sites_stored_and_used),
	     cmocka_unit_test(test_kernel_per_trial))
