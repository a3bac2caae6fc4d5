#!/bin/sh
# test_nim_leaks.sh - an isolated extension that returns to the kernel
# holding a spinlock, with IRQs disabled (or enabled where they were off),
# with preemption or bottom halves disabled, inside an RCU read section,
# after an unlock without its lock (caught in the unlock wrapper) or a
# preempt_enable without disable, holding a kernel lock (its own task's
# signal lock, dev_base_lock for reading), holding an rwlock for writing,
# or that takes a spinlock it already holds (an rwlock it holds for
# reading, for writing), or read-unlocks an rwlock nobody holds, is caught at the XPC return in process,
# softirq, hardirq, kthread and workqueue context, the CPU state restored
# and the extension recovered (twice through the matrix: the second round
# would spin forever on the lock word if recovery had not restored it).
# No "leaked lock or atomic" / "scheduling while atomic" BUG, no hang.
# Control: natively the same leak in a work item is the kernel's BUG and
# then a hang.
. "$(dirname "$0")/lib.sh"

isolate_selftest

ALL="process softirq hardirq kthread work"
ON="process softirq kthread work"	# contexts entered with IRQs on
# kind:fault-kind:contexts
CASES="leak_spinlock:leaked_lock:$ALL
leak_irqsave:leaked_lock:$ALL
leak_preempt:leaked_lock:$ALL
leak_bh:leaked_lock:$ON
leak_irq_off:irq_off:$ON
leak_irq_on:irq_on:hardirq
leak_rcu:rcu_leak:$ALL
unlock_unheld:lock_underflow:$ALL
preempt_underflow:lock_underflow:$ALL
self_deadlock:deadlock:$ALL
leak_kernel_lock:leaked_lock:process kthread
leak_write_lock:leaked_lock:$ALL
leak_read_kernel:leaked_lock:process kthread
rw_deadlock:deadlock:$ALL
rw_unlock_unheld:lock_underflow:$ALL"
triggers=$(printf '%s\n' "$CASES" | while IFS=: read -r k kind ctxs; do
	for c in $ctxs; do printf '%s@%s ' "$k" "$c"; done; done)
n=$(echo $triggers | wc -w)
cat >"$T_TMP/run.sh" <<EOS
for round in 1 2; do
	for t in $triggers; do
		wait_running || exit 3
		echo \$t > /sys/module/nooks_selftest/parameters/fault 2>/dev/null
		echo "T \$round \$t rc=\$? \$(dmesg | grep 'nooks: fault' | tail -n 1)"
	done
done
selftest_counts
echo "DETAILS \$(dmesg | grep -c 'nooks: detail domain=nooks_selftest preempt=')"
echo "DEADLOCKS \$(dmesg | grep -c 'nooks: detail domain=nooks_selftest deadlock=')"
echo "UNHELD \$(dmesg | grep -c 'nooks: detail domain=nooks_selftest unlock_unheld=')"
echo "KERNEL_LOCK_UNLOCKED \$(dmesg | grep -A1 'nooks: detail .*unlocked=1' | grep -c 'kind=leaked_lock ip=fault_set')"
sh -c 'kill -TERM \$\$'; echo "SIGNAL after leaking the signal lock: \$?"
echo rw_kernel_write@process > /sys/module/nooks_selftest/parameters/fault; echo "RW_KERNEL_WRITE rc=\$?"
dmesg | grep 'nooks: recovered' | tail -n 1
rmmod nooks_selftest && echo "RMMOD ok"
EOS
out=$("$NOOKS" vm run --out "${KEEP:-$T_TMP}/r1" --timeout 240 --module "$NIM" --module "$T_TMP/st.ko" \
	--append "oops=panic panic_on_oops=1" --cmd "$(guest_cmd "$T_TMP/run.sh")" 2>/dev/null); rc=$?
