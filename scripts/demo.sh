#!/bin/sh
# demo.sh - the main job (`make demo`): run campaigns/smoke.json end to end
# against the real guest (inject, boot, workload, classify, store), write
# the report, print the summary table and the path of index.html.
# Until the NIM can run (nooks.ko in the image and `nooks isolate`), the
# demo runs native mode only and says so.
set -eu
cd "$(dirname "$0")/.."
out=build/demo
db=$out/smoke.db
mkdir -p "$out"
rm -f "$db" "$db-wal" "$db-shm"
rm -rf "$db.runs" "$out/report"
modes=native,nooks
if ! [ -f build/image/modules/extra/nooks.ko ] || ! bin/nooks isolate --help >/dev/null 2>&1; then
	echo "demo: the NIM (nooks.ko, 'nooks isolate') is not built yet: running native mode only"
	modes=native
fi
echo "demo: campaign campaigns/smoke.json ($modes), database $db"
bin/nooks campaign run campaigns/smoke.json --db "$db" --modes "$modes"
echo
bin/nooks report --db "$db" -o "$out/report"
echo "demo: open file://$(pwd)/$out/report/index.html"
