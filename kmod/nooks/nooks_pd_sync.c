// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_pd_sync.c - stage 2: keeping domains' private page tables
 * consistent with the kernel's when the kernel unmaps or remaps something,
 * and TLB shootdown of CPUs running in a domain.
 *
 * Invalidation.  A private table (copied along a grant path) holds copies
 * of the kernel's entries made when it was copied.  A missing entry is
 * repaired lazily (nooks_pd_sync(), not-present fault), but a *present*
 * entry the kernel has since removed or replaced would keep mapping the old
 * page.  nooks_pd_resync() re-copies, from the kernel's current tables,
 * every entry of every private table that maps part of a range (read-only;
 * a leaf still covered by a grant keeps RW), recursing only into private
 * tables.  Triggers:
 *   - flush_tlb_kernel_range() (ftrace hook at entry): every kernel unmap
 *     of vmalloc/module space ends there before the range can be reused
 *     (vfree's lazy purge, vunmap, module memory with
 *     VM_FLUSH_RESET_PERMS).  The kernel's own flush then IPIs every CPU,
 *     which also flushes CPUs running in a domain (see below).
 *   - module notifier, MODULE_STATE_COMING: the new module's layout, so a
 *     module loaded where another was never shows the old one's pages,
 *     whatever path freed them.
 * (The vmap purge notifier of 6.1 only runs when vmalloc space is
 * exhausted, asking for memory back: not an unmap event.)
 *
 * Shootdown.  CR4.PGE is off while domains exist and PCID is not used, so
 * every CR3 write drops all cached translations.  A CPU running in a
 * domain drops them at any interrupt: the private IDT stub switches to the
 * kernel's CR3 (nooks_pd_leave()) and back (nooks_pd_enter()).  So after a
 * change that removes a right (revocation, invalidation), it is enough to
 * interrupt every CPU whose per-CPU "current domain CR3" is this domain's
 * and wait until it has left the domain once (its leave count moves) or is
 * no longer in it.  The IPI is asynchronous (safe with IRQs off); the wait
 * is bounded (a CPU spinning in the domain with IRQs off cannot take it;
 * counted in pd_shootdown_timeouts and logged).
 *
 * Must never: sleep in the resync or the shootdown (they run in wrappers,
 * in any context), or modify the kernel's own tables.
 */
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include "nooks.h"
#include "nooks_pd.h"

#define E_P		_PAGE_PRESENT
#define E_RW		_PAGE_RW
#define E_PSE		_PAGE_PSE
#define SHOOT_TIMEOUT_NS	(50 * NSEC_PER_MSEC)

static const int shifts[4] = { 39, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT };

static unsigned long pd_nr_inval, pd_nr_resync, pd_nr_shoot, pd_nr_shoot_to;
module_param_named(pd_invalidations, pd_nr_inval, ulong, 0444);
MODULE_PARM_DESC(pd_invalidations, "private page-table entries re-copied from the kernel after a kernel unmap/remap");
module_param_named(pd_resyncs, pd_nr_resync, ulong, 0444);
MODULE_PARM_DESC(pd_resyncs, "range resyncs run (module loads, kernel range flushes)");
module_param_named(pd_shootdowns, pd_nr_shoot, ulong, 0444);
MODULE_PARM_DESC(pd_shootdowns, "IPIs sent to CPUs running in a domain after a revocation/invalidation");
module_param_named(pd_shootdown_timeouts, pd_nr_shoot_to, ulong, 0444);
static bool pd_resync = true;
static bool pd_shootdown = true;
module_param(pd_shootdown, bool, 0644);
MODULE_PARM_DESC(pd_shootdown, "shoot down other CPUs' TLBs on revocation (0: test control only)");

static DEFINE_PER_CPU(call_single_data_t, pd_csd);

static inline unsigned long *table_va(unsigned long e)
{
	return __va(e & PTE_PFN_MASK);
}

static inline bool leaf(unsigned long e, int lvl)
{
	return lvl == 3 || (e & E_PSE);
}

/*
 * The kernel's entry @i of the level-@lvl table below entry @pe (kernel
 * table @kt if @pe is a table; a large leaf @pe split as pd_split() does).
 */
static unsigned long kchild(const unsigned long *kt, unsigned long pe, int lvl, int i)
{
	unsigned long mask, phys, flags;

	if (kt)
		return READ_ONCE(kt[i]);
	if (!(pe & E_P))
		return 0;
	mask = lvl == 2 ? PUD_MASK : PMD_MASK;	/* @pe's level is lvl - 1 */
	phys = pe & PTE_PFN_MASK & mask;
	flags = pe & ~(PTE_PFN_MASK & mask);
	if (lvl == 3)	/* 2 MiB -> 4 KiB: PSE off, PAT bit moves */
		flags = pgprot_val(pgprot_large_2_4k(__pgprot(flags)));
	return (phys + ((unsigned long)i << shifts[lvl])) | flags;
}

