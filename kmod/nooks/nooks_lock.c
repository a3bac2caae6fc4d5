// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_lock.c - spinlock wrappers: which locks the extensions hold on
 * each CPU, so that a leaked lock can be released and a self-deadlock
 * caught.
 *
 * Every _raw_spin_lock* an isolated module calls goes through a wrapper
 * here that pushes the lock on a small per-CPU stack; the unlock wrappers
 * remove it.  A spinlock holder does not sleep, so the CPU stays the same
 * between lock and unlock.  nooks_xpc() records the stack depth at entry;
 * when the XPC ends with a leaked lock (leaked_state()) or is unwound, the
 * locks pushed above that depth are unlocked (nooks_locks_release()): a
 * lock word in kernel memory (the netdev's tx locks that the inline
 * netif_tx_disable() takes) must not stay locked for the kernel's next
 * user.  Taking a lock this CPU's extensions already hold would spin
 * forever (the holder is below us on this CPU): a deadlock fault instead.
 * Unlocking a lock that is not locked (a deleted lock call) is a
 * lock_underflow fault before the preempt count goes below zero.
 *
 * Waits are bounded (issue 17): a spinlock wait longer than the
 * watchdog's hang_ms is a deadlock fault (sleeping locks: nooks_sleeplock.c).
 * Must never: spin on a lock this CPU holds or without a bound, sleep,
 * allocate.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include "nooks.h"

#define NOOKS_HELD_MAX 16

struct nooks_held {
	unsigned int n;
	raw_spinlock_t *lock[NOOKS_HELD_MAX];
};
static DEFINE_PER_CPU(struct nooks_held, nooks_held);

unsigned long nooks_nr_lock_releases;

/* Depth of this CPU's held-lock stack (recorded at XPC entry). */
unsigned int nooks_locks_depth(void)
{
	return raw_cpu_read(nooks_held.n);
}

/**
 * nooks_locks_release() - unlock what was pushed above @depth
 * @depth: nooks_locks_depth() at the XPC's entry
 * @cpu: the CPU the XPC was entered on
 * @unlock: unlock the lock words (a leak or an unwind); false: only drop
 *	the records (a clean exit)
 *
 * Context: the XPC's exit, any context.
 * Return: how many lock words were unlocked.
 */
unsigned int nooks_locks_release(unsigned int depth, int cpu, bool unlock)
{
	struct nooks_held *h;
	unsigned long flags;
	unsigned int n = 0;

	local_irq_save(flags);
	h = this_cpu_ptr(&nooks_held);
	if (cpu == smp_processor_id()) {
		while (h->n > depth) {
			raw_spinlock_t *l = h->lock[--h->n];

			if (unlock && raw_spin_is_locked(l)) {
				do_raw_spin_unlock(l);
				n++;
			}
		}
	}
	local_irq_restore(flags);
	nooks_nr_lock_releases += n;
	return n;
}

static void held_push(raw_spinlock_t *l)
{
	struct nooks_held *h;
	unsigned long flags;

	local_irq_save(flags);
	h = this_cpu_ptr(&nooks_held);
	if (h->n < NOOKS_HELD_MAX)
		h->lock[h->n++] = l;
	local_irq_restore(flags);
}

static void held_pop(raw_spinlock_t *l)
{
	struct nooks_held *h;
	unsigned long flags;
	int i;

	local_irq_save(flags);
	h = this_cpu_ptr(&nooks_held);
	for (i = h->n - 1; i >= 0; i--) {
		if (h->lock[i] != l)
			continue;
		memmove(&h->lock[i], &h->lock[i + 1],
			(h->n - i - 1) * sizeof(h->lock[0]));
		h->n--;
		break;
	}
	local_irq_restore(flags);
}

/* This CPU holds @l for an extension: taking it again never returns. */
static bool held_here(raw_spinlock_t *l)
{
	struct nooks_held *h;
	unsigned long flags;
	bool ret = false;
	int i;

	local_irq_save(flags);
	h = this_cpu_ptr(&nooks_held);
	for (i = 0; i < h->n && !ret; i++)
		ret = h->lock[i] == l && raw_spin_is_locked(l);
	local_irq_restore(flags);
	return ret;
}

/* Entry of every lock wrapper: a self-deadlock is a fault (unwinds). */
static struct nooks_domain *lock_enter(raw_spinlock_t *l, unsigned long ip)
{
	struct nooks_domain *d = nooks_wrap_enter(ip);

	if (d && unlikely(held_here(l))) {
		pr_err("nooks: detail domain=%s deadlock=%px\n", d->name, l);
		nooks_wrap_fault(d, NOOKS_F_DEADLOCK, ip);
	}
	return d;
}

