#!/bin/sh
# build-image.sh - build the guest image: vmlinux for PVH boot and the base
# initramfs (busybox-static, /init, the guest agent if built, our modules and
# the stock modules the workloads need with their dependencies).
#
# Usage: build-image.sh KERNEL.env OUTDIR [OUR.ko ...]
# Output: OUTDIR/vmlinux, OUTDIR/initramfs.cpio, OUTDIR/image.json (kernel
# version, package, .deb hash, whether the kernel is the locked one, and
# sha256 of each artefact), OUTDIR/modules (the guest's /lib/modules/KVER),
# OUTDIR/symvers/NAME.symvers (Module.symvers of each of our kmod/NAME).  Files appear
# atomically: everything is built in OUTDIR.tmp and renamed at the end.
set -eu
die() { echo "build-image: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: build-image.sh KERNEL.env OUTDIR [OUR.ko ...]"
env=$1 out=$2; shift 2
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
. "$env"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

# Stock modules the workloads need (the drivers of every PCI NIC QEMU
# emulates); dependencies come from modules.dep.
STOCK="e1000 pcnet32 8139cp e1000e 8139too ne2k-pci e100 tulip virtio_pci virtio_net virtio_blk fat vfat nls_cp437 nls_iso8859-1 nls_ascii nls_utf8"

# Skip the build when no input changed since the last one.
stamp=$( { cat "$env"; sha256sum "$0" "$top/harness/guest/init" "$@" \
	"$top"/build/guest/nooks-agent "$top"/build/guest/bin/* 2>/dev/null; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/image.json" ] && [ "$(cat "$out/.inputs" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi
echo "build-image: building guest image for $KVER"

tmp="$out.tmp"
rm -rf "$tmp"
mkdir -p "$tmp/root"
root="$tmp/root"

# vmlinux: cut out of vmlinuz once by fetch-kernel.sh (KVMLINUX).
[ -f "${KVMLINUX:-}" ] || die "no vmlinux in '$env' (run vm-images/fetch-kernel.sh)"
cp "$KVMLINUX" "$tmp/vmlinux"

mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" \
	"$root/tmp" "$root/trial" "$root/etc" "$root/lib/modules/$KVER"
cp /bin/busybox "$root/bin/busybox"
ldd /bin/busybox >/dev/null 2>&1 && die "/bin/busybox is not static (install busybox-static)"
cp "$top/harness/guest/init" "$root/init"
chmod 755 "$root/init"
[ -x "$top/build/guest/nooks-agent" ] && cp "$top/build/guest/nooks-agent" "$root/bin/"
for f in "$top"/build/guest/bin/*; do [ -x "$f" ] && cp "$f" "$root/bin/"; done

# Stock modules and their dependencies, resolved by modprobe on modules.dep.
kmods="$tmp/kmods"
mkdir -p "$kmods/lib/modules"
ln -s "$KROOT/lib/modules/$KVER" "$kmods/lib/modules/$KVER"
[ -f "$KROOT/lib/modules/$KVER/modules.dep" ] || depmod -b "$KROOT" "$KVER"
for m in $STOCK; do
	modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" >"$tmp/dep" 2>&1 ||
		die "modprobe cannot resolve stock module '$m': $(head -n 1 "$tmp/dep")"
	awk '$1 == "insmod" {print $2}' "$tmp/dep"
done | sort -u | while read -r path; do
	rel=${path#"$KROOT"/}
	mkdir -p "$root/$(dirname "$rel")"
	cp "$path" "$root/$rel"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	cp "$KROOT/lib/modules/$KVER/$f" "$root/lib/modules/$KVER/"
done
# Our modules.
if [ $# -gt 0 ]; then
	mkdir -p "$root/lib/modules/$KVER/extra"
	for ko in "$@"; do
		[ -f "$ko" ] || die "module '$ko' not found"
		# without debug info (build/kmod keeps it): nooks.ko's wrapper
		# of every kernel export is 30 MB of DWARF the guest never reads
		strip --strip-debug -o "$root/lib/modules/$KVER/extra/$(basename "$ko")" "$ko" ||
			die "cannot copy module '$ko'"
		# the exports of our modules, for `nooks isolate` and `nooks inject`
		sv="$(dirname "$ko")/Module.symvers"
		if [ -f "$sv" ]; then
			mkdir -p "$tmp/symvers"
			cp "$sv" "$tmp/symvers/$(basename "$(dirname "$ko")").symvers"
		fi
	done
fi
depmod -b "$root" "$KVER" || die "depmod failed on the image tree"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc --reproducible -R 0:0 >"$tmp/initramfs.cpio") ||
	die "cpio failed"

sha() { sha256sum "$1" | cut -d' ' -f1; }
cat >"$tmp/image.json" <<JSON
{
  "kernel_version": "$KVER",
  "kernel_package": "$KPKG",
  "kernel_package_version": "$KPKGVER",
  "kernel_deb_sha256": "$KDEB_SHA256",
  "kernel_source": "$KSOURCE",
  "kernel_locked": "$KLOCKED",
  "vmlinux": "vmlinux",
  "vmlinux_sha256": "$(sha "$tmp/vmlinux")",
  "initramfs": "initramfs.cpio",
  "initramfs_sha256": "$(sha "$tmp/initramfs.cpio")",
  "modules_dir": "modules"
}
JSON
rm -rf "$out"
mkdir -p "$out"
mv "$tmp/vmlinux" "$tmp/initramfs.cpio" "$tmp/image.json" "$out/"
[ -d "$tmp/symvers" ] && mv "$tmp/symvers" "$out/symvers"
mv "$root/lib/modules/$KVER" "$out/modules"
echo "$stamp" >"$out/.inputs"
rm -rf "$tmp"
