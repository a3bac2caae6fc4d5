// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_pd_idt.c - stage 2 switching: entering and leaving a protection
 * domain, the private IDT, and what an exception taken in a domain does.
 *
 * State of a CPU: "kernel" (kernel CR3 and IDT) or "domain" (the domain's
 * CR3 and the private IDT, CR4.PGE off).  Transitions:
 *   nooks_pd_enter(cr3)  kernel -> domain: records this CPU's kernel CR3,
 *                        clears PGE (flushes every global entry: no
 *                        writable kernel translation survives), loads the
 *                        private IDT, then CR3.  Called on a private stack.
 *   nooks_pd_leave()     domain -> kernel: CR3, then the kernel IDT.  PGE
 *                        stays off; nooks_pd_xpc_done() turns it back on
 *                        when an XPC returns to the kernel.
 * Who switches: XPC entry/exit (nooks_xpc_64.S), kernel wrappers
 * (nooks_wrap_enter/leave; pass-through thunks redirect their return to
 * nooks_pd_pass_ret), and the private IDT stubs (nooks_pd_64.S), which
 * call nooks_pd_exception() first thing.
 *
 * Every window between the two writes of a switch is safe: an interrupt
 * or NMI taken there enters a stub that saves the live CR3 and restores
 * exactly it (and the private IDT) on return.
 *
 * #DF in a domain runs on a private per-CPU stack (IST 7, writable in every
 * domain): a private stack overflow is recovered as a fault.
 *
 * Must never: write anything but the current (private) stack while the
 * domain's tables are loaded - so the "kernel" switch comes first in every
 * path, and nothing here is traced (notrace).
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include "nooks.h"
#include "nooks_pd.h"

static DEFINE_PER_CPU(unsigned long, pd_kcr3);
/* the domain context an interrupt re-raised by nooks_pd_exception() hit */
static DEFINE_PER_CPU(struct pt_regs *, pd_irq_regs);
/* shootdown (nooks_pd_sync.c): CR3 this CPU entered last (0 after a leave),
 * and how many times it switched back to the kernel's tables */
static DEFINE_PER_CPU(unsigned long, pd_cur);
static DEFINE_PER_CPU(unsigned long, pd_leaves);
/*
 * Private #DF stacks: the kernel's #DF gate uses IST 1, whose stack is
 * read-only in a domain (a stack overflow there was a triple fault).  The
 * private IDT's #DF gate uses IST 7 (ist[6], unused by the kernel), set in
 * every CPU's TSS to a stack of ours that every domain maps writable.
 */
#define PD_IST_DF	7
#define PD_DF_ORDER	2		/* 16 KiB: the handler prints */
static DEFINE_PER_CPU(unsigned long, pd_df_stack);
static bool pd_df_ok;
static unsigned long pd_nr_overflow;
module_param_named(pd_stack_overflows, pd_nr_overflow, ulong, 0444);
static gate_desc pd_idt[IDT_ENTRIES] __aligned(PAGE_SIZE);
static struct desc_ptr kidt, pidt;
unsigned long nooks_pd_ktarget[IDT_ENTRIES];
static unsigned long pd_nr_irq, pd_nr_exc;
/*
 * CR4.PGE: off on a CPU from its first domain entry.  With pd_pge_restore=1
 * every XPC exit turns it back on (one more full TLB flush per XPC); with 0
 * (default) it stays off until the last domain is destroyed: no global
 * translations exist at all, so every CR3 switch flushes everything and no
 * writable kernel entry can survive into a domain.
 */
static bool pd_pge_restore;
module_param(pd_pge_restore, bool, 0644);
module_param_named(pd_irqs, pd_nr_irq, ulong, 0444);
module_param_named(pd_exceptions, pd_nr_exc, ulong, 0444);

extern const char nooks_pd_stubs[];	/* 256 stubs, 16 bytes apart */
extern const char nooks_pd_int_table[];	/* "int $v; ret" 8 bytes apart */
extern const char nooks_pd_pass_ret[];

