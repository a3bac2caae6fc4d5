#!/bin/sh
# run-tests.sh - run unit test binaries (cmocka) and VM test scripts, and
# print one closing line "N passed, N failed".
#
# A VM test script prints "PASS: name" / "FAIL: name" / "SKIP: name" lines
# (tests/vm/lib.sh) and exits non-zero if anything failed.  A cmocka binary
# prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..." lines.
#
# Quarantine, explicit and loud: a script with a line
#   # known-intermittent: <what fails, where it is tracked>
# that fails is run once more; the second run's result counts, and a
# "FLAKY:" line with the first run's failures is printed either way, so a
# known intermittent bug is never hidden and never passes silently.
set -u
passed=0 failed=0 skipped=0 flaky=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	echo "== $t"
	start=$(date +%s)
	case "$t" in
	*.sh) sh "$t" >"$log" 2>&1; rc=$? ;;
	*) "$t" >"$log" 2>&1; rc=$? ;;
	esac
	why=$(case "$t" in *.sh) sed -n 's/^# known-intermittent: //p' "$t" | head -n 1 ;; esac)
	if [ "$rc" != 0 ] && [ -n "$why" ]; then
		first=$(grep '^FAIL: ' "$log" | head -n 3 | tr '\n' ' ')
		sh "$t" >"$log" 2>&1; rc=$?
		echo "FLAKY: $t failed once (${first:-exit status only}); rerun $( [ "$rc" = 0 ] && echo passed || echo failed too). Known intermittent: $why"
		flaky=$((flaky + 1))
	fi
	cat "$log"
	p=$(grep -c '^PASS: ' "$log") f=$(grep -c '^FAIL: ' "$log") s=$(grep -c '^SKIP: ' "$log")
	cp=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	cf=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	p=$((p + cp)) f=$((f + cf))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL: $t exited with status $rc"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	echo "-- $t: $p passed, $f failed, $s skipped ($(( $(date +%s) - start )) s)"
done
[ "$flaky" != 0 ] && echo "$flaky known-intermittent test file(s) needed a rerun (see FLAKY: lines)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
