// SPDX-License-Identifier: GPL-2.0
/*
 * swifi_rt.c - runtime faults of the SWIFI shim: exported pass-through
 * wrappers swifi_w_<sym> for the allocators, free functions and copies of
 * injector/rtfault_syms.h.  `nooks inject --fault alloc|free|leak|bcopy`
 * rebinds the faulty module's import of <sym> to swifi_w_<sym> (modbind);
 * each wrapper counts its calls and asks rtfault.h's rt_decide() whether
 * this call is the armed Nth one.
 *
 * Parameters: arm=TYPE:SYM:N:SEED[,...] (0644; at load or later through
 * sysfs; writing resets the call counters, "none" disarms), calls (0444:
 * "SYM COUNT" for every wrapper called since arming), fired (0444).
 * Events on the console: "swifi: event=armed ...", "swifi: event=fired
 * type=T sym=S call=N" when a fault is injected, and at power-off/reboot
 * (reboot notifier, before devices shut down) one "swifi: event=calls
 * sym=S count=N" per wrapper called since arming, then "swifi:
 * event=calls_done fired=F": the call profile of the run (with no arm, a
 * count-only run: `nooks campaign run` profiles an extension this way).
 *
 * Owns the arms and the call counters.  A wrapper must stay a pure
 * pass-through except at the one armed call; never sleeps itself.
 */
#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/parser.h>
#include <linux/rcupdate.h>
#include <linux/reboot.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "rtfault.h"

enum swifi_id {
#define RT_ALLOC(sym, ...) SWID_##sym,
#define RT_FREE(sym, ...) SWID_##sym,
#define RT_COPY(sym, ...) SWID_##sym,
#include "rtfault_syms.h"
#undef RT_ALLOC
#undef RT_FREE
#undef RT_COPY
	SWID_COUNT
};

struct swifi_sym {
	const char *name;
	enum rt_class cls;
	atomic_t calls;
};

static struct swifi_sym swifi_syms[SWID_COUNT] = {
#define RT_ALLOC(sym, ...) [SWID_##sym] = { #sym, RTC_ALLOC },
#define RT_FREE(sym, ...) [SWID_##sym] = { #sym, RTC_FREE },
#define RT_COPY(sym, ...) [SWID_##sym] = { #sym, RTC_COPY },
#include "rtfault_syms.h"
#undef RT_ALLOC
#undef RT_FREE
#undef RT_COPY
};

static struct rt_arm swifi_arms[RT_MAX_ARMS];
static int swifi_narms;
static atomic_t swifi_fired = ATOMIC_INIT(0);
static DEFINE_MUTEX(swifi_arm_lock);

/* Count one call of wrapper id; the action of the armed fault it hits, if any. */
static enum rt_action swifi_hit(int id, u64 *seed)
{
	struct swifi_sym *s = &swifi_syms[id];
	u32 call = (u32)atomic_inc_return(&s->calls);
	enum rt_action act = RT_PASS;
	int i, n;

	rcu_read_lock();
	n = smp_load_acquire(&swifi_narms);
	for (i = 0; i < n && act == RT_PASS; i++) {
		const struct rt_arm *a = &swifi_arms[i];

		act = rt_decide(a, s->name, call);
		if (act == RT_PASS)
			continue;
		*seed = a->seed;
		atomic_inc(&swifi_fired);
		if (a->type == RT_BCOPY)
			pr_info("swifi: event=fired type=%s sym=%s call=%u delta=%llu\n",
				rt_type_names[a->type], s->name, call,
				(unsigned long long)rt_bcopy_delta(a->seed));
		else
			pr_info("swifi: event=fired type=%s sym=%s call=%u\n",
				rt_type_names[a->type], s->name, call);
	}
	rcu_read_unlock();
	return act;
}

/*
 * The wrappers are exported GPL-only: besides the rebound (GPL) modules
 * that link to them, nooks.ko's twins resolve them with __symbol_get(),
 * which 6.1 refuses for a non-GPL export.
 */
