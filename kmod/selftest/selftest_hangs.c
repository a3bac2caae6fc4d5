// SPDX-License-Identifier: GPL-2.0
/*
 * selftest_hangs.c - extension bugs that never return: loops, deadlocks
 * and sleeps that nothing ends (issue 17).
 *
 * Natively each one hangs a CPU or a task for good (the kernel's soft
 * lockup, RCU stall or hung-task detectors report some of them, after 20
 * to 120 s); under the NIM the watchdog or a bounded wait in a wrapper
 * must unwind it.  hang_abba needs two CPUs: a kthread on one takes A
 * then B while a kthread on the other takes B then A.
 */
#include <linux/completion.h>
#include <linux/crc32.h>
#include <linux/io.h>
#include <linux/sizes.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/semaphore.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/wait_bit.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include "selftest.h"

static volatile int hang_forever = 1;

/* Spin with the CPU state as entered (IRQs on in process/softirq). */
void selftest_hang_loop(void)
{
	while (READ_ONCE(hang_forever))
		cpu_relax();
}

/* Spin with interrupts off: only an NMI from another CPU can stop it. */
void selftest_hang_loop_irqoff(void)
{
	unsigned long flags;

	local_irq_save(flags);
	while (READ_ONCE(hang_forever))
		cpu_relax();
	local_irq_restore(flags);
}

/*
 * A kernel call that does not return for long: crc32_le() over the direct
 * map from 16 MiB, up to 1.5 GiB of RAM (test_nim_hang boots with 2 GiB:
 * about 2.6 s a call under TCG; it sets a 500 ms bound for this case, so
 * a call lasts past twice the bound), again and again.  Nearly all the time is in the kernel's code, which
 * holds no lock: the watchdog must unwind it there, not at the next call.
 */
void selftest_hang_in_kernel(void)
{
	struct sysinfo si;
	u64 ram;
	u32 crc = 0;

	si_meminfo(&si);
	ram = (u64)si.totalram * si.mem_unit;
	if (ram < SZ_128M)
		return;
	while (READ_ONCE(hang_forever))
		crc = crc32_le(crc, phys_to_virt(SZ_16M),
			       min_t(u64, ram - SZ_64M, SZ_1G + SZ_512M));
	pr_info("nooks_selftest: crc %x\n", crc);
}

static DEFINE_SPINLOCK(short_calls_lock);

/*
 * A loop whose time is in short kernel calls made with interrupts off
 * (udelay under an irqsave spinlock): the tick, pending meanwhile, always
 * lands in the kernel as the unlock re-enables interrupts, before its
 * preempt_enable(), so never where the kernel holds nothing.  The XPC's
 * next kernel call must end it (e1000/0165: a mutated length made
 * e1000_tx_map() call dma_map_page_attrs() a million times).
 */
void selftest_hang_short_calls(void)
{
	unsigned long flags;

	while (READ_ONCE(hang_forever)) {
		spin_lock_irqsave(&short_calls_lock, flags);
		udelay(200);
		spin_unlock_irqrestore(&short_calls_lock, flags);
	}
}

static int ignore_stop_fn(void *started)
{
	complete(started);
	while (READ_ONCE(hang_forever))
		msleep(20);
	return 0;
}

/*
 * A kthread whose loop never checks kthread_should_stop() (khttpd/0128:
 * a mutant dropped the listener's check), then kthread_stop() on it: the
 * caller waits for good, as a module's exit would.
 */
void selftest_hang_ignore_stop(void)
{
	DECLARE_COMPLETION_ONSTACK(started);
	struct task_struct *t = kthread_run(ignore_stop_fn, &started, "st_nostop");

	if (IS_ERR(t))
		return;
	wait_for_completion(&started);
	kthread_stop(t);
}

static int stop_sched_fn(void *started)
{
	complete(started);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!READ_ONCE(hang_forever))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * The same with a bare schedule(): kthread_stop() wakes the kthread, which
 * goes back to sleep (its wait loop lost the kthread_should_stop() check).
 */
