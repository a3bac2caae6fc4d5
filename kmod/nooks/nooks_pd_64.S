/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nooks_pd_64.S - stage 2 entry code: the private IDT's 256 stubs, the
 * re-raise table, and the return trampoline of pass-through wrappers.
 *
 * A stub runs on the interrupted context's stack (always a writable
 * private stack: the private IDT sends NMI, #MC and #DB there too, never
 * to an IST stack), completes a struct pt_regs, and calls
 * nooks_pd_exception(regs, vector, cr2, cr3) (nooks_pd_idt.c), which
 * switches to the kernel's tables before anything else is written and
 * decides: iret (fault repaired, frame resumed, or interrupt handled by
 * re-raising it through the kernel IDT), or jump to the kernel's own
 * handler with the original hardware frame.  Must never: touch memory
 * other than the current stack before that call.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

	.text

	.p2align 4
SYM_CODE_START_NOALIGN(nooks_pd_stubs)
	UNWIND_HINT_EMPTY
	/* each stub: [fake error code], vector, jump; 16 bytes apart */
	vec = 0
	.rept 256
	.if !((vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30))
	pushq	$-1
	.endif
	pushq	$vec
	jmp	nooks_pd_common
	.p2align 4, 0xcc
	vec = vec + 1
	.endr
SYM_CODE_END(nooks_pd_stubs)

/* stack: vector, error code, hardware frame */
SYM_CODE_START(nooks_pd_common)
	UNWIND_HINT_EMPTY
	xchgq	%rdi, (%rsp)		/* pt_regs->di in the vector's slot */
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rdi, %rsi		/* vector */
	movq	%rsp, %rdi		/* pt_regs */
	movq	%cr2, %rdx
	movq	%cr3, %rcx
	cld
	subq	$8, %rsp		/* 168 bytes pushed: realign */
	call	nooks_pd_exception
	addq	$8, %rsp
	cmpq	$1, %rax
	je	.Liret
	testq	$1, %rax
	jnz	.Lfwd_noerr
	movq	%rax, -8(%rsp)
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	/* kernel IDT loaded, IRQs off: nothing reuses the slot below sp */
	ANNOTATE_RETPOLINE_SAFE
	jmp	*-128(%rsp)
.Lfwd_noerr:
	andq	$~1, %rax
	movq	%rax, -8(%rsp)
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	addq	$8, %rsp		/* the stub's fake error code */
	ANNOTATE_RETPOLINE_SAFE
	jmp	*-136(%rsp)
.Liret:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	addq	$8, %rsp		/* error code */
	iretq
SYM_CODE_END(nooks_pd_common)

/* nooks_pd_int_table + 8 * v: "int $v; ret" (re-raise through the kernel IDT) */
	.p2align 3
SYM_CODE_START_NOALIGN(nooks_pd_int_table)
	UNWIND_HINT_EMPTY
	vec = 0
	.rept 256
	int	$vec
	ANNOTATE_UNRET_SAFE
	ret
	.p2align 3, 0xcc
	vec = vec + 1
	.endr
SYM_CODE_END(nooks_pd_int_table)

/*
 * A pass-through kernel function returns here (kernel tables, rax/rdx its
 * result); nooks_pd_pass_back() enters the domain again and gives the real
 * return address, which we return to.
 */
SYM_CODE_START(nooks_pd_pass_ret)
	UNWIND_HINT_EMPTY
	pushq	$0
	pushq	%rax
	pushq	%rdx
	subq	$8, %rsp
	call	nooks_pd_pass_back
	addq	$8, %rsp
	movq	%rax, 16(%rsp)
	popq	%rdx
	popq	%rax
	ANNOTATE_UNRET_SAFE
	ret
SYM_CODE_END(nooks_pd_pass_ret)
