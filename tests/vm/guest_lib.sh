# guest_lib.sh - guest-side shell helpers of the NIM tests (busybox sh in
# the guest; not a test itself).  tests/vm/lib.sh guest_cmd puts this file
# in front of a test's guest script.

# wait_peer: the virtio-net peer is bound to its driver (again after a
# namespace it was moved into died); 60 s at most.
wait_peer() {
	i=0
	until ls -l /sys/class/net/*/device/driver 2>/dev/null | grep -q virtio_net; do
		i=$((i + 1)); [ $i -gt 1200 ] && return 1; sleep 0.05
	done
}

# wait_running: the self-test's domain is running (again after a recovery);
# 10 s at most, else print the domains and fail.
wait_running() {
	i=0
	while ! grep -q '^nooks_selftest running' /sys/kernel/nooks/domains; do
		i=$((i + 1)); [ $i -gt 200 ] && { echo "not running: $(cat /sys/kernel/nooks/domains)"; return 1; }
		sleep 0.05
	done
}

# selftest_counts: once the self-test runs again, a clean call ("T clean
# rc=0"), then the NIM's counters ("FAULTS n", "RECOVERIES n").
selftest_counts() {
	wait_running
	echo heap_write@work > /sys/module/nooks_selftest/parameters/fault; echo "T clean rc=$?"
	echo "FAULTS $(cat /sys/kernel/nooks/faults)"
	echo "RECOVERIES $(cat /sys/kernel/nooks/recoveries)"
}

# wait_recoveries N: /sys/kernel/nooks/recoveries reached N; 60 s at most.
wait_recoveries() {
	i=0
	until [ "$(cat /sys/kernel/nooks/recoveries)" -ge "$1" ]; do
		i=$((i + 1)); [ $i -gt 1200 ] && return 1; sleep 0.05
	done
}

# clean_runs N: run the test's wl() N times (it prints its exit status,
# output in /tmp/wl.out); print the last output line of each failed run,
# then "CLEAN <runs that passed>" and "FAULTS <the NIM's fault count>".
clean_runs() {
	n=0
	for r in $(seq 1 "$1"); do
		[ "$(wl)" = 0 ] && n=$((n + 1)) || tail -n 1 /tmp/wl.out
	done
	echo "CLEAN $n"
	echo "FAULTS $(cat /sys/kernel/nooks/faults)"
}
