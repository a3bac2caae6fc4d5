/*
 * runtime.c - SWIFI runtime faults on the host (see runtime.h): candidate
 * imports, seeded choice of (type, symbol, N), the arm string for swifi.ko
 * and the rebinding of the chosen imports to swifi's wrappers.
 *
 * Owns nothing persistent.  Rebinding goes through modbind's public API
 * only (modbind belongs to the NIM); never edits .text.
 */
#include "runtime.h"

#include <elf.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "modbind.h"
#include "util.h"

static const struct {
	const char *name;
	enum rt_class cls;
} rt_table[] = {
#define RT_ALLOC(sym, ...) { #sym, RTC_ALLOC },
#define RT_FREE(sym, ...) { #sym, RTC_FREE },
#define RT_COPY(sym, ...) { #sym, RTC_COPY },
#include "rtfault_syms.h"
#undef RT_ALLOC
#undef RT_FREE
#undef RT_COPY
};

static const char *rt_verb[RT_NTYPES] = {
	"return NULL", "free the new object at once and return it", "skip the free",
	"copy more bytes"
};

int rt_sym_class(const char *sym)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rt_table); i++)
		if (!strcmp(rt_table[i].name, sym))
			return rt_table[i].cls;
	return -1;
}

int rt_parse_fault_list(const char *list, unsigned *code_mask, unsigned *rt_mask)
{
	char *copy = xstrdup(list), *save = NULL, *t;
	int ret = 0;

	*code_mask = *rt_mask = 0;
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int ft = fault_type_by_name(t), rt = rt_type_by_name(t, strlen(t));

		if (ft >= 0) {
			*code_mask |= 1u << ft;
		} else if (rt >= 0) {
			*rt_mask |= 1u << rt;
		} else {
			ret = error("unknown fault type '%s' (known: %s, alloc, free, leak, bcopy)", t,
				    fault_type_names());
			break;
		}
	}
	if (!ret && !*code_mask && !*rt_mask)
		ret = error("empty fault type list '%s'", list);
	free(copy);
	return ret;
}

size_t rt_called_imports(const struct kobj *o, const char ***names)
{
	char *called = xcalloc(o->nsym ? o->nsym : 1, 1);
	size_t i, k, n = 0;

	for (i = 0; i < o->nsec; i++)
		for (k = 0; k < o->sec[i].nrel; k++) {
			const struct kreloc *r = &o->sec[i].rel[k];

			if (r->type == R_X86_64_PLT32 && r->sym < o->nsym &&
			    o->sym[r->sym].shndx == SHN_UNDEF && *o->sym[r->sym].name)
				called[r->sym] = 1;
		}
	*names = xcalloc(o->nsym + 1, sizeof(**names));
	for (i = 0; i < o->nsym; i++)
		if (called[i])
			(*names)[n++] = o->sym[i].name;
	free(called);
	return n;
}

static int imported(const char *const *names, size_t n, const char *sym)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], sym))
			return 1;
	return 0;
}

uint32_t rt_profile_reach(uint32_t calls)
{
	return calls - calls / 2;	/* ceil(calls / 2): 1 -> 1, 2 -> 1, 75 -> 38 */
}

/*
 * Last N of sym: hi, or with a profile min(rt_profile_reach(calls(sym)),
 * nth_max if given); a value below lo (0 for an uncalled sym) gives no site.
 * --nth N keeps the symbols the profiled run called at least N times.
 */
static uint32_t sym_hi(const struct rt_filter *f, const char *sym, uint32_t lo, uint32_t hi)
{
	uint32_t c;

	if (!f || !f->profile)
		return hi;
	c = rt_profile_calls(f->profile, sym);
	if (f->nth)
		return c >= f->nth ? hi : lo - 1;
	c = rt_profile_reach(c);
	return f->nth_max && f->nth_max < c ? f->nth_max : c;
}

int rt_sites(const char *const *names, size_t nnames, unsigned rt_mask, const struct rt_filter *f,
	     struct rt_site **sites, size_t *nsites)
{
	uint32_t lo = 1, hi = f && f->nth_max ? f->nth_max : RT_NTH_MAX, nth;
	size_t n = 0, cap = 0, i;
	struct rt_site *v = NULL;
	uint32_t t;

