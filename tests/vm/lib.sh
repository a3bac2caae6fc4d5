# lib.sh - helpers for VM test scripts (sourced).  Each check prints
# "PASS: name" or "FAIL: name (why)"; finish exits non-zero on any failure.
# Tests run the real bin/nooks against the real guest image.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NOOKS="$TOP/bin/nooks"
# our modules as built for the guest image's kernel (vm-images/build-kernel.sh);
# KMOD and NOOKS_IMAGE may point at another kernel's build/k/<KVER>/
KMOD=${KMOD:-$TOP/build/kmod}
T_FAILED=0
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT

# The NIM and the self-test extension as built for the guest's kernel.
NIM="$KMOD/nooks/nooks.ko"
ST="$KMOD/selftest/nooks_selftest.ko"

# isolate_selftest: `nooks isolate` the self-test into $T_TMP/st.ko (a check).
isolate_selftest() {
	"$NOOKS" isolate "$ST" -o "$T_TMP/st.ko" >/dev/null
	expect_eq "nooks isolate selftest" 0 "$?"
}

# Every exception kind of the self-test (trigger:NIM fault kind) and the
# contexts it faults in.
SELFTEST_KINDS="null_read:page_fault null_write:page_fault null_call:page_fault gpf:gpf divide:trap ud2:trap bug:bug ro_write:page_fault stack_protector:fortify double_free:wrapper_check bad_timer:wrapper_check bad_work:wrapper_check panic:panic"
SELFTEST_CTXS="process softirq hardirq kthread"
SELFTEST_NAMES=$(for k in $SELFTEST_KINDS; do printf '%s ' "${k%%:*}"; done)

# selftest_fault_re NAME KIND CONTEXT: the regex of the NIM's fault event
# for the self-test's fault NAME of KIND in CONTEXT: attributed to the
# faulting function (ip=, or from= for a wild call); a kthread is process
# context.
selftest_fault_re() {
	case $1 in
	# tail calls: the second kfree and fn() are jmps out of fault_*()
	double_free) _site='run_fault\+' ;;
	null_call) _site='0x0 from=run_fault\+' ;;
	stack_protector) _site='fault_stack_protector.cold\+' ;;	# fortify_panic call
	*) _site="fault_$1\\+" ;;
	esac
	_ctx=$3
	[ "$3" = kthread ] && _ctx=process
	printf '%s\n' "fault domain=nooks_selftest kind=$2 ip=$_site.* ctx=$_ctx state=failed"
}

# control_run TIMEOUT CMD VM-RUN-ARGS...: a control guest in $T_TMP/r2
# (oops=panic panic_on_oops=1) with VM-RUN-ARGS (--module ...) running
# CMD; sets rc (126: the kernel panicked, 124: it hung).
control_run() {
	_t=$1 _c=$2
	shift 2
	"$NOOKS" vm run --out "$T_TMP/r2" --timeout "$_t" "$@" \
		--append "oops=panic panic_on_oops=1" --cmd "$_c" >/dev/null 2>&1; rc=$?
}

# expect_null_oops WHAT: the control guest panicked on a NULL dereference.
expect_null_oops() {
	expect_eq "$1 crashes the kernel (126)" 126 "$rc"
	expect_match "$1 is a kernel oops" "BUG: kernel NULL pointer dereference" \
		"$(cat "$T_TMP/r2/console.log" 2>/dev/null)"
}

# guest_cmd FILE...: a guest command: tests/vm/guest_lib.sh, then FILE...
guest_cmd() { cat "$TOP/tests/vm/guest_lib.sh" "$@"; }

# nic_vm DIR TIMEOUT EXT.ko DEVICE APPEND CMD: boot the NIM and an isolated
# extension with QEMU device DEVICE and a virtio-net peer, kernel command
# line APPEND, run CMD; sets out (its stdout) and rc.
nic_vm() {
	out=$("$NOOKS" vm run --out "$1" --timeout "$2" --module "$NIM" --module "$3" \
		--device "$4" --device virtio-net --append "$5" \
		--cmd "$6" 2>/dev/null); rc=$?
}

# nim_nic_vm DIR TIMEOUT EXT.ko DEVICE SCRIPT: nic_vm with oops=panic
# panic_on_oops=1, running guest_cmd SCRIPT.
nim_nic_vm() {
	nic_vm "$1" "$2" "$3" "$4" "oops=panic panic_on_oops=1" "$(guest_cmd "$5")"
}

