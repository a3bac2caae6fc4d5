// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_sleeplock.c - wrappers of the sleeping locks (mutexes,
 * rw-semaphores, the RTNL and the socket lock): bounded waits, and which
 * of them the extensions hold, so that an unwound XPC or a recovery
 * releases them.
 *
 * Taking a sleeping lock from an extension: a mutex, the RTNL or a socket
 * lock the task already holds, or an rw-semaphore it holds for writing (or
 * at all, to write), is a deadlock fault at once.  Otherwise the wait polls
 * the trylock with 1-2 ms sleeps (a blocked mutex_lock() or down_read()
 * could not be given up), bounded by the watchdog's sleep_ms: past it, a
 * deadlock fault.  The socket lock has no trylock: the wait polls until
 * the socket is not owned, then lock_sock() (which may still sleep if
 * another task took it in between: a window of one poll); the socket must
 * be one (nooks_valid_sock(): a wrapper check fault otherwise).  A
 * domain that fails meanwhile unwinds the waiter; a signal ends an
 * interruptible or killable wait with -EINTR, as the kernel's would.
 *
 * Held locks are recorded in one small table: the task, the lock, how it
 * is held (mutex, read, write, rtnl, sock), the domain and the XPC frame it was taken
 * in.  The unlock wrappers remove the record; unlocking what is not held
 * (a mutex or a write lock of another task, an rw-semaphore with no
 * reader, the RTNL or a socket that is not locked) is a lock_underflow
 * fault.  When an XPC is unwound, its task
 * unlocks what it took in that XPC (nooks_sleeplocks_release_frame(), from
 * nooks_xpc()); what was taken in one XPC and is still held when the
 * domain fails (held across calls) is unlocked by recovery after quiesce
 * (nooks_sleeplocks_release_domain()), on behalf of a task that no longer
 * runs the extension.  A full table only loses records, never a lock
 * (counted in sleeplock_untracked).
 *
 * The holder checks read the lock's owner and count words, whose layout is
 * private to kernel/locking: nooks_sleeplock_init() checks it on locks of
 * its own at load time and turns the checks off if it differs.
 *
 * Must never: hold the table's spinlock while sleeping or unlocking.
 */
#include <linux/delay.h>
#include <linux/uaccess.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <net/sock.h>
#include "nooks.h"

#define NOOKS_SLEEPLOCK_HELD_MAX 64

enum held_kind { HELD_MUTEX, HELD_READ, HELD_WRITE, HELD_RTNL, HELD_SOCK };
static const char *const kind_name[] = {
	"mutex", "rwsem_read", "rwsem_write", "rtnl", "sock",
};
static char rtnl_marker;	/* the RTNL's "lock" in the table */

struct lock_held {
	struct task_struct *task;	/* NULL: free slot */
	void *lock;
	enum held_kind kind;
	struct nooks_domain *d;
	const void *frame;		/* the XPC it was taken in */
};
static struct lock_held held[NOOKS_SLEEPLOCK_HELD_MAX];
static DEFINE_SPINLOCK(held_lock);
static atomic_long_t nr_untracked, nr_released;
static bool layout_ok;	/* the owner/count words read as below */

module_param_cb(sleeplock_untracked, &nooks_counter_ops, &nr_untracked, 0444);
module_param_cb(sleeplock_released, &nooks_counter_ops, &nr_released, 0444);

/*
 * The lock words (kernel/locking/mutex.c, rwsem.c): a mutex's and a
 * write-locked rwsem's owner word is the task with flag bits below bit 3
 * (an rwsem owned by readers has bit 0 set); an rwsem's count holds the
 * number of readers from bit 8 (bit 63: a flag).
 */
static struct task_struct *mutex_holder(struct mutex *m)
{
	return (struct task_struct *)(atomic_long_read(&m->owner) & ~0x07UL);
}

static struct task_struct *rwsem_writer(struct rw_semaphore *s)
{
	unsigned long owner = atomic_long_read(&s->owner);

	return owner & 1UL ? NULL : (struct task_struct *)(owner & ~0x07UL);
}

static unsigned long rwsem_readers(struct rw_semaphore *s)
{
	return (atomic_long_read(&s->count) & ~(1UL << 63)) >> 8;
}

static void held_push(struct nooks_domain *d, void *lock, enum held_kind k)
{
	const void *frame = nooks_frame_find(current_stack_pointer,
					     nooks_ctx_bits());
	unsigned long flags;
	int i;

	spin_lock_irqsave(&held_lock, flags);
	for (i = 0; i < NOOKS_SLEEPLOCK_HELD_MAX; i++) {
		if (!held[i].task) {
			held[i] = (struct lock_held){ current, lock, k, d, frame };
			break;
		}
	}
	spin_unlock_irqrestore(&held_lock, flags);
	if (i == NOOKS_SLEEPLOCK_HELD_MAX)
		atomic_long_inc(&nr_untracked);
}

