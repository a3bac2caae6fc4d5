#!/bin/sh
# test_btf.sh - `nooks btf` (host only, no guest): prototypes and struct
# layouts of a module built here and of vmlinux, the exports table of a
# small Module.symvers and of the whole kernel, bad input refused with one
# error and nothing written; the NIM's wrapper generator (gen.py) on those
# tables: default thunks, module thunks, BTF prototypes, .def errors.
. "$(dirname "$0")/lib.sh"
. "$TOP/build/kernel.env"

VM=$KVMLINUX
J=$T_TMP/out.json

# A module with distinctive exports: variadic, callbacks, data, an ops struct.
M=$T_TMP/mod
mkdir -p "$M"
cat >"$M/btftest.c" <<'EOF'
#include <linux/module.h>
#include <linux/percpu.h>

struct btftest_ops {
	int (*open)(void *priv, int flags);
	int id;
	void (*close)(void *priv);
	long (*ioctl)(void *priv, unsigned int cmd, unsigned long arg);
	enum btftest_res { BTFTEST_NONE, BTFTEST_DONE } (*poll)(void *priv);
	enum btftest_odd { BTFTEST_ODD = 1 } (*odd)(void *priv);
};

int btftest_counter;
EXPORT_SYMBOL(btftest_counter);
DEFINE_PER_CPU(int, btftest_pcpu);
EXPORT_PER_CPU_SYMBOL(btftest_pcpu);

int btftest_sum(const char *name, unsigned long flags, void (*cb)(int), ...)
{
	return name[0] + (int)flags + (cb != NULL);
}
EXPORT_SYMBOL(btftest_sum);

long btftest_call(struct btftest_ops *ops, void (*done)(void *priv), unsigned int n)
{
	return ops->id + n + (done != NULL);
}
EXPORT_SYMBOL_GPL(btftest_call);

static int btftest_open(void *priv, int flags) { return flags; }
struct btftest_ops btftest_default_ops = { .open = btftest_open, .id = 7 };
EXPORT_SYMBOL(btftest_default_ops);

MODULE_LICENSE("GPL");
EOF
echo 'obj-m := btftest.o' >"$M/Makefile"
make -s -C "$KHDR" M="$M" modules >"$T_TMP/build.log" 2>&1; rc=$?
expect_eq "test module builds" 0 "$rc" || { sed 's/^/# /' "$T_TMP/build.log" | tail -n 20; finish; }
KO=$M/btftest.ko
expect_match "module has DWARF (for pahole)" '\.debug_info' "$(readelf -SW "$KO")"
cp "$KO" "$T_TMP/nobtf.ko"
objcopy --remove-section .BTF "$T_TMP/nobtf.ko" 2>/dev/null
# The headers package has no vmlinux: kbuild skips module BTF; add it.
readelf -SW "$KO" | grep -q '\.BTF ' || pahole -J --btf_base "$VM" "$KO" >/dev/null 2>&1
expect_match "module has .BTF" '\.BTF ' "$(readelf -SW "$KO")"

# proto: the module's exports, split on vmlinux's BTF
out=$("$NOOKS" btf proto --vmlinux "$VM" --module "$KO" btftest_sum); rc=$?
expect_eq "proto btftest_sum exits 0" 0 "$rc"
expect_eq "proto btftest_sum: variadic, callback" \
	"int btftest_sum(const char *name, long unsigned int flags, void (*cb)(int), ...);" "$out"
out=$("$NOOKS" btf proto --vmlinux "$VM" --module "$KO" btftest_call)
expect_eq "proto btftest_call" \
	"long int btftest_call(struct btftest_ops *ops, void (*done)(void *), unsigned int n);" "$out"
# vmlinux lookups still work through the module's split BTF
expect_eq "proto through module falls back to vmlinux" "void kfree(const void *object);" \
	"$("$NOOKS" btf proto --vmlinux "$VM" --module "$KO" kfree)"

# struct: size and function-pointer slots (LP64: open 0, id 8, close 16,
# ioctl 24, poll 32, odd 40)
out=$("$NOOKS" btf struct --vmlinux "$VM" --module "$KO" btftest_ops); rc=$?
expect_eq "struct btftest_ops exits 0" 0 "$rc"
expect_eq "struct btftest_ops layout" "struct btftest_ops: 48 bytes, 5 function pointers
  0     open
  16    close
  24    ioctl
  32    poll
  40    odd" "$out"
