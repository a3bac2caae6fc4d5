#!/bin/sh
# test_slurm.sh - a campaign on a real single-node Slurm cluster (issue 21):
# Debian's munged, slurmctld and slurmd, started here as root with a
# private munge key and slurm.conf (loopback, private ports, state and
# spool in $T_TMP) and stopped by the trap whatever happens.  A tiny e1000
# campaign (4 trials) runs locally, then is submitted with `nooks campaign
# submit --slurm --shards 2`; array task 1 is requeued while it runs (after
# its first trial is stored), and must rerun and resume; the shards are
# merged (twice: the second adds nothing) and the merged database must
# hold exactly the local run's trials with the same descriptors and
# mutation bytes (outcomes are not compared: host load changes them).
# Reports of a merged database equal the single-machine one's; compare
# and gate read the baseline from the local database; the KCIDB export
# of the merged database validates.
. "$(dirname "$0")/lib.sh"
need_built "campaign on Slurm" "$TOP/build/guest/bin/wl-netdev"
for b in munged slurmctld slurmd sbatch squeue scontrol; do
	command -v "$b" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
	command -v "$b" >/dev/null 2>&1 || { fail "slurm: $b installed" "scripts/install-deps.sh installs it"; finish; }
done
[ "$(id -u)" = 0 ] || { fail "slurm: runs as root" "munged, slurmctld and slurmd are started as root"; finish; }

S="$T_TMP/slurm"
mkdir -p "$S/munge" "$S/state" "$S/spool" "$T_TMP/tmp"
chmod 711 "$S" "$S/munge"
PIDS=""
JOB=""
stop_cluster() {
	export SLURM_CONF="$S/slurm.conf"
	if [ -n "$JOB" ]; then
		scancel "$JOB" 2>/dev/null
		for _ in $(seq 30); do
			[ -z "$(squeue -h -j "$JOB" -t running,completing 2>/dev/null)" ] && break
			sleep 1
		done
	fi
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
	done
	[ -f "$S/munge/munged.pid" ] && kill "$(cat "$S/munge/munged.pid")" 2>/dev/null
	PIDS=""
}
trap 'stop_cluster; rm -rf "$T_TMP"' EXIT
trap 'exit 1' INT TERM

# munge: a private key and socket; slurm finds it through AuthInfo.
dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$S/munge/munge.key"
munged --force --socket="$S/munge/munge.socket" --key-file="$S/munge/munge.key" \
	--log-file="$S/munge/munged.log" --pid-file="$S/munge/munged.pid" \
	--seed-file="$S/munge/munged.seed"
expect_eq "munged started with a private key" 0 "$?"

host=$(hostname -s)
port=$((20000 + $$ % 20000))
while ss -Htln | grep -Eq ":($port|$((port + 1))) "; do port=$((port + 2)); done
cat >"$S/slurm.conf" <<EOF
ClusterName=nookstest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$S/munge/munge.socket,cred_expire=5
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=bf_interval=1,sched_interval=2
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=lab Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$S/slurm.conf"
slurmctld -D >"$S/slurmctld.out" 2>&1 &
PIDS="$PIDS $!"
slurmd -D >"$S/slurmd.out" 2>&1 &
PIDS="$PIDS $!"
state=""
for _ in $(seq 30); do
	state=$(sinfo -h -p lab -o %t 2>/dev/null)
	[ "$state" = idle ] && break
	sleep 1
done
expect_eq "slurmctld and slurmd up, the node idle" idle "$state" ||
	{ tail -n 5 "$S/slurmctld.log" "$S/slurmd.log" | sed 's/^/# /'; finish; }

# The same tiny campaign, locally and on Slurm.
e1000_spec slurmtiny 2112 2 2 '["native", "nooks"]' '["nop", "branch"]' \
	'{ "nic": "e1000", "bytes": 262144, "pings": 2, "deadline": 25 }' 40 >"$T_TMP/tiny.json"
LOCAL="$T_TMP/local.db"
t0=$(date +%s)
"$NOOKS" campaign run "$T_TMP/tiny.json" --db "$LOCAL" --runs "$T_TMP/runs" --no-summary >"$T_TMP/local.log" 2>&1
expect_eq "the local run completes" 0 "$?"
echo "# local run: 4 trials, 2 jobs, $(( $(date +%s) - t0 )) s"
t0=$(date +%s)

SUB="$T_TMP/sub"
out=$(TMPDIR="$T_TMP/tmp" "$NOOKS" campaign submit "$T_TMP/tiny.json" --slurm --shards 2 --jobs 1 \
	--partition lab --db-dir "$SUB" 2>&1)
expect_match "submitted as a job array" "^campaign 'slurmtiny': Slurm job [0-9]+, 2 array tasks" "$out"
JOB=$(printf '%s\n' "$out" | sed -n 's/.*Slurm job \([0-9]*\),.*/\1/p')
expect_match "the batch script runs shard I/N, requeue-safe" \
	"#SBATCH --requeue" "$(cat "$SUB/nooks-campaign.sbatch")"

# Requeue task 1 once its first trial is stored (its second is running).
db1="$SUB/shard-1-of-2.db"
stored=0
for _ in $(seq 120); do
	[ -f "$db1" ] && stored=$(sqlite3 "$db1" 'SELECT COUNT(*) FROM trials' 2>/dev/null || echo 0)
	[ "${stored:-0}" -ge 1 ] && break
	sleep 1
