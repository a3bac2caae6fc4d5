#!/bin/sh
# install-deps.sh - install the Debian packages the build and tests need.
#
# Idempotent and quiet when everything is present.  As root it apt-installs
# what is missing; as non-root it prints one line naming what to install and
# exits non-zero.  The guest kernel is NOT installed here (vm-images/ fetches
# it with apt-get download and never installs it on the host), nor are its
# headers: vm-images/fetch-kernel.sh installs exactly the linux-headers
# package of the kernel that vm-images/kernel.lock names.  clang-14 and
# libclang-rt-14-dev (libFuzzer, sanitizer runtimes) build the fuzz targets
# (make fuzz, docs/FUZZ.md).  libbpf-dev reads the kernel's BTF (nooks btf);
# dwarves (pahole) adds BTF to the module test_btf.sh builds.
# python3-jsonschema validates `nooks export --kcidb` against the KCIDB
# schema; slurmctld, slurmd, slurm-client and munge run the single-node
# Slurm cluster tests/vm/test_slurm.sh starts and stops itself (the
# packages' own services are not used).
set -eu

# $NOOKS_DEPS overrides the list (used by the tests to exercise the paths).
PKGS=${NOOKS_DEPS:-"build-essential pkg-config git make gcc
qemu-system-x86 busybox-static kmod cpio xz-utils zstd dosfstools mtools
libsqlite3-dev sqlite3 libjson-c-dev libcmocka-dev libelf-dev libzydis-dev
libzstd-dev zlib1g-dev libarchive-dev binutils elfutils iproute2 file
chromium python3 jq clang-14 libclang-rt-14-dev libbpf-dev dwarves
python3-jsonschema slurmctld slurmd slurm-client munge"}

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages, run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing$missing"
# Refresh the lists once if they are absent or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	apt-get update -qq || { echo "install-deps: apt-get update failed" >&2; exit 1; }
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/tmp/nooks-install-deps.log 2>&1 || {
	echo "install-deps: apt-get install failed (log: /tmp/nooks-install-deps.log)" >&2
	exit 1
}
