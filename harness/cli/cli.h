/*
 * cli.h - shared pieces of the `nooks` command line: the command prototypes
 * generated from commands.h, nested-verb dispatch and usage printing.
 */
#ifndef NOOKS_CLI_H
#define NOOKS_CLI_H

#include "options.h"

#define COMMAND(verb, summary) int cmd_##verb(int argc, char **argv);
#include "commands.h"
#undef COMMAND

/* One nested verb, e.g. `vm run`: argv[0] is the nested verb. */
struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/*
 * Dispatch argv[1] of a verb with nested verbs (argv[0] = "vm").  Prints the
 * table on --help or no argument; one-line error on an unknown verb.
 */
int run_subcommand(const char *verb, const struct subcommand *tab, int n,
		   int argc, char **argv);

/* Print "usage: ..." to stdout (help) or stderr (error); returns 0 / 2. */
int usage(const char *text, int is_error);

/* True when argv holds -h or --help before any "--". */
int wants_help(int argc, char **argv);

/* Exit status for bad command-line usage. */
#define EXIT_USAGE 2

/*
 * Parse a command's options (common/options.h) and check its positional
 * arguments: at most max_args of them (-1: any number).  Returns -1 to go
 * on, with *first the index of the first positional argument; otherwise
 * the exit status, after printing: the usage text on --help (0), one error
 * line and the usage text on an unknown option or an unexpected argument
 * (EXIT_USAGE), one error line on an invalid value (EXIT_USAGE).
 */
int cli_options(const char *cmd, const char *usage_text, const struct opt_spec *opts,
		int flags, int max_args, int argc, char **argv, int *first);

#endif
