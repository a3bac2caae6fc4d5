#!/bin/sh
# test_isolate_coverage.sh - `nooks isolate` on every stock module under
# kernel/drivers/net/ethernet and kernel/fs of the pinned kernel (host
# only): prints the figure and every refusal with its reason; at least 95%
# must isolate, each isolated module calls no kernel function but through
# a NIM wrapper, and the wrappers it binds are generated, not per-driver.
. "$(dirname "$0")/lib.sh"
. "$TOP/build/kernel.env"

MODS="$KROOT/lib/modules/$KVER/kernel"
total=0 ok=0 unbound=0
: >"$T_TMP/refusals"
for ko in $(find "$MODS/drivers/net/ethernet" "$MODS/fs" -name '*.ko' | sort); do
	total=$((total + 1))
	name=${ko#"$MODS"/}
	if "$NOOKS" isolate "$ko" -o "$T_TMP/iso.ko" >/dev/null 2>"$T_TMP/err"; then
		ok=$((ok + 1))
		# every remaining undefined symbol is a wrapper, glue, or an
		# address import (--list says which); none is a called function
		"$NOOKS" isolate "$ko" --list >"$T_TMP/list"
		calls=$(awk '$1 == "call" || $1 == "MISSING" { print $2 }' "$T_TMP/list" | sort -u)
		printf '%s\n' "$calls" >"$T_TMP/calls"
		left=$(nm -u "$T_TMP/iso.ko" | awk '{ print $2 }' | sort -u | comm -12 - "$T_TMP/calls")
		[ -z "$left" ] || { unbound=$((unbound + 1)); echo "unbound call in $name: $left" >&2; }
	else
		echo "refused $name: $(head -n 1 "$T_TMP/err")" >>"$T_TMP/refusals"
	fi
done
pct=$((ok * 1000 / (total ? total : 1)))
echo "isolate coverage: $ok of $total modules under drivers/net/ethernet and fs ($((pct / 10)).$((pct % 10))%)"
cat "$T_TMP/refusals"

expect_eq "modules found (drivers/net/ethernet and fs)" 1 "$([ "$total" -gt 100 ] && echo 1)"
expect_eq "at least 95% isolate" 1 "$([ "$pct" -ge 950 ] && echo 1)"
expect_eq "every refusal names its module and reason" "$((total - ok))" \
	"$(grep -cE '^refused [^ ]+\.ko: nooks: error: .+' "$T_TMP/refusals")"
expect_eq "no isolated module calls a kernel function directly" 0 "$unbound"

# the library modules of fs (fat, used by vfat and msdos) and of the NICs
# (mii, 8390) are reached through generated thunks: vfat isolates and its
# calls into fat.ko are bound to nooks_w_ wrappers with no .def line
VFAT="$MODS/fs/fat/vfat.ko"
"$NOOKS" isolate "$VFAT" -o "$T_TMP/vfat.ko" >/dev/null; rc=$?
expect_eq "vfat isolates" 0 "$rc"
expect_match "vfat: fat.ko's exports called through wrappers" "^nooks_w_fat_" \
	"$(nm -u "$T_TMP/vfat.ko" | awk '{ print $2 }')"
expect_eq "no .def line names a fat.ko export" "" \
	"$(grep -hE '^[a-z]+ +fat_' "$TOP"/kmod/nooks/wrappers/*.def)"
finish
