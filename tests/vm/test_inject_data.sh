#!/bin/sh
# test_inject_data.sh - data faults through kmod/swifi on the real guest:
# bit flips in the stock e1000's .data at a chosen moment, deterministic per
# seed, refused outside the module's writable image.
. "$(dirname "$0")/lib.sh"

KO="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
SWIFI="$KMOD/swifi/swifi.ko"
# .data size from the host copy of the module (the guest only knows addresses)
DSIZE=$(readelf -S -W "$KO" | awk '$2 == ".data" {print "0x"$6}')
CMD="modprobe e1000 && a=\$(cat /sys/module/e1000/sections/.data) &&
echo \"e1000 \$a $DSIZE 7 3\" > /sys/module/swifi/parameters/flip; echo rc=\$?;
echo \"e1000 0x10 16 7 1\" > /sys/module/swifi/parameters/flip 2>/dev/null; echo bad=\$?;
dmesg | grep 'swifi: flip' | sed 's/^\[[ 0-9.]*\] //'"

run() {
	"$NOOKS" vm run --out "$T_TMP/$1" --device e1000 --no-coldplug --module "$SWIFI" \
		--cmd "$CMD" 2>/dev/null
}
out1=$(run r1)
out2=$(run r2)
expect_match "flip request accepted" "^rc=0" "$out1"
expect_eq "three bits flipped" 3 "$(printf '%s\n' "$out1" | grep -c '^swifi: flip e1000 +0x[0-9a-f]* bit [0-7]: ')"
expect_match "a range outside the module is refused" "^bad=1" "$out1"
expect_eq "same seed, same offsets in a second boot" \
	"$(printf '%s\n' "$out1" | grep '^swifi: flip' | sed 's/:.*//')" \
	"$(printf '%s\n' "$out2" | grep '^swifi: flip' | sed 's/:.*//')"
no_qemu_left "no qemu left"
finish
