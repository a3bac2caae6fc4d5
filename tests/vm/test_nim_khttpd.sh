#!/bin/sh
# test_nim_khttpd.sh - kHTTPd (kmod/khttpd: kernel sockets, a listener
# kthread, one worker kthread per connection) isolated by `nooks isolate`
# runs under nooks.ko: it serves wl-khttpd (e1000 native, virtio-net peer)
# with no fault detected; a fault injected into a worker thread (fault_next
# worker_fn: the next connection's worker faults in kthread context) is
# caught with oops=panic panic_on_oops=1 and the client redoes the GET it
# broke once the server is back; recovery wakes and unwinds the
# listener and workers blocked in accept/recvmsg/schedule, releases their
# sockets and memory and re-runs init; the server listens again and
# serves wl-khttpd, twice in a row; rmmod reports nothing outstanding.
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
"$NOOKS" isolate "$KMOD/khttpd/khttpd.ko" -o "$T_TMP/khttpd.ko" >/dev/null; rc=$?
expect_eq "nooks isolate khttpd.ko" 0 "$rc"

cat >"$T_TMP/run.sh" <<EOS
wl() { wait_peer; wl-khttpd --requests 40 --conns 2 --unload 0 >/tmp/wl.out 2>&1; echo \$?; }
clean_runs $RUNS
echo worker_fn > /sys/kernel/nooks/fault_next
echo "FAULTY \$(wl)"		# its first connection's worker faults
grep -o '"retries":[0-9]*' /tmp/wl.out | sed 's/^/FRETRY /'
wait_recoveries 1
echo "RECOVERIES \$(cat /sys/kernel/nooks/recoveries)"
echo "DOMAIN \$(cat /sys/kernel/nooks/domains)"
echo "AFTER \$(wl) \$(wl)"
tail -n 1 /tmp/wl.out | cut -c1-200 | sed 's/^/LAST /'
dmesg | grep 'nooks: \(fault\|recovered\|check\)' | sed 's/^\[[ 0-9.]*\] //'
rmmod khttpd && echo "RMMOD ok"
dmesg | grep 'khttpd: unloaded' | sed 's/^\[[ 0-9.]*\] //'
EOS
nim_nic_vm "$T_TMP/r1" 170 "$T_TMP/khttpd.ko" e1000 "$T_TMP/run.sh"
expect_eq "guest ok" 0 "$rc"
expect_eq "wl-khttpd passed every clean run" "CLEAN $RUNS" "$(out_lines CLEAN)"
expect_eq "no fault detected in clean runs" "FAULTS 0" "$(out_lines FAULTS)"
# the client redoes the GET the fault broke (and reopens a connection
# refused during the restart) once the NIM restarted the server
expect_eq "the faulty run passes: the client redoes what the restart broke" \
	"FAULTY 0" "$(out_lines FAULTY)"
expect_match "the faulty run redid requests after the restart" '^FRETRY "retries":[1-9]' "$out"
expect_match "fault in the worker kthread detected" \
	"nooks: $(injected_fault_re khttpd process)" "$out"
expect_eq "fault recovered" "RECOVERIES 1" "$(out_lines RECOVERIES)"
expect_match "domain running again" "^DOMAIN khttpd running 1 1 " "$out"
expect_eq "server serves again after the recovery (2 runs)" "AFTER 0 0" "$(out_lines AFTER)"
expect_match "recovery event with latency" "recovered domain=khttpd .*latency_us=[0-9]+ .*recoveries=1" "$out"
expect_match "rmmod after recovery" "RMMOD ok" "$out"
expect_match "unload: nothing outstanding" "khttpd: unloaded: .*outstanding: 0 connections, 0 buffers" "$out"
printf '%s\n' "$out" | grep 'recovered domain\|^LAST\|unloaded' | sed 's/^/# /'
console_clean "no oops or warning on the console" "$T_TMP/r1/console.log"
no_qemu_left "no qemu left"
finish