# slots as pahole sees them: "(*name)(...); /* offset size */"
ph=$(pahole -C btftest_ops "$KO")
expect_eq "btftest_ops size matches pahole" \
	"$(printf '%s\n' "$ph" | sed -n 's/.*size: \([0-9]*\),.*/\1/p')" \
	"$(printf '%s\n' "$out" | sed -n 's/^struct btftest_ops: \([0-9]*\) bytes.*/\1/p')"
expect_eq "btftest_ops slots match pahole" \
	"$(printf '%s\n' "$ph" | sed -n 's/.*(\*\([a-z_]*\))(.*\/\* *\([0-9]*\) .*/\2 \1/p')" \
	"$(printf '%s\n' "$out" | sed -n 's/^  \([0-9]*\) *\([a-z_]*\)$/\1 \2/p')"

# vmlinux
expect_eq "proto __kmalloc" "void *__kmalloc(size_t size, gfp_t flags);" \
	"$("$NOOKS" btf proto --vmlinux "$VM" __kmalloc)"
expect_eq "proto _printk is variadic" "int _printk(const char *fmt, ...);" \
	"$("$NOOKS" btf proto --vmlinux "$VM" _printk)"
expect_eq "proto without --vmlinux reads the guest image's" "void kfree(const void *object);" \
	"$("$NOOKS" btf proto kfree)"
out=$("$NOOKS" btf struct --vmlinux "$VM" net_device_ops)
ph=$(pahole -C net_device_ops "$VM")
expect_eq "net_device_ops size and slot count match pahole" \
	"struct net_device_ops: $(printf '%s\n' "$ph" | sed -n 's/.*size: \([0-9]*\),.*/\1/p') bytes, $(printf '%s\n' "$ph" | grep -c '(\*') function pointers" \
	"$(printf '%s\n' "$out" | head -n 1)"
expect_eq "net_device_ops ndo_start_xmit offset matches pahole" \
	"$(printf '%s\n' "$ph" | sed -n 's/.*(\*ndo_start_xmit)(.*\/\* *\([0-9]*\) .*/\1/p')" \
	"$(printf '%s\n' "$out" | awk '$2 == "ndo_start_xmit" { print $1 }')"

# exports of a small Module.symvers: vmlinux lines, the test module at
# MODDIR/kernel/extra/btftest.ko, a module without BTF, one without a .ko
D=$T_TMP/mods
mkdir -p "$D/kernel/extra"
cp "$KO" "$D/kernel/extra/btftest.ko"
cp "$T_TMP/nobtf.ko" "$D/kernel/extra/btf-nobtf.ko"
SV=$T_TMP/Module.symvers
grep -P '\t(kfree|__kmalloc|_printk|cpu_number|jiffies)\tvmlinux\t' "$KHDR/Module.symvers" >"$SV"
sed "s#\t$M/btftest\t#\textra/btftest\t#" "$M/Module.symvers" >>"$SV"
printf '0x00000001\tbtftest_call\textra/btf-nobtf\tEXPORT_SYMBOL_GPL\t\n' >>"$SV"
printf '0x00000002\tbtfgone_fn\textra/btfgone\tEXPORT_SYMBOL\t\n' >>"$SV"
expect_eq "small symvers has 12 lines" 12 "$(wc -l <"$SV")"
out=$("$NOOKS" btf exports --vmlinux "$VM" --symvers "$SV" --modules "$D" -o "$J" 2>"$T_TMP/err"); rc=$?
expect_eq "small exports exits 0" 0 "$rc"
expect_match "small exports summary" "^$J: 12 exports, 5 functions with a prototype, [0-9]+ without one, [0-9]+ data \(2 exporting modules without BTF\)$" "$out"
rec() { jq -c --arg s "$1" --arg m "${2:-btftest}" '.exports[] | select(.sym == $s and .module == $m)' "$J"; }
expect_eq "record btftest_sum" \
	'{"sym":"btftest_sum","module":"btftest","gpl":false,"kind":"func","ret":"int","params":["const char *name","long unsigned int flags","void (*cb)(int)"],"names":["name","flags","cb"],"variadic":true,"callbacks":1,"fnargs":[{"arg":2,"ret":"void","xpc":true}]}' \
	"$(rec btftest_sum)"
expect_eq "record btftest_call: gpl, one callback" \
	'{"sym":"btftest_call","module":"btftest","gpl":true,"kind":"func","ret":"long int","params":["struct btftest_ops *ops","void (*done)(void *)","unsigned int n"],"names":["ops","done","n"],"variadic":false,"callbacks":1,"fnargs":[{"arg":1,"ret":"void","xpc":true}],"ops":[{"arg":0,"struct":"btftest_ops","const":false}]}' \
	"$(rec btftest_call)"
