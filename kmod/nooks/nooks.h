/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nooks.h - internal interfaces of the Nooks Isolation Manager (nooks.ko).
 *
 * Components (one file each):
 *   nooks_main.c    module init/exit, kallsyms resolver, sysfs counters
 *   nooks_domain.c  protection domains: life cycle, module notifier, recovery
 *   nooks_xpc.c     cross-domain calls: frames, lookup, abort/resume
 *   nooks_detect.c  exception hooks (page_fault_oops, die notifier, BUG/WARN)
 *   nooks_track.c   object tracking: what a domain owns, how to release it
 *   nooks_shadow.c  extension wrappers: shadow callbacks the kernel calls
 *   nooks_lock.c    spinlock wrappers: held locks per CPU, deadlocks
 *   nooks_wrap.c    hand-written kernel wrappers (the rest are generated
 *                   from wrappers/ *.def into nooks_wrappers_gen.c)
 * Stage 2 (page-table protection domains) slots into nooks_xpc.c: the
 * frame gains the domain page table, nooks_xpc() switches it, the fault
 * path switches back first.  Nothing outside nooks_xpc.c knows how a
 * domain is entered.
 */
#ifndef NOOKS_H
#define NOOKS_H

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#define NOOKS_MAX_DOMAINS 8

/* Domain states; see the state machine in nooks_domain.c. */
enum nooks_state {
	NOOKS_UNUSED,
	NOOKS_RUNNING,
	NOOKS_FAILED,
	NOOKS_RECOVERING,
	NOOKS_DEAD,
};

/* Fault kinds (detection mechanism), also the "kind=" of the log event. */
enum nooks_fault {
	NOOKS_F_PAGE,		/* page fault oops: NULL, wild, RO write, NX */
	NOOKS_F_GPF,		/* general protection (non-canonical, ...) */
	NOOKS_F_TRAP,		/* #DE, #UD, other DIE_TRAP */
	NOOKS_F_BUG,		/* BUG() in the extension */
	NOOKS_F_STACKPROT,	/* __stack_chk_fail */
	NOOKS_F_PANIC,		/* panic() called */
	NOOKS_F_FORTIFY,	/* fortify_panic(): buffer overflow caught */
	NOOKS_F_CHECK,		/* a wrapper parameter check failed */
	/* the extension returned with another CPU state than at entry */
	NOOKS_F_LEAK_LOCK,	/* preempt count up: spinlock, preempt/bh off */
	NOOKS_F_LOCK_UNDERFLOW,	/* preempt count down: unlock without lock */
	NOOKS_F_IRQ_OFF,	/* entered with IRQs on, returned with them off */
	NOOKS_F_IRQ_ON,		/* entered with IRQs off, returned with them on */
	NOOKS_F_RCU_LEAK,	/* RCU read-side nesting changed */
	NOOKS_F_DEADLOCK,	/* took a spinlock this CPU already holds */
	NOOKS_F_STACK,		/* stage 2: private stack overflow (#DF) */
	NOOKS_F_NR,
};

struct nooks_domain {
	int id;
	enum nooks_state state;
	struct module *mod;
	char name[MODULE_NAME_LEN];
	/* ranges the domain's code lives in (core text incl. kept init text) */
	unsigned long text_start, text_end;
	/* pristine copy of the writable data taken before the first init */
	void *data_start;
	size_t data_size;
	void *pristine;
	int (*init)(void);	/* the extension's own init/exit */
	void (*exit)(void);
	const struct kernel_param_ops **param_ops; /* originals, per kp[] */
	struct bug_entry *bug_table;	/* hidden from report_bug */
	unsigned int num_bugs;
	struct task_struct *recoverer;	/* may enter while RECOVERING */
	bool first_init;	/* a fault now fails the load: no recovery */
	atomic_t active;	/* threads inside the domain (XPC depth > 0) */
	wait_queue_head_t idle;	/* woken when active drops to 0 */
	spinlock_t lock;	/* state, objects */
	struct list_head objects;
	struct work_struct recover_work;
	/* last fault */
	enum nooks_fault fault_kind;
	unsigned long fault_ip;
	unsigned long fault_from;	/* set by the hook before the fault */
	u64 fault_ns;
	/* counters */
	unsigned long nr_faults, nr_recoveries, nr_xpc, nr_checks;
};

extern struct nooks_domain nooks_domains[NOOKS_MAX_DOMAINS];
extern const char *const nooks_fault_names[NOOKS_F_NR];

/* nooks_main.c */
unsigned long nooks_lookup(const char *name);
extern unsigned long nooks_total_faults, nooks_total_recoveries;

/* nooks_domain.c */
int nooks_domain_init(void);
void nooks_domain_exit(void);
struct nooks_domain *nooks_domain_by_ip(unsigned long ip);
void nooks_domain_fault(struct nooks_domain *d, enum nooks_fault kind,
			unsigned long ip);
const char *nooks_state_name(enum nooks_state s);

/* nooks_xpc.c */
long nooks_xpc6(struct nooks_domain *d, const void *fn, unsigned long a0,
		unsigned long a1, unsigned long a2, unsigned long a3,
		unsigned long a4, unsigned long a5);
