#!/bin/sh
# test_campaign_domains.sh - the campaign mode 'domains' (issue 8,
# criterion 3) on real guests: a tiny campaign of 2 e1000 descriptors in
# modes nooks and domains.  A domains trial is a nooks trial whose
# nooks.ko gets domains=1: its manifest says so, its console shows the NIM
# building the extension's protection domain ("nooks: pd_create
# domain=e1000", kmod/nooks/nooks_pd.c), the nooks trial's shows none; both
# trials of a descriptor inject the same bytes; the rows store mode
# 'domains'; nooks report shows the domains row and the paired sections.
# Outcomes are not asserted (e1000 under domains is work in progress).
. "$(dirname "$0")/lib.sh"
need_built "domains campaign" "$TOP/build/guest/bin/wl-netdev"
e1000_spec pd 77 2 1 '["nooks", "domains"]' '["nop"]' \
	'{ "nic": "e1000", "bytes": 65536, "pings": 2, "deadline": 20 }' 35 >"$T_TMP/pd.json"
DB="$T_TMP/pd.db"
R="$T_TMP/runs"
"$NOOKS" campaign run "$T_TMP/pd.json" --db "$DB" --runs "$R" --keep-runs --no-summary \
	>"$T_TMP/run.log" 2>&1
expect_eq "campaign completes" 0 "$?"
expect_eq "4 trials: 2 descriptors x nooks, domains" \
	"e1000/0000/domains e1000/0000/nooks e1000/0001/domains e1000/0001/nooks" \
	"$(sqlite3 "$DB" "SELECT key FROM trials ORDER BY key" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "mode column" "domains 2 nooks 2" \
	"$(sqlite3 "$DB" "SELECT mode, COUNT(*) FROM trials GROUP BY mode ORDER BY mode" | tr '|\n' '  ' | sed 's/ $//')"
dom=$(ls -d "$R"/*_e1000_0000_domains 2>/dev/null | head -1)
nok=$(ls -d "$R"/*_e1000_0000_nooks 2>/dev/null | head -1)
expect_match "domains manifest loads nooks with domains=1" \
	'"name": *"nooks", *"params": *"domains=1"' "$(tr -d '\n' <"$dom/manifest.json" 2>/dev/null)"
expect_eq "nooks manifest: no params for nooks" 0 "$(grep -c 'domains=1' "$nok/manifest.json" 2>/dev/null)"
expect_eq "same fault bytes in both modes" same "$(cmp -s "$dom/fault.ko" "$nok/fault.ko" && echo same)"
for i in 0000 0001; do
	d=$(ls -d "$R"/*_e1000_${i}_domains | head -1)
	n=$(ls -d "$R"/*_e1000_${i}_nooks | head -1)
	# the NIM attaches a domain when the module loads, before any of its
	# (faulty) code runs: every trial of both modes must show it
	expect_match "e1000/$i/domains: isolated e1000 attached" \
		'nooks: attach domain=e1000 ' "$(cat "$d/run/console.log")"
	expect_match "e1000/$i/domains: the NIM built e1000's domain" \
		'nooks: pd_create domain=e1000 ' "$(cat "$d/run/console.log")"
	expect_match "e1000/$i/nooks: isolated e1000 attached" \
		'nooks: attach domain=e1000 ' "$(cat "$n/run/console.log")"
	expect_eq "e1000/$i/nooks: no domain" 0 "$(grep -c 'nooks: pd_create' "$n/run/console.log")"
done
out=$("$NOOKS" report --db "$DB" -o "$T_TMP/report" 2>&1)
expect_eq "report" 0 "$?"
expect_match "report: domains row" "^e1000 +domains +2 " "$out"
expect_match "report: paired write-protection line" \
	"e1000: caught by write protection that stage 1 missed: [0-9]+ of 2 " "$out"
expect_match "report.md: per-mode survival" "Native crashing faults survived, per mode" \
	"$(cat "$T_TMP/report/report.md")"
echo "$out"
no_qemu_left "no qemu left"
finish
