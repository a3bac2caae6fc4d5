/*
 * test_triage.c - triage on recorded console logs of the pinned kernel
 * (tests/fixtures/console/NAME.log, each with its expected verdict in a
 * "# key: value" header), on reports of other kernel versions and configs
 * (tests/fixtures/console-other/FAMILY/VARIANT.log, expected verdicts in
 * the table below), on the console prefixes, and on edge cases (empty,
 * truncated, CRLF, noise).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "triage.h"
#include "fixture.h"
#include "util.h"

static const char *fixture_dir(void)
{
	const char *d = getenv("NOOKS_FIXTURES");

	return d ? d : "tests/fixtures/console";
}

static const char *other_dir(void)
{
	const char *d = getenv("NOOKS_FIXTURES_OTHER");

	return d ? d : "tests/fixtures/console-other";
}

/*
 * Reports of other kernels: file (under other_dir()), crashed, kind, chain
 * (every report's kind, in order), title, guilty function and module.
 * Written from each version's printing code, several variants per family
 * (old and new headers, with and without timestamps, caller ids, syslog
 * levels); a directory's name is the family its files show.
 */
static const struct other {
	const char *file;
	bool crashed;
	const char *kind, *chain, *title, *guilty_function, *guilty_module;
} others[] = {
	{ "bad_page/v4.9-bad-page-state.log", true, "bad_page", "bad_page",
	  "BUG: Bad page state in ringpg_free_ring", "ringpg_free_ring", "ringpg" },
	{ "bad_page/v5.4-bad-page-map.log", true, "bad_page", "bad_page",
	  "BUG: Bad page map in unmap_page_range", "unmap_page_range", "" },
	{ "bad_page/v6.6-caller-id.log", true, "bad_page", "bad_page",
	  "BUG: Bad page state in dmabuf_x_release_work",
	  "dmabuf_x_release_work", "dmabuf_x" },
	{ "buffer_overflow/v5.10-fortify-old-format.log",
	  true, "buffer_overflow", "buffer_overflow",
	  "detected buffer overflow in strcpy in namedrv_rename",
	  "namedrv_rename", "namedrv" },
	{ "buffer_overflow/v6.6-fortify-new-format.log", true, "buffer_overflow", "buffer_overflow",
	  "detected buffer overflow in memcpy in cfgdrv_set_name",
	  "cfgdrv_set_name", "cfgdrv" },
	{ "bug/v2.6.9-invalid-operand-i386.log", true, "bug", "bug",
	  "kernel BUG in olddrv_ioctl", "olddrv_ioctl", "olddrv" },
	{ "bug/v2.6.18-verbose-unavailable.log", true, "bug", "bug panic",
	  "kernel BUG in oldfs_write_inode", "oldfs_write_inode", "oldfs" },
	{ "bug/v3.10-cut-here.log", true, "bug", "bug",
	  "kernel BUG in __find_get_block", "__find_get_block", "myfs" },
	{ "bug/v5.10-smp-processor-id.log", true, "bug", "bug",
	  "BUG: using smp_processor_id() in pcpudrv_count",
	  "pcpudrv_count", "pcpudrv" },
	{ "bug/v5.15-skbuff-caller-id.log", true, "bug", "bug",
	  "kernel BUG in __skb_pull", "__skb_pull", "" },
	{ "bug/v5.4-dentry-still-in-use.log", true, "bug", "bug",
	  "BUG: Dentry still in use in umount_check", "umount_check", "" },
	{ "bug/v6.10-oops-invalid-opcode.log", true, "bug", "bug",
	  "kernel BUG in __split_huge_pmd_locked",
	  "__split_huge_pmd_locked", "thpdrv" },
	{ "clean/v4.14-syzbot-noise.log", false, "none", "",
	  "", "", "" },
	{ "clean/v5.10-driver-dump-stack.log", false, "none", "",
	  "", "", "" },
	{ "clean/v5.15-oom-kill.log", false, "none", "",
	  "", "", "" },
	{ "clean/v6.1-boot-noise.log", false, "none", "",
	  "", "", "" },
	{ "clean/v6.6-sysrq-backtrace-caller-id.log", false, "none", "",
	  "", "", "" },
	{ "divide_error/v4.4-old.log", true, "divide_error", "divide_error panic",
	  "divide error in ratedrv_timer", "ratedrv_timer", "ratedrv" },
	{ "divide_error/v6.10-oops-prefix-caller-id.log",
	  true, "divide_error", "divide_error panic",
	  "divide error in fbcon_rate_calc", "fbcon_rate_calc", "" },
	{ "double_fault/v4.9-machine-halted.log", true, "double_fault", "double_fault panic",
	  "double fault in trampdrv_switch_stack",
	  "trampdrv_switch_stack", "trampdrv" },
	{ "double_fault/v6.1-traps-prefix-caller-id.log",
	  true, "double_fault", "double_fault panic",
	  "double fault in iretdrv_return", "iretdrv_return", "iretdrv" },
	{ "gpf/v5.15-pasted-indented.log", true, "gpf", "gpf",
	  "general protection fault in pastedrv_walk", "pastedrv_walk", "pastedrv" },
	{ "gpf/v4.19-stack-segment.log", true, "gpf", "gpf",
	  "stack segment fault in stackdrv_switch", "stackdrv_switch", "stackdrv" },
	{ "gpf/v4.4-old-format.log", true, "gpf", "gpf panic",
	  "general protection fault in foo_rule_match",
	  "foo_rule_match", "netfilter_foo" },
	{ "gpf/v5.10-noncanonical-caller-id.log", true, "gpf", "gpf",
	  "general protection fault in listd_drop_entry", "listd_drop_entry", "listd" },
	{ "gpf/v5.4-glued-record.log", true, "gpf", "gpf",
	  "general protection fault in gluedrv_lookup", "gluedrv_lookup", "gluedrv" },
	{ "gpf/v6.1-interleaved-cpus.log", true, "gpf", "gpf",
	  "general protection fault in ringbuf_next", "ringbuf_next", "ringbuf" },
	{ "gpf/v6.10-oops-prefix-kasan-panic.log", true, "gpf", "gpf panic",
	  "general protection fault in tcf_foo_dump", "tcf_foo_dump", "" },
	{ "hard_lockup/v3.10-panic-only.log", true, "hard_lockup", "panic",
	  "BUG: hard lockup in irqoffdrv_write", "irqoffdrv_write", "irqoffdrv" },
	{ "hard_lockup/v4.9-nmi-watchdog.log", true, "hard_lockup", "hard_lockup panic",
	  "BUG: hard lockup in irqoffdrv_spin", "irqoffdrv_spin", "irqoffdrv" },
	{ "hard_lockup/v6.6-buddy-caller-id.log", true, "hard_lockup", "hard_lockup",
	  "BUG: hard lockup in irqoffdrv_spin", "irqoffdrv_spin", "irqoffdrv" },
	{ "hung_task/v5.4-journal-short-monotonic.log", true, "hung_task", "hung_task",
	  "INFO: task hung in slowfs_fill_super", "slowfs_fill_super", "slowfs" },
	{ "hung_task/v2.6.32-io-schedule.log", true, "hung_task", "hung_task",
	  "INFO: task hung in sync_buffer", "sync_buffer", "jbd2" },
	{ "hung_task/v4.14-syzbot-panic.log", true, "hung_task", "hung_task panic",
	  "INFO: task hung in tty_lock_interruptible", "tty_lock_interruptible", "" },
	{ "hung_task/v6.8-caller-id-kworker.log", true, "hung_task", "hung_task",
	  "INFO: task hung in netdrv_stop_sync", "netdrv_stop_sync", "netdrv" },
	{ "invalid_opcode/v4.9-ud2.log", true, "invalid_opcode", "invalid_opcode",
	  "invalid opcode in jitdrv_exec", "jitdrv_exec", "jitdrv" },
	{ "invalid_opcode/v6.10-oops-prefix-ud2.log", true, "invalid_opcode", "invalid_opcode",
	  "invalid opcode in jitdrv_exec", "jitdrv_exec", "jitdrv" },
	{ "kasan/v4.9-null-ptr-deref-on-address.log", true, "kasan", "kasan",
	  "KASAN: null-ptr-deref in nuldrv_get", "nuldrv_get", "nuldrv" },
	{ "kasan/v4.19-syzbot-lockdep-internal.log", true, "kasan", "kasan",
	  "KASAN: use-after-free in vhci_close_dev", "vhci_close_dev", "" },
	{ "kasan/v4.4-old-header-at-addr.log", true, "kasan", "kasan",
	  "KASAN: use-after-free in uafdrv_read", "uafdrv_read", "uafdrv" },
	{ "kasan/v5.10-double-free-kfree.log", true, "kasan", "kasan",
	  "KASAN: double-free or invalid-free in dfdrv_teardown",
	  "dfdrv_teardown", "dfdrv" },
	{ "kasan/v5.15-memcpy-header.log", true, "kasan", "kasan",
	  "KASAN: stack-out-of-bounds in hdrdrv_fill", "hdrdrv_fill", "hdrdrv" },
	{ "kasan/v5.4-global-oob-syslog-level.log", true, "kasan", "kasan",
	  "KASAN: global-out-of-bounds in tbldrv_lookup", "tbldrv_lookup", "tbldrv" },
	{ "kasan/v6.6-slab-uaf-irq-caller-id-panic.log", true, "kasan", "kasan panic",
	  "KASAN: slab-use-after-free in e1000x_clean_tx_irq",
	  "e1000x_clean_tx_irq", "e1000x" },
	{ "kcsan/v5.10-data-race.log", true, "kcsan", "kcsan",
	  "KCSAN: data-race in statdrv_inc", "statdrv_inc", "statdrv" },
	{ "kcsan/v6.6-value-changed-caller-id.log", true, "kcsan", "kcsan",
	  "KCSAN: data-race in qdrv_enqueue", "qdrv_enqueue", "qdrv" },
	{ "kfence/v5.12-use-after-free.log", true, "kfence", "kfence",
	  "KFENCE: use-after-free read in cachedrv_lookup",
	  "cachedrv_lookup", "cachedrv" },
	{ "kfence/v5.15-invalid-free.log", true, "kfence", "kfence",
	  "KFENCE: invalid free in bufdrv_release", "bufdrv_release", "bufdrv" },
	{ "kfence/v6.1-oob-write-caller-id.log", true, "kfence", "kfence",
	  "KFENCE: out-of-bounds write in ringdrv_push", "ringdrv_push", "ringdrv" },
	{ "kfence/v6.6-memory-corruption-syslog.log", true, "kfence", "kfence",
	  "KFENCE: memory corruption in pktq_free", "pktq_free", "pktq" },
	{ "kmemleak/v4.9-unreferenced-object.log", true, "kmemleak", "kmemleak",
	  "memory leak in leakdrv_probe", "leakdrv_probe", "leakdrv" },
	{ "kmemleak/v5.10-syzbot-memory-leak.log", true, "kmemleak", "kmemleak",
	  "memory leak in nlfoo_add_entry", "nlfoo_add_entry", "" },
	{ "kmemleak/v5.15-summary-only.log", true, "kmemleak", "kmemleak",
	  "memory leak", "", "" },
	{ "kmemleak/v6.8-backtrace-crc.log", true, "kmemleak", "kmemleak",
	  "memory leak in leaky_init", "leaky_init", "leaky" },
	{ "kmsan/v6.1-uninit-value.log", true, "kmsan", "kmsan",
	  "KMSAN: uninit-value in parsedrv_check", "parsedrv_check", "parsedrv" },
	{ "kmsan/v6.8-kernel-infoleak-syzbot.log", true, "kmsan", "kmsan",
	  "KMSAN: kernel-infoleak in statx_fill_x", "statx_fill_x", "" },
	{ "list_corruption/v3.16-warning.log", true, "list_corruption", "warning list_corruption",
	  "list corruption in qdrv_dequeue", "qdrv_dequeue", "qdrv" },
	{ "list_corruption/v4.14-syzbot-bug.log", true, "list_corruption", "list_corruption panic",
	  "list corruption in snd_timer_open", "snd_timer_open", "" },
	{ "list_corruption/v6.8-list-del-oops.log", true, "list_corruption", "list_corruption",
	  "list corruption in evdrv_gc", "evdrv_gc", "evdrv" },
	{ "lockdep/v4.14-softirq-safe-unsafe.log", true, "lockdep", "lockdep",
	  "possible deadlock in tbldrv_add", "tbldrv_add", "tbldrv" },
	{ "lockdep/v4.4-old-inconsistent.log", true, "lockdep", "lockdep",
	  "inconsistent lock state in carddrv_irq", "carddrv_irq", "carddrv" },
	{ "lockdep/v4.9-old-circular.log", true, "lockdep", "lockdep",
	  "possible deadlock in pipedrv_read", "pipedrv_read", "pipedrv" },
	{ "lockdep/v5.10-circular-caller-id.log", true, "lockdep", "lockdep",
	  "possible deadlock in cfgdrv_apply", "cfgdrv_apply", "cfgdrv" },
	{ "lockdep/v5.15-invalid-wait-context.log", true, "lockdep", "lockdep",
	  "Invalid wait context in wctxdrv_irq", "wctxdrv_irq", "wctxdrv" },
	{ "lockdep/v5.4-suspicious-rcu.log", true, "lockdep", "lockdep",
	  "suspicious RCU usage in rtdrv_lookup_route", "rtdrv_lookup_route", "rtdrv" },
	{ "lockdep/v6.1-inconsistent-lock-state.log", true, "lockdep", "lockdep",
	  "inconsistent lock state in tmdrv_timer_fn", "tmdrv_timer_fn", "tmdrv" },
	{ "lockdep/v6.1-recursive-caller-id.log", true, "lockdep", "lockdep",
	  "possible deadlock in rstdrv_reset_hw", "rstdrv_reset_hw", "rstdrv" },
	{ "lockdep/v6.6-bad-unlock-balance.log", true, "lockdep", "lockdep",
	  "bad unlock balance in qlockdrv_pop", "qlockdrv_pop", "qlockdrv" },
	{ "null_deref/v2.6.32-i386-syslog-level.log", true, "null_deref", "null_deref",
	  "BUG: kernel NULL pointer dereference in mydrv_open", "mydrv_open", "mydrv" },
	{ "null_deref/v4.9-old-format.log", true, "null_deref", "null_deref panic",
	  "BUG: kernel NULL pointer dereference in e1000_clean_tx_irq",
	  "e1000_clean_tx_irq", "e1000" },
	{ "null_deref/v5.10-caller-id.log", true, "null_deref", "null_deref",
	  "BUG: kernel NULL pointer dereference in mydrv_probe",
	  "mydrv_probe", "mydrv" },
	{ "null_deref/v6.10-oops-prefix-journal.log", true, "null_deref", "null_deref",
	  "BUG: kernel NULL pointer dereference in myusb_rx_work",
	  "myusb_rx_work", "myusb" },
	{ "oops/v4.9-oops-only.log", true, "oops", "oops",
	  "kernel oops in trdrv_store", "trdrv_store", "trdrv" },
	{ "oops/v5.4-int3.log", true, "oops", "oops",
	  "int3 in bpdrv_patch_site", "bpdrv_patch_site", "bpdrv" },
	{ "page_fault/v4.14-paging-request-ip.log", true, "page_fault", "page_fault",
	  "BUG: unable to handle page fault in vfat_fill_super",
	  "vfat_fill_super", "vfat" },
	{ "page_fault/v5.15-page-fault-panic.log", true, "page_fault", "page_fault panic",
	  "BUG: unable to handle page fault in mymod_patch_table",
	  "mymod_patch_table", "mymod" },
	{ "page_fault/v6.6-nx-caller-id.log", true, "page_fault", "page_fault null_deref panic",
	  "BUG: unable to handle page fault in hookdrv_dispatch",
	  "hookdrv_dispatch", "hookdrv" },
	{ "panic/v4.19-kill-init.log", true, "panic", "panic",
	  "kernel panic: Attempted to kill init! exitcode=ADDR in do_exit",
	  "do_exit", "" },
	{ "panic/v5.10-vfs-root-dmesg-T.log", true, "panic", "panic",
	  "kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM) in mount_block_root",
	  "mount_block_root", "" },
	{ "rcu_stall/v3.2-rcu-sched-state.log", true, "rcu_stall", "rcu_stall",
	  "INFO: rcu detected stall in rcudrv_loop", "rcudrv_loop", "rcudrv" },
	{ "rcu_stall/v4.9-rcu-sched-task-dump.log", true, "rcu_stall", "rcu_stall",
	  "INFO: rcu detected stall in rcudrv_loop", "rcudrv_loop", "rcudrv" },
	{ "rcu_stall/v5.4-self-detected.log", true, "rcu_stall", "rcu_stall",
	  "INFO: rcu detected stall in rcudrv_loop", "rcudrv_loop", "rcudrv" },
	{ "rcu_stall/v6.6-caller-ids-other-cpu.log", true, "rcu_stall", "rcu_stall panic",
	  "INFO: rcu detected stall in rcudrv_loop", "rcudrv_loop", "rcudrv" },
	{ "slab_corruption/v4.9-redzone-info.log", true, "slab_corruption", "slab_corruption",
	  "slab corruption: Redzone overwritten in pktdrv_alloc",
	  "pktdrv_alloc", "pktdrv" },
	{ "slab_corruption/v5.15-kernel-bug-slub-caller-id.log",
	  true, "slab_corruption", "slab_corruption",
	  "slab corruption: kernel BUG in freedrv_put", "freedrv_put", "freedrv" },
	{ "sleep_in_atomic/v3.10-might-sleep.log", true, "sleep_in_atomic", "sleep_in_atomic",
	  "BUG: sleeping function called from invalid context in atomdrv_open",
	  "atomdrv_open", "atomdrv" },
	{ "sleep_in_atomic/v4.19-syslog-level-only.log", true, "sleep_in_atomic", "sleep_in_atomic",
	  "BUG: sleeping function called from invalid context in irqdrv_refill",
	  "irqdrv_refill", "irqdrv" },
	{ "sleep_in_atomic/v5.10-mutex-preemption-disabled.log",
	  true, "sleep_in_atomic", "sleep_in_atomic",
	  "BUG: sleeping function called from invalid context in sleepdrv_commit",
	  "sleepdrv_commit", "sleepdrv" },
	{ "sleep_in_atomic/v6.1-scheduling-while-atomic.log",
	  true, "sleep_in_atomic", "sleep_in_atomic",
	  "BUG: scheduling while atomic in msdrv_work_fn", "msdrv_work_fn", "msdrv" },
	{ "soft_lockup/v3.10-old.log", true, "soft_lockup", "soft_lockup",
	  "BUG: soft lockup in spindrv_wait_ready", "spindrv_wait_ready", "spindrv" },
	{ "soft_lockup/v4.9-nmi-watchdog-prefix.log", true, "soft_lockup", "soft_lockup panic",
	  "BUG: soft lockup in polldrv_poll_hw", "polldrv_poll_hw", "polldrv" },
	{ "soft_lockup/v6.1-caller-id.log", true, "soft_lockup", "soft_lockup",
	  "BUG: soft lockup in spindrv_busy_wait", "spindrv_busy_wait", "spindrv" },
	{ "stack_overflow/v4.14-vmap-stack-double-fault.log",
	  true, "stack_overflow", "stack_overflow panic",
	  "stack overflow in recdrv_walk", "recdrv_walk", "recdrv" },
	{ "stack_overflow/v4.19-stack-end-corrupted.log", true, "stack_overflow", "panic",
	  "stack overflow: corrupted stack end in deepdrv_wait",
	  "deepdrv_wait", "deepdrv" },
	{ "stack_overflow/v5.10-irq-stack-caller-id.log",
	  true, "stack_overflow", "stack_overflow panic",
	  "stack overflow in nestirq_handler", "nestirq_handler", "nestirq" },
	{ "stack_protector/v4.9-address.log", true, "stack_protector", "panic",
	  "stack-protector: kernel stack is corrupted in canarydrv_parse",
	  "canarydrv_parse", "canarydrv" },
	{ "stack_protector/v5.4-symbol.log", true, "stack_protector", "panic",
	  "stack-protector: kernel stack is corrupted in canarydrv_parse",
	  "canarydrv_parse", "canarydrv" },
	{ "ubsan/v4.9-undefined-behaviour.log", true, "ubsan", "ubsan",
	  "UBSAN: Undefined behaviour in shiftdrv_mask", "shiftdrv_mask", "shiftdrv" },
	{ "ubsan/v5.15-shift-oob-caller-id.log", true, "ubsan", "ubsan",
	  "UBSAN: shift-out-of-bounds in foo_calc_rate", "foo_calc_rate", "" },
	{ "ubsan/v6.6-array-index-panic.log", true, "ubsan", "ubsan panic",
	  "UBSAN: array-index-out-of-bounds in fakegpu_dc_update_planes",
	  "fakegpu_dc_update_planes", "fakegpu" },
	{ "warning/v2.6.32-warning-at.log", false, "warning", "warning",
	  "WARNING in dev_watchdog", "dev_watchdog", "" },
	{ "warning/v3.16-cpu-pid-parens.log", false, "warning", "warning",
	  "WARNING in device_release", "device_release", "relsdrv" },
	{ "warning/v4.14-panic-on-warn.log", false, "warning", "warning panic",
	  "WARNING in skx_msg_free", "skx_msg_free", "" },
	{ "warning/v4.19-dmesg-x.log", false, "warning", "warning",
	  "WARNING in check_tick_dependency", "check_tick_dependency", "tickdrv" },
	{ "warning/v5.10-odebug-syslog-level.log", false, "warning", "warning",
	  "WARNING in tmrdrv_destroy", "tmrdrv_destroy", "tmrdrv" },
	{ "warning/v6.1-refcount-underflow.log", false, "warning", "warning",
	  "WARNING in refdrv_put_obj", "refdrv_put_obj", "refdrv" },
	{ "warning/v6.18-compact-header.log", false, "warning", "warning",
	  "WARNING in wdrv_set_mtu", "wdrv_set_mtu", "wdrv" },
	{ "warning/v6.6-kernel-panic-on-warn-caller-id.log", false, "warning", "warning panic",
	  "WARNING in wdrv_set_mtu", "wdrv_set_mtu", "wdrv" },
	{ "workqueue_lockup/v5.10-pool-stuck.log", true, "workqueue_lockup", "workqueue_lockup",
	  "BUG: workqueue lockup", "", "" },
	{ "workqueue_lockup/v6.6-caller-id.log", true, "workqueue_lockup", "workqueue_lockup",
	  "BUG: workqueue lockup in wqdrv_poll_hw", "wqdrv_poll_hw", "wqdrv" },
};

