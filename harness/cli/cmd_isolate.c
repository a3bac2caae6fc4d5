/*
 * cmd_isolate.c - `nooks isolate IN.ko -o OUT.ko`: bind every function a
 * stock module calls to its NIM wrapper nooks_w_<sym> (exported by
 * nooks.ko), so the module runs under the Nooks Isolation Manager.
 *
 * A thin wrapper of injector/isolate.h: owns the option parsing, the
 * default nooks.symvers (the guest image's), the printed lines and the
 * exit status.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image.h"
#include "isolate.h"
#include "util.h"

static const char isolate_usage[] =
"usage: nooks isolate IN.ko -o OUT.ko [--symvers FILE]\n"
"       nooks isolate IN.ko --list [--symvers FILE]\n"
"\n"
"Bind every function IN.ko calls to its NIM wrapper nooks_w_<sym>\n"
"(symbol renamed, __versions record rewritten with the wrapper's CRC,\n"
"signature stripped, init code kept resident) and write OUT.ko.  Fails,\n"
"listing them, if a called import has no wrapper.\n"
"\n"
"  -o, --out FILE   the isolated module to write\n"
"  --list           print each import and what isolation does with it\n"
"  --symvers FILE   Module.symvers of nooks.ko (default: the one built for\n"
"                   the guest image's kernel, IMAGE/symvers/nooks.symvers)\n";

static void print_import(void *ctx, const char *what, const char *import)
{
	(void)ctx;
	printf("%-8s %s\n", what, import);
}

static int isolate(const char *in, const char *out, const char *symvers, int list)
{
	struct isolate_stats st;

	if (isolate_module(in, list ? NULL : out, symvers, list ? print_import : NULL, NULL, &st))
		return -1;
	if (!list)
		printf("isolated %s -> %s: %zu functions wrapped, %zu bound to the kernel, "
		       "%zu glue, %d init sections kept\n", in, out, st.wrapped, st.bound,
		       st.glue, st.init_kept);
	return 0;
}

int cmd_isolate(int argc, char **argv)
{
	const char *out = NULL, *sym = NULL;
	int list = 0, first;
	const struct opt_spec opts[] = {
		OPT_STRING_S('o', "out", &out),
		OPT_FLAG("list", &list),
		OPT_STRING("symvers", &sym),
		OPT_END()
	};
	char *defsym = NULL;
	int ret;

	ret = cli_options("nooks isolate", isolate_usage, opts, 0, 1, argc, argv, &first);
	if (ret >= 0)
		return ret;
	if (first + 1 != argc || (!out && !list) || (out && list)) {
		error("'nooks isolate' needs IN.ko and one of -o OUT.ko, --list");
		return usage(isolate_usage, 1);
	}
	if (!sym)
		sym = defsym = image_find_kmod_file(NULL, "nooks", "symvers");
	if (!sym)
		return 1;
	ret = isolate(argv[first], out, sym, list) ? 1 : 0;
	free(defsym);
	return ret;
}
