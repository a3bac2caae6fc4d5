#!/bin/sh
# test_nim_khttpd.sh - kHTTPd (kmod/khttpd: kernel sockets, a listener
# kthread, one worker kthread per connection) isolated by `nooks isolate`
# runs under nooks.ko: it serves wl-khttpd (e1000 native, virtio-net peer)
# with no fault detected; a fault injected into a worker thread (fault_next
# worker_fn: the next connection's worker faults in kthread context) is
# caught with oops=panic panic_on_oops=1; recovery wakes and unwinds the
# listener and workers blocked in accept/recvmsg/schedule, releases their
# sockets and memory and re-runs init; the server listens again and
# serves wl-khttpd, twice in a row; rmmod reports nothing outstanding.
. "$(dirname "$0")/lib.sh"

NIM="$KMOD/nooks/nooks.ko"
RUNS=${RUNS:-5}
"$NOOKS" isolate "$KMOD/khttpd/khttpd.ko" -o "$T_TMP/khttpd.ko" >/dev/null; rc=$?
expect_eq "nooks isolate khttpd.ko" 0 "$rc"

cat >"$T_TMP/run.sh" <<EOS
wait_peer() {
	i=0
	until ls -l /sys/class/net/*/device/driver 2>/dev/null | grep -q virtio_net; do
		i=\$((i + 1)); [ \$i -gt 1200 ] && return 1; sleep 0.05
	done
}
wl() { wait_peer; wl-khttpd --requests 40 --conns 2 --unload 0 >/tmp/wl.out 2>&1; echo \$?; }
n=0
for r in \$(seq 1 $RUNS); do
	[ "\$(wl)" = 0 ] && n=\$((n + 1)) || tail -n 1 /tmp/wl.out
done
echo "CLEAN \$n"
echo "FAULTS \$(cat /sys/kernel/nooks/faults)"
echo worker_fn > /sys/kernel/nooks/fault_next
echo "FAULTY \$(wl)"		# its first connection's worker faults
i=0
until [ "\$(cat /sys/kernel/nooks/recoveries)" -ge 1 ]; do
	i=\$((i + 1)); [ \$i -gt 1200 ] && break; sleep 0.05
done
echo "RECOVERIES \$(cat /sys/kernel/nooks/recoveries)"
echo "DOMAIN \$(cat /sys/kernel/nooks/domains)"
echo "AFTER \$(wl) \$(wl)"
tail -n 1 /tmp/wl.out | cut -c1-200 | sed 's/^/LAST /'
dmesg | grep 'nooks: \(fault\|recovered\|check\)' | sed 's/^\[[ 0-9.]*\] //'
rmmod khttpd && echo "RMMOD ok"
dmesg | grep 'khttpd: unloaded' | sed 's/^\[[ 0-9.]*\] //'
EOS
out=$("$NOOKS" vm run --out "$T_TMP/r1" --timeout 170 --module "$NIM" --module "$T_TMP/khttpd.ko" \
	--device e1000 --device virtio-net --append "oops=panic panic_on_oops=1" \
	--cmd "$(cat "$T_TMP/run.sh")" 2>/dev/null); rc=$?
expect_eq "guest ok" 0 "$rc"
expect_eq "wl-khttpd passed every clean run" "CLEAN $RUNS" "$(printf '%s\n' "$out" | grep '^CLEAN')"
expect_eq "no fault detected in clean runs" "FAULTS 0" "$(printf '%s\n' "$out" | grep '^FAULTS')"
expect_eq "the faulty run fails (recovery is not transparent)" "FAULTY 1" "$(printf '%s\n' "$out" | grep '^FAULTY')"
expect_match "fault in the worker kthread detected" \
	"nooks: fault domain=khttpd kind=page_fault ip=nooks_injected_fault.* ctx=process state=failed" "$out"
expect_eq "fault recovered" "RECOVERIES 1" "$(printf '%s\n' "$out" | grep '^RECOVERIES')"
expect_match "domain running again" "^DOMAIN khttpd running 1 1 " "$out"
expect_eq "server serves again after the recovery (2 runs)" "AFTER 0 0" "$(printf '%s\n' "$out" | grep '^AFTER')"
expect_match "recovery event with latency" "recovered domain=khttpd .*latency_us=[0-9]+ .*recoveries=1" "$out"
expect_match "rmmod after recovery" "RMMOD ok" "$out"
expect_match "unload: nothing outstanding" "khttpd: unloaded: .*outstanding: 0 connections, 0 buffers" "$out"
printf '%s\n' "$out" | grep 'recovered domain\|^LAST\|unloaded' | sed 's/^/# /'
console_clean "no oops or warning on the console" "$T_TMP/r1/console.log"
no_qemu_left "no qemu left"
finish
