/*
 * cmd_inject.c - `nooks inject`: apply seeded SWIFI faults to a stock kernel
 * module: code faults in place (injector/inject.h) and runtime faults by
 * rebinding imports to kmod/swifi's wrappers (injector/runtime.h), or list
 * the fault sites (--sites).
 *
 * Owns only option parsing, output files and exit status.  Writes the
 * mutated module, the describe record and the swifi parameters atomically
 * (temp + rename); on any error nothing is left at the output paths.
 */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "inject.h"
#include "modcheck.h"
#include "runtime.h"
#include "image.h"
#include "util.h"

static const char inject_usage[] =
"usage: nooks inject --fault TYPE[,TYPE...] --seed N [--count K] [--function F]\n"
"                    [--section S] [--symbol S] [--nth N] [--nth-max M]\n"
"                    [--symvers F] IN.ko -o OUT.ko [--describe OUT.json]\n"
"                    [--params OUT.txt] [--profile FILE]\n"
"   or: nooks inject --count-only [--symvers F] IN.ko -o OUT.ko\n"
"   or: nooks inject --sites [--fault TYPE[,TYPE...]] [--function F] [--section S]\n"
"                    [--verbose] IN.ko\n"
"\n"
"Corrupt a kernel module the way the Rio/Nooks SWIFI injector did: K faults\n"
"drawn from seed N (same inputs, byte-identical output).  Code faults are\n"
"single-instruction mutations in place (relocated bytes are never corrupted;\n"
"a deleted instruction's relocations become R_X86_64_NONE).  Runtime faults\n"
"rebind an import S to swifi.ko's wrapper swifi_w_S and arm it to fail at\n"
"its Nth call: load swifi.ko with the printed arm= parameter first.\n"
"\n"
"  --fault LIST     code: text, nop, src, dst, ptr, branch, invert, loop,\n"
"                   init, interface, irq; runtime: alloc, free, leak, bcopy\n"
"                   (see docs/FAULTS.md)\n"
"  --seed N         seed of the site and mutation choices (decimal or 0x..)\n"
"  --count K        number of faults (default 1), at distinct sites\n"
"  --function F     code faults only inside function symbol F\n"
"  --section S      code faults only in code section S (default: all)\n"
"  --symbol S       runtime faults only on imported function S\n"
"  --nth N          runtime faults fire at call N (default: drawn in 1..M)\n"
"  --nth-max M      runtime faults draw N in 1..M (default 16; with --profile\n"
"                   caps the profiled call count)\n"
"  --profile FILE   call profile of the module under its workload (JSON,\n"
"                   {\"calls\": {SYM: COUNT}}): runtime faults only on functions\n"
"                   called at least once, N drawn in 1..COUNT\n"
"  --count-only     no fault: rebind every import swifi wraps (load swifi.ko\n"
"                   without arm=; it prints the calls at power-off)\n"
"  --symvers F      Module.symvers of swifi.ko (default: the one built for\n"
"                   the guest image's kernel, IMAGE/symvers/swifi.symvers)\n"
"  -o, --output F   the mutated module\n"
"  --describe F     write the mutations as JSON (type, section, symbol+offset,\n"
"                   file offset, old/new bytes, disassembly before/after; for\n"
"                   runtime faults the arm and \"swifi_params\")\n"
"  --params F       write swifi.ko's module parameters (\"arm=...\") to F\n"
"  --sites          list the number of candidate sites per type instead\n"
"  --verbose        with --sites: print every site\n";

struct inject_opts {
	const char *faults, *function, *section, *output, *describe, *input;
	const char *symbol, *symvers, *params, *profile_path;
	uint64_t seed, count, nth, nth_max;
	int have_seed, sites, verbose, count_only;
	struct rt_profile profile;	/* loaded from profile_path */
};

