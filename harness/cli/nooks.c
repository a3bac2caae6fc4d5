/*
 * nooks.c - entry point of the `nooks` CLI: the command table and dispatch.
 *
 * Every subcommand is cmd_<verb>() in its own file, listed once in
 * commands.h.  This file owns the shared setup and the final check that
 * stdout was written successfully; it never implements a command itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
#define COMMAND(verb, summary) { #verb, cmd_##verb, summary },
#include "commands.h"
#undef COMMAND
};

static void print_help(FILE *out)
{
	size_t i;

	fputs("usage: nooks <command> [<args>]\n\n"
	      "Fault-injection and recovery lab for Linux kernel extensions.\n\n"
	      "Commands:\n", out);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'nooks <command> --help' for the options of a command.\n",
	      out);
}

int main(int argc, char **argv)
{
	size_t i;
	int ret;

	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		print_help(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		ret = commands[i].fn(argc - 1, argv + 1);
		if (fflush(stdout) || ferror(stdout)) {
			if (errno != EPIPE)
				error_errno("stdout write failed");
			return 1;
		}
		return ret;
	}
	error("unknown command '%s' (see 'nooks --help')", argv[1]);
	return EXIT_USAGE;
}
