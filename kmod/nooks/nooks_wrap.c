// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_wrap.c - the common entry/exit of every kernel wrapper, and the
 * hand-written wrappers that are detectors or block on the domain's behalf.
 *
 * The generated wrappers (nooks_wrappers_gen.c: wrappers/gen.py) call
 * nooks_wrap_enter() first and nooks_wrap_leave() last; pass-through
 * thunks call nooks_pass_check().  A call from a failed domain does not
 * reach the kernel: it unwinds the caller's XPC (fail fast); nor does one
 * from an XPC the watchdog marked overdue (a hang: unwinds with a fault).
 *
 * Must never: unwind when the current context holds no XPC frame (that
 * would be an oops of our own); report and carry on instead.
 */
#include <linux/completion.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include "nooks.h"
#include "nooks_pd.h"

static bool runnable(struct nooks_domain *d)
{
	enum nooks_state s = READ_ONCE(d->state);

	return s == NOOKS_RUNNING ||
	       (s == NOOKS_RECOVERING && READ_ONCE(d->recoverer) == current);
}

/* Unwind the current XPC if there is one; return if there is none. */
static void unwind_current(struct nooks_domain *d, long ret, unsigned long ip)
{
	if (nooks_frame_find(current_stack_pointer, nooks_ctx_bits()))
		nooks_xpc_abort(ret);
	pr_warn_ratelimited("nooks: no_frame domain=%s ip=%pS\n", d->name,
			    (void *)ip);
}

/*
 * The watchdog found this CPU's XPC past the hang bound in kernel code it
 * called (nooks_watchdog.c): if it is the caller's, this call into the
 * kernel is where the hang ends, a fault (unwinds with -EFAULT).
 */
static void wrap_overdue(struct nooks_domain *d, unsigned long ret_ip)
{
	unsigned int ms;

	if (!nooks_hang_overdue_claim(&ms))
		return;
	pr_err("nooks: detail domain=%s hang_ms=%u irqs=%s in=kernel_calls\n", d->name, ms,
	       irqs_disabled() ? "off" : "on");
	nooks_wrap_fault(d, NOOKS_F_HANG, ret_ip);
}

/**
 * nooks_wrap_enter() - entry check of a kernel wrapper
 * @ret_ip: the wrapper's return address (who called it)
 *
 * Return: the calling domain, or NULL if the caller is not isolated code.
 * Does not return (unwinds the caller's XPC) if that domain has failed.
 */
struct nooks_domain *nooks_wrap_enter(unsigned long ret_ip)
{
	struct nooks_domain *d = nooks_domain_by_ip(ret_ip);
	struct nooks_frame *f;

	/*
	 * Only isolated modules call wrappers.  A tail call (`jmp kfree` at
	 * the end of an extension function) returns to the extension's
	 * kernel caller: the call is still the domain's, found through the
	 * innermost XPC frame of this context.
	 */
	if (!d) {
		f = nooks_frame_find(current_stack_pointer, nooks_ctx_bits());
		if (f)
			d = nooks_frame_domain(f);
	}

	nooks_pd_wrap_enter(d);		/* stage 2: kernel page tables */
	if (d && unlikely(!runnable(d)))
		unwind_current(d, -EIO, ret_ip);
	if (d && unlikely(raw_cpu_read(nooks_wd_overdue)))
		wrap_overdue(d, ret_ip);
	return d;
}
EXPORT_SYMBOL_GPL(nooks_wrap_enter);

/**
 * nooks_wrap_leave() - exit check of a kernel wrapper
 * @d: what nooks_wrap_enter() returned
 *
 * The domain may have failed while the kernel ran (a nested XPC faulted,
 * or recovery woke a blocked call): unwind instead of returning into it.
 */
void nooks_wrap_leave(struct nooks_domain *d)
{
	if (d && unlikely(!runnable(d)))
		unwind_current(d, -EIO, _RET_IP_);
	nooks_pd_wrap_leave(d);		/* stage 2: back into the domain */
}
EXPORT_SYMBOL_GPL(nooks_wrap_leave);

/* Called by the pass-through thunks with the slot of the thunk's return
 * address (stage 2 redirects it to switch back into the domain). */
void nooks_pass_check(unsigned long *ret_slot)
{
	nooks_pd_pass_redirect(nooks_wrap_enter(*ret_slot), ret_slot);
}

/* A wait in a wrapper saw the domain fail: leave it (-EIO to the XPC). */
void nooks_wrap_unwind_failed(struct nooks_domain *d, unsigned long ret_ip)
{
	nooks_pd_to_kernel_if_domain();
	unwind_current(d, -EIO, ret_ip);
}

/*
 * A bounded wait timed out: a fault (unwinds with -EFAULT) unless the
 * domain failed meanwhile, maybe through the other side of the same
 * deadlock (unwinds with -EIO, not counted again).
 */
void nooks_wrap_wait_fault(struct nooks_domain *d, enum nooks_fault kind,
			   unsigned long ret_ip)
{
	nooks_pd_to_kernel_if_domain();
	if (nooks_domain_fault_first(d, kind, ret_ip - 1))
		unwind_current(d, -EFAULT, ret_ip);
	else
		unwind_current(d, -EIO, ret_ip);
}

/**
 * nooks_wait_over() - after each unsuccessful try of a bounded wait
 * @w: the wait; its clock starts at the first call
 *
 * Return: true if the wait must end (the domain failed, or the wait passed
 * its bound): the caller undoes what it set up for the wait and calls
 * nooks_wait_give_up().
 */
