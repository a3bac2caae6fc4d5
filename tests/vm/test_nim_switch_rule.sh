#!/bin/sh
# test_nim_switch_rule.sh - the written rule of kmod/nooks/nooks.h holds in
# the source (static, no VM):
#   - nooks.h's file list names every source file of kmod/nooks/ and no
#     file that is not there;
#   - only nooks_pd_idt.c writes CR3 or loads an IDT;
#   - nooks_pd_enter()/nooks_pd_leave() are reached only from
#     nooks_xpc_64.S, nooks_pd_idt.c and nooks_pd_sched.c;
#   - the wrapper switch helpers are called only from nooks_wrap.c;
#   - nooks_xpc_enter() is called only from nooks_xpc.c.
. "$(dirname "$0")/lib.sh"
NIM="$TOP/kmod/nooks"
H="$NIM/nooks.h"

# Code lines of F (comments and preprocessor-free enough for a grep):
# drop /* ... */ blocks and // comments.
code() { sed -e 's://.*$::' "$1" | awk '
	{ line = $0; out = "";
	  while (length(line)) {
		if (inc) { i = index(line, "*/"); if (!i) { line = ""; break }
			   line = substr(line, i + 2); inc = 0; continue }
		i = index(line, "/*"); if (!i) { out = out line; break }
		out = out substr(line, 1, i - 1); line = substr(line, i + 2); inc = 1 }
	  print fn ":" NR ":" out }' fn="$(basename "$1")"; }

# Files outside ALLOWED (space-separated basenames) whose code matches RE.
offenders() {
	re=$1 allowed=$2
	for f in "$NIM"/*.c "$NIM"/*.S "$NIM"/*.h; do
		b=$(basename "$f")
		case " $allowed " in *" $b "*) continue ;; esac
		code "$f" | grep -E -- "$re" | sed -E 's/^([^:]+:[0-9]+):.*/\1/'
	done | tr '\n' ' ' | sed 's/ $//'
}

# 1. The file list.
listed=$(sed -n '/Files and their jobs/,/Rule:/p' "$H" | grep -oE 'nooks_[a-z0-9_]+\.(c|S|h)' | sort -u)
# the tracked sources, and the one the build generates (kmod/nooks/.gitignore)
present=$({ git -C "$TOP" ls-files -- kmod/nooks | sed -n 's|^kmod/nooks/\([^/]*\.[cSh]\)$|\1|p'
	   echo nooks_wrappers_gen.c; } | grep -vx nooks.h | sort -u)
printf '%s\n' "$listed" >"$T_TMP/listed"
printf '%s\n' "$present" >"$T_TMP/present"
expect_eq "nooks.h names every file of kmod/nooks" "" "$(comm -13 "$T_TMP/listed" "$T_TMP/present" | tr '\n' ' ')"
expect_eq "nooks.h names no file that is not there" "" "$(comm -23 "$T_TMP/listed" "$T_TMP/present" | tr '\n' ' ')"
echo '   nooks_gone.c  a removed file' >"$T_TMP/h"
expect_eq "the file-list check can fail (a name not in the tree)" "nooks_gone.c" \
	"$(grep -oE 'nooks_[a-z0-9_]+\.(c|S|h)' "$T_TMP/h" | comm -23 - "$T_TMP/present")"

# 2-5. Who may switch.
expect_eq "only nooks_pd_idt.c writes CR3 or loads an IDT" "" \
	"$(offenders 'mov[lq]?[[:space:]]+%+[a-z0-9]+[[:space:]]*,[[:space:]]*%+cr3|mov %0, %%cr3|write_cr3|[^_]lidt|load_idt' 'nooks_pd_idt.c')"
expect_eq "nooks_pd_enter/leave reached only from xpc_64.S, pd_idt.c, pd_sched.c" "" \
	"$(offenders 'nooks_pd_(enter|leave)[[:space:]]*\(|call[[:space:]]+nooks_pd_(enter|leave)' 'nooks_xpc_64.S nooks_pd_idt.c nooks_pd_sched.c nooks_pd.h')"
expect_eq "wrapper switch helpers called only from nooks_wrap.c" "" \
	"$(offenders 'nooks_pd_(wrap_enter|wrap_leave|pass_redirect|pass_back)[[:space:]]*\(' 'nooks_wrap.c nooks_pd_idt.c nooks_pd.h nooks_pd_64.S')"
expect_eq "nooks_xpc_enter called only from nooks_xpc.c" "" \
	"$(offenders 'nooks_xpc_enter' 'nooks_xpc.c nooks_xpc_64.S')"

# The checks can fail: a planted CR3 write in another file is caught.
cp -r "$NIM" "$T_TMP/nim"
printf 'static void bad(unsigned long v) { asm volatile("mov %%0, %%%%cr3" : : "r"(v)); }\n' >>"$T_TMP/nim/nooks_net.c"
NIM="$T_TMP/nim"
expect_eq "a planted CR3 write outside nooks_pd_idt.c is caught" "nooks_net.c:$(wc -l <"$NIM/nooks_net.c")" \
	"$(offenders 'mov[lq]?[[:space:]]+%+[a-z0-9]+[[:space:]]*,[[:space:]]*%+cr3|mov %0, %%cr3|write_cr3|[^_]lidt|load_idt' 'nooks_pd_idt.c')"
finish
