// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_domain.c - protection domains: one per isolated module, their life
 * cycle, and automatic recovery.
 *
 * A module is isolated when it was bound to NIM wrappers by `nooks isolate`
 * (it uses symbols of nooks.ko).  The module notifier gives it a domain at
 * MODULE_STATE_COMING, before its init runs, and replaces mod->init and
 * mod->exit with per-slot shadows that XPC into the originals.
 *
 * State machine (d->state, changed under d->lock):
 *
 *   UNUSED --nooks_domain_attach()--> RUNNING
 *   RUNNING --nooks_domain_fault()--> FAILED      (first fault wins)
 *   RUNNING --nooks_domain_fault() during the first init--> DEAD
 *   FAILED --nooks_recover()--> RECOVERING
 *   RECOVERING --nooks_recover(): init returned 0--> RUNNING
 *   RECOVERING --nooks_recover(): threads stuck / init failed--> DEAD
 *   any --nooks_domain_detach() (MODULE_STATE_GOING)--> UNUSED
 *
 * Invariants (checked by assert_domain_state()):
 *   1. Only RUNNING admits XPCs; RECOVERING admits only d->recoverer
 *      (re-running init).  FAILED and DEAD fail every call fast.
 *   2. d->recoverer != NULL implies RECOVERING; it is set only while init
 *      re-runs, so the kernel calls that release objects (unregister_netdev
 *      calling ndo_stop, pci_unregister_driver calling remove) fail fast
 *      instead of entering the broken extension.
 *   3. Objects are released only with d->active == 0 (no thread inside).
 *   4. The pristine data and text copies exist from attach to detach, and
 *      module data and text are restored from them only in RECOVERING,
 *      after 3 (text: nooks_text.c).
 *   5. At most one recovery work item per domain is queued or running.
 *   6. mod->init/mod->exit point to slot shadows while the slot is used.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "nooks.h"
#include "nooks_pd.h"
#include "nooks_closure.h"

struct nooks_domain nooks_domains[NOOKS_MAX_DOMAINS];
static struct workqueue_struct *nooks_wq;

const char *const nooks_fault_names[NOOKS_F_NR] = {
	[NOOKS_F_PAGE] = "page_fault",
	[NOOKS_F_GPF] = "gpf",
	[NOOKS_F_TRAP] = "trap",
	[NOOKS_F_BUG] = "bug",
	[NOOKS_F_STACKPROT] = "stack_protector",
	[NOOKS_F_PANIC] = "panic",
	[NOOKS_F_FORTIFY] = "fortify",
	[NOOKS_F_CHECK] = "wrapper_check",
	[NOOKS_F_LEAK_LOCK] = "leaked_lock",
	[NOOKS_F_LOCK_UNDERFLOW] = "lock_underflow",
	[NOOKS_F_IRQ_OFF] = "irq_off",
	[NOOKS_F_IRQ_ON] = "irq_on",
	[NOOKS_F_RCU_LEAK] = "rcu_leak",
	[NOOKS_F_DEADLOCK] = "deadlock",
	[NOOKS_F_STACK] = "stack_overflow",
	[NOOKS_F_REQUESTED] = "requested",
	[NOOKS_F_HANG] = "hang",
	[NOOKS_F_DOUBLE_FAULT] = "double_fault",
};

static const char *const state_names[] = {
	[NOOKS_UNUSED] = "unused",
	[NOOKS_RUNNING] = "running",
	[NOOKS_FAILED] = "failed",
	[NOOKS_RECOVERING] = "recovering",
	[NOOKS_DEAD] = "dead",
};

const char *nooks_state_name(enum nooks_state s)
{
	return state_names[s];
}

static void assert_domain_state(struct nooks_domain *d)
{
	WARN_ON_ONCE(d->recoverer && d->state != NOOKS_RECOVERING);
	WARN_ON_ONCE(d->state != NOOKS_UNUSED && !d->pristine);
	WARN_ON_ONCE(d->state != NOOKS_UNUSED && d->init && !d->mod);
}

/**
 * nooks_domain_by_ip() - the domain whose code contains @ip
 * @ip: a code address
 *
 * Context: any; lock-free (slots change only at module load/unload, when
 * the module's code cannot be running).
 * Return: the domain or NULL.
 */
