/*
 * injection.c - one SWIFI injection as a library call (see injection.h):
 * the runtime arms are drawn first on the imports as shipped, then the
 * code faults are applied to the in-memory image; the module is written
 * as the code image with the runtime rebinding on top.
 *
 * Owns no file but the module it is asked to write; prints only errors.
 */
#define _GNU_SOURCE
#include "injection.h"

#include <elf.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int injection_open(struct injection *in, const char *input, const struct injection_opts *o)
{
	memset(in, 0, sizeof(*in));
	in->input = input;
	in->o = *o;
	if (!in->o.count)
		in->o.count = 1;
	if (o->profile_path && rt_profile_load(o->profile_path, &in->profile))
		return -1;
	if (inj_open(&in->j, input)) {
		rt_profile_release(&in->profile);
		return -1;
	}
	return 0;
}

void injection_close(struct injection *in)
{
	inj_close(&in->j);
	rt_profile_release(&in->profile);
	free(in->m);
	in->m = NULL;
	in->n = in->na = 0;
}

int injection_runtime_sites(struct injection *in, unsigned rt_mask, struct rt_site **s,
			    size_t *n)
{
	const struct injection_opts *o = &in->o;
	struct rt_filter rf = { o->symbol, o->nth, o->nth_max,
				o->profile_path ? &in->profile : NULL };
	const char **names;
	size_t nn = rt_called_imports(&in->j.obj, &names);
	int r = rt_sites(names, nn, rt_mask, &rf, s, n);

	free(names);
	return r;
}

/* Draw the runtime arms (before any code mutation: the imports as shipped). */
static int plan_runtime(struct injection *in, unsigned rt_mask, unsigned kr)
{
	struct rt_site *s;
	size_t n;
	int r;

	if (injection_runtime_sites(in, rt_mask, &s, &n))
		return -1;
	r = rt_choose(s, n, in->o.seed, kr, in->arms);
	free(s);
	return r;
}

int injection_plan(struct injection *in)
{
	const struct injection_opts *o = &in->o;
	struct inj_filter f = { o->function, o->section, o->live };
	unsigned mask, rt_mask;

	if (rt_parse_fault_list(o->faults, &mask, &rt_mask))
		return -1;
	if (!mask && (o->function || o->section))
		return error("--function and --section select code faults; '%s' has none",
			     o->faults);
	if (!rt_mask && (o->symbol || o->nth || o->nth_max || o->profile_path))
		return error("--symbol, --nth, --nth-max and --profile select runtime faults; "
			     "'%s' has none", o->faults);
	in->na = rt_split((unsigned)__builtin_popcount(mask),
			  (unsigned)__builtin_popcount(rt_mask), (unsigned)o->count, o->seed);
	if (in->na && plan_runtime(in, rt_mask, (unsigned)in->na))
		return -1;
	if (o->count > in->na &&
	    inj_apply(&in->j, mask, &f, o->seed, (unsigned)(o->count - in->na), &in->m, &in->n))
		return -1;
	return 0;
}

char *injection_swifi_params(const struct injection *in)
{
	char *arm, *p;

	if (!in->na)
		return NULL;
	arm = rt_arm_string(in->arms, in->na);
	p = xasprintf("arm=%s", arm);
	free(arm);
	return p;
}

char *injection_describe(const struct injection *in, const char *output)
{
	struct json_object *doc = json_object_new_object(), *arr = json_object_new_array();
	char *text;
	size_t i;

	json_object_object_add(doc, "input", json_object_new_string(in->input));
	json_object_object_add(doc, "output", json_object_new_string(output));
	json_object_object_add(doc, "faults", json_object_new_string(in->o.faults));
	json_object_object_add(doc, "seed", json_object_new_uint64(in->o.seed));
	json_object_object_add(doc, "count", json_object_new_uint64(in->o.count));
	for (i = 0; i < in->n; i++)
		json_object_array_add(arr, inj_mutation_json(&in->m[i]));
	for (i = 0; i < in->na; i++)
		json_object_array_add(arr, rt_arm_json(&in->arms[i]));
	json_object_object_add(doc, "mutations", arr);
	if (in->na && in->o.profile_path) {	/* which call profile chose N */
		struct json_object *pr = json_object_new_object();

		json_object_object_add(pr, "path", json_object_new_string(in->o.profile_path));
		json_object_object_add(pr, "key", json_object_new_string(in->profile.key));
		json_object_object_add(doc, "profile", pr);
	}
	if (in->na) {
		char *p = injection_swifi_params(in);

		json_object_object_add(doc, "swifi_params", json_object_new_string(p));
		free(p);
	}
	text = xstrdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return text;
}

