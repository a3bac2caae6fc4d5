// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_pd_bench.c - XPC cost microbenchmark (stage 2).
 *
 * `echo N > /sys/module/nooks/parameters/bench_xpc` makes N null XPC round
 * trips into the isolated extension that defines nooks_bench_null() (the
 * selftest does), with whatever isolation its domain has (domains=0: stage
 * 1 frames only; domains=1: private stack, CR3, IDT and CR4.PGE switch),
 * and N plain indirect calls of the same function for reference.  Reading
 * the parameter gives the last result; it is also logged as
 * "nooks: bench".  Must never: run while the domain is not running.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/timex.h>
#include "nooks.h"
#include "nooks_pd.h"

static char bench_result[160] = "none\n";

static int bench_set(const char *val, const struct kernel_param *kp)
{
	unsigned long fn = nooks_lookup("nooks_bench_null");
	struct nooks_domain *d = fn ? nooks_domain_by_ip(fn) : NULL;
	unsigned long n, i, flags;
	long (*direct)(void) = (void *)fn;
	cycles_t t0, t1, t2;
	long sum = 0;
	int err = kstrtoul(val, 0, &n);

	if (err || !n || n > 10000000)
		return -EINVAL;
	if (!d || READ_ONCE(d->state) != NOOKS_RUNNING)
		return -ENODEV;
	local_irq_save(flags);
	t0 = get_cycles();
	for (i = 0; i < n; i++)
		sum += direct();
	t1 = get_cycles();
	for (i = 0; i < n; i++)
		sum += nooks_xpc(d, (void *)fn, 0, 0, 0, 0);
	t2 = get_cycles();
	local_irq_restore(flags);
	snprintf(bench_result, sizeof(bench_result),
		 "xpcs=%lu domain=%d direct_cycles=%llu xpc_cycles=%llu sum=%ld\n",
		 n, nooks_pd_frame_cr3(d) ? 1 : 0,
		 (unsigned long long)(t1 - t0) / n,
		 (unsigned long long)(t2 - t1) / n, sum);
	pr_info("nooks: bench %s", bench_result);
	return 0;
}

static int bench_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s", bench_result);
}

static const struct kernel_param_ops bench_ops = {
	.set = bench_set,
	.get = bench_get,
};
module_param_cb(bench_xpc, &bench_ops, NULL, 0644);
MODULE_PARM_DESC(bench_xpc, "N: time N null XPC round trips into the extension defining nooks_bench_null()");