void selftest_hang_stop_sched(void)
{
	DECLARE_COMPLETION_ONSTACK(started);
	struct task_struct *t = kthread_run(stop_sched_fn, &started, "st_nostop2");

	if (IS_ERR(t))
		return;
	wait_for_completion(&started);
	kthread_stop(t);
}

static DEFINE_MUTEX(hang_mutex);

/* Take a mutex the task already holds: sleeps forever. */
void selftest_hang_mutex(void)
{
	mutex_lock(&hang_mutex);
	mutex_lock(&hang_mutex);
	mutex_unlock(&hang_mutex);
	mutex_unlock(&hang_mutex);
}

static DEFINE_MUTEX(fault_mutex);
static void *volatile fault_null;

/* Fault holding a mutex: the unwind must unlock it (nooks_sleeplock.c). */
void selftest_mutex_fault(void)
{
	mutex_lock(&fault_mutex);
	pr_info("nooks_selftest: read %d\n", *(volatile int *)fault_null);
	mutex_unlock(&fault_mutex);
}

static DECLARE_RWSEM(self_rwsem);

/* Write-lock an rw-semaphore the task holds for reading: sleeps forever. */
void selftest_hang_rwsem_self(void)
{
	down_read(&self_rwsem);
	down_write(&self_rwsem);
	up_write(&self_rwsem);
	up_read(&self_rwsem);
}

static DECLARE_RWSEM(hang_rwsem);
static DECLARE_COMPLETION(rwsem_reader_done);

static int rwsem_reader(void *unused)
{
	down_read(&hang_rwsem);	/* the writer waits for us: never */
	up_read(&hang_rwsem);
	complete(&rwsem_reader_done);
	return 0;
}

/*
 * Hold an rw-semaphore for writing and wait for a kthread that wants to
 * read it: the kthread's wait is the deadlock (past the sleep bound); the
 * writer's wait ends with the recovery, and its unwind must up_write().
 */
void selftest_hang_rwsem(void)
{
	struct task_struct *t;

	down_write(&hang_rwsem);
	reinit_completion(&rwsem_reader_done);
	t = kthread_run(rwsem_reader, NULL, "st_rwsem");
	if (!IS_ERR(t))
		wait_for_completion_timeout(&rwsem_reader_done, 120 * HZ);
	up_write(&hang_rwsem);
}

static DECLARE_RWSEM(fault_rwsem_w);
static DECLARE_RWSEM(fault_rwsem_r);

/* Fault holding one rw-semaphore for writing, one for reading. */
void selftest_rwsem_fault(void)
{
	down_write(&fault_rwsem_w);
	down_read(&fault_rwsem_r);
	pr_info("nooks_selftest: read %d\n", *(volatile int *)fault_null);
	up_read(&fault_rwsem_r);
	up_write(&fault_rwsem_w);
}

/* Take the RTNL twice: sleeps forever (and stops all network config). */
void selftest_hang_rtnl(void)
{
	rtnl_lock();
	rtnl_lock();
	rtnl_unlock();
	rtnl_unlock();
}

/* Fault holding the RTNL: the unwind must unlock it. */
void selftest_rtnl_fault(void)
{
	rtnl_lock();
	pr_info("nooks_selftest: read %d\n", *(volatile int *)fault_null);
	rtnl_unlock();
}

/*
 * The socket lock of a kernel UDP socket: taken twice (@twice, sleeps
 * forever) or held at a NULL read.  The unwind must release it before
 * recovery releases the (tracked) socket.
 */
static void sock_lock_bug(bool twice)
{
	struct socket *sock;

	if (sock_create_kern(&init_net, PF_INET, SOCK_DGRAM, IPPROTO_UDP,
			     &sock) < 0)
		return;
	lock_sock(sock->sk);
	if (twice)
		lock_sock(sock->sk);
	else
		pr_info("nooks_selftest: read %d\n",
			*(volatile int *)fault_null);
	release_sock(sock->sk);
	if (twice)
		release_sock(sock->sk);
	sock_release(sock);
}

