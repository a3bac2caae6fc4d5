/*
 * inject.c - the code-fault engine (see inject.h): code map (functions,
 * decoded instructions, relocated bytes, kernel patch sites), site
 * enumeration, seeded selection and relocation-aware application.
 *
 * Instructions the kernel rewrites at load time are never sites: the
 * targets of __mcount_loc, __jump_table, .static_call_sites, .altinstructions,
 * .parainstructions, .retpoline_sites, .return_sites, .smp_locks,
 * .ibt_endbr_seal and __patchable_function_entries (ftrace, jump labels and
 * static calls validate those bytes and BUG or WARN on a mismatch;
 * alternatives overwrite them).  .altinstr_replacement is not a code section
 * here (it is copied, not executed in place).
 */
#include "inject.h"

#include <elf.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct patch_table {
	const char *name;
	unsigned entsize, field;	/* the relocated field naming the code site */
	int len_off;			/* byte holding the site's length, or -1 */
};

static const struct patch_table patch_tables[] = {
	{ "__mcount_loc", 8, 0, -1 },
	{ "__patchable_function_entries", 8, 0, -1 },
	{ "__jump_table", 16, 0, -1 },
	{ ".static_call_sites", 8, 0, -1 },
	{ ".altinstructions", 12, 0, 10 },
	{ ".parainstructions", 16, 0, 9 },
	{ ".retpoline_sites", 4, 0, -1 },
	{ ".return_sites", 4, 0, -1 },
	{ ".smp_locks", 4, 0, -1 },
	{ ".ibt_endbr_seal", 4, 0, -1 },
};

/* Per code section: which bytes the kernel patches at load time. */
struct codesec {
	struct ksec *s;
	uint8_t *patched;	/* per byte: 1 = start of / inside a patched site */
};

static bool is_code_section(const struct ksec *s)
{
	return s->type == SHT_PROGBITS && (s->flags & SHF_EXECINSTR) && s->size &&
	       strcmp(s->name, ".altinstr_replacement");
}

int inj_open_mem(struct injector *j, const char *name, const void *buf, size_t len)
{
	memset(j, 0, sizeof(*j));
	if (kobj_load_mem(name, buf, len, &j->obj))
		return -1;
	ZydisDecoderInit(&j->dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisFormatterInit(&j->fmt, ZYDIS_FORMATTER_STYLE_ATT);
	ZydisFormatterSetProperty(&j->fmt, ZYDIS_FORMATTER_PROP_HEX_UPPERCASE, ZYAN_FALSE);
	ZydisFormatterSetProperty(&j->fmt, ZYDIS_FORMATTER_PROP_DISP_PADDING, ZYDIS_PADDING_DISABLED);
	ZydisFormatterSetProperty(&j->fmt, ZYDIS_FORMATTER_PROP_IMM_PADDING, ZYDIS_PADDING_DISABLED);
	ZydisFormatterSetProperty(&j->fmt, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE,
				  ZYDIS_PADDING_DISABLED);
	return 0;
}

int inj_open(struct injector *j, const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	int r;

	memset(j, 0, sizeof(*j));
	if (!buf)
		return -1;
	r = inj_open_mem(j, path, buf, len);
	free(buf);
	return r;
}

void inj_close(struct injector *j)
{
	kobj_free(&j->obj);
}

int inj_parse_types(const char *list, unsigned *mask)
{
	char *copy = xstrdup(list), *save = NULL, *t;
	int ret = 0;

	*mask = 0;
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int ft = fault_type_by_name(t);

		if (ft < 0) {
			ret = error("unknown fault type '%s' (known: %s)", t, fault_type_names());
			break;
		}
		*mask |= 1u << ft;
	}
	if (!ret && !*mask)
		ret = error("empty fault type list '%s'", list);
	free(copy);
	return ret;
}

