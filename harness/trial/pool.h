/*
 * pool.h - the one pool of worker threads that runs trials in parallel,
 * each in its own independent VM: `nooks trial run --repeat` (pool_run)
 * and the campaign runner (campaign.c) both run on it.
 *
 * Life cycle: pool_start() starts the workers; the caller pool_post()s
 * jobs (taken in order) and collects the results on its own thread with
 * pool_next(): a job's work function may pool_emit() intermediate results
 * (an infra attempt) and returns its final one.  pool_stop() hands out no
 * more jobs (the queued ones are dropped); pool_end() joins the workers.
 * Invariants: (1) results reach only the caller's thread, in the order
 * they were produced; (2) a job is handed out at most once; (3) pool_next()
 * returns -1 only when no job is queued or running and no result is left;
 * (4) every worker has returned (and reaped its VM) when pool_end() does.
 */
#ifndef NOOKS_POOL_H
#define NOOKS_POOL_H

#include "trial.h"

struct pool;

/* Run one job on a worker thread; returns its final result (may be NULL). */
typedef void *(*pool_work_fn)(struct pool *p, void *ctx, void *job);

/* Start `workers` threads (>= 1) running fn(p, ctx, job); NULL with an error if none starts. */
struct pool *pool_start(int workers, pool_work_fn fn, void *ctx);
/* Queue a job (ignored once the pool is stopped). */
void pool_post(struct pool *p, void *job);
/* From a work function: an intermediate result of its job. */
void pool_emit(struct pool *p, void *result);
/*
 * The next result, on the caller's thread: 1 with *result and *final (1:
 * the job's final result), 0 when timeout_ms (< 0: no limit) passed first,
 * -1 when every job is done and every result taken.
 */
int pool_next(struct pool *p, int timeout_ms, void **result /* out */, int *final /* out */);
/* Hand out no more jobs; returns how many are running (final result not taken yet). */
int pool_stop(struct pool *p);
/* Whether pool_stop() was called (a work function stops retrying). */
int pool_stopped(struct pool *p);
/* Join the workers and free p; drop(result) for results never taken (drop may be NULL). */
void pool_end(struct pool *p, void (*drop)(void *result));

/* ---- trial runs (`nooks trial run`) ---- */

struct pool_job {
	const struct trial_manifest *manifest;
	const char *run_dir;		/* one directory per job */
	void *user;			/* for the callback */
};

/* r is released after the callback returns: copy what must be kept. */
typedef void (*pool_done_fn)(const struct pool_job *job, const struct trial_result *r,
			     void *arg);

struct pool_opts {
	int parallel;			/* 0: number of online CPUs */
	int max_retries;		/* infra_error re-runs per job (default 2; -1: none) */
	const struct trial_opts *trial;	/* run_dir is taken from each job */
	pool_done_fn done;		/* called once per job, on the caller's thread */
	void *arg;
};

/*
 * Run all jobs; a trial whose outcome is infra_error is re-run (bounded)
 * and reported only when the retries are exhausted.  Returns the number
 * of jobs that ended infra_error, or -1 on bad input or a refused trial.
 */
int pool_run(const struct pool_job *jobs, int n, const struct pool_opts *o);
/* Default parallelism: online CPUs (at least 1). */
int pool_default_parallel(void);

#endif
