#!/bin/sh
# test_trial_snapshot.sh - the parked-snapshot cache behind trial reset:
# consecutive trials restored from one snapshot do not see each other's
# state; restored guests get the host's time and fresh randomness, and keep
# heartbeating; concurrent runners create a snapshot once; a changed image
# invalidates its snapshots; a snapshot that fails to restore falls back to
# a fresh boot.  Uses a private image copy and cache.
. "$(dirname "$0")/lib.sh"

export NOOKS_CACHE="$T_TMP/cache"
img="$T_TMP/img"
mkdir -p "$img"
cp "$TOP/build/image/image.json" "$TOP/build/image/initramfs.cpio" "$img/"
ln -s "$TOP/build/image/vmlinux" "$img/vmlinux"
ln -s "$TOP/build/image/modules" "$img/modules"
ko="$KMOD/selftest/nooks_selftest.ko"
field() { jq -r "$1" "$2" 2>/dev/null; }
out() { jq -r 'select(.event == "output") | .line' "$1/agent.log"; }
run() { "$NOOKS" trial run "$@" --image "$img" >/dev/null 2>&1; }
# expect_new_snapshot NAME DIR: the trial in DIR was restored from a
# snapshot it created (a check; on failure its snapshot fields and evidence)
expect_new_snapshot() {
	expect_eq "$1" "restore true" \
		"$(field .reset "$2/result.json") $(field .snapshot.created "$2/result.json")" ||
		{ jq -c '{reset, reset_reason, snapshot}' "$2/result.json" | sed 's/^/# /'
		  keep_evidence test_trial_snapshot "$2"; }
}

# Two runners at once on an empty cache: one creates, both restore.
cat >"$T_TMP/t1.json" <<JSON
{"modules": ["$ko"], "coldplug": false,
 "workload": {"name": "cmd", "params": {"cmd": "echo one >/tmp/mark; echo one >/trial/mark; date +%s; cat /proc/sys/kernel/random/uuid; sleep 2"}}}
JSON
cat >"$T_TMP/t2.json" <<JSON
{"coldplug": false,
 "workload": {"name": "cmd", "params": {"cmd": "ls /tmp /trial /trial/modules; grep -c nooks_selftest /proc/modules; date +%s; cat /proc/sys/kernel/random/uuid"}}}
JSON
run "$T_TMP/t1.json" --out "$T_TMP/a" &
run "$T_TMP/t2.json" --out "$T_TMP/b"
wait
ka=$(field .snapshot.key "$T_TMP/a/result.json") kb=$(field .snapshot.key "$T_TMP/b/result.json")
expect_eq "concurrent runners: both restored" "restore restore" \
	"$(field .reset "$T_TMP/a/result.json") $(field .reset "$T_TMP/b/result.json")"
expect_eq "concurrent runners: same snapshot" "$ka" "$kb"
expect_eq "concurrent runners: created once" 1 \
	"$(cat "$T_TMP/a/result.json" "$T_TMP/b/result.json" | jq -s '[.[].snapshot.created] | map(select(.)) | length')"
expect_eq "concurrent runners: one cache entry" 1 "$(ls -d "$NOOKS_CACHE"/snapshots/*/state | wc -l)"
expect_eq "trial 1 is no_effect" no_effect "$(field .outcome "$T_TMP/a/result.json")"

# Trial 2 from the same snapshot, after trial 1: nothing of trial 1 is left.
# (The pause makes a guest clock left at the snapshot's time visibly late.)
sleep 3
before=$(date +%s)
run "$T_TMP/t2.json" --out "$T_TMP/c"
after=$(date +%s)
expect_eq "trial 2 restored the same snapshot" "restore $ka" \
	"$(field .reset "$T_TMP/c/result.json") $(field .snapshot.key "$T_TMP/c/result.json")"
o=$(out "$T_TMP/c")
expect_eq "trial 2 is no_effect" no_effect "$(field .outcome "$T_TMP/c/result.json")"
case "$o" in *mark*) fail "trial 2 does not see trial 1's files" "$o" ;;
	*) pass "trial 2 does not see trial 1's files" ;; esac
expect_match "trial 2: module not loaded (grep -c prints 0)" '^0$' "$(printf '%s\n' "$o" | grep -Ex '[0-9]+' | head -n1)"
case "$o" in *nooks_selftest*) fail "trial 2 has no trial-1 module file" "$o" ;;
	*) pass "trial 2 has no trial-1 module file" ;; esac