static inline long nooks_xpc(struct nooks_domain *d, const void *fn,
			     unsigned long a0, unsigned long a1,
			     unsigned long a2, unsigned long a3)
{
	return nooks_xpc6(d, fn, a0, a1, a2, a3, 0, 0);
}
bool nooks_domain_runnable(struct nooks_domain *d);
struct nooks_frame *nooks_frame_find(unsigned long sp, unsigned long ctx);
bool nooks_frame_resume(struct nooks_frame *f, struct pt_regs *regs, long ret);
struct nooks_domain *nooks_frame_domain(struct nooks_frame *f);
void nooks_xpc_abort(long ret);	/* does not return (see nooks_xpc.c) */
unsigned long nooks_ctx_bits(void);
int nooks_xpc_init(void);

/* nooks_lock.c: spinlocks held by extensions, per CPU */
unsigned int nooks_locks_depth(void);
unsigned int nooks_locks_release(unsigned int depth, int cpu, bool unlock);
extern unsigned long nooks_nr_lock_releases;

/* nooks_detect.c */
int nooks_detect_init(void);
void nooks_detect_exit(void);
void nooks_hide_bugs(struct nooks_domain *d);
void nooks_unhide_bugs(struct nooks_domain *d);

/* nooks_track.c: object types know how to release themselves */
struct nooks_obj;
struct nooks_obj_type {
	const char *name;
	void (*release)(struct nooks_obj *o);	/* recovery: undo in the kernel */
	void (*forget)(struct nooks_obj *o);	/* clean unload: drop shadow only */
	/* failure: stop calling into / wake threads blocked for the domain;
	 * atomic context, under the tracking lock */
	void (*quiesce)(struct nooks_obj *o);
	/* recovery, before any release: stop the device / callbacks (process
	 * context, every object still tracked) */
	void (*stop)(struct nooks_obj *o);
	/* lives inside other memory (timer, work, napi): forgotten when the
	 * memory holding it is freed (nooks_forget_range()) */
	bool embedded;
	/* stage 2: the object's memory is granted to its domain under the
	 * key ptr (by the wrapper, or by grant() when it is tracked) and
	 * revoked when it is untracked or released */
	bool granted;
	void (*grant)(struct nooks_domain *d, void *ptr);
};
struct nooks_obj {
	struct list_head node;
	const struct nooks_obj_type *type;
	struct nooks_domain *dom;
	void *ptr;		/* the kernel object (key) */
	void *fn;		/* extension callback behind a shadow, if any */
	void *data;		/* type specific */
	unsigned long aux[3];	/* type specific (irq number, size, ...) */
};
struct nooks_obj *nooks_track(struct nooks_domain *d,
			      const struct nooks_obj_type *t, void *ptr,
			      void *fn, gfp_t gfp);
struct nooks_obj *nooks_find(const struct nooks_obj_type *t, const void *ptr);
unsigned long nooks_take_aux(const struct nooks_obj_type *t, const void *ptr,
			     int i, struct nooks_domain **dom);
bool nooks_untrack(struct nooks_domain *d, const struct nooks_obj_type *t,
		   const void *ptr);
void nooks_release_all(struct nooks_domain *d, bool recovery);
void nooks_stop_all(struct nooks_domain *d);
void nooks_forget_range(struct nooks_domain *d, const void *start, size_t size);
void nooks_quiesce_all(struct nooks_domain *d);
int nooks_track_init(void);
void nooks_track_exit(void);
extern const struct nooks_obj_type nooks_obj_mem;

/* nooks_net.c: announce netdevs re-registered by a recovery */
int nooks_net_init(void);
void nooks_net_exit(void);

/* nooks_shadow.c */
int nooks_shadow_params(struct nooks_domain *d);
void nooks_unshadow_params(struct nooks_domain *d);

/* nooks_ops.c: shadow ops tables (every slot holding domain code XPCs) */
struct nooks_ops_shadow;
/* Shadow of @orig (@size bytes) for family @fam; cached per domain. */
const void *nooks_ops_shadow(struct nooks_domain *d, int fam, const void *orig,
			     size_t size);
/* The header of a shadow table, or NULL if @tbl is not a shadow. */
struct nooks_ops_shadow *nooks_ops_of(const void *tbl);
const void *nooks_ops_orig(const void *tbl);
void nooks_ops_free_domain(struct nooks_domain *d);
enum { NOOKS_OPS_NETDEV, NOOKS_OPS_ETHTOOL, NOOKS_OPS_PCI_ERR, NOOKS_OPS_PM,
       NOOKS_OPS_NR };

/* test hook (nooks_main.c): make the next XPC into a named function fault */
extern unsigned long nooks_fault_next_fn;
void nooks_injected_fault(void);
void *nooks_fault_next_take(const void *fn);	/* NULL: not this one */

/* wrappers: entry check; returns the calling domain or NULL */
struct nooks_domain *nooks_wrap_enter(unsigned long ret_ip);
void nooks_wrap_leave(struct nooks_domain *d);
/*
 * A parameter check failed: count it, fault the domain and unwind the
 * caller's XPC.  Returns only if the caller runs outside any XPC; the
 * wrapper must then skip the operation.
 */
void nooks_wrap_violation(struct nooks_domain *d, const char *what,
			  const void *ptr, unsigned long ret_ip);
/* Fault @d with @kind detected by a wrapper; unwinds like the above. */
void nooks_wrap_fault(struct nooks_domain *d, enum nooks_fault kind,
		      unsigned long ret_ip);

#endif
