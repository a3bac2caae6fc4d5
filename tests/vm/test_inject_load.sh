#!/bin/sh
# test_inject_load.sh - `nooks inject` on the real stock e1000.ko: byte-identical
# output per seed, a deleted call's relocation neutralized, and the mutant
# (signature dropped) loads and probes in the guest.
. "$(dirname "$0")/lib.sh"

KO="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"

"$NOOKS" inject --fault irq --seed 1 "$KO" -o "$T_TMP/a.ko" --describe "$T_TMP/a.json" 2>/dev/null
"$NOOKS" inject --fault irq --seed 1 "$KO" -o "$T_TMP/b.ko" 2>/dev/null
expect_eq "same seed, byte-identical module" "" "$(cmp "$T_TMP/a.ko" "$T_TMP/b.ko" 2>&1)"
expect_match "deleted lock call has its relocation neutralized" \
	'R_X86_64_PLT32 _raw_spin_(un)?lock_irq' "$(cat "$T_TMP/a.json")"
expect_match "readelf sees R_X86_64_NONE in the mutant" "R_X86_64_NONE" \
	"$(readelf -r -W "$T_TMP/a.ko" | grep -m1 R_X86_64_NONE)"
expect_eq "mutant differs from the input only in a few bytes" 1 \
	"$(cmp -l "$KO" "$T_TMP/a.ko" 2>/dev/null | awk 'END {print (NR > 0 && NR <= 13)}')"

out=$("$NOOKS" vm run --out "$T_TMP/r1" --device e1000 --no-coldplug --module "$T_TMP/a.ko" \
	--cmd 'ls /sys/class/net; grep -c "^e1000 " /proc/modules' 2>/dev/null); rc=$?
expect_eq "the irq mutant loads in the guest" 0 "$rc"
expect_match "and probes the e1000 device" "eth0" "$out"
no_qemu_left "no qemu left"
finish
