// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_closure.c - generic extension wrappers: closure stubs for the
 * callbacks an extension hands the kernel as function arguments or in a
 * struct of function pointers, found from the kernel's BTF (issue 22).
 *
 * A closure is a slot of a fixed pool: (domain, function, what the function
 * returns).  Closure i has a stub of its own in nooks.ko's text; the kernel
 * calls the stub, the stub XPCs into the closure's function with the same
 * six register arguments.  So no family-specific lookup is needed (compare
 * nooks_ops.c, whose stubs find their table from the call's arguments).
 *
 * The generated wrappers (wrappers/gen.py) describe, per exported function,
 * which arguments to rewrite before the kernel sees them
 * (struct nooks_argdesc, from `nooks btf exports`' fnargs and ops):
 *   - a function pointer into the calling domain: its closure (one per
 *     (domain, function, kind), so that the kernel's later comparisons,
 *     devm_remove_action(dev, fn, ...) say, see the same pointer);
 *   - a pointer to a const struct with function-pointer members, lying in
 *     the calling module's image: a cached copy whose slots holding domain
 *     code are closures (one copy per (domain, struct));
 *   - a pointer to a non-const such struct in the module's writable data
 *     (a static notifier_block, nls_table, file_system_type): its slots
 *     are swapped in place; recovery restores the module's data from its
 *     pristine copy, which puts the originals back.
 * Anything else is left alone: an object on the heap (a net_device, an
 * adapter's ptp_clock_info) or the kernel's own code.  Only callbacks a
 * stub can call get one: at most 6 parameters, each and the result in one
 * integer register (the generator checks the BTF prototype).
 *
 * A faulting or fail-fast call returns what the kind says: nothing (void),
 * -EFAULT/-EIO (int), NULL (pointer, when the domain failed), 0 (an enum
 * with a 0 value: an errno read as IRQ_HANDLED | IRQ_WAKE_THREAD or as
 * ALARMTIMER_RESTART would have the kernel act on a call that never ran).
 *
 * Closures and copies belong to their domain until it is detached (module
 * unload): a recovery only kills its closures (a call returns the fail
 * value at once), and the extension's next registration of the same
 * function revives its closure (closure_of() finds it by (domain,
 * function, kind)).  So a kernel path that still holds a shadow after a
 * recovery (a registration no undo line takes back) meets a dead closure
 * or, once the restarted extension registered it again, the same function
 * of the restarted extension, never freed memory or another domain's code.
 *
 * Must never: call extension code except through nooks_xpc6(); write an
 * object outside the calling module's image.
 */
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "nooks.h"
#include "nooks_closure.h"

#define NCLOSURES 1024

struct nooks_closure {
	struct nooks_domain *d;		/* NULL: free */
	const void *fn;
	u8 kind;			/* NOOKS_RET_* */
	bool dead;			/* its domain recovered since it was made */
	struct hlist_node hash;		/* by fn, while bound */
	struct list_head free;		/* on free_list while free */
};

struct nooks_copy {			/* a const struct's shadow */
	struct hlist_node hash;		/* by orig */
	struct nooks_domain *d;
	const void *orig;
	const struct nooks_structdesc *st;
	unsigned long table[];		/* what the kernel sees */
};

static struct nooks_closure closures[NCLOSURES];
static LIST_HEAD(free_list);
static DEFINE_HASHTABLE(by_fn, 8);
static DEFINE_HASHTABLE(by_orig, 6);
static DEFINE_RAW_SPINLOCK(lock);
static unsigned int nr_live;
static atomic_long_t nr_closure_calls;

/* Off: arguments pass unchanged, as before issue 22 (a test's control). */
static bool generic_shadows = true;
module_param(generic_shadows, bool, 0644);
MODULE_PARM_DESC(generic_shadows, "shadow callbacks from BTF (closure stubs); 0: pass them through");

static long closure_call(unsigned int i, unsigned long a0, unsigned long a1,
			 unsigned long a2, unsigned long a3, unsigned long a4,
			 unsigned long a5)
{
	struct nooks_closure *c = &closures[i];
	struct nooks_domain *d = READ_ONCE(c->d);
	const void *fn = READ_ONCE(c->fn);
	long ret;

	if (!d || !fn || READ_ONCE(c->dead))	/* recovered since */
		return c->kind == NOOKS_RET_INT ? -EIO : 0;
	atomic_long_inc(&nr_closure_calls);
	ret = nooks_xpc6(d, fn, a0, a1, a2, a3, a4, a5);
	switch (c->kind) {
	case NOOKS_RET_VOID:
		return 0;
	case NOOKS_RET_PTR:
	case NOOKS_RET_ENUM:	/* an errno is no value of the enum */
		return IS_ERR_VALUE(ret) && !nooks_domain_runnable(d) ? 0 : ret;
	}
	return ret;
}

/* One stub per closure: C has no closures.  Index = 64 * h + 8 * m + l. */
#define CSTUB(h, m, l)							\
	static long cstub_##h##_##m##_##l(unsigned long a0, unsigned long a1, \
					  unsigned long a2, unsigned long a3, \
					  unsigned long a4, unsigned long a5) \
	{ return closure_call(64 * h + 8 * m + l, a0, a1, a2, a3, a4, a5); }
#define CSTUB8(h, m) CSTUB(h, m, 0) CSTUB(h, m, 1) CSTUB(h, m, 2)	\
	CSTUB(h, m, 3) CSTUB(h, m, 4) CSTUB(h, m, 5) CSTUB(h, m, 6) CSTUB(h, m, 7)
#define CSTUB64(h) CSTUB8(h, 0) CSTUB8(h, 1) CSTUB8(h, 2) CSTUB8(h, 3)	\
	CSTUB8(h, 4) CSTUB8(h, 5) CSTUB8(h, 6) CSTUB8(h, 7)
#define CREF(h, m, l) cstub_##h##_##m##_##l,
#define CREF8(h, m) CREF(h, m, 0) CREF(h, m, 1) CREF(h, m, 2) CREF(h, m, 3) \
	CREF(h, m, 4) CREF(h, m, 5) CREF(h, m, 6) CREF(h, m, 7)
#define CREF64(h) CREF8(h, 0) CREF8(h, 1) CREF8(h, 2) CREF8(h, 3)	\
	CREF8(h, 4) CREF8(h, 5) CREF8(h, 6) CREF8(h, 7)
CSTUB64(0) CSTUB64(1) CSTUB64(2) CSTUB64(3) CSTUB64(4) CSTUB64(5)
CSTUB64(6) CSTUB64(7) CSTUB64(8) CSTUB64(9) CSTUB64(10) CSTUB64(11)
CSTUB64(12) CSTUB64(13) CSTUB64(14) CSTUB64(15)
typedef long (*cstub_t)(unsigned long, unsigned long, unsigned long,
			unsigned long, unsigned long, unsigned long);
static const cstub_t cstubs[NCLOSURES] = {
	CREF64(0) CREF64(1) CREF64(2) CREF64(3) CREF64(4) CREF64(5)
	CREF64(6) CREF64(7) CREF64(8) CREF64(9) CREF64(10) CREF64(11)
	CREF64(12) CREF64(13) CREF64(14) CREF64(15)
};

/* The closure of (d, fn, kind), made if need be; NULL if the pool is empty. */
static const void *closure_of(struct nooks_domain *d, const void *fn, u8 kind)
{
	struct nooks_closure *c;
	unsigned long flags;
	const void *stub = NULL;

	raw_spin_lock_irqsave(&lock, flags);
	hash_for_each_possible(by_fn, c, hash, (unsigned long)fn)
		if (c->fn == fn && c->d == d && c->kind == kind)
			goto found;
	c = list_first_entry_or_null(&free_list, struct nooks_closure, free);
	if (!c)
		goto out;
	list_del(&c->free);
	c->kind = kind;
	c->dead = false;
	WRITE_ONCE(c->fn, fn);
	WRITE_ONCE(c->d, d);
	hash_add(by_fn, &c->hash, (unsigned long)fn);
	nr_live++;
found:
	WRITE_ONCE(c->dead, false);	/* registered (again) */
	stub = cstubs[c - closures];
out:
	raw_spin_unlock_irqrestore(&lock, flags);
	if (!stub)
		pr_err_ratelimited("nooks: closures exhausted domain=%s fn=%ps\n",
				   d->name, fn);
	return stub;
}

/* Is [p, p + size) inside @d's module image?  Its writable data? */
static bool in_image(struct nooks_domain *d, const void *p, size_t size)
{
	return within_module((unsigned long)p, d->mod) &&
	       within_module((unsigned long)p + size - 1, d->mod);
}

static bool in_data(struct nooks_domain *d, const void *p, size_t size)
{
	return p >= d->data_start &&
	       p + size <= d->data_start + d->data_size;
}

/* Slot value @v of @st as the kernel should see it (unchanged if not ours). */
static unsigned long slot_value(struct nooks_domain *d, unsigned long v, u8 kind)
{
	const void *stub;

	if (!v || !nooks_runs_in(d, v))
		return v;
	stub = closure_of(d, (const void *)v, kind);
	return stub ? (unsigned long)stub : v;
}

/* The closures of @orig's slots (made, or revived after a recovery). */
static void revive_slots(struct nooks_domain *d, const void *orig,
			 const struct nooks_structdesc *st)
{
	unsigned int i;

	for (i = 0; i < st->nslots; i++)
		slot_value(d, *(const unsigned long *)(orig + st->slots[i].off),
			   st->slots[i].kind);
}

static const void *copy_of(struct nooks_domain *d, const void *orig,
			   const struct nooks_structdesc *st)
{
	struct nooks_copy *s, *n;
	unsigned long flags;
	unsigned int i;
	bool any = false;

	raw_spin_lock_irqsave(&lock, flags);
	hash_for_each_possible(by_orig, s, hash, (unsigned long)orig)
		if (s->orig == orig && s->d == d)
			break;
	raw_spin_unlock_irqrestore(&lock, flags);
	if (s) {
		revive_slots(d, orig, st);
		return s->table;
	}
	n = kmalloc(sizeof(*n) + st->size, GFP_ATOMIC);
	if (!n)
		return orig;
	memcpy(n->table, orig, st->size);
	n->d = d;
	n->orig = orig;
	n->st = st;
	for (i = 0; i < st->nslots; i++) {
		unsigned long *slot = (void *)n->table + st->slots[i].off;
		unsigned long v = slot_value(d, *slot, st->slots[i].kind);

		any |= v != *slot;
		*slot = v;
	}
	if (!any) {			/* no domain code in it */
		kfree(n);
		return orig;
	}
	raw_spin_lock_irqsave(&lock, flags);
	hash_for_each_possible(by_orig, s, hash, (unsigned long)orig)
		if (s->orig == orig && s->d == d)
			break;
	if (!s)
		hash_add(by_orig, &n->hash, (unsigned long)orig);
	raw_spin_unlock_irqrestore(&lock, flags);
	if (s) {			/* another CPU made it first */
		kfree(n);
		return s->table;
	}
	return n->table;
}

static void swap_in_place(struct nooks_domain *d, void *obj,
			  const struct nooks_structdesc *st)
{
	unsigned int i;

	for (i = 0; i < st->nslots; i++) {
		unsigned long *slot = obj + st->slots[i].off;
		unsigned long v = READ_ONCE(*slot);

		if (v && nooks_runs_in(d, v))
			WRITE_ONCE(*slot, slot_value(d, v, st->slots[i].kind));
	}
}

/**
 * nooks_shadow_arg() - what the kernel should get for one argument
 * @d: the calling domain
 * @a: how the argument is shadowed
 * @v: the argument as the extension passed it
 *
 * Context: any (the call's own); allocates with GFP_ATOMIC.
 * Return: @v or its shadow.
 */
unsigned long nooks_shadow_arg(struct nooks_domain *d,
			       const struct nooks_argshadow *a, unsigned long v)
{
	const struct nooks_structdesc *st = a->st;

	if (!v || IS_ERR_VALUE(v) || !READ_ONCE(generic_shadows))
		return v;
	switch (a->how) {
	case NOOKS_SHADOW_FN:
		return slot_value(d, v, a->kind);
	case NOOKS_SHADOW_COPY:
		if (!in_image(d, (void *)v, st->size))
			return v;
		return (unsigned long)copy_of(d, (void *)v, st);
	case NOOKS_SHADOW_INPLACE:
		if (in_data(d, (void *)v, st->size))
			swap_in_place(d, (void *)v, st);
		return v;
	}
	return v;
}
EXPORT_SYMBOL_GPL(nooks_shadow_arg);

/*
 * Called by a generated thunk after its fail-fast check, with the saved
 * registers (regs[8 - i]: argument i, regs[9]: the return address; see
 * wrappers/gen.py THUNK) and the function's descriptor.
 */
void nooks_shadow_args(unsigned long *regs, const struct nooks_argdesc *desc)
{
	struct nooks_domain *d;
	struct nooks_frame *f;
	unsigned int i;

	if (!READ_ONCE(generic_shadows))
		return;
	d = nooks_domain_by_ip(regs[9]);
	if (!d) {	/* a tail call, or stage 2's redirected return */
		f = nooks_frame_find(current_stack_pointer, nooks_ctx_bits());
		d = f ? nooks_frame_domain(f) : NULL;
	}
	if (!d)
		return;
	for (i = 0; i < desc->n; i++) {
		const struct nooks_argshadow *a = &desc->a[i];

		regs[8 - a->arg] = nooks_shadow_arg(d, a, regs[8 - a->arg]);
	}
}
EXPORT_SYMBOL_GPL(nooks_shadow_args);

/* Recovery, after the domain's objects are released: its closures die. */
void nooks_closures_kill_domain(struct nooks_domain *d)
{
	unsigned int i;

	for (i = 0; i < NCLOSURES; i++)
		if (READ_ONCE(closures[i].d) == d)
			WRITE_ONCE(closures[i].dead, true);
}

/* Detach (the module is going): its closures go back to the pool, its
 * copies are freed. */
void nooks_closures_release_domain(struct nooks_domain *d)
{
	struct nooks_copy *s;
	struct hlist_node *t;
	unsigned long flags;
	unsigned int i, bkt;
	HLIST_HEAD(dead);

	raw_spin_lock_irqsave(&lock, flags);
	for (i = 0; i < NCLOSURES; i++) {
		struct nooks_closure *c = &closures[i];

		if (c->d != d)
			continue;
		WRITE_ONCE(c->d, NULL);
		WRITE_ONCE(c->fn, NULL);
		hash_del(&c->hash);
		list_add_tail(&c->free, &free_list);	/* reused last */
		nr_live--;
	}
	hash_for_each_safe(by_orig, bkt, t, s, hash) {
		if (s->d != d)
			continue;
		hash_del(&s->hash);
		hlist_add_head(&s->hash, &dead);	/* freed unlocked */
	}
	raw_spin_unlock_irqrestore(&lock, flags);
	hlist_for_each_entry_safe(s, t, &dead, hash)
		kfree(s);
}

/* calls through closures since load (all domains) */
unsigned long nooks_closure_calls(void)
{
	return atomic_long_read(&nr_closure_calls);
}

unsigned int nooks_closures_live(void)
{
	return READ_ONCE(nr_live);
}

void nooks_closures_init(void)
{
	unsigned int i;

	for (i = 0; i < NCLOSURES; i++)
		list_add_tail(&closures[i].free, &free_list);
}
