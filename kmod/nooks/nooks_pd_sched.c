// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_pd_sched.c - stage 2: scheduling calls made from inside a
 * protection domain.
 *
 * Inline kernel code compiled into an extension calls the scheduler
 * through static-call trampolines: preempt_enable() calls
 * __SCT__preempt_schedule (a "thunk" call: every register is preserved),
 * cond_resched()/might_sleep() call __SCT__cond_resched and
 * __SCT__might_resched.  Stage 1 leaves them bound to the kernel.  With a
 * domain they would switch tasks with the domain's page tables loaded, and
 * the next task would run the kernel read-only.  `nooks isolate` binds
 * them to the thunks below, which leave the domain (if the CPU is in one),
 * call the kernel's trampoline, and re-enter the domain on whatever CPU
 * the task resumes on.  Outside a domain they cost one CR3 read.
 *
 * Must never: clobber a register other than %rax's return value (the
 * preempt_schedule contract), or write memory other than the current
 * stack before the domain is left.
 */
#include <linux/linkage.h>
#include <linux/module.h>
#include "nooks.h"
#include "nooks_pd.h"

/* In a domain: leave it and return its CR3 (to re-enter); else 0. */
notrace unsigned long nooks_pd_sched_out(void)
{
	unsigned long cr3;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	if (!nooks_pd_domain_of_cr3(cr3))
		return 0;
	nooks_pd_leave();
	return cr3;
}

/*
 * Frame: the nine caller-saved registers, then the domain CR3 (0: none).
 * %rax after the call is the trampoline's result (cond_resched) or the
 * preserved value (preempt_schedule); it replaces the saved %rax.
 */
#define NOOKS_SCHED_THUNK(sym)						\
asm(".pushsection .text, \"ax\"\n"					\
    ".globl nooks_w_" #sym "\n"						\
    ".type nooks_w_" #sym ", @function\n"				\
    "nooks_w_" #sym ":\n"						\
    "\tpushq %rax\n\tpushq %rcx\n\tpushq %rdx\n\tpushq %rsi\n"		\
    "\tpushq %rdi\n\tpushq %r8\n\tpushq %r9\n\tpushq %r10\n"		\
    "\tpushq %r11\n"							\
    "\tcall nooks_pd_sched_out\n"					\
    "\tpushq %rax\n"							\
    "\tmovq 72(%rsp), %rax\n"						\
    "\tcall " #sym "\n"							\
    "\tmovq %rax, 72(%rsp)\n"						\
    "\tpopq %rdi\n"							\
    "\ttestq %rdi, %rdi\n"						\
    "\tjz 1f\n"								\
    "\tcall nooks_pd_enter\n"						\
    "1:\n"								\
    "\tpopq %r11\n\tpopq %r10\n\tpopq %r9\n\tpopq %r8\n"		\
    "\tpopq %rdi\n\tpopq %rsi\n\tpopq %rdx\n\tpopq %rcx\n"		\
    "\tpopq %rax\n"							\
    "\tjmp __x86_return_thunk\n\tint3\n"				\
    ".size nooks_w_" #sym ", .-nooks_w_" #sym "\n"			\
    ".popsection\n");							\
extern void nooks_w_##sym(void);					\
EXPORT_SYMBOL_GPL(nooks_w_##sym)

NOOKS_SCHED_THUNK(__SCT__preempt_schedule);
NOOKS_SCHED_THUNK(__SCT__preempt_schedule_notrace);
NOOKS_SCHED_THUNK(__SCT__cond_resched);
NOOKS_SCHED_THUNK(__SCT__might_resched);