static void check_str(const char *text, const char *key, const char *got)
{
	char buf[512];

	if (fixture_header(text, key, buf, sizeof(buf))) {
		if (strcmp(buf, got))
			print_error("%s: expected '%s', got '%s'\n", key, buf, got);
		assert_string_equal(buf, got);
	}
}

static void check_pair(const char *key, const char *want, const char *got)
{
	if (strcmp(want, got))
		print_error("%s: expected '%s', got '%s'\n", key, want, got);
	assert_string_equal(want, got);
}

static void check_int(const char *text, const char *key, long got)
{
	char buf[64];

	if (fixture_header(text, key, buf, sizeof(buf)))
		assert_int_equal(strtol(buf, NULL, 10), got);
}

static void check_bool(const char *text, const char *key, bool got)
{
	char buf[64];

	if (fixture_header(text, key, buf, sizeof(buf)))
		assert_string_equal(buf, got ? "true" : "false");
}

static void test_fixture(void **state)
{
	const char *path = *state;
	char *text = read_file(path, NULL), buf[64];
	const char *b;
	struct triage_verdict v;

	assert_non_null(text);
	assert_non_null(fixture_header(text, "crashed", buf, sizeof(buf)));	/* every fixture states it */
	assert_non_null(fixture_header(text, "kind", buf, sizeof(buf)));
	b = fixture_body(text);
	triage_console(b, strlen(b), &v);
	check_bool(text, "crashed", v.crashed);
	check_str(text, "kind", v.kind);
	check_str(text, "title", v.title);
	check_str(text, "guilty_function", v.guilty_function);
	check_str(text, "guilty_module", v.guilty_module);
	check_bool(text, "lockup", v.lockup);
	check_bool(text, "panicked", v.panicked);
	check_bool(text, "in_interrupt", v.in_interrupt);
	check_int(text, "first_line", v.first_line);
	check_int(text, "last_line", v.last_line);
	free(text);
}

