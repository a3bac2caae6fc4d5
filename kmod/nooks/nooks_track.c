// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_track.c - object tracking: which kernel objects a domain owns.
 *
 * Wrappers record every object an extension acquires (memory, timers,
 * shadowed callbacks, ...) with nooks_track() and drop it with
 * nooks_untrack().  Each object has a type that knows how to release it in
 * the kernel (recovery) or merely forget it (clean unload).  Objects are
 * kept on the domain's list (release order: newest first) and in one hash
 * keyed by (type, pointer) for shadows and ownership checks.
 *
 * Must never: call into an extension, or sleep while holding nooks_obj_lock
 * (release ops run after the object is unlinked, outside the lock).
 */
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include "nooks.h"
#include "nooks_pd.h"

#define NOOKS_OBJ_BITS 12

struct nooks_obj_h {
	struct nooks_obj o;
	struct hlist_node hnode;
};

static DEFINE_HASHTABLE(nooks_obj_hash, NOOKS_OBJ_BITS);
static bool nooks_trace_release;
module_param_named(trace_release, nooks_trace_release, bool, 0644);
MODULE_PARM_DESC(trace_release, "log every object released at recovery");
static DEFINE_SPINLOCK(nooks_obj_lock);
static struct kmem_cache *nooks_obj_cache;

static u32 key(const struct nooks_obj_type *t, const void *ptr)
{
	return hash_ptr((void *)((unsigned long)ptr ^ (unsigned long)t), 32);
}

static struct nooks_obj_h *lookup(const struct nooks_obj_type *t, const void *ptr)
{
	struct nooks_obj_h *h;

	hash_for_each_possible(nooks_obj_hash, h, hnode, key(t, ptr))
		if (h->o.type == t && h->o.ptr == ptr)
			return h;
	return NULL;
}

/**
 * nooks_track() - record that domain @d owns @ptr of type @t
 * @d: owning domain
 * @t: object type
 * @ptr: the object (key)
 * @fn: extension callback behind a shadow (or NULL)
 * @gfp: allocation flags for the record
 *
 * Tracking an object that is already tracked updates its owner and @fn
 * (an extension re-initialising its timer after recovery).
 * Return: the record, or NULL if it could not be allocated.
 */
struct nooks_obj *nooks_track(struct nooks_domain *d,
			      const struct nooks_obj_type *t, void *ptr,
			      void *fn, gfp_t gfp)
{
	struct nooks_obj_h *h, *n = kmem_cache_zalloc(nooks_obj_cache, gfp);
	unsigned long flags;

	spin_lock_irqsave(&nooks_obj_lock, flags);
	h = lookup(t, ptr);
	if (h) {
		if (h->o.dom != d) {
			list_move(&h->o.node, &d->objects);
			h->o.dom = d;
		}
		h->o.fn = fn;
	} else if (n) {
		h = n;
		n = NULL;
		h->o.type = t;
		h->o.dom = d;
		h->o.ptr = ptr;
		h->o.fn = fn;
		list_add(&h->o.node, &d->objects);
		hash_add(nooks_obj_hash, &h->hnode, key(t, ptr));
	}
	spin_unlock_irqrestore(&nooks_obj_lock, flags);
	if (n)
		kmem_cache_free(nooks_obj_cache, n);
	else if (h && t->grant)		/* new record: stage 2 grant */
		t->grant(d, ptr);
	return h ? &h->o : NULL;
}

/**
 * nooks_find() - the tracking record of @ptr as type @t
 * @t: object type
 * @ptr: the object
 *
 * The record stays valid while its owner cannot release it (shadows are
 * called by the kernel only while the object is registered).
 * Return: the record or NULL.
 */
struct nooks_obj *nooks_find(const struct nooks_obj_type *t, const void *ptr)
{
	struct nooks_obj_h *h;
	unsigned long flags;

	spin_lock_irqsave(&nooks_obj_lock, flags);
	h = lookup(t, ptr);
	spin_unlock_irqrestore(&nooks_obj_lock, flags);
	return h ? &h->o : NULL;
}

/**
 * nooks_take_aux() - read and clear aux[@i] of the record of @ptr
 * @t: object type
 * @ptr: the object
 * @i: index into aux[]
 * @dom: set to the owning domain if the record exists
 *
 * Done under the tracking lock: the record cannot be freed meanwhile.
 * Return: the previous value, 0 if @ptr is not tracked as @t.
 */
unsigned long nooks_take_aux(const struct nooks_obj_type *t, const void *ptr,
			     int i, struct nooks_domain **dom)
{
	struct nooks_obj_h *h;
	unsigned long flags, v = 0;

	spin_lock_irqsave(&nooks_obj_lock, flags);
	h = lookup(t, ptr);
	if (h) {
		v = h->o.aux[i];
		h->o.aux[i] = 0;
		*dom = h->o.dom;
	}
	spin_unlock_irqrestore(&nooks_obj_lock, flags);
	return v;
}

/**
 * nooks_untrack() - drop @d's record of @ptr
 * @d: domain that should own it
 * @t: object type
 * @ptr: the object
 *
 * Return: false if @d did not own @ptr (double free, foreign object).
 */
