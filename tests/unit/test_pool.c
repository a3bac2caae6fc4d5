/*
 * test_pool.c - harness/trial/pool.c, the one worker pool of trial runs
 * and campaigns: every job handed out once; results (intermediate and
 * final) reach only the caller's thread, a job's in order; pool_next()
 * times out and says when all is done; pool_stop() drops the queued jobs
 * and counts the running ones; pool_end() drops the results never taken.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "fixture.h"
#include "pool.h"
#include "util.h"

#define NJOBS 40

struct job {
	int id, steps;		/* steps - 1 intermediate results, then the final one */
	int runs;		/* times handed out */
	int gate;		/* stop_jobs: wait until released */
};

struct result {
	int job, step;
	pthread_t thread;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int release_gate;

static struct result *result(const struct job *j, int step)
{
	struct result *r = xcalloc(1, sizeof(*r));

	r->job = j->id;
	r->step = step;
	r->thread = pthread_self();
	return r;
}

static void *work(struct pool *p, void *ctx, void *arg)
{
	struct job *j = arg;
	int i, go;

	(void)ctx;
	pthread_mutex_lock(&mu);
	j->runs++;
	pthread_mutex_unlock(&mu);
	for (go = !j->gate; !go; usleep(1000)) {
		pthread_mutex_lock(&mu);
		go = release_gate;
		pthread_mutex_unlock(&mu);
	}
	for (i = 1; i < j->steps; i++)
		pool_emit(p, result(j, i));
	return result(j, j->steps);
}

static void test_every_job_once(void **state)
{
	struct job jobs[NJOBS];
	int next_step[NJOBS] = { 0 }, finals = 0, final, i;
	struct result *r;
	struct pool *p = pool_start(4, work, NULL);

	(void)state;
	assert_non_null(p);
	for (i = 0; i < NJOBS; i++) {
		jobs[i] = (struct job){ .id = i, .steps = 1 + i % 3 };
		pool_post(p, &jobs[i]);
	}
	while (pool_next(p, -1, (void **)&r, &final) > 0) {
		assert_false(pthread_equal(r->thread, pthread_self()));	/* made by a worker */
		assert_int_equal(r->step, ++next_step[r->job]);		/* a job's in order */
		assert_int_equal(final, r->step == jobs[r->job].steps);
		finals += final;
		free(r);
	}
	assert_int_equal(finals, NJOBS);
	for (i = 0; i < NJOBS; i++) {
		assert_int_equal(jobs[i].runs, 1);
		assert_int_equal(next_step[i], jobs[i].steps);
	}
	assert_int_equal(pool_next(p, 0, (void **)&r, &final), -1);	/* stays done */
	pool_end(p, free);
}

static void test_stop_jobs(void **state)
{
	struct job jobs[5];
	int final, i, n = 0;
	struct result *r;
	struct pool *p = pool_start(2, work, NULL);

	(void)state;
	release_gate = 0;
	for (i = 0; i < 5; i++) {
		jobs[i] = (struct job){ .id = i, .steps = 1, .gate = 1 };
		pool_post(p, &jobs[i]);
	}
	assert_int_equal(pool_next(p, 50, (void **)&r, &final), 0);	/* timed out */
	while (1) {	/* both workers hold a job */
		pthread_mutex_lock(&mu);
		n = jobs[0].runs + jobs[1].runs;
		pthread_mutex_unlock(&mu);
		if (n == 2)
			break;
		usleep(1000);
	}
	assert_false(pool_stopped(p));
	assert_int_equal(pool_stop(p), 2);
	assert_true(pool_stopped(p));
	pool_post(p, &jobs[4]);		/* ignored once stopped */
	pthread_mutex_lock(&mu);
	release_gate = 1;
	pthread_mutex_unlock(&mu);
	n = 0;
	while (pool_next(p, -1, (void **)&r, &final) > 0) {
		n++;
		free(r);
	}
	assert_int_equal(n, 2);
	for (i = 2; i < 5; i++)
		assert_int_equal(jobs[i].runs, 0);
	pool_end(p, free);
}

static void test_end_drops_results(void **state)
{
	struct job j = { .id = 0, .steps = 3 };
	struct pool *p = pool_start(1, work, NULL);
	struct result *r;
	int final;

	(void)state;
	release_gate = 1;
	pool_post(p, &j);
	assert_int_equal(pool_next(p, -1, (void **)&r, &final), 1);
	free(r);
	pool_end(p, free);	/* the other two freed here (ASan: no leak) */
}

FIXTURE_MAIN(NULL, NULL,
	     cmocka_unit_test(test_every_job_once),
	     cmocka_unit_test(test_stop_jobs),
	     cmocka_unit_test(test_end_drops_results))
