/*
 * campaign.h - the campaign runner loop: plan, skip what the store already
 * holds, run the rest on a pool of worker threads through a trial executor,
 * store each finished trial in its own transaction, show progress.
 *
 * Trial life cycle (one planned key):
 *   planned   --campaign_run() picks it, key not in store-->  running
 *   running   --executor returns a counted outcome------->  finished (in memory)
 *   running   --executor returns infra_error, attempts <= retries--> running
 *             (attempt recorded in infra_attempts; after the last retry the
 *              trial is stored as infra_error, which no view counts)
 *   finished  --store_trial_put() commits--------------->  stored
 *   running   --a store error stopped the runner-------->  dropped (absent:
 *             o->cancel ends it, no retry, nothing stored; rerun resumes it)
 * Invariants: (1) only the main thread touches the store; (2) a key is
 * stored at most once (UNIQUE(campaign_id, key) + existence check in the
 * same transaction); (3) a key is either fully stored or absent, so a
 * runner killed at any moment (SIGKILL included) resumes by re-running
 * exactly the absent keys; (4) per-trial directories are recreated from
 * scratch on every attempt.
 */
#ifndef NOOKS_CAMPAIGN_H
#define NOOKS_CAMPAIGN_H

#include <stdint.h>

#include "campaign_spec.h"
#include "outcome.h"
#include "planner.h"
#include "store.h"
#include "trial.h"

/*
 * Where a campaign trial's wall time goes (campaign_run() prints the mean
 * of each when it ends; `make bench` reports it): inject (call profile,
 * mutation, isolation, disk image, manifest), the trial's own phases
 * (trial.h enum trial_phase, in order), check (fsck of the trial's disk)
 * and store (the main thread's transaction).
 */
enum campaign_phase {
	CAMPAIGN_PHASE_INJECT,
	CAMPAIGN_PHASE_TRIAL,	/* + enum trial_phase */
	CAMPAIGN_PHASE_CHECK = CAMPAIGN_PHASE_TRIAL + TRIAL_N_PHASES,
	CAMPAIGN_PHASE_STORE,
	CAMPAIGN_N_PHASES
};
/* "inject", "prepare", ..., "check", "store" */
const char *campaign_phase_name(enum campaign_phase p);

struct trial_request {
	const struct campaign_spec *spec;
	const struct spec_extension *ext;
	const struct fault_desc *fault;
	enum spec_mode mode;
	const char *key;
	const char *workdir;	/* empty per-trial directory */
	int attempt;		/* 1-based */
	uint64_t *phase_ms;	/* [CAMPAIGN_N_PHASES], zeroed: the executor adds the
				 * time of each phase it ran (all but store) */
};

/*
 * Run one trial; fill res, the trial's record (store.h: outcome, verdict,
 * logs, describe record and its mutations), given as store_trial_init()
 * leaves it.  Non-zero return = infra error (res->error set).
 */
typedef int (*trial_exec_fn)(void *ctx, const struct trial_request *rq,
			     struct store_trial *res /* out */);
/*
 * End every running trial of ctx as soon as possible (their results are no
 * longer wanted) and make later ones end at once; called once, from the
 * main thread, when the runner stops on a fatal store error.  NULL: the
 * runner waits for the running trials to end by themselves.
 */
typedef void (*trial_cancel_fn)(void *ctx);

struct campaign_opts {
	const char *db_path;
	const char *runs_dir;	/* per-trial work directories */
	int jobs;		/* worker threads (>= 1) */
	int keep_runs;		/* keep work directories after storing */
	int progress;		/* 1: TTY bar; 0: plain lines every interval */
	unsigned interval_s;	/* plain progress period */
	int max_trials;		/* stop after this many stored (0: all) */
	struct store_image image;	/* the guest image (kernel_version NULL: unknown) */
	const struct plan_sites *sites;	/* candidate sites per extension and type (NULL:
					 * unknown, every type planned everywhere) */
	int allow_kernel_change;	/* resume a campaign whose trials ran on another kernel */
	int shard_index, shard_count;	/* run shard index (1..count) of the plan only
					 * (planner.h plan_in_shard()); count 0: all */
	trial_exec_fn exec;
	trial_cancel_fn cancel;	/* may be NULL */
	void *exec_ctx;
};

struct campaign_totals {
	int64_t campaign_id;
	int planned, stored_before, stored_now, infra_retries;
	int by_outcome[OUTCOME__COUNT];
	/* the trials run now (stored_now): their time, per phase, and the wall
	 * time from the first trial handed out to the last stored */
	uint64_t phase_ms[CAMPAIGN_N_PHASES];
	uint64_t run_ms;
	int jobs;
};


/*
 * Run (or resume) the campaign of spec into the database.  Returns 0 when
 * every planned trial is stored (or max_trials reached), -1 on error.
 * Refused before the database is opened when plan_check() fails on
 * o->sites; a new campaign stores its site counts, a resumed one is planned
 * with the counts stored when it was created (none stored: without counts,
 * as it was planned).  Each trial records the image it ran on; resuming a
 * campaign whose trials ran on another kernel than o->image's is refused
 * (one line naming both) unless o->allow_kernel_change.  With a shard
 * (o->shard_count > 0) only the shard's trials run, and the database
 * records which shard it holds: resuming it as another shard (or the whole
 * campaign as a shard) is refused in one line.
 */
int campaign_run(const struct campaign_spec *spec, const struct campaign_opts *o,
		 struct campaign_totals *tot /* out */);

#endif
