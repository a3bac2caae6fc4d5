#!/bin/bash
# inject-load-experiment.sh - does a mutated module still load?  Inject each
# code fault type with SEEDS seeds into a stock module (default e1000.ko),
# load every mutant in the guest (native, -device e1000) and classify it:
#   loaded        insmod returned 0 (probe result in "net": eth0 appeared or not)
#   init_failed   insmod returned non-zero (module_init or the loader refused it)
#   crash_load    the kernel oopsed/panicked during insmod (oops=panic)
#   hang_load     insmod never returned before the boot's deadline
#   crash_unload  loaded, then rmmod oopsed (reported apart, it is still "loaded")
#
# Batching, honestly: one boot loads and unloads a series of mutants (the .kos
# travel on a raw tar "disk"), stopping at the first crash or hang; the rest
# goes to a new boot.  A crash or hang seen anywhere but first in a boot is
# re-run first in a fresh boot, so every crash/hang verdict comes from a boot
# in which that mutant was the first module loaded.  At most JOBS QEMUs.
#
# usage: scripts/inject-load-experiment.sh [-m MODULE.ko] [-s SEEDS] [-t TYPES]
#            [-b BATCH] [-j JOBS] [-o OUTDIR] [-R]
# -R: no boots; rebuild OUTDIR/table.md and crash titles from OUTDIR/results.tsv.
# -c: continue an interrupted run (keep mutants, results and queues).
# A boot that dies before trying any module (e.g. TCG's "IO-APIC + timer
# doesn't work" panic on a loaded host) is an infra error: retried, 3 times.
# Output: OUTDIR/results.tsv (type seed class net detail), OUTDIR/table.md.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
NOOKS="$TOP/bin/nooks"
MOD="$TOP/build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
SEEDS=50 TYPES="text nop src dst ptr branch invert loop init interface irq"
BATCH=25 JOBS=2 OUT="$TOP/build/inject-load" REPORT_ONLY=0 CONTINUE=0
while getopts m:s:t:b:j:o:Rc c; do
	case $c in
	m) MOD=$OPTARG ;; s) SEEDS=$OPTARG ;; t) TYPES=$OPTARG ;;
	b) BATCH=$OPTARG ;; j) JOBS=$OPTARG ;; o) OUT=$OPTARG ;; R) REPORT_ONLY=1 ;; c) CONTINUE=1 ;;
	*) sed -n '/^# usage/,/^# Output/p' "$0"; exit 2 ;;
	esac
done
NAME=$(basename "$MOD" .ko)

crash_title() {	# first crash line of a console log
	grep -m1 -E 'BUG:|Oops:|general protection|Kernel panic|invalid opcode|kernel BUG|stack-protector|double fault' "$1" 2>/dev/null |
		sed 's/^\[[ 0-9.]*\] //' | tr '\t' ' ' | cut -c1-120
}

report() {
	# re-derive crash titles from the run directories named in the detail column
	awk -F'\t' 'BEGIN{OFS="\t"} {print}' "$OUT/results.tsv" | while IFS='	' read -r t s c n d; do
		rd=$(printf '%s' "$d" | sed -n 's/.*(\(\/[^)]*\))$/\1/p')
		if [ -n "$rd" ] && [ -f "$rd/console.log" ]; then
			pre=$(printf '%s' "$d" | sed -n 's/^\(crash_unload: \).*/\1/p')
			d="$pre$(crash_title "$rd/console.log") ($rd)"
		fi
		printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$s" "$c" "$n" "$d"
	done >"$OUT/results.tsv.new" && mv "$OUT/results.tsv.new" "$OUT/results.tsv"
	{
		echo "| type | mutants | loaded, probe ok | loaded, no eth0 | init failed | crashed at load | hung at load | (loaded, then crashed at unload) |"
		echo "|---|---|---|---|---|---|---|---|"
		for t in stock $TYPES; do
			awk -F'\t' -v t="$t" '$1 == t {
				n++
				if ($3 == "loaded" && $4 == "yes") ly++
				if ($3 == "loaded" && $4 != "yes") ln++
				if ($3 == "init_failed") f++
				if ($3 == "crash_load") c++
				if ($3 == "hang_load") h++
				if ($5 ~ /^crash_unload/) cu++
			} END { if (n) printf "| %s | %d | %d | %d | %d | %d | %d | %d |\n", t, n, ly, ln, f, c, h, cu }' "$OUT/results.tsv"
		done
	} >"$OUT/table.md"
	cat "$OUT/table.md"
}

