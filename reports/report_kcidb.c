/*
 * report_kcidb.c - one campaign as KCIDB I/O JSON, schema v5.3 (kcidb-io),
 * for submission to KernelCI: a checkout per guest kernel its trials ran
 * on (the Debian package: kernel_locked "ABI=VERSION"), a build per guest
 * image (vmlinux + initramfs hashes), a test per trial with the path
 * nooks.<extension>.<mode>.<fault types> and the status of its outcome
 * class (common/outcome.c: PASS, FAIL, ERROR for infra_error); the crash
 * title, guilty function, NIM detection and the infra error go into the
 * test's comment, log_excerpt and misc.
 *
 * Read-only (SELECTs on the views); ids are stable: the same database
 * exports the same ids, so resubmitting updates rather than duplicates.
 * Every string is passed to json-c, which escapes it; path segments are
 * reduced to the schema's [a-zA-Z0-9_-].
 */
#define _GNU_SOURCE
#include "report.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ORIGIN "nooks"
#define EXCERPT_MAX 16384	/* the schema's log_excerpt maxLength */

static void put_str(struct json_object *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_object_add(o, key, json_object_new_string(v));
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void put_fmt(struct json_object *o, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put_fmt(struct json_object *o, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	put_str(o, key, v);
	free(v);
}

/* Reduce s to a path segment ([a-zA-Z0-9_-]; "," of mixed types becomes "-"). */
static void segment(char *dst, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++)
		dst[i++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			   (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ? *s : '-';
	dst[i] = '\0';
	if (!i)
		snprintf(dst, len, "unknown");
}

/* KCIDB wants an RFC 3339 time; the store keeps "YYYY-MM-DDTHH:MM:SSZ", which is one. */
static void put_time(struct json_object *o, const char *key, const char *t)
{
	if (t && strlen(t) == 20 && t[10] == 'T' && t[19] == 'Z')
		put_str(o, key, t);
}

/* ---- checkouts and builds: one per kernel and per image of the campaign ---- */

/* The Debian kernel package: its ABI is the checkout (the package version
 * is known only when the kernel lock was honoured: "ABI=VERSION"). */
static char *checkout_id(const char *kver)
{
	return xasprintf(ORIGIN ":debian-linux-image-%s", kver);
}

static char *build_id(const char *vmlinux, const char *initramfs)
{
	return xasprintf(ORIGIN ":image-%.16s-%.16s", vmlinux ? vmlinux : "", initramfs ? initramfs : "");
}

static int add_images(struct store *st, int64_t cid, struct json_object *checkouts,
		      struct json_object *builds)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT DISTINCT i.kernel_version, i.kernel_locked, i.kernel_source, i.vmlinux_sha256, "
		"i.initramfs_sha256, i.first_used FROM images i WHERE i.id IN (SELECT coalesce(t.image_id, "
		"c.image_id) FROM trials t JOIN campaigns c ON c.id = t.campaign_id WHERE c.id = ?1 "
		"UNION SELECT image_id FROM campaigns WHERE id = ?1) ORDER BY i.id");
	struct json_object *seen = json_object_new_object();
	int r;

	if (!s) {
		json_object_put(seen);
		return -1;
	}
	sqlite3_bind_int64(s, 1, cid);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		char *co = checkout_id(col_text(s, 0));
		char *bu = build_id(col_text(s, 3), col_text(s, 4));
		struct json_object *c, *b = json_object_new_object(), *misc = json_object_new_object();

		const char *lk = col_text(s, 1), *src = col_text(s, 2), *locked_here = NULL;

		/* "ABI=VERSION" of the lock names the package that ran when the lock was used */
		if (lk && src && !strcmp(src, "lock") &&
		    !strncmp(lk, col_text(s, 0), strlen(col_text(s, 0))))
			locked_here = strchr(lk, '=');
		if (!json_object_object_get_ex(seen, co, NULL)) {
			c = json_object_new_object();
			put_str(c, "id", co);
			put_str(c, "origin", ORIGIN);
			put_str(c, "tree_name", "debian-bookworm");
			put_fmt(c, "comment", "Debian 12 linux-image-%s (package %s)", col_text(s, 0),
				locked_here ? locked_here + 1 : "version unknown");
			json_object_object_add(c, "valid", json_object_new_boolean(1));
			json_object_array_add(checkouts, c);
			json_object_object_add(seen, co, NULL);
		}
		put_str(b, "id", bu);
		put_str(b, "origin", ORIGIN);
		put_str(b, "checkout_id", co);
		put_str(b, "architecture", "x86_64");
		put_str(b, "config_name", "debian-amd64");
		put_fmt(b, "comment", "nooks guest image: kernel %s (%s), vmlinux + initramfs",
			col_text(s, 0), col_text(s, 2) ? col_text(s, 2) : "selection unknown");
		put_time(b, "start_time", col_text(s, 5));
		put_str(b, "status", "PASS");
		put_str(misc, "kernel_version", col_text(s, 0));
		put_str(misc, "kernel_source", col_text(s, 2));
		put_str(misc, "vmlinux_sha256", col_text(s, 3));
		put_str(misc, "initramfs_sha256", col_text(s, 4));
		json_object_object_add(b, "misc", misc);
		json_object_array_add(builds, b);
		free(co);
		free(bu);
	}
	sqlite3_finalize(s);
	json_object_put(seen);
	return r == SQLITE_DONE ? 0 : error("database '%s': cannot read the images", store_path(st));
}