# need_built WHAT PATH...: `make all` builds the injector and every PATH;
# if one is missing or `nooks inject --help` fails, that is a failure of
# the build, not a reason to skip: FAIL naming it and stop the test.
# e1000_spec NAME SEED TRIALS FAULTS MODES TYPES WORKLOAD_ARGS TOTAL_S [TOP_FIELDS]:
# a campaign spec of the stock e1000 under the netdev workload (virtio-net
# peer), 2 jobs, 1 retry; MODES, TYPES and WORKLOAD_ARGS are JSON, TOP_FIELDS
# more top-level fields ('"persistence": "persistent"').
e1000_spec() {
	cat <<JSON
{ "name": "$1", "seed": $2, "trials": $3, "faults_per_trial": $4, "modes": $5,
  "fault_types": $6,${9:+ $9,}
  "extensions": [ { "name": "e1000", "module": "e1000", "device": ["e1000", "virtio-net"], "workload": "netdev",
                    "workload_args": $7 } ],
  "timeouts": { "boot_s": 30, "heartbeat_s": 10, "total_s": $8 },
  "kernel_cmdline": ["oops=panic", "panic=-1"], "jobs": 2, "retries": 1 }
JSON
}

need_built() {
	what=$1; shift
	if ! "$NOOKS" inject --help >/dev/null 2>&1; then
		fail "$what" "'nooks inject --help' fails: the injector is broken"
		finish
	fi
	for p in "$@"; do
		[ -e "$p" ] || { fail "$what" "'$p' is missing (make all builds it)"; finish; }
	done
}

# out_lines PREFIX: the lines of $out that start with PREFIX
out_lines() { printf '%s\n' "$out" | grep "^$1"; }

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; T_FAILED=1; }
skip() { echo "SKIP: $1${2:+ ($2)}"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; return 1; fi
}

# expect_match NAME REGEX TEXT
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then pass "$1"; else fail "$1" "no match for /$2/ in: $(printf '%s' "$3" | head -c 300)"; fi
}

# no_qemu_left NAME: no qemu-system process is a descendant of this test
no_qemu_left() {
	if pgrep -f "qemu-system-x86_64.*$T_TMP" >/dev/null 2>&1; then
		fail "$1" "qemu still running"
		pkill -9 -f "qemu-system-x86_64.*$T_TMP"
	else
		pass "$1"
	fi
}

# console_clean NAME CONSOLE-FILE: PASS when the kernel console exists and
# holds no oops, BUG, panic, GPF, call trace, WARNING, lockup or bad swap
# entry; FAIL with its first such lines (or the missing file) otherwise, and
# return 1 so the caller can keep the evidence.
CONSOLE_BAD='Oops|BUG:|kernel BUG at|Kernel panic -|general protection fault,|Call Trace|WARNING:|lockup|Bad swap file entry'
console_clean() {
	if [ ! -s "$2" ]; then
		fail "$1" "no console log at '$2'"
		return 1
	fi
	if grep -Eq "$CONSOLE_BAD" "$2"; then
		fail "$1" "$(grep -E "$CONSOLE_BAD" "$2" | head -3)"
		return 1
	fi
	pass "$1"
}

# injected_fault_re DOMAIN CONTEXT [FUNCTION]: the regex of the NIM's fault
# event for a fault injected into extension DOMAIN (a page fault in
# FUNCTION, default nooks_injected_fault) in CONTEXT.
injected_fault_re() {
	printf '%s\n' "fault domain=$1 kind=page_fault ip=${3:-nooks_injected_fault}.* ctx=$2 state=failed"
}

# console_no_oops NAME LOG: pass unless console LOG shows an oops, BUG or
# panic (a WARN may be expected: the self-test triggers one).
console_no_oops() {
	if grep -Eq 'Oops|kernel BUG at|Kernel panic -|general protection fault,|invalid opcode:|Call Trace' "$2"; then
		fail "$1" "$(grep -E 'Oops|BUG at|panic -|protection fault,|opcode:|Call Trace' "$2" | head -3)"
	else
		pass "$1"
	fi
}

# keep_evidence NAME DIR: copy a failed run's directory (console, agent
# log, trial.json) out of T_TMP to build/test-evidence/NAME.PID, so an
# intermittent failure leaves what is needed to find its cause.
keep_evidence() {
	d="$TOP/build/test-evidence/$1.$$"
	mkdir -p "$d" && cp -r "$2" "$d/" && echo "# evidence kept: $d"
	grep -hE "$CONSOLE_BAD|nooks: " "$2"/console*.log 2>/dev/null | head -n 20 | sed 's/^/# console: /'
}

finish() { exit $T_FAILED; }
