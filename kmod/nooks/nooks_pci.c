// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_pci.c - PCI drivers, device resources, DMA and interrupt lines of
 * an isolated extension: the kernel wrappers that track them, the shadows
 * the kernel calls instead of the extension, and the object types that
 * release them at recovery.
 *
 * pci_driver: the kernel registers a copy whose probe/remove/shutdown XPC
 * into the extension and whose err_handler and driver.pm are shadow ops
 * tables (nooks_ops.c).  Releasing it (pci_unregister_driver) unbinds the
 * device; re-running the extension's init registers a fresh copy and the
 * device is probed again.
 *
 * Recovery order: quiesce (at the fault) disables the IRQ lines; stop
 * turns bus mastering and INTx off for every enabled device and resets it
 * if it has a reset method, so no DMA or interrupt races the releases;
 * then objects are released newest first (IRQs, MSI vectors, DMA, netdevs, mappings,
 * regions, the device, the driver).  Bus mastering off only pauses a
 * device that was not reset: it keeps its ring addresses and resumes DMA
 * into them when the re-run probe turns bus mastering on again, so the
 * coherent buffers of such a device are quarantined, never freed.
 *
 * Must never: call extension code except through nooks_xpc().
 */
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include "nooks_wrappers.h"

/* ---- enabled devices: key pdev, aux[0] = reset at the last stop ------- */

static void pci_enabled_stop(struct nooks_obj *o)
{
	struct pci_dev *pdev = o->ptr;

	pci_clear_master(pdev);
	pci_intx(pdev, 0);
	/*
	 * Make the device forget its DMA state (FLR, PM or bus reset; the
	 * saved config space is restored with bus mastering still off).
	 * -ENOTTY when it has no reset method (QEMU's e1000 and pcnet),
	 * -EAGAIN rather than waiting for a device lock someone holds.
	 */
	o->aux[0] = !pci_try_reset_function(pdev);
}

static void pci_enabled_release(struct nooks_obj *o)
{
	pci_disable_device(o->ptr);
}

const struct nooks_obj_type nooks_obj_pci_enabled = {
	.name = "pci_enabled",
	.stop = pci_enabled_stop,
	.release = pci_enabled_release,
};

/* ---- simple resources (generated wrappers use these types) ------------ */

static void iomem_release(struct nooks_obj *o)
{
	iounmap((void __iomem *)o->ptr);
}

const struct nooks_obj_type nooks_obj_iomem = {
	.name = "iomem",
	.release = iomem_release,
	.granted = true,
};

/* lib/iomap.c: pci_iounmap() decides by the address; dev is unused */
static void pci_iomap_release(struct nooks_obj *o)
{
	pci_iounmap(NULL, (void __iomem *)o->ptr);
}

const struct nooks_obj_type nooks_obj_pci_iomap = {
	.name = "pci_iomap",
	.release = pci_iomap_release,
	.granted = true,
};

/* ---- I/O regions: key pdev, aux[0] = bars (-1: all) ------------------- */

static void regions_release(struct nooks_obj *o)
{
	if ((long)o->aux[0] == -1)
		pci_release_regions(o->ptr);
	else
		pci_release_selected_regions(o->ptr, o->aux[0]);
}

static const struct nooks_obj_type nooks_obj_regions = {
	.name = "regions",
	.release = regions_release,
};

/* @ret: the kernel's answer to a request of @bars (-1: all) for @pdev;
 * on success the regions become the domain's, or are given back. */
static int track_regions(struct nooks_domain *d, struct pci_dev *pdev,
			 long bars, int ret)
{
	struct nooks_obj *o;

	if (!d || ret)
		return ret;
	o = nooks_track(d, &nooks_obj_regions, pdev, NULL, GFP_KERNEL);
	if (o) {
		o->aux[0] = bars;
		return 0;
	}
	if (bars == -1)
		pci_release_regions(pdev);
	else
		pci_release_selected_regions(pdev, bars);
	return -ENOMEM;
}

