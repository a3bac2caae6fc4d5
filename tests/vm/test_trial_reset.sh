#!/bin/sh
# test_trial_reset.sh - a trial restored from a parked snapshot has the same
# outcome as a freshly booted one (pass / oops / silent hang); "reset" in the
# result says which; forcing a fresh boot (manifest and option) works.
# Uses a private snapshot cache.
. "$(dirname "$0")/lib.sh"

export NOOKS_CACHE="$T_TMP/cache"
ko="$KMOD/selftest/nooks_selftest.ko"
fault=/sys/module/nooks_selftest/parameters/fault
field() { jq -r "$1" "$2" 2>/dev/null; }

# manifest NAME RESET CMD [APPEND]
manifest() {
	app=; [ -n "${4:-}" ] && app="\"append\": \"$4\","
	cat >"$T_TMP/$1.json" <<JSON
{"modules": ["$ko"], "reset": "$2", $app
 "workload": {"name": "cmd", "params": {"cmd": "$3"}},
 "deadlines": {"boot_s": 90, "heartbeat_s": 4, "total_s": 150}}
JSON
}
for mode in boot auto; do
	manifest pass-$mode $mode "grep -c nooks_selftest /proc/modules"
	manifest oops-$mode $mode "echo null_read > $fault" oops=panic
	manifest hang-$mode $mode "echo silent_hang > $fault"
done

# Booted and restored runs of each case, two VMs at a time.
for case in pass oops hang; do
	"$NOOKS" trial run "$T_TMP/$case-boot.json" --out "$T_TMP/$case-boot" >/dev/null 2>&1 &
	"$NOOKS" trial run "$T_TMP/$case-auto.json" --out "$T_TMP/$case-auto" >/dev/null 2>&1
	wait
done
for case in pass oops hang; do
	expect_eq "$case: booted trial says reset boot" boot "$(field .reset "$T_TMP/$case-boot/result.json")"
	expect_match "$case: booted trial says why" 'fresh boot requested' \
		"$(field .reset_reason "$T_TMP/$case-boot/result.json")"
	expect_eq "$case: restored trial says reset restore" restore \
		"$(field .reset "$T_TMP/$case-auto/result.json")"
	expect_eq "$case: agent saw a restored guest" true \
		"$(grep '"event":"started"' "$T_TMP/$case-auto/agent.log" | jq -r .restored)"
done
expect_eq "pass: booted is no_effect" no_effect "$(field .outcome "$T_TMP/pass-boot/result.json")"
expect_eq "pass: restored is no_effect" no_effect "$(field .outcome "$T_TMP/pass-auto/result.json")"
expect_eq "pass: restored loaded the module" 1 "$(field .modules_loaded "$T_TMP/pass-auto/result.json")"
expect_eq "oops: booted is crash" crash "$(field .outcome "$T_TMP/oops-boot/result.json")"
expect_eq "oops: restored is crash" crash "$(field .outcome "$T_TMP/oops-auto/result.json")"
expect_eq "oops: same triage title" "$(field .triage.title "$T_TMP/oops-boot/result.json")" \
	"$(field .triage.title "$T_TMP/oops-auto/result.json")"
expect_eq "oops: restored guilty module" nooks_selftest \
	"$(field .triage.guilty_module "$T_TMP/oops-auto/result.json")"
expect_eq "hang: booted is hang" hang "$(field .outcome "$T_TMP/hang-boot/result.json")"
expect_eq "hang: restored is hang" hang "$(field .outcome "$T_TMP/hang-auto/result.json")"
expect_eq "hang: restored hit the heartbeat deadline" true \
	"$(field .deadlines_hit.heartbeat "$T_TMP/hang-auto/result.json")"
expect_eq "hang: restored has no crash report" false "$(field .triage.crashed "$T_TMP/hang-auto/result.json")"
# The oops case has its own command line, hence its own snapshot.
expect_eq "two configurations, two snapshots" 2 \
	"$(ls -d "$NOOKS_CACHE"/snapshots/*/state 2>/dev/null | wc -l)"
k_pass=$(field .snapshot.key "$T_TMP/pass-auto/result.json")
k_oops=$(field .snapshot.key "$T_TMP/oops-auto/result.json")
if [ -n "$k_oops" ] && [ "$k_oops" != "$k_pass" ]; then pass "oops snapshot key differs"
else fail "oops snapshot key differs" "pass '$k_pass', oops '$k_oops'"; fi
expect_eq "hang reuses the pass snapshot" "$k_pass" "$(field .snapshot.key "$T_TMP/hang-auto/result.json")"
expect_eq "hang did not create it" false "$(field .snapshot.created "$T_TMP/hang-auto/result.json")"
expect_eq "pass created it" true "$(field .snapshot.created "$T_TMP/pass-auto/result.json")"
no_qemu_left "no qemu left after boot and restore trials"

# --reset boot forces a fresh boot of an "auto" manifest.
echo '{"workload": "none", "coldplug": false}' >"$T_TMP/none.json"
"$NOOKS" trial run "$T_TMP/none.json" --reset boot --out "$T_TMP/opt" >/dev/null 2>&1
expect_eq "--reset boot boots" boot "$(field .reset "$T_TMP/opt/result.json")"
expect_match "--reset boot says why" 'reset option' "$(field .reset_reason "$T_TMP/opt/result.json")"
expect_eq "--reset boot trial is no_effect" no_effect "$(field .outcome "$T_TMP/opt/result.json")"
echo '{"workload": "none", "reset": "sometimes"}' >"$T_TMP/bad.json"
"$NOOKS" trial run "$T_TMP/bad.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "bad reset value exits 1" 1 "$rc"
expect_match "bad reset value is named" "field 'reset': expected \"auto\" or \"boot\"" "$(cat "$T_TMP/err")"
no_qemu_left "no qemu left at the end"
finish
