#!/bin/sh
# test_vm_run.sh - `nooks vm run` on the real guest: boot, output, exit
# status, modules, devices, console log, and bad input.
. "$(dirname "$0")/lib.sh"

KVER=$(sed -n 's/.*"kernel_version": "\(.*\)".*/\1/p' "$TOP/build/image/image.json")

out=$("$NOOKS" vm run --out "$T_TMP/r1" --cmd 'uname -r' 2>"$T_TMP/err"); rc=$?
expect_eq "uname -r prints the pinned kernel" "$KVER" "$out"
expect_eq "exit status 0" 0 "$rc"
expect_match "prints the console log path" "console log: $T_TMP/r1/console.log" "$(cat "$T_TMP/err")"
expect_match "console log holds the boot" "Linux version $KVER" "$(head -c 4000 "$T_TMP/r1/console.log")"

"$NOOKS" vm run --out "$T_TMP/r2" --cmd 'exit 7' 2>/dev/null; rc=$?
expect_eq "guest exit status is relayed" 7 "$rc"

out=$("$NOOKS" vm run --out "$T_TMP/r3" --device e1000 --cmd 'cat /sys/class/net/eth0/device/uevent | grep DRIVER; lsmod | grep -c "^e1000 "' 2>/dev/null)
expect_match "--device e1000 binds the stock e1000 driver" "DRIVER=e1000" "$out"

ko="$KMOD/selftest/nooks_selftest.ko"
out=$("$NOOKS" vm run --out "$T_TMP/r4" --module "$ko" --cmd 'grep -c nooks_selftest /proc/modules; dmesg | grep -c "nooks_selftest: loaded"' 2>/dev/null)
expect_eq "--module loads our module" "1
1" "$out"

"$NOOKS" vm run --out "$T_TMP/r5" --module "$ko" --cmd 'echo null_read > /sys/module/nooks_selftest/parameters/fault' --append 'oops=panic' >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "a guest kernel crash exits 126" 126 "$rc"
expect_match "the crash is in the console log" "BUG: kernel NULL pointer dereference" "$(cat "$T_TMP/r5/console.log")"

"$NOOKS" vm run --out "$T_TMP/r6" --timeout 5 --cmd 'sleep 100' >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "timeout exits 124" 124 "$rc"
expect_match "timeout message" "timed out after 5 s" "$(cat "$T_TMP/err")"
no_qemu_left "no qemu left after timeout"

# Bad input: one-line error, non-zero exit, no guest started.
"$NOOKS" vm run --bogus >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "unknown option exits 2" 2 "$rc"
expect_match "unknown option is named" "unknown or incomplete option '--bogus'" "$(head -n 1 "$T_TMP/err")"

"$NOOKS" vm run --module "$T_TMP/missing.ko" --cmd true >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "missing module exits 1" 1 "$rc"
expect_eq "missing module: one line" 1 "$(wc -l <"$T_TMP/err")"
expect_match "missing module is named" "cannot open module '$T_TMP/missing.ko'" "$(cat "$T_TMP/err")"

head -c 2000 /dev/urandom >"$T_TMP/junk.ko"
"$NOOKS" vm run --module "$T_TMP/junk.ko" --cmd true >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "corrupt module exits 1" 1 "$rc"
expect_match "corrupt module is named" "module '$T_TMP/junk.ko' is not an ELF file" "$(cat "$T_TMP/err")"

cp "$ko" "$T_TMP/trunc.ko" && truncate -s 3000 "$T_TMP/trunc.ko"
"$NOOKS" vm run --module "$T_TMP/trunc.ko" --cmd true >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "truncated module exits 1" 1 "$rc"

"$NOOKS" vm run --device nosuchnic --cmd true >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "unknown device exits 2" 2 "$rc"
expect_match "unknown device is named" "unknown device 'nosuchnic'" "$(cat "$T_TMP/err")"

"$NOOKS" vm run --image "$T_TMP/noimage" --cmd true >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "missing image exits 1" 1 "$rc"
expect_match "missing image is named" "no guest image at '$T_TMP/noimage'" "$(cat "$T_TMP/err")"

out=$("$NOOKS" --help); expect_match "nooks --help lists vm" "^  vm " "$out"
out=$("$NOOKS" vm run --help); expect_match "vm run --help lists options" "--timeout S" "$out"
finish
