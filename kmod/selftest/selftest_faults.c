// SPDX-License-Identifier: GPL-2.0
/*
 * selftest_faults.c - one function per kind of extension bug.
 *
 * Each function performs exactly one bug when called, in whatever context
 * the caller is in (process, softirq, hardirq).  The table at the bottom is
 * the only interface; selftest_main.c decides when and where to call.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/objtool.h>
#include <linux/rcupdate.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/timex.h>
#include <linux/workqueue.h>
#include "selftest.h"

static int selftest_ro_data __ro_after_init = 1;

/*
 * Stage 2 targets: "target" is an address set by the test (a kernel
 * global, another module's data, a kernel kmalloc object) that the
 * extension was never granted.
 */
static unsigned long target;
module_param(target, ulong, 0644);
MODULE_PARM_DESC(target, "address for wild_write / wild_read");
static volatile int selftest_zero;
static void *volatile selftest_null;

static noinline void fault_null_read(void)
{
	pr_info("nooks_selftest: read %d\n", *(volatile int *)selftest_null);
}

static noinline void fault_null_write(void)
{
	*(volatile int *)selftest_null = 1;
}

static noinline void fault_null_call(void)
{
	void (*fn)(void) = selftest_null;

	fn();
}

static noinline void fault_gpf(void)
{
	/* non-canonical address: #GP, not #PF */
	pr_info("nooks_selftest: read %d\n",
		*(volatile int *)0xdead000000000000UL);
}

static noinline void fault_divide(void)
{
	pr_info("nooks_selftest: %d\n", 100 / selftest_zero);
}

static noinline void fault_ud2(void)
{
	if (!selftest_zero)
		asm volatile("ud2");
}

/*
 * A corrupted stack pointer (what a mutated `mov $0x1, %esp` leaves): the
 * push faults, and the CPU cannot deliver that #PF on the same stack: #DF.
 */
static noinline void fault_bad_rsp(void)
{
	if (!selftest_zero)
		asm volatile("movq $0x1000, %%rsp\n\tpushq %%rax\n\tud2" ::: "memory");
}
STACK_FRAME_NON_STANDARD(fault_bad_rsp);

/*
 * A stack pointer into the heap (what a `leave` with a corrupted %rbp
 * leaves), then a NULL read: the #PF is delivered on that memory, and its
 * sp is on no stack.
 */
static noinline void fault_heap_rsp(void)
{
	static char heap_stack[4096] __aligned(16);

	if (!selftest_zero)
		asm volatile("movq %0, %%rsp\n\tmovq 0, %%rax\n\tud2"
			     : : "r"(heap_stack + sizeof(heap_stack)) : "memory");
}
STACK_FRAME_NON_STANDARD(fault_heap_rsp);	/* objtool: sp on purpose */

static noinline void fault_bug(void)
{
	BUG_ON(selftest_zero == 0);
}

static noinline void fault_warn(void)
{
	WARN_ON(selftest_zero == 0);
}

static noinline void fault_ro_write(void)
{
	*(volatile int *)&selftest_ro_data = 2;
}

static noinline void fault_panic(void)
{
	panic("nooks_selftest: requested panic");
}

static noinline int recurse(int depth)
{
	volatile char pad[512];

	if (depth < 0)		/* never true: keeps the compiler quiet */
		return 0;
	pad[0] = (char)depth;
	return recurse(depth + 1) + pad[0];
}

static noinline void fault_stack_overflow(void)
{
	pr_info("nooks_selftest: %d\n", recurse(0));
}

static noinline void fault_stack_protector(void)
{
	char buf[16];
	volatile size_t n = 64;

	memset(buf, 0x41, n);
	barrier_data(buf);
}

static noinline void fault_double_free(void)
{
	void *p = kmalloc(64, GFP_ATOMIC);

	kfree(p);
	kfree(p);
}

/*
 * Hand the kernel a struct that is no timer (no work): natively
 * lock_timer_base() indexes the per-CPU timer bases with a garbage CPU,
 * and cancel_work() would take the pattern for a pending work's pool.
 * Not tail calls, so the fault is attributed to these functions.
 */