# Time and randomness: the host's clock, a fresh CRNG per trial.
t_c=$(out "$T_TMP/c" | grep -Ex '[0-9]{9,}' | head -n1)
if [ -n "$t_c" ] && [ "$t_c" -ge $((before - 1)) ] && [ "$t_c" -le $((after + 1)) ]; then
	pass "restored guest has the host's time"
else fail "restored guest has the host's time" "guest '$t_c', host $before..$after"; fi
u_a=$(out "$T_TMP/a" | grep -E '^[0-9a-f-]{36}$') u_c=$(out "$T_TMP/c" | grep -E '^[0-9a-f-]{36}$')
if [ -n "$u_a" ] && [ -n "$u_c" ] && [ "$u_a" != "$u_c" ]; then pass "restored guests draw different random numbers"
else fail "restored guests draw different random numbers" "'$u_a' vs '$u_c'"; fi
expect_eq "restored guests: no agent_error (clock set, CRNG reseeded, payload unpacked)" 0 \
	"$(cat "$T_TMP/a/agent.log" "$T_TMP/c/agent.log" | grep -c '"agent_error"')"
hb=$(jq -r 'select(.event == "heartbeat") | .t_ms' "$T_TMP/a/agent.log" | wc -l)
if [ "$hb" -ge 3 ]; then pass "restored guest heartbeats ($hb in a 2 s workload)"
else fail "restored guest heartbeats" "$hb heartbeats"; fi
ts=$(grep -oE '^\[ *[0-9]+\.[0-9]+\]' "$T_TMP/a/console.log" | tr -d '[] ')
if [ -n "$ts" ] && [ "$(printf '%s\n' "$ts" | sort -n)" = "$ts" ]; then pass "console timestamps increase after restore"
else fail "console timestamps increase after restore" "$(printf '%s' "$ts" | head -c 200)"; fi
expect_eq "restored console does not boot again" 0 "$(grep -c 'Linux version' "$T_TMP/a/console.log")"

# A snapshot that cannot be restored: the trial boots fresh and says why.
state=$(ls "$NOOKS_CACHE"/snapshots/*/state)
head -c 100000 "$state" >"$state.cut" && mv "$state.cut" "$state"
run "$T_TMP/t2.json" --out "$T_TMP/d"
expect_eq "broken snapshot: the trial still has an outcome" no_effect "$(field .outcome "$T_TMP/d/result.json")"
expect_eq "broken snapshot: reset boot" boot "$(field .reset "$T_TMP/d/result.json")"
expect_match "broken snapshot: reason" "restore of snapshot $ka failed" "$(field .reset_reason "$T_TMP/d/result.json")"
expect_eq "broken snapshot: its logs are kept" 1 "$(test -f "$T_TMP/d/console.restore-failed.log"; echo $((1 - $?)))"
expect_eq "broken snapshot: removed from the cache" 0 "$(ls -d "$NOOKS_CACHE"/snapshots/*/state 2>/dev/null | wc -l)"

# A changed image invalidates its snapshots.
run "$T_TMP/t2.json" --out "$T_TMP/e"
k1=$(field .snapshot.key "$T_TMP/e/result.json")
expect_new_snapshot "recreated after the broken one" "$T_TMP/e"
(cd "$T_TMP" && mkdir -p extra && echo changed >extra/file && echo extra/file | cpio -o -H newc 2>/dev/null) \
	>>"$img/initramfs.cpio"
run "$T_TMP/t2.json" --out "$T_TMP/f"
k2=$(field .snapshot.key "$T_TMP/f/result.json")
expect_new_snapshot "changed image: restored from a new snapshot" "$T_TMP/f"
if [ -n "$k2" ] && [ "$k1" != "$k2" ]; then pass "changed image: new key"
else fail "changed image: new key" "'$k1' then '$k2'"; fi
expect_eq "changed image: old snapshot removed" "$k2" \
	"$(ls -d "$NOOKS_CACHE"/snapshots/*/state | xargs -n1 dirname | xargs -n1 basename | tr '\n' ' ' | sed 's/ $//')"
expect_eq "changed image: trial is no_effect" no_effect "$(field .outcome "$T_TMP/f/result.json")"
no_qemu_left "no qemu left at the end"
finish
