/*
 * store.c - the SQLite results store (see store.h).
 *
 * Owns the database connection, the migrations and every INSERT/UPDATE.
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
#include <zlib.h>

#include "util.h"

static const char schema_sql[] =
#include "schema_sql.h"
;

#define MIGRATION_MARK "-- @migration "
#define LOG_MAX_RAW (4u << 20)	/* logs larger than this are truncated */

struct store {
	sqlite3 *db;
	char *path;
};

static int db_error(struct store *st, const char *what)
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
		db_error(st, "prepare failed");
		return NULL;
	}
	return s;
}

int store_exec(struct store *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(st, "write failed");
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
		return db_error(st, "cannot read the schema version");
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
	return r == SQLITE_DONE ? 0 : db_error(st, "foreign key check failed");
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
			db_error(st, "migration failed");
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
 * are apart from SQLite's own POSIX locks and go with the descriptor.
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
		db_error(st, "cannot open");
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
		close(lock);
	*out = st;
	return 0;
err:
	if (lock >= 0)
		close(lock);
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
	free(st->path);
	free(st);
}

/* ---- binding helpers ---------------------------------------------------- */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bind_int(sqlite3_stmt *s, int i, int64_t v, int null_if_negative)
{
	if (null_if_negative && v < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

/* Step a statement expecting DONE; finalize it; return 0 / -1. */
static int step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int r = sqlite3_step(s);

	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return db_error(st, what);
	return 0;
}

/* Step expecting one integer row: 0 with *v, 1 if no row, -1 error. */
static int step_int(struct store *st, sqlite3_stmt *s, int64_t *v)
{
	int r = sqlite3_step(s);

	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (r == SQLITE_ROW)
		return 0;
	if (r == SQLITE_DONE)
		return 1;
	return db_error(st, "query failed");
}

/* ---- campaigns ------------------------------------------------------------ */

/* sql with the five identity fields of img bound to ?1..?5; NULL on error. */
static sqlite3_stmt *image_stmt(struct store *st, const char *sql, const struct store_image *img)
{
	sqlite3_stmt *s = store_prepare(st, sql);

	if (!s)
		return NULL;
	bind_text(s, 1, img->kernel_version);
	bind_text(s, 2, img->vmlinux_sha256 ? img->vmlinux_sha256 : "");
	bind_text(s, 3, img->initramfs_sha256 ? img->initramfs_sha256 : "");
	bind_text(s, 4, img->kernel_source);
	bind_text(s, 5, img->kernel_locked);
	return s;
}

int store_image_add(struct store *st, const struct store_image *img, int64_t *id)
{
	sqlite3_stmt *s = image_stmt(st,
		"SELECT id FROM images WHERE kernel_version = ?1 AND vmlinux_sha256 = ?2 AND "
		"initramfs_sha256 = ?3 AND kernel_source IS ?4 AND kernel_locked IS ?5", img);
	int r = s ? step_int(st, s, id) : -1;

	if (r == 1) {
		s = image_stmt(st, "INSERT INTO images (kernel_version, vmlinux_sha256, "
			       "initramfs_sha256, kernel_source, kernel_locked) "
			       "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id", img);
		r = s ? step_int(st, s, id) : -1;
	}
	return r ? db_error(st, "cannot record the image") : 0;
}

int store_image_id(struct store *st, const char *kver, const char *vmlinux_sha,
		   const char *initramfs_sha, int64_t *id)
{
	const struct store_image img = { kver, vmlinux_sha, initramfs_sha, NULL, NULL };

	return store_image_add(st, &img, id);
}

int store_campaign_find(struct store *st, const char *name, const char *spec_hash,
			int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT id FROM campaigns WHERE name = ?1 AND spec_hash = ?2");

	if (!s)
		return -1;
	bind_text(s, 1, name);
	bind_text(s, 2, spec_hash);
	return step_int(st, s, id);
}

int store_campaign_insert(struct store *st, const char *name, const char *spec_json,
			  const char *spec_hash, int64_t seed, int64_t image_id,
			  int planned, int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
		"INSERT INTO campaigns (name, spec_json, spec_hash, seed, image_id, planned) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");

	if (!s)
		return -1;
	bind_text(s, 1, name);
	bind_text(s, 2, spec_json);
	bind_text(s, 3, spec_hash);
	sqlite3_bind_int64(s, 4, seed);
	bind_int(s, 5, image_id, 1);
	sqlite3_bind_int(s, 6, planned);
	return step_int(st, s, id) ? db_error(st, "cannot insert the campaign") : 0;
}

