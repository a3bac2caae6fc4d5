/*
 * campaign.c - the campaign runner loop (life cycle and invariants in
 * campaign.h).
 *
 * Runs its trials on the one worker pool (harness/trial/pool.h) and owns
 * what happens on the main thread: the retry policy for infra errors, the progress
 * display and the storing of the records executors fill (store_trial:
 * one record type from the executor to the store, no copies).  Must
 * never write to the store from a worker thread, store a trial twice, or
 * count an infra_error.  Executors (the real one is campaign_exec.c) are
 * plugged in through campaign_opts.exec.
 */
#define _GNU_SOURCE
#include "campaign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "outcome.h"
#include "pool.h"
#include "util.h"

/* ---- planning into the store ----------------------------------------------- */

static int create_campaign(struct store *st, const struct campaign_spec *sp,
			   const struct plan *p, const struct plan_sites *ps, int64_t image,
			   const struct store_shard *sh, int64_t *cid)
{
	int64_t ext_ids[SPEC_MAX_EXT], fid;
	int i, t;

	if (store_begin(st))
		return -1;
	if (store_campaign_insert(st, sp->name, sp->canonical, sp->hash, (int64_t)sp->seed,
				  image, p->n_trials, cid))
		goto err;
	for (i = 0; i < sp->n_ext; i++) {
		if (store_extension_insert(st, *cid, sp->ext[i].name, sp->ext[i].module,
					   sp->ext[i].device, sp->ext[i].workload,
					   sp->ext[i].disk && strcmp(sp->ext[i].disk, "none")
					   ? sp->ext[i].disk : NULL, &ext_ids[i]))
			goto err;
		for (t = 0; ps && t < sp->n_types; t++)
			if (ps->n[i][t] >= 0 &&
			    store_extension_sites_insert(st, ext_ids[i], sp->types[t].name,
							 ps->n[i][t]))
				goto err;
	}
	for (i = 0; i < p->n_faults; i++) {
		const struct fault_desc *f = &p->faults[i];

		if (store_fault_insert(st, *cid, ext_ids[f->ext], f->idx, f->types, f->count,
				       f->seed, &fid))
			goto err;
	}
	if (sh->count && store_campaign_shard_set(st, *cid, sh))
		goto err;
	return store_commit(st);
err:
	store_rollback(st);
	return -1;
}

/* The image row of the running image (*id -1 when its kernel is unknown). */
static int record_image(struct store *st, const struct store_image *img, int64_t *id)
{
	*id = -1;
	if (!img->kernel_version)
		return 0;
	if (store_begin(st))
		return -1;
	if (store_image_add(st, img, id)) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

/*
 * A stored campaign whose trials (or, before any trial, whose image) ran on
 * another kernel than the running image's: refused in one line naming both,
 * unless allowed (then a warning: each trial records its own kernel).
 */
static int check_kernel(struct store *st, const struct campaign_spec *sp, int64_t cid,
			const struct campaign_opts *o)
{
	const char *kv = o->image.kernel_version;
	sqlite3_stmt *s;
	char *other = NULL;
	int r = 0;

	if (!kv)
		return 0;
	s = store_prepare(st, "SELECT kernel_version FROM v_kernels WHERE campaign_id = ?1 AND "
			  "kernel_version <> ?2 UNION SELECT i.kernel_version FROM campaigns c "
			  "JOIN images i ON i.id = c.image_id WHERE c.id = ?1 AND "
			  "i.kernel_version <> ?2 LIMIT 1");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, cid);
	sqlite3_bind_text(s, 2, kv, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		other = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (other && !o->allow_kernel_change)
		r = error("campaign '%s' #%lld ran on kernel %s, the image runs kernel %s: resuming "
			  "would mix kernels in one campaign (--allow-kernel-change records each "
			  "trial's kernel)", sp->name, (long long)cid, other, kv);
	else if (other)
		warning("campaign '%s' #%lld ran on kernel %s; its remaining trials run on kernel %s "
			"(--allow-kernel-change: each trial records its kernel)", sp->name,
			(long long)cid, other, kv);
	free(other);
	return r;
}

static void shard_text(const struct store_shard *sh, char *buf, size_t len)
{
	if (sh->count)
		snprintf(buf, len, "shard %d/%d", sh->index, sh->count);
	else
		snprintf(buf, len, "the whole campaign");
}

/* A resumed campaign must be the same part of the plan it was created as. */
static int check_shard(struct store *st, const struct campaign_spec *sp, int64_t cid,
		       const struct store_shard *want)
{
	struct store_shard have;
	char a[64], b[64];

	if (store_campaign_shard_get(st, cid, &have))
		return -1;
	if (have.index == want->index && have.count == want->count)
		return 0;
	shard_text(&have, a, sizeof(a));
	shard_text(want, b, sizeof(b));
	return error("database '%s' holds %s of campaign '%s', not %s", store_path(st), a,
		     sp->name, b);
}

/*
 * The site counts campaign cid was planned with, into *ps (unknown: -1).
 * 0, or 1 when none is stored (planned before migration 6), -1 on error.
 */
static int stored_sites(struct store *st, const struct campaign_spec *sp, int64_t cid,
			struct plan_sites *ps)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT extension, fault_type, sites FROM v_sites "
					    "WHERE campaign_id = ?1");
	int e, t, rows = 0;

	if (!s)
		return -1;
	memset(ps, 0xff, sizeof(*ps));	/* every count -1 */
	sqlite3_bind_int64(s, 1, cid);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *en = (const char *)sqlite3_column_text(s, 0);
		const char *tn = (const char *)sqlite3_column_text(s, 1);

		rows++;
		for (e = 0; e < sp->n_ext && strcmp(sp->ext[e].name, en); e++)
			;
		for (t = 0; t < sp->n_types && strcmp(sp->types[t].name, tn); t++)
			;
		if (e < sp->n_ext && t < sp->n_types)
			ps->n[e][t] = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	return rows ? 0 : 1;
}

