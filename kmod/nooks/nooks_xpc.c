// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_xpc.c - cross-domain calls (XPC) into an extension and unwinding.
 *
 * Every entry of the kernel into an extension goes through nooks_xpc(): it
 * puts a struct nooks_frame on the caller's stack, records what recovery
 * must restore (preempt count, IRQ flag, RCU nesting) and calls the
 * extension through nooks_xpc_enter (nooks_xpc_64.S).  A fault while the
 * CPU runs below that frame is attributed to its domain by finding the
 * innermost live frame on the faulting stack (nooks_frame_find()); the
 * exception hook then rewrites the exception's pt_regs so that the
 * exception returns into nooks_xpc_exit with the frame's stack pointer:
 * the call returns an error to its kernel caller.
 *
 * A normal return is checked too (leaked_state()): an extension that
 * comes back holding a spinlock, with another IRQ flag or preempt count,
 * or inside an RCU section, has faulted as surely as one that oopsed.
 *
 * Frames are found by scanning the current stack upward from the faulting
 * sp, not through a per-CPU list, so a sleeping extension call that
 * migrates CPUs stays attributable.  A frame is live between entry and
 * exit only (magic cleared on exit), so no stale frame is ever matched.
 * The innermost frame must also have been entered in the same context
 * (hardirq/softirq/NMI bits): a hardirq that interrupts a softirq XPC on
 * the same IRQ stack is not the extension's fault.
 *
 * Stage 2 hook: the domain page table switch belongs in nooks_xpc()
 * (enter/leave) and in nooks_frame_resume() (switch back before the
 * kernel's handler continues); nothing else enters a domain.
 *
 * Must never: sleep, allocate, or take locks (runs in exception context).
 */
#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <asm/stacktrace.h>
#include "nooks.h"
#include "nooks_pd.h"

#define NOOKS_FRAME_MAGIC 0x4e4f4f4b53585043UL	/* "NOOKSXPC" */
#define CTX_MASK (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)

struct nooks_frame {
	unsigned long sp;		/* 0: set by nooks_xpc_enter */
	const void *fn;			/* 8 */
	unsigned long a[6];		/* 16..56 */
	unsigned long stack;		/* 64: stage 2 private stack top, 0: stay */
	unsigned long pd_cr3;		/* 72: stage 2 domain CR3, 0: no domain */
	unsigned long pd_ret;		/* stage 2: pass-through return address */
	unsigned long magic;		/* NOOKS_FRAME_MAGIC while live */
	struct nooks_frame *self;
	struct nooks_domain *dom;
	unsigned long ctx;		/* CTX_MASK bits of preempt_count */
	unsigned long irqflags;
	int pc;				/* preempt_count at entry */
	int rcu_nesting;
	int aborted;
	long ret;
	unsigned int lock_depth;	/* nooks_locks_depth() at entry */
	int lock_cpu;
	unsigned long seq;		/* per-CPU XPC number (watchdog) */
	unsigned long t0;		/* entry, jiffies (a load: no clock read) */
	int hang;			/* NOOKS_HANG*: the watchdog unwinds */
	bool hang_in_kernel;		/* ... from kernel code it called */
	unsigned int hang_ms;
	unsigned long hang_ip;
	unsigned long stop_seen;	/* jiffies a sleep first saw kthread_stop() (0: not yet) */
	struct nooks_frame_waits waits;	/* nooks_sleep.c */
};

long nooks_xpc_enter(struct nooks_frame *f);
extern const char nooks_xpc_exit[];
extern const char nooks_hang_trap[];
static DEFINE_PER_CPU(unsigned long, xpc_seq);
static DEFINE_PER_CPU(struct nooks_domain *, xpc_last_domain);	/* watchdog */

static int (*get_stack_info_fn)(unsigned long *stack, struct task_struct *task,
				struct stack_info *info, unsigned long *visit_mask);

unsigned long nooks_ctx_bits(void)
{
	return preempt_count() & CTX_MASK;
}

/* The context bits of what an interrupt that added @offset interrupted. */
unsigned long nooks_ctx_bits_below(unsigned int offset)
{
	return (preempt_count() - offset) & CTX_MASK;
}

/* The current thread may enter (or a wrapper may return into) @d. */
bool nooks_domain_runnable(struct nooks_domain *d)
{
	enum nooks_state s = READ_ONCE(d->state);

	return s == NOOKS_RUNNING ||
	       (s == NOOKS_RECOVERING && READ_ONCE(d->recoverer) == current);
}

/* Put the CPU back in the state @f recorded at entry. */
static void restore_cpu_state(struct nooks_frame *f)
{
	preempt_count_set(f->pc);
	if (f->irqflags & X86_EFLAGS_IF)
		local_irq_enable();
	else
		local_irq_disable();
#ifdef CONFIG_PREEMPT_RCU
	current->rcu_read_lock_nesting = f->rcu_nesting;
#endif
}

static int rcu_nesting_now(void)
{
#ifdef CONFIG_PREEMPT_RCU
	return current->rcu_read_lock_nesting;
#else
	return 0;
#endif
}

/*
 * The extension returned normally: did it leave the CPU in another state
 * than it was entered in?  A spinlock / preempt_disable / local_bh_disable
 * it did not release raises the preempt count (leaked_lock), an unlock
 * without its lock lowers it (lock_underflow), a deleted irqsave/restore
 * leaves IF cleared (irq_off) or set (irq_on), an rcu_read_lock without
 * unlock leaves the nesting up (rcu_leak).  Unlock the spinlocks the
 * extension took in this XPC (nooks_lock.c: a lock word may be kernel
 * memory), restore the entry state (the kernel caller must not run
 * atomic) and fault the domain.
 * Return: true if the domain was faulted.
 */
static bool leaked_state(struct nooks_frame *f)
{
	int pc = preempt_count(), rcu = rcu_nesting_now(), delta;
	unsigned int locks;
	bool held;
	unsigned long flags;
	enum nooks_fault kind;

	local_save_flags(flags);
	/* a lock taken through a wrapper and not released through one: held
	 * (also when an unlock without its lock evened the count out) */
	held = f->lock_cpu == raw_smp_processor_id() &&
	       nooks_locks_depth() != f->lock_depth;
	if (likely(pc == f->pc && rcu == f->rcu_nesting && !held &&
		   !((flags ^ f->irqflags) & X86_EFLAGS_IF)))
		return false;
	locks = nooks_locks_release(f->lock_depth, f->lock_cpu, true);
	restore_cpu_state(f);
	/* preempt_count() has 31 bits (bit 31 is the inverted resched
	 * flag): an unlock from 0 reads 0x7fffffff, i.e. delta -1 */
	delta = (int)((u32)(pc - f->pc) << 1) >> 1;
	if (delta > 0)
		kind = NOOKS_F_LEAK_LOCK;
	else if (delta < 0)
		kind = NOOKS_F_LOCK_UNDERFLOW;
	else if (f->irqflags & X86_EFLAGS_IF && !(flags & X86_EFLAGS_IF))
		kind = NOOKS_F_IRQ_OFF;
	else if (!(f->irqflags & X86_EFLAGS_IF) && flags & X86_EFLAGS_IF)
		kind = NOOKS_F_IRQ_ON;
	else if (held)
		kind = NOOKS_F_LEAK_LOCK;
	else
		kind = NOOKS_F_RCU_LEAK;
	pr_err("nooks: detail domain=%s preempt=%#x->%#x irq=%s->%s rcu=%d->%d unlocked=%u\n",
	       f->dom->name, f->pc, pc,
	       f->irqflags & X86_EFLAGS_IF ? "on" : "off",
	       flags & X86_EFLAGS_IF ? "on" : "off", f->rcu_nesting, rcu,
	       locks);
	nooks_domain_fault(f->dom, kind, (unsigned long)f->fn);
	return true;
}

/**
 * nooks_xpc6() - call an extension function inside its protection domain
 * @d: the extension's domain
 * @fn: extension function (up to six integer/pointer arguments)
 * @a0: first argument (unused ones are ignored by @fn)
 * @a1: second argument
 * @a2: third argument
 * @a3: fourth argument
 * @a4: fifth argument
 * @a5: sixth argument
 *
 * nooks_xpc() (nooks.h) is the four-argument form.  Test hook: if
 * nooks_fault_next_fn equals @fn, it is cleared and the call runs an
 * injected fault (nooks_main.c) instead, which faults inside the XPC.
 *
 * Context: any (process, softirq, hardirq).
 * Return: what @fn returned (sign-extended as long); -EIO without calling
 * @fn if the domain is not running; -EFAULT if @fn faulted and was unwound
 * or returned holding a lock / with another IRQ flag (leaked_state()).
 */
long nooks_xpc6(struct nooks_domain *d, const void *fn, unsigned long a0,
		unsigned long a1, unsigned long a2, unsigned long a3,
		unsigned long a4, unsigned long a5)
{
	struct nooks_frame f;
	long ret;

	if (!nooks_domain_runnable(d))
		return -EIO;
	if (unlikely(READ_ONCE(nooks_entries_on)))
		nooks_entry_seen(fn);
	if (unlikely(READ_ONCE(nooks_fault_next_fn) == (unsigned long)fn))
		fn = nooks_fault_next_take(fn) ?: fn;
	/* stage 2 (nooks_pd_*.c): private stack and page tables */
	f.stack = nooks_pd_xpc_stack(d, current_stack_pointer);
	if (unlikely(f.stack == 1))
		return -EBUSY;
	f.pd_cr3 = nooks_pd_frame_cr3(d);
	atomic_inc(&d->active);
	d->nr_xpc++;
	f.fn = fn;
	f.a[0] = a0;
	f.a[1] = a1;
	f.a[2] = a2;
	f.a[3] = a3;
	f.a[4] = a4;
	f.a[5] = a5;
	f.self = &f;
	f.dom = d;
	f.ctx = nooks_ctx_bits();
	f.pc = preempt_count();
	local_save_flags(f.irqflags);
	f.rcu_nesting = rcu_nesting_now();
	f.lock_depth = nooks_locks_depth();
	f.lock_cpu = raw_smp_processor_id();
	f.aborted = 0;
	f.seq = this_cpu_inc_return(xpc_seq);
	f.t0 = jiffies;
	this_cpu_write(xpc_last_domain, d);
	f.hang = 0;
	f.stop_seen = 0;
	f.waits.nr = 0;
	WRITE_ONCE(f.magic, NOOKS_FRAME_MAGIC);
	barrier();
	ret = nooks_xpc_enter(&f);
	barrier();
	nooks_pd_xpc_done(d, f.stack);	/* stage 2 */
	if (unlikely(READ_ONCE(f.aborted))) {
		/* undo what the extension left behind: locks' preempt counts,
		 * a disabled IRQ flag, open RCU read sections */
		nooks_locks_release(f.lock_depth, f.lock_cpu, true);
		restore_cpu_state(&f);
		nooks_sleeplocks_release_frame(&f);
		ret = f.ret;
	} else if (unlikely(leaked_state(&f))) {
		ret = -EFAULT;	/* as for a fault: the caller gets an error */
	}
	WRITE_ONCE(f.magic, 0);
	if (atomic_dec_and_test(&d->active) &&
	    READ_ONCE(d->state) != NOOKS_RUNNING)
		wake_up(&d->idle);	/* recovery waits for the last one */
	return ret;
}

/*
 * The stack holding @sp: a stack of this CPU or task (*@end its top, *@pd
 * 0), or a stage 2 domain's private stack (*@pd its top).  False: none.
 */
static bool stack_of(unsigned long sp, unsigned long **end, unsigned long *pd)
{
	struct stack_info info;

	*pd = 0;
	if (get_stack_info_fn &&
	    !get_stack_info_fn((unsigned long *)sp, current, &info, NULL)) {
		*end = info.end;
		return true;
	}
	if (!nooks_pd_stack_bounds(sp, pd))
		return false;
	*end = (unsigned long *)*pd;
	return true;
}

/**
 * nooks_frame_find() - innermost live XPC frame on the stack holding @sp
 * @sp: stack pointer of the faulting context
 * @ctx: nooks_ctx_bits() of the faulting context
 *
 * Return: the frame, or NULL if the context is not running in a domain.
 */
struct nooks_frame *nooks_frame_find(unsigned long sp, unsigned long ctx)
{
	unsigned long *p, *end, pd_end;
	struct nooks_frame *link;

	/* stage 2: on a domain's private stack, its top links the frame */
	if (!stack_of(sp, &end, &pd_end))
		return NULL;
	for (p = (unsigned long *)ALIGN(sp, sizeof(long));
	     p + sizeof(struct nooks_frame) / sizeof(long) <= end; p++) {
		struct nooks_frame *f;

		if (*p != NOOKS_FRAME_MAGIC)
			continue;
		f = container_of(p, struct nooks_frame, magic);
		if (f->self != f)
			continue;
		/* innermost frame of another context: not ours */
		return f->ctx == ctx ? f : NULL;
	}
	if (pd_end) {	/* stage 2: the XPC that switched to this stack */
		link = *(struct nooks_frame **)(pd_end - 8);
		if (link && READ_ONCE(link->magic) == NOOKS_FRAME_MAGIC &&
		    link->self == link)
			return link->ctx == ctx ? link : NULL;
	}
	return NULL;
}

/* Is @sp on a stack of this CPU or task (or a domain's private stack)? */
bool nooks_sp_on_stack(unsigned long sp)
{
	unsigned long *end, pd_end;

	return stack_of(sp, &end, &pd_end);
}

/* stage 2: where a pass-through call keeps its return (nooks_pd_idt.c) */
unsigned long *nooks_frame_pd_ret(struct nooks_frame *f)
{
	return &f->pd_ret;
}

struct nooks_domain *nooks_frame_domain(struct nooks_frame *f)
{
	return f->dom;
}

/**
 * nooks_frame_resume() - make an exception return into the frame's exit
 * @f: frame returned by nooks_frame_find()
 * @regs: the exception's saved registers (rewritten)
 * @ret: value nooks_xpc() returns to its caller
 *
 * The IRQ flag is left as it was at the fault (the exception exit path
 * restores it from @regs); nooks_xpc() repairs it after the return.
 * Return: true.
 */
bool nooks_frame_resume(struct nooks_frame *f, struct pt_regs *regs, long ret)
{
	/* still below the extension's frames: its wait entries are intact */
	nooks_waits_release(&f->waits);
	f->ret = ret;
	WRITE_ONCE(f->aborted, 1);
	regs->ip = (unsigned long)nooks_xpc_exit;
	regs->sp = f->sp;
	regs->ax = ret;
	regs->flags &= ~(X86_EFLAGS_AC | X86_EFLAGS_DF | X86_EFLAGS_TF);
	return true;
}

struct nooks_frame_waits *nooks_frame_waits(struct nooks_frame *f)
{
	return &f->waits;
}

unsigned long nooks_frame_seq(struct nooks_frame *f)
{
	return f->seq;
}

unsigned long nooks_frame_t0(struct nooks_frame *f)
{
	return f->t0;
}

/*
 * A domain kthread running in @f was asked to stop (kthread_stop()):
 * jiffies since a sleep of its first saw that (0 the first time).
 */
unsigned long nooks_frame_stop_age(struct nooks_frame *f)
{
	if (!f->stop_seen) {
		f->stop_seen = jiffies ?: 1;
		return 0;
	}
	return jiffies - f->stop_seen;
}

/* This CPU's XPC count so far, and the domain it entered last. */
unsigned long nooks_xpc_cpu_seq(struct nooks_domain **last)
{
	*last = this_cpu_read(xpc_last_domain);
	return this_cpu_read(xpc_seq);
}

/**
 * nooks_frame_hang() - make an interrupted extension context unwind
 * @f: its innermost XPC frame
 * @regs: the interrupted context (an interrupt's or NMI's saved registers)
 * @how: NOOKS_HANG (a fault of the domain) or NOOKS_HANG_FAILED (the
 *	domain had failed already: only leave it)
 * @in_kernel: @regs is in kernel code the extension called (reported)
 * @ms: how long the XPC ran (reported)
 *
 * The context resumes at nooks_hang_trap, whose #UD unwinds it through the
 * common fault path (nooks_hang_catch()).
 */
void nooks_frame_hang(struct nooks_frame *f, struct pt_regs *regs, int how,
		      bool in_kernel, unsigned int ms)
{
	f->hang_in_kernel = in_kernel;
	f->hang_ip = regs->ip;
	f->hang_ms = ms;
	WRITE_ONCE(f->hang, how);
	regs->ip = (unsigned long)nooks_hang_trap;
}

/*
 * The context running below @f, whose preempt count is @pc and flags
 * register @flags, holds nothing
 * that the XPC's entry did not: no spinlock (also none of the extension's,
 * which the lock wrappers count), preempt/bh/irq-off or RCU read section.
 */
bool nooks_frame_holds_nothing(struct nooks_frame *f, unsigned int pc,
			       unsigned long flags)
{
	return pc == f->pc && rcu_nesting_now() == f->rcu_nesting &&
	       !((flags ^ f->irqflags) & X86_EFLAGS_IF) &&
	       (f->lock_cpu != raw_smp_processor_id() ||
		nooks_locks_depth() == f->lock_depth);
}

/* Undo nooks_frame_hang(): @regs could not be redirected after all. */
void nooks_frame_hang_cancel(struct nooks_frame *f, struct pt_regs *regs)
{
	regs->ip = f->hang_ip;
	WRITE_ONCE(f->hang, 0);
}

/**
 * nooks_hang_catch() - the #UD at nooks_hang_trap
 * @regs: the exception's registers
 *
 * Context: exception, the hung context's own.
 * Return: true if a frame the watchdog marked was resumed.
 */
bool nooks_hang_catch(struct pt_regs *regs)
{
	struct nooks_frame *f = nooks_frame_find(regs->sp, nooks_ctx_bits());
	int how;

	if (!f || !READ_ONCE(f->hang))
		return false;
	how = f->hang;
	f->hang = 0;
	if (how == NOOKS_HANG_FAILED) {
		pr_warn("nooks: detail domain=%s unwound=%pS (domain failed)\n",
			f->dom->name, (void *)f->hang_ip);
		return nooks_frame_resume(f, regs, -EIO);
	}
	pr_err("nooks: detail domain=%s hang_ms=%u irqs=%s in=%s\n", f->dom->name,
	       f->hang_ms, regs->flags & X86_EFLAGS_IF ? "on" : "off",
	       f->hang_in_kernel ? "kernel" : "extension");
	/* the domain may have failed since the watchdog looked */
	if (!nooks_domain_fault_first(f->dom, NOOKS_F_HANG, f->hang_ip))
		return nooks_frame_resume(f, regs, -EIO);
	return nooks_frame_resume(f, regs, -EFAULT);
}

void nooks_xpc_abort_trap(long ret);

/**
 * nooks_xpc_abort() - unwind the innermost XPC of the current context
 * @ret: value the unwound nooks_xpc() returns
 *
 * Used by wrappers when the calling domain has failed or a parameter check
 * failed.  Goes through the #UD path so every unwind takes the same road.
 */
void nooks_xpc_abort(long ret)
{
	/* the #UD hook takes @ret from regs->di and never returns here */
	nooks_xpc_abort_trap(ret);
}

int nooks_xpc_init(void)
{
	get_stack_info_fn = (void *)nooks_lookup("get_stack_info");
	return get_stack_info_fn ? 0 : -ENOENT;
}
