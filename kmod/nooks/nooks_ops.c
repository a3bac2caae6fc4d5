// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_ops.c - shadow ops tables: net_device_ops, ethtool_ops,
 * pci_error_handlers, dev_pm_ops.
 *
 * When an extension hands the kernel a table of function pointers, the
 * kernel gets a copy in which every slot holding extension code points to
 * a stub for that slot index instead; other slots (NULL, kernel helpers
 * such as eth_validate_addr, plain fields) are copied unchanged.  The stub
 * finds the shadow table through its arguments (family-specific: the
 * net_device's netdev_ops, the device's driver, ...), takes the original
 * entry and XPCs into it with the same arguments.  A faulting or
 * fail-fast call returns -EIO (ndo_start_xmit: see nooks_net.c).
 *
 * Shadows are cached per (domain, family, original) and freed when the
 * domain is recovered (after its devices are unregistered) or detached.
 *
 * Must never: call an original entry other than through nooks_xpc6().
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/pm.h>
#include <linux/slab.h>
#include "nooks.h"

#define OPS_MAGIC 0x4e4f4f4b534f5053UL	/* "NOOKSOPS" */
#define NSLOTS 128

struct nooks_ops_shadow {
	struct list_head node;
	struct nooks_domain *d;
	const void *orig;
	size_t size;
	int fam;
	unsigned long magic;
	unsigned long table[];	/* what the kernel sees */
};

static LIST_HEAD(shadows);
static DEFINE_MUTEX(shadows_lock);

struct nooks_ops_shadow *nooks_ops_of(const void *tbl)
{
	struct nooks_ops_shadow *s;

	if (!tbl)
		return NULL;
	s = container_of((unsigned long *)tbl, struct nooks_ops_shadow, table[0]);
	return s->magic == OPS_MAGIC ? s : NULL;
}

const void *nooks_ops_orig(const void *tbl)
{
	struct nooks_ops_shadow *s = nooks_ops_of(tbl);

	return s ? s->orig : tbl;
}

/* The shadow table the kernel handed this call, from its arguments. */
static const void *locate(int fam, int slot, const unsigned long *a)
{
	const struct net_device *dev;
	const struct device *gdev;

	switch (fam) {
	case NOOKS_OPS_NETDEV:
		/* ndo_start_xmit and ndo_features_check take the skb first */
		dev = (void *)a[0];
		if (slot == offsetof(struct net_device_ops, ndo_start_xmit) / 8 ||
		    slot == offsetof(struct net_device_ops, ndo_features_check) / 8)
			dev = (void *)a[1];
		return dev->netdev_ops;
	case NOOKS_OPS_ETHTOOL:
		dev = (void *)a[0];
		return dev->ethtool_ops;
	case NOOKS_OPS_PCI_ERR:
		gdev = &((struct pci_dev *)a[0])->dev;
		return gdev->driver ? to_pci_driver(gdev->driver)->err_handler : NULL;
	case NOOKS_OPS_PM:
		gdev = (void *)a[0];
		return gdev->driver ? gdev->driver->pm : NULL;
	}
	return NULL;
}

/*
 * A failed or faulting call returns -EIO / -EFAULT.  Slots whose result
 * is not an error code get a value the kernel can use instead (found with
 * pcnet32: unregister_netdev at recovery reads ndo_get_stats, and
 * dereferenced the -EIO).
 */
#define NDO(f) (offsetof(struct net_device_ops, f) / 8)
static long fail_value(int fam, int slot, const unsigned long *a, long ret)
{
	if (fam != NOOKS_OPS_NETDEV || !IS_ERR_VALUE(ret))
		return ret;
	if (slot == NDO(ndo_get_stats))		/* (dev) -> stats */
		return (long)&((struct net_device *)a[0])->stats;
	if (slot == NDO(ndo_features_check))	/* (skb, dev, features) */
		return a[2];
	if (slot == NDO(ndo_fix_features))	/* (dev, features) */
		return a[1];
	return ret;
}

long nooks_net_xmit(struct nooks_domain *d, const void *fn, unsigned long skb,
		    unsigned long dev);

static long ops_call(int fam, int slot, unsigned long a0, unsigned long a1,
		     unsigned long a2, unsigned long a3, unsigned long a4,
		     unsigned long a5)
{
	unsigned long a[6] = { a0, a1, a2, a3, a4, a5 };
	struct nooks_ops_shadow *s = nooks_ops_of(locate(fam, slot, a));
	const void *fn;

	if (WARN_ON_ONCE(!s))
		return -EIO;
	fn = ((const void *const *)s->orig)[slot];
	if (fam == NOOKS_OPS_NETDEV &&
	    slot == offsetof(struct net_device_ops, ndo_start_xmit) / 8)
		return nooks_net_xmit(s->d, fn, a0, a1);
	return fail_value(fam, slot, a,
			  nooks_xpc6(s->d, fn, a0, a1, a2, a3, a4, a5));
}

