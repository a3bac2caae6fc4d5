/*
 * faults.c - the code fault types: which instructions are sites and how each
 * is corrupted, on Zydis-decoded x86-64 instructions.  Every edit keeps the
 * instruction's length (NOP fill via ZydisEncoderNopFill, operand rewrites
 * via the Zydis encoder accepted only at the same length); only `text` may
 * change the decoding of what follows (a bit flip is what it is).
 *
 * Never writes relocated bytes unless the instruction is deleted (the engine
 * then neutralizes its relocations); never touches the file.
 */
#include "faults.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define MODE64 ZYDIS_MACHINE_MODE_LONG_64
#define MAX_VARIANTS 128

struct variant {
	uint8_t b[FT_MAX_INSN];
	char detail[64];
};

static bool rel_byte(const struct fault_ctx *c, unsigned i)
{
	return (c->relmask >> i) & 1;
}

static void delete_insn(const struct fault_ctx *c, struct fault_edit *e)
{
	ZydisEncoderNopFill(e->newb, c->len);
	e->deleted = true;
	snprintf(e->detail, sizeof(e->detail), "replaced by %u bytes of NOPs", c->len);
}

static int apply_delete(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e)
{
	(void)rng;
	delete_insn(c, e);
	return 0;
}

static bool is_gpr(ZydisRegister r)
{
	ZydisRegisterClass cl = ZydisRegisterGetClass(r);

	return cl == ZYDIS_REGCLASS_GPR8 || cl == ZYDIS_REGCLASS_GPR16 ||
	       cl == ZYDIS_REGCLASS_GPR32 || cl == ZYDIS_REGCLASS_GPR64;
}

/* Encode req; accept it only at the same length with relocated bytes intact. */
static bool reencode(const struct fault_ctx *c, const ZydisEncoderRequest *req, uint8_t *out)
{
	uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
	ZyanUSize n = sizeof(buf);
	unsigned i;

	if (ZYAN_FAILED(ZydisEncoderEncodeInstruction(req, buf, &n)) || n != c->len)
		return false;
	for (i = 0; i < c->len; i++)
		if (rel_byte(c, i) && buf[i] != c->bytes[i])
			return false;
	if (!memcmp(buf, c->bytes, c->len))
		return false;
	memcpy(out, buf, n);
	return true;
}

static bool to_request(const struct fault_ctx *c, ZydisEncoderRequest *req)
{
	return ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(&c->zi, c->ops,
			    c->zi.operand_count_visible, req));
}

/* All same-length rewrites of a register operand (write: destination, else source). */
static int reg_variants(const struct fault_ctx *c, bool write, struct variant *v, int max)
{
	ZydisEncoderRequest req;
	uint8_t scratch[FT_MAX_INSN];
	int n = 0;
	unsigned k, id;

	if (!to_request(c, &req))
		return 0;
	for (k = 0; k < c->zi.operand_count_visible && n < max; k++) {
		const ZydisDecodedOperand *op = &c->ops[k];
		ZydisRegister r = op->reg.value;
		bool w = op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE;
		bool rd = op->actions & ZYDIS_OPERAND_ACTION_MASK_READ;

		if (op->type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    op->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT || !is_gpr(r))
			continue;
		if (write ? !w : (w || !rd))
			continue;
		for (id = 0; id < 20 && n < max; id++) {
			ZydisRegister x = ZydisRegisterEncode(ZydisRegisterGetClass(r), (ZyanU8)id);
			ZydisEncoderRequest q = req;

			if (x == ZYDIS_REGISTER_NONE || x == r)
				continue;
			q.operands[k].reg.value = x;
			if (!reencode(c, &q, v ? v[n].b : scratch))
				continue;
			if (v)
				snprintf(v[n].detail, sizeof(v[n].detail), "%s operand %u: %s -> %s",
					 write ? "destination" : "source", k,
					 ZydisRegisterGetString(r), ZydisRegisterGetString(x));
			n++;
			if (!v)
				return n;
		}
	}
	return n;
}

