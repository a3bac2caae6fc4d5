/*
 * triage_families.c - the report families triage knows (see triage_impl.h).
 *
 * One table row per way an x86 Linux kernel, 2.6 to 6.x, starts a report
 * (the header line, prefixes removed), written from the printing code:
 * arch/x86/mm/fault.c, arch/x86/kernel/{traps,dumpstack}.c, kernel/panic.c,
 * kernel/watchdog*.c, kernel/hung_task.c, kernel/rcu/tree_stall.h,
 * kernel/locking/lockdep.c, kernel/sched/core.c, mm/kasan/report.c,
 * mm/kfence/report.c, mm/kmsan/report.c, kernel/kcsan/report.c,
 * lib/ubsan.c, mm/kmemleak.c, mm/page_alloc.c, mm/slub.c, lib/list_debug.c,
 * lib/string_helpers.c, lib/bug.c.  Order matters: the first matching row
 * wins, so specific rows come before generic ones.  Then the frames never
 * blamed for a report: the kernel's own exception, sanitizer, locking,
 * allocation, scheduling and panic machinery.
 */
#define _GNU_SOURCE
#include "triage_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SYM	"[A-Za-z_.$][A-Za-z0-9_.$]*"
#define AT_SYM	"((" SYM ")(\\+0x| ))?"	/* optional "func+0x..": the culprit */
#define PANIC	"^Kernel panic - not syncing: "
#define OOPS	"^(Oops: )?"		/* 6.9+ prefixes die() lines */
#define DIE	": [0-9a-f]{4} \\[#[0-9]+\\]"
#define LOCKDEP	"^(\\[ )?(WARNING|INFO|BUG): "	/* "[ INFO: ... ]" before 4.14 */
#define LOCKUP	(F_CRASH | F_LOCKUP)
#define SANITIZER (F_CRASH | F_MSG | F_FRAMED)

