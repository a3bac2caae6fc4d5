/*
 * store_merge.c - store_merge() (see store.h): join the shard databases of
 * one campaign into one database, as if one machine had run it.
 *
 * Each shard is opened read-only on a connection of its own; the output is
 * written on its connection in ONE transaction (BEGIN IMMEDIATE ... COMMIT),
 * so a refused shard, a full disk or a kill leaves the output as it was.
 * Rows are copied column by column as the schema lists them (sqlite3_column_value
 * to sqlite3_bind_value; both files are at this binary's schema version), with
 * the id columns that refer to other rows rewritten through a map from the
 * shard's ids to the output's (a TEMP table of this connection).  Identity:
 * images by their five identity fields, the campaign by (name, spec hash),
 * extensions by name, faults by (extension, index), profiles by key, crash
 * signatures by (kind, title), trials by key.
 * Invariants: (1) a trial key the output holds is never written again, so
 * merging twice adds nothing; (2) every shard holds exactly one campaign,
 * the same (name, spec hash, image) as every other shard and as the
 * output's copy of it; (3) a fault descriptor of the same (extension,
 * index) has the same types, count and seed everywhere (else refused);
 * (4) shards are never written.  Column names come from the schema, never
 * from data.
 */
#define _GNU_SOURCE
#include "store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_impl.h"
#include "util.h"

/* What identifies a shard: its campaign, and the image it ran on. */
#define ID_NAME 0
#define ID_HASH 1
#define ID_KVER 2
#define ID_IMG0 3	/* vmlinux sha, initramfs sha, kernel_source, kernel_locked */
#define ID_N 7

struct shard {
	const char *path;
	struct store *st;
	int64_t cid, image_id;
	char *id[ID_N];		/* NULL: SQL NULL */
};

struct merge {
	struct store *out;
	int64_t cid;		/* the campaign in out */
	struct store_merge_totals *t;
};

/* A column whose value is the id of a row of another table. */
struct col_map {
	const char *col, *kind;	/* kind: the map it goes through */
};

/* ---- the id map (TEMP table of the output's connection) --------------------- */

static int map_put(struct merge *m, const char *kind, int64_t old, int64_t new)
{
	sqlite3_stmt *s = store_stmt(m->out, "INSERT OR REPLACE INTO temp.merge_map (kind, old, new) "
				     "VALUES (?1, ?2, ?3)", "tii", kind, old, new);

	return s ? store_step_done(m->out, s, "cannot map an id") : -1;
}

/* 0 with *new, 1 when old is not mapped, -1 on error. */
static int map_get(struct merge *m, const char *kind, int64_t old, int64_t *new)
{
	sqlite3_stmt *s = store_stmt(m->out, "SELECT new FROM temp.merge_map WHERE kind = ?1 AND "
				     "old = ?2", "ti", kind, old);

	return s ? store_step_int(m->out, s, new) : -1;
}

/* ---- copying rows ----------------------------------------------------------- */

static const char *map_kind(const struct col_map *maps, const char *col)
{
	for (; maps && maps->col; maps++)
		if (!strcmp(maps->col, col))
			return maps->kind;
	return NULL;
}

/*
 * Insert the row src is on into table of the output: every column of src
 * but "id" (the output gives a new one), the columns of maps through their
 * map (NULL stays NULL).  *id: the new row's rowid.
 */
