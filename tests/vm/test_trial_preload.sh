#!/bin/sh
# test_trial_preload.sh - preloaded modules (manifest "preload": true, issue
# 21): the NIM loaded before the agent's "started", in the parked snapshot
# for restored trials.  A booted and a restored trial alike have nooks
# loaded when their workload runs; the restored one did not load it itself
# (its snapshot's park did, once); the preload is part of the snapshot key
# (with and without it: two snapshots; nooks' parameters: a third); a
# preload that cannot load fails the park, and the trial boots fresh and
# reports the module that failed.  Uses a private snapshot cache.
. "$(dirname "$0")/lib.sh"

export NOOKS_CACHE="$T_TMP/cache"
ko="$KMOD/selftest/nooks_selftest.ko"
field() { jq -r "$1" "$2" 2>/dev/null; }
# manifest NAME RESET PRELOAD-ENTRY
manifest() {
	cat >"$T_TMP/$1.json" <<JSON
{"modules": [$3 "$ko"], "reset": "$2",
 "workload": {"name": "cmd", "params": {"cmd": "grep -c '^nooks ' /proc/modules; cat /sys/module/nooks/parameters/domains"}},
 "deadlines": {"boot_s": 90, "heartbeat_s": 10, "total_s": 150}}
JSON
}
manifest pre-boot boot '{"name": "nooks", "preload": true},'
manifest pre-auto auto '{"name": "nooks", "preload": true},'
manifest pre-auto2 auto '{"name": "nooks", "preload": true},'
manifest pre-dom auto '{"name": "nooks", "params": "domains=1", "preload": true},'
manifest plain auto ''
manifest bad auto '{"name": "no_such_module_x", "preload": true},'
for t in pre-boot pre-auto pre-auto2 pre-dom plain bad; do
	"$NOOKS" trial run "$T_TMP/$t.json" --out "$T_TMP/$t" >"$T_TMP/$t.out" 2>&1
done
out() { grep '"event":"output"' "$T_TMP/$1/agent.log" | jq -r .line | tr '\n' ' ' | sed 's/ $//'; }
expect_eq "booted: no_effect" no_effect "$(field .outcome "$T_TMP/pre-boot/result.json")"
expect_eq "booted: reset boot" boot "$(field .reset "$T_TMP/pre-boot/result.json")"
expect_eq "booted: nooks loaded before started" "module_loaded started" \
	"$(grep -oE '"event":"(module_loaded|started)"' "$T_TMP/pre-boot/agent.log" | head -2 |
	   sed 's/"event":"//; s/"//' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "booted: workload sees nooks (domains=N)" "1 N" "$(out pre-boot)"
for t in pre-auto pre-auto2; do
	expect_eq "$t: no_effect" no_effect "$(field .outcome "$T_TMP/$t/result.json")"
	expect_eq "$t: restored" restore "$(field .reset "$T_TMP/$t/result.json")"
	expect_eq "$t: workload sees nooks (domains=N)" "1 N" "$(out $t)"
	expect_eq "$t: the trial loaded only the selftest" \
		1 \
		"$(grep -c '"event":"module_loaded"' "$T_TMP/$t/agent.log")"
done
key=$(field .snapshot.key "$T_TMP/pre-auto/result.json")
expect_eq "the second restore reused the snapshot" "$key" "$(field .snapshot.key "$T_TMP/pre-auto2/result.json")"
expect_match "its park loaded nooks" '"event":"module_loaded","module":"nooks"' \
	"$(cat "$NOOKS_CACHE/snapshots/$key/boot-agent.log" 2>/dev/null)"
expect_eq "domains=1 preload: restored" restore "$(field .reset "$T_TMP/pre-dom/result.json")"
expect_eq "domains=1 preload: workload sees it" "1 Y" "$(out pre-dom)"
expect_eq "without preload: restored" restore "$(field .reset "$T_TMP/plain/result.json")"
expect_eq "without preload: no nooks" "0" "$(out plain | cut -d' ' -f1)"
expect_eq "three preload configurations, three snapshots" 3 \
	"$(ls -d "$NOOKS_CACHE"/snapshots/*/state 2>/dev/null | wc -l)"
expect_eq "bad preload: booted fresh" boot "$(field .reset "$T_TMP/bad/result.json")"
expect_match "bad preload: why" 'park' "$(field .reset_reason "$T_TMP/bad/result.json")"
expect_eq "bad preload: the module failed" 1 "$(field .modules_failed "$T_TMP/bad/result.json")"
expect_eq "bad preload: no snapshot" 1 "$(ls "$NOOKS_CACHE"/snapshots/*.failed 2>/dev/null | wc -l)"
for t in pre-boot pre-auto pre-dom plain; do
	console_clean "$t: console clean" "$T_TMP/$t/console.log"
done
no_qemu_left "no qemu left"
finish
