#!/bin/sh
# test_trial_overdue.sh - a workload that does not exit within its own
# --deadline (it exits by SIGALRM at its deadline, so one still running is
# stuck where no signal reaches it) ends the trial as a hang
# TRIAL_WORKLOAD_GRACE_MS (10 s) after that deadline, not at the total
# deadline (issue 21: end a trial the moment its outcome is decided).  The
# manifest's inject command stops wl-netdev (SIGSTOP) during its link
# phase (which waits ~2 s for e1000's link: the later phases can end
# before the shell's pidof runs); heartbeats go on.  A control trial with the same deadline passes.
. "$(dirname "$0")/lib.sh"
need_built "overdue" "$TOP/build/guest/bin/wl-netdev"

field() { jq -r "$1" "$2" 2>/dev/null; }
# manifest NAME [INJECT-CMD]
manifest() {
	inj=; [ -n "${2:-}" ] && inj="\"inject\": {\"cmd\": \"$2\", \"phase\": \"link\"},"
	cat >"$T_TMP/$1.json" <<JSON
{"devices": ["e1000", "virtio-net"], $inj
 "workload": {"name": "netdev", "params": {"nic": "e1000", "deadline": 8, "bytes": 65536}},
 "deadlines": {"boot_s": 90, "heartbeat_s": 10, "total_s": 150}}
JSON
}
manifest stuck "kill -STOP \$(pidof wl-netdev)"
manifest ok
st="$KMOD/selftest/nooks_selftest.ko"
cat >"$T_TMP/off.json" <<JSON
{"modules": ["$st"],
 "workload": {"name": "cmd", "params": {"cmd": "echo reboot_hang > /sys/module/nooks_selftest/parameters/fault"}},
 "deadlines": {"boot_s": 90, "heartbeat_s": 10, "total_s": 150}}
JSON
for t in stuck ok off; do
	"$NOOKS" trial run "$T_TMP/$t.json" --out "$T_TMP/$t" >"$T_TMP/$t.out" 2>&1
done
r="$T_TMP/stuck/result.json"
expect_eq "stopped workload: the inject ran" 0 \
	"$(grep '"event":"inject"' "$T_TMP/stuck/agent.log" | head -1 | jq -r .status)"
expect_eq "stopped workload: hang" hang "$(field .outcome "$r")"
expect_eq "stopped workload: the workload deadline hit" true "$(field .deadlines_hit.workload "$r")"
expect_eq "stopped workload: not the total deadline" false "$(field .deadlines_hit.total "$r")"
expect_eq "stopped workload: not the heartbeat deadline" false "$(field .deadlines_hit.heartbeat "$r")"
expect_match "stopped workload: the reason says so" "own deadline" "$(field .reason "$r")"
wl=$(field .phases_ms.workload "$r")
expect_eq "stopped workload: ended 8 s + 10 s after it started (workload phase ${wl} ms)" yes \
	"$([ "${wl:-0}" -ge 18000 ] && [ "${wl:-0}" -lt 40000 ] && echo yes)"
expect_eq "control: no_effect" no_effect "$(field .outcome "$T_TMP/ok/result.json")"
expect_eq "control: no deadline hit" false "$(field .deadlines_hit.workload "$T_TMP/ok/result.json")"
console_clean "stopped workload: console clean" "$T_TMP/stuck/console.log"
r="$T_TMP/off/result.json"
expect_eq "power-off hang: the workload passed, the agent said done" "pass true" \
	"$(field .workload.verdict "$r") $(field .agent_done "$r")"
expect_eq "power-off hang: hang" hang "$(field .outcome "$r")"
expect_eq "power-off hang: the power-off deadline hit" true "$(field .deadlines_hit.poweroff "$r")"
expect_eq "power-off hang: not the total deadline" false "$(field .deadlines_hit.total "$r")"
td=$(field .phases_ms.teardown "$r")
expect_eq "power-off hang: ended 10 s after done (teardown ${td} ms)" yes \
	"$([ "${td:-0}" -ge 10000 ] && [ "${td:-0}" -lt 30000 ] && echo yes)"
no_qemu_left "no qemu left"
finish