# an enum with a 0 value returns it when the call fails ("enum"); one
# without fails with an errno like an int
expect_eq "structs: an ops parameter's struct, its callbacks and what they return" \
	'{"size":48,"slots":[{"name":"open","offset":0,"ret":"int","xpc":true},{"name":"close","offset":16,"ret":"void","xpc":true},{"name":"ioctl","offset":24,"ret":"int","xpc":true},{"name":"poll","offset":32,"ret":"enum","xpc":true},{"name":"odd","offset":40,"ret":"int","xpc":true}]}' \
	"$(jq -c '.structs.btftest_ops' "$J")"
expect_eq "record kfree" \
	'{"sym":"kfree","module":"vmlinux","gpl":false,"kind":"func","ret":"void","params":["const void *object"],"names":["object"],"variadic":false,"callbacks":0}' \
	"$(rec kfree vmlinux)"
expect_eq "record _printk: variadic, params without the ..." '["const char *fmt"] true' \
	"$(jq -r '.exports[] | select(.sym == "_printk") | "\(.params | tojson) \(.variadic)"' "$J")"
expect_eq "per-cpu variables are var" "var var" \
	"$(printf '%s %s' "$(rec btftest_pcpu | jq -r .kind)" "$(rec cpu_number vmlinux | jq -r .kind)")"
expect_eq "exported data is not a function, without a prototype" "0 0" \
	"$(for s in btftest_counter btftest_default_ops; do rec $s; done | jq -s -r '
		"\([.[] | select(.kind == "func" or .kind == "var")] | length) \([.[] | select(has("ret") or has("params"))] | length)"')"
expect_eq "records sorted by symbol, one per line of symvers" \
	"$(cut -f2 "$SV" | LC_ALL=C sort | tr '\n' ' ')" "$(jq -r '.exports[].sym' "$J" | tr '\n' ' ')"
expect_eq "module name: '-' becomes '_'" 1 "$(jq '[.exports[] | select(.module == "btf_nobtf")] | length' "$J")"
expect_match "module without .BTF: why says so" "cannot read the BTF of '$D/kernel/extra/btf-nobtf.ko': no .BTF section" \
	"$(rec btftest_call btf_nobtf | jq -r '"\(.kind) \(.why)"' | grep -v '^func ')"
expect_match "missing .ko: why names it" "$D/kernel/extra/btfgone.ko" \
	"$(rec btfgone_fn btfgone | jq -r '"\(.kind) \(.why)"' | grep -v '^func ')"

# bad input: non-zero exit, one error, nothing written
# err1 NAME: stderr is exactly one "nooks: error:" line (libbpf's own
# diagnostics are silenced)
err1() {
	expect_eq "$1: one error line" 1 "$(grep -c '^nooks: error: ' "$T_TMP/err")"
	expect_eq "$1: nothing else on stderr" 1 "$(wc -l <"$T_TMP/err")"
}
"$NOOKS" btf proto --vmlinux "$T_TMP/none" kfree >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
expect_eq "missing vmlinux exits 1" 1 "$rc"
expect_eq "missing vmlinux: exactly one stderr line" 1 "$(wc -l <"$T_TMP/err")"
expect_match "missing vmlinux named" "cannot read the kernel's BTF from '$T_TMP/none'" "$(cat "$T_TMP/err")"
expect_eq "missing vmlinux: no stdout" "" "$(cat "$T_TMP/out")"
"$NOOKS" btf proto --vmlinux "$VM" no_such_function_x >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
expect_eq "unknown symbol exits 1" 1 "$rc"
expect_eq "unknown symbol: one error" "nooks: error: no prototype of 'no_such_function_x' in the kernel's BTF" "$(cat "$T_TMP/err")"
expect_eq "unknown symbol: no stdout" "" "$(cat "$T_TMP/out")"
"$NOOKS" btf proto --vmlinux "$VM" jiffies >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "a variable has no prototype (exit 1)" 1 "$rc"
"$NOOKS" btf struct --vmlinux "$VM" --module "$KO" no_such_struct_x >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
expect_eq "unknown struct exits 1" 1 "$rc"
expect_eq "unknown struct: one error" "nooks: error: no struct 'no_such_struct_x' in the kernel's BTF" "$(cat "$T_TMP/err")"
expect_eq "unknown struct: no stdout" "" "$(cat "$T_TMP/out")"
out=$("$NOOKS" btf proto --vmlinux "$VM" kfree no_such_function_x __kmalloc 2>"$T_TMP/err"); rc=$?
expect_eq "one unknown among several exits 1" 1 "$rc"
expect_eq "the others still printed" 2 "$(printf '%s\n' "$out" | grep -c '^void')"
"$NOOKS" btf proto --vmlinux "$VM" --module "$T_TMP/nobtf.ko" btftest_sum >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
expect_eq "module without .BTF exits 1" 1 "$rc"
err1 "module without .BTF"
expect_match "module without .BTF: says so" "nooks: error: cannot read the BTF of '$T_TMP/nobtf.ko': no .BTF section" "$(cat "$T_TMP/err")"
expect_eq "module without .BTF: no stdout" "" "$(cat "$T_TMP/out")"
head -c 100 /dev/urandom >"$T_TMP/junk.ko"
"$NOOKS" btf struct --vmlinux "$VM" --module "$T_TMP/junk.ko" btftest_ops >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
expect_eq "non-ELF module exits 1" 1 "$rc"
err1 "non-ELF module"
expect_match "non-ELF module named" "nooks: error: cannot read the BTF of '$T_TMP/junk.ko': not an ELF file" "$(cat "$T_TMP/err")"
expect_eq "non-ELF module: no stdout" "" "$(cat "$T_TMP/out")"

