/*
 * pool.c - parallel trial execution (see pool.h).  Owns the worker threads,
 * the job cursor and the retry policy; knows nothing of QEMU (trial.c) or
 * of what the caller stores.  Must never let a worker exit while its VM
 * lives (PDEATHSIG follows the forking thread): trial_run() reaps first.
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct pool {
	const struct pool_job *jobs;
	int n, next, infra, bad;
	const struct pool_opts *o;
	pthread_mutex_t lock;
};

int pool_default_parallel(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

static void run_job(struct pool *p, const struct pool_job *job)
{
	struct trial_opts to = *p->o->trial;
	struct trial_result r;
	int retries = p->o->max_retries == 0 ? 2 : p->o->max_retries < 0 ? 0 : p->o->max_retries;
	int attempt;

	to.run_dir = job->run_dir;
	for (attempt = 1;; attempt++) {
		if (trial_run(job->manifest, &to, &r)) {
			pthread_mutex_lock(&p->lock);
			p->bad++;
			pthread_mutex_unlock(&p->lock);
			return;
		}
		r.attempts = attempt;
		if (r.outcome != OUTCOME_INFRA_ERROR || attempt > retries)
			break;
		warning("trial '%s': infra_error (%s), retrying", job->run_dir, r.infra_reason);
		trial_result_release(&r);
	}
	pthread_mutex_lock(&p->lock);
	if (r.outcome == OUTCOME_INFRA_ERROR)
		p->infra++;
	if (p->o->done)
		p->o->done(job, &r, p->o->arg);
	pthread_mutex_unlock(&p->lock);
	trial_result_release(&r);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		int i;

		pthread_mutex_lock(&p->lock);
		i = p->next < p->n ? p->next++ : -1;
		pthread_mutex_unlock(&p->lock);
		if (i < 0)
			return NULL;
		run_job(p, &p->jobs[i]);
	}
}

int pool_run(const struct pool_job *jobs, int n, const struct pool_opts *o)
{
	struct pool p = { .jobs = jobs, .n = n, .o = o };
	int par = o->parallel > 0 ? o->parallel : pool_default_parallel(), i, started = 0;
	pthread_t *t;

	if (n < 0 || !o->trial)
		return error("pool: bad arguments");
	if (par > n)
		par = n > 0 ? n : 1;
	pthread_mutex_init(&p.lock, NULL);
	t = xcalloc((size_t)par, sizeof(*t));
	for (i = 0; i < par; i++)
		if (!pthread_create(&t[i], NULL, worker, &p))
			started++;
	if (!started)
		worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&p.lock);
	return p.bad ? -1 : p.infra;
}
