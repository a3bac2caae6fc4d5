#!/bin/sh
# bench-workloads.sh - throughput of each workload in bench mode on the stock
# drivers (one guest per workload, TCG), printed as a table.  Figures only:
# nothing here asserts a speed.  The "native" column is the stock driver;
# the NIM adds a "nooks" column later.
#   usage: scripts/bench-workloads.sh [--nic e1000|pcnet|rtl8139]
set -eu
cd "$(dirname "$0")/.."
nic=e1000
[ "${1:-}" = --nic ] && nic=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# metric FILE KEY: the number after "KEY": in the result line
metric() {
	grep '"event":"result"' "$1" | grep -o "\"$2\":[0-9.]*" | cut -d: -f2
}

run() { # NAME ARGS...
	name=$1; shift
	if ! bin/nooks workload run "$name" --out "$tmp/$name" --timeout 600 "$@" \
		>"$tmp/$name.out" 2>&1; then
		echo "bench-workloads: $name failed: $(grep '"event":"result"' "$tmp/$name.out" |
			grep -o '"reason":"[^"]*"')" >&2
	fi
}

run netdev --nic "$nic" -- --mode bench
run vfat -- --mode bench
run khttpd --nic "$nic" -- --mode bench --unload 0

printf '%-8s %-26s %12s\n' workload metric native
row() { printf '%-8s %-26s %12s\n' "$1" "$2" "${3:-n/a}"; }
row netdev "send MB/s ($nic)" "$(metric "$tmp/netdev.out" send_MBps)"
row netdev "send packets/s" "$(metric "$tmp/netdev.out" send_pps)"
row netdev "receive MB/s" "$(metric "$tmp/netdev.out" recv_MBps)"
row netdev "receive packets/s" "$(metric "$tmp/netdev.out" recv_pps)"
row netdev "ping rtt us" "$(metric "$tmp/netdev.out" ping_rtt_us)"
row vfat "file ops/s" "$(metric "$tmp/vfat.out" ops_per_s)"
row khttpd "requests/s ($nic, mix)" "$(metric "$tmp/khttpd.out" req_per_s)"
row khttpd "MB/s" "$(metric "$tmp/khttpd.out" MBps)"
