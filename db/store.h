/*
 * store.h - the results store: an SQLite database (WAL, foreign keys,
 * prepared statements) holding campaigns, images, extensions, fault
 * descriptors and their mutations, trials, crash signatures and logs.
 *
 * The schema is db/schema.sql, embedded in the binary and applied as
 * numbered migrations (PRAGMA user_version).  Every write is one
 * transaction: a trial is either stored completely or not at all, so a
 * runner killed at any moment loses at most the trials in flight.  The
 * store is a pure library: it never calls the harness, the injector or the
 * reports; report queries read the views through store_db().
 */
#ifndef NOOKS_STORE_H
#define NOOKS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

struct store;

enum store_mode {
	STORE_RW,	/* create if missing, migrate to the current schema */
	STORE_RO,	/* existing database at the current schema, read only */
};

struct store_mutation {
	const char *type, *section, *symbol;
	int64_t sym_offset, file_offset;	/* -1: unknown */
	const char *old_bytes, *new_bytes;	/* hex */
	const char *disasm_before, *disasm_after;
};

/*
 * One trial's record, from the executor that fills it to the store: NULL
 * strings and negative numbers mean "none".  A record an executor filled
 * owns its strings and mutations (store_trial_free()) except key and mode,
 * which point into the campaign's plan; campaign_id, fault_id, attempts
 * and image_id are set by the campaign runner when it stores the record.
 */
struct store_trial {
	int64_t campaign_id, fault_id;
	const char *key, *mode, *outcome;
	int attempts;
	int crashed;
	const char *crash_kind, *crash_title, *guilty_function, *guilty_module;
	const char *detection;
	const char *nim_detection;		/* migration 5: write_protect, or a fault kind */
	const char *nim_target;			/* write_protect: the symbol written to */
	double recovery_ms;
	const char *deadlines_hit;
	int workload_pass;			/* 1, 0, or -1: no verdict */
	const char *workload_reason, *metrics_json, *nim_events_json;
	int64_t boot_ms, workload_ms, wall_ms;
	const char *error;			/* infra_error: what failed */
	const char *console_path, *agent_path;	/* files, stored compressed */
	const char *describe_json;		/* injector description text */
	int fs_checked;				/* disk checked after the trial (else NULL columns) */
	int fs_corrupt;				/* fsck.vfat -n: corrupt (beyond the dirty bit) */
	int fs_dirty;				/* dirty bit left set */
	int fsck_exit;
	const char *fsck_summary;
	int activation_known;			/* runtime faults armed (else NULL columns) */
	int fault_armed, fault_fired;		/* swifi's armed / fired events */
	const char *profile_key, *profile_json;	/* call profile used (stored once), or NULL */
	const struct store_mutation *mutations;	/* stored once per fault */
	int n_mutations;
	int64_t image_id;			/* migration 6: image it ran on; <= 0: its campaign's */
};

/* A guest image: the kernel that ran and how it was selected (image.json). */
struct store_image {
	const char *kernel_version, *vmlinux_sha256, *initramfs_sha256;
	const char *kernel_source;	/* "lock", "fallback", "override"; NULL: unknown */
	const char *kernel_locked;	/* what kernel.lock asked for; NULL: unknown */
};

/* A record with every number "none" (-1) and no strings. */
void store_trial_init(struct store_trial *t /* out */);
/* Free what a filled record owns (not key, mode); leaves it as store_trial_init() does. */
void store_trial_free(struct store_trial *t);
/* Free a malloc'd mutation list whose strings are malloc'd. */
void store_mutations_free(struct store_mutation *m, int n);

/* Latest schema version this binary knows. */
int store_schema_version(void);
/* Open (and in STORE_RW create/migrate) path; one-line error and -1 on failure. */
int store_open(const char *path, enum store_mode mode, struct store **out /* out */);
/* Open at most up to schema version `upto` (tests of migration only). */
int store_open_at(const char *path, int upto, struct store **out /* out */);
/* Fail early, changing nothing, when path could not be opened read-write
 * (read-only file, newer schema, unwritable directory for a new one). */
int store_check_writable(const char *path);
void store_close(struct store *st);
/* The underlying handle, for read-only queries on the views. */
sqlite3 *store_db(struct store *st);
/* Path the store was opened with. */
const char *store_path(const struct store *st);

int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Find or insert an image row (all five fields are its identity, NULLs
 * included); call inside a transaction.  *id /out/. */
