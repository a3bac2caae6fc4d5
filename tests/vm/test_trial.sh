#!/bin/sh
# test_trial.sh - `nooks trial run` on real guests: a passing workload is
# no_effect, an oops in a module is crash, a silent hang is hang; bounded
# capture of a flooding guest; killing the runner kills QEMU; bad input.
. "$(dirname "$0")/lib.sh"

ko="$KMOD/selftest/nooks_selftest.ko"
fault=/sys/module/nooks_selftest/parameters/fault
field() { jq -r "$1" "$2" 2>/dev/null; }

cat >"$T_TMP/pass.json" <<JSON
{"modules": ["$ko"], "workload": {"name": "cmd", "params": {"cmd": "grep -c nooks_selftest /proc/modules"}},
 "deadlines": {"boot_s": 60, "heartbeat_s": 10, "total_s": 120}}
JSON
cat >"$T_TMP/oops.json" <<JSON
{"modules": ["$ko"], "append": "oops=panic",
 "workload": {"name": "cmd", "params": {"cmd": "echo null_read > $fault"}},
 "deadlines": {"boot_s": 60, "heartbeat_s": 10, "total_s": 120}}
JSON
cat >"$T_TMP/hang.json" <<JSON
{"modules": ["$ko"], "workload": {"name": "cmd", "params": {"cmd": "echo silent_hang > $fault"}},
 "deadlines": {"boot_s": 60, "heartbeat_s": 4, "total_s": 120}}
JSON

# (a) and (b) in parallel through the pool (2 VMs), (c) alone.
"$NOOKS" trial run "$T_TMP/pass.json" --out "$T_TMP/a" >/dev/null 2>"$T_TMP/a.err" &
"$NOOKS" trial run "$T_TMP/oops.json" --out "$T_TMP/b" >/dev/null 2>"$T_TMP/b.err"; rc_b=$?
wait $!; rc_a=$?
expect_eq "(a) passing workload: exit 0" 0 "$rc_a"
expect_eq "(a) passing workload is no_effect" no_effect "$(field .outcome "$T_TMP/a/result.json")"
expect_eq "(a) module loaded" 1 "$(field .modules_loaded "$T_TMP/a/result.json")"
expect_eq "(a) workload verdict pass" pass "$(field .workload.verdict "$T_TMP/a/result.json")"
expect_match "(a) agent channel has heartbeats" '"event":"heartbeat"' "$(cat "$T_TMP/a/agent.log")"
expect_eq "(b) oops exits 0 (a result)" 0 "$rc_b"
expect_eq "(b) oops in a module is crash" crash "$(field .outcome "$T_TMP/b/result.json")"
expect_eq "(b) triage kind" null_deref "$(field .triage.kind "$T_TMP/b/result.json")"
expect_eq "(b) guilty module" nooks_selftest "$(field .triage.guilty_module "$T_TMP/b/result.json")"

"$NOOKS" trial run "$T_TMP/hang.json" --out "$T_TMP/c" >/dev/null 2>&1
expect_eq "(c) silent hang is hang" hang "$(field .outcome "$T_TMP/c/result.json")"
expect_eq "(c) heartbeat deadline hit" true "$(field .deadlines_hit.heartbeat "$T_TMP/c/result.json")"
expect_eq "(c) no crash report" false "$(field .triage.crashed "$T_TMP/c/result.json")"
no_qemu_left "no qemu left after the trials"

# Bounded capture: the guest floods the agent channel (1 MB) past a 64 KiB limit.
cat >"$T_TMP/flood.json" <<JSON
{"workload": {"name": "cmd", "params": {"cmd": "yes nooksnooksnooks | head -c 1000000"}},
 "coldplug": false, "deadlines": {"boot_s": 60, "heartbeat_s": 20, "total_s": 120}}
JSON
"$NOOKS" trial run "$T_TMP/flood.json" --out "$T_TMP/f" --capture-limit 65536 >/dev/null 2>&1
expect_eq "flood: agent log capped at the limit" 65536 "$(stat -c %s "$T_TMP/f/agent.log")"
expect_eq "flood: truncation is reported" true "$(field .logs.agent_truncated "$T_TMP/f/result.json")"
expect_eq "flood: events past the limit still count" no_effect "$(field .outcome "$T_TMP/f/result.json")"

