/*
 * test_store.c - the SQLite store: creation, migration from an older
 * schema with data in it, refusal of a newer schema / read-only file /
 * full database with the file unchanged, trial atomicity and dedup, logs,
 * crash signatures and the report views.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "db_fixture.h"
#include "fixture.h"
#include "util.h"


static char *path_of(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", fixture_tmp, name);
	unlink(p);
	return p;
}

/* A campaign with one extension and two faults; returns the fault ids. */
static int64_t make_campaign(struct store *st, int64_t *f0, int64_t *f1)
{
	int64_t img, c, e;

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_image_id(st, "6.1.0-56-amd64", "aa", "bb", &img), 0);
	assert_int_equal(store_campaign_insert(st, "t", "{}", "h1", 1, img, 4, &c), 0);
	assert_int_equal(store_extension_insert(st, c, "e1000", "e1000", "e1000", "net", NULL, &e), 0);
	assert_int_equal(store_fault_insert(st, c, e, 0, "nop", 5, 11, f0), 0);
	assert_int_equal(store_fault_insert(st, c, e, 1, "ptr", 5, 12, f1), 0);
	assert_int_equal(store_commit(st), 0);
	return c;
}

static struct store_trial trial(int64_t c, int64_t f, const char *key, const char *mode,
				const char *outcome)
{
	struct store_trial t = {
		.campaign_id = c, .fault_id = f, .key = key, .mode = mode,
		.outcome = outcome, .recovery_ms = -1, .workload_pass = -1,
		.boot_ms = -1, .workload_ms = -1, .wall_ms = 1234,
	};
	return t;
}

