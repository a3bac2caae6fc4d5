#!/bin/sh
# test_nim_hang.sh - hangs inside an isolated extension (issue 17): a loop
# that never ends (interrupts on or off), a spinlock ABBA deadlock across
# two CPUs, a mutex the task already holds, a wait for a completion that
# never comes, in process, softirq, hardirq, kthread and workqueue context
# where they apply.  Each is detected (the watchdog: kind=hang; the lock
# wrappers' bounded waits: kind=deadlock or hang), unwound and recovered,
# twice in one boot, on one and on two vCPUs; the kernel's own lockup, RCU
# stall and hung-task detectors never fire.  A kernel call that does not
# return (crc32_le over 1.5 GiB, again and again; the guest has 2 GiB;
# the bound is 500 ms for this case, a call ~2.6 s) is unwound in the kernel;
# a loop of short kernel calls made with interrupts off (udelay under an
# irqsave spinlock) at its next kernel call.  A kthread that never checks
# kthread_should_stop(), stopped: sleeping sleep_ms after the request is
# a hang, and the kthread_stop() caller goes on.
# Sleeping locks: a mutex the task holds, an rw-semaphore it holds for
# reading taken for writing, a reader waiting on a writer that waits for
# it, the RTNL or a socket lock taken twice; a fault holding any of them
# unlocks it; a socket option set on a struct that is no socket is a
# wrapper check.  A wait loop of msleeps that never ends (not in a kthread:
# its life is one XPC).  A wait_var_event() and a
# schedule_timeout(MAX_SCHEDULE_TIMEOUT) that nothing ends, cut at the
# sleep bound; the wait's entry taken off the kernel's wait queue at the
# unwind.  A kthread whose schedule() loop ignores kthread_stop().  A
# binary semaphore taken twice.  A livelock: the kernel loops on what the
# extension returns (seq_read of records that are all empty).  Not
# testable on one vCPU
# (nothing can interrupt it; docs/NIM.md): a loop with interrupts off,
# and so hardirq loops; the ABBA needs two CPUs.
. "$(dirname "$0")/lib.sh"

isolate_selftest

ON="process softirq kthread work"	# contexts entered with IRQs on
SLEEP="process kthread work"		# contexts that may sleep
# kind:fault-kind:contexts
CASES1="hang_loop:hang:$ON
hang_mutex:deadlock:$SLEEP
hang_sleep:hang:$SLEEP
mutex_fault:page_fault:$SLEEP
hang_rwsem_self:deadlock:$SLEEP
hang_rwsem:deadlock:process
rwsem_fault:page_fault:$SLEEP
hang_msleep:hang:process work
hang_waitq:hang:process work
hang_sched_timeout:hang:process work
hang_sema:deadlock:process work
hang_rtnl:deadlock:$SLEEP
rtnl_fault:page_fault:$SLEEP
hang_sock:deadlock:$SLEEP
sock_fault:page_fault:$SLEEP
bad_sock:wrapper_check:$SLEEP
hang_in_kernel:hang:$SLEEP
hang_short_calls:hang:$ON
hang_ignore_stop:hang:process
hang_stop_sched:hang:process"
CASES2="$CASES1
hang_loop:hang:hardirq
hang_loop_irqoff:hang:process softirq hardirq kthread
hang_abba:deadlock:process"

# n_ctx KIND: in how many contexts $_cases runs KIND
n_ctx() {
	printf '%s\n' "$_cases" | awk -F: -v k="$1" '$1 == k { print split($3, c, " ") }'
}

