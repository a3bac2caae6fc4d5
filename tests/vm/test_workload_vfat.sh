#!/bin/sh
# test_workload_vfat.sh - the VFAT workload on stock fat + vfat: passes on a
# fresh image and leaves a clean filesystem; a corrupted file on the image
# fails the workload; a damaged FAT is reported corrupt by the host check;
# a disk without FAT and a missing disk are set-up errors.
. "$(dirname "$0")/lib.sh"

result() { grep '"event":"result"' "$1"; }

"$NOOKS" workload run vfat --out "$T_TMP/ok" --timeout 200 >"$T_TMP/ok.out" 2>&1; rc=$?
expect_eq "vfat passes on a fresh image" 0 "$rc"
expect_match "vfat: tree unpacked, compile rounds intact" \
	'"pass":true.*"files":160,"rounds":2,.*"ops_per_s"' "$(result "$T_TMP/ok.out")"
expect_match "vfat: host fsck finds the filesystem clean" '"event":"fsck".*"corrupt":false' \
	"$(cat "$T_TMP/ok.out")"

# A corrupted file: one byte inside the first member of src.tar flipped.
"$NOOKS" workload prepare vfat --dir "$T_TMP/bad" >/dev/null
img="$T_TMP/bad/fat.img"
mcopy -i "$img" ::src.tar "$T_TMP/src.tar"
printf 'X' | dd of="$T_TMP/src.tar" bs=1 seek=700 conv=notrunc 2>/dev/null
mcopy -o -i "$img" "$T_TMP/src.tar" ::src.tar
"$NOOKS" vm run --out "$T_TMP/badvm" --disk "$img" --timeout 120 --cmd wl-vfat \
	>"$T_TMP/bad.out" 2>&1; rc=$?
expect_eq "corrupted file on the image: workload fails (exit 1)" 1 "$rc"
expect_match "corrupted file is named" '"pass":false.*content wrong \(CRC-32' "$(result "$T_TMP/bad.out")"

# A damaged FAT after a trial: the host check reports it corrupt.
cp "$T_TMP/ok/fat.img" "$T_TMP/fat-damaged.img"
printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' |
	dd of="$T_TMP/fat-damaged.img" bs=1 seek=$((4 * 512 + 8)) conv=notrunc 2>/dev/null
out=$("$NOOKS" workload check "$T_TMP/fat-damaged.img"); rc=$?
expect_eq "damaged FAT: check exits 1" 1 "$rc"
expect_match "damaged FAT: verdict corrupt" '"corrupt":true,"fsck_exit":1' "$out"
out=$("$NOOKS" workload check "$T_TMP/ok/fat.img"); rc=$?
expect_eq "clean image: check exits 0" 0 "$rc"

# Set-up errors: a disk that holds no FAT, no disk at all.
dd if=/dev/zero of="$T_TMP/zero.img" bs=1M count=4 2>/dev/null
"$NOOKS" vm run --out "$T_TMP/z" --disk "$T_TMP/zero.img" --timeout 60 --cmd wl-vfat \
	>"$T_TMP/zero.out" 2>&1; rc=$?
expect_eq "disk without FAT exits 2" 2 "$rc"
expect_match "disk without FAT is named" '"infra":true,"reason":"./dev/vda. holds no FAT' \
	"$(result "$T_TMP/zero.out")"
"$NOOKS" vm run --out "$T_TMP/nd" --timeout 60 --cmd wl-vfat >"$T_TMP/nd.out" 2>&1; rc=$?
expect_eq "missing disk exits 2" 2 "$rc"
"$NOOKS" workload check "$T_TMP/missing.img" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "check of a missing image exits 3" 3 "$rc"
expect_match "missing image is named" "FAT image '$T_TMP/missing.img' not found" "$(cat "$T_TMP/err")"
no_qemu_left "no qemu left"
finish