static void test_create_and_put(void **state)
{
	struct store *st;
	int64_t c, f0, f1, id;
	struct store_mutation m = { "nop", ".text", "e1000_probe", 16, 0x1234, "e8 00 00 00 00",
				    "0f 1f 44 00 00", "call foo", "nop5" };
	struct store_trial t;
	char *log, *buf;
	size_t len;

	(void)state;
	assert_int_equal(store_open(path_of("a.db"), STORE_RW, &st), 0);
	assert_int_equal(one_int(st, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(one_int(st, "PRAGMA foreign_keys"), 1);
	c = make_campaign(st, &f0, &f1);
	log = path_of("console.log");
	assert_int_equal(write_file_atomic(log, "BUG: <script>x</script>\n", 24), 0);

	t = trial(c, f0, "e1000/0000/native", "native", "crash");
	t.crashed = 1;
	t.crash_kind = "oops";
	t.crash_title = "BUG: unable to handle page fault in e1000_probe";
	t.console_path = log;
	t.mutations = &m;
	t.n_mutations = 1;
	t.describe_json = "[{\"type\":\"nop\"}]";
	assert_int_equal(store_trial_put(st, &t, &id), 0);
	/* same key again: refused, nothing written */
	assert_int_equal(store_trial_put(st, &t, NULL), 1);
	assert_int_equal(store_trial_count(st, c), 1);

	t = trial(c, f0, "e1000/0000/nooks", "nooks", "recovered");
	t.mutations = &m;
	t.n_mutations = 1;
	t.recovery_ms = 12.5;
	t.detection = "page_fault";
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM mutations"), 1);	/* once per fault */

	t = trial(c, f1, "e1000/0001/native", "native", "crash");
	t.crashed = 1;
	t.crash_kind = "oops";
	t.crash_title = "BUG: unable to handle page fault in e1000_probe";
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	assert_int_equal(one_int(st, "SELECT count FROM crash_signatures"), 2);
	assert_int_equal(one_int(st, "SELECT example_trial_id FROM crash_signatures"), id);

	/* views */
	assert_int_equal(one_int(st, "SELECT crashing FROM v_survival"), 1);
	assert_int_equal(one_int(st, "SELECT survived FROM v_survival"), 1);
	assert_int_equal(one_int(st, "SELECT n FROM v_outcomes WHERE mode='native' AND outcome='crash'"), 2);
	assert_int_equal(one_int(st, "SELECT n FROM v_signatures"), 2);
	assert_int_equal(one_int(st, "SELECT stored FROM v_progress"), 3);

	/* logs round-trip, compressed */
	assert_int_equal(store_log_get(st, id, "console", &buf, &len), 0);
	assert_int_equal(len, 24);
	assert_string_equal(buf, "BUG: <script>x</script>\n");
	free(buf);
	assert_int_equal(store_log_get(st, id, "agent", &buf, &len), 1);
	/* a damaged or hostile raw_size is a one-line error, never an overflow
	 * (found by fuzz_store: -1 decompressed the log into 1 byte) */
	{
		static const char *const bad[] = { "-1", "25", "23", "100000000", "9223372036854775807" };
		size_t i;
		char *sql;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			sql = xasprintf("UPDATE logs SET raw_size = %s WHERE trial_id = %lld AND "
					"kind = 'console'", bad[i], (long long)id);
			assert_int_equal(store_exec(st, sql), 0);
			free(sql);
			assert_int_equal(store_log_get(st, id, "console", &buf, &len), -1);
			assert_null(buf);
			assert_int_equal(len, 0);
		}
		assert_int_equal(store_exec(st, "UPDATE logs SET raw_size = 24"), 0);
		assert_int_equal(store_log_get(st, id, "console", &buf, &len), 0);
		free(buf);
	}
	assert_int_equal(store_campaign_resolve(st, "t", &id), 0);
	assert_int_equal(id, c);
	assert_int_equal(store_campaign_resolve(st, "nope", &id), -1);
	assert_int_equal(store_campaign_resolve(st, "99", &id), -1);
	store_close(st);
}

/* What a binary of schema version 1 or 2 wrote: raw SQL of that schema. */
static const char old_rows[] =
	"INSERT INTO images VALUES (1, '6.1.0-56-amd64', 'aa', 'bb', '2026-01-01T00:00:00Z');"
	"INSERT INTO campaigns (id, name, spec_json, spec_hash, seed, image_id, planned) "
	"  VALUES (1, 'old', '{}', 'h0', 1, 1, 2);"
	"INSERT INTO extensions (id, campaign_id, name, module, device, workload) "
	"  VALUES (1, 1, 'vfat', 'vfat', NULL, 'vfat');"
	"INSERT INTO faults (id, campaign_id, extension_id, idx, types, count, seed) "
	"  VALUES (1, 1, 1, 0, 'nop', 5, 11);"
	"INSERT INTO trials (campaign_id, fault_id, key, mode, outcome) "
	"  VALUES (1, 1, 'vfat/0000/native', 'native', 'hang');";

/*
 * A database of schema version `from` holding old_rows and rows (NULL:
 * none), checked by before (NULL: not) while still at that version, then
 * reopened (migrated) read-write; its path in *path (malloc'd).
 */
static struct store *migrated(const char *name, int from, const char *rows,
			      void (*before)(struct store *st), char **path)
{
	struct store *st;

	*path = xstrdup(path_of(name));
	assert_int_equal(store_open_at(*path, from, &st), 0);
	assert_int_equal(one_int(st, "PRAGMA user_version"), from);
	assert_int_equal(store_exec(st, old_rows), 0);
	if (rows)
		assert_int_equal(store_exec(st, rows), 0);
	if (before)
		before(st);
	store_close(st);
	assert_int_equal(store_open(*path, STORE_RW, &st), 0);
	return st;
}

static void test_migration_upgrades(void **state)
{
	struct store *st;
	char *p;

	(void)state;
	p = xstrdup(path_of("u.db"));
	assert_int_equal(store_open_at(p, 1, &st), 0);
	assert_int_equal(store_exec(st, old_rows), 0);
	store_close(st);
	/* read-only open of an old schema is refused */
	assert_int_equal(store_open(p, STORE_RO, &st), -1);
	assert_int_equal(store_open(p, STORE_RW, &st), 0);
	assert_int_equal(one_int(st, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(one_int(st, "SELECT n FROM v_outcomes WHERE outcome='hang'"), 1);
	store_close(st);
	free(p);
}

/* Schema 2 has no verdict columns. */
static void no_verdict_columns(struct store *st)
{
	sqlite3_stmt *q = NULL;

	assert_int_not_equal(sqlite3_prepare_v2(store_db(st), "SELECT fs_corrupt FROM trials",
						-1, &q, NULL), SQLITE_OK);
	sqlite3_finalize(q);
}

/*
 * Migration 3 (the VFAT verdict): a version-2 database with a trial in it
 * gains the fsck columns (NULL for the old trial: no disk was checked) and
 * the v_fs_corrupt view; new trials store their verdict, and the view
 * counts only checked trials.
 */
static void test_migration_3_fsck_verdict(void **state)
{
	struct store *st;
	struct store_trial t;
	int64_t c, f0, f1;
	char *p;

	(void)state;
	st = migrated("m3.db", 2, NULL, no_verdict_columns, &p);
	assert_true(store_schema_version() >= 3);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials WHERE fs_corrupt IS NULL "
				     "AND fs_dirty IS NULL AND fsck_summary IS NULL"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM v_fs_corrupt"), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM extensions WHERE disk IS NULL"), 1);
	c = make_campaign(st, &f0, &f1);
	t = trial(c, f0, "e1000/0000/native", "native", "crash");
	t.fs_checked = 1;
	t.fs_corrupt = 1;
	t.fs_dirty = 1;
	t.fsck_exit = 1;
	t.fsck_summary = "FATs differ but appear to be intact.";
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	t = trial(c, f1, "e1000/0001/native", "native", "no_effect");
	t.fs_checked = 1;
	t.fsck_exit = 0;
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	t = trial(c, f0, "e1000/0000/nooks", "nooks", "no_effect");	/* no disk */
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	assert_int_equal(one_int(st, "SELECT checked FROM v_fs_corrupt WHERE mode = 'native'"), 2);
	assert_int_equal(one_int(st, "SELECT corrupt FROM v_fs_corrupt WHERE mode = 'native'"), 1);
	assert_int_equal(one_int(st, "SELECT dirty FROM v_fs_corrupt WHERE mode = 'native'"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM v_fs_corrupt WHERE mode = 'nooks'"), 0);
	assert_int_equal(one_int(st, "SELECT corrupt FROM v_fs_corrupt_by_outcome "
				     "WHERE outcome = 'crash'"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM v_trials WHERE fsck_summary LIKE "
				     "'FATs differ%'"), 1);
	store_close(st);
	free(p);
}

/*
 * Migration 4 (fault activation, call profiles): a version-3 database keeps
 * its trials (fault_armed/fault_fired NULL: unknown, not 0) and verdicts;
 * new trials store armed/fired counts and share one profile row per key;
 * v_activation counts only trials whose activation is known.
 */
static void test_migration_4_activation(void **state)
{
	static const char v3_rows[] =
		"UPDATE trials SET fs_corrupt = 1, fsck_summary = 'bad' WHERE key = 'vfat/0000/native';";
	struct store *st;
	struct store_trial t;
	int64_t c, f0, f1;
	char *p;

	(void)state;
	st = migrated("m4.db", 3, v3_rows, NULL, &p);
	assert_true(store_schema_version() >= 4);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials WHERE key = 'vfat/0000/native' "
				     "AND outcome = 'hang' AND fs_corrupt = 1 AND fsck_summary = 'bad' "
				     "AND fault_armed IS NULL AND fault_fired IS NULL AND profile_id IS NULL"), 1);
	assert_int_equal(one_int(st, "SELECT known FROM v_activation"), 0);
	c = make_campaign(st, &f0, &f1);
	t = trial(c, f0, "e1000/0000/native", "native", "crash");
	t.activation_known = 1;
	t.fault_armed = 1;
	t.fault_fired = 1;
	t.profile_key = "k1";
	t.profile_json = "{\"key\": \"k1\", \"calls\": {\"kfree\": 4}}";
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	t = trial(c, f0, "e1000/0000/nooks", "nooks", "no_effect");	/* armed, never fired */
	t.activation_known = 1;
	t.fault_armed = 1;
	t.fault_fired = 0;
	t.profile_key = "k1";
	t.profile_json = "{\"key\": \"k1\", \"calls\": {\"kfree\": 4}}";
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	t = trial(c, f1, "e1000/0001/native", "native", "no_effect");	/* code fault */
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM profiles"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(DISTINCT profile_id) FROM trials "
				     "WHERE profile_id IS NOT NULL"), 1);
	assert_int_equal(one_int(st, "SELECT fault_fired FROM trials WHERE key = 'e1000/0000/nooks'"), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials WHERE key = 'e1000/0001/native' "
				     "AND fault_fired IS NULL AND fault_armed IS NULL"), 1);
	assert_int_equal(one_int(st, "SELECT fired FROM v_activation WHERE campaign_id = 2 AND "
				     "mode = 'native' AND fault_types = 'nop'"), 1);
	assert_int_equal(one_int(st, "SELECT known FROM v_activation WHERE campaign_id = 2 AND "
				     "mode = 'nooks'"), 1);
	assert_int_equal(one_int(st, "SELECT trials_fired FROM v_activation WHERE campaign_id = 2 "
				     "AND mode = 'nooks'"), 0);
	assert_int_equal(one_int(st, "SELECT known FROM v_activation WHERE campaign_id = 2 AND "
				     "fault_types = 'ptr'"), 0);
	store_close(st);
	free(p);
}

