#!/bin/sh
# run-tests.sh - run unit test binaries (cmocka) and VM test scripts, and
# print one closing line "N passed, N failed".
#
# A VM test script prints "PASS: name" / "FAIL: name" / "SKIP: name" lines
# (tests/vm/lib.sh) and exits non-zero if anything failed.  A cmocka binary
# prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..." lines.
set -u
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	echo "== $t"
	start=$(date +%s)
	case "$t" in
	*.sh) sh "$t" >"$log" 2>&1; rc=$? ;;
	*) "$t" >"$log" 2>&1; rc=$? ;;
	esac
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
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
