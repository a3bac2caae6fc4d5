/*
 * cmd_inject.c - `nooks inject`: apply seeded SWIFI faults to a stock kernel
 * module: code faults in place (injector/inject.h) and runtime faults by
 * rebinding imports to kmod/swifi's wrappers (injector/runtime.h), or list
 * the fault sites (--sites).
 *
 * A thin wrapper of injector/injection.h: owns only option parsing, the
 * default swifi.symvers (the guest image's), output files, the report on
 * stderr and the exit status.  Writes the mutated module, the describe
 * record and the swifi parameters atomically (temp + rename); on any error
 * nothing is left at the output paths.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "injection.h"
#include "modcheck.h"
#include "image.h"
#include "util.h"

static const char inject_usage[] =
"usage: nooks inject --fault TYPE[,TYPE...] --seed N [--count K] [--function F]\n"
"                    [--section S] [--live] [--symbol S] [--nth N] [--nth-max M]\n"
"                    [--symvers F] IN.ko -o OUT.ko [--describe OUT.json]\n"
"                    [--params OUT.txt] [--profile FILE]\n"
"   or: nooks inject --count-only [--symvers F] IN.ko -o OUT.ko\n"
"   or: nooks inject --sites [--fault TYPE[,TYPE...]] [--function F] [--section S] [--live]\n"
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
"  --live           code faults only in text that stays loaded after init (not\n"
"                   .init.*): what a transient fault can be written into\n"
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
	struct injection_opts in;
	const char *output, *describe, *input, *params;
	uint64_t nth, nth_max;
	int have_seed, sites, verbose, count_only, live;
};

/* -1: go on with o filled; otherwise the exit status (messages printed). */
static int parse_inject(int argc, char **argv, struct inject_opts *o)
{
	const struct opt_spec opts[] = {
		OPT_STRING("fault", &o->in.faults),
		{ .kind = OPT_KIND_U64, .name = "seed", .value = &o->in.seed, .max = UINT64_MAX,
		  .seen = &o->have_seed },
		OPT_U64("count", &o->in.count, 1, 100000),
		OPT_STRING("function", &o->in.function),
		OPT_STRING("section", &o->in.section),
		OPT_STRING_S('o', "output", &o->output),
		OPT_STRING("describe", &o->describe),
		OPT_STRING("symbol", &o->in.symbol),
		OPT_U64("nth", &o->nth, 1, RT_NTH_LIMIT),
		OPT_U64("nth-max", &o->nth_max, 1, RT_NTH_LIMIT),
		OPT_STRING("symvers", &o->in.symvers),
		OPT_STRING("params", &o->params),
		OPT_STRING("profile", &o->in.profile_path),
		OPT_FLAG("count-only", &o->count_only),
		OPT_FLAG("sites", &o->sites),
		OPT_FLAG("verbose", &o->verbose),
		OPT_FLAG("live", &o->live),
		OPT_END()
	};
	int first, r;

	memset(o, 0, sizeof(*o));
	o->in.count = 1;
	r = cli_options("nooks inject", inject_usage, opts, 0, 1, argc, argv, &first);
	if (r >= 0)
		return r;
	if (first >= argc) {
		error("missing input module for 'nooks inject'");
		return usage(inject_usage, 1);
	}
	o->input = argv[first];
	o->in.nth = (uint32_t)o->nth;
	o->in.nth_max = (uint32_t)o->nth_max;
	o->in.live = o->live;
	if (o->sites)
		return -1;
	if (o->count_only) {
		if (o->in.faults || o->have_seed || o->in.profile_path || o->describe || o->params ||
		    o->in.symbol || o->nth || o->nth_max || !o->output) {
			error("'nooks inject --count-only' takes only --symvers and -o");
			return usage(inject_usage, 1);
		}
		return -1;
	}
	if (!o->in.faults || !o->have_seed || !o->output) {
		error("'nooks inject' needs --fault, --seed and -o (or --sites)");
		return usage(inject_usage, 1);
	}
	return -1;
}


static void list_runtime(struct injection *in, const struct inject_opts *o, unsigned rt_mask)
{
	struct rt_site *s = NULL;
	size_t n = 0, i, per[RT_NTYPES] = { 0 }, nsym[RT_NTYPES] = { 0 };
	int t;

	if (injection_runtime_sites(in, rt_mask, &s, &n))
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
		if (o->in.profile_path)
			printf("%-9s %zu (%zu function%s, N in 1..profiled calls)\n",
			       rt_type_names[t], per[t], nsym[t], nsym[t] == 1 ? "" : "s");
		else
			printf("%-9s %zu (%zu function%s x %zu calls)\n", rt_type_names[t], per[t],
			       nsym[t], nsym[t] == 1 ? "" : "s", nsym[t] ? per[t] / nsym[t] : 0);
	}
	free(s);
}