#define NOOKS_W_REQUEST_REGIONS(fn, bars, params, args)			\
int nooks_w_##fn params							\
{									\
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);		\
	int ret = track_regions(d, pdev, bars, fn args);		\
									\
	nooks_wrap_leave(d);						\
	return ret;							\
}									\
EXPORT_SYMBOL_GPL(nooks_w_##fn)

/* exclusive or not, a region is given back by pci_release_*regions() */
NOOKS_W_REQUEST_REGIONS(pci_request_selected_regions, bars,
			(struct pci_dev *pdev, int bars, const char *name),
			(pdev, bars, name));
NOOKS_W_REQUEST_REGIONS(pci_request_selected_regions_exclusive, bars,
			(struct pci_dev *pdev, int bars, const char *name),
			(pdev, bars, name));
NOOKS_W_REQUEST_REGIONS(pci_request_regions, -1,
			(struct pci_dev *pdev, const char *name), (pdev, name));
NOOKS_W_REQUEST_REGIONS(pci_request_regions_exclusive, -1,
			(struct pci_dev *pdev, const char *name), (pdev, name));

void nooks_w_pci_release_selected_regions(struct pci_dev *pdev, int bars)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	pci_release_selected_regions(pdev, bars);
	if (d)
		nooks_untrack(d, &nooks_obj_regions, pdev);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_pci_release_selected_regions);

void nooks_w_pci_release_regions(struct pci_dev *pdev)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	pci_release_regions(pdev);
	if (d)
		nooks_untrack(d, &nooks_obj_regions, pdev);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_pci_release_regions);

/* ---- DMA: coherent buffers (key cpu address) and streaming mappings
 * (key dma address); aux = device, size, handle / direction ------------ */

static unsigned long nooks_dma_quarantined;
module_param_named(dma_quarantined, nooks_dma_quarantined, ulong, 0444);
MODULE_PARM_DESC(dma_quarantined,
		 "bytes of coherent DMA memory kept at recovery (device not reset)");

/* Was @dev reset by pci_enabled_stop() of this recovery? */
static bool dma_stopped(struct device *dev)
{
	struct nooks_obj *o;

	if (!dev_is_pci(dev))
		return false;
	o = nooks_find(&nooks_obj_pci_enabled, to_pci_dev(dev));
	return o && o->aux[0];
}

/*
 * A device that was not reset still holds the bus addresses of its rings
 * (descriptor base registers, receive enabled).  Freeing them would let it
 * write into reused memory as soon as a driver sets bus mastering again:
 * e1000_probe() calls pci_set_master() well before e1000_reset_hw(), and
 * QEMU's e1000 then flushes the packets it queued meanwhile into the old
 * receive ring (descriptor write-backs seen in freed, poisoned pages).  So
 * such buffers are quarantined: kept allocated and forgotten.  The receive
 * buffers the descriptors point to are untracked fragments, never freed.
 */
static void coherent_release(struct nooks_obj *o)
{
	struct device *dev = (struct device *)o->aux[0];

	if (!dma_stopped(dev)) {
		nooks_dma_quarantined += o->aux[1];
		pr_info("nooks: detail domain=%s dma_quarantine=%lu dev=%s reason=no_reset\n",
			o->dom->name, o->aux[1], dev_name(dev));
		return;
	}
	dma_free_attrs(dev, o->aux[1], o->ptr, (dma_addr_t)o->aux[2], 0);
}

static const struct nooks_obj_type nooks_obj_coherent = {
	.name = "dma_coherent",
	.release = coherent_release,
	.granted = true,	/* descriptor rings the driver writes */
};

/* dma_alloc_attrs through fn (itself, or swifi's wrapper: gen.py --swifi) */
void *nooks_wc_dma_alloc_attrs(unsigned long ret_ip, typeof(&dma_alloc_attrs) fn,
			       struct device *dev, size_t size, dma_addr_t *dma_handle,
			       gfp_t flag, unsigned long attrs)
{
	struct nooks_domain *d = nooks_wrap_enter(ret_ip);
	void *p = fn(dev, size, dma_handle, flag, attrs);
	struct nooks_obj *o;

	if (d && p) {
		o = nooks_track(d, &nooks_obj_coherent, p, NULL, GFP_KERNEL);
		if (!o) {
			dma_free_attrs(dev, size, p, *dma_handle, attrs);
			p = NULL;
		} else {
			o->aux[0] = (unsigned long)dev;
			o->aux[1] = size;
			o->aux[2] = *dma_handle;
			nooks_pd_grant(d, p, size);
		}
	}
	nooks_wrap_leave(d);
	return p;
}

void *nooks_w_dma_alloc_attrs(struct device *dev, size_t size,
			      dma_addr_t *dma_handle, gfp_t flag,
			      unsigned long attrs)
{
	return nooks_wc_dma_alloc_attrs(_RET_IP_, dma_alloc_attrs, dev, size, dma_handle, flag,
					attrs);
}
EXPORT_SYMBOL_GPL(nooks_w_dma_alloc_attrs);

