/*
 * cmd_merge.c - `nooks merge OUT.db SHARD.db...`: join the shard databases
 * of one campaign (campaign run --shard, campaign submit --slurm) into one
 * database that reports, compare and gate read as a single machine's.
 * Idempotent; one transaction (db/store_merge.c); shards are only read.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "cli.h"
#include "store.h"
#include "util.h"

static const char merge_usage[] =
"usage: nooks merge OUT.db SHARD.db...\n"
"\n"
"Merge the campaign held by each SHARD.db (the same campaign, spec and\n"
"image in all) into OUT.db, created if missing.  Trials whose key OUT.db\n"
"already holds are skipped: merging again adds nothing.  A shard of another\n"
"campaign, image or kernel is refused in one line and nothing is written\n"
"(one transaction).  Prints the trials added and the campaign's progress.\n";

int cmd_merge(int argc, char **argv)
{
	const struct opt_spec opts[] = { OPT_END() };
	struct store_merge_totals t;
	uint64_t start = now_ms();
	int first, r;

	r = cli_options("nooks merge", merge_usage, opts, 0, -1, argc, argv, &first);
	if (r >= 0)
		return r;
	if (argc - first < 2) {
		error("'nooks merge' needs OUT.db and at least one SHARD.db");
		return usage(merge_usage, 1);
	}
	if (store_merge(argv[first], argv + first + 1, argc - first - 1, &t))
		return 1;
	printf("merged %d shard%s of campaign '%s' into '%s' in %llu ms: %lld trials added, "
	       "%lld already present; %lld of %lld planned trials stored%s\n", argc - first - 1,
	       argc - first - 1 == 1 ? "" : "s", t.name, argv[first],
	       (unsigned long long)(now_ms() - start), (long long)t.added, (long long)t.present,
	       (long long)t.stored, (long long)t.planned, t.stored >= t.planned ? " (finished)" : "");
	return 0;
}