#define RT_ALLOC(sym, ret_t, params, args, free_stmt)			\
ret_t swifi_w_##sym params;						\
ret_t swifi_w_##sym params						\
{									\
	u64 seed = 0;							\
	enum rt_action act = swifi_hit(SWID_##sym, &seed);		\
	ret_t ret;							\
									\
	if (act == RT_FAIL_ALLOC)					\
		return NULL;						\
	ret = sym args;							\
	if (act == RT_FREE_EARLY && ret)				\
		free_stmt;						\
	return ret;							\
}									\
EXPORT_SYMBOL_GPL(swifi_w_##sym);

#define RT_FREE(sym, params, args)					\
void swifi_w_##sym params;						\
void swifi_w_##sym params						\
{									\
	u64 seed = 0;							\
									\
	if (swifi_hit(SWID_##sym, &seed) == RT_SKIP_FREE)		\
		return;							\
	sym args;							\
}									\
EXPORT_SYMBOL_GPL(swifi_w_##sym);

#define RT_COPY(sym, ret_t, params, args, len)				\
ret_t swifi_w_##sym params;						\
ret_t swifi_w_##sym params						\
{									\
	u64 seed = 0;							\
									\
	if (swifi_hit(SWID_##sym, &seed) == RT_OVERRUN)			\
		len += rt_bcopy_delta(seed);				\
	return sym args;						\
}									\
EXPORT_SYMBOL_GPL(swifi_w_##sym);

#include "rtfault_syms.h"
#undef RT_ALLOC
#undef RT_FREE
#undef RT_COPY

static int swifi_sym_class(const char *name)
{
	int i;

	for (i = 0; i < SWID_COUNT; i++)
		if (!strcmp(swifi_syms[i].name, name))
			return swifi_syms[i].cls;
	return -1;
}

static int arm_set(const char *val, const struct kernel_param *kp)
{
	struct rt_arm arms[RT_MAX_ARMS];
	int n = rt_arms_parse(val, arms, RT_MAX_ARMS), i;

	if (n < 0) {
		pr_warn("swifi: bad arm '%s' (expected TYPE:SYM:N:SEED[,...] or none)\n", val);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if (swifi_sym_class(arms[i].sym) != (int)rt_type_class(arms[i].type)) {
			pr_warn("swifi: no %s wrapper for '%s'\n", rt_type_names[arms[i].type],
				arms[i].sym);
			return -EINVAL;
		}
	mutex_lock(&swifi_arm_lock);
	smp_store_release(&swifi_narms, 0);
	synchronize_rcu();	/* no wrapper still reads the old arms */
	memcpy(swifi_arms, arms, sizeof(arms));
	for (i = 0; i < SWID_COUNT; i++)
		atomic_set(&swifi_syms[i].calls, 0);
	atomic_set(&swifi_fired, 0);
	smp_store_release(&swifi_narms, n);
	mutex_unlock(&swifi_arm_lock);
	for (i = 0; i < n; i++)
		pr_info("swifi: event=armed type=%s sym=%s nth=%u seed=%#llx\n",
			rt_type_names[arms[i].type], arms[i].sym, arms[i].nth,
			(unsigned long long)arms[i].seed);
	return 0;
}

static int arm_get(char *buf, const struct kernel_param *kp)
{
	int i, len = 0, n = READ_ONCE(swifi_narms);

	for (i = 0; i < n; i++)
		len += scnprintf(buf + len, PAGE_SIZE - len, "%s%s:%s:%u:%#llx", i ? "," : "",
				 rt_type_names[swifi_arms[i].type], swifi_arms[i].sym,
				 swifi_arms[i].nth, (unsigned long long)swifi_arms[i].seed);
	len += scnprintf(buf + len, PAGE_SIZE - len, "%s\n", n ? "" : "none");
	return len;
}

static const struct kernel_param_ops arm_ops = { .set = arm_set, .get = arm_get };
module_param_cb(arm, &arm_ops, NULL, 0644);
MODULE_PARM_DESC(arm, "TYPE:SYM:N:SEED[,...]: inject TYPE (alloc|free|leak|bcopy) at call N of SYM");

static int calls_get(char *buf, const struct kernel_param *kp)
{
	int i, len = 0;

	for (i = 0; i < SWID_COUNT; i++) {
		int c = atomic_read(&swifi_syms[i].calls);

		if (c)
			len += scnprintf(buf + len, PAGE_SIZE - len, "%s %d\n", swifi_syms[i].name, c);
	}
	return len;
}

static const struct kernel_param_ops calls_ops = { .get = calls_get };
module_param_cb(calls, &calls_ops, NULL, 0444);
MODULE_PARM_DESC(calls, "calls of each wrapper since arming (read only)");

static int fired_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%d\n", atomic_read(&swifi_fired));
}

static const struct kernel_param_ops fired_ops = { .get = fired_get };
module_param_cb(fired, &fired_ops, NULL, 0444);
MODULE_PARM_DESC(fired, "faults injected since arming (read only)");

/* At power-off: the calls of every wrapper since arming, then the end mark. */
static int swifi_reboot(struct notifier_block *nb, unsigned long action, void *data)
{
	int i;

	for (i = 0; i < SWID_COUNT; i++) {
		int c = atomic_read(&swifi_syms[i].calls);

		if (c)
			pr_info("swifi: event=calls sym=%s count=%d\n", swifi_syms[i].name, c);
	}
	pr_info("swifi: event=calls_done fired=%d\n", atomic_read(&swifi_fired));
	return NOTIFY_DONE;
}

static struct notifier_block swifi_reboot_nb = { .notifier_call = swifi_reboot };

int swifi_rt_init(void)
{
	return register_reboot_notifier(&swifi_reboot_nb);
}

void swifi_rt_exit(void)
{
	unregister_reboot_notifier(&swifi_reboot_nb);
}