"$NOOKS" btf exports --vmlinux "$T_TMP/none" --symvers "$SV" --modules "$D" -o "$T_TMP/x.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "exports: missing vmlinux exits 1" 1 "$rc"
expect_eq "exports: missing vmlinux: exactly one stderr line" 1 "$(wc -l <"$T_TMP/err")"
expect_eq "exports: missing vmlinux: nothing written" "" "$(ls "$T_TMP" | grep '^x.json')"
{ head -n 3 "$SV"; printf 'not a symvers record\n'; tail -n 2 "$SV"; } >"$T_TMP/bad.symvers"
"$NOOKS" btf exports --vmlinux "$VM" --symvers "$T_TMP/bad.symvers" --modules "$D" -o "$T_TMP/x.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "exports: corrupt symvers exits 1" 1 "$rc"
expect_eq "exports: corrupt symvers: the line named" "nooks: error: '$T_TMP/bad.symvers' line 4 is not a Module.symvers record" "$(cat "$T_TMP/err")"
expect_eq "exports: corrupt symvers: nothing written" "" "$(ls "$T_TMP" | grep 'x.json')"
printf '0xabc\tkfree\tvmlinux\n' >"$T_TMP/short.symvers"
"$NOOKS" btf exports --vmlinux "$VM" --symvers "$T_TMP/short.symvers" --modules "$D" -o "$T_TMP/x.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "exports: record with 3 fields exits 1, nothing written" "1 0" "$rc $(ls "$T_TMP" | grep -c 'x.json')"
"$NOOKS" btf exports --vmlinux "$VM" --symvers "$T_TMP/none" --modules "$D" -o "$T_TMP/x.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "exports: missing symvers exits 1, nothing written" "1 0" "$rc $(ls "$T_TMP" | grep -c 'x.json')"
"$NOOKS" btf exports --vmlinux "$VM" --symvers "$SV" -o "$T_TMP/x.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "exports: missing --modules is a usage error (2), nothing written" "2 0" "$rc $(ls "$T_TMP" | grep -c 'x.json')"
expect_match "exports: missing option named" "needs --vmlinux, --symvers, --modules and -o" "$(head -n 1 "$T_TMP/err")"
"$NOOKS" btf exports --vmlinux "$VM" --symvers "$SV" --modules "$T_TMP/nodir" -o "$T_TMP/x.json" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "exports: a missing module directory exits 1, nothing written" "1 0" "$rc $(ls "$T_TMP" | grep -c 'x.json')"
expect_eq "exports: missing module directory named" "nooks: error: no module directory '$T_TMP/nodir'" "$(cat "$T_TMP/err")"
"$NOOKS" btf frob x >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "unknown command is a usage error (2)" 2 "$rc"
expect_match "unknown command named" "unknown 'nooks btf' command 'frob'" "$(head -n 1 "$T_TMP/err")"