# A workload killed by a signal while a process it started keeps its
# output pipe open: its exit ends the workload (the agent kills what it
# left), not the pipe's end -- before, the trial waited out the deadline
# and was stored as a hang.
cat >"$T_TMP/orphan.json" <<'JSON'
{"workload": {"name": "cmd", "params": {"cmd": "sleep 600 & kill -9 $$"}},
 "coldplug": false, "deadlines": {"boot_s": 60, "heartbeat_s": 20, "total_s": 120}}
JSON
t0=$(date +%s)
"$NOOKS" trial run "$T_TMP/orphan.json" --out "$T_TMP/o" >/dev/null 2>&1
took=$(($(date +%s) - t0))
expect_eq "orphaned pipe: the workload's death is its exit (137)" 137 \
	"$(field .workload.exit_status "$T_TMP/o/result.json")"
expect_eq "orphaned pipe: not a hang, a failed workload" functional \
	"$(field .outcome "$T_TMP/o/result.json")"
expect_eq "orphaned pipe: ended well before the total deadline" 1 "$([ $took -lt 90 ] && echo 1)"

# Killing the runner (SIGKILL: no handler runs) kills its QEMU.
cat >"$T_TMP/long.json" <<JSON
{"workload": {"name": "cmd", "params": {"cmd": "sleep 300"}},
 "deadlines": {"boot_s": 200, "heartbeat_s": 200, "total_s": 400}}
JSON
"$NOOKS" trial run "$T_TMP/long.json" --out "$T_TMP/k" >/dev/null 2>&1 &
runner=$!
i=0; while [ $i -lt 100 ] && ! pgrep -f "qemu-system-x86_64.*$T_TMP/k/" >/dev/null; do sleep 0.1; i=$((i + 1)); done
expect_eq "runner started qemu" 0 "$(pgrep -f "qemu-system-x86_64.*$T_TMP/k/" >/dev/null; echo $?)"
kill -9 $runner; wait $runner 2>/dev/null
sleep 1
no_qemu_left "SIGKILL of the runner kills qemu"
"$NOOKS" trial run "$T_TMP/long.json" --out "$T_TMP/k2" >/dev/null 2>&1 &
runner=$!
i=0; while [ $i -lt 100 ] && ! pgrep -f "qemu-system-x86_64.*$T_TMP/k2/" >/dev/null; do sleep 0.1; i=$((i + 1)); done
kill -TERM $runner; wait $runner 2>/dev/null
sleep 1
no_qemu_left "SIGTERM of the runner kills qemu"

# Bad input: one line on stderr, non-zero exit, no guest.
echo '{"workload": "none",' >"$T_TMP/bad.json"
"$NOOKS" trial run "$T_TMP/bad.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "malformed manifest exits 1" 1 "$rc"
expect_eq "malformed manifest: one line" 1 "$(wc -l <"$T_TMP/err")"
expect_match "malformed manifest is named" "manifest '$T_TMP/bad.json': invalid JSON" "$(cat "$T_TMP/err")"
echo '{"workload": "none", "deadlines": {"boot_s": "soon"}}' >"$T_TMP/bad2.json"
"$NOOKS" trial run "$T_TMP/bad2.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_match "bad field is named" "field 'deadlines.boot_s': expected a number of seconds" "$(cat "$T_TMP/err")"
echo '{"workload": "none", "modules": ["missing.ko"]}' >"$T_TMP/bad3.json"
"$NOOKS" trial run "$T_TMP/bad3.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "missing module exits 1" 1 "$rc"
expect_match "missing module is named" "cannot open module '$T_TMP/missing.ko'" "$(cat "$T_TMP/err")"
echo '{"workload": "nosuchload"}' >"$T_TMP/bad4.json"
"$NOOKS" trial run "$T_TMP/bad4.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "unknown workload exits 1" 1 "$rc"
expect_eq "unknown workload: one line" 1 "$(wc -l <"$T_TMP/err")"
expect_match "unknown workload is named" "unknown workload 'nosuchload'" "$(cat "$T_TMP/err")"
"$NOOKS" trial run >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "missing manifest argument exits 2" 2 "$rc"
no_qemu_left "no qemu left at the end"
finish
