/*
 * kobj.c - load a relocatable x86-64 ELF object with libelf, keep its file
 * image for in-place mutation, write it back unchanged in layout.
 *
 * libelf parses a private copy (elf_memory), so the tables stay those of the
 * input while kobj.buf receives the mutations.  Nothing here resizes or
 * moves a section.
 */
#include "kobj.h"

#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int cmp_rel(const void *a, const void *b)
{
	const struct kreloc *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->file_off < y->file_off ? -1 : x->file_off > y->file_off;
}

static int check_header(const char *name, const unsigned char *buf, size_t len)
{
	if (len < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG))
		return error("'%s' is not an ELF file", name);
	if (buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB)
		return error("'%s' is not a 64-bit little-endian ELF file", name);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;

	if (eh->e_machine != EM_X86_64)
		return error("'%s' is not an x86-64 object (e_machine %u)", name, eh->e_machine);
	if (eh->e_type != ET_REL)
		return error("'%s' is not a relocatable object (e_type %u, expected ET_REL)",
			     name, eh->e_type);
	return 0;
}

static int load_symbols(struct kobj *o, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t i, n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	if (o->sym)
		return error("'%s' has more than one symbol table", o->path);
	if (!d)
		return error("'%s': cannot read the symbol table: %s", o->path, elf_errmsg(-1));
	o->sym = xcalloc(n ? n : 1, sizeof(*o->sym));
	o->nsym = n;
	for (i = 0; i < n; i++) {
		GElf_Sym s;
		const char *nm;

		if (!gelf_getsym(d, (int)i, &s))
			return error("'%s': bad symbol %zu", o->path, i);
		nm = elf_strptr(o->elf, sh->sh_link, s.st_name);
		o->sym[i].name = nm ? nm : "";
		o->sym[i].value = s.st_value;
		o->sym[i].size = s.st_size;
		o->sym[i].shndx = s.st_shndx;
		o->sym[i].type = GELF_ST_TYPE(s.st_info);
		o->sym[i].bind = GELF_ST_BIND(s.st_info);
	}
	return 0;
}

static int load_relocs(struct kobj *o, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t i, n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	struct ksec *t;

	if (sh->sh_info == 0 || sh->sh_info >= o->nsec)
		return 0;
	if (!d)
		return error("'%s': cannot read relocations: %s", o->path, elf_errmsg(-1));
	t = &o->sec[sh->sh_info];
	t->rel = xrealloc(t->rel, (t->nrel + n + 1) * sizeof(*t->rel));
	for (i = 0; i < n; i++) {
		GElf_Rela r;
		struct kreloc *k = &t->rel[t->nrel++];

		if (!gelf_getrela(d, (int)i, &r))
			return error("'%s': bad relocation %zu", o->path, i);
		k->offset = r.r_offset;
		k->type = (uint32_t)GELF_R_TYPE(r.r_info);
		k->sym = (uint32_t)GELF_R_SYM(r.r_info);
		k->addend = r.r_addend;
		k->file_off = sh->sh_offset + i * sh->sh_entsize;
	}
	qsort(t->rel, t->nrel, sizeof(*t->rel), cmp_rel);
	return 0;
}

#define SIG_MARKER "~Module signature appended~\n"

/*
 * Length of the ELF image without an appended module signature (struct
 * module_signature, 12 bytes, big-endian sig_len last, then the marker).
 * A mutated module cannot keep its signature: the kernel rejects a bad one
 * (EKEYREJECTED) but loads an unsigned one (taint E) when not enforcing.
 */
static size_t strip_signature(const unsigned char *buf, size_t len)
{
	size_t ml = sizeof(SIG_MARKER) - 1, total;
	const unsigned char *ms;

	if (len < ml + 12 || memcmp(buf + len - ml, SIG_MARKER, ml))
		return len;
	ms = buf + len - ml - 12;
	total = ml + 12 + ms[3] + ms[4] +
		((size_t)ms[8] << 24 | (size_t)ms[9] << 16 | (size_t)ms[10] << 8 | ms[11]);
	return total <= len ? len - total : len;
}

int kobj_load_mem(const char *name, const void *buf, size_t len, struct kobj *o)
{
	size_t shstrndx, i;
	Elf_Scn *scn = NULL;

	memset(o, 0, sizeof(*o));
	o->path = xstrdup(name);
	if (check_header(name, buf, len))
		goto err;
	o->orig_len = len;
	len = strip_signature(buf, len);
	o->buf = xmalloc(len);
	memcpy(o->buf, buf, len);
	o->len = len;
	o->elf_copy = xmalloc(len);
	memcpy(o->elf_copy, buf, len);
	elf_version(EV_CURRENT);
	o->elf = elf_memory(o->elf_copy, len);
	if (!o->elf || elf_getshdrnum(o->elf, &o->nsec) || elf_getshdrstrndx(o->elf, &shstrndx)) {
		error("'%s': cannot parse ELF: %s", name, elf_errmsg(-1));
		goto err;
	}
	o->sec = xcalloc(o->nsec ? o->nsec : 1, sizeof(*o->sec));
	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;
		size_t idx = elf_ndxscn(scn);
		struct ksec *s = &o->sec[idx];
		const char *nm;

		if (!gelf_getshdr(scn, &sh) || idx >= o->nsec) {
			error("'%s': bad section header %zu", name, idx);
			goto err;
		}
		nm = elf_strptr(o->elf, shstrndx, sh.sh_name);
		s->name = nm ? nm : "";
		s->idx = (unsigned)idx;
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->off = sh.sh_offset;
		s->size = sh.sh_size;
		if (sh.sh_type != SHT_NOBITS && (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)) {
			error("'%s': section '%s' lies outside the file", name, s->name);
			goto err;
		}
	}
	o->sec[0].name = "";
	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_SYMTAB && load_symbols(o, scn, &sh))
			goto err;
		if (sh.sh_type == SHT_RELA && load_relocs(o, scn, &sh))
			goto err;
		if (sh.sh_type == SHT_REL) {
			error("'%s': SHT_REL section '%s' not supported (x86-64 uses RELA)",
			      name, o->sec[elf_ndxscn(scn)].name);
			goto err;
		}
	}
	if (!o->sym) {
		error("'%s' has no symbol table", name);
		goto err;
	}
	for (i = 0; i < o->nsec; i++)
		for (size_t j = 0; j < o->sec[i].nrel; j++)
			if (o->sec[i].rel[j].sym >= o->nsym) {
				error("'%s': relocation in '%s' names symbol %u of %zu", name,
				      o->sec[i].name, o->sec[i].rel[j].sym, o->nsym);
				goto err;
			}
	return 0;
