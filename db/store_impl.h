/*
 * store_impl.h - private to db/: the connection every store_*.c file
 * shares and the binding helpers (store.c).  Nothing outside db/ includes
 * it; the rest of nooks sees only store.h.
 */
#ifndef NOOKS_STORE_IMPL_H
#define NOOKS_STORE_IMPL_H

#include <stdarg.h>
#include <stdint.h>
#include <sqlite3.h>

#include "store.h"

#define LOG_MAX_RAW (4u << 20)	/* logs larger than this are truncated */

struct store {
	sqlite3 *db;
	char *path;
	int setup_fd;	/* the flock(2) descriptor of a read-write open, unlocked after
			 * setup but kept open until sqlite3_close(): closing any
			 * descriptor of the file drops the process's POSIX locks,
			 * SQLite's included (readers then miss committed WAL frames) */
};

/* One-line error naming the database and SQLite's message; returns -1. */
int store_db_error(struct store *st, const char *what);
/* Bind v to parameter i (NULL: SQL NULL). */
void store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Bind v to parameter i (negative and null_if_negative: SQL NULL). */
void store_bind_int(sqlite3_stmt *s, int i, int64_t v, int null_if_negative);
/*
 * Prepare sql and bind ?1, ?2, ... from the arguments, one per letter of
 * types: 't' const char * (NULL: SQL NULL), 'i' int64_t, 'n' int64_t
 * (negative: SQL NULL), 'd' int, 'x' none (the caller binds it, e.g. a
 * blob).  NULL with an error if it cannot prepare.
 */
sqlite3_stmt *store_stmt(struct store *st, const char *sql, const char *types, ...);
/* Step a statement expecting DONE; finalize it; return 0 / -1. */
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what);
/* Step expecting one integer row: 0 with *v, 1 if no row, -1 error. */
int store_step_int(struct store *st, sqlite3_stmt *s, int64_t *v);

#endif