struct nooks_domain *nooks_domain_by_ip(unsigned long ip)
{
	int i;

	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		struct nooks_domain *d = &nooks_domains[i];

		if (ip >= d->text_start && ip < d->text_end)
			return d;
	}
	return NULL;
}

/**
 * nooks_runs_in() - does the callback @fn that domain @d hands the kernel
 * run in @d?
 * @d: the domain registering the callback
 * @fn: its code address
 *
 * Its own code does.  So does the code of a library module outside every
 * domain: library code runs under its caller's XPC (as mii.ko's calls back
 * into the driver do), so when a driver registers a library function as
 * its own callback (ne2k-pci: 8390.ko's ei_interrupt as its IRQ handler,
 * ei_start_xmit in its net_device_ops) the kernel enters it through an XPC
 * into the driver's domain, and a fault in it is the driver's.  Kernel
 * code (eth_validate_addr in an ops table) and nooks.ko never do.
 *
 * Context: any.
 */
bool nooks_runs_in(struct nooks_domain *d, unsigned long fn)
{
	struct nooks_domain *o = nooks_domain_by_ip(fn);

	return o ? o == d : nooks_library_text(fn);
}

const char *nooks_ctx_name(unsigned long ctx)
{
	if (ctx & NMI_MASK)
		return "nmi";
	if (ctx & HARDIRQ_MASK)
		return "hardirq";
	if (ctx & SOFTIRQ_OFFSET)
		return "softirq";
	return "process";
}

/**
 * nooks_domain_fault() - a fault was detected in domain @d
 * @d: the domain
 * @kind: detection mechanism
 * @ip: faulting instruction (or the wrapper's caller)
 *
 * Logs the structured event, marks the domain failed and queues recovery.
 * Context: any, including exception context.
 */
static bool domain_fault(struct nooks_domain *d, enum nooks_fault kind,
			 unsigned long ip, bool only_first)
{
	unsigned long flags, from = d->fault_from;
	bool first = false;

	spin_lock_irqsave(&d->lock, flags);
	if (only_first && d->state != NOOKS_RUNNING) {
		spin_unlock_irqrestore(&d->lock, flags);
		return false;
	}
	d->nr_faults++;
	nooks_total_faults++;
	if (d->state == NOOKS_RUNNING) {
		first = true;
		d->fault_kind = kind;
		d->fault_ip = ip;
		d->fault_ns = local_clock();
		d->state = d->first_init ? NOOKS_DEAD : NOOKS_FAILED;
		assert_domain_state(d);
	} else if (d->state == NOOKS_RECOVERING && d->recoverer) {
		/* a fault while init re-runs (e.g. in the re-probe): give up */
		d->state = NOOKS_DEAD;
		d->recoverer = NULL;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	d->fault_from = 0;
	if (from)
		pr_err("nooks: fault domain=%s kind=%s ip=%pS from=%pS ctx=%s state=%s\n",
		       d->name, nooks_fault_names[kind], (void *)ip, (void *)from,
		       nooks_ctx_name(nooks_ctx_bits()),
		       nooks_state_name(READ_ONCE(d->state)));
	else
		pr_err("nooks: fault domain=%s kind=%s ip=%pS ctx=%s state=%s\n",
		       d->name, nooks_fault_names[kind], (void *)ip,
		       nooks_ctx_name(nooks_ctx_bits()),
		       nooks_state_name(READ_ONCE(d->state)));
	if (first && READ_ONCE(d->state) == NOOKS_FAILED) {
		nooks_quiesce_all(d);
		queue_work(nooks_wq, &d->recover_work);
	}
	return true;
}

void nooks_domain_fault(struct nooks_domain *d, enum nooks_fault kind,
			unsigned long ip)
{
	domain_fault(d, kind, ip, false);
}

/**
 * nooks_domain_fault_first() - fault @d only if it is still running
 *
 * For detections that another thread's fault can cause (the other waiter
 * of a deadlock times out too): they are not counted twice.
 * Return: true if the fault was recorded.
 */
bool nooks_domain_fault_first(struct nooks_domain *d, enum nooks_fault kind,
			      unsigned long ip)
{
	return domain_fault(d, kind, ip, true);
}

/* Restore module data from the pristine copy, except struct module. */
static void restore_data(struct nooks_domain *d)
{
	char *start = d->data_start, *end = start + d->data_size;
	char *m = (char *)d->mod, *me = m + sizeof(*d->mod);

	if (m >= start && me <= end) {
		memcpy(start, d->pristine, m - start);
		memcpy(me, (char *)d->pristine + (me - start), end - me);
	} else {
		memcpy(start, d->pristine, d->data_size);
	}
}

static void set_state(struct nooks_domain *d, enum nooks_state s,
		      struct task_struct *recoverer)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	d->state = s;
	d->recoverer = recoverer;
	assert_domain_state(d);
	spin_unlock_irqrestore(&d->lock, flags);
}