/* Warn when a type appeared or vanished in a module since the campaign was planned. */
static void warn_sites_changed(const struct campaign_spec *sp, const struct plan_sites *then,
			       const struct plan_sites *now)
{
	int e, t;

	for (e = 0; now && e < sp->n_ext; e++)
		for (t = 0; t < sp->n_types; t++)
			if (then->n[e][t] >= 0 && now->n[e][t] >= 0 &&
			    !then->n[e][t] != !now->n[e][t])
				warning("extension '%s': fault type %s had %lld candidate sites when the "
					"campaign was planned, %lld now; the stored plan is kept",
					sp->ext[e].name, sp->types[t].name, (long long)then->n[e][t],
					(long long)now->n[e][t]);
}

/* ---- the trials, on the pool (harness/trial/pool.h) ----------------------------- */

/* One result of a trial: an infra attempt, or its final record. */
struct msg {
	int trial;		/* index into plan.trials */
	int final;		/* 1: finished (store it); 0: infra attempt */
	int attempts;
	struct store_trial res;	/* the trial's record, filled by the executor */
	uint64_t phase_ms[CAMPAIGN_N_PHASES];	/* this attempt's */
};

/* The runner's state; only the main thread touches the store. */
struct runner {
	const struct campaign_spec *spec;
	const struct campaign_opts *o;
	const struct plan *plan;
	int64_t cid;
	int64_t image_id;	/* the running image's row, -1 unknown */
	int *todo, n_todo;	/* planned trials not stored yet */
	struct pool *pool;
};

static char *trial_dir(const struct runner *rn, const char *key)
{
	char *d = xasprintf("%s/%lld/%s", rn->o->runs_dir, (long long)rn->cid, key), *c;

	for (c = d + strlen(rn->o->runs_dir) + 1; *c; c++)
		if (*c == '/')
			*c = '_';
	return d;
}