/* ---- tests: one per trial --------------------------------------------------- */

enum {
	T_KEY, T_EXT, T_MODE, T_TYPES, T_OUTCOME, T_KIND, T_TITLE, T_GFUNC, T_GMOD, T_NIMDET,
	T_NIMTGT, T_RECOV, T_WALL, T_FIN, T_ERROR, T_VMLINUX, T_INITRAMFS, T_SEED, T_IDX,
	T_ARMED, T_FIRED, T_ATTEMPTS, T_WLREASON, T_DEADLINES, T_HASH, T_NAME,
};

static const char trials_sql[] =
	"SELECT t.key, t.extension, t.mode, t.fault_types, t.outcome, t.crash_kind, t.crash_title, "
	"t.guilty_function, t.guilty_module, t.nim_detection, t.nim_target, t.recovery_ms, "
	"t.wall_ms, t.finished_at, t.error, i.vmlinux_sha256, i.initramfs_sha256, t.fault_seed, "
	"t.fault_idx, t.fault_armed, t.fault_fired, t.attempts, t.workload_reason, "
	"t.deadlines_hit, c.spec_hash, c.name "
	"FROM v_trials t JOIN campaigns c ON c.id = t.campaign_id "
	"LEFT JOIN images i ON i.id = coalesce(t.image_id, c.image_id) "
	"WHERE t.campaign_id = ?1 ORDER BY t.key";

/* The columns that go into misc as they are (NULL ones left out). */
static const struct { int col; const char *key; } misc_cols[] = {
	{ T_NAME, "campaign" }, { T_KEY, "key" }, { T_OUTCOME, "outcome" },
	{ T_KIND, "crash_kind" }, { T_TITLE, "crash_title" }, { T_GFUNC, "guilty_function" },
	{ T_GMOD, "guilty_module" }, { T_NIMDET, "nim_detection" }, { T_NIMTGT, "nim_target" },
	{ T_RECOV, "recovery_ms" }, { T_SEED, "fault_seed" }, { T_IDX, "fault_index" },
	{ T_ARMED, "fault_armed" }, { T_FIRED, "fault_fired" }, { T_ATTEMPTS, "attempts" },
	{ T_WLREASON, "workload_reason" }, { T_DEADLINES, "deadlines_hit" }, { T_ERROR, "error" },
};

static struct json_object *trial_misc(sqlite3_stmt *s)
{
	struct json_object *misc = json_object_new_object();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(misc_cols); i++) {
		int c = misc_cols[i].col;

		switch (sqlite3_column_type(s, c)) {
		case SQLITE_INTEGER:
			json_object_object_add(misc, misc_cols[i].key,
					       json_object_new_int64(sqlite3_column_int64(s, c)));
			break;
		case SQLITE_FLOAT:
			json_object_object_add(misc, misc_cols[i].key,
					       json_object_new_double(sqlite3_column_double(s, c)));
			break;
		case SQLITE_TEXT:
			put_str(misc, misc_cols[i].key, col_text(s, c));
			break;
		default:
			break;
		}
	}
	return misc;
}