static int copy_row(struct merge *m, const char *table, sqlite3_stmt *src,
		    const struct col_map *maps, int64_t *id)
{
	int n = sqlite3_column_count(src), i, k = 0, r;
	size_t cap = 256, len;
	char *cols = xcalloc(1, cap), *vals = xcalloc(1, cap);
	sqlite3_stmt *ins;
	char *sql;

	for (i = 0; i < n; i++) {
		const char *c = sqlite3_column_name(src, i);

		if (!strcmp(c, "id"))
			continue;
		len = strlen(cols) + strlen(c) + 16;
		if (len > cap || strlen(vals) + 16 > cap) {
			cap = 2 * (len > cap ? len : cap);
			cols = xrealloc(cols, cap);
			vals = xrealloc(vals, cap);
		}
		k++;
		sprintf(cols + strlen(cols), "%s\"%s\"", k > 1 ? ", " : "", c);
		sprintf(vals + strlen(vals), "%s?%d", k > 1 ? ", " : "", k);
	}
	sql = xasprintf("INSERT INTO main.\"%s\" (%s) VALUES (%s) RETURNING rowid", table, cols, vals);
	free(cols);
	free(vals);
	ins = store_prepare(m->out, sql);
	free(sql);
	if (!ins)
		return -1;
	for (i = 0, k = 0; i < n; i++) {
		const char *c = sqlite3_column_name(src, i), *kind = map_kind(maps, c);
		int64_t v;

		if (!strcmp(c, "id"))
			continue;
		k++;
		if (!kind || sqlite3_column_type(src, i) == SQLITE_NULL) {
			sqlite3_bind_value(ins, k, sqlite3_column_value(src, i));
			continue;
		}
		if (map_get(m, kind, sqlite3_column_int64(src, i), &v)) {
			sqlite3_finalize(ins);
			return error("database '%s': %s.%s %lld has no row to refer to", store_path(m->out),
				     table, c, (long long)sqlite3_column_int64(src, i));
		}
		sqlite3_bind_int64(ins, k, v);
	}
	r = store_step_int(m->out, ins, id);
	return r ? store_db_error(m->out, "cannot merge a row") : 0;
}

/*
 * For each row of sql (on the shard, ?1 bound to id), fn(m, sh, row).
 * Stops at the first error.
 */
static int each_row(struct merge *m, struct shard *sh, const char *sql, int64_t id,
		    int (*fn)(struct merge *m, struct shard *sh, sqlite3_stmt *row))
{
	sqlite3_stmt *s = store_stmt(sh->st, sql, "i", id);
	int r;

	if (!s)
		return -1;
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		if (fn(m, sh, s)) {
			sqlite3_finalize(s);
			return -1;
		}
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : store_db_error(sh->st, "cannot read the shard");
}

/* Index of column name in row (asserted present: the schema has it). */
static int col(sqlite3_stmt *row, const char *name)
{
	int i;

	for (i = 0; i < sqlite3_column_count(row); i++)
		if (!strcmp(sqlite3_column_name(row, i), name))
			return i;
	return 0;
}

#define COL_I(row, name) sqlite3_column_int64(row, col(row, name))
#define COL_T(row, name) ((const char *)sqlite3_column_text(row, col(row, name)))

/* ---- the rows of one shard ------------------------------------------------- */

/* The output's row found by find (prepared on the output), else row copied
 * into table; mapped as kind either way. */
static int find_or_copy(struct merge *m, sqlite3_stmt *find, const char *table,
			sqlite3_stmt *row, const struct col_map *maps, const char *kind)
{
	int64_t id;
	int r = find ? store_step_int(m->out, find, &id) : -1;

	if (r == 1)
		r = copy_row(m, table, row, maps, &id);
	return r ? -1 : map_put(m, kind, COL_I(row, "id"), id);
}

static int merge_extension(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	static const struct col_map maps[] = { { "campaign_id", "campaign" }, { NULL, NULL } };

	(void)sh;
	return find_or_copy(m, store_stmt(m->out, "SELECT id FROM extensions WHERE campaign_id = ?1 "
					  "AND name = ?2", "it", m->cid, COL_T(row, "name")),
			    "extensions", row, maps, "extension");
}

static int merge_site(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	static const struct col_map maps[] = { { "extension_id", "extension" }, { NULL, NULL } };
	int64_t ext, id;
	sqlite3_stmt *s;
	int r;

	(void)sh;
	if (map_get(m, "extension", COL_I(row, "extension_id"), &ext))
		return -1;
	s = store_stmt(m->out, "SELECT rowid FROM extension_sites WHERE extension_id = ?1 AND "
		       "fault_type = ?2", "it", ext, COL_T(row, "fault_type"));
	r = s ? store_step_int(m->out, s, &id) : -1;
	return r == 1 ? copy_row(m, "extension_sites", row, maps, &id) : r;
}

static int merge_mutation(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	static const struct col_map maps[] = { { "fault_id", "fault" }, { NULL, NULL } };
	int64_t id;

	(void)sh;
	return copy_row(m, "mutations", row, maps, &id);
}

