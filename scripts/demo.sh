#!/bin/sh
# demo.sh - the main job (`make demo`): run campaigns/smoke.json end to end
# against the real guest (inject, isolate under the NIM in nooks mode, boot,
# workload, classify, store; for the VFAT extension a fresh FAT image per
# trial and fsck.vfat -n after it), write the report, print the summary
# table once and the path of index.html.  Extensions the NIM cannot isolate
# yet are limited to native mode in the spec itself ("modes" per extension).
set -eu
cd "$(dirname "$0")/.."
spec=campaigns/smoke.json
out=build/demo
db=$out/smoke.db
mkdir -p "$out"
rm -f "$db" "$db-wal" "$db-shm"
rm -rf "$db.runs" "$out/report"
native_only=$(jq -r '[.extensions[] | select(.modes and (.modes | index("nooks") | not)) | .name] | join(", ")' "$spec")
echo "demo: campaign $spec, database $db"
echo "demo: guest kernel $(jq -r '.kernel_version + " (" + .kernel_package_version + ", " +
	(if .kernel_source == "fallback" then "fallback: kernel.lock asks for " + .kernel_locked + ", not served"
	 elif .kernel_source == "override" then "NOOKS_KERNEL" else "kernel.lock" end) + ")"' build/image/image.json)"
[ -n "$native_only" ] &&
	echo "demo: native mode only for: $native_only (no NIM wrappers for them yet); the others run paired native/nooks"
bin/nooks campaign run "$spec" --db "$db" --no-summary
echo
bin/nooks report --db "$db" -o "$out/report"
echo "demo: open file://$(pwd)/$out/report/index.html"
# A picture of the report's first page, when Debian's chromium is there.
if [ -x /usr/bin/chromium ]; then
	prof=$(mktemp -d)
	timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$prof" --window-size=1280,2000 \
		--screenshot="$(pwd)/$out/report.png" "file://$(pwd)/$out/report/index.html" \
		>/dev/null 2>&1 && echo "demo: screenshot $(pwd)/$out/report.png"
	rm -rf "$prof"
fi
