/*
 * kbtf_exports.h - every export of the guest kernel with its BTF prototype
 * (kbtf_exports.c): the table the NIM's wrapper generator reads.
 */
#ifndef NOOKS_KBTF_EXPORTS_H
#define NOOKS_KBTF_EXPORTS_H

#include <stddef.h>

struct kbtf_exports_stats {
	size_t exports;			/* records written */
	size_t funcs;			/* with a prototype */
	size_t code;			/* functions without a prototype (assembly) */
	size_t data;			/* variables, data, unknown */
	size_t modules_without_btf;	/* exporting modules whose .ko has no .BTF */
};

/*
 * Write OUT (JSON, atomically) from vmlinux (its BTF: a raw blob or an ELF
 * file), the kernel's Module.symvers and MODDIR (lib/modules/<KVER> of the
 * image package: the exporting modules' .ko).  -1 + error, nothing written.
 */
int kbtf_exports(const char *vmlinux, const char *symvers, const char *moddir,
		 const char *out, struct kbtf_exports_stats *st /* out */);

#endif