/* Does the current task hold @lock (as @k; -1: in any way)? */
static bool held_by_me(void *lock, int k)
{
	unsigned long flags;
	bool found = false;
	int i;

	spin_lock_irqsave(&held_lock, flags);
	for (i = 0; i < NOOKS_SLEEPLOCK_HELD_MAX && !found; i++)
		found = held[i].task == current && held[i].lock == lock &&
			(k < 0 || held[i].kind == k);
	spin_unlock_irqrestore(&held_lock, flags);
	return found;
}

/* Forget one record of @lock held as @from (now held as @to, or freed). */
static void held_change(void *lock, enum held_kind from, int to)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&held_lock, flags);
	for (i = 0; i < NOOKS_SLEEPLOCK_HELD_MAX; i++) {
		if (held[i].task == current && held[i].lock == lock &&
		    held[i].kind == from) {
			if (to < 0)
				held[i].task = NULL;
			else
				held[i].kind = to;
			break;
		}
	}
	spin_unlock_irqrestore(&held_lock, flags);
}

/* Take one record matching @frame (this task's) or @d (any task's). */
static bool held_take(const void *frame, struct nooks_domain *d,
		      struct lock_held *out)
{
	unsigned long flags;
	bool found = false;
	int i;

	spin_lock_irqsave(&held_lock, flags);
	for (i = 0; i < NOOKS_SLEEPLOCK_HELD_MAX && !found; i++) {
		if (!held[i].task)
			continue;
		if ((frame && held[i].task == current && held[i].frame == frame) ||
		    (d && held[i].d == d)) {
			*out = held[i];
			held[i].task = NULL;
			found = true;
		}
	}
	spin_unlock_irqrestore(&held_lock, flags);
	return found;
}

static void unlock_kind(void *lock, enum held_kind k)
{
	switch (k) {
	case HELD_MUTEX:
		mutex_unlock(lock);
		break;
	case HELD_READ:
		up_read(lock);
		break;
	case HELD_WRITE:
		up_write(lock);
		break;
	case HELD_RTNL:
		rtnl_unlock();
		break;
	case HELD_SOCK:
		release_sock(lock);
		break;
	}
}

/* Unlock what matches (see held_take()); return how many. */
static unsigned int release_matching(const void *frame, struct nooks_domain *d)
{
	struct lock_held h;
	unsigned int n = 0;

	while (held_take(frame, d, &h)) {
		unlock_kind(h.lock, h.kind);	/* maybe on behalf of h.task */
		n++;
	}
	atomic_long_add(n, &nr_released);
	return n;
}

/**
 * nooks_sleeplocks_release_frame() - an XPC of this task was unwound
 * @frame: its frame
 *
 * Context: the unwound task, after the unwind (in interrupt context the
 * records stay for recovery).  Return: how many locks were unlocked.
 */
unsigned int nooks_sleeplocks_release_frame(const void *frame)
{
	if (!in_task())
		return 0;	/* no sleeping lock is taken in interrupt context */
	return release_matching(frame, NULL);
}

/**
 * nooks_sleeplocks_release_domain() - recovery: what @d's tasks still hold
 * @d: the failed domain, quiesced (no thread runs its code)
 *
 * Return: how many locks were unlocked.
 */
unsigned int nooks_sleeplocks_release_domain(struct nooks_domain *d)
{
	return release_matching(NULL, d);
}

static int try_kind(void *lock, enum held_kind k)
{
	switch (k) {
	case HELD_MUTEX:
		return mutex_trylock(lock);
	case HELD_READ:
		return down_read_trylock(lock);
	case HELD_WRITE:
		return down_write_trylock(lock);
	case HELD_RTNL:
		return rtnl_trylock();
	case HELD_SOCK:	/* no trylock: see the header */
		return !sock_owned_by_user_nocheck((struct sock *)lock);
	}
	return 0;
}

/* Taking @lock as @k would never return: the task holds it already. */
static bool self_deadlock(void *lock, enum held_kind k)
{
	switch (k) {
	case HELD_MUTEX:
		return layout_ok && mutex_holder(lock) == current;
	case HELD_READ:
		return held_by_me(lock, HELD_WRITE) ||
		       (layout_ok && rwsem_writer(lock) == current);
	case HELD_WRITE:
		return held_by_me(lock, -1) ||
		       (layout_ok && rwsem_writer(lock) == current);
	case HELD_RTNL:
	case HELD_SOCK:
		return held_by_me(lock, k);
	}
	return false;
}

