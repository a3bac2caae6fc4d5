// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_shadow.c - extension wrappers: the kernel never calls extension
 * code directly, it calls a shadow that XPCs into it.
 *
 * Per kind of callback, three pieces live together here: the kernel
 * wrapper that sees the extension hand over its function (and substitutes
 * the shadow), the shadow itself, and the object type that releases the
 * kernel object at recovery.  Covered: module parameter ops, timer_list,
 * hrtimer, work items, kthreads.  (PCI/IRQ: nooks_pci.c; netdev/NAPI:
 * nooks_net.c; ops tables: nooks_ops.c.)
 *
 * Must never: call an extension function other than through nooks_xpc().
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include "nooks.h"

/* ---- module parameters ------------------------------------------------ */

/* Write one pointer in read-only module memory through a writable alias. */
static int poke_ptr(const void *dst, const void *val)
{
	unsigned long addr = (unsigned long)dst;
	struct page *pg = vmalloc_to_page(dst);	/* module memory */
	void *map;

	if (!pg || (addr & (sizeof(void *) - 1)))
		return -EINVAL;
	map = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);
	if (!map)
		return -ENOMEM;
	*(const void **)(map + offset_in_page(addr)) = val;
	vunmap(map);
	return 0;
}

static struct nooks_domain *param_domain(const struct kernel_param *kp,
					 unsigned int *idx)
{
	int i;

	for (i = 0; i < NOOKS_MAX_DOMAINS; i++) {
		struct nooks_domain *d = &nooks_domains[i];
		struct module *m = d->mod;

		if (m && d->param_ops && kp >= m->kp && kp < m->kp + m->num_kp) {
			*idx = kp - m->kp;
			return d;
		}
	}
	return NULL;
}

static int nooks_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int i;
	struct nooks_domain *d = param_domain(kp, &i);

	if (!d || !d->param_ops[i]->set)
		return -EIO;
	return nooks_xpc(d, d->param_ops[i]->set, (unsigned long)val,
			 (unsigned long)kp, 0, 0);
}

static int nooks_param_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	struct nooks_domain *d = param_domain(kp, &i);

	if (!d || !d->param_ops[i]->get)
		return -EIO;
	return nooks_xpc(d, d->param_ops[i]->get, (unsigned long)buf,
			 (unsigned long)kp, 0, 0);
}

static const struct kernel_param_ops nooks_param_shadow = {
	.set = nooks_param_set,
	.get = nooks_param_get,
};

/**
 * nooks_shadow_params() - point the module's own parameter ops at shadows
 * @d: domain being attached (d->mod set)
 *
 * Ops provided by the kernel (param_ops_int, ...) stay: they are kernel
 * code.  Only ops whose set/get live in the domain are shadowed.
 * Return: 0 or a negative errno.
 */
int nooks_shadow_params(struct nooks_domain *d)
{
	struct module *m = d->mod;
	unsigned int i;
	int err;

	d->param_ops = kcalloc(m->num_kp + 1, sizeof(*d->param_ops), GFP_KERNEL);
	if (!d->param_ops)
		return -ENOMEM;
	for (i = 0; i < m->num_kp; i++) {
		const struct kernel_param_ops *ops = m->kp[i].ops;
		unsigned long set = (unsigned long)ops->set, get = (unsigned long)ops->get;
		unsigned long lo = (unsigned long)m->core_layout.base;
		unsigned long hi = lo + m->core_layout.text_size;

		if (!((set >= lo && set < hi) || (get >= lo && get < hi)))
			continue;
		if (ops->free) {
			pr_err("nooks: %s: param ops with free() not supported\n",
			       m->name);
			return -EOPNOTSUPP;
		}
		d->param_ops[i] = ops;
		err = poke_ptr(&m->kp[i].ops, &nooks_param_shadow);
		if (err)
			return err;
	}
	return 0;
}

/* ---- timer_list ------------------------------------------------------- */

static void timer_release(struct nooks_obj *o)
{
	timer_delete_sync(o->ptr);
}

static const struct nooks_obj_type nooks_obj_timer = {
	.name = "timer",
	.release = timer_release,
	.embedded = true,
};

static void nooks_timer_shadow(struct timer_list *t)
{
	struct nooks_obj *o = nooks_find(&nooks_obj_timer, t);

	if (o)
		nooks_xpc(o->dom, o->fn, (unsigned long)t, 0, 0, 0);
}

void nooks_w_init_timer_key(struct timer_list *timer,
			    void (*func)(struct timer_list *), unsigned int flags,
			    const char *name, struct lock_class_key *key)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	if (d && nooks_runs_in(d, (unsigned long)func)) {
		if (!nooks_track(d, &nooks_obj_timer, timer, func, GFP_ATOMIC))
			nooks_wrap_violation(d, "init_timer_key: no memory", timer,
					     _RET_IP_);
		func = nooks_timer_shadow;
	}
	init_timer_key(timer, func, flags, name, key);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_init_timer_key);

/* ---- hrtimer ---------------------------------------------------------- */

static void hrtimer_release(struct nooks_obj *o)
{
	hrtimer_cancel(o->ptr);
}

static const struct nooks_obj_type nooks_obj_hrtimer = {
	.name = "hrtimer",
	.release = hrtimer_release,
	.embedded = true,
};

static enum hrtimer_restart nooks_hrtimer_shadow(struct hrtimer *t)
{
	struct nooks_obj *o = nooks_find(&nooks_obj_hrtimer, t);
	long ret;