# gen.py on the small table: the module's exports get module thunks, a
# wrap line takes the module's prototype from its BTF, vmlinux functions
# get the default thunk, data and variables none
GEN="$TOP/kmod/nooks/wrappers/gen.py"
printf 'wrap   btftest_call : check(mem, ops)\nwrap   kfree : free(mem, object)\n' >"$T_TMP/t.def"
python3 "$GEN" --exports "$J" "$T_TMP/t.def" >"$T_TMP/gen.c" 2>"$T_TMP/err"; rc=$?
expect_eq "gen.py on the small table exits 0" 0 "$rc"
expect_match "wrap: the module's prototype from BTF" \
	'^long int nooks_w_btftest_call\(struct btftest_ops \*ops, void \(\*done\)\(void \*\), unsigned int n\)$' "$(cat "$T_TMP/gen.c")"
expect_match "wrap: the call passes BTF's argument names" '^	ret = btftest_call\(ops, done, n\);$' "$(cat "$T_TMP/gen.c")"
expect_match "wrap: the effect uses BTF's name" 'nooks_owns\(d, &nooks_obj_mem, ops\)' "$(cat "$T_TMP/gen.c")"
# generic shadows (nooks_closure.h): the wrap line rewrites its struct
# argument (non-const: in place) and its callback before the call; the
# variadic module function's thunk calls nooks_shadow_args with its
# descriptor (callback argument 2); kfree takes none
G=$(cat "$T_TMP/gen.c")
expect_match "shadows: the struct's closable slots from BTF" \
	'\.name = "btftest_ops", \.size = 48, \.nslots = 5,' "$G"
expect_match "shadows: slot offsets and return kinds" \
	'\.slots = \{ \{ 0, NOOKS_RET_INT \}, \{ 16, NOOKS_RET_VOID \}, \{ 24, NOOKS_RET_INT \}, \{ 32, NOOKS_RET_ENUM \}, \{ 40, NOOKS_RET_INT \} \},' "$G"
expect_match "shadows: the wrap line's argument table" \
	'nooks_as_btftest_call\[\] = \{ \{ 0, NOOKS_SHADOW_INPLACE, NOOKS_RET_VOID, &nooks_sd_btftest_ops \}, \{ 1, NOOKS_SHADOW_FN, NOOKS_RET_VOID, NULL \} \};' "$G"
expect_match "shadows: the wrap line rewrites the callback" \
	'done = \(typeof\(done\)\)nooks_shadow_arg\(d, &nooks_as_btftest_call\[1\], \(unsigned long\)done\);' "$G"
expect_match "shadows: the thunk's descriptor" \
	'nooks_ad_btftest_sum = \{' "$G"
expect_eq "shadows: the thunk calls nooks_shadow_args once, with it" 1 \
	"$(grep -c 'leaq nooks_ad_btftest_sum(%rip), %rsi' "$T_TMP/gen.c")"
expect_eq "shadows: nothing for kfree or __kmalloc" 0 "$(grep -c 'nooks_ad_k\|nooks_ad___kmalloc' "$T_TMP/gen.c")"
expect_match "wrap kfree: vmlinux's prototype" '^void nooks_w_kfree\(const void \*object\)$' "$(cat "$T_TMP/gen.c")"
expect_match "a module's export: a thunk resolved in its module" \
	'nooks_mp_btftest_sum = \{ .sym = "btftest_sum", .mod = "btftest" \}' "$(cat "$T_TMP/gen.c")"
expect_match "a vmlinux function: the default thunk" '"\\tjmp __kmalloc\\n"' "$(cat "$T_TMP/gen.c")"
expect_eq "data and variables get no wrapper" 0 \
	"$(grep -cE 'nooks_w_(btftest_counter|btftest_default_ops|btftest_pcpu|jiffies|cpu_number)\b' "$T_TMP/gen.c")"
expect_eq "thunks: every function not declared, nothing else" \
	"__kmalloc _printk btftest_sum" \
	"$(sed -n 's/^    "\.globl nooks_w_\(.*\)\\n"$/\1/p' "$T_TMP/gen.c" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "module thunks in the release table" "&nooks_mp_btftest_sum," \
	"$(sed -n '/nooks_modpass_table/,/};/p' "$T_TMP/gen.c" | grep -o '&nooks_mp_[a-z_]*,')"
# undo(FN, EXPR): an object type whose release calls FN, tracked by the
# wrap line, forgotten by FN's own wrapper (generated: FN had no line)
printf 'include <linux/slab.h>\nwrap   __kmalloc : undo(kfree, ret, size > 8)\n' >"$T_TMP/u.def"
python3 "$GEN" --exports "$J" "$T_TMP/u.def" >"$T_TMP/u.c" 2>"$T_TMP/err"; rc=$?
expect_eq "gen.py undo: exits 0" 0 "$rc"
expect_match "include: the header is included" '^#include <linux/slab.h>$' "$(cat "$T_TMP/u.c")"
expect_match "undo: the release calls FN on the object" \
	'^static void nooks_undo_kfree\(struct nooks_obj \*o\)$' "$(cat "$T_TMP/u.c")"
