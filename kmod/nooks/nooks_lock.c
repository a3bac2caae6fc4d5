// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_lock.c - spinlock and rwlock wrappers: which locks the extensions
 * hold on each CPU, so that a leaked lock can be released and a
 * self-deadlock caught.
 *
 * Every _raw_spin_lock*, _raw_read_lock* and _raw_write_lock* (and their
 * trylocks) an isolated module calls goes through a wrapper here that
 * pushes the lock and how it is held (spin, read, write) on a small
 * per-CPU stack; the unlock wrappers remove it.  A holder does not sleep,
 * so the CPU stays the same between lock and unlock.  nooks_xpc() records the stack depth at entry;
 * when the XPC ends with a leaked lock (leaked_state()) or is unwound, the
 * locks pushed above that depth are unlocked (nooks_locks_release()): a
 * lock word in kernel memory (the netdev's tx locks that the inline
 * netif_tx_disable() takes) must not stay locked for the kernel's next
 * user.  Taking a lock this CPU's extensions already hold would spin
 * forever (the holder is below us on this CPU): a deadlock fault instead
 * (an rwlock: any lock for writing, or for reading one held for writing;
 * a second read lock is allowed, as the kernel allows it).  Unlocking a
 * lock that is not locked (a deleted lock call; an rwlock not held in
 * that mode) is a lock_underflow fault before the preempt count goes below
 * zero.  The rwlock checks read the queued rwlock's count word
 * (asm-generic/qrwlock.h: x86's rwlock).
 *
 * Waits are bounded (issue 17): a spinlock wait longer than the
 * watchdog's hang_ms is a deadlock fault (sleeping locks: nooks_sleeplock.c).
 * Must never: spin on a lock this CPU holds or without a bound, sleep,
 * allocate.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <asm/qrwlock.h>
#include "nooks.h"

#define NOOKS_HELD_MAX 16

enum held_mode { HELD_SPIN, HELD_READ, HELD_WRITE };

struct nooks_held {
	unsigned int n;
	void *lock[NOOKS_HELD_MAX];
	u8 mode[NOOKS_HELD_MAX];
};
static DEFINE_PER_CPU(struct nooks_held, nooks_held);

unsigned long nooks_nr_lock_releases;

/* Is @l locked in @mode (HELD_READ: by some reader)? */
static bool locked_as(void *l, enum held_mode mode)
{
	u32 cnts;

	if (mode == HELD_SPIN)
		return raw_spin_is_locked((raw_spinlock_t *)l);
	cnts = atomic_read(&((rwlock_t *)l)->raw_lock.cnts);
	return mode == HELD_WRITE ? (cnts & _QW_WMASK) == _QW_LOCKED :
				    cnts >= _QR_BIAS;
}

/* Unlock the lock word only: preemption, bh and IRQs are the caller's. */
static void unlock_word(void *l, enum held_mode mode)
{
	if (mode == HELD_SPIN)
		do_raw_spin_unlock((raw_spinlock_t *)l);
	else if (mode == HELD_READ)
		do_raw_read_unlock((rwlock_t *)l);
	else
		do_raw_write_unlock((rwlock_t *)l);
}

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
			void *l = h->lock[--h->n];
			enum held_mode mode = h->mode[h->n];

			if (unlock && locked_as(l, mode)) {
				unlock_word(l, mode);
				n++;
			}
		}
	}
	local_irq_restore(flags);
	nooks_nr_lock_releases += n;
	return n;
}

static void held_push(void *l, enum held_mode mode)
{
	struct nooks_held *h;
	unsigned long flags;

	local_irq_save(flags);
	h = this_cpu_ptr(&nooks_held);
	if (h->n < NOOKS_HELD_MAX) {
		h->lock[h->n] = l;
		h->mode[h->n++] = mode;
	}
	local_irq_restore(flags);
}

static void held_pop(void *l, enum held_mode mode)
{
	struct nooks_held *h;
	unsigned long flags;
	int i;

	local_irq_save(flags);
	h = this_cpu_ptr(&nooks_held);
	for (i = h->n - 1; i >= 0; i--) {
		if (h->lock[i] != l || h->mode[i] != mode)
			continue;
		memmove(&h->lock[i], &h->lock[i + 1],
			(h->n - i - 1) * sizeof(h->lock[0]));
		memmove(&h->mode[i], &h->mode[i + 1], h->n - i - 1);
		h->n--;
		break;
	}
	local_irq_restore(flags);
}

