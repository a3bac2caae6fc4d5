// SPDX-License-Identifier: GPL-2.0
/*
 * selftest_main.c - trigger interface of the nooks self-test extension.
 *
 * Write "KIND[@CONTEXT]" to /sys/module/nooks_selftest/parameters/fault
 * (or pass fault=KIND@CONTEXT at load time) to perform one bug from the
 * catalogue in selftest_faults.c.  CONTEXT is one of:
 *   process  (default) in the writer's process, synchronously
 *   softirq  from a timer_list callback
 *   hardirq  from an hrtimer in hard interrupt context
 *   kthread  from a kernel thread
 *   work     from a work item on the system workqueue (kworker)
 *   rcu      from an RCU callback (call_rcu: a function argument)
 *   alarm    from an alarm timer's function (alarm_init: a function
 *            argument returning an enum), in hard interrupt context
 *   proc     armed: the next read of /proc/nooks_selftest (a const
 *            proc_ops table handed to proc_create)
 *   notifier armed: the next NETDEV_CHANGEMTU event (a static
 *            notifier_block handed to register_netdevice_notifier)
 * The last three are callbacks the NIM shadows from the kernel's BTF, with
 * no wrapper written for them (nooks_closure.c).  A proc or notifier
 * trigger returns at once; the fault happens when user space reads the
 * file or changes an MTU.
 * The module prints "nooks_selftest: fault KIND@CONTEXT" before the bug and
 * "nooks_selftest: survived KIND@CONTEXT" if execution comes back.
 *
 * A livelock needs no trigger: reading /proc/nooks_selftest_spin never
 * ends, because every record its seq_operations (a const table the NIM
 * copies, from BTF) produce is empty and seq_read() asks for the next one
 * again and again, without rescheduling: the kernel loops on what the
 * extension returns (no single call into it lasts).
 */
#include <linux/alarmtimer.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include "selftest.h"

static const struct selftest_fault *pending;
static struct timer_list selftest_timer;
static struct hrtimer selftest_hrtimer;
static struct alarm selftest_alarm;
static struct work_struct selftest_work;
static DECLARE_COMPLETION(selftest_done);
static struct rcu_head selftest_rcu;
static const struct selftest_fault *armed_proc, *armed_notifier;
static struct proc_dir_entry *selftest_proc, *selftest_spin;

/* /proc/nooks_selftest_spin: an endless sequence of empty records */
static void *spin_start(struct seq_file *m, loff_t *pos)
{
	return SEQ_START_TOKEN;
}

static void *spin_next(struct seq_file *m, void *v, loff_t *pos)
{
	return v;	/* the position is seq_file's: left alone */
}

static int spin_show(struct seq_file *m, void *v)
{
	return 0;	/* an empty record: seq_read() asks for the next */
}

static void spin_stop(struct seq_file *m, void *v)
{
}

static const struct seq_operations spin_seq_ops = {
	.start = spin_start,
	.next = spin_next,
	.show = spin_show,
	.stop = spin_stop,
};

static void run_fault(const struct selftest_fault *f, const char *ctx)
{
	pr_info("nooks_selftest: fault %s@%s (%s)\n", f->name, ctx, f->what);
	f->fn();
	pr_info("nooks_selftest: survived %s@%s\n", f->name, ctx);
}

static void selftest_timer_fn(struct timer_list *t)
{
	run_fault(pending, "softirq");
	complete(&selftest_done);
}

static enum hrtimer_restart selftest_hrtimer_fn(struct hrtimer *t)
{
	run_fault(pending, "hardirq");
	complete(&selftest_done);
	return HRTIMER_NORESTART;
}

/*
 * An alarm's function returns an enum; alarm_init() has no hand-written
 * wrapper, so the NIM calls it through a closure (BTF): a fault must
 * return ALARMTIMER_NORESTART (0), not an errno the alarm code would
 * take for ALARMTIMER_RESTART (re-armed at the same expiry, for good).
 */
static enum alarmtimer_restart selftest_alarm_fn(struct alarm *a, ktime_t now)
{
	run_fault(pending, "alarm");
	complete(&selftest_done);
	return ALARMTIMER_NORESTART;
}

static void selftest_work_fn(struct work_struct *w)
{
	run_fault(pending, "work");
	complete(&selftest_done);
}

static void selftest_rcu_fn(struct rcu_head *h)
{
	run_fault(pending, "rcu");
	complete(&selftest_done);
}

static ssize_t selftest_proc_read(struct file *file, char __user *buf,
				  size_t len, loff_t *pos)
{
	static const char ok[] = "ok\n";
	const struct selftest_fault *f = xchg(&armed_proc, NULL);

	if (f)
		run_fault(f, "proc");
	return simple_read_from_buffer(buf, len, pos, ok, sizeof(ok) - 1);
}

static const struct proc_ops selftest_proc_ops = {
	.proc_read = selftest_proc_read,
};

static int selftest_netdev_event(struct notifier_block *nb, unsigned long event,
				 void *ptr)
{
	const struct selftest_fault *f;

	if (event == NETDEV_CHANGEMTU && (f = xchg(&armed_notifier, NULL)))
		run_fault(f, "notifier");
	return NOTIFY_DONE;
}