/* dma_free_attrs through fn (itself, or swifi's wrapper: gen.py --swifi) */
void nooks_wc_dma_free_attrs(unsigned long ret_ip, typeof(&dma_free_attrs) fn,
			     struct device *dev, size_t size, void *cpu_addr,
			     dma_addr_t dma_handle, unsigned long attrs)
{
	struct nooks_domain *d = nooks_wrap_enter(ret_ip);

	if (d && cpu_addr && !nooks_owns(d, &nooks_obj_coherent, cpu_addr)) {
		nooks_wrap_violation(d, "dma_free_attrs: buffer not owned", cpu_addr, ret_ip);
		return;
	}
	fn(dev, size, cpu_addr, dma_handle, attrs);
	if (d && cpu_addr)
		nooks_untrack(d, &nooks_obj_coherent, cpu_addr);
	nooks_wrap_leave(d);
}

void nooks_w_dma_free_attrs(struct device *dev, size_t size, void *cpu_addr,
			    dma_addr_t dma_handle, unsigned long attrs)
{
	nooks_wc_dma_free_attrs(_RET_IP_, dma_free_attrs, dev, size, cpu_addr, dma_handle, attrs);
}
EXPORT_SYMBOL_GPL(nooks_w_dma_free_attrs);

static void mapping_release(struct nooks_obj *o)
{
	dma_unmap_page_attrs((struct device *)o->aux[0], (dma_addr_t)o->ptr,
			     o->aux[1], o->aux[2], 0);
}

static const struct nooks_obj_type nooks_obj_mapping = {
	.name = "dma_mapping",
	.release = mapping_release,
};

dma_addr_t nooks_w_dma_map_page_attrs(struct device *dev, struct page *page,
				      size_t offset, size_t size,
				      enum dma_data_direction dir,
				      unsigned long attrs)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	dma_addr_t a = dma_map_page_attrs(dev, page, offset, size, dir, attrs);
	struct nooks_obj *o;

	if (d && !dma_mapping_error(dev, a)) {
		o = nooks_track(d, &nooks_obj_mapping, (void *)a, NULL, GFP_ATOMIC);
		if (o) {
			o->aux[0] = (unsigned long)dev;
			o->aux[1] = size;
			o->aux[2] = dir;
		}	/* else: not released at recovery (no IOMMU: harmless) */
	}
	nooks_wrap_leave(d);
	return a;
}
EXPORT_SYMBOL_GPL(nooks_w_dma_map_page_attrs);

void nooks_w_dma_unmap_page_attrs(struct device *dev, dma_addr_t addr,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	dma_unmap_page_attrs(dev, addr, size, dir, attrs);
	if (d)
		nooks_untrack(d, &nooks_obj_mapping, (void *)addr);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_dma_unmap_page_attrs);

/* ---- MSI / MSI-X vectors: key pdev ------------------------------------ */

static void pci_msi_release(struct nooks_obj *o)
{
	pci_free_irq_vectors(o->ptr);	/* MSI-X or MSI, whichever is on */
}

const struct nooks_obj_type nooks_obj_pci_msi = {
	.name = "pci_msi",
	.release = pci_msi_release,
};

/* ---- interrupt lines: key = a struct nooks_irq_line per (irq, dev_id) ---
 *
 * One dev_id may own several lines (MSI-X: e1000e asks for rx, tx and
 * "other" vectors, all with its net_device), so a line is found by both.
 * The list is read by the hardirq shadows; a line leaves it only after
 * free_irq() returned, so no shadow still runs for it. */

struct nooks_irq_line {
	struct list_head node;		/* in nooks_irq_lines */
	struct nooks_domain *d;
	unsigned int irq;
	void *dev_id;
	void *handler;			/* extension code behind the shadows, */
	void *thread_fn;		/* or NULL */
	bool disabled;			/* by quiesce */
};

static LIST_HEAD(nooks_irq_lines);
static DEFINE_SPINLOCK(nooks_irq_lock);

static struct nooks_irq_line *irq_line_find(unsigned int irq, void *dev_id)
{
	struct nooks_irq_line *l;

	list_for_each_entry(l, &nooks_irq_lines, node)
		if (l->irq == irq && l->dev_id == dev_id)
			return l;
	return NULL;
}

