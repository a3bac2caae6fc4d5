/*
 * faults.h - the table of code fault types (SWIFI, after Rio/Nooks) and the
 * context they work in: one decoded instruction of a code section with its
 * relocation mask.  Each type has a match() (is this instruction a site?)
 * and an apply() (compute the new bytes, same length, from the PRNG).
 *
 * Owns: the per-type rules.  Never touches the object file: apply() only
 * fills a mutation; the engine (inject.c) checks relocations and writes.
 */
#ifndef NOOKS_FAULTS_H
#define NOOKS_FAULTS_H

#include <stdbool.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

#include "kobj.h"
#include "prng.h"

enum fault_type {
	FT_TEXT, FT_NOP, FT_SRC, FT_DST, FT_PTR, FT_BRANCH, FT_INVERT, FT_LOOP,
	FT_INIT, FT_INTERFACE, FT_IRQ, FT_COUNT
};

#define FT_MAX_INSN 15

/* One decoded instruction and what the engine knows about its bytes. */
struct fault_ctx {
	const struct kobj *obj;
	const ZydisDecoder *dec;
	const uint8_t *bytes;		/* the instruction's bytes (original) */
	uint8_t len;
	uint16_t relmask;		/* bit i: byte i is written by a relocation */
	const char *relsym;		/* symbol of the first relocation in it, or NULL */
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	/* for interface: the following instructions of the same function */
	const struct fault_ctx *next;
	int nnext;
};

/* What apply() decided: the new bytes and a short human description. */
struct fault_edit {
	uint8_t newb[FT_MAX_INSN];
	bool deleted;			/* instruction replaced by NOPs: its relocations go */
	char detail[96];
};

struct fault_def {
	const char *name;
	const char *summary;
	bool (*match)(const struct fault_ctx *c);
	/* 0 on success; -1 if no edit is possible (then match() was wrong) */
	int (*apply)(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e);
};

extern const struct fault_def fault_defs[FT_COUNT];

/* Fault type by name, or -1. */
int fault_type_by_name(const char *name);
/* Comma-separated list of all type names (static string). */
const char *fault_type_names(void);

#endif
