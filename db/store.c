/*
 * store.c - the SQLite results store (see store.h): the connection, the
 * migrations, transactions and the binding helpers of store_impl.h; the
 * rows are written by store_campaigns.c and store_trials.c.
 *
 * Owns the database connection and the migrations.
 * Must never leave a transaction open on return, write anything before the
 * schema version was checked (a newer database stays byte-identical), or
 * build SQL from data (everything goes through bound parameters).
 */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store_impl.h"
#include "util.h"

static const char schema_sql[] =
#include "schema_sql.h"
;

#define MIGRATION_MARK "-- @migration "

int store_db_error(struct store *st, const char *what)
{
	return error("database '%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* Start of migration n in schema_sql, its length in *len; NULL if absent. */
static const char *migration(int n, size_t *len)
{
	char mark[64];
	const char *p, *next;

	snprintf(mark, sizeof(mark), MIGRATION_MARK "%d\n", n);
	p = strstr(schema_sql, mark);
	if (!p)
		return NULL;
	p += strlen(mark);
	next = strstr(p, MIGRATION_MARK);
	*len = next ? (size_t)(next - p) : strlen(p);
	return p;
}

int store_schema_version(void)
{
	size_t len;
	int n = 0;

	while (migration(n + 1, &len))
		n++;
	return n;
}

sqlite3 *store_db(struct store *st) { return st->db; }
const char *store_path(const struct store *st) { return st->path; }

sqlite3_stmt *store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_error(st, "prepare failed");
		return NULL;
	}
	return s;
}

int store_exec(struct store *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_db_error(st, "write failed");
	return 0;
}

int store_begin(struct store *st) { return store_exec(st, "BEGIN IMMEDIATE"); }
int store_commit(struct store *st) { return store_exec(st, "COMMIT"); }

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(struct store *st, int *v)
{
	sqlite3_stmt *s = store_prepare(st, "PRAGMA user_version");

	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_db_error(st, "cannot read the schema version");
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

/* Fail when the open transaction left a dangling reference (foreign keys are
 * off while migrating: a table rebuild must not cascade into its children). */
static int fk_check(struct store *st)
{
	sqlite3_stmt *s = store_prepare(st, "PRAGMA foreign_key_check");
	int r;

	if (!s)
		return -1;
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r == SQLITE_ROW)
		return error("database '%s': migration failed: dangling foreign key", st->path);
	return r == SQLITE_DONE ? 0 : store_db_error(st, "foreign key check failed");
}

/*
 * Migrations run with foreign keys off (outside the transaction: the pragma
 * is a no-op inside one), as SQLite's procedure for rebuilding a table
 * requires: dropping the old trials table must not cascade into logs.
 * Each migration is one transaction, checked with foreign_key_check.
 */
static int migrate(struct store *st, int from, int to)
{
	int v, ret = -1;

	if (store_exec(st, "PRAGMA foreign_keys = OFF"))
		return -1;
	for (v = from + 1; v <= to; v++) {
		size_t len;
		const char *m = migration(v, &len);
		char *sql = xasprintf("%.*s\nPRAGMA user_version = %d;", (int)len, m, v);
		int r;

		if (store_begin(st)) {
			free(sql);
			goto out;
		}
		r = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		free(sql);
		if (r != SQLITE_OK) {
			store_db_error(st, "migration failed");
			store_rollback(st);
			goto out;
		}
		if (fk_check(st) || store_commit(st)) {
			store_rollback(st);
			goto out;
		}
	}
	ret = 0;
out:
	if (store_exec(st, "PRAGMA foreign_keys = ON"))
		ret = -1;
	return ret;
}

/*
 * A read-write open sets the database up (journal mode, migrations) under an
 * exclusive flock(2) on the file, so that two processes opening one new
 * database at the same moment (two `nooks campaign run` started together)
 * migrate it once: the second waits, then finds it current.  flock locks
 * are apart from SQLite's own POSIX locks and go with the descriptor; the
 * descriptor stays open (unlocked) until store_close(), after SQLite's:
 * close(2) of any descriptor of the file drops all POSIX locks the process
 * holds on it, and a reader in another process then sees a stale database
 * (tests/unit/test_store.c).
 */
