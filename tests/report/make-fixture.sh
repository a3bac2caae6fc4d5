#!/bin/sh
# make-fixture.sh DB - build the report/compare/gate fixture database from
# the real schema (db/schema.sql, all migrations) plus fixture.sql.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
rm -f "$1"
v=$(grep -c '^-- @migration ' "$top/db/schema.sql")
{ cat "$top/db/schema.sql"; echo "PRAGMA user_version = $v;"; cat "$here/fixture.sql"; } |
	sqlite3 -bail "$1"
