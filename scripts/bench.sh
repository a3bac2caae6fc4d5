#!/bin/sh
# bench.sh - benchmarks that print figures (never asserted in tests).
#   vm-boot: wall time of `nooks vm run --cmd true`, median of 5.
set -eu
cd "$(dirname "$0")/.."
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { date +%s%N | cut -c1-13; }
times=""
for i in 1 2 3 4 5; do
	s=$(ms); bin/nooks vm run --cmd true >/dev/null 2>&1; e=$(ms)
	times="$times $((e - s))"
done
printf '%-28s %10s\n' benchmark figure
printf '%-28s %7s ms   (runs:%s)\n' "vm run --cmd true (median)" \
	"$(echo "$times" | tr ' ' '\n' | grep . | median)" "$times"

# Component benchmarks print their own figures.
for b in scripts/bench-reset.sh scripts/bench-campaign.sh scripts/bench-workloads.sh scripts/bench-nim-e1000.sh scripts/bench-xpc.sh scripts/bench-clean-nim.sh; do
	[ -x "$b" ] && { echo; echo "== $b"; "$b"; }
done
exit 0
