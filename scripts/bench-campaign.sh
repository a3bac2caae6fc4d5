#!/bin/sh
# bench-campaign.sh - campaign throughput (issue 21): trials/hour of the
# netdev + khttpd mix (campaigns/bench-mix.json: e1000 under netdev and
# kHTTPd under its client, native and nooks) on this machine, and where a
# trial's wall time goes, as `nooks campaign run` reports it when it ends
# (mean seconds per trial of each phase: inject, prepare, restore, setup,
# workload, teardown, classify, check, store; docs/CAMPAIGNS.md).
#
# Usage: bench-campaign.sh [TRIALS [JOBS]]   (default 160 trials, 2 jobs)
# A private snapshot cache and database: the one-off snapshot creation is
# part of the figure (it is on a fresh machine), named in "prepare".
set -eu
TRIALS=${1:-160}
JOBS=${2:-2}
top=$(cd "$(dirname "$0")/.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
export NOOKS_CACHE="$d/cache"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$top/bin/nooks" campaign run "$top/campaigns/bench-mix.json" --db "$d/bench.db" \
	--runs "$d/runs" --jobs "$JOBS" --max-trials "$TRIALS" --no-summary >"$d/out.log" 2>&1 ||
	{ tail -5 "$d/out.log"; echo "bench-campaign: the campaign failed" >&2; exit 1; }
grep -E "trials/hour" "$d/out.log" | sed 's/^nooks: //; s/; mean per trial:/\n  mean per trial:/; s/, /\n    /g' |
	sed '1s/\n/ /'
echo "outcomes: $(sqlite3 "$d/bench.db" "SELECT outcome || '=' || COUNT(*) FROM trials GROUP BY outcome" | tr '\n' ' ')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
