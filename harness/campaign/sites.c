/*
 * sites.c - candidate sites per fault type of a module (see sites.h),
 * through the injector's own enumeration (inject.h, runtime.h), so a type
 * counted 0 here is exactly a type `nooks inject` refuses with "no
 * candidate site".  Reads the module; writes nothing.
 */
#include "sites.h"

#include <stdlib.h>
#include <string.h>

#include "inject.h"
#include "runtime.h"
#include "util.h"

bool sites_type_injectable(const char *name)
{
	return fault_type_by_name(name) >= 0 || rt_type_by_name(name, strlen(name)) >= 0;
}

/* Per code type and per runtime type: the sites of the module. */
static int count_all(struct injector *j, unsigned code_mask, unsigned rt_mask, bool live,
		     int64_t code[FT_COUNT], int64_t rt[RT_NTYPES])
{
	struct inj_filter f = { .live = live };
	struct inj_site *cs = NULL;
	struct rt_site *rs = NULL;
	const char **names;
	size_t n = 0, nn, i;
	int r = 0;

	if (code_mask && inj_sites(j, code_mask, &f, &cs, &n))
		return -1;
	for (i = 0; i < n; i++)
		code[cs[i].type]++;
	free(cs);
	if (!rt_mask)
		return 0;
	nn = rt_called_imports(&j->obj, &names);
	n = 0;
	r = rt_sites(names, nn, rt_mask, NULL, &rs, &n);
	for (i = 0; !r && i < n; i++)
		rt[rs[i].type]++;
	free(rs);
	free(names);
	return r;
}

int sites_count(const char *ko, const char *const *types, int n, bool live, int64_t *counts)
{
	int64_t code[FT_COUNT] = { 0 }, rt[RT_NTYPES] = { 0 };
	unsigned code_mask = 0, rt_mask = 0;
	struct injector j;
	int i, r;

	for (i = 0; i < n; i++) {
		int ft = fault_type_by_name(types[i]);
		int rtt = rt_type_by_name(types[i], strlen(types[i]));

		code_mask |= ft >= 0 ? 1u << ft : 0;
		rt_mask |= rtt >= 0 ? 1u << rtt : 0;
	}
	if (inj_open(&j, ko))
		return -1;
	r = count_all(&j, code_mask, rt_mask, live, code, rt);
	inj_close(&j);
	if (r)
		return error("cannot count the candidate sites of '%s'", ko);
	for (i = 0; i < n; i++) {
		int ft = fault_type_by_name(types[i]);
		int rtt = rt_type_by_name(types[i], strlen(types[i]));

		counts[i] = ft >= 0 ? code[ft] : rtt >= 0 ? rt[rtt] : 0;
	}
	return 0;
}

int sites_count_spec(const struct campaign_spec *sp, char *const *modules,
		     struct plan_sites *out)
{
	const char *names[SPEC_MAX_TYPES];
	int e, t;

	memset(out, 0, sizeof(*out));
	for (t = 0; t < sp->n_types; t++)
		names[t] = sp->types[t].name;
	for (e = 0; e < sp->n_ext; e++)
		if (sites_count(modules[e], names, sp->n_types,
				sp->ext[e].persistence == PERSIST_TRANSIENT, out->n[e]))
			return -1;
	return 0;
}
