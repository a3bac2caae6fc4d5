/*
 * injection.h - one SWIFI injection as a library call: what `nooks inject`
 * does (cmd_inject.c is its thin wrapper) and what the campaign executor
 * calls in-process for every trial.
 *
 * Stages: injection_open() (the module and its call profile), then
 * injection_plan() (runtime arms drawn on the imports as shipped, code
 * faults applied in memory), then the records of the plan
 * (injection_describe(), injection_swifi_params()) and injection_write()
 * (the mutated module; runtime faults rebind through swifi's
 * Module.symvers, passed explicitly).  Same inputs, byte-identical output.
 * Never prints anything but one-line errors; the command prints the
 * report, the caller decides what a failure means.
 */
#ifndef NOOKS_INJECTION_H
#define NOOKS_INJECTION_H

#include <stddef.h>
#include <stdint.h>

#include "inject.h"
#include "runtime.h"

/* What to inject (NULL / 0 = not given). */
struct injection_opts {
	const char *faults;		/* "nop,alloc": code and runtime types */
	uint64_t seed, count;		/* count 0 counts as 1 */
	const char *function, *section;	/* code faults only there */
	bool live;			/* code faults only in text that stays after init */
	const char *symbol;		/* runtime faults only on this import */
	uint32_t nth, nth_max;		/* runtime: fire at call nth / draw in 1..nth_max */
	const char *profile_path;	/* call profile file (runtime faults), or NULL */
	const char *symvers;		/* swifi's Module.symvers (runtime faults, count-only) */
};

struct injection {
	const char *input;
	struct injection_opts o;
	struct injector j;
	struct rt_profile profile;	/* loaded from o.profile_path */
	struct mutation *m;		/* code faults applied (malloc'd) */
	size_t n;
	struct rt_arm arms[RT_MAX_ARMS];	/* runtime faults armed */
	size_t na;
};

/* Open the module input (and o's call profile); one-line error on bad input. */
int injection_open(struct injection *in, const char *input, const struct injection_opts *o);
void injection_close(struct injection *in);
/* Check the options against the fault types, draw the runtime arms, apply the code faults. */
int injection_plan(struct injection *in);
/* The describe record of the plan (JSON text, malloc'd); output names the module written. */
char *injection_describe(const struct injection *in, const char *output);
/* swifi.ko's parameters "arm=..." of the plan (malloc'd), NULL without runtime faults. */
char *injection_swifi_params(const struct injection *in);
/*
 * The live patch of the plan's code faults (transient faults): "MODULE
 * SECTION+OFF:HEX ..." with MODULE the module's .modinfo name and each HEX
 * inj_live_hex() of one mutation, what wl_inject.h resolves and kmod/swifi
 * writes into the running module (malloc'd); NULL with an error.
 */
char *injection_live_patch(struct injection *in);
/* Whether the module has a function named function in text that stays after init. */
int injection_has_function(struct injection *in, const char *function);
/* Write the mutated module to output (temp + rename); nothing left there on error. */
int injection_write(struct injection *in, const char *output);
/* Count-only module: every import swifi wraps rebound, nothing armed; *n /out/ imports bound. */
int injection_count_only(struct injection *in, const char *output, size_t *n /* out */);
/* The runtime sites of the types in rt_mask under the options' filters (*s malloc'd). */
int injection_runtime_sites(struct injection *in, unsigned rt_mask, struct rt_site **s /* out */,
			    size_t *n /* out */);

#endif