const struct family families[] = {
	/* panic(): the header when nothing before it explains it */
	{ "stack_protector", PANIC "stack-protector: [Kk]ernel stack is corrupted in: " AT_SYM,
	  "stack-protector: kernel stack is corrupted", F_CRASH | F_PANIC, 0, 2 },
	{ "stack_overflow", PANIC "corrupted stack end detected",
	  "stack overflow: corrupted stack end", F_CRASH | F_PANIC, 0, 0 },
	{ "hard_lockup", PANIC "(Watchdog detected hard LOCKUP|Hard LOCKUP)",
	  "BUG: hard lockup", LOCKUP | F_PANIC, 0, 0 },
	{ "soft_lockup", PANIC "softlockup: hung tasks",
	  "BUG: soft lockup", LOCKUP | F_PANIC, 0, 0 },
	{ "hung_task", PANIC "hung_task: blocked tasks",
	  "INFO: task hung", LOCKUP | F_PANIC, 0, 0 },
	{ "rcu_stall", PANIC "RCU Stall", "INFO: rcu detected stall", LOCKUP | F_PANIC, 0, 0 },
	{ "kasan", PANIC "KASAN: panic_on_warn set", "KASAN", F_CRASH | F_PANIC, 0, 0 },
	{ "kfence", PANIC "(KFENCE|kfence): panic_on_warn set", "KFENCE", F_CRASH | F_PANIC, 0, 0 },
	{ "kmsan", PANIC "KMSAN: panic_on_warn set", "KMSAN", F_CRASH | F_PANIC, 0, 0 },
	{ "kcsan", PANIC "KCSAN: panic_on_warn set", "KCSAN", F_CRASH | F_PANIC, 0, 0 },
	{ "ubsan", PANIC "UBSAN: panic_on_warn set", "UBSAN", F_CRASH | F_PANIC, 0, 0 },
	{ "warning", PANIC "([A-Za-z]+: )?panic_on_warn set", "WARNING", F_PANIC, 0, 0 },
	{ "panic", PANIC "(.*)$", "kernel panic: ", F_CRASH | F_PANIC | F_MSG, 1, 0 },

	/* page faults (arch/x86/mm/fault.c; "unable to handle kernel" before 5.0) */
	{ "null_deref", "^BUG: kernel NULL pointer dereference",
	  "BUG: kernel NULL pointer dereference", F_CRASH, 0, 0 },
	{ "null_deref", "^(BUG: )?[Uu]nable to handle kernel NULL pointer dereference",
	  "BUG: kernel NULL pointer dereference", F_CRASH, 0, 0 },
	{ "page_fault", "^(BUG: )?[Uu]nable to handle (page fault|kernel paging request|kernel)",
	  "BUG: unable to handle page fault", F_CRASH, 0, 0 },
	{ "page_fault", OOPS "Bad pagetable" DIE, "BUG: bad pagetable", F_CRASH | F_PART, 0, 0 },

	/* stack overflows and double faults (arch/x86/kernel/traps.c) */
	{ "stack_overflow", "^BUG: ([A-Z#]+ )?stack guard page was hit",
	  "stack overflow", F_CRASH, 0, 0 },
	{ "stack_overflow", OOPS "(stack guard page|kernel stack overflow \\([a-z -]+\\))" DIE,
	  "stack overflow", F_CRASH | F_PART, 0, 0 },
	{ "double_fault", "^(traps: )?PANIC: double fault", "double fault", F_CRASH, 0, 0 },
	{ "double_fault", OOPS "double fault" DIE, "double fault", F_CRASH | F_PART, 0, 0 },

	/* watchdogs */
	{ "soft_lockup", "^((NMI )?watchdog: )?BUG: soft lockup( -| detected)",
	  "BUG: soft lockup", LOCKUP, 0, 0 },
	{ "hard_lockup", "^((NMI )?watchdog: )?(CPU[0-9]+: )?Watchdog detected hard LOCKUP",
	  "BUG: hard lockup", LOCKUP, 0, 0 },
	{ "hard_lockup", "^(BUG: )?NMI Watchdog detected LOCKUP",
	  "BUG: hard lockup", LOCKUP, 0, 0 },
	{ "rcu_stall", "^(rcu: )?INFO: (rcu_[a-z_]+|RCU) (self-)?detected (expedited )?"
	  "(stalls?|CPU)", "INFO: rcu detected stall", LOCKUP | F_ANYCTX, 0, 0 },
	{ "hung_task", "^INFO: task .*:[0-9]+ (blocked|can't die|blocked in I/O wait) for "
	  "more than", "INFO: task hung", LOCKUP, 0, 0 },
	{ "workqueue_lockup", "^BUG: workqueue lockup", "BUG: workqueue lockup", LOCKUP, 0, 0 },

	/* sanitizers, framed by "=====" lines, and kmemleak */
	{ "kasan", "^BUG: KAS[Aa]N: ([A-Za-z -]*[a-z]) in " AT_SYM, "KASAN: ", SANITIZER, 1, 3 },
	{ "kasan", "^BUG: KAS[Aa]N: ([A-Za-z -]*[a-z]) on address", "KASAN: ", SANITIZER, 1, 0 },
	{ "kfence", "^BUG: KFENCE: ([A-Za-z -]*[a-z]) in " AT_SYM, "KFENCE: ", SANITIZER, 1, 3 },
	{ "kmsan", "^BUG: KMSAN: ([A-Za-z -]*[a-z]) in " AT_SYM, "KMSAN: ", SANITIZER, 1, 3 },
	{ "kcsan", "^BUG: KCSAN: ([a-z :-]*[a-z]) in (" SYM ")", "KCSAN: ", SANITIZER, 1, 2 },
	{ "ubsan", "^UBSAN: ([A-Za-z -]*[a-z]) in ", "UBSAN: ", SANITIZER, 1, 0 },
	{ "kmemleak", "^unreferenced object 0x[0-9a-f]+ \\(size [0-9]+\\)",
	  "memory leak", F_CRASH, 0, 0 },
	{ "kmemleak", "^BUG: memory leak", "memory leak", F_CRASH, 0, 0 },
	{ "kmemleak", "^kmemleak: [0-9]+ new suspected memory leaks",
	  "memory leak", F_CRASH, 0, 0 },

	/* lockdep (kernel/locking/lockdep.c): the culprit is in "stack backtrace:" */
	{ "lockdep", LOCKDEP "possible (circular locking dependency|recursive locking|irq lock "
	  "inversion dependency) detected", "possible deadlock", F_CRASH | F_BACKTRACE, 0, 0 },
	{ "lockdep", LOCKDEP "[A-Z-]+-safe -> [A-Z-]+-unsafe lock order detected",
	  "possible deadlock", F_CRASH | F_BACKTRACE, 0, 0 },
	{ "lockdep", LOCKDEP "(inconsistent lock state|bad unlock balance|held lock freed|"
	  "lock held when returning to user space|suspicious RCU usage|Nested lock was not "
	  "taken|bad contention|Invalid wait context)", "", F_CRASH | F_BACKTRACE | F_MSG, 3, 0 },
	{ "lockdep", LOCKDEP ".*/-?[0-9]+ still has locks held",
	  "still has locks held", F_CRASH | F_BACKTRACE, 0, 0 },
	{ "lockdep", "^BUG: (MAX_[A-Z_]+ too low)", "BUG: ", F_CRASH | F_MSG, 1, 0 },
	{ "lockdep", "^BUG: (looking up invalid subclass|key [0-9a-f]+ has not been registered|key "
	  "not in \\.data)", "BUG: lockdep key misuse", F_CRASH, 0, 0 },
	{ "lockdep", "^INFO: trying to register non-static key",
	  "trying to register non-static key", F_CRASH | F_BACKTRACE, 0, 0 },

	/* scheduler and page allocator checks */
	{ "sleep_in_atomic", "^BUG: sleeping function called from invalid context",
	  "BUG: sleeping function called from invalid context", F_CRASH | F_BACKTRACE, 0, 0 },
	{ "sleep_in_atomic", "^BUG: scheduling while atomic",
	  "BUG: scheduling while atomic", F_CRASH | F_BACKTRACE, 0, 0 },
	{ "bad_page", "^(BUG: )?Bad page (state|map|cache)",
	  "BUG: Bad page ", F_CRASH | F_MSG, 2, 0 },
	{ "bad_page", "^BUG: (Bad rss-counter state|non-zero pgtables_bytes)",
	  "BUG: ", F_CRASH | F_MSG, 1, 0 },

	/* slab, list and fortify checks */
	{ "slab_corruption", "^BUG [A-Za-z0-9_.:-]+( \\([^)]*\\))?: (.*)$",
	  "slab corruption: ", F_CRASH | F_MSG, 2, 0 },
	{ "slab_corruption", "^kernel BUG at mm/sl[auo]b\\.c",
	  "slab corruption: kernel BUG", F_CRASH | F_PART, 0, 0 },
	{ "slab_corruption", "^Slab corruption", "slab corruption", F_CRASH, 0, 0 },
	{ "buffer_overflow", "^detected buffer overflow in ([a-z_0-9]+)",
	  "detected buffer overflow in ", F_CRASH | F_MSG, 1, 0 },
	{ "buffer_overflow", "^([a-z_0-9]+): detected buffer (overflow|over-read)",
	  "detected buffer overflow in ", F_CRASH | F_MSG, 1, 0 },
	{ "list_corruption", "^list_(add|del)( double add| corruption)",
	  "list corruption", F_CRASH, 0, 0 },

	/* BUG() and die() */
	{ "bug", "^[Kk]ernel BUG at ", "kernel BUG", F_CRASH | F_PART, 0, 0 },
	{ "gpf", OOPS "general protection fault",
	  "general protection fault", F_CRASH | F_PART, 0, 0 },
	{ "gpf", OOPS "stack segment" DIE, "stack segment fault", F_CRASH | F_PART, 0, 0 },
	{ "invalid_opcode", OOPS "invalid (opcode|operand)" DIE,
	  "invalid opcode", F_CRASH | F_PART, 0, 0 },
	{ "divide_error", OOPS "divide error" DIE, "divide error", F_CRASH | F_PART, 0, 0 },
	{ "oops", OOPS "Oops: [0-9a-f]{4} \\[#?[0-9]+\\]", "kernel oops", F_CRASH | F_PART, 0, 0 },
	{ "oops", OOPS "([a-z][a-z0-9 ()_-]*)" DIE, "", F_CRASH | F_PART | F_MSG, 2, 0 },
	{ "bug", "^BUG: using ([a-z_]+\\(\\)) in preemptible",
	  "BUG: using ", F_CRASH | F_MSG, 1, 0 },
	{ "bug", "^BUG: spinlock ([a-z ]*[a-z]) on CPU", "BUG: spinlock ", F_CRASH | F_MSG, 1, 0 },
	{ "bug", "^BUG: (.*)$", "BUG: ", F_CRASH | F_MSG | F_CONFIRM, 1, 0 },

	/* WARN(): "WARNING: at" (2.6-3.x), "WARNING: CPU: N PID: N at" (3.x-6.x), "file:line at" */
	{ "warning", "^WARNING: CPU: [0-9]+ PID: [0-9]+ at ([^ ]+:[0-9]+ )?((" SYM ")\\+0x)?",
	  "WARNING", 0, 0, 3 },
	{ "warning", "^WARNING: at [^ ]+:[0-9]+ (" SYM ")(\\+0x|\\(\\))", "WARNING", 0, 0, 1 },
	{ "warning", "^WARNING: [^ ]+:[0-9]+ at (" SYM ")\\+0x", "WARNING", 0, 0, 1 },
	{ "warning", "^WARNING: (kernel stack (regs|frame pointer) at |stack recursion on stack "
	  "type|stack going in the wrong direction|can't access registers at)",
	  "WARNING: bad unwind", 0, 0, 0 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

/* Frames never blamed, one group per line (anchored; ".cold" etc. are cut before). */
static const char *const skip_frames[] = {
	/* stack dumps, exceptions, die() */
	"(__)?dump_stack(_lvl)?", "show_(stack|regs|trace_log_lvl|stack_log_lvl|fault_oops)",
	"print_trace_address", "printk_stack_address", "__die(_body|_header)?", "die(_addr)?",
	"oops_(begin|end)", "do_trap", "do_error_trap", "(__)?do_page_fault", "handle_bug",
	"(report|fixup)_bug",
	"do_(general_protection|divide_error|invalid_op|int3|double_fault|bounds|"
	"stack_segment|segment_not_present|debug|nmi)", "exc_[a-z_0-9]+", "asm_[a-z_0-9]+",
	"(__)?sysvec_[a-z_0-9]+", "(async_)?page_fault", "general_protection", "invalid_op",
	"divide_error", "error_entry", "page_fault_oops", "no_context", "kernelmode_fixup_or_oops",
	"(__)?bad_area(_nosemaphore|_access_error)?", "do_(user|kern)_addr_fault",
	"handle_page_fault", "fixup_exception", "dump_pagetable", "handle_stack_overflow",
	"math_error",
	/* panic and WARN */
	"panic", "vpanic", "nmi_panic", "__warn", "__warn_printk",
	"warn_slowpath_(fmt|null|common)", "check_panic_on_warn", "__stack_chk_fail",
	"(__)?fortify_(panic|report)", "panic_on_rcu_stall",
	/* watchdogs, timers, interrupts, NMI backtraces */
	"watchdog", "watchdog_timer_fn", "watchdog_overflow_callback", "__hrtimer_run_queues",
	"hrtimer_interrupt", "__run_hrtimer", "(__)?irq_exit(_rcu)?", "__do_softirq",
	"handle_softirqs", "do_softirq(_own_stack)?", "__local_bh_enable_ip", "run_timer_softirq",
	"call_timer_fn", "expire_timers", "__run_timers", "rcu_sched_clock_irq", "rcu_pending",
	"check_cpu_stall", "print_(cpu|other_cpu)_stall", "rcu_dump_cpu_stacks",
	"rcu_check_callbacks", "nmi_cpu_backtrace(_handler)?",
	"(nmi|arch)_trigger_cpumask_backtrace", "trigger_(all|single)_cpu_backtrace", "nmi_handle",
	"default_do_nmi", "end_repeat_nmi", "update_process_times",
	"tick_sched_(handle|timer|do_timer)", "tick_nohz_handler", "(smp_)?apic_timer_interrupt",
	"local_apic_timer_interrupt", "check_hung_(task|uninterruptible_tasks)",
	"(__)?perf_event_overflow", "perf_event_nmi_handler", "(intel|amd|x86)_pmu_handle_irq",
	"handle_pmi_common", "watchdog_hardlockup_check", "debug_show_all_locks", "sched_show_task",
	"show_state_filter",
	/* scheduler and sleeping */
	"__schedule", "context_switch",
	"schedule(_timeout|_preempt_disabled|_hrtimeout_range|_hrtimeout_range_clock|"
	"_timeout_interruptible|_timeout_uninterruptible|_timeout_killable|_idle)?",
	"io_schedule(_timeout)?", "preempt_schedule(_common|_irq|_notrace|_thunk|_notrace_thunk)?",
	"_?_cond_resched", "schedule_debug", "__schedule_bug", "(__|do_)?wait_for_common(_io)?",
	"wait_for_completion[a-z_]*", "(__|out_of_line_)?wait_on_bit(_lock)?", "bit_wait(_io)?",
	"prepare_to_wait(_event|_exclusive)?", "(__)?wake_up[a-z_]*", "finish_wait", "wait_woken",
	"msleep(_interruptible)?", "usleep_range(_state)?",
	"synchronize_(rcu|srcu|net|sched)(_expedited|_normal)?", "__synchronize_srcu",
	"(__)?wait_rcu_gp", "rcu_barrier", "(__)?flush_work(queue)?", "drain_workqueue", "kthread",
	"ret_from_fork(_asm)?", "worker_thread", "process_one_work", "process_scheduled_works",
	"do_syscall_(64|x64|x32|32_irqs_on)", "(__)?do_fast_syscall_32",
	"entry_SYSCALL_64(_after_hwframe|_fastpath)?", "entry_SYSENTER_compat(_after_hwframe)?",
	"entry_INT80_compat", "syscall_exit_to_user_mode", "exit_to_user_mode_(prepare|loop)",
	"rcu_do_batch", "rcu_core(_si)?", "rcu_process_callbacks", "__rcu_reclaim",
	/* locking and lockdep */
	"(__)?lock_(acquire|release|acquired|contended)", "lock_is_held_type", "lockdep_[a-z_0-9]+",
	"print_[a-z_]+_bug", "print_circular_bug_header",
	"check_(noncircular|prev_add|prevs_add|deadlock|irq_usage|usage|usage_forwards|"
	"usage_backwards|wait_context|flags)", "validate_chain",
	"mark_(lock|lock_irq|usage|held_locks)", "valid_state", "print_bad_irq_dependency",
	"print_lock_invalid_wait_context", "debug_check_no_locks_(freed|held)",
	"(__)?debug_check_no_obj_freed", "debug_print_object", "debug_object_[a-z_]+",
	"_{0,3}might_(sleep|resched|fault)", "__cant_sleep",
	"do_raw_(spin|read|write)_(lock|unlock|trylock)", "spin_(bug|dump)", "__spin_lock_debug",
	"rwlock_bug",
	"_?_raw_(spin|read|write)_(lock|unlock|trylock)(_irq|_irqsave|_bh|_nested|"
	"_irqsave_nested|_irqrestore)?", "(native_|__pv_)?queued_spin_lock_slowpath",
	"queued_(read|write)_lock_slowpath", "(__)?mutex_lock[a-z_]*", "mutex_unlock",
	"__mutex_unlock_slowpath", "mutex_trylock", "(__)?rt_mutex_[a-z_]+",
	"rt_spin_(lock|unlock)",
	"(__)?down(_read|_write)?(_nested|_killable|_interruptible|_trylock|_timeout|_common|"
	"_slowpath)?", "rwsem_down_(read|write)_(slowpath|failed)",
	"call_rwsem_down_(read|write)_failed", "up(_read|_write)?", "__up_(read|write)",
	"percpu_down_(read|write)", "__percpu_down_read", "percpu_rwsem_wait",
	"(__)?ww_mutex_lock[a-z_]*", "lock_sock_nested",
	/* allocators, kmemleak, page freeing */
	"(__)?kfree", "kfree_sensitive", "kvfree", "(__)?kmem_cache_(alloc|free|zalloc)[a-z_]*",
	"(__|do_)?slab_free", "slab_free_(freelist_)?hook", "memcg_slab_free_hook",
	"free_to_partial_list", "(free|alloc)_debug_processing", "check_object",
	"check_bytes_and_report", "object_err", "slab_err", "print_trailer", "print_tracking",
	"set_freepointer", "_{0,3}slab_alloc(_node)?", "slab_(post|pre)_alloc_hook",
	"(__)?kmalloc[a-z_]*", "kzalloc[a-z_]*", "kcalloc[a-z_]*", "krealloc[a-z_]*",
	"(__)?kvmalloc[a-z_]*", "kvzalloc[a-z_]*", "kmemdup[a-z_]*", "kstrn?dup[a-z_]*",
	"(__)?vmalloc[a-z_]*", "vzalloc[a-z_]*", "(__)?alloc_pages[a-z_]*", "__get_free_pages",
	"get_zeroed_page", "kmemleak_alloc[a-z_]*", "bad_page", "free_pages_check_bad",
	"free_page_is_bad(_report)?", "free_tail_pages?_prepare", "free_(pages|pcp)_prepare",
	"free_unref_page[a-z_]*", "free_hot_cold_page(_list)?", "(__)?free_pages(_ok)?",
	"free_the_page", "(__)?folio_put[a-z_]*", "(__)?put_page", "release_pages",
	"check_new_page[a-z_]*", "check_free_page[a-z_]*", "print_bad_pte",
	/* sanitizers */
	"_{0,4}kasan_[a-z_0-9]+", "__asan_[a-z_0-9]+", "check_memory_region(_inline)?",
	"memory_is_poisoned[a-z_0-9]*", "print_address_description", "print_report",
	"describe_object[a-z_]*", "(start|end)_report", "(__)?kfence_[a-z_]+", "(__)?kcsan_[a-z_]+",
	"__tsan_[a-z_0-9]+", "(__)?kmsan_[a-z_]+", "__msan_[a-z_0-9]+", "(__)?ubsan_[a-z_0-9]+",
	"handle_(overflow|null_ptr_deref|object_size_mismatch|misaligned_access)",
	"stack_trace_save[a-z_]*", "save_stack(_trace)?", "set_track[a-z_]*",
	"(__)?stack_depot_save[a-z_]*", "arch_stack_walk", "instrument_[a-z_]+",
	/* string, user-copy, list and refcount helpers */
	"(__)?mem(cpy|set|move|cmp|chr|scan)(_erms|_orig|_fast|_avx_unaligned[a-z_]*)?",
	"str(len|nlen|cpy|ncpy|cmp|ncmp|cat|ncat|lcpy|scpy|chr|rchr|str|sep)", "sized_strscpy",
	"_?_?copy_(to|from)_user[a-z_]*", "raw_copy_(to|from)_user", "copy_user_[a-z_]+",
	"rep_movs_alternative", "__(get|put)_user_[0-9a-z_]+", "strncpy_from_user",
	"memdup_user[a-z_]*", "check_preemption_disabled", "debug_smp_processor_id",
	"__this_cpu_preempt_check", "__list_(add|del)(_entry)?(_valid(_or_report)?)?",
	"list_(add|del)(_init|_tail|_rcu|_tail_rcu)?", "__list_add_rcu", "refcount_warn_saturate",
	"(__)?refcount_(inc|dec|sub|add)[a-z_]*", "kref_(get|put)[a-z_]*",
};

/* The first stack of a report ends where KASAN/KFENCE/KMSAN describe the object. */
static const char stop_re[] =
	"^((Allocated|Freed|allocated|freed)( by task [0-9]+| by task|):|(Allocated|Freed|"
	"allocated|freed) by task|The buggy address|kfence-#|Last potentially related|"
	"Second to last potentially related|Memory state around|Uninit was (created|stored)|"
	"Local variable .* created at)";

static regex_t *family_rx;
static regex_t skip_rx, stop_rx;
static char *kinds;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void compile_all(void)
{
	size_t i, n, len = 16;
	char *re;

	for (n = 0; families[n].kind; n++)
		;
	family_rx = xcalloc(n, sizeof(*family_rx));
	kinds = xmalloc(32 * (n + 1));
	strcpy(kinds, " none ");
	for (i = 0; i < n; i++) {
		char word[40];

		if (regcomp(&family_rx[i], families[i].re, REG_EXTENDED))
			abort();	/* a bug in the table above */
		snprintf(word, sizeof(word), " %s ", families[i].kind);
		if (!strstr(kinds, word))
			strcat(kinds, word + 1);
	}
	kinds[strlen(kinds) - 1] = '\0';
	for (i = 0; i < ARRAY_SIZE(skip_frames); i++)
		len += strlen(skip_frames[i]) + 3;
	re = xmalloc(len);
	strcpy(re, "^(");
	for (i = 0; i < ARRAY_SIZE(skip_frames); i++) {
		strcat(re, i ? "|(" : "(");
		strcat(re, skip_frames[i]);
		strcat(re, ")");
	}
	strcat(re, ")$");
	if (regcomp(&skip_rx, re, REG_EXTENDED | REG_NOSUB) ||
	    regcomp(&stop_rx, stop_re, REG_EXTENDED | REG_NOSUB))
		abort();
	free(re);
}

int family_match(const char *s, regmatch_t *m)
{
	int i;

	pthread_once(&once, compile_all);
	if (!(*s >= 'A' && *s <= 'Z') && !(*s >= 'a' && *s <= 'z') && *s != '[')
		return -1;	/* every header starts with a letter or "[ " */
	for (i = 0; families[i].kind; i++)
		if (!regexec(&family_rx[i], s, FAMILY_GROUPS, m, 0))
			return i;
	return -1;
}

bool frame_skipped(const char *fn)
{
	pthread_once(&once, compile_all);
	return !regexec(&skip_rx, fn, 0, NULL, 0);
}

bool stack_stop(const char *s)
{
	pthread_once(&once, compile_all);
	return !regexec(&stop_rx, s, 0, NULL, 0);
}

const char *family_kinds(void)
{
	pthread_once(&once, compile_all);
	return kinds + 1;
}
