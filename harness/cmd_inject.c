/*
 * cmd_inject.c - `nooks inject`: apply seeded SWIFI code faults to a stock
 * kernel module (injector/inject.h), or list its fault sites (--sites).
 *
 * Owns only option parsing, output files and exit status.  Writes the
 * mutated module and the describe record atomically (temp + rename); on any
 * error nothing is left at the output paths.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "inject.h"
#include "modcheck.h"
#include "util.h"

static const char inject_usage[] =
"usage: nooks inject --fault TYPE[,TYPE...] --seed N [--count K] [--function F]\n"
"                    [--section S] IN.ko -o OUT.ko [--describe OUT.json]\n"
"   or: nooks inject --sites [--fault TYPE[,TYPE...]] [--function F] [--section S]\n"
"                    [--verbose] IN.ko\n"
"\n"
"Corrupt the code of a kernel module the way the Rio/Nooks SWIFI injector\n"
"did: K single-instruction faults in place, at sites drawn from seed N\n"
"(same inputs, byte-identical output).  Relocated bytes are never\n"
"corrupted; a deleted instruction's relocations become R_X86_64_NONE.\n"
"\n"
"  --fault LIST     fault types: text, nop, src, dst, ptr, branch, invert,\n"
"                   loop, init, interface, irq (see docs/FAULTS.md)\n"
"  --seed N         seed of the site and mutation choices (decimal or 0x..)\n"
"  --count K        number of faults (default 1), at distinct instructions\n"
"  --function F     only sites inside function symbol F\n"
"  --section S      only sites in code section S (default: all code sections)\n"
"  -o, --output F   the mutated module\n"
"  --describe F     write the mutations as JSON (type, section, symbol+offset,\n"
"                   file offset, old/new bytes, disassembly before/after)\n"
"  --sites          list the number of candidate sites per type instead\n"
"  --verbose        with --sites: print every site\n";

struct inject_opts {
	const char *faults, *function, *section, *output, *describe, *input;
	uint64_t seed, count;
	int have_seed, sites, verbose;
};

static int parse_inject(int argc, char **argv, struct inject_opts *o)
{
	static const struct option longopts[] = {
		{ "fault", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'k' },
		{ "function", required_argument, NULL, 'F' },
		{ "section", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "describe", required_argument, NULL, 'd' },
		{ "sites", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->faults = optarg; break;
		case 's':
			if (parse_u64(optarg, &o->seed))
				return error("invalid --seed '%s'", optarg);
			o->have_seed = 1;
			break;
		case 'k':
			if (parse_u64(optarg, &o->count) || o->count == 0 || o->count > 100000)
				return error("invalid --count '%s' (expected 1..100000)", optarg);
			break;
		case 'F': o->function = optarg; break;
		case 'S': o->section = optarg; break;
		case 'o': o->output = optarg; break;
		case 'd': o->describe = optarg; break;
		case 'l': o->sites = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h': return 1;
		default:
			if (optopt)
				error("unknown or incomplete option '-%c' for 'nooks inject'", optopt);
			else
				error("unknown or incomplete option '%s' for 'nooks inject'",
				      argv[optind - 1]);
			return -2;
		}
	}
	if (optind >= argc) {
		error("missing input module for 'nooks inject'");
		return -2;
	}
	o->input = argv[optind++];
	if (optind < argc) {
		error("unexpected argument '%s' for 'nooks inject'", argv[optind]);
		return -2;
	}
	if (o->sites)
		return 0;
	if (!o->faults || !o->have_seed || !o->output) {
		error("'nooks inject' needs --fault, --seed and -o (or --sites)");
		return -2;
	}
	return 0;
}

static int list_sites(struct injector *j, const struct inject_opts *o)
{
	unsigned mask = (1u << FT_COUNT) - 1;
	struct inj_filter f = { o->function, o->section };
	struct inj_site *s;
	size_t n, i, per[FT_COUNT] = { 0 };
	int t;

	if (o->faults && inj_parse_types(o->faults, &mask))
		return -1;
	if (inj_sites(j, mask, &f, &s, &n))
		return -1;
	for (i = 0; i < n; i++)
		per[s[i].type]++;
	if (o->verbose) {
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
	free(s);
	return 0;
}

static int write_describe(const struct inject_opts *o, const struct mutation *m, size_t n)
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
	json_object_object_add(doc, "mutations", arr);
	txt = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
	r = write_file_atomic(o->describe, txt, strlen(txt));
	json_object_put(doc);
	return r;
}

static int do_inject(struct injector *j, const struct inject_opts *o)
{
	struct inj_filter f = { o->function, o->section };
	struct mutation *m;
	size_t n, i;
	unsigned mask;

	if (inj_parse_types(o->faults, &mask))
		return -1;
	if (inj_apply(j, mask, &f, o->seed, (unsigned)o->count, &m, &n))
		return -1;
	if (o->describe && write_describe(o, m, n)) {
		free(m);
		return -1;
	}
	if (kobj_write(&j->obj, o->output)) {
		if (o->describe)
			unlink(o->describe);
		free(m);
		return -1;
	}
	for (i = 0; i < n; i++)
		fprintf(stderr, "nooks: %s at %s+0x%llx (%s+0x%llx): %s -> %s\n",
			fault_defs[m[i].type].name, m[i].secname, (unsigned long long)m[i].off,
			m[i].func ? m[i].func : "?", (unsigned long long)m[i].func_off,
			m[i].before, m[i].after);
	free(m);
	return 0;
}

int cmd_inject(int argc, char **argv)
{
	struct inject_opts o;
	struct injector j;
	int r;

	r = parse_inject(argc, argv, &o);
	if (r == 1)
		return usage(inject_usage, 0);
	if (r == -2)
		return usage(inject_usage, 1);
	if (r < 0)
		return EXIT_USAGE;
	if (o.output && !strcmp(o.output, o.input))
		return error("output '%s' would overwrite the input", o.output), 1;
	if (inj_open(&j, o.input))
		return 1;
	if (module_file_check(o.input)) {
		inj_close(&j);
		return 1;
	}
	r = o.sites ? list_sites(&j, &o) : do_inject(&j, &o);
	inj_close(&j);
	return r ? 1 : 0;
}
