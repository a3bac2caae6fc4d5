#!/bin/sh
# test_nim_isolate.sh - `nooks isolate` on real modules (host only, no
# guest): binding, classification, refusal listing missing wrappers,
# nothing written on failure, bad input.
. "$(dirname "$0")/lib.sh"

ST="$KMOD/selftest/nooks_selftest.ko"
E1000=$(find "$TOP/build/image/modules" -name e1000.ko | head -n 1)

out=$("$NOOKS" isolate "$ST" -o "$T_TMP/st.ko"); rc=$?
expect_eq "isolate selftest exits 0" 0 "$rc"
expect_match "summary line" "functions wrapped, [0-9]+ bound to the kernel, [0-9]+ glue, [1-9][0-9]* init sections kept" "$out"
undef=$(nm -u "$T_TMP/st.ko" | awk '{print $2}')
expect_match "calls bound to wrappers" "^nooks_w_kfree$" "$undef"
expect_match "data stays bound" "^jiffies$" "$undef"
expect_match "glue stays bound" "^__x86_return_thunk$" "$undef"
expect_eq "no unwrapped call left" "" "$(printf '%s\n' "$undef" | grep -Ex 'kfree|_printk|mod_timer')"
expect_eq "signature stripped" 0 "$(grep -c 'Module signature appended' "$T_TMP/st.ko")"
expect_match "init kept resident" "\.nooks\.init\.text" "$(readelf -SW "$T_TMP/st.ko")"
list=$("$NOOKS" isolate "$ST" --list)
expect_match "--list classifies" "^address +param_ops_charp$" "$list"
expect_match "--list shows calls" "^call +kthread_create_on_node$" "$list"

"$NOOKS" isolate "$E1000" -o "$T_TMP/e1000.ko" >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
expect_eq "stock e1000 isolates" 0 "$rc"
expect_match "e1000: every called function wrapped" "^isolated .*: 1[0-9][0-9] functions wrapped" "$(cat "$T_TMP/out")"
expect_eq "e1000: no MISSING in --list" 0 "$("$NOOKS" isolate "$E1000" --list | grep -c '^MISSING')"
expect_match "e1000: kernel helper in an ops table stays bound" "^address +eth_validate_addr$" "$("$NOOKS" isolate "$E1000" --list)"
# pcnet32 (and its mii.ko helpers) has every wrapper: it must isolate.
PCNET=$(find "$TOP/build/image/modules" -name pcnet32.ko | head -n 1)
"$NOOKS" isolate "$PCNET" -o "$T_TMP/pcnet32.ko" >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
expect_eq "pcnet32 isolates" 0 "$rc"
expect_match "pcnet32: functions wrapped" "^isolated .*: [1-9][0-9]* functions wrapped" "$(cat "$T_TMP/out")"
expect_eq "pcnet32: isolated module written" 1 "$(ls "$T_TMP" | grep -c '^pcnet32.ko$')"
# Refusal: against a NIM whose Module.symvers lacks the wrappers of kfree
# and __kmalloc (every export of the kernel has one), e1000 is refused,
# naming exactly those two, with nothing written.
grep -vE '[[:space:]]nooks_w_(kfree|__kmalloc)[[:space:]]' "$TOP/build/image/symvers/nooks.symvers" \
	>"$T_TMP/trimmed.symvers"
"$NOOKS" isolate "$E1000" -o "$T_TMP/refused.ko" --symvers "$T_TMP/trimmed.symvers" \
	>/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "e1000: refused while wrappers are missing" 1 "$rc"
expect_eq "e1000: one error line" 1 "$(wc -l <"$T_TMP/err")"
expect_match "e1000: refusal counts and names them" "no NIM wrapper for 2 functions imported by .*(__kmalloc, kfree|kfree, __kmalloc)" "$(cat "$T_TMP/err")"
expect_eq "e1000: nothing written on refusal" "" "$(ls "$T_TMP" | grep '^refused.ko')"
expect_eq "e1000: --list marks them MISSING" "__kmalloc kfree" \
	"$("$NOOKS" isolate "$E1000" --list --symvers "$T_TMP/trimmed.symvers" | awk '$1 == "MISSING" { print $2 }' | sort | tr '\n' ' ' | sed 's/ $//')"

"$NOOKS" isolate "$ST" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "missing -o exits 2" 2 "$rc"
"$NOOKS" isolate "$ST" -o "$T_TMP/x.ko" --bogus >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "unknown option exits 2" 2 "$rc"
expect_match "unknown option named" "unknown or incomplete option '--bogus'" "$(head -n 1 "$T_TMP/err")"
head -c 100 /dev/urandom >"$T_TMP/junk.ko"
"$NOOKS" isolate "$T_TMP/junk.ko" -o "$T_TMP/y.ko" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "junk module exits 1" 1 "$rc"
expect_match "junk module named" "module '$T_TMP/junk.ko' is not an ELF file" "$(cat "$T_TMP/err")"
expect_eq "nothing written for junk" "" "$(ls "$T_TMP" | grep '^y.ko')"
"$NOOKS" isolate "$ST" -o "$T_TMP/z.ko" --symvers "$T_TMP/none" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "missing symvers exits 1" 1 "$rc"
out=$("$NOOKS" isolate --help); expect_match "--help" "usage: nooks isolate" "$out"

# Runtime faults under the NIM: every import of e1000 that swifi can rebind
# (the runtime sites of all four types) has a NIM twin nooks_w_swifi_w_S.
SV="$TOP/build/image/symvers/swifi.symvers"
for t in alloc free leak bcopy; do
	for seed in 1 2 3 4 5 6; do
		"$NOOKS" inject --fault "$t" --seed "$seed" --count 3 --symvers "$SV" "$E1000" \
			-o "$T_TMP/rt.ko" >/dev/null 2>&1 || { fail "inject $t seed $seed"; continue; }
		"$NOOKS" isolate "$T_TMP/rt.ko" -o "$T_TMP/rt-iso.ko" >/dev/null 2>"$T_TMP/err" ||
			fail "$t seed $seed: rebound e1000 isolates" "$(cat "$T_TMP/err")"
	done
done
sites=$("$NOOKS" inject --sites --fault alloc,free,leak,bcopy --verbose "$E1000" 2>/dev/null |
	grep -oE 'swifi_w_[A-Za-z0-9_]+' | sort -u)
expect_eq "e1000 has runtime sites" 1 "$([ -n "$sites" ] && echo 1)"
nv="$TOP/build/image/symvers/nooks.symvers"
missing=$(for w in $sites; do grep -q "[[:space:]]nooks_w_$w[[:space:]]" "$nv" || echo "$w"; done)
expect_eq "a NIM twin for every swifi wrapper e1000 can be rebound to" "" "$missing"
undef=$(nm -u "$T_TMP/rt-iso.ko" | awk '{print $2}')
expect_eq "rebound and isolated: no swifi_w_ import left" 0 "$(printf '%s\n' "$undef" | grep -c '^swifi_w_')"
finish
