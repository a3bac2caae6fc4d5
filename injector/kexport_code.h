/*
 * kexport_code.h - which of a kernel object's exported symbols are code:
 * the exports BTF has no prototype for (assembly functions such as memcpy,
 * C functions BTF dropped) still take a signature-agnostic wrapper, data
 * never does (kexport_code.c).
 */
#ifndef NOOKS_KEXPORT_CODE_H
#define NOOKS_KEXPORT_CODE_H

#include <stdbool.h>

struct kexport_code;	/* a sorted set of symbol names */

/*
 * vmlinux (ELF): the symbols of its __ksymtab and __ksymtab_gpl whose
 * address lies in an executable section.  NULL + error.
 */
struct kexport_code *kexport_code_vmlinux(const char *vmlinux);
/* A module (.ko): its defined STT_FUNC symbols.  NULL + error. */
struct kexport_code *kexport_code_module(const char *ko);
bool kexport_code_has(const struct kexport_code *c, const char *sym);
void kexport_code_free(struct kexport_code *c);

#endif
