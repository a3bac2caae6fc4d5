/*
 * kbtf_exports.c - the table of every symbol the guest kernel exports, with
 * what BTF says it is: the input of the NIM's wrapper generator
 * (kmod/nooks/wrappers/gen.py --exports), written by `nooks btf exports`.
 *
 * Input: the kernel's Module.symvers (CRC, symbol, exporter, export kind,
 * namespace; one per line), vmlinux's BTF, and the exporting modules'
 * .ko files under MODDIR/kernel/<exporter>.ko for their split BTF and
 * symbol table.  Each module is read once (the exports are walked grouped
 * by module).  Output (JSON, sorted by symbol, written atomically):
 *   {"exports": [{"sym", "module" ("vmlinux" or the module's name),
 *                 "gpl", "ns" (its symbol namespace, if any), "kind", "ret", "params", "names", "variadic",
 *                 "callbacks" (func only), "fnargs" (func only, if any: [{"arg",
 *                 "ret", "xpc"}], the function-pointer parameters), "ops"
 *                 (func only, if any: [{"arg", "struct", "const"}], the
 *                 parameters pointing to a struct with function-pointer
 *                 members), "why" (no BTF for its module)}],
 *    "structs": {NAME: {"size", "slots": [{"name", "offset", "ret", "xpc"}]}}}
 * where structs holds every struct an "ops" entry names (the first found
 * under a name), slots its function-pointer members (ret: "void", "ptr",
 * "enum" or "int", what the function returns; xpc: a closure stub can stand for
 * it, kbtf.h).
 * kind: "func" (BTF has its prototype), "code" (a function without one:
 * assembly, or dropped from BTF; kexport_code.h), "var" (a BTF variable),
 * "data" (anything else), "unknown" (the exporter's .ko cannot be read).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "kbtf.h"
#include "kbtf_exports.h"
#include "kexport_code.h"
#include "util.h"

struct export {
	char *sym, *exporter;	/* exporter: "vmlinux" or "drivers/net/mii" */
	char *ns;		/* symbol namespace, or NULL */
	bool gpl;
	struct json_object *json;
};

static int by_exporter(const void *a, const void *b)
{
	const struct export *x = a, *y = b;

	return strcmp(x->exporter, y->exporter);
}

static int by_sym(const void *a, const void *b)
{
	const struct export *x = a, *y = b;

	return strcmp(x->sym, y->sym);
}

/* Module.symvers into *out (sorted by exporter); -1 + error on junk. */
static int read_symvers(const char *path, struct export **out, size_t *n)
{
	char *text = read_file(path, NULL), *line, *save = NULL;
	struct export *ex = NULL;
	size_t cap = 0, k = 0, no = 0;

	if (!text)
		return error_errno("cannot read '%s'", path);
	for (save = text; (line = strsep(&save, "\n"));) {
		char *f[4] = { NULL }, *s = line;
		int i;

		no++;
		if (!*line)	/* blank (after the last line's end) */
			continue;
		for (i = 0; i < 4 && s; i++)
			f[i] = strsep(&s, "\t");
		if (!f[3] || strncmp(f[0], "0x", 2)) {
			free(text);
			for (i = 0; i < (int)k; i++) {
				free(ex[i].sym);
				free(ex[i].exporter);
				free(ex[i].ns);
			}
			free(ex);
			return error("'%s' line %zu is not a Module.symvers record", path, no);
		}
		if (k == cap)
			ex = xrealloc(ex, (cap = cap ? 2 * cap : 1024) * sizeof(*ex));
		ex[k].sym = xstrdup(f[1]);
		ex[k].exporter = xstrdup(f[2]);
		ex[k].gpl = strstr(f[3], "_GPL") != NULL;
		ex[k].ns = s && *s ? xstrdup(s) : NULL;	/* the namespace, if any */
		ex[k].json = NULL;
		k++;
	}
	free(text);
	qsort(ex, k, sizeof(*ex), by_exporter);
	*out = ex;
	*n = k;
	return 0;
}

static struct json_object *strings(char **v, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* kbtf_proto without its error line: a function it cannot print (one
 * returning a function pointer) is recorded as code without a prototype. */
static int proto_quiet(struct kbtf *btf, const char *sym, struct kbtf_proto *p)
{
	int ret;

	error_capture_begin();
	ret = kbtf_proto(btf, sym, p);
	free(error_capture_end());
	return ret;
}

/* The "ops" entries of p; the structs they name added to structs. */
static struct json_object *ops_json(const struct kbtf_proto *p,
				    struct json_object *structs)
{
	struct json_object *a = json_object_new_array();
	size_t i, j;

	for (i = 0; i < p->nops; i++) {
		const struct kbtf_ops_param *op = &p->ops[i];
		struct json_object *o = json_object_new_object(), *st, *slots;

		json_object_object_add(o, "arg", json_object_new_int((int)op->arg));
		json_object_object_add(o, "struct", json_object_new_string(op->name));
		json_object_object_add(o, "const", json_object_new_boolean(op->is_const));
		json_object_array_add(a, o);
		if (json_object_object_get_ex(structs, op->name, NULL))
			continue;
		st = json_object_new_object();
		slots = json_object_new_array();
		for (j = 0; j < op->nslots; j++) {
			struct json_object *sl = json_object_new_object();

			json_object_object_add(sl, "name", json_object_new_string(op->slots[j].name));
			json_object_object_add(sl, "offset", json_object_new_int64((int64_t)op->slots[j].offset));
			json_object_object_add(sl, "ret", json_object_new_string(op->slots[j].ret));
			json_object_object_add(sl, "xpc", json_object_new_boolean(op->slots[j].xpc));
			json_object_array_add(slots, sl);
		}
		json_object_object_add(st, "size", json_object_new_int64((int64_t)op->size));
		json_object_object_add(st, "slots", slots);
		json_object_object_add(structs, op->name, st);
	}
	return a;
}

/* The "fnargs" entries of p: its function-pointer parameters. */
static struct json_object *fnargs_json(const struct kbtf_proto *p)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < p->nfnptr; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "arg", json_object_new_int((int)p->fnargs[i].arg));
		json_object_object_add(o, "ret", json_object_new_string(p->fnargs[i].ret));
		json_object_object_add(o, "xpc", json_object_new_boolean(p->fnargs[i].xpc));
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * The record of one export; btf NULL: its module has no BTF (why); code:
 * its exporter's code symbols; structs: see ops_json().
 */