/* Re-copy @t's (level @lvl, mapping from @base) entries in [@lo, @hi]. */
static unsigned long resync_table(struct nooks_pd *pd, unsigned long *t,
				  const unsigned long *kt, unsigned long kpe,
				  int lvl, unsigned long base,
				  unsigned long lo, unsigned long hi)
{
	unsigned long span = 1UL << shifts[lvl], a, n = 0;
	unsigned long last = lvl ? base + (PTRS_PER_PTE * span - 1) : ~0UL;

	if (lo < base)
		lo = base;
	if (hi > last)
		hi = last;
	for (a = lo & ~(span - 1); a <= hi; a += span) {
		int i = (a >> shifts[lvl]) & (PTRS_PER_PTE - 1);
		unsigned long e = READ_ONCE(t[i]);
		unsigned long ke = kchild(kt, kpe, lvl, i);
		unsigned long ne;

		if ((e & E_P) && !leaf(e, lvl) &&
		    nooks_pd_is_private(pd, table_va(e))) {
			bool ktable = (ke & E_P) && !(ke & E_PSE);

			n += resync_table(pd, table_va(e),
					  ktable ? table_va(ke) : NULL, ke,
					  lvl + 1, a, lo, hi);
		} else {
			ne = (ke & E_P) ? ke & ~E_RW : ke;
			/* a granted leaf stays writable while the kernel maps it */
			if ((e & E_RW) && lvl == 3 && (ne & E_P) &&
			    nooks_pd_covered(pd, a))
				ne |= E_RW;
			if (ne != e) {
				WRITE_ONCE(t[i], ne);
				n++;
			}
		}
		if (a + span < a)	/* top of the address space */
			break;
	}
	return n;
}

/*
 * nooks_pd_resync() - make @pd's private entries for [@start, @end)
 * current.  Context: any, not in @pd's tables.  Return: entries changed.
 */
static unsigned long nooks_pd_resync(struct nooks_pd *pd, unsigned long start,
				     unsigned long end)
{
	unsigned long flags, n, lo = max(start, -(1UL << 47));

	if (end <= lo)
		return 0;
	raw_spin_lock_irqsave(nooks_pd_lock(pd), flags);
	n = resync_table(pd, nooks_pd_pgd(pd), nooks_pd_kernel_pgd(), 0, 0,
			 -(1UL << 47), lo, end - 1);
	raw_spin_unlock_irqrestore(nooks_pd_lock(pd), flags);
	return n;
}

/* Every domain: resync [@start, @end); shoot down if @shoot and changed. */
static void resync_all(unsigned long start, unsigned long end, bool shoot)
{
	int i;

	if (!READ_ONCE(pd_resync))
		return;
	rcu_read_lock();	/* nooks_pd_destroy() waits for us */
	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		struct nooks_pd *pd = nooks_pd_get(&nooks_domains[i]);
		unsigned long n;

		if (!pd)
			continue;
		n = nooks_pd_resync(pd, start, end);
		pd_nr_resync++;
		if (!n)
			continue;
		pd_nr_inval += n;
		if (shoot)
			nooks_pd_shootdown(pd);
	}
	rcu_read_unlock();
}

/*
 * Turning resync back on: every private entry of every domain for vmalloc
 * and module space (what the triggers above cover) is made current, with
 * shootdown.  Whatever the kernel unmapped while it was off
 * (not only what a test control meant: a vmap purge while it was off frees
 * kernel stacks too) would otherwise stay mapped to the old pages for good:
 * a worker whose new stack reuses such a range entered the domain and read
 * its own XPC frame through the stale entry (fn = 0: a fault at ip 0).
 */
static int pd_resync_set(const char *val, const struct kernel_param *kp)
{
	bool was = READ_ONCE(pd_resync);
	int r = param_set_bool(val, kp);

	if (!r && !was && READ_ONCE(pd_resync)) {
		resync_all(VMALLOC_START, VMALLOC_END + 1, true);
		resync_all(MODULES_VADDR, MODULES_END + 1, true);
	}
	return r;
}

static const struct kernel_param_ops pd_resync_ops = {
	.set = pd_resync_set,
	.get = param_get_bool,
};
module_param_cb(pd_resync, &pd_resync_ops, &pd_resync, 0644);
MODULE_PARM_DESC(pd_resync, "re-copy private entries on kernel unmaps and module loads (0: test control only; 1 again resyncs everything)");

