/*
 * isolate.h - bind a stock module to the Nooks Isolation Manager as a
 * library call: what `nooks isolate` does (cmd_isolate.c is its thin
 * wrapper) and what the campaign executor calls in-process for every
 * trial in nooks and domains mode.
 *
 * Every function the module calls is renamed to its NIM wrapper
 * nooks_w_<sym> (CRC from nooks.ko's Module.symvers, passed explicitly);
 * classification of the imports and the other rewrites in isolate.c.
 */
#ifndef NOOKS_ISOLATE_H
#define NOOKS_ISOLATE_H

#include <stddef.h>

struct isolate_stats {
	size_t wrapped;		/* called imports renamed to their wrapper */
	size_t bound;		/* imports that stay bound to the kernel (addresses) */
	size_t glue;		/* calling-convention glue, left alone */
	int init_kept;		/* .init sections kept resident */
};

/* Called per import with what isolation does with it ("call", "address",
 * "glue", "wrapped" or "MISSING"). */
typedef void (*isolate_each_fn)(void *ctx, const char *what, const char *import);

/*
 * Isolate in into out against the NIM's Module.symvers.  out NULL: only
 * classify (each called for every import, nothing written).  Refuses,
 * naming them all in one line, called imports without a wrapper; then
 * nothing is written.  st /out/ may be NULL.
 */
int isolate_module(const char *in, const char *out, const char *symvers, isolate_each_fn each,
		   void *ctx, struct isolate_stats *st /* out */);

#endif
