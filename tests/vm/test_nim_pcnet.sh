#!/bin/sh
# test_nim_pcnet.sh - the second NIC driver: a stock pcnet32.ko isolated by
# `nooks isolate` with the wrappers written for e1000 plus wrappers/
# netlib.def and the default thunks of every other export (the mii.ko
# helpers: module exports resolved at first use).  The isolated driver passes wl-netdev --nic pcnet (QEMU
# -device pcnet, virtio-net peer) RUNS times with no fault detected; a
# fault injected through fault_next into each entry point (NAPI poll =
# softirq, interrupt handler = hardirq, ndo_start_xmit, the watchdog
# timer, ndo_get_stats) is caught with oops=panic panic_on_oops=1,
# recovered, and wl-netdev passes again.  Also checks that 8139cp isolates.
. "$(dirname "$0")/lib.sh"

NET="$TOP/build/image/modules/kernel/drivers/net/ethernet"
RUNS=${RUNS:-10}
"$NOOKS" isolate "$NET/amd/pcnet32.ko" -o "$T_TMP/pcnet32.ko" >/dev/null; rc=$?
expect_eq "nooks isolate stock pcnet32.ko" 0 "$rc"
"$NOOKS" isolate "$NET/realtek/8139cp.ko" -o "$T_TMP/8139cp.ko" >/dev/null; rc=$?
expect_eq "nooks isolate stock 8139cp.ko" 0 "$rc"
expect_eq "isolated pcnet32 still depends on mii" "mii" "$(modinfo -F depends "$T_TMP/pcnet32.ko")"

TARGETS="pcnet32_poll:softirq pcnet32_interrupt:hardirq pcnet32_start_xmit:process pcnet32_watchdog:softirq pcnet32_get_stats:process"
cat >"$T_TMP/run.sh" <<EOS
wl() { wait_peer; wl-netdev --nic pcnet --pings 5 --bytes 262144 >/tmp/wl.out 2>&1; echo \$?; }
echo reset > /sys/kernel/nooks/entries
clean_runs $RUNS
sed 's/^/E /' /sys/kernel/nooks/entries
k=0
for t in $(for t in $TARGETS; do printf '%s ' "${t%%:*}"; done); do
	echo \$t > /sys/kernel/nooks/fault_next
	wl >/dev/null			# the workload makes the driver run \$t
	k=\$((k + 1))
	wait_recoveries \$k
	echo "T \$t rec=\$(cat /sys/kernel/nooks/recoveries) wl=\$(wl) \$(dmesg | grep 'nooks: fault' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //')"
done
echo "FAULTS \$(cat /sys/kernel/nooks/faults)"
echo "RECOVERIES \$(cat /sys/kernel/nooks/recoveries)"
dmesg | grep 'nooks: recovered' | sed 's/^\[[ 0-9.]*\] //'
rmmod pcnet32 && echo "RMMOD ok"
EOS
nim_nic_vm "$T_TMP/r1" 300 "$T_TMP/pcnet32.ko" pcnet "$T_TMP/run.sh"
expect_eq "guest ok" 0 "$rc"
expect_eq "wl-netdev passed every clean run" "CLEAN $RUNS" "$(out_lines CLEAN)"
expect_eq "no fault detected in clean runs" "FAULTS 0" "$(out_lines FAULTS | head -n 1)"
# /sys/kernel/nooks/entries: what the workload entered by XPC, and where
expect_match "entries: the IRQ handler, in hardirq" "^E pcnet32_interrupt \[pcnet32\] hardirq [1-9]" "$(out_lines 'E ')"
expect_match "entries: NAPI poll, in softirq" "^E pcnet32_poll \[pcnet32\] softirq [1-9]" "$(out_lines 'E ')"
expect_match "entries: transmit" "^E pcnet32_start_xmit \[pcnet32\] [a-z]+ [1-9]" "$(out_lines 'E ')"
n=$(echo $TARGETS | wc -w)
expect_eq "every fault recovered" "RECOVERIES $n" "$(out_lines RECOVERIES)"
for t in $TARGETS; do
	name=${t%%:*} ctx=${t#*:}
	expect_match "$name: recovered, wl-netdev passes again" \
		"^T $name rec=[0-9]+ wl=0 nooks: $(injected_fault_re pcnet32 $ctx)" "$out"
done
expect_match "clean unload after recoveries" "RMMOD ok" "$out"
printf '%s\n' "$out" | grep '^T \|recovered domain' | sed 's/^/# /'
console_clean "no oops or warning on the console" "$T_TMP/r1/console.log"
no_qemu_left "no qemu left"
finish
