/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nooks_pd.h - stage 2: lightweight kernel protection domains.
 *
 * A domain ("pd") is a private copy of the kernel's page tables in which the
 * kernel is read-only and only the extension's memory (module data/bss, its
 * private stacks, heap objects granted by the wrappers) is writable.  XPC
 * switches CR3 and the IDT into the domain (nooks_xpc_64.S calls
 * nooks_pd_enter()/nooks_pd_leave()); kernel wrappers switch back for the
 * kernel's part of the call; exceptions and interrupts taken in the domain
 * go through a private IDT whose stubs restore the kernel's CR3 and IDT
 * first (nooks_pd_64.S).
 *
 *   nooks_pd.c      page tables: create/destroy, grants, fault repair
 *   nooks_pd_idt.c  private IDT, switches, #PF decision, stacks, wrappers
 *   nooks_pd_64.S   exception/interrupt stubs, pass-through return
 *
 * Off unless nooks.domains=1 (set /sys/module/nooks/parameters/domains
 * before loading the extension): every function below is then a no-op
 * and stage 1 behaves exactly as before.
 */
#ifndef NOOKS_PD_H
#define NOOKS_PD_H

#include <linux/types.h>
#include <linux/spinlock_types.h>

struct nooks_domain;
struct nooks_pd;
struct pt_regs;

#define NOOKS_PD_STACKS		16		/* private stacks per domain */
#define NOOKS_PD_STACK_SIZE	(4 * PAGE_SIZE)

extern bool nooks_pd_on;		/* module parameter "domains" */

/* nooks_pd.c: page tables */
int nooks_pd_init(void);	/* at nooks.ko load: checks, private IDT */
int nooks_pd_create(struct nooks_domain *d);	/* at attach; 0 if off */
void nooks_pd_destroy(struct nooks_domain *d);	/* at detach */
int nooks_pd_grant(struct nooks_domain *d, const void *p, size_t size);	/* key @p */
int nooks_pd_grant_key(struct nooks_domain *d, const void *key, const void *p,
		       size_t size);
void nooks_pd_revoke(struct nooks_domain *d, const void *key);	/* all of @key */
bool nooks_pd_audit_write(struct nooks_pd *pd, unsigned long addr);
extern bool nooks_pd_audit;
struct nooks_domain *nooks_pd_domain_of_cr3(unsigned long cr3);
/* #PF taken in @d's tables at @addr: 1 repaired (retry), 0 not stale */
int nooks_pd_sync(struct nooks_pd *pd, unsigned long addr, unsigned long err);
bool nooks_pd_kernel_writable(unsigned long addr);
unsigned long nooks_pd_cr3(struct nooks_pd *pd);
bool nooks_pd_in_grant(struct nooks_pd *pd, unsigned long addr);
void *nooks_pd_stack_base(struct nooks_pd *pd, int i);
struct nooks_pd *nooks_pd_get(struct nooks_domain *d);	/* NULL: no domain */
bool nooks_pd_on_stack(struct nooks_domain *d, unsigned long sp);
void nooks_pd_stack_put(struct nooks_domain *d, unsigned long top);
extern unsigned long nooks_pd_nr_sync, nooks_pd_nr_wp, nooks_pd_nr_regrant;

/* nooks_pd_idt.c: switching */
int nooks_pd_idt_init(void);
/* XPC: private stack top for a new entry (0: stay on the current stack) */
unsigned long nooks_pd_xpc_stack(struct nooks_domain *d, unsigned long sp);
void nooks_pd_xpc_done(struct nooks_domain *d, unsigned long top);
bool nooks_pd_stack_bounds(unsigned long sp, unsigned long *end);
/* kernel wrappers: called from nooks_wrap_enter/leave and pass thunks */
void nooks_pd_wrap_enter(struct nooks_domain *d);
void nooks_pd_wrap_leave(struct nooks_domain *d);
void nooks_pd_to_kernel_if_domain(void);
struct pt_regs *nooks_pd_irq_regs(void);
void nooks_pd_pge_restore_all(void);	/* no domain left: PGE on again */
void nooks_pd_pass_redirect(struct nooks_domain *d, unsigned long *slot);
void nooks_lib_check(unsigned long ret_ip);	/* lib thunks: stay in domain */
/* nooks_xpc.c: where a frame keeps a pass-through call's return address */
struct nooks_frame;
unsigned long *nooks_frame_pd_ret(struct nooks_frame *f);

/* asm entry points (nooks_pd_64.S), C side of the switch */
void nooks_pd_enter(unsigned long cr3);		/* called on the private stack */
void nooks_pd_leave(void);
unsigned long nooks_pd_frame_cr3(struct nooks_domain *d);

/* nooks_pd_sync.c: invalidation of private copies, TLB shootdown */
int nooks_pd_sync_init(void);	/* module notifier, kernel unmap hook */
void nooks_pd_sync_exit(void);
void nooks_pd_shootdown(struct nooks_pd *pd);	/* after a right is removed */
/* nooks_pd.c accessors for nooks_pd_sync.c (table walk under the pd lock) */
unsigned long *nooks_pd_pgd(struct nooks_pd *pd);
unsigned long *nooks_pd_kernel_pgd(void);
raw_spinlock_t *nooks_pd_lock(struct nooks_pd *pd);
bool nooks_pd_is_private(struct nooks_pd *pd, const void *table);
bool nooks_pd_covered(struct nooks_pd *pd, unsigned long page);	/* locked */
/* nooks_pd_idt.c: per-CPU switch state, private #DF stacks */
unsigned long nooks_pd_cpu_cr3(int cpu);	/* CR3 entered last, 0 after leave */
unsigned long nooks_pd_cpu_leaves(int cpu);	/* domain -> kernel switches */
int nooks_pd_df_grant(struct nooks_domain *d);	/* #DF stacks RW in @d */
void nooks_pd_idt_exit(void);	/* frees the #DF stacks */

#endif