static __always_inline unsigned long cr3_read(void)
{
	unsigned long v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static __always_inline void cr3_write(unsigned long v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static __always_inline void idt_load(const struct desc_ptr *p)
{
	asm volatile("lidt %0" : : "m"(*p));
}

/* kernel -> domain (or back into a window state @cr3 saved by a stub) */
notrace void nooks_pd_enter(unsigned long cr3)
{
	unsigned long flags, cur;

	raw_local_irq_save(flags);
	cur = cr3_read();
	if (!nooks_pd_domain_of_cr3(cur))
		this_cpu_write(pd_kcr3, cur);
	if (cr4_read_shadow() & X86_CR4_PGE)
		cr4_update_irqsoff(0, X86_CR4_PGE);
	this_cpu_write(pd_cur, cr3);	/* before the CR3 write (serialising) */
	idt_load(&pidt);
	cr3_write(cr3);
	raw_local_irq_restore(flags);
}

/* domain -> kernel; idempotent */
notrace void nooks_pd_leave(void)
{
	cr3_write(this_cpu_read(pd_kcr3));
	/* kernel tables from here: per-CPU writes are fine */
	this_cpu_write(pd_cur, 0);
	this_cpu_inc(pd_leaves);
	idt_load(&kidt);
}

unsigned long nooks_pd_cpu_cr3(int cpu)
{
	return READ_ONCE(per_cpu(pd_cur, cpu));
}

unsigned long nooks_pd_cpu_leaves(int cpu)
{
	return READ_ONCE(per_cpu(pd_leaves, cpu));
}

void nooks_pd_to_kernel_if_domain(void)
{
	if (nooks_pd_domain_of_cr3(cr3_read()))
		nooks_pd_leave();
}

/**
 * nooks_pd_xpc_done() - an XPC returned (or was unwound) into the kernel
 * @d: its domain
 * @top: the private stack it took (0: none)
 *
 * Restores CR4.PGE (an outer domain context on this CPU clears it again
 * when it resumes) and frees the stack.
 */
void nooks_pd_xpc_done(struct nooks_domain *d, unsigned long top)
{
	unsigned long flags;

	if (!nooks_pd_frame_cr3(d))
		return;
	raw_local_irq_save(flags);
	nooks_pd_to_kernel_if_domain();
	if (pd_pge_restore && boot_cpu_has(X86_FEATURE_PGE) &&
	    !(cr4_read_shadow() & X86_CR4_PGE))
		cr4_update_irqsoff(X86_CR4_PGE, 0);
	raw_local_irq_restore(flags);
	nooks_pd_stack_put(d, top);
}

static void pge_on(void *unused)
{
	unsigned long flags;

	raw_local_irq_save(flags);
	if (!(cr4_read_shadow() & X86_CR4_PGE))
		cr4_update_irqsoff(X86_CR4_PGE, 0);
	raw_local_irq_restore(flags);
}

/* The last domain is gone: global pages back on every CPU. */
void nooks_pd_pge_restore_all(void)
{
	if (boot_cpu_has(X86_FEATURE_PGE))
		on_each_cpu(pge_on, NULL, 1);
}

/* ---- kernel wrappers ---------------------------------------------------- */

/* First thing in every wrapper called by @d's code. */
void nooks_pd_wrap_enter(struct nooks_domain *d)
{
	unsigned long cr3;

	if (!d)
		return;
	cr3 = nooks_pd_frame_cr3(d);
	if (cr3 && cr3_read() == cr3)
		nooks_pd_leave();
}

/* Last thing before a wrapper returns to @d's code. */
void nooks_pd_wrap_leave(struct nooks_domain *d)
{
	unsigned long cr3 = d ? nooks_pd_frame_cr3(d) : 0;

	/* only code entered through an XPC runs on the domain's stacks */
	if (cr3 && nooks_pd_on_stack(d, current_stack_pointer) &&
	    cr3_read() != cr3)
		nooks_pd_enter(cr3);
}

/*
 * Pass-through thunk, kernel side: the kernel function must run in the
 * kernel's tables and return into the domain.  Its return address (*slot)
 * is kept in the innermost XPC frame and replaced by nooks_pd_pass_ret.
 */
void nooks_pd_pass_redirect(struct nooks_domain *d, unsigned long *slot)
{
	struct nooks_frame *f;

	if (!d || !nooks_pd_frame_cr3(d) ||
	    !nooks_pd_on_stack(d, current_stack_pointer))
		return;
	f = nooks_frame_find(current_stack_pointer, nooks_ctx_bits());
	if (!f)
		return;
	*nooks_frame_pd_ret(f) = *slot;
	*slot = (unsigned long)nooks_pd_pass_ret;
}

/* nooks_pd_pass_ret: back into the domain; returns the real return address */
notrace unsigned long nooks_pd_pass_back(void)
{
	struct nooks_frame *f = nooks_frame_find(current_stack_pointer,
						 nooks_ctx_bits());

	if (WARN_ON_ONCE(!f))	/* cannot happen: the thunk found it */
		return 0;
	nooks_pd_enter(nooks_pd_frame_cr3(nooks_frame_domain(f)));
	return *nooks_frame_pd_ret(f);
}

/* Library thunks (mem*, str*, *printf into buffers) run in the domain. */
void nooks_lib_check(unsigned long ret_ip)
{
	struct nooks_domain *d = nooks_domain_by_ip(ret_ip);
	enum nooks_state s;

	if (!d)
		return;
	s = READ_ONCE(d->state);
	if (s == NOOKS_RUNNING ||
	    (s == NOOKS_RECOVERING && READ_ONCE(d->recoverer) == current))
		return;
	nooks_pd_to_kernel_if_domain();
	nooks_wrap_enter(ret_ip);	/* unwinds the failed domain's XPC */
}
EXPORT_SYMBOL_GPL(nooks_lib_check);

/* ---- exceptions and interrupts taken in a domain ------------------------ */

enum { PF_FORWARD, PF_RETRY, PF_RESUMED };

/* Audit mode: one line per faulting instruction (first 256 of them). */
static void pd_audit_log(struct nooks_domain *d, unsigned long ip,
			 unsigned long addr)
{
	static unsigned long seen[256];
	static int n;
	int i;

	for (i = 0; i < n; i++)
		if (seen[i] == ip)
			return;
	if (n < ARRAY_SIZE(seen))
		seen[n++] = ip;
	pr_info("nooks: pd_audit domain=%s addr=%px target=%pS ip=%pS\n",
		d->name, (void *)addr, (void *)addr, (void *)ip);
}

static int pd_page_fault(struct nooks_domain *d, struct pt_regs *regs,
			 unsigned long addr)
{
	struct nooks_pd *pd = nooks_pd_get(d);
	unsigned long err = regs->orig_ax;
	struct nooks_frame *f;

	if (!pd || (err & X86_PF_USER) || addr < TASK_SIZE_MAX)
		return PF_FORWARD;
	if (!(err & X86_PF_PROT)) {
		if (nooks_pd_sync(pd, addr, err)) {
			nooks_pd_nr_sync++;
			return PF_RETRY;
		}
		return PF_FORWARD;
	}
	if (!(err & X86_PF_WRITE) || !nooks_pd_kernel_writable(addr))
		return PF_FORWARD;	/* read-only for the kernel too */
	if (nooks_pd_in_grant(pd, addr)) {
		nooks_pd_nr_regrant++;
		return PF_RETRY;
	}
	if (nooks_pd_audit_write(pd, addr)) {
		pd_audit_log(d, regs->ip, addr);
		return PF_RETRY;
	}
	f = nooks_frame_find(regs->sp, nooks_ctx_bits());
	if (!f)
		return PF_FORWARD;
	nooks_pd_nr_wp++;
	d = nooks_frame_domain(f);
	pr_err("nooks: detail domain=%s write_protect=%px target=%pS ip=%pS\n",
	       d->name, (void *)addr, (void *)addr, (void *)regs->ip);
	nooks_domain_fault(d, NOOKS_F_PAGE, regs->ip);
	nooks_frame_resume(f, regs, -EFAULT);
	return PF_RESUMED;
}

/*
 * #DF taken in @d on the private #DF stack: a stack overflow if the
 * interrupted sp is on (or in the guard page below) one of @d's private
 * stacks.  Then the innermost frame on that stack is resumed as for any
 * fault.  Context: kernel tables, the private #DF stack (16 KiB).
 */
static bool pd_double_fault(struct nooks_domain *d, struct pt_regs *regs)
{
	struct nooks_pd *pd = nooks_pd_get(d);
	struct nooks_frame *f;
	unsigned long b = 0;
	int j;

	for (j = 0; pd && j < NOOKS_PD_STACKS && !b; j++) {
		unsigned long s = (unsigned long)nooks_pd_stack_base(pd, j);

		if (regs->sp >= s - PAGE_SIZE && regs->sp < s + NOOKS_PD_STACK_SIZE)
			b = s;
	}
	if (!b)
		return false;
	f = nooks_frame_find(max(regs->sp, b), nooks_ctx_bits());
	if (!f)
		return false;
	pd_nr_overflow++;
	d = nooks_frame_domain(f);
	pr_err("nooks: detail domain=%s stack_overflow sp=%px stack=%px ip=%pS\n",
	       d->name, (void *)regs->sp, (void *)b, (void *)regs->ip);
	nooks_domain_fault(d, NOOKS_F_STACK, regs->ip);
	nooks_frame_resume(f, regs, -EFAULT);
	return true;
}

static bool has_error_code(unsigned long vec)
{
	return vec == X86_TRAP_DF || (vec >= X86_TRAP_TS && vec <= X86_TRAP_PF) ||
	       vec == X86_TRAP_AC || vec == X86_TRAP_CP || vec == 29 || vec == 30;
}

/**
 * nooks_pd_exception() - C side of every private IDT stub
 * @regs: the interrupted context (orig_ax = error code or -1)
 * @vec: vector
 * @cr2: CR2 at entry
 * @saved_cr3: CR3 at entry (a domain's, or the kernel's in a switch window)
 *
 * Return: 1 to iret to the interrupted context (state @saved_cr3 and the
 * private IDT restored, or the kernel state if @regs was resumed into its
 * XPC frame); otherwise the kernel's handler to jump to with the original
 * frame, bit 0 set if the stub's fake error code must be dropped first.
 */
notrace unsigned long nooks_pd_exception(struct pt_regs *regs, unsigned long vec,
					 unsigned long cr2, unsigned long saved_cr3)
{
	struct nooks_domain *d = nooks_pd_domain_of_cr3(saved_cr3);
	void (*fwd)(void);
	struct desc_ptr idt;

	/* stage 1: the kernel's IDT sends #DF here too (nooks_df.c) */
	if (unlikely(vec == X86_TRAP_DF)) {
		store_idt(&idt);
		if (idt.address != pidt.address)
			return nooks_df_exception(regs);
	}
	nooks_pd_leave();	/* first: nothing below may write in the domain */
	if (vec == X86_TRAP_NMI || vec == X86_TRAP_MC || vec >= FIRST_EXTERNAL_VECTOR) {
		/* re-raise through the kernel IDT, then resume the domain */
		struct pt_regs *prev = this_cpu_read(pd_irq_regs);

		pd_nr_irq++;
		fwd = (void *)(nooks_pd_int_table + 8 * vec);
		this_cpu_write(pd_irq_regs, regs);	/* the watchdog's view */
		fwd();
		this_cpu_write(pd_irq_regs, prev);
		nooks_pd_enter(saved_cr3);
		return 1;
	}
	pd_nr_exc++;
	if (vec == X86_TRAP_PF && d) {
		switch (pd_page_fault(d, regs, cr2)) {
		case PF_RETRY:
			nooks_pd_enter(saved_cr3);
			return 1;
		case PF_RESUMED:
			return 1;
		}
	}
	if (vec == X86_TRAP_DF && d && pd_double_fault(d, regs))
		return 1;	/* resumed into its XPC frame, kernel state */
	return nooks_pd_ktarget[vec] | !has_error_code(vec);
}

/* Grant every CPU's private #DF stack in @d (at domain creation). */
int nooks_pd_df_grant(struct nooks_domain *d)
{
	int cpu, err = 0;

	if (!pd_df_ok)
		return 0;
	for_each_possible_cpu(cpu)
		if (!err)
			err = nooks_pd_grant(d, (void *)per_cpu(pd_df_stack, cpu),
					     PAGE_SIZE << PD_DF_ORDER);
	return err;
}

/* Private #DF stacks in ist[6] of every CPU's TSS; false: keep IST 1. */
static bool pd_df_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (per_cpu(cpu_tss_rw, cpu).x86_tss.ist[PD_IST_DF - 1]) {
			pr_warn("nooks: IST %d in use, no private #DF stack\n", PD_IST_DF);
			return false;
		}
	for_each_possible_cpu(cpu) {
		unsigned long s = __get_free_pages(GFP_KERNEL | __GFP_ZERO, PD_DF_ORDER);

		if (!s)
			return false;	/* nooks_pd_idt_exit() frees the others */
		per_cpu(pd_df_stack, cpu) = s;
	}
	for_each_possible_cpu(cpu)
		WRITE_ONCE(per_cpu(cpu_tss_rw, cpu).x86_tss.ist[PD_IST_DF - 1],
			   per_cpu(pd_df_stack, cpu) + (PAGE_SIZE << PD_DF_ORDER));
	return true;
}

/*
 * The domain context that the interrupt being handled on this CPU hit, or
 * NULL (the interrupt came through the kernel's IDT: get_irq_regs()).
 * The watchdog may rewrite its ip (nooks_frame_hang()).
 */
struct pt_regs *nooks_pd_irq_regs(void)
{
	return this_cpu_read(pd_irq_regs);
}

/* At nooks.ko unload: no domain exists any more. */
void nooks_pd_idt_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (pd_df_ok)
			WRITE_ONCE(per_cpu(cpu_tss_rw, cpu).x86_tss.ist[PD_IST_DF - 1], 0);
		if (per_cpu(pd_df_stack, cpu))
			free_pages(per_cpu(pd_df_stack, cpu), PD_DF_ORDER);
		per_cpu(pd_df_stack, cpu) = 0;
	}
	pd_df_ok = false;
}

