/*
 * kbtf.c - the guest kernel's BTF through libbpf (kbtf.h).
 *
 * Invariants: every struct btf comes from libbpf's parsers (btf__parse,
 * btf__parse_elf_split) and is freed with btf__free; a struct kbtf owns one
 * and a sorted index of its own FUNC, VAR and STRUCT names (built in one
 * pass: libbpf's btf__find_by_name_kind scans every type, 100,000 in
 * vmlinux, per call).  C text of a type is what btf_dump__emit_type_decl
 * prints, captured with open_memstream; one btf_dump per kbtf.  A symbol
 * is a function iff BTF has a FUNC of that name (its FUNC_PROTO's last
 * parameter of type 0 means "...").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kbtf.h"
#include "util.h"

struct name_ref {
	const char *name;
	__s32 id;
	__u16 kind;
};

struct kbtf {
	struct btf *btf;
	struct kbtf *base;	/* vmlinux's, for a module's split BTF */
	struct name_ref *index;	/* own FUNC, VAR and STRUCT types by name, then id */
	size_t nindex;
	struct btf_dump *dump;	/* created at the first declaration printed */
	FILE *sink;		/* where dump prints, during decl_of() */
};

static int by_name_id(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* One pass over the types: libbpf's lookup by name is a linear scan. */
static struct kbtf *index_btf(struct btf *btf, struct kbtf *base)
{
	struct kbtf *k = xcalloc(1, sizeof(*k));
	__u32 id, n = btf__type_cnt(btf);

	k->btf = btf;
	k->base = base;
	k->index = xcalloc(n, sizeof(*k->index));
	for (id = base ? btf__type_cnt(base->btf) : 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		__u16 kind = btf_kind(t);

		if (kind != BTF_KIND_FUNC && kind != BTF_KIND_VAR && kind != BTF_KIND_STRUCT)
			continue;
		k->index[k->nindex].name = btf__name_by_offset(btf, t->name_off);
		k->index[k->nindex].id = (__s32)id;
		k->index[k->nindex].kind = kind;
		k->nindex++;
	}
	qsort(k->index, k->nindex, sizeof(*k->index), by_name_id);
	return k;
}

/* libbpf prints its own diagnostics to stderr; ours are one line each. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* Why libbpf could not parse path (err: its errno), as one phrase. */
static const char *why_not(const char *path, int err, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	unsigned char magic[4] = { 0 };
	bool elf;

	if (!f)
		return strerror(errno);
	elf = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4);
	fclose(f);
	if (!elf)
		return "not an ELF file";
	if (err == ENOENT)
		return "no .BTF section";
	libbpf_strerror(err, buf, len);
	return buf;
}

/* The BTF of path: vmlinux's (base NULL; ELF or a raw blob) or a module's. */
static struct kbtf *load(const char *path, struct kbtf *base)
{
	struct btf *btf;
	char buf[128];

	libbpf_set_print(quiet);
	btf = base ? btf__parse_elf_split(path, base->btf) : btf__parse(path, NULL);
	if (!btf) {
		int err = errno;
		const char *why = why_not(path, err, buf, sizeof(buf));

		/* a raw BTF blob is not ELF, but fails as a parse error */
		if (!base && !strcmp(why, "not an ELF file")) {
			libbpf_strerror(err, buf, sizeof(buf));
			why = buf;
		}
		error("cannot read the %sBTF %s '%s': %s", base ? "" : "kernel's ", base ? "of" : "from", path, why);
		return NULL;
	}
	return index_btf(btf, base);
}

struct kbtf *kbtf_load_vmlinux(const char *path)
{
	return load(path, NULL);
}

struct kbtf *kbtf_load_module(const char *ko, struct kbtf *base)
{
	return load(ko, base);
}

void kbtf_free(struct kbtf *k)
{
	if (!k)
		return;
	btf_dump__free(k->dump);
	btf__free(k->btf);
	free(k->index);
	free(k);
}

