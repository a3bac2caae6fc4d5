#!/bin/sh
# test_trial_infra.sh - a host-side failure (QEMU cannot load a corrupt
# kernel image) is infra_error, retried exactly --retries times, reported
# with QEMU's own message, and the runner exits 1; nothing is left running.
# A failure of the extension under test is never infra_error.
. "$(dirname "$0")/lib.sh"

img="$T_TMP/img"
mkdir -p "$img"
cp "$TOP/build/image/image.json" "$TOP/build/image/initramfs.cpio" "$img/"
head -c 100000 "$TOP/build/image/vmlinux" >"$img/vmlinux"	# truncated ELF
echo '{"workload": "none"}' >"$T_TMP/m.json"

for retries in 0 2; do
	"$NOOKS" trial run "$T_TMP/m.json" --image "$img" --retries $retries \
		--out "$T_TMP/run$retries" >"$T_TMP/r$retries.json" 2>"$T_TMP/err$retries"; rc=$?
	expect_eq "retries=$retries: runner exits 1" 1 "$rc"
	expect_eq "retries=$retries: outcome infra_error" infra_error "$(jq -r .outcome "$T_TMP/r$retries.json")"
	expect_eq "retries=$retries: attempts" $((retries + 1)) "$(jq -r .attempts "$T_TMP/r$retries.json")"
	expect_match "retries=$retries: QEMU's message is the reason" "Error while loading elf kernel" \
		"$(jq -r .infra_reason "$T_TMP/r$retries.json")"
	expect_eq "retries=$retries: one 'retrying' warning per retry" "$retries" \
		"$(grep -c 'retrying' "$T_TMP/err$retries")"
done
# Regression (e1000 campaign, session 1): a faulty driver whose probe fails
# leaves the netdev workload without its NIC.  That is the driver's failure
# ('functional'), not the harness's: it must not be dropped as infra_error.
e1000="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
"$NOOKS" inject --fault alloc --symbol alloc_etherdev_mqs --nth 1 --seed 1 "$e1000" \
	-o "$T_TMP/pf.ko" --params "$T_TMP/pf.params" 2>/dev/null
cat >"$T_TMP/pf.json" <<JSON
{"modules": [{"name": "swifi", "params": "$(cat "$T_TMP/pf.params")"}, "$T_TMP/pf.ko"],
 "devices": ["e1000", "virtio-net"], "coldplug": false,
 "workload": {"name": "netdev", "params": {"nic": "e1000", "deadline": 20}}}
JSON
"$NOOKS" trial run "$T_TMP/pf.json" --out "$T_TMP/pf" >"$T_TMP/pf.out" 2>/dev/null
expect_eq "probe failure of the NIC under test is 'functional'" functional "$(jq -r .outcome "$T_TMP/pf.out")"
expect_match "the workload names the unbound driver" "no network interface bound to driver 'e1000'" \
	"$(jq -r .workload.reason "$T_TMP/pf.out")"
no_qemu_left "no qemu left"
finish