static int merge_fault(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	static const struct col_map maps[] = {
		{ "campaign_id", "campaign" }, { "extension_id", "extension" }, { NULL, NULL } };
	int64_t ext, id = 0, muts = 0, fid = COL_I(row, "id");
	sqlite3_stmt *s;
	int r;

	if (map_get(m, "extension", COL_I(row, "extension_id"), &ext))
		return -1;
	s = store_stmt(m->out, "SELECT id, types = ?3 AND count = ?4 AND seed = ?5 FROM faults "
		       "WHERE extension_id = ?1 AND idx = ?2", "iitii", ext, COL_I(row, "idx"),
		       COL_T(row, "types"), COL_I(row, "count"), COL_I(row, "seed"));
	if (!s)
		return -1;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if (!sqlite3_column_int(s, 1)) {
			sqlite3_finalize(s);
			return error("shard '%s': fault descriptor %lld of extension #%lld differs from "
				     "the one '%s' holds (another plan)", sh->path,
				     (long long)COL_I(row, "idx"), (long long)ext, store_path(m->out));
		}
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_db_error(m->out, "cannot read the faults");
	if (r == SQLITE_DONE && copy_row(m, "faults", row, maps, &id))
		return -1;
	if (map_put(m, "fault", fid, id))
		return -1;
	s = store_stmt(m->out, "SELECT COUNT(*) FROM mutations WHERE fault_id = ?1", "i", id);
	if (!s || store_step_int(m->out, s, &muts))
		return -1;
	if (muts)	/* the output has this descriptor's mutations already */
		return 0;
	return each_row(m, sh, "SELECT * FROM mutations WHERE fault_id = ?1 ORDER BY n", fid,
			merge_mutation);
}

static int merge_profile(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	(void)sh;
	return find_or_copy(m, store_stmt(m->out, "SELECT id FROM profiles WHERE key = ?1", "t",
					  COL_T(row, "key")), "profiles", row, NULL, "profile");
}

/* A signature row of the output (count 0 until a trial of it is merged). */
static int merge_signature(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	sqlite3_stmt *s = store_stmt(m->out, "SELECT id FROM crash_signatures WHERE kind = ?1 AND "
				     "title = ?2", "tt", COL_T(row, "kind"), COL_T(row, "title"));
	int64_t id;
	int r = s ? store_step_int(m->out, s, &id) : -1;

	(void)sh;
	if (r == 1) {
		s = store_stmt(m->out, "INSERT INTO crash_signatures (kind, title, first_seen, last_seen, "
			       "count) VALUES (?1, ?2, ?3, ?4, 0) RETURNING id", "tttt",
			       COL_T(row, "kind"), COL_T(row, "title"), COL_T(row, "first_seen"),
			       COL_T(row, "last_seen"));
		r = s ? store_step_int(m->out, s, &id) : -1;
	}
	return r ? store_db_error(m->out, "cannot merge a crash signature")
		 : map_put(m, "signature", COL_I(row, "id"), id);
}

static int merge_log(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	static const struct col_map maps[] = { { "trial_id", "trial" }, { NULL, NULL } };
	int64_t id;

	(void)sh;
	return copy_row(m, "logs", row, maps, &id);
}

/* Count trial tid (of the shard's signature row sig) in the output's signature. */
static int count_signature(struct merge *m, int64_t sig, int64_t tid, const char *at)
{
	int64_t id;
	sqlite3_stmt *s;

	if (map_get(m, "signature", sig, &id))
		return -1;
	s = store_stmt(m->out, "UPDATE crash_signatures SET count = count + 1, "
		       "example_trial_id = coalesce(example_trial_id, ?1), "
		       "first_seen = min(first_seen, ?2), last_seen = max(last_seen, ?2) "
		       "WHERE id = ?3", "iti", tid, at, id);
	return s ? store_step_done(m->out, s, "cannot count a crash signature") : -1;
}

