// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_df.c - double faults in stage 1: an extension that corrupts its
 * stack pointer (a mutated `mov ..., %esp`, `xor %edx, %esp`) takes a
 * page fault that the CPU cannot deliver on that stack, so a #DF, which
 * the kernel's handler turns into a panic whatever a die notifier says.
 *
 * At load the kernel IDT's #DF gate is pointed at the private IDT's #DF
 * stub (nooks_pd_64.S: the same gate otherwise, IST stack included),
 * through a writable alias of the IDT's page; at unload the kernel's
 * handler is put back.  The stub calls nooks_pd_exception(), which hands
 * a #DF that came through the kernel's IDT to nooks_df_exception(): if the
 * faulting ip is an extension's code, or the stack pointer is on none of
 * the CPU's or task's stacks (a wild jump after the corruption), and the
 * faulting context runs below a live XPC frame (of the ip's domain, if
 * the ip is an extension's), the frame is resumed as after any fault
 * (kind=double_fault).  The stack pointer is garbage, so the frame is
 * looked for from the bottom of the context's stack: this CPU's IRQ stack
 * (hardirq, softirq) and the task's stack (nooks_frame_find_lost(), which
 * the page-fault, #GP and trap hooks use too when sp is off every stack).
 * Anything else goes on to the kernel's handler with the hardware frame
 * as the CPU left it.  Stage 2 domains take #DF through the private IDT
 * (nooks_pd_idt.c: a private stack's overflow).
 *
 * Must never: resume a context whose ip is kernel code on a sane stack;
 * store anything in the gate but the kernel's handler or the stub (one
 * 8-byte store: the handler addresses differ in their low 32 bits only).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/vmalloc.h>
#include <asm/desc.h>
#include <asm/page.h>
#include <asm/set_memory.h>
#include <asm/traps.h>
#include "nooks.h"
#include "nooks_pd.h"

extern const char nooks_pd_stubs[];	/* 256 stubs, 16 bytes apart */

static unsigned long df_ktarget;	/* the kernel's #DF handler */
static u64 df_kernel_word, df_stub_word;	/* the gate's first 8 bytes */
static u64 *df_alias;
static struct desc_ptr df_idt;
static unsigned long df_irq_stack_ptr;	/* &hardirq_stack_ptr (per CPU) */
static unsigned long df_nr;
module_param_named(double_faults, df_nr, ulong, 0444);
MODULE_PARM_DESC(double_faults, "double faults in extensions recovered (stage 1)");

/*
 * A writable alias of the first half of the kernel IDT's #DF gate (the
 * IDT is read-only), kept from load to unload so that putting the
 * kernel's handler back cannot fail.
 */
static u64 *df_alias_map(void)
{
	unsigned long va = df_idt.address + X86_TRAP_DF * sizeof(gate_desc);
	phys_addr_t pa = slow_virt_to_phys((void *)va);
	struct page *pg = pfn_to_page(PHYS_PFN(pa));
	void *alias = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);

	return alias ? alias + offset_in_page(pa) : NULL;
}

/* Lowest address of this CPU's IRQ stack, or 0. */
static unsigned long df_irq_stack_low(void)
{
	unsigned long top;

	if (!df_irq_stack_ptr)
		return 0;
	top = *(unsigned long *)per_cpu_ptr((void __percpu *)df_irq_stack_ptr,
					    smp_processor_id());
	return top ? top + 8 - IRQ_STACK_SIZE : 0;	/* irq_64.c: top - 8 */
}

/**
 * nooks_frame_find_lost() - the context's XPC frame when its sp is lost
 * @ctx: nooks_ctx_bits() of the faulting context (the current one)
 *
 * Kernel code never runs with its stack pointer off its stacks: a
 * context whose sp is garbage, or points into the heap, below a live XPC
 * frame is the extension's doing.  The frame is the innermost live one
 * from the bottom of this CPU's IRQ stack (hardirq, softirq) or the
 * task's stack.
 * Return: the frame or NULL.
 */
struct nooks_frame *nooks_frame_find_lost(unsigned long ctx)
{
	unsigned long low = df_irq_stack_low();
	struct nooks_frame *f = NULL;

	if (ctx && low)		/* hardirq or softirq on the IRQ stack */
		f = nooks_frame_find(low, ctx);
	if (!f)			/* process context, or ksoftirqd */
		f = nooks_frame_find((unsigned long)task_stack_page(current), ctx);
	return f;
}

/**
 * nooks_df_exception() - a #DF that came through the kernel's IDT
 * @regs: the faulting context (sp may be anything)
 *
 * Context: the #DF's IST stack, IRQs off, the faulting context's preempt
 * count.
 * Return: 1 if the context was resumed into its XPC frame (iret), else
 * the kernel's handler to jump to.
 */
notrace unsigned long nooks_df_exception(struct pt_regs *regs)
{
	struct nooks_domain *d;
	struct nooks_frame *f;

	if (user_mode(regs))
		return df_ktarget;
	d = nooks_domain_by_ip(regs->ip);
	/* kernel code on a sane stack: a kernel stack overflow, the kernel's */
	if (!d && nooks_sp_on_stack(regs->sp))
		return df_ktarget;
	f = nooks_frame_find_lost(nooks_ctx_bits());
	if (!f || (d && nooks_frame_domain(f) != d))
		return df_ktarget;
	d = nooks_frame_domain(f);
	df_nr++;
	pr_err("nooks: detail domain=%s double_fault sp=%px cr2=%px ip=%pS\n",
	       d->name, (void *)regs->sp, (void *)read_cr2(), (void *)regs->ip);
	nooks_domain_fault(d, NOOKS_F_DOUBLE_FAULT, regs->ip);
	nooks_frame_resume(f, regs, -EFAULT);
	return 1;
}

/* Point the kernel's #DF gate at the stub; failing that, #DF stays fatal. */
void nooks_df_init(void)
{
	unsigned long stub = (unsigned long)nooks_pd_stubs + 16 * X86_TRAP_DF;
	gate_desc g;

	store_idt(&df_idt);
	g = ((const gate_desc *)df_idt.address)[X86_TRAP_DF];
	df_ktarget = gate_offset(&g);
	if ((stub >> 32) != (df_ktarget >> 32)) {
		pr_warn("nooks: double faults in extensions stay fatal: stub %px too far from %px\n",
			(void *)stub, (void *)df_ktarget);
		return;
	}
	df_irq_stack_ptr = nooks_lookup("hardirq_stack_ptr");
	df_alias = df_alias_map();
	if (!df_alias) {
		pr_warn("nooks: double faults in extensions stay fatal: no alias of the IDT\n");
		return;
	}
	memcpy(&df_kernel_word, &g, sizeof(u64));
	g.offset_low = (u16)stub;
	g.offset_middle = (u16)(stub >> 16);
	memcpy(&df_stub_word, &g, sizeof(u64));
	WRITE_ONCE(*df_alias, df_stub_word);
	pr_info("nooks: double faults in extensions recovered (#DF gate -> %px)\n", (void *)stub);
}

/* Give the kernel its #DF handler back (before the stub's code goes). */
void nooks_df_exit(void)
{
	if (!df_alias)
		return;
	WRITE_ONCE(*df_alias, df_kernel_word);
	vunmap((void *)((unsigned long)df_alias & PAGE_MASK));
	df_alias = NULL;
}
