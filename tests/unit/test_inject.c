/*
 * test_inject.c - unit tests of the SWIFI code-fault injector on a fixture
 * object assembled in the test (tests/fixtures/ko/fixture.S, one function
 * per fault type): exact bytes before/after and the decoded instruction of
 * every fault type, relocation handling, determinism, the live patch of a
 * transient fault (equal to the file mutation once both are loaded), and
 * every bad input of `nooks inject` (one error, non-zero exit, no output
 * file left behind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elf.h>
#include <cmocka.h>

#include "cli.h"
#include "inject.h"
#include "injection.h"
#include "util.h"

static char tmpdir[] = "/tmp/test-inject-XXXXXX";
static char *fx_path;		/* assembled fixture */
static unsigned char *fx_buf;
static size_t fx_len;

static int setup_all(void **state)
{
	char *cmd;
	int r;

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	fx_path = xasprintf("%s/fixture.ko", tmpdir);
	cmd = xasprintf("gcc -c -o %s tests/fixtures/ko/fixture.S", fx_path);
	r = system(cmd);
	free(cmd);
	if (r)
		return -1;
	fx_buf = (unsigned char *)read_file(fx_path, &fx_len);
	return fx_buf ? 0 : -1;
}

static int teardown_all(void **state)
{
	(void)state;
	free(fx_buf);
	free(fx_path);
	remove_tree(tmpdir);
	return 0;
}

/* Apply one fault of type to function fn with seed; returns the mutation. */
static struct mutation one(struct injector *j, const char *type, const char *fn, uint64_t seed)
{
	struct inj_filter f = { fn, NULL, false };
	struct mutation *m = NULL, r;
	unsigned mask;
	size_t n = 0;

	assert_int_equal(inj_open_mem(j, "fixture", fx_buf, fx_len), 0);
	assert_int_equal(inj_parse_types(type, &mask), 0);
	assert_int_equal(inj_apply(j, mask, &f, seed, 1, &m, &n), 0);
	assert_int_equal(n, 1);
	r = *m;
	free(m);
	return r;
}

/* A check of one mutation, the injector still open; returns bits to or. */
typedef int (*seed_check)(struct injector *j, const struct mutation *m);

/* Apply type to fn with seeds 0..n-1, check each mutation; the or of the checks. */
static int each_seed(const char *type, const char *fn, uint64_t n, seed_check check)
{
	struct injector j;
	struct mutation m;
	uint64_t s;
	int bits = 0;

	for (s = 0; s < n; s++) {
		m = one(&j, type, fn, s);
		bits |= check(&j, &m);
		inj_close(&j);
	}
	return bits;
}

static uint64_t func_off(struct injector *j, const char *fn)
{
	size_t i;

	for (i = 0; i < j->obj.nsym; i++)
		if (!strcmp(j->obj.sym[i].name, fn))
			return j->obj.sym[i].value;
	fail_msg("no symbol %s", fn);
	return 0;
}

static const unsigned char *text_at(struct injector *j, uint64_t off)
{
	return kobj_bytes(&j->obj, kobj_section(&j->obj, ".text")) + off;
}

static void assert_bytes(const uint8_t *got, const char *hexs, unsigned len)
{
	unsigned i, v;

	for (i = 0; i < len; i++) {
		assert_int_equal(sscanf(hexs + 3 * i, "%2x", &v), 1);
		assert_int_equal(got[i], v);
	}
}

/* .text has a relocation at off, of type. */
static void assert_reloc(struct injector *j, uint64_t off, unsigned type)
{
	struct ksec *s = kobj_section(&j->obj, ".text");
	size_t i;

	for (i = 0; i < s->nrel; i++)
		if (s->rel[i].offset == off)
			break;
	assert_true(i < s->nrel);
	assert_int_equal(s->rel[i].type, type);
}

static void test_nop(void **state)
{
	struct injector j;
	struct mutation m = one(&j, "nop", "fx_regs", 1);

	(void)state;
	/* fx_regs: mov %rbx,%rax (48 89 d8); ret (c3) -- either may be picked */
	assert_int_equal(m.off - func_off(&j, "fx_regs"), m.len == 3 ? 0 : 3);
	if (m.len == 3) {
		assert_bytes(m.oldb, "48 89 d8", 3);
		assert_bytes(m.newb, "0f 1f 00", 3);
		assert_string_equal(m.before, "mov %rbx, %rax");
		assert_string_equal(m.after, "nop (%rax)");
	} else {
		assert_bytes(m.newb, "90", 1);
	}
	assert_memory_equal(text_at(&j, m.off), m.newb, m.len);
	inj_close(&j);
}

