// SPDX-License-Identifier: GPL-2.0
/*
 * swifi.c - SWIFI runtime shim of the nooks lab: data faults in a live
 * extension (bit flips in its .data/.bss at a moment the trial chooses).
 *
 * Write "MODULE ADDR LEN SEED COUNT" to /sys/module/swifi/parameters/flip:
 * COUNT bits of [ADDR, ADDR+LEN) are flipped, chosen by splitmix64(SEED)
 * exactly as the host injector draws (injector/prng.h), so the same request
 * flips the same offsets.  ADDR comes from /sys/module/MODULE/sections/.data
 * (or .bss), LEN from the section size in the .ko.  The range must lie in
 * the writable part of MODULE's core image (tracked through the module
 * notifier, so MODULE must load after swifi); anything else is -EINVAL.
 * Each flip is logged as "swifi: flip MODULE +OFF bit B: OLD -> NEW".
 *
 * Owns: the list of live modules seen by its notifier.  Never writes outside
 * a tracked module's RW core range.  Runtime faults (alloc/free/leak/bcopy
 * wrappers bound via modbind) are not here yet: see docs/FAULTS.md.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>

#define SWIFI_MAX_MODS 16

static struct module *tracked[SWIFI_MAX_MODS];
static DEFINE_MUTEX(swifi_lock);

static int swifi_module_event(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;
	int i;

	mutex_lock(&swifi_lock);
	for (i = 0; i < SWIFI_MAX_MODS; i++) {
		if (state == MODULE_STATE_COMING && !tracked[i]) {
			tracked[i] = mod;
			break;
		}
		if (state == MODULE_STATE_GOING && tracked[i] == mod)
			tracked[i] = NULL;
	}
	mutex_unlock(&swifi_lock);
	return NOTIFY_DONE;
}

static struct notifier_block swifi_nb = { .notifier_call = swifi_module_event };

static u64 splitmix64(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) by rejection, as prng_below() on the host. */
static u64 below(u64 *s, u64 n)
{
	u64 lim = -n % n, x;

	do
		x = splitmix64(s);
	while (x < lim);
	return x % n;
}

static struct module *find_tracked(const char *name)
{
	int i;

	for (i = 0; i < SWIFI_MAX_MODS; i++)
		if (tracked[i] && !strcmp(tracked[i]->name, name) &&
		    tracked[i]->state == MODULE_STATE_LIVE)
			return tracked[i];
	return NULL;
}

static int do_flip(const char *name, unsigned long addr, unsigned long len, u64 seed,
		   unsigned int count)
{
	struct module *mod;
	unsigned long rw_start, rw_end;
	unsigned int i;

	mod = find_tracked(name);
	if (!mod) {
		pr_warn("swifi: module %s not live or loaded before swifi\n", name);
		return -ENOENT;
	}
	rw_start = (unsigned long)mod->core_layout.base + mod->core_layout.ro_after_init_size;
	rw_end = (unsigned long)mod->core_layout.base + mod->core_layout.size;
	if (!len || addr < rw_start || addr + len > rw_end || addr + len < addr) {
		pr_warn("swifi: range %#lx+%#lx outside %s's writable image %#lx-%#lx\n",
			addr, len, name, rw_start, rw_end);
		return -EINVAL;
	}
	for (i = 0; i < count; i++) {
		u64 bit = below(&seed, (u64)len * 8);
		u8 *p = (u8 *)addr + bit / 8;
		u8 old = READ_ONCE(*p);

		WRITE_ONCE(*p, old ^ (u8)(1u << (bit % 8)));
		pr_info("swifi: flip %s +%#llx bit %llu: %02x -> %02x\n", name, bit / 8,
			bit % 8, old, old ^ (u8)(1u << (bit % 8)));
	}
	return 0;
}

static int flip_set(const char *val, const struct kernel_param *kp)
{
	char name[MODULE_NAME_LEN];
	unsigned long addr, len;
	unsigned long long seed;
	unsigned int count;
	int r;

	if (sscanf(val, "%55s %lx %li %lli %u", name, &addr, &len, &seed, &count) != 5 ||
	    count == 0 || count > 4096)
		return -EINVAL;
	mutex_lock(&swifi_lock);
	r = do_flip(name, addr, len, seed, count);
	mutex_unlock(&swifi_lock);
	return r;
}

static const struct kernel_param_ops flip_ops = { .set = flip_set };
module_param_cb(flip, &flip_ops, NULL, 0200);
MODULE_PARM_DESC(flip, "MODULE ADDR LEN SEED COUNT: flip COUNT bits in [ADDR, ADDR+LEN)");

static int __init swifi_init(void)
{
	return register_module_notifier(&swifi_nb);
}

static void __exit swifi_exit(void)
{
	unregister_module_notifier(&swifi_nb);
}

module_init(swifi_init);
module_exit(swifi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks SWIFI runtime shim: data faults in live extensions");