/* -1: go on with o filled; otherwise the exit status (messages printed). */
static int parse_inject(int argc, char **argv, struct inject_opts *o)
{
	const struct opt_spec opts[] = {
		OPT_STRING("fault", &o->faults),
		{ .kind = OPT_KIND_U64, .name = "seed", .value = &o->seed, .max = UINT64_MAX,
		  .seen = &o->have_seed },
		OPT_U64("count", &o->count, 1, 100000),
		OPT_STRING("function", &o->function),
		OPT_STRING("section", &o->section),
		OPT_STRING_S('o', "output", &o->output),
		OPT_STRING("describe", &o->describe),
		OPT_STRING("symbol", &o->symbol),
		OPT_U64("nth", &o->nth, 1, RT_NTH_LIMIT),
		OPT_U64("nth-max", &o->nth_max, 1, RT_NTH_LIMIT),
		OPT_STRING("symvers", &o->symvers),
		OPT_STRING("params", &o->params),
		OPT_STRING("profile", &o->profile_path),
		OPT_FLAG("count-only", &o->count_only),
		OPT_FLAG("sites", &o->sites),
		OPT_FLAG("verbose", &o->verbose),
		OPT_END()
	};
	int first, r;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	r = cli_options("nooks inject", inject_usage, opts, 0, 1, argc, argv, &first);
	if (r >= 0)
		return r;
	if (first >= argc) {
		error("missing input module for 'nooks inject'");
		return usage(inject_usage, 1);
	}
	o->input = argv[first];
	if (o->sites)
		return -1;
	if (o->count_only) {
		if (o->faults || o->have_seed || o->profile_path || o->describe || o->params ||
		    o->symbol || o->nth || o->nth_max || !o->output) {
			error("'nooks inject --count-only' takes only --symvers and -o");
			return usage(inject_usage, 1);
		}
		return -1;
	}
	if (!o->faults || !o->have_seed || !o->output) {
		error("'nooks inject' needs --fault, --seed and -o (or --sites)");
		return usage(inject_usage, 1);
	}
	return -1;
}

/* The runtime sites of the module (names of its called imports kept in *names). */
static int runtime_sites(struct injector *j, const struct inject_opts *o, unsigned rt_mask,
			 struct rt_site **s, size_t *n)
{
	struct rt_filter rf = { o->symbol, (uint32_t)o->nth, (uint32_t)o->nth_max,
				o->profile_path ? &o->profile : NULL };
	const char **names;
	size_t nn = rt_called_imports(&j->obj, &names);
	int r = rt_sites(names, nn, rt_mask, &rf, s, n);

	free(names);
	return r;
}

static void list_runtime(struct injector *j, const struct inject_opts *o, unsigned rt_mask)
{
	struct rt_site *s = NULL;
	size_t n = 0, i, per[RT_NTYPES] = { 0 }, nsym[RT_NTYPES] = { 0 };
	int t;

	if (runtime_sites(j, o, rt_mask, &s, &n))
		return;
	for (i = 0; i < n; i++) {
		per[s[i].type]++;
		if (i && s[i].type == s[i - 1].type && !strcmp(s[i].sym, s[i - 1].sym))
			continue;
		nsym[s[i].type]++;
		if (o->verbose)
			printf("%-9s %s -> " RT_WRAP_PREFIX "%s\n", rt_type_names[s[i].type],
			       s[i].sym, s[i].sym);
	}
	for (t = 0; t < RT_NTYPES; t++) {
		if (!(rt_mask >> t & 1))
			continue;
		if (o->profile_path)
			printf("%-9s %zu (%zu function%s, N in 1..profiled calls)\n",
			       rt_type_names[t], per[t], nsym[t], nsym[t] == 1 ? "" : "s");
		else
			printf("%-9s %zu (%zu function%s x %zu calls)\n", rt_type_names[t], per[t],
			       nsym[t], nsym[t] == 1 ? "" : "s", nsym[t] ? per[t] / nsym[t] : 0);
	}
	free(s);
}

static int list_sites(struct injector *j, const struct inject_opts *o)
{
	unsigned mask = (1u << FT_COUNT) - 1, rt_mask = (1u << RT_NTYPES) - 1;
	struct inj_filter f = { o->function, o->section };
	struct inj_site *s;
	size_t n, i, per[FT_COUNT] = { 0 };
	int t;

	if (o->faults && rt_parse_fault_list(o->faults, &mask, &rt_mask))
		return -1;
	if (mask && inj_sites(j, mask, &f, &s, &n))
		return -1;
	for (i = 0; mask && i < n; i++)
		per[s[i].type]++;
	if (mask && o->verbose) {
		for (i = 0; i < n; i++) {
			char dis[256];
			uint64_t d = 0;
			const struct ksym *fn = kobj_func_at(&j->obj, s[i].sec, s[i].off, &d);

			inj_disasm(j, s[i].sec, s[i].off, s[i].len, dis, sizeof(dis));
			printf("%-9s %s+0x%llx %s+0x%llx  %s\n", fault_defs[s[i].type].name,
			       j->obj.sec[s[i].sec].name, (unsigned long long)s[i].off,
			       fn ? fn->name : "?", (unsigned long long)d, dis);
		}
	}
	for (t = 0; t < FT_COUNT; t++)
		if (mask >> t & 1)
			printf("%-9s %zu\n", fault_defs[t].name, per[t]);
	if (mask)
		free(s);
	if (rt_mask)
		list_runtime(j, o, rt_mask);
	return 0;
}