static void test_other(void **state)
{
	const struct other *o = *state;
	char *path = xasprintf("%s/%s", other_dir(), o->file), chain[256];
	char *text = read_file(path, NULL);
	const char *b;
	struct triage_verdict v;
	int i;

	if (!text)
		print_error("cannot read %s\n", path);
	assert_non_null(text);
	b = fixture_body(text);
	triage_console(b, strlen(b), &v);
	chain[0] = '\0';
	for (i = 0; i < v.chain_len; i++)
		snprintf(chain + strlen(chain), sizeof(chain) - strlen(chain), "%s%s", i ? " " : "",
			 v.chain[i].kind);
	free(text);
	free(path);
	check_pair("kind", o->kind, v.kind);
	assert_int_equal(o->crashed, v.crashed);
	check_pair("chain", o->chain, chain);
	check_pair("title", o->title, v.title);
	check_pair("guilty_function", o->guilty_function, v.guilty_function);
	check_pair("guilty_module", o->guilty_module, v.guilty_module);
	assert_int_equal(v.first_line > 0, strcmp(o->kind, "none") != 0);
	assert_true(v.first_line <= v.last_line);
}

/* Every kind triage can report has fixtures: two variants at least of other kernels. */
static void test_every_kind_has_fixtures(void **state)
{
	char *kinds = xstrdup(triage_kinds()), *k, *save = NULL;
	size_t i;

	(void)state;
	for (k = strtok_r(kinds, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
		int n = 0;

		for (i = 0; i < ARRAY_SIZE(others); i++)
			n += !strcmp(others[i].kind, k);
		if (n < 2)
			print_error("kind %s: %d fixture(s) of other kernels\n", k, n);
		assert_true(n >= 2);
	}
	for (i = 0; i < ARRAY_SIZE(others); i++) {	/* and the table names no unknown kind */
		char key[64];

		snprintf(key, sizeof(key), " %s ", others[i].kind);
		free(kinds);
		kinds = xasprintf(" %s ", triage_kinds());
		assert_non_null(strstr(kinds, key));
	}
	free(kinds);
}

/* The same report under every console prefix: same verdict, same lines. */
static void test_prefixes(void **state)
{
	static const char *const lines[] = {
		"e1000: Intel(R) PRO/1000 Network Driver",
		"general protection fault, probably for non-canonical address 0xdead000000000100: "
		"0000 [#1] SMP NOPTI",
		"CPU: 0 PID: 731 Comm: t Tainted: G           O      5.10.0 #1",
		"RIP: 0010:listd_drop_entry+0x1f/0x60 [listd]",
		"Call Trace:",
		" listd_flush+0x3b/0x80 [listd]",
		" __fput+0x99/0x250",
		"---[ end trace 2a3b4c5d6e7f8091 ]---",
		"Kernel panic - not syncing: Fatal exception",
		"Kernel Offset: disabled",
		"reboot: Restarting system",
	};
	static const char *const prefixes[] = {
		"", "[   12.345678] ", "[12345.678901] ", "[   12.345678][ T731] ",
		"[   12.345678][    C0] ", "<4>[   12.345678] ", "<4>", "<4>[   12.345678][ T731] ",
		"Mar  3 10:11:12 host kernel: ", "Mar  3 10:11:12 host kernel: [   12.345678] ",
		"2025-03-03T10:11:12.123456+00:00 host kernel: ", "[Mon Mar  3 10:11:12 2025] ",
		"kern  :warn  : [   12.345678] ", "  [   12.345678] ", "    ",
		"[   12.345678] myhost kernel: ",
	};
	size_t p, i;

	(void)state;
	for (p = 0; p < ARRAY_SIZE(prefixes); p++) {
		char log[4096] = "";
		struct triage_verdict v;

		for (i = 0; i < ARRAY_SIZE(lines); i++)
			snprintf(log + strlen(log), sizeof(log) - strlen(log), "%s%s\n",
				 prefixes[p], lines[i]);
		triage_console(log, strlen(log), &v);
		if (strcmp(v.title, "general protection fault in listd_drop_entry"))
			print_error("prefix '%s': title '%s'\n", prefixes[p], v.title);
		assert_true(v.crashed);
		assert_string_equal(v.kind, "gpf");
		assert_string_equal(v.title, "general protection fault in listd_drop_entry");
		assert_string_equal(v.guilty_module, "listd");
		assert_true(v.panicked);
		assert_int_equal(v.first_line, 2);
		assert_int_equal(v.last_line, 10);
		assert_int_equal(v.chain_len, 2);
		assert_string_equal(v.chain[1].kind, "panic");
		assert_int_equal(v.chain[1].line, 9);
	}
}

/* Member key of JSON object o (which must have it). */
static json_object *member(json_object *o, const char *key)
{
	json_object *x = NULL;

	assert_true(json_object_object_get_ex(o, key, &x));
	return x;
}

/* The JSON verdict lists the chain: the oops, then the panic; and the caller id. */
static void test_json_chain(void **state)
{
	static const char log[] =
		"[   39.549363][ T5855] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
		"[   39.549370][ T5855] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
		"[   39.549380][ T5855] RIP: 0010:drv_poll+0x26/0x80 [drv]\n"
		"[   39.549390][ T5855] Kernel panic - not syncing: Fatal exception\n";
	struct triage_verdict v;
	json_object *o, *chain, *panic;

	(void)state;
	triage_console(log, sizeof(log) - 1, &v);
	o = triage_to_json(&v);
	assert_string_equal(json_object_get_string(member(o, "caller")), "T5855");
	chain = member(o, "chain");
	assert_int_equal(json_object_array_length(chain), 2);
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(chain, 0),
							   "kind")), "null_deref");
	panic = json_object_array_get_idx(chain, 1);
	assert_string_equal(json_object_get_string(member(panic, "kind")), "panic");
	assert_int_equal(json_object_get_int(member(panic, "line")), 4);
	assert_string_equal(json_object_get_string(member(panic, "report")),
			    "Kernel panic - not syncing: Fatal exception");
	json_object_put(o);
}