static void mark_patch_sites(struct kobj *o, struct codesec *cs)
{
	size_t t, i;

	for (t = 0; t < ARRAY_SIZE(patch_tables); t++) {
		const struct patch_table *pt = &patch_tables[t];
		struct ksec *ps = kobj_section(o, pt->name);
		const unsigned char *pb;

		if (!ps)
			continue;
		pb = kobj_bytes(o, ps);
		for (i = 0; i < ps->nrel; i++) {
			const struct kreloc *r = &ps->rel[i];
			const struct ksym *sym = &o->sym[r->sym];
			uint64_t tgt, n = 1, k;

			if (r->offset % pt->entsize != pt->field || sym->shndx >= o->nsec ||
			    cs[sym->shndx].s == NULL)
				continue;
			tgt = sym->value + (uint64_t)r->addend;
			if (pt->len_off >= 0 && pb && r->offset - pt->field + (uint64_t)pt->len_off < ps->size)
				n = pb[r->offset - pt->field + (uint64_t)pt->len_off];
			for (k = 0; k < (n ? n : 1); k++)
				if (tgt + k < cs[sym->shndx].s->size)
					cs[sym->shndx].patched[tgt + k] = 1;
		}
	}
}

static struct codesec *code_map(struct injector *j)
{
	struct kobj *o = &j->obj;
	struct codesec *cs = xcalloc(o->nsec, sizeof(*cs));
	size_t i;

	for (i = 1; i < o->nsec; i++) {
		if (!is_code_section(&o->sec[i]))
			continue;
		cs[i].s = &o->sec[i];
		cs[i].patched = xcalloc(o->sec[i].size, 1);
	}
	mark_patch_sites(o, cs);
	return cs;
}

static void code_map_free(struct kobj *o, struct codesec *cs)
{
	size_t i;

	for (i = 0; i < o->nsec; i++)
		free(cs[i].patched);
	free(cs);
}

/* First relocation of s whose range may reach offset off (sorted by offset). */
static size_t rel_lower(const struct ksec *s, uint64_t off)
{
	size_t lo = 0, hi = s->nrel;
	uint64_t from = off >= 8 ? off - 8 : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->rel[mid].offset < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Fill relmask/relsym of a decoded instruction at s:off. */
static void reloc_info(const struct kobj *o, const struct ksec *s, uint64_t off, unsigned len,
		       uint16_t *mask, const char **sym)
{
	size_t i;

	*mask = 0;
	*sym = NULL;
	for (i = rel_lower(s, off); i < s->nrel && s->rel[i].offset < off + len; i++) {
		const struct kreloc *r = &s->rel[i];
		int sz = kobj_reloc_size(r->type);
		uint64_t b;

		if (sz < 0)
			sz = 8;	/* unknown type: protect conservatively */
		for (b = r->offset; b < r->offset + (uint64_t)sz; b++)
			if (b >= off && b < off + len)
				*mask |= (uint16_t)(1u << (b - off));
		if (sz && r->offset + (uint64_t)sz > off && !*sym)
			*sym = kobj_reloc_symname(o, r);
	}
}

static int decode_at(struct injector *j, const struct ksec *s, uint64_t off,
		     const uint8_t *bytes, struct fault_ctx *c)
{
	memset(c, 0, sizeof(*c));
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&j->dec, bytes + off, s->size - off, &c->zi, c->ops)))
		return -1;
	c->obj = &j->obj;
	c->dec = &j->dec;
	c->bytes = bytes + off;
	c->len = c->zi.length;
	reloc_info(&j->obj, s, off, c->len, &c->relmask, &c->relsym);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Function start offsets of a section, sorted, deduplicated; plus the end. */
static size_t func_ranges(const struct kobj *o, const struct ksec *s, uint64_t **starts)
{
	size_t i, n = 0, m = 0;
	uint64_t *v = xmalloc((o->nsym + 2) * sizeof(*v));

	for (i = 0; i < o->nsym; i++)
		if (o->sym[i].shndx == s->idx && o->sym[i].type == STT_FUNC &&
		    o->sym[i].value < s->size)
			v[n++] = o->sym[i].value;
	if (!n)
		v[n++] = 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		if (!m || v[m - 1] != v[i])
			v[m++] = v[i];
	v[m] = s->size;
	*starts = v;
	return m;
}

