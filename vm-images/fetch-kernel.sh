#!/bin/sh
# fetch-kernel.sh - fetch, verify and unpack the pinned Debian guest kernel.
#
# The pin is the ABI that the installed linux-headers-amd64 meta-package
# depends on (linux-headers-6.1.0-NN-amd64), at the exact Debian version of
# those headers, so modules built here match the guest kernel.  The .deb is
# downloaded once into the cache ($NOOKS_CACHE, default ~/.cache/nooks),
# verified against the SHA256 in apt's (signed) package index on every use,
# and unpacked next to it.  Never installed on the host.
#
# Usage: fetch-kernel.sh OUT.env
#   writes KVER, KPKG, KPKGVER, KDEB, KDEB_SHA256, KROOT to OUT.env
set -eu
out=${1:?usage: fetch-kernel.sh OUT.env}
cache=${NOOKS_CACHE:-$HOME/.cache/nooks}
die() { echo "fetch-kernel: $*" >&2; exit 1; }

abi=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	sed -n 's/.*linux-headers-\(6\.1\.0-[0-9]*\)-amd64.*/\1/p')
[ -n "$abi" ] || die "cannot resolve the kernel ABI: linux-headers-amd64 is not installed (run scripts/install-deps.sh)"
kver="$abi-amd64"
hdrver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null) ||
	die "linux-headers-$kver is not installed"
pkg="linux-image-$kver"
deb="$cache/debs/${pkg}_$(echo "$hdrver" | sed 's/:/%3a/')_amd64.deb"

want=$(apt-cache show "$pkg=$hdrver" 2>/dev/null | sed -n 's/^SHA256: //p' | head -n 1)
[ -n "$want" ] || die "no package index entry for $pkg=$hdrver (run apt-get update)"

mkdir -p "$cache/debs" || die "cannot create cache directory '$cache'"
if [ -f "$deb" ] && [ "$(sha256sum "$deb" | cut -d' ' -f1)" != "$want" ]; then
	echo "fetch-kernel: cached '$deb' fails verification, downloading again" >&2
	rm -f "$deb"
fi
if [ ! -f "$deb" ]; then
	avail=$(df -Pk "$cache" | awk 'NR==2 {print $4}')
	[ "$avail" -ge 1048576 ] || die "not enough disk space in '$cache': ${avail} KiB free, 1 GiB needed"
	echo "fetch-kernel: downloading $pkg=$hdrver"
	tmp=$(mktemp -d "$cache/debs/dl.XXXXXX")
	(cd "$tmp" && apt-get download -q "$pkg=$hdrver" >/dev/null 2>"$tmp/err") ||
		{ msg=$(tail -n 1 "$tmp/err"); rm -rf "$tmp"; die "apt-get download $pkg=$hdrver failed: $msg"; }
	got=$(sha256sum "$tmp"/*.deb | cut -d' ' -f1)
	[ "$got" = "$want" ] || { rm -rf "$tmp"; die "downloaded $pkg fails verification: sha256 $got, index says $want"; }
	mv "$tmp"/*.deb "$deb"
	rm -rf "$tmp"
else
	[ "$(sha256sum "$deb" | cut -d' ' -f1)" = "$want" ] || die "'$deb' fails verification"
fi

root="$cache/unpacked/$pkg-$hdrver"
if [ ! -f "$root/.complete" ]; then
	rm -rf "$root"
	mkdir -p "$root"
	dpkg-deb -x "$deb" "$root" || { rm -rf "$root"; die "cannot unpack '$deb'"; }
	[ -f "$root/boot/vmlinuz-$kver" ] || { rm -rf "$root"; die "'$deb' has no boot/vmlinuz-$kver"; }
	touch "$root/.complete"
fi

cat > "$out.tmp" <<ENV
KVER=$kver
KPKG=$pkg
KPKGVER=$hdrver
KDEB=$deb
KDEB_SHA256=$want
KROOT=$root
ENV
if cmp -s "$out.tmp" "$out"; then rm -f "$out.tmp"; else mv "$out.tmp" "$out"; fi
