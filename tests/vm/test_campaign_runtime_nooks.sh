#!/bin/sh
# test_campaign_runtime_nooks.sh - runtime faults (alloc, free, leak, bcopy)
# under the NIM (issue 14): a small e1000 campaign, native and nooks.  The
# nooks trial of a descriptor loads nooks.ko, swifi.ko with the same arm=
# as the native one, and the rebound module isolated: its swifi_w_ imports
# bound to the NIM's twins (nooks_w_swifi_w_*).  The faults fire under the
# NIM as natively (activation recorded), and what swifi's wrapper allocates
# is the domain's: no trial ends infra_error.
. "$(dirname "$0")/lib.sh"
need_built "runtime faults under the NIM" "$TOP/build/guest/bin/wl-netdev" \
	"$KMOD/swifi/swifi.ko" "$KMOD/nooks/nooks.ko"
e1000_spec rtn 41 4 1 '["native", "nooks"]' '["alloc", "free", "leak", "bcopy"]' \
	'{ "nic": "e1000", "bytes": 262144, "pings": 2, "deadline": 25 }' 40 >"$T_TMP/rt.json"
DB="$T_TMP/rt.db"
R="$T_TMP/runs"
"$NOOKS" campaign run "$T_TMP/rt.json" --db "$DB" --runs "$R" --keep-runs --no-summary \
	>"$T_TMP/rt.out" 2>&1
expect_eq "campaign with runtime faults in nooks mode completes" 0 "$?"
expect_eq "8 trials stored" 8 "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM trials')"
expect_eq "no infra_error" 0 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM trials WHERE outcome = 'infra_error'")"
for i in 0000 0001 0002 0003; do
	nat=$(ls -d "$R"/*_e1000_${i}_native | head -1)
	nok=$(ls -d "$R"/*_e1000_${i}_nooks | head -1)
	an=$(jq -r '.modules[] | select(.name == "swifi") | .params' "$nat/manifest.json")
	ak=$(jq -r '.modules[] | select(.name == "swifi") | .params' "$nok/manifest.json")
	expect_match "$i: native arms swifi" '^arm=(alloc|free|leak|bcopy):' "$an"
	expect_eq "$i: the same arm under the NIM" "$an" "$ak"
	expect_eq "$i: nooks.ko, swifi.ko, then the isolated module" "nooks swifi fault-isolated.ko" \
		"$(jq -r '[.modules[] | (.name // (.path | split("/") | last))] | join(" ")' "$nok/manifest.json")"
	imports=$(nm -u "$nok/fault-isolated.ko" | awk '{ print $2 }' | grep -E '^(nooks_w_)?swifi_w_' | sort -u)
	expect_match "$i: swifi's wrapper bound to the NIM's twin" '^nooks_w_swifi_w_' "$imports"
	expect_eq "$i: no swifi_w_ import left unwrapped" 0 "$(printf '%s\n' "$imports" | grep -c '^swifi_w_')"
done
expect_eq "activation recorded in every nooks trial" 4 "$(sqlite3 "$DB" \
	"SELECT COUNT(*) FROM trials WHERE mode = 'nooks' AND fault_armed = 1 AND fault_fired IS NOT NULL")"
fired=$(sqlite3 "$DB" "SELECT COALESCE(SUM(fault_fired), 0) FROM trials WHERE mode = 'nooks'")
expect_eq "runtime faults fire under the NIM (profiled N)" 1 "$([ "$fired" -ge 3 ] && echo 1)"
no_qemu_left "no qemu left"
finish
