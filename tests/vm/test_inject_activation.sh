#!/bin/sh
# test_inject_activation.sh - profile-guided runtime faults and fault
# activation on the real e1000 (docs/FAULTS.md, docs/CAMPAIGNS.md).
# A small native campaign (alloc, free, leak, bcopy and nop, 1 fault per
# trial, netdev workload) runs twice: once with profiles turned off
# (NOOKS_RT_PROFILE=off: N uniform in 1..16, the old behaviour) and once
# profiled (one count-only profiling trial first, cached in the runs
# directory, stored in the database).  Prints both activation rates; checks
# that most profiled runtime faults fire, that fault_armed/fault_fired are
# stored (NULL for the code fault), the profile is recorded in the describe
# record and the database, a rerun does not profile again, and the report
# shows the activation table, the filter and "unknown" for (persistent)
# code faults.
. "$(dirname "$0")/lib.sh"
if ! [ -x "$TOP/build/guest/bin/wl-netdev" ] || ! [ -f "$KMOD/swifi/Module.symvers" ]; then
	skip "activation campaign" "needs wl-netdev in the image and kmod/swifi built"
	finish
fi
unset NOOKS_CACHE NOOKS_RT_PROFILE	# profiles under the runs directory of this test
spec() {	# spec NAME TYPES TRIALS
	e1000_spec "$1" 31 "$3" 1 '["native"]' "$2" \
		'{ "nic": "e1000", "bytes": 262144, "pings": 2, "deadline": 25 }' 40 \
		'"persistence": "persistent"'
}
rate() {	# rate DB: "fired armed"
	sqlite3 "$1" "SELECT COALESCE(SUM(fault_fired),0) || ' ' || COALESCE(SUM(fault_armed),0) FROM v_trials WHERE outcome <> 'infra_error'"
}
RT='["alloc", "free", "leak", "bcopy"]'

# before: N uniform in 1..16
spec before "$RT" 8 >"$T_TMP/before.json"
NOOKS_RT_PROFILE=off "$NOOKS" campaign run "$T_TMP/before.json" --db "$T_TMP/before.db" \
	--runs "$T_TMP/runs-before" --no-summary >"$T_TMP/before.log" 2>&1
expect_eq "unprofiled campaign completes" 0 "$?"
set -- $(rate "$T_TMP/before.db")
b_fired=$1 b_armed=$2
echo "activation without a profile: $b_fired of $b_armed runtime faults fired"
expect_eq "unprofiled trials use no profile" 0 \
	"$(sqlite3 "$T_TMP/before.db" 'SELECT COUNT(*) FROM trials WHERE profile_id IS NOT NULL')"

# after: profiled (nop added: a code fault, activation unknown)
spec after '["alloc", "free", "leak", "bcopy", "nop"]' 10 >"$T_TMP/after.json"
DB="$T_TMP/after.db"
"$NOOKS" campaign run "$T_TMP/after.json" --db "$DB" --runs "$T_TMP/runs" --no-summary \
	--keep-runs >"$T_TMP/after.log" 2>&1
expect_eq "profiled campaign completes" 0 "$?"
set -- $(rate "$DB")
a_fired=$1 a_armed=$2
echo "activation with a profile: $a_fired of $a_armed runtime faults fired"
expect_eq "runtime faults were armed" 1 "$([ "$a_armed" -ge 4 ] && echo 1)"
expect_eq "most profiled runtime faults fire (>= 80%)" 1 \
	"$([ $((a_fired * 100)) -ge $((a_armed * 80)) ] && echo 1)"
prof=$(ls "$T_TMP"/runs/profiles/e1000-*.json 2>/dev/null | head -1)
expect_eq "profile cached in the runs directory" 1 "$([ -f "$prof" ] && echo 1)"
expect_match "profile counts the single alloc_etherdev_mqs call" '"alloc_etherdev_mqs":1' \
	"$(tr -d ' \n' <"$prof")"
expect_eq "profile stored once" 1 "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM profiles')"
expect_eq "every runtime trial records the profile" 0 "$(sqlite3 "$DB" \
	"SELECT COUNT(*) FROM trials WHERE fault_armed IS NOT NULL AND profile_id IS NULL")"
expect_eq "stored fault_fired matches the console events" 0 "$(sqlite3 "$DB" \
	"SELECT COUNT(*) FROM trials WHERE fault_armed IS NOT NULL AND fault_fired NOT IN (0, 1)")"
nop=$(sqlite3 "$DB" "SELECT COUNT(*) FROM v_trials WHERE fault_types = 'nop'")
expect_eq "code-fault trials: activation NULL (unknown)" "$nop" "$(sqlite3 "$DB" \
	"SELECT COUNT(*) FROM v_trials WHERE fault_types = 'nop' AND fault_fired IS NULL")"
tid=$(sqlite3 "$DB" "SELECT id FROM trials WHERE fault_armed IS NOT NULL LIMIT 1")
"$NOOKS" report --db "$DB" -o "$T_TMP/report" >/dev/null 2>&1
expect_eq "report written" 0 "$?"
md=$(cat "$T_TMP/report/report.md")
expect_match "report.md: activation per fault type" "\| e1000 \| (alloc|free|leak|bcopy) \| native \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+/[0-9]+ fired" "$md"
if [ "$nop" -gt 0 ]; then
	expect_match "report.md: code faults unknown, not 0" "\| nop \| native \| $nop \| - \| - \| unknown" "$md"
fi
html=$(cat "$T_TMP/report/index.html")
expect_match "index.html: activation table" 'id="tbl-activation"' "$html"
expect_match "index.html: activation filter" 'id="act-fired"' "$html"
expect_match "index.html: trial rows by activation" '<tr class="act-fired">' "$html"
expect_match "trial page: fired count" "runtime faults fired" "$(cat "$T_TMP/report/trials/$tid.html")"
key=$(sqlite3 "$DB" "SELECT replace(key, '/', '_') FROM trials WHERE id = $tid")
expect_match "describe record names the profile" '"profile":' \
	"$(cat "$T_TMP/runs/"*"_$key/describe.json" 2>/dev/null)"
# rerun: nothing to do, no new profiling trial
touch -d '2000-01-01' "$prof"
"$NOOKS" campaign run "$T_TMP/after.json" --db "$DB" --runs "$T_TMP/runs" --no-summary \
	>"$T_TMP/rerun.log" 2>&1
expect_eq "rerun completes" 0 "$?"
expect_eq "rerun does not profile again" "2000-01-01" "$(date -r "$prof" +%F)"
echo "activation rate before (uniform N): $b_fired/$b_armed; after (profiled N): $a_fired/$a_armed"
no_qemu_left "no qemu left"
finish
