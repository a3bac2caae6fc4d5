/*
 * store_campaigns.c - the store's campaign-level rows (see store.h):
 * images, campaigns, extensions and their candidate sites, fault
 * descriptors; and resolving a campaign by id or name.  Every value goes
 * through bound parameters; callers own the transactions.
 */
#define _GNU_SOURCE
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

/* ---- campaigns ------------------------------------------------------------ */

/* Step an INSERT ... RETURNING id prepared by store_stmt() (s NULL: it failed). */
static int step_id(struct store *st, sqlite3_stmt *s, int64_t *id, const char *what)
{
	if (!s)
		return -1;
	return store_step_int(st, s, id) ? store_db_error(st, what) : 0;
}

/*
 * Run the INSERT ... RETURNING id sql, its parameters bound as store_stmt()
 * binds them: 0 with the new row's *id, or -1 with an error naming what.
 */
#define insert_id(st, id, what, sql, types, ...) \
	step_id(st, store_stmt(st, sql, types, __VA_ARGS__), id, what)

/* sql with the five identity fields of img bound to ?1..?5; NULL on error. */
static sqlite3_stmt *image_stmt(struct store *st, const char *sql, const struct store_image *img)
{
	return store_stmt(st, sql, "ttttt", img->kernel_version,
			  img->vmlinux_sha256 ? img->vmlinux_sha256 : "",
			  img->initramfs_sha256 ? img->initramfs_sha256 : "", img->kernel_source,
			  img->kernel_locked);
}

int store_image_add(struct store *st, const struct store_image *img, int64_t *id)
{
	sqlite3_stmt *s = image_stmt(st,
		"SELECT id FROM images WHERE kernel_version = ?1 AND vmlinux_sha256 = ?2 AND "
		"initramfs_sha256 = ?3 AND kernel_source IS ?4 AND kernel_locked IS ?5", img);
	int r = s ? store_step_int(st, s, id) : -1;

	if (r == 1) {
		s = image_stmt(st, "INSERT INTO images (kernel_version, vmlinux_sha256, "
			       "initramfs_sha256, kernel_source, kernel_locked) "
			       "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id", img);
		r = s ? store_step_int(st, s, id) : -1;
	}
	return r ? store_db_error(st, "cannot record the image") : 0;
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
	sqlite3_stmt *s = store_stmt(st, "SELECT id FROM campaigns WHERE name = ?1 AND "
				     "spec_hash = ?2", "tt", name, spec_hash);

	return s ? store_step_int(st, s, id) : -1;
}

int store_campaign_insert(struct store *st, const char *name, const char *spec_json,
			  const char *spec_hash, int64_t seed, int64_t image_id,
			  int planned, int64_t *id)
{
	return insert_id(st, id, "cannot insert the campaign",
			 "INSERT INTO campaigns (name, spec_json, spec_hash, seed, image_id, "
			 "planned) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id", "tttind", name,
			 spec_json, spec_hash, seed, image_id, planned);
}

int store_extension_insert(struct store *st, int64_t campaign_id, const char *name,
			   const char *module, const char *device, const char *workload,
			   const char *disk, int64_t *id)
{
	return insert_id(st, id, "cannot insert an extension",
			 "INSERT INTO extensions (campaign_id, name, module, device, workload, "
			 "disk) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id", "ittttt",
			 campaign_id, name, module, device, workload, disk);
}

int store_extension_sites_insert(struct store *st, int64_t extension_id, const char *type,
				 int64_t sites)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO extension_sites (extension_id, fault_type, sites) VALUES (?1, ?2, ?3)",
		"iti", extension_id, type, sites);

	if (!s)
		return -1;
	return store_step_done(st, s, "cannot record the candidate sites of an extension");
}

int store_fault_insert(struct store *st, int64_t campaign_id, int64_t extension_id,
		       int idx, const char *types, int count, uint64_t seed, int64_t *id)
{
	return insert_id(st, id, "cannot insert a fault",
			 "INSERT INTO faults (campaign_id, extension_id, idx, types, count, seed) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id", "iidtdi", campaign_id,
			 extension_id, idx, types, count, (int64_t)seed);
}

int store_fault_id(struct store *st, int64_t campaign_id, const char *extension,
		   int idx, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT f.id FROM faults f JOIN extensions e ON e.id = f.extension_id "
		"WHERE f.campaign_id = ?1 AND e.name = ?2 AND f.idx = ?3", "itd", campaign_id,
		extension, idx);
	int r;

	if (!s)
		return -1;
	r = store_step_int(st, s, id);
	if (r == 1)
		return error("database '%s': no fault %s/%d in campaign %lld", st->path,
			     extension, idx, (long long)campaign_id);
	return r;
}

int store_campaign_finish(struct store *st, int64_t campaign_id)
{
	sqlite3_stmt *s = store_stmt(st,
		"UPDATE campaigns SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
		"WHERE id = ?1 AND finished_at IS NULL", "i", campaign_id);

	if (!s)
		return -1;
	return store_step_done(st, s, "cannot finish the campaign");
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
			store_bind_text(s, 1, spec);
	}
	if (!s)
		return -1;
	r = store_step_int(st, s, id);
	if (r == 1) {
		if (spec)
			return error("unknown campaign '%s' in database '%s'", spec, st->path);
		return error("database '%s' holds no campaign", st->path);
	}
	return r;
}

int store_campaign_shard_set(struct store *st, int64_t cid, const struct store_shard *sh)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE campaigns SET shard_index = ?1, shard_count = ?2, "
				     "shard_planned = ?3 WHERE id = ?4", "nnni",
				     (int64_t)(sh->count ? sh->index : -1),
				     (int64_t)(sh->count ? sh->count : -1),
				     (int64_t)(sh->count ? sh->planned : -1), cid);

	if (!s)
		return -1;
	return store_step_done(st, s, "cannot record the campaign's shard");
}

int store_campaign_shard_get(struct store *st, int64_t cid, struct store_shard *sh)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT shard_index, shard_count, shard_planned FROM "
				     "campaigns WHERE id = ?1 AND shard_count IS NOT NULL", "i", cid);
	int r;

	memset(sh, 0, sizeof(*sh));
	if (!s)
		return -1;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		sh->index = sqlite3_column_int(s, 0);
		sh->count = sqlite3_column_int(s, 1);
		sh->planned = sqlite3_column_int(s, 2);
	}
	sqlite3_finalize(s);
	return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : store_db_error(st, "cannot read the shard");
}
