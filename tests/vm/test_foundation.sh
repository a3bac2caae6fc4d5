#!/bin/sh
# test_foundation.sh - the build's own error paths: dependency installer as
# non-root, kernel .deb verification and re-download, no disk space for the
# cache, image artefact hashes.
. "$(dirname "$0")/lib.sh"

# install-deps: quiet when all is present; one line naming what to install
# when run as non-root with a package missing.
out=$("$TOP/scripts/install-deps.sh" 2>&1); rc=$?
expect_eq "install-deps is quiet when everything is present" "0:" "$rc:$out"
out=$(NOOKS_DEPS="coreutils nooks-no-such-package" su nobody -s /bin/sh -c "$TOP/scripts/install-deps.sh" 2>&1); rc=$?
expect_eq "install-deps as non-root with a package missing fails" 1 "$rc"
expect_eq "install-deps as non-root: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_match "install-deps names what to install" "apt-get install nooks-no-such-package$" "$out"

# fetch-kernel: a corrupted cached .deb is detected and fetched again.
. "$TOP/build/kernel.env"
cache="$T_TMP/cache"
mkdir -p "$cache/debs"
cp "$KDEB" "$cache/debs/"
deb="$cache/debs/$(basename "$KDEB")"
printf 'X' | dd of="$deb" bs=1 seek=100000 conv=notrunc 2>/dev/null
out=$(NOOKS_CACHE="$cache" "$TOP/vm-images/fetch-kernel.sh" "$T_TMP/k.env" 2>&1); rc=$?
expect_eq "fetch-kernel recovers from a corrupt cached .deb" 0 "$rc"
expect_match "fetch-kernel says the cached .deb failed verification" "fails verification, downloading again" "$out"
expect_eq "re-downloaded .deb verifies" "$KDEB_SHA256" "$(sha256sum "$deb" | cut -d' ' -f1)"
expect_match "kernel.env names the pinned version" "^KVER=$KVER$" "$(cat "$T_TMP/k.env")"

# fetch-kernel: no disk space for the cache -> one-line error.
if mkdir -p "$T_TMP/tiny" && mount -t tmpfs -o size=2M tmpfs "$T_TMP/tiny" 2>/dev/null; then
	out=$(NOOKS_CACHE="$T_TMP/tiny" "$TOP/vm-images/fetch-kernel.sh" "$T_TMP/k2.env" 2>&1); rc=$?
	umount "$T_TMP/tiny"
	expect_eq "fetch-kernel on a full disk fails" 1 "$rc"
	expect_match "fetch-kernel names the disk space problem" "^fetch-kernel: not enough disk space in '$T_TMP/tiny'" "$out"
	expect_eq "no env file written on failure" no "$( [ -f "$T_TMP/k2.env" ] && echo yes || echo no)"
else
	skip "fetch-kernel on a full disk" "cannot mount a tmpfs here"
fi

# image.json records the version and the artefact hashes, and they match.
img="$TOP/build/image"
expect_match "image.json records the kernel version" "\"kernel_version\": \"$KVER\"" "$(cat "$img/image.json")"
for f in vmlinux initramfs; do
	want=$(sed -n "s/.*\"${f}_sha256\": \"\(.*\)\".*/\1/p" "$img/image.json")
	file=$(sed -n "s/.*\"${f}\": \"\(.*\)\".*/\1/p" "$img/image.json")
	expect_eq "image.json hash of $f matches" "$want" "$(sha256sum "$img/$file" | cut -d' ' -f1)"
done
# The stock workload modules and their dependencies are in the image.
for m in e1000 pcnet32 8139cp virtio_net virtio_blk fat vfat nls_cp437 nls_iso8859-1 mii net_failover; do
	if grep -q "/$m.ko:" "$img/modules/modules.dep"; then pass "image has $m"; else fail "image has $m"; fi
done
finish