if [ "$REPORT_ONLY" = 1 ]; then
	report
	exit 0
fi
mkdir -p "$OUT/mods" "$OUT/runs"
if [ "$CONTINUE" = 0 ]; then
: >"$OUT/results.tsv"

# 1. mutants (deterministic: same module + seed -> same bytes)
echo "stock 0" >"$OUT/all.list"
cp "$MOD" "$OUT/mods/stock-0.ko"
for t in $TYPES; do
	for s in $(seq 1 "$SEEDS"); do
		"$NOOKS" inject --fault "$t" --seed "$s" "$MOD" -o "$OUT/mods/$t-$s.ko" \
			--describe "$OUT/mods/$t-$s.json" 2>/dev/null || { echo "inject $t $s failed" >&2; exit 1; }
		echo "$t $s" >>"$OUT/all.list"
	done
done
echo "mutants: $(($(wc -l <"$OUT/all.list") - 1)) in $OUT/mods"
fi

GUEST_SCRIPT='cd /tmp/b
for m in $(cat list); do
	echo "@@TRY $m"
	insmod ./$m.ko >/tmp/o 2>&1; rc=$?
	net=no; [ -e /sys/class/net/eth0 ] && net=yes
	echo "@@LOAD $m $rc $net $(head -c 160 /tmp/o | tr "\n\t" "  ")"
	if [ $rc = 0 ]; then
		rmmod '"$NAME"' >/tmp/o 2>&1; urc=$?
		echo "@@UNLOAD $m $urc $(head -c 160 /tmp/o | tr "\n\t" "  ")"
		[ $urc = 0 ] || break
	fi
done
echo "@@DONE"'
GUEST_CMD='modprobe virtio_pci; modprobe virtio_blk; i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; mkdir -p /tmp/b && tar -xf /dev/vda -C /tmp/b && sh /tmp/b/batch.sh'