static int merge_trial(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	static const struct col_map maps[] = {
		{ "campaign_id", "campaign" }, { "fault_id", "fault" },
		{ "signature_id", "signature" }, { "image_id", "image" },
		{ "profile_id", "profile" }, { NULL, NULL } };
	sqlite3_stmt *s = store_stmt(m->out, "SELECT id FROM trials WHERE campaign_id = ?1 AND "
				     "key = ?2", "it", m->cid, COL_T(row, "key"));
	int64_t id, old = COL_I(row, "id");
	int r = s ? store_step_int(m->out, s, &id) : -1;

	if (r <= 0) {
		m->t->present += r == 0;
		return r;
	}
	if (copy_row(m, "trials", row, maps, &id) || map_put(m, "trial", old, id))
		return -1;
	if (sqlite3_column_type(row, col(row, "signature_id")) != SQLITE_NULL &&
	    count_signature(m, COL_I(row, "signature_id"), id, COL_T(row, "finished_at")))
		return -1;
	m->t->added++;
	return each_row(m, sh, "SELECT * FROM logs WHERE trial_id = ?1 ORDER BY kind", old, merge_log);
}

static int merge_attempt(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	sqlite3_stmt *s = store_stmt(m->out,
		"INSERT INTO infra_attempts (campaign_id, key, error, at) SELECT ?1, ?2, ?3, ?4 "
		"WHERE NOT EXISTS (SELECT 1 FROM infra_attempts WHERE campaign_id = ?1 AND key = ?2 "
		"AND error = ?3 AND at = ?4)", "itttt", m->cid, COL_T(row, "key"),
		COL_T(row, "error"), COL_T(row, "at"));

	(void)sh;
	return s ? store_step_done(m->out, s, "cannot merge an infra attempt") : -1;
}

/* The output's image row for the shard's (the campaign's image, -1 when unknown). */
static int merge_image(struct merge *m, struct shard *sh)
{
	const struct store_image img = { sh->id[ID_KVER], sh->id[ID_IMG0], sh->id[ID_IMG0 + 1],
					 sh->id[ID_IMG0 + 2], sh->id[ID_IMG0 + 3] };
	int64_t id;

	if (sh->image_id < 0)
		return 0;
	return store_image_add(m->out, &img, &id) || map_put(m, "image", sh->image_id, id) ? -1 : 0;
}

/* The campaign row in the output: found by (name, spec hash), else copied. */
static int merge_campaign(struct merge *m, struct shard *sh, sqlite3_stmt *row)
{
	static const struct col_map maps[] = { { "image_id", "image" }, { NULL, NULL } };
	sqlite3_stmt *s;
	int r = store_campaign_find(m->out, sh->id[ID_NAME], sh->id[ID_HASH], &m->cid);

	if (r == 1) {
		if (copy_row(m, "campaigns", row, maps, &m->cid))
			return -1;
		s = store_stmt(m->out, "UPDATE campaigns SET shard_index = NULL, shard_count = NULL, "
			       "shard_planned = NULL, finished_at = NULL WHERE id = ?1", "i", m->cid);
		if (!s || store_step_done(m->out, s, "cannot merge the campaign"))
			return -1;
	} else if (r < 0) {
		return -1;
	}
	s = store_stmt(m->out, "UPDATE campaigns SET created_at = min(created_at, ?1) WHERE id = ?2",
		       "ti", COL_T(row, "created_at"), m->cid);
	if (!s || store_step_done(m->out, s, "cannot merge the campaign"))
		return -1;
	return map_put(m, "campaign", sh->cid, m->cid);
}

static int merge_shard(struct merge *m, struct shard *sh)
{
	static const struct {
		const char *sql;
		int (*fn)(struct merge *, struct shard *, sqlite3_stmt *);
	} steps[] = {
		{ "SELECT * FROM campaigns WHERE id = ?1", merge_campaign },
		{ "SELECT * FROM extensions WHERE campaign_id = ?1 ORDER BY id", merge_extension },
		{ "SELECT s.* FROM extension_sites s JOIN extensions e ON e.id = s.extension_id "
		  "WHERE e.campaign_id = ?1 ORDER BY s.rowid", merge_site },
		{ "SELECT * FROM faults WHERE campaign_id = ?1 ORDER BY id", merge_fault },
		{ "SELECT * FROM profiles WHERE id IN (SELECT profile_id FROM trials "
		  "WHERE campaign_id = ?1) ORDER BY id", merge_profile },
		{ "SELECT * FROM crash_signatures WHERE id IN (SELECT signature_id FROM trials "
		  "WHERE campaign_id = ?1) ORDER BY id", merge_signature },
		{ "SELECT * FROM trials WHERE campaign_id = ?1 ORDER BY id", merge_trial },
		{ "SELECT * FROM infra_attempts WHERE campaign_id = ?1 ORDER BY id", merge_attempt },
	};
	size_t i;

	if (store_exec(m->out, "DELETE FROM temp.merge_map") || merge_image(m, sh))
		return -1;
	for (i = 0; i < ARRAY_SIZE(steps); i++)
		if (each_row(m, sh, steps[i].sql, sh->cid, steps[i].fn))
			return -1;
	return 0;
}