static struct json_object *record(const struct export *e, struct kbtf *btf,
				  const struct kexport_code *code, const char *why,
				  struct json_object *structs)
{
	struct json_object *o = json_object_new_object();
	const char *mod = strrchr(e->exporter, '/');
	enum kbtf_kind kind = btf ? kbtf_kind_of(btf, e->sym) : KBTF_UNKNOWN;
	struct kbtf_proto p;
	char *name = xstrdup(mod ? mod + 1 : e->exporter), *c;

	for (c = name; *c; c++)		/* the kernel's module name: '-' -> '_' */
		if (*c == '-')
			*c = '_';
	json_object_object_add(o, "sym", json_object_new_string(e->sym));
	json_object_object_add(o, "module", json_object_new_string(name));
	json_object_object_add(o, "gpl", json_object_new_boolean(e->gpl));
	if (e->ns)
		json_object_object_add(o, "ns", json_object_new_string(e->ns));
	free(name);
	if (kind == KBTF_FUNC && proto_quiet(btf, e->sym, &p) == 0) {
		json_object_object_add(o, "kind", json_object_new_string("func"));
		json_object_object_add(o, "ret", json_object_new_string(p.ret));
		json_object_object_add(o, "params", strings(p.params, p.nparams));
		json_object_object_add(o, "names", strings(p.names, p.nparams));
		json_object_object_add(o, "variadic", json_object_new_boolean(p.variadic));
		json_object_object_add(o, "callbacks", json_object_new_int((int)p.nfnptr));
		if (p.nfnptr)
			json_object_object_add(o, "fnargs", fnargs_json(&p));
		if (p.nops)
			json_object_object_add(o, "ops", ops_json(&p, structs));
		kbtf_proto_free(&p);
		return o;
	}
	json_object_object_add(o, "kind", json_object_new_string(
		kind == KBTF_VAR ? "var" : !code ? "unknown" :
		kexport_code_has(code, e->sym) ? "code" : "data"));
	if (why)
		json_object_object_add(o, "why", json_object_new_string(why));
	return o;
}

int kbtf_exports(const char *vmlinux, const char *symvers, const char *moddir,
		 const char *out, struct kbtf_exports_stats *st)
{
	struct kbtf *base = kbtf_load_vmlinux(vmlinux), *btf = NULL;
	struct kexport_code *vmcode = NULL, *code = NULL;
	struct export *ex = NULL;
	struct json_object *root, *arr, *structs;
	size_t n = 0, i;
	const char *cur = NULL, *why = NULL;
	char *errs = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	if (!base)
		return -1;
	if (!dir_exists(moddir)) {
		kbtf_free(base);
		return error("no module directory '%s'", moddir);
	}
	if (!(vmcode = kexport_code_vmlinux(vmlinux)) || read_symvers(symvers, &ex, &n)) {
		kexport_code_free(vmcode);
		kbtf_free(base);
		return -1;
	}
	structs = json_object_new_object();
	for (i = 0; i < n; i++) {
		struct export *e = &ex[i];

		if (!cur || strcmp(cur, e->exporter)) {	/* the next module */
			if (btf != base)
				kbtf_free(btf);
			if (code != vmcode)
				kexport_code_free(code);
			free(errs);
			errs = NULL;
			cur = e->exporter;
			why = NULL;
			if (!strcmp(cur, "vmlinux")) {
				btf = base;
				code = vmcode;
			} else {
				char *ko = xasprintf("%s/kernel/%s.ko", moddir, cur);

				error_capture_begin();
				btf = kbtf_load_module(ko, base);
				code = kexport_code_module(ko);
				errs = error_capture_end();
				why = btf ? NULL : errs;
				st->modules_without_btf += !btf;
				free(ko);
			}
		}
		e->json = record(e, btf, code, why, structs);
		{
			const char *kind = json_object_get_string(
				json_object_object_get(e->json, "kind"));

			if (!strcmp(kind, "func"))
				st->funcs++;
			else if (!strcmp(kind, "code"))
				st->code++;
			else
				st->data++;
		}
	}
	if (btf != base)
		kbtf_free(btf);
	if (code != vmcode)
		kexport_code_free(code);
	kexport_code_free(vmcode);
	free(errs);
	kbtf_free(base);
	qsort(ex, n, sizeof(*ex), by_sym);
	root = json_object_new_object();
	arr = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++) {
		json_object_array_add(arr, ex[i].json);
		free(ex[i].sym);
		free(ex[i].exporter);
		free(ex[i].ns);
	}
	free(ex);
	json_object_object_add(root, "exports", arr);
	json_object_object_add(root, "structs", structs);
	{
		const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);

		ret = write_file_atomic(out, text, strlen(text));
	}
	json_object_put(root);
	st->exports = n;
	return ret;
}
