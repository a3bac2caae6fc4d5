/*
 * stats.h - the statistics behind reports, compare and gate: Wilson score
 * intervals for a proportion, the two-proportion z test, and Newcombe's
 * hybrid Wilson interval for a difference of proportions.  Pure math.
 */
#ifndef NOOKS_STATS_H
#define NOOKS_STATS_H

#define Z95 1.959963984540054

/* Wilson score interval for k successes of n at quantile z; n == 0 -> [0, 1]. */
void wilson(int k, int n, double z, double *lo /* out */, double *hi /* out */);
/* Two-sided p-value of the pooled two-proportion z test (1.0 when undefined). */
double two_prop_p(int k1, int n1, int k2, int n2);
/* Newcombe (method 10) interval for p2 - p1 at quantile z. */
void diff_interval(int k1, int n1, int k2, int n2, double z,
		   double *lo /* out */, double *hi /* out */);
/* Rate k/n, 0 when n == 0. */
double rate(int k, int n);

#endif
