// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_mutex.c - mutex wrappers: bounded waits, and which mutexes the
 * extensions hold, so that an unwound XPC or a recovery releases them.
 *
 * mutex_lock() from an extension: taking a mutex the task already holds is
 * a deadlock fault at once; a wait longer than the watchdog's sleep_ms is
 * one too (the wait polls mutex_trylock() with 1-2 ms sleeps: a blocked
 * mutex_lock() could not be given up).  A domain that fails meanwhile
 * unwinds the waiter.
 *
 * Held mutexes are recorded in one small table: the task, the mutex, the
 * domain and the XPC frame it was taken in.  mutex_unlock() removes the
 * record (and unlocking a mutex the task does not hold is a lock_underflow
 * fault).  When an XPC is unwound, its task unlocks what it took in that
 * XPC (nooks_mutexes_release_frame(), from nooks_xpc()); a mutex taken in
 * one XPC and still held when the domain fails (held across calls) is
 * unlocked by recovery after quiesce (nooks_mutexes_release_domain()), on
 * behalf of a task that no longer runs the extension.  A full table only
 * loses the records, never a lock (counted in mutex_untracked).
 *
 * Must never: hold the table's spinlock while sleeping or unlocking.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include "nooks.h"

#define NOOKS_MUTEX_HELD_MAX 64

struct mutex_held {
	struct task_struct *task;	/* NULL: free slot */
	struct mutex *m;
	struct nooks_domain *d;
	const void *frame;		/* the XPC it was taken in */
};
static struct mutex_held held[NOOKS_MUTEX_HELD_MAX];
static DEFINE_SPINLOCK(held_lock);
static unsigned long nr_untracked, nr_released;
module_param_named(mutex_untracked, nr_untracked, ulong, 0444);
module_param_named(mutex_released, nr_released, ulong, 0444);

/* The task that holds @m (the owner word's flag bits masked off). */
static struct task_struct *mutex_holder(struct mutex *m)
{
	return (struct task_struct *)(atomic_long_read(&m->owner) & ~0x07UL);
}

static void held_push(struct nooks_domain *d, struct mutex *m)
{
	const void *frame = nooks_frame_find(current_stack_pointer,
					     nooks_ctx_bits());
	unsigned long flags;
	int i;

	spin_lock_irqsave(&held_lock, flags);
	for (i = 0; i < NOOKS_MUTEX_HELD_MAX; i++) {
		if (!held[i].task) {
			held[i] = (struct mutex_held){ current, m, d, frame };
			break;
		}
	}
	if (i == NOOKS_MUTEX_HELD_MAX)
		nr_untracked++;
	spin_unlock_irqrestore(&held_lock, flags);
}

static void held_pop(struct mutex *m)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&held_lock, flags);
	for (i = 0; i < NOOKS_MUTEX_HELD_MAX; i++) {
		if (held[i].task == current && held[i].m == m) {
			held[i].task = NULL;
			break;
		}
	}
	spin_unlock_irqrestore(&held_lock, flags);
}

/* Take one record matching @frame (this task's) or @d (any task's). */
static struct mutex *held_take(const void *frame, struct nooks_domain *d)
{
	struct mutex *m = NULL;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&held_lock, flags);
	for (i = 0; i < NOOKS_MUTEX_HELD_MAX && !m; i++) {
		if (!held[i].task)
			continue;
		if ((frame && held[i].task == current && held[i].frame == frame) ||
		    (d && held[i].d == d)) {
			m = held[i].m;
			held[i].task = NULL;
		}
	}
	spin_unlock_irqrestore(&held_lock, flags);
	return m;
}

/**
 * nooks_mutexes_release_frame() - an XPC of this task was unwound
 * @frame: its frame
 *
 * Context: the unwound task, after the unwind (in interrupt context the
 * records stay for recovery).  Return: how many mutexes were unlocked.
 */
unsigned int nooks_mutexes_release_frame(const void *frame)
{
	unsigned int n = 0;
	struct mutex *m;

	if (!in_task())
		return 0;	/* no mutex is taken in interrupt context */
	while ((m = held_take(frame, NULL))) {
		mutex_unlock(m);
		n++;
	}
	nr_released += n;
	return n;
}

/**
 * nooks_mutexes_release_domain() - recovery: what @d's tasks still hold
 * @d: the failed domain, quiesced (no thread runs its code)
 *
 * Return: how many mutexes were unlocked.
 */
unsigned int nooks_mutexes_release_domain(struct nooks_domain *d)
{
	unsigned int n = 0;
	struct mutex *m;

	while ((m = held_take(NULL, d))) {
		mutex_unlock(m);	/* on behalf of its holder */
		n++;
	}
	nr_released += n;
	return n;
}

void nooks_w_mutex_lock(struct mutex *m)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	u64 bound = nooks_sleep_bound_ns(), t0 = 0, waited;

	if (!d) {
		mutex_lock(m);
		return;
	}
	if (unlikely(mutex_holder(m) == current)) {
		pr_err("nooks: detail domain=%s deadlock=%px mutex_self\n",
		       d->name, m);
		nooks_wrap_fault(d, NOOKS_F_DEADLOCK, _RET_IP_);
	}
	while (!mutex_trylock(m)) {
		if (!t0)
			t0 = ktime_get_mono_fast_ns();
		usleep_range(1000, 2000);
		if (unlikely(!nooks_domain_runnable(d)))
			nooks_wrap_unwind_failed(d, _RET_IP_);
		waited = ktime_get_mono_fast_ns() - t0;
		if (bound && waited > bound) {
			pr_err("nooks: detail domain=%s deadlock=%px wait_ms=%llu mutex\n",
			       d->name, m, waited / NSEC_PER_MSEC);
			nooks_wrap_wait_fault(d, NOOKS_F_DEADLOCK, _RET_IP_);
		}
	}
	held_push(d, m);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_mutex_lock);

void nooks_w_mutex_unlock(struct mutex *m)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	if (d && unlikely(mutex_holder(m) != current)) {
		pr_err("nooks: detail domain=%s unlock_unheld=%px mutex\n",
		       d->name, m);
		nooks_wrap_fault(d, NOOKS_F_LOCK_UNDERFLOW, _RET_IP_);
		/* no XPC frame to unwind: skip the unlock, carry on */
	} else {
		if (d)
			held_pop(m);
		mutex_unlock(m);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_mutex_unlock);
