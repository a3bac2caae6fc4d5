#!/bin/sh
# demo.sh - the main job (`make demo`): run campaigns/smoke.json end to end
# against the real guest (inject, boot, workload, classify, store; for the
# VFAT extension a fresh FAT image per trial and fsck.vfat -n after it),
# write the report, print the summary table once and the path of index.html.
# Until the NIM can isolate every extension of the smoke campaign (`nooks
# isolate` accepts e1000, fat and khttpd), the demo runs native mode only and
# says so.
set -eu
cd "$(dirname "$0")/.."
out=build/demo
db=$out/smoke.db
mkdir -p "$out"
rm -f "$db" "$db-wal" "$db-shm"
rm -rf "$db.runs" "$out/report"
modes=native,nooks
refused=
for m in e1000 fat khttpd; do
	ko=$(find build/image/modules -name "$m.ko" | head -n1)
	if ! [ -f build/image/modules/extra/nooks.ko ] || [ -z "$ko" ] ||
	   ! bin/nooks isolate "$ko" -o "$out/$m-isolated.ko" >/dev/null 2>&1; then
		refused="$refused $m"
	fi
done
if [ -n "$refused" ]; then
	echo "demo: the NIM cannot isolate${refused} yet ('nooks isolate' refuses): running native mode only"
	modes=native
fi
echo "demo: campaign campaigns/smoke.json ($modes), database $db"
bin/nooks campaign run campaigns/smoke.json --db "$db" --modes "$modes" --no-summary
echo
bin/nooks report --db "$db" -o "$out/report"
echo "demo: open file://$(pwd)/$out/report/index.html"
