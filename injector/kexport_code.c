/*
 * kexport_code.c - which exported symbols are code (kexport_code.h), read
 * with libelf.
 *
 * vmlinux: each entry of __ksymtab and __ksymtab_gpl is a struct
 * kernel_symbol with place-relative offsets (x86-64 has
 * CONFIG_HAVE_ARCH_PREL32_RELOCATIONS): { int value_offset, name_offset,
 * namespace_offset }, 12 bytes; the value is at entry + value_offset, the
 * name at entry + 4 + name_offset, inside __ksymtab_strings.  A layout
 * that does not fit (a table size not a multiple of 12, a name outside the
 * strings) is an error, not a guess.  Module: the defined STT_FUNC
 * symbols of its .symtab (Debian strips debug info, never the symtab).
 *
 * Invariant: the set is sorted (strcmp) and owns its strings.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kexport_code.h"
#include "util.h"

#define KSYM_SIZE 12	/* struct kernel_symbol with PREL32 offsets */

struct kexport_code {
	char **names;
	size_t n, cap;
};

static void add(struct kexport_code *c, const char *name)
{
	if (c->n == c->cap)
		c->names = xrealloc(c->names, (c->cap = c->cap ? 2 * c->cap : 1024) *
					      sizeof(*c->names));
	c->names[c->n++] = xstrdup(name);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void kexport_code_free(struct kexport_code *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c);
}

bool kexport_code_has(const struct kexport_code *c, const char *sym)
{
	return c && bsearch(&sym, c->names, c->n, sizeof(*c->names), by_name);
}

/* The section of e whose name is name, or NULL. */
static Elf_Scn *section(Elf *e, const char *name, GElf_Shdr *sh /* out */)
{
	Elf_Scn *s = NULL;
	size_t shstr;

	if (elf_getshdrstrndx(e, &shstr))
		return NULL;
	while ((s = elf_nextscn(e, s))) {
		const char *n;

		if (gelf_getshdr(s, sh) && (n = elf_strptr(e, shstr, sh->sh_name)) &&
		    !strcmp(n, name))
			return s;
	}
	return NULL;
}

/* Whether addr lies in an allocated executable section of e. */
static bool in_text(Elf *e, GElf_Addr addr)
{
	Elf_Scn *s = NULL;
	GElf_Shdr sh;

	while ((s = elf_nextscn(e, s)))
		if (gelf_getshdr(s, &sh) && (sh.sh_flags & SHF_EXECINSTR) &&
		    sh.sh_type == SHT_PROGBITS && addr >= sh.sh_addr &&
		    addr < sh.sh_addr + sh.sh_size)
			return true;
	return false;
}

/* The code symbols of one ksymtab of vmlinux into c; -1 + error. */
static int walk_ksymtab(Elf *e, const char *path, const char *tab, Elf_Data *strs,
			const GElf_Shdr *strsh, struct kexport_code *c)
{
	GElf_Shdr sh;
	Elf_Scn *s = section(e, tab, &sh);
	Elf_Data *d;
	size_t i;

	if (!s)
		return error("'%s' has no %s section", path, tab);
	d = elf_getdata(s, NULL);
	if (!d || d->d_size % KSYM_SIZE)
		return error("%s of '%s' is not a table of 12-byte kernel_symbol entries",
			     tab, path);
	for (i = 0; i < d->d_size / KSYM_SIZE; i++) {
		const unsigned char *ent = (const unsigned char *)d->d_buf + i * KSYM_SIZE;
		int32_t value_off, name_off;
		GElf_Addr at = sh.sh_addr + i * KSYM_SIZE, name_at;
		const char *name;

		memcpy(&value_off, ent, 4);
		memcpy(&name_off, ent + 4, 4);
		name_at = at + 4 + (int64_t)name_off;
		if (name_at < strsh->sh_addr || name_at >= strsh->sh_addr + strsh->sh_size)
			return error("%s entry %zu of '%s' names nothing in __ksymtab_strings",
				     tab, i, path);
		name = (const char *)strs->d_buf + (name_at - strsh->sh_addr);
		if (!memchr(name, 0, strsh->sh_addr + strsh->sh_size - name_at))
			return error("%s entry %zu of '%s' has an unterminated name", tab, i, path);
		if (in_text(e, at + (int64_t)value_off))
			add(c, name);
	}
	return 0;
}

/* Open path with libelf; fd and Elf into the outs, -1 + error. */
static int open_elf(const char *path, int *fd, Elf **e)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return error("libelf: %s", elf_errmsg(-1));
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return error_errno("cannot open '%s'", path);
	*e = elf_begin(*fd, ELF_C_READ, NULL);
	if (!*e || elf_kind(*e) != ELF_K_ELF) {
		elf_end(*e);
		close(*fd);
		return error("'%s' is not an ELF file", path);
	}
	return 0;
}

/* The code symbols of vmlinux: its ksymtabs' entries in executable sections. */
static int fill_vmlinux(Elf *e, const char *vmlinux, struct kexport_code *c)
{
	GElf_Shdr strsh;
	Elf_Scn *strs = section(e, "__ksymtab_strings", &strsh);
	Elf_Data *sd = strs ? elf_getdata(strs, NULL) : NULL;

	if (!sd || sd->d_size != strsh.sh_size)
		return error("'%s' has no __ksymtab_strings section", vmlinux);
	return walk_ksymtab(e, vmlinux, "__ksymtab", sd, &strsh, c) ||
	       walk_ksymtab(e, vmlinux, "__ksymtab_gpl", sd, &strsh, c) ? -1 : 0;
}

/* The code symbols of a module: its defined STT_FUNC symbols. */
static int fill_module(Elf *e, const char *ko, struct kexport_code *c)
{
	GElf_Shdr sh;
	Elf_Scn *s = section(e, ".symtab", &sh);
	Elf_Data *d = s ? elf_getdata(s, NULL) : NULL;
	size_t i;

	if (!d || !sh.sh_entsize)
		return error("'%s' has no symbol table", ko);
	for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(e, sh.sh_link, sym.st_name);
		if (name && *name)
			add(c, name);
	}
	return 0;
}

/* The set fill() collects from the ELF file path; NULL + error. */
static struct kexport_code *collect(const char *path,
				    int (*fill)(Elf *e, const char *path, struct kexport_code *c))
{
	struct kexport_code *c;
	Elf *e = NULL;
	int fd = -1, err;

	if (open_elf(path, &fd, &e))
		return NULL;
	c = xcalloc(1, sizeof(*c));
	err = fill(e, path, c);
	elf_end(e);
	close(fd);
	if (err) {
		kexport_code_free(c);
		return NULL;
	}
	qsort(c->names, c->n, sizeof(*c->names), by_name);
	return c;
}

struct kexport_code *kexport_code_vmlinux(const char *vmlinux)
{
	return collect(vmlinux, fill_vmlinux);
}

struct kexport_code *kexport_code_module(const char *ko)
{
	return collect(ko, fill_module);
}