int nooks_pd_idt_init(void)
{
	const gate_desc *k;
	int v;

	store_idt(&kidt);
	pd_df_ok = pd_df_init();
	k = (const gate_desc *)kidt.address;
	for (v = 0; v < IDT_ENTRIES; v++) {
		unsigned long stub = (unsigned long)nooks_pd_stubs + 16 * v;
		gate_desc g = k[v];

		nooks_pd_ktarget[v] = gate_offset(&k[v]);
		g.offset_low = (u16)stub;
		g.offset_middle = (u16)(stub >> 16);
		g.offset_high = (u32)(stub >> 32);
		/* on the private stack: the kernel's IST stacks are read-only
		 * in the domain (NMI/#MC are re-raised to the kernel's IST) */
		if (v == X86_TRAP_NMI || v == X86_TRAP_MC || v == X86_TRAP_DB)
			g.bits.ist = 0;
		/* #DF: a stack of ours, writable in every domain */
		if (v == X86_TRAP_DF && pd_df_ok)
			g.bits.ist = PD_IST_DF;
		pd_idt[v] = g;
	}
	pidt.size = kidt.size;
	pidt.address = (unsigned long)pd_idt;
	pr_info("nooks: domains available (private IDT at %px)\n", pd_idt);
	return 0;
}