bool nooks_wait_over(struct nooks_wait *w)
{
	u64 now = ktime_get_mono_fast_ns();

	if (!w->t0)
		w->t0 = now;
	if (unlikely(!runnable(w->d)))
		return true;
	return w->bound && now - w->t0 > w->bound;
}

/* A signal ends a wait in @state (TASK_INTERRUPTIBLE, TASK_KILLABLE). */
bool nooks_wait_interrupted(unsigned int state)
{
	return (state == TASK_INTERRUPTIBLE && signal_pending(current)) ||
	       (state == TASK_KILLABLE && fatal_signal_pending(current));
}

/* End a wait that nooks_wait_over() ended: unwinds the XPC. */
void nooks_wait_give_up(struct nooks_wait *w, unsigned long ret_ip)
{
	u64 ms = (ktime_get_mono_fast_ns() - w->t0) / NSEC_PER_MSEC;

	if (!runnable(w->d))
		nooks_wrap_unwind_failed(w->d, ret_ip);
	pr_err("nooks: detail domain=%s %s=%px wait_ms=%llu%s%s\n", w->d->name,
	       w->kind == NOOKS_F_HANG ? "sleep" : "deadlock", w->obj, ms,
	       *w->what ? " " : "", w->what);
	nooks_wrap_wait_fault(w->d, w->kind, ret_ip);
}

void nooks_wrap_fault(struct nooks_domain *d, enum nooks_fault kind,
		      unsigned long ret_ip)
{
	nooks_pd_to_kernel_if_domain();	/* stage 2: detectors run in it */
	/* report the call instruction, not what follows a noreturn call */
	nooks_domain_fault(d, kind, ret_ip - 1);
	unwind_current(d, -EFAULT, ret_ip);
}

void nooks_wrap_violation(struct nooks_domain *d, const char *what,
			  const void *ptr, unsigned long ret_ip)
{
	d->nr_checks++;
	pr_err("nooks: check domain=%s what=\"%s\" ptr=%px ip=%pS\n",
	       d->name, what, ptr, (void *)ret_ip);
	nooks_wrap_fault(d, NOOKS_F_CHECK, ret_ip);
}

/* ---- detectors: calls that mean the extension is broken ---------------- */

void __stack_chk_fail(void);

void nooks_w___stack_chk_fail(void)
{
	struct nooks_domain *d = nooks_domain_by_ip(_RET_IP_);

	nooks_pd_to_kernel_if_domain();	/* stage 2 */
	if (d)
		nooks_wrap_fault(d, NOOKS_F_STACKPROT, _RET_IP_);
	__stack_chk_fail();
}
EXPORT_SYMBOL_GPL(nooks_w___stack_chk_fail);

void nooks_w_fortify_panic(const char *name)
{
	struct nooks_domain *d = nooks_domain_by_ip(_RET_IP_);

	nooks_pd_to_kernel_if_domain();	/* stage 2 */
	if (d) {
		pr_err("nooks: detail domain=%s fortify=%s\n", d->name, name);
		nooks_wrap_fault(d, NOOKS_F_FORTIFY, _RET_IP_);
	}
	fortify_panic(name);
}
EXPORT_SYMBOL_GPL(nooks_w_fortify_panic);

void nooks_w_panic(const char *fmt, ...)
{
	struct nooks_domain *d = nooks_domain_by_ip(_RET_IP_);
	char msg[128];
	va_list ap;

	nooks_pd_to_kernel_if_domain();	/* stage 2 */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d) {
		pr_err("nooks: detail domain=%s panic=\"%s\"\n", d->name, msg);
		nooks_wrap_fault(d, NOOKS_F_PANIC, _RET_IP_);
	}
	panic("%s", msg);
}
EXPORT_SYMBOL_GPL(nooks_w_panic);

/* ---- blocking on the domain's behalf ----------------------------------- */

/* A thread blocked in a wrapper: recovery wakes it (quiesce). */
static void wait_quiesce(struct nooks_obj *o)
{
	complete_all(o->ptr);
}

static const struct nooks_obj_type nooks_obj_wait = {
	.name = "wait",
	.quiesce = wait_quiesce,
};

unsigned long nooks_w_wait_for_completion_timeout(struct completion *x,
						  unsigned long timeout)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	unsigned long ret;

	if (d)
		nooks_track(d, &nooks_obj_wait, x, NULL, GFP_KERNEL);
	ret = wait_for_completion_timeout(x, timeout);
	if (d)
		nooks_untrack(d, &nooks_obj_wait, x);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_wait_for_completion_timeout);

/*
 * wait_for_completion() for an extension: a wait longer than the sleep
 * bound (a completion that never comes) is a hang fault; a domain that
 * fails meanwhile unwinds (recovery's quiesce completes tracked waits).
 */
void nooks_w_wait_for_completion(struct completion *x)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct nooks_wait w = { .d = d, .obj = x, .what = "completion",
				.kind = NOOKS_F_HANG,
				.bound = nooks_sleep_bound_ns(),
				.t0 = ktime_get_mono_fast_ns() };
	unsigned long step = msecs_to_jiffies(100);

	if (!d) {
		wait_for_completion(x);
		return;
	}
	nooks_track(d, &nooks_obj_wait, x, NULL, GFP_KERNEL);
	while (!wait_for_completion_timeout(x, step)) {
		if (nooks_wait_over(&w)) {
			/* recovery's quiesce must not complete it later */
			nooks_untrack(d, &nooks_obj_wait, x);
			nooks_wait_give_up(&w, _RET_IP_);
		}
	}
	nooks_untrack(d, &nooks_obj_wait, x);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_wait_for_completion);
