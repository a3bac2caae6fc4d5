/*
 * sites.h - the candidate sites of each fault type in an extension's
 * module, counted in-process by the injector library before a campaign is
 * planned: the numbers `nooks inject --sites IN.ko` prints (code types:
 * instructions the type can mutate; runtime types: called imports swifi
 * wraps x N in 1..16, no call profile).  A function of the module's bytes
 * only, so the plan stays a function of (spec, seed, modules).
 *
 * "data" is no injector type (`nooks inject` has no data faults; kmod/swifi
 * flips data on a request from the guest): it counts 0 sites everywhere.
 */
#ifndef NOOKS_SITES_H
#define NOOKS_SITES_H

#include <stdbool.h>
#include <stdint.h>

#include "planner.h"

/* Whether `nooks inject` injects fault type name (a code or runtime type). */
bool sites_type_injectable(const char *name);
/* Sites of types[0..n) in module ko into counts[0..n); one-line error, -1. */
int sites_count(const char *ko, const char *const *types, int n, bool live,
		int64_t *counts /* out */);
/* sites_count() of every extension's module (modules[e]) for the spec's types. */
int sites_count_spec(const struct campaign_spec *spec, char *const *modules,
		     struct plan_sites *out /* out */);

#endif