/* The end of the function symbol starting at start (its size), capped at limit. */
static uint64_t func_end(const struct kobj *o, const struct ksec *s, uint64_t start, uint64_t limit)
{
	uint64_t end = 0;
	size_t i;

	for (i = 0; i < o->nsym; i++)
		if (o->sym[i].shndx == s->idx && o->sym[i].type == STT_FUNC &&
		    o->sym[i].value == start && start + o->sym[i].size > end)
			end = start + o->sym[i].size;
	return end && end < limit ? end : limit;
}

static bool func_selected(const struct kobj *o, const struct ksec *s, uint64_t start,
			  const char *name)
{
	size_t i;

	if (!name)
		return true;
	for (i = 0; i < o->nsym; i++)
		if (o->sym[i].shndx == s->idx && o->sym[i].type == STT_FUNC &&
		    o->sym[i].value == start && !strcmp(o->sym[i].name, name))
			return true;
	return false;
}

struct site_vec {
	struct inj_site *v;
	size_t n, cap;
};

static void site_push(struct site_vec *sv, int type, const struct ksec *s, uint64_t off, unsigned len)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 256;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = (struct inj_site){ .type = (uint8_t)type, .len = (uint8_t)len,
					    .sec = s->idx, .off = off };
}

static void scan_function(struct injector *j, struct codesec *cs, uint64_t from, uint64_t to,
			  unsigned mask, struct site_vec *sv)
{
	const struct ksec *s = cs->s;
	const uint8_t *bytes = kobj_bytes(&j->obj, s);
	size_t n = 0, cap = 64, i;
	struct fault_ctx *v = xmalloc(cap * sizeof(*v));
	uint64_t off = from;
	int t;

	while (off < to) {
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		if (decode_at(j, s, off, bytes, &v[n]) || off + v[n].len > to)
			break;	/* undecodable or overlapping the next function: stop */
		off += v[n++].len;
	}
	for (i = 0; i < n; i++) {
		struct fault_ctx *c = &v[i];
		uint64_t at = (uint64_t)(c->bytes - bytes), k;
		bool patched = false;

		for (k = 0; k < c->len; k++)
			patched |= cs->patched[at + k];
		if (patched)
			continue;
		c->next = c + 1;
		c->nnext = (int)(n - i - 1);
		for (t = 0; t < FT_COUNT; t++)
			if ((mask >> t & 1) && fault_defs[t].match(c))
				site_push(sv, t, s, at, c->len);
	}
	free(v);
}

int inj_sites(struct injector *j, unsigned mask, const struct inj_filter *f,
	      struct inj_site **sites, size_t *nsites)
{
	struct kobj *o = &j->obj;
	struct codesec *cs = code_map(j);
	struct site_vec sv = { 0 };
	bool any_section = false, any_func = false;
	size_t i, k;

	for (i = 1; i < o->nsec; i++) {
		uint64_t *starts;
		size_t nf;

		if (!cs[i].s || (f && f->section && strcmp(f->section, cs[i].s->name)))
			continue;
		if (f && f->live && !strncmp(cs[i].s->name, ".init", 5))
			continue;
		any_section = true;
		nf = func_ranges(o, cs[i].s, &starts);
		for (k = 0; k < nf; k++) {
			if (f && !func_selected(o, cs[i].s, starts[k], f->function))
				continue;
			any_func = true;
			scan_function(j, &cs[i], starts[k],
				      func_end(o, cs[i].s, starts[k], starts[k + 1]), mask, &sv);
		}
		free(starts);
	}
	code_map_free(o, cs);
	if (f && f->section && !any_section) {
		free(sv.v);
		return error("no code section '%s' in '%s'", f->section, o->path);
	}
	if (f && f->function && !any_func) {
		free(sv.v);
		return error("no function '%s' in the %scode sections of '%s'", f->function,
			     f->live ? "post-init " : "", o->path);
	}
	*sites = sv.v;
	*nsites = sv.n;
	return 0;
}