static int check_fentry(struct injector *j, const struct mutation *m)
{
	assert_int_equal(m->off, func_off(j, "fx_fentry") + 5);
	assert_bytes(m->oldb, "c3", 1);
	return 0;
}

static void test_nop_skips_kernel_patched_sites(void **state)
{
	(void)state;
	/* call __fentry__ is in __mcount_loc: ftrace validates it; only ret is a site */
	each_seed("nop", "fx_fentry", 8, check_fentry);
}

static void test_text(void **state)
{
	struct injector j;
	struct mutation m = one(&j, "text", "fx_jcc", 3);
	unsigned i, diff = 0;

	(void)state;
	for (i = 0; i < m.len; i++)
		diff += (unsigned)__builtin_popcount(m.oldb[i] ^ m.newb[i]);
	assert_int_equal(diff, 1);	/* exactly one bit */
	assert_memory_equal(text_at(&j, m.off), m.newb, m.len);
	assert_string_not_equal(m.before, m.after);
	inj_close(&j);
}

/* mov %rbx,%rax = 48 89 d8: modrm reg field = rbx (src), rm = rax (dst) */
static int check_src(struct injector *j, const struct mutation *m)
{
	(void)j;
	assert_int_equal(m->len, 3);
	assert_int_equal(m->newb[0] & 0xf8, 0x48);
	assert_int_equal(m->newb[1], 0x89);
	assert_int_equal(m->newb[2] & 0xc7, 0xc0);	/* rm still rax */
	assert_true(strstr(m->after, ", %rax") != NULL);
	assert_true(strncmp(m->after, "mov %rbx", 8) != 0);
	assert_true(strstr(m->detail, "source operand 1: rbx -> ") != NULL);
	return 0;
}

static int check_dst(struct injector *j, const struct mutation *m)
{
	(void)j;
	assert_int_equal(m->len, 3);
	assert_int_equal(m->newb[2] & 0xf8, 0xd8);	/* reg still rbx */
	assert_true(strncmp(m->after, "mov %rbx, ", 10) == 0);
	assert_string_not_equal(m->after, "mov %rbx, %rax");
	return 0;
}

static void test_src_dst(void **state)
{
	(void)state;
	each_seed("src", "fx_regs", 4, check_src);
	each_seed("dst", "fx_regs", 4, check_dst);
}

/* mov 0x8(%rbx),%rcx = 48 8b 4b 08: 1 for a displacement flip, 2 for a base register */
static int check_ptr(struct injector *j, const struct mutation *m)
{
	(void)j;
	assert_int_equal(m->len, 4);
	assert_bytes(m->oldb, "48 8b 4b 08", 4);
	assert_true(strncmp(m->after, "mov ", 4) == 0);
	assert_true(strstr(m->after, "%rcx") != NULL);
	if (strstr(m->detail, "displacement")) {
		assert_bytes(m->newb, "48 8b 4b", 3);
		assert_int_equal(__builtin_popcount(m->newb[3] ^ 0x08), 1);
		return 1;
	}
	assert_true(strstr(m->detail, "base register rbx -> ") != NULL);
	assert_true(strstr(m->after, "%rbx") == NULL);
	return 2;
}

static void test_ptr(void **state)
{
	(void)state;
	/* both kinds drawn over 16 seeds */
	assert_int_equal(each_seed("ptr", "fx_ptr", 16, check_ptr), 3);
}

static void test_branch_invert_loop(void **state)
{
	struct injector j;
	struct mutation m;

	(void)state;
	m = one(&j, "branch", "fx_jcc", 1);	/* jl +2 = 7c 02 */
	assert_int_equal(m.off, func_off(&j, "fx_jcc") + 3);
	assert_bytes(m.oldb, "7c 02", 2);
	assert_bytes(m.newb, "66 90", 2);
	assert_string_equal(m.after, "nop");
	inj_close(&j);

	m = one(&j, "invert", "fx_jcc", 1);
	assert_bytes(m.newb, "7d 02", 2);
	assert_true(strncmp(m.before, "jl ", 3) == 0);
	assert_true(strncmp(m.after, "jnl ", 4) == 0);
	inj_close(&j);

	m = one(&j, "loop", "fx_jcc", 1);
	assert_bytes(m.newb, "7e 02", 2);
	assert_true(strncmp(m.after, "jle ", 4) == 0);
	inj_close(&j);

	m = one(&j, "loop", "fx_rep", 1);	/* repe cmpsb = f3 a6 */
	assert_bytes(m.oldb, "f3 a6", 2);
	assert_bytes(m.newb, "f2 a6", 2);
	assert_string_equal(m.after, "repne cmpsb");
	inj_close(&j);
}