/*
 * A stack dump without a report header, "BUG"/"WARNING" in ordinary text, a
 * generic "BUG:" line without a stack dump after it: no report.
 */
static void test_words_are_not_reports(void **state)
{
	static const char log[] =
		"[    0.1] Call Trace:\n"
		"[    0.2]  some_function+0x10/0x20\n"
		"[    0.3] RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable\n"
		"[    0.4] WARNING: no config file\n"
		"[    0.5] x86/cpu: BUG: not really\n"
		"[    0.6] INFO: task list follows\n"
		"[    0.7] BUG: test program says hello\n"
		"[    0.8] e1000: eth0 NIC Link is Up\n";
	struct triage_verdict v;

	(void)state;
	triage_console(log, sizeof(log) - 1, &v);
	assert_false(v.crashed);
	assert_string_equal(v.kind, "none");
	assert_int_equal(v.chain_len, 0);
}

static void test_every_kind_has_a_fixture(void **state)
{
	/* The kinds the harness issue requires fixtures for. */
	static const char *const required[] = {
		"none", "null_deref", "page_fault", "gpf", "bug", "invalid_opcode", "divide_error",
		"panic", "soft_lockup", "hung_task", "rcu_stall", "stack_overflow",
		"slab_corruption", "warning",
	};
	char seen[4096] = " ";
	int interrupt_seen = 0;
	DIR *d = opendir(fixture_dir());
	struct dirent *e;
	size_t i;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char *p, *text, buf[64];

		if (!strstr(e->d_name, ".log"))
			continue;
		p = xasprintf("%s/%s", fixture_dir(), e->d_name);
		text = read_file(p, NULL);
		if (text && fixture_header(text, "kind", buf, sizeof(buf)) &&
		    strlen(seen) + strlen(buf) + 2 < sizeof(seen)) {
			strcat(seen, buf);
			strcat(seen, " ");
		}
		if (text && fixture_header(text, "in_interrupt", buf, sizeof(buf)) && !strcmp(buf, "true"))
			interrupt_seen = 1;
		free(text);
		free(p);
	}
	closedir(d);
	for (i = 0; i < ARRAY_SIZE(required); i++) {
		char key[64];

		snprintf(key, sizeof(key), " %s ", required[i]);
		if (!strstr(seen, key))
			print_error("no fixture of kind %s\n", required[i]);
		assert_non_null(strstr(seen, key));
	}
	assert_true(interrupt_seen);	/* "Fatal exception in interrupt" */
}