void inj_disasm(struct injector *j, unsigned sec, uint64_t off, unsigned len,
		char *out, size_t outlen)
{
	const struct ksec *s = &j->obj.sec[sec];
	const uint8_t *bytes = kobj_bytes(&j->obj, s);
	uint64_t at = off;
	size_t used = 0;

	out[0] = 0;
	while (at < off + len && at < s->size && used + 1 < outlen) {
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		char one[96], txt[80];
		uint16_t mask;
		const char *sym;

		if (ZYAN_FAILED(ZydisDecoderDecodeFull(&j->dec, bytes + at, s->size - at, &zi, ops))) {
			snprintf(one, sizeof(one), "(bad)");
			at = off + len;
		} else {
			ZydisFormatterFormatInstruction(&j->fmt, &zi, ops, zi.operand_count_visible,
							txt, sizeof(txt), at, NULL);
			reloc_info(&j->obj, s, at, zi.length, &mask, &sym);
			snprintf(one, sizeof(one), "%s%s%s", txt, sym ? " # " : "", sym ? sym : "");
			at += zi.length;
		}
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? "; " : "", one);
		if (used >= outlen)
			used = outlen - 1;
	}
}

static bool overlaps(const struct mutation *m, size_t n, const struct inj_site *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].sec == s->sec && s->off < m[i].off + m[i].len && m[i].off < s->off + s->len)
			return true;
	return false;
}

/* Neutralize relocations inside a deleted instruction; any other change of a relocated byte is a bug. */
static int fix_relocs(struct injector *j, struct mutation *m, bool deleted)
{
	struct ksec *s = &j->obj.sec[m->sec];
	size_t i;

	for (i = rel_lower(s, m->off); i < s->nrel && s->rel[i].offset < m->off + m->len; i++) {
		struct kreloc *r = &s->rel[i];
		int sz = kobj_reloc_size(r->type);
		uint64_t b;
		bool touched = false;

		if (sz <= 0 && r->type == R_X86_64_NONE)
			continue;
		if (sz < 0)
			sz = 8;
		if (r->offset + (uint64_t)sz <= m->off)
			continue;
		for (b = r->offset; b < r->offset + (uint64_t)sz; b++)
			if (b >= m->off && b < m->off + m->len && m->oldb[b - m->off] != m->newb[b - m->off])
				touched = true;
		if (!deleted && touched)
			return error("internal: %s mutation at %s+0x%llx changes a relocated byte",
				     fault_defs[m->type].name, m->secname, (unsigned long long)m->off);
		if (!deleted)
			continue;
		if (m->nneut < INJ_MAX_NEUT)
			snprintf(m->neut[m->nneut], sizeof(m->neut[0]), "%s %s%+lld at %s+0x%llx",
				 kobj_reloc_name(r->type), kobj_reloc_symname(&j->obj, r),
				 (long long)r->addend, s->name, (unsigned long long)r->offset);
		m->nneut++;
		kobj_reloc_neutralize(&j->obj, s, r);
	}
	return 0;
}

static int apply_one(struct injector *j, const struct inj_site *site, struct prng *rng,
		     struct mutation *m)
{
	struct kobj *o = &j->obj;
	struct ksec *s = &o->sec[site->sec];
	uint8_t *bytes = kobj_bytes(o, s);
	struct fault_ctx c;
	struct fault_edit e;
	const struct ksym *fn;

	memset(m, 0, sizeof(*m));
	memset(&e, 0, sizeof(e));
	if (decode_at(j, s, site->off, bytes, &c) || c.len != site->len)
		return error("internal: cannot re-decode site %s+0x%llx", s->name,
			     (unsigned long long)site->off);
	m->type = site->type;
	m->sec = site->sec;
	m->secname = s->name;
	m->off = site->off;
	m->len = c.len;
	m->file_off = s->off + site->off;
	fn = kobj_func_at(o, s->idx, site->off, &m->func_off);
	m->func = fn ? fn->name : NULL;
	memcpy(m->oldb, c.bytes, c.len);
	inj_disasm(j, m->sec, m->off, m->len, m->before, sizeof(m->before));
	if (fault_defs[site->type].apply(&c, rng, &e))
		return error("internal: %s fault does not apply at %s+0x%llx",
			     fault_defs[site->type].name, s->name, (unsigned long long)site->off);
	memcpy(m->newb, e.newb, c.len);
	m->keep = e.deleted ? 0 : c.relmask;	/* a deleted one's relocations go */
	snprintf(m->detail, sizeof(m->detail), "%s", e.detail);
	if (fix_relocs(j, m, e.deleted))
		return -1;
	memcpy(bytes + site->off, m->newb, m->len);
	inj_disasm(j, m->sec, m->off, m->len, m->after, sizeof(m->after));
	return 0;
}

