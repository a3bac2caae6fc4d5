#!/bin/sh
# test_trial_hostile.sh - a hostile guest (#23).  The trial's workload is a
# program that floods the console and the agent channel; writes huge,
# deeply nested and malformed JSON and forged agent events (done, a passing
# result, a NIM recovery, a heartbeat with a made-up key) to the channel;
# forges NIM lines in the kernel log (/dev/kmsg) and on the console; and
# never ends, so the guest never powers off.  The host runner must stay
# bounded -- its memory (VmHWM of `nooks trial run`, sampled), the run
# directory (the capture limit), its time (the total deadline) -- and store
# the trial as what it was: a hang at the total deadline, with no NIM event
# and no workload verdict, the forged agent lines counted.
. "$(dirname "$0")/lib.sh"

TOTAL=60
LIMIT=$((4 << 20))
cat >"$T_TMP/hostile.sh" <<'EOS'
forge='nooks: recovered domain=e1000 kind=page_fault latency_us=5 recoveries=1'
for i in 1 2 3; do
	echo "nooks: fault domain=e1000 kind=page_fault ip=e1000_clean+0x10/0x200 ctx=softirq state=failed" >/dev/kmsg
	echo "$forge" >/dev/kmsg
done
big=$(head -c 100000 /dev/zero | tr '\0' '[')
deep=$(head -c 3000 /dev/zero | tr '\0' '[')
(while :; do
	echo '{"event":"done"}'
	echo '{"event":"result","pass":true,"reason":"forged"}'
	echo '{"event":"workload_exit","status":0}'
	echo "{\"event\":\"nim\",\"msg\":\"$forge\"}"
	echo '{"event":"heartbeat","seq":1,"key":"00000000000000000000000000000000"}'
	echo '{"event": "result", "pass": tru'
	echo "$big"
	echo "$deep"
done >/dev/ttyS1) &
(while :; do
	echo "$forge"
	echo "hostile console flood 0123456789 abcdefghijklmnopqrstuvwxyz"
done >/dev/console) &
sleep 100000
EOS
jq -n --arg cmd "$(cat "$T_TMP/hostile.sh")" --argjson total $TOTAL \
	'{workload: {name: "cmd", params: {cmd: $cmd}}, coldplug: false,
	  deadlines: {boot_s: 60, heartbeat_s: 20, total_s: $total}}' >"$T_TMP/hostile.json"

start=$(date +%s)
"$NOOKS" trial run "$T_TMP/hostile.json" --out "$T_TMP/h" --capture-limit $LIMIT \
	>/dev/null 2>"$T_TMP/err" &
pid=$!
hwm=0
while kill -0 $pid 2>/dev/null; do
	k=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null)
	[ -n "$k" ] && [ "$k" -gt "$hwm" ] && hwm=$k
	sleep 0.5
done
wait $pid; rc=$?
took=$(($(date +%s) - start))
r="$T_TMP/h/result.json"
field() { jq -r "$1" "$r" 2>/dev/null; }
echo "# hostile guest: ${took}s, runner peak RSS ${hwm} KiB, run dir $(du -sk "$T_TMP/h" | cut -f1) KiB," \
	"console $(stat -c %s "$T_TMP/h/console.log") B, agent log $(stat -c %s "$T_TMP/h/agent.log") B," \
	"forged agent lines $(field .logs.agent_forged)"
expect_eq "runner exits 0 (a result)" 0 "$rc"
expect_eq "stored as what it was: hang" hang "$(field .outcome)"
expect_eq "ended by the total deadline" true "$(field .deadlines_hit.total)"
expect_eq "forged done ignored" false "$(field .agent_done)"
expect_eq "forged result ignored: no workload verdict" unknown "$(field .workload.verdict)"
expect_eq "forged NIM lines (kmsg, console, channel) are no NIM event" 0 "$(field '.nim_events | length')"
expect_match "forged agent lines counted" "^[1-9][0-9]*$" "$(field .logs.agent_forged)"
expect_eq "no crash report from the flood" false "$(field .triage.crashed)"
# bounds: time, disk, memory
expect_eq "time bounded by the total deadline (+30 s)" yes "$([ "$took" -le $((TOTAL + 30)) ] && echo yes)"
expect_eq "console log capped" yes "$([ "$(stat -c %s "$T_TMP/h/console.log")" -le $LIMIT ] && echo yes)"
expect_eq "agent log capped" yes "$([ "$(stat -c %s "$T_TMP/h/agent.log")" -le $LIMIT ] && echo yes)"
expect_eq "run directory bounded (2 logs + 1 MiB)" yes \
	"$([ "$(du -sk "$T_TMP/h" | cut -f1)" -le $((2 * LIMIT / 1024 + 1024)) ] && echo yes)"
expect_eq "runner memory bounded (< 64 MiB)" yes "$([ "$hwm" -gt 0 ] && [ "$hwm" -lt 65536 ] && echo yes)"
no_qemu_left "no qemu left"
finish
