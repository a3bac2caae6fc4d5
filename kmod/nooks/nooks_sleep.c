// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_sleep.c - an extension's sleeps (msleep, usleep_range,
 * schedule_timeout*, a bare schedule(), wait_woken) and wait queues: every
 * sleep of an XPC is bounded, and the wait-queue entries an unwound XPC
 * leaves queued are taken off their queues.
 *
 * The bound (the watchdog's sleep_ms): an XPC that has not returned
 * sleep_ms after its entry and still sleeps is a hang.  Before a sleep the
 * wrapper computes what is left of the bound; a sleep longer than that
 * (schedule(), a wait_event*() loop, schedule_timeout(MAX_SCHEDULE_TIMEOUT),
 * msleep() of a corrupted length) sleeps only that long and then faults
 * (kind=hang, "sleeping_wait" if the sleep asked for more than the whole
 * bound; "sleeping_loop" if it is the last of a loop of short sleeps, or
 * one that starts past the bound).  A timed-out sleep is always past
 * the bound (it sleeps one jiffy more than what is left), so no wakeup is
 * ever turned into a spurious return.  A kthread of the domain, whose life
 * is one XPC, sleeps unbounded until it is asked to stop; from then on
 * the bound counts from the first sleep that saw the request
 * ("ignores_kthread_stop": its kthread_stop() caller would wait for good).
 *
 * Semaphores (down, down_interruptible, down_killable) have no owner (any
 * task may up() them), so nothing is recorded as held; the wait is bounded
 * by sleep_ms from its start (a deadlock fault, "semaphore"), taken in
 * 100 ms down_timeout() steps that check the domain and signals.  A domain
 * kthread not asked to stop waits unbounded (a semaphore used as an event
 * count), as for its sleeps.
 *
 * Wait queues: the generated wrappers of prepare_to_wait*() and
 * add_wait_queue*() record the entry in the current XPC's frame (a few
 * slots; more are counted in waitq_untracked), those of finish_wait() and
 * remove_wait_queue() drop it (queue and dequeue effects, core.def).  When
 * the XPC is unwound (nooks_frame_resume(), still below the extension's
 * stack frames), recorded entries still queued are removed: the entry of
 * a wait_event*() lives on the stack being unwound, and a later wake_up()
 * of its queue would call through freed stack (counted in
 * waitq_released).  Wake functions the extension writes into an entry
 * itself (DEFINE_WAIT_FUNC with its own function) run outside any XPC.
 *
 * A task blocked on the domain's behalf (here, and in nooks_sock.c) is a
 * `blocked` object: at a fault, quiesce sets TIF_NOTIFY_SIGNAL and wakes
 * it, and the wrapper's exit check unwinds it.  It registers before the
 * domain state is checked, so a fault between the check and the sleep
 * cannot leave it asleep.
 *
 * Must never: sleep or spin in nooks_waits_release() (exception context:
 * the queue's lock is only tried); turn a wakeup into a timeout.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/semaphore.h>
#include <linux/wait.h>
#include "nooks.h"

static atomic_long_t nr_waitq_released, nr_waitq_untracked, nr_waitq_busy;
module_param_cb(waitq_released, &nooks_counter_ops, &nr_waitq_released, 0444);
module_param_cb(waitq_untracked, &nooks_counter_ops, &nr_waitq_untracked, 0444);
module_param_cb(waitq_busy, &nooks_counter_ops, &nr_waitq_busy, 0444);

/* ---- tasks blocked on the domain's behalf ------------------------------ */

static void blocked_quiesce(struct nooks_obj *o)
{
	struct task_struct *t = o->ptr;

	set_tsk_thread_flag(t, TIF_NOTIFY_SIGNAL);
	wake_up_process(t);
}

static const struct nooks_obj_type nooks_obj_blocked = {
	.name = "blocked",
	.quiesce = blocked_quiesce,
};

/*
 * Register current as blocked for @d, then check the domain (may unwind).
 * The caller may have set its task state for the sleep: nothing here
 * sleeps (a failed registration leaves the wait to its bound).
 */
void nooks_block_begin(struct nooks_domain *d)
{
	if (!d)
		return;
	nooks_track(d, &nooks_obj_blocked, current, NULL, GFP_NOWAIT | __GFP_NOWARN);
	if (READ_ONCE(d->state) != NOOKS_RUNNING) {
		nooks_untrack(d, &nooks_obj_blocked, current);
		__set_current_state(TASK_RUNNING);
		nooks_wrap_leave(d);	/* unwinds unless we are the recoverer */
	}
}

/* The blocking call returned; the caller's nooks_wrap_leave() follows. */
void nooks_block_end(struct nooks_domain *d)
{
	if (d)
		nooks_untrack(d, &nooks_obj_blocked, current);
}

/* ---- the sleep bound ---------------------------------------------------- */

struct sleep_ctx {
	struct nooks_domain *d;
	struct nooks_frame *f;
	bool kthread;
	unsigned long bound;	/* sleep_ms in jiffies */
	long left;	/* jiffies until a hang; MAX_SCHEDULE_TIMEOUT: none */
};

/* What is left of the current XPC's sleep bound (0: none left). */
static void sleep_left(struct nooks_domain *d, struct sleep_ctx *s)
{
	unsigned long bound = nsecs_to_jiffies(nooks_sleep_bound_ns()), age;

	s->d = d;
	s->bound = bound;
	s->f = NULL;
	s->left = MAX_SCHEDULE_TIMEOUT;
	s->kthread = d && nooks_is_domain_kthread(current);
	if (!d || !bound || (s->kthread && !kthread_should_stop()))
		return;
	s->f = nooks_frame_find(current_stack_pointer, nooks_ctx_bits());
	if (!s->f)
		return;
	age = s->kthread ? nooks_frame_stop_age(s->f) : jiffies - nooks_frame_t0(s->f);
	s->left = age > bound ? 0 : bound - age + 1;
}

/*
 * The XPC slept past its bound: a hang fault (unwinds).  @asked: the
 * jiffies the cut sleep asked for; longer than the whole bound, it was one
 * wait with no end ("sleeping_wait"), else the last of a loop of sleeps.
 */
static void sleep_hang(struct sleep_ctx *s, unsigned long asked, unsigned long ret_ip)
{
	const char *how = asked > s->bound ? "sleeping_wait" : "sleeping_loop";
	unsigned long age = s->kthread ? nooks_frame_stop_age(s->f) :
					 jiffies - nooks_frame_t0(s->f);

	__set_current_state(TASK_RUNNING);
	pr_err("nooks: detail domain=%s hang_ms=%u %s\n", s->d->name,
	       jiffies_to_msecs(age), s->kthread ? "ignores_kthread_stop" : how);
	nooks_wrap_wait_fault(s->d, NOOKS_F_HANG, ret_ip);
}

/* Before a sleep: none of the bound left is a hang (a loop of sleeps). */
static void sleep_begin(struct nooks_domain *d, struct sleep_ctx *s,
			unsigned long ret_ip)
{
	sleep_left(d, s);
	if (!s->left)
		sleep_hang(s, 0, ret_ip);
}

/*
 * schedule_timeout(@timeout) in the task state the caller set, at most
 * what is left of the bound; a wait cut short by the bound is a hang.
 */
static signed long bounded_schedule_timeout(struct sleep_ctx *s,
					    signed long timeout, unsigned long ret_ip)
{
	signed long ret;

	if (timeout < 0 || timeout < s->left)
		return schedule_timeout(timeout);
	nooks_block_begin(s->d);
	ret = schedule_timeout(s->left);
	nooks_block_end(s->d);
	if (!ret)
		sleep_hang(s, timeout, ret_ip);
	return timeout == MAX_SCHEDULE_TIMEOUT ? timeout : ret + (timeout - s->left);
}

void nooks_w_schedule(void)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct sleep_ctx s;

	sleep_begin(d, &s, _RET_IP_);
	if (s.left == MAX_SCHEDULE_TIMEOUT) {
		nooks_block_begin(d);
		schedule();
		nooks_block_end(d);
	} else {
		bounded_schedule_timeout(&s, MAX_SCHEDULE_TIMEOUT, _RET_IP_);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_schedule);

signed long nooks_w_schedule_timeout(signed long timeout)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct sleep_ctx s;
	signed long ret;

	sleep_begin(d, &s, _RET_IP_);
	ret = bounded_schedule_timeout(&s, timeout, _RET_IP_);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_schedule_timeout);

