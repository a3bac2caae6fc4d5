/*
 * spec_persistence.c - a campaign's fault model fields: "persistence"
 * (transient | persistent, per campaign, overridable per extension) and
 * "trigger" (when a transient fault is written into the live module:
 * {"phase": P} when workload phase P ends, or {"call": F, "n": N} at the
 * N-th call of the module's function F), see docs/CAMPAIGNS.md.
 *
 * Invariants after spec_parse_fault_model(): every extension has its
 * persistence resolved; a transient extension has exactly one of
 * trigger.phase / trigger.call set (default: after its workload's warm-up
 * phase), a persistent one neither.  A trigger on a persistent extension,
 * an unknown persistence value, a phase the workload never reports, or
 * runtime and code types mixed in one transient trial are errors naming
 * the field.  Whether the module has function F is checked by the
 * executor (it reads the module; the spec never touches files).
 */
#define _GNU_SOURCE
#include "campaign_spec_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtfault.h"
#include "util.h"
#include "workload.h"

#define PERSIST_LIST "transient, persistent"
#define CALL_N_MAX 1000000

static const char *const persist_names[] = { "transient", "persistent" };

const char *spec_persistence_name(enum spec_persistence p)
{
	return persist_names[p];
}

/* "persistence" of object o (field name in c) into *p; absent: def. */
static int parse_persistence(struct spec_ctx *c, struct json_object *o,
			     enum spec_persistence def, enum spec_persistence *p, int *given)
{
	struct json_object *v;
	const char *s;

	*p = def;
	*given = json_object_object_get_ex(o, "persistence", &v);
	if (!*given)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return spec_ferr(c, "expected \"transient\" or \"persistent\"");
	s = json_object_get_string(v);
	if (!strcmp(s, "transient"))
		*p = PERSIST_TRANSIENT;
	else if (!strcmp(s, "persistent"))
		*p = PERSIST_PERSISTENT;
	else
		return spec_ferr(c, "unknown persistence '%s' (known: " PERSIST_LIST ")", s);
	return 0;
}

/* "trigger" of object o (where: field prefix) into t; *given: it was there. */
static int parse_trigger(struct spec_ctx *c, struct json_object *o, const char *where,
			 struct spec_trigger *t, int *given)
{
	static const char *const keys[] = { "phase", "call", "n", NULL };
	struct json_object *v;
	char sub[64];
	int64_t n;

	memset(t, 0, sizeof(*t));
	*given = json_object_object_get_ex(o, "trigger", &v);
	if (!*given)
		return 0;
	spec_set_field(c, "%strigger", where);
	if (!json_object_is_type(v, json_type_object))
		return spec_ferr(c, "expected {\"phase\": P} or {\"call\": F, \"n\": N}");
	snprintf(sub, sizeof(sub), "%strigger.", where);
	if (spec_check_keys(c, v, keys, sub))
		return -1;
	spec_set_field(c, "%strigger.phase", where);
	if (spec_get_string(c, v, "phase", 0, &t->phase))
		return -1;
	if (t->phase && !spec_valid_label(t->phase))
		return spec_ferr(c, "invalid phase name '%s'", t->phase);
	spec_set_field(c, "%strigger.call", where);
	if (spec_get_string(c, v, "call", 0, &t->call))
		return -1;
	if (t->call && !spec_valid_label(t->call))
		return spec_ferr(c, "invalid function name '%s'", t->call);
	spec_set_field(c, "%strigger", where);
	if (!t->phase == !t->call)
		return spec_ferr(c, "give exactly one of \"phase\" and \"call\"");
	spec_set_field(c, "%strigger.n", where);
	if (!t->call)
		return json_object_object_get_ex(v, "n", NULL) ? spec_ferr(c, "only with \"call\"") : 0;
	if (spec_get_int(c, v, "n", 1, 1, CALL_N_MAX, &n))
		return -1;
	t->n = (int)n;
	return 0;
}

static void trigger_copy(struct spec_trigger *to, const struct spec_trigger *from)
{
	to->phase = from->phase ? xstrdup(from->phase) : NULL;
	to->call = from->call ? xstrdup(from->call) : NULL;
	to->n = from->n;
}

