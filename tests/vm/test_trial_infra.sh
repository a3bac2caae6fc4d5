#!/bin/sh
# test_trial_infra.sh - a host-side failure (QEMU cannot load a corrupt
# kernel image) is infra_error, retried exactly --retries times, reported
# with QEMU's own message, and the runner exits 1; nothing is left running.
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
no_qemu_left "no qemu left"
finish
