#!/bin/sh
# test_campaign.sh - `nooks campaign run` on real guests: a tiny native
# campaign (4 trials of e1000) killed with SIGKILL at random points and
# rerun until complete; the stored set must be exactly the planned set,
# each key once, every row with its console log, integrity_check ok.
# A missing injector or wl-netdev is a FAIL (need_built in lib.sh).
. "$(dirname "$0")/lib.sh"
need_built "campaign on real guests" "$TOP/build/guest/bin/wl-netdev"
e1000_spec tiny 77 4 2 '["native"]' '["nop", "branch"]' \
	'{ "nic": "e1000", "bytes": 262144, "pings": 2, "deadline": 25 }' 40 >"$T_TMP/tiny.json"
DB="$T_TMP/tiny.db"
kills=0
for round in 1 2 3; do
	"$NOOKS" campaign run "$T_TMP/tiny.json" --db "$DB" --runs "$T_TMP/runs" >"$T_TMP/run.log" 2>&1 &
	pid=$!
	sleep $(( $(od -An -N1 -tu1 /dev/urandom) % 6 + 2 ))
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
	pkill -9 -f "qemu-system-x86_64.*$T_TMP" 2>/dev/null
done
echo "killed the runner $kills times"
"$NOOKS" campaign run "$T_TMP/tiny.json" --db "$DB" --runs "$T_TMP/runs" >"$T_TMP/run.log" 2>&1
expect_eq "final run completes" 0 "$?"
expect_eq "exactly the planned trials" 4 "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM trials')"
expect_eq "each key once" 4 "$(sqlite3 "$DB" 'SELECT COUNT(DISTINCT key) FROM trials')"
expect_eq "no infra_error counted" 0 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM v_outcomes WHERE outcome = 'infra_error'")"
expect_eq "every trial has its console log" 4 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM logs WHERE kind = 'console' AND raw_size > 0")"
expect_eq "integrity" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')"
expect_eq "the image row carries image.json's sha256 of vmlinux and initramfs" \
	"$(jq -r '.vmlinux_sha256 + " " + .initramfs_sha256' "${NOOKS_IMAGE:-$TOP/build/image}/image.json")" \
	"$(sqlite3 "$DB" "SELECT vmlinux_sha256 || ' ' || initramfs_sha256 FROM images")"
out=$("$NOOKS" campaign status --db "$DB")
expect_match "status shows finished" "tiny +4/4 .*finished" "$out"
no_qemu_left "no qemu left"
finish
