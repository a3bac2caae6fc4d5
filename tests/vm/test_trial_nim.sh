#!/bin/sh
# test_trial_nim.sh - the trial runner and classifier on real NIM events:
# an isolated selftest extension faults, the NIM recovers it, the workload
# passes → outcome "recovered" with the recovery latency; the same fault
# without the NIM → "crash"; the NIM loaded but no fault → "no_effect".
# Regression: the recovery agent aborted the guest agent (PID 1, so the
# guest panicked) when no workload had registered a recovery script — the
# "cmd" workload here registers none.
. "$(dirname "$0")/lib.sh"

"$NOOKS" isolate "$KMOD/selftest/nooks_selftest.ko" -o "$T_TMP/st.ko" >/dev/null 2>&1 ||
	fail "isolate the selftest extension"
trigger='echo null_read@softirq > /sys/module/nooks_selftest/parameters/fault; sleep 1; true'

manifest() {  # manifest FILE MODULES-JSON CMD
	cat >"$1" <<JSON
{"modules": $2, "append": "oops=panic panic_on_oops=1",
 "workload": {"name": "cmd", "params": {"cmd": "$3"}},
 "deadlines": {"boot_s": 60, "heartbeat_s": 15, "total_s": 120}}
JSON
}

manifest "$T_TMP/rec.json" "[\"$KMOD/nooks/nooks.ko\", \"$T_TMP/st.ko\"]" "$trigger"
out=$("$NOOKS" trial run "$T_TMP/rec.json" --out "$T_TMP/rec" 2>/dev/null)
expect_eq "NIM recovery + workload pass is 'recovered'" recovered "$(printf '%s' "$out" | jq -r .outcome)" ||
	keep_evidence test_trial_nim "$T_TMP/rec"
lat=$(printf '%s' "$out" | jq -r '.nim_recovery_us // -1')
if [ "$lat" -gt 0 ] 2>/dev/null; then pass "recovery latency recorded ($lat us)"; else fail "recovery latency recorded" "got '$lat'"; fi
expect_match "the fault event is kept" "fault domain=nooks_selftest kind=page_fault" \
	"$(printf '%s' "$out" | jq -r '.nim_events[]')"
expect_eq "no kernel crash in the console" false "$(printf '%s' "$out" | jq -r .triage.crashed)"

manifest "$T_TMP/nat.json" "[\"$KMOD/selftest/nooks_selftest.ko\"]" "$trigger"
out=$("$NOOKS" trial run "$T_TMP/nat.json" --out "$T_TMP/nat" 2>/dev/null)
expect_eq "the same fault natively is 'crash'" crash "$(printf '%s' "$out" | jq -r .outcome)"

manifest "$T_TMP/clean.json" "[\"$KMOD/nooks/nooks.ko\", \"$T_TMP/st.ko\"]" "true"
out=$("$NOOKS" trial run "$T_TMP/clean.json" --out "$T_TMP/clean" 2>/dev/null)
expect_eq "the NIM without a fault is 'no_effect'" no_effect "$(printf '%s' "$out" | jq -r .outcome)"
no_qemu_left "no qemu left"
finish
