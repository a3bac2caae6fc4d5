/*
 * cmd_btf.c - `nooks btf`: what the guest kernel's BTF says about its
 * exports and structs (injector/kbtf.h), for the NIM's wrapper generator
 * and for people writing wrapper declarations.
 *
 *   nooks btf exports --vmlinux F --symvers F --modules DIR -o OUT.json
 *   nooks btf proto [--vmlinux F] [--module KO] SYM...
 *   nooks btf struct [--vmlinux F] [--module KO] NAME...
 *
 * --vmlinux defaults to the guest image's vmlinux (its .BTF section).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image.h"
#include "kbtf.h"
#include "kbtf_exports.h"
#include "util.h"

static const char btf_usage[] =
"usage: nooks btf exports --vmlinux FILE --symvers FILE --modules DIR -o OUT.json\n"
"       nooks btf proto [--vmlinux FILE] [--module KO] SYM...\n"
"       nooks btf struct [--vmlinux FILE] [--module KO] NAME...\n"
"\n"
"Read the guest kernel's type information (BTF) with libbpf.\n"
"  exports   every symbol of the kernel's Module.symvers with its kind\n"
"            (func, code, var, data) and, for a function, its prototype: the\n"
"            table kmod/nooks/wrappers/gen.py generates the NIM's wrappers from\n"
"  proto     print the C prototype of each function SYM\n"
"  struct    print the size of struct NAME and its function-pointer members\n"
"\n"
"  --vmlinux FILE   vmlinux (ELF with .BTF) or a raw BTF blob (default: the\n"
"                   guest image's vmlinux)\n"
"  --module KO      also read KO's own BTF (split on vmlinux's)\n"
"  --symvers FILE   the kernel's Module.symvers (exports)\n"
"  --modules DIR    lib/modules/<KVER> of the kernel package (exports: the\n"
"                   exporting modules' BTF)\n"
"  -o, --out FILE   where exports writes its JSON\n";

/* vmlinux's BTF, and ko's split on it when ko is given (*top). */
static int load(const char *vmlinux, const char *ko, struct kbtf **base, struct kbtf **top)
{
	struct image img;
	int ret = 0;

	*base = *top = NULL;
	if (!vmlinux) {
		if (image_load(NULL, &img))
			return -1;
		*base = kbtf_load_vmlinux(img.vmlinux);
		image_release(&img);
	} else {
		*base = kbtf_load_vmlinux(vmlinux);
	}
	if (!*base)
		return -1;
	*top = *base;
	if (ko && !(*top = kbtf_load_module(ko, *base))) {
		kbtf_free(*base);
		ret = -1;
	}
	return ret;
}

static void unload(struct kbtf *base, struct kbtf *top)
{
	if (top != base)
		kbtf_free(top);
	kbtf_free(base);
}

static int print_proto(struct kbtf *btf, const char *sym)
{
	struct kbtf_proto p;
	size_t i;

	if (kbtf_proto(btf, sym, &p))
		return -1;
	printf("%s%s%s(", p.ret, p.ret[strlen(p.ret) - 1] == '*' ? "" : " ", sym);
	for (i = 0; i < p.nparams; i++)
		printf("%s%s", i ? ", " : "", p.params[i]);
	printf("%s%s);\n", p.variadic ? (p.nparams ? ", ..." : "...") : "",
	       !p.nparams && !p.variadic ? "void" : "");
	kbtf_proto_free(&p);
	return 0;
}

static int print_struct(struct kbtf *btf, const char *name)
{
	struct kbtf_slot slots[256];
	size_t size, n, i;

	if (kbtf_struct(btf, name, &size, slots, ARRAY_SIZE(slots), &n))
		return -1;
	printf("struct %s: %zu bytes, %zu function pointer%s\n", name, size, n,
	       n == 1 ? "" : "s");
	for (i = 0; i < n && i < ARRAY_SIZE(slots); i++)
		printf("  %-5zu %s\n", slots[i].offset, slots[i].name);
	return 0;
}

static int cmd_exports(const char *vmlinux, const char *symvers, const char *moddir,
		       const char *out)
{
	struct kbtf_exports_stats st;

	if (!vmlinux || !symvers || !moddir || !out) {
		error("'nooks btf exports' needs --vmlinux, --symvers, --modules and -o");
		return usage(btf_usage, 1);
	}
	if (kbtf_exports(vmlinux, symvers, moddir, out, &st))
		return 1;
	printf("%s: %zu exports, %zu functions with a prototype, %zu without one, "
	       "%zu data (%zu exporting modules without BTF)\n", out, st.exports, st.funcs,
	       st.code, st.data, st.modules_without_btf);
	return 0;
}

int cmd_btf(int argc, char **argv)
{
	const char *vmlinux = NULL, *ko = NULL, *symvers = NULL, *moddir = NULL, *out = NULL;
	const struct opt_spec opts[] = {
		OPT_STRING("vmlinux", &vmlinux),
		OPT_STRING("module", &ko),
		OPT_STRING("symvers", &symvers),
		OPT_STRING("modules", &moddir),
		OPT_STRING_S('o', "out", &out),
		OPT_END()
	};
	struct kbtf *base, *top;
	const char *verb;
	int first, ret, i;

	ret = cli_options("nooks btf", btf_usage, opts, 0, -1, argc, argv, &first);
	if (ret >= 0)
		return ret;
	if (first == argc) {
		error("'nooks btf' needs a command: exports, proto or struct");
		return usage(btf_usage, 1);
	}
	verb = argv[first++];
	if (!strcmp(verb, "exports")) {
		if (first != argc) {
			error("'nooks btf exports' takes no arguments, '%s' given", argv[first]);
			return usage(btf_usage, 1);
		}
		return cmd_exports(vmlinux, symvers, moddir, out);
	}
	if (strcmp(verb, "proto") && strcmp(verb, "struct")) {
		error("unknown 'nooks btf' command '%s' (exports, proto, struct)", verb);
		return usage(btf_usage, 1);
	}
	if (first == argc) {
		error("'nooks btf %s' needs at least one name", verb);
		return usage(btf_usage, 1);
	}
	if (load(vmlinux, ko, &base, &top))
		return 1;
	ret = 0;
	for (i = first; i < argc; i++)
		if ((!strcmp(verb, "proto") ? print_proto : print_struct)(top, argv[i]))
			ret = 1;
	unload(base, top);
	return ret;
}
