/*
 * modbind.c - rename imported symbols of a .ko and rewrite their __versions
 * records (libelf, ELF_C_RDWR on a signature-stripped working copy).
 *
 * Owns: the working copy OUT.tmp.PID until commit.  Never touches IN, never
 * changes section contents other than .strtab (names appended) and
 * __versions (records rewritten in place), never leaves OUT half-written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modbind.h"
#include "util.h"

#define SIG_MAGIC "~Module signature appended~\n"
#define VERS_NAME_LEN 56
#define VERS_REC_LEN 64
/* The bound copy may outgrow the input by renamed names and alignment
 * padding, never by more than this plus the input's size again: a section
 * aligned to 2^40 bytes would otherwise make libelf write a file that size. */
#define GROWTH_SLACK (1u << 20)

struct modbind {
	char *out, *tmp;
	int fd, committed, was_signed;
	size_t in_len;		/* bytes of the working copy as opened */
	Elf *elf;
	Elf_Scn *symtab, *strtab, *versions;
	Elf_Data *symdata, *strdata, *versdata;
	char *strbuf;		/* our growing copy of .strtab (NULL: original) */
	char *shstrbuf;		/* same for .shstrtab */
	struct modbind_import *imp;
	size_t *imp_sym;	/* symbol index of each import */
	size_t n_imp;
};

size_t modbind_unsigned_len(const unsigned char *buf, size_t len)
{
	size_t ml = sizeof(SIG_MAGIC) - 1, siglen;

	/* struct module_signature (12 bytes, sig_len big-endian last) + magic */
	if (len < ml + 12 || memcmp(buf + len - ml, SIG_MAGIC, ml))
		return len;
	siglen = (size_t)buf[len - ml - 4] << 24 | (size_t)buf[len - ml - 3] << 16 |
		 (size_t)buf[len - ml - 2] << 8 | buf[len - ml - 1];
	if (siglen > len - ml - 12)
		return len;
	return len - ml - 12 - siglen;
}

static Elf_Scn *find_section(Elf *elf, const char *want, GElf_Shdr *sh)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			return NULL;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && !strcmp(n, want))
			return scn;
	}
	return NULL;
}

/* The string at off in a string table, or NULL unless it lies inside, NUL included. */
static const char *str_at(const Elf_Data *d, size_t off)
{
	const char *s;

	if (off >= d->d_size)
		return NULL;
	s = (const char *)d->d_buf + off;
	return memchr(s, '\0', d->d_size - off) ? s : NULL;
}

static const char *sym_name(struct modbind *mb, const GElf_Sym *s)
{
	return str_at(mb->strdata, s->st_name);
}

static struct modbind_import *import_of(struct modbind *mb, size_t symidx)
{
	size_t i;

	for (i = 0; i < mb->n_imp; i++)
		if (mb->imp_sym[i] == symidx)
			return &mb->imp[i];
	return NULL;
}

static int versioned(struct modbind *mb, const char *name)
{
	size_t off;

	if (!mb->versdata)
		return 0;
	for (off = 0; off + VERS_REC_LEN <= mb->versdata->d_size; off += VERS_REC_LEN)
		if (!strncmp((char *)mb->versdata->d_buf + off + 8, name, VERS_NAME_LEN))
			return 1;
	return 0;
}

/* Collect undefined named symbols, then mark how relocations use them. */
static int scan_imports(struct modbind *mb, const char *in)
{
	GElf_Shdr sh;
	GElf_Sym s;
	Elf_Scn *scn = NULL;
	size_t i, nsyms;

	gelf_getshdr(mb->symtab, &sh);
	nsyms = sh.sh_size / (sh.sh_entsize ? sh.sh_entsize : 1);
	mb->imp = xcalloc(nsyms + 1, sizeof(*mb->imp));
	mb->imp_sym = xcalloc(nsyms + 1, sizeof(*mb->imp_sym));
	for (i = 1; i < nsyms; i++) {
		const char *n;

		if (!gelf_getsym(mb->symdata, (int)i, &s))
			return error("module '%s': bad symbol %zu", in, i);
		n = sym_name(mb, &s);
		if (s.st_shndx != SHN_UNDEF || !n || !*n)
			continue;
		mb->imp[mb->n_imp].name = n;
		mb->imp[mb->n_imp].has_version = versioned(mb, n);
		mb->imp_sym[mb->n_imp++] = i;
	}
	while ((scn = elf_nextscn(mb->elf, scn))) {
		Elf_Data *d;
		size_t j, nrel;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    elf_getscn(mb->elf, sh.sh_link) != mb->symtab)
			continue;
		d = elf_getdata(scn, NULL);
		nrel = sh.sh_size / (sh.sh_entsize ? sh.sh_entsize : 1);
		for (j = 0; d && j < nrel; j++) {
			GElf_Rela r;
			struct modbind_import *im;

			if (!gelf_getrela(d, (int)j, &r))
				return error("module '%s': bad relocation", in);
			im = import_of(mb, GELF_R_SYM(r.r_info));
			if (im)
				im->refs |= GELF_R_TYPE(r.r_info) == R_X86_64_PLT32 ?
					    MODBIND_CALLED : MODBIND_ADDR;
		}
	}
	return 0;
}