expect_match "undo: FN(o->ptr)" '^	kfree\(o->ptr\);$' "$(cat "$T_TMP/u.c")"
expect_match "undo: the wrap line tracks, with its condition" \
	'nooks_track\(d, &nooks_obj_undo_kfree, \(void \*\)\(ret\), NULL, GFP_ATOMIC\);' \
	"$(grep -A1 'IS_ERR_OR_NULL((const void \*)(ret)) && (size > 8)' "$T_TMP/u.c")"
expect_match "undo: FN gets a C wrapper that forgets" \
	'nooks_untrack\(d, &nooks_obj_undo_kfree, object\);' \
	"$(sed -n '/^void nooks_w_kfree(const void \*object)$/,/^}/p' "$T_TMP/u.c")"
expect_eq "undo: FN has no default thunk any more" 0 "$(grep -c '"\.globl nooks_w_kfree' "$T_TMP/u.c")"

# valid(KIND, EXPR): the object is checked before the call; one that is
# none is a wrapper check and the call is skipped (the whole kernel's table)
printf 'wrap   cancel_work_sync : valid(work, work)\n' >"$T_TMP/v.def"
python3 "$GEN" --exports "$TOP/build/k/$KVER/exports.json" "$T_TMP/v.def" >"$T_TMP/v.c" 2>"$T_TMP/err"; rc=$?
expect_eq "gen.py valid: exits 0" 0 "$rc"
V=$(sed -n '/^bool nooks_w_cancel_work_sync(struct work_struct \*work)$/,/^}/p' "$T_TMP/v.c")
expect_match "valid: nooks_valid_KIND(EXPR) before the call" \
	'if \(d && !nooks_valid_work\(work\)\) \{' "$V"
expect_match "valid: a wrapper check naming the call" \
	'nooks_wrap_violation\(d, "cancel_work_sync: work is no work", work, _RET_IP_\);' "$V"
expect_eq "valid: the check comes first, the call is skipped" \
	"valid return call" \
	"$(printf '%s\n' "$V" | awk '/nooks_valid_work/ { printf "valid " } /return \(bool\)0;/ { printf "return " } /ret = cancel_work_sync\(work\);/ { printf "call" }')"

# queue(HEAD, ENTRY) / dequeue(HEAD, ENTRY): a wait-queue entry recorded
# before the call that queues it, forgotten after the one that removes it
printf 'wrap   add_wait_queue : queue(wq_head, wq_entry)\nwrap   remove_wait_queue : dequeue(wq_head, wq_entry)\n' >"$T_TMP/q.def"
python3 "$GEN" --exports "$TOP/build/k/$KVER/exports.json" "$T_TMP/q.def" >"$T_TMP/q.c" 2>"$T_TMP/err"; rc=$?
expect_eq "gen.py queue/dequeue: exits 0" 0 "$rc"
expect_eq "queue: recorded, then the call" "record call" \
	"$(sed -n '/^void nooks_w_add_wait_queue(/,/^}/p' "$T_TMP/q.c" | awk '/nooks_wait_record\(d, wq_head, wq_entry\);/ { printf "record " } /^\tadd_wait_queue\(wq_head, wq_entry\);/ { printf "call" }')"
expect_eq "dequeue: the call, then forgotten" "call forget" \
	"$(sed -n '/^void nooks_w_remove_wait_queue(/,/^}/p' "$T_TMP/q.c" | awk '/^\tremove_wait_queue\(wq_head, wq_entry\);/ { printf "call " } /nooks_wait_forget\(d, wq_entry\);/ { printf "forget" }')"