/* ---- identities ---------------------------------------------------------------- */

static void shard_release(struct shard *sh)
{
	int i;

	for (i = 0; i < ID_N; i++)
		free(sh->id[i]);
	store_close(sh->st);
	memset(sh, 0, sizeof(*sh));
}

/* Read the one campaign st holds and its image into sh; path names it. */
static int read_identity(struct store *st, const char *path, struct shard *sh)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT c.name, c.spec_hash, i.kernel_version, i.vmlinux_sha256, i.initramfs_sha256, "
		"i.kernel_source, i.kernel_locked, c.id, coalesce(c.image_id, -1), "
		"(SELECT COUNT(*) FROM campaigns), (SELECT COUNT(*) FROM trials t WHERE "
		"t.image_id IS NOT c.image_id AND t.image_id IS NOT NULL) "
		"FROM campaigns c LEFT JOIN images i ON i.id = c.image_id");
	int i, r, n = 0, other = 0;

	sh->path = path;
	if (!s)
		return -1;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		for (i = 0; i < ID_N; i++)
			if (sqlite3_column_type(s, i) != SQLITE_NULL)
				sh->id[i] = xstrdup((const char *)sqlite3_column_text(s, i));
		sh->cid = sqlite3_column_int64(s, 7);
		sh->image_id = sqlite3_column_int64(s, 8);
		n = sqlite3_column_int(s, 9);
		other = sqlite3_column_int(s, 10);
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_db_error(st, "cannot read the campaign");
	if (n != 1)
		return error("shard '%s' holds %d campaigns; a shard holds one", path, n);
	if (other)
		return error("shard '%s': %d trials ran on another image than their campaign "
			     "(--allow-kernel-change); a merge takes one image", path, other);
	return 0;
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* One line when sh is not of the campaign and image of ref (named what). */
static int check_identity(const struct shard *sh, const struct shard *ref, const char *what)
{
	int i;

	if (!same(sh->id[ID_NAME], ref->id[ID_NAME]) || !same(sh->id[ID_HASH], ref->id[ID_HASH]))
		return error("shard '%s' holds campaign '%s' (spec hash %s), not '%s' (spec hash %s) "
			     "of %s", sh->path, sh->id[ID_NAME], sh->id[ID_HASH], ref->id[ID_NAME],
			     ref->id[ID_HASH], what);
	if (!same(sh->id[ID_KVER], ref->id[ID_KVER]))
		return error("shard '%s' ran on kernel %s, %s on kernel %s", sh->path,
			     sh->id[ID_KVER] ? sh->id[ID_KVER] : "(unknown)", what,
			     ref->id[ID_KVER] ? ref->id[ID_KVER] : "(unknown)");
	for (i = ID_IMG0; i < ID_N; i++)
		if (!same(sh->id[i], ref->id[i]))
			return error("shard '%s' ran on another image than %s (same kernel %s, "
				     "different vmlinux, initramfs or kernel selection)", sh->path,
				     what, sh->id[ID_KVER] ? sh->id[ID_KVER] : "(unknown)");
	return 0;
}

