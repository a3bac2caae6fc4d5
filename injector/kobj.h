/*
 * kobj.h - a relocatable x86-64 ELF object (kernel module) held in memory
 * for in-place mutation: sections, symbols and RELA relocations are parsed
 * with libelf from a private copy; mutations patch kobj.buf, whose layout
 * never changes, and kobj_write() writes it back byte for byte, minus an
 * appended module signature (it cannot match mutated bytes; the kernel
 * rejects a bad signature but loads an unsigned module when not enforcing).
 *
 * Owns: the file image and the parsed tables.  Never changes a section's
 * size or the file layout, never decides what to mutate.
 */
#ifndef NOOKS_KOBJ_H
#define NOOKS_KOBJ_H

#include <stddef.h>
#include <stdint.h>

struct kreloc {
	uint64_t offset;	/* in the target section */
	uint32_t type;		/* R_X86_64_* */
	uint32_t sym;		/* symbol table index */
	int64_t addend;
	size_t file_off;	/* of the Elf64_Rela entry in buf */
};

struct ksym {
	const char *name;	/* "" if unnamed; points into the libelf copy */
	uint64_t value, size;
	unsigned shndx;
	unsigned char type, bind;
};

struct ksec {
	const char *name;
	unsigned idx;
	uint32_t type;
	uint64_t flags, off, size;	/* off: file offset of the bytes */
	struct kreloc *rel;		/* relocations applying to this section, by offset */
	size_t nrel;
};

struct kobj {
	char *path;
	unsigned char *buf;	/* ELF image, mutated in place (appended signature dropped) */
	size_t len;
	size_t orig_len;	/* input file size, signature included */
	void *elf_copy;		/* private copy parsed by libelf */
	void *elf;		/* Elf * */
	struct ksec *sec;
	size_t nsec;
	struct ksym *sym;
	size_t nsym;
};

/* Parse a relocatable x86-64 ELF from path; one-line error and -1 on bad input. */
int kobj_load(const char *path, struct kobj *o /* out */);
/* Same from a memory image (copied); name is used in messages. */
int kobj_load_mem(const char *name, const void *buf, size_t len, struct kobj *o /* out */);
void kobj_free(struct kobj *o);
/* Write the (mutated) image atomically to path (temp file + rename). */
int kobj_write(const struct kobj *o, const char *path);
/* Section by name, or NULL. */
struct ksec *kobj_section(struct kobj *o, const char *name);
/* Pointer to a section's bytes in buf (NULL for SHT_NOBITS). */
unsigned char *kobj_bytes(struct kobj *o, const struct ksec *s);
/* The STT_FUNC symbol covering sec:off (largest start <= off), or NULL; *delta gets off - start. */
const struct ksym *kobj_func_at(const struct kobj *o, unsigned sec, uint64_t off, uint64_t *delta /* out */);
/* Number of bytes a relocation type patches (0 for R_X86_64_NONE, -1 if unknown). */
int kobj_reloc_size(uint32_t type);
/* Name of a relocation type ("R_X86_64_PC32"). */
const char *kobj_reloc_name(uint32_t type);
/* Turn relocation r of section s into R_X86_64_NONE in buf and in the table. */
void kobj_reloc_neutralize(struct kobj *o, struct ksec *s, struct kreloc *r);
/* Name of the symbol a relocation refers to (section name for STT_SECTION). */
const char *kobj_reloc_symname(const struct kobj *o, const struct kreloc *r);

#endif