static int copy_unsigned(struct modbind *mb, const char *in)
{
	size_t len, keep;
	unsigned char *buf = (unsigned char *)read_file(in, &len);
	ssize_t w;

	if (!buf)
		return -1;
	keep = modbind_unsigned_len(buf, len);
	mb->was_signed = keep != len;
	mb->in_len = keep;
	mb->fd = open(mb->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (mb->fd < 0) {
		free(buf);
		return error_errno("cannot create '%s'", mb->tmp);
	}
	w = write(mb->fd, buf, keep);
	free(buf);
	if (w != (ssize_t)keep)
		return error_errno("cannot write '%s'", mb->tmp);
	return 0;
}

static int open_elf(struct modbind *mb, const char *in)
{
	GElf_Shdr sh;
	GElf_Ehdr eh;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return error("libelf initialisation failed");
	mb->elf = elf_begin(mb->fd, ELF_C_RDWR, NULL);
	if (!mb->elf || elf_kind(mb->elf) != ELF_K_ELF || !gelf_getehdr(mb->elf, &eh))
		return error("module '%s' is not an ELF file", in);
	if (eh.e_type != ET_REL || eh.e_machine != EM_X86_64)
		return error("module '%s' is not an x86-64 relocatable object", in);
	mb->symtab = find_section(mb->elf, ".symtab", &sh);
	if (!mb->symtab || sh.sh_type != SHT_SYMTAB)
		return error("module '%s' has no symbol table", in);
	mb->strtab = elf_getscn(mb->elf, sh.sh_link);
	mb->symdata = elf_getdata(mb->symtab, NULL);
	mb->strdata = mb->strtab ? elf_getdata(mb->strtab, NULL) : NULL;
	if (!mb->symdata || !mb->strdata)
		return error("module '%s': unreadable symbol table", in);
	mb->versions = find_section(mb->elf, "__versions", &sh);
	if (mb->versions)
		mb->versdata = elf_getdata(mb->versions, NULL);
	return scan_imports(mb, in);
}

struct modbind *modbind_open(const char *in, const char *out)
{
	struct modbind *mb = xcalloc(1, sizeof(*mb));

	mb->fd = -1;
	mb->out = xstrdup(out);
	mb->tmp = xasprintf("%s.tmp.%ld", out, (long)getpid());
	if (copy_unsigned(mb, in) || open_elf(mb, in)) {
		modbind_close(mb);
		return NULL;
	}
	return mb;
}

const struct modbind_import *modbind_imports(struct modbind *mb, size_t *n)
{
	*n = mb->n_imp;
	return mb->imp;
}

int modbind_was_signed(const struct modbind *mb)
{
	return mb->was_signed;
}

/* Append NAME to .strtab (our own buffer); returns its offset. */
static size_t strtab_append(struct modbind *mb, const char *name)
{
	size_t old = mb->strdata->d_size, len = strlen(name) + 1;

	if (!mb->strbuf) {
		mb->strbuf = xmalloc(old + len);
		memcpy(mb->strbuf, mb->strdata->d_buf, old);
	} else {
		mb->strbuf = xrealloc(mb->strbuf, old + len);
	}
	memcpy(mb->strbuf + old, name, len);
	mb->strdata->d_buf = mb->strbuf;
	mb->strdata->d_size = old + len;
	elf_flagdata(mb->strdata, ELF_C_SET, ELF_F_DIRTY);
	return old;
}

int modbind_rename(struct modbind *mb, const char *old, const char *new_name,
		   uint64_t crc)
{
	size_t i, off, name_off;
	unsigned char *rec = NULL;
	GElf_Sym s;

	if (strlen(new_name) >= VERS_NAME_LEN)
		return error("symbol name '%s' is too long for __versions", new_name);
	for (i = 0; i < mb->n_imp; i++)
		if (!strcmp(mb->imp[i].name, old))
			break;
	if (i == mb->n_imp)
		return error("module does not import '%s'", old);
	for (off = 0; mb->versdata && off + VERS_REC_LEN <= mb->versdata->d_size;
	     off += VERS_REC_LEN)
		if (!strncmp((char *)mb->versdata->d_buf + off + 8, old, VERS_NAME_LEN))
			rec = (unsigned char *)mb->versdata->d_buf + off;
	if (mb->versions && !rec)
		return error("no __versions record for '%s'", old);
	name_off = strtab_append(mb, new_name);
	/* strtab_append may move the buffer: names point into it */
	for (size_t k = 0; k < mb->n_imp; k++) {
		gelf_getsym(mb->symdata, (int)mb->imp_sym[k], &s);
		mb->imp[k].name = mb->strbuf + s.st_name;
	}
	gelf_getsym(mb->symdata, (int)mb->imp_sym[i], &s);
	s.st_name = (GElf_Word)name_off;
	if (!gelf_update_sym(mb->symdata, (int)mb->imp_sym[i], &s))
		return error("cannot update symbol '%s': %s", old, elf_errmsg(-1));
	mb->imp[i].name = mb->strbuf + name_off;
	elf_flagdata(mb->symdata, ELF_C_SET, ELF_F_DIRTY);
	if (rec) {
		for (int b = 0; b < 8; b++)
			rec[b] = (unsigned char)(crc >> (8 * b));
		memset(rec + 8, 0, VERS_NAME_LEN);
		memcpy(rec + 8, new_name, strlen(new_name));
		elf_flagdata(mb->versdata, ELF_C_SET, ELF_F_DIRTY);
	}
	return 0;
}

/* The section name table's data; NULL (with a message) if unusable. */
static Elf_Data *shstr_data(struct modbind *mb)
{
	size_t shstrndx;
	Elf_Scn *shstr;
	Elf_Data *d;

	if (elf_getshdrstrndx(mb->elf, &shstrndx)) {
		error("cannot read section names: %s", elf_errmsg(-1));
		return NULL;
	}
	shstr = elf_getscn(mb->elf, shstrndx);
	d = shstr ? elf_getdata(shstr, NULL) : NULL;
	if (!d || shstr == mb->strtab) {
		error("unsupported section name table");
		return NULL;
	}
	return d;
}

/* Give section @scn (header @sh) the name @nn, appended to .shstrtab. */
static int section_rename(struct modbind *mb, Elf_Data *d, Elf_Scn *scn,
			  GElf_Shdr *sh, const char *nn)
{
	size_t len = strlen(nn) + 1, old = d->d_size;

	if (!mb->shstrbuf) {
		mb->shstrbuf = xmalloc(old + len);
		memcpy(mb->shstrbuf, d->d_buf, old);
	} else {
		mb->shstrbuf = xrealloc(mb->shstrbuf, old + len);
	}
	memcpy(mb->shstrbuf + old, nn, len);
	d->d_buf = mb->shstrbuf;
	d->d_size = old + len;
	sh->sh_name = (GElf_Word)old;
	if (!gelf_update_shdr(scn, sh))
		return error("cannot rename section: %s", elf_errmsg(-1));
	elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
	return 0;
}

int modbind_keep_init(struct modbind *mb)
{
	Elf_Data *d = shstr_data(mb);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int n = 0;

	if (!d)
		return -1;
	while ((scn = elf_nextscn(mb->elf, scn))) {
		const char *name;
		char *nn;
		int err;

		if (!gelf_getshdr(scn, &sh) || !(name = str_at(d, sh.sh_name)))
			continue;
		if (strncmp(name, ".init", 5) && strncmp(name, ".rela.init", 10))
			continue;
		nn = !strncmp(name, ".rela", 5) ? xasprintf(".rela.nooks%s", name + 5)
						: xasprintf(".nooks%s", name);
		err = section_rename(mb, d, scn, &sh, nn);
		free(nn);
		if (err)
			return -1;
		n++;
	}
	return n;
}

int modbind_drop_static_calls(struct modbind *mb, int (*dropped)(const char *sym))
{
	GElf_Shdr sh, rsh;
	Elf_Scn *sites = find_section(mb->elf, ".static_call_sites", &sh), *scn = NULL;
	Elf_Data *d, *names;
	size_t j, nrel, idx;
	int n = 0;

	if (!sites)
		return 0;
	idx = elf_ndxscn(sites);
	while ((scn = elf_nextscn(mb->elf, scn)))
		if (gelf_getshdr(scn, &rsh) && rsh.sh_type == SHT_RELA && rsh.sh_info == idx)
			break;
	if (!scn)
		return 0;
	d = elf_getdata(scn, NULL);
	nrel = rsh.sh_size / (rsh.sh_entsize ? rsh.sh_entsize : 1);
	for (j = 0; d && j < nrel; j++) {	/* {s32 addr; s32 key;}: keys at +4 */
		GElf_Rela r;
		GElf_Sym s;
		const char *name;

		if (!gelf_getrela(d, (int)j, &r) || r.r_offset % 8 != 4)
			continue;
		if (!gelf_getsym(mb->symdata, (int)GELF_R_SYM(r.r_info), &s))
			return error("bad symbol in .rela.static_call_sites");
		name = sym_name(mb, &s);
		if (name && dropped(name))
			n++;
	}
	if (!n)
		return 0;
	names = shstr_data(mb);
	if (!names || !gelf_getshdr(sites, &sh) ||
	    section_rename(mb, names, sites, &sh, ".nooks.static_call_sites_dropped"))
		return -1;
	return n;
}

int modbind_commit(struct modbind *mb)
{
	off_t size = elf_update(mb->elf, ELF_C_NULL);	/* the layout only */

	if (size < 0)
		return error("cannot lay out '%s': %s", mb->tmp, elf_errmsg(-1));
	if ((uint64_t)size > 2 * (uint64_t)mb->in_len + GROWTH_SLACK)
		return error("module '%s' would grow from %zu to %lld bytes (bad section alignment)",
			     mb->out, mb->in_len, (long long)size);
	if (elf_update(mb->elf, ELF_C_WRITE) < 0)
		return error("cannot write '%s': %s", mb->tmp, elf_errmsg(-1));
	elf_end(mb->elf);
	mb->elf = NULL;
	if (fsync(mb->fd) || close(mb->fd)) {
		mb->fd = -1;
		return error_errno("cannot write '%s'", mb->tmp);
	}
	mb->fd = -1;
	if (rename(mb->tmp, mb->out))
		return error_errno("cannot rename '%s' to '%s'", mb->tmp, mb->out);
	mb->committed = 1;
	return 0;
}

void modbind_close(struct modbind *mb)
{
	if (!mb)
		return;
	if (mb->elf)
		elf_end(mb->elf);
	if (mb->fd >= 0)
		close(mb->fd);
	if (!mb->committed)
		unlink(mb->tmp);
	free(mb->strbuf);
	free(mb->shstrbuf);
	free(mb->imp);
	free(mb->imp_sym);
	free(mb->tmp);
	free(mb->out);
	free(mb);
}

/* ---- Module.symvers ---------------------------------------------------- */

struct symvers {
	char *buf;
	char **names;
	uint64_t *crcs;
	size_t n;
};

struct symvers *symvers_load(const char *path)
{
	struct symvers *sv;
	size_t len, cap = 0;
	char *line, *save = NULL;

	sv = xcalloc(1, sizeof(*sv));
	sv->buf = read_file(path, &len);
	if (!sv->buf) {
		free(sv);
		return NULL;
	}
	for (line = strtok_r(sv->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *crc = line, *name = strchr(line, '\t'), *end;

		if (!name)
			goto bad;
		*name++ = '\0';
		end = strchr(name, '\t');
		if (end)
			*end = '\0';
		if (sv->n == cap) {
			cap = cap ? 2 * cap : 256;
			sv->names = xrealloc(sv->names, cap * sizeof(*sv->names));
			sv->crcs = xrealloc(sv->crcs, cap * sizeof(*sv->crcs));
		}
		errno = 0;
		sv->crcs[sv->n] = strtoull(crc, &end, 16);
		if (errno || *end || !*name)
			goto bad;
		sv->names[sv->n++] = name;
	}
	return sv;
bad:
	error("symvers '%s': malformed line '%s'", path, line);
	symvers_free(sv);
	return NULL;
}

int symvers_crc(const struct symvers *sv, const char *sym, uint64_t *crc)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->names[i], sym)) {
			*crc = sv->crcs[i];
			return 0;
		}
	return -1;
}

size_t symvers_count(const struct symvers *sv)
{
	return sv->n;
}

const char *symvers_name(const struct symvers *sv, size_t i)
{
	return i < sv->n ? sv->names[i] : NULL;
}

void symvers_free(struct symvers *sv)
{
	if (!sv)
		return;
	free(sv->names);
	free(sv->crcs);
	free(sv->buf);
	free(sv);
}
