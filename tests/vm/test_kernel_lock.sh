#!/bin/sh
# test_kernel_lock.sh - one kernel lock, every path derived from it, drift
# caught here:
#   - no kernel version literal outside vm-images/kernel.lock (and test
#     data -- fixtures, fuzz seeds and regression inputs recorded from real
#     runs -- and docs that record which kernel a measurement ran on);
#   - the lock is honoured while Debian serves it; a lock Debian does not
#     serve falls back, in one line, to the ABI linux-headers-amd64 names,
#     and the image records the fallback; NOOKS_KERNEL selects another ABI;
#   - a second ABI (the oldest one apt serves): the NIM and the self-test
#     extension build against its headers, its image boots that kernel, and
#     the NIM self-test passes on it; building it leaves the selected kernel
#     alone, and selecting the current kernel again rebuilds nothing.
. "$(dirname "$0")/lib.sh"
FETCH="$TOP/vm-images/fetch-kernel.sh"
LOCK="$TOP/vm-images/kernel.lock"

# 1. Version literals: 6.1.0-NN ABIs and 6.1.NNN-N package versions.
hits=$(cd "$TOP" && git grep -nIE '6\.1\.0-[0-9]+|6\.1\.[0-9]{2,3}-[0-9]+' -- . \
	':!vm-images/kernel.lock' ':!tests/fixtures' ':!tests/unit' ':!tests/report' ':!docs' \
	':!tests/fuzz/corpus' ':!tests/fuzz/regress' 2>/dev/null)
expect_eq "no kernel version literal outside kernel.lock" "" "$hits"

# 2. Resolution: the lock while served, else the fallback.
labi=$(sed -n 's/^ABI=//p' "$LOCK") lver=$(sed -n 's/^VERSION=//p' "$LOCK")
served=$("$FETCH" --served)
res=$("$FETCH" --resolve 2>"$T_TMP/res.err"); rc=$?
expect_eq "fetch-kernel --resolve" 0 "$rc"
if printf '%s\n' "$served" | grep -qx "$labi-amd64 $lver"; then
	expect_eq "served lock is honoured" "KVER=$labi-amd64 KPKGVER=$lver KSOURCE=lock" \
		"$(printf '%s\n' "$res" | grep -E '^K(VER|PKGVER|SOURCE)=' | tr '\n' ' ' | sed 's/ $//')"
	expect_eq "honoured lock: nothing on stderr" "" "$(cat "$T_TMP/res.err")"
else
	expect_match "unserved lock falls back" "^KSOURCE=fallback$" "$res"
fi
. "$TOP/build/kernel.env"
expect_match "build/kernel.env is what the lock resolves to" "^KVER=$KVER$" "$res"
expect_match "image.json names the resolved kernel" "\"kernel_version\": \"$KVER\"" "$(cat "$TOP/build/image/image.json")"
have=$(dpkg-query -W -f='${Version}' "linux-headers-$KVER" 2>/dev/null)
expect_eq "exactly the resolved kernel's headers are installed" "$KPKGVER" "$have"

# A made-up lock: one warning line, the fallback is the meta-package's ABI.
fake="${lver}nooks0"	# a version Debian never served
sed "s/^VERSION=.*/VERSION=$fake/" "$LOCK" >"$T_TMP/fake.lock"
res=$(NOOKS_KERNEL_LOCK="$T_TMP/fake.lock" "$FETCH" --resolve 2>"$T_TMP/fb.err"); rc=$?
meta=$(apt-cache depends linux-headers-amd64 | sed -n 's/^ *Depends: linux-headers-\(.*-amd64\)$/\1/p' | head -n 1)
expect_eq "unserved lock: resolves" 0 "$rc"
expect_match "unserved lock: falls back to linux-headers-amd64's ABI" "^KVER=$meta$" "$res"
expect_match "unserved lock: source is fallback" "^KSOURCE=fallback$" "$res"
expect_eq "unserved lock: exactly one line on stderr" 1 "$(wc -l <"$T_TMP/fb.err")"
expect_match "unserved lock: the line names the lock and the fallback" \
	"kernel.lock pins linux-image-$labi-amd64=$fake, which Debian no longer serves; falling back to $meta=" \
	"$(cat "$T_TMP/fb.err")"
