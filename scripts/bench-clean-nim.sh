#!/bin/sh
# bench-clean-nim.sh - false detections of the NIM (issue 17 criterion 3):
# N clean trials (no fault injected) of each isolated extension under its
# workload - e1000 under netdev, kHTTPd under its client - each in a fresh
# guest, and how many of them the NIM declared faulty: any `nooks: fault`
# event, and of those the watchdog's and the bounded waits' (kind=hang,
# kind=deadlock).  Every one would be a false detection.  Prints the
# outcomes and the events; exits 1 if any clean trial was declared faulty.
#
# Usage: bench-clean-nim.sh [N [JOBS]]   (default: 100 trials, 2 jobs)
set -eu
N=${1:-100}
J=${2:-2}
top=$(cd "$(dirname "$0")/.." && pwd)
nooks=$top/bin/nooks
kmod=$top/build/kmod
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
e1000=$(find "$top/build/image/modules" -name e1000.ko | head -n 1)
"$nooks" isolate "$e1000" -o "$d/e1000.ko" >/dev/null
"$nooks" isolate "$kmod/khttpd/khttpd.ko" -o "$d/khttpd.ko" >/dev/null
cat >"$d/e1000.json" <<JSON
{"modules": ["$kmod/nooks/nooks.ko", "$d/e1000.ko"], "devices": ["e1000", "virtio-net"],
 "append": "oops=panic panic_on_oops=1",
 "workload": {"name": "netdev", "params": {"nic": "e1000", "deadline": 60}},
 "deadlines": {"boot_s": 30, "heartbeat_s": 10, "total_s": 90}}
JSON
cat >"$d/khttpd.json" <<JSON
{"modules": ["$kmod/nooks/nooks.ko", "$d/khttpd.ko"], "devices": ["e1000", "virtio-net"],
 "append": "oops=panic panic_on_oops=1",
 "workload": {"name": "khttpd", "params": {"requests": 80, "conns": 2, "deadline": 60}},
 "deadlines": {"boot_s": 30, "heartbeat_s": 10, "total_s": 90}}
JSON
bad=0
for x in e1000 khttpd; do
	echo "-- $N clean trials of isolated $x at $J jobs"
	NOOKS_CACHE="$d/cache" "$nooks" trial run "$d/$x.json" --out "$d/runs-$x" --repeat "$N" -j "$J" \
		>"$d/$x.jsonl" 2>"$d/$x.err" || true
	echo "  outcomes: $(jq -r .outcome "$d/$x.jsonl" | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')"
	f=$(jq -r '[.nim_events[]? | select(startswith("nooks: fault"))] | length' "$d/$x.jsonl" | awk '$1 > 0' | wc -l)
	h=$(jq -r '.nim_events[]? | select(startswith("nooks: fault"))' "$d/$x.jsonl" | grep -cE 'kind=(hang|deadlock)' || true)
	echo "  trials with a NIM fault event: $f of $(wc -l <"$d/$x.jsonl"); hang/deadlock events: $h"
	jq -r '.nim_events[]? | select(startswith("nooks: fault"))' "$d/$x.jsonl" | sed 's/^/  | /'
	[ "$f" = 0 ] || bad=1
done
exit $bad
