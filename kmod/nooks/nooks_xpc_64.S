/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nooks_xpc_64.S - the one place the CPU enters an extension domain.
 *
 * nooks_xpc_enter(frame) saves the callee-saved registers on the stack,
 * records the stack pointer in frame->sp and calls frame->fn(a0..a5).
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
	movq	F_FN(%rdi), %rax
	movq	F_A5(%rdi), %r9
	movq	F_A4(%rdi), %r8
	movq	F_A3(%rdi), %rcx
	movq	F_A2(%rdi), %rdx
	movq	F_A1(%rdi), %rsi
	movq	F_A0(%rdi), %rdi
	CALL_NOSPEC rax
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
