// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_pd.c - stage 2 page tables: one private copy of the kernel's page
 * tables per protection domain, in which the kernel is read-only and only
 * granted ranges are writable.
 *
 * Construction (4-level paging only): the domain's top level is a private
 * page holding the kernel half of init_mm's PGD with the RW bit cleared in
 * every entry, so everything below is read-only without being copied.  A
 * grant makes private copies only along the path to each granted page
 * (copies of the kernel's tables with RW cleared in every entry; 1 GiB and
 * 2 MiB leaves are split in the copy only) and sets RW on that path and on
 * the leaf.  The user half is empty: the extension never touches user
 * memory itself (wrappers do, in the kernel's tables).
 *
 * Consistency: shared (uncopied) subtrees are the kernel's own tables and
 * always current.  Private copies go stale when the kernel maps something
 * new under them (another module loaded next to this one, a new vmalloc
 * area): the access faults "not present" in the domain; nooks_pd_sync()
 * copies the kernel's entry (read-only) and the access is retried.  It is
 * counted in pd_syncs, never reported as an extension fault.
 *
 * Grants are page granular: a small kmalloc object makes its whole page
 * writable (its slab neighbours too).  A grant is recorded under a key
 * (the object, or a per-call key for the arguments of one XPC); an object
 * may have several ranges under one key (an skb: its struct and its
 * buffer).  Revocation drops every range of the key and clears RW on the
 * pages no other grant covers.
 *
 * Kernel unmaps (a present private entry left behind after a vfree whose
 * address is then reused): nooks_pd_sync.c re-copies the range at
 * flush_tlb_kernel_range().
 *
 * Private table pages are marked with page->private = the pd (their owner
 * is this file: allocated with alloc_page, never mapped elsewhere).
 *
 * Audit mode (pd_audit=1, a tool for writing wrappers, never for trials):
 * a write to an ungranted page the kernel maps writable is logged once per
 * instruction (`nooks: pd_audit ...`) and its page is made writable for
 * the rest of the domain's life instead of being reported as a fault.
 *
 * Must never: modify the kernel's own page tables, or sleep (grants happen
 * in wrappers called in any context).
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include "nooks.h"
#include "nooks_pd.h"

#define PD_MAX_PAGES	4096		/* private table pages per domain (16 MiB) */
#define E_P		_PAGE_PRESENT
#define E_RW		_PAGE_RW
#define E_PSE		_PAGE_PSE

struct pd_grant {
	struct list_head node;
	unsigned long start, end;	/* page aligned */
	const void *key;
};

bool nooks_pd_audit;
module_param_named(pd_audit, nooks_pd_audit, bool, 0644);
MODULE_PARM_DESC(pd_audit, "stage 2 debugging: log ungranted writes and let them through (never for trials)");

struct nooks_pd {
	unsigned long *pgd;		/* private top level */
	unsigned long cr3;
	raw_spinlock_t lock;		/* tables, grants */
	struct list_head grants;
	int nr_pages;
	struct list_head pages;		/* private table pages (page->lru) */
	void *stacks[NOOKS_PD_STACKS];
	unsigned long stack_map;	/* bit i: stacks[i] in use */
};

bool nooks_pd_on;
module_param_named(domains, nooks_pd_on, bool, 0644);
MODULE_PARM_DESC(domains, "stage 2: run isolated extensions in page-table protection domains (applies to extensions loaded afterwards)");
unsigned long nooks_pd_nr_sync, nooks_pd_nr_wp, nooks_pd_nr_regrant;
static unsigned long pd_nr_table_pages;
module_param_named(pd_syncs, nooks_pd_nr_sync, ulong, 0444);
module_param_named(pd_write_faults, nooks_pd_nr_wp, ulong, 0444);
module_param_named(pd_regrants, nooks_pd_nr_regrant, ulong, 0444);
module_param_named(pd_table_pages, pd_nr_table_pages, ulong, 0444);

static struct nooks_pd *pds[NOOKS_MAX_DOMAINS];
static unsigned long *kernel_pgd;	/* init_mm.pgd */
static bool pd_supported;

static const int shifts[4] = { 39, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT };	/* 4-level */

static inline unsigned long *table_va(unsigned long e)
{
	return __va(e & PTE_PFN_MASK);
}

static inline int idx(unsigned long addr, int lvl)
{
	return (addr >> shifts[lvl]) & (PTRS_PER_PTE - 1);
}

static bool pd_private(struct nooks_pd *pd, const void *table)
{
	return table == pd->pgd || page_private(virt_to_page(table)) == (unsigned long)pd;
}

