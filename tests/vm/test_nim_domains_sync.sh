#!/bin/sh
# test_nim_domains_sync.sh - stage 2 consistency on 2 vCPUs:
# 1. invalidation: the domain reads a module (nooks_victim), the module is
#    unloaded and loaded again at the same address with other data; the
#    domain must read the new data (its private page-table copy is
#    re-copied from the kernel), with no fault reported.  Control: with
#    nooks.pd_resync=0 the domain reads the stale page.
# 2. shootdown: CPU A writes its own heap page in a loop while a work item
#    of the same domain on CPU B frees it; the revocation must shoot A's TLB
#    down, so A's next write is a write-protection fault (recovered).
#    (A may also be flushed by a timer tick, so the IPI count is checked
#    over the 3 tries.)  Control: with nooks.pd_shootdown=0 and A spinning
#    with IRQs off (no interrupt flushes its TLB), the write into freed
#    memory goes through in 3 of 3 tries.
# 3. private #DF stack: unbounded recursion on a private domain stack in
#    process, softirq and hardirq context is a #DF on the private IST stack,
#    caught as kind=stack_overflow and recovered; the extension works after.
. "$(dirname "$0")/lib.sh"

isolate_selftest

cat >"$T_TMP/run.sh" <<'EOS'
P=/sys/module/nooks_selftest/parameters
N=/sys/module/nooks/parameters
V=/sys/module/nooks_victim/parameters
VKO=/lib/modules/$(uname -r)/extra/nooks_victim.ko
faults() { cat /sys/kernel/nooks/faults; }
lastread() { dmesg | grep 'nooks_selftest: read ' | tail -n 1 | sed 's/.*= //'; }
last() { dmesg | grep -E 'nooks: (fault|recovered|recovery_failed|detail) ' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //'; }
rmmod nooks_selftest
echo 1 > $N/domains
insmod /trial/modules/*-st.ko || echo "INSMOD failed"
echo "CPUS $(grep -c ^processor /proc/cpuinfo)"
# 1. module unloaded, another loaded at the same address
# (the module allocator usually gives the freed range back; when a lazily
# freed vmap range is not yet reusable the module lands elsewhere, so the
# reload is retried, at most 5 times, until it is at ADDR: the address is
# the premise of the check, not what it checks)
reload() {	# reload VALUE ADDR: victim unloaded, memory soaked, loaded with value at ADDR
	t=0
	while [ $t -lt 5 ]; do
		t=$((t + 1))
		rmmod nooks_victim
		dd if=/dev/zero of=/tmp/soak.$1 bs=1M count=16 2>/dev/null
		insmod $VKO value=$1
		[ "$(cat $V/value_addr)" = "$2" ] && break
	done
	echo "RELOAD $1 tries=$t"
}
insmod $VKO
A=$(cat $V/value_addr)
f0=$(faults)
echo $A > $P/target; echo wild_read@process > $P/fault; echo "RA rc=$? $(lastread)"
reload 0x4242 $A
B=$(cat $V/value_addr)
[ "$A" = "$B" ] && echo "SAME address" || echo "MOVED $A -> $B"
echo $B > $P/target; echo wild_read@process > $P/fault; echo "RB rc=$? $(lastread) faults=$(($(faults) - f0))"
# 3. stack overflow on a private stack
for c in process softirq hardirq; do
	wait_running || exit 3
	echo stack_overflow@$c > $P/fault 2>/dev/null
	echo "SO $c rc=$? $(dmesg | grep 'nooks: detail domain=nooks_selftest stack_overflow' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //') | $(dmesg | grep 'nooks: fault ' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //') | $(last)"
done
wait_running
echo $B > $P/target; echo wild_read@process > $P/fault; echo "AFTER_SO rc=$? $(lastread) overflows=$(cat $N/pd_stack_overflows)"
# 2. revocation shot down on the other CPU
for j in 1 2 3; do
	wait_running || exit 3
	s0=$(cat $N/pd_shootdowns)
	echo revoke_remote@process > $P/fault 2>/dev/null
	echo "SD$j rc=$? shootdowns=$(($(cat $N/pd_shootdowns) - s0)) $(dmesg | grep 'nooks: detail domain=nooks_selftest write_protect' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //') | $(last)"
done
wait_running
echo "TIMEOUTS $(cat $N/pd_shootdown_timeouts)"
# controls: the same without resync, without shootdown
echo 0 > $N/pd_resync
reload 0x5151 $B
C=$(cat $V/value_addr)
echo $C > $P/target; echo wild_read@process > $P/fault; echo "CTL_RESYNC rc=$? addr_same=$([ "$C" = "$B" ] && echo yes || echo no) $(lastread)"
echo 1 > $N/pd_resync
echo 0 > $N/pd_shootdown
# (the writer spins with IRQs off: no interrupt can flush its stale
# translation, so every try must go through; 3 tries, each must report
# that the free on the other CPU came first)
n=0
for j in 1 2 3; do
	wait_running || exit 3
	echo revoke_remote_irqoff@process > $P/fault 2>/dev/null && \
		dmesg | tail -n 5 | grep -q 'revoke_remote: wrote freed .* done=1 irqs_off=1' && n=$((n + 1))
done
echo "CTL_SHOOTDOWN tries=3 survived=$n"
echo 1 > $N/pd_shootdown
wait_running
for f in pd_syncs pd_invalidations pd_resyncs pd_shootdowns pd_shootdown_timeouts pd_stack_overflows pd_write_faults pd_irqs; do echo "STAT $f=$(cat $N/$f)"; done
rmmod nooks_selftest && echo "RMMOD ok"
EOS
out=$("$NOOKS" vm run --smp 2 --out "$T_TMP/r" --timeout 170 --module "$NIM" --module "$T_TMP/st.ko" \
	--append "oops=panic panic_on_oops=1" --cmd "$(guest_cmd "$T_TMP/run.sh")" 2>/dev/null); rc=$?
expect_eq "guest stays up" 0 "$rc"
expect_match "2 vCPUs" "^CPUS 2$" "$out"
expect_match "domain reads the first module's data" "^RA rc=0 7777$" "$out"
expect_match "second module loaded at the same address" "^SAME address$" "$out"
expect_match "domain reads the second module's data, no fault" "^RB rc=0 4242 faults=0$" "$out"
for c in process softirq hardirq; do
	expect_match "stack overflow@$c: #DF on the private stack caught and recovered" \
		"^SO $c rc=1 nooks: detail domain=nooks_selftest stack_overflow sp=[0-9a-f]+ .* \\| nooks: fault domain=nooks_selftest kind=stack_overflow ip=recurse\\+.* \\| nooks: recovered domain=nooks_selftest kind=stack_overflow" "$out"
done
expect_match "extension works after 3 overflows" "^AFTER_SO rc=0 4242 overflows=3$" "$out"
for i in 1 2 3; do
	expect_match "write after a free on the other CPU: write-protection fault ($i)" \
		"^SD$i rc=1 shootdowns=[0-9]+ nooks: detail domain=nooks_selftest write_protect=[0-9a-f]+ .*ip=revoke_remote[.a-z0-9]*\\+.* \\| nooks: recovered domain=nooks_selftest kind=page_fault" "$out"
done
sd=0
for n in $(printf '%s\n' "$out" | sed -n 's/^SD[1-3] rc=1 shootdowns=\([0-9]*\) .*/\1/p'); do sd=$((sd + n)); done
[ "${sd:-0}" -ge 1 ] && pass "revocations shot the other CPU down ($sd IPIs in 3 tries)" || \
	fail "revocations shot the other CPU down" "no shootdown IPI in 3 tries"
expect_eq "no shootdown timed out" "TIMEOUTS 0" "$(printf '%s\n' "$out" | grep '^TIMEOUTS')"
expect_match "control: without resync the domain reads a stale page" "^CTL_RESYNC rc=0 addr_same=yes ([0-9a-f]+)$" "$out"
printf '%s\n' "$out" | grep -q '^CTL_RESYNC .* 5151$' && fail "control: stale read differs from the new data" "read 5151"
expect_match "control: without shootdown a write after a remote free goes through (3 of 3, IRQs off)" "^CTL_SHOOTDOWN tries=3 survived=3$" "$out"
expect_match "clean unload" "^RMMOD ok" "$out"
console_clean "no oops on the console" "$T_TMP/r/console.log"
printf '%s\n' "$out" | grep -E '^(STAT|CTL|SD|MOVED|RELOAD)'
no_qemu_left "no qemu left"
finish
