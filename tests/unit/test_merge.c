/*
 * test_merge.c - shards and `nooks merge` (issue 21) on real SQLite files:
 * a campaign run as 3 shards (campaign_run with --shard's options, each
 * into its own database) and merged equals the same campaign run whole,
 * row for row (trials, descriptors, mutations, logs, crash signature
 * counts, infra attempts); merging again adds nothing; a partial shard
 * merged, resumed and merged again loses and duplicates nothing; a shard
 * of another campaign or kernel is refused in one line and nothing is
 * written (not even a new output file); a shard database resumed as
 * another shard is refused.
 *
 * The executor is the test's own (campaign_fixture.h): outcomes, crashes,
 * mutations and infra errors are functions of the descriptor (no guest).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign_fixture.h"
#include "capture.h"
#include "db_fixture.h"
#include "fixture.h"
#include "util.h"

static char *path(const char *name)
{
	return xasprintf("%s/%s", fixture_tmp, name);
}

/* Everything a report reads, one line per row, in key order (ids and the
 * times rows were written left out: they differ between two runs). */
static char *dump(const char *db)
{
	static const char *const q[] = {
		"SELECT key, mode, outcome, attempts, crash_title, fault_types, fault_seed, "
		"fault_idx, extension FROM v_trials ORDER BY key",
		"SELECT e.name, f.idx, m.n, m.section, m.sym_offset, m.old_bytes, m.new_bytes "
		"FROM mutations m JOIN faults f ON f.id = m.fault_id JOIN extensions e "
		"ON e.id = f.extension_id ORDER BY 1, 2, 3",
		"SELECT kind, title, count, first_seen <= last_seen, "
		"(SELECT signature_id FROM trials WHERE id = example_trial_id) = id "
		"FROM crash_signatures ORDER BY 1, 2",
		"SELECT t.key, l.kind, l.raw_size, hex(l.zdata) FROM logs l JOIN trials t "
		"ON t.id = l.trial_id ORDER BY 1, 2",
		"SELECT key, error FROM infra_attempts ORDER BY 1, 2",
		"SELECT e.name, f.idx, f.types, f.count, f.seed FROM faults f JOIN extensions e "
		"ON e.id = f.extension_id ORDER BY 1, 2",
		"SELECT name, spec_hash, planned, finished_at IS NOT NULL, shard_count FROM campaigns",
		"SELECT kernel_version, vmlinux_sha256, kernel_source FROM images",
		"SELECT * FROM v_survival", "SELECT * FROM v_outcomes ORDER BY 2, 3, 4",
	};
	struct mem_out m;
	struct store *st;
	size_t i;
	int c;

	assert_non_null(mem_open(&m));
	assert_int_equal(store_open(db, STORE_RO, &st), 0);
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		sqlite3_stmt *s = store_prepare(st, q[i]);

		assert_non_null(s);
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (c = 0; c < sqlite3_column_count(s); c++)
				fprintf(m.f, "%s|", sqlite3_column_text(s, c) ?
					(const char *)sqlite3_column_text(s, c) : "NULL");
			fputc('\n', m.f);
		}
		sqlite3_finalize(s);
		fputs("--\n", m.f);
	}
	store_close(st);
	return mem_text(&m);
}

struct merge_call {
	const char *out;
	char **shards;
	int n;
	struct store_merge_totals t;
};

static int call_merge(void *arg)
{
	struct merge_call *c = arg;

	return store_merge(c->out, c->shards, c->n, &c->t);
}

/* Merge; returns store_merge()'s value, *err what it printed. */
static int merge(struct merge_call *c, char **err)
{
	return capture_run(call_merge, c, NULL, err);
}

static char *shard_db(int i)
{
	char name[32];

	snprintf(name, sizeof(name), "shard%d.db", i);
	return path(name);
}

static void test_shards_merge_to_the_whole(void **state)
{
	char *whole = path("whole.db"), *out = path("out.db"), *shards[3], *err, *a, *b;
	struct fixture_run w = { "m", NULL, 11, 0, 0, 0 };
	struct merge_call c = { out, shards, 3, { { 0 }, 0, 0, 0, 0, 0 } };
	int i;

	(void)state;
	w.kver = "6.1.0-57-amd64";
	assert_int_equal(fixture_campaign(whole, &w), 0);
	for (i = 0; i < 3; i++) {
		struct fixture_run s = w;

		shards[i] = shard_db(i + 1);
		s.index = i + 1;
		s.count = 3;
		assert_int_equal(fixture_campaign(shards[i], &s), 0);
		/* each shard: its descriptors d with d % 3 == i, every mode of them */
		assert_int_equal(db_int(shards[i], "SELECT COUNT(*) FROM trials"),
				 db_int(shards[i], "SELECT shard_planned FROM campaigns"));
		assert_int_equal(db_int(shards[i], "SELECT COUNT(*) FROM campaigns WHERE finished_at "
					"IS NOT NULL"), 1);
	}
	assert_int_equal(db_int(shards[0], "SELECT shard_planned FROM campaigns") +
			 db_int(shards[1], "SELECT shard_planned FROM campaigns") +
			 db_int(shards[2], "SELECT shard_planned FROM campaigns"), 28);
	assert_int_equal(merge(&c, &err), 0);
	free(err);
	assert_int_equal(c.t.added, 28);
	assert_int_equal(c.t.present, 0);
	assert_int_equal(c.t.stored, 28);
	a = dump(whole);
	b = dump(out);
	assert_string_equal(a, b);
	assert_true(strstr(a, "BUG: fixture crash") != NULL);	/* signatures were exercised */
	assert_true(strstr(a, "fixture)|") != NULL);		/* and infra attempts */
	/* again: nothing added, nothing changed */
	assert_int_equal(merge(&c, &err), 0);
	free(err);
	assert_int_equal(c.t.added, 0);
	assert_int_equal(c.t.present, 28);
	free(b);
	b = dump(out);
	assert_string_equal(a, b);
	free(a);
	free(b);
	for (i = 0; i < 3; i++)
		free(shards[i]);
	free(whole);
	free(out);
}