static struct notifier_block selftest_nb = {
	.notifier_call = selftest_netdev_event,
};

static int selftest_kthread_fn(void *data)
{
	run_fault(pending, "kthread");
	complete(&selftest_done);
	return 0;
}

static const struct selftest_fault *find_fault(const char *name, size_t len)
{
	int i;

	for (i = 0; i < selftest_nr_faults; i++)
		if (strlen(selftest_faults[i].name) == len &&
		    !strncmp(selftest_faults[i].name, name, len))
			return &selftest_faults[i];
	return NULL;
}

static int trigger(const char *val)
{
	size_t len = strcspn(val, "@\n");
	const char *ctx = val[len] == '@' ? val + len + 1 : "process";
	const struct selftest_fault *f = find_fault(val, len);
	struct task_struct *t;

	if (!f) {
		pr_err("nooks_selftest: unknown fault '%.*s'\n", (int)len, val);
		return -EINVAL;
	}
	pending = f;
	reinit_completion(&selftest_done);
	if (sysfs_streq(ctx, "process")) {
		run_fault(f, "process");
		return 0;
	}
	if (sysfs_streq(ctx, "softirq")) {
		mod_timer(&selftest_timer, jiffies + 1);
	} else if (sysfs_streq(ctx, "hardirq")) {
		hrtimer_start(&selftest_hrtimer, ms_to_ktime(1),
			      HRTIMER_MODE_REL_HARD);
	} else if (sysfs_streq(ctx, "work")) {
		schedule_work(&selftest_work);
	} else if (sysfs_streq(ctx, "alarm")) {
		alarm_start_relative(&selftest_alarm, ms_to_ktime(1));
	} else if (sysfs_streq(ctx, "rcu")) {
		call_rcu(&selftest_rcu, selftest_rcu_fn);
	} else if (sysfs_streq(ctx, "proc")) {
		WRITE_ONCE(armed_proc, f);
		return 0;
	} else if (sysfs_streq(ctx, "notifier")) {
		WRITE_ONCE(armed_notifier, f);
		return 0;
	} else if (sysfs_streq(ctx, "kthread")) {
		t = kthread_run(selftest_kthread_fn, NULL, "nooks_selftest");
		if (IS_ERR(t))
			return PTR_ERR(t);
	} else {
		pr_err("nooks_selftest: unknown context '%s'\n", ctx);
		return -EINVAL;
	}
	if (!wait_for_completion_timeout(&selftest_done, 10 * HZ))
		return -ETIMEDOUT;
	return 0;
}

static int fault_set(const char *val, const struct kernel_param *kp)
{
	return trigger(val);
}

static const struct kernel_param_ops fault_ops = {
	.set = fault_set,
};
static char *fault_at_load;
module_param_cb(fault, &fault_ops, NULL, 0200);
MODULE_PARM_DESC(fault, "perform one bug: KIND[@process|softirq|hardirq|kthread|work|rcu|alarm|proc|notifier]");
module_param_named(fault_at_load, fault_at_load, charp, 0);
MODULE_PARM_DESC(fault_at_load, "perform one bug during module init");

static int __init selftest_init(void)
{
	int err;

	selftest_proc = proc_create("nooks_selftest", 0444, NULL, &selftest_proc_ops);
	if (!selftest_proc)
		return -ENOMEM;
	selftest_spin = proc_create_seq("nooks_selftest_spin", 0444, NULL, &spin_seq_ops);
	if (!selftest_spin) {
		err = -ENOMEM;
		goto err_spin;
	}
	err = register_netdevice_notifier(&selftest_nb);
	if (err)
		goto err_nb;
	timer_setup(&selftest_timer, selftest_timer_fn, 0);
	hrtimer_init(&selftest_hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	selftest_hrtimer.function = selftest_hrtimer_fn;
	INIT_WORK(&selftest_work, selftest_work_fn);
	alarm_init(&selftest_alarm, ALARM_BOOTTIME, selftest_alarm_fn);
	pr_info("nooks_selftest: loaded, %d fault kinds\n", selftest_nr_faults);
	if (fault_at_load) {
		err = trigger(fault_at_load);
		if (err)
			goto err_trigger;
	}
	return 0;

err_trigger:
	unregister_netdevice_notifier(&selftest_nb);
err_nb:
	proc_remove(selftest_spin);
err_spin:
	proc_remove(selftest_proc);
	return err;
}

static void __exit selftest_exit(void)
{
	del_timer_sync(&selftest_timer);
	hrtimer_cancel(&selftest_hrtimer);
	alarm_cancel(&selftest_alarm);
	cancel_work_sync(&selftest_work);
	unregister_netdevice_notifier(&selftest_nb);
	proc_remove(selftest_spin);
	proc_remove(selftest_proc);
	rcu_barrier();		/* no RCU callback left into this module */
	selftest_faults_exit();
}

module_init(selftest_init);
module_exit(selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks self-test extension: faults on command");

/* Target of the XPC microbenchmark (nooks.ko bench_xpc): does nothing. */
noinline long nooks_bench_null(void)
{
	return 0;
}