/* May the current task unlock @lock held as @k? */
static bool unlock_allowed(void *lock, enum held_kind k)
{
	if (k == HELD_RTNL)
		return rtnl_is_locked();
	if (k == HELD_SOCK)
		return nooks_valid_sock(lock) &&
		       sock_owned_by_user_nocheck((struct sock *)lock);
	if (!layout_ok)
		return true;
	switch (k) {
	case HELD_MUTEX:
		return mutex_holder(lock) == current;
	case HELD_READ:
		return rwsem_readers(lock) > 0;
	case HELD_WRITE:
		return rwsem_writer(lock) == current;
	default:
		return true;
	}
}

/* The kernel's own lock call, for a caller outside any domain. */
static int lock_native(void *lock, enum held_kind k, unsigned int state)
{
	switch (k) {
	case HELD_MUTEX:
		if (state == TASK_INTERRUPTIBLE)
			return mutex_lock_interruptible(lock);
		if (state == TASK_KILLABLE)
			return mutex_lock_killable(lock);
		mutex_lock(lock);
		return 0;
	case HELD_READ:
		if (state == TASK_INTERRUPTIBLE)
			return down_read_interruptible(lock);
		if (state == TASK_KILLABLE)
			return down_read_killable(lock);
		down_read(lock);
		return 0;
	case HELD_WRITE:
		if (state == TASK_KILLABLE)
			return down_write_killable(lock);
		down_write(lock);
		return 0;
	case HELD_RTNL:
		if (state == TASK_KILLABLE)
			return rtnl_lock_killable();
		rtnl_lock();
		return 0;
	case HELD_SOCK:
		lock_sock(lock);
		return 0;
	}
	return 0;
}

/*
 * The lock wrappers' common body: @state is TASK_UNINTERRUPTIBLE,
 * TASK_INTERRUPTIBLE or TASK_KILLABLE.  Return: 0, or -EINTR.
 */
static int lock_sleeping(void *lock, enum held_kind k, unsigned int state,
			 unsigned long ip)
{
	struct nooks_domain *d = nooks_wrap_enter(ip);
	struct nooks_wait w = { .d = d, .obj = lock, .what = kind_name[k],
				.kind = NOOKS_F_DEADLOCK,
				.bound = nooks_sleep_bound_ns() };
	int ret = 0;

	if (!d)
		return lock_native(lock, k, state);
	if (k == HELD_SOCK && unlikely(!nooks_valid_sock(lock))) {
		nooks_wrap_violation(d, "lock_sock of no socket", lock, ip);
		nooks_wrap_leave(d);	/* outside an XPC: skip the lock */
		return 0;
	}
	if (unlikely(self_deadlock(lock, k))) {
		pr_err("nooks: detail domain=%s deadlock=%px %s_self\n",
		       d->name, lock, k == HELD_READ || k == HELD_WRITE ?
		       "rwsem" : kind_name[k]);
		nooks_wrap_fault(d, NOOKS_F_DEADLOCK, ip);
	}
	while (!try_kind(lock, k)) {
		if (nooks_wait_interrupted(state)) {
			ret = -EINTR;
			break;
		}
		usleep_range(1000, 2000);
		if (nooks_wait_over(&w))
			nooks_wait_give_up(&w, ip);
	}
	if (!ret && k == HELD_SOCK)
		lock_sock(lock);	/* seen free: see the header */
	if (!ret)
		held_push(d, lock, k);
	nooks_wrap_leave(d);
	return ret;
}

static int trylock_sleeping(void *lock, enum held_kind k, unsigned long ip)
{
	struct nooks_domain *d = nooks_wrap_enter(ip);
	int ok = try_kind(lock, k);

	if (ok && d)
		held_push(d, lock, k);
	nooks_wrap_leave(d);
	return ok;
}

static void unlock_sleeping(void *lock, enum held_kind k, unsigned long ip)
{
	struct nooks_domain *d = nooks_wrap_enter(ip);

	if (d && unlikely(!unlock_allowed(lock, k))) {
		pr_err("nooks: detail domain=%s unlock_unheld=%px %s\n",
		       d->name, lock, kind_name[k]);
		nooks_wrap_fault(d, NOOKS_F_LOCK_UNDERFLOW, ip);
		/* no XPC frame to unwind: skip the unlock, carry on */
	} else {
		if (d)
			held_change(lock, k, -1);
		unlock_kind(lock, k);
	}
	nooks_wrap_leave(d);
}

/* The wrappers: nooks_w_FN(lock) for the kernel's FN(lock). */
#define SLEEPLOCK_LOCK(fn, type, k)					\
void nooks_w_##fn(type *l)						\
{									\
	lock_sleeping(l, k, TASK_UNINTERRUPTIBLE, _RET_IP_);		\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)
#define SLEEPLOCK_LOCK_INT(fn, type, k, state)				\
int nooks_w_##fn(type *l)						\
{									\
	return lock_sleeping(l, k, state, _RET_IP_);			\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)
