#!/bin/sh
# test_inject_transient.sh - transient code faults (kmod/swifi/swifi_text.c,
# kmod/nooks/nooks_text.c) in the guest: the self-test module is loaded
# pristine, then the live patch of a real `nooks inject` descriptor is
# written into its text (swifi parameter "patch").
# 1. isolated (NIM): the mutated instruction is seen executing (one-shot
#    breakpoint: swifi event=code_fired) and changes what the function
#    computes; a second patch puts ud2 on the same instruction: the NIM
#    detects it and recovers, the text is the pristine text again (every
#    patched site compared in the guest with the bytes read before the
#    patch, and the NIM's own rescan), and the function computes as
#    pristine code does.
# 2. native: the same descriptor fires; a site on code that never runs
#    stays armed and swifi unloads cleanly; bad requests are refused.
# 3. the call trigger: the same descriptor written at the Nth call of a
#    function (swifi parameter "patch_at").
. "$(dirname "$0")/lib.sh"

SWIFI="$KMOD/swifi/swifi.ko"
# swifi_vm NAME DIR TIMEOUT CMD MODULE...: boot swifi and MODULE... with
# oops=panic panic_on_oops=1, run CMD; sets out (its stdout) and rc, and
# checks "NAME: guest stays up".
swifi_vm() {
	_name=$1 _dir=$2 _timeout=$3 _cmd=$4
	shift 4
	for _m; do
		set -- "$@" --module "$_m"
		shift
	done
	out=$("$NOOKS" vm run --out "$_dir" --timeout "$_timeout" --module "$SWIFI" "$@" \
		--append "oops=panic panic_on_oops=1" --cmd "$_cmd" 2>/dev/null); rc=$?
	expect_eq "$_name: guest stays up" 0 "$rc"
}
isolate_selftest
# fault_code_site (straight-line code): the injector's nop of `inc %eax`
# (counter = counter * 3 + 1 becomes counter * 3); the seed is searched
# so that the test does not depend on the site order of the injector.
descr() {	# descr MODULE FUNCTION BEFORE: "SECTION OFFSET LIVE" of the first seed whose nop hits BEFORE
	for s in $(seq 1 64); do
		"$NOOKS" inject --fault nop --function "$2" --seed "$s" "$1" -o "$T_TMP/m.ko" \
			--describe "$T_TMP/m.json" >/dev/null 2>&1 || continue
		jq -r --arg b "$3" '.mutations[0] | select(.before == $b) | "\(.section) \(.offset) \(.live)"' "$T_TMP/m.json" |
			grep . && return 0
	done
	return 1
}
set -- $(descr "$T_TMP/st.ko" fault_code_site "inc %eax")
SEC=$1 OFF=$2 LIVE=$3
expect_match "injector: a nop of inc %eax in fault_code_site, its live patch" "^[.a-z]+ [0-9]+ [0-9a-f.]+$" "$SEC $OFF $LIVE"
set -- $(descr "$ST" fault_code_site "inc %eax")
NSEC=$1 NOFF=$2 NLIVE=$3
# a site in code that never runs (fault_hung_task is never triggered here)
"$NOOKS" inject --fault nop --function fault_hung_task --seed 1 "$ST" -o "$T_TMP/h.ko" \
	--describe "$T_TMP/h.json" >/dev/null 2>&1
HSEC=$(jq -r '.mutations[0].section' "$T_TMP/h.json")
HOFF=$(jq -r '.mutations[0].offset' "$T_TMP/h.json") HLIVE=$(jq -r '.mutations[0].live' "$T_TMP/h.json")

cat >"$T_TMP/nim.sh" <<EOS
P=/sys/module/nooks_selftest/parameters S=/sys/module/swifi/parameters
T=\$(cat /sys/module/nooks_selftest/sections/$SEC)
cs() { dmesg | grep 'nooks_selftest: code_site' | tail -n 1 | sed 's/.*code_site //'; }
echo code_site@process > \$P/fault; echo "BEFORE rc=\$? \$(cs)"
echo "nooks_selftest \$T+$OFF:$LIVE" > \$S/patch; echo "PATCH rc=\$?"
echo "SITES0 \$(cat \$S/code_sites)"
echo code_site@process > \$P/fault; echo "MUTANT rc=\$? \$(cs)"
echo "SITES1 \$(cat \$S/code_sites)"
echo "nooks_selftest \$T+$OFF:0f0b" > \$S/patch; echo "UD2 rc=\$?"
echo code_site@process > \$P/fault 2>/dev/null; echo "FAULT rc=\$?"
wait_running
echo "SITES2 \$(cat \$S/code_sites | tr '\n' '|')"
echo code_site@process > \$P/fault; echo "AFTER rc=\$? \$(cs)"
dmesg | grep -E 'swifi: event=|nooks: (fault|recovered|detail)' | sed 's/^\[[ 0-9.]*\] //'
EOS
swifi_vm isolated "$T_TMP/r1" 120 "$(guest_cmd "$T_TMP/nim.sh")" "$NIM" "$T_TMP/st.ko"
expect_match "pristine code: counter 0 -> 1" "^BEFORE rc=0 1$" "$out"
expect_match "live patch accepted" "^PATCH rc=0$" "$out"
expect_match "site armed: int3 + mutant bytes in the text" "^SITES0 0 nooks_selftest \\+0x[0-9a-f]+ armed armed$" "$out"
expect_match "the mutant ran: counter 1 -> 3 (not 4)" "^MUTANT rc=0 3$" "$out"
expect_match "activation seen: code_fired at the mutated instruction" \
	"swifi: event=code_fired module=nooks_selftest site=0 off=0x[0-9a-f]+ at=fault_code_site\\+0x15/" "$out"