done
t1=$(squeue -h -r -t all -j "$JOB" -o '%K %T' | awk '$1 == 1 {print $2}')
expect_eq "task 1 is running with one trial stored" "RUNNING 1" "$t1 $stored"
scontrol requeue "${JOB}_1"
expect_eq "task 1 requeued mid-run" 0 "$?"

done_states=""
for _ in $(seq 240); do
	done_states=$(squeue -h -r -t all -j "$JOB" -o '%K %T' | sort | tr '\n' ' ')
	[ "$done_states" = "1 COMPLETED 2 COMPLETED " ] && break
	sleep 1
done
expect_eq "both array tasks completed" "1 COMPLETED 2 COMPLETED " "$done_states"
echo "# Slurm: 2 shards of 2 trials, 1 job each, a requeue: $(( $(date +%s) - t0 )) s from sbatch to both COMPLETED"
expect_match "task 1 ran again after the requeue" "Restarts=1 " "$(scontrol show job "${JOB}_1")"
expect_match "task 1's rerun resumed its shard" "shard 1/2\): 2 planned, 1 already stored, 1 to run" \
	"$(cat "$SUB/slurm-${JOB}_1.out")"
out=$("$NOOKS" campaign status --db-dir "$SUB")
expect_match "status: each shard's Slurm state and trials" "^ +1  COMPLETED +2/2 finished" "$out"
expect_match "status: shard 2" "^ +2  COMPLETED +2/2 finished" "$out"
expect_match "status of a shard database names its shard" "slurmtiny +2/2 .*finished \(shard 2/2\)" \
	"$("$NOOKS" campaign status --db "$SUB/shard-2-of-2.db")"

MERGED="$T_TMP/merged.db"
out=$("$NOOKS" merge "$MERGED" "$SUB"/shard-*-of-2.db)
expect_match "merge: 4 trials added, the campaign finished" "4 trials added, 0 already present; 4 of 4 planned trials stored \(finished\)" "$out"
echo "# $out"
out=$("$NOOKS" merge "$MERGED" "$SUB"/shard-*-of-2.db)
expect_match "merging again adds nothing" "0 trials added, 4 already present" "$out"

# Trial by trial, the deterministic fields: key, mode, descriptor, mutation bytes, image.
q="SELECT t.key, t.mode, f.idx, f.types, f.count, f.seed, i.kernel_version, i.vmlinux_sha256,
	(SELECT group_concat(m.n || ':' || coalesce(m.symbol, '') || ':' || coalesce(m.file_offset, '') || ':' ||
		coalesce(m.old_bytes, '') || '>' || coalesce(m.new_bytes, ''), ' ') FROM mutations m WHERE m.fault_id = f.id)
	FROM trials t JOIN faults f ON f.id = t.fault_id JOIN images i ON i.id = t.image_id ORDER BY t.key"
sqlite3 "$LOCAL" "$q" >"$T_TMP/local.rows"
sqlite3 "$MERGED" "$q" >"$T_TMP/merged.rows"
expect_eq "the merged run has the local run's 4 trials" 4 "$(wc -l <"$T_TMP/merged.rows")"
expect_eq "trial by trial equal to the local run (key, mode, descriptor, mutations, image)" "" \
	"$(diff "$T_TMP/local.rows" "$T_TMP/merged.rows")"
same=$(sqlite3 "$MERGED" "ATTACH '$LOCAL' AS l; SELECT COUNT(*) FROM trials t JOIN l.trials u ON u.key = t.key AND u.outcome = t.outcome")
echo "# outcomes equal to the local run's: $same of 4 (not asserted: host load changes outcomes)"

# A merged database reads as a single machine's: merge the local one alone, same report.
"$NOOKS" merge "$T_TMP/relocal.db" "$LOCAL" >/dev/null
"$NOOKS" report --db "$LOCAL" -o "$T_TMP/r1" | grep -v '^report:' >"$T_TMP/r1.txt"
"$NOOKS" report --db "$T_TMP/relocal.db" -o "$T_TMP/r2" | grep -v '^report:' >"$T_TMP/r2.txt"
expect_eq "report of a merged database = the single-machine report" "" \
	"$(diff "$T_TMP/r1.txt" "$T_TMP/r2.txt"; diff "$T_TMP/r1/report.md" "$T_TMP/r2/report.md")"
out=$("$NOOKS" compare --db "$MERGED" --baseline-db "$LOCAL" slurmtiny 2>&1)
expect_match "compare: baseline from the local database" "^A = slurmtiny \(#1\), B = slurmtiny" "$out"
out=$("$NOOKS" gate --db "$MERGED" --baseline-db "$LOCAL" --baseline slurmtiny 2>&1)
expect_match "gate: baseline from the local database" "^gate: pass .*baseline #1 of " "$out"
"$NOOKS" export --kcidb "$MERGED" -o "$T_TMP/kcidb.json"
out=$(python3 "$TOP/tests/fixtures/kcidb/validate.py" "$T_TMP/kcidb.json" 2>&1)
expect_match "the merged campaign's KCIDB export validates" "valid KCIDB v5.3: 1 checkouts, 1 builds, 4 tests" "$out"

stop_cluster
left=""
for p in $(pgrep -x slurmctld) $(pgrep -x slurmd) $(pgrep -x munged); do
	grep -q "$T_TMP" "/proc/$p/cmdline" 2>/dev/null && left="$left $p"
	grep -qa "SLURM_CONF=$S" "/proc/$p/environ" 2>/dev/null && left="$left $p"
done
expect_eq "every daemon the test started is stopped" "" "$left"
no_qemu_left "no qemu left"
finish