/* pool_work_fn: one trial and its infra retries; each attempt's msg to the main thread. */
static void *run_one(struct pool *p, void *ctx, void *job)
{
	struct runner *rn = ctx;
	int ti = *(int *)job;
	const struct planned_trial *pt = &rn->plan->trials[ti];
	const struct fault_desc *fd = &rn->plan->faults[pt->fault];
	int attempt;

	for (attempt = 1;; attempt++) {
		struct msg *m = xcalloc(1, sizeof(*m));
		struct trial_request rq = {
			.spec = rn->spec, .ext = &rn->spec->ext[fd->ext], .fault = fd,
			.mode = pt->mode, .key = pt->key, .attempt = attempt,
		};
		char *dir = trial_dir(rn, pt->key);
		int r, stopping;

		remove_tree(dir);
		m->trial = ti;
		m->attempts = attempt;
		store_trial_init(&m->res);
		if (mkdir_p(dir, 0755)) {
			r = -1;
			m->res.error = xasprintf("cannot create '%s'", dir);
		} else {
			rq.workdir = dir;
			rq.phase_ms = m->phase_ms;
			r = rn->o->exec(rn->o->exec_ctx, &rq, &m->res);
		}
		free(dir);
		stopping = pool_stopped(p);
		if (!r && outcome_parse(m->res.outcome) >= 0 &&
		    outcome_parse(m->res.outcome) != OUTCOME_INFRA_ERROR)
			return m;
		if (!m->res.error)
			m->res.error = xstrdup(m->res.outcome ? m->res.outcome : "executor failed");
		free((char *)m->res.outcome);
		m->res.outcome = xstrdup(outcome_name(OUTCOME_INFRA_ERROR));
		if (stopping || attempt > rn->spec->retries)	/* stopping: no retry */
			return m;
		pool_emit(p, m);	/* m belongs to the main thread from here */
	}
}

static void drop_msg(void *arg)
{
	struct msg *m = arg;

	store_trial_free(&m->res);
	free(m);
}

/* ---- progress ------------------------------------------------------------------ */

const char *campaign_phase_name(enum campaign_phase p)
{
	if (p == CAMPAIGN_PHASE_INJECT)
		return "inject";
	if (p >= CAMPAIGN_PHASE_TRIAL && p < CAMPAIGN_PHASE_CHECK)
		return trial_phase_name(p - CAMPAIGN_PHASE_TRIAL);
	if (p == CAMPAIGN_PHASE_CHECK)
		return "check";
	return p == CAMPAIGN_PHASE_STORE ? "store" : "?";
}

/*
 * "N trials in S s (R trials/hour at J jobs); mean per trial: inject X s, ..."
 * for the trials run now, or nothing when none ran.
 */
static void show_throughput(const struct runner *rn, const struct campaign_totals *t)
{
	double n = t->stored_now;
	int i;

	if (t->stored_now <= 0 || !t->run_ms)
		return;
	fprintf(stderr, "nooks: campaign '%s': %d trial%s in %.1f s (%.0f trials/hour at %d "
		"job%s); mean per trial:", rn->spec->name, t->stored_now,
		t->stored_now == 1 ? "" : "s", (double)t->run_ms / 1000.0,
		n * 3600000.0 / (double)t->run_ms, t->jobs, t->jobs == 1 ? "" : "s");
	for (i = 0; i < CAMPAIGN_N_PHASES; i++)
		fprintf(stderr, "%s %s %.2f s", i ? "," : "", campaign_phase_name(i),
			(double)t->phase_ms[i] / n / 1000.0);
	fputc('\n', stderr);
}