/* schedule_timeout_{interruptible,killable,uninterruptible,idle}() */
static signed long state_timeout(unsigned int state, signed long timeout,
				 unsigned long ret_ip)
{
	struct nooks_domain *d = nooks_wrap_enter(ret_ip);
	struct sleep_ctx s;
	signed long ret;

	sleep_begin(d, &s, ret_ip);
	__set_current_state(state);
	ret = bounded_schedule_timeout(&s, timeout, ret_ip);
	nooks_wrap_leave(d);
	return ret;
}

#define STATE_TIMEOUT(fn, state)					\
signed long nooks_w_##fn(signed long timeout)				\
{									\
	return state_timeout(state, timeout, _RET_IP_);			\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)

STATE_TIMEOUT(schedule_timeout_interruptible, TASK_INTERRUPTIBLE);
STATE_TIMEOUT(schedule_timeout_killable, TASK_KILLABLE);
STATE_TIMEOUT(schedule_timeout_uninterruptible, TASK_UNINTERRUPTIBLE);
STATE_TIMEOUT(schedule_timeout_idle, TASK_IDLE);

long nooks_w_wait_woken(struct wait_queue_entry *wq_entry, unsigned int mode,
			long timeout)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct sleep_ctx s;
	long ret;

	sleep_begin(d, &s, _RET_IP_);
	if (timeout < 0 || timeout < s.left) {
		ret = wait_woken(wq_entry, mode, timeout);
	} else {
		nooks_block_begin(d);
		ret = wait_woken(wq_entry, mode, s.left);
		nooks_block_end(d);
		if (!ret)
			sleep_hang(&s, timeout, _RET_IP_);
		if (timeout != MAX_SCHEDULE_TIMEOUT)
			ret += timeout - s.left;
	}
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_wait_woken);

