#!/bin/sh
# test_campaign_khttpd.sh - kHTTPd as an extension on real guests: a tiny
# campaign injecting into kmod/khttpd's khttpd.ko with the khttpd workload
# (no devices in the spec: e1000 + virtio-net peer come from the workload
# table).  Every trial is stored with a counted outcome, the trial manifest
# loads the faulty khttpd.ko and attaches both NICs, and the faulty module
# is really different from the stock one (persistent faults: the mutant
# .ko is what loads; transient faults: test_campaign_transient.sh).
. "$(dirname "$0")/lib.sh"
need_built "khttpd campaign on real guests" "$TOP/build/guest/bin/wl-khttpd" "$KMOD/khttpd/khttpd.ko"
cat >"$T_TMP/k.json" <<'JSON'
{ "name": "ktiny", "seed": 11, "trials": 2, "faults_per_trial": 3, "modes": ["native"],
  "persistence": "persistent",
  "fault_types": ["nop", "branch"],
  "extensions": [ { "name": "khttpd", "module": "khttpd", "workload": "khttpd",
                    "workload_args": { "requests": 24, "conns": 2, "link": 10, "deadline": 30 } } ],
  "timeouts": { "boot_s": 30, "heartbeat_s": 10, "total_s": 60 },
  "kernel_cmdline": ["oops=panic", "panic=-1"], "jobs": 2, "retries": 1 }
JSON
DB="$T_TMP/k.db"
"$NOOKS" campaign run "$T_TMP/k.json" --db "$DB" --runs "$T_TMP/runs" --keep-runs >"$T_TMP/k.out" 2>&1
expect_eq "khttpd campaign completes" 0 "$?"
expect_eq "both trials stored" 2 "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM trials')"
expect_eq "no infra_error" 0 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM trials WHERE outcome = 'infra_error'")"
expect_eq "devices from the workload table" "e1000" "$(sqlite3 "$DB" 'SELECT device FROM extensions')"
expect_eq "no disk for khttpd" "" "$(sqlite3 "$DB" 'SELECT disk FROM extensions')"
m=$(cat "$T_TMP"/runs/*khttpd_0000_native/manifest.json)
expect_match "manifest loads the faulty module" '"path":"[^"]*/fault.ko"' "$m"
expect_match "manifest attaches the NIC under test and the peer" '"devices":\[ *"e1000", *"virtio-net"' "$(printf '%s' "$m" | tr -d '\n')"
if cmp -s "$T_TMP"/runs/*khttpd_0000_native/fault.ko "$KMOD/khttpd/khttpd.ko"; then
	fail "faulty khttpd.ko differs from the stock one"
else
	pass "faulty khttpd.ko differs from the stock one"
fi
expect_eq "mutations recorded" 1 "$(sqlite3 "$DB" 'SELECT COUNT(*) > 0 FROM mutations')"
no_qemu_left "no qemu left"
finish