expect_match "after firing the text holds the mutant" "^SITES1 0 nooks_selftest \\+0x[0-9a-f]+ fired mutant$" "$out"
expect_match "ud2 on the same instruction: detected" \
	"nooks: fault domain=nooks_selftest kind=[a-z_]+ ip=fault_code_site\\+" "$out"
expect_match "and fired first (newest site at that address)" "swifi: event=code_fired module=nooks_selftest site=1 " "$out"
expect_match "recovered" "nooks: recovered domain=nooks_selftest " "$out"
expect_match "NIM restored the pristine text (2 bytes)" "nooks: detail domain=nooks_selftest text_restored=2$" "$out"
expect_match "every patched site is pristine again (compared in the guest)" \
	"^SITES2 0 nooks_selftest \\+0x[0-9a-f]+ fired pristine\\|1 nooks_selftest \\+0x[0-9a-f]+ fired pristine\\|$" "$out"
expect_match "restarted extension runs pristine code: data reset, counter 0 -> 1" "^AFTER rc=0 1$" "$out"
console_clean "isolated: no oops on the console" "$T_TMP/r1/console.log"

cat >"$T_TMP/native.sh" <<EOS
P=/sys/module/nooks_selftest/parameters S=/sys/module/swifi/parameters
T=\$(cat /sys/module/nooks_selftest/sections/$NSEC) H=\$(cat /sys/module/nooks_selftest/sections/$HSEC)
cs() { dmesg | grep 'nooks_selftest: code_site' | tail -n 1 | sed 's/.*code_site //'; }
echo "nooks_selftest \$T+$NOFF:$NLIVE \$H+$HOFF:$HLIVE" > \$S/patch; echo "PATCH rc=\$?"
echo code_site@process > \$P/fault; echo "MUTANT rc=\$? \$(cs)"
echo "SITES \$(cat \$S/code_sites | tr '\n' '|')"
echo "nooks_selftest \$T+0x10000000:90" > \$S/patch 2>/dev/null; echo "OUTSIDE rc=\$?"
echo "nooks_selftest \$T+1:9" > \$S/patch 2>/dev/null; echo "ODD rc=\$?"
echo "nooks_selftest \$T" > \$S/patch 2>/dev/null; echo "NOSITE rc=\$?"
echo "no_such_module \$T+$NOFF:90" > \$S/patch 2>/dev/null; echo "NOMOD rc=\$?"
echo "SITES_AFTER_BAD \$(cat \$S/code_sites | wc -l)"
rmmod swifi && echo "RMMOD ok"
echo code_site@process > \$P/fault; echo "AGAIN rc=\$? \$(cs)"
dmesg | grep -E 'swifi: ' | sed 's/^\[[ 0-9.]*\] //'
EOS
swifi_vm native "$T_TMP/r2" 90 "$(cat "$T_TMP/native.sh")" "$ST"
expect_match "native: two sites patched at once" "swifi: event=code_patched module=nooks_selftest sites=2$" "$out"
expect_match "native: the mutant ran (counter 0 -> 0)" "^MUTANT rc=0 0$" "$out"
expect_match "native: code_fired" "swifi: event=code_fired module=nooks_selftest site=0 .*at=fault_code_site\\+" "$out"
expect_match "native: the site never run stays armed" \
	"^SITES 0 nooks_selftest \\+0x[0-9a-f]+ fired mutant\\|1 nooks_selftest \\+0x[0-9a-f]+ armed armed\\|$" "$out"
expect_match "a site outside the module's text is refused" "^OUTSIDE rc=1$" "$out"
expect_match "malformed bytes are refused" "^ODD rc=1$" "$out"
expect_match "a request without sites is refused" "^NOSITE rc=1$" "$out"
expect_match "an unknown module is refused" "^NOMOD rc=1$" "$out"
expect_match "refused requests armed nothing" "^SITES_AFTER_BAD 2$" "$out"
expect_match "swifi unloads with a site still armed" "^RMMOD ok$" "$out"
expect_match "and the code still runs (mutant byte 0 put back)" "^AGAIN rc=0 0$" "$out"
console_clean "native: no oops on the console" "$T_TMP/r2/console.log"

