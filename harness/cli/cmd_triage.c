/*
 * cmd_triage.c - `nooks triage CONSOLE.log`: print the crash verdict of a
 * kernel console log as one JSON object (triage.h does the work).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "triage.h"
#include "util.h"

static const char triage_usage[] =
"usage: nooks triage CONSOLE.log\n"
"\n"
"Decide from a kernel console log whether the kernel crashed and how; print\n"
"one JSON object: crashed, kind, title (normalized dedup key, named by the\n"
"first cause), guilty_function, guilty_module, lockup, panicked,\n"
"in_interrupt, panic_reason, report, first_line, last_line, caller (printk\n"
"caller id), chain (every report in order: kind, line, header)\n"
"('-' reads stdin).  Reads the consoles of x86 kernels 2.6 to 6.x: with or\n"
"without timestamps, caller ids, syslog levels (docs/OUTCOMES.md).\n"
"\n"
"Exit status: 0 (whatever the verdict); 1 the log cannot be read; 2 usage.\n";

static char *read_stdin(size_t *len)
{
	size_t cap = 1 << 16, n = 0, r;
	char *buf = xmalloc(cap);

	while ((r = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	*len = n;
	return buf;
}

int cmd_triage(int argc, char **argv)
{
	struct triage_verdict v;
	json_object *o;
	size_t len;
	char *text;

	const struct opt_spec opts[] = { OPT_END() };
	int first, r = cli_options("nooks triage", triage_usage, opts, 0, 1, argc, argv, &first);

	if (r >= 0)
		return r;
	if (first == argc) {
		error("missing CONSOLE.log for 'nooks triage'");
		return usage(triage_usage, 1);
	}
	text = strcmp(argv[first], "-") ? read_file(argv[first], &len) : read_stdin(&len);
	if (!text)
		return 1;
	triage_console(text, len, &v);
	free(text);
	o = triage_to_json(&v);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