/* The lowest id of a type of that kind and name, own types first; 0 if none. */
static __s32 find(const struct kbtf *k, const char *name, __u16 kind)
{
	struct name_ref key = { .name = name, .id = 0 };
	size_t lo = 0, hi = k->nindex;

	while (lo < hi) {	/* the first entry not below (name, 0) */
		size_t mid = (lo + hi) / 2;

		if (by_name_id(&k->index[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < k->nindex && !strcmp(k->index[lo].name, name); lo++)
		if (k->index[lo].kind == kind)
			return k->index[lo].id;
	return k->base ? find(k->base, name, kind) : 0;
}

enum kbtf_kind kbtf_kind_of(struct kbtf *k, const char *sym)
{
	if (find(k, sym, BTF_KIND_FUNC))
		return KBTF_FUNC;
	if (find(k, sym, BTF_KIND_VAR))
		return KBTF_VAR;
	return KBTF_UNKNOWN;
}

/* id with typedefs and const/volatile/restrict peeled off. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

static bool is_fnptr(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = skip_mods(btf, id);

	if (!t || !btf_is_ptr(t))
		return false;
	t = skip_mods(btf, t->type);
	return t && btf_is_func_proto(t);
}

/* An enum type one of whose values is 0 (its failure value, see below). */
static bool enum_with_zero(const struct btf_type *t)
{
	__u16 i, n = btf_vlen(t);

	if (btf_is_enum(t)) {
		for (i = 0; i < n; i++)
			if (btf_enum(t)[i].val == 0)
				return true;
	} else if (btf_is_enum64(t)) {
		for (i = 0; i < n; i++)
			if (btf_enum64_value(&btf_enum64(t)[i]) == 0)
				return true;
	}
	return false;
}

/*
 * What a function-pointer type's function returns: "void", "ptr", "enum"
 * (an enum with a 0 value, which a failed call returns: IRQ_NONE,
 * HRTIMER_NORESTART, NETDEV_TX_OK) or "int" (a failed call: an errno).
 */
static const char *ret_kind(const struct btf *btf, __u32 fnptr)
{
	const struct btf_type *t = skip_mods(btf, fnptr), *r;

	t = skip_mods(btf, t->type);		/* the func_proto */
	if (!t->type)
		return "void";
	r = skip_mods(btf, t->type);
	if (r && btf_is_ptr(r))
		return "ptr";
	return r && enum_with_zero(r) ? "enum" : "int";
}

/* An integer, enum or pointer type: what one integer register carries. */
static bool in_register(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = skip_mods(btf, id);

	if (!t)
		return false;
	if (btf_is_ptr(t) || btf_is_enum(t) || btf_is_enum64(t))
		return true;
	return btf_is_int(t) && t->size <= 8;
}

/*
 * A function-pointer type a closure stub (kmod/nooks/nooks_closure.c) can
 * stand for: at most 6 parameters, not variadic, each parameter and the
 * result (if any) in one integer register.
 */
static bool closable(const struct btf *btf, __u32 fnptr)
{
	const struct btf_type *t = skip_mods(btf, skip_mods(btf, fnptr)->type);
	const struct btf_param *prm = btf_params(t);
	size_t i, n = btf_vlen(t);

	if (n > 6 || (t->type && !in_register(btf, t->type)))
		return false;
	for (i = 0; i < n; i++)
		if (!prm[i].type || !in_register(btf, prm[i].type))
			return false;	/* variadic, or a struct by value */
	return true;
}

/* The function-pointer members of struct t into slots[0..cap); their count. */
static size_t fn_slots(const struct btf *btf, const struct btf_type *t,
		       struct kbtf_slot *slots, size_t cap)
{
	const struct btf_member *m = btf_members(t);
	size_t i, ns = 0;

	for (i = 0; i < btf_vlen(t); i++) {
		if (!is_fnptr(btf, m[i].type))
			continue;
		if (slots && ns < cap) {
			snprintf(slots[ns].name, sizeof(slots[ns].name), "%s",
				 btf__name_by_offset(btf, m[i].name_off));
			slots[ns].offset = btf_member_bit_offset(t, i) / 8;
			snprintf(slots[ns].ret, sizeof(slots[ns].ret), "%s",
				 ret_kind(btf, m[i].type));
			slots[ns].xpc = closable(btf, m[i].type);
		}
		ns++;
	}
	return ns;
}

/*
 * Parameter type id as an ops parameter: a pointer to a named struct with
 * function-pointer members.  false for anything else.
 */
static bool ops_param(const struct btf *btf, __u32 id, struct kbtf_ops_param *op)
{
	const struct btf_type *t = skip_mods(btf, id);
	const char *name;
	size_t n;

	if (!t || !btf_is_ptr(t))
		return false;
	op->is_const = false;
	for (t = btf__type_by_id(btf, t->type); t && (btf_is_typedef(t) || btf_is_mod(t));
	     t = btf__type_by_id(btf, t->type))
		op->is_const |= btf_is_const(t);
	if (!t || !btf_is_struct(t))
		return false;
	name = btf__name_by_offset(btf, t->name_off);
	n = fn_slots(btf, t, NULL, 0);
	if (!name || !*name || !n)
		return false;
	op->name = xstrdup(name);
	op->size = t->size;
	op->nslots = n;
	op->slots = xcalloc(n, sizeof(*op->slots));
	fn_slots(btf, t, op->slots, n);
	return true;
}

static void to_sink(void *ctx, const char *fmt, va_list ap)
{
	struct kbtf *k = ctx;

	vfprintf(k->sink, fmt, ap);
}

/* The C declaration of type id named name ("" for an abstract one). */
static char *decl_of(struct kbtf *k, __u32 id, const char *name)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = name);
	char *text = NULL;
	size_t len = 0;
	int err;

	if (!k->dump && !(k->dump = btf_dump__new(k->btf, to_sink, k, NULL)))
		return NULL;
	k->sink = open_memstream(&text, &len);
	if (!k->sink)
		return NULL;
	err = btf_dump__emit_type_decl(k->dump, id, &o);
	fclose(k->sink);
	k->sink = NULL;
	if (err) {
		free(text);
		return NULL;
	}
	return text;
}

int kbtf_proto(struct kbtf *k, const char *sym, struct kbtf_proto *p)
{
	const struct btf *btf = k->btf;
	__s32 id = find(k, sym, BTF_KIND_FUNC);
	const struct btf_type *fn, *proto;
	const struct btf_param *prm;
	size_t i, n;

	memset(p, 0, sizeof(*p));
	if (!id)
		return error("no prototype of '%s' in the kernel's BTF", sym);
	fn = btf__type_by_id(btf, id);
	proto = btf__type_by_id(btf, fn->type);
	if (!proto || !btf_is_func_proto(proto))
		return error("BTF of '%s' is not a function prototype", sym);
	if (is_fnptr(btf, proto->type))	/* C would need the name inside the type */
		return error("'%s' returns a function pointer: no prototype as C text", sym);
	p->ret = decl_of(k, proto->type, "");
	prm = btf_params(proto);
	n = btf_vlen(proto);
	if (n && prm[n - 1].type == 0) {
		p->variadic = true;
		n--;
	}
	p->params = xcalloc(n + 1, sizeof(*p->params));
	p->names = xcalloc(n + 1, sizeof(*p->names));
	p->ops = xcalloc(n + 1, sizeof(*p->ops));
	p->fnargs = xcalloc(n + 1, sizeof(*p->fnargs));
	for (i = 0; i < n; i++) {
		const char *nm = btf__name_by_offset(btf, prm[i].name_off);

		p->names[i] = nm && *nm ? xstrdup(nm) : xasprintf("arg%zu", i + 1);
		p->params[i] = decl_of(k, prm[i].type, p->names[i]);
		if (!p->params[i])
			break;
		if (is_fnptr(btf, prm[i].type)) {
			struct kbtf_fnarg *fa = &p->fnargs[p->nfnptr++];

			fa->arg = i;
			snprintf(fa->ret, sizeof(fa->ret), "%s", ret_kind(btf, prm[i].type));
			fa->xpc = closable(btf, prm[i].type);
		}
		if (ops_param(btf, prm[i].type, &p->ops[p->nops]))
			p->ops[p->nops++].arg = i;
	}
	p->nparams = i;
	if (!p->ret || i < n) {
		kbtf_proto_free(p);
		return error("cannot print the prototype of '%s' from BTF", sym);
	}
	return 0;
}

void kbtf_proto_free(struct kbtf_proto *p)
{
	size_t i;

	for (i = 0; p->params && i < p->nparams; i++) {
		free(p->params[i]);
		free(p->names[i]);
	}
	if (p->params && p->names && p->names[p->nparams])	/* a partial fill */
		free(p->names[p->nparams]);
	for (i = 0; p->ops && i < p->nops; i++) {
		free(p->ops[i].name);
		free(p->ops[i].slots);
	}
	free(p->ops);
	free(p->fnargs);
	free(p->params);
	free(p->names);
	free(p->ret);
	memset(p, 0, sizeof(*p));
}

int kbtf_struct(struct kbtf *k, const char *name, size_t *size,
		struct kbtf_slot *slots, size_t cap, size_t *nslots)
{
	const struct btf *btf = k->btf;
	__s32 id = find(k, name, BTF_KIND_STRUCT);
	const struct btf_type *t;

	if (!id)
		return error("no struct '%s' in the kernel's BTF", name);
	t = btf__type_by_id(btf, id);
	*size = t->size;
	*nslots = fn_slots(btf, t, slots, cap);
	return 0;
}