	if (!o || !o->fn)
		return HRTIMER_NORESTART;
	ret = nooks_xpc(o->dom, o->fn, (unsigned long)t, 0, 0, 0);
	return ret < 0 ? HRTIMER_NORESTART : (enum hrtimer_restart)ret;
}

void nooks_w_hrtimer_init(struct hrtimer *timer, clockid_t clock_id,
			  enum hrtimer_mode mode)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	hrtimer_init(timer, clock_id, mode);
	if (d && !nooks_track(d, &nooks_obj_hrtimer, timer, NULL, GFP_ATOMIC))
		nooks_wrap_violation(d, "hrtimer_init: no memory", timer, _RET_IP_);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_hrtimer_init);

/* The extension sets timer->function itself: substitute it at start. */
void nooks_w_hrtimer_start_range_ns(struct hrtimer *timer, ktime_t tim,
				    u64 range_ns, const enum hrtimer_mode mode)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct nooks_obj *o;

	if (d && timer->function != nooks_hrtimer_shadow) {
		o = nooks_track(d, &nooks_obj_hrtimer, timer, timer->function,
				GFP_ATOMIC);
		if (!o)
			nooks_wrap_violation(d, "hrtimer_start: no memory", timer,
					     _RET_IP_);
		timer->function = nooks_hrtimer_shadow;
	}
	hrtimer_start_range_ns(timer, tim, range_ns, mode);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_hrtimer_start_range_ns);

/* ---- work items: key work, fn = the extension's func, aux[0] = delayed -- */

static void work_release(struct nooks_obj *o)
{
	if (o->aux[0])
		cancel_delayed_work_sync(to_delayed_work(o->ptr));
	else
		cancel_work_sync(o->ptr);
}

static const struct nooks_obj_type nooks_obj_work = {
	.name = "work",
	.release = work_release,
	.embedded = true,
};

static void nooks_work_shadow(struct work_struct *w)
{
	struct nooks_obj *o = nooks_find(&nooks_obj_work, w);

	if (o)
		nooks_xpc(o->dom, o->fn, (unsigned long)w, 0, 0, 0);
}

/*
 * INIT_WORK is inline: the extension's func is substituted when the work
 * is queued (the kernel compares only the timer function of a delayed
 * work, which stays delayed_work_timer_fn).
 */
static bool shadow_work(struct nooks_domain *d, struct work_struct *w,
			bool delayed, unsigned long ret_ip)
{
	struct nooks_obj *o;

	if (d && !(delayed ? nooks_valid_dwork(to_delayed_work(w)) : nooks_valid_work(w))) {
		nooks_wrap_violation(d, "queue_work: no work", w, ret_ip);
		return false;
	}
	if (!d || w->func == nooks_work_shadow ||
	    !nooks_runs_in(d, (unsigned long)w->func))
		return true;
	o = nooks_track(d, &nooks_obj_work, w, w->func, GFP_ATOMIC);
	if (!o) {
		nooks_wrap_violation(d, "queue_work: no memory", w, ret_ip);
		return false;
	}
	o->aux[0] = delayed;
	w->func = nooks_work_shadow;
	return true;
}

bool nooks_w_queue_work_on(int cpu, struct workqueue_struct *wq,
			   struct work_struct *work)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	bool ret = false;

	if (shadow_work(d, work, false, _RET_IP_))
		ret = queue_work_on(cpu, wq, work);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_queue_work_on);

bool nooks_w_queue_delayed_work_on(int cpu, struct workqueue_struct *wq,
				   struct delayed_work *dwork,
				   unsigned long delay)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	bool ret = false;

	if (shadow_work(d, &dwork->work, true, _RET_IP_))
		ret = queue_delayed_work_on(cpu, wq, dwork, delay);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_queue_delayed_work_on);

/* Is @fn one of the shadows above (what a tracked timer or work runs)? */
bool nooks_shadow_callback(unsigned long fn)
{
	return fn == (unsigned long)nooks_timer_shadow ||
	       fn == (unsigned long)nooks_hrtimer_shadow ||
	       fn == (unsigned long)nooks_work_shadow;
}

/* ---- kthreads --------------------------------------------------------- */

struct nooks_kthread {
	struct nooks_domain *dom;
	int (*fn)(void *data);
	void *data;
};

static int nooks_kthread_shadow(void *arg)
{
	struct nooks_kthread c = *(struct nooks_kthread *)arg;

	kfree(arg);
	return nooks_xpc(c.dom, c.fn, (unsigned long)c.data, 0, 0, 0);
}

/* Is @t a kthread of a domain (its whole life one XPC)? */
bool nooks_is_domain_kthread(struct task_struct *t)
{
	return (t->flags & PF_KTHREAD) && kthread_func(t) == nooks_kthread_shadow;
}

struct task_struct *nooks_w_kthread_create_on_node(int (*fn)(void *data),
						   void *data, int node,
						   const char namefmt[], ...)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct nooks_kthread *c;
	struct task_struct *t;
	char name[TASK_COMM_LEN];
	va_list ap;

	va_start(ap, namefmt);
	vsnprintf(name, sizeof(name), namefmt, ap);
	va_end(ap);
	if (!d)
		return kthread_create_on_node(fn, data, node, "%s", name);
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		nooks_wrap_leave(d);
		return ERR_PTR(-ENOMEM);
	}
	c->dom = d;
	c->fn = fn;
	c->data = data;
	t = kthread_create_on_node(nooks_kthread_shadow, c, node, "%s", name);
	if (IS_ERR(t))
		kfree(c);
	nooks_wrap_leave(d);
	return t;
}
EXPORT_SYMBOL_GPL(nooks_w_kthread_create_on_node);
