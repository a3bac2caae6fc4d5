/*
 * pool.c - the worker pool (see pool.h) and the trial runs on it.  Owns
 * the worker threads, the job queue and the result queue; knows nothing
 * of QEMU (trial.c) or of what the caller stores.  Must never let a
 * worker exit while its VM lives (PDEATHSIG follows the forking thread):
 * trial_run() reaps first, and a work function runs to its end.
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct item {
	struct item *next;
	void *ptr;		/* a job or a result */
	int final;		/* results: the job's last */
};

struct queue {
	struct item *head, **tail;
};

struct pool {
	pool_work_fn fn;
	void *ctx;
	struct queue jobs, results;
	int running;		/* handed out, final result not taken */
	int stopped, ending;
	pthread_t *th;
	int n_th;
	pthread_mutex_t mu;
	pthread_cond_t job_cv, result_cv;
};

static void enqueue(struct queue *q, void *ptr, int final)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->ptr = ptr;
	it->final = final;
	*q->tail = it;
	q->tail = &it->next;
}

static struct item *dequeue(struct queue *q)
{
	struct item *it = q->head;

	if (it) {
		q->head = it->next;
		if (!q->head)
			q->tail = &q->head;
	}
	return it;
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct item *it;
		void *res;

		while (!p->jobs.head && !p->ending)
			pthread_cond_wait(&p->job_cv, &p->mu);
		it = dequeue(&p->jobs);
		if (!it)
			break;	/* ending, nothing queued */
		p->running++;
		pthread_mutex_unlock(&p->mu);
		res = p->fn(p, p->ctx, it->ptr);
		free(it);
		pthread_mutex_lock(&p->mu);
		enqueue(&p->results, res, 1);
		pthread_cond_broadcast(&p->result_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pool *pool_start(int workers, pool_work_fn fn, void *ctx)
{
	struct pool *p = xcalloc(1, sizeof(*p));
	int i;

	p->fn = fn;
	p->ctx = ctx;
	p->jobs.tail = &p->jobs.head;
	p->results.tail = &p->results.head;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->job_cv, NULL);
	pthread_cond_init(&p->result_cv, NULL);
	p->th = xcalloc((size_t)(workers > 0 ? workers : 1), sizeof(*p->th));
	for (i = 0; i < (workers > 0 ? workers : 1); i++) {
		if (pthread_create(&p->th[p->n_th], NULL, worker, p)) {
			error("cannot start worker thread %d", i);
			break;
		}
		p->n_th++;
	}
	if (!p->n_th) {
		pool_end(p, NULL);
		return NULL;
	}
	return p;
}

void pool_post(struct pool *p, void *job)
{
	pthread_mutex_lock(&p->mu);
	if (!p->stopped) {
		enqueue(&p->jobs, job, 0);
		pthread_cond_signal(&p->job_cv);
	}
	pthread_mutex_unlock(&p->mu);
}

void pool_emit(struct pool *p, void *result)
{
	pthread_mutex_lock(&p->mu);
	enqueue(&p->results, result, 0);
	pthread_cond_broadcast(&p->result_cv);
	pthread_mutex_unlock(&p->mu);
}

int pool_next(struct pool *p, int timeout_ms, void **result, int *final)
{
	struct timespec ts;
	struct item *it;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (timeout_ms >= 0) {
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&p->mu);
	while (!p->results.head && (p->jobs.head || p->running) && r == 0) {
		if (timeout_ms < 0)
			pthread_cond_wait(&p->result_cv, &p->mu);
		else if (pthread_cond_timedwait(&p->result_cv, &p->mu, &ts))
			r = p->results.head ? 0 : -2;	/* timed out */
	}
	it = dequeue(&p->results);
	if (it) {
		*result = it->ptr;
		*final = it->final;
		if (it->final)
			p->running--;
		free(it);
		r = 1;
	} else {
		r = r == -2 ? 0 : -1;
	}
	pthread_mutex_unlock(&p->mu);
	return r;
}

int pool_stop(struct pool *p)
{
	struct item *it;
	int running;

	pthread_mutex_lock(&p->mu);
	p->stopped = 1;
	while ((it = dequeue(&p->jobs)))
		free(it);	/* jobs belong to the caller */
	running = p->running;
	pthread_mutex_unlock(&p->mu);
	return running;
}

int pool_stopped(struct pool *p)
{
	int s;

	pthread_mutex_lock(&p->mu);
	s = p->stopped;
	pthread_mutex_unlock(&p->mu);
	return s;
}

void pool_end(struct pool *p, void (*drop)(void *result))
{
	struct item *it;
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->ending = 1;
	while ((it = dequeue(&p->jobs)))
		free(it);
	pthread_cond_broadcast(&p->job_cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n_th; i++)
		pthread_join(p->th[i], NULL);
	while ((it = dequeue(&p->results))) {
		if (drop && it->ptr)
			drop(it->ptr);
		free(it);
	}
	pthread_cond_destroy(&p->job_cv);
	pthread_cond_destroy(&p->result_cv);
	pthread_mutex_destroy(&p->mu);
	free(p->th);
	free(p);
}

/* ---- trial runs ------------------------------------------------------------ */

int pool_default_parallel(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

struct run_result {
	const struct pool_job *job;
	int refused;		/* trial_run() refused the manifest */
	struct trial_result r;
};

/* pool_work_fn of pool_run: one job, its infra_error retries included. */
static void *run_job(struct pool *p, void *ctx, void *arg)
{
	const struct pool_opts *o = ctx;
	struct run_result *res = xcalloc(1, sizeof(*res));
	struct trial_opts to = *o->trial;
	int retries = o->max_retries == 0 ? 2 : o->max_retries < 0 ? 0 : o->max_retries;
	int attempt;

	(void)p;
	res->job = arg;
	to.run_dir = res->job->run_dir;
	for (attempt = 1;; attempt++) {
		if (trial_run(res->job->manifest, &to, &res->r)) {
			res->refused = 1;
			return res;
		}
		res->r.attempts = attempt;
		if (res->r.outcome != OUTCOME_INFRA_ERROR || attempt > retries)
			return res;
		warning("trial '%s': infra_error (%s), retrying", res->job->run_dir,
			res->r.infra_reason);
		trial_result_release(&res->r);
	}
}

static void drop_result(void *arg)
{
	struct run_result *res = arg;

	if (!res->refused)
		trial_result_release(&res->r);
	free(res);
}

int pool_run(const struct pool_job *jobs, int n, const struct pool_opts *o)
{
	int par = o->parallel > 0 ? o->parallel : pool_default_parallel(), i, final;
	int infra = 0, bad = 0;
	struct run_result *res;
	struct pool *p;

	if (n < 0 || !o->trial)
		return error("pool: bad arguments");
	if (par > n)
		par = n > 0 ? n : 1;
	p = pool_start(par, run_job, (void *)o);
	if (!p)
		return -1;
	for (i = 0; i < n; i++)
		pool_post(p, (void *)&jobs[i]);
	while (pool_next(p, -1, (void **)&res, &final) > 0) {
		if (res->refused) {
			bad++;
		} else {
			if (res->r.outcome == OUTCOME_INFRA_ERROR)
				infra++;
			if (o->done)
				o->done(res->job, &res->r, o->arg);
		}
		drop_result(res);
	}
	pool_end(p, drop_result);
	return bad ? -1 : infra;
}
