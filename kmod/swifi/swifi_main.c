// SPDX-License-Identifier: GPL-2.0
/*
 * swifi_main.c - SWIFI shim of the nooks lab (module swifi.ko): data faults
 * in a live extension (bit flips in its .data/.bss at a moment the trial
 * chooses), module init/exit.  Runtime faults are in swifi_rt.c, transient
 * code faults (mutation bytes written into live text) in swifi_text.c,
 * written at the Nth call of a function by swifi_trigger.c.
 *
 * Write "MODULE ADDR LEN SEED COUNT" to /sys/module/swifi/parameters/flip:
 * COUNT bits of [ADDR, ADDR+LEN) are flipped, chosen by splitmix64(SEED)
 * with the host injector's own PRNG (injector/prng.h), so the same request
 * flips the same offsets.  ADDR comes from /sys/module/MODULE/sections/.data
 * (or .bss), LEN from the section size in the .ko.  The range must lie in
 * the writable part of MODULE's core image (tracked through the module
 * notifier, so MODULE must load after swifi); anything else is -EINVAL.
 * Each flip is logged as "swifi: flip MODULE +OFF bit B: OLD -> NEW".
 *
 * Owns: the list of live modules seen by its notifier.  Never writes outside
 * a tracked module's RW core range.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "prng.h"
#include "swifi.h"

int swifi_rt_init(void);		/* swifi_rt.c: the power-off call profile */
void swifi_rt_exit(void);

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
	if (state == MODULE_STATE_GOING) {
		swifi_trigger_module_going(mod);
		swifi_text_module_going(mod);
	}
	return NOTIFY_DONE;
}

static struct notifier_block swifi_nb = { .notifier_call = swifi_module_event };

static struct module *find_tracked(const char *name)
{
	int i;

	for (i = 0; i < SWIFI_MAX_MODS; i++)
		if (tracked[i] && !strcmp(tracked[i]->name, name) &&
		    tracked[i]->state == MODULE_STATE_LIVE)
			return tracked[i];
	return NULL;
}

struct module *swifi_get_live(const char *name)
{
	struct module *mod;

	mutex_lock(&swifi_lock);
	mod = find_tracked(name);
	if (mod && !try_module_get(mod))
		mod = NULL;
	mutex_unlock(&swifi_lock);
	return mod;
}

int swifi_call_locked(struct mutex *lock, const char *val, int (*fn)(char *buf))
{
	char *buf = kstrdup(val, GFP_KERNEL);
	int r;

	if (!buf)
		return -ENOMEM;
	mutex_lock(lock);
	r = fn(buf);
	mutex_unlock(lock);
	kfree(buf);
	return r;
}

static int do_flip(const char *name, unsigned long addr, unsigned long len, u64 seed,
		   unsigned int count)
{
	struct module *mod;
	unsigned long rw_start, rw_end;
	struct prng rng;
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
	prng_seed(&rng, seed);
	for (i = 0; i < count; i++) {
		u64 bit = prng_below(&rng, (u64)len * 8);
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
	int r = register_module_notifier(&swifi_nb);

	if (r)
		return r;
	r = swifi_rt_init();
	if (r)
		goto err_module_notifier;
	r = swifi_text_init();
	if (r)
		goto err_rt;
	r = swifi_trigger_init();
	if (r)
		goto err_text;
	return 0;
err_text:
	swifi_text_exit();
err_rt:
	swifi_rt_exit();
err_module_notifier:
	unregister_module_notifier(&swifi_nb);
	return r;
}

static void __exit swifi_exit(void)
{
	swifi_trigger_exit();
	swifi_text_exit();
	swifi_rt_exit();
	unregister_module_notifier(&swifi_nb);
}

module_init(swifi_init);
module_exit(swifi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks SWIFI shim: data and runtime faults in live extensions");
