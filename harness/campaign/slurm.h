/*
 * slurm.h - run a campaign's shards as a Slurm job array (issue 21).
 *
 * A submission directory (--db-dir, on storage every node shares) holds:
 *   spec.json              the campaign spec, copied at submit time
 *   nooks-campaign.sbatch  the generated batch script (array task I runs
 *                          `nooks campaign run spec.json --shard I/N
 *                          --db shard-I-of-N.db`, its work directories on
 *                          the node's local $TMPDIR)
 *   submit.json            what was submitted: campaign, shards, job id
 *   shard-I-of-N.db        each task's results (one writer: its task)
 *   slurm-JOB_I.out        each task's output (appended across restarts)
 * Requeue-safe: a preempted, failed or requeued task reruns the same
 * command, which resumes its shard database (campaign.h invariants: no
 * trial lost, none stored twice).  Slurm is driven through its commands
 * (sbatch, squeue, sacct) found on PATH; SLURM_CONF selects the cluster.
 */
#ifndef NOOKS_SLURM_H
#define NOOKS_SLURM_H

#define SLURM_MAX_SHARDS 10000

struct slurm_submit {
	const char *spec_path;	/* the spec file as given */
	const char *name;	/* the campaign's name */
	const char *dir;	/* submission directory (created) */
	const char *image_dir;	/* the guest image every node reads (absolute) */
	const char *nooks;	/* the nooks binary every node runs (absolute) */
	const char *partition;	/* NULL: the cluster's default */
	const char *time_limit;	/* NULL: the partition's */
	int shards, jobs;	/* array tasks; trials in parallel per task */
	int dry_run;		/* write the files, do not call sbatch */
};

/* What submit.json records (slurm_read_submission()). */
struct slurm_submission {
	char *name, *job_id, *dir;
	int shards;
};

/* Write spec.json, the batch script and (after sbatch) submit.json into
 * s->dir; *job_id: Slurm's id (malloc'd; "" with dry_run).  One-line error
 * and -1 on failure (sbatch's own message included). */
int slurm_submit(const struct slurm_submit *s, char **job_id /* out */);
/* Read dir/submit.json. */
int slurm_read_submission(const char *dir, struct slurm_submission *sub /* out */);
void slurm_submission_release(struct slurm_submission *sub);
/* The database of shard i (1-based) in the submission (malloc'd). */
char *slurm_shard_db(const char *dir, int i, int n);
/*
 * The Slurm state of each array task (states[i] for task i+1: PENDING,
 * RUNNING, COMPLETED, FAILED, ... from squeue, else sacct; "unknown" when
 * neither knows it any more).  states is an array of n malloc'd strings.
 */
int slurm_task_states(const char *job_id, int n, char ***states /* out */);
void slurm_states_free(char **states, int n);

#endif
