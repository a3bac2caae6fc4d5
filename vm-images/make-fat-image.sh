#!/bin/sh
# make-fat-image.sh - build the base FAT image of the VFAT workload: a 32 MiB
# FAT16 filesystem holding src.tar (a small source tree: headers of the
# pinned kernel, ustar, deterministic) and MANIFEST (one line per file:
# "<crc32 hex> <size> <path>", CRC-32 as zlib computes it).
#
# Usage: make-fat-image.sh OUT.img
# Trials never write this image: `nooks workload prepare vfat` copies it
# fresh into each trial directory.  Built in OUT.img.tmp, renamed at the end.
set -eu
die() { echo "make-fat-image: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: make-fat-image.sh OUT.img"
out=$1
KVER=${KVER:-6.1.0-56}
hdr=/usr/src/linux-headers-${KVER%-amd64}-common/include
[ -d "$hdr" ] || die "kernel headers not found at '$hdr'"
for t in mkfs.vfat mcopy tar gzip; do
	command -v $t >/dev/null 2>&1 || die "'$t' not found (run scripts/install-deps.sh)"
done
TREE="net/netfilter net/sctp net/bluetooth net/tc_act linux/usb"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
(cd "$hdr" && find $TREE -type f | LC_ALL=C sort) >"$tmp/list"
# the tree as regular files (no links), fixed owner and times
while read -r f; do
	mkdir -p "$tmp/src/$(dirname "$f")"
	cp "$hdr/$f" "$tmp/src/$f"
done <"$tmp/list"
(cd "$tmp/src" && tar --format=ustar --owner=0 --group=0 --numeric-owner \
	--mtime=@0 -cf "$tmp/src.tar" $(cat "$tmp/list")) || die "tar failed"
# CRC-32: the gzip trailer holds the CRC-32 of the data (little-endian)
while read -r f; do
	crc=$(gzip -c <"$tmp/src/$f" | tail -c 8 | od -An -tx4 -N4 | tr -d ' ')
	echo "$crc $(wc -c <"$tmp/src/$f") $f"
done <"$tmp/list" >"$tmp/MANIFEST"

rm -f "$out.tmp"
mkfs.vfat -C -F 16 -i 4e4f4f4b -n NOOKSFAT "$out.tmp" 32768 >/dev/null || die "mkfs.vfat failed"
mcopy -i "$out.tmp" "$tmp/src.tar" "$tmp/MANIFEST" :: || die "mcopy failed"
mv "$out.tmp" "$out"
echo "make-fat-image: $out: $(wc -l <"$tmp/MANIFEST") files, $(wc -c <"$tmp/src.tar") bytes of tar"