/* Schema 4's CHECK refuses the mode 'domains'. */
static void no_domains_mode(struct store *st)
{
	assert_int_equal(store_exec(st, "INSERT INTO trials (campaign_id, fault_id, key, mode, "
				   "outcome) VALUES (1, 1, 'x', 'domains', 'crash')"), -1);
}

/*
 * Migration 5 rebuilds trials (mode 'domains' in the CHECK): a version-4
 * database keeps every trial, its logs (the rebuild must not cascade),
 * mutations and profile; a stored first fault line gives nim_detection its
 * kind; 'domains' trials and the new columns store; an unknown mode is
 * still refused; the foreign keys are on again afterwards.
 */
static void test_migration_5_domains(void **state)
{
	static const char v4_rows[] =
		"INSERT INTO trials (campaign_id, fault_id, key, mode, outcome, detection) "
		"  VALUES (1, 1, 'vfat/0000/nooks', 'nooks', 'recovered_degraded', "
		"  'nooks: fault domain=vfat kind=wrapper_check ip=x ctx=process state=failed');"
		"INSERT INTO logs (trial_id, kind, raw_size, zdata) VALUES (1, 'console', 0, x'');"
		"INSERT INTO logs (trial_id, kind, raw_size, zdata) VALUES (2, 'console', 0, x'');"
		"INSERT INTO mutations (fault_id, n, type, symbol, sym_offset) "
		"  VALUES (1, 0, 'nop', 'vfat_lookup', 16);"
		"INSERT INTO profiles (key, profile_json) VALUES ('k', '{}');"
		"UPDATE trials SET profile_id = 1, fault_armed = 2, fault_fired = 1 WHERE id = 1;";
	struct store *st;
	struct store_trial t;
	int64_t c, f0, f1;
	char *p;

	(void)state;
	st = migrated("m5.db", 4, v4_rows, no_domains_mode, &p);
	assert_true(store_schema_version() >= 5);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials"), 2);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM logs"), 2);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM mutations"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials WHERE id = 1 AND profile_id = 1 "
				     "AND fault_armed = 2 AND fault_fired = 1 AND outcome = 'hang' "
				     "AND nim_detection IS NULL"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials WHERE id = 2 AND "
				     "nim_detection = 'wrapper_check' AND nim_target IS NULL"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM sqlite_schema WHERE name = "
				     "'trials_fault'"), 1);
	assert_int_equal(one_int(st, "PRAGMA foreign_keys"), 1);
	assert_int_equal(one_int(st, "SELECT n FROM v_detection WHERE mode = 'nooks' AND "
				     "nim_detection = 'wrapper_check'"), 1);
	c = make_campaign(st, &f0, &f1);
	t = trial(c, f0, "e1000/0000/domains", "domains", "recovered_degraded");
	t.nim_detection = "write_protect";
	t.nim_target = "jiffies+0x0/0x8";
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	t = trial(c, f0, "e1000/0000/pd", "pd", "crash");
	assert_int_equal(store_trial_put(st, &t, NULL), -1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials WHERE mode = 'domains' AND "
				     "nim_detection = 'write_protect' AND nim_target = "
				     "'jiffies+0x0/0x8'"), 1);
	/* cascades work again: deleting the campaign takes its trials and logs */
	assert_int_equal(store_exec(st, "DELETE FROM campaigns WHERE id = 1"), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM logs"), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM trials"), 1);
	store_close(st);
	free(p);
}