void selftest_hang_sock(void)
{
	sock_lock_bug(true);
}

void selftest_sock_fault(void)
{
	sock_lock_bug(false);
}

/*
 * A socket option set on a struct that is no socket: natively
 * sock_set_reuseaddr() takes the "socket lock" in the pattern (spins with
 * bottom halves off).  Not a tail call: the fault is attributed here.
 */
static u8 not_a_sock[sizeof(struct sock)];

void selftest_bad_sock(void)
{
	memset(not_a_sock, 0x5a, sizeof(not_a_sock));
	sock_set_reuseaddr((struct sock *)not_a_sock);
	pr_info("nooks_selftest: sock_set_reuseaddr returned\n");
}

/* A wait loop whose condition never comes true, sleeping 20 ms a turn. */
void selftest_hang_msleep(void)
{
	while (READ_ONCE(hang_forever))
		msleep(20);
}

static DECLARE_COMPLETION(hang_never);

/* Wait for a completion nobody completes: sleeps forever. */
void selftest_hang_sleep(void)
{
	wait_for_completion(&hang_never);
}

static unsigned long waitq_never;

/*
 * wait_var_event() on a variable nobody sets: its entry sits on one of the
 * kernel's hashed wait queues, on this stack.  The wake_up_var() first
 * calls every entry still queued for the variable: one an earlier unwind
 * left there would be called through a dead stack.
 */
void selftest_hang_waitq(void)
{
	wake_up_var(&waitq_never);
	wait_var_event(&waitq_never, READ_ONCE(waitq_never));
}

/* A sleep with no timeout and no wait queue. */
void selftest_hang_sched_timeout(void)
{
	schedule_timeout_uninterruptible(MAX_SCHEDULE_TIMEOUT);
}

static DEFINE_SEMAPHORE(hang_sem);

/* down() a binary semaphore the task took already: sleeps forever. */
void selftest_hang_sema(void)
{
	down(&hang_sem);
	down(&hang_sem);
	up(&hang_sem);
	up(&hang_sem);
}

static DEFINE_SPINLOCK(abba_a);
static DEFINE_SPINLOCK(abba_b);
static atomic_t abba_holding;

/* Hold @first, wait until the other side holds its first lock, take @second. */
static void abba_side(spinlock_t *first, spinlock_t *second)
{
	spin_lock(first);
	atomic_inc(&abba_holding);
	while (atomic_read(&abba_holding) < 2)
		cpu_relax();
	spin_lock(second);
	spin_unlock(second);
	spin_unlock(first);
}

static DECLARE_COMPLETION(abba_done);

static int abba_thread(void *a_first)
{
	if (a_first)
		abba_side(&abba_a, &abba_b);
	else
		abba_side(&abba_b, &abba_a);
	complete(&abba_done);
	return 0;
}

/*
 * ABBA across two CPUs: two kthreads, bound to the first two online CPUs,
 * each hold one lock and spin on the other's.  The caller waits for both.
 */
void selftest_hang_abba(void)
{
	struct task_struct *t[2];
	int cpu[2], n = 0, c, i;

	for_each_online_cpu(c)
		if (n < 2)
			cpu[n++] = c;
	if (n < 2) {
		pr_info("nooks_selftest: hang_abba needs two CPUs\n");
		return;
	}
	atomic_set(&abba_holding, 0);
	reinit_completion(&abba_done);
	for (i = 0; i < 2; i++) {
		t[i] = kthread_create(abba_thread, i ? NULL : (void *)1UL,
				      "nooks_abba%d", i);
		if (IS_ERR(t[i])) {
			if (i)
				kthread_stop(t[0]);
			return;
		}
		kthread_bind(t[i], cpu[i]);
	}
	wake_up_process(t[0]);
	wake_up_process(t[1]);
	wait_for_completion(&abba_done);
	wait_for_completion(&abba_done);
}
