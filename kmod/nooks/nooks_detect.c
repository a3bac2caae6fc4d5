// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_detect.c - catch exceptions raised while a CPU runs in a domain,
 * before the kernel prints an oops or panics.
 *
 * Hooks (measured on the pinned 6.1 kernel, see docs/NIM.md):
 *   page faults  ftrace (SAVE_REGS|IPMODIFY) on page_fault_oops(): every
 *                kernel page-fault oops passes it, including the SMAP and
 *                instruction-fetch paths that skip fixup_exception().  An
 *                attributed fault skips the function (ip -> empty stub).
 *   #GP          die notifier, DIE_GPF (after fixup_exception()).
 *   #DE, #UD     die notifier, DIE_TRAP (before fixup_exception()).
 *   BUG()/WARN   the domain's bug table is hidden from report_bug(), so a
 *                BUG's ud2 reaches DIE_TRAP unprinted; a WARN's entry is
 *                looked up here, reported with the "nooks:" prefix and
 *                skipped, as the kernel would.
 *   aborts       nooks_xpc_abort() traps at a known ud2 (DIE_TRAP).
 *   hangs        the watchdog sends a hung context to nooks_hang_trap, a
 *                ud2 of its own (DIE_TRAP, nooks_hang_catch()).
 * Anything not attributed to a live frame goes on to the kernel's own
 * handling (oops/panic): the NIM never hides a kernel fault.
 *
 * Must never: change IF in the hook (the trap path restores it from
 * regs->flags; nooks_xpc() repairs it after the resume), sleep, or fault.
 */
#include <linux/bug.h>
#include <linux/ftrace.h>
#include <linux/kdebug.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/traps.h>
#include "nooks.h"

extern const char nooks_xpc_abort_trap[];
extern const char nooks_hang_trap[];

static unsigned long pf_oops_addr;

/* Attribute the exception in @regs; resume its frame if it is ours. */
static bool nooks_catch(struct pt_regs *regs, enum nooks_fault kind)
{
	unsigned long ctx = nooks_ctx_bits();
	struct nooks_frame *f;
	struct nooks_domain *d;

	if (user_mode(regs))
		return false;
	f = nooks_frame_find(regs->sp, ctx);
	/* sp on no stack: the extension corrupted it (nooks_df.c) */
	if (!f && !nooks_sp_on_stack(regs->sp))
		f = nooks_frame_find_lost(ctx);
	if (!f)
		return false;
	d = nooks_frame_domain(f);
	/* a wild call/jump: the return address says where it came from */
	if (!nooks_domain_by_ip(regs->ip) &&
	    get_kernel_nofault(d->fault_from, (unsigned long *)regs->sp))
		d->fault_from = 0;
	nooks_domain_fault(d, kind, regs->ip);
	return nooks_frame_resume(f, regs, -EFAULT);
}

static notrace void nooks_pf_skip(struct pt_regs *regs, unsigned long err,
				  unsigned long addr)
{
}

static void notrace nooks_pf_hook(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *hregs = ftrace_get_regs(fregs);
	struct pt_regs *fault;

	if (!hregs)
		return;
	fault = (struct pt_regs *)hregs->di;
	if (nooks_catch(fault, NOOKS_F_PAGE))
		hregs->ip = (unsigned long)nooks_pf_skip;
}

static struct ftrace_ops nooks_pf_ops = {
	.func = nooks_pf_hook,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		 FTRACE_OPS_FL_RECURSION,
};

static const struct bug_entry *find_hidden_bug(struct nooks_domain *d,
					       unsigned long ip)
{
	unsigned int i;

	for (i = 0; i < d->num_bugs; i++) {
		const struct bug_entry *b = &d->bug_table[i];

		if ((unsigned long)&b->bug_addr_disp + b->bug_addr_disp == ip)
			return b;
	}
	return NULL;
}

/* A WARN in domain code: report it like the kernel would, and go on. */
static bool nooks_warn(struct pt_regs *regs)
{
	struct nooks_domain *d = nooks_domain_by_ip(regs->ip);
	const struct bug_entry *b;

	if (!d)
		return false;
	b = find_hidden_bug(d, regs->ip);
	if (!b || !(b->flags & BUGFLAG_WARNING))
		return false;
	pr_warn("nooks: warn domain=%s ip=%pS\n", d->name, (void *)regs->ip);
	regs->ip += LEN_UD2;
	return true;
}

static int nooks_die(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;
	enum nooks_fault kind;

	if (val == DIE_GPF) {
		kind = NOOKS_F_GPF;
	} else if (val == DIE_TRAP) {
		if (args->trapnr == X86_TRAP_UD) {
			if (regs->ip == (unsigned long)nooks_xpc_abort_trap) {
				struct nooks_frame *f =
					nooks_frame_find(regs->sp, nooks_ctx_bits());

				if (f && nooks_frame_resume(f, regs, regs->di))
					return NOTIFY_STOP;
				return NOTIFY_DONE;	/* no frame: oops */
			}
			if (regs->ip == (unsigned long)nooks_hang_trap)
				return nooks_hang_catch(regs) ? NOTIFY_STOP :
				       NOTIFY_DONE;
			if (nooks_warn(regs))
				return NOTIFY_STOP;
			kind = nooks_domain_by_ip(regs->ip) &&
			       find_hidden_bug(nooks_domain_by_ip(regs->ip), regs->ip) ?
			       NOOKS_F_BUG : NOOKS_F_TRAP;
		} else {
			kind = NOOKS_F_TRAP;
		}
	} else {
		return NOTIFY_DONE;
	}
	return nooks_catch(regs, kind) ? NOTIFY_STOP : NOTIFY_DONE;
}

static struct notifier_block nooks_die_nb = {
	.notifier_call = nooks_die,
	.priority = INT_MAX,
};

/**
 * nooks_hide_bugs() - hide a domain's BUG/WARN table from report_bug()
 * @d: domain whose module just came up
 *
 * report_bug() prints before any hook can run; with the table hidden, the
 * ud2 of a BUG() goes straight to the DIE_TRAP notifier.
 */
void nooks_hide_bugs(struct nooks_domain *d)
{
	d->bug_table = d->mod->bug_table;
	d->num_bugs = d->mod->num_bugs;
	WRITE_ONCE(d->mod->num_bugs, 0);
}

void nooks_unhide_bugs(struct nooks_domain *d)
{
	if (d->mod)
		WRITE_ONCE(d->mod->num_bugs, d->num_bugs);
}

int nooks_detect_init(void)
{
	int err;

	pf_oops_addr = nooks_lookup("page_fault_oops");
	if (!pf_oops_addr)
		return -ENOENT;
	err = ftrace_set_filter_ip(&nooks_pf_ops, pf_oops_addr, 0, 0);
	if (err)
		return err;
	err = register_ftrace_function(&nooks_pf_ops);
	if (err)
		goto err_filter;
	err = register_die_notifier(&nooks_die_nb);
	if (err)
		goto err_ftrace;
	return 0;
err_ftrace:
	unregister_ftrace_function(&nooks_pf_ops);
err_filter:
	ftrace_set_filter_ip(&nooks_pf_ops, pf_oops_addr, 1, 0);
	return err;
}

void nooks_detect_exit(void)
{
	unregister_die_notifier(&nooks_die_nb);
	unregister_ftrace_function(&nooks_pf_ops);
	ftrace_set_filter_ip(&nooks_pf_ops, pf_oops_addr, 1, 0);
}
