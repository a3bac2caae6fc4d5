#!/bin/sh
# test_campaign_transient.sh - transient code faults in a campaign on real
# guests (issue 14, docs/CAMPAIGNS.md "persistence"): e1000, native and
# nooks, a call trigger (the 3rd call of e1000_clean).  Each trial loads the
# stock module (isolated under nooks) and swifi.ko, and the workload hands
# swifi the descriptor's live patch: the same bytes in both modes, the ones
# describe.json records.  Every trial's activation is known (sites written
# and executed); a NIM recovery puts the pristine text back.  Then bad
# input: an unknown persistence value and a trigger naming a function the
# module lacks give one line naming the field and write nothing.
. "$(dirname "$0")/lib.sh"
need_built "transient campaign on real guests" "$TOP/build/guest/bin/wl-netdev" \
	"$KMOD/swifi/swifi.ko" "$KMOD/nooks/nooks.ko"
spec() {	# spec PERSISTENCE CALL
	cat <<JSON
{ "name": "tr", "seed": 14, "trials": 3, "faults_per_trial": 5, "modes": ["native", "nooks"],
  "fault_types": ["nop", "ptr", "dst"], "persistence": "$1",
  "extensions": [ { "name": "e1000", "module": "e1000", "device": ["e1000", "virtio-net"], "workload": "netdev",
                    "trigger": { "call": "$2", "n": 3 },
                    "workload_args": { "nic": "e1000", "bytes": 262144, "pings": 3, "deadline": 30 } } ],
  "timeouts": { "boot_s": 30, "heartbeat_s": 10, "total_s": 50 },
  "kernel_cmdline": ["oops=panic", "panic=-1"], "jobs": 2, "retries": 1 }
JSON
}
spec transient e1000_clean >"$T_TMP/tr.json"
DB="$T_TMP/tr.db"
R="$T_TMP/runs"
"$NOOKS" campaign run "$T_TMP/tr.json" --db "$DB" --runs "$R" --keep-runs >"$T_TMP/tr.out" 2>&1
expect_eq "transient campaign completes" 0 "$?"
expect_eq "6 trials stored" 6 "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM trials')"
expect_eq "no infra_error" 0 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM trials WHERE outcome = 'infra_error'")"
flat() { tr -d '\n' <"$1" 2>/dev/null; }
for i in 0000 0001 0002; do
	nat=$(ls -d "$R"/*_e1000_${i}_native | head -1)
	nok=$(ls -d "$R"/*_e1000_${i}_nooks | head -1)
	wn=$(jq -r '.workload.env.WL_INJECT' "$nat/manifest.json")
	wk=$(jq -r '.workload.env.WL_INJECT' "$nok/manifest.json")
	expect_match "$i: native loads the stock e1000.ko" '"path": *"[^"]*/e1000/e1000.ko"' "$(flat "$nat/manifest.json")"
	expect_match "$i: nooks loads the isolated pristine module" '"path": *"[^"]*/fault-isolated.ko"' "$(flat "$nok/manifest.json")"
	expect_match "$i: swifi.ko loads first, nothing armed" '"name": *"swifi", *"params": *"arm=none"' "$(flat "$nat/manifest.json")"
	expect_eq "$i: the call trigger reaches the workload" "e1000_clean 3" \
		"$(jq -r '.workload.env.WL_INJECT_CALL' "$nat/manifest.json")"
	expect_eq "$i: same live patch in both modes" "$wn" "$wk"
	# the patch is the descriptor's: each site SECTION+0xOFF:LIVE of describe.json, in order
	want="e1000$(jq -r '.mutations[] | " \(.section)+\(.offset):\(.live)"' "$nat/describe.json" | tr -d '\n')"
	got=${wn%% *}
	for tok in ${wn#* }; do
		rest=${tok#*+}
		got="$got ${tok%%+*}+$((${rest%%:*})):${rest#*:}"
	done
	expect_eq "$i: live patch = describe.json's sites" "$want" "$got"
	expect_eq "$i: no .init site in a transient patch" 0 "$(printf '%s' "$wn" | grep -c '\.init')"
done
expect_eq "activation known for every trial" 6 \
	"$(sqlite3 "$DB" 'SELECT COUNT(*) FROM trials WHERE fault_armed IS NOT NULL AND fault_fired IS NOT NULL')"
expect_eq "sites armed where the trigger fired" 0 "$(sqlite3 "$DB" \
	"SELECT COUNT(*) FROM trials WHERE fault_armed NOT IN (0, 5) OR fault_fired > fault_armed")"
armed=$(sqlite3 "$DB" 'SELECT SUM(fault_armed > 0) FROM trials')
expect_eq "the 3rd call of e1000_clean came in most trials" 1 "$([ "$armed" -ge 4 ] && echo 1)"
for c in "$R"/*_e1000_*/run/console.log; do
	n=$(grep -c 'swifi: event=code_armed' "$c")
	if grep -q 'swifi: event=trigger_hit module=e1000 func=e1000_clean call=3' "$c"; then
		expect_eq "$(basename "$(dirname "$(dirname "$c")")"): 5 sites written at the trigger" 5 "$n"
	fi
	if grep -q 'nooks: recovered domain=e1000' "$c"; then
		expect_match "$(basename "$(dirname "$(dirname "$c")")"): recovery restored the pristine text" \
			'nooks: detail domain=e1000 text_restored=[1-9]' "$(cat "$c")"
	fi
done
"$NOOKS" report --db "$DB" -o "$T_TMP/rep" >/dev/null 2>&1
md=$(cat "$T_TMP/rep/report.md")
expect_match "report.md: failures eliminated" "## Failures eliminated by the NIM" "$md"
expect_match "report.md: code-fault activation measured" "\| e1000 \| (nop|ptr|dst) \| native \| 1 \| [05] \| [0-5] \| [0-5]/[05] fired" "$md"

# bad input: one line naming the field, nothing written
spec sometimes e1000_clean >"$T_TMP/bad1.json"
out=$("$NOOKS" campaign run "$T_TMP/bad1.json" --db "$T_TMP/bad1.db" --runs "$R" 2>&1)
expect_eq "unknown persistence: non-zero exit" 1 "$([ $? -ne 0 ] && echo 1)"
expect_match "unknown persistence: names the field" "field 'persistence': unknown persistence 'sometimes'" "$out"
expect_eq "unknown persistence: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_eq "unknown persistence: no database" 0 "$([ -e "$T_TMP/bad1.db" ] && echo 1 || echo 0)"
spec transient e1000_no_such_function >"$T_TMP/bad2.json"
cp "$DB" "$T_TMP/before.db"
out=$("$NOOKS" campaign run "$T_TMP/bad2.json" --db "$DB" --runs "$R" 2>&1)
expect_eq "missing function: non-zero exit" 1 "$([ $? -ne 0 ] && echo 1)"
expect_match "missing function: names the field" \
	"field 'extensions\[0\].trigger.call': module 'e1000' has no function 'e1000_no_such_function'" "$out"
expect_eq "missing function: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_eq "missing function: nothing written" \
	"$(sqlite3 "$T_TMP/before.db" 'SELECT COUNT(*) FROM campaigns; SELECT COUNT(*) FROM trials')" \
	"$(sqlite3 "$DB" 'SELECT COUNT(*) FROM campaigns; SELECT COUNT(*) FROM trials')"
no_qemu_left "no qemu left"
finish