int store_image_add(struct store *st, const struct store_image *img, int64_t *id /* out */);
/* The same with kernel_source and kernel_locked unknown. */
int store_image_id(struct store *st, const char *kver, const char *vmlinux_sha,
		   const char *initramfs_sha, int64_t *id /* out */);
/* 0 and *id if a campaign with name and spec_hash exists, 1 if not, -1 error. */
int store_campaign_find(struct store *st, const char *name, const char *spec_hash,
			int64_t *id /* out */);
/* Insert a campaign (inside a caller's transaction). */
int store_campaign_insert(struct store *st, const char *name, const char *spec_json,
			  const char *spec_hash, int64_t seed, int64_t image_id,
			  int planned, int64_t *id /* out */);
/* disk: the disk kind or image path of the extension's trials, or NULL. */
int store_extension_insert(struct store *st, int64_t campaign_id, const char *name,
			   const char *module, const char *device, const char *workload,
			   const char *disk, int64_t *id /* out */);
/* The candidate sites of one fault type in an extension's module (migration 6). */
int store_extension_sites_insert(struct store *st, int64_t extension_id, const char *type,
				 int64_t sites);
int store_fault_insert(struct store *st, int64_t campaign_id, int64_t extension_id,
		       int idx, const char *types, int count, uint64_t seed,
		       int64_t *id /* out */);
/* Look up a fault id by extension name and index. */
int store_fault_id(struct store *st, int64_t campaign_id, const char *extension,
		   int idx, int64_t *id /* out */);
/*
 * The part of a campaign a database holds (migration 7): shard index of
 * count (1-based) planning `planned` trials; count 0: the whole campaign.
 */
struct store_shard {
	int index, count, planned;
};
/* Record that campaign cid is shard sh of its plan (inside a caller's transaction). */
int store_campaign_shard_set(struct store *st, int64_t cid, const struct store_shard *sh);
/* The shard campaign cid holds ({0, 0, 0}: the whole campaign). */
int store_campaign_shard_get(struct store *st, int64_t cid, struct store_shard *sh /* out */);

/* What store_merge() did. */
struct store_merge_totals {
	char name[128];			/* the campaign merged */
	int64_t campaign_id;		/* its id in the output database */
	int64_t added, present;		/* trials added, trials the output already held */
	int64_t stored, planned;	/* trials of the campaign in the output, planned */
};
/*
 * Merge the campaign each shard database holds (one per file, the same
 * campaign, spec hash and image in all of them and in out if out already
 * holds it) into the database out (created if missing): images, the
 * campaign, extensions and their sites, fault descriptors, mutations,
 * call profiles, crash signatures, trials with their logs, infra attempts;
 * a trial whose key out already holds is skipped, so merging again adds
 * nothing.  One transaction: on any error (one line) nothing is written and
 * an out that did not exist is removed.  Shards are only read.
 */
int store_merge(const char *out, char *const *shards, int n,
		struct store_merge_totals *t /* out */);

/* Mark the campaign finished (all planned trials stored). */
int store_campaign_finish(struct store *st, int64_t campaign_id);
/* Resolve "ID" or "NAME" (latest of that name), or the latest campaign when
 * spec is NULL; one-line error on an unknown campaign. */
int store_campaign_resolve(struct store *st, const char *spec, int64_t *id /* out */);

/*
 * Store one finished trial in one transaction: mutations (first time the
 * fault is seen), crash signature upsert, the trial row and its logs.
 * Returns 0, 1 if the key is already stored (nothing written), -1 on error
 * (nothing written).
 */
int store_trial_put(struct store *st, const struct store_trial *t, int64_t *id /* out */);
/* Record a failed (infra) attempt of a trial key. */
int store_infra_attempt(struct store *st, int64_t campaign_id, const char *key,
			const char *error);
/* Call fn for every stored trial key of the campaign. */
int store_trial_keys(struct store *st, int64_t campaign_id,
		     void (*fn)(void *ctx, const char *key), void *ctx);
/* Number of stored trials of the campaign, or -1. */
int store_trial_count(struct store *st, int64_t campaign_id);
/* A trial's log (decompressed, NUL-terminated, malloc'd); 1 if absent. */
int store_log_get(struct store *st, int64_t trial_id, const char *kind,
		  char **buf /* out */, size_t *len /* out */);

/* Run a statement with no result; one-line error naming the database. */
int store_exec(struct store *st, const char *sql);
/* Prepare; one-line error on failure. */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);

#endif
