/*
 * planner.h - turn a campaign spec into its list of planned trials,
 * deterministically from the spec's seed.
 *
 * Each fault descriptor {extension, fault types, count, injector seed} is
 * run once per enabled mode (paired comparison).  Every planned trial has a
 * stable key "<extension>/<index>/<mode>" that identifies it in the store:
 * resume = plan minus stored keys.  The order interleaves extensions and
 * keeps the modes of one descriptor adjacent, so a partial campaign stays
 * balanced.  Pure computation: no I/O.
 *
 * Candidate sites: the planner is given, per extension, how many sites each
 * fault type has in its module (sites.h counts them, a function of the
 * module's bytes).  A type with no site gets weight 0 for that extension:
 * the draw is renormalised over the types the module has, so a descriptor
 * never asks the injector for a type it cannot inject.  The plan is a
 * function of (spec, seed, site counts): same modules + same seed = same
 * plan.  Without counts (NULL) every type is available (the plan before
 * site counts existed; campaigns stored before them resume with it).
 */
#ifndef NOOKS_PLANNER_H
#define NOOKS_PLANNER_H

#include <stdint.h>

#include "campaign_spec.h"

struct fault_desc {
	int ext;		/* index into spec->ext */
	int idx;		/* descriptor index within the extension */
	char types[256];	/* comma-separated fault types for the injector */
	int count;		/* faults to inject */
	uint64_t seed;		/* injector seed */
};

struct planned_trial {
	char key[96];
	int fault;		/* index into plan->faults */
	enum spec_mode mode;
};

struct plan {
	struct fault_desc *faults;
	int n_faults;
	struct planned_trial *trials;
	int n_trials;
};

/* Candidate sites of spec->types[t] in spec->ext[e]'s module: n[e][t];
 * negative: unknown (treated as available). */
struct plan_sites {
	int64_t n[SPEC_MAX_EXT][SPEC_MAX_TYPES];
};

/*
 * Whether the spec can be planned with these sites: every fault type has a
 * site in some extension, every extension has a site of some type.
 * Otherwise a one-line error naming the types and extensions, and -1.
 */
int plan_check(const struct campaign_spec *spec, const struct plan_sites *sites);
/* Build the plan of spec (validated, and plan_check()ed when sites is not
 * NULL); never fails.  sites NULL: every type available everywhere. */
void plan_build(const struct campaign_spec *spec, const struct plan_sites *sites,
		struct plan *plan /* out */);
void plan_release(struct plan *plan);
/*
 * Whether planned trial i belongs to shard index (1..count) of count: the
 * trials of descriptor f (every mode of it) go to shard f % count + 1, so a
 * shard keeps its pairs and the shards of a plan are balanced and disjoint.
 * count 0: the whole plan (always true).
 */
int plan_in_shard(const struct plan *plan, int i, int index, int count);
/* Number of planned trials in shard index of count (count 0: all). */
int plan_shard_size(const struct plan *plan, int index, int count);
/* splitmix64 step: the planner's only source of randomness. */
uint64_t plan_mix64(uint64_t x);

#endif