/* msleep() and friends: a sleep that outlasts the bound is cut there. */
void nooks_w_msleep(unsigned int msecs)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct sleep_ctx s;

	sleep_begin(d, &s, _RET_IP_);
	if (msecs_to_jiffies(msecs) < s.left) {
		msleep(msecs);
	} else {
		msleep(jiffies_to_msecs(s.left));
		sleep_hang(&s, msecs_to_jiffies(msecs), _RET_IP_);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_msleep);

unsigned long nooks_w_msleep_interruptible(unsigned int msecs)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct sleep_ctx s;
	unsigned long ret;
	unsigned int cut;

	sleep_begin(d, &s, _RET_IP_);
	if (msecs_to_jiffies(msecs) < s.left) {
		ret = msleep_interruptible(msecs);
	} else {
		cut = jiffies_to_msecs(s.left);
		ret = msleep_interruptible(cut);
		if (!ret)
			sleep_hang(&s, msecs_to_jiffies(msecs), _RET_IP_);
		ret += msecs - cut;	/* a signal ended it early */
	}
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_msleep_interruptible);

void nooks_w_usleep_range_state(unsigned long min, unsigned long max,
				unsigned int state)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct sleep_ctx s;

	sleep_begin(d, &s, _RET_IP_);
	if (usecs_to_jiffies(min) < s.left) {
		usleep_range_state(min, max, state);
	} else {
		msleep(jiffies_to_msecs(s.left));
		sleep_hang(&s, usecs_to_jiffies(min), _RET_IP_);
	}
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_usleep_range_state);

/* ---- wait-queue entries of the current XPC ----------------------------- */