static void test_partial_shard_resumed(void **state)
{
	char *whole = path("whole.db"), *out = path("partial.db"), *shards[2], *err, *a, *b;
	struct fixture_run s = { "m", "6.1.0-57-amd64", 11, 1, 2, 3 };
	struct merge_call c = { out, shards, 2, { { 0 }, 0, 0, 0, 0, 0 } };

	(void)state;
	shards[0] = path("p1.db");
	shards[1] = path("p2.db");
	assert_int_equal(fixture_campaign(shards[0], &s), 0);	/* 3 trials of shard 1/2 */
	s.index = 2;
	s.max = 0;
	assert_int_equal(fixture_campaign(shards[1], &s), 0);
	assert_int_equal(merge(&c, &err), 0);
	free(err);
	assert_int_equal(c.t.stored, 17);
	assert_int_equal(db_int(out, "SELECT finished_at IS NULL FROM campaigns"), 1);
	s.index = 1;
	assert_int_equal(fixture_campaign(shards[0], &s), 0);	/* the rest of shard 1/2 */
	assert_int_equal(merge(&c, &err), 0);
	free(err);
	assert_int_equal(c.t.added, 11);
	a = dump(whole);
	b = dump(out);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(shards[0]);
	free(shards[1]);
	free(whole);
	free(out);
}

struct run_call {
	const char *db;
	const struct fixture_run *a;
};

static int call_run(void *arg)
{
	struct run_call *r = arg;

	return fixture_campaign(r->db, r->a);
}

static void test_shard_resumed_as_another_refused(void **state)
{
	char *db = path("p2.db"), *err;
	struct fixture_run s = { "m", "6.1.0-57-amd64", 11, 1, 2, 0 };
	struct run_call rc = { db, &s };

	(void)state;
	assert_int_equal(capture_run(call_run, &rc, NULL, &err), -1);
	assert_non_null(strstr(err, "holds shard 2/2 of campaign 'm', not shard 1/2"));
	assert_int_equal(strchr(err, '\n') - err, (long)strlen(err) - 1);	/* one line */
	free(err);
	s.count = 0;
	assert_int_equal(capture_run(call_run, &rc, NULL, &err), -1);
	assert_non_null(strstr(err, "not the whole campaign"));
	free(err);
	free(db);
}

/* A refused merge: one line containing what, -1, out's rows as before, a
 * new out never created. */
static void expect_refused(struct merge_call *c, const char *what)
{
	int existed = file_exists(c->out);
	char *before = existed ? dump(c->out) : NULL, *err, *after;

	assert_int_equal(merge(c, &err), -1);
	assert_non_null(strstr(err, what));
	assert_int_equal(strchr(err, '\n') - err, (long)strlen(err) - 1);	/* one line */
	free(err);
	if (!existed) {
		assert_false(file_exists(c->out));
		return;
	}
	after = dump(c->out);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_other_campaign_or_kernel_refused(void **state)
{
	char *other = path("other.db"), *kern = path("kern.db"), *out = path("out.db");
	char *fresh = path("fresh.db"), *s2 = shard_db(2), *shards[2];
	struct fixture_run o = { "m", "6.1.0-57-amd64", 12, 1, 3, 0 };
	struct merge_call c = { out, shards, 2, { { 0 }, 0, 0, 0, 0, 0 } };

	(void)state;
	assert_int_equal(fixture_campaign(other, &o), 0);		/* same name, other seed: other spec */
	o.seed = 11;
	o.kver = "6.1.0-56-amd64";
	assert_int_equal(fixture_campaign(kern, &o), 0);		/* same spec, other kernel */
	shards[0] = s2;
	shards[1] = other;
	expect_refused(&c, "holds campaign 'm' (spec hash");
	shards[1] = kern;
	expect_refused(&c, "ran on kernel 6.1.0-56-amd64");
	/* the refused shard last: the first one is not written either */
	c.out = fresh;
	expect_refused(&c, "ran on kernel 6.1.0-56-amd64");
	shards[0] = kern;
	c.n = 1;
	c.out = out;
	expect_refused(&c, "ran on kernel 6.1.0-56-amd64, the campaign in");
	shards[0] = out;
	expect_refused(&c, "is also the output database");
	free(s2);
	free(other);
	free(kern);
	free(fresh);
	free(out);
}

FIXTURE_MAIN(fixture_tmp_setup, fixture_tmp_teardown,
	     cmocka_unit_test(test_shards_merge_to_the_whole),
	     cmocka_unit_test(test_partial_shard_resumed),
	     cmocka_unit_test(test_shard_resumed_as_another_refused),
	     cmocka_unit_test(test_other_campaign_or_kernel_refused))