# gen.py: a .def line it cannot honour is one error naming file:line
gen_err() {	# NAME DEF-LINE REGEX
	printf '%s\n' "$2" >"$T_TMP/bad.def"
	python3 "$GEN" --exports "$J" "$T_TMP/bad.def" >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
	expect_eq "gen.py $1: exits 1" 1 "$rc"
	expect_match "gen.py $1: says why" "^gen.py: error: $T_TMP/bad.def:1: $3" "$(cat "$T_TMP/err")"
}
gen_err "pass line" "pass kfree" "unknown kind 'pass'"
gen_err "variadic wrap" "wrap _printk" "'_printk' is variadic"
gen_err "unexported symbol" "wrap no_such_fn" "'no_such_fn' is not exported"
gen_err "wrap of data" "wrap jiffies" "'jiffies' has no prototype"
gen_err "lib of data" "lib jiffies" "'jiffies' is not a function"
gen_err "effects on custom" "custom kfree : track(mem, ret)" "only wrap takes effects"
gen_err "bad effect" "wrap kfree : frob(mem, object)" "bad effect 'frob\(mem, object\)'"
gen_err "undo of data" "wrap __kmalloc : undo(jiffies, ret)" "undo: 'jiffies' is not a function of vmlinux"
gen_err "undo of a module's function" "wrap __kmalloc : undo(btftest_sum, ret)" "undo: 'btftest_sum' is not a function of vmlinux"
gen_err "undo of a variadic function" "wrap __kmalloc : undo(_printk, ret)" "undo: '_printk' must take exactly one pointer"
gen_err "include without <>" "include linux/slab.h" "include needs <HEADER.h>"
gen_err "valid of an unknown kind" "wrap kfree : valid(frob, object)" "valid: unknown kind 'frob' \(work, dwork, timer, sock\)"
printf 'custom kfree\nwrap __kmalloc : undo(kfree, ret)\n' >"$T_TMP/bad.def"
python3 "$GEN" --exports "$J" "$T_TMP/bad.def" >/dev/null 2>"$T_TMP/err"
expect_match "gen.py: undo of a custom function" ":1: undo: 'kfree' is declared 'custom'" "$(cat "$T_TMP/err")"
printf 'custom kfree\nwrap kfree\n' >"$T_TMP/bad.def"
python3 "$GEN" --exports "$J" "$T_TMP/bad.def" >/dev/null 2>"$T_TMP/err"
expect_match "gen.py: a symbol declared twice" ":2: 'kfree' already declared at .*bad.def:1" "$(cat "$T_TMP/err")"
python3 "$GEN" "$T_TMP/t.def" >/dev/null 2>"$T_TMP/err"; rc=$?
expect_eq "gen.py without --exports exits 1" 1 "$rc"
echo '{"exp": []}' >"$T_TMP/bad.json"
python3 "$GEN" --exports "$T_TMP/bad.json" "$T_TMP/t.def" >/dev/null 2>"$T_TMP/err"
expect_match "gen.py: a table that is not nooks btf's" "bad.json: not an export table" "$(cat "$T_TMP/err")"

# the whole kernel: every export of Module.symvers, module BTF from KROOT
FULL=$T_TMP/full.json
out=$("$NOOKS" btf exports --vmlinux "$VM" --symvers "$KHDR/Module.symvers" \
	--modules "$KROOT/lib/modules/$KVER" -o "$FULL" 2>"$T_TMP/err"); rc=$?
expect_eq "full exports exits 0" 0 "$rc"
n=$(jq '.exports | length' "$FULL")
expect_eq "full: one record per Module.symvers line" "$(wc -l <"$KHDR/Module.symvers")" "$n"
expect_eq "full: more than 20000 records" 1 "$([ "${n:-0}" -gt 20000 ] && echo 1)"
nf=$(jq '[.exports[] | select(.kind == "func")] | length' "$FULL")
expect_eq "full: more than 20000 functions with a prototype" 1 "$([ "${nf:-0}" -gt 20000 ] && echo 1)"
expect_match "full: summary counts them" "^$FULL: $n exports, $nf functions with a prototype, [0-9]+ without one, [0-9]+ data \(0 exporting modules without BTF\)$" "$out"
expect_eq "full: kfree" "func void" \
	"$(jq -r '.exports[] | select(.sym == "kfree") | "\(.kind) \(.ret)"' "$FULL")"
expect_eq "full: mii_link_ok from module mii" 'mii func ["struct mii_if_info *mii"]' \
	"$(jq -r '.exports[] | select(.sym == "mii_link_ok") | "\(.module) \(.kind) \(.params | tojson)"' "$FULL")"
expect_eq "full: request_threaded_irq has two callbacks" 2 \
	"$(jq '.exports[] | select(.sym == "request_threaded_irq") | .callbacks' "$FULL")"
expect_eq "full: __register_chrdev hands the kernel a const ops table" '[{"arg":4,"struct":"file_operations","const":true}]' \
	"$(jq -c '.exports[] | select(.sym == "__register_chrdev") | .ops' "$FULL")"