/*
 * Bound of each recovery step.  Quiesce gives up at the bound
 * (threads_stuck: nothing is released while a thread may still run the
 * extension's code); the other steps run kernel code that cannot be
 * abandoned, so the watchdog reports a step past the bound
 * (nooks_recovery_check_stalls()) and recovery goes on waiting.
 */
static unsigned int recovery_ms = 20000;
module_param(recovery_ms, uint, 0644);
MODULE_PARM_DESC(recovery_ms, "bound of each recovery step (quiesce, stop/release, init)");

static void rec_step(struct nooks_domain *d, const char *step)
{
	WRITE_ONCE(d->rec_step_ns, ktime_get_mono_fast_ns());
	WRITE_ONCE(d->rec_stall_reported, false);
	WRITE_ONCE(d->rec_step, step);
}

/* Watchdog tick (one CPU): report a recovery step that overran its bound. */
void nooks_recovery_check_stalls(u64 now)
{
	u64 bound = (u64)READ_ONCE(recovery_ms) * NSEC_PER_MSEC;
	int i;

	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		struct nooks_domain *d = &nooks_domains[i];
		const char *step = READ_ONCE(d->rec_step);

		if (!step || !bound || READ_ONCE(d->rec_stall_reported) ||
		    now - READ_ONCE(d->rec_step_ns) < bound ||
		    !strcmp(step, "quiesce"))	/* bounded by itself */
			continue;
		WRITE_ONCE(d->rec_stall_reported, true);
		pr_err("nooks: recovery_failed domain=%s reason=step_timeout step=%s waited_ms=%llu\n",
		       d->name, step, (now - READ_ONCE(d->rec_step_ns)) / NSEC_PER_MSEC);
	}
}

static void nooks_recover(struct work_struct *w)
{
	struct nooks_domain *d = container_of(w, struct nooks_domain, recover_work);
	unsigned int waited, bound = READ_ONCE(recovery_ms) ?: UINT_MAX, unlocked;
	int ret;
	u64 t_idle, t_released;

	if (READ_ONCE(d->state) != NOOKS_FAILED)
		return;
	set_state(d, NOOKS_RECOVERING, NULL);
	rec_step(d, "quiesce");
	/* invariant 3: wait until every thread has left the domain (threads
	 * running its code are unwound by the watchdog at its next tick) */
	for (waited = 0; atomic_read(&d->active) && waited < bound; waited += 10) {
		nooks_quiesce_all(d);	/* again: a thread may have blocked since */
		wait_event_timeout(d->idle, !atomic_read(&d->active),
				   msecs_to_jiffies(10));
	}
	if (atomic_read(&d->active)) {
		set_state(d, NOOKS_DEAD, NULL);
		pr_err("nooks: recovery_failed domain=%s reason=threads_stuck step=quiesce active=%d\n",
		       d->name, atomic_read(&d->active));
		WRITE_ONCE(d->rec_step, NULL);
		return;
	}
	t_idle = local_clock();
	rec_step(d, "release");
	unlocked = nooks_sleeplocks_release_domain(d);	/* held across calls */
	if (unlocked)
		pr_info("nooks: detail domain=%s sleeplocks_unlocked=%u\n",
			d->name, unlocked);
	nooks_stop_all(d);
	nooks_release_all(d, true);
	nooks_ops_free_domain(d);
	nooks_closures_kill_domain(d);
	restore_data(d);
	ret = nooks_text_restore(d);
	if (ret)
		pr_info("nooks: detail domain=%s text_restored=%d\n", d->name, ret);
	t_released = local_clock();
	set_state(d, NOOKS_RECOVERING, current);
	rec_step(d, "init");
	ret = d->init ? nooks_xpc(d, d->init, 0, 0, 0, 0) : 0;
	WRITE_ONCE(d->rec_step, NULL);
	if (ret || READ_ONCE(d->state) != NOOKS_RECOVERING) {
		set_state(d, NOOKS_DEAD, NULL);
		nooks_stop_all(d);
		nooks_release_all(d, true);
		pr_err("nooks: recovery_failed domain=%s reason=init_failed step=init err=%d\n",
		       d->name, ret);
		return;
	}
	set_state(d, NOOKS_RUNNING, NULL);
	d->nr_recoveries++;
	nooks_total_recoveries++;
	/* latency = fault -> init done: quiesce (wait for threads to leave),
	 * release (stop, release objects, restore data), init (incl. probe) */
	pr_info("nooks: recovered domain=%s kind=%s ip=%pS latency_us=%llu quiesce_us=%llu release_us=%llu init_us=%llu recoveries=%lu\n",
		d->name, nooks_fault_names[d->fault_kind], (void *)d->fault_ip,
		(local_clock() - d->fault_ns) / 1000,
		(t_idle - d->fault_ns) / 1000, (t_released - t_idle) / 1000,
		(local_clock() - t_released) / 1000, d->nr_recoveries);
}

