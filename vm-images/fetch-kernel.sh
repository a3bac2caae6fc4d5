#!/bin/sh
# fetch-kernel.sh - resolve the guest kernel, install its exact headers,
# fetch, verify and unpack its image package.
#
# Which kernel (first match):
#   1. $NOOKS_KERNEL=6.1.0-NN-amd64: that ABI at apt's candidate version
#      (image and headers must be served at the same version)  source=override
#   2. vm-images/kernel.lock ($NOOKS_KERNEL_LOCK overrides the path), while
#      Debian serves exactly its image and headers              source=lock
#   3. otherwise, with one line saying so: the ABI the linux-headers-amd64
#      meta-package depends on, at its candidate version       source=fallback
# Then linux-headers-<KVER> at exactly that version is installed (as root;
# otherwise one line naming the apt-get command), and linux-image-<KVER> is
# downloaded once into the cache ($NOOKS_CACHE, default ~/.cache/nooks),
# checked against the SHA256 in apt's signed index (and the lock's, for the
# locked kernel) on every use, and unpacked there.  Never installed.
#
# Usage: fetch-kernel.sh OUT.env   write KVER KPKG KPKGVER KDEB KDEB_SHA256
#                                  KROOT KVMLINUX KHDR KSOURCE KLOCKED to
#                                  OUT.env (KVMLINUX: the ELF vmlinux cut out
#                                  of vmlinuz, with the kernel's BTF)
#        fetch-kernel.sh --resolve print the resolution (KVER= KPKGVER=
#                                  KSOURCE= KLOCKED=), change nothing
#        fetch-kernel.sh --served  list the ABIs whose image and headers apt
#                                  serves at one version, oldest first
#        fetch-kernel.sh --relock  point kernel.lock at the ABI that
#                                  linux-headers-amd64 depends on now
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lock=${NOOKS_KERNEL_LOCK:-$here/kernel.lock}
cache=${NOOKS_CACHE:-$HOME/.cache/nooks}
die() { echo "fetch-kernel: $*" >&2; exit 1; }

case "${1:-}" in
--resolve|--served|--relock) mode=${1#--} ;;
""|-*) die "usage: fetch-kernel.sh OUT.env | --resolve | --served | --relock" ;;
*) mode=fetch out=$1 ;;
esac

# SHA256 that apt's index gives for PKG=VER, empty when not served.
index_sha() { apt-cache show "$1=$2" 2>/dev/null | sed -n 's/^SHA256: //p' | head -n 1; }
served() { [ -n "$(index_sha "linux-image-$1" "$2")" ] && [ -n "$(index_sha "linux-headers-$1" "$2")" ]; }
candidate() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true; }
# The ABI (6.1.0-NN-amd64) that linux-headers-amd64's candidate depends on.
meta_abi() {
	apt-cache depends linux-headers-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\([0-9.]*-[0-9]*-amd64\)$/\1/p' | head -n 1
}