int store_extension_insert(struct store *st, int64_t campaign_id, const char *name,
			   const char *module, const char *device, const char *workload,
			   const char *disk, int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
		"INSERT INTO extensions (campaign_id, name, module, device, workload, disk) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	bind_text(s, 2, name);
	bind_text(s, 3, module);
	bind_text(s, 4, device);
	bind_text(s, 5, workload);
	bind_text(s, 6, disk);
	return step_int(st, s, id) ? db_error(st, "cannot insert an extension") : 0;
}

int store_extension_sites_insert(struct store *st, int64_t extension_id, const char *type,
				 int64_t sites)
{
	sqlite3_stmt *s = store_prepare(st,
		"INSERT INTO extension_sites (extension_id, fault_type, sites) VALUES (?1, ?2, ?3)");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, extension_id);
	bind_text(s, 2, type);
	sqlite3_bind_int64(s, 3, sites);
	return step_done(st, s, "cannot record the candidate sites of an extension");
}

int store_fault_insert(struct store *st, int64_t campaign_id, int64_t extension_id,
		       int idx, const char *types, int count, uint64_t seed, int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
		"INSERT INTO faults (campaign_id, extension_id, idx, types, count, seed) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	sqlite3_bind_int64(s, 2, extension_id);
	sqlite3_bind_int(s, 3, idx);
	bind_text(s, 4, types);
	sqlite3_bind_int(s, 5, count);
	sqlite3_bind_int64(s, 6, (int64_t)seed);
	return step_int(st, s, id) ? db_error(st, "cannot insert a fault") : 0;
}

int store_fault_id(struct store *st, int64_t campaign_id, const char *extension,
		   int idx, int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT f.id FROM faults f JOIN extensions e ON e.id = f.extension_id "
		"WHERE f.campaign_id = ?1 AND e.name = ?2 AND f.idx = ?3");
	int r;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	bind_text(s, 2, extension);
	sqlite3_bind_int(s, 3, idx);
	r = step_int(st, s, id);
	if (r == 1)
		return error("database '%s': no fault %s/%d in campaign %lld", st->path,
			     extension, idx, (long long)campaign_id);
	return r;
}

int store_campaign_finish(struct store *st, int64_t campaign_id)
{
	sqlite3_stmt *s = store_prepare(st,
		"UPDATE campaigns SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
		"WHERE id = ?1 AND finished_at IS NULL");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	return step_done(st, s, "cannot finish the campaign");
}

int store_campaign_resolve(struct store *st, const char *spec, int64_t *id)
{
	sqlite3_stmt *s;
	uint64_t n;
	int r;

	if (!spec)
		s = store_prepare(st, "SELECT MAX(id) FROM campaigns HAVING COUNT(*) > 0");
	else if (!parse_u64(spec, &n)) {
		s = store_prepare(st, "SELECT id FROM campaigns WHERE id = ?1");
		if (s)
			sqlite3_bind_int64(s, 1, (int64_t)n);
	} else {
		s = store_prepare(st, "SELECT MAX(id) FROM campaigns WHERE name = ?1 "
				      "HAVING COUNT(*) > 0");
		if (s)
			bind_text(s, 1, spec);
	}
	if (!s)
		return -1;
	r = step_int(st, s, id);
	if (r == 1) {
		if (spec)
			return error("unknown campaign '%s' in database '%s'", spec, st->path);
		return error("database '%s' holds no campaign", st->path);
	}
	return r;
}

/* ---- trials --------------------------------------------------------------- */

void store_trial_init(struct store_trial *t)
{
	memset(t, 0, sizeof(*t));
	t->recovery_ms = -1;
	t->workload_pass = -1;
	t->boot_ms = t->workload_ms = t->wall_ms = -1;
	t->fsck_exit = -1;
}

void store_mutations_free(struct store_mutation *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free((char *)m[i].type);
		free((char *)m[i].section);
		free((char *)m[i].symbol);
		free((char *)m[i].old_bytes);
		free((char *)m[i].new_bytes);
		free((char *)m[i].disasm_before);
		free((char *)m[i].disasm_after);
	}
	free(m);
}

