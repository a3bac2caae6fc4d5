/*
 * campaign_fixture.h - a campaign on real SQLite files without guests, for
 * the unit tests of shards, merge and exports: campaign_run() with an
 * executor whose results are functions of the descriptor.  Native trials
 * of a seed divisible by 3 crash (two titles), their isolated trials
 * recover (NIM detection page_fault); a seed divisible by 5 fails its
 * first attempt (an infra attempt); extension b's descriptor 2 fails every
 * attempt in nooks mode (stored as infra_error).  Header-only: static, for
 * the test files; needs cmocka.h included first.
 */
#ifndef NOOKS_TEST_CAMPAIGN_FIXTURE_H
#define NOOKS_TEST_CAMPAIGN_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "util.h"

/* Two extensions (a, b), 7 descriptors each, native + nooks: 28 trials. */
static const char fixture_spec_fmt[] =
	"{ \"name\": \"%s\", \"seed\": %d, \"trials\": 7, \"retries\": 1,"
	"  \"fault_types\": [\"nop\", \"ptr\"],"
	"  \"extensions\": [ { \"name\": \"a\", \"module\": \"a\", \"workload\": \"w\" },"
	"                    { \"name\": \"b\", \"module\": \"b\", \"workload\": \"w\" } ] }";

static inline struct store_mutation *fixture_mutation(uint64_t seed)
{
	struct store_mutation *mu = xcalloc(1, sizeof(*mu));

	mu->type = xstrdup("nop");
	mu->section = xstrdup(".text");
	mu->sym_offset = (int64_t)(seed % 4096);
	mu->file_offset = -1;
	mu->old_bytes = xasprintf("%02x", (unsigned)(seed & 0xff));
	mu->new_bytes = xstrdup("90");
	return mu;
}

static inline int fixture_exec(void *ctx, const struct trial_request *rq, struct store_trial *r)
{
	uint64_t seed = rq->fault->seed;
	int crashing = seed % 3 == 0;

	(void)ctx;
	r->console_path = xasprintf("%s/console.log", rq->workdir);
	write_file_atomic(r->console_path, rq->key, strlen(rq->key));
	if ((rq->attempt == 1 && seed % 5 == 0) ||
	    (!strcmp(rq->ext->name, "b") && rq->fault->idx == 2 && rq->mode == MODE_NOOKS)) {
		r->error = xstrdup("qemu failed to start (fixture)");
		return -1;
	}
	if (crashing && rq->mode == MODE_NATIVE) {
		r->outcome = xstrdup("crash");
		r->crashed = 1;
		r->crash_kind = xstrdup("oops");
		r->crash_title = xasprintf("BUG: fixture crash %d", (int)(seed % 2));
	} else {
		r->outcome = xstrdup(crashing ? "recovered" : "no_effect");
		r->nim_detection = crashing ? xstrdup("page_fault") : NULL;
	}
	r->mutations = fixture_mutation(seed);
	r->n_mutations = 1;
	return 0;
}

/* Which campaign, on which kernel, which shard (count 0: all), how many trials (0: all). */
struct fixture_run {
	const char *name, *kver;
	int seed, index, count, max;
};

/* campaign_run()'s value for a's campaign into db. */
static inline int fixture_campaign(const char *db, const struct fixture_run *a)
{
	struct campaign_spec sp;
	struct campaign_totals t;
	char *json = xasprintf(fixture_spec_fmt, a->name, a->seed);
	char *runs = xasprintf("%s.runs", db);
	struct campaign_opts o = {
		.db_path = db, .runs_dir = runs, .jobs = 2, .interval_s = 3600,
		.max_trials = a->max, .exec = fixture_exec, .shard_index = a->index,
		.shard_count = a->count,
		.image = { a->kver, "v", "i", "lock", NULL },
	};
	int r;

	assert_int_equal(spec_parse(json, "fixture.json", &sp), 0);
	r = campaign_run(&sp, &o, &t);
	spec_release(&sp);
	free(runs);
	free(json);
	return r;
}

#endif
