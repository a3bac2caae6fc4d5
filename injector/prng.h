/*
 * prng.h - the injector's deterministic PRNG: splitmix64 (Steele, Lea,
 * Flood 2014; the seeding generator of xoshiro).  state += 0x9e3779b97f4a7c15,
 * then the mix below.  Same seed, same sequence, on every host; never
 * seeded from time or addresses.
 */
#ifndef NOOKS_PRNG_H
#define NOOKS_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s;
};

static inline void prng_seed(struct prng *p, uint64_t seed)
{
	p->s = seed;
}

static inline uint64_t prng_next(struct prng *p)
{
	uint64_t z = (p->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0), by rejection so there is no modulo bias. */
static inline uint64_t prng_below(struct prng *p, uint64_t n)
{
	uint64_t lim = -n % n, x;

	do
		x = prng_next(p);
	while (x < lim);
	return x % n;
}

#endif
