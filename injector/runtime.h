/*
 * runtime.h - planning and binding of SWIFI runtime faults (alloc, free,
 * leak, bcopy): which imports of a module are candidates, which (type,
 * symbol, N) a seed chooses, and the rebinding of the chosen imports to
 * kmod/swifi's wrappers swifi_w_<sym> (through modbind, unchanged).
 *
 * The site space of a runtime type is {called import S of the right class
 * (rtfault_syms.h)} x {N in 1..nth_max}, sorted by (type, table order of S,
 * N); K sites are drawn by a partial Fisher-Yates over splitmix64(seed), as
 * code sites are, then each arm draws its own seed.  Pure planning is
 * separated from file I/O so it can be unit-tested on name lists.
 *
 * With a call profile (calls of each wrapped function in a count-only run
 * of the same module and workload, see docs/FAULTS.md), the space becomes
 * {S called at least once} x {N in 1..calls(S)} (capped by nth_max if
 * given): every N drawn is a call the profiled run made.
 */
#ifndef NOOKS_RUNTIME_H
#define NOOKS_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "kobj.h"
#include "rtfault.h"

#define RT_WRAP_PREFIX "swifi_w_"
#define RT_MAX_WRAPPED 64	/* > the entries of rtfault_syms.h */

struct rt_site {
	uint32_t type;		/* enum rt_type */
	const char *sym;	/* static name from the table */
	uint32_t nth;
};

/* A call profile: calls of each wrapped function in one count-only run. */
struct rt_profile_entry {
	char sym[RT_SYM_LEN];
	uint32_t calls;
};

struct rt_profile {
	char *key;			/* "" if the file has none */
	struct rt_profile_entry *e;	/* sorted by name */
	size_t n;
};

/* Restrictions of the runtime site space (0 / NULL = none). */
struct rt_filter {
	const char *symbol;	/* only this import */
	uint32_t nth;		/* only this N */
	uint32_t nth_max;	/* N drawn in 1..nth_max (default RT_NTH_MAX, or calls(S)) */
	const struct rt_profile *profile;	/* N drawn in 1..calls(S); S uncalled: no site */
};

/* Split "nop,alloc" into code-type and runtime-type bit masks; error names the bad type. */
int rt_parse_fault_list(const char *list, unsigned *code_mask /* out */,
			unsigned *rt_mask /* out */);
/* Class of a wrapped kernel function, or -1 if swifi has no wrapper for it. */
int rt_sym_class(const char *sym);
/* Names of the called (R_X86_64_PLT32) undefined symbols of o; *names malloc'd, not the strings. */
size_t rt_called_imports(const struct kobj *o, const char ***names /* out */);
/* All runtime sites of the types in rt_mask for a module importing names[]; *sites malloc'd. */
int rt_sites(const char *const *names, size_t nnames, unsigned rt_mask, const struct rt_filter *f,
	     struct rt_site **sites /* out */, size_t *nsites /* out */);
/* Choose count arms from seed (distinct sites); error if fewer sites. */
int rt_choose(const struct rt_site *sites, size_t nsites, uint64_t seed, unsigned count,
	      struct rt_arm *arms /* out, count */);
/* How many of count faults are runtime faults when both kinds are listed. */
unsigned rt_split(unsigned n_code_types, unsigned n_rt_types, unsigned count, uint64_t seed);
/* swifi's arm parameter value for arms ("TYPE:SYM:N:SEED,..."), malloc'd. */
char *rt_arm_string(const struct rt_arm *arms, size_t n);
/* Rebind the arms' symbols of IN to swifi_w_<sym> (CRCs from symvers) and write OUT. */
int rt_bind(const char *in, const char *out, const struct rt_arm *arms, size_t n,
	    const char *symvers);
/* Parse a profile's JSON text ({"key":..., "calls": {SYM: N, ...}}); what names it in errors. */
int rt_profile_parse(const char *text, const char *what, struct rt_profile *p /* out */);
/* Read and parse a profile file. */
int rt_profile_load(const char *path, struct rt_profile *p /* out */);
void rt_profile_release(struct rt_profile *p);
/* Calls of sym in the profile (0 if absent). */
uint32_t rt_profile_calls(const struct rt_profile *p, const char *sym);
/*
 * The last N drawn for a symbol the profiled run called `calls` times: the
 * first half.  Counts that follow traffic vary between runs of one workload
 * (napi_consume_skb: 75 in the profile, 54 in a trial), so an N near the
 * top of the profiled count may never be reached.
 */
uint32_t rt_profile_reach(uint32_t calls);
/* The wrapped functions (any class) among names[], into syms (max n); count. */
size_t rt_wrapped_imports(const char *const *names, size_t nnames, const char **syms /* out */,
			  size_t max);
/* The describe record of one arm (json_object *, same keys as a code mutation + "runtime"). */
struct json_object *rt_arm_json(const struct rt_arm *a);

#endif
