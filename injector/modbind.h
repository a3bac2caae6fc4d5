/*
 * modbind.h - rebind the imported symbols of a kernel module (.ko) to other
 * providers, without objcopy.
 *
 * A bound copy is built in three steps: modbind_open() copies IN to a
 * temporary file next to OUT with the appended module signature stripped,
 * modbind_rename() renames one undefined symbol and rewrites its __versions
 * record ({u64 crc; char name[56]}) to the new name and the provider's CRC,
 * modbind_commit() writes the result and renames it to OUT.  Until commit
 * nothing exists at OUT; modbind_close() without commit removes the
 * temporary.  Used by `nooks isolate` (NIM wrappers) and by the runtime-fault
 * shim (kmod/swifi).  Never changes .text or relocations: only names, CRCs.
 */
#ifndef NOOKS_MODBIND_H
#define NOOKS_MODBIND_H

#include <stddef.h>
#include <stdint.h>

/* How an import is referenced by the module's relocations. */
#define MODBIND_CALLED 1u /* target of a call/jmp (R_X86_64_PLT32) */
#define MODBIND_ADDR   2u /* any other relocation: data, or an address taken */

struct modbind_import {
	const char *name;  /* owned by the modbind handle */
	unsigned refs;     /* MODBIND_CALLED | MODBIND_ADDR (0: unreferenced) */
	int has_version;   /* a __versions record names it */
};

struct modbind;

/* Open IN and prepare a signature-stripped working copy for OUT. */
struct modbind *modbind_open(const char *in, const char *out);
/* Imported (undefined, named) symbols in symbol-table order; *n /out/. */
const struct modbind_import *modbind_imports(struct modbind *mb, size_t *n);
/* Rename import OLD to NEW and set its __versions record to NEW/CRC. */
int modbind_rename(struct modbind *mb, const char *old, const char *new_name,
		   uint64_t crc);
/*
 * Rename every ".init*" section to ".nooks.init*" so the loader keeps init
 * code and data resident (recovery re-runs init).  Returns how many.
 */
int modbind_keep_init(struct modbind *mb);
/*
 * If a call site in .static_call_sites targets a trampoline for which
 * dropped(name) is true, rename the whole section so the loader patches no
 * site: those calls keep their relocated target, the wrapper, and the
 * others (tracepoints' __SCT__tp_func_*) keep calling their kernel
 * trampoline, which static_call_update() rewrites as it does the inline
 * sites, at the cost of one jump.  Returns the number of wrapped sites, 0
 * if none (the section is then left alone), -1 with a message.
 */
int modbind_drop_static_calls(struct modbind *mb, int (*dropped)(const char *sym));
/* True if IN carried an appended module signature (now stripped). */
int modbind_was_signed(const struct modbind *mb);
/* Write the working copy and rename it to OUT. */
int modbind_commit(struct modbind *mb);
/* Free the handle; removes the working copy unless committed. */
void modbind_close(struct modbind *mb);

/* A Module.symvers file: "crc<TAB>symbol<TAB>module<TAB>export[<TAB>ns]". */
struct symvers;
struct symvers *symvers_load(const char *path);
/* CRC of SYM into *crc /out/; -1 if SYM is not listed (no message). */
int symvers_crc(const struct symvers *sv, const char *sym, uint64_t *crc);
/* Number of symbols and the i-th name (for listings). */
size_t symvers_count(const struct symvers *sv);
const char *symvers_name(const struct symvers *sv, size_t i);
void symvers_free(struct symvers *sv);

/* Bytes of IN to keep when stripping an appended signature (len if none). */
size_t modbind_unsigned_len(const unsigned char *buf, size_t len);

#endif
