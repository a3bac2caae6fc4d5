# nim_net.sh - guest-side helpers for the e1000 NIM tests (sourced by the
# command run in the guest, not a test itself).  Puts the virtio-net peer
# in its own network namespace (10.9.0.2) and configures eth0 (10.9.0.1).
peer=""
for n in /sys/class/net/*; do
	drv=$(readlink "$n/device/driver" 2>/dev/null)
	[ "${drv##*/}" = virtio_net ] && peer=${n##*/}
done
unshare -n sleep 100000 &
NS=$!
sleep 0.2
ip link set "$peer" netns $NS
nsenter -t $NS -n ip addr add 10.9.0.2/24 dev "$peer"
nsenter -t $NS -n ip link set "$peer" up
nsenter -t $NS -n ip link set lo up

# up_e1000: wait for eth0 (it is re-registered after a recovery), address
# it, bring it up and wait for the carrier.
up_e1000() {
	i=0
	until [ -e /sys/class/net/eth0 ]; do
		i=$((i + 1)); [ $i -gt 200 ] && return 1; sleep 0.05
	done
	ip addr add 10.9.0.1/24 dev eth0 2>/dev/null
	ip link set eth0 up || return 1
	i=0
	until [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ]; do
		i=$((i + 1)); [ $i -gt 200 ] && return 1; sleep 0.05
	done
}

# ping_ok N: N pings eth0 -> peer; prints "ok" if none was lost
ping_ok() {
	ping -c "$1" -i 0.1 -W 2 10.9.0.2 >/tmp/ping.out 2>&1
	if grep -q " 0% packet loss" /tmp/ping.out; then echo ok; else echo "lost($(grep -o '[0-9]*% packet loss' /tmp/ping.out))"; fi
}

# wait_recovered N: wait until /sys/kernel/nooks/recoveries reaches N
wait_recovered() {
	i=0
	until [ "$(cat /sys/kernel/nooks/recoveries)" -ge "$1" ]; do
		i=$((i + 1)); [ $i -gt 300 ] && return 1; sleep 0.05
	done
}
