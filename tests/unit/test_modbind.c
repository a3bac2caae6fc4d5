/*
 * test_modbind.c - modbind on the real stock e1000.ko of the guest image:
 * import classification, rename + __versions rewrite, signature stripping,
 * and that nothing is written on failure.  Run from the top directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gelf.h>
#include <libelf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "modbind.h"
#include "util.h"

#define E1000 "build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"

static const struct modbind_import *find(const struct modbind_import *im, size_t n,
					 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(im[i].name, name))
			return &im[i];
	return NULL;
}

static void test_imports(void **state)
{
	char *out = xasprintf("%s/a.ko", fixture_tmp);
	struct modbind *mb = modbind_open(E1000, out);
	const struct modbind_import *im;
	size_t n;

	(void)state;
	assert_non_null(mb);
	assert_true(modbind_was_signed(mb));
	im = modbind_imports(mb, &n);
	assert_int_equal(n, 154);
	assert_int_equal(find(im, n, "jiffies")->refs, MODBIND_ADDR);
	assert_int_equal(find(im, n, "kfree")->refs, MODBIND_CALLED);
	/* an address-taken function (INIT_DELAYED_WORK) is not a call */
	assert_int_equal(find(im, n, "delayed_work_timer_fn")->refs, MODBIND_ADDR);
	assert_true(find(im, n, "kfree")->has_version);
	assert_null(find(im, n, "e1000_probe"));
	modbind_close(mb);
	assert_false(file_exists(out));	/* nothing written without commit */
	free(out);
}

/* Read back the __versions record of NAME in PATH. */
static int version_of(const char *path, const char *name, uint64_t *crc)
{
	int fd = open(path, O_RDONLY), found = -1;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	size_t shstr;
	GElf_Shdr sh;

	elf_getshdrstrndx(e, &shstr);
	while ((scn = elf_nextscn(e, scn))) {
		gelf_getshdr(scn, &sh);
		if (strcmp(elf_strptr(e, shstr, sh.sh_name), "__versions"))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t off = 0; off + 64 <= d->d_size; off += 64)
			if (!strcmp((char *)d->d_buf + off + 8, name)) {
				memcpy(crc, (char *)d->d_buf + off, 8);
				found = 0;
			}
	}
	elf_end(e);
	close(fd);
	return found;
}

static void test_rename(void **state)
{
	char *out = xasprintf("%s/b.ko", fixture_tmp);
	struct modbind *mb = modbind_open(E1000, out);
	const struct modbind_import *im;
	uint64_t crc = 0;
	size_t n, len;
	char *buf;

	(void)state;
	assert_non_null(mb);
	assert_int_equal(modbind_rename(mb, "kfree", "nooks_w_kfree", 0x12345678abcdULL), 0);
	assert_int_equal(modbind_rename(mb, "_printk", "nooks_w__printk", 7), 0);
	assert_int_equal(modbind_rename(mb, "no_such_import", "x", 1), -1);
	im = modbind_imports(mb, &n);
	assert_non_null(find(im, n, "nooks_w_kfree"));
	assert_null(find(im, n, "kfree"));
	assert_int_equal(modbind_commit(mb), 0);
	modbind_close(mb);

	char *out2 = xasprintf("%s/c.ko", fixture_tmp);

	mb = modbind_open(out, out2);
	free(out2);
	assert_non_null(mb);
	assert_false(modbind_was_signed(mb));
	im = modbind_imports(mb, &n);
	assert_int_equal(n, 154);
	assert_int_equal(find(im, n, "nooks_w_kfree")->refs, MODBIND_CALLED);
	assert_true(find(im, n, "nooks_w_kfree")->has_version);
	modbind_close(mb);
	assert_int_equal(version_of(out, "nooks_w_kfree", &crc), 0);
	assert_int_equal(crc, 0x12345678abcdULL);
	assert_int_equal(version_of(out, "kfree", &crc), -1);
	buf = read_file(out, &len);
	assert_non_null(buf);
	assert_int_equal(modbind_unsigned_len((unsigned char *)buf, len), len);
	free(buf);
	free(out);
}

static void test_bad_input(void **state)
{
	char *out = xasprintf("%s/d.ko", fixture_tmp);
	char *junk = xasprintf("%s/junk.ko", fixture_tmp);

	(void)state;
	assert_int_equal(write_file_atomic(junk, "not an elf file at all", 22), 0);
	assert_null(modbind_open(junk, out));
	assert_null(modbind_open("/nonexistent.ko", out));
	assert_false(file_exists(out));
	free(out);
	free(junk);
}

static void test_symvers(void **state)
{
	char *p = xasprintf("%s/Module.symvers", fixture_tmp);
	const char *txt = "0x1a2b\tnooks_w_kfree\tkmod/nooks/nooks\tEXPORT_SYMBOL_GPL\t\n"
			  "0x00000003\tnooks_w__printk\tkmod/nooks/nooks\tEXPORT_SYMBOL_GPL\t\n";
	struct symvers *sv;
	uint64_t crc;

	(void)state;
	assert_int_equal(write_file_atomic(p, txt, strlen(txt)), 0);
	sv = symvers_load(p);
	assert_non_null(sv);
	assert_int_equal(symvers_count(sv), 2);
	assert_int_equal(symvers_crc(sv, "nooks_w__printk", &crc), 0);
	assert_int_equal(crc, 3);
	assert_int_equal(symvers_crc(sv, "kfree", &crc), -1);
	symvers_free(sv);
	assert_int_equal(write_file_atomic(p, "zz\tx\n", 5), 0);
	assert_null(symvers_load(p));
	free(p);
}

FIXTURE_MAIN(fixture_tmp_setup, fixture_tmp_teardown,
	     cmocka_unit_test(test_imports),
	     cmocka_unit_test(test_rename),
	     cmocka_unit_test(test_bad_input),
	     cmocka_unit_test(test_symvers))
