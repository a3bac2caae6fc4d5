#!/bin/sh
# build-kernel.sh - build everything that depends on the guest kernel, for
# the kernel that fetch-kernel.sh resolves (kernel.lock, $NOOKS_KERNEL or the
# fallback), into a directory of its own:
#
#   BUILD/k/<KVER>/kernel.env    what fetch-kernel.sh resolved
#   BUILD/k/<KVER>/exports.json  the kernel's exports and their BTF
#                                prototypes (nooks btf exports)
#   BUILD/k/<KVER>/kmod/<name>/  kmod/<name> built against its headers
#                                (the sources are symlinked; kbuild's
#                                objects stay here, so each kernel keeps
#                                its own and rebuilds only what changed)
#   BUILD/k/<KVER>/image/        build-image.sh's guest image
#   BUILD/k/<KVER>/snapshots/    parked guests (harness/vm/snapshot.c)
#
# Images of several kernels live side by side; switching back to one that
# was built rebuilds nothing.  With --select, BUILD/image, BUILD/kmod and
# BUILD/kernel.env are then pointed at this kernel: the default of every
# `nooks` command, script and test.
#
# Usage: build-kernel.sh [--select] BUILD
set -eu
die() { echo "build-kernel: $*" >&2; exit 1; }
select=0
[ "${1:-}" = --select ] && { select=1; shift; }
[ $# -eq 1 ] || die "usage: build-kernel.sh [--select] BUILD"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
mkdir -p "$1/k"
build=$(cd "$1" && pwd)

envtmp=$(mktemp "$build/k/kernel.env.XXXXXX")
trap 'rm -f "$envtmp" ${exports:+"$exports.new"}' EXIT
"$here/fetch-kernel.sh" "$envtmp"
. "$envtmp"
kd="$build/k/$KVER"
mkdir -p "$kd/kmod"
if cmp -s "$envtmp" "$kd/kernel.env"; then rm -f "$envtmp"; else mv "$envtmp" "$kd/kernel.env"; fi

# The kernel's exports with their BTF prototypes: what the NIM's wrappers
# are generated from (kmod/nooks/wrappers/gen.py --exports).
exports="$kd/exports.json"
"$top/bin/nooks" btf exports --vmlinux "$KVMLINUX" --symvers "$KHDR/Module.symvers" \
	--modules "$KROOT/lib/modules/$KVER" -o "$exports.new" >/dev/null ||
	die "cannot write the export table of $KVER"
# replaced only when it changed: nooks.ko is rebuilt from it
if cmp -s "$exports.new" "$exports"; then rm -f "$exports.new"; else mv "$exports.new" "$exports"; fi

# Our modules: a directory per kernel whose sources are symlinks to kmod/.
kos=""
for kb in "$top"/kmod/*/Kbuild; do
	src=$(dirname "$kb") name=$(basename "$(dirname "$kb")")
	obj="$kd/kmod/$name"
	mkdir -p "$obj"
	for f in "$src"/*; do
		case "$f" in	# sources only: no output of an in-tree build
		*.mod.c|*_gen.c) continue ;;
		*.c|*.h|*.S|*/Kbuild) ;;
		*) [ -d "$f" ] || continue ;;
		esac
		t="$obj/$(basename "$f")"
		[ "$(readlink "$t" 2>/dev/null)" = "$f" ] || ln -sfn "$f" "$t"
	done
	for t in "$obj"/*; do	# sources removed from kmod/
		if [ -L "$t" ] && [ ! -e "$t" ]; then rm -f "$t"; fi
	done
	log="$obj/.build.log"
	if ! make --no-print-directory -s -C "$KHDR" M="$obj" NOOKS_EXPORTS="$exports" \
		modules >"$log" 2>&1; then
		cat "$log" >&2
		die "building kmod/$name against $KVER failed"
	fi
	grep -v '^Skipping BTF generation' "$log" >&2 || true
	[ -f "$obj/Module.symvers" ] || die "building kmod/$name against $KVER made no Module.symvers"
	kos="$kos $(ls "$obj"/*.ko | tr '\n' ' ')"
done

# shellcheck disable=SC2086
"$here/build-image.sh" "$kd/kernel.env" "$kd/image" $kos

if [ "$select" = 1 ]; then
	for l in image kmod; do	# a tree from before per-kernel builds
		if [ -e "$build/$l" ] && [ ! -L "$build/$l" ]; then rm -rf "${build:?}/$l"; fi
	done
	ln -sfn "k/$KVER/image" "$build/image.new" && mv -T "$build/image.new" "$build/image"
	ln -sfn "k/$KVER/kmod" "$build/kmod.new" && mv -T "$build/kmod.new" "$build/kmod"
	cmp -s "$kd/kernel.env" "$build/kernel.env" || cp "$kd/kernel.env" "$build/kernel.env"
fi
