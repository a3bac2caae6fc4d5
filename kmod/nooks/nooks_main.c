// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_main.c - the Nooks Isolation Manager module: start-up, symbol
 * resolution and the sysfs view (/sys/kernel/nooks/).
 *
 * Files in /sys/kernel/nooks/: faults, recoveries (totals since load),
 * domains (one line per used slot: name state faults recoveries xpcs
 * wrapper_checks) and fault_next, a TEST HOOK: write the name of a
 * function of an isolated module, and the next XPC into it runs
 * nooks_injected_fault() (a NULL read inside the XPC) instead, so tests
 * can fault a driver deterministically in the context that function runs
 * in (e1000_clean: softirq, e1000_intr: hardirq, e1000_watchdog: work).
 * entries lists the extension functions entered by XPC since the last
 * write to it ("off" stops recording, which is off until the first write;
 * one line each: function, context of its last entry, count):
 * what a workload exercised, so that tests fault each entry point of any
 * driver without knowing its names.  Must never: be unloaded while a domain is attached
 * (isolated modules hold a reference through their imports).
 */
#include <linux/hash.h>
#include <linux/kobject.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include "nooks.h"
#include "nooks_pd.h"
#include "nooks_wrappers.h"
#include "nooks_closure.h"

unsigned long nooks_total_faults, nooks_total_recoveries;
static unsigned long (*kallsyms_lookup_name_fn)(const char *name);
static struct kobject *nooks_kobj;

/**
 * nooks_lookup() - address of a kernel symbol, exported or not
 * @name: symbol name
 *
 * Return: the address, or 0 if unknown.
 */
unsigned long nooks_lookup(const char *name)
{
	return kallsyms_lookup_name_fn ? kallsyms_lookup_name_fn(name) : 0;
}

/* kallsyms_lookup_name is not exported: a kprobe on it yields its address */
static int resolve_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int err = register_kprobe(&kp);

	if (err)
		return err;
	kallsyms_lookup_name_fn = (void *)kp.addr;
	unregister_kprobe(&kp);
	return 0;
}

static ssize_t faults_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(nooks_total_faults));
}

static ssize_t recoveries_show(struct kobject *k, struct kobj_attribute *a,
			       char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(nooks_total_recoveries));
}

/* closures (nooks_closure.c): "LIVE CALLS" */
static ssize_t closures_show(struct kobject *k, struct kobj_attribute *a,
			     char *buf)
{
	return sysfs_emit(buf, "%u %lu\n", nooks_closures_live(),
			  nooks_closure_calls());
}

static ssize_t domains_show(struct kobject *k, struct kobj_attribute *a,
			    char *buf)
{
	int i, n = 0;

	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		struct nooks_domain *d = &nooks_domains[i];

		if (d->state == NOOKS_UNUSED)
			continue;
		n += sysfs_emit_at(buf, n, "%s %s %lu %lu %lu %lu\n", d->name,
				   nooks_state_name(d->state), d->nr_faults,
				   d->nr_recoveries, d->nr_xpc, d->nr_checks);
	}
	return n;
}

unsigned long nooks_fault_next_fn;
static void *fault_next_kind = nooks_injected_fault;

/*
 * The injected faults run in the extension's context (its domain, with
 * stage 2) and must not call the kernel: the XPC logs them before entry.
 *   null_read   a NULL read, attributed through the XPC frame (page fault)
 *   wild_write  increments a kernel global the extension was not granted
 *               (nooks_wild_target, readable as the module parameter
 *               wild_target): caught by a protection domain (write
 *               protection), silently corrupting without one (stage 1)
 */
noinline void nooks_injected_fault(void)
{
	(void)*(volatile int *)NULL;
}

static unsigned int nooks_wild_target = 0x600d;
module_param_named(wild_target, nooks_wild_target, uint, 0444);
MODULE_PARM_DESC(wild_target, "test hook: the kernel word fault_next's wild_write overwrites");

noinline void nooks_injected_wild_write(void)
{
	WRITE_ONCE(nooks_wild_target, READ_ONCE(nooks_wild_target) + 1);
}