err:
	kobj_free(o);
	return -1;
}

int kobj_load(const char *path, struct kobj *o)
{
	size_t len;
	char *buf = read_file(path, &len);
	int r;

	if (!buf) {
		memset(o, 0, sizeof(*o));
		return -1;
	}
	r = kobj_load_mem(path, buf, len, o);
	free(buf);
	return r;
}

void kobj_free(struct kobj *o)
{
	size_t i;

	if (o->elf)
		elf_end(o->elf);
	for (i = 0; o->sec && i < o->nsec; i++)
		free(o->sec[i].rel);
	free(o->sec);
	free(o->sym);
	free(o->elf_copy);
	free(o->buf);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

int kobj_write(const struct kobj *o, const char *path)
{
	return write_file_atomic(path, o->buf, o->len);
}

struct ksec *kobj_section(struct kobj *o, const char *name)
{
	size_t i;

	for (i = 1; i < o->nsec; i++)
		if (!strcmp(o->sec[i].name, name))
			return &o->sec[i];
	return NULL;
}

unsigned char *kobj_bytes(struct kobj *o, const struct ksec *s)
{
	return s->type == SHT_NOBITS ? NULL : o->buf + s->off;
}

const struct ksym *kobj_func_at(const struct kobj *o, unsigned sec, uint64_t off,
				uint64_t *delta)
{
	const struct ksym *best = NULL;
	size_t i;

	for (i = 0; i < o->nsym; i++) {
		const struct ksym *s = &o->sym[i];

		if (s->shndx != sec || s->type != STT_FUNC || s->value > off)
			continue;
		if (!best || s->value > best->value ||
		    (s->value == best->value && s->bind == STB_GLOBAL && best->bind != STB_GLOBAL))
			best = s;
	}
	if (best && delta)
		*delta = off - best->value;
	return best;
}

int kobj_reloc_size(uint32_t type)
{
	switch (type) {
	case R_X86_64_NONE: return 0;
	case R_X86_64_64: case R_X86_64_PC64: case R_X86_64_GOTOFF64: return 8;
	case R_X86_64_PC32: case R_X86_64_PLT32: case R_X86_64_32: case R_X86_64_32S:
	case R_X86_64_GOTPCREL: case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
		return 4;
	case R_X86_64_16: case R_X86_64_PC16: return 2;
	case R_X86_64_8: case R_X86_64_PC8: return 1;
	default: return -1;
	}
}

const char *kobj_reloc_name(uint32_t type)
{
	switch (type) {
	case R_X86_64_NONE: return "R_X86_64_NONE";
	case R_X86_64_64: return "R_X86_64_64";
	case R_X86_64_PC64: return "R_X86_64_PC64";
	case R_X86_64_PC32: return "R_X86_64_PC32";
	case R_X86_64_PLT32: return "R_X86_64_PLT32";
	case R_X86_64_32: return "R_X86_64_32";
	case R_X86_64_32S: return "R_X86_64_32S";
	case R_X86_64_GOTPCREL: return "R_X86_64_GOTPCREL";
	case R_X86_64_16: return "R_X86_64_16";
	case R_X86_64_PC16: return "R_X86_64_PC16";
	case R_X86_64_8: return "R_X86_64_8";
	case R_X86_64_PC8: return "R_X86_64_PC8";
	default: return "R_X86_64_?";
	}
}

void kobj_reloc_neutralize(struct kobj *o, struct ksec *s, struct kreloc *r)
{
	uint64_t info;

	(void)s;
	memcpy(&info, o->buf + r->file_off + offsetof(Elf64_Rela, r_info), sizeof(info));
	info = ELF64_R_INFO(ELF64_R_SYM(info), R_X86_64_NONE);
	memcpy(o->buf + r->file_off + offsetof(Elf64_Rela, r_info), &info, sizeof(info));
	r->type = R_X86_64_NONE;
}

const char *kobj_reloc_symname(const struct kobj *o, const struct kreloc *r)
{
	const struct ksym *s = &o->sym[r->sym];

	if (s->type == STT_SECTION && s->shndx < o->nsec)
		return o->sec[s->shndx].name;
	return s->name;
}
