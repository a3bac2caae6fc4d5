#!/bin/sh
# test_nim_requested_restart.sh - application-level failure detection
# (issue 14): the isolated stock e1000 stops carrying traffic without any
# fault (the manifest's inject takes eth0 down during the ping phase).
# With --restart 1 wl-netdev declares the driver failed
# (/sys/kernel/nooks/fail), the NIM restarts it (kind=requested), the
# recovery agent brings eth0 back with its address, the failed phase is
# retried and the trial ends "recovered".  Without it the trial is a
# functional failure and nothing restarts.  An unknown domain is refused.
# The ping phase lasts seconds (2000 echo requests at about 1.4 ms each
# under TCG) so that the inject, which the agent runs when the workload
# reports the phase, lands in it and not in a later phase.
. "$(dirname "$0")/lib.sh"

E1000="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
"$NOOKS" isolate "$E1000" -o "$T_TMP/e1000.ko" >/dev/null; rc=$?
expect_eq "nooks isolate stock e1000.ko" 0 "$rc"

manifest() {  # manifest FILE RESTART
	cat >"$1" <<JSON
{"modules": ["$KMOD/nooks/nooks.ko", "$T_TMP/e1000.ko"], "devices": ["e1000", "virtio-net"],
 "append": "oops=panic panic_on_oops=1",
 "workload": {"name": "netdev", "params": {"bytes": 4194304, "pings": 2000, "link": 10, "deadline": 90,
	      "restart": $2}},
 "inject": {"phase": "ping", "cmd": "ifconfig eth0 down; echo no_such_domain > /sys/kernel/nooks/fail"},
 "deadlines": {"boot_s": 60, "heartbeat_s": 15, "total_s": 130}}
JSON
}
ev() { printf '%s' "$out" | jq -r '.nim_events[]'; }

manifest "$T_TMP/on.json" 1
out=$("$NOOKS" trial run "$T_TMP/on.json" --out "$T_TMP/on" 2>/dev/null)
expect_eq "an unknown domain is refused (the inject command's last write fails)" true \
	"$(printf '%s' "$out" | jq -r '[.agent_events[]? | select(.event == "inject")][0].status != 0')"
expect_match "the workload declared e1000 failed" "^nooks: fault domain=e1000 kind=requested " "$(ev)"
expect_match "the NIM restarted it" "^nooks: recovered domain=e1000 kind=requested " "$(ev)"
expect_eq "outcome recovered" recovered "$(printf '%s' "$out" | jq -r .outcome)"
expect_match "the ping phase failed and was retried" '"retry":"ping"' \
	"$(grep -o '"retry":"[a-z]*"' "$(printf '%s' "$out" | jq -r .logs.agent)")"
expect_eq "one phase retried after the restart, NIC reconfigured" "1 1 1" \
	"$(printf '%s' "$out" | jq -r '.workload.metrics | "\(.nic_restarts) \(.reconfigured) \(.retries)"')"
printf '%s' "$out" | jq -r '"# " + .workload.reason'
console_clean "no oops or warning on the console" "$(printf '%s' "$out" | jq -r .logs.console)"

manifest "$T_TMP/off.json" 0
out=$("$NOOKS" trial run "$T_TMP/off.json" --out "$T_TMP/off" 2>/dev/null)
expect_eq "without --restart: functional failure" functional "$(printf '%s' "$out" | jq -r .outcome)"
expect_eq "without --restart: nothing restarted" 0 "$(ev | grep -c 'kind=requested')"
expect_match "without --restart: the ping phase failed" "^echo request [0-9]+ of 2000 unanswered" \
	"$(printf '%s' "$out" | jq -r .workload.reason)"
printf '%s' "$out" | jq -r '"# " + .workload.reason'
no_qemu_left "no qemu left"
finish