# runner QUEUEFILE WORKER: process "type seed" lines, first-in-boot flags kept in QUEUE
runner() {
	local q=$1 w=$2 n infra=0
	n=$(ls -d "$OUT/runs/w$w-"* 2>/dev/null | wc -l)
	while [ -s "$q" ]; do
		n=$((n + 1))
		local rd="$OUT/runs/w$w-$n" names=() first solo
		mkdir -p "$rd/b"
		# a line "type seed solo" must run alone, first in its boot
		first=$(head -1 "$q")
		if [ "$(echo "$first" | awk '{print $3}')" = solo ]; then
			head -1 "$q" >"$rd/batch"
		else
			awk '$3 != "solo"' "$q" | head -"$BATCH" >"$rd/batch"
		fi
		while read -r t s _; do
			names+=("$t-$s")
			cp "$OUT/mods/$t-$s.ko" "$rd/b/"
		done <"$rd/batch"
		printf '%s\n' "${names[@]}" >"$rd/b/list"
		printf '%s\n' "$GUEST_SCRIPT" >"$rd/b/batch.sh"
		tar -cf "$rd/disk.tar" -C "$rd/b" . && rm -rf "$rd/b"
		"$NOOKS" vm run --device e1000 --no-coldplug --disk "$rd/disk.tar" \
			--timeout $((30 + 3 * ${#names[@]})) --append 'oops=panic panic=-1' \
			--out "$rd" --cmd "$GUEST_CMD" >"$rd/agent.txt" 2>"$rd/stderr.txt"
		echo $? >"$rd/rc"
		rm -f "$rd/disk.tar"
		local done_list=() pos=0
		for m in "${names[@]}"; do
			local t=${m%-*} s=${m##*-} l u
			l=$(grep "^@@LOAD $m " "$rd/agent.txt")
			u=$(grep "^@@UNLOAD $m " "$rd/agent.txt")
			if [ -n "$l" ]; then
				set -- $l
				local rc=$3 net=$4 msg
				msg=$(echo "$l" | cut -d' ' -f5- | cut -c1-100)
				if [ "$rc" != 0 ]; then
					printf '%s\t%s\tinit_failed\t%s\t%s\n' "$t" "$s" "$net" "$msg" >>"$OUT/results.tsv"
				elif [ -n "$u" ] && [ "$(echo "$u" | awk '{print $3}')" = 0 ]; then
					printf '%s\t%s\tloaded\t%s\t\n' "$t" "$s" "$net" >>"$OUT/results.tsv"
				elif [ -n "$u" ]; then
					printf '%s\t%s\tloaded\t%s\trmmod failed: %s\n' "$t" "$s" "$net" \
						"$(echo "$u" | cut -d' ' -f4- | cut -c1-80)" >>"$OUT/results.tsv"
				elif grep -q "^@@TRY $m" "$rd/agent.txt"; then
					printf '%s\t%s\tloaded\t%s\tcrash_unload: %s (%s)\n' "$t" "$s" "$net" \
						"$(crash_title "$rd/console.log")" "$rd" >>"$OUT/results.tsv"
				fi
				done_list+=("$t $s")
			elif grep -q "^@@TRY $m\$" "$rd/agent.txt"; then
				# died or hung inside insmod
				local cls=crash_load
				[ "$(cat "$rd/rc")" = 124 ] && cls=hang_load
				if [ $pos -gt 0 ]; then
					echo "$t $s solo" >"$q.front"   # confirm first-in-boot
				else
					printf '%s\t%s\t%s\t-\t%s (%s)\n' "$t" "$s" "$cls" \
						"$(crash_title "$rd/console.log")" "$rd" >>"$OUT/results.tsv"
				fi
				done_list+=("$t $s")
				break
			else
				break	# never tried (boot ended before): stays queued
			fi
			pos=$((pos + 1))
		done
		if [ ${#done_list[@]} = 0 ] && [ "$(cat "$rd/rc")" != 0 ] &&
		   ! grep -q '^@@TRY' "$rd/agent.txt" && [ $infra -lt 3 ]; then
			infra=$((infra + 1))
			echo "runner $w: infra error in $rd (rc $(cat "$rd/rc"): $(grep -m1 'Kernel panic' "$rd/console.log" | cut -c1-100)), retrying" >&2
			continue
		fi
		infra=0
		if [ ${#done_list[@]} = 0 ] && [ "$(cat "$rd/rc")" != 0 ]; then
			echo "runner $w: boot $rd made no progress (rc $(cat "$rd/rc")): $(head -c 300 "$rd/stderr.txt")" >&2
			return 1
		fi
		# drop the processed lines, put a re-run first if any
		printf '%s\n' "${done_list[@]}" | awk '{print $1" "$2}' >"$q.done"
		awk 'NR==FNR {d[$1" "$2]=1; next} !(($1" "$2) in d)' "$q.done" "$q" >"$q.rest"
		[ -f "$q.front" ] && cat "$q.front" "$q.rest" >"$q" && rm -f "$q.front" || mv "$q.rest" "$q"
		rm -f "$q.rest" "$q.done"
		echo "runner $w: boot $n: $(wc -l <"$OUT/results.tsv") results, $(wc -l <"$q") left in this queue"
	done
}

# 2. split the list between JOBS runners and run them
[ "$CONTINUE" = 1 ] || for j in $(seq 1 "$JOBS"); do
	awk -v j="$j" -v n="$JOBS" 'NR % n == j % n' "$OUT/all.list" >"$OUT/queue.$j"
done
start=$(date +%s)
for j in $(seq 1 "$JOBS"); do runner "$OUT/queue.$j" "$j" & done
wait
echo "elapsed: $(($(date +%s) - start)) s, boots: $(ls -d "$OUT"/runs/* | wc -l)"

# 3. table
report