/* A transient trial draws both runtime and code types only with the "mixed" fault mix. */
static int check_mix(struct spec_ctx *c, const struct campaign_spec *sp)
{
	int i, code = 0, rt = 0;

	for (i = 0; i < sp->n_types; i++) {
		const char *t = sp->types[i].name;

		if (rt_type_by_name(t, strlen(t)) >= 0 || !strcmp(t, "data"))
			rt = 1;
		else
			code = 1;
	}
	spec_set_field(c, "persistence");
	if (sp->mix == MIX_MIXED && code && rt)
		return spec_ferr(c, "a transient trial cannot mix code and runtime fault types "
				 "(fault_mix 'mixed'): use 'persistent' or fault_mix 'single'");
	return 0;
}

/* Resolve extension i's trigger: given, the campaign's, or its workload's warm-up phase. */
static int resolve_trigger(struct spec_ctx *c, size_t i, struct spec_extension *e,
			   const struct spec_trigger *top, int top_given)
{
	const struct workload *w = NULL;
	size_t n, k;

	for (w = workload_table(&n), k = 0; k < n && strcmp(w[k].name, e->workload); k++)
		;
	w = k < n ? &w[k] : NULL;
	if (!e->trigger.phase && !e->trigger.call) {
		if (top_given)
			trigger_copy(&e->trigger, top);
		else
			e->trigger.phase = xstrdup(w && w->warmup ? w->warmup : "start");
	}
	if (e->trigger.phase && w && !workload_has_phase(w, e->trigger.phase)) {
		spec_set_field(c, "extensions[%zu].trigger.phase", i);
		return spec_ferr(c, "workload '%s' has no phase '%s' (its phases: start %s)",
				 e->workload, e->trigger.phase, w->phases);
	}
	return 0;
}

int spec_parse_fault_model(struct spec_ctx *c, struct json_object *root,
			   struct json_object *const *ext_objs, struct campaign_spec *sp)
{
	struct spec_trigger top = { 0 };
	int given, top_trigger, any_transient = 0, r = -1;
	char where[48];
	int i;

	spec_set_field(c, "persistence");
	if (parse_persistence(c, root, PERSIST_TRANSIENT, &sp->persistence, &given) ||
	    parse_trigger(c, root, "", &top, &top_trigger))
		goto out;
	for (i = 0; i < sp->n_ext; i++) {
		struct spec_extension *e = &sp->ext[i];
		int ext_trigger;

		snprintf(where, sizeof(where), "extensions[%d].", i);
		spec_set_field(c, "%spersistence", where);
		if (parse_persistence(c, ext_objs[i], sp->persistence, &e->persistence, &given) ||
		    parse_trigger(c, ext_objs[i], where, &e->trigger, &ext_trigger))
			goto out;
		if (e->persistence == PERSIST_PERSISTENT && (ext_trigger || top_trigger)) {
			spec_set_field(c, "%strigger", ext_trigger ? where : "");
			spec_ferr(c, "a trigger applies to transient faults only; extension '%s' is "
				  "persistent (its mutant module is loaded from the start)", e->name);
			goto out;
		}
		if (e->persistence == PERSIST_TRANSIENT &&
		    resolve_trigger(c, (size_t)i, e, &top, top_trigger))
			goto out;
		any_transient |= e->persistence == PERSIST_TRANSIENT;
	}
	r = any_transient ? check_mix(c, sp) : 0;
out:
	free(top.phase);
	free(top.call);
	return r;
}

void spec_fault_model_canonical(const struct campaign_spec *sp, const struct spec_extension *e,
				struct json_object *x)
{
	struct json_object *t;

	(void)sp;
	json_object_object_add(x, "persistence",
			       json_object_new_string(persist_names[e->persistence]));
	if (e->persistence != PERSIST_TRANSIENT)
		return;
	t = json_object_new_object();
	if (e->trigger.phase) {
		json_object_object_add(t, "phase", json_object_new_string(e->trigger.phase));
	} else {
		json_object_object_add(t, "call", json_object_new_string(e->trigger.call));
		json_object_object_add(t, "n", json_object_new_int(e->trigger.n));
	}
	json_object_object_add(x, "trigger", t);
}

void spec_fault_model_release(struct spec_extension *e)
{
	free(e->trigger.phase);
	free(e->trigger.call);
	memset(&e->trigger, 0, sizeof(e->trigger));
}
