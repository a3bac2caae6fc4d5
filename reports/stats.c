/*
 * stats.c - Wilson intervals, two-proportion z test, Newcombe difference
 * interval (see stats.h).  References: Wilson (1927); Newcombe, Statistics
 * in Medicine 17 (1998) 873-890, method 10.
 */
#include "stats.h"

#include <math.h>

double rate(int k, int n)
{
	return n > 0 ? (double)k / n : 0.0;
}

void wilson(int k, int n, double z, double *lo, double *hi)
{
	double p, z2, den, mid, half;

	if (n <= 0) {
		*lo = 0.0;
		*hi = 1.0;
		return;
	}
	p = (double)k / n;
	z2 = z * z;
	den = 1.0 + z2 / n;
	mid = (p + z2 / (2.0 * n)) / den;
	half = z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / den;
	*lo = fmax(0.0, mid - half);
	*hi = fmin(1.0, mid + half);
	if (k == 0)
		*lo = 0.0;
	if (k == n)
		*hi = 1.0;
}

double two_prop_p(int k1, int n1, int k2, int n2)
{
	double p1, p2, p, se, z;

	if (n1 <= 0 || n2 <= 0)
		return 1.0;
	p1 = (double)k1 / n1;
	p2 = (double)k2 / n2;
	p = (double)(k1 + k2) / (n1 + n2);
	se = sqrt(p * (1.0 - p) * (1.0 / n1 + 1.0 / n2));
	if (se == 0.0)
		return 1.0;
	z = (p2 - p1) / se;
	return erfc(fabs(z) / sqrt(2.0));
}

void diff_interval(int k1, int n1, int k2, int n2, double z, double *lo, double *hi)
{
	double p1 = rate(k1, n1), p2 = rate(k2, n2), l1, u1, l2, u2, d = p2 - p1;

	wilson(k1, n1, z, &l1, &u1);
	wilson(k2, n2, z, &l2, &u2);
	*lo = d - sqrt((p2 - l2) * (p2 - l2) + (u1 - p1) * (u1 - p1));
	*hi = d + sqrt((u2 - p2) * (u2 - p2) + (p1 - l1) * (p1 - l1));
}
