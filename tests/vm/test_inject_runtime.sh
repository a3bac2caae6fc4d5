#!/bin/sh
# test_inject_runtime.sh - runtime faults (alloc, free, leak, bcopy) through
# kmod/swifi on the real guest and the stock e1000.ko: `nooks inject` rebinds
# an import to swifi_w_<sym>, swifi fires at the Nth call, and the driver's
# error path or the fault's effect shows on the console.  Same seed, same N.
# Mutants and their arm strings travel on a raw tar "disk"; the verdicts
# come from the kernel console (it survives a crash of the guest).
. "$(dirname "$0")/lib.sh"

KO="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
SWIFI="$KMOD/swifi/swifi.ko"
D="$T_TMP/d"
mkdir -p "$D"

inject() {	# NAME ARGS...: mutant D/NAME.ko, arm string D/NAME.txt, describe D/NAME.json
	n=$1; shift
	"$NOOKS" inject "$@" "$KO" -o "$D/$n.ko" --params "$D/$n.txt" \
		--describe "$D/$n.json" 2>/dev/null || fail "inject $n" "nooks inject $*"
}
inject etherdev --fault alloc --symbol alloc_etherdev_mqs --nth 1 --seed 1
inject kmalloc --fault alloc --symbol __kmalloc --nth-max 2 --seed 3
inject leak --fault leak --symbol kfree --nth 1 --seed 1
inject bcopy --fault bcopy --symbol memcpy --nth 1 --seed 1
inject free --fault free --symbol __kmalloc --nth 1 --seed 1

# host side: determinism, the binding, the arm string
"$NOOKS" inject --fault alloc --symbol __kmalloc --nth-max 2 --seed 3 "$KO" -o "$T_TMP/k2.ko" \
	--describe "$T_TMP/k2.json" 2>/dev/null
expect_eq "same seed, byte-identical module" "" "$(cmp "$D/kmalloc.ko" "$T_TMP/k2.ko" 2>&1)"
expect_eq "same seed, same describe record" "" \
	"$(diff "$D/kmalloc.json" "$T_TMP/k2.json" | grep -v '"output"' | grep '^[<>]')"
NTH=$(sed -n 's/^arm=alloc:__kmalloc:\([0-9]*\):.*/\1/p' "$D/kmalloc.txt")
expect_match "N drawn in 1..2" "^[12]$" "$NTH"
expect_match "the import is rebound to swifi's wrapper" "swifi_w___kmalloc" \
	"$(readelf -s -W "$D/kmalloc.ko" | grep UND)"
expect_eq "and no longer imports __kmalloc" "" \
	"$(readelf -s -W "$D/kmalloc.ko" | awk '$7 == "UND" && $8 == "__kmalloc"')"
tar -cf "$T_TMP/disk.tar" -C "$D" .

PRE='modprobe virtio_pci; modprobe virtio_blk; i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
sleep 0.1; i=$((i+1)); done; mkdir -p /tmp/b && tar -xf /dev/vda -C /tmp/b
arm() { sed s/arm=// /tmp/b/$1.txt > /sys/module/swifi/parameters/arm; }'
boot() {	# NAME CMD (e1000, and a virtio-net peer on the same QEMU hub)
	"$NOOKS" vm run --out "$T_TMP/$1" --device e1000 --device virtio-net --no-coldplug \
		--module "$SWIFI" \
		--disk "$T_TMP/disk.tar" --timeout 90 --cmd "$PRE
$2" >"$T_TMP/$1.out" 2>/dev/null
	tr -d "\r" <"$T_TMP/$1/console.log" | sed "s/^\[[ 0-9.]*\] //"
}

# boot 1: alloc at probe (the driver's -ENOMEM path), leak at remove, bcopy
# at e1000's first memcpy: the copybreak of a received frame (an ARP
# broadcast sent by the virtio-net peer)
con=$(boot b1 'arm etherdev; insmod /tmp/b/etherdev.ko; echo "net=$(ls /sys/class/net | tr "\n" " ")"
rmmod e1000; arm kmalloc; insmod /tmp/b/kmalloc.ko; rmmod e1000
arm leak; insmod /tmp/b/leak.ko; rmmod e1000; echo "fired=$(cat /sys/module/swifi/parameters/fired)"
arm bcopy; insmod /tmp/b/bcopy.ko; modprobe virtio_net; sleep 0.5; ip link set eth0 up
ip link set eth1 up; ip addr add 10.0.1.2/24 dev eth1; sleep 2; ping -c2 -W1 10.0.1.9 >/dev/null
echo "bcopy-done $(cat /sys/module/swifi/parameters/calls | tr "\n" " ")"')
out=$(cat "$T_TMP/b1.out")
expect_match "alloc fires at the first alloc_etherdev_mqs" \
	"^swifi: event=fired type=alloc sym=alloc_etherdev_mqs call=1$" "$con"
expect_match "e1000's probe fails with -ENOMEM" "e1000: probe of .* failed with error -12" "$con"
expect_match "no eth0 after the failed probe" "^net=lo $" "$out"
expect_match "alloc on __kmalloc fires at the drawn N" \
	"^swifi: event=fired type=alloc sym=__kmalloc call=$NTH$" "$con"
expect_eq "the kmalloc mutant's probe fails too" 2 \
	"$(printf '%s\n' "$con" | grep -c 'e1000: probe of .* failed with error -12')"
expect_match "leak fires at the first kfree (module removal)" \
	"^swifi: event=fired type=leak sym=kfree call=1$" "$con"
expect_match "and the module is removed all the same" "^fired=1$" "$out"
expect_match "bcopy fires at the first memcpy (rx copybreak), 1 byte more" \
	"^swifi: event=fired type=bcopy sym=memcpy call=1 delta=1$" "$con"
expect_match "the guest survives a 1-byte overrun" "^bcopy-done" "$out"

# boot 2: the same kmalloc mutant again (same N), then a premature free
con2=$(boot b2 'arm kmalloc; insmod /tmp/b/kmalloc.ko; rmmod e1000
arm free; insmod /tmp/b/free.ko; echo "net=$(ls /sys/class/net | tr "\n" " ")"; rmmod e1000; echo free-done')
expect_eq "same seed, same N in a second boot" \
	"$(printf '%s\n' "$con" | grep 'fired type=alloc sym=__kmalloc')" \
	"$(printf '%s\n' "$con2" | grep 'fired type=alloc sym=__kmalloc')"
expect_match "free fires at the first __kmalloc" \
	"^swifi: event=fired type=free sym=__kmalloc call=1$" "$con2"
echo "# premature free, then: $(printf '%s\n' "$con2" | sed -n '/type=free/,$p' |
	grep -m1 -E 'BUG|Oops|general protection|e1000 .*eth0|Poison' || echo 'no visible effect')"
no_qemu_left "no qemu left"
finish
