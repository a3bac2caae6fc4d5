// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_watchdog.c - hangs inside an extension: a CPU that stays in one
 * XPC, running, longer than the bound is unwound like a fault (kind=hang).
 *
 * Every online CPU (also one brought online later: a CPU hotplug state)
 * runs a pinned hard-IRQ hrtimer (the tick) every
 * hang_ms / 4.  The tick looks at the context it interrupted (get_irq_regs(),
 * or in stage 2 the domain context the private IDT saved): if that context
 * runs below a live XPC frame, the tick remembers the XPC (frame, its
 * sequence number) and the task's context-switch count.  The same XPC seen
 * by at least WD_MIN_SEEN ticks over at least hang_ms, with no switch of the
 * task in between (a sleep, or a preemption, means the extension let the CPU
 * go), is a hang.  An XPC of a domain that has already failed is unwound at
 * the first tick: recovery waits for every thread to leave (no fault event;
 * the domain's fault was reported already).
 *
 * Unwinding from an interrupt: the interrupted ip is rewritten to
 * nooks_hang_trap (a ud2, nooks_xpc_64.S).  When the interrupt returns, the
 * #UD takes the common fault path (nooks_detect.c) in the hung context
 * itself, with its own preempt count, stack and (stage 2) page tables.
 * A tick that lands in kernel code the extension called waits for a later
 * tick (that code may hold kernel locks; the lock wrappers bound their own
 * waits, nooks_lock.c); a call that has not returned after twice the bound
 * and holds no lock, preemption, bh, irq or RCU section of its own is
 * unwound where it is (a kernel call that never returns).  Meanwhile the
 * tick marks the XPC overdue (this CPU's nooks_wd_overdue): its next call
 * into a kernel wrapper is the hang, unwound there
 * (nooks_hang_overdue_claim()).  That catches a loop whose time is in
 * short kernel calls that a tick never finds holding nothing (one that
 * re-enables interrupts inside a spin_unlock_irqrestore(), before its
 * preempt_enable(): e1000/0165, docs/NIM.md).
 *
 * Interrupts off: the stuck CPU takes no tick.  Another CPU's tick sees
 * that the stuck CPU's last tick is more than two periods old and sends it
 * an NMI every period; the NMI handler makes the same observation as a tick
 * would (and claims only NMIs the watchdog sent).  An NMI returns through
 * a copy of its frame (wd_nmi_redirect()), which is rewritten too.  With one CPU nothing
 * can interrupt a loop with interrupts off: undetectable (docs/NIM.md).
 * Multiple observations, not one late timer, decide: a vCPU that the host
 * did not run for a while (TCG under load) sees one late tick, not four.
 *
 * Must never: unwind kernel code, claim an NMI it did not send, sleep or
 * take locks in the tick or the NMI handler.
 */
#include <linux/cpuhotplug.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/smp.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/apic.h>
#include <asm/irq_regs.h>
#include <asm/nmi.h>
#include "nooks.h"
#include "nooks_pd.h"

#define WD_MIN_SEEN 4		/* observations of one XPC before a hang */
#define WD_LIVELOCK_XPCS 1000	/* XPCs in a starving window: a livelock */
#define WD_MIN_PERIOD_MS 10

struct wd_cpu {
	struct hrtimer timer;
	bool armed;
	u64 last_tick;			/* ns, ktime_get_mono_fast_ns() */
	u64 nmi_at;			/* last NMI sent to this CPU */
	bool nmi_pending;		/* an NMI of ours is on its way */
	/* the XPC being observed */
	struct nooks_frame *f;
	unsigned long seq, switches;
	u64 since;
	unsigned int seen;
	/* the task running without a switch while others wait (livelock) */
	struct task_struct *ll_task;
	unsigned long ll_switches, ll_seq;
	u64 ll_since;
};
static DEFINE_PER_CPU(struct wd_cpu, wd_cpu);
/* the XPC observed on this CPU passed the bound in kernel code it called */
DEFINE_PER_CPU(bool, nooks_wd_overdue);

static unsigned int hang_ms = 2000;
module_param(hang_ms, uint, 0644);
MODULE_PARM_DESC(hang_ms, "a CPU running one XPC this long without letting go is a hang (0: watchdog off)");
static atomic_long_t wd_nr_nmis, wd_nr_hangs, wd_nr_unwound;	/* any CPU */
module_param_cb(watchdog_nmis, &nooks_counter_ops, &wd_nr_nmis, 0444);
module_param_cb(watchdog_hangs, &nooks_counter_ops, &wd_nr_hangs, 0444);
module_param_cb(watchdog_unwound, &nooks_counter_ops, &wd_nr_unwound, 0444);
static bool wd_nmi_registered;
static unsigned int sleep_ms = 20000;
module_param(sleep_ms, uint, 0644);
MODULE_PARM_DESC(sleep_ms, "an extension's mutex or completion wait this long is a deadlock/hang (0: unbounded)");

/* Bound of a spinlock wait (nooks_lock.c): the watchdog's; 0: none. */
u64 nooks_hang_bound_ns(void)
{
	return (u64)READ_ONCE(hang_ms) * NSEC_PER_MSEC;
}

/* Bound of a sleeping wait in a wrapper (mutex, completion); 0: none. */
u64 nooks_sleep_bound_ns(void)
{
	return (u64)READ_ONCE(sleep_ms) * NSEC_PER_MSEC;
}

static unsigned int wd_period_ms(unsigned int ms)
{
	return ms ? max(ms / WD_MIN_SEEN, (unsigned int)WD_MIN_PERIOD_MS) : 250;
}

static unsigned long task_switches(void)
{
	return current->nvcsw + current->nivcsw;
}

/*
 * Look at the context @regs (interrupted by an entry that added @offset to
 * the preempt count) and unwind
 * it if it is extension code that has hung, or that runs in a failed domain.
 */
static struct nooks_frame *wd_observe(struct wd_cpu *w, struct pt_regs *regs,
				      unsigned int offset, u64 now, unsigned int ms)
{
	unsigned int pc = preempt_count() - offset;	/* interrupted context's */
	u64 bound = (u64)ms * NSEC_PER_MSEC;
	struct nooks_frame *f = NULL;
	struct nooks_domain *d;
	bool failed, in_kernel;

	if (regs && !user_mode(regs))
		f = nooks_frame_find(regs->sp, nooks_ctx_bits_below(offset));
	if (!f) {
		w->f = NULL;
		this_cpu_write(nooks_wd_overdue, false);
		return NULL;
	}
	if (f != w->f || nooks_frame_seq(f) != w->seq ||
	    task_switches() != w->switches) {
		w->f = f;
		w->seq = nooks_frame_seq(f);
		w->switches = task_switches();
		w->since = now;
		w->seen = 0;
		this_cpu_write(nooks_wd_overdue, false);
	}
	w->seen++;
	d = nooks_frame_domain(f);
	failed = !nooks_domain_runnable(d);
	if (!failed && (w->seen < WD_MIN_SEEN || now - w->since < bound))
		return NULL;
	/*
	 * Kernel code the extension called: a later tick may land in the
	 * extension.  A call that has not returned for twice the bound is
	 * unwound too, but only if it holds nothing the entry did not (same
	 * preempt count and RCU nesting: no spinlock, no preempt/bh/irq-off
	 * section, no RCU read section of its own); never in a failed domain
	 * (recovery waits for the call to come back).
	 */
	in_kernel = nooks_domain_by_ip(regs->ip) != d;
	if (in_kernel && (failed || now - w->since < 2 * bound ||
			  !nooks_frame_holds_nothing(f, pc, regs->flags))) {
		if (!failed)
			this_cpu_write(nooks_wd_overdue, true);
		return NULL;
	}
	nooks_frame_hang(f, regs, failed ? NOOKS_HANG_FAILED : NOOKS_HANG,
			 in_kernel, (now - w->since) / NSEC_PER_MSEC);
	if (failed)
		atomic_long_inc(&wd_nr_unwound);
	else
		atomic_long_inc(&wd_nr_hangs);
	w->f = NULL;
	this_cpu_write(nooks_wd_overdue, false);
	return f;
}

/**
 * nooks_hang_overdue_claim() - is the caller's XPC the overdue one?
 *
 * Context: a kernel wrapper's entry, on behalf of the extension, when
 * this CPU's nooks_wd_overdue is set.  The XPC is the caller's if it is
 * the innermost frame of the current context, the same XPC (sequence
 * number) the tick saw, and the task has not switched since.
 * Return: true (and the observation is over: one hang is reported once)
 * or false.
 */
bool nooks_hang_overdue_claim(unsigned int *ms)
{
	unsigned long bits = nooks_ctx_bits(), flags;
	struct nooks_frame *f = nooks_frame_find(current_stack_pointer, bits);
	struct wd_cpu *w;
	bool mine;

	local_irq_save(flags);		/* the tick updates the observation */
	w = this_cpu_ptr(&wd_cpu);
	mine = f && this_cpu_read(nooks_wd_overdue) && f == w->f &&
	       nooks_frame_seq(f) == w->seq && task_switches() == w->switches;
	if (mine) {
		*ms = (ktime_get_mono_fast_ns() - w->since) / NSEC_PER_MSEC;
		w->f = NULL;
		this_cpu_write(nooks_wd_overdue, false);
		atomic_long_inc(&wd_nr_hangs);
	}
	local_irq_restore(flags);
	return mine;
}

/*
 * A livelock through many short XPCs: this CPU has run one task (not the
 * idle task) without a switch for twice the bound while another task was
 * waiting for it (what the kernel's soft-lockup detector reports, much
 * later), and it entered an extension again and again meanwhile: the
 * kernel is looping on what the extension returns.  No single XPC lasts,
 * so wd_observe() sees nothing.  Fail the domain entered last: its calls
 * then fail fast and the loop ends with them; recovery follows.
 */
static void wd_livelock(struct wd_cpu *w, struct pt_regs *regs, u64 now,
			unsigned int ms)
{
	struct nooks_domain *d;
	unsigned long seq = nooks_xpc_cpu_seq(&d);
	unsigned long switches = task_switches();

	if (is_idle_task(current) || single_task_running() ||
	    current != w->ll_task || switches != w->ll_switches) {
		w->ll_task = current;
		w->ll_switches = switches;
		w->ll_since = now;
		w->ll_seq = seq;
		return;
	}
	if (now - w->ll_since < 2ULL * ms * NSEC_PER_MSEC ||
	    seq - w->ll_seq < WD_LIVELOCK_XPCS || !d ||
	    !nooks_domain_runnable(d))
		return;
	pr_err("nooks: detail domain=%s hang_ms=%llu livelock xpcs=%lu comm=%s ip=%pS\n",
	       d->name, (now - w->ll_since) / NSEC_PER_MSEC, seq - w->ll_seq,
	       current->comm, regs ? (void *)regs->ip : NULL);
	if (nooks_domain_fault_first(d, NOOKS_F_HANG, regs ? regs->ip : 0))
		atomic_long_inc(&wd_nr_hangs);
	w->ll_since = now;
	w->ll_seq = seq;
}

/* What the interrupt interrupted: stage 2 saved a domain's context. */
static struct pt_regs *wd_regs(struct pt_regs *regs)
{
	return nooks_pd_irq_regs() ?: regs;
}

/* Other CPUs whose tick is late (interrupts off): NMI them. */
static void wd_poke_late(u64 now, unsigned int ms)
{
	u64 late = 2ULL * wd_period_ms(ms) * NSEC_PER_MSEC;
	int cpu, self = smp_processor_id();

	if (!wd_nmi_registered)
		return;
	for_each_online_cpu(cpu) {
		struct wd_cpu *o = per_cpu_ptr(&wd_cpu, cpu);

		if (cpu == self || !READ_ONCE(o->armed) ||
		    now - READ_ONCE(o->last_tick) < late ||
		    now - READ_ONCE(o->nmi_at) < late / 2 ||
		    (READ_ONCE(o->nmi_pending) &&	/* lost: send again */
		     now - READ_ONCE(o->nmi_at) < 4 * late))
			continue;
		WRITE_ONCE(o->nmi_at, now);
		WRITE_ONCE(o->nmi_pending, true);
		apic->send_IPI(cpu, NMI_VECTOR);
	}
}

static enum hrtimer_restart wd_tick(struct hrtimer *t)
{
	struct wd_cpu *w = this_cpu_ptr(&wd_cpu);
	unsigned int ms = READ_ONCE(hang_ms);
	u64 now = ktime_get_mono_fast_ns();

	WRITE_ONCE(w->last_tick, now);
	if (smp_processor_id() == cpumask_first(cpu_online_mask))
		nooks_recovery_check_stalls(now);
	if (ms) {
		struct pt_regs *regs = wd_regs(get_irq_regs());

		wd_observe(w, regs, HARDIRQ_OFFSET, now, ms);
		wd_livelock(w, regs, now, ms);
		wd_poke_late(now, ms);
	}
	hrtimer_forward_now(t, ms_to_ktime(wd_period_ms(ms)));
	return HRTIMER_RESTART;
}

/*
 * The x86-64 NMI entry (entry_64.S, "nested NMI" handling) gives the
 * handler a pt_regs whose ip..ss are the "outermost" copy of the hardware
 * frame; iretq returns through the "iret" copy just above it.  Make that
 * copy return where @regs now points, after checking that it is the copy
 * of the same frame; false: the layout is not the expected one.
 */
static bool wd_nmi_redirect(struct pt_regs *regs, unsigned long old_ip)
{
	unsigned long *iret = (unsigned long *)(&regs->ss + 1);

	if (iret[0] != old_ip || iret[1] != regs->cs ||
	    iret[2] != regs->flags || iret[3] != regs->sp ||
	    iret[4] != regs->ss)
		return false;
	iret[0] = regs->ip;
	return true;
}

static int wd_nmi(unsigned int type, struct pt_regs *regs)
{
	struct wd_cpu *w = this_cpu_ptr(&wd_cpu);
	unsigned int ms = READ_ONCE(hang_ms);
	struct pt_regs *r = wd_regs(regs);
	unsigned long ip = r->ip;
	struct nooks_frame *f;

	if (!READ_ONCE(w->nmi_pending))
		return NMI_DONE;
	WRITE_ONCE(w->nmi_pending, false);
	atomic_long_inc(&wd_nr_nmis);
	if (!ms)
		return NMI_HANDLED;
	f = wd_observe(w, r, NMI_OFFSET + HARDIRQ_OFFSET,
		       ktime_get_mono_fast_ns(), ms);
	/* stage 2 resumes the domain from its own copy (r != regs) */
	if (f && r == regs && !wd_nmi_redirect(regs, ip)) {
		nooks_frame_hang_cancel(f, regs);
		pr_warn_once("nooks: watchdog: unexpected NMI frame layout, loops with interrupts off stay undetected\n");
	}
	return NMI_HANDLED;
}

/* CPU hotplug (and module load): start the tick on the CPU coming up. */
static int wd_cpu_online(unsigned int cpu)
{
	struct wd_cpu *w = per_cpu_ptr(&wd_cpu, cpu);	/* runs on @cpu */

	hrtimer_init(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	w->timer.function = wd_tick;
	w->last_tick = ktime_get_mono_fast_ns();
	WRITE_ONCE(w->armed, true);
	hrtimer_start(&w->timer, ms_to_ktime(wd_period_ms(READ_ONCE(hang_ms))),
		      HRTIMER_MODE_REL_PINNED_HARD);
	return 0;
}

/* ... and stop it on a CPU going down (other CPUs stop watching it). */
static int wd_cpu_offline(unsigned int cpu)
{
	struct wd_cpu *w = per_cpu_ptr(&wd_cpu, cpu);

	WRITE_ONCE(w->armed, false);
	hrtimer_cancel(&w->timer);
	return 0;
}

static int wd_hp_state;

/* Start the tick on every CPU, now and whenever one comes online. */
int nooks_watchdog_init(void)
{
	int err = register_nmi_handler(NMI_LOCAL, wd_nmi, 0, "nooks_watchdog");

	if (err)
		pr_warn("nooks: watchdog without NMIs (err %d): loops with interrupts off stay undetected\n",
			err);
	wd_nmi_registered = !err;
	err = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "nooks/watchdog:online",
				wd_cpu_online, wd_cpu_offline);
	if (err < 0) {
		if (wd_nmi_registered)
			unregister_nmi_handler(NMI_LOCAL, "nooks_watchdog");
		wd_nmi_registered = false;
		return err;
	}
	wd_hp_state = err;
	return 0;
}

void nooks_watchdog_exit(void)
{
	cpuhp_remove_state(wd_hp_state);	/* wd_cpu_offline() on each CPU */
	if (wd_nmi_registered)
		unregister_nmi_handler(NMI_LOCAL, "nooks_watchdog");
	wd_nmi_registered = false;
}