/* One stub per (family, slot): no closures in C.  Slot = 8 * h + l. */
#define STUB(f, h, l)							\
	static long stub_##f##_##h##_##l(unsigned long a0, unsigned long a1, \
					 unsigned long a2, unsigned long a3, \
					 unsigned long a4, unsigned long a5) \
	{ return ops_call(f, 8 * h + l, a0, a1, a2, a3, a4, a5); }
#define STUB8(f, h) STUB(f, h, 0) STUB(f, h, 1) STUB(f, h, 2) STUB(f, h, 3) \
	STUB(f, h, 4) STUB(f, h, 5) STUB(f, h, 6) STUB(f, h, 7)
#define STUBS(f) STUB8(f, 0) STUB8(f, 1) STUB8(f, 2) STUB8(f, 3)	\
	STUB8(f, 4) STUB8(f, 5) STUB8(f, 6) STUB8(f, 7) STUB8(f, 8)	\
	STUB8(f, 9) STUB8(f, 10) STUB8(f, 11) STUB8(f, 12) STUB8(f, 13)	\
	STUB8(f, 14) STUB8(f, 15)
#define REF(f, h, l) stub_##f##_##h##_##l,
#define REF8(f, h) REF(f, h, 0) REF(f, h, 1) REF(f, h, 2) REF(f, h, 3)	\
	REF(f, h, 4) REF(f, h, 5) REF(f, h, 6) REF(f, h, 7)
#define REFS(f) { REF8(f, 0) REF8(f, 1) REF8(f, 2) REF8(f, 3) REF8(f, 4) \
	REF8(f, 5) REF8(f, 6) REF8(f, 7) REF8(f, 8) REF8(f, 9) REF8(f, 10) \
	REF8(f, 11) REF8(f, 12) REF8(f, 13) REF8(f, 14) REF8(f, 15) }
STUBS(0) STUBS(1) STUBS(2) STUBS(3)
typedef long (*stub_t)(unsigned long, unsigned long, unsigned long,
		       unsigned long, unsigned long, unsigned long);
static const stub_t stub_tab[NOOKS_OPS_NR][NSLOTS] = {
	REFS(0), REFS(1), REFS(2), REFS(3),
};

/**
 * nooks_ops_shadow() - the table the kernel should see instead of @orig
 * @d: domain that owns @orig
 * @fam: NOOKS_OPS_* (how a stub finds its table)
 * @orig: the extension's table
 * @size: sizeof the table type
 *
 * Context: process.
 * Return: the shadow (cached), @orig if it holds no domain code, or NULL
 * if out of memory or the table has more slots than stubs.
 */
const void *nooks_ops_shadow(struct nooks_domain *d, int fam, const void *orig,
			     size_t size)
{
	const unsigned long *o = orig;
	struct nooks_ops_shadow *s;
	size_t i, n = size / sizeof(long);
	bool any = false;

	BUILD_BUG_ON(sizeof(struct net_device_ops) > NSLOTS * sizeof(long));
	BUILD_BUG_ON(sizeof(struct ethtool_ops) > NSLOTS * sizeof(long));
	if (!orig || nooks_ops_of(orig))
		return orig;
	if (n > NSLOTS) {
		pr_err("nooks: ops table of %zu slots > %d stubs\n", n, NSLOTS);
		return NULL;
	}
	mutex_lock(&shadows_lock);
	list_for_each_entry(s, &shadows, node)
		if (s->d == d && s->fam == fam && s->orig == orig)
			goto out;
	s = kzalloc(sizeof(*s) + n * sizeof(long), GFP_KERNEL);
	if (!s)
		goto out;
	s->d = d;
	s->orig = orig;
	s->size = size;
	s->fam = fam;
	s->magic = OPS_MAGIC;
	for (i = 0; i < n; i++) {
		if (nooks_runs_in(d, o[i])) {
			s->table[i] = (unsigned long)stub_tab[fam][i];
			any = true;
		} else {
			s->table[i] = o[i];
		}
	}
	if (!any) {
		kfree(s);
		mutex_unlock(&shadows_lock);
		return orig;
	}
	list_add(&s->node, &shadows);
out:
	mutex_unlock(&shadows_lock);
	return s ? (const void *)s->table : NULL;
}

/* Recovery (after the devices using them are gone) or detach. */
void nooks_ops_free_domain(struct nooks_domain *d)
{
	struct nooks_ops_shadow *s, *t;

	mutex_lock(&shadows_lock);
	list_for_each_entry_safe(s, t, &shadows, node) {
		if (s->d == d) {
			list_del(&s->node);
			s->magic = 0;
			kfree(s);
		}
	}
	mutex_unlock(&shadows_lock);
}