void store_trial_free(struct store_trial *t)
{
	const char **owned[] = {
		&t->outcome, &t->crash_kind, &t->crash_title, &t->guilty_function,
		&t->guilty_module, &t->detection, &t->nim_detection, &t->nim_target,
		&t->deadlines_hit, &t->workload_reason, &t->metrics_json, &t->nim_events_json,
		&t->error, &t->console_path, &t->agent_path, &t->describe_json, &t->fsck_summary,
		&t->profile_key, &t->profile_json,
	};
	size_t i;

	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		free((char *)*owned[i]);
	store_mutations_free((struct store_mutation *)t->mutations, t->n_mutations);
	store_trial_init(t);
}

static int put_mutations(struct store *st, const struct store_trial *t)
{
	sqlite3_stmt *s;
	int64_t n = 0;
	int i;

	s = store_prepare(st, "SELECT COUNT(*) FROM mutations WHERE fault_id = ?1");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, t->fault_id);
	if (step_int(st, s, &n) || n > 0)
		return n > 0 ? 0 : -1;
	for (i = 0; i < t->n_mutations; i++) {
		const struct store_mutation *m = &t->mutations[i];

		s = store_prepare(st,
			"INSERT INTO mutations (fault_id, n, type, section, symbol, sym_offset, "
			"file_offset, old_bytes, new_bytes, disasm_before, disasm_after) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, t->fault_id);
		sqlite3_bind_int(s, 2, i);
		bind_text(s, 3, m->type ? m->type : "?");
		bind_text(s, 4, m->section);
		bind_text(s, 5, m->symbol);
		bind_int(s, 6, m->sym_offset, 1);
		bind_int(s, 7, m->file_offset, 1);
		bind_text(s, 8, m->old_bytes);
		bind_text(s, 9, m->new_bytes);
		bind_text(s, 10, m->disasm_before);
		bind_text(s, 11, m->disasm_after);
		if (step_done(st, s, "cannot insert a mutation"))
			return -1;
	}
	return 0;
}

static int put_signature(struct store *st, const struct store_trial *t, int64_t *sig)
{
	sqlite3_stmt *s = store_prepare(st,
		"INSERT INTO crash_signatures (kind, title, first_seen, last_seen, count) "
		"VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'), "
		"strftime('%Y-%m-%dT%H:%M:%SZ','now'), 1) "
		"ON CONFLICT (kind, title) DO UPDATE SET count = count + 1, "
		"last_seen = excluded.last_seen RETURNING id");

	if (!s)
		return -1;
	bind_text(s, 1, t->crash_kind ? t->crash_kind : "unknown");
	bind_text(s, 2, t->crash_title);
	return step_int(st, s, sig) ? db_error(st, "cannot record the crash signature") : 0;
}

static int put_log_data(struct store *st, int64_t trial_id, const char *kind,
			const char *data, size_t len, const char *path)
{
	sqlite3_stmt *s;
	uLongf zlen;
	Bytef *z;

	if (len > LOG_MAX_RAW)
		len = LOG_MAX_RAW;
	zlen = compressBound(len);
	z = xmalloc(zlen);
	if (compress2(z, &zlen, (const Bytef *)data, len, 6) != Z_OK) {
		free(z);
		return error("cannot compress the %s log of trial %lld", kind,
			     (long long)trial_id);
	}
	s = store_prepare(st, "INSERT INTO logs (trial_id, kind, raw_size, zdata, path) "
			      "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!s) {
		free(z);
		return -1;
	}
	sqlite3_bind_int64(s, 1, trial_id);
	bind_text(s, 2, kind);
	sqlite3_bind_int64(s, 3, (int64_t)len);
	sqlite3_bind_blob(s, 4, z, (int)zlen, SQLITE_TRANSIENT);
	bind_text(s, 5, path);
	free(z);
	return step_done(st, s, "cannot store a log");
}