/* The output's copy of the campaign, if any, must be of the same image and whole. */
static int check_output(struct store *out, const struct shard *ref)
{
	struct shard o = { 0 };
	struct store_shard part;
	sqlite3_stmt *s = store_stmt(out,
		"SELECT c.name, c.spec_hash, i.kernel_version, i.vmlinux_sha256, i.initramfs_sha256, "
		"i.kernel_source, i.kernel_locked, c.id FROM campaigns c LEFT JOIN images i "
		"ON i.id = c.image_id WHERE c.name = ?1 AND c.spec_hash = ?2", "tt",
		ref->id[ID_NAME], ref->id[ID_HASH]);
	char *what;
	int i, r;

	if (!s)
		return -1;
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < ID_N; i++)
			if (sqlite3_column_type(s, i) != SQLITE_NULL)
				o.id[i] = xstrdup((const char *)sqlite3_column_text(s, i));
		o.cid = sqlite3_column_int64(s, 7);
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW)
		return r == SQLITE_DONE ? 0 : store_db_error(out, "cannot read the campaigns");
	o.path = ref->path;
	what = xasprintf("the campaign in '%s'", store_path(out));
	r = check_identity(ref, &o, what);
	if (!r && !store_campaign_shard_get(out, o.cid, &part) && part.count)
		r = error("'%s' is shard %d/%d of campaign '%s': merge into a new database",
			  store_path(out), part.index, part.count, ref->id[ID_NAME]);
	free(what);
	for (i = 0; i < ID_N; i++)
		free(o.id[i]);
	return r;
}

static int same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/* Open and check every shard (nothing is written yet). */
static int open_shards(const char *out, char *const *paths, int n, struct shard *sh)
{
	char *what;
	int i, r;

	for (i = 0; i < n; i++) {
		if (same_file(out, paths[i]))
			return error("shard '%s' is also the output database", paths[i]);
		if (store_open(paths[i], STORE_RO, &sh[i].st) ||
		    read_identity(sh[i].st, paths[i], &sh[i]))
			return -1;
		if (i == 0)
			continue;
		what = xasprintf("'%s'", paths[0]);
		r = check_identity(&sh[i], &sh[0], what);
		free(what);
		if (r)
			return -1;
	}
	return 0;
}

static void remove_db(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sfx); i++) {
		char *p = xasprintf("%s%s", path, sfx[i]);

		unlink(p);
		free(p);
	}
}

static int finish_campaign(struct merge *m)
{
	sqlite3_stmt *s = store_stmt(m->out,
		"SELECT (SELECT COUNT(*) FROM trials WHERE campaign_id = ?1), planned, name "
		"FROM campaigns WHERE id = ?1", "i", m->cid);

	if (!s)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW) {
		m->t->stored = sqlite3_column_int64(s, 0);
		m->t->planned = sqlite3_column_int64(s, 1);
		snprintf(m->t->name, sizeof(m->t->name), "%s", sqlite3_column_text(s, 2));
	}
	sqlite3_finalize(s);
	m->t->campaign_id = m->cid;
	if (m->t->stored < m->t->planned)
		return 0;
	/* finished when its last trial was: a merged campaign reads as if one machine ran it */
	s = store_stmt(m->out, "UPDATE campaigns SET finished_at = (SELECT MAX(finished_at) FROM "
		       "trials WHERE campaign_id = ?1) WHERE id = ?1", "i", m->cid);
	return s ? store_step_done(m->out, s, "cannot finish the campaign") : -1;
}

int store_merge(const char *out, char *const *paths, int n, struct store_merge_totals *t)
{
	struct shard *sh = xcalloc((size_t)n, sizeof(*sh));
	struct merge m = { .t = t };
	int created = !file_exists(out), i, ret = -1;

	memset(t, 0, sizeof(*t));
	if (n < 1 || open_shards(out, paths, n, sh))
		goto out;
	if (store_open(out, STORE_RW, &m.out) || check_output(m.out, &sh[0]))
		goto out;
	if (store_exec(m.out, "CREATE TEMP TABLE IF NOT EXISTS merge_map (kind TEXT NOT NULL, "
			      "old INTEGER NOT NULL, new INTEGER NOT NULL, PRIMARY KEY (kind, old))") ||
	    store_begin(m.out))
		goto out;
	for (i = 0; i < n; i++)
		if (merge_shard(&m, &sh[i]))
			goto out;
	if (finish_campaign(&m) || store_commit(m.out))
		goto out;
	ret = 0;
out:
	store_close(m.out);	/* rolls back what is open */
	if (ret && created)
		remove_db(out);
	for (i = 0; i < n; i++)
		shard_release(&sh[i]);
	free(sh);
	return ret;
}