static void show_progress(const struct runner *rn, const struct campaign_totals *t,
			  uint64_t start_ms, int final)
{
	int done = t->stored_before + t->stored_now, i, width = 30, fill;
	uint64_t el = now_ms() - start_ms;
	char eta[32] = "?", tallies[256];
	size_t len = 0;

	if (t->stored_now > 0 && done < t->planned) {
		uint64_t s = el * (uint64_t)(t->planned - done) / (uint64_t)t->stored_now / 1000;

		snprintf(eta, sizeof(eta), "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	} else if (done >= t->planned) {
		snprintf(eta, sizeof(eta), "0s");
	}
	tallies[0] = '\0';
	for (i = 0; i < OUTCOME__COUNT; i++)
		if (t->by_outcome[i])
			len += (size_t)snprintf(tallies + len, sizeof(tallies) - len, " %s=%d",
						outcome_name(i), t->by_outcome[i]);
	if (rn->o->progress) {
		fill = t->planned ? width * done / t->planned : width;
		fprintf(stderr, "\r\033[K[");
		for (i = 0; i < width; i++)
			fputc(i < fill ? '#' : '.', stderr);
		fprintf(stderr, "] %d/%d ETA %s%s%s", done, t->planned, eta, tallies,
			final ? "\n" : "");
	} else {
		fprintf(stderr, "campaign %s: %d/%d trials stored (%d%%), ETA %s;%s\n",
			rn->spec->name, done, t->planned,
			t->planned ? 100 * done / t->planned : 100, eta,
			*tallies ? tallies : " -");
	}
	fflush(stderr);
}

/* ---- storing -------------------------------------------------------------------- */

static int store_msg(struct store *st, struct runner *rn, struct msg *m,
		     struct campaign_totals *t)
{
	const struct planned_trial *pt = &rn->plan->trials[m->trial];
	const struct fault_desc *fd = &rn->plan->faults[pt->fault];
	struct store_trial *row = &m->res;
	uint64_t t0 = now_ms();
	int r, i;

	for (i = 0; i < CAMPAIGN_N_PHASES; i++)	/* infra attempts cost time too */
		t->phase_ms[i] += m->phase_ms[i];
	if (!m->final) {
		t->infra_retries++;
		return store_infra_attempt(st, rn->cid, pt->key, m->res.error);
	}
	if (store_fault_id(st, rn->cid, rn->spec->ext[fd->ext].name, fd->idx, &row->fault_id))
		return -1;
	row->campaign_id = rn->cid;
	row->key = pt->key;
	row->mode = spec_mode_name(pt->mode);
	row->attempts = m->attempts;
	row->image_id = rn->image_id;
	r = store_trial_put(st, row, NULL);
	if (r < 0)
		return -1;
	if (r == 0) {
		t->stored_now++;
		t->by_outcome[outcome_parse(row->outcome)]++;
		if (!rn->o->keep_runs) {
			char *dir = trial_dir(rn, pt->key);

			remove_tree(dir);
			free(dir);
		}
	}
	t->phase_ms[CAMPAIGN_PHASE_STORE] += now_ms() - t0;
	return 0;
}

static void collect_key(void *ctx, const char *key)
{
	struct { const char **keys; int n; } *c = ctx;

	c->keys[c->n++] = xstrdup(key);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fill rn->todo with the planned trials whose keys are not stored yet. */
static int plan_todo(struct store *st, struct runner *rn, struct campaign_totals *t)
{
	int n = store_trial_count(st, rn->cid), i;
	struct { const char **keys; int n; } c;

	if (n < 0)
		return -1;
	c.keys = xcalloc((size_t)n + 1, sizeof(char *));
	c.n = 0;
	if (store_trial_keys(st, rn->cid, collect_key, &c)) {
		free(c.keys);
		return -1;
	}
	qsort(c.keys, (size_t)c.n, sizeof(char *), cmp_str);
	rn->todo = xcalloc((size_t)rn->plan->n_trials + 1, sizeof(int));
	for (i = 0; i < rn->plan->n_trials; i++) {
		const char *k = rn->plan->trials[i].key;

		if (!plan_in_shard(rn->plan, i, rn->o->shard_index, rn->o->shard_count))
			continue;
		if (!bsearch(&k, c.keys, (size_t)c.n, sizeof(char *), cmp_str))
			rn->todo[rn->n_todo++] = i;
	}
	t->stored_before = c.n;
	for (i = 0; i < c.n; i++)
		free((char *)c.keys[i]);
	free(c.keys);
	return 0;
}

static int count_stored_outcomes(struct store *st, int64_t cid, struct campaign_totals *t)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT outcome, COUNT(*) FROM trials "
					    "WHERE campaign_id = ?1 GROUP BY outcome");
	int i;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, cid);
	while (sqlite3_step(s) == SQLITE_ROW)
		if ((i = outcome_parse((const char *)sqlite3_column_text(s, 0))) >= 0)
			t->by_outcome[i] += sqlite3_column_int(s, 1);
	sqlite3_finalize(s);
	return 0;
}

/*
 * The store failed (full disk, I/O error): nothing more can be stored, so
 * hand out no more trials and end the running ones now through o->cancel
 * rather than wait minutes for results that would be dropped.
 */
static void stop_on_store_error(struct runner *rn)
{
	/* in flight, the one that failed to store excluded */
	int running = pool_stop(rn->pool);

	if (rn->o->progress)
		fputc('\n', stderr);	/* off the progress bar's line */
	if (running > 0)
		fprintf(stderr, "nooks: campaign '%s': stopping on the store error above; %s "
			"%d running trial%s (their results cannot be stored)\n", rn->spec->name,
			rn->o->cancel ? "ending" : "waiting for", running,
			running == 1 ? "" : "s");
	else
		fprintf(stderr, "nooks: campaign '%s': stopping on the store error above\n",
			rn->spec->name);
	if (rn->o->cancel)
		rn->o->cancel(rn->o->exec_ctx);
}