static void test_empty_log(void **state)
{
	struct triage_verdict v;

	(void)state;
	triage_console("", 0, &v);
	assert_false(v.crashed);
	assert_string_equal(v.kind, "none");
	assert_int_equal(v.first_line, 0);
}

static void test_noise_is_not_a_crash(void **state)
{
	static const char log[] =
		"[    2.9] nooks_selftest: loading out-of-tree module taints kernel.\r\n"
		"[    2.9] nooks_selftest: module verification failed: signature and/or required key missing - tainting kernel\r\n"
		"[    0.1] ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PCI0], AE_NOT_FOUND\r\n"
		"[    0.2] ACPI: Interpreter enabled\r\n"
		"[    3.0] e1000: Intel(R) PRO/1000 Network Driver\n";
	struct triage_verdict v;

	(void)state;
	triage_console(log, sizeof(log) - 1, &v);
	assert_false(v.crashed);
	assert_string_equal(v.kind, "none");
}

/* A log cut in the middle of the report (QEMU killed) still triages. */
static void test_truncated_report(void **state)
{
	static const char log[] =
		"[    2.8] nooks_selftest: fault gpf@process\n"
		"[    2.9] general protection fault, probably for non-canonical address 0xdead000000000000: 0000 [#1] PREEMPT SMP NOPTI\n"
		"[    2.9] CPU: 0 PID: 99 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1\n"
		"[    2.9] RIP: 0010:e1000_clean+0x13/0x1a [e1000]";
	struct triage_verdict v;

	(void)state;
	triage_console(log, sizeof(log) - 1, &v);
	assert_true(v.crashed);
	assert_string_equal(v.kind, "gpf");
	assert_string_equal(v.title, "general protection fault in e1000_clean");
	assert_string_equal(v.guilty_module, "e1000");
	assert_int_equal(v.first_line, 2);
	assert_int_equal(v.last_line, 4);
}