	if (f && f->nth)
		lo = hi = f->nth;
	if (f && f->symbol && rt_sym_class(f->symbol) < 0)
		return error("no swifi wrapper for '%s' (see injector/rtfault_syms.h)", f->symbol);
	if (f && f->symbol && !imported(names, nnames, f->symbol))
		return error("the module does not call '%s'", f->symbol);
	for (t = 0; t < RT_NTYPES; t++) {
		if (!(rt_mask >> t & 1))
			continue;
		for (i = 0; i < ARRAY_SIZE(rt_table); i++) {
			const char *s = rt_table[i].name;

			if (rt_table[i].cls != rt_type_class(t) || !imported(names, nnames, s) ||
			    (f && f->symbol && strcmp(f->symbol, s)))
				continue;
			for (nth = lo; nth <= sym_hi(f, s, lo, hi); nth++) {
				if (n == cap)
					v = xrealloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
				v[n++] = (struct rt_site){ t, s, nth };
			}
		}
	}
	if (!n && f && f->profile && rt_mask) {
		free(v);
		return error("no runtime fault site: the profile%s%s%s records no call of a "
			     "wrapped function of the right class%s%s", *f->profile->key ? " '" : "",
			     f->profile->key, *f->profile->key ? "'" : "",
			     f->nth ? " at or beyond the call given by --nth" : "",
			     f->symbol ? " (or of --symbol)" : "");
	}
	*sites = v;
	*nsites = n;
	return 0;
}

int rt_choose(const struct rt_site *sites, size_t nsites, uint64_t seed, unsigned count,
	      struct rt_arm *arms)
{
	size_t *idx, i;
	struct prng rng;

	if (count > RT_MAX_ARMS)
		return error("at most %d runtime faults per module, not %u", RT_MAX_ARMS, count);
	if (!nsites)
		return error("no candidate site for the runtime fault types (the module calls "
			     "none of the wrapped functions)");
	if (count > nsites)
		return error("count %u larger than the %zu runtime fault sites", count, nsites);
	idx = xmalloc(nsites * sizeof(*idx));
	for (i = 0; i < nsites; i++)
		idx[i] = i;
	prng_seed(&rng, seed);
	for (i = 0; i < count; i++) {
		size_t r = i + (size_t)prng_below(&rng, nsites - i), tmp = idx[i];
		const struct rt_site *s;

		idx[i] = idx[r];
		idx[r] = tmp;
		s = &sites[idx[i]];
		memset(&arms[i], 0, sizeof(arms[i]));
		arms[i].type = s->type;
		arms[i].nth = s->nth;
		snprintf(arms[i].sym, sizeof(arms[i].sym), "%s", s->sym);
		arms[i].seed = prng_next(&rng) & 0x7fffffffffffULL;
	}
	free(idx);
	return 0;
}

unsigned rt_split(unsigned n_code_types, unsigned n_rt_types, unsigned count, uint64_t seed)
{
	unsigned all = n_code_types + n_rt_types, kr;
	struct prng rng;

	if (!n_rt_types)
		return 0;
	if (!n_code_types)
		return count;
	if (count == 1) {
		prng_seed(&rng, seed ^ 0x7274666175ULL);
		return prng_below(&rng, all) < n_rt_types;
	}
	kr = (count * n_rt_types + all / 2) / all;
	return kr < 1 ? 1 : kr > count - 1 ? count - 1 : kr;
}

char *rt_arm_string(const struct rt_arm *arms, size_t n)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s:%s:%u:0x%llx", s, i ? "," : "", rt_type_names[arms[i].type],
			      arms[i].sym, arms[i].nth, (unsigned long long)arms[i].seed);
		free(s);
		s = t;
	}
	return s;
}

int rt_bind(const char *in, const char *out, const struct rt_arm *arms, size_t n,
	    const char *symvers)
{
	struct symvers *sv = symvers_load(symvers);
	struct modbind *mb;
	size_t i, k;
	int ret = -1;

	if (!sv)
		return -1;
	mb = modbind_open(in, out);
	if (!mb)
		goto out;
	for (i = 0; i < n; i++) {
		char *w = xasprintf(RT_WRAP_PREFIX "%s", arms[i].sym);
		uint64_t crc;
		int r, dup = 0;

		for (k = 0; k < i; k++)
			dup |= !strcmp(arms[k].sym, arms[i].sym);
		if (dup) {
			free(w);
			continue;
		}
		if (symvers_crc(sv, w, &crc)) {
			error("'%s' does not export '%s' (rebuild kmod/swifi)", symvers, w);
			free(w);
			goto out;
		}
		r = modbind_rename(mb, arms[i].sym, w, crc);
		free(w);
		if (r)
			goto out;
	}
	ret = modbind_commit(mb);
out:
	modbind_close(mb);
	symvers_free(sv);
	return ret;
}

