// SPDX-License-Identifier: GPL-2.0
/*
 * swifi_trigger.c - the call trigger of a transient code fault: the live
 * patch of swifi_text.c written when a named function of the module has
 * been called N times.
 *
 * Write "MODULE FUNCTION N SITE [SITE...]" to
 * /sys/module/swifi/parameters/patch_at (SITE as for "patch").  The write
 * checks that MODULE is live, that FUNCTION is a function of MODULE's core
 * text (a kprobe on "MODULE:FUNCTION") and that the sites would be
 * accepted, and fails with the errno "patch" would give otherwise
 * (-ENOENT: no such module or function, -EBUSY: a trigger is pending).
 * The kprobe counts the calls; the Nth queues a work item that writes the
 * sites (stop_machine cannot run from the probe), so the calls that start
 * after the write run the mutant; the Nth call itself runs pristine code
 * unless it is still running when the write lands.  Events:
 *   swifi: event=trigger_armed module=M func=F n=N
 *   swifi: event=trigger_hit module=M func=F call=N
 * then swifi_text.c's code_armed/code_patched lines, or
 *   swifi: event=trigger_failed module=M func=F err=E
 * Read patch_at: "MODULE FUNCTION calls=C n=N armed|hit|done|failed|gone",
 * or nothing when no trigger was ever set.
 *
 * One trigger at a time; it ends (its kprobe removed) when the patch is
 * written or failed, when MODULE goes away (gone) and at swifi's exit.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include "swifi.h"

enum { TRIG_NONE, TRIG_ARMED, TRIG_HIT, TRIG_DONE, TRIG_FAILED, TRIG_GONE };
static const char *const trig_state_name[] = {
	"none", "armed", "hit", "done", "failed", "gone",
};

static struct swifi_trigger {
	struct kprobe kp;
	bool registered;
	struct work_struct work;
	struct module *mod;		/* compared only; cleared when it goes */
	char mod_name[MODULE_NAME_LEN];
	char sym[MODULE_NAME_LEN + KSYM_NAME_LEN + 1];	/* "MODULE:FUNCTION" */
	char *patch;			/* "MODULE SITE..." for swifi_text_patch */
	unsigned int n;
	atomic_t calls;
	int state;
} trig;

static DEFINE_MUTEX(trig_lock);		/* state, registration, patch */

static int trig_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (atomic_inc_return(&trig.calls) == trig.n)
		schedule_work(&trig.work);
	return 0;
}

/* With trig_lock held: the kprobe off (may sleep), the patch freed. */
static void trig_end(int state)
{
	if (trig.registered)
		unregister_kprobe(&trig.kp);
	trig.registered = false;
	kfree(trig.patch);
	trig.patch = NULL;
	trig.state = state;
}

static void trig_fire(struct work_struct *w)
{
	const char *func;
	int err;

	mutex_lock(&trig_lock);
	if (trig.state != TRIG_ARMED)
		goto out;	/* ended meanwhile */
	func = trig.sym + strlen(trig.mod_name) + 1;
	trig.state = TRIG_HIT;
	unregister_kprobe(&trig.kp);	/* first: a site may cover the probe */
	trig.registered = false;
	pr_info("swifi: event=trigger_hit module=%s func=%s call=%u\n", trig.mod_name, func,
		trig.n);
	err = swifi_text_patch(trig.patch);
	if (err)
		pr_warn("swifi: event=trigger_failed module=%s func=%s err=%d\n", trig.mod_name,
			func, err);
	trig_end(err ? TRIG_FAILED : TRIG_DONE);
out:
	mutex_unlock(&trig_lock);
}

static int arm(char *buf)
{
	char *name = strsep(&buf, " \t\n"), *func = strsep(&buf, " \t\n");
	char *count = strsep(&buf, " \t\n");
	struct module *mod;
	unsigned int n;
	int err;

	if (!name || !func || !count || !buf || !*name || !*func || kstrtouint(count, 0, &n) || !n)
		return -EINVAL;
	if (trig.state == TRIG_ARMED || trig.state == TRIG_HIT)
		return -EBUSY;
	mod = swifi_get_live(name);
	if (!mod) {
		pr_warn("swifi: patch_at: module %s not live or loaded before swifi\n", name);
		return -ENOENT;
	}
	err = swifi_text_check(mod, buf);
	if (err)
		goto out_put;
	memset(&trig.kp, 0, sizeof(trig.kp));
	snprintf(trig.sym, sizeof(trig.sym), "%s:%s", name, func);
	strscpy(trig.mod_name, name, sizeof(trig.mod_name));
	trig.kp.symbol_name = trig.sym;
	trig.kp.pre_handler = trig_pre;
	trig.patch = kasprintf(GFP_KERNEL, "%s %s", name, buf);
	err = trig.patch ? 0 : -ENOMEM;
	if (err)
		goto out_put;
	trig.mod = mod;
	trig.n = n;
	atomic_set(&trig.calls, 0);
	trig.state = TRIG_ARMED;	/* before the probe can fire */
	err = register_kprobe(&trig.kp);
	if (!err && !within_module_core((unsigned long)trig.kp.addr, mod)) {
		unregister_kprobe(&trig.kp);
		err = -ENOENT;
	}
	if (err) {
		pr_warn("swifi: patch_at: no function %s in %s's core text (%d)\n", func, name, err);
		err = -ENOENT;
		trig_end(TRIG_NONE);
		goto out_put;
	}
	trig.registered = true;
	pr_info("swifi: event=trigger_armed module=%s func=%s n=%u\n", name, func, n);
out_put:
	module_put(mod);
	return err;
}

static int patch_at_set(const char *val, const struct kernel_param *kp)
{
	return swifi_call_locked(&trig_lock, val, arm);
}

static int patch_at_get(char *buf, const struct kernel_param *kp)
{
	int n = 0;

	mutex_lock(&trig_lock);
	if (trig.state != TRIG_NONE)
		n = scnprintf(buf, PAGE_SIZE, "%s %s calls=%d n=%u %s\n", trig.mod_name,
			      trig.sym + strlen(trig.mod_name) + 1, atomic_read(&trig.calls),
			      trig.n, trig_state_name[trig.state]);
	mutex_unlock(&trig_lock);
	return n;
}

static const struct kernel_param_ops patch_at_ops = { .set = patch_at_set, .get = patch_at_get };
module_param_cb(patch_at, &patch_at_ops, NULL, 0600);
MODULE_PARM_DESC(patch_at, "MODULE FUNCTION N BASE+OFF:HEX...: patch at the Nth call of FUNCTION");

/* The trigger's module is going: its probe and patch go with it. */
void swifi_trigger_module_going(struct module *mod)
{
	cancel_work_sync(&trig.work);
	mutex_lock(&trig_lock);
	if (trig.mod == mod && (trig.state == TRIG_ARMED || trig.state == TRIG_HIT))
		trig_end(TRIG_GONE);
	if (trig.mod == mod)
		trig.mod = NULL;
	mutex_unlock(&trig_lock);
}

int swifi_trigger_init(void)
{
	INIT_WORK(&trig.work, trig_fire);
	return 0;
}

void swifi_trigger_exit(void)
{
	mutex_lock(&trig_lock);
	if (trig.registered)
		trig_end(TRIG_GONE);
	mutex_unlock(&trig_lock);
	cancel_work_sync(&trig.work);
}
