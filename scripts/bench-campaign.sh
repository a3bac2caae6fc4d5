#!/bin/sh
# bench-campaign.sh - campaign throughput (issue 21): trials/hour of the
# netdev + khttpd mix (campaigns/bench-mix.json: e1000 under netdev and
# kHTTPd under its client, native and nooks) on this machine, and where a
# trial's wall time goes, as `nooks campaign run` reports it when it ends
# (mean seconds per trial of each phase: inject, prepare, restore, setup,
# workload, teardown, classify, check, store; docs/CAMPAIGNS.md).
#
# Usage: bench-campaign.sh [TRIALS [JOBS...]]   (default: 160 trials, at 2
# and at 4 jobs).  BENCH_SPEC=FILE benchmarks another campaign spec (the
# same mix under another seed, say); BENCH_KEEP=DIR keeps each run's
# database there (bench-JOBS.db) for a closer look.  Each run has its own snapshot cache and database, so the
# one-off snapshot creation is part of every figure (in "prepare"), as on a
# fresh machine.  With several runs, the last line says on how many trials
# their outcomes agree (host load must not change what a trial is).
set -eu
TRIALS=${1:-160}
[ $# -gt 0 ] && shift
JOBS=${*:-2 4}
top=$(cd "$(dirname "$0")/.." && pwd)
spec=${BENCH_SPEC:-$top/campaigns/bench-mix.json}
[ -r "$spec" ] || { echo "bench-campaign: cannot read spec $spec" >&2; exit 2; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
first=
for j in $JOBS; do
	echo "-- $TRIALS trials at $j jobs (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
	NOOKS_CACHE="$d/cache-$j" "$top/bin/nooks" campaign run "$spec" \
		--db "$d/bench-$j.db" --runs "$d/runs-$j" --jobs "$j" --max-trials "$TRIALS" \
		--no-summary >"$d/out-$j.log" 2>&1 ||
		{ tail -5 "$d/out-$j.log"; echo "bench-campaign: the campaign failed" >&2; exit 1; }
	grep -E "trials/hour" "$d/out-$j.log" | sed 's/^nooks: //; s/; mean per trial:/\n  mean per trial (s):/; s/, /\n    /g'
	echo "  outcomes: $(sqlite3 "$d/bench-$j.db" "SELECT outcome || '=' || COUNT(*) FROM trials GROUP BY outcome" | tr '\n' ' ')"
	[ -n "${BENCH_KEEP:-}" ] && mkdir -p "$BENCH_KEEP" && sqlite3 "$d/bench-$j.db" ".backup '$BENCH_KEEP/bench-$j.db'"
	if [ -z "$first" ]; then
		first=$j
	else
		echo "  same outcome as at $first jobs: $(sqlite3 "$d/bench-$j.db" "ATTACH '$d/bench-$first.db' AS o;
			SELECT SUM(t.outcome = u.outcome) || ' of ' || COUNT(*) || ' trials'
			FROM trials t JOIN o.trials u ON t.key = u.key")"
	fi
done