/*
 * Migration 6 (the kernel of every trial, candidate sites): a version-5
 * database keeps its images (ids, campaigns' references; kernel_source and
 * kernel_locked NULL), every old trial gets its campaign's image, logs
 * survive the images rebuild; new images differ by how their kernel was
 * selected; trials record their own image and v_kernels lists both
 * kernels of a mixed campaign; extension_sites stores per-type counts.
 */
static void test_migration_6_kernels_and_sites(void **state)
{
	static const char v5_rows[] =
		"INSERT INTO images VALUES (2, '6.1.0-47-amd64', 'cc', 'dd', '2026-01-02T00:00:00Z');"
		"INSERT INTO campaigns (id, name, spec_json, spec_hash, seed, image_id, planned) "
		"  VALUES (2, 'older', '{}', 'h9', 1, 2, 1);"
		"INSERT INTO extensions (id, campaign_id, name, module, device, workload) "
		"  VALUES (2, 2, 'e1000', 'e1000', 'e1000', 'netdev');"
		"INSERT INTO faults (id, campaign_id, extension_id, idx, types, count, seed) "
		"  VALUES (2, 2, 2, 0, 'irq', 5, 3);"
		"INSERT INTO trials (campaign_id, fault_id, key, mode, outcome) "
		"  VALUES (2, 2, 'e1000/0000/domains', 'domains', 'crash');"
		"INSERT INTO logs (trial_id, kind, raw_size, zdata) VALUES (1, 'console', 0, x'');";
	const struct store_image lock = { "6.1.0-56-amd64", "aa", "bb", "lock",
					  "6.1.0-56-amd64=6.1.158-1" };
	const struct store_image fb = { "6.1.0-56-amd64", "aa", "bb", "fallback",
					"6.1.0-99-amd64=6.1.999-1" };
	struct store *st;
	struct store_trial t;
	int64_t c, f0, f1, i1, i2, i3, e;
	char *p;

	(void)state;
	st = migrated("m6.db", 5, v5_rows, NULL, &p);
	assert_true(store_schema_version() >= 6);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM images WHERE kernel_source IS NULL "
				     "AND kernel_locked IS NULL"), 2);
	assert_int_equal(one_int(st, "SELECT image_id FROM trials WHERE campaign_id = 1"), 1);
	assert_int_equal(one_int(st, "SELECT image_id FROM trials WHERE campaign_id = 2"), 2);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM logs"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM v_kernels WHERE campaign_id = 2 AND "
				     "kernel_version = '6.1.0-47-amd64' AND trials = 1"), 1);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM extension_sites"), 0);
	assert_int_equal(one_int(st, "PRAGMA foreign_keys"), 1);
	/* the old image row is found again; lock and fallback runs are distinct images */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_image_id(st, "6.1.0-56-amd64", "aa", "bb", &i1), 0);
	assert_int_equal(i1, 1);
	assert_int_equal(store_image_add(st, &lock, &i2), 0);
	assert_int_equal(store_image_add(st, &fb, &i3), 0);
	assert_int_not_equal(i2, i1);
	assert_int_not_equal(i3, i2);
	assert_int_equal(store_image_add(st, &fb, &i1), 0);
	assert_int_equal(i1, i3);
	assert_int_equal(store_commit(st), 0);
	/* a campaign of the old image whose later trials ran on the fallback */
	c = make_campaign(st, &f0, &f1);
	t = trial(c, f0, "e1000/0000/native", "native", "crash");
	assert_int_equal(store_trial_put(st, &t, NULL), 0);	/* no image: the campaign's */
	t = trial(c, f1, "e1000/0001/native", "native", "no_effect");
	t.image_id = i3;
	assert_int_equal(store_trial_put(st, &t, NULL), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM v_kernels WHERE campaign_id = 3"), 2);
	assert_int_equal(one_int(st, "SELECT trials FROM v_kernels WHERE campaign_id = 3 AND "
				     "kernel_source = 'fallback'"), 1);
	e = one_int(st, "SELECT id FROM extensions WHERE campaign_id = 3");
	assert_int_equal(store_extension_sites_insert(st, e, "irq", 0), 0);
	assert_int_equal(store_extension_sites_insert(st, e, "nop", 16671), 0);
	assert_int_equal(store_extension_sites_insert(st, e, "nop", 1), -1);	/* once per type */
	assert_int_equal(one_int(st, "SELECT sites FROM v_sites WHERE campaign_id = 3 AND "
				     "extension = 'e1000' AND fault_type = 'nop'"), 16671);
	/* an image a trial ran on cannot go; an unused one can */
	{
		char *del = xasprintf("DELETE FROM images WHERE id = %lld", (long long)i3);

		assert_int_equal(store_exec(st, del), -1);
		free(del);
		del = xasprintf("DELETE FROM images WHERE id = %lld", (long long)i2);
		assert_int_equal(store_exec(st, del), 0);
		free(del);
	}
	store_close(st);
	free(p);
}