static void irq_line_unlink(struct nooks_irq_line *l)
{
	unsigned long flags;

	spin_lock_irqsave(&nooks_irq_lock, flags);
	list_del(&l->node);
	spin_unlock_irqrestore(&nooks_irq_lock, flags);
	kfree(l);
}

static void irq_quiesce(struct nooks_obj *o)
{
	struct nooks_irq_line *l = o->ptr;

	if (!l->disabled) {
		l->disabled = true;
		disable_irq_nosync(l->irq);
	}
}

static void irq_release(struct nooks_obj *o)
{
	struct nooks_irq_line *l = o->ptr;

	/* the device's INTx is off (stop): balance quiesce, then free */
	if (l->disabled)
		enable_irq(l->irq);
	free_irq(l->irq, l->dev_id);
	irq_line_unlink(l);
}

/* clean unload: the extension freed its lines itself; drop what is left */
static void irq_forget(struct nooks_obj *o)
{
	irq_line_unlink(o->ptr);
}

static const struct nooks_obj_type nooks_obj_irq = {
	.name = "irq",
	.quiesce = irq_quiesce,
	.release = irq_release,
	.forget = irq_forget,
};

/* XPC into the line's handler (@thread: its thread_fn) */
static irqreturn_t irq_line_xpc(int irq, void *dev_id, bool thread)
{
	struct nooks_irq_line *l;
	struct nooks_domain *d = NULL;
	void *fn = NULL;
	unsigned long flags;
	long ret;

	spin_lock_irqsave(&nooks_irq_lock, flags);
	l = irq_line_find(irq, dev_id);
	if (l) {
		d = l->d;
		fn = thread ? l->thread_fn : l->handler;
	}
	spin_unlock_irqrestore(&nooks_irq_lock, flags);
	if (!fn)
		return IRQ_NONE;
	ret = nooks_xpc(d, fn, irq, (unsigned long)dev_id, 0, 0);
	return ret < 0 ? IRQ_NONE : (irqreturn_t)ret;
}

static irqreturn_t nooks_irq_shadow(int irq, void *dev_id)
{
	return irq_line_xpc(irq, dev_id, false);
}

static irqreturn_t nooks_irq_thread_shadow(int irq, void *dev_id)
{
	return irq_line_xpc(irq, dev_id, true);
}

int nooks_w_request_threaded_irq(unsigned int irq, irq_handler_t handler,
				 irq_handler_t thread_fn, unsigned long flags,
				 const char *name, void *dev)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct nooks_irq_line *l;
	unsigned long lflags;
	int ret = -ENOMEM;

	if (!d)
		return request_threaded_irq(irq, handler, thread_fn, flags, name, dev);
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		goto out;
	l->d = d;
	l->irq = irq;
	l->dev_id = dev;
	if (handler && nooks_runs_in(d, (unsigned long)handler)) {
		l->handler = handler;
		handler = nooks_irq_shadow;
	}
	if (thread_fn && nooks_runs_in(d, (unsigned long)thread_fn)) {
		l->thread_fn = thread_fn;
		thread_fn = nooks_irq_thread_shadow;
	}
	/* listed and tracked first: a shared line may call the handler at once */
	if (!nooks_track(d, &nooks_obj_irq, l, NULL, GFP_KERNEL)) {
		kfree(l);
		goto out;
	}
	spin_lock_irqsave(&nooks_irq_lock, lflags);
	list_add(&l->node, &nooks_irq_lines);
	spin_unlock_irqrestore(&nooks_irq_lock, lflags);
	ret = request_threaded_irq(irq, handler, thread_fn, flags, name, dev);
	if (ret) {
		nooks_untrack(d, &nooks_obj_irq, l);
		irq_line_unlink(l);
	}
out:
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_request_threaded_irq);

const void *nooks_w_free_irq(unsigned int irq, void *dev_id)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct nooks_irq_line *l = NULL;
	unsigned long flags;
	const void *ret;

	if (d) {
		spin_lock_irqsave(&nooks_irq_lock, flags);
		l = irq_line_find(irq, dev_id);
		if (l && l->d != d)
			l = NULL;
		spin_unlock_irqrestore(&nooks_irq_lock, flags);
		if (!l) {
			nooks_wrap_violation(d, "free_irq: line not owned", dev_id, _RET_IP_);
			return NULL;
		}
	}
	ret = free_irq(irq, dev_id);
	if (l && nooks_untrack(d, &nooks_obj_irq, l))
		irq_line_unlink(l);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_free_irq);

/* ---- pci_driver shadows: key = the extension's pci_driver ------------- */

