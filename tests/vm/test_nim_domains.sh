#!/bin/sh
# test_nim_domains.sh - stage 2 of the NIM: with nooks.domains=1 the
# isolated self-test runs in a page-table protection domain.  Wild writes
# to a kernel global (randomize_va_space), to another module's data and to
# a kmalloc'd kernel object (both of nooks_victim.ko) are caught as
# write-protection faults and recovered in process, softirq and hardirq
# context, and the targets are unchanged afterwards; reading a module
# loaded after the domain was built goes through a repaired stale copy
# (module notifier or pd_syncs) without any fault event; the extension's own
# heap object is writable; and the whole stage 1 fault matrix still passes
# with domains on.  Everything runs twice: on 1 and on 2 vCPUs.
. "$(dirname "$0")/lib.sh"

isolate_selftest

cat >"$T_TMP/run.sh" <<EOS
P=/sys/module/nooks_selftest/parameters
N=/sys/module/nooks/parameters
V=/sys/module/nooks_victim/parameters
last() { dmesg | grep -E 'nooks: (fault|recovered|recovery_failed|detail|check|warn) ' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //'; }
# the domain is built when the extension loads: reload it with domains=1
rmmod nooks_selftest
echo 1 > \$N/domains
insmod /trial/modules/*-st.ko || echo "INSMOD failed"
dmesg | grep -q 'pd_create domain=nooks_selftest' && echo "PD created"
# loaded after the domain: its pages are missing from the domain's copy
# (copied at its load by the module notifier, or repaired at the first read)
u0=\$((\$(cat \$N/pd_syncs) + \$(cat \$N/pd_invalidations)))
insmod /lib/modules/\$(uname -r)/extra/nooks_victim.ko || echo "VICTIM failed"
KG=0x\$(grep -w randomize_va_space /proc/kallsyms | cut -d' ' -f1)
KG0=\$(cat /proc/sys/kernel/randomize_va_space)
echo "BEFORE kg=\$KG0 value=\$(cat \$V/value) obj=\$(cat \$V/obj_value)"
echo \$(cat \$V/value_addr) > \$P/target
echo wild_read@process > \$P/fault; echo "R rc=\$? updates=\$((\$(cat \$N/pd_syncs) + \$(cat \$N/pd_invalidations) - u0)) faults=\$(cat /sys/kernel/nooks/faults)"
echo heap_write@process > \$P/fault; echo "H rc=\$? faults=\$(cat /sys/kernel/nooks/faults)"
for c in process softirq hardirq; do
	for t in kernel_global:\$KG module_data:\$(cat \$V/value_addr) kmalloc_object:\$(cat \$V/obj); do
		wait_running || exit 3
		echo \${t#*:} > \$P/target
		echo wild_write@\$c > \$P/fault 2>/dev/null
		echo "W \${t%%:*}@\$c rc=\$? \$(dmesg | grep 'nooks: detail domain=nooks_selftest write_protect' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //') | \$(last)"
	done
done
wait_running
echo "AFTER kg=\$(cat /proc/sys/kernel/randomize_va_space) value=\$(cat \$V/value) obj=\$(cat \$V/obj_value)"
echo "WP \$(cat \$N/pd_write_faults)"
f0=\$(cat /sys/kernel/nooks/faults)
for round in 1; do
	for k in $SELFTEST_NAMES; do
		for c in $SELFTEST_CTXS; do
			wait_running || exit 3
			echo \$k@\$c > \$P/fault 2>/dev/null
			echo "T \$k@\$c rc=\$? \$(dmesg | grep 'nooks: fault ' | tail -n 1)"
		done
	done
done
wait_running
echo "MATRIX faults=\$((\$(cat /sys/kernel/nooks/faults) - f0))"
echo "RECOVERIES \$(cat /sys/kernel/nooks/recoveries)"
for f in pd_syncs pd_invalidations pd_shootdowns pd_write_faults pd_regrants pd_table_pages pd_irqs pd_exceptions; do echo "STAT \$f=\$(cat \$N/\$f)"; done
rmmod nooks_selftest && echo "RMMOD ok"
EOS
# the whole suite on 1 and on 2 vCPUs (shootdown and per-CPU state)
for SMP in 1 2; do
	out=$("$NOOKS" vm run --smp $SMP --out "$T_TMP/r$SMP" --timeout 170 --module "$NIM" --module "$T_TMP/st.ko" \
		--append "oops=panic panic_on_oops=1" --cmd "$(guest_cmd "$T_TMP/run.sh")" 2>/dev/null); rc=$?
	expect_eq "guest stays up (smp $SMP)" 0 "$rc"
	expect_match "domain built at load (smp $SMP)" "^PD created" "$out"
	expect_match "targets intact before (smp $SMP)" "^BEFORE kg=2 value=30583 obj=3333" "$out"
	expect_match "read of a module loaded later: domain tables updated, no fault (smp $SMP)" "^R rc=0 updates=[1-9][0-9]* faults=0$" "$out"
	expect_match "own heap object writable (smp $SMP)" "^H rc=0 faults=0$" "$out"
	for c in process softirq hardirq; do
		for t in kernel_global module_data kmalloc_object; do
			expect_match "$t@$c caught as write protection and recovered (smp $SMP)" \
				"^W $t@$c rc=1 nooks: detail domain=nooks_selftest write_protect=[0-9a-f]+ .*ip=fault_wild_write\\+.* \\| nooks: recovered domain=nooks_selftest kind=page_fault ip=fault_wild_write\\+" "$out"
		done
	done
	expect_match "kernel global named in the event (smp $SMP)" "write_protect=[0-9a-f]+ target=randomize_va_space\\+0x0" "$out"
	expect_match "module data named in the event (smp $SMP)" "write_protect=[0-9a-f]+ target=value\\+0x0/.* \\[nooks_victim\\]" "$out"
	expect_eq "targets unchanged after 9 wild writes (smp $SMP)" "AFTER kg=2 value=30583 obj=3333" "$(printf '%s\n' "$out" | grep '^AFTER')"
	expect_eq "9 write-protection faults counted (smp $SMP)" "WP 9" "$(printf '%s\n' "$out" | grep '^WP')"
	n=$(echo $SELFTEST_KINDS | wc -w)
	expect_eq "stage 1 matrix: every fault counted (smp $SMP)" "MATRIX faults=$((n * 4))" "$(printf '%s\n' "$out" | grep '^MATRIX')"
	for k in $SELFTEST_KINDS; do
		for c in $SELFTEST_CTXS; do
			name=${k%%:*} kind=${k#*:}
			expect_match "domains on: $name@$c caught as $kind (smp $SMP)" \
				"^T $name@$c rc=1 .*nooks: $(selftest_fault_re $name $kind $c)" "$out"
		done
	done
	expect_match "clean unload (smp $SMP)" "RMMOD ok" "$out"
	console_no_oops "no oops on the console (smp $SMP)" "$T_TMP/r$SMP/console.log"
	printf '%s\n' "$out" | grep '^STAT'
done
no_qemu_left "no qemu left"
finish
