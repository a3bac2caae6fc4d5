#!/bin/sh
# test_nim_closures.sh - issue 22, generic extension wrappers: callbacks
# the isolated self-test hands the kernel through functions that have no
# wrapper written for them are entered by XPC through closure stubs made
# from the kernel's BTF (kmod/nooks/nooks_closure.c): an RCU callback
# (call_rcu's function argument), an alarm timer's function (alarm_init's;
# it returns an enum: a fault must return ALARMTIMER_NORESTART, 0, or the
# alarm would re-arm at the same expiry for good), a const proc_ops table (proc_create: a
# shadow copy) and a static notifier_block (register_netdevice_notifier:
# slots swapped in place).  Each is used clean, then faulted (two kinds,
# two rounds) and recovered; the proc file and the notifier work again
# after each recovery (undo.def re-registers them cleanly); the module
# unloads; the callers of the RCU callback and of the proc read get an
# error.  Control: with nooks' generic_shadows=0 the same RCU fault is
# a kernel oops.
. "$(dirname "$0")/lib.sh"

isolate_selftest
KINDS="null_read:page_fault gpf:gpf"
CTXS="rcu alarm proc notifier"
NAMES=$(for k in $KINDS; do printf '%s ' "${k%%:*}"; done)

cat >"$T_TMP/run.sh" <<EOS
echo "LIVE \$(cut -d' ' -f1 /sys/kernel/nooks/closures)"
echo "PROC \$(cat /proc/nooks_selftest)"
ip link set lo mtu 1500 && echo "MTU ok"
echo "CALLS \$(cut -d' ' -f2 /sys/kernel/nooks/closures)"
n=0
for round in 1 2; do
	for k in $NAMES; do
		for c in $CTXS; do
			wait_running || exit 3
			echo \$k@\$c > /sys/module/nooks_selftest/parameters/fault 2>/dev/null; r=\$?
			case \$c in
			proc) cat /proc/nooks_selftest >/dev/null 2>&1; r=\$? ;;
			notifier) ip link set lo mtu \$((1300 + n)) 2>/dev/null; r=\$? ;;	# a change: the event fires
			esac
			n=\$((n + 1))
			wait_recoveries \$n
			echo "T \$round \$k@\$c rc=\$r \$(dmesg | grep 'nooks: fault' | tail -n 1)"
		done
	done
done
wait_running
echo "AFTER \$(cat /proc/nooks_selftest)"
ip link set lo mtu 1500 && echo "MTU after ok"
echo "FAULTS \$(cat /sys/kernel/nooks/faults)"
echo "RECOVERIES \$(cat /sys/kernel/nooks/recoveries)"
rmmod nooks_selftest && echo "RMMOD ok"
[ -e /proc/nooks_selftest ] || echo "GONE proc"
echo "LIVE_END \$(cut -d' ' -f1 /sys/kernel/nooks/closures)"
EOS
out=$("$NOOKS" vm run --out "$T_TMP/r1" --timeout 240 --module "$NIM" --module "$T_TMP/st.ko" \
	--append "oops=panic panic_on_oops=1" --cmd "$(guest_cmd "$T_TMP/run.sh")" 2>/dev/null); rc=$?
expect_eq "guest stays up through all faults" 0 "$rc"
expect_match "closures made at load (proc_read, notifier_call)" "^LIVE [2-9]" "$out"
expect_eq "the proc file reads through its shadow copy" "PROC ok" "$(out_lines 'PROC ')"
expect_match "the notifier runs on an MTU change" "MTU ok" "$out"
expect_match "the kernel called closures" "^CALLS [1-9]" "$out"
nctx=$(echo $CTXS | wc -w) nk=$(echo $KINDS | wc -w)
expected=$((2 * nk * nctx))
expect_eq "every fault counted" "FAULTS $expected" "$(out_lines FAULTS)"
expect_eq "every fault recovered" "RECOVERIES $expected" "$(out_lines RECOVERIES)"
for k in $KINDS; do
	for c in $CTXS; do
		name=${k%%:*} kind=${k#*:} ctx=process
		[ $c = rcu ] && ctx=softirq
		[ $c = alarm ] && ctx=hardirq
		# a notifier chain has no error to give ip(8): rc is whatever
		# notifier_to_errno makes of -EFAULT
		rc_re='[1-9]'
		[ $c = notifier ] && rc_re='[0-9]'
		cnt=$(out_lines "T [12] $name@$c rc=$rc_re" | grep -Ec "$(selftest_fault_re "$name" "$kind" "$ctx")")
		expect_eq "$name@$c caught as $kind in $ctx, twice" 2 "$cnt"
	done
done
expect_eq "the proc file works after the recoveries" "AFTER ok" "$(out_lines AFTER)"
expect_match "the notifier works after the recoveries" "MTU after ok" "$out"
expect_match "clean unload" "RMMOD ok" "$out"
expect_match "the proc entry went with the module" "GONE proc" "$out"
expect_eq "no closure left after the unload" "LIVE_END 0" "$(out_lines LIVE_END)"
printf '%s\n' "$out" | grep '^T ' | sed 's/^/# /'
console_clean "no oops or warning on the console" "$T_TMP/r1/console.log" ||
	keep_evidence nim_closures "$T_TMP/r1"

# Control: without the generic shadows the RCU callback runs outside any
# XPC, and the same fault is a kernel oops.
control_run 60 'echo 0 > /sys/module/nooks/parameters/generic_shadows; echo null_read@rcu > /sys/module/nooks_selftest/parameters/fault' \
	--module "$NIM" --module "$T_TMP/st.ko"
expect_null_oops "generic_shadows=0: the RCU fault"
no_qemu_left "no qemu left"
finish