/* ---- per-slot init/exit shadows (no closures in C: one pair per slot) -- */

static int slot_init(int i)
{
	struct nooks_domain *d = &nooks_domains[i];
	long ret;

	d->first_init = true;
	ret = nooks_xpc(d, d->init, 0, 0, 0, 0);
	d->first_init = false;
	if (READ_ONCE(d->state) != NOOKS_RUNNING) {
		/* no pristine state to return to: the load fails, kernel lives */
		if (!ret)
			ret = -EFAULT;
		nooks_stop_all(d);
		nooks_release_all(d, true);
		pr_err("nooks: recovery_failed domain=%s reason=fault_in_first_init err=%ld\n",
		       d->name, ret);
	}
	return ret;
}

static void slot_exit(int i)
{
	struct nooks_domain *d = &nooks_domains[i];

	cancel_work_sync(&d->recover_work);
	if (READ_ONCE(d->state) == NOOKS_RUNNING && d->exit)
		nooks_xpc(d, d->exit, 0, 0, 0, 0);
	else {
		nooks_stop_all(d);		/* failed: undo in the kernel */
		nooks_release_all(d, true);
	}
}

#define SLOT(n)								\
	static int slot_init_##n(void) { return slot_init(n); }	\
	static void slot_exit_##n(void) { slot_exit(n); }
SLOT(0) SLOT(1) SLOT(2) SLOT(3) SLOT(4) SLOT(5) SLOT(6) SLOT(7)
static int (*const slot_inits[NOOKS_MAX_DOMAINS])(void) = {
	slot_init_0, slot_init_1, slot_init_2, slot_init_3,
	slot_init_4, slot_init_5, slot_init_6, slot_init_7,
};
static void (*const slot_exits[NOOKS_MAX_DOMAINS])(void) = {
	slot_exit_0, slot_exit_1, slot_exit_2, slot_exit_3,
	slot_exit_4, slot_exit_5, slot_exit_6, slot_exit_7,
};

static bool uses_nooks(struct module *mod)
{
	struct module_use *use;

	list_for_each_entry(use, &mod->target_list, target_list)
		if (use->target == THIS_MODULE)
			return true;
	return false;
}

