#!/bin/sh
# bench-reset.sh - trial reset cost: fresh boot vs restoring a parked
# snapshot (the two ways `nooks trial run` resets a guest, --reset boot|auto).
#
# Prints (median, min, max of N sequential trials each, milliseconds, a
# trivial workload: `true`, no module, no coldplug):
#   boot      QEMU start -> agent "started" (boot_ms) and whole trial (wall_ms)
#   restore   the same, restoring the parked snapshot of that configuration
#   snapshot  one-off creation cost (boot a parked guest + save its state;
#             a private cache, so it is always measured) and state file size
# plus the load average, since the host is shared.  Usage: bench-reset.sh [N]
set -eu
N=${1:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
nooks=$top/bin/nooks
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
export NOOKS_CACHE="$d/cache"
stats() { sort -n | awk '{v[NR]=$1} END {printf "median %d, min %d, max %d", v[int((NR+1)/2)], v[1], v[NR]}'; }

echo '{"workload": {"name": "cmd", "params": {"cmd": "true"}}, "coldplug": false}' >"$d/t.json"
echo "reset: load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# The first restore run creates the snapshot (its wall time includes that).
"$nooks" trial run "$d/t.json" --out "$d/first" >/dev/null 2>&1
jq -e '.reset == "restore"' "$d/first/result.json" >/dev/null ||
	{ echo "reset: no snapshot: $(jq -r .reset_reason "$d/first/result.json")"; exit 1; }
create=$(jq -r .snapshot.create_ms "$d/first/result.json")
size=$(stat -c %s "$NOOKS_CACHE"/snapshots/*/state)
echo "reset: snapshot creation ${create} ms (boot to parked + save), state file $((size / 1000000)) MB"
for mode in boot auto; do
	"$nooks" trial run "$d/t.json" --reset "$mode" --repeat "$N" -j 1 --out "$d/$mode" \
		>"$d/$mode.jsonl" 2>/dev/null
	name=$mode; [ "$mode" = auto ] && name=restore
	got=$(jq -r .reset "$d/$mode.jsonl" | sort -u | tr '\n' ' ')
	echo "reset: $name ($got): boot_ms $(jq -r .durations.boot_ms "$d/$mode.jsonl" | stats);" \
		"trial wall_ms $(jq -r .durations.wall_ms "$d/$mode.jsonl" | stats) ($N runs)"
done
echo "reset: load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
