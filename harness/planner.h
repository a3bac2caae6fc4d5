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

/* Build the plan of spec; never fails (the spec is already validated). */
void plan_build(const struct campaign_spec *spec, struct plan *plan /* out */);
void plan_release(struct plan *plan);
/* splitmix64 step: the planner's only source of randomness. */
uint64_t plan_mix64(uint64_t x);

#endif