/* Store each result as it comes, show progress; stop handing out on a store error. */
static int drain(struct store *st, struct runner *rn, struct campaign_totals *t,
		 uint64_t start_ms)
{
	uint64_t last = now_ms();
	struct msg *m;
	int err = 0, k, final;

	while ((k = pool_next(rn->pool, 1000, (void **)&m, &final)) >= 0) {
		if (k > 0) {
			m->final = final;
			if (!err && store_msg(st, rn, m, t)) {
				err = -1;
				stop_on_store_error(rn);
			}
			drop_msg(m);
		}
		if (!err && (rn->o->progress || now_ms() - last >= rn->o->interval_s * 1000ULL)) {
			show_progress(rn, t, start_ms, 0);
			last = now_ms();
		}
	}
	return err;
}

int campaign_run(const struct campaign_spec *sp, const struct campaign_opts *o,
		 struct campaign_totals *t)
{
	struct store *st = NULL;
	struct plan plan;
	struct plan_sites then;
	const struct plan_sites *ps = o->sites;
	struct runner rn = { .spec = sp, .o = o, .plan = &plan };
	struct store_shard shard = { o->shard_index, o->shard_count, 0 };
	uint64_t start = now_ms(), run_start;
	char what[64];
	int i, n, r, ret = -1;

	memset(t, 0, sizeof(*t));
	memset(&plan, 0, sizeof(plan));
	if (plan_check(sp, o->sites))	/* before the database is touched */
		return -1;
	if (store_open(o->db_path, STORE_RW, &st))
		goto out;
	r = store_campaign_find(st, sp->name, sp->hash, &rn.cid);
	if (r < 0 || (r == 0 && (check_kernel(st, sp, rn.cid, o) ||
				 check_shard(st, sp, rn.cid, &shard))))
		goto out;
	if (r == 0) {	/* resumed: the plan it was created with */
		int k = stored_sites(st, sp, rn.cid, &then);

		if (k < 0)
			goto out;
		if (k == 0)
			warn_sites_changed(sp, &then, o->sites);
		ps = k == 0 ? &then : NULL;
	}
	plan_build(sp, ps, &plan);
	shard.planned = plan_shard_size(&plan, shard.index, shard.count);
	if (record_image(st, &o->image, &rn.image_id) ||
	    (r == 1 && create_campaign(st, sp, &plan, ps, rn.image_id, &shard, &rn.cid)))
		goto out;
	t->campaign_id = rn.cid;
	t->planned = shard.planned;
	if (plan_todo(st, &rn, t) || count_stored_outcomes(st, rn.cid, t))
		goto out;
	what[0] = '\0';
	if (shard.count)
		snprintf(what, sizeof(what), " (shard %d/%d)", shard.index, shard.count);
	fprintf(stderr, "nooks: campaign '%s' #%lld%s: %d planned, %d already stored, %d to run "
		"on %d job%s\n", sp->name, (long long)rn.cid, what, t->planned, t->stored_before,
		rn.n_todo, o->jobs, o->jobs == 1 ? "" : "s");
	rn.pool = pool_start(o->jobs, run_one, &rn);
	if (!rn.pool)
		goto out;
	t->jobs = o->jobs;
	run_start = now_ms();
	n = o->max_trials > 0 && o->max_trials < rn.n_todo ? o->max_trials : rn.n_todo;
	for (i = 0; i < n; i++)
		pool_post(rn.pool, &rn.todo[i]);
	r = drain(st, &rn, t, start);
	t->run_ms = now_ms() - run_start;
	pool_end(rn.pool, drop_msg);
	if (r) {
		fprintf(stderr, "nooks: campaign '%s' stopped: %d of %d trials stored; "
			"run it again to resume once the store is writable\n",
			sp->name, t->stored_before + t->stored_now, t->planned);
		goto out;
	}
	show_progress(&rn, t, start, 1);
	show_throughput(&rn, t);
	if (t->stored_before + t->stored_now == t->planned && store_campaign_finish(st, rn.cid))
		goto out;
	ret = 0;
out:
	free(rn.todo);
	plan_release(&plan);
	store_close(st);
	return ret;
}