/* "crash (oops): TITLE; NIM detection: X" and the like: what a reader needs first. */
static char *trial_comment(sqlite3_stmt *s)
{
	const char *oc = col_text(s, T_OUTCOME), *title = col_text(s, T_TITLE);
	const char *det = col_text(s, T_NIMDET), *err = col_text(s, T_ERROR);

	return xasprintf("%s %s: %s%s%s%s%s%s%s", col_text(s, T_NAME), col_text(s, T_KEY), oc,
			 title ? "; crash: " : "", title ? title : "",
			 det ? "; NIM detection: " : "", det ? det : "",
			 err && !strcmp(oc, "infra_error") ? "; infra error: " : "",
			 err && !strcmp(oc, "infra_error") ? err : "");
}

static struct json_object *trial_test(sqlite3_stmt *s)
{
	struct json_object *t = json_object_new_object(), *env = json_object_new_object();
	char ext[64], mode[32], types[256], *id, *comment, *bu;
	int oc = outcome_parse(col_text(s, T_OUTCOME));

	segment(ext, sizeof(ext), col_text(s, T_EXT));
	segment(mode, sizeof(mode), col_text(s, T_MODE));
	segment(types, sizeof(types), col_text(s, T_TYPES));
	id = xasprintf(ORIGIN ":%s:%s", col_text(s, T_HASH), col_text(s, T_KEY));
	bu = build_id(col_text(s, T_VMLINUX), col_text(s, T_INITRAMFS));
	comment = trial_comment(s);
	put_str(t, "id", id);
	put_str(t, "origin", ORIGIN);
	put_str(t, "build_id", bu);
	put_fmt(t, "path", ORIGIN ".%s.%s.%s", ext, mode, types);
	put_str(t, "status", outcome_kcidb_status(oc < 0 ? OUTCOME_INFRA_ERROR : (enum outcome)oc));
	put_str(t, "comment", comment);
	if (col_text(s, T_TITLE) || col_text(s, T_ERROR))
		json_object_object_add(t, "log_excerpt", json_object_new_string_len(
			col_text(s, T_TITLE) ? col_text(s, T_TITLE) : col_text(s, T_ERROR),
			(int)strnlen(col_text(s, T_TITLE) ? col_text(s, T_TITLE) : col_text(s, T_ERROR),
				     EXCERPT_MAX)));
	if (sqlite3_column_type(s, T_WALL) != SQLITE_NULL) {
		char secs[32];

		snprintf(secs, sizeof(secs), "%.3f", sqlite3_column_int64(s, T_WALL) / 1000.0);
		json_object_object_add(t, "duration", json_object_new_double_s(atof(secs), secs));
	}
	put_str(env, "comment", "QEMU TCG guest, -cpu max, 512 MiB, 1 vCPU");
	json_object_object_add(t, "environment", env);
	json_object_object_add(t, "misc", trial_misc(s));
	free(id);
	free(bu);
	free(comment);
	return t;
}

static int add_tests(struct store *st, int64_t cid, struct json_object *tests)
{
	sqlite3_stmt *s = store_prepare(st, trials_sql);
	int r;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, cid);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		json_object_array_add(tests, trial_test(s));
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : error("database '%s': cannot read the trials", store_path(st));
}

int report_write_kcidb(struct store *st, int64_t cid, FILE *f)
{
	struct json_object *root = json_object_new_object(), *ver = json_object_new_object();
	struct json_object *checkouts = json_object_new_array(), *builds = json_object_new_array();
	struct json_object *tests = json_object_new_array();
	int r;

	json_object_object_add(ver, "major", json_object_new_int(5));
	json_object_object_add(ver, "minor", json_object_new_int(3));
	json_object_object_add(root, "version", ver);
	json_object_object_add(root, "checkouts", checkouts);
	json_object_object_add(root, "builds", builds);
	json_object_object_add(root, "tests", tests);
	r = add_images(st, cid, checkouts, builds) || add_tests(st, cid, tests) ? -1 : 0;
	if (!r && (fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE), f) < 0 ||
		   fputc('\n', f) == EOF))
		r = error_errno("cannot write the KCIDB JSON");
	json_object_put(root);
	return r;
}