/*
 * This CPU holds @l for an extension so that taking it in @mode never
 * returns: a spinlock or a write lock held at all, or a read lock wanted
 * while it is held for writing.
 */
static bool held_here(void *l, enum held_mode mode)
{
	struct nooks_held *h;
	unsigned long flags;
	bool ret = false;
	int i;

	local_irq_save(flags);
	h = this_cpu_ptr(&nooks_held);
	for (i = 0; i < h->n && !ret; i++)
		ret = h->lock[i] == l &&
		      (mode != HELD_READ || h->mode[i] == HELD_WRITE) &&
		      locked_as(l, h->mode[i]);
	local_irq_restore(flags);
	return ret;
}

/* Entry of every lock wrapper: a self-deadlock is a fault (unwinds). */
static struct nooks_domain *lock_enter(void *l, enum held_mode mode,
				       unsigned long ip)
{
	struct nooks_domain *d = nooks_wrap_enter(ip);

	if (d && unlikely(held_here(l, mode))) {
		pr_err("nooks: detail domain=%s deadlock=%px%s\n", d->name, l,
		       mode == HELD_SPIN ? "" : " rwlock");
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
static void take_bounded(struct nooks_domain *d, void *l, enum held_mode mode,
			 int (*trylock)(void *), unsigned long ip)
{
	struct nooks_wait w = { .d = d, .obj = l, .what = "",
				.kind = NOOKS_F_DEADLOCK,
				.bound = nooks_hang_bound_ns() };

	while (!trylock(l)) {
		/* a spinlock: wait until it looks free; an rwlock: retry */
		do {
			cpu_relax();
			if (nooks_wait_over(&w))
				nooks_wait_give_up(&w, ip);
		} while (mode == HELD_SPIN && locked_as(l, mode));
	}
}

/* The trylocks take_bounded() calls, as the kernel's lock function would. */
static int try_spin(void *l)
{
	return _raw_spin_trylock(l);
}

static int try_spin_bh(void *l)
{
	return _raw_spin_trylock_bh(l);
}

static int try_read(void *l)
{
	return _raw_read_trylock(l);
}

static int try_write(void *l)
{
	return _raw_write_trylock(l);
}

/*
 * The lock wrappers: the same IRQ/bh/preemption state as the kernel's lock
 * function FN, the lock taken by take_bounded() after PRE (an irqsave
 * wrapper returns the flags).  A trylock wrapper pushes what it took.
 */
#define NOOKS_LOCK(fn, type, mode, pre, try)				\
void nooks_w_##fn(type *l)						\
{									\
	struct nooks_domain *d = lock_enter(l, mode, _RET_IP_);	\
									\
	if (!d) {							\
		fn(l);							\
	} else {							\
		pre;							\
		take_bounded(d, l, mode, try, _RET_IP_);		\
	}								\
	held_push(l, mode);						\
	nooks_wrap_leave(d);						\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)

#define NOOKS_LOCK_IRQSAVE(fn, type, mode, try)			\
unsigned long nooks_w_##fn(type *l)					\
{									\
	struct nooks_domain *d = lock_enter(l, mode, _RET_IP_);	\
	unsigned long flags;						\
									\
	if (!d) {							\
		flags = fn(l);						\
	} else {							\
		local_irq_save(flags);					\
		take_bounded(d, l, mode, try, _RET_IP_);		\
	}								\
	held_push(l, mode);						\
	nooks_wrap_leave(d);						\
	return flags;							\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)

#define NOOKS_TRYLOCK(fn, type, mode)					\
int nooks_w_##fn(type *l)						\
{									\
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);		\
	int ok = fn(l);							\
									\
	if (ok)								\
		held_push(l, mode);					\
	nooks_wrap_leave(d);						\
	return ok;							\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)

NOOKS_LOCK(_raw_spin_lock, raw_spinlock_t, HELD_SPIN, , try_spin);
NOOKS_LOCK(_raw_spin_lock_irq, raw_spinlock_t, HELD_SPIN, local_irq_disable(), try_spin);
NOOKS_LOCK(_raw_spin_lock_bh, raw_spinlock_t, HELD_SPIN, , try_spin_bh);
NOOKS_LOCK_IRQSAVE(_raw_spin_lock_irqsave, raw_spinlock_t, HELD_SPIN, try_spin);
NOOKS_TRYLOCK(_raw_spin_trylock, raw_spinlock_t, HELD_SPIN);
NOOKS_TRYLOCK(_raw_spin_trylock_bh, raw_spinlock_t, HELD_SPIN);
NOOKS_LOCK(_raw_read_lock, rwlock_t, HELD_READ, , try_read);
NOOKS_LOCK(_raw_read_lock_irq, rwlock_t, HELD_READ, local_irq_disable(), try_read);
NOOKS_LOCK(_raw_read_lock_bh, rwlock_t, HELD_READ, local_bh_disable(), try_read);
NOOKS_LOCK_IRQSAVE(_raw_read_lock_irqsave, rwlock_t, HELD_READ, try_read);
NOOKS_TRYLOCK(_raw_read_trylock, rwlock_t, HELD_READ);
NOOKS_LOCK(_raw_write_lock, rwlock_t, HELD_WRITE, , try_write);
NOOKS_LOCK(_raw_write_lock_irq, rwlock_t, HELD_WRITE, local_irq_disable(), try_write);
NOOKS_LOCK(_raw_write_lock_bh, rwlock_t, HELD_WRITE, local_bh_disable(), try_write);
NOOKS_LOCK_IRQSAVE(_raw_write_lock_irqsave, rwlock_t, HELD_WRITE, try_write);
NOOKS_TRYLOCK(_raw_write_trylock, rwlock_t, HELD_WRITE);

/*
 * Entry of every unlock wrapper: unlocking a lock that is not locked in
 * that mode (its lock call was deleted) would drive the preempt count
 * below the entry value, into the NMI/hardirq bits: a fault (unwinds).
 * Return: false if the unlock must be skipped (no frame to unwind).
 */
static bool unlock_enter(void *l, enum held_mode mode, unsigned long ip,
			 struct nooks_domain **dp)
{
	struct nooks_domain *d = nooks_wrap_enter(ip);

	*dp = d;
	if (d && unlikely(!locked_as(l, mode))) {
		pr_err("nooks: detail domain=%s unlock_unheld=%px%s\n", d->name, l,
		       mode == HELD_SPIN ? "" : mode == HELD_READ ? " read" : " write");
		nooks_wrap_fault(d, NOOKS_F_LOCK_UNDERFLOW, ip);
		return false;
	}
	return true;
}

/* The unlock wrappers; ARGS is (l) or (l, flags). */
#define NOOKS_UNLOCK(fn, type, mode, params, args)			\
void nooks_w_##fn params						\
{									\
	struct nooks_domain *d;						\
									\
	if (unlock_enter(l, mode, _RET_IP_, &d)) {			\
		held_pop(l, mode);					\
		fn args;						\
	}								\
	nooks_wrap_leave(d);						\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)

#define NOOKS_UNLOCK1(fn, type, mode) NOOKS_UNLOCK(fn, type, mode, (type *l), (l))
#define NOOKS_UNLOCK_IRQRESTORE(fn, type, mode)			\
	NOOKS_UNLOCK(fn, type, mode, (type *l, unsigned long flags), (l, flags))

NOOKS_UNLOCK1(_raw_spin_unlock, raw_spinlock_t, HELD_SPIN);
NOOKS_UNLOCK1(_raw_spin_unlock_irq, raw_spinlock_t, HELD_SPIN);
NOOKS_UNLOCK1(_raw_spin_unlock_bh, raw_spinlock_t, HELD_SPIN);
NOOKS_UNLOCK_IRQRESTORE(_raw_spin_unlock_irqrestore, raw_spinlock_t, HELD_SPIN);
NOOKS_UNLOCK1(_raw_read_unlock, rwlock_t, HELD_READ);
NOOKS_UNLOCK1(_raw_read_unlock_irq, rwlock_t, HELD_READ);
NOOKS_UNLOCK1(_raw_read_unlock_bh, rwlock_t, HELD_READ);
NOOKS_UNLOCK_IRQRESTORE(_raw_read_unlock_irqrestore, rwlock_t, HELD_READ);
NOOKS_UNLOCK1(_raw_write_unlock, rwlock_t, HELD_WRITE);
NOOKS_UNLOCK1(_raw_write_unlock_irq, rwlock_t, HELD_WRITE);
NOOKS_UNLOCK1(_raw_write_unlock_bh, rwlock_t, HELD_WRITE);
NOOKS_UNLOCK_IRQRESTORE(_raw_write_unlock_irqrestore, rwlock_t, HELD_WRITE);