static unsigned long not_an_object[16];

static noinline void fault_bad_timer(void)
{
	int ret;

	memset(not_an_object, 0x5a, sizeof(not_an_object));
	ret = timer_delete((struct timer_list *)not_an_object);
	pr_info("nooks_selftest: timer_delete returned %d\n", ret);
}

static noinline void fault_bad_work(void)
{
	bool ret;

	memset(not_an_object, 0x5a, sizeof(not_an_object));
	ret = cancel_work((struct work_struct *)not_an_object);
	pr_info("nooks_selftest: cancel_work returned %d\n", ret);
}

static noinline void fault_use_after_free(void)
{
	u8 *p = kmalloc(64, GFP_ATOMIC);

	kfree(p);
	memset(p, 0x5a, 64);
	p = kmalloc(64, GFP_ATOMIC);
	kfree(p);
}

/* Spin with preemption off: soft lockup and RCU stall detectors fire. */
static noinline void fault_soft_lockup(void)
{
	unsigned long end = jiffies + 60 * HZ;

	preempt_disable();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
}

/* Spin inside an RCU read-side section with preemption off. */
static noinline void fault_rcu_stall(void)
{
	unsigned long end = jiffies + 60 * HZ;

	rcu_read_lock();
	preempt_disable();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
	rcu_read_unlock();
}

/* Spin forever with interrupts off: nothing is printed (a silent hang). */
static noinline void fault_silent_hang(void)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
}

/* Sleep uninterruptibly for long: the hung task detector reports it. */
static noinline void fault_hung_task(void)
{
	set_current_state(TASK_UNINTERRUPTIBLE);
	schedule_timeout(600 * HZ);
}

/* Power-off hangs: a reboot notifier that sleeps uninterruptibly (the runner's power-off bound). */
static int reboot_hang_fn(struct notifier_block *nb, unsigned long action, void *data)
{
	set_current_state(TASK_UNINTERRUPTIBLE);
	schedule_timeout(600 * HZ);
	return NOTIFY_DONE;
}

static struct notifier_block reboot_hang_nb = { .notifier_call = reboot_hang_fn };
static bool reboot_hang_on;

static noinline void fault_reboot_hang(void)
{
	if (!reboot_hang_on && !register_reboot_notifier(&reboot_hang_nb))
		reboot_hang_on = true;
}

void selftest_faults_exit(void)
{
	if (reboot_hang_on)
		unregister_reboot_notifier(&reboot_hang_nb);
	reboot_hang_on = false;
}

/* A wild write: 4 bytes, so a missed write damages nothing else. */
static noinline void fault_wild_write(void)
{
	*(volatile u32 *)target = 0x5a5a5a5a;
}

/* Not a bug: reading kernel memory is allowed in a domain. */
static noinline void fault_wild_read(void)
{
	pr_info("nooks_selftest: read %lx = %x\n", target,
		*(volatile u32 *)target);
}

/* Not a bug: the extension's own heap object (granted) is writable. */
static noinline void fault_heap_write(void)
{
	u8 *p = kmalloc(200, GFP_ATOMIC);

	if (!p)
		return;
	memset(p, 0x11, 200);
	p[199] = 0x22;
	pr_info("nooks_selftest: heap %px ok %d\n", p, p[0] + p[199]);
	kfree(p);
}

/*
 * Stage 2, SMP: this CPU caches a writable translation of an own heap page,
 * then a work item on another CPU frees it (the kfree wrapper revokes the
 * grant) while this CPU spins in the domain; the write after that must
 * fault (the revocation shot this CPU's TLB down), not land in freed
 * memory.  With 1 CPU it only prints "one cpu".
 *
 * revoke_remote spins with IRQs on, as a driver would, so the shootdown IPI
 * can reach it.  revoke_remote_irqoff spins with IRQs off and is only for
 * the control with nooks.pd_shootdown=0: no interrupt (each one enters the
 * kernel and back, rewriting CR3) can flush the stale translation, so
 * without a shootdown the write goes through every time.  With shootdowns
 * on, the revoking CPU would wait for this one (a shootdown timeout).  The
 * spin is bounded by the TSC (jiffies may stand still with this CPU's
 * interrupts off); "done=0" in the message means the free never came.
 */
