/*
 * cmd_export.c - `nooks export --kcidb [DB]`: one campaign's results in a
 * format other systems read; today KCIDB v5.3 JSON for KernelCI
 * (reports/report_kcidb.c).  Read-only; the output file is written whole
 * or not at all (temporary file, then rename).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "util.h"

static const char export_usage[] =
"usage: nooks export --kcidb [--db FILE | DB] [--campaign ID|NAME] [-o FILE]\n"
"\n"
"Write one campaign (default: the latest) as KCIDB v5.3 JSON: a checkout per\n"
"guest kernel, a build per guest image, a test per trial with the path\n"
"nooks.<extension>.<mode>.<fault types> and the status of its outcome (PASS:\n"
"no_effect, recovered; FAIL: crash, hang, functional, recovered_degraded,\n"
"detected_unrecovered; ERROR: infra_error), the crash title and the NIM's\n"
"detection in its comment, log_excerpt and misc.  Validate it with\n"
"kcidb-validate or any JSON-schema validator; submit it with kcidb-submit.\n"
"\n"
"  --kcidb          the KCIDB format (the only one today; required)\n"
"  --db FILE        results database (default: nooks.db; or DB as argument)\n"
"  --campaign ID    campaign id or name (default: the latest)\n"
"  -o, --out FILE   output file (default: standard output)\n";

static int export_to(struct store *st, int64_t id, const char *out)
{
	char *tmp;
	FILE *f;
	int r;

	if (!out)
		return report_write_kcidb(st, id, stdout);
	tmp = xasprintf("%s.tmp", out);
	f = fopen(tmp, "w");
	if (!f) {
		r = error_errno("cannot create '%s'", tmp);
		free(tmp);
		return r;
	}
	r = report_write_kcidb(st, id, f);
	if (fclose(f) && !r)
		r = error_errno("cannot write '%s'", tmp);
	if (!r && rename(tmp, out))
		r = error_errno("cannot rename '%s' to '%s'", tmp, out);
	if (r)
		unlink(tmp);
	free(tmp);
	return r;
}

int cmd_export(int argc, char **argv)
{
	const char *db = "nooks.db", *camp = NULL, *out = NULL;
	int kcidb = 0, first, ret;
	const struct opt_spec opts[] = {
		OPT_FLAG("kcidb", &kcidb),
		OPT_STRING("db", &db),
		OPT_STRING("campaign", &camp),
		OPT_STRING_S('o', "out", &out),
		OPT_END()
	};
	struct store *st;
	int64_t id;

	ret = cli_options("nooks export", export_usage, opts, 0, 1, argc, argv, &first);
	if (ret >= 0)
		return ret;
	if (!kcidb) {
		error("'nooks export' needs a format: --kcidb");
		return usage(export_usage, 1);
	}
	if (first < argc)
		db = argv[first];
	if (store_open(db, STORE_RO, &st))
		return 1;
	ret = store_campaign_resolve(st, camp, &id) || export_to(st, id, out) ? 1 : 0;
	store_close(st);
	return ret;
}
