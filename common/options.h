/*
 * options.h - command-line options from one table per command (the shape
 * of git's parse-options): every command lists its options as data, and
 * options_parse() does the loop, the help flag, the error lines and the
 * number parsing for all of them.
 *
 * Invariants: -h/--help is always known; an option's value is stored only
 * when it is valid; on any error exactly one line is printed (error()) and
 * nothing after the bad option is parsed.
 */
#ifndef NOOKS_OPTIONS_H
#define NOOKS_OPTIONS_H

#include <stdint.h>

enum opt_kind {
	OPT_KIND_END,
	OPT_KIND_STRING,	/* const char **value = the argument */
	OPT_KIND_SET,		/* int *value = set_to; no argument */
	OPT_KIND_UINT,		/* unsigned *value, in [min, max] */
	OPT_KIND_INT,		/* int *value, in [min, max] */
	OPT_KIND_U64,		/* uint64_t *value, in [min, max] */
	OPT_KIND_LIST,		/* const char **value (array of cap), *count */
	OPT_KIND_CALL,		/* call(arg, value): 0, or -1 with an error printed */
};

struct opt_spec {
	enum opt_kind kind;
	const char *name;	/* long name, without "--" */
	char short_name;	/* 0, or the letter of a short form (-o) */
	void *value;
	uint64_t min, max;	/* numbers: the accepted range */
	int set_to;		/* SET */
	int *count, cap;	/* LIST */
	int (*call)(const char *arg, void *value);	/* CALL */
	int *seen;		/* optional: set to 1 when the option is given */
};

#define OPT_STRING(n, v)	{ .kind = OPT_KIND_STRING, .name = (n), .value = (v) }
#define OPT_STRING_S(s, n, v)	{ .kind = OPT_KIND_STRING, .name = (n), .short_name = (s), .value = (v) }
#define OPT_FLAG(n, v)		{ .kind = OPT_KIND_SET, .name = (n), .value = (v), .set_to = 1 }
#define OPT_SET(n, v, x)	{ .kind = OPT_KIND_SET, .name = (n), .value = (v), .set_to = (x) }
#define OPT_UINT(n, v, lo, hi)	{ .kind = OPT_KIND_UINT, .name = (n), .value = (v), .min = (lo), .max = (hi) }
#define OPT_UINT_S(s, n, v, lo, hi) \
	{ .kind = OPT_KIND_UINT, .name = (n), .short_name = (s), .value = (v), .min = (lo), .max = (hi) }
#define OPT_INT(n, v, lo, hi)	{ .kind = OPT_KIND_INT, .name = (n), .value = (v), .min = (lo), .max = (hi) }
#define OPT_U64(n, v, lo, hi)	{ .kind = OPT_KIND_U64, .name = (n), .value = (v), .min = (lo), .max = (hi) }
#define OPT_LIST(n, arr, cnt, c) \
	{ .kind = OPT_KIND_LIST, .name = (n), .value = (arr), .count = (cnt), .cap = (c) }
#define OPT_CALL(n, fn, v)	{ .kind = OPT_KIND_CALL, .name = (n), .value = (v), .call = (fn) }
#define OPT_END()		{ .kind = OPT_KIND_END }

/* options_parse() results */
enum {
	OPTIONS_OK = 0,
	OPTIONS_HELP,		/* -h or --help: print the usage, exit 0 */
	OPTIONS_UNKNOWN,	/* unknown or incomplete option: one line printed */
	OPTIONS_BAD_VALUE,	/* invalid value: one line printed */
};

/* Flags of options_parse() */
#define OPTIONS_STOP_AT_ARG 1	/* options end at the first positional argument */

/*
 * Parse argv[1..argc-1] (argv[0] is the command's verb) against opts,
 * terminated by OPT_END().  cmd names the command in messages ("nooks
 * gate").  Positional arguments are moved after the options (unless
 * OPTIONS_STOP_AT_ARG); *first is the index of the first one.  "--" ends
 * the options.
 */
int options_parse(const char *cmd, const struct opt_spec *opts, int flags,
		  int argc, char **argv, int *first /* out */);

#endif
