// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_modpass.c - pass-through wrappers into other stock modules, and
 * tracked I/O resource regions.
 *
 * Every function a stock module exports (mii.ko's mii_* helpers, libphy,
 * ...: wrappers/gen.py, from the kernel's export table) gets a thunk that
 * jumps to SYM in MODULE.  nooks.ko must not
 * depend on those modules (it is loaded before any extension, and most
 * extensions never use them), so the target is looked up in MODULE's
 * export table at the first call (module_export()) and a reference on
 * MODULE is held until nooks.ko unloads.  The isolated module keeps MODULE in its modinfo
 * `depends`, so modprobe / the guest init loads MODULE first.  Calls from
 * MODULE back into the extension (mii_if_info.mdio_read) run under the
 * caller's XPC frame: a fault there is the domain's.
 *
 * Resource regions (__request_region / __release_region: request_region()
 * of I/O ports, pcnet32) are tracked by (start) with parent and size, and
 * released at recovery.
 *
 * The same slots serve the swifi_w_ twins (wrappers/gen.py --swifi):
 * runtime faults of kmod/swifi in an isolated module, resolved in swifi.ko.
 *
 * Must never: sleep in nooks_modpass_target (any context: IRQ handlers
 * and timers of the extension call mii helpers).
 */
#include <linux/ioport.h>
#include <linux/module.h>
#include "nooks_wrappers.h"

static long nooks_modpass_missing(void)
{
	return -ENOENT;
}

/* @name in the export table @syms[0..n) of a module, or NULL */
static void *export_in(const struct kernel_symbol *syms, unsigned int n,
		       const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct kernel_symbol *k = &syms[i];
#ifdef CONFIG_HAVE_ARCH_PREL32_RELOCATIONS
		const char *s = offset_to_ptr(&k->name_offset);

		if (!strcmp(s, name))
			return offset_to_ptr(&k->value_offset);
#else
		if (!strcmp(k->name, name))
			return (void *)k->value;
#endif
	}
	return NULL;
}

/*
 * The loaded module named @name, or (@name NULL) whose core text holds
 * @addr; NULL if none.  Call with preemption disabled: the module list is
 * walked as the kernel walks it, under RCU-sched; its head is the one
 * node outside module memory.
 */
static struct module *module_lookup(const char *name, unsigned long addr)
{
	struct list_head *pos;
	struct module *mod;

	for (pos = READ_ONCE(THIS_MODULE->list.next); pos != &THIS_MODULE->list;
	     pos = READ_ONCE(pos->next)) {
		if ((unsigned long)pos < MODULES_VADDR ||
		    (unsigned long)pos >= MODULES_END)
			continue;	/* the list head, in vmlinux */
		mod = container_of(pos, struct module, list);
		if (mod->state == MODULE_STATE_UNFORMED)
			continue;
		if (name ? !strcmp(mod->name, name) :
		    addr - (unsigned long)mod->core_layout.base < mod->core_layout.text_size)
			return mod;
	}
	return NULL;
}

/*
 * SYM exported by the loaded module MOD, with a reference on MOD taken;
 * or NULL.  Not __symbol_get(): since 6.1.53 it refuses symbols not
 * exported GPL-only (mii.ko's are EXPORT_SYMBOL), and it would find SYM
 * in whichever module exports it rather than in MOD.
 */
static void *module_export(const char *modname, const char *sym)
{
	struct module *mod;
	void *fn = NULL;

	preempt_disable();
	mod = module_lookup(modname, 0);
	if (mod) {
		fn = export_in(mod->syms, mod->num_syms, sym);
		if (!fn)
			fn = export_in(mod->gpl_syms, mod->num_gpl_syms, sym);
		if (fn && !try_module_get(mod))
			fn = NULL;	/* going away */
	}
	preempt_enable();
	return fn;
}

