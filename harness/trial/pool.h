/*
 * pool.h - run many trials in parallel, each in its own independent VM.
 *
 * N worker threads (default: number of online CPUs) take jobs in order;
 * a trial whose outcome is infra_error is re-run (bounded) and never
 * reported as a measurement unless the retries are exhausted.  The done
 * callback is called once per job, serialized (never concurrently), from a
 * worker thread.  Every VM is reaped before pool_run() returns.
 */
#ifndef NOOKS_POOL_H
#define NOOKS_POOL_H

#include "trial.h"

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
	pool_done_fn done;
	void *arg;
};

/* Run all jobs; returns the number of jobs that ended infra_error, or -1 on bad input. */
int pool_run(const struct pool_job *jobs, int n, const struct pool_opts *o);
/* Default parallelism: online CPUs (at least 1). */
int pool_default_parallel(void);

#endif
