/*
 * options.c - options_parse(): one getopt_long loop for every command,
 * driven by the command's option table (options.h).
 */
#define _GNU_SOURCE
#include "options.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define VAL_HELP 'h'
#define VAL_LONG 256	/* long-only options: VAL_LONG + index in the table */

static int n_specs(const struct opt_spec *opts)
{
	int n = 0;

	while (opts[n].kind != OPT_KIND_END)
		n++;
	return n;
}

static const struct opt_spec *find_short(const struct opt_spec *opts, int c)
{
	for (; opts->kind != OPT_KIND_END; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

static int bad_number(const struct opt_spec *o, const char *arg)
{
	if (o->min == 0 && o->max == UINT64_MAX)
		return error("invalid --%s '%s'", o->name, arg);
	return error("invalid --%s '%s' (expected %llu..%llu)", o->name, arg,
		     (unsigned long long)o->min, (unsigned long long)o->max);
}

/* Store arg (NULL for SET) into o's value; -1 with an error printed. */
static int store(const struct opt_spec *o, const char *arg)
{
	uint64_t v = 0;

	switch (o->kind) {
	case OPT_KIND_STRING:
		*(const char **)o->value = arg;
		break;
	case OPT_KIND_SET:
		*(int *)o->value = o->set_to;
		break;
	case OPT_KIND_UINT:
	case OPT_KIND_INT:
	case OPT_KIND_U64:
		if (parse_u64(arg, &v) || v < o->min || v > o->max)
			return bad_number(o, arg);
		if (o->kind == OPT_KIND_UINT)
			*(unsigned *)o->value = (unsigned)v;
		else if (o->kind == OPT_KIND_INT)
			*(int *)o->value = (int)v;
		else
			*(uint64_t *)o->value = v;
		break;
	case OPT_KIND_LIST:
		if (*o->count >= o->cap)
			return error("too many --%s options", o->name);
		((const char **)o->value)[(*o->count)++] = arg;
		break;
	case OPT_KIND_CALL:
		if (o->call(arg, o->value))
			return -1;
		break;
	case OPT_KIND_END:
		break;
	}
	if (o->seen)
		*o->seen = 1;
	return 0;
}

int options_parse(const char *cmd, const struct opt_spec *opts, int flags,
		  int argc, char **argv, int *first)
{
	int n = n_specs(opts), i, c, ret = OPTIONS_OK;
	struct option *lo = xcalloc((size_t)n + 2, sizeof(*lo));
	char *so = xcalloc((size_t)n * 2 + 4, 1), *p = so;

	if (flags & OPTIONS_STOP_AT_ARG)
		*p++ = '+';
	*p++ = 'h';
	for (i = 0; i < n; i++) {
		int has_arg = opts[i].kind == OPT_KIND_SET ? no_argument : required_argument;

		lo[i].name = opts[i].name;
		lo[i].has_arg = has_arg;
		lo[i].val = opts[i].short_name ? opts[i].short_name : VAL_LONG + i;
		if (opts[i].short_name) {
			*p++ = opts[i].short_name;
			if (has_arg == required_argument)
				*p++ = ':';
		}
	}
	lo[n].name = "help";
	lo[n].val = VAL_HELP;
	opterr = 0;
	optind = 0;	/* glibc: 0 re-reads the ordering mode ("+") of this call */
	while (ret == OPTIONS_OK && (c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		const struct opt_spec *o = NULL;

		if (c == VAL_HELP && !find_short(opts, VAL_HELP)) {
			ret = OPTIONS_HELP;
			break;
		}
		if (c >= VAL_LONG && c < VAL_LONG + n)
			o = &opts[c - VAL_LONG];
		else if (c != '?' && c != ':')
			o = find_short(opts, c);
		if (!o) {
			const char *arg = argv[optind - 1];

			if (optopt > 0 && optopt < VAL_LONG && isprint(optopt) &&
			    strncmp(arg, "--", 2))
				error("unknown or incomplete option '-%c' for '%s'", optopt, cmd);
			else
				error("unknown or incomplete option '%s' for '%s'", arg, cmd);
			ret = OPTIONS_UNKNOWN;
			break;
		}
		if (store(o, o->kind == OPT_KIND_SET ? NULL : optarg))
			ret = OPTIONS_BAD_VALUE;
	}
	*first = optind;
	free(lo);
	free(so);
	return ret;
}