void *nooks_fault_next_take(const void *fn)
{
	if (likely(READ_ONCE(nooks_fault_next_fn) != (unsigned long)fn) ||
	    cmpxchg(&nooks_fault_next_fn, (unsigned long)fn, 0) != (unsigned long)fn)
		return NULL;
	pr_info("nooks: inject domain fault at the next XPC: now (%ps instead of %ps)\n",
		fault_next_kind, fn);
	return fault_next_kind;
}

static ssize_t fault_next_show(struct kobject *k, struct kobj_attribute *a,
			       char *buf)
{
	unsigned long fn = READ_ONCE(nooks_fault_next_fn);

	return fn ? sysfs_emit(buf, "%ps\n", (void *)fn) : sysfs_emit(buf, "\n");
}

/* "FUNCTION [null_read|wild_write]" */
static ssize_t fault_next_store(struct kobject *k, struct kobj_attribute *a,
				const char *buf, size_t len)
{
	char name[KSYM_NAME_LEN], kind[16] = "null_read";
	unsigned long fn;

	if (sscanf(buf, "%127s %15s", name, kind) < 1)
		return -EINVAL;
	if (!strcmp(kind, "null_read"))
		fault_next_kind = nooks_injected_fault;
	else if (!strcmp(kind, "wild_write"))
		fault_next_kind = nooks_injected_wild_write;
	else
		return -EINVAL;
	fn = nooks_lookup(name);
	if (!fn || !(nooks_domain_by_ip(fn) || nooks_library_text(fn)))
		return -ENOENT;	/* not a function of an isolated or library module */
	WRITE_ONCE(nooks_fault_next_fn, fn);
	return len;
}

/*
 * The entries table: open addressing on the function's address, filled
 * lock-free from any context (XPC entry); a write clears it (an entry
 * racing the clear may lose its count: a test hook, not an account).
 */
#define NOOKS_ENTRIES 256
static struct nooks_entry {
	unsigned long fn;
	unsigned long ctx;	/* nooks_ctx_bits() of the last entry */
	atomic_t count;
} nooks_entries[NOOKS_ENTRIES];

bool nooks_entries_on;	/* read by every XPC: off unless a test asks */

void nooks_entry_seen(const void *fn)
{
	unsigned long f = (unsigned long)fn, cur;
	unsigned int i, h = hash_long(f, ilog2(NOOKS_ENTRIES));

	for (i = 0; i < NOOKS_ENTRIES; i++) {
		struct nooks_entry *e = &nooks_entries[(h + i) % NOOKS_ENTRIES];

		cur = READ_ONCE(e->fn);
		if (!cur)
			cur = cmpxchg(&e->fn, 0, f) ?: f;
		if (cur != f)
			continue;
		WRITE_ONCE(e->ctx, nooks_ctx_bits());
		atomic_inc(&e->count);
		return;
	}
}

static ssize_t entries_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	int i, n = 0;

	for (i = 0; i < NOOKS_ENTRIES; i++) {
		struct nooks_entry *e = &nooks_entries[i];
		unsigned long fn = READ_ONCE(e->fn);

		if (fn && n < PAGE_SIZE - KSYM_SYMBOL_LEN - 32)
			n += sysfs_emit_at(buf, n, "%ps %s %d\n", (void *)fn,
					   nooks_ctx_name(READ_ONCE(e->ctx)),
					   atomic_read(&e->count));
	}
	return n;
}

static ssize_t entries_store(struct kobject *k, struct kobj_attribute *a,
			     const char *buf, size_t len)
{
	int i;

	WRITE_ONCE(nooks_entries_on, false);
	for (i = 0; i < NOOKS_ENTRIES; i++) {
		WRITE_ONCE(nooks_entries[i].fn, 0);
		atomic_set(&nooks_entries[i].count, 0);
	}
	if (!sysfs_streq(buf, "off"))
		WRITE_ONCE(nooks_entries_on, true);
	return len;
}

