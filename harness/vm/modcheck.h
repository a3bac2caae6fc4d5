/*
 * modcheck.h - cheap validation that a file is a loadable x86-64 kernel
 * module (ELF64, ET_REL, EM_X86_64, .modinfo and .gnu.linkonce.this_module),
 * so bad input fails on the host with a clear message instead of in a guest.
 */
#ifndef NOOKS_MODCHECK_H
#define NOOKS_MODCHECK_H

/* 0 if path looks like a kernel module; -1 with a one-line error otherwise. */
int module_file_check(const char *path);

#endif
