#!/bin/sh
# test_campaign_vfat.sh - VFAT in campaigns on real guests: a tiny campaign
# injecting into fat.ko (vfat workload; disk and devices from the workload
# table) gives every trial a fresh FAT image and stores the host's
# fsck.vfat -n verdict; a campaign whose disk is a FAT image with a damaged
# FAT stores it as corrupt, and the report shows the counts.
# A missing injector, wl-vfat or fsck.vfat is a FAIL (need_built in lib.sh).
. "$(dirname "$0")/lib.sh"
need_built "vfat campaign on real guests" "$TOP/build/guest/bin/wl-vfat" "$(command -v fsck.vfat || echo fsck.vfat)"
q() { sqlite3 "$1" "$2"; }

# 1. Two fault descriptors in fat.ko; no device, no disk in the spec.
cat >"$T_TMP/v.json" <<'JSON'
{ "name": "vtiny", "seed": 5, "trials": 2, "faults_per_trial": 5, "modes": ["native"],
  "fault_types": ["nop", "text"],
  "extensions": [ { "name": "fat", "module": "fat", "workload": "vfat",
                    "workload_args": { "rounds": 1, "deadline": 30 } } ],
  "timeouts": { "boot_s": 30, "heartbeat_s": 10, "total_s": 60 },
  "kernel_cmdline": ["oops=panic", "panic=-1"], "jobs": 2, "retries": 1 }
JSON
DB="$T_TMP/v.db"
"$NOOKS" campaign run "$T_TMP/v.json" --db "$DB" --runs "$T_TMP/runs" --keep-runs >"$T_TMP/v.out" 2>&1
expect_eq "vfat campaign completes" 0 "$?"
expect_eq "both trials stored" 2 "$(q "$DB" 'SELECT COUNT(*) FROM trials')"
expect_eq "every trial has a fsck verdict" 2 \
	"$(q "$DB" 'SELECT COUNT(*) FROM trials WHERE fs_corrupt IN (0, 1) AND fsck_exit >= 0 AND fsck_summary IS NOT NULL')"
expect_eq "extension's disk stored from the workload table" vfat "$(q "$DB" 'SELECT disk FROM extensions')"
expect_eq "each trial had its own image" 2 "$(ls "$T_TMP"/runs/*fat_000*/fat.img | wc -l)"
# the stored verdict is what fsck says about the trial's image now
for img in "$T_TMP"/runs/*fat_000*/fat.img; do
	key=$(basename "$(dirname "$img")" | sed 's/^[0-9]*_//; s/_/\//g')
	"$NOOKS" workload check "$img" >"$T_TMP/check.json"
	want=$(grep -q '"corrupt":true' "$T_TMP/check.json" && echo 1 || echo 0)
	expect_eq "stored verdict of $key matches fsck" "$want" \
		"$(q "$DB" "SELECT fs_corrupt FROM trials WHERE key = '$key'")"
done
expect_match "summary counts checked trials" "fat: fs corrupt after trial \(fsck.vfat -n\): native [0-2] of 2" \
	"$(cat "$T_TMP/v.out")"

# 2. A FAT image with its first FAT damaged: the trial's disk is reported corrupt.
"$NOOKS" workload prepare vfat --dir "$T_TMP/base" >/dev/null
printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' |
	dd of="$T_TMP/base/fat.img" bs=1 seek=$((4 * 512 + 8)) conv=notrunc 2>/dev/null
sed -e 's/"vtiny"/"vbad"/; s/"trials": 2/"trials": 1/' \
    -e "s|\"workload\": \"vfat\",|\"workload\": \"vfat\", \"disk\": \"$T_TMP/base/fat.img\",|" \
	"$T_TMP/v.json" >"$T_TMP/bad.json"
DB2="$T_TMP/bad.db"
sum_before=$(sha256sum <"$T_TMP/base/fat.img")
"$NOOKS" campaign run "$T_TMP/bad.json" --db "$DB2" --runs "$T_TMP/runs2" --no-summary >"$T_TMP/bad.out" 2>&1
expect_eq "damaged-image campaign completes" 0 "$?"
expect_eq "--no-summary prints no table" "" "$(grep 'fs corrupt' "$T_TMP/bad.out")"
expect_eq "damaged FAT stored as corrupt" 1 "$(q "$DB2" 'SELECT fs_corrupt FROM trials')"
expect_match "fsck's finding stored" "FAT|cluster|free" "$(q "$DB2" 'SELECT fsck_summary FROM trials')"
expect_eq "the spec's image is copied, never written" "$sum_before" "$(sha256sum <"$T_TMP/base/fat.img")"
out=$("$NOOKS" report --db "$DB2" -o "$T_TMP/rep")
expect_match "report summary: corrupt after trial" "fat: fs corrupt after trial \(fsck.vfat -n\): native 1 of 1" "$out"
expect_match "report.md has the fs table" "\| fat \| native \| 1 \| 1 \|" "$(cat "$T_TMP/rep/report.md")"
expect_match "index.html has the fs table" 'id="tbl-fs"' "$(cat "$T_TMP/rep/index.html")"
no_qemu_left "no qemu left"
finish
