#!/bin/sh
# test_workload_netdev.sh - the netdev workload on the stock NIC drivers:
# passes on e1000, pcnet32 and 8139cp; a link forced down mid-stream and a
# missing peer NIC are detected (functional failure / set-up error).
. "$(dirname "$0")/lib.sh"

result() { grep '"event":"result"' "$1"; }

for nic in e1000 pcnet rtl8139; do
	"$NOOKS" workload run netdev --nic $nic --out "$T_TMP/$nic" --timeout 120 \
		>"$T_TMP/$nic.out" 2>&1; rc=$?
	expect_eq "netdev on $nic passes" 0 "$rc"
	[ "$rc" = 0 ] || { tail -n 5 "$T_TMP/$nic.out"; tail -n 20 "$T_TMP/$nic/vm/console.log"; } | sed 's/^/  | /'
	expect_match "netdev on $nic: every byte intact both ways" \
		'"pass":true.*"send_crc32":"[0-9a-f]{8}".*"recv_MBps"' "$(result "$T_TMP/$nic.out")"
done

# Link forced down as soon as the send stream starts: must fail, not pass.
down='set -o pipefail; dut=; for i in /sys/class/net/*; do
  [ "$(basename "$(readlink $i/device/driver)")" = e1000 ] && dut=${i##*/}; done
wl-netdev --bytes 268435456 --deadline 30 | while read -r l; do echo "$l";
  case "$l" in *\"phase\":\"send\"*) ip link set "$dut" down;; esac; done'
"$NOOKS" vm run --out "$T_TMP/down" --device e1000 --device virtio-net --timeout 90 \
	--cmd "$down" >"$T_TMP/down.out" 2>&1; rc=$?
expect_eq "link forced down: workload fails (exit 1)" 1 "$rc"
expect_match "link forced down: result says why" '"pass":false.*"reason":"(deadline exceeded in phase send|send: )' \
	"$(result "$T_TMP/down.out")"

# No virtio-net peer: a set-up error (2), not a functional failure.
"$NOOKS" vm run --out "$T_TMP/nopeer" --device e1000 --timeout 60 --cmd 'wl-netdev' \
	>"$T_TMP/nopeer.out" 2>&1; rc=$?
expect_eq "missing peer NIC exits 2" 2 "$rc"
expect_match "missing peer NIC is named" '"infra":true,"reason":"no virtio-net peer' \
	"$(result "$T_TMP/nopeer.out")"

"$NOOKS" workload run netdev -- --bogus 1 >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "unknown workload parameter exits 2" 2 "$rc"
expect_match "unknown parameter is named" "unknown parameter '--bogus' for workload 'netdev'" "$(cat "$T_TMP/err")"
no_qemu_left "no qemu left"
finish
