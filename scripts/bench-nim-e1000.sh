#!/bin/sh
# bench-nim-e1000.sh - native vs NIM-isolated stock e1000: ping RTT
# (100 pings, 50 ms apart) and 16 MiB over HTTP in each direction
# (busybox httpd + wget, bytes counted) from eth0 to
# the virtio-net peer in another netns; then the recovery latency of 5
# injected faults (fault_next hook) split into quiesce/release/init.
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
for mode in ${MODES:-native nooks}; do
	if [ $mode = native ]; then
		args=""
	else
		args="--module kmod/nooks/nooks.ko --module $T/e1000.ko"
	fi
	echo "== e1000 $mode"
	bin/nooks vm run --timeout 120 $args --device e1000 --device virtio-net \
		--cmd "$(cat "$T/run.sh")" 2>/dev/null | grep -E '^(RTT|TCP|NO)'
done
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
bin/nooks vm run --timeout 120 --module kmod/nooks/nooks.ko --module "$T/e1000.ko" \
	--device e1000 --device virtio-net --cmd "$(cat "$T/rec.sh")" 2>/dev/null
exit 0