#define SLEEPLOCK_TRYLOCK(fn, type, k)					\
int nooks_w_##fn(type *l)						\
{									\
	return trylock_sleeping(l, k, _RET_IP_);			\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)
#define SLEEPLOCK_UNLOCK(fn, type, k)					\
void nooks_w_##fn(type *l)						\
{									\
	unlock_sleeping(l, k, _RET_IP_);				\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)

SLEEPLOCK_LOCK(mutex_lock, struct mutex, HELD_MUTEX);
SLEEPLOCK_LOCK_INT(mutex_lock_interruptible, struct mutex, HELD_MUTEX,
		   TASK_INTERRUPTIBLE);
SLEEPLOCK_LOCK_INT(mutex_lock_killable, struct mutex, HELD_MUTEX,
		   TASK_KILLABLE);
SLEEPLOCK_TRYLOCK(mutex_trylock, struct mutex, HELD_MUTEX);
SLEEPLOCK_UNLOCK(mutex_unlock, struct mutex, HELD_MUTEX);
SLEEPLOCK_LOCK(down_read, struct rw_semaphore, HELD_READ);
SLEEPLOCK_LOCK_INT(down_read_interruptible, struct rw_semaphore, HELD_READ,
		   TASK_INTERRUPTIBLE);
SLEEPLOCK_LOCK_INT(down_read_killable, struct rw_semaphore, HELD_READ,
		   TASK_KILLABLE);
SLEEPLOCK_TRYLOCK(down_read_trylock, struct rw_semaphore, HELD_READ);
SLEEPLOCK_UNLOCK(up_read, struct rw_semaphore, HELD_READ);
SLEEPLOCK_LOCK(down_write, struct rw_semaphore, HELD_WRITE);
SLEEPLOCK_LOCK_INT(down_write_killable, struct rw_semaphore, HELD_WRITE,
		   TASK_KILLABLE);
SLEEPLOCK_TRYLOCK(down_write_trylock, struct rw_semaphore, HELD_WRITE);
SLEEPLOCK_UNLOCK(up_write, struct rw_semaphore, HELD_WRITE);

/* The RTNL: one lock, no argument. */
void nooks_w_rtnl_lock(void)
{
	lock_sleeping(&rtnl_marker, HELD_RTNL, TASK_UNINTERRUPTIBLE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_rtnl_lock);

int nooks_w_rtnl_lock_killable(void)
{
	return lock_sleeping(&rtnl_marker, HELD_RTNL, TASK_KILLABLE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_rtnl_lock_killable);

int nooks_w_rtnl_trylock(void)
{
	return trylock_sleeping(&rtnl_marker, HELD_RTNL, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_rtnl_trylock);

void nooks_w_rtnl_unlock(void)
{
	unlock_sleeping(&rtnl_marker, HELD_RTNL, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_rtnl_unlock);

/*
 * The socket lock (lock_sock() is lock_sock_nested(sk, 0)).  The subclass
 * only names a lockdep class; the wrapper takes the lock with lock_sock().
 */
void nooks_w_lock_sock_nested(struct sock *sk, int subclass)
{
	lock_sleeping(sk, HELD_SOCK, TASK_UNINTERRUPTIBLE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_lock_sock_nested);

void nooks_w_release_sock(struct sock *sk)
{
	unlock_sleeping(sk, HELD_SOCK, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_release_sock);

void nooks_w_downgrade_write(struct rw_semaphore *s)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	if (d && unlikely(!unlock_allowed(s, HELD_WRITE))) {
		pr_err("nooks: detail domain=%s unlock_unheld=%px rwsem_write\n",
		       d->name, s);
		nooks_wrap_fault(d, NOOKS_F_LOCK_UNDERFLOW, _RET_IP_);
	} else {
		downgrade_write(s);
		if (d)
			held_change(s, HELD_WRITE, HELD_READ);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_downgrade_write);

/* Check the lock-word layout on locks of our own (see the header). */
void nooks_sleeplock_init(void)
{
	static DEFINE_MUTEX(probe_m);
	static DECLARE_RWSEM(probe_s);
	bool ok;

	mutex_lock(&probe_m);
	ok = mutex_holder(&probe_m) == current;
	mutex_unlock(&probe_m);
	ok = ok && !mutex_holder(&probe_m);
	down_write(&probe_s);
	ok = ok && rwsem_writer(&probe_s) == current &&
	     rwsem_readers(&probe_s) == 0;
	up_write(&probe_s);
	down_read(&probe_s);
	ok = ok && !rwsem_writer(&probe_s) && rwsem_readers(&probe_s) == 1;
	up_read(&probe_s);
	ok = ok && rwsem_readers(&probe_s) == 0;
	layout_ok = ok;
	if (!ok)
		pr_warn("nooks: sleeping-lock words not as expected: holder checks off\n");
}