static void test_init(void **state)
{
	struct injector j;
	struct mutation m = one(&j, "init", "fx_init", 1);

	(void)state;
	assert_bytes(m.oldb, "48 c7 44 24 10 00 00 00 00", 9);
	assert_bytes(m.newb, "66 0f 1f 84 00 00 00 00 00", 9);
	assert_string_equal(m.before, "movq $0x0, 0x10(%rsp)");
	inj_close(&j);
}

static void test_irq(void **state)
{
	struct injector j;
	struct mutation m = one(&j, "irq", "fx_cli", 1);

	(void)state;
	assert_bytes(m.oldb, "fa", 1);
	assert_bytes(m.newb, "90", 1);
	inj_close(&j);

	/* call _raw_spin_lock_irqsave: deleted, its PLT32 relocation neutralized */
	m = one(&j, "irq", "fx_lock", 1);
	assert_bytes(m.oldb, "e8 00 00 00 00", 5);
	assert_bytes(m.newb, "0f 1f 44 00 00", 5);
	assert_int_equal(m.nneut, 1);
	assert_true(strstr(m.neut[0], "R_X86_64_PLT32 _raw_spin_lock_irqsave") != NULL);
	assert_reloc(&j, m.off + 1, R_X86_64_NONE);
	inj_close(&j);
}

static void test_interface(void **state)
{
	struct injector j;
	struct mutation m = one(&j, "interface", "fx_iface", 1);

	(void)state;
	assert_int_equal(m.off, func_off(&j, "fx_iface"));
	assert_bytes(m.oldb, "bf 07 00 00 00", 5);
	assert_bytes(m.newb, "0f 1f 44 00 00", 5);
	assert_int_equal(m.nneut, 0);
	assert_reloc(&j, m.off + 6, R_X86_64_PLT32);	/* the call's own relocation stays */
	inj_close(&j);
}

/* movq $ext_data,%rsi = 48 c7 c6 + 4 relocated bytes */
static int check_reloc_kept(struct injector *j, const struct mutation *m)
{
	(void)j;
	if (m->len == 7) {
		assert_memory_equal(m->newb + 3, m->oldb + 3, 4);
		assert_int_equal(m->nneut, 0);
	}
	return 0;
}

static void test_reloc_bytes_never_flipped(void **state)
{
	(void)state;
	each_seed("text", "fx_reloc", 64, check_reloc_kept);
}

static void test_reloc_neutralized_in_file(void **state)
{
	struct injector j, k;
	struct mutation m;
	char *out = xasprintf("%s/reloc.ko", tmpdir);

	(void)state;
	do {	/* nop on fx_reloc until the relocated movq is the one deleted */
		static uint64_t s;

		m = one(&j, "nop", "fx_reloc", s++);
		if (m.len != 7)
			inj_close(&j);
	} while (m.len != 7);
	assert_int_equal(m.nneut, 1);
	assert_true(strstr(m.neut[0], "R_X86_64_32S ext_data") != NULL);
	assert_int_equal(kobj_write(&j.obj, out), 0);
	inj_close(&j);
	assert_int_equal(inj_open(&k, out), 0);
	assert_reloc(&k, m.off + 3, R_X86_64_NONE);
	assert_int_equal(k.obj.len, fx_len);	/* same size, same layout */
	assert_memory_equal(text_at(&k, m.off), m.newb, 7);
	inj_close(&k);
	free(out);
}