bool nooks_untrack(struct nooks_domain *d, const struct nooks_obj_type *t,
		   const void *ptr)
{
	struct nooks_obj_h *h;
	unsigned long flags;

	spin_lock_irqsave(&nooks_obj_lock, flags);
	h = lookup(t, ptr);
	if (h && h->o.dom == d) {
		list_del(&h->o.node);
		hash_del(&h->hnode);
	} else {
		h = NULL;
	}
	spin_unlock_irqrestore(&nooks_obj_lock, flags);
	if (h) {
		if (t->granted)
			nooks_pd_revoke(d, ptr);	/* stage 2 */
		kmem_cache_free(nooks_obj_cache, h);
	}
	return h;
}

/**
 * nooks_release_all() - release (recovery) or forget (unload) everything
 * @d: domain
 * @recovery: true to undo each object in the kernel, false to forget it
 *
 * Context: process (release ops may sleep: del_timer_sync, free_irq...).
 */
void nooks_release_all(struct nooks_domain *d, bool recovery)
{
	struct nooks_obj_h *h;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&nooks_obj_lock, flags);
		h = list_first_entry_or_null(&d->objects, struct nooks_obj_h, o.node);
		if (h) {
			list_del(&h->o.node);
			hash_del(&h->hnode);
		}
		spin_unlock_irqrestore(&nooks_obj_lock, flags);
		if (!h)
			break;
		if (h->o.type->granted)
			nooks_pd_revoke(d, h->o.ptr);	/* stage 2 */
		if (recovery && nooks_trace_release)
			pr_info("nooks: release domain=%s type=%s ptr=%px\n",
				d->name, h->o.type->name, h->o.ptr);
		if (recovery && h->o.type->release)
			h->o.type->release(&h->o);
		else if (!recovery && h->o.type->forget)
			h->o.type->forget(&h->o);
		kmem_cache_free(nooks_obj_cache, h);
	}
}

/**
 * nooks_stop_all() - recovery, before any release: stop devices and
 * callbacks (bus mastering and INTx off, NAPI disabled) while every object
 * is still tracked, so no release races with DMA or a callback.
 * @d: domain (no thread inside)
 *
 * Context: process.  Stop ops must not untrack.
 */
void nooks_stop_all(struct nooks_domain *d)
{
	struct nooks_obj_h *h, **v;
	unsigned long flags;
	int n = 0, i;

	spin_lock_irqsave(&nooks_obj_lock, flags);
	list_for_each_entry(h, &d->objects, o.node)
		n += !!h->o.type->stop;
	spin_unlock_irqrestore(&nooks_obj_lock, flags);
	if (!n)
		return;
	v = kcalloc(n, sizeof(*v), GFP_KERNEL);
	if (!v)
		return;
	i = 0;
	spin_lock_irqsave(&nooks_obj_lock, flags);
	list_for_each_entry_reverse(h, &d->objects, o.node)	/* oldest first */
		if (h->o.type->stop && i < n)
			v[i++] = h;
	spin_unlock_irqrestore(&nooks_obj_lock, flags);
	/* nothing else changes d->objects while the domain is quiet */
	while (i--)
		v[i]->o.type->stop(&v[i]->o);	/* newest first */
	kfree(v);
}

/**
 * nooks_forget_range() - the extension freed [start, start+size): forget
 * the embedded objects (timers, work, NAPI) that lived there
 * @d: domain
 * @start: freed memory
 * @size: its size
 */
void nooks_forget_range(struct nooks_domain *d, const void *start, size_t size)
{
	struct nooks_obj_h *h, *t;
	unsigned long flags;
	LIST_HEAD(gone);

	spin_lock_irqsave(&nooks_obj_lock, flags);
	list_for_each_entry_safe(h, t, &d->objects, o.node) {
		if (h->o.type->embedded && h->o.ptr >= start &&
		    h->o.ptr < start + size) {
			list_move(&h->o.node, &gone);
			hash_del(&h->hnode);
		}
	}
	spin_unlock_irqrestore(&nooks_obj_lock, flags);
	list_for_each_entry_safe(h, t, &gone, o.node)
		kmem_cache_free(nooks_obj_cache, h);
}

/* Quiesce: let every object stop calling into (or blocking) the domain. */
void nooks_quiesce_all(struct nooks_domain *d)
{
	struct nooks_obj_h *h;
	unsigned long flags;

	spin_lock_irqsave(&nooks_obj_lock, flags);
	list_for_each_entry(h, &d->objects, o.node)
		if (h->o.type->quiesce)
			h->o.type->quiesce(&h->o);
	spin_unlock_irqrestore(&nooks_obj_lock, flags);
}

static void mem_release(struct nooks_obj *o)
{
	kfree(o->ptr);
}

const struct nooks_obj_type nooks_obj_mem = {
	.name = "mem",
	.release = mem_release,
	.granted = true,
	/* at unload a leak stays a leak: the kernel may own it by now */
};

static void vmem_release(struct nooks_obj *o)
{
	vfree(o->ptr);
}

const struct nooks_obj_type nooks_obj_vmem = {
	.name = "vmem",
	.release = vmem_release,
	.granted = true,
};

int nooks_track_init(void)
{
	nooks_obj_cache = KMEM_CACHE(nooks_obj_h, 0);
	return nooks_obj_cache ? 0 : -ENOMEM;
}

void nooks_track_exit(void)
{
	kmem_cache_destroy(nooks_obj_cache);
}
