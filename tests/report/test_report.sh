#!/bin/sh
# test_report.sh - report generation rendered in headless Chromium (Debian's
# chromium): screenshot + assertions on the rendered DOM; escaping of guest
# strings; report.md and junit.xml; compare and gate exit codes; bad input.
# Uses a fixture database built from the real schema (make-fixture.sh).
. "$(dirname "$0")/../vm/lib.sh"
HERE="$TOP/tests/report"
DB="$T_TMP/fx.db"
OUT="$T_TMP/report"
"$HERE/make-fixture.sh" "$DB"

out=$("$NOOKS" report --db "$DB" --campaign base -o "$OUT" 2>&1); rc=$?
expect_eq "report exit status" 0 "$rc"
expect_match "report prints the summary" "e1000 +nooks +20 +10 +0 +1 +0 +9" "$out"
expect_match "report prints index path" "report: .*/index.html" "$out"
expect_eq "a page per trial" 40 "$(ls "$OUT/trials" | wc -l)"
if grep -q '<script' "$OUT/index.html" "$OUT"/trials/*.html; then
	fail "guest strings escaped" "raw <script> in the report"
else
	pass "guest strings escaped"
fi
expect_match "escaped title present" "&lt;script&gt;alert\(1\)&lt;/script&gt;e1000_clean" "$(cat "$OUT/index.html")"
if grep -Eq '(src|href)="(https?:)?//' "$OUT/index.html"; then
	fail "no network fetches" "external URL in index.html"
else
	pass "no network fetches"
fi
expect_match "report.md table" "\| e1000 \| nooks \| 20 \| 10 \| 0 \| 1 \| 0 \| 9 \|" "$(cat "$OUT/report.md")"
expect_match "junit: one case per extension x mode x type" 'tests="4" failures="1"' "$(cat "$OUT/junit.xml")"

CHROME=/usr/bin/chromium
if [ -x "$CHROME" ]; then
	prof=$(mktemp -d)
	copts="--headless --no-sandbox --disable-gpu --disable-background-networking \
--disable-component-update --disable-sync --no-first-run --user-data-dir=$prof"
	shot="$T_TMP/report.png"
	timeout 120 $CHROME $copts --window-size=1280,2400 --screenshot="$shot" \
		"file://$OUT/index.html" >/dev/null 2>&1
	timeout 120 $CHROME $copts --dump-dom "file://$OUT/index.html" >"$T_TMP/dom.html" 2>/dev/null
	rm -rf "$prof"
	sig=$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')
	expect_eq "chromium screenshot is a PNG" "89504e470d0a1a0a" "$sig"
	size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
	if [ "$size" -gt 20000 ]; then pass "screenshot has content ($size bytes)"; else fail "screenshot has content" "$size bytes"; fi
	dom=$(cat "$T_TMP/dom.html")
	expect_match "DOM: outcomes chart rendered" '<svg id="fig-outcomes"' "$dom"
	# Figure 6 bars: native crash+no_effect, nooks no_effect+crash+recovered = 5 segments
	expect_eq "DOM: 5 outcome segments" 5 "$(grep -o '<rect class="seg"' "$T_TMP/dom.html" | wc -l)"
	expect_match "DOM: survival chart" '<svg id="fig-survival"' "$dom"
	expect_match "DOM: survival interval in table" '9</td><td>90.0%</td><td>59.6% – 98.2%' "$dom"
	expect_match "DOM: signature table escaped" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "$dom"
	if printf '%s' "$dom" | grep -q '<script'; then fail "DOM: no script element"; else pass "DOM: no script element"; fi
	echo "report screenshot: $shot (copied to $TOP/build/report-test.png)"
	mkdir -p "$TOP/build" && cp "$shot" "$TOP/build/report-test.png"
else
	skip "chromium render" "no /usr/bin/chromium (scripts/install-deps.sh installs it)"
fi

# compare / gate exit codes
"$NOOKS" compare --db "$DB" base flaky >"$T_TMP/cmp" 2>&1
expect_eq "compare A B exits 0" 0 "$?"
expect_match "compare A B marks nothing for a flaky trial" "^0 significant differences" "$(cat "$T_TMP/cmp")"
out=$("$NOOKS" compare --db "$DB" base 2>&1)
expect_match "compare native vs nooks: crash rate differs" "crash .*p=0.00[0-9] \*" "$out"
"$NOOKS" gate --db "$DB" --baseline base --candidate flaky >/dev/null 2>&1
expect_eq "gate passes a flaky candidate" 0 "$?"
out=$("$NOOKS" gate --db "$DB" --baseline base --candidate bad 2>&1); rc=$?
expect_eq "gate fails a bad candidate" 3 "$rc"
expect_eq "gate: one line per failed rule" 2 "$(printf '%s\n' "$out" | grep -c '^gate: FAIL')"
printf '{"rules": [{"metric": "survival", "max_drop": 0.9}]}' >"$T_TMP/rules.json"
"$NOOKS" gate --db "$DB" --baseline base --candidate bad --rules "$T_TMP/rules.json" >/dev/null 2>&1
expect_eq "gate threshold configurable" 0 "$?"
printf '{"rules": [{"metric": "speed"}]}' >"$T_TMP/bad.json"
err=$("$NOOKS" gate --db "$DB" --baseline base --candidate bad --rules "$T_TMP/bad.json" 2>&1); rc=$?
expect_eq "gate: bad rules exit 1" 1 "$rc"
expect_match "gate: bad rules name the field" "field 'rules\[0\]\.metric'" "$err"

# bad input: unknown campaign, newer schema; database unchanged
sum=$(md5sum <"$DB")
err=$("$NOOKS" report --db "$DB" --campaign nope -o "$T_TMP/r2" 2>&1); rc=$?
expect_eq "unknown campaign exits 1" 1 "$rc"
expect_eq "unknown campaign: one line" 1 "$(printf '%s\n' "$err" | wc -l)"
sqlite3 "$DB" 'PRAGMA user_version = 99'
sum=$(md5sum <"$DB")
err=$("$NOOKS" report --db "$DB" -o "$T_TMP/r3" 2>&1); rc=$?
expect_eq "newer schema exits 1" 1 "$rc"
expect_match "newer schema message" "schema version 99, newer than this nooks" "$err"
err=$("$NOOKS" campaign run "$TOP/campaigns/smoke.json" --db "$DB" 2>&1)
expect_eq "database unchanged" "$sum" "$(md5sum <"$DB")"
finish