/* ---- shootdown ----------------------------------------------------------- */

static void pd_flush_ipi(void *unused)
{
	/* nothing: the stub's CR3 switches around this call flushed */
}

/**
 * nooks_pd_shootdown() - no CPU keeps a translation of @pd's old tables
 * @pd: domain whose tables just lost a right
 *
 * Context: any (IRQs may be off); the caller is not in @pd's tables.
 */
void nooks_pd_shootdown(struct nooks_pd *pd)
{
	unsigned long cr3 = nooks_pd_cr3(pd);
	int cpu, me = get_cpu();

	smp_mb();	/* table writes before reading pd_cur (pairs with CR3 write) */
	for_each_online_cpu(cpu) {
		unsigned long leaves;
		u64 t0;

		if (cpu == me || !READ_ONCE(pd_shootdown) ||
		    nooks_pd_cpu_cr3(cpu) != cr3)
			continue;
		leaves = nooks_pd_cpu_leaves(cpu);
		pd_nr_shoot++;
		/* -EBUSY: one is already queued; its delivery does the same */
		smp_call_function_single_async(cpu, per_cpu_ptr(&pd_csd, cpu));
		t0 = ktime_get_mono_fast_ns();
		while (nooks_pd_cpu_cr3(cpu) == cr3 &&
		       nooks_pd_cpu_leaves(cpu) == leaves) {
			if (ktime_get_mono_fast_ns() - t0 > SHOOT_TIMEOUT_NS) {
				pd_nr_shoot_to++;
				pr_warn_ratelimited("nooks: pd_shootdown_timeout cpu=%d cr3=%lx\n",
						    cpu, cr3);
				break;
			}
			cpu_relax();
		}
	}
	put_cpu();
}

/* ---- triggers ------------------------------------------------------------ */

static void notrace pd_flush_hook(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	unsigned long start, end;

	if (!regs)
		return;
	start = regs->di;
	end = regs->si;
	if (end == TLB_FLUSH_ALL || end < start)
		end = ~0UL;
	/* the kernel's own flush (an IPI to every CPU) follows */
	resync_all(start & PAGE_MASK, end, false);
}

static struct ftrace_ops pd_flush_ops = {
	.func = pd_flush_hook,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION,
};
static unsigned long flush_addr;
static bool flush_hooked, mod_nb_registered;

static int pd_module_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct module *mod = data;

	if (action != MODULE_STATE_COMING)
		return NOTIFY_DONE;
	resync_all((unsigned long)mod->core_layout.base,
		   (unsigned long)mod->core_layout.base + mod->core_layout.size, true);
	if (mod->init_layout.base)
		resync_all((unsigned long)mod->init_layout.base,
			   (unsigned long)mod->init_layout.base + mod->init_layout.size,
			   true);
	return NOTIFY_DONE;
}

static struct notifier_block pd_module_nb = {
	.notifier_call = pd_module_notify,
	.priority = INT_MAX,	/* before nooks_domain.c attaches the module */
};

/* At nooks.ko load (domains supported). */
int nooks_pd_sync_init(void)
{
	int cpu, err;

	for_each_possible_cpu(cpu)
		INIT_CSD(per_cpu_ptr(&pd_csd, cpu), pd_flush_ipi, NULL);
	err = register_module_notifier(&pd_module_nb);
	if (err)
		return err;
	mod_nb_registered = true;
	flush_addr = nooks_lookup("flush_tlb_kernel_range");
	if (flush_addr && !ftrace_set_filter_ip(&pd_flush_ops, flush_addr, 0, 0)) {
		if (!register_ftrace_function(&pd_flush_ops))
			flush_hooked = true;
		else
			ftrace_set_filter_ip(&pd_flush_ops, flush_addr, 1, 0);
	}
	if (!flush_hooked)
		pr_warn("nooks: pd invalidation on kernel unmaps unavailable (flush_tlb_kernel_range not traceable); module loads only\n");
	return 0;
}

/* At nooks.ko unload (and failed load): all of stage 2's teardown. */
void nooks_pd_sync_exit(void)
{
	nooks_pd_idt_exit();
	if (flush_hooked) {
		unregister_ftrace_function(&pd_flush_ops);
		ftrace_set_filter_ip(&pd_flush_ops, flush_addr, 1, 0);
		flush_hooked = false;
	}
	if (mod_nb_registered) {
		unregister_module_notifier(&pd_module_nb);
		mod_nb_registered = false;
	}
}