static unsigned long *pd_alloc_table(struct nooks_pd *pd)
{
	struct page *pg;

	if (pd->nr_pages >= PD_MAX_PAGES)
		return NULL;
	pg = alloc_page(GFP_ATOMIC | __GFP_ZERO);
	if (!pg)
		return NULL;
	set_page_private(pg, (unsigned long)pd);
	list_add(&pg->lru, &pd->pages);
	pd->nr_pages++;
	pd_nr_table_pages++;
	return page_address(pg);
}

/* A private copy of a kernel table with every entry read-only. */
static unsigned long *pd_copy_ro(struct nooks_pd *pd, const unsigned long *src)
{
	unsigned long *t = pd_alloc_table(pd);
	int i;

	if (!t)
		return NULL;
	for (i = 0; i < PTRS_PER_PTE; i++) {
		unsigned long e = READ_ONCE(src[i]);

		t[i] = (e & E_P) ? e & ~E_RW : e;
	}
	return t;
}

/* Split a large leaf (@lvl 1: 1 GiB, 2: 2 MiB) into a read-only table. */
static unsigned long *pd_split(struct nooks_pd *pd, unsigned long e, int lvl)
{
	unsigned long *t = pd_alloc_table(pd);
	unsigned long size = 1UL << shifts[lvl + 1];
	unsigned long mask = lvl == 1 ? PUD_MASK : PMD_MASK;
	unsigned long phys = e & PTE_PFN_MASK & mask;
	unsigned long flags = (e & ~(PTE_PFN_MASK & mask)) & ~E_RW;
	int i;

	if (!t)
		return NULL;
	if (lvl == 2)	/* 2 MiB -> 4 KiB: PSE off, PAT bit moves */
		flags = pgprot_val(pgprot_large_2_4k(__pgprot(flags)));
	for (i = 0; i < PTRS_PER_PTE; i++)
		t[i] = (phys + i * size) | flags;
	return t;
}

/* Make @addr's page writable in @pd; copies tables on the way.  Locked. */
static int pd_grant_page(struct nooks_pd *pd, unsigned long addr)
{
	unsigned long *t = pd->pgd, *kt = kernel_pgd;
	int lvl;

	for (lvl = 0; lvl < 4; lvl++) {
		int i = idx(addr, lvl);
		unsigned long e = READ_ONCE(t[i]);
		unsigned long ke = kt ? READ_ONCE(kt[i]) : 0;
		unsigned long *n;

		if (!(e & E_P)) {
			if (!(ke & E_P))
				return -EFAULT;
			e = ke & ~E_RW;
		}
		if (lvl == 3) {
			WRITE_ONCE(t[i], e | E_RW);
			return 0;
		}
		if (e & E_PSE) {
			n = pd_split(pd, e, lvl);
			if (!n)
				return -ENOMEM;
			WRITE_ONCE(t[i], __pa(n) | _KERNPG_TABLE);
		} else if (!pd_private(pd, table_va(e))) {
			n = pd_copy_ro(pd, table_va(e));
			if (!n)
				return -ENOMEM;
			WRITE_ONCE(t[i], __pa(n) | (e & ~PTE_PFN_MASK) | E_RW);
		} else {
			n = table_va(e);
			WRITE_ONCE(t[i], e | E_RW);
		}
		kt = (ke & E_P) && !(ke & E_PSE) ? table_va(ke) : NULL;
		t = n;
	}
	return 0;
}

/* Clear RW on @addr's leaf if the path to it is private.  Locked. */
static void pd_revoke_page(struct nooks_pd *pd, unsigned long addr)
{
	unsigned long *t = pd->pgd;
	int lvl;

	for (lvl = 0; lvl < 3; lvl++) {
		unsigned long e = READ_ONCE(t[idx(addr, lvl)]);

		if (!(e & E_P) || (e & E_PSE) || !pd_private(pd, table_va(e)))
			return;
		t = table_va(e);
	}
	WRITE_ONCE(t[idx(addr, 3)], t[idx(addr, 3)] & ~E_RW);
}

static struct nooks_pd *pd_of(struct nooks_domain *d)
{
	return d ? READ_ONCE(pds[d->id]) : NULL;
}

/**
 * nooks_pd_grant_key() - make [@p, @p + @size) writable in @d's domain
 * @d: domain (may be NULL: not called from isolated code)
 * @key: what nooks_pd_revoke() will name (the object, or a per-call key)
 * @p: start (NULL or an error pointer: nothing to grant)
 * @size: bytes
 *
 * Context: any.  Return: 0, or a negative errno (the range stays read-only,
 * and a write to it will be reported as a fault).
 */
