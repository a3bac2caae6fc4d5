/*
 * rtfault.h - the runtime-fault decision (SWIFI alloc/free/leak/bcopy),
 * shared by the host injector (`nooks inject`), kmod/swifi and, later, the
 * NIM's wrappers: one armed fault {type, symbol, N, seed}, its text form
 * "TYPE:SYM:N:SEED" (the `arm` parameter of swifi.ko), and what a wrapper of
 * SYM must do at its call number c.
 *
 * Semantics (docs/FAULTS.md): at the Nth call (1-based, counted from arming)
 * of the wrapped SYM, and only then,
 *   alloc  an allocator returns NULL without allocating;
 *   free   an allocator allocates, frees the object at once and returns the
 *          dangling pointer (premature free);
 *   leak   a free function returns without freeing;
 *   bcopy  a copy's length grows by rt_bcopy_delta(seed) bytes (Rio's
 *          distribution: 50% +1, 44% +2..1024, 6% +2048..4096).
 *
 * Pure: no allocation, I/O or locking (callers count calls atomically and
 * report); compiles in the kernel (__KERNEL__) and in userspace.
 */
#ifndef NOOKS_RTFAULT_H
#define NOOKS_RTFAULT_H

#ifdef __KERNEL__
#include <linux/string.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#endif

#include "prng.h"

enum rt_type { RT_ALLOC, RT_FREE, RT_LEAK, RT_BCOPY, RT_NTYPES };
/* What a wrapped kernel function does (rtfault_syms.h lists them). */
enum rt_class { RTC_ALLOC, RTC_FREE, RTC_COPY };
/* What a wrapper must do at one call. */
enum rt_action { RT_PASS, RT_FAIL_ALLOC, RT_FREE_EARLY, RT_SKIP_FREE, RT_OVERRUN };

#define RT_SYM_LEN 56		/* as a __versions name */
#define RT_MAX_ARMS 8
#define RT_NTH_MAX 16		/* default range of N: 1..RT_NTH_MAX */
#define RT_NTH_LIMIT 1000000	/* largest N accepted */

struct rt_arm {
	uint32_t type;		/* enum rt_type */
	uint32_t nth;		/* fire at this call, 1-based */
	uint64_t seed;		/* bcopy: draws the overrun */
	char sym[RT_SYM_LEN];	/* the wrapped kernel function */
};

static const char *const rt_type_names[RT_NTYPES] = { "alloc", "free", "leak", "bcopy" };

/* Type by name (len chars of s), or -1. */
static inline int rt_type_by_name(const char *s, size_t len)
{
	int t;

	for (t = 0; t < RT_NTYPES; t++)
		if (strlen(rt_type_names[t]) == len && !strncmp(rt_type_names[t], s, len))
			return t;
	return -1;
}

/* The class of function a fault type is injected into. */
static inline enum rt_class rt_type_class(uint32_t type)
{
	return type == RT_LEAK ? RTC_FREE : type == RT_BCOPY ? RTC_COPY : RTC_ALLOC;
}

/* What the wrapper of sym does at its call number call under arm a. */
static inline enum rt_action rt_decide(const struct rt_arm *a, const char *sym, uint32_t call)
{
	static const enum rt_action act[RT_NTYPES] = {
		RT_FAIL_ALLOC, RT_FREE_EARLY, RT_SKIP_FREE, RT_OVERRUN
	};

	if (a->type >= RT_NTYPES || call != a->nth || strcmp(a->sym, sym))
		return RT_PASS;
	return act[a->type];
}

/* Bytes a bcopy fault adds to the length (Rio: 50% 1, 44% 2..1024, 6% 2048..4096). */
static inline uint64_t rt_bcopy_delta(uint64_t seed)
{
	struct prng p;
	uint64_t r;

	prng_seed(&p, seed);
	r = prng_below(&p, 100);
	if (r < 50)
		return 1;
	if (r < 94)
		return 2 + prng_below(&p, 1023);
	return 2048 + prng_below(&p, 2049);
}

/* Parse an unsigned number (decimal or 0x hex) of at most max; chars used or -1. */
static inline int rt_parse_num(const char *s, uint64_t max, uint64_t *v)
{
	int i = 0, base = 10, digits = 0;

	*v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (;; i++, digits++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (*v > (max - d) / base)
			return -1;
		*v = *v * base + d;
	}
	return digits ? i : -1;
}

/* Parse one "TYPE:SYM:N:SEED" at s (ends at ',', space, newline or NUL); chars used or -1. */
static inline int rt_arm_parse(const char *s, struct rt_arm *a)
{
	const char *p = s, *q;
	uint64_t v;
	int t, n;

	memset(a, 0, sizeof(*a));
	for (q = p; *q && *q != ':'; q++)
		;
	if (*q != ':' || (t = rt_type_by_name(p, (size_t)(q - p))) < 0)
		return -1;
	a->type = (uint32_t)t;
	for (p = ++q; *q && *q != ':'; q++)
		;
	if (*q != ':' || q == p || q - p >= RT_SYM_LEN)
		return -1;
	memcpy(a->sym, p, (size_t)(q - p));
	if ((n = rt_parse_num(++q, RT_NTH_LIMIT, &v)) < 0 || v == 0 || q[n] != ':')
		return -1;
	a->nth = (uint32_t)v;
	q += n + 1;
	if ((n = rt_parse_num(q, ~(uint64_t)0, &a->seed)) < 0)
		return -1;
	q += n;
	if (*q && *q != ',' && *q != ' ' && *q != '\n')
		return -1;
	return (int)(q - s);
}

/* Parse a comma-separated list of arms ("" or "none": no arm); count or -1. */
static inline int rt_arms_parse(const char *s, struct rt_arm *arms, int max)
{
	int n = 0, used;

	if (!*s || *s == '\n' || !strncmp(s, "none", 4))
		return (!*s || *s == '\n' || !s[4] || s[4] == '\n') ? 0 : -1;
	for (;;) {
		if (n == max || (used = rt_arm_parse(s, &arms[n])) < 0)
			return -1;
		n++;
		s += used;
		if (*s != ',')
			break;
		s++;
	}
	return (!*s || (*s == '\n' && !s[1])) ? n : -1;
}

#endif