/*
 * /sys/kernel/nooks/fail: write a domain's name to declare it failed from
 * user space (an application or agent whose health check failed: the
 * extension misbehaves without faulting).  Recovery runs as for a detected
 * fault, with kind=requested.  -ENOENT: no such domain; -EBUSY: it is not
 * running (failed, recovering or dead already).
 */
static ssize_t fail_store(struct kobject *k, struct kobj_attribute *a,
			  const char *buf, size_t len)
{
	char name[MODULE_NAME_LEN];
	int i;

	if (sscanf(buf, "%55s", name) != 1)
		return -EINVAL;
	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		struct nooks_domain *d = &nooks_domains[i];

		if (READ_ONCE(d->state) == NOOKS_UNUSED || strcmp(d->name, name))
			continue;
		if (READ_ONCE(d->state) != NOOKS_RUNNING)
			return -EBUSY;
		nooks_domain_fault(d, NOOKS_F_REQUESTED, 0);
		return len;
	}
	return -ENOENT;
}

static struct kobj_attribute faults_attr = __ATTR_RO(faults);
static struct kobj_attribute recoveries_attr = __ATTR_RO(recoveries);
static struct kobj_attribute closures_attr = __ATTR_RO(closures);
static struct kobj_attribute domains_attr = __ATTR_RO(domains);
static struct kobj_attribute fault_next_attr = __ATTR_RW_MODE(fault_next, 0600);
static struct kobj_attribute fail_attr = __ATTR_WO(fail);
static struct kobj_attribute entries_attr = __ATTR_RW_MODE(entries, 0600);
static struct attribute *nooks_attrs[] = {
	&faults_attr.attr, &recoveries_attr.attr, &domains_attr.attr,
	&fault_next_attr.attr, &fail_attr.attr, &entries_attr.attr,
	&closures_attr.attr, NULL,
};
static const struct attribute_group nooks_group = { .attrs = nooks_attrs };

/* Read-only module parameters that count events on any CPU. */
static int get_counter(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%ld\n", atomic_long_read(kp->arg));
}
const struct kernel_param_ops nooks_counter_ops = { .get = get_counter };

static int __init nooks_init(void)
{
	int err;

	err = resolve_kallsyms();
	if (err)
		return err;
	err = nooks_xpc_init();
	if (err)
		return err;
	nooks_closures_init();
	nooks_sleeplock_init();
	err = nooks_pd_init();	/* stage 2: checks, private IDT */
	if (err)
		return err;
	err = nooks_track_init();
	if (err) {
		nooks_pd_sync_exit();	/* stage 2 */
		return err;
	}
	err = nooks_detect_init();
	if (err)
		goto err_track;
	err = nooks_watchdog_init();	/* unwinds through the detect hooks */
	if (err)
		goto err_detect;
	nooks_df_init();	/* the kernel's #DF gate: after the detect hooks */
	err = nooks_domain_init();
	if (err)
		goto err_watchdog;
	err = nooks_net_init();
	if (err)
		goto err_domain;
	nooks_kobj = kobject_create_and_add("nooks", kernel_kobj);
	if (!nooks_kobj || sysfs_create_group(nooks_kobj, &nooks_group)) {
		err = -ENOMEM;
		goto err_net;
	}
	pr_info("nooks: loaded, %d domain slots\n", NOOKS_MAX_DOMAINS);
	return 0;
err_net:
	kobject_put(nooks_kobj);
	nooks_net_exit();
err_domain:
	nooks_domain_exit();
err_watchdog:
	nooks_df_exit();
	nooks_watchdog_exit();
err_detect:
	nooks_detect_exit();
err_track:
	nooks_track_exit();
	nooks_pd_sync_exit();	/* stage 2 */
	return err;
}

static void __exit nooks_exit(void)
{
	kobject_put(nooks_kobj);
	nooks_net_exit();
	nooks_domain_exit();
	nooks_df_exit();
	nooks_watchdog_exit();
	nooks_detect_exit();
	nooks_track_exit();
	nooks_modpass_release();
	nooks_pd_sync_exit();	/* stage 2 */
}

module_init(nooks_init);
module_exit(nooks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Nooks Isolation Manager: isolation and recovery of kernel extensions");