static char *swifi_params(const struct rt_arm *arms, size_t n)
{
	char *arm = rt_arm_string(arms, n), *p = xasprintf("arm=%s", arm);

	free(arm);
	return p;
}

static int write_describe(const struct inject_opts *o, const struct mutation *m, size_t n,
			  const struct rt_arm *arms, size_t na)
{
	struct json_object *doc = json_object_new_object(), *arr = json_object_new_array();
	const char *txt;
	size_t i;
	int r;

	json_object_object_add(doc, "input", json_object_new_string(o->input));
	json_object_object_add(doc, "output", json_object_new_string(o->output));
	json_object_object_add(doc, "faults", json_object_new_string(o->faults));
	json_object_object_add(doc, "seed", json_object_new_uint64(o->seed));
	json_object_object_add(doc, "count", json_object_new_uint64(o->count));
	for (i = 0; i < n; i++)
		json_object_array_add(arr, inj_mutation_json(&m[i]));
	for (i = 0; i < na; i++)
		json_object_array_add(arr, rt_arm_json(&arms[i]));
	json_object_object_add(doc, "mutations", arr);
	if (na && o->profile_path) {	/* which call profile chose N */
		struct json_object *pr = json_object_new_object();

		json_object_object_add(pr, "path", json_object_new_string(o->profile_path));
		json_object_object_add(pr, "key", json_object_new_string(o->profile.key));
		json_object_object_add(doc, "profile", pr);
	}
	if (na) {
		char *p = swifi_params(arms, na);

		json_object_object_add(doc, "swifi_params", json_object_new_string(p));
		free(p);
	}
	txt = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
	r = write_file_atomic(o->describe, txt, strlen(txt));
	json_object_put(doc);
	return r;
}


/* Plan the runtime faults (before any code mutation: the imports as shipped). */
static int plan_runtime(struct injector *j, const struct inject_opts *o, unsigned rt_mask,
			unsigned kr, struct rt_arm *arms)
{
	struct rt_site *s;
	size_t n;
	int r;

	if (runtime_sites(j, o, rt_mask, &s, &n))
		return -1;
	r = rt_choose(s, n, o->seed, kr, arms);
	free(s);
	return r;
}

/* Write the module: code image, then (runtime faults) rebinding on top of it. */
static int write_module(struct injector *j, const struct inject_opts *o, size_t nm,
			const struct rt_arm *arms, size_t na)
{
	char *tmp, *sv;
	int r;

	if (!na)
		return kobj_write(&j->obj, o->output);
	sv = o->symvers ? xstrdup(o->symvers) : image_find_kmod_file(NULL, "swifi", "symvers");
	if (!sv)
		return -1;
	tmp = nm ? xasprintf("%s.code.tmp", o->output) : NULL;
	r = tmp ? kobj_write(&j->obj, tmp) : 0;
	if (!r)
		r = rt_bind(tmp ? tmp : o->input, o->output, arms, na, sv);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(sv);
	return r;
}

static void report(const struct inject_opts *o, const struct mutation *m, size_t n,
		   const struct rt_arm *arms, size_t na)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "nooks: %s at %s+0x%llx (%s+0x%llx): %s -> %s\n",
			fault_defs[m[i].type].name, m[i].secname, (unsigned long long)m[i].off,
			m[i].func ? m[i].func : "?", (unsigned long long)m[i].func_off,
			m[i].before, m[i].after);
	for (i = 0; i < na; i++)
		fprintf(stderr, "nooks: %s at call %u of %s (bound to " RT_WRAP_PREFIX "%s)\n",
			rt_type_names[arms[i].type], arms[i].nth, arms[i].sym, arms[i].sym);
	if (na) {
		char *p = swifi_params(arms, na);

		fprintf(stderr, "nooks: load swifi.ko with '%s' before '%s'\n", p, o->output);
		free(p);
	}
}