# hang_vm SMP CASES: run the matrix twice in one boot; checks per case.
hang_vm() {
	_smp=$1 _cases=$2
	_trig=$(printf '%s\n' "$_cases" | while IFS=: read -r k kind ctxs; do
		for c in $ctxs; do printf '%s@%s ' "$k" "$c"; done; done)
	_n=$(echo $_trig | wc -w)
	cat >"$T_TMP/run$_smp.sh" <<EOS
M=/sys/module/nooks/parameters
echo 2000 > \$M/hang_ms; echo 3000 > \$M/sleep_ms
C=/sys/devices/system/cpu/cpu1/online
if [ $_smp = 2 ]; then	# CPU 1's tick now comes from the hotplug state
	echo 0 > \$C && echo 1 > \$C && echo "HOTPLUG \$(cat \$C)"
fi
for round in 1 2; do
	for t in $_trig; do
		wait_running || exit 3
		n0=\$(cat /sys/kernel/nooks/faults)
		# each crc32_le() call lasts ~2.6 s: more than twice a 500 ms bound
		case \$t in hang_in_kernel@*) echo 500 > \$M/hang_ms ;; esac
		echo \$t > /sys/module/nooks_selftest/parameters/fault 2>/dev/null
		rc=\$?
		# asynchronous contexts: the trigger may return first
		i=0; while [ \$(cat /sys/kernel/nooks/faults) = \$n0 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
		echo 2000 > \$M/hang_ms
		echo "T \$round \$t rc=\$rc \$(dmesg | grep 'nooks: fault' | tail -n 1)"
	done
done
selftest_counts
# a livelock: seq_read() loops on the extension's empty records, with no
# single call into it that lasts
wait_running || exit 3
r0=\$(cat /sys/kernel/nooks/recoveries)
cat /proc/nooks_selftest_spin >/dev/null 2>&1
wait_recoveries \$((r0 + 1)); wait_running || exit 3
echo "LIVELOCK recoveries=\$((\$(cat /sys/kernel/nooks/recoveries) - r0)) \$(dmesg | grep 'nooks: detail domain=nooks_selftest .*livelock' | tail -n 1)"
echo "HANGS \$(cat \$M/watchdog_hangs)"
echo "NMIS \$(cat \$M/watchdog_nmis)"
echo "SLEEPLOCKS_RELEASED \$(cat \$M/sleeplock_released)"
echo "IN_KERNEL \$(dmesg | grep -c 'detail domain=nooks_selftest hang_ms=.* in=kernel\$')"
echo "IGNORES_STOP \$(dmesg | grep -c 'detail domain=nooks_selftest hang_ms=[0-9]* ignores_kthread_stop')"
echo "IN_KERNEL_CALLS \$(dmesg | grep -c 'detail domain=nooks_selftest hang_ms=.* in=kernel_calls\$')"
echo "SLEEPING_WAIT \$(dmesg | grep -c 'detail domain=nooks_selftest hang_ms=[0-9]* sleeping_wait')"
echo "WAITQ_RELEASED \$(cat \$M/waitq_released) busy=\$(cat \$M/waitq_busy)"
rmmod nooks_selftest && echo "RMMOD ok"
[ $_smp = 1 ] || exit 0
# a recovery that cannot finish: a thread asleep in the kernel for 600 s
insmod /trial/modules/*-st.ko || echo "INSMOD failed: \$(ls /trial/modules)"
echo 3000 > \$M/recovery_ms
echo hung_task@kthread > /sys/module/nooks_selftest/parameters/fault 2>/dev/null &
sleep 1
echo null_read@process > /sys/module/nooks_selftest/parameters/fault 2>/dev/null
sleep 6
echo "STUCK \$(dmesg | grep 'nooks: recovery_failed' | tail -n 1)"
EOS
	out=$("$NOOKS" vm run --smp "$_smp" --mem 2048 --out "${KEEP:-$T_TMP}/r$_smp" --timeout 300 \
		--module "$NIM" --module "$T_TMP/st.ko" --append "oops=panic panic_on_oops=1" \
		--cmd "$(guest_cmd "$T_TMP/run$_smp.sh")" 2>/dev/null); rc=$?
	expect_eq "$_smp vCPU: guest stays up through every hang" 0 "$rc"
	expect_eq "$_smp vCPU: every hang is one fault" "FAULTS $((2 * _n))" "$(printf '%s\n' "$out" | grep '^FAULTS')" || {
		printf '%s\n' "$out" | grep -E '^T ' | sed 's/^/# /'
		keep_evidence nim_hang_faults_$_smp "${KEEP:-$T_TMP}/r$_smp"
	}
	expect_eq "$_smp vCPU: every hang recovered" "RECOVERIES $((2 * _n))" "$(printf '%s\n' "$out" | grep '^RECOVERIES')"
	while IFS=: read -r k kind ctxs; do	# not in a pipe: checks count
		for c in $ctxs; do
			ctx=$c
			case $c in kthread|work) ctx=process ;; esac
			[ $k = hang_abba ] && ctx=process	# its two kthreads
			cnt=$(printf '%s\n' "$out" | grep -E "^T [12] $k@$c rc=[0-9]+ .*fault domain=nooks_selftest kind=$kind ip=[a-z_]+.* ctx=$ctx state=failed" | wc -l)
			expect_eq "$_smp vCPU: $k@$c caught as $kind, twice" 2 "$cnt"
		done
	done <<EOC
$_cases
EOC
	# the cases that fault holding sleeping locks (hang_mutex,
	# hang_rwsem_self, hang_rtnl, hang_sock: their first lock;
	# hang_rwsem: the writer's lock;
	# rwsem_fault: two): the unwound XPC unlocked them (2 rounds; a lock
	# left held would make round 2 wait and fault differently)
	_held=$(echo $_trig | tr ' ' '\n' | awk -F@ '
		$1 ~ /^(mutex_fault|hang_mutex|hang_rwsem_self|hang_rwsem|hang_rtnl|rtnl_fault|hang_sock|sock_fault)$/ { n++ }
		$1 == "rwsem_fault" { n += 2 } END { print n + 0 }')
	expect_eq "$_smp vCPU: every sleeping lock held at a fault unlocked" \
		"SLEEPLOCKS_RELEASED $((2 * _held))" \
		"$(printf '%s\n' "$out" | grep '^SLEEPLOCKS_RELEASED')"
	# hang_in_kernel: nearly all its time is in crc32_le(), unwound there
	expect_eq "$_smp vCPU: a kernel call that does not return unwound in the kernel, each time" \
		"IN_KERNEL $((2 * $(n_ctx hang_in_kernel)))" "$(printf '%s\n' "$out" | grep '^IN_KERNEL ')"
	# hang_short_calls: never unwound in the kernel (a tick never finds
	# it holding nothing), always at its next kernel call
	expect_eq "$_smp vCPU: a loop of short kernel calls unwound at a kernel call, each time" \
		"IN_KERNEL_CALLS $((2 * $(n_ctx hang_short_calls)))" \
		"$(printf '%s\n' "$out" | grep '^IN_KERNEL_CALLS')"
	expect_eq "$_smp vCPU: a kthread that ignores kthread_stop() caught in its sleep, each time" \
		"IGNORES_STOP $((2 * ($(n_ctx hang_ignore_stop) + $(n_ctx hang_stop_sched))))" \
		"$(printf '%s\n' "$out" | grep '^IGNORES_STOP')"
	# hang_waitq, hang_sched_timeout: one sleep with no end, cut at the bound
	expect_eq "$_smp vCPU: a sleep with no end cut at the sleep bound, each time" \
		"SLEEPING_WAIT $((2 * ($(n_ctx hang_waitq) + $(n_ctx hang_sched_timeout))))" \
		"$(printf '%s\n' "$out" | grep '^SLEEPING_WAIT')"
	# hang_waitq's entry dequeued at each unwind (round 2 and the next
	# context first wake the variable's queue: a stale entry would be
	# called through a dead stack)
	expect_eq "$_smp vCPU: the wait-queue entry of every unwound wait_var_event() dequeued" \
		"WAITQ_RELEASED $((2 * $(n_ctx hang_waitq))) busy=0" \
		"$(printf '%s\n' "$out" | grep '^WAITQ_RELEASED')"
	printf '%s\n' "$out" | grep '^IN_KERNEL_CALLS' | sed 's/^/# hangs unwound at a kernel wrapper entry: /'
	expect_match "$_smp vCPU: extension works after the hangs" "T clean rc=0" "$out"
	expect_match "$_smp vCPU: a livelock through short calls detected and recovered" \
		"^LIVELOCK recoveries=1 .*detail domain=nooks_selftest hang_ms=[0-9]+ livelock xpcs=[0-9]+ comm=cat" "$out"
	expect_match "$_smp vCPU: clean unload after recoveries" "RMMOD ok" "$out"
	# CONSOLE_BAD (lib.sh) covers lockups; stall and hung-task reports
	# print a Call Trace
	console_clean "$_smp vCPU: no lockup, stall, hung task or BUG on the console" \
		"${KEEP:-$T_TMP}/r$_smp/console.log" || keep_evidence nim_hang_$_smp "${KEEP:-$T_TMP}/r$_smp"
}

hang_vm 1 "$CASES1"
expect_match "1 vCPU: a quiesce that cannot finish is reported at its bound" \
	"STUCK .*recovery_failed domain=nooks_selftest reason=threads_stuck step=quiesce active=1" "$out"
expect_match "1 vCPU: loops caught by the tick, no NMI" "NMIS 0" "$out"
hang_vm 2 "$CASES2"
expect_match "2 vCPUs: CPU 1 taken offline and back before the matrix" "^HOTPLUG 1" "$out"
expect_match "2 vCPUs: interrupts-off loops caught through NMIs" "NMIS [1-9]" "$out"
no_qemu_left "no qemu left"
finish