static int pick_variant(struct variant *v, int n, struct prng *rng, struct fault_edit *e)
{
	int i;

	if (n <= 0)
		return -1;
	i = (int)prng_below(rng, (uint64_t)n);
	memcpy(e->newb, v[i].b, sizeof(e->newb));
	snprintf(e->detail, sizeof(e->detail), "%s", v[i].detail);
	return 0;
}

static bool match_src(const struct fault_ctx *c) { return reg_variants(c, false, NULL, 1) > 0; }
static bool match_dst(const struct fault_ctx *c) { return reg_variants(c, true, NULL, 1) > 0; }

static int apply_reg(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e, bool w)
{
	struct variant v[MAX_VARIANTS];

	return pick_variant(v, reg_variants(c, w, v, MAX_VARIANTS), rng, e);
}

static int apply_src(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e)
{
	return apply_reg(c, rng, e, false);
}

static int apply_dst(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e)
{
	return apply_reg(c, rng, e, true);
}

/* ptr: the explicit memory operand (a real access, not lea/agen). */
static int mem_operand(const struct fault_ctx *c)
{
	unsigned k;

	if (c->zi.mnemonic == ZYDIS_MNEMONIC_NOP)
		return -1;
	for (k = 0; k < c->zi.operand_count_visible; k++)
		if (c->ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    c->ops[k].mem.type == ZYDIS_MEMOP_TYPE_MEM &&
		    c->ops[k].visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
			return (int)k;
	return -1;
}

/*
 * Variants of three kinds, picked kind first (uniform over the kinds that
 * exist), then uniformly inside: flip one bit of an unrelocated
 * displacement; replace the base register; replace the index register.
 */
static int ptr_variants(const struct fault_ctx *c, struct variant *v, int kind_counts[3])
{
	int k = mem_operand(c), n = 0;
	const ZydisDecodedOperand *op;
	ZydisEncoderRequest req;
	unsigned i, id;

	kind_counts[0] = kind_counts[1] = kind_counts[2] = 0;
	if (k < 0)
		return 0;
	op = &c->ops[k];
	if (c->zi.raw.disp.size) {
		unsigned off = c->zi.raw.disp.offset, sz = c->zi.raw.disp.size / 8;
		bool relocated = false;

		for (i = 0; i < sz; i++)
			relocated |= rel_byte(c, off + i);
		for (i = 0; !relocated && i < sz * 8 && n < MAX_VARIANTS; i++, n++) {
			memcpy(v[n].b, c->bytes, c->len);
			v[n].b[off + i / 8] ^= (uint8_t)(1u << (i % 8));
			snprintf(v[n].detail, sizeof(v[n].detail), "displacement bit %u flipped", i);
			kind_counts[0]++;
		}
	}
	if (!to_request(c, &req))
		return n;
	for (int which = 0; which < 2; which++) {
		ZydisRegister r = which ? op->mem.index : op->mem.base;

		if (r == ZYDIS_REGISTER_NONE || r == ZYDIS_REGISTER_RIP || !is_gpr(r))
			continue;
		for (id = 0; id < 16 && n < MAX_VARIANTS; id++) {
			ZydisRegister x = ZydisRegisterEncode(ZydisRegisterGetClass(r), (ZyanU8)id);
			ZydisEncoderRequest q = req;

			if (x == ZYDIS_REGISTER_NONE || x == r || (which && (x == ZYDIS_REGISTER_RSP ||
								 x == ZYDIS_REGISTER_ESP)))
				continue;
			if (which)
				q.operands[k].mem.index = x;
			else
				q.operands[k].mem.base = x;
			if (!reencode(c, &q, v[n].b))
				continue;
			snprintf(v[n].detail, sizeof(v[n].detail), "%s register %s -> %s",
				 which ? "index" : "base", ZydisRegisterGetString(r),
				 ZydisRegisterGetString(x));
			n++;
			kind_counts[1 + which]++;
		}
	}
	return n;
}

static bool match_ptr(const struct fault_ctx *c)
{
	struct variant v[MAX_VARIANTS];
	int kc[3];

	return ptr_variants(c, v, kc) > 0;
}

static int apply_ptr(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e)
{
	struct variant v[MAX_VARIANTS];
	int kc[3], kinds[3], nk = 0, i, base = 0, kind;

	if (ptr_variants(c, v, kc) <= 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (kc[i])
			kinds[nk++] = i;
	kind = kinds[prng_below(rng, (uint64_t)nk)];
	for (i = 0; i < kind; i++)
		base += kc[i];
	return pick_variant(v + base, kc[kind], rng, e);
}

static bool is_jcc(const struct fault_ctx *c)
{
	switch (c->zi.mnemonic) {
	case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JL:
	case ZYDIS_MNEMONIC_JLE: case ZYDIS_MNEMONIC_JNB: case ZYDIS_MNEMONIC_JNBE:
	case ZYDIS_MNEMONIC_JNL: case ZYDIS_MNEMONIC_JNLE: case ZYDIS_MNEMONIC_JNO:
	case ZYDIS_MNEMONIC_JNP: case ZYDIS_MNEMONIC_JNS: case ZYDIS_MNEMONIC_JNZ:
	case ZYDIS_MNEMONIC_JO: case ZYDIS_MNEMONIC_JP: case ZYDIS_MNEMONIC_JS:
	case ZYDIS_MNEMONIC_JZ:
		return c->zi.raw.imm[0].offset > 0;
	default:
		return false;
	}
}

static bool match_branch(const struct fault_ctx *c)
{
	return c->zi.meta.category == ZYDIS_CATEGORY_COND_BR;
}

static bool match_invert(const struct fault_ctx *c)
{
	return is_jcc(c);
}

static int apply_invert(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e)
{
	unsigned at = c->zi.raw.imm[0].offset - 1u;

	(void)rng;
	memcpy(e->newb, c->bytes, c->len);
	e->newb[at] ^= 1;
	snprintf(e->detail, sizeof(e->detail), "condition code %x -> %x",
		 c->bytes[at] & 0xf, e->newb[at] & 0xf);
	return 0;
}

/* Off-by-one partner of a condition code: l<->le, ge<->g, b<->be, ae<->a. */
static int loop_partner(unsigned cc)
{
	static const signed char partner[16] = {
		-1, -1, 0x6, 0x7, -1, -1, 0x2, 0x3, -1, -1, -1, -1, 0xe, 0xf, 0xc, 0xd,
	};
	return partner[cc & 0xf];
}

static int rep_prefix_at(const struct fault_ctx *c)
{
	ZydisMnemonic m = c->zi.mnemonic;
	unsigned i;

	if (m != ZYDIS_MNEMONIC_CMPSB && m != ZYDIS_MNEMONIC_CMPSW && m != ZYDIS_MNEMONIC_CMPSD &&
	    m != ZYDIS_MNEMONIC_CMPSQ && m != ZYDIS_MNEMONIC_SCASB && m != ZYDIS_MNEMONIC_SCASW &&
	    m != ZYDIS_MNEMONIC_SCASD && m != ZYDIS_MNEMONIC_SCASQ)
		return -1;
	for (i = 0; i < c->zi.raw.prefix_count; i++)
		if (c->bytes[i] == 0xf2 || c->bytes[i] == 0xf3)
			return (int)i;
	return -1;
}

static bool match_loop(const struct fault_ctx *c)
{
	if (is_jcc(c))
		return loop_partner(c->bytes[c->zi.raw.imm[0].offset - 1]) >= 0;
	return rep_prefix_at(c) >= 0;
}

static int apply_loop(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e)
{
	int at;

	(void)rng;
	memcpy(e->newb, c->bytes, c->len);
	if (is_jcc(c)) {
		at = c->zi.raw.imm[0].offset - 1;
		e->newb[at] = (uint8_t)((c->bytes[at] & 0xf0) | loop_partner(c->bytes[at]));
		snprintf(e->detail, sizeof(e->detail), "condition code %x -> %x",
			 c->bytes[at] & 0xf, e->newb[at] & 0xf);
		return 0;
	}
	at = rep_prefix_at(c);
	if (at < 0)
		return -1;
	e->newb[at] ^= 0x01;	/* f2 <-> f3 */
	snprintf(e->detail, sizeof(e->detail), "prefix %02x -> %02x", c->bytes[at], e->newb[at]);
	return 0;
}

static bool match_nop(const struct fault_ctx *c)
{
	return c->zi.mnemonic != ZYDIS_MNEMONIC_NOP && c->zi.mnemonic != ZYDIS_MNEMONIC_INT3;
}

static bool match_text(const struct fault_ctx *c)
{
	return c->relmask != (uint16_t)((1u << c->len) - 1);
}

static int apply_text(const struct fault_ctx *c, struct prng *rng, struct fault_edit *e)
{
	unsigned free_bits = 0, i, pick;

	for (i = 0; i < c->len; i++)
		free_bits += rel_byte(c, i) ? 0 : 8;
	if (!free_bits)
		return -1;
	pick = (unsigned)prng_below(rng, free_bits);
	for (i = 0; i < c->len; i++) {
		if (rel_byte(c, i))
			continue;
		if (pick < 8)
			break;
		pick -= 8;
	}
	memcpy(e->newb, c->bytes, c->len);
	e->newb[i] ^= (uint8_t)(1u << pick);
	snprintf(e->detail, sizeof(e->detail), "bit %u of byte %u flipped", pick, i);
	return 0;
}

/*
 * init: a store of an immediate or register into a stack slot, i.e. based on
 * %rsp.  Debian's 6.1 kernel is built with the ORC unwinder and without frame
 * pointers, so %rbp is an ordinary register there and not a frame base.
 */
static bool match_init(const struct fault_ctx *c)
{
	const ZydisDecodedOperand *d = &c->ops[0], *s = &c->ops[1];

	if (c->zi.mnemonic != ZYDIS_MNEMONIC_MOV || c->zi.operand_count_visible != 2)
		return false;
	if (d->type != ZYDIS_OPERAND_TYPE_MEMORY || d->mem.type != ZYDIS_MEMOP_TYPE_MEM ||
	    d->mem.base != ZYDIS_REGISTER_RSP)
		return false;
	return s->type == ZYDIS_OPERAND_TYPE_IMMEDIATE || s->type == ZYDIS_OPERAND_TYPE_REGISTER;
}

static ZydisRegister arg_reg_written(const struct fault_ctx *c)
{
	static const ZydisRegister args[] = {
		ZYDIS_REGISTER_RDI, ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDX,
		ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_R8, ZYDIS_REGISTER_R9,
	};
	const ZydisDecodedOperand *d = &c->ops[0];
	ZydisRegister big;
	unsigned i;

	if (!c->zi.operand_count_visible || d->type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    !(d->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) || !is_gpr(d->reg.value))
		return ZYDIS_REGISTER_NONE;
	big = ZydisRegisterGetLargestEnclosing(MODE64, d->reg.value);
	for (i = 0; i < ARRAY_SIZE(args); i++)
		if (big == args[i])
			return big;
	return ZYDIS_REGISTER_NONE;
}

#define INTERFACE_WINDOW 5

static bool writes_reg(const struct fault_ctx *c, ZydisRegister big)
{
	unsigned k;

	for (k = 0; k < c->zi.operand_count; k++)
		if (c->ops[k].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    (c->ops[k].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) &&
		    ZydisRegisterGetLargestEnclosing(MODE64, c->ops[k].reg.value) == big)
			return true;
	return false;
}

/* interface: an argument register set up at most 5 instructions before a call. */
static bool match_interface(const struct fault_ctx *c)
{
	ZydisRegister r = arg_reg_written(c);
	int i;

	if (r == ZYDIS_REGISTER_NONE || c->zi.mnemonic == ZYDIS_MNEMONIC_CALL)
		return false;
	for (i = 0; i < c->nnext && i < INTERFACE_WINDOW; i++) {
		const struct fault_ctx *n = &c->next[i];
		ZydisInstructionCategory cat = n->zi.meta.category;

		if (n->zi.mnemonic == ZYDIS_MNEMONIC_CALL)
			return true;
		if (cat == ZYDIS_CATEGORY_COND_BR || cat == ZYDIS_CATEGORY_UNCOND_BR ||
		    cat == ZYDIS_CATEGORY_RET || writes_reg(n, r))
			return false;
	}
	return false;
}

/*
 * irq: cli / sti / pushf / popf, and calls to the kernel's irq-disabling
 * lock helpers (spin/read/write_lock_irq[save], ..._unlock_irq[restore]).
 * On the pinned 6.1 kernel stock modules do not inline cli/sti (PARAVIRT_XXL
 * routes local_irq_* through pv_ops alternatives; e1000 uses only
 * _raw_spin_lock_irqsave / _raw_spin_unlock_irqrestore): see docs/FAULTS.md.
 */
static bool match_irq(const struct fault_ctx *c)
{
	static const char *const helpers[] = {
		"_raw_spin_lock_irq", "_raw_spin_unlock_irq", "_raw_read_lock_irq",
		"_raw_read_unlock_irq", "_raw_write_lock_irq", "_raw_write_unlock_irq",
		"_raw_spin_trylock_irq", "arch_local_irq_", "local_irq_",
	};
	unsigned i;

	switch (c->zi.mnemonic) {
	case ZYDIS_MNEMONIC_CLI: case ZYDIS_MNEMONIC_STI:
	case ZYDIS_MNEMONIC_PUSHFQ: case ZYDIS_MNEMONIC_POPFQ:
		return true;
	case ZYDIS_MNEMONIC_CALL:
		if (!c->relsym)
			return false;
		for (i = 0; i < ARRAY_SIZE(helpers); i++)
			if (!strncmp(c->relsym, helpers[i], strlen(helpers[i])))
				return true;
		return false;
	default:
		return false;
	}
}

const struct fault_def fault_defs[FT_COUNT] = {
	[FT_TEXT] = { "text", "flip one random bit of an instruction's unrelocated bytes",
		      match_text, apply_text },
	[FT_NOP] = { "nop", "delete an instruction (same-length NOPs)", match_nop, apply_delete },
	[FT_SRC] = { "src", "replace a source register operand", match_src, apply_src },
	[FT_DST] = { "dst", "replace a destination register operand", match_dst, apply_dst },
	[FT_PTR] = { "ptr", "corrupt a memory operand's base, index or displacement",
		     match_ptr, apply_ptr },
	[FT_BRANCH] = { "branch", "delete a conditional branch", match_branch, apply_delete },
	[FT_INVERT] = { "invert", "invert a conditional branch's condition",
			match_invert, apply_invert },
	[FT_LOOP] = { "loop", "off-by-one condition (jl<->jle, jb<->jbe, ...) or rep<->repne",
		      match_loop, apply_loop },
	[FT_INIT] = { "init", "delete a store into a stack slot (local initialisation)",
		      match_init, apply_delete },
	[FT_INTERFACE] = { "interface", "delete the setup of an argument register before a call",
			   match_interface, apply_delete },
	[FT_IRQ] = { "irq", "delete cli/sti/pushf/popf or a call to an irq-disabling lock helper",
		     match_irq, apply_delete },
};

int fault_type_by_name(const char *name)
{
	int i;

	for (i = 0; i < FT_COUNT; i++)
		if (!strcmp(name, fault_defs[i].name))
			return i;
	return -1;
}

const char *fault_type_names(void)
{
	return "text,nop,src,dst,ptr,branch,invert,loop,init,interface,irq";
}