/* The module's name as the kernel knows it (.modinfo "name="), or NULL. */
static const char *module_name(struct injection *in)
{
	struct ksec *s = kobj_section(&in->j.obj, ".modinfo");
	const char *p, *end;

	if (!s)
		return NULL;
	p = (const char *)kobj_bytes(&in->j.obj, s);
	for (end = p + s->size; p < end; p += strnlen(p, (size_t)(end - p)) + 1)
		if (!strncmp(p, "name=", 5) && memchr(p, 0, (size_t)(end - p)))
			return p + 5;
	return NULL;
}

char *injection_live_patch(struct injection *in)
{
	char hex[2 * FT_MAX_INSN + 1], *out, *next;
	const char *name = module_name(in);
	size_t i;

	if (!name || !*name) {
		error("'%s' has no module name in .modinfo", in->input);
		return NULL;
	}
	if (!in->n) {
		error("'%s': the plan has no code fault to write live", in->input);
		return NULL;
	}
	out = xstrdup(name);
	for (i = 0; i < in->n; i++) {
		const struct mutation *m = &in->m[i];

		next = xasprintf("%s %s+0x%llx:%s", out, m->secname, (unsigned long long)m->off,
				 inj_live_hex(m, hex));
		free(out);
		out = next;
	}
	return out;
}

int injection_has_function(struct injection *in, const char *function)
{
	const struct kobj *o = &in->j.obj;
	size_t i;

	for (i = 0; i < o->nsym; i++) {
		const struct ksym *y = &o->sym[i];

		if (y->type == STT_FUNC && y->shndx < o->nsec && !strcmp(y->name, function) &&
		    (o->sec[y->shndx].flags & SHF_EXECINSTR) &&
		    strncmp(o->sec[y->shndx].name, ".init", 5))
			return 1;
	}
	return 0;
}

int injection_write(struct injection *in, const char *output)
{
	char *tmp;
	int r;

	if (!in->na)
		return kobj_write(&in->j.obj, output);
	if (!in->o.symvers)
		return error("runtime faults need swifi's Module.symvers");
	tmp = in->n ? xasprintf("%s.code.tmp", output) : NULL;
	r = tmp ? kobj_write(&in->j.obj, tmp) : 0;
	if (!r)
		r = rt_bind(tmp ? tmp : in->input, output, in->arms, in->na, in->o.symvers);
	if (tmp)
		unlink(tmp);
	free(tmp);
	return r;
}

int injection_count_only(struct injection *in, const char *output, size_t *nbound)
{
	const char **names, *syms[RT_MAX_WRAPPED];
	size_t nn = rt_called_imports(&in->j.obj, &names), n, i;
	struct rt_arm *arms;
	int r;

	n = rt_wrapped_imports(names, nn, syms, RT_MAX_WRAPPED);
	free(names);
	if (!n)
		return error("'%s' calls none of the functions swifi wraps", in->input);
	if (!in->o.symvers)
		return error("a count-only module needs swifi's Module.symvers");
	arms = xcalloc(n, sizeof(*arms));
	for (i = 0; i < n; i++)
		snprintf(arms[i].sym, sizeof(arms[i].sym), "%s", syms[i]);
	r = rt_bind(in->input, output, arms, n, in->o.symvers);
	free(arms);
	*nbound = n;
	return r;
}