static void apply_many(unsigned char **out, size_t *len, uint64_t seed, unsigned count)
{
	struct injector j;
	struct inj_filter f = { "fx_many", NULL, false };
	struct mutation *m;
	size_t n;
	unsigned mask;

	assert_int_equal(inj_open_mem(&j, "fixture", fx_buf, fx_len), 0);
	assert_int_equal(inj_parse_types("text,nop,src,dst,ptr", &mask), 0);
	assert_int_equal(inj_apply(&j, mask, &f, seed, count, &m, &n), 0);
	assert_int_equal(n, count);
	free(m);
	*len = j.obj.len;
	*out = xmalloc(*len);
	memcpy(*out, j.obj.buf, *len);
	inj_close(&j);
}

static void test_determinism(void **state)
{
	unsigned char *a, *b, *c;
	size_t la, lb, lc;

	(void)state;
	apply_many(&a, &la, 42, 5);
	apply_many(&b, &lb, 42, 5);
	apply_many(&c, &lc, 43, 5);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_true(memcmp(a, c, la) != 0);
	assert_true(memcmp(a, fx_buf, la) != 0);
	free(a);
	free(b);
	free(c);
}

static void test_cli_deterministic_output(void **state)
{
	char *o1 = xasprintf("%s/d1.ko", tmpdir), *o2 = xasprintf("%s/d2.ko", tmpdir);
	char *j1 = xasprintf("%s/d1.json", tmpdir);
	char *a1[] = { "inject", "--fault", "nop,src,ptr", "--seed", "7", "--count", "3",
		       fx_path, "-o", o1, "--describe", j1, NULL };
	char *a2[] = { "inject", "--fault", "nop,src,ptr", "--seed", "7", "--count", "3",
		       fx_path, "-o", o2, NULL };
	char *b1, *b2, *js;
	size_t l1, l2;

	(void)state;
	assert_int_equal(cmd_inject(12, a1), 0);
	assert_int_equal(cmd_inject(10, a2), 0);
	b1 = read_file(o1, &l1);
	b2 = read_file(o2, &l2);
	assert_non_null(b1);
	assert_non_null(b2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	js = read_file(j1, NULL);
	assert_non_null(js);
	assert_non_null(strstr(js, "\"old_bytes\""));
	assert_non_null(strstr(js, "\"before\""));
	assert_non_null(strstr(js, "\"symbol\""));
	free(b1);
	free(b2);
	free(js);
	free(o1);
	free(o2);
	free(j1);
}

/* cmd_inject with args must fail and leave no file at out */
static void expect_cli_fail(char **argv, int argc, const char *out)
{
	assert_int_not_equal(cmd_inject(argc, argv), 0);
	assert_false(file_exists(out));
}

static char *write_variant(const char *name, size_t off, const void *val, size_t n)
{
	char *p = xasprintf("%s/%s", tmpdir, name);
	unsigned char *b = xmalloc(fx_len);

	memcpy(b, fx_buf, fx_len);
	if (val)
		memcpy(b + off, val, n);
	assert_int_equal(write_file_atomic(p, b, fx_len), 0);
	free(b);
	return p;
}

static void test_bad_inputs(void **state)
{
	char *out = xasprintf("%s/bad-out.ko", tmpdir);
	char *txt = xasprintf("%s/notelf.ko", tmpdir);
	uint16_t aarch64 = EM_AARCH64, exec = ET_EXEC;
	char *arm = write_variant("arm.ko", offsetof(Elf64_Ehdr, e_machine), &aarch64, 2);
	char *ex = write_variant("exec.ko", offsetof(Elf64_Ehdr, e_type), &exec, 2);
	char *a_txt[] = { "inject", "--fault", "nop", "--seed", "1", txt, "-o", out, NULL };
	char *a_arm[] = { "inject", "--fault", "nop", "--seed", "1", arm, "-o", out, NULL };
	char *a_ex[] = { "inject", "--fault", "nop", "--seed", "1", ex, "-o", out, NULL };
	char *a_none[] = { "inject", "--fault", "irq", "--function", "fx_regs", "--seed", "1",
			   fx_path, "-o", out, NULL };
	char *a_unk[] = { "inject", "--fault", "nop,bogus", "--seed", "1", fx_path, "-o", out, NULL };
	char *a_many[] = { "inject", "--fault", "init", "--count", "2", "--seed", "1", fx_path,
			   "-o", out, NULL };
	char *a_nofn[] = { "inject", "--fault", "nop", "--function", "nope", "--seed", "1",
			   fx_path, "-o", out, NULL };
	char *a_missing[] = { "inject", "--fault", "nop", "--seed", "1", "/nonexistent.ko",
			      "-o", out, NULL };
	char *a_opt[] = { "inject", "--frobnicate", fx_path, NULL };
	char *a_noseed[] = { "inject", "--fault", "nop", fx_path, "-o", out, NULL };

	(void)state;
	assert_int_equal(write_file_atomic(txt, "hello\n", 6), 0);
	expect_cli_fail(a_txt, 8, out);
	expect_cli_fail(a_arm, 8, out);
	expect_cli_fail(a_ex, 8, out);
	expect_cli_fail(a_none, 10, out);
	expect_cli_fail(a_unk, 8, out);
	expect_cli_fail(a_many, 10, out);
	expect_cli_fail(a_nofn, 10, out);
	expect_cli_fail(a_missing, 8, out);
	expect_cli_fail(a_opt, 3, out);
	expect_cli_fail(a_noseed, 6, out);
	free(out);
	free(txt);
	free(arm);
	free(ex);
}

static void test_sites_counts(void **state)
{
	struct injector j;
	struct inj_site *s;
	size_t n, i, per[FT_COUNT] = { 0 };
	struct inj_filter f = { NULL, ".text", false };

	(void)state;
	assert_int_equal(inj_open_mem(&j, "fixture", fx_buf, fx_len), 0);
	assert_int_equal(inj_sites(&j, (1u << FT_COUNT) - 1, &f, &s, &n), 0);
	for (i = 0; i < n; i++) {
		per[s[i].type]++;
		if (i)	/* sorted by (section, offset, type) */
			assert_true(s[i - 1].off < s[i].off ||
				    (s[i - 1].off == s[i].off && s[i - 1].type < s[i].type));
	}
	assert_int_equal(per[FT_BRANCH], 1);
	assert_int_equal(per[FT_INVERT], 1);
	assert_int_equal(per[FT_LOOP], 2);
	assert_int_equal(per[FT_INIT], 1);
	assert_int_equal(per[FT_INTERFACE], 1);
	assert_int_equal(per[FT_IRQ], 2);
	free(s);
	inj_close(&j);
}

/*
 * What the kernel's loader would make of a code section: its bytes with
 * every relocation that is still active filled in (a pattern stands for the
 * resolved value: both images get the same one at the same place).
 */
static unsigned char *loaded(struct kobj *o, const struct ksec *s)
{
	unsigned char *b = xmalloc(s->size);
	size_t i;
	int k, sz;

	memcpy(b, kobj_bytes(o, s), s->size);
	for (i = 0; i < s->nrel; i++) {
		sz = kobj_reloc_size(s->rel[i].type);
		for (k = 0; k < sz && s->rel[i].offset + k < s->size; k++)
			b[s->rel[i].offset + k] = (unsigned char)(0xa5 ^ ((s->rel[i].offset + k) * 31));
	}
	return b;
}

/* Write a mutation's live patch into a loaded pristine section. */
static void live_apply(unsigned char *b, const struct mutation *m, unsigned *kept)
{
	char h[2 * FT_MAX_INSN + 1];
	unsigned i, v;

	inj_live_hex(m, h);
	assert_int_equal(strlen(h), 2u * m->len);
	for (i = 0; i < m->len; i++) {
		if (h[2 * i] == '.') {
			(*kept)++;
			continue;
		}
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		b[m->off + i] = (unsigned char)v;
	}
}

/*
 * For seeds 1..nseeds, count faults of every code type: the pristine module
 * loaded and then live-patched is byte for byte the mutant loaded, in every
 * code section.  Returns the mutations checked; *kept, *neut count the
 * relocated bytes left as loaded and the relocations a deletion removed.
 */
static unsigned check_live_patches(const char *name, const void *buf, size_t len,
				   unsigned nseeds, unsigned count, unsigned *kept, unsigned *neut)
{
	unsigned seed, mask, checked = 0;
	size_t i, k, n;

	assert_int_equal(inj_parse_types("text,nop,src,dst,ptr,branch,invert,loop,init,interface,irq",
					  &mask), 0);
	for (seed = 1; seed <= nseeds; seed++) {
		struct injector pristine, mutant;
		struct mutation *m = NULL;

		assert_int_equal(inj_open_mem(&pristine, name, buf, len), 0);
		assert_int_equal(inj_open_mem(&mutant, name, buf, len), 0);
		assert_int_equal(inj_apply(&mutant, mask, NULL, seed, count, &m, &n), 0);
		for (i = 0; i < mutant.obj.nsec; i++) {
			struct ksec *ps = &pristine.obj.sec[i], *ms = &mutant.obj.sec[i];
			unsigned char *live, *want;

			if (!(ps->flags & SHF_EXECINSTR) || ps->type == SHT_NOBITS)
				continue;
			live = loaded(&pristine.obj, ps);
			want = loaded(&mutant.obj, ms);
			for (k = 0; k < n; k++)
				if (m[k].sec == i)
					live_apply(live, &m[k], kept);
			if (memcmp(live, want, ps->size))
				fail_msg("%s seed %u: live patch of %s differs from the mutant", name,
					 seed, ps->name);
			free(live);
			free(want);
		}
		for (k = 0; k < n; k++)
			*neut += (unsigned)m[k].nneut;
		checked += (unsigned)n;
		free(m);
		inj_close(&pristine);
		inj_close(&mutant);
	}
	return checked;
}

static void test_live_patch_equals_file_mutation(void **state)
{
	static const char *e1000 =
		"build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko";
	unsigned kept = 0, neut = 0, n;
	unsigned char *ko;
	size_t len;

	(void)state;
	n = check_live_patches("fixture", fx_buf, fx_len, 300, 1, &kept, &neut);
	assert_int_equal(n, 300);
	assert_true(kept > 0);		/* relocated bytes were left as loaded */
	assert_true(neut > 0);		/* and deleted ones written */
	ko = (unsigned char *)read_file(e1000, &len);	/* the stock driver, once built */
	if (ko) {
		kept = neut = 0;
		n = check_live_patches("e1000", ko, len, 100, 3, &kept, &neut);
		printf("live patches equal to the file mutation: e1000 %u mutations, "
		       "%u relocated bytes kept, %u relocations neutralised\n", n, kept, neut);
		assert_int_equal(n, 300);
		free(ko);
	}
}

/*
 * Issue 14: a transient plan of the stock e1000 draws only from text that
 * stays after init, and its live patch is "e1000 SEC+OFF:HEX ..." with one
 * site per mutation, each HEX exactly inj_live_hex() of that mutation; the
 * call trigger's function check sees core text only.
 */
static void test_live_plan_e1000(void **state)
{
	static const char *e1000 =
		"build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko";
	unsigned seed;

	(void)state;
	for (seed = 1; seed <= 40; seed++) {
		struct injection_opts io = { .faults = seed % 2 ? "nop" : "ptr,text", .seed = seed,
					     .count = 5, .live = true };
		struct injection in;
		char *patch, *tok, *save = NULL, hex[2 * FT_MAX_INSN + 1], want[128];
		size_t i = 0;

		assert_int_equal(injection_open(&in, e1000, &io), 0);
		assert_int_equal(injection_plan(&in), 0);
		assert_int_equal(in.n, 5);
		patch = injection_live_patch(&in);
		assert_non_null(patch);
		tok = strtok_r(patch, " ", &save);
		assert_string_equal(tok, "e1000");
		while ((tok = strtok_r(NULL, " ", &save))) {
			assert_true(i < in.n);
			assert_null(strstr(in.m[i].secname, ".init"));
			snprintf(want, sizeof(want), "%s+0x%llx:%s", in.m[i].secname,
				 (unsigned long long)in.m[i].off, inj_live_hex(&in.m[i], hex));
			assert_string_equal(tok, want);
			i++;
		}
		assert_int_equal(i, in.n);
		if (seed == 1) {
			assert_true(injection_has_function(&in, "e1000_clean"));
			assert_false(injection_has_function(&in, "e1000_init_module"));	/* .init.text */
			assert_false(injection_has_function(&in, "no_such_function"));
		}
		free(patch);
		injection_close(&in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nop),
		cmocka_unit_test(test_nop_skips_kernel_patched_sites),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_src_dst),
		cmocka_unit_test(test_ptr),
		cmocka_unit_test(test_branch_invert_loop),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_irq),
		cmocka_unit_test(test_interface),
		cmocka_unit_test(test_reloc_bytes_never_flipped),
		cmocka_unit_test(test_reloc_neutralized_in_file),
		cmocka_unit_test(test_live_patch_equals_file_mutation),
		cmocka_unit_test(test_live_plan_e1000),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_cli_deterministic_output),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_sites_counts),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