/* Same crash at other addresses and times gives the same title. */
static void test_title_is_a_dedup_key(void **state)
{
	static const char a[] =
		"[ 1.0] Kernel panic - not syncing: bad thing at 0xffffffffc0201234 count 17\n";
	static const char b[] =
		"[ 9.5] Kernel panic - not syncing: bad thing at 0xffffffffc0305678 count 3\n";
	struct triage_verdict va, vb;

	(void)state;
	triage_console(a, sizeof(a) - 1, &va);
	triage_console(b, sizeof(b) - 1, &vb);
	assert_string_equal(va.title, "kernel panic: bad thing at ADDR count NUM");
	assert_string_equal(va.title, vb.title);
}

static int is_fixture(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 4 && !strcmp(e->d_name + n - 4, ".log");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_every_kind_has_a_fixture),
		cmocka_unit_test(test_every_kind_has_fixtures),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_words_are_not_reports),
		cmocka_unit_test(test_json_chain),
		cmocka_unit_test(test_empty_log),
		cmocka_unit_test(test_noise_is_not_a_crash),
		cmocka_unit_test(test_truncated_report),
		cmocka_unit_test(test_title_is_a_dedup_key),
	};
	struct dirent **names;
	struct CMUnitTest *tests;
	int n = scandir(fixture_dir(), &names, is_fixture, alphasort), i, ret;
	size_t o, total;

	if (n < 0) {
		fprintf(stderr, "cannot read fixtures in '%s'\n", fixture_dir());
		return 1;
	}
	total = (size_t)n + ARRAY_SIZE(others) + ARRAY_SIZE(fixed);
	tests = xcalloc(total, sizeof(*tests));
	for (i = 0; i < n; i++) {
		tests[i].name = xstrdup(names[i]->d_name);
		tests[i].test_func = test_fixture;
		tests[i].initial_state = xasprintf("%s/%s", fixture_dir(), names[i]->d_name);
		free(names[i]);
	}
	free(names);
	for (o = 0; o < ARRAY_SIZE(others); o++) {
		tests[n + o].name = xstrdup(others[o].file);
		tests[n + o].test_func = test_other;
		tests[n + o].initial_state = xmalloc(sizeof(others[o]));
		memcpy(tests[n + o].initial_state, &others[o], sizeof(others[o]));
	}
	memcpy(tests + n + ARRAY_SIZE(others), fixed, sizeof(fixed));
	ret = _cmocka_run_group_tests("triage", tests, total, NULL, NULL);
	for (o = 0; o < (size_t)n + ARRAY_SIZE(others); o++) {
		free((void *)tests[o].name);
		free(tests[o].initial_state);
	}
	free(tests);
	return ret;
}
