#!/bin/sh
# bench-reset.sh - trial reset cost: fresh boot vs restoring a saved VM.
#
# Prints (median of N runs each, milliseconds):
#   fresh boot      `nooks trial run` with workload none: QEMU start → agent
#                   "started" (boot_ms) and whole trial wall time (wall_ms)
#   state restore   QEMU started with -incoming from a migration file saved
#                   at "guest ready" (RAM + devices, no disk): QEMU start →
#                   guest running again; plus the one-off save time/size
# Usage: bench-reset.sh [N]   (default 5)
set -eu
N=${1:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
nooks=$top/bin/nooks img=$top/build/image
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo '{"workload": "none", "coldplug": false}' >"$d/none.json"
"$nooks" trial run "$d/none.json" --repeat "$N" -j 1 --out "$d/fresh" >"$d/fresh.jsonl" 2>/dev/null
boot=$(jq -r .durations.boot_ms "$d/fresh.jsonl" | median)
wall=$(jq -r .durations.wall_ms "$d/fresh.jsonl" | median)
echo "reset: fresh boot: boot_ms median $boot, trial wall_ms median $wall (workload none, $N runs)"

# A guest parked at "ready" (the same /init path as `nooks vm run`).
"$nooks" vm run --keep --no-coldplug --timeout 1 --out "$d/prep" \
	--cmd 'echo ready; sleep 1000' >/dev/null 2>&1 || true
cat >"$d/restore.py" <<'PY'
import os, socket, subprocess, sys, time
d, img, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "512", "-smp", "1",
        "-nodefaults", "-display", "none", "-no-reboot", "-kernel", img + "/vmlinux",
        "-initrd", d + "/prep/initrd.cpio", "-append", "console=ttyS0 panic=-1 rdinit=/init",
        "-serial", "file:" + d + "/con.log", "-serial", "file:" + d + "/agent.log"]
def monitor(path):
    for _ in range(500):
        try:
            s = socket.socket(socket.AF_UNIX); s.connect(path); s.settimeout(30); return s
        except OSError:
            time.sleep(0.01)
    raise SystemExit("no monitor")
def hmp(s, cmd):
    s.sendall((cmd + "\n").encode()); buf = b""
    while not buf.endswith(b"(qemu) "):
        buf += s.recv(65536)
    return buf.decode(errors="replace")
def wait_prompt(s):
    buf = b""
    while not buf.endswith(b"(qemu) "):
        buf += s.recv(65536)
mon = d + "/mon"
q = subprocess.Popen(base + ["-monitor", "unix:%s,server,nowait" % mon])
while b"ready" not in open(d + "/agent.log", "rb").read() if os.path.exists(d + "/agent.log") else True:
    time.sleep(0.05)
s = monitor(mon); wait_prompt(s)
t = time.monotonic()
hmp(s, 'migrate "exec:cat > %s/state"' % d)
while "completed" not in hmp(s, "info migrate"):
    time.sleep(0.01)
save_ms = (time.monotonic() - t) * 1000
q.kill(); q.wait()
times = []
for i in range(n):
    m = "%s/mon%d" % (d, i)
    t = time.monotonic()
    q = subprocess.Popen(base + ["-monitor", "unix:%s,server,nowait" % m, "-incoming", "exec:cat %s/state" % d])
    s = monitor(m); wait_prompt(s)
    while "running" not in hmp(s, "info status"):
        time.sleep(0.005)
    times.append((time.monotonic() - t) * 1000)
    q.kill(); q.wait()
times.sort()
print("reset: state restore: restore_ms median %.0f (min %.0f, max %.0f, %d runs); save %.0f ms, state file %.1f MB"
      % (times[len(times) // 2], times[0], times[-1], n, save_ms, os.path.getsize(d + "/state") / 1e6))
PY
python3 "$d/restore.py" "$d" "$img" "$N"