# apt's lists: a fresh machine may have none; refresh once when stale (root).
lists_fresh() { [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; }
refresh_lists() {
	if ! lists_fresh && [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed"
	fi
}

if [ "$mode" = served ]; then
	refresh_lists
	# one apt-cache policy call for every image and headers package
	names=$(apt-cache pkgnames linux-image-6 2>/dev/null |
		sed -n 's/^linux-image-\([0-9]*\.[0-9]*\.[0-9]*-[0-9]*-amd64\)$/\1/p')
	[ -n "$names" ] || exit 0
	# shellcheck disable=SC2046
	apt-cache policy $(for k in $names; do echo "linux-image-$k linux-headers-$k"; done) 2>/dev/null |
		awk '/^[^ ]/ { sub(":$", "", $1); p = $1 }
		     /^ *Candidate:/ && $2 != "(none)" { c[p] = $2 }
		     END { for (p in c) if (p ~ /^linux-image-/) {
				k = substr(p, 13); h = "linux-headers-" k
				if (c[h] == c[p]) print k, c[p] } }' |
		sort -t- -k2,2n
	exit 0
fi

if [ "$mode" = relock ]; then
	refresh_lists
	k=$(meta_abi) v=
	[ -n "$k" ] && v=$(candidate "linux-headers-$k")
	[ -n "$v" ] && served "$k" "$v" || die "linux-headers-amd64 names no served kernel (run apt-get update)"
	sha=$(index_sha "linux-image-$k" "$v")
	tmp="$lock.tmp"
	sed -e "s/^ABI=.*/ABI=${k%-amd64}/" -e "s/^VERSION=.*/VERSION=$v/" \
	    -e "s/^SHA256=.*/SHA256=$sha/" "$lock" >"$tmp" && mv "$tmp" "$lock"
	echo "fetch-kernel: $lock now pins linux-image-$k=$v"
	exit 0
fi

# ---- resolve ---------------------------------------------------------------
[ -f "$lock" ] || die "kernel lock '$lock' not found"
lval() { sed -n "s/^$1=//p" "$lock" | head -n 1; }
labi=$(lval ABI) lver=$(lval VERSION) lsha=$(lval SHA256)
echo "$labi" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+$' || die "'$lock': ABI '$labi' is not like 6.1.0-NN"
[ -n "$lver" ] || die "'$lock': no VERSION"
echo "$lsha" | grep -Eq '^[0-9a-f]{64}$' || die "'$lock': SHA256 '$lsha' is not 64 hex digits"
locked="$labi-amd64=$lver"

refresh_lists
if [ -n "${NOOKS_KERNEL:-}" ]; then
	kver=${NOOKS_KERNEL%-amd64}-amd64
	echo "$kver" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64$' ||
		die "NOOKS_KERNEL='$NOOKS_KERNEL' is not like 6.1.0-NN-amd64"
	ver=$(candidate "linux-image-$kver")
	[ -n "$ver" ] && served "$kver" "$ver" ||
		die "NOOKS_KERNEL=$kver: Debian does not serve linux-image-$kver and linux-headers-$kver at one version (see: fetch-kernel.sh --served)"
	source=override
elif served "$labi-amd64" "$lver"; then
	kver="$labi-amd64" ver=$lver source=lock
	got=$(index_sha "linux-image-$kver" "$ver")
	[ "$got" = "$lsha" ] || die "'$lock' says sha256 $lsha for linux-image-$locked, apt's index says $got"
else
	kver=$(meta_abi) ver=
	[ -n "$kver" ] && ver=$(candidate "linux-headers-$kver")
	[ -n "$ver" ] && served "$kver" "$ver" ||
		die "kernel.lock's linux-image-$locked is not served and linux-headers-amd64 names no served kernel either (run apt-get update)"
	echo "fetch-kernel: warning: kernel.lock pins linux-image-$locked, which Debian no longer serves; falling back to $kver=$ver (linux-headers-amd64)" >&2
	source=fallback
fi
if [ "$mode" = resolve ]; then
	printf 'KVER=%s\nKPKGVER=%s\nKSOURCE=%s\nKLOCKED=%s\n' "$kver" "$ver" "$source" "$locked"
	exit 0
fi

# ---- exact headers -----------------------------------------------------------
hdr=/usr/src/linux-headers-$kver
have=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "linux-headers-$kver" 2>/dev/null || true)
if [ "$have" != "installed $ver" ] || [ ! -d "$hdr" ]; then
	[ "$(id -u)" = 0 ] ||
		die "linux-headers-$kver=$ver is not installed; run as root: apt-get install linux-headers-$kver=$ver"
	mkdir -p "$cache" || die "cannot create cache directory '$cache'"
	echo "fetch-kernel: installing linux-headers-$kver=$ver"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"linux-headers-$kver=$ver" >"$cache/headers-install.log" 2>&1 ||
		die "apt-get install linux-headers-$kver=$ver failed (log: $cache/headers-install.log)"
	[ -d "$hdr" ] || die "linux-headers-$kver installed but '$hdr' is missing"
fi

# ---- image package -----------------------------------------------------------
pkg="linux-image-$kver"
want=$(index_sha "$pkg" "$ver")
deb="$cache/debs/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_amd64.deb"
mkdir -p "$cache/debs" || die "cannot create cache directory '$cache'"
if [ -f "$deb" ] && [ "$(sha256sum "$deb" | cut -d' ' -f1)" != "$want" ]; then
	echo "fetch-kernel: cached '$deb' fails verification, downloading again" >&2
	rm -f "$deb"
fi
if [ ! -f "$deb" ]; then
	avail=$(df -Pk "$cache" | awk 'NR==2 {print $4}')
	[ "$avail" -ge 1048576 ] || die "not enough disk space in '$cache': ${avail} KiB free, 1 GiB needed"
	echo "fetch-kernel: downloading $pkg=$ver"
	tmp=$(mktemp -d "$cache/debs/dl.XXXXXX")
	(cd "$tmp" && apt-get download -q "$pkg=$ver" >/dev/null 2>"$tmp/err") ||
		{ msg=$(tail -n 1 "$tmp/err"); rm -rf "$tmp"; die "apt-get download $pkg=$ver failed: $msg"; }
	got=$(sha256sum "$tmp"/*.deb | cut -d' ' -f1)
	[ "$got" = "$want" ] || { rm -rf "$tmp"; die "downloaded $pkg fails verification: sha256 $got, index says $want"; }
	mv "$tmp"/*.deb "$deb"
	rm -rf "$tmp"
fi

root="$cache/unpacked/$pkg-$ver"
if [ ! -f "$root/.complete" ]; then
	rm -rf "$root"
	mkdir -p "$root"
	dpkg-deb -x "$deb" "$root" || { rm -rf "$root"; die "cannot unpack '$deb'"; }
	[ -f "$root/boot/vmlinuz-$kver" ] || { rm -rf "$root"; die "'$deb' has no boot/vmlinuz-$kver"; }
	touch "$root/.complete"
fi
# vmlinux (ELF, with the kernel's BTF in .BTF): the XZ payload of vmlinuz,
# cut out once; the image boots it and the NIM's wrappers read its BTF
vmlinux="$root/vmlinux"
if [ ! -f "$vmlinux" ]; then
	vmlinuz="$root/boot/vmlinuz-$kver"
	off=$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || die "no XZ stream in '$vmlinuz'"
	tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$vmlinux.tmp" 2>/dev/null ||
		{ rm -f "$vmlinux.tmp"; die "cannot decompress the kernel in '$vmlinuz'"; }
	[ "$(head -c 4 "$vmlinux.tmp" | od -An -c | tr -d ' ')" = "177ELF" ] ||
		{ rm -f "$vmlinux.tmp"; die "extracted vmlinux from '$vmlinuz' is not an ELF file"; }
	mv "$vmlinux.tmp" "$vmlinux"
fi

cat >"$out.tmp" <<ENV
KVER=$kver
KPKG=$pkg
KPKGVER=$ver
KDEB=$deb
KDEB_SHA256=$want
KROOT=$root
KVMLINUX=$vmlinux
KHDR=$hdr
KSOURCE=$source
KLOCKED=$locked
ENV
if cmp -s "$out.tmp" "$out"; then rm -f "$out.tmp"; else mv "$out.tmp" "$out"; fi