static int list_sites(struct injection *in, const struct inject_opts *o)
{
	unsigned mask = (1u << FT_COUNT) - 1, rt_mask = (1u << RT_NTYPES) - 1;
	struct inj_filter f = { o->in.function, o->in.section, o->live };
	struct injector *j = &in->j;
	struct inj_site *s;
	size_t n, i, per[FT_COUNT] = { 0 };
	int t;

	if (o->in.faults && rt_parse_fault_list(o->in.faults, &mask, &rt_mask))
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
		list_runtime(in, o, rt_mask);
	return 0;
}

static void report(const struct injection *in, const char *output)
{
	const struct mutation *m = in->m;
	const struct rt_arm *arms = in->arms;
	size_t i;

	for (i = 0; i < in->n; i++)
		fprintf(stderr, "nooks: %s at %s+0x%llx (%s+0x%llx): %s -> %s\n",
			fault_defs[m[i].type].name, m[i].secname, (unsigned long long)m[i].off,
			m[i].func ? m[i].func : "?", (unsigned long long)m[i].func_off,
			m[i].before, m[i].after);
	for (i = 0; i < in->na; i++)
		fprintf(stderr, "nooks: %s at call %u of %s (bound to " RT_WRAP_PREFIX "%s)\n",
			rt_type_names[arms[i].type], arms[i].nth, arms[i].sym, arms[i].sym);
	if (in->na) {
		char *p = injection_swifi_params(in);

		fprintf(stderr, "nooks: load swifi.ko with '%s' before '%s'\n", p, output);
		free(p);
	}
}

/* Write text to path atomically, "" when text is NULL (then freed). */
static int write_text(const char *path, char *text)
{
	int r = write_file_atomic(path, text ? text : "", text ? strlen(text) : 0);

	free(text);
	return r;
}

/* The records first (describe, params), then the module; on error nothing is left. */
static int do_inject(struct injection *in, const struct inject_opts *o)
{
	char *sv = NULL;
	int ret = -1;

	if (injection_plan(in))
		return -1;
	if (o->describe && write_text(o->describe, injection_describe(in, o->output)))
		return -1;
	if (o->params) {
		char *p = injection_swifi_params(in);

		if (write_text(o->params, xasprintf("%s\n", p ? p : ""))) {
			free(p);
			goto err_describe;
		}
		free(p);
	}
	if (in->na && !in->o.symvers) {	/* default: the guest image's swifi.symvers */
		sv = image_find_kmod_file(NULL, "swifi", "symvers");
		if (!sv)
			goto err_params;
		in->o.symvers = sv;
	}
	if (injection_write(in, o->output))
		goto err_params;
	report(in, o->output);
	ret = 0;
	goto out;
err_params:
	if (o->params)
		unlink(o->params);
err_describe:
	if (o->describe)
		unlink(o->describe);
out:
	free(sv);
	return ret;
}

/* --count-only: every wrapped import rebound, nothing armed (a profiling module). */
static int do_count_only(struct injection *in, const struct inject_opts *o)
{
	char *sv = NULL;
	size_t n = 0;
	int r;

	if (!in->o.symvers) {
		sv = image_find_kmod_file(NULL, "swifi", "symvers");
		if (!sv)
			return -1;
		in->o.symvers = sv;
	}
	r = injection_count_only(in, o->output, &n);
	if (!r)
		fprintf(stderr, "nooks: %zu imports bound to swifi for counting; load swifi.ko "
			"(no arm=) before '%s'\n", n, o->output);
	free(sv);
	return r;
}

int cmd_inject(int argc, char **argv)
{
	struct inject_opts o;
	struct injection in;
	int r;

	r = parse_inject(argc, argv, &o);
	if (r >= 0)
		return r;
	if (o.output && !strcmp(o.output, o.input))
		return error("output '%s' would overwrite the input", o.output), 1;
	if ((o.describe && !strcmp(o.describe, o.input)) || (o.params && !strcmp(o.params, o.input)))
		return error("'%s' would overwrite the input", o.input), 1;
	if (injection_open(&in, o.input, &o.in))
		return 1;
	if (module_file_check(o.input)) {
		injection_close(&in);
		return 1;
	}
	r = o.sites ? list_sites(&in, &o) : o.count_only ? do_count_only(&in, &o)
		: do_inject(&in, &o);
	injection_close(&in);
	return r ? 1 : 0;
}
