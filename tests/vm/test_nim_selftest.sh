#!/bin/sh
# test_nim_selftest.sh - the NIM catches every exception kind of the
# isolated self-test extension in process, softirq, hardirq and kthread
# context, with oops=panic panic_on_oops=1, recovers it each time (twice
# through the whole matrix), and still lets unisolated faults panic.
# Stage 1 also recovers a double fault (a stack pointer the extension
# corrupted: the kernel IDT's #DF gate, nooks_df.c) and a fault taken with
# the stack pointer in module data (the frame found from the bottom of the
# context's stack); stage 2's private IDT recovers only a private stack's
# overflow (test_nim_domains_sync).
. "$(dirname "$0")/lib.sh"

isolate_selftest
KINDS="$SELFTEST_KINDS bad_rsp:double_fault heap_rsp:page_fault"
NAMES="$SELFTEST_NAMES bad_rsp heap_rsp"

cat >"$T_TMP/run.sh" <<EOS
for round in 1 2; do
	for k in $NAMES; do
		for c in $SELFTEST_CTXS; do
			wait_running || exit 3
			echo \$k@\$c > /sys/module/nooks_selftest/parameters/fault 2>/dev/null
			echo "T \$round \$k@\$c rc=\$? \$(dmesg | grep 'nooks: fault' | tail -n 1)"
		done
	done
done
wait_running
echo warn@process > /sys/module/nooks_selftest/parameters/fault; echo "T warn@process rc=\$?"
echo "FAULTS \$(cat /sys/kernel/nooks/faults)"
echo "RECOVERIES \$(cat /sys/kernel/nooks/recoveries)"
echo "SURVIVED \$(dmesg | grep -c 'nooks_selftest: survived')"
dmesg | grep 'nooks: ' | sed 's/^\[[ 0-9.]*\] //'
rmmod nooks_selftest && echo "RMMOD ok"
EOS
out=$("$NOOKS" vm run --out "$T_TMP/r1" --timeout 170 --module "$NIM" --module "$T_TMP/st.ko" \
	--append "oops=panic panic_on_oops=1" --cmd "$(guest_cmd "$T_TMP/run.sh")" 2>/dev/null); rc=$?
expect_eq "guest stays up through all faults" 0 "$rc"
n=$(echo $KINDS | wc -w)
expected=$((2 * n * 4))
expect_eq "every fault counted" "FAULTS $expected" "$(printf '%s\n' "$out" | grep '^FAULTS')"
expect_eq "every fault recovered" "RECOVERIES $expected" "$(printf '%s\n' "$out" | grep '^RECOVERIES')"
expect_eq "only the WARN returned normally" "SURVIVED 1" "$(printf '%s\n' "$out" | grep '^SURVIVED')"
# Each trigger is followed by its own fault event: right kind, right
# context (a kthread is process context), attributed to the faulting
# function (ip=, or from= for a wild call), in both rounds.
for k in $KINDS; do
	for c in $SELFTEST_CTXS; do
		name=${k%%:*} kind=${k#*:}
		cnt=$(printf '%s\n' "$out" | grep -E "^T [12] $name@$c rc=1 .*$(selftest_fault_re $name $kind $c)" | wc -l)
		expect_eq "$name@$c caught as $kind, twice" 2 "$cnt"
	done
done
expect_match "process context recorded" "kind=page_fault .* ctx=process" "$out"
expect_match "softirq context recorded" "ctx=softirq" "$out"
expect_match "hardirq context recorded" "ctx=hardirq" "$out"
expect_match "recovery latency reported" "recovered domain=nooks_selftest kind=[a-z_]+ ip=.* latency_us=[0-9]+ quiesce_us=[0-9]+ release_us=[0-9]+ init_us=[0-9]+ recoveries=$expected" "$out"
expect_match "WARN reported, not a fault" "warn domain=nooks_selftest ip=fault_warn" "$out"
expect_match "clean unload after recoveries" "RMMOD ok" "$out"
expect_match "the kernel's #DF gate sent double faults to the NIM" \
	"nooks: detail domain=nooks_selftest double_fault sp=[0-9a-f]+ cr2=[0-9a-f]+ ip=fault_bad_rsp\+" "$out"
printf '%s\n' "$out" | grep -m1 'double_fault sp=' | sed 's/^/# /'
console_no_oops "no oops on the console" "$T_TMP/r1/console.log"

# Control: the same fault in the unisolated module still panics.
control_run 60 'echo null_read@softirq > /sys/module/nooks_selftest/parameters/fault' \
	--module "$NIM" --module "$ST"
expect_null_oops "the unisolated fault"
no_qemu_left "no qemu left"
finish