static int setup_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return error_errno("cannot open database '%s'", path);
	if (flock(fd, LOCK_EX)) {
		error_errno("cannot lock database '%s'", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int open_common(const char *path, enum store_mode mode, int upto,
		       struct store **out)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int flags = mode == STORE_RO ? SQLITE_OPEN_READONLY
				     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int v = 0, latest = store_schema_version(), lock = -1;

	st->path = xstrdup(path);
	st->setup_fd = -1;
	*out = NULL;
	if (mode == STORE_RO && !file_exists(path)) {
		error("database '%s' does not exist", path);
		goto err;
	}
	if (mode == STORE_RW && file_exists(path) && access(path, W_OK)) {
		error("database '%s' is read-only", path);
		goto err;
	}
	if (mode == STORE_RW && (lock = setup_lock(path)) < 0)
		goto err;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		store_db_error(st, "cannot open");
		goto err;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	/* Read-only checks first: nothing may be written to a newer database. */
	if (user_version(st, &v))
		goto err;
	if (v > latest) {
		error("database '%s' has schema version %d, newer than this nooks (%d)",
		      path, v, latest);
		goto err;
	}
	if (mode == STORE_RO && v != latest) {
		error("database '%s' has schema version %d, expected %d (open it read-write to migrate)",
		      path, v, latest);
		goto err;
	}
	if (mode == STORE_RW && sqlite3_db_readonly(st->db, "main") == 1) {
		error("database '%s' is read-only", path);
		goto err;
	}
	if (store_exec(st, "PRAGMA foreign_keys = ON"))
		goto err;
	if (mode == STORE_RW) {
		if (store_exec(st, "PRAGMA journal_mode = WAL") ||
		    store_exec(st, "PRAGMA synchronous = NORMAL"))
			goto err;
		if (v < upto && migrate(st, v, upto))
			goto err;
	}
	if (lock >= 0)
		flock(lock, LOCK_UN);
	st->setup_fd = lock;
	*out = st;
	return 0;
err:
	st->setup_fd = lock;
	store_close(st);
	return -1;
}

int store_open(const char *path, enum store_mode mode, struct store **out)
{
	return open_common(path, mode, store_schema_version(), out);
}

int store_open_at(const char *path, int upto, struct store **out)
{
	return open_common(path, STORE_RW, upto, out);
}

int store_check_writable(const char *path)
{
	struct store *st;
	char *dir, *slash;
	int r = 0;

	if (file_exists(path)) {
		/* upto 0: the checks of a read-write open, no migration */
		if (open_common(path, STORE_RW, 0, &st))
			return -1;
		store_close(st);
		return 0;
	}
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (access(slash ? dir : ".", W_OK))
		r = error_errno("cannot create database '%s'", path);
	free(dir);
	return r;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->db)
		store_rollback(st);
	sqlite3_close(st->db);
	if (st->setup_fd >= 0)	/* only now: see struct store */
		close(st->setup_fd);
	free(st->path);
	free(st);
}

/* ---- binding helpers ---------------------------------------------------- */

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_int(sqlite3_stmt *s, int i, int64_t v, int null_if_negative)
{
	if (null_if_negative && v < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

int store_step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int r = sqlite3_step(s);

	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return store_db_error(st, what);
	return 0;
}

int store_step_int(struct store *st, sqlite3_stmt *s, int64_t *v)
{
	int r = sqlite3_step(s);

	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (r == SQLITE_ROW)
		return 0;
	if (r == SQLITE_DONE)
		return 1;
	return store_db_error(st, "query failed");
}

sqlite3_stmt *store_stmt(struct store *st, const char *sql, const char *types, ...)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	va_list ap;
	int i;

	if (!s)
		return NULL;
	va_start(ap, types);
	for (i = 0; types[i]; i++) {
		switch (types[i]) {
		case 't': store_bind_text(s, i + 1, va_arg(ap, const char *)); break;
		case 'i': sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t)); break;
		case 'n': store_bind_int(s, i + 1, va_arg(ap, int64_t), 1); break;
		case 'd': sqlite3_bind_int(s, i + 1, va_arg(ap, int)); break;
		default: break;	/* 'x': left to the caller */
		}
	}
	va_end(ap);
	return s;
}
