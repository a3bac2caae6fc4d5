/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nooks_wrappers.h - what the generated wrappers need: the kernel
 * declarations of every wrapped function, and the NIM's wrapper entry
 * points and object types.
 */
#ifndef NOOKS_WRAPPERS_H
#define NOOKS_WRAPPERS_H

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/interrupt.h>
#include <linux/crc32.h>
#include <linux/mii.h>
#include <linux/net.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/skbuff.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/gro.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timer.h>
#include "nooks.h"
#include "nooks_pd.h"
#include "nooks_closure.h"

void nooks_pass_check(unsigned long *ret_slot);

/* modpass thunks (wrappers/gen.py; nooks_modpass.c): a function another
 * stock module exports, resolved at first use */
struct nooks_modpass {
	void *fn;		/* resolved target (holds a module reference) */
	const char *sym;
	const char *mod;
};
extern struct nooks_modpass *const nooks_modpass_table[];	/* generated */
void *nooks_modpass_target(unsigned long ret_ip, struct nooks_modpass *mp);
/* The bodies of custom wrappers whose function kmod/swifi wraps (their swifi_w_ twins). */
struct net_device *nooks_wc_alloc_etherdev_mqs(unsigned long ret_ip,
					       typeof(&alloc_etherdev_mqs) fn,
					       int sizeof_priv, unsigned int txqs,
					       unsigned int rxqs);
void nooks_wc_free_netdev(unsigned long ret_ip, typeof(&free_netdev) fn, struct net_device *dev);
void *nooks_wc_dma_alloc_attrs(unsigned long ret_ip, typeof(&dma_alloc_attrs) fn,
			       struct device *dev, size_t size, dma_addr_t *dma_handle,
			       gfp_t flag, unsigned long attrs);
void nooks_wc_dma_free_attrs(unsigned long ret_ip, typeof(&dma_free_attrs) fn,
			     struct device *dev, size_t size, void *cpu_addr,
			     dma_addr_t dma_handle, unsigned long attrs);
/* The target of @mp (a swifi_w_ twin's slot), or @fallback when its module is not loaded. */
void *nooks_swifi_fn(struct nooks_modpass *mp, void *fallback);
void nooks_modpass_release(void);

/* object types named by the .def files (nooks_track.c, nooks_pci.c,
 * nooks_net.c) */
extern const struct nooks_obj_type nooks_obj_vmem;
extern const struct nooks_obj_type nooks_obj_pci_enabled;
extern const struct nooks_obj_type nooks_obj_pci_msi;
extern const struct nooks_obj_type nooks_obj_iomem;
extern const struct nooks_obj_type nooks_obj_pci_iomap;
extern const struct nooks_obj_type nooks_obj_skb;
extern const struct nooks_obj_type nooks_obj_sock;	/* nooks_sock.c */
extern const struct nooks_obj_type nooks_obj_file;

static inline bool nooks_owns(struct nooks_domain *d,
			      const struct nooks_obj_type *t, const void *p)
{
	struct nooks_obj *o = nooks_find(t, p);

	return o && o->dom == d;
}

/* Stage 2: give the domain write access to [p, p+size) (nooks_pd.c). */
static inline void nooks_grant(struct nooks_domain *d, const void *p, size_t size)
{
	nooks_pd_grant(d, p, size);
}

/* Stage 2: bytes of a pci_iomap() mapping the CPU writes (MMIO BARs only;
 * a port-I/O cookie is not memory). */
static inline unsigned long nooks_iomap_len(struct pci_dev *dev, int bar,
					    unsigned long maxlen)
{
	unsigned long len = pci_resource_len(dev, bar);

	if (!(pci_resource_flags(dev, bar) & IORESOURCE_MEM))
		return 0;
	return maxlen && maxlen < len ? maxlen : len;
}

#endif
