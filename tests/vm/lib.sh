# lib.sh - helpers for VM test scripts (sourced).  Each check prints
# "PASS: name" or "FAIL: name (why)"; finish exits non-zero on any failure.
# Tests run the real bin/nooks against the real guest image.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NOOKS="$TOP/bin/nooks"
T_FAILED=0
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; T_FAILED=1; }
skip() { echo "SKIP: $1${2:+ ($2)}"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
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

finish() { exit $T_FAILED; }