int inj_apply(struct injector *j, unsigned mask, const struct inj_filter *f, uint64_t seed,
	      unsigned count, struct mutation **muts, size_t *nmuts)
{
	struct inj_site *sites;
	struct mutation *m;
	struct prng rng;
	size_t nsites, i, n = 0;

	if (count == 0)
		return error("fault count must be at least 1");
	if (inj_sites(j, mask, f, &sites, &nsites))
		return -1;
	if (nsites == 0) {
		char names[128] = "";
		int t;

		for (t = 0; t < FT_COUNT; t++)
			if (mask >> t & 1)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 names[0] ? "," : "", fault_defs[t].name);
		free(sites);
		return error("no candidate site for fault type '%s' in '%s'%s%s", names,
			     j->obj.path, f && f->function ? " function " : "",
			     f && f->function ? f->function : "");
	}
	if (count > nsites) {
		free(sites);
		return error("count %u larger than the %zu candidate sites in '%s'", count, nsites,
			     j->obj.path);
	}
	prng_seed(&rng, seed);
	m = xcalloc(count, sizeof(*m));
	for (i = 0; i < nsites && n < count; i++) {
		size_t r = i + (size_t)prng_below(&rng, nsites - i);
		struct inj_site tmp = sites[i];

		sites[i] = sites[r];
		sites[r] = tmp;
		if (overlaps(m, n, &sites[i]))
			continue;
		if (apply_one(j, &sites[i], &rng, &m[n]))
			goto err;
		n++;
	}
	free(sites);
	if (n < count) {
		free(m);
		return error("only %zu non-overlapping sites for %u faults in '%s'", n, count,
			     j->obj.path);
	}
	*muts = m;
	*nmuts = n;
	return 0;
err:
	free(sites);
	free(m);
	return -1;
}

static char *hex(const uint8_t *b, unsigned n, char *out)
{
	unsigned i;

	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02x%s", b[i], i + 1 < n ? " " : "");
	out[n ? 3 * n - 1 : 0] = 0;
	return out;
}

char *inj_live_hex(const struct mutation *m, char *out)
{
	unsigned i;

	for (i = 0; i < m->len; i++) {
		if (m->keep >> i & 1)
			memcpy(out + 2 * i, "..", 2);
		else
			sprintf(out + 2 * i, "%02x", m->newb[i]);
	}
	out[2 * m->len] = 0;
	return out;
}

struct json_object *inj_mutation_json(const struct mutation *m)
{
	struct json_object *o = json_object_new_object(), *nr = json_object_new_array();
	char buf[3 * FT_MAX_INSN + 1], sym[256];
	int i;

	if (m->func)
		snprintf(sym, sizeof(sym), "%s+0x%llx", m->func, (unsigned long long)m->func_off);
	json_object_object_add(o, "type", json_object_new_string(fault_defs[m->type].name));
	json_object_object_add(o, "section", json_object_new_string(m->secname));
	json_object_object_add(o, "offset", json_object_new_int64((int64_t)m->off));
	json_object_object_add(o, "symbol", m->func ? json_object_new_string(sym) : NULL);
	json_object_object_add(o, "file_offset", json_object_new_int64((int64_t)m->file_off));
	json_object_object_add(o, "length", json_object_new_int(m->len));
	json_object_object_add(o, "old_bytes", json_object_new_string(hex(m->oldb, m->len, buf)));
	json_object_object_add(o, "new_bytes", json_object_new_string(hex(m->newb, m->len, buf)));
	json_object_object_add(o, "live", json_object_new_string(inj_live_hex(m, buf)));
	json_object_object_add(o, "before", json_object_new_string(m->before));
	json_object_object_add(o, "after", json_object_new_string(m->after));
	json_object_object_add(o, "detail", json_object_new_string(m->detail));
	for (i = 0; i < m->nneut && i < INJ_MAX_NEUT; i++)
		json_object_array_add(nr, json_object_new_string(m->neut[i]));
	json_object_object_add(o, "relocations_neutralized", nr);
	return o;
}