struct nooks_pci_shadow {
	struct pci_driver drv;		/* what the kernel registered */
	struct pci_driver *orig;
	struct nooks_domain *d;
};

static struct nooks_pci_shadow *pci_shadow(struct pci_dev *pdev)
{
	struct pci_driver *drv = to_pci_driver(pdev->dev.driver);

	return container_of(drv, struct nooks_pci_shadow, drv);
}

/* Stage 2: the driver writes its pci_dev (drvdata) during these calls. */
static long pci_dev_xpc(struct nooks_pci_shadow *s, const void *fn,
			struct pci_dev *pdev, unsigned long a1)
{
	long ret;

	nooks_pd_grant_key(s->d, &ret, pdev, sizeof(*pdev));	/* per call */
	ret = nooks_xpc(s->d, fn, (unsigned long)pdev, a1, 0, 0);
	nooks_pd_revoke(s->d, &ret);
	return ret;
}

static int nooks_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct nooks_pci_shadow *s = pci_shadow(pdev);

	return pci_dev_xpc(s, s->orig->probe, pdev, (unsigned long)id);
}

static void nooks_pci_remove(struct pci_dev *pdev)
{
	struct nooks_pci_shadow *s = pci_shadow(pdev);

	pci_dev_xpc(s, s->orig->remove, pdev, 0);
}

static void nooks_pci_shutdown(struct pci_dev *pdev)
{
	struct nooks_pci_shadow *s = pci_shadow(pdev);

	pci_dev_xpc(s, s->orig->shutdown, pdev, 0);
}

static void pci_driver_release(struct nooks_obj *o)
{
	struct nooks_pci_shadow *s = o->data;

	pci_unregister_driver(&s->drv);	/* remove() fails fast */
	kfree(s);
}

static const struct nooks_obj_type nooks_obj_pci_driver = {
	.name = "pci_driver",
	.release = pci_driver_release,
};

int nooks_w___pci_register_driver(struct pci_driver *drv, struct module *owner,
				  const char *mod_name)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct nooks_pci_shadow *s;
	struct nooks_obj *o;
	int ret = -ENOMEM;

	if (!d)
		return __pci_register_driver(drv, owner, mod_name);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		goto out;
	s->drv = *drv;
	s->orig = drv;
	s->d = d;
	if (drv->probe)
		s->drv.probe = nooks_pci_probe;
	if (drv->remove)
		s->drv.remove = nooks_pci_remove;
	if (drv->shutdown)
		s->drv.shutdown = nooks_pci_shutdown;
	if (drv->suspend || drv->resume || drv->sriov_configure)
		pr_warn("nooks: %s: legacy PCI PM / SR-IOV callbacks not shadowed, dropped\n",
			d->name);
	s->drv.suspend = NULL;
	s->drv.resume = NULL;
	s->drv.sriov_configure = NULL;
	s->drv.err_handler = nooks_ops_shadow(d, NOOKS_OPS_PCI_ERR, drv->err_handler,
					      sizeof(*drv->err_handler));
	s->drv.driver.pm = nooks_ops_shadow(d, NOOKS_OPS_PM, drv->driver.pm,
					    sizeof(*drv->driver.pm));
	if ((drv->err_handler && !s->drv.err_handler) ||
	    (drv->driver.pm && !s->drv.driver.pm))
		goto err_free;
	/* tracked before registering: probe runs inside the registration */
	o = nooks_track(d, &nooks_obj_pci_driver, drv, NULL, GFP_KERNEL);
	if (!o)
		goto err_free;
	o->data = s;
	ret = __pci_register_driver(&s->drv, owner, mod_name);
	if (!ret)
		goto out;
	nooks_untrack(d, &nooks_obj_pci_driver, drv);
err_free:
	kfree(s);
out:
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w___pci_register_driver);

void nooks_w_pci_unregister_driver(struct pci_driver *drv)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct nooks_obj *o;
	struct nooks_pci_shadow *s;

	if (!d) {
		pci_unregister_driver(drv);
		return;
	}
	o = nooks_find(&nooks_obj_pci_driver, drv);
	if (!o || o->dom != d) {
		nooks_wrap_violation(d, "pci_unregister_driver: driver not owned",
				     drv, _RET_IP_);
		return;
	}
	s = o->data;
	pci_unregister_driver(&s->drv);
	nooks_untrack(d, &nooks_obj_pci_driver, drv);
	kfree(s);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_pci_unregister_driver);