int nooks_pd_grant_key(struct nooks_domain *d, const void *key, const void *p,
		       size_t size)
{
	struct nooks_pd *pd = pd_of(d);
	unsigned long a, start = (unsigned long)p & PAGE_MASK;
	unsigned long end = PAGE_ALIGN((unsigned long)p + size);
	struct pd_grant *g;
	unsigned long flags;
	int err = 0;

	if (!pd || IS_ERR_OR_NULL(p) || !size)
		return 0;
	g = kmalloc(sizeof(*g), GFP_ATOMIC);
	if (!g)
		return -ENOMEM;
	g->start = start;
	g->end = end;
	g->key = key;
	raw_spin_lock_irqsave(&pd->lock, flags);
	for (a = start; a < end && !err; a += PAGE_SIZE)
		err = pd_grant_page(pd, a);
	list_add(&g->node, &pd->grants);
	raw_spin_unlock_irqrestore(&pd->lock, flags);
	if (err)
		pr_err("nooks: pd_grant_failed domain=%s addr=%px size=%zu err=%d\n",
		       d->name, p, size, err);
	return err;
}

int nooks_pd_grant(struct nooks_domain *d, const void *p, size_t size)
{
	return nooks_pd_grant_key(d, p, p, size);
}

static bool pd_covered(struct nooks_pd *pd, unsigned long page)
{
	struct pd_grant *g;

	list_for_each_entry(g, &pd->grants, node)
		if (page >= g->start && page < g->end)
			return true;
	return false;
}

/**
 * nooks_pd_revoke() - drop every grant made under key @p (if any)
 * @d: owning domain
 * @p: the key passed to nooks_pd_grant_key() (nooks_pd_grant(): the start)
 *
 * Pages still covered by another grant stay writable.  Other CPUs running
 * in the domain are shot down (nooks_pd_shootdown()) before this returns.
 */
void nooks_pd_revoke(struct nooks_domain *d, const void *p)
{
	struct nooks_pd *pd = pd_of(d);
	struct pd_grant *g, *n;
	unsigned long a, flags;
	LIST_HEAD(gone);

	if (!pd)
		return;
	raw_spin_lock_irqsave(&pd->lock, flags);
	list_for_each_entry_safe(g, n, &pd->grants, node)
		if (g->key == p)
			list_move(&g->node, &gone);
	list_for_each_entry(g, &gone, node)
		for (a = g->start; a < g->end; a += PAGE_SIZE)
			if (!pd_covered(pd, a))
				pd_revoke_page(pd, a);
	raw_spin_unlock_irqrestore(&pd->lock, flags);
	if (!list_empty(&gone))
		nooks_pd_shootdown(pd);	/* nooks_pd_sync.c */
	list_for_each_entry_safe(g, n, &gone, node)
		kfree(g);
}

/**
 * nooks_pd_audit_write() - audit mode: let an ungranted write through
 * @pd: domain the write faulted in
 * @addr: target (the kernel maps it writable)
 *
 * Context: exception, kernel tables loaded.  Return: true if audit mode is
 * on and the page is now writable in the domain (retry the write).
 */
bool nooks_pd_audit_write(struct nooks_pd *pd, unsigned long addr)
{
	bool ok;

	if (!READ_ONCE(nooks_pd_audit))
		return false;
	raw_spin_lock(&pd->lock);
	ok = !pd_grant_page(pd, addr & PAGE_MASK);
	raw_spin_unlock(&pd->lock);
	return ok;
}

bool nooks_pd_in_grant(struct nooks_pd *pd, unsigned long addr)
{
	unsigned long flags;
	bool in;

	raw_spin_lock_irqsave(&pd->lock, flags);
	in = pd_covered(pd, addr & PAGE_MASK);
	if (in)
		pd_grant_page(pd, addr & PAGE_MASK);
	raw_spin_unlock_irqrestore(&pd->lock, flags);
	return in;
}

/**
 * nooks_pd_sync() - repair a stale private table after a not-present fault
 * @pd: the domain the fault was taken in
 * @addr: faulting address
 * @err: page-fault error code
 *
 * Context: exception, IRQs off, kernel page tables loaded.
 * Return: 1 if an entry was copied from the kernel (retry the access), 0
 * if the kernel does not map @addr either (a real fault).
 */
