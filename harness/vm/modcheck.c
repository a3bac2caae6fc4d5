/*
 * modcheck.c - validate kernel module files with libelf.
 */
#include "modcheck.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static int has_section(Elf *e, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(e, &shstrndx) != 0)
		return 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			return 0;
		n = elf_strptr(e, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name))
			return 1;
	}
	return 0;
}

int module_file_check(const char *path)
{
	int fd, ret = -1;
	Elf *e = NULL;
	GElf_Ehdr eh;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno("cannot open module '%s'", path);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		error("module '%s' is not an ELF file", path);
		goto out;
	}
	if (!gelf_getehdr(e, &eh) || gelf_getclass(e) != ELFCLASS64 ||
	    eh.e_machine != EM_X86_64) {
		error("module '%s' is not an x86-64 ELF64 object", path);
		goto out;
	}
	if (eh.e_type != ET_REL) {
		error("module '%s' is not a relocatable object (ET_REL)", path);
		goto out;
	}
	if (!has_section(e, ".modinfo") ||
	    !has_section(e, ".gnu.linkonce.this_module")) {
		error("'%s' is not a kernel module: no .modinfo or .gnu.linkonce.this_module section (corrupt?)",
		      path);
		goto out;
	}
	ret = 0;
out:
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}