expect_eq "guest stays up through all leaks" 0 "$rc"
expect_eq "every leak counted as a fault" "FAULTS $((2 * n))" "$(printf '%s\n' "$out" | grep '^FAULTS')"
expect_eq "every leak recovered" "RECOVERIES $((2 * n))" "$(printf '%s\n' "$out" | grep '^RECOVERIES')"
nd=$(echo $triggers | tr ' ' '\n' | grep -Ec '^(self|rw)_deadlock@')
nu=$(echo $triggers | tr ' ' '\n' | grep -Ec '^(rw_)?unlock_unheld@')
expect_eq "state change reported per leak" "DETAILS $((2 * (n - nd - nu)))" "$(printf '%s\n' "$out" | grep '^DETAILS')"
expect_eq "unlock of an unlocked lock reported by the wrapper" "UNHELD $((2 * nu))" "$(printf '%s\n' "$out" | grep '^UNHELD')"
expect_eq "deadlock reported per self_deadlock" "DEADLOCKS $((2 * nd))" "$(printf '%s\n' "$out" | grep '^DEADLOCKS')"
# process-context leaks holding one lock: leak_spinlock, leak_irqsave,
# leak_kernel_lock, leak_write_lock, leak_read_kernel (x2 rounds); the lock
# word was unlocked at the exit
expect_eq "leaked lock words unlocked at the XPC exit" "KERNEL_LOCK_UNLOCKED 10" "$(printf '%s\n' "$out" | grep '^KERNEL_LOCK_UNLOCKED')"
expect_eq "the shell's signal lock works after leak_kernel_lock" "SIGNAL after leaking the signal lock: 143" "$(printf '%s\n' "$out" | grep '^SIGNAL')"
# a leaked read lock left held would make this writer spin (a deadlock fault)
expect_eq "dev_base_lock taken for writing after leak_read_kernel" "RW_KERNEL_WRITE rc=0" "$(printf '%s\n' "$out" | grep '^RW_KERNEL_WRITE')"
# Each trigger: its own fault event, right kind, right context, blamed on
# the extension function whose return leaked (the XPC target).
while IFS=: read -r k kind ctxs; do	# not in a pipe: checks count
	for c in $ctxs; do
		case $c in
		process) fn=fault_set ctx=process ;;
		softirq) fn=selftest_timer_fn ctx=softirq ;;
		hardirq) fn=selftest_hrtimer_fn ctx=hardirq ;;
		kthread) fn=selftest_kthread_fn ctx=process ;;
		work) fn=selftest_work_fn ctx=process ;;
		esac
		site="$fn\\+0x0/"	# the XPC target whose return leaked
		[ $kind = deadlock ] && site="fault_$k\\+"	# the second lock call
		# caught in the unlock wrapper; the unlock is a tail call (jmp)
		[ $kind = lock_underflow ] && [ $k != preempt_underflow ] && site="run_fault\\+"
		cnt=$(printf '%s\n' "$out" | grep -E "^T [12] $k@$c rc=1 .*fault domain=nooks_selftest kind=$kind ip=$site.* ctx=$ctx state=failed" | wc -l)
		expect_eq "$k@$c caught as $kind, twice" 2 "$cnt"
	done
done <<EOF
$CASES
EOF
expect_match "extension works after the leaks" "T clean rc=0" "$out"
expect_match "recovery latency reported" "recovered domain=nooks_selftest kind=[a-z_]+ .*latency_us=[0-9]+ .*recoveries=$((2 * n))" "$out"
expect_match "clean unload after recoveries" "RMMOD ok" "$out"
con=$(cat "$T_TMP/r1/console.log")
bad='leaked lock or atomic|scheduling while atomic|preempt leak|exited with preempt_count|BUG:|Oops|WARNING:|Call Trace|lockup'
if printf '%s\n' "$con" | grep -Eq "$bad"; then
	fail "no BUG, warning or lockup on the console" "$(printf '%s\n' "$con" | grep -E "$bad" | head -3)"
else
	pass "no BUG, warning or lockup on the console"
fi

# Control: natively a work item leaking a lock taken with irqsave is the
# kernel's BUG, and the next taker spins with IRQs off: a hang.
control_run 30 'for i in 1 2; do echo leak_irqsave@work > /sys/module/nooks_selftest/parameters/fault; sleep 1; done' \
	--module "$ST"
expect_eq "native: the second taker hangs (124)" 124 "$rc"
expect_match "native: the kernel's workqueue BUG" "BUG: workqueue leaked lock or atomic: kworker" "$(cat "$T_TMP/r2/console.log")"
no_qemu_left "no qemu left"
finish
