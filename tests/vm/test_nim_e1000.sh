#!/bin/sh
# test_nim_e1000.sh - a stock e1000.ko isolated by `nooks isolate` runs
# under nooks.ko: it passes traffic to a virtio-net peer (another netns,
# same QEMU hub) many times with no fault detected, and a fault injected
# into each of its entry points (NAPI poll = softirq, interrupt handler =
# hardirq, ndo_start_xmit, the watchdog work item, ndo_change_mtu under
# rtnl) is caught with oops=panic panic_on_oops=1, recovered (eth0 comes
# back with the same name) and traffic passes again.  Faults use the
# fault_next test hook of nooks.ko (docs/NIM.md).  The fault boot runs
# with page_poison=1: a DMA write into a freed page (the bug fixed by the
# quarantine of unreset devices' rings, docs/NIM.md "Known limits") is
# reported when the page is reused.  NIM=path overrides nooks.ko.
. "$(dirname "$0")/lib.sh"

NIM=${NIM:-"$KMOD/nooks/nooks.ko"}
E1000="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
CLEAN_ROUNDS=${CLEAN_ROUNDS:-30}
"$NOOKS" isolate "$E1000" -o "$T_TMP/e1000.ko" >/dev/null; rc=$?
expect_eq "nooks isolate stock e1000.ko" 0 "$rc"

# 1. clean: CLEAN_ROUNDS rounds of 5 pings, no fault
cat "$TOP/tests/vm/nim_net.sh" >"$T_TMP/clean.sh"
cat >>"$T_TMP/clean.sh" <<EOS
up_e1000 || echo "NO CARRIER"
ping_ok 3 >/dev/null	# warm-up: ARP, link settle
n=0
for r in \$(seq 1 $CLEAN_ROUNDS); do
	[ "\$(ping_ok 5)" = ok ] && n=\$((n + 1))
done
echo "CLEAN \$n"
echo "RX \$(cat /sys/class/net/eth0/statistics/rx_packets)"
echo "FAULTS \$(cat /sys/kernel/nooks/faults)"
echo "DOMAIN \$(cat /sys/kernel/nooks/domains)"
ping -c 20 -i 0.05 -W 2 10.9.0.2 | tail -1
ip link set eth0 down
rmmod e1000 && echo "RMMOD ok"
EOS
nic_vm "$T_TMP/r1" 170 "$T_TMP/e1000.ko" e1000 "oops=panic panic_on_oops=1" \
	"$(cat "$T_TMP/clean.sh")"
expect_eq "clean isolated e1000: guest ok" 0 "$rc"
expect_eq "clean: every round passed" "CLEAN $CLEAN_ROUNDS" "$(printf '%s\n' "$out" | grep '^CLEAN')"
expect_eq "clean: no fault detected" "FAULTS 0" "$(printf '%s\n' "$out" | grep '^FAULTS')"
expect_match "clean: traffic went through e1000" "^RX [0-9]{3,}" "$out"
expect_match "clean: domain running" "^DOMAIN e1000 running 0 0 [0-9]+ 0" "$out"
expect_match "clean: unload" "RMMOD ok" "$out"
console_clean "clean: no oops or warning on the console" "$T_TMP/r1/console.log"
printf '%s\n' "$out" | grep 'round-trip' | sed 's/^/# isolated e1000 RTT: /'

# 2. faults in every entry point, each recovered, traffic again
TARGETS="e1000_clean:softirq e1000_intr:hardirq e1000_xmit_frame:process e1000_watchdog:process e1000_change_mtu:process"
cat "$TOP/tests/vm/nim_net.sh" >"$T_TMP/fault.sh"
cat >>"$T_TMP/fault.sh" <<EOS
up_e1000 || echo "NO CARRIER"
ping_ok 3 >/dev/null
k=0
for t in $(for t in $TARGETS; do printf '%s ' "${t%%:*}"; done); do
	echo \$t > /sys/kernel/nooks/fault_next
	case \$t in
	e1000_change_mtu) ip link set eth0 mtu 1400 2>/dev/null; echo "MTU rc=\$?" ;;
	e1000_watchdog) ;;			# runs every 2 s by itself
	*) ping -c 2 -i 0.2 -W 1 10.9.0.2 >/dev/null 2>&1 ;;
	esac
	k=\$((k + 1))
	wait_recovered \$k || { echo "T \$t not recovered: \$(cat /sys/kernel/nooks/domains)"; continue; }
	up_e1000 || echo "T \$t NO CARRIER"
	echo "T \$t \$(ping_ok 5) \$(ip -o link show eth0 | cut -d: -f2) \$(dmesg | grep 'nooks: fault' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //')"
done
echo "FAULTS \$(cat /sys/kernel/nooks/faults)"
echo "RECOVERIES \$(cat /sys/kernel/nooks/recoveries)"
echo "DMAQ \$(cat /sys/module/nooks/parameters/dma_quarantined)"
dmesg | grep 'nooks: recovered' | sed 's/^\[[ 0-9.]*\] //'
ip link set eth0 down
rmmod e1000 && echo "RMMOD ok"
EOS
# page_poison: a DMA write into a freed page is reported when it is reused
nic_vm "$T_TMP/r2" 170 "$T_TMP/e1000.ko" e1000 "oops=panic panic_on_oops=1 page_poison=1" \
	"$(cat "$T_TMP/fault.sh")"
expect_eq "faulting e1000: guest stays up" 0 "$rc"
if [ "$rc" != 0 ]; then	# keep the evidence
	mkdir -p "$TOP/build/test-logs"
	cp "$T_TMP/r2/console.log" "$TOP/build/test-logs/nim_e1000_fault_console.log"
	echo "# console kept: build/test-logs/nim_e1000_fault_console.log"
fi
n=$(echo $TARGETS | wc -w)
expect_eq "every fault counted" "FAULTS $n" "$(printf '%s\n' "$out" | grep '^FAULTS')" ||
	{ keep_evidence nim_e1000_faults "$T_TMP/r2"; printf '%s\n' "$out" | grep -E '^(T|MTU) ' | sed 's/^/# /'; }
expect_eq "every fault recovered" "RECOVERIES $n" "$(printf '%s\n' "$out" | grep '^RECOVERIES')"
expect_match "ndo_change_mtu caller got an error" "^MTU rc=[1-9]" "$out"
# QEMU's e1000 has no reset method: its rings are quarantined, not freed
expect_match "DMA rings of the unreset device quarantined" "^DMAQ [1-9][0-9]*" "$out"
for t in $TARGETS; do
	name=${t%%:*} ctx=${t#*:}
	expect_match "$name: recovered, eth0 back, traffic passes" \
		"^T $name ok  eth0 .*$(injected_fault_re e1000 $ctx)" "$out"
done
expect_match "recovery event with latency" "recovered domain=e1000 kind=page_fault .* latency_us=[0-9]+ quiesce_us=[0-9]+ release_us=[0-9]+ init_us=[0-9]+ recoveries=$n" "$out"
expect_match "clean unload after recoveries" "RMMOD ok" "$out"
printf '%s\n' "$out" | grep 'nooks: recovered\|recovered domain' | sed 's/^/# /'
if ! console_clean "no oops or warning on the console" "$T_TMP/r2/console.log"; then
	mkdir -p "$TOP/build/test-logs"	# keep the evidence
	cp "$T_TMP/r2/console.log" "$TOP/build/test-logs/nim_e1000_trace_console.log"
	echo "# console kept: build/test-logs/nim_e1000_trace_console.log"
fi
no_qemu_left "no qemu left"
finish
