// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_valid.c - is an object argument of a kernel call an object of its
 * type?  The kernel's timer and workqueue calls trust the struct they are
 * handed: a corrupted pointer makes lock_timer_base() or
 * try_to_grab_pending() spin, or cancel_work_sync() sleep, forever (in a
 * campaign, an e1000 mutant's shutdown passed cancel_delayed_work_sync()
 * a stale register and the guest never powered off, natively and under
 * the NIM).  The wrappers of those calls check the struct first (the
 * valid() effect of wrappers/core.def); one that is none is a wrapper
 * check fault, and the call is skipped.
 *
 * What "is one" means here:
 *   - the struct can be read (copy_from_kernel_nofault);
 *   - its callback is one of the NIM's shadows or the entry of a function
 *     kallsyms knows (the kernel, a module, the extension itself); a timer's
 *     may be NULL (a zeroed timer never set up: the kernel handles it), a
 *     work's may not (__flush_work() WARNs and flushes nothing: a work
 *     never initialised, or no work at all);
 *   - a delayed work's timer runs delayed_work_timer_fn;
 *   - a timer names a possible CPU;
 *   - a socket (struct sock) is its socket's: sk->sk_socket->sk == sk
 *     (lock_sock() on anything else spins with bottom halves off, and
 *     freezes a one-CPU guest).
 * Invariant: only fields that stay constant while the object is live are
 * looked at (callbacks, the timer's CPU), never state another CPU may be
 * changing under us (pending bits, list links): a live object of the type
 * always passes.  Checked function addresses are cached (a small array,
 * emptied when a module goes away) so that a mod_timer() per packet does
 * not look up kallsyms each time.
 */
#include <linux/kallsyms.h>
#include <net/sock.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include "nooks.h"

#define FN_CACHE 16
static unsigned long fn_cache[FN_CACHE];
static atomic_t fn_cache_next = ATOMIC_INIT(0);

/* Forget the cached functions: a module went away (its text may be reused). */
void nooks_valid_forget(void)
{
	int i;

	for (i = 0; i < FN_CACHE; i++)
		WRITE_ONCE(fn_cache[i], 0);
}

/* Is @fn where a function kallsyms knows starts ("name+0x0/size")? */
static noinline bool function_entry(unsigned long fn)
{
	char sym[KSYM_SYMBOL_LEN];

	sprint_symbol(sym, fn);
	return strstr(sym, "+0x0/") != NULL;
}

static bool callback_ok(unsigned long fn)
{
	int i;

	if (nooks_shadow_callback(fn))
		return true;
	for (i = 0; i < FN_CACHE; i++)
		if (READ_ONCE(fn_cache[i]) == fn)
			return true;
	if (!function_entry(fn))
		return false;
	i = (unsigned int)atomic_inc_return(&fn_cache_next) % FN_CACHE;
	WRITE_ONCE(fn_cache[i], fn);
	return true;
}

bool nooks_valid_work(struct work_struct *w)
{
	work_func_t fn;

	return !copy_from_kernel_nofault(&fn, &w->func, sizeof(fn)) &&
	       fn && callback_ok((unsigned long)fn);
}

/* Read @t's callback into @fn; the timer must name a possible CPU. */
static bool timer_read(struct timer_list *t, void (**fn)(struct timer_list *))
{
	u32 flags;

	return !copy_from_kernel_nofault(fn, &t->function, sizeof(*fn)) &&
	       !copy_from_kernel_nofault(&flags, &t->flags, sizeof(flags)) &&
	       (flags & TIMER_CPUMASK) < nr_cpu_ids;
}

bool nooks_valid_timer(struct timer_list *t)
{
	void (*fn)(struct timer_list *);

	return timer_read(t, &fn) && (!fn || callback_ok((unsigned long)fn));
}

bool nooks_valid_dwork(struct delayed_work *dw)
{
	void (*fn)(struct timer_list *);

	return nooks_valid_work(&dw->work) && timer_read(&dw->timer, &fn) &&
	       (!fn || fn == delayed_work_timer_fn);
}

bool nooks_valid_sock(struct sock *sk)
{
	struct socket *sock;
	struct sock *back;

	return !copy_from_kernel_nofault(&sock, &sk->sk_socket, sizeof(sock)) &&
	       sock &&
	       !copy_from_kernel_nofault(&back, &sock->sk, sizeof(back)) &&
	       back == sk;
}
