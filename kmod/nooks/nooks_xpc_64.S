/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nooks_xpc_64.S - the one place the CPU enters an extension domain.
 *
 * nooks_xpc_enter(frame) saves the callee-saved registers on the stack,
 * records the stack pointer in frame->sp and calls frame->fn(a0..a5)
 * XPC_GAP bytes below (stage 1) or on the domain's private stack (stage 2).
 * nooks_xpc_exit is the common return: the normal return falls through to
 * it, and a fault resumes there with sp = frame->sp and ax = error (see
 * nooks_frame_resume()), which restores the kernel caller's registers as
 * if fn had returned.  Offsets match struct nooks_frame in nooks_xpc.c.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

#define F_SP	0
#define F_FN	8
#define F_A0	16
#define F_A1	24
#define F_A2	32
#define F_A3	40
#define F_A4	48
#define F_A5	56
#define F_STACK	64
#define F_CR3	72
/*
 * Stage 1: the extension's stack starts this far below the registers
 * saved here, so that a function whose frame allocation was corrupted
 * (a mutated `sub $0x70, %rsp`) writes its locals into the gap, not over
 * what nooks_xpc_exit restores: a fault then still resumes cleanly.
 */
#define XPC_GAP	256

	.text
SYM_FUNC_START(nooks_xpc_enter)
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	movq	%rsp, F_SP(%rdi)
	/* stage 2: onto the private stack (top: frame link, kernel sp) and
	 * into the domain's page tables (nooks_pd_idt.c) */
	movq	F_STACK(%rdi), %rax
	leaq	-XPC_GAP(%rsp), %rdx
	testq	%rax, %rax
	cmovzq	%rdx, %rax
	movq	%rdi, -8(%rax)
	movq	%rsp, -16(%rax)
	leaq	-16(%rax), %rsp
	movq	%rdi, %rbx
	movq	F_CR3(%rdi), %rdi
	testq	%rdi, %rdi
	jz	1f
	call	nooks_pd_enter
1:	movq	%rbx, %rdi
	movq	F_FN(%rdi), %rax
	movq	F_A5(%rdi), %r9
	movq	F_A4(%rdi), %r8
	movq	F_A3(%rdi), %rcx
	movq	F_A2(%rdi), %rdx
	movq	F_A1(%rdi), %rsi
	movq	F_A0(%rdi), %rdi
	CALL_NOSPEC rax
	/* stage 2: back to the kernel's tables before writing its stack */
	movq	8(%rsp), %rdi
	cmpq	$0, F_CR3(%rdi)
	je	2f
	pushq	%rax
	pushq	%rax
	call	nooks_pd_leave
	popq	%rax
	popq	%rax
2:	popq	%rsp
SYM_INNER_LABEL(nooks_xpc_exit, SYM_L_GLOBAL)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	RET
SYM_FUNC_END(nooks_xpc_enter)

/*
 * nooks_xpc_abort_trap: a ud2 that no bug table knows.  nooks_xpc_abort()
 * lands here; the #UD die notifier recognises the address and resumes the
 * innermost frame exactly as for a fault.  Never returns.
 */
SYM_FUNC_START(nooks_xpc_abort_trap)
	ud2
SYM_INNER_LABEL(nooks_xpc_abort_trap_end, SYM_L_GLOBAL)
	int3
SYM_FUNC_END(nooks_xpc_abort_trap)

/*
 * nooks_hang_trap: where the watchdog (nooks_watchdog.c) sends a hung
 * extension context; the #UD resumes its frame (nooks_hang_catch()).
 */
SYM_FUNC_START(nooks_hang_trap)
	ud2
	int3
SYM_FUNC_END(nooks_hang_trap)