# ... and the image built from it records the fallback (our modules as built)
NOOKS_KERNEL_LOCK="$T_TMP/fake.lock" "$FETCH" "$T_TMP/fb.env" 2>/dev/null; rc=$?
expect_eq "unserved lock: fetch" 0 "$rc"
if [ "$meta" = "$KVER" ]; then
	"$TOP/vm-images/build-image.sh" "$T_TMP/fb.env" "$T_TMP/fbimg" "$KMOD"/*/*.ko >/dev/null 2>&1
	expect_match "fallback image.json: kernel_source" '"kernel_source": "fallback"' "$(cat "$T_TMP/fbimg/image.json")"
	expect_match "fallback image.json: what the lock asked for" "\"kernel_locked\": \"$labi-amd64=$fake\"" \
		"$(cat "$T_TMP/fbimg/image.json")"
	out=$("$NOOKS" vm run --image "$T_TMP/fbimg" --timeout 60 --cmd 'uname -r' 2>/dev/null); rc=$?
	expect_eq "fallback image boots the fallback kernel" "0:$meta" "$rc:$out"
else
	skip "fallback image" "the fallback $meta is not the selected kernel $KVER"
fi

# Bad selections: one line, non-zero, nothing written.
nokern="${labi%-*}-9999-amd64"
out=$(NOOKS_KERNEL=$nokern "$FETCH" "$T_TMP/bad.env" 2>&1); rc=$?
expect_eq "NOOKS_KERNEL not served: fails" 1 "$rc"
expect_match "NOOKS_KERNEL not served: one line naming it" "^fetch-kernel: NOOKS_KERNEL=$nokern: Debian does not serve" "$out"
expect_eq "NOOKS_KERNEL not served: no env written" no "$( [ -f "$T_TMP/bad.env" ] && echo yes || echo no)"
printf 'ABI=six\nVERSION=1\nSHA256=00\n' >"$T_TMP/broken.lock"
out=$(NOOKS_KERNEL_LOCK="$T_TMP/broken.lock" "$FETCH" --resolve 2>&1); rc=$?
expect_eq "malformed lock: one line, non-zero" "1:1" "$rc:$(printf '%s\n' "$out" | wc -l)"
expect_match "malformed lock: names the field" "ABI 'six' is not like" "$out"
sed 's/^SHA256=.*/SHA256=0000000000000000000000000000000000000000000000000000000000000000/' "$LOCK" >"$T_TMP/sha.lock"
if printf '%s\n' "$served" | grep -qx "$labi-amd64 $lver"; then
	out=$(NOOKS_KERNEL_LOCK="$T_TMP/sha.lock" "$FETCH" --resolve 2>&1); rc=$?
	expect_eq "lock sha256 differs from apt's index: refused" 1 "$rc"
	expect_match "lock sha256 mismatch: named" "apt's index says" "$out"
fi

# 3. A second ABI: the oldest that apt serves (image and headers).
old=$(printf '%s\n' "$served" | head -n 1 | cut -d' ' -f1)
if [ -z "$old" ] || [ "$old" = "$KVER" ]; then
	skip "second ABI" "apt serves no ABI other than $KVER"
	finish
fi
before=$(readlink "$TOP/build/image")
NOOKS_KERNEL=$old "$TOP/vm-images/build-kernel.sh" "$TOP/build" >"$T_TMP/old.log" 2>&1; rc=$?
expect_eq "NIM and selftest build against $old" 0 "$rc"
[ "$rc" = 0 ] || { tail -n 20 "$T_TMP/old.log"; finish; }
expect_eq "building $old leaves the selected kernel alone" "$before" "$(readlink "$TOP/build/image")"
oimg="$TOP/build/k/$old/image"
expect_match "$old image.json: source override" '"kernel_source": "override"' "$(cat "$oimg/image.json")"
out=$("$NOOKS" vm run --image "$oimg" --timeout 60 --cmd 'uname -r' 2>/dev/null); rc=$?
expect_eq "$old image boots $old" "0:$old" "$rc:$out"
NOOKS_IMAGE="$oimg" KMOD="$TOP/build/k/$old/kmod" sh "$TOP/tests/vm/test_nim_selftest.sh" >"$T_TMP/st.out" 2>&1
grep -E '^(PASS|FAIL|SKIP): ' "$T_TMP/st.out" | sed "s/^\([A-Z]*\): /\1: [$old] /"

# Switching back to the selected kernel rebuilds nothing.
ko="$TOP/build/k/$KVER/kmod/nooks/nooks.ko"
m0=$(stat -c %Y "$ko") i0=$(stat -c %Y "$TOP/build/image/initramfs.cpio")
out=$("$TOP/vm-images/build-kernel.sh" --select "$TOP/build" 2>&1); rc=$?
expect_eq "select $KVER again" 0 "$rc"
expect_eq "switching back: NIM not rebuilt" "$m0" "$(stat -c %Y "$ko")"
expect_eq "switching back: image not rebuilt" "$i0" "$(stat -c %Y "$TOP/build/image/initramfs.cpio")"
expect_eq "switching back: selected kernel" "$before" "$(readlink "$TOP/build/image")"
finish
