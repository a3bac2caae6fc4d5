#!/bin/sh
# bench-xpc.sh - XPC cost microbenchmark: cycles per null XPC round trip
# into the isolated self-test, without (stage 1) and with (stage 2)
# protection domains, next to a plain indirect call.  One guest boot; the
# figures are TSC cycles under TCG (QEMU's soft TLB flush dominates the
# domain switch: see docs/NIM.md "Stage 2").  Usage: bench-xpc.sh [N]
set -e
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-20000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$TOP/bin/nooks" isolate "$TOP/build/kmod/selftest/nooks_selftest.ko" -o "$tmp/st.ko" >/dev/null
cmd="B=/sys/module/nooks/parameters/bench_xpc
echo $N > \$B && echo \"domains=0 \$(cat \$B)\"
rmmod nooks_selftest && echo 1 > /sys/module/nooks/parameters/domains && insmod /trial/modules/*-st.ko
echo $N > \$B && echo \"domains=1 \$(cat \$B)\"
echo 1 > /sys/module/nooks/parameters/pd_pge_restore
echo $N > \$B && echo \"domains=1,pge_restore \$(cat \$B)\""
out=$("$TOP/bin/nooks" vm run --out "$tmp/vm" --timeout 300 --module "$TOP/build/kmod/nooks/nooks.ko" \
	--module "$tmp/st.ko" --cmd "$cmd" 2>"$tmp/err")
printf '%s\n' "$out" | grep '^domains=' >"$tmp/res" || { printf '%s\n' "$out"; exit 1; }
tsc=$(grep -o 'Refined TSC clocksource calibration: [0-9.]* MHz' "$tmp/vm/console.log" | grep -o '[0-9.]* MHz' || true)
echo "XPC round trips: N=$N per mode, TCG -cpu max, TSC ${tsc:-unknown}"
printf '%-22s %14s %14s\n' mode direct_cycles xpc_cycles
while read -r mode xp dom d x s; do
	printf '%-22s %14s %14s\n' "$mode" "${d#direct_cycles=}" "${x#xpc_cycles=}"
done <"$tmp/res"