static int put_log_file(struct store *st, int64_t trial_id, const char *kind,
			const char *path)
{
	size_t len;
	char *buf;
	int r;

	if (!path)
		return 0;
	buf = file_exists(path) ? read_file(path, &len) : NULL;
	if (!buf)	/* missing capture: keep the path, the trial still counts */
		return put_log_data(st, trial_id, kind, "", 0, path);
	r = put_log_data(st, trial_id, kind, buf, len, path);
	free(buf);
	return r;
}

static int put_trial_row(struct store *st, const struct store_trial *t, int64_t sig,
			 int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
		"INSERT INTO trials (campaign_id, fault_id, key, mode, outcome, attempts, "
		"crashed, crash_kind, crash_title, guilty_function, guilty_module, "
		"signature_id, detection, recovery_ms, deadlines_hit, workload_pass, "
		"workload_reason, metrics_json, nim_events_json, boot_ms, workload_ms, "
		"wall_ms, error, fs_corrupt, fsck_exit, fsck_summary, fs_dirty, nim_detection, "
		"nim_target, image_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, "
		"?29, ?30) RETURNING id");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, t->campaign_id);
	sqlite3_bind_int64(s, 2, t->fault_id);
	bind_text(s, 3, t->key);
	bind_text(s, 4, t->mode);
	bind_text(s, 5, t->outcome);
	sqlite3_bind_int(s, 6, t->attempts > 0 ? t->attempts : 1);
	sqlite3_bind_int(s, 7, !!t->crashed);
	bind_text(s, 8, t->crash_kind);
	bind_text(s, 9, t->crash_title);
	bind_text(s, 10, t->guilty_function);
	bind_text(s, 11, t->guilty_module);
	bind_int(s, 12, sig, 1);
	bind_text(s, 13, t->detection);
	if (t->recovery_ms >= 0)
		sqlite3_bind_double(s, 14, t->recovery_ms);
	bind_text(s, 15, t->deadlines_hit);
	bind_int(s, 16, t->workload_pass, 1);
	bind_text(s, 17, t->workload_reason);
	bind_text(s, 18, t->metrics_json);
	bind_text(s, 19, t->nim_events_json);
	bind_int(s, 20, t->boot_ms, 1);
	bind_int(s, 21, t->workload_ms, 1);
	bind_int(s, 22, t->wall_ms, 1);
	bind_text(s, 23, t->error);
	if (t->fs_checked) {
		sqlite3_bind_int(s, 24, !!t->fs_corrupt);
		sqlite3_bind_int(s, 25, t->fsck_exit);
		bind_text(s, 26, t->fsck_summary);
		sqlite3_bind_int(s, 27, !!t->fs_dirty);
	}
	bind_text(s, 28, t->nim_detection);
	bind_text(s, 29, t->nim_target);
	bind_int(s, 30, t->image_id > 0 ? t->image_id : -1, 1);
	return step_int(st, s, id) ? db_error(st, "cannot insert the trial") : 0;
}

static int trial_exists(struct store *st, const struct store_trial *t)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT id FROM trials WHERE campaign_id = ?1 AND key = ?2");
	int64_t id;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, t->campaign_id);
	bind_text(s, 2, t->key);
	switch (step_int(st, s, &id)) {
	case 0: return 1;
	case 1: return 0;
	default: return -1;
	}
}

/* The call profile row for t (inserted the first time its key is seen); *pid -1 if none. */
static int put_profile(struct store *st, const struct store_trial *t, int64_t *pid)
{
	sqlite3_stmt *s;

	*pid = -1;
	if (!t->profile_key || !t->profile_json)
		return 0;
	s = store_prepare(st, "INSERT INTO profiles (key, profile_json) VALUES (?1, ?2) "
			  "ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id");
	if (!s)
		return -1;
	bind_text(s, 1, t->profile_key);
	bind_text(s, 2, t->profile_json);
	return step_int(st, s, pid) ? db_error(st, "cannot store the call profile") : 0;
}

/* Activation counts and profile of trial tid (migration 4 columns). */
static int put_activation(struct store *st, const struct store_trial *t, int64_t tid)
{
	sqlite3_stmt *s;
	int64_t pid;

	if (put_profile(st, t, &pid))
		return -1;
	if (!t->activation_known && pid < 0)
		return 0;
	s = store_prepare(st, "UPDATE trials SET fault_armed = ?1, fault_fired = ?2, "
			  "profile_id = ?3 WHERE id = ?4");
	if (!s)
		return -1;
	if (t->activation_known) {
		sqlite3_bind_int(s, 1, t->fault_armed);
		sqlite3_bind_int(s, 2, t->fault_fired);
	}
	bind_int(s, 3, pid, 1);
	sqlite3_bind_int64(s, 4, tid);
	return step_done(st, s, "cannot store the trial's fault activation");
}