static int nooks_domain_attach(struct module *mod)
{
	struct module_layout *l = &mod->core_layout;
	struct nooks_domain *d = NULL;
	int i, err;

	for (i = 0; i < NOOKS_MAX_DOMAINS && !d; i++)
		if (nooks_domains[i].state == NOOKS_UNUSED && !nooks_domains[i].mod)
			d = &nooks_domains[i];
	if (!d) {
		pr_err("nooks: no free domain for %s\n", mod->name);
		return -ENOSPC;
	}
	d->data_start = (char *)l->base + l->ro_after_init_size;
	d->data_size = l->size - l->ro_after_init_size;
	d->pristine = vmalloc(d->data_size);
	if (!d->pristine)
		return -ENOMEM;
	memcpy(d->pristine, d->data_start, d->data_size);
	err = nooks_text_attach(d, mod);
	if (err) {
		vfree(d->pristine);
		d->pristine = NULL;
		return err;
	}
	d->mod = mod;
	strscpy(d->name, mod->name, sizeof(d->name));
	atomic_set(&d->active, 0);
	d->nr_faults = d->nr_recoveries = d->nr_xpc = d->nr_checks = 0;
	d->init = mod->init;
	d->exit = mod->exit;
	err = nooks_shadow_params(d);
	if (!err)
		err = nooks_pd_create(d);	/* stage 2 (no-op unless domains=1) */
	if (err) {
		nooks_text_detach(d);
		vfree(d->pristine);
		d->pristine = NULL;
		d->mod = NULL;
		return err;
	}
	nooks_hide_bugs(d);
	if (d->init)
		mod->init = slot_inits[d->id];
	if (d->exit)
		mod->exit = slot_exits[d->id];
	set_state(d, NOOKS_RUNNING, NULL);
	/* last: from now on faults in this text are attributed */
	d->text_end = (unsigned long)l->base + l->text_size;
	WRITE_ONCE(d->text_start, (unsigned long)l->base);
	pr_info("nooks: attach domain=%s slot=%d text=%u data=%zu\n",
		d->name, d->id, l->text_size, d->data_size);
	return 0;
}

static void nooks_domain_detach(struct nooks_domain *d)
{
	cancel_work_sync(&d->recover_work);
	nooks_sleeplocks_release_domain(d);
	nooks_release_all(d, false);
	nooks_ops_free_domain(d);
	nooks_closures_release_domain(d);
	nooks_unhide_bugs(d);
	WRITE_ONCE(d->text_start, 0);
	d->text_end = 0;
	set_state(d, NOOKS_UNUSED, NULL);
	vfree(d->pristine);
	d->pristine = NULL;
	nooks_text_detach(d);
	kfree(d->param_ops);
	d->param_ops = NULL;
	nooks_pd_destroy(d);	/* stage 2 */
	pr_info("nooks: detach domain=%s faults=%lu recoveries=%lu\n",
		d->name, d->nr_faults, d->nr_recoveries);
	d->mod = NULL;
}

static struct nooks_domain *domain_of(struct module *mod)
{
	int i;

	for (i = 0; i < NOOKS_MAX_DOMAINS; i++)
		if (nooks_domains[i].mod == mod)
			return &nooks_domains[i];
	return NULL;
}

static int nooks_module_notify(struct notifier_block *nb, unsigned long val,
			       void *data)
{
	struct module *mod = data;
	struct nooks_domain *d;

	if (mod == THIS_MODULE)
		return NOTIFY_DONE;
	if (val == MODULE_STATE_COMING && uses_nooks(mod))
		return notifier_from_errno(nooks_domain_attach(mod));
	if (val == MODULE_STATE_GOING) {
		nooks_valid_forget();
		d = domain_of(mod);
		if (d)
			nooks_domain_detach(d);
	}
	return NOTIFY_DONE;
}

static struct notifier_block nooks_module_nb = {
	.notifier_call = nooks_module_notify,
};

int nooks_domain_init(void)
{
	int i;

	nooks_wq = alloc_workqueue("nooks_recover", WQ_UNBOUND, 0);
	if (!nooks_wq)
		return -ENOMEM;
	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		nooks_domains[i].id = i;
		spin_lock_init(&nooks_domains[i].lock);
		INIT_LIST_HEAD(&nooks_domains[i].objects);
		INIT_WORK(&nooks_domains[i].recover_work, nooks_recover);
		init_waitqueue_head(&nooks_domains[i].idle);
	}
	return register_module_notifier(&nooks_module_nb);
}

void nooks_domain_exit(void)
{
	unregister_module_notifier(&nooks_module_nb);
	destroy_workqueue(nooks_wq);
}
