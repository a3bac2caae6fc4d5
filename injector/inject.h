/*
 * inject.h - the SWIFI code-fault engine: decode the code sections of a
 * kernel module, list the candidate sites of each fault type, choose sites
 * from a seed and apply the mutations in place, relocation-aware.
 *
 * Determinism: sites are sorted by (section index, offset, type); K sites are
 * drawn by a partial Fisher-Yates shuffle driven by splitmix64(seed) (prng.h),
 * and each type's own choices draw from the same stream, in order.
 * Same module + same arguments -> byte-identical output.
 */
#ifndef NOOKS_INJECT_H
#define NOOKS_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

#include "faults.h"
#include "kobj.h"

struct injector {
	struct kobj obj;
	ZydisDecoder dec;
	ZydisFormatter fmt;
};

/* Optional restrictions of the site space (NULL = all). */
struct inj_filter {
	const char *function;	/* STT_FUNC symbol name */
	const char *section;	/* code section name */
	bool live;		/* only code that stays loaded after init (not .init.*):
				 * transient faults are written into the running module */
};

struct inj_site {
	uint8_t type;		/* enum fault_type */
	uint8_t len;
	unsigned sec;
	uint64_t off;
};

#define INJ_MAX_NEUT 4

struct mutation {
	int type;
	unsigned sec;
	const char *secname;
	uint64_t off, file_off;
	uint8_t len;
	const char *func;	/* NULL if no function symbol covers it */
	uint64_t func_off;
	uint8_t oldb[FT_MAX_INSN], newb[FT_MAX_INSN];
	uint16_t keep;		/* bit i: byte i is written at load by a relocation
				 * that stays: a live patch leaves it as loaded */
	char detail[96];
	char before[256], after[256];	/* AT&T disassembly, "; "-separated */
	int nneut;
	char neut[INJ_MAX_NEUT][96];	/* "R_X86_64_PLT32 foo-0x4 at .text+0x12" */
};

/* Open a module for injection (parses and checks it); one-line error on bad input. */
int inj_open(struct injector *j, const char *path);
/* Same from memory (tests). */
int inj_open_mem(struct injector *j, const char *name, const void *buf, size_t len);
void inj_close(struct injector *j);
/* Parse "text,nop" into a bit mask of fault types; error names the bad type. */
int inj_parse_types(const char *list, unsigned *mask /* out */);
/* All sites of the types in mask, sorted; *sites is malloc'd. */
int inj_sites(struct injector *j, unsigned mask, const struct inj_filter *f,
	      struct inj_site **sites /* out */, size_t *n /* out */);
/* Choose count sites from seed and mutate j->obj.buf; *muts is malloc'd. */
int inj_apply(struct injector *j, unsigned mask, const struct inj_filter *f, uint64_t seed,
	      unsigned count, struct mutation **muts /* out */, size_t *n /* out */);
/*
 * The live patch of a mutation, for a module loaded pristine (transient
 * faults, kmod/swifi/swifi_text.c): the new bytes as hex pairs, ".." for
 * each byte in m->keep.  out holds at least 2 * FT_MAX_INSN + 1 chars.
 */
char *inj_live_hex(const struct mutation *m, char *out);
/* The describe record of one mutation (json_object *, caller puts it). */
struct json_object *inj_mutation_json(const struct mutation *m);
/* Disassemble len bytes at sec:off of the current image, "; "-separated. */
void inj_disasm(struct injector *j, unsigned sec, uint64_t off, unsigned len,
		char *out, size_t outlen);

#endif