/*
 * Take @l for @d with @trylock, spinning while it looks taken.  Waiting
 * longer than the watchdog's bound is a deadlock fault (ABBA across CPUs,
 * a holder that never unlocks; unwinds); a domain that fails meanwhile
 * unwinds too.  Without the lock's queue: a waiter that gives up must not
 * be left in it.
 */
static void spin_take_bounded(struct nooks_domain *d, raw_spinlock_t *l,
			      int (*trylock)(raw_spinlock_t *),
			      unsigned long ip)
{
	struct nooks_wait w = { .d = d, .obj = l, .what = "",
				.kind = NOOKS_F_DEADLOCK,
				.bound = nooks_hang_bound_ns() };

	while (!trylock(l)) {
		while (raw_spin_is_locked(l)) {
			cpu_relax();
			if (nooks_wait_over(&w))
				nooks_wait_give_up(&w, ip);
		}
	}
}

/*
 * The lock wrappers: the same IRQ/bh/preemption state as the kernel's lock
 * functions, the lock taken by spin_take_bounded().
 */
void nooks_w__raw_spin_lock(raw_spinlock_t *l)
{
	struct nooks_domain *d = lock_enter(l, _RET_IP_);

	if (!d)
		_raw_spin_lock(l);
	else
		spin_take_bounded(d, l, _raw_spin_trylock, _RET_IP_);
	held_push(l);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w__raw_spin_lock);

unsigned long nooks_w__raw_spin_lock_irqsave(raw_spinlock_t *l)
{
	struct nooks_domain *d = lock_enter(l, _RET_IP_);
	unsigned long flags;

	if (!d) {
		flags = _raw_spin_lock_irqsave(l);
	} else {
		local_irq_save(flags);
		spin_take_bounded(d, l, _raw_spin_trylock, _RET_IP_);
	}
	held_push(l);
	nooks_wrap_leave(d);
	return flags;
}
EXPORT_SYMBOL_GPL(nooks_w__raw_spin_lock_irqsave);

void nooks_w__raw_spin_lock_irq(raw_spinlock_t *l)
{
	struct nooks_domain *d = lock_enter(l, _RET_IP_);

	if (!d) {
		_raw_spin_lock_irq(l);
	} else {
		local_irq_disable();
		spin_take_bounded(d, l, _raw_spin_trylock, _RET_IP_);
	}
	held_push(l);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w__raw_spin_lock_irq);

void nooks_w__raw_spin_lock_bh(raw_spinlock_t *l)
{
	struct nooks_domain *d = lock_enter(l, _RET_IP_);

	if (!d)
		_raw_spin_lock_bh(l);
	else
		spin_take_bounded(d, l, _raw_spin_trylock_bh, _RET_IP_);
	held_push(l);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w__raw_spin_lock_bh);


/*
 * Entry of every unlock wrapper: unlocking a lock that is not locked (its
 * lock call was deleted) would drive the preempt count below the entry
 * value, into the NMI/hardirq bits: a fault (unwinds).  Return: false if
 * the unlock must be skipped (no frame to unwind).
 */
static bool unlock_enter(raw_spinlock_t *l, unsigned long ip,
			 struct nooks_domain **dp)
{
	struct nooks_domain *d = nooks_wrap_enter(ip);

	*dp = d;
	if (d && unlikely(!raw_spin_is_locked(l))) {
		pr_err("nooks: detail domain=%s unlock_unheld=%px\n", d->name, l);
		nooks_wrap_fault(d, NOOKS_F_LOCK_UNDERFLOW, ip);
		return false;
	}
	return true;
}

void nooks_w__raw_spin_unlock(raw_spinlock_t *l)
{
	struct nooks_domain *d;

	if (unlock_enter(l, _RET_IP_, &d)) {
		held_pop(l);
		_raw_spin_unlock(l);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w__raw_spin_unlock);

void nooks_w__raw_spin_unlock_irqrestore(raw_spinlock_t *l, unsigned long flags)
{
	struct nooks_domain *d;

	if (unlock_enter(l, _RET_IP_, &d)) {
		held_pop(l);
		_raw_spin_unlock_irqrestore(l, flags);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w__raw_spin_unlock_irqrestore);

void nooks_w__raw_spin_unlock_irq(raw_spinlock_t *l)
{
	struct nooks_domain *d;

	if (unlock_enter(l, _RET_IP_, &d)) {
		held_pop(l);
		_raw_spin_unlock_irq(l);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w__raw_spin_unlock_irq);

void nooks_w__raw_spin_unlock_bh(raw_spinlock_t *l)
{
	struct nooks_domain *d;

	if (unlock_enter(l, _RET_IP_, &d)) {
		held_pop(l);
		_raw_spin_unlock_bh(l);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w__raw_spin_unlock_bh);
