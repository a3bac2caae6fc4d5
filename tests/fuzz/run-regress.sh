#!/bin/sh
# run-regress.sh - run every libFuzzer target of tests/fuzz/ once over its
# seeds (tests/fuzz/corpus/<target>/) and its regression inputs
# (tests/fuzz/regress/<target>/: every input that once crashed it, kept
# after the fix).  No fuzzing: each file is executed once, with the same
# sanitizers, timeout and memory limit as `make fuzz`.  One PASS:/FAIL: line
# per target (tests/run-tests.sh counts them); exits non-zero if any input
# crashes, leaks, times out, or a target binary is missing.
# Run from the top of the tree after `make fuzz-build` (make check does both).
set -u
cd "$(dirname "$0")/../.." || exit 1
failed=0
log=$(mktemp)
NOOKS_FUZZ_TMP=$(mktemp -d)	# the targets' scratch files (fuzz.h)
export NOOKS_FUZZ_TMP
trap 'rm -rf "$log" "$NOOKS_FUZZ_TMP"' EXIT
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	bin=build/fuzz/bin/$t
	inputs=$(find tests/fuzz/corpus/$t tests/fuzz/regress/$t -type f 2>/dev/null | sort)
	n=$(printf '%s\n' "$inputs" | grep -c .)
	if [ ! -x "$bin" ]; then
		echo "FAIL: $t: $bin missing (make fuzz-build)"
		failed=1
		continue
	fi
	if [ "$n" = 0 ]; then
		echo "FAIL: $t: no seed or regression input"
		failed=1
		continue
	fi
	# shellcheck disable=SC2086
	if "$bin" -timeout=10 -rss_limit_mb=2048 $inputs >"$log" 2>&1; then
		echo "PASS: $t ($n inputs)"
	else
		echo "FAIL: $t: an input crashed it:"
		grep -E '^(Running: |==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | tail -n 6 | sed 's/^/  /'
		failed=1
	fi
done
exit "$failed"
