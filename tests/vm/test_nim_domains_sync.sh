#!/bin/sh
# test_nim_domains_sync.sh - stage 2 consistency on 2 vCPUs:
# 1. invalidation: the domain reads a module (nooks_victim), the module is
#    unloaded and loaded again, with other data, at an address the domain
#    read before; the domain must read the new data (its private page-table
#    copy is re-copied from the kernel), with no fault reported.  Control:
#    with nooks.pd_resync=0 the domain reads the stale page.
# 2. shootdown: CPU A writes its own heap page in a loop while a work item
#    of the same domain on CPU B frees it; the revocation must shoot A's TLB
#    down, so A's next write is a write-protection fault (recovered).
#    (A may also be flushed by a timer tick, so the IPI count is checked
#    over the 3 tries.)  Control: with nooks.pd_shootdown=0 and A spinning
#    with IRQs off (no interrupt flushes its TLB), the write into freed
#    memory goes through (at least 1 of 8 tries: the emulator may flush).
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
# 1. module unloaded, another loaded at an address the domain has read.
# The module allocator gives a module the lowest free range that fits,
# and a freed module (and its init part, freed after init) becomes free
# again only when the vmap layer purges its lazy list, at times the test
# does not choose: reloads alternate between addresses, and the first
# load's range (just above a hole its init part filled) may never come
# back.  So the victim is reloaded, each time with a new value that the
# domain reads, until it lands where the domain has read an older one (at
# most 6 reloads): the address is the premise of the check, not what it
# checks.
SEEN=" "
dread() { echo $1 > $P/target; echo wild_read@process > $P/fault; }
reload() {	# reload BASE: reloaded with BASE+1.. until at an address in SEEN
	t=0
	while [ $t -lt 6 ]; do
		t=$((t + 1))
		rmmod nooks_victim
		insmod $VKO value=$(($1 + t))
		B=$(cat $V/value_addr)
		case "$SEEN" in *" $B "*) break ;; esac
		SEEN="$SEEN$B "
		dread $B
	done
	VAL=$(printf %x $(($1 + t)))
	echo "RELOAD value=$VAL tries=$t"
}
insmod $VKO
A=$(cat $V/value_addr)
f0=$(faults)
dread $A; echo "RA rc=$? $(lastread)"
SEEN=" $A "
reload 0x4240
case "$SEEN" in *" $B "*) echo "SAME address" ;; *) echo "MOVED $A -> $B" ;; esac
dread $B; echo "RB rc=$? value=$VAL read=$(lastread) faults=$(($(faults) - f0))"
# 3. stack overflow on a private stack
for c in process softirq hardirq; do
	wait_running || exit 3
	echo stack_overflow@$c > $P/fault 2>/dev/null
	echo "SO $c rc=$? $(dmesg | grep 'nooks: detail domain=nooks_selftest stack_overflow' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //') | $(dmesg | grep 'nooks: fault ' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //') | $(last)"
done
wait_running
dread $B; echo "AFTER_SO rc=$? value=$VAL read=$(lastread) overflows=$(cat $N/pd_stack_overflows)"
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
reload 0x5150
dread $B; echo "CTL_RESYNC rc=$? addr_seen=$(case "$SEEN" in *" $B "*) echo yes ;; *) echo no ;; esac) value=$VAL read=$(lastread)"
echo 1 > $N/pd_resync
echo 0 > $N/pd_shootdown
# (the writer spins with IRQs off, so nothing in the guest flushes its
# stale translation, but the emulator may: QEMU drops a vCPU's software TLB
# for its own reasons (seen: 1 write of 8 faulted on a loaded host).  So
# the control shows that without shootdowns the write CAN go through: at
# least 1 of 8 tries, each reporting that the free on the other CPU came
# first.)
n=0
for j in 1 2 3 4 5 6 7 8; do
	wait_running || exit 3
	l0=$(dmesg | wc -l)
	echo revoke_remote_irqoff@process > $P/fault 2>/dev/null; rc=$?
	w=$(dmesg | tail -n +$((l0 + 1)) | grep 'revoke_remote: wrote freed' | tail -n 1 | sed 's/.*revoke_remote: //')
	[ $rc = 0 ] && case "$w" in *"done=1 irqs_off=1"*) n=$((n + 1)) ;; esac
	f=$(dmesg | tail -n +$((l0 + 1)) | grep 'nooks: fault ' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //')
	echo "CTL_SD$j rc=$rc $w | $f"
done
echo "CTL_SHOOTDOWN tries=8 survived=$n"
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
expect_match "a later module loaded at an address the domain read before" "^SAME address$" "$out"
val=$(printf '%s\n' "$out" | sed -n 's/^RB rc=[0-9]* value=\([0-9a-f]*\) .*/\1/p')
expect_eq "domain reads the new module's data, no fault" "RB rc=0 value=$val read=$val faults=0" \
	"$(printf '%s\n' "$out" | grep '^RB ')"
for c in process softirq hardirq; do
	expect_match "stack overflow@$c: #DF on the private stack caught and recovered" \
		"^SO $c rc=1 nooks: detail domain=nooks_selftest stack_overflow sp=[0-9a-f]+ .* \\| nooks: fault domain=nooks_selftest kind=stack_overflow ip=recurse\\+.* \\| nooks: recovered domain=nooks_selftest kind=stack_overflow" "$out"
done
expect_eq "extension works after 3 overflows" "AFTER_SO rc=0 value=$val read=$val overflows=3" \
	"$(printf '%s\n' "$out" | grep '^AFTER_SO ')"
for i in 1 2 3; do
	expect_match "write after a free on the other CPU: write-protection fault ($i)" \
		"^SD$i rc=1 shootdowns=[0-9]+ nooks: detail domain=nooks_selftest write_protect=[0-9a-f]+ .*ip=revoke_remote[.a-z0-9]*\\+.* \\| nooks: recovered domain=nooks_selftest kind=page_fault" "$out"
done
sd=0
for n in $(printf '%s\n' "$out" | sed -n 's/^SD[1-3] rc=1 shootdowns=\([0-9]*\) .*/\1/p'); do sd=$((sd + n)); done
[ "${sd:-0}" -ge 1 ] && pass "revocations shot the other CPU down ($sd IPIs in 3 tries)" || \
	fail "revocations shot the other CPU down" "no shootdown IPI in 3 tries"
expect_eq "no shootdown timed out" "TIMEOUTS 0" "$(printf '%s\n' "$out" | grep '^TIMEOUTS')"
expect_match "control: without resync, at an address the domain read" "^CTL_RESYNC rc=0 addr_seen=yes value=[0-9a-f]+ read=[0-9a-f]+$" "$out"
printf '%s\n' "$out" | grep -qE '^CTL_RESYNC rc=0 addr_seen=yes value=([0-9a-f]+) read=\1$' && \
	fail "control: without resync the domain reads a stale page" "read the new value" || \
	pass "control: without resync the domain reads a stale page"
expect_match "control: without shootdown a write after a remote free can go through (IRQs off)" \
	"^CTL_SHOOTDOWN tries=8 survived=[1-8]$" "$out"
expect_match "clean unload" "^RMMOD ok" "$out"
console_clean "no oops on the console" "$T_TMP/r/console.log"
printf '%s\n' "$out" | grep -E '^(STAT|CTL|SD|MOVED|RELOAD)'
no_qemu_left "no qemu left"
finish
