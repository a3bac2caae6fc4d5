#!/bin/sh
# test_nim_e1000_workload.sh - the netdev workload (/bin/wl-netdev: ping +
# checksummed TCP stream both ways) on a stock e1000.ko isolated by the
# NIM: RUNS clean runs in a row with no fault detected, then a fault in
# the NAPI poll (fault_next hook) is recovered and the workload passes
# again on the re-probed eth0.  oops=panic panic_on_oops=1 throughout.
. "$(dirname "$0")/lib.sh"

E1000="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
RUNS=${RUNS:-40}
"$NOOKS" isolate "$E1000" -o "$T_TMP/e1000.ko" >/dev/null; rc=$?
expect_eq "nooks isolate stock e1000.ko" 0 "$rc"

cat >"$T_TMP/run.sh" <<EOS
wl() { wait_peer; wl-netdev --pings 5 --bytes 262144 >/tmp/wl.out 2>&1; echo \$?; }
clean_runs $RUNS
tail -n 1 /tmp/wl.out | sed 's/^/LAST /'
echo e1000_clean > /sys/kernel/nooks/fault_next
wl >/dev/null
wait_recoveries 1
echo "RECOVERIES \$(cat /sys/kernel/nooks/recoveries)"
echo "AFTER \$(wl)"
tail -n 1 /tmp/wl.out | sed 's/^/LAST /'
EOS
nim_nic_vm "$T_TMP/r1" 175 "$T_TMP/e1000.ko" e1000 "$T_TMP/run.sh"
expect_eq "guest ok" 0 "$rc"
expect_eq "wl-netdev passed every clean run" "CLEAN $RUNS" "$(out_lines CLEAN)"
expect_eq "no fault detected in clean runs" "FAULTS 0" "$(out_lines FAULTS)"
expect_eq "fault in the NAPI poll recovered" "RECOVERIES 1" "$(out_lines RECOVERIES)"
expect_eq "wl-netdev passes after the recovery" "AFTER 0" "$(out_lines AFTER)"
console_clean "no oops or warning on the console" "$T_TMP/r1/console.log"
printf '%s\n' "$out" | grep '^LAST' | sed 's/^LAST /# /'
no_qemu_left "no qemu left"
finish
