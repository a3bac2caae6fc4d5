/*
 * cli.c - shared command-line helpers (see cli.h): usage printing, --help
 * detection and nested-verb dispatch.  In the library so that commands and
 * their tests link without the main() of nooks.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

int usage(const char *text, int is_error)
{
	fputs(text, is_error ? stderr : stdout);
	return is_error ? EXIT_USAGE : 0;
}

int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

int run_subcommand(const char *verb, const struct subcommand *tab, int n,
		   int argc, char **argv)
{
	int i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *out = argc < 2 ? stderr : stdout;

		fprintf(out, "usage: nooks %s <verb> [<args>]\n\nVerbs:\n", verb);
		for (i = 0; i < n; i++)
			fprintf(out, "  %-10s %s\n", tab[i].name, tab[i].summary);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(argv[1], tab[i].name))
			return tab[i].fn(argc - 1, argv + 1);
	error("unknown verb 'nooks %s %s' (see 'nooks %s --help')", verb,
	      argv[1], verb);
	return EXIT_USAGE;
}

int cli_options(const char *cmd, const char *usage_text, const struct opt_spec *opts,
		int flags, int max_args, int argc, char **argv, int *first)
{
	switch (options_parse(cmd, opts, flags, argc, argv, first)) {
	case OPTIONS_HELP:
		return usage(usage_text, 0);
	case OPTIONS_UNKNOWN:
		return usage(usage_text, 1);
	case OPTIONS_BAD_VALUE:
		return EXIT_USAGE;
	}
	if (max_args >= 0 && argc - *first > max_args) {
		error("unexpected argument '%s' for '%s'", argv[*first + max_args], cmd);
		return usage(usage_text, 1);
	}
	return -1;
}