static int do_inject(struct injector *j, const struct inject_opts *o)
{
	struct inj_filter f = { o->function, o->section };
	struct rt_arm arms[RT_MAX_ARMS];
	struct mutation *m = NULL;
	size_t n = 0, na;
	unsigned mask, rt_mask;
	int ret = -1;

	if (rt_parse_fault_list(o->faults, &mask, &rt_mask))
		return -1;
	if (!mask && (o->function || o->section))
		return error("--function and --section select code faults; '%s' has none",
			     o->faults);
	if (!rt_mask && (o->symbol || o->nth || o->nth_max || o->profile_path))
		return error("--symbol, --nth, --nth-max and --profile select runtime faults; "
			     "'%s' has none", o->faults);
	na = rt_split((unsigned)__builtin_popcount(mask), (unsigned)__builtin_popcount(rt_mask),
		      (unsigned)o->count, o->seed);
	if (na && plan_runtime(j, o, rt_mask, (unsigned)na, arms))
		return -1;
	if (o->count > na && inj_apply(j, mask, &f, o->seed, (unsigned)(o->count - na), &m, &n))
		return -1;
	if (o->describe && write_describe(o, m, n, arms, na))
		goto out;
	if (o->params) {
		char *p = swifi_params(arms, na), *line = xasprintf("%s\n", na ? p : "");

		free(p);
		p = line;
		if (write_file_atomic(o->params, p, strlen(p))) {
			free(p);
			goto err_describe;
		}
		free(p);
	}
	if (write_module(j, o, n, arms, na))
		goto err_params;
	report(o, m, n, arms, na);
	ret = 0;
	goto out;
err_params:
	if (o->params)
		unlink(o->params);
err_describe:
	if (o->describe)
		unlink(o->describe);
out:
	free(m);
	return ret;
}

/* --count-only: every wrapped import rebound, nothing armed (a profiling module). */
static int do_count_only(struct injector *j, const struct inject_opts *o)
{
	const char **names, *syms[RT_MAX_WRAPPED];
	size_t nn = rt_called_imports(&j->obj, &names), n, i;
	struct rt_arm *arms;
	char *sv;
	int r;

	n = rt_wrapped_imports(names, nn, syms, RT_MAX_WRAPPED);
	free(names);
	if (!n)
		return error("'%s' calls none of the functions swifi wraps", o->input);
	arms = xcalloc(n, sizeof(*arms));
	for (i = 0; i < n; i++)
		snprintf(arms[i].sym, sizeof(arms[i].sym), "%s", syms[i]);
	sv = o->symvers ? xstrdup(o->symvers) : image_find_kmod_file(NULL, "swifi", "symvers");
	r = sv ? rt_bind(o->input, o->output, arms, n, sv) : -1;
	if (!r)
		fprintf(stderr, "nooks: %zu imports bound to swifi for counting; load swifi.ko "
			"(no arm=) before '%s'\n", n, o->output);
	free(sv);
	free(arms);
	return r;
}

int cmd_inject(int argc, char **argv)
{
	struct inject_opts o;
	struct injector j;
	int r;

	r = parse_inject(argc, argv, &o);
	if (r >= 0)
		return r;
	if (o.output && !strcmp(o.output, o.input))
		return error("output '%s' would overwrite the input", o.output), 1;
	if ((o.describe && !strcmp(o.describe, o.input)) || (o.params && !strcmp(o.params, o.input)))
		return error("'%s' would overwrite the input", o.input), 1;
	if (o.profile_path && rt_profile_load(o.profile_path, &o.profile))
		return 1;
	if (inj_open(&j, o.input)) {
		rt_profile_release(&o.profile);
		return 1;
	}
	if (module_file_check(o.input)) {
		inj_close(&j);
		rt_profile_release(&o.profile);
		return 1;
	}
	r = o.sites ? list_sites(&j, &o) : o.count_only ? do_count_only(&j, &o)
		: do_inject(&j, &o);
	inj_close(&j);
	rt_profile_release(&o.profile);
	return r ? 1 : 0;
}
