#!/bin/sh
# test_store_cli.sh - bad input to the store from the command line, on a
# database made by a real (one-trial) campaign: a database the user cannot
# write, an unknown campaign id, a missing database.  Each: one line naming
# it, non-zero exit, the database file byte-identical afterwards.
. "$(dirname "$0")/lib.sh"

db="$T_TMP/r.db"
"$NOOKS" campaign run "$TOP/campaigns/smoke.json" --db "$db" --modes native --max-trials 1 \
	--no-summary >"$T_TMP/run.out" 2>&1
expect_eq "a one-trial campaign is stored" 1 "$(sqlite3 "$db" 'SELECT count(*) FROM trials')"
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
sum=$(sha256sum "$db" | cut -d' ' -f1)

# Not writable by the user running nooks (root ignores modes: use nobody).
chmod 755 "$T_TMP"; chmod 644 "$db"
out=$(su nobody -s /bin/sh -c "'$NOOKS' campaign run '$TOP/campaigns/smoke.json' --db '$db' --modes native --max-trials 2" 2>&1); rc=$?
expect_eq "read-only database: non-zero exit" 1 "$rc"
expect_match "read-only database: named" "database '$db' is read-only|cannot open database '$db'" "$out"
expect_eq "read-only database: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_eq "read-only database: file unchanged" "$sum" "$(sha256sum "$db" | cut -d' ' -f1)"

out=$("$NOOKS" report --db "$db" --campaign 99 -o "$T_TMP/rep" 2>&1); rc=$?
expect_eq "unknown campaign id: non-zero exit" 1 "$rc"
expect_match "unknown campaign id: named" "campaign '99'" "$out"
expect_eq "unknown campaign id: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_eq "unknown campaign id: no report written" no "$([ -e "$T_TMP/rep/index.html" ] && echo yes || echo no)"

out=$("$NOOKS" campaign status --db "$T_TMP/none.db" 2>&1); rc=$?
expect_eq "missing database: non-zero exit" 1 "$rc"
expect_eq "missing database: not created" no "$([ -e "$T_TMP/none.db" ] && echo yes || echo no)"
expect_eq "database unchanged by all of the above" "$sum" "$(sha256sum "$db" | cut -d' ' -f1)"
finish