static char *slurp(const char *p, size_t *len)
{
	char *b = read_file(p, len);

	assert_non_null(b);
	return b;
}

/*
 * Two processes opening one new database at the same moment (two `nooks
 * campaign run` started together): both must open it, migrated once.  Each
 * round releases two forked children through one pipe so their opens
 * overlap; before the set-up was serialised (db/store.c, setup_lock) the
 * second one failed with "table images already exists" or "database is
 * locked" in most rounds.
 */
static void test_concurrent_migration(void **state)
{
	int round, failures = 0;

	(void)state;
	for (round = 0; round < 40; round++) {
		char *p = xstrdup(path_of("race.db"));
		int go[2], i, status;
		pid_t kid[2];
		char wal[160], shm[160];

		snprintf(wal, sizeof(wal), "%s-wal", p);
		snprintf(shm, sizeof(shm), "%s-shm", p);
		unlink(wal);
		unlink(shm);
		assert_int_equal(pipe(go), 0);
		for (i = 0; i < 2; i++) {
			kid[i] = fork();
			assert_true(kid[i] >= 0);
			if (kid[i] == 0) {
				struct store *st;
				char c;

				close(go[1]);
				if (read(go[0], &c, 1) != 0)
					_exit(3);
				if (store_open(p, STORE_RW, &st))
					_exit(1);
				store_close(st);
				_exit(0);
			}
		}
		close(go[0]);
		close(go[1]);	/* EOF releases both at once */
		for (i = 0; i < 2; i++) {
			assert_int_equal(waitpid(kid[i], &status, 0), kid[i]);
			failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
		free(p);
	}
	assert_int_equal(failures, 0);
}

static void test_newer_schema_refused_unchanged(void **state)
{
	struct store *st;
	char *p, *before, *after;
	size_t lb, la;

	(void)state;
	p = xstrdup(path_of("n.db"));
	assert_int_equal(store_open(p, STORE_RW, &st), 0);
	assert_int_equal(store_exec(st, "PRAGMA journal_mode = DELETE"), 0);
	assert_int_equal(store_exec(st, "PRAGMA user_version = 999"), 0);
	store_close(st);
	before = slurp(p, &lb);
	assert_int_equal(store_open(p, STORE_RW, &st), -1);
	assert_null(st);
	after = slurp(p, &la);
	assert_int_equal(lb, la);
	assert_memory_equal(before, after, lb);
	free(before);
	free(after);
	free(p);
}

static void test_readonly_refused(void **state)
{
	struct store *st;
	char *p;

	(void)state;
	if (geteuid() == 0)
		skip();	/* root ignores file modes */
	p = xstrdup(path_of("r.db"));
	assert_int_equal(store_open(p, STORE_RW, &st), 0);
	assert_int_equal(store_exec(st, "PRAGMA journal_mode = DELETE"), 0);
	store_close(st);
	assert_int_equal(chmod(p, 0444), 0);
	assert_int_equal(store_open(p, STORE_RW, &st), -1);
	assert_int_equal(store_open(p, STORE_RO, &st), 0);
	store_close(st);
	free(p);
}

static void test_full_disk_atomic(void **state)
{
	struct store *st;
	int64_t c, f0, f1;
	struct store_trial t;
	char *log, *big;
	size_t i, n = 3u << 20;
	int64_t pages;

	(void)state;
	assert_int_equal(store_open(path_of("f.db"), STORE_RW, &st), 0);
	c = make_campaign(st, &f0, &f1);
	/* an incompressible 3 MiB console log cannot fit in the remaining pages */
	big = xmalloc(n);
	srand(1);
	for (i = 0; i < n; i++)
		big[i] = (char)rand();
	log = xstrdup(path_of("big.log"));
	assert_int_equal(write_file_atomic(log, big, n), 0);
	free(big);
	pages = one_int(st, "PRAGMA page_count");
	{
		char *sql = xasprintf("PRAGMA max_page_count = %lld", (long long)pages + 8);
		assert_int_equal(store_exec(st, sql), 0);
		free(sql);
	}
	t = trial(c, f0, "e1000/0000/native", "native", "crash");
	t.crashed = 1;
	t.crash_kind = "oops";
	t.crash_title = "x";
	t.console_path = log;
	assert_int_equal(store_trial_put(st, &t, NULL), -1);
	assert_int_equal(store_trial_count(st, c), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM crash_signatures"), 0);
	assert_int_equal(one_int(st, "SELECT COUNT(*) FROM logs"), 0);
	assert_int_equal(sqlite3_get_autocommit(store_db(st)), 1);	/* no open transaction */
	free(log);
	store_close(st);
}

/* The row count of table t in db as another process sees it: the sqlite3
 * shell (a process of its own; a fork would share SQLite's lock table). */
static int count_elsewhere(const char *db)
{
	char *cmd = xasprintf("sqlite3 '%s' 'SELECT COUNT(*) FROM t'", db);
	FILE *p = popen(cmd, "r");
	int n = -1;

	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	free(cmd);
	return n;
}

/*
 * Regression (issue 21, `nooks campaign status --db-dir` showed a running
 * shard's trials only when it ended): store_open() closed its flock
 * descriptor while SQLite had the file open, which dropped SQLite's POSIX
 * locks, and readers in other processes missed every committed WAL frame.
 */
static void test_readers_see_commits(void **state)
{
	char *db = xasprintf("%s/readers.db", fixture_tmp);
	struct store *st;
	int i;

	(void)state;
	assert_int_equal(store_open(db, STORE_RW, &st), 0);
	assert_int_equal(store_exec(st, "CREATE TABLE t (x)"), 0);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(store_begin(st), 0);
		assert_int_equal(store_exec(st, "INSERT INTO t VALUES (1)"), 0);
		assert_int_equal(store_commit(st), 0);
		assert_int_equal(count_elsewhere(db), i);
	}
	store_close(st);
	free(db);
}

FIXTURE_MAIN(fixture_tmp_setup, fixture_tmp_teardown,
	     cmocka_unit_test(test_readers_see_commits),
	     cmocka_unit_test(test_create_and_put),
	     cmocka_unit_test(test_migration_upgrades),
	     cmocka_unit_test(test_migration_3_fsck_verdict),
	     cmocka_unit_test(test_migration_4_activation),
	     cmocka_unit_test(test_migration_5_domains),
	     cmocka_unit_test(test_migration_6_kernels_and_sites),
	     cmocka_unit_test(test_concurrent_migration),
	     cmocka_unit_test(test_newer_schema_refused_unchanged),
	     cmocka_unit_test(test_readonly_refused),
	     cmocka_unit_test(test_full_disk_atomic))
