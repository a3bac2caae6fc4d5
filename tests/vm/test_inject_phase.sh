#!/bin/sh
# test_inject_phase.sh - the phase trigger of transient code faults
# (harness/guest/tools/wl_inject.h) on the stock e1000 and the netdev
# workload: WL_INJECT_AFTER=ping writes the live patch into swifi's "patch"
# parameter as the ping phase ends, its section resolved in the guest.  The
# patch is the identity patch of an instruction the injector chose in
# e1000_xmit_frame's prologue (every byte "..": the bytes as loaded), so the one-shot
# breakpoint is armed without changing what runs: the workload must pass and
# the site must fire once the send phase transmits.  A patch that cannot be
# resolved is an infrastructure failure (exit 2); a phase that never ends
# never injects.
. "$(dirname "$0")/lib.sh"

KO="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
SWIFI="$KMOD/swifi/swifi.ko"
# the instruction nearest the function's entry among those the injector
# picks for 32 seeds (prologue code: runs on every transmitted frame)
for seed in $(seq 1 32); do
	"$NOOKS" inject --fault nop --function e1000_xmit_frame --seed $seed "$KO" -o "$T_TMP/m.ko" \
		--describe "$T_TMP/m.json" >/dev/null 2>&1 &&
		jq -r '.mutations[0] | "\(.offset) \(.section) \(.live | length / 2)"' "$T_TMP/m.json"
done | sort -n | head -n 1 >"$T_TMP/site"
read -r OFF SEC LEN <"$T_TMP/site"
DOTS=$(printf "%${LEN:-0}s" "" | sed 's/ /../g')
expect_match "injector: an instruction of e1000_xmit_frame" "^\\.[a-z.]+ [0-9]+ (\\.\\.)+$" "$SEC $OFF $DOTS"

run() {	# run NAME AFTER INJECT: the netdev workload with the phase trigger set
	"$NOOKS" vm run --out "$T_TMP/$1" --device e1000 --device virtio-net --no-coldplug \
		--module "$SWIFI" --timeout 120 --append "oops=panic panic_on_oops=1" --cmd "modprobe virtio_pci; modprobe virtio_net && modprobe e1000 && sleep 0.5 &&
WL_INJECT_AFTER=$2 WL_INJECT='$3' wl-netdev --bytes 4194304; echo rc=\$?
echo \"SITES \$(cat /sys/module/swifi/parameters/code_sites | tr '\n' '|')\"
dmesg | grep 'swifi: event=' | sed 's/^\[[ 0-9.]*\] //'" 2>/dev/null
}
out=$(run ok ping "e1000 $SEC+$OFF:$DOTS")
expect_match "patched as the ping phase ended" \
	'^\{"event":"progress","workload":"netdev","inject":\{"after":"ping","module":"e1000","sites":1\}\}$' "$out"
expect_match "swifi wrote it" "^swifi: event=code_patched module=e1000 sites=1$" "$out"
expect_match "then the next phase starts" '"phase":"send"' \
	"$(printf '%s\n' "$out" | grep -A1 '"inject":' | tail -n 1)"
expect_match "the site fired in e1000_xmit_frame" \
	"^swifi: event=code_fired module=e1000 site=0 off=0x[0-9a-f]+ at=e1000_xmit_frame\\+" "$out"
expect_match "identity patch: the text is as loaded, the workload passes" "^rc=0$" "$out"
expect_match "the site is fired, its bytes pristine" "^SITES 0 e1000 \\+0x[0-9a-f]+ fired pristine\\|$" "$out"

out=$(run nosec ping "e1000 .nosuch+0:..")
expect_match "an unknown section: infrastructure failure, named" \
	'"infra":true,"reason":"transient fault after phase ping: cannot read /sys/module/e1000/sections/.nosuch' "$out"
expect_match "an unknown section: exit 2" "^rc=2$" "$out"

out=$(run never no_such_phase "e1000 $SEC+$OFF:$DOTS")
expect_match "a phase that never ends: the workload passes" "^rc=0$" "$out"
expect_eq "a phase that never ends: nothing written" "" "$(printf '%s\n' "$out" | grep -E 'code_patched|"inject":')"
no_qemu_left "no qemu left"
finish
