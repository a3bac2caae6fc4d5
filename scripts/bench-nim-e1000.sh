#!/bin/sh
# bench-nim-e1000.sh - native vs NIM-isolated stock e1000 (nooks) vs
# NIM-isolated with page-table protection domains (domains: nooks.ko
# domains=1, stage 2): ping RTT (100 pings, 50 ms apart) and 16 MiB over
# HTTP in each direction (busybox httpd + wget, bytes counted) from eth0 to
# the virtio-net peer in another netns, then a table with the nooks/native
# and domains/native ratios; then the recovery latency of 5 injected faults
# (fault_next hook) split into quiesce/release/init.
# MODES="native nooks" limits the modes.  A mode that fails (e1000 does not
# load or does not get a domain, no carrier, the guest dies) prints FAILED
# with the reason and "n/a" in the table, never a figure.
# Prints figures; asserts nothing.
set -u
cd "$(dirname "$0")/.."
E1000=build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
bin/nooks isolate "$E1000" -o "$T/e1000.ko" >/dev/null || exit 1
cat tests/vm/nim_net.sh >"$T/run.sh"
cat >>"$T/run.sh" <<'EOS'
up_e1000 || echo "NO CARRIER"
ping -c 3 -W 2 10.9.0.2 >/dev/null
echo "RTT $(ping -c 100 -i 0.05 -W 2 10.9.0.2 | tail -1)"
mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/f bs=64k count=256 2>/dev/null
httpd -p 8080 -h /tmp/www
nsenter -t $NS -n httpd -p 8081 -h /tmp/www
sleep 0.3
xfer() {	# xfer LABEL CMD...: time a wget, print bytes and rate
	l=$1; shift
	s=$(cut -d' ' -f1 /proc/uptime)
	"$@" 2>/dev/null | wc -c > /tmp/n
	e=$(cut -d' ' -f1 /proc/uptime)
	echo "TCP $l $(cat /tmp/n) bytes in $(awk "BEGIN{printf \"%.2f s = %.1f Mbit/s\", $e-$s, $(cat /tmp/n)*8/1e6/($e-$s)}")"
}
xfer rx wget -q -O - http://10.9.0.2:8081/f
xfer tx nsenter -t $NS -n wget -q -O - http://10.9.0.1:8080/f
EOS
# domains: the extension's domain is built when it loads, so reload the
# isolated e1000 after turning domains on; no pd_create line = no domain.
cat >"$T/dom.sh" <<'EOS'
rmmod e1000 || echo "NO DOMAIN: rmmod e1000 failed"
echo 1 > /sys/module/nooks/parameters/domains || echo "NO DOMAIN: no domains parameter"
insmod /trial/modules/*-e1000.ko || echo "NO DOMAIN: insmod of the isolated e1000 failed"
dmesg | grep -q 'nooks: pd_create domain=e1000' || echo "NO DOMAIN: no 'nooks: pd_create domain=e1000'"
EOS
MODES=${MODES:-native nooks domains}
for mode in $MODES; do
	cmd=$(cat "$T/run.sh")
	case $mode in
	native) args="" ;;
	nooks) args="--module build/kmod/nooks/nooks.ko --module $T/e1000.ko" ;;
	domains) args="--module build/kmod/nooks/nooks.ko --module $T/e1000.ko"
		cmd=$(cat "$T/dom.sh" "$T/run.sh") ;;
	*) echo "unknown mode '$mode' (known: native nooks domains)" >&2; exit 2 ;;
	esac
	echo "== e1000 $mode"
	bin/nooks vm run --timeout 150 $args --device e1000 --device virtio-net \
		--cmd "$cmd" >"$T/$mode.out" 2>"$T/$mode.err"
	rc=$?
	grep -E '^(RTT|TCP|NO)' "$T/$mode.out"
	if [ $rc -ne 0 ] || grep -qE '^NO' "$T/$mode.out" ||
	   [ "$(grep -cE '^(RTT round-trip|TCP (rx|tx) [1-9])' "$T/$mode.out")" -ne 3 ]; then
		echo "FAILED e1000 $mode: exit $rc ($(case $rc in 124) echo timeout;;
			125) echo 'a module failed to load';; 126) echo 'guest died';;
			0) echo 'the guest ran, the mode did not work: lines above';; *) echo error;;
			esac)); last NIM/kernel lines:"
		con=$(sed -n 's/^nooks: console log: //p' "$T/$mode.err" | tail -1)
		grep -hE 'nooks:|BUG|Oops|error' "$T/$mode.out" ${con:+"$con"} 2>/dev/null |
			grep -v 'console log:' | tail -6 | sed 's/^/    /'
		: >"$T/$mode.fig"
		continue
	fi
	# figures: rtt_avg_ms rx_mbit tx_mbit
	awk '/^RTT/ { split($0, a, "= "); split(a[2], r, "/"); rtt = r[2] }
	     /^TCP rx/ { rx = $(NF - 1) } /^TCP tx/ { tx = $(NF - 1) }
	     END { print rtt, rx, tx }' "$T/$mode.out" >"$T/$mode.fig"
done
echo "== netdev figures (TCG; n/a: the mode failed or did not run)"
for mode in native nooks domains; do [ -e "$T/$mode.fig" ] || : >"$T/$mode.fig"; done
paste -d' ' "$T/native.fig" "$T/nooks.fig" "$T/domains.fig" | awk -v nn="$(wc -w <"$T/native.fig")" \
	-v nk="$(wc -w <"$T/nooks.fig")" -v nd="$(wc -w <"$T/domains.fig")" '
function fig(ok, v) { return ok ? sprintf("%.2f", v) : "n/a" }
function ratio(ok1, a, ok2, b) { return ok1 && ok2 && b > 0 ? sprintf("%.2f", a / b) : "n/a" }
{
	split("rtt_avg_ms rx_mbit_s tx_mbit_s", name, " ")
	i = 1
	if (nn == 3) { for (k = 1; k <= 3; k++) n[k] = $(i++) }
	if (nk == 3) { for (k = 1; k <= 3; k++) o[k] = $(i++) }
	if (nd == 3) { for (k = 1; k <= 3; k++) d[k] = $(i++) }
	printf "%-12s %9s %9s %9s %13s %15s\n", "metric", "native", "nooks", "domains",
		"nooks/native", "domains/native"
	for (k = 1; k <= 3; k++)
		printf "%-12s %9s %9s %9s %13s %15s\n", name[k], fig(nn == 3, n[k]),
			fig(nk == 3, o[k]), fig(nd == 3, d[k]), ratio(nk == 3, o[k], nn == 3, n[k]),
			ratio(nd == 3, d[k], nn == 3, n[k])
}'
[ -z "${SKIP_RECOVERY:-}" ] || exit 0
echo "== recovery latency (5 faults: NAPI poll, IRQ handler, xmit, watchdog, xmit)"
cat tests/vm/nim_net.sh >"$T/rec.sh"
cat >>"$T/rec.sh" <<'EOS'
up_e1000; ping -c 2 -W 2 10.9.0.2 >/dev/null
k=0
for t in e1000_clean e1000_intr e1000_xmit_frame e1000_watchdog e1000_xmit_frame; do
	echo $t > /sys/kernel/nooks/fault_next
	ping -c 2 -i 0.2 -W 1 10.9.0.2 >/dev/null 2>&1
	k=$((k + 1)); wait_recovered $k; up_e1000; ping -c 2 -W 2 10.9.0.2 >/dev/null
done
dmesg | grep 'nooks: recovered' | sed 's/^.*latency_us/latency_us/'
EOS
bin/nooks vm run --timeout 120 --module build/kmod/nooks/nooks.ko --module "$T/e1000.ko" \
	--device e1000 --device virtio-net --cmd "$(cat "$T/rec.sh")" 2>/dev/null
exit 0