int nooks_pd_sync(struct nooks_pd *pd, unsigned long addr, unsigned long err)
{
	unsigned long *t = pd->pgd, *kt = kernel_pgd;
	int lvl, ret = 0;

	raw_spin_lock(&pd->lock);
	for (lvl = 0; lvl < 4; lvl++) {
		int i = idx(addr, lvl);
		unsigned long e = READ_ONCE(t[i]);
		unsigned long ke = kt ? READ_ONCE(kt[i]) : 0;

		if (!(e & E_P)) {
			if ((ke & E_P) && pd_private(pd, t)) {
				WRITE_ONCE(t[i], ke & ~E_RW);
				ret = 1;
			}
			break;
		}
		if (lvl == 3 || (e & E_PSE))
			break;
		t = table_va(e);
		kt = (ke & E_P) && !(ke & E_PSE) ? table_va(ke) : NULL;
	}
	raw_spin_unlock(&pd->lock);
	return ret;
}

/* Is @addr mapped writable in the kernel's own tables? */
bool nooks_pd_kernel_writable(unsigned long addr)
{
	unsigned long *t = kernel_pgd;
	int lvl;

	for (lvl = 0; lvl < 4; lvl++) {
		unsigned long e = READ_ONCE(t[idx(addr, lvl)]);

		if ((e & (E_P | E_RW)) != (E_P | E_RW))
			return false;
		if (lvl == 3 || (e & E_PSE))
			return true;
		t = table_va(e);
	}
	return true;
}

unsigned long nooks_pd_cr3(struct nooks_pd *pd)
{
	return pd ? pd->cr3 : 0;
}

struct nooks_domain *nooks_pd_domain_of_cr3(unsigned long cr3)
{
	int i;

	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		struct nooks_pd *pd = READ_ONCE(pds[i]);

		if (pd && pd->cr3 == cr3)
			return &nooks_domains[i];
	}
	return NULL;
}

void *nooks_pd_stack_base(struct nooks_pd *pd, int i)
{
	return pd->stacks[i];
}

unsigned long nooks_pd_frame_cr3(struct nooks_domain *d)
{
	return nooks_pd_cr3(pd_of(d));
}

static void pd_free(struct nooks_pd *pd)
{
	struct pd_grant *g, *n;
	struct page *pg, *pn;
	int i;

	list_for_each_entry_safe(g, n, &pd->grants, node)
		kfree(g);
	list_for_each_entry_safe(pg, pn, &pd->pages, lru) {
		list_del(&pg->lru);
		set_page_private(pg, 0);
		__free_page(pg);
	}
	pd_nr_table_pages -= pd->nr_pages;
	for (i = 0; i < NOOKS_PD_STACKS; i++)
		vfree(pd->stacks[i]);
	free_page((unsigned long)pd->pgd);
	kfree(pd);
}

/**
 * nooks_pd_create() - build @d's protection domain (if domains are on)
 * @d: domain being attached: d->mod, d->data_start, d->data_size set
 *
 * Writable in the domain: the module's data and bss, its private stacks,
 * each CPU's preempt count (inline preempt_disable() in extension code).
 * Return: 0 (also when domains are off) or a negative errno.
 */
int nooks_pd_create(struct nooks_domain *d)
{
	struct nooks_pd *pd;
	int i, cpu, err = -ENOMEM;

	if (!READ_ONCE(nooks_pd_on))
		return 0;
	if (!pd_supported) {
		pr_err("nooks: domains unsupported on this machine, %s not loaded\n",
		       d->name);
		return -EOPNOTSUPP;
	}
	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	raw_spin_lock_init(&pd->lock);
	INIT_LIST_HEAD(&pd->grants);
	INIT_LIST_HEAD(&pd->pages);
	pd->pgd = (unsigned long *)get_zeroed_page(GFP_KERNEL);
	if (!pd->pgd)
		goto err;
	for (i = PTRS_PER_PGD / 2; i < PTRS_PER_PGD; i++) {
		unsigned long e = READ_ONCE(kernel_pgd[i]);

		pd->pgd[i] = (e & E_P) ? e & ~E_RW : e;
	}
	pd->cr3 = __sme_pa(pd->pgd);
	for (i = 0; i < NOOKS_PD_STACKS; i++) {
		pd->stacks[i] = vmalloc(NOOKS_PD_STACK_SIZE);
		if (!pd->stacks[i])
			goto err;
	}
	WRITE_ONCE(pds[d->id], pd);
	err = nooks_pd_grant(d, d->data_start, d->data_size);
	for (i = 0; i < NOOKS_PD_STACKS && !err; i++)
		err = nooks_pd_grant(d, pd->stacks[i], NOOKS_PD_STACK_SIZE);
	for_each_possible_cpu(cpu)
		if (!err)
			err = nooks_pd_grant(d, per_cpu_ptr(&__preempt_count, cpu),
					     sizeof(int));
	if (!err)
		err = nooks_pd_df_grant(d);	/* nooks_pd_idt.c: #DF stacks */
	if (err) {
		WRITE_ONCE(pds[d->id], NULL);
		goto err;
	}
	pr_info("nooks: pd_create domain=%s cr3=%lx table_pages=%d stacks=%d\n",
		d->name, pd->cr3, pd->nr_pages, NOOKS_PD_STACKS);
	return 0;
err:
	pd_free(pd);
	return err;
}