expect_eq "full: register_netdevice_notifier hands it a struct it owns" '[{"arg":0,"struct":"notifier_block","const":false}]' \
	"$(jq -c '.exports[] | select(.sym == "register_netdevice_notifier") | .ops' "$FULL")"
expect_eq "full: file_operations' slots as pahole counts them, read returns int, mmap too" \
	"$(pahole -C file_operations "$VM" | grep -c '(\*') int int" \
	"$(jq -r '.structs.file_operations | "\(.slots | length) \(.slots[] | select(.name == "read") | .ret) \(.slots[] | select(.name == "mmap") | .ret)"' "$FULL")"
expect_eq "full: a closure stub can stand for ndo_open (1 parameter), not ndo_fdb_add (7)" "true false" \
	"$(jq -r '[.structs.net_device_ops.slots[] | select(.name == "ndo_open" or .name == "ndo_fdb_add") | .xpc] | join(" ")' "$FULL")"
expect_eq "full: call_rcu's callback is closable, returns nothing" '[{"arg":1,"ret":"void","xpc":true}]' \
	"$(jq -c '.exports[] | select(.sym == "call_rcu") | .fnargs' "$FULL")"
expect_eq "full: a struct with a pointer-returning slot" "ptr" \
	"$(jq -r '.structs.net_device_ops.slots[] | select(.name == "ndo_get_stats") | .ret' "$FULL")"
expect_eq "full: an assembly function is code, a variable of the kernel data" "code data" \
	"$(jq -r '[.exports[] | select(.sym == "__x86_indirect_thunk_rax" or .sym == "jiffies") | .kind] | join(" ")' "$FULL")"
expect_eq "full: a namespaced export carries its namespace" "CXL" \
	"$(jq -r '[.exports[] | select(.ns == "CXL")][0].ns' "$FULL")"
expect_eq "full: every func record is complete" 0 \
	"$(jq '[.exports[] | select(.kind == "func") | select((.ret | type) != "string" or (.params | length) != (.names | length) or (.variadic | type) != "boolean" or (.callbacks | type) != "number")] | length' "$FULL")"
# gen.py on the whole kernel with the NIM's own .def files: one wrapper
# per exported function (less glue and names too long for __versions)
python3 "$GEN" --exports "$FULL" --swifi "$TOP/injector/rtfault_syms.h" \
	"$TOP"/kmod/nooks/wrappers/*.def >"$T_TMP/full.c" 2>"$T_TMP/err"; rc=$?
expect_eq "gen.py on the kernel exits 0" 0 "$rc"
# want: exported functions less glue and too-long names, less the custom
# (hand-written) and data ones; got: what gen.py defined
jq -r '.exports[] | select(.kind == "func" or .kind == "code") | .sym' "$FULL" |
	grep -vE '^(__fentry__|__x86_return_thunk|__x86_indirect_thunk_.*|__x86_indirect_call_thunk_.*|__SCT__.*)$' |
	awk 'length($0) < 48' | sort >"$T_TMP/funcs"
grep -hE '^(custom|data) ' "$TOP"/kmod/nooks/wrappers/*.def | awk '{ print $2 }' | sort >"$T_TMP/decl"
comm -23 "$T_TMP/funcs" "$T_TMP/decl" >"$T_TMP/want"
sed -n 's/^    "\.globl nooks_w_\(.*\)\\n"$/\1/p; s/^.*[ *]nooks_w_\([A-Za-z0-9_]*\)(.*$/\1/p' "$T_TMP/full.c" |
	grep -v '^swifi_w_' | sort -u >"$T_TMP/got"
expect_eq "over 20000 wrappers generated" 1 "$([ "$(wc -l <"$T_TMP/got")" -gt 20000 ] && echo 1)"
expect_eq "a wrapper for every exported function but custom ones" "" "$(comm -23 "$T_TMP/want" "$T_TMP/got" | head)"
expect_eq "no wrapper of anything else" "" "$(comm -13 "$T_TMP/want" "$T_TMP/got" | head)"
expect_match "mii.ko's helpers: module thunks" 'nooks_mp_mii_link_ok = \{ .sym = "mii_link_ok", .mod = "mii" \}' "$(cat "$T_TMP/full.c")"
expect_match "namespaced exports imported" '^MODULE_IMPORT_NS\(CXL\);$' "$(cat "$T_TMP/full.c")"
expect_eq "no hand-written prototype left in the .def files" "" \
	"$(grep -hE '^(wrap|lib|custom|data) +[^ :]*\(' "$TOP"/kmod/nooks/wrappers/*.def)"
finish