static u32 *volatile revoke_obj;
static volatile int revoke_done;
static struct work_struct revoke_work;

static void revoke_work_fn(struct work_struct *w)
{
	kfree(revoke_obj);
	revoke_done = 1;
}

static noinline void revoke_remote(bool irqs_off)
{
	u32 *p = kmalloc(PAGE_SIZE, GFP_KERNEL);	/* a page of its own */
	unsigned long flags = 0;
	cycles_t end;
	int cpu, other;

	if (!p)
		return;
	cpu = get_cpu();
	other = cpu ? 0 : 1;
	if (!cpu_online(other)) {
		put_cpu();
		kfree(p);
		pr_info("nooks_selftest: revoke_remote: one cpu\n");
		return;
	}
	revoke_obj = p;
	revoke_done = 0;
	INIT_WORK(&revoke_work, revoke_work_fn);
	if (irqs_off)
		local_irq_save(flags);
	p[0]++;			/* the translation is cached before the free */
	schedule_work_on(other, &revoke_work);
	end = get_cycles() + 20000000000ULL;	/* ~5-10 s at 2-4 GHz */
	while (!revoke_done && get_cycles() < end)
		p[0]++;		/* keeps the translation hot */
	p[1] = 0x5a5a5a5a;	/* the bug: a write after the (remote) free */
	if (irqs_off)
		local_irq_restore(flags);
	put_cpu();
	pr_info("nooks_selftest: revoke_remote: wrote freed %px done=%d irqs_off=%d\n",
		p, revoke_done, irqs_off);
}

static noinline void fault_revoke_remote(void)
{
	revoke_remote(false);
}

static noinline void fault_revoke_remote_irqoff(void)
{
	revoke_remote(true);
}

/*
 * Not a bug: straight-line code, every instruction runs on each call.  The
 * target of the transient code-fault tests (tests/vm/test_inject_transient.sh):
 * whichever instruction the injector mutates here is executed.
 */
static noinline void fault_code_site(void)
{
	static volatile u32 counter;

	counter = counter * 3 + 1;
	pr_info("nooks_selftest: code_site %u\n", counter);
}

/*
 * Leaks: return to the kernel with the CPU in another state than at entry
 * (what a deleted unlock or lock call in a driver does).  The lock lives
 * in module data, so a reload (or the NIM's pristine data restore) frees it.
 */
static DEFINE_SPINLOCK(selftest_lock);

static noinline void fault_leak_spinlock(void)
{
	spin_lock(&selftest_lock);
}

static noinline void fault_leak_irqsave(void)
{
	unsigned long flags;

	spin_lock_irqsave(&selftest_lock, flags);
	pr_info("nooks_selftest: took lock, flags %lx\n", flags);
}

static noinline void fault_leak_irq_off(void)
{
	local_irq_disable();
}

static noinline void fault_leak_irq_on(void)
{
	local_irq_enable();
}

static noinline void fault_leak_preempt(void)
{
	preempt_disable();
}

static noinline void fault_leak_bh(void)
{
	local_bh_disable();
}

static noinline void fault_leak_rcu(void)
{
	rcu_read_lock();
}

/* An unlock whose lock call was deleted: the preempt count goes down. */
static noinline void fault_unlock_unheld(void)
{
	spin_unlock(&selftest_lock);
}

/* preempt_enable() without preempt_disable(): the count goes below zero. */
static noinline void fault_preempt_underflow(void)
{
	preempt_enable();
}

/* Take a lock this CPU holds: spins forever (natively with IRQs off). */
static noinline void fault_self_deadlock(void)
{
	unsigned long flags;

	spin_lock_irqsave(&selftest_lock, flags);
	spin_lock(&selftest_lock);
	spin_unlock(&selftest_lock);
	spin_unlock_irqrestore(&selftest_lock, flags);
}

/*
 * Leak a lock that lives in kernel memory (the caller's signal lock): no
 * data restore unlocks it, and the task's next signal or exit spins on it.
 */
static noinline void fault_leak_kernel_lock(void)
{
	spin_lock(&current->sighand->siglock);
}