int store_trial_put(struct store *st, const struct store_trial *t, int64_t *id)
{
	int64_t sig = -1, tid = 0;
	int r;

	if (store_begin(st))
		return -1;
	r = trial_exists(st, t);
	if (r) {
		store_rollback(st);
		return r;
	}
	if (put_mutations(st, t))
		goto err;
	if (t->crashed && t->crash_title && put_signature(st, t, &sig))
		goto err;
	if (put_trial_row(st, t, sig, &tid) || put_activation(st, t, tid))
		goto err;
	if (sig >= 0) {
		sqlite3_stmt *s = store_prepare(st,
			"UPDATE crash_signatures SET example_trial_id = ?1 "
			"WHERE id = ?2 AND example_trial_id IS NULL");
		if (!s)
			goto err;
		sqlite3_bind_int64(s, 1, tid);
		sqlite3_bind_int64(s, 2, sig);
		if (step_done(st, s, "cannot update the crash signature"))
			goto err;
	}
	if (put_log_file(st, tid, "console", t->console_path) ||
	    put_log_file(st, tid, "agent", t->agent_path))
		goto err;
	if (t->describe_json &&
	    put_log_data(st, tid, "describe", t->describe_json,
			 strlen(t->describe_json), NULL))
		goto err;
	if (store_commit(st))
		goto err;
	if (id)
		*id = tid;
	return 0;
err:
	store_rollback(st);
	return -1;
}

int store_infra_attempt(struct store *st, int64_t campaign_id, const char *key,
			const char *err)
{
	sqlite3_stmt *s = store_prepare(st,
		"INSERT INTO infra_attempts (campaign_id, key, error) VALUES (?1, ?2, ?3)");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	bind_text(s, 2, key);
	bind_text(s, 3, err ? err : "unknown");
	return step_done(st, s, "cannot record an infra attempt");
}

int store_trial_keys(struct store *st, int64_t campaign_id,
		     void (*fn)(void *ctx, const char *key), void *ctx)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT key FROM trials WHERE campaign_id = ?1");
	int r;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : db_error(st, "cannot list trials");
}

int store_trial_count(struct store *st, int64_t campaign_id)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT COUNT(*) FROM trials WHERE campaign_id = ?1");
	int64_t n;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	return step_int(st, s, &n) ? -1 : (int)n;
}

int store_log_get(struct store *st, int64_t trial_id, const char *kind,
		  char **buf, size_t *len)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT raw_size, zdata FROM logs WHERE trial_id = ?1 AND kind = ?2");
	sqlite3_int64 want, zlen;
	uLongf raw;
	int r;

	*buf = NULL;
	*len = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, trial_id);
	bind_text(s, 2, kind);
	r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		sqlite3_finalize(s);
		return r == SQLITE_DONE ? 1 : db_error(st, "cannot read a log");
	}
	/* A damaged or hostile file: raw_size must be a size zlib can have
	 * produced from zdata (deflate expands at most 1032:1), and exactly
	 * raw_size bytes must come out. */
	want = sqlite3_column_int64(s, 0);
	zlen = (sqlite3_int64)sqlite3_column_bytes(s, 1);
	if (want < 0 || want > 1032 * zlen + 64 || (uint64_t)want > SIZE_MAX / 2)
		goto corrupt;
	raw = (uLongf)want;
	*buf = xmalloc(raw + 1);
	if (raw && (uncompress((Bytef *)*buf, &raw, sqlite3_column_blob(s, 1), (uLong)zlen) != Z_OK ||
		    raw != (uLongf)want))
		goto corrupt;
	sqlite3_finalize(s);
	(*buf)[raw] = '\0';
	*len = raw;
	return 0;
corrupt:
	sqlite3_finalize(s);
	free(*buf);
	*buf = NULL;
	return error("database '%s': corrupt %s log of trial %lld", st->path, kind,
		     (long long)trial_id);
}