struct json_object *rt_arm_json(const struct rt_arm *a)
{
	struct json_object *o = json_object_new_object(), *rt = json_object_new_object();
	char *before = xasprintf("call %s", a->sym);
	char *after = xasprintf("call " RT_WRAP_PREFIX "%s", a->sym);
	char *detail = a->type == RT_BCOPY
		? xasprintf("call %u of %s: copy %llu more bytes", a->nth, a->sym,
			    (unsigned long long)rt_bcopy_delta(a->seed))
		: xasprintf("call %u of %s: %s", a->nth, a->sym, rt_verb[a->type]);
	char *arm = rt_arm_string(a, 1);

	json_object_object_add(o, "type", json_object_new_string(rt_type_names[a->type]));
	json_object_object_add(o, "section", json_object_new_string("__versions"));
	json_object_object_add(o, "symbol", json_object_new_string(a->sym));
	json_object_object_add(o, "before", json_object_new_string(before));
	json_object_object_add(o, "after", json_object_new_string(after));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_object_add(rt, "wrapper", json_object_new_string(after + 5));
	json_object_object_add(rt, "nth", json_object_new_int64(a->nth));
	json_object_object_add(rt, "seed", json_object_new_uint64(a->seed));
	if (a->type == RT_BCOPY)
		json_object_object_add(rt, "delta",
				       json_object_new_uint64(rt_bcopy_delta(a->seed)));
	json_object_object_add(rt, "arm", json_object_new_string(arm));
	json_object_object_add(o, "runtime", rt);
	free(before);
	free(after);
	free(detail);
	free(arm);
	return o;
}

/* ---- call profiles ---------------------------------------------------------- */

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rt_profile_entry *)a)->sym,
		      ((const struct rt_profile_entry *)b)->sym);
}

int rt_profile_parse(const char *text, const char *what, struct rt_profile *p)
{
	struct json_object *root = json_tokener_parse(text), *calls, *key;
	size_t cap;
	int ret = -1;

	memset(p, 0, sizeof(*p));
	if (!root || !json_object_is_type(root, json_type_object)) {
		error("profile '%s': not a JSON object", what);
		goto out;
	}
	if (!json_object_object_get_ex(root, "calls", &calls) ||
	    !json_object_is_type(calls, json_type_object)) {
		error("profile '%s': field 'calls': expected an object {SYMBOL: COUNT}", what);
		goto out;
	}
	if (json_object_object_get_ex(root, "key", &key) &&
	    !json_object_is_type(key, json_type_string)) {
		error("profile '%s': field 'key': expected a string", what);
		goto out;
	}
	p->key = xstrdup(key ? json_object_get_string(key) : "");
	cap = (size_t)json_object_object_length(calls);
	p->e = xcalloc(cap ? cap : 1, sizeof(*p->e));
	json_object_object_foreach(calls, sym, v) {
		int64_t c = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || c < 0 || c > RT_NTH_LIMIT) {
			error("profile '%s': field 'calls.%s': expected a count 0..%d", what, sym,
			      RT_NTH_LIMIT);
			goto out;
		}
		if (!*sym || strlen(sym) >= RT_SYM_LEN) {
			error("profile '%s': field 'calls': bad symbol name '%s'", what, sym);
			goto out;
		}
		snprintf(p->e[p->n].sym, RT_SYM_LEN, "%s", sym);
		p->e[p->n++].calls = (uint32_t)c;
	}
	qsort(p->e, p->n, sizeof(*p->e), entry_cmp);
	ret = 0;
out:
	if (ret)
		rt_profile_release(p);
	json_object_put(root);
	return ret;
}

int rt_profile_load(const char *path, struct rt_profile *p)
{
	char *text = read_file(path, NULL);
	int r;

	memset(p, 0, sizeof(*p));
	if (!text)
		return error("cannot read profile '%s'", path);
	r = rt_profile_parse(text, path, p);
	free(text);
	return r;
}

void rt_profile_release(struct rt_profile *p)
{
	free(p->key);
	free(p->e);
	memset(p, 0, sizeof(*p));
}

uint32_t rt_profile_calls(const struct rt_profile *p, const char *sym)
{
	struct rt_profile_entry k, *e;

	if (!p || !p->n || strlen(sym) >= RT_SYM_LEN)
		return 0;
	snprintf(k.sym, sizeof(k.sym), "%s", sym);
	e = bsearch(&k, p->e, p->n, sizeof(*p->e), entry_cmp);
	return e ? e->calls : 0;
}

size_t rt_wrapped_imports(const char *const *names, size_t nnames, const char **syms, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(rt_table) && n < max; i++)
		if (imported(names, nnames, rt_table[i].name))
			syms[n++] = rt_table[i].name;
	return n;
}
