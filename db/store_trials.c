/*
 * store_trials.c - the store's trial records (see store.h): the record's
 * life (store_trial_init/free), storing one finished trial in one
 * transaction (mutations once per fault, crash signature, the row, its
 * compressed logs, call profile, activation), infra attempts, and reading
 * back keys, counts and logs.  Must never leave part of a trial behind.
 */
#define _GNU_SOURCE
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store_impl.h"
#include "util.h"

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

	s = store_stmt(st, "SELECT COUNT(*) FROM mutations WHERE fault_id = ?1", "i", t->fault_id);
	if (!s)
		return -1;
	if (store_step_int(st, s, &n) || n > 0)
		return n > 0 ? 0 : -1;
	for (i = 0; i < t->n_mutations; i++) {
		const struct store_mutation *m = &t->mutations[i];

		s = store_stmt(st,
			"INSERT INTO mutations (fault_id, n, type, section, symbol, sym_offset, "
			"file_offset, old_bytes, new_bytes, disasm_before, disasm_after) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", "idtttnntttt",
			t->fault_id, i, m->type ? m->type : "?", m->section, m->symbol,
			m->sym_offset, m->file_offset, m->old_bytes, m->new_bytes,
			m->disasm_before, m->disasm_after);
		if (!s)
			return -1;
		if (store_step_done(st, s, "cannot insert a mutation"))
			return -1;
	}
	return 0;
}

static int put_signature(struct store *st, const struct store_trial *t, int64_t *sig)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO crash_signatures (kind, title, first_seen, last_seen, count) "
		"VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'), "
		"strftime('%Y-%m-%dT%H:%M:%SZ','now'), 1) "
		"ON CONFLICT (kind, title) DO UPDATE SET count = count + 1, "
		"last_seen = excluded.last_seen RETURNING id", "tt",
		t->crash_kind ? t->crash_kind : "unknown", t->crash_title);

	if (!s)
		return -1;
	return store_step_int(st, s, sig) ? store_db_error(st, "cannot record the crash signature") : 0;
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
	s = store_stmt(st, "INSERT INTO logs (trial_id, kind, raw_size, zdata, path) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)", "itixt", trial_id, kind, (int64_t)len, path);
	if (!s) {
		free(z);
		return -1;
	}
	sqlite3_bind_blob(s, 4, z, (int)zlen, SQLITE_TRANSIENT);
	free(z);
	return store_step_done(st, s, "cannot store a log");
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
	store_bind_text(s, 3, t->key);
	store_bind_text(s, 4, t->mode);
	store_bind_text(s, 5, t->outcome);
	sqlite3_bind_int(s, 6, t->attempts > 0 ? t->attempts : 1);
	sqlite3_bind_int(s, 7, !!t->crashed);
	store_bind_text(s, 8, t->crash_kind);
	store_bind_text(s, 9, t->crash_title);
	store_bind_text(s, 10, t->guilty_function);
	store_bind_text(s, 11, t->guilty_module);
	store_bind_int(s, 12, sig, 1);
	store_bind_text(s, 13, t->detection);
	if (t->recovery_ms >= 0)
		sqlite3_bind_double(s, 14, t->recovery_ms);
	store_bind_text(s, 15, t->deadlines_hit);
	store_bind_int(s, 16, t->workload_pass, 1);
	store_bind_text(s, 17, t->workload_reason);
	store_bind_text(s, 18, t->metrics_json);
	store_bind_text(s, 19, t->nim_events_json);
	store_bind_int(s, 20, t->boot_ms, 1);
	store_bind_int(s, 21, t->workload_ms, 1);
	store_bind_int(s, 22, t->wall_ms, 1);
	store_bind_text(s, 23, t->error);
	if (t->fs_checked) {
		sqlite3_bind_int(s, 24, !!t->fs_corrupt);
		sqlite3_bind_int(s, 25, t->fsck_exit);
		store_bind_text(s, 26, t->fsck_summary);
		sqlite3_bind_int(s, 27, !!t->fs_dirty);
	}
	store_bind_text(s, 28, t->nim_detection);
	store_bind_text(s, 29, t->nim_target);
	store_bind_int(s, 30, t->image_id > 0 ? t->image_id : -1, 1);
	return store_step_int(st, s, id) ? store_db_error(st, "cannot insert the trial") : 0;
}

static int trial_exists(struct store *st, const struct store_trial *t)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT id FROM trials WHERE campaign_id = ?1 AND key = ?2");
	int64_t id;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, t->campaign_id);
	store_bind_text(s, 2, t->key);
	switch (store_step_int(st, s, &id)) {
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
	store_bind_text(s, 1, t->profile_key);
	store_bind_text(s, 2, t->profile_json);
	return store_step_int(st, s, pid) ? store_db_error(st, "cannot store the call profile") : 0;
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
	store_bind_int(s, 3, pid, 1);
	sqlite3_bind_int64(s, 4, tid);
	return store_step_done(st, s, "cannot store the trial's fault activation");
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
		sqlite3_stmt *s = store_stmt(st,
			"UPDATE crash_signatures SET example_trial_id = ?1 "
			"WHERE id = ?2 AND example_trial_id IS NULL", "ii", tid, sig);
		if (!s)
			goto err;
		if (store_step_done(st, s, "cannot update the crash signature"))
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
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO infra_attempts (campaign_id, key, error) VALUES (?1, ?2, ?3)",
		"itt", campaign_id, key, err ? err : "unknown");

	if (!s)
		return -1;
	return store_step_done(st, s, "cannot record an infra attempt");
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
	return r == SQLITE_DONE ? 0 : store_db_error(st, "cannot list trials");
}

int store_trial_count(struct store *st, int64_t campaign_id)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT COUNT(*) FROM trials WHERE campaign_id = ?1");
	int64_t n;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	return store_step_int(st, s, &n) ? -1 : (int)n;
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
	store_bind_text(s, 2, kind);
	r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		sqlite3_finalize(s);
		return r == SQLITE_DONE ? 1 : store_db_error(st, "cannot read a log");
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