static DEFINE_RWLOCK(selftest_rwlock);

static noinline void fault_leak_write_lock(void)
{
	write_lock(&selftest_rwlock);
}

/*
 * Leak a read lock of an rwlock in kernel memory (dev_base_lock): the
 * kernel's next writer (a netdev registered, renamed, unregistered) spins
 * on it for good unless the NIM unlocks it.
 */
static noinline void fault_leak_read_kernel(void)
{
	read_lock(&dev_base_lock);
}

/* Write-lock an rwlock this CPU holds for reading: spins forever. */
static noinline void fault_rw_deadlock(void)
{
	read_lock(&selftest_rwlock);
	write_lock(&selftest_rwlock);
	write_unlock(&selftest_rwlock);
	read_unlock(&selftest_rwlock);
}

static noinline void fault_rw_unlock_unheld(void)
{
	read_unlock(&selftest_rwlock);
}

/* No fault: take dev_base_lock for writing (after leak_read_kernel). */
static noinline void fault_rw_kernel_write(void)
{
	write_lock_bh(&dev_base_lock);
	write_unlock_bh(&dev_base_lock);
}

const struct selftest_fault selftest_faults[] = {
	{ "null_read",       fault_null_read,       "NULL pointer read" },
	{ "null_write",      fault_null_write,      "NULL pointer write" },
	{ "null_call",       fault_null_call,       "call through a NULL function pointer" },
	{ "gpf",             fault_gpf,             "non-canonical address: general protection fault" },
	{ "divide",          fault_divide,          "integer divide by zero" },
	{ "ud2",             fault_ud2,             "invalid opcode" },
	{ "bad_rsp",         fault_bad_rsp,         "stack pointer 0x1000, then a push (#DF)" },
	{ "heap_rsp",        fault_heap_rsp,        "stack pointer into module data, then a NULL read" },
	{ "bug",             fault_bug,             "BUG()" },
	{ "warn",            fault_warn,            "WARN() (not a crash)" },
	{ "ro_write",        fault_ro_write,        "write to read-only module data" },
	{ "panic",           fault_panic,           "panic()" },
	{ "stack_overflow",  fault_stack_overflow,  "unbounded recursion: stack guard page" },
	{ "stack_protector", fault_stack_protector, "stack buffer overflow: canary" },
	{ "double_free",     fault_double_free,     "kfree twice" },
	{ "use_after_free",  fault_use_after_free,  "write after kfree" },
	{ "bad_timer",       fault_bad_timer,       "timer_delete of a struct that is no timer" },
	{ "bad_work",        fault_bad_work,        "cancel_work of a struct that is no work item" },
	{ "soft_lockup",     fault_soft_lockup,     "spin 60 s with preemption off" },
	{ "rcu_stall",       fault_rcu_stall,       "spin 60 s in an RCU read-side section" },
	{ "silent_hang",     fault_silent_hang,     "spin forever with interrupts off" },
	{ "hung_task",       fault_hung_task,       "sleep uninterruptibly for 600 s" },
	{ "reboot_hang",     fault_reboot_hang,     "power-off sleeps uninterruptibly (a reboot notifier)" },
	{ "wild_write",      fault_wild_write,      "write 4 bytes at the address in parameter target" },
	{ "wild_read",       fault_wild_read,       "read 4 bytes at the address in parameter target (not a bug)" },
	{ "heap_write",      fault_heap_write,      "write an own kmalloc object (not a bug)" },
	{ "code_site",       fault_code_site,       "straight-line code for transient code faults (not a bug)" },
	{ "revoke_remote",   fault_revoke_remote,   "write an own page after another CPU freed it (2 CPUs)" },
	{ "revoke_remote_irqoff", fault_revoke_remote_irqoff, "the same with IRQs off (control with nooks.pd_shootdown=0 only)" },
	{ "leak_spinlock",   fault_leak_spinlock,   "return holding a spinlock" },
	{ "leak_irqsave",    fault_leak_irqsave,    "return holding a spinlock taken with irqsave" },
	{ "leak_irq_off",    fault_leak_irq_off,    "return with interrupts disabled" },
	{ "leak_irq_on",     fault_leak_irq_on,     "enable interrupts (in a context entered with them off)" },
	{ "leak_preempt",    fault_leak_preempt,    "return with preemption disabled" },
	{ "leak_bh",         fault_leak_bh,         "return with bottom halves disabled" },
	{ "leak_rcu",        fault_leak_rcu,        "return inside an RCU read-side section" },
	{ "unlock_unheld",   fault_unlock_unheld,   "spin_unlock a lock that is not held" },
	{ "preempt_underflow", fault_preempt_underflow, "preempt_enable without preempt_disable" },
	{ "self_deadlock",   fault_self_deadlock,   "take a spinlock this CPU already holds" },
	{ "leak_kernel_lock", fault_leak_kernel_lock, "return holding current->sighand->siglock (kernel memory)" },
	{ "leak_write_lock", fault_leak_write_lock, "return holding an rwlock for writing" },
	{ "leak_read_kernel", fault_leak_read_kernel, "return holding dev_base_lock (kernel memory) for reading" },
	{ "rw_deadlock",     fault_rw_deadlock,     "write-lock an rwlock this CPU holds for reading" },
	{ "rw_unlock_unheld", fault_rw_unlock_unheld, "read_unlock an rwlock nobody holds" },
	{ "rw_kernel_write", fault_rw_kernel_write, "no fault: write-lock and unlock dev_base_lock" },
	{ "hang_loop",       selftest_hang_loop,    "spin forever, interrupts as entered" },
	{ "hang_loop_irqoff", selftest_hang_loop_irqoff, "spin forever with interrupts off" },
	{ "hang_mutex",      selftest_hang_mutex,   "lock a mutex the task holds (sleeps forever)" },
	{ "hang_sleep",      selftest_hang_sleep,   "wait for a completion nobody completes" },
	{ "hang_in_kernel",  selftest_hang_in_kernel, "a kernel call (crc32_le over up to 1.5 GiB of RAM) again and again" },
	{ "hang_short_calls", selftest_hang_short_calls, "udelay(200) under an irqsave spinlock, again and again" },
	{ "hang_ignore_stop", selftest_hang_ignore_stop, "kthread_stop() a kthread that never checks kthread_should_stop()" },
	{ "mutex_fault",     selftest_mutex_fault,  "NULL read holding a mutex" },
	{ "hang_rwsem_self", selftest_hang_rwsem_self, "write-lock an rw-semaphore the task holds for reading" },
	{ "hang_rwsem",      selftest_hang_rwsem,   "a kthread waits to read an rw-semaphore its creator holds for writing" },
	{ "rwsem_fault",     selftest_rwsem_fault,  "NULL read holding rw-semaphores for writing and reading" },
	{ "hang_msleep",     selftest_hang_msleep,  "msleep(20) in a loop that never ends" },
	{ "hang_waitq",      selftest_hang_waitq,   "wait_var_event() on a variable nobody sets" },
	{ "hang_sched_timeout", selftest_hang_sched_timeout, "schedule_timeout_uninterruptible(MAX_SCHEDULE_TIMEOUT)" },
	{ "hang_sema",       selftest_hang_sema,    "down() a binary semaphore the task holds" },
	{ "hang_stop_sched", selftest_hang_stop_sched, "kthread_stop() a kthread whose schedule() loop never checks kthread_should_stop()" },
	{ "hang_rtnl",       selftest_hang_rtnl,    "take the RTNL the task holds" },
	{ "rtnl_fault",      selftest_rtnl_fault,   "NULL read holding the RTNL" },
	{ "hang_sock",       selftest_hang_sock,    "take the lock of a kernel socket the task holds" },
	{ "sock_fault",      selftest_sock_fault,   "NULL read holding the lock of a kernel socket" },
	{ "bad_sock",        selftest_bad_sock,     "sock_set_reuseaddr of a struct that is no socket" },
	{ "hang_abba",       selftest_hang_abba,    "ABBA spinlock deadlock between kthreads on two CPUs" },
};
const int selftest_nr_faults = ARRAY_SIZE(selftest_faults);
