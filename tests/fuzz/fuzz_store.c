/*
 * fuzz_store.c - libFuzzer target: a results database as `nooks report`,
 * `compare` and `gate` open it (the input is the SQLite file, written to a
 * scratch file): store_open() read-only (db/store.c), then for each of
 * the first campaigns report_load() (reports/report_data.c: the views into
 * structs) and the writers that need no trial logs: report.md, junit.xml,
 * the summary, the kernel check, compare (native vs nooks) and the gate
 * with its default rules, all into /dev/null; and the stored logs of the
 * first trials through store_log_get(), as the HTML trial pages read them.
 *
 * Bounded here, not in the product: a hostile file may define the views
 * as any query (a recursive one never ends), so each input gets a budget
 * of SQLite VM steps (a progress handler) and small length limits.
 */
#include "fuzz.h"

#include <sqlite3.h>

#include "report.h"
#include "store.h"

#define MAX_CAMPAIGNS 4
#define VM_BUDGET 20000	/* progress callbacks (of 1000 VM steps) per input */

static int budget;

static int progress(void *unused)
{
	(void)unused;
	return --budget <= 0;	/* non-zero interrupts the statement */
}

static void remove_db(const char *path)
{
	static const char *const sfx[] = { "", "-journal", "-wal", "-shm" };
	char p[600];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sfx); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

static void render(struct store *st, int64_t id, FILE *null)
{
	struct rep_campaign c;
	struct gate_rule *rules;
	int n;

	if (report_load(st, id, &c))
		return;
	(void)report_write_md(&c, null);
	(void)report_write_junit(st, &c, null);
	report_print_summary(&c, null);
	(void)report_kernel_check(&c, NULL, 1, null);
	(void)report_compare(&c, NULL, null);
	if (!gate_rules_load(NULL, &rules, &n)) {
		(void)gate_eval(&c, &c, rules, n, null);
		free(rules);
	}
	report_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	const char *path = fuzz_file("in.db", data, size);
	int64_t ids[MAX_CAMPAIGNS];
	struct store *st;
	sqlite3_stmt *s;
	sqlite3 *db;
	int n = 0, i;

	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	budget = VM_BUDGET;
	if (store_open(path, STORE_RO, &st))
		goto out;
	db = store_db(st);
	sqlite3_progress_handler(db, 1000, progress, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1 << 16);
	s = store_prepare(st, "SELECT id FROM campaigns ORDER BY id LIMIT 4");
	while (s && n < MAX_CAMPAIGNS && sqlite3_step(s) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	for (i = 0; i < n; i++)
		render(st, ids[i], null);
	s = store_prepare(st, "SELECT trial_id, kind FROM logs LIMIT 8");
	while (s && sqlite3_step(s) == SQLITE_ROW) {
		char *log = NULL, *kind = xstrdup((const char *)sqlite3_column_text(s, 1) ?
						  (const char *)sqlite3_column_text(s, 1) : "");
		size_t len;

		if (!store_log_get(st, sqlite3_column_int64(s, 0), kind, &log, &len) &&
		    len && log[len] != '\0')
			abort();	/* the contract: NUL-terminated */
		free(log);
		free(kind);
	}
	sqlite3_finalize(s);
	store_close(st);
out:
	remove_db(path);
	return 0;
}
