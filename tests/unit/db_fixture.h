/*
 * db_fixture.h - unit tests' reads of a store (db/store.h): the one
 * integer a query returns.  Header-only: static, for the test files; needs
 * cmocka.h included first.
 */
#ifndef NOOKS_TEST_DB_FIXTURE_H
#define NOOKS_TEST_DB_FIXTURE_H

#include <stdint.h>
#include <sqlite3.h>

#include "store.h"

/* The integer in the first column of the one row sql returns (asserted). */
static inline int64_t one_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int64_t v;

	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The same, of a database opened read-only for the query. */
static inline int64_t db_int(const char *db, const char *sql)
{
	struct store *st;
	int64_t v;

	assert_int_equal(store_open(db, STORE_RO, &st), 0);
	v = one_int(st, sql);
	store_close(st);
	return v;
}

#endif