static struct nooks_frame_waits *current_waits(struct nooks_domain *d)
{
	struct nooks_frame *f;

	if (!d)
		return NULL;
	f = nooks_frame_find(current_stack_pointer, nooks_ctx_bits());
	return f ? nooks_frame_waits(f) : NULL;
}

/* queue(HEAD, ENTRY) effect (wrappers/core.def): before the call. */
void nooks_wait_record(struct nooks_domain *d, struct wait_queue_head *head,
		       struct wait_queue_entry *entry)
{
	struct nooks_frame_waits *fw = current_waits(d);
	unsigned int i;

	if (!fw)
		return;
	for (i = 0; i < fw->nr; i++) {
		if (fw->w[i].entry == entry) {
			fw->w[i].head = head;
			return;
		}
	}
	if (fw->nr == NOOKS_FRAME_WAITS) {
		atomic_long_inc(&nr_waitq_untracked);
		return;
	}
	fw->w[fw->nr].head = head;
	fw->w[fw->nr].entry = entry;
	fw->nr++;
}

/* dequeue(HEAD, ENTRY) effect: after the call. */
void nooks_wait_forget(struct nooks_domain *d, struct wait_queue_entry *entry)
{
	struct nooks_frame_waits *fw = current_waits(d);
	unsigned int i;

	if (!fw)
		return;
	for (i = 0; i < fw->nr; i++) {
		if (fw->w[i].entry == entry) {
			fw->w[i] = fw->w[--fw->nr];
			return;
		}
	}
}

/**
 * nooks_waits_release() - an XPC is unwound: dequeue its wait entries
 * @fw: the unwound frame's records
 *
 * Context: the unwinding exception, below the extension's stack frames
 * (the entries are intact); any, so the queue's lock is only tried.
 */
void nooks_waits_release(struct nooks_frame_waits *fw)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < fw->nr; i++) {
		struct wait_queue_head *head = fw->w[i].head;
		struct wait_queue_entry *entry = fw->w[i].entry;

		if (list_empty_careful(&entry->entry))
			continue;
		if (!spin_trylock_irqsave(&head->lock, flags)) {
			atomic_long_inc(&nr_waitq_busy);
			continue;
		}
		list_del_init(&entry->entry);
		spin_unlock_irqrestore(&head->lock, flags);
		atomic_long_inc(&nr_waitq_released);
	}
	fw->nr = 0;
}

/* ---- semaphores --------------------------------------------------------- */

static int down_bounded(struct semaphore *sem, unsigned int state,
			unsigned long ip)
{
	struct nooks_domain *d = nooks_wrap_enter(ip);
	struct nooks_wait w = { .d = d, .obj = sem, .what = "semaphore",
				.kind = NOOKS_F_DEADLOCK,
				.bound = nooks_sleep_bound_ns() };
	bool idle_kthread = d && nooks_is_domain_kthread(current);
	int ret = 0;

	if (!d) {
		if (state == TASK_UNINTERRUPTIBLE)
			down(sem);
		else
			ret = state == TASK_KILLABLE ? down_killable(sem) :
						       down_interruptible(sem);
		return ret;
	}
	while (down_timeout(sem, msecs_to_jiffies(100))) {
		if (nooks_wait_interrupted(state)) {
			ret = -EINTR;
			break;
		}
		/* an idle kthread's clock starts at kthread_stop() */
		if (idle_kthread && !kthread_should_stop())
			w.t0 = 0;
		if (nooks_wait_over(&w))
			nooks_wait_give_up(&w, ip);
	}
	nooks_wrap_leave(d);
	return ret;
}

void nooks_w_down(struct semaphore *sem)
{
	down_bounded(sem, TASK_UNINTERRUPTIBLE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_down);

int nooks_w_down_interruptible(struct semaphore *sem)
{
	return down_bounded(sem, TASK_INTERRUPTIBLE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_down_interruptible);

int nooks_w_down_killable(struct semaphore *sem)
{
	return down_bounded(sem, TASK_KILLABLE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(nooks_w_down_killable);