/* At detach: no thread is inside the domain any more. */
void nooks_pd_destroy(struct nooks_domain *d)
{
	struct nooks_pd *pd = pd_of(d);
	int i;

	if (!pd)
		return;
	WRITE_ONCE(pds[d->id], NULL);
	synchronize_rcu();	/* lock-free readers of pds[] (exception paths) */
	pd_free(pd);
	for (i = 0; i < NOOKS_MAX_DOMAINS; i++)
		if (pds[i])
			return;
	nooks_pd_pge_restore_all();
}

struct nooks_pd *nooks_pd_get(struct nooks_domain *d)
{
	return pd_of(d);
}

bool nooks_pd_stack_bounds(unsigned long sp, unsigned long *end)
{
	int i, j;

	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		struct nooks_pd *pd = READ_ONCE(pds[i]);

		if (!pd)
			continue;
		for (j = 0; j < NOOKS_PD_STACKS; j++) {
			unsigned long b = (unsigned long)pd->stacks[j];

			if (sp >= b && sp < b + NOOKS_PD_STACK_SIZE) {
				*end = b + NOOKS_PD_STACK_SIZE;
				return true;
			}
		}
	}
	return false;
}

/* On @d's private stacks?  Then the code running is in (or called from) @d. */
bool nooks_pd_on_stack(struct nooks_domain *d, unsigned long sp)
{
	struct nooks_pd *pd = pd_of(d);
	int j;

	if (!pd)
		return false;
	for (j = 0; j < NOOKS_PD_STACKS; j++) {
		unsigned long b = (unsigned long)pd->stacks[j];

		if (sp >= b && sp < b + NOOKS_PD_STACK_SIZE)
			return true;
	}
	return false;
}

unsigned long nooks_pd_xpc_stack(struct nooks_domain *d, unsigned long sp)
{
	struct nooks_pd *pd = pd_of(d);
	int j;

	if (!pd || nooks_pd_on_stack(d, sp))
		return 0;
	for (j = 0; j < NOOKS_PD_STACKS; j++)
		if (!test_and_set_bit(j, &pd->stack_map))
			return (unsigned long)pd->stacks[j] + NOOKS_PD_STACK_SIZE;
	return 1;	/* none free */
}

void nooks_pd_stack_put(struct nooks_domain *d, unsigned long top)
{
	struct nooks_pd *pd = pd_of(d);
	int j;

	if (!pd || !top)
		return;
	for (j = 0; j < NOOKS_PD_STACKS; j++)
		if ((unsigned long)pd->stacks[j] + NOOKS_PD_STACK_SIZE == top)
			clear_bit(j, &pd->stack_map);
}

int nooks_pd_init(void)
{
	unsigned long mm = nooks_lookup("init_mm");
	int err;

	if (boot_cpu_has(X86_FEATURE_XENPV)) {
		pr_info("nooks: domains unavailable: Xen PV guest\n");
		return 0;
	}
	if (pgtable_l5_enabled()) {
		pr_info("nooks: domains unavailable: 5-level paging not implemented\n");
		return 0;
	}
	if (cr4_read_shadow() & X86_CR4_PCIDE) {
		pr_info("nooks: domains unavailable: PCID enabled (untested, refused)\n");
		return 0;
	}
	if (!mm)
		return -ENOENT;
	kernel_pgd = (unsigned long *)((struct mm_struct *)mm)->pgd;
	pd_supported = true;
	err = nooks_pd_idt_init();
	return err ? err : nooks_pd_sync_init();	/* nooks_pd_sync.c */
}

/* ---- accessors for nooks_pd_sync.c -------------------------------------- */
unsigned long *nooks_pd_pgd(struct nooks_pd *pd) { return pd->pgd; }
unsigned long *nooks_pd_kernel_pgd(void) { return kernel_pgd; }
raw_spinlock_t *nooks_pd_lock(struct nooks_pd *pd) { return &pd->lock; }
bool nooks_pd_is_private(struct nooks_pd *pd, const void *t) { return pd_private(pd, t); }
bool nooks_pd_covered(struct nooks_pd *pd, unsigned long page) { return pd_covered(pd, page); }
