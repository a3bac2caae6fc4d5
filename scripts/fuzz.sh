#!/bin/sh
# fuzz.sh - run the libFuzzer targets of tests/fuzz/ (docs/FUZZ.md), one at
# a time, under nice -n 19.
#
# Each target fuzzes for --time seconds into its own corpus,
# build/fuzz/corpus/<target>/ (grown from the committed seeds and
# regression inputs, tests/fuzz/{corpus,regress}/<target>/, which it reads
# but never writes); a crash, leak, timeout or out-of-memory input lands in
# build/fuzz/crashes/<target>/ and ends that target's run.  One line per
# target is printed and appended to build/fuzz/runs.log:
#   date target seconds execs execs/s corpus result
# so the time each target has been fuzzed can be summed (--total).
set -u

usage() {
	cat <<EOF
usage: scripts/fuzz.sh [--time S] [--no-build] [TARGET...]
   or: scripts/fuzz.sh --total
   or: scripts/fuzz.sh --list

Fuzz each target (default: all of tests/fuzz/fuzz_*.c) for S seconds
(default \$FUZZ_TIME, else 300), one after the other, under nice -n 19.

  --time S     seconds per target
  --no-build   do not run 'make fuzz-build' first
  --total      print the seconds each target has been fuzzed (build/fuzz/runs.log)
  --list       print the target names
  -h, --help   this text

Per target: build/fuzz/corpus/T/ (generated corpus), build/fuzz/crashes/T/
(crashing inputs), build/fuzz/logs/T.<date>.log (libFuzzer's output),
build/fuzz/tmp/T/ (scratch files, removed after the run).
EOF
}

cd "$(dirname "$0")/.." || exit 1
FUZZ=build/fuzz
LOG=$FUZZ/runs.log
time_s=${FUZZ_TIME:-300}
build=1
targets=""

all_targets() {
	for f in tests/fuzz/fuzz_*.c; do
		basename "$f" .c
	done
}

# libFuzzer options per target: inputs larger than the seeds need are
# rarely useful and slow every execution down.
max_len() {
	case "$1" in
	fuzz_store) echo 65536 ;;
	fuzz_kobj | fuzz_modbind) echo 16384 ;;
	fuzz_triage) echo 16384 ;;
	fuzz_agent) echo 16384 ;;
	*) echo 8192 ;;
	esac
}

total() {
	[ -f "$LOG" ] || { echo "fuzz: no runs yet ($LOG)"; return 0; }
	awk '{ s[$2] += $3; n[$2]++; e[$2] += $4 }
	     END { for (t in s) printf "%-16s %7d s in %3d runs, %12d execs\n", t, s[t], n[t], e[t] }' \
		"$LOG" | sort
}

while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--total) total; exit 0 ;;
	--list) all_targets; exit 0 ;;
	--time)
		[ $# -ge 2 ] || { echo "fuzz: --time needs a number of seconds" >&2; exit 2; }
		time_s=$2
		shift
		;;
	--time=*) time_s=${1#--time=} ;;
	--no-build) build=0 ;;
	-*) echo "fuzz: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) targets="$targets $1" ;;
	esac
	shift
done
case "$time_s" in
'' | *[!0-9]*) echo "fuzz: --time '$time_s' is not a number of seconds" >&2; exit 2 ;;
esac
[ -n "$targets" ] || targets=$(all_targets)
for t in $targets; do
	[ -f "tests/fuzz/$t.c" ] || { echo "fuzz: unknown target '$t' (scripts/fuzz.sh --list)" >&2; exit 2; }
done
if [ "$build" = 1 ]; then
	make --no-print-directory fuzz-build >/dev/null || { echo "fuzz: build failed (make fuzz-build)" >&2; exit 1; }
fi

failed=0
mkdir -p "$FUZZ/logs"
printf '%-16s %7s %12s %9s %7s %s\n' target seconds execs execs/s corpus result
for t in $targets; do
	bin=$FUZZ/bin/$t
	[ -x "$bin" ] || { echo "fuzz: $bin missing (make fuzz-build)" >&2; exit 1; }
	corpus=$FUZZ/corpus/$t crashes=$FUZZ/crashes/$t
	mkdir -p "$corpus" "$crashes"
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	out=$FUZZ/logs/$t.$stamp.log
	seeds=""
	for d in tests/fuzz/corpus/$t tests/fuzz/regress/$t; do
		[ -d "$d" ] && seeds="$seeds $d"
	done
	scratch=$FUZZ/tmp/$t	# the targets' scratch files (fuzz.h)
	rm -rf "$scratch" && mkdir -p "$scratch"
	before=$(ls "$crashes" | wc -l)
	start=$(date +%s)
	# shellcheck disable=SC2086
	NOOKS_FUZZ_TMP=$scratch nice -n 19 "$bin" -max_total_time="$time_s" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$t")" -close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$corpus" $seeds >"$out" 2>&1
	rc=$?
	rm -rf "$scratch"
	secs=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" | tail -n 1)
	size=$(ls "$corpus" | wc -l)
	new=$(( $(ls "$crashes" | wc -l) - before ))
	if [ "$rc" = 0 ] && [ "$new" = 0 ]; then
		result=ok
	else
		kind=error
		[ "$new" -gt 0 ] && kind=$(ls -t "$crashes" | head -n 1 | sed 's/-.*//')
		result="$kind(rc=$rc)"
		failed=$((failed + 1))
	fi
	[ -n "$execs" ] || execs=0
	[ -n "$rate" ] || rate=0
	printf '%-16s %7s %12s %9s %7s %s\n' "$t" "$secs" "$execs" "$rate" "$size" "$result"
	printf '%s %s %s %s %s %s %s\n' "$stamp" "$t" "$secs" "$execs" "$rate" "$size" "$result" >>"$LOG"
	[ "$result" = ok ] || echo "  $( [ "$new" -gt 0 ] && echo "input: $crashes/$(ls -t "$crashes" | head -n 1); ")log: $out"
done
[ "$failed" = 0 ]