/**
 * nooks_library_text() - is @addr code of a stock module outside every
 * domain (a library such as mii.ko or 8390.ko)?
 * @addr: a code address
 *
 * Context: any.
 */
bool nooks_library_text(unsigned long addr)
{
	struct module *mod;

	/* vmlinux text (most callers' answer) without walking the list */
	if (addr < MODULES_VADDR || addr >= MODULES_END || nooks_domain_by_ip(addr))
		return false;
	preempt_disable();
	mod = module_lookup(NULL, addr);
	preempt_enable();
	return mod && mod != THIS_MODULE;
}

/* The target of @mp, resolved (a reference on its module taken) at the first call; or NULL. */
static void *modpass_resolve(struct nooks_modpass *mp)
{
	void *fn = READ_ONCE(mp->fn);

	if (likely(fn))
		return fn;
	fn = module_export(mp->mod, mp->sym);	/* no sleep */
	if (fn && cmpxchg(&mp->fn, NULL, fn) != NULL) {
		symbol_put_addr(fn);	/* another CPU won */
		fn = READ_ONCE(mp->fn);
	}
	return fn;
}

/* Called by the modpass thunks: the target of @mp, never NULL. */
void *nooks_modpass_target(unsigned long ret_ip, struct nooks_modpass *mp)
{
	struct nooks_domain *d = nooks_wrap_enter(ret_ip);
	void *fn = modpass_resolve(mp);

	if (fn)
		return fn;
	pr_err("nooks: detail modpass=%s module=%s not loaded\n", mp->sym, mp->mod);
	if (d)
		nooks_wrap_violation(d, "modpass: module not loaded", mp, ret_ip);
	return nooks_modpass_missing;
}

/*
 * The swifi_w_ twins (gen.py --swifi): the C wrappers call this inside
 * their nooks_wrap_enter()/leave() pair.  Without swifi.ko (a module
 * rebound to swifi loaded without it) the kernel function itself runs.
 */
void *nooks_swifi_fn(struct nooks_modpass *mp, void *fallback)
{
	void *fn = modpass_resolve(mp);

	if (unlikely(!fn)) {
		pr_warn_once("nooks: detail modpass=%s module=%s not loaded\n", mp->sym, mp->mod);
		return fallback;
	}
	return fn;
}

/* nooks.ko unload: drop the module references taken at resolution. */
void nooks_modpass_release(void)
{
	struct nooks_modpass *const *p;

	for (p = nooks_modpass_table; *p; p++)
		if ((*p)->fn)
			symbol_put_addr((*p)->fn);
}

/* ---- resource regions: key = start, aux[0] = parent, aux[1] = n -------- */

static void region_release(struct nooks_obj *o)
{
	__release_region((struct resource *)o->aux[0], (resource_size_t)o->ptr,
			 o->aux[1]);
}

static const struct nooks_obj_type nooks_obj_region = {
	.name = "region",
	.release = region_release,
};

struct resource *nooks_w___request_region(struct resource *parent,
					  resource_size_t start,
					  resource_size_t n,
					  const char *name, int flags)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct resource *ret = __request_region(parent, start, n, name, flags);
	struct nooks_obj *o;

	if (d && ret) {
		o = nooks_track(d, &nooks_obj_region, (void *)start, NULL,
				GFP_KERNEL);
		if (o) {
			o->aux[0] = (unsigned long)parent;
			o->aux[1] = n;
		} else {
			__release_region(parent, start, n);
			ret = NULL;
		}
	}
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w___request_region);

void nooks_w___release_region(struct resource *parent, resource_size_t start,
			      resource_size_t n)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	if (d && !nooks_owns(d, &nooks_obj_region, (void *)start)) {
		nooks_wrap_violation(d, "__release_region: region not owned",
				     (void *)start, _RET_IP_);
		return;
	}
	__release_region(parent, start, n);
	if (d)
		nooks_untrack(d, &nooks_obj_region, (void *)start);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w___release_region);