# 3. the call trigger (swifi_trigger.c): the same descriptor written at the
# 3rd call of fault_code_site; calls 1 and 2 run pristine code (0 -> 1 -> 4),
# the write lands from a work item after the 3rd call began (that call may
# run either code), every call after it runs the mutant (counter * 3).
cat >"$T_TMP/trigger.sh" <<EOS
P=/sys/module/nooks_selftest/parameters S=/sys/module/swifi/parameters
T=\$(cat /sys/module/nooks_selftest/sections/$NSEC)
cs() { dmesg | grep 'nooks_selftest: code_site' | tail -n 1 | sed 's/.*code_site //'; }
call() { echo code_site@process > \$P/fault; cs; }
echo "nooks_selftest no_such_function 3 \$T+$NOFF:$NLIVE" > \$S/patch_at 2>/dev/null; echo "NOFUNC rc=\$?"
echo "nooks_selftest printk 3 \$T+$NOFF:$NLIVE" > \$S/patch_at 2>/dev/null; echo "NOTOURS rc=\$?"
echo "nooks_selftest fault_code_site 0 \$T+$NOFF:$NLIVE" > \$S/patch_at 2>/dev/null; echo "ZERO rc=\$?"
echo "nooks_selftest fault_code_site 3 \$T+0x10000000:90" > \$S/patch_at 2>/dev/null; echo "OUTSIDE rc=\$?"
echo "BAD_LEFT [\$(cat \$S/patch_at)] [\$(cat \$S/code_sites)]"
echo "nooks_selftest fault_code_site 3 \$T+$NOFF:$NLIVE" > \$S/patch_at; echo "ARM rc=\$?"
echo "nooks_selftest fault_code_site 5 \$T+$NOFF:$NLIVE" > \$S/patch_at 2>/dev/null; echo "BUSY rc=\$?"
c1=\$(call) c2=\$(call); echo "CALLS12 \$c1 \$c2 [\$(cat \$S/patch_at)] [\$(cat \$S/code_sites)]"
c3=\$(call)
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q ' done\$' \$S/patch_at && break; sleep 0.2; done
echo "STATE \$(cat \$S/patch_at)"
c4=\$(call); echo "CALL4 \$([ "\$c4" = \$((c3 * 3)) ] && echo mutant || echo "pristine? \$c3 -> \$c4")"
echo "SITES \$(cat \$S/code_sites)"
echo "nooks_selftest fault_code_site 1000 \$T+$NOFF:0f0b" > \$S/patch_at; echo "REARM rc=\$?"
rmmod nooks_selftest; echo "GONE \$(cat \$S/patch_at)"
rmmod swifi && echo "RMMOD ok"
dmesg | grep -E 'swifi: ' | sed 's/^\[[ 0-9.]*\] //'
EOS
swifi_vm trigger "$T_TMP/r3" 90 "$(cat "$T_TMP/trigger.sh")" "$ST"
expect_match "trigger: a function the module lacks is refused" "^NOFUNC rc=1$" "$out"
expect_match "trigger: a kernel function outside the module is refused" "^NOTOURS rc=1$" "$out"
expect_match "trigger: a zero count is refused" "^ZERO rc=1$" "$out"
expect_match "trigger: a site outside the text is refused before arming" "^OUTSIDE rc=1$" "$out"
expect_match "trigger: refused requests left no trigger and no site" "^BAD_LEFT \\[\\] \\[\\]$" "$out"
expect_match "trigger: armed" "^ARM rc=0$" "$out"
expect_match "trigger: one trigger at a time" "^BUSY rc=1$" "$out"
expect_match "trigger: calls 1 and 2 run pristine code, nothing written yet" \
	"^CALLS12 1 4 \\[nooks_selftest fault_code_site calls=2 n=3 armed\\] \\[\\]$" "$out"
expect_match "trigger: hit at call 3" "swifi: event=trigger_hit module=nooks_selftest func=fault_code_site call=3$" "$out"
expect_match "trigger: the patch was written" "^STATE nooks_selftest fault_code_site calls=3 n=3 done$" "$out"
expect_match "trigger: the call after it runs the mutant" "^CALL4 mutant$" "$out"
expect_match "trigger: and the site fired" "^SITES 0 nooks_selftest \\+0x[0-9a-f]+ fired mutant$" "$out"
expect_match "trigger: a new trigger after the first is done" "^REARM rc=0$" "$out"
expect_match "trigger: gone with its module" "^GONE nooks_selftest fault_code_site calls=0 n=1000 gone$" "$out"
expect_match "trigger: swifi unloads" "^RMMOD ok$" "$out"
console_clean "trigger: no oops on the console" "$T_TMP/r3/console.log"
no_qemu_left "no qemu left"
finish
