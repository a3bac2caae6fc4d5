#!/bin/sh
# test_nim_recovery_agent.sh - the user-mode recovery agent: a stock e1000
# isolated by the NIM faults in its NAPI poll in the middle of wl-netdev's
# send stream (manifest "inject", armed by the workload's "send" phase).
# The NIM re-probes it (eth0 comes back down, no address); the guest agent
# runs the recovery script wl-netdev registered, the interface is back with
# its address within TCP's retransmission window, and the trial ends
# "recovered" (workload passed).  The same trial with "recovery_agent":
# false ends "recovered_degraded": the agent is what makes the difference.
. "$(dirname "$0")/lib.sh"

E1000="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
"$NOOKS" isolate "$E1000" -o "$T_TMP/e1000.ko" >/dev/null; rc=$?
expect_eq "nooks isolate stock e1000.ko" 0 "$rc"

manifest() {  # manifest FILE EXTRA-FIELDS
	cat >"$1" <<JSON
{"modules": ["$KMOD/nooks/nooks.ko", "$T_TMP/e1000.ko"], "devices": ["e1000", "virtio-net"],
 "append": "oops=panic panic_on_oops=1",
 "workload": {"name": "netdev", "params": {"bytes": 16777216, "pings": 3, "link": 10, "deadline": 40}},
 "inject": {"phase": "send", "after_s": 0.5, "cmd": "echo e1000_clean > /sys/kernel/nooks/fault_next"},
 "deadlines": {"boot_s": 60, "heartbeat_s": 15, "total_s": 100}$2}
JSON
}

manifest "$T_TMP/on.json" ""
out=$("$NOOKS" trial run "$T_TMP/on.json" --out "$T_TMP/on" 2>/dev/null)
expect_eq "fault injected during the send phase" 0 \
	"$(printf '%s' "$out" | jq -r '[.agent_events[]? | select(.event == "inject")][0].status')"
expect_match "the NIM recovered e1000" "^nooks: recovered domain=e1000 " \
	"$(printf '%s' "$out" | jq -r '.nim_events[]')"
expect_eq "recovery agent ran wl-netdev's script, exit 0" "netdev 0" \
	"$(printf '%s' "$out" | jq -r '[.agent_events[]? | select(.event == "recovery_agent" and .script)][0] | "\(.script) \(.status)"')"
expect_eq "with the recovery agent: outcome recovered" recovered "$(printf '%s' "$out" | jq -r .outcome)"
expect_eq "the workload saw the restart and the NIC reconfigured" "1 1" \
	"$(printf '%s' "$out" | jq -r '.workload.metrics | "\(.nic_restarts) \(.reconfigured)"')"
printf '%s' "$out" | jq -r '"# " + .workload.reason + "; retries \(.workload.metrics.retries)"'
console_clean "no oops or warning on the console" "$(printf '%s' "$out" | jq -r .logs.console)"

manifest "$T_TMP/off.json" ', "recovery_agent": false'
out=$("$NOOKS" trial run "$T_TMP/off.json" --out "$T_TMP/off" 2>/dev/null)
expect_match "the NIM recovered e1000 (agent off)" "^nooks: recovered domain=e1000 " \
	"$(printf '%s' "$out" | jq -r '.nim_events[]')"
expect_eq "agent off: recovery noted, no script run" "true 0" \
	"$(printf '%s' "$out" | jq -r '[.agent_events[]? | select(.event == "recovery_agent")] | "\(.[0].disabled) \(map(select(.script)) | length)"')"
expect_eq "without the recovery agent: outcome recovered_degraded" recovered_degraded \
	"$(printf '%s' "$out" | jq -r .outcome)"
printf '%s' "$out" | jq -r '"# " + .workload.reason'
console_clean "agent off: no oops or warning on the console" "$(printf '%s' "$out" | jq -r .logs.console)"
no_qemu_left "no qemu left"
finish
