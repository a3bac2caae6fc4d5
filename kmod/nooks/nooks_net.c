// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_net.c - network devices of an isolated extension: net_device
 * allocation and registration (with shadow net_device_ops/ethtool_ops),
 * NAPI instances (shadow poll), socket buffers the domain holds, and the
 * transmit shadow.
 *
 * skb ownership: an skb is the domain's from its allocation (or from
 * ndo_start_xmit accepting it) until the domain frees it or hands it to
 * the stack (napi_gro_receive, netif_receive_skb); at recovery the skbs it
 * still holds (transmit and receive rings) are freed, after the device has
 * stopped DMA.
 *
 * Announcement after recovery: a netdev that the recovery's re-run init
 * registers is announced to the link's peers (gratuitous ARP, unsolicited
 * neighbour advertisement: __netdev_notify_peers()) the first time it is
 * up with a carrier.  The outage of a recovery (fault, re-probe, link
 * negotiation) outlasts a peer's neighbour resolution (3 probes, 1 s
 * apart): a peer that had to resolve our address meanwhile marks it
 * FAILED and drops what it queued for us, and the re-probed device comes
 * back silently, so it would go on dropping until its own next retry.
 *
 * Must never: call extension code except through nooks_xpc(); free an skb
 * the kernel owns.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include "nooks_wrappers.h"

/* ---- skbs ------------------------------------------------------------- */

static void skb_release(struct nooks_obj *o)
{
	dev_kfree_skb_any(o->ptr);
}

/* Stage 2: the domain writes the skb and its linear buffer + shared info
 * (headers for TSO/checksum offload, skb_put/reserve fields). */
static void skb_grant(struct nooks_domain *d, void *ptr)
{
	struct sk_buff *skb = ptr;

	nooks_pd_grant_key(d, skb, skb, sizeof(*skb));
	nooks_pd_grant_key(d, skb, skb->head,
			   skb_end_offset(skb) + sizeof(struct skb_shared_info));
}

const struct nooks_obj_type nooks_obj_skb = {
	.name = "skb",
	.release = skb_release,
	.granted = true,
	.grant = skb_grant,
};

/*
 * Functions that may reallocate an skb's head (pskb_expand_head and
 * callers): the grant follows the new buffer.
 */
static void skb_regrant(struct nooks_domain *d, struct sk_buff *skb)
{
	if (d && nooks_owns(d, &nooks_obj_skb, skb)) {
		nooks_pd_revoke(d, skb);
		skb_grant(d, skb);
	}
}

int nooks_w_pskb_expand_head(struct sk_buff *skb, int nhead, int ntail, gfp_t gfp)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	int ret = pskb_expand_head(skb, nhead, ntail, gfp);

	skb_regrant(d, skb);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_pskb_expand_head);

void *nooks_w___pskb_pull_tail(struct sk_buff *skb, int delta)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	void *ret = __pskb_pull_tail(skb, delta);

	skb_regrant(d, skb);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w___pskb_pull_tail);

int nooks_w____pskb_trim(struct sk_buff *skb, unsigned int len)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	int ret = ___pskb_trim(skb, len);

	skb_regrant(d, skb);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w____pskb_trim);

/*
 * ndo_start_xmit (called by the ops shadow): the skb becomes the domain's.
 * Not when @fn is library code (8390.ko's ei_start_xmit for ne2k-pci): the
 * library frees the skb itself, by direct calls no wrapper sees, so a
 * tracked skb would be freed twice at recovery; one lost in a fault leaks.
 */
long nooks_net_xmit(struct nooks_domain *d, const void *fn, unsigned long skb,
		    unsigned long dev)
{
	bool own = nooks_domain_by_ip((unsigned long)fn) == d;
	long ret;

	if (!nooks_domain_runnable(d) ||
	    (own && !nooks_track(d, &nooks_obj_skb, (void *)skb, NULL, GFP_ATOMIC))) {
		dev_kfree_skb_any((struct sk_buff *)skb);	/* dropped */
		return NETDEV_TX_OK;
	}
	ret = nooks_xpc(d, fn, skb, dev, 0, 0);
	if (own && (int)ret == NETDEV_TX_BUSY)
		nooks_untrack(d, &nooks_obj_skb, (void *)skb);	/* kernel keeps it */
	else if (ret < 0)
		ret = NETDEV_TX_OK;	/* the domain failed: freed at recovery */
	return ret;
}

/* ---- net_device: key dev, aux[0] = sizeof_priv ------------------------ */

static void netdev_release(struct nooks_obj *o)
{
	free_netdev(o->ptr);
}

static const struct nooks_obj_type nooks_obj_netdev = {
	.name = "netdev",
	.release = netdev_release,
	.granted = true,
};

/* Stage 2: the device, its private area and its queues (inline
 * netif_stop_queue() and BQL accounting write the netdev_queue). */
static void netdev_grant(struct nooks_domain *d, struct net_device *dev,
			 int sizeof_priv)
{
	nooks_pd_grant(d, dev, ALIGN(sizeof(*dev), NETDEV_ALIGN) + sizeof_priv);
	nooks_pd_grant_key(d, dev, dev->_tx,
			   dev->num_tx_queues * sizeof(struct netdev_queue));
	nooks_pd_grant_key(d, dev, dev->_rx,
			   dev->num_rx_queues * sizeof(struct netdev_rx_queue));
}

/* ---- registered net_device: key dev, aux[0] = announce pending ------- */

static void netdev_reg_release(struct nooks_obj *o)
{
	unregister_netdev(o->ptr);	/* ndo_stop & co. fail fast */
}

static const struct nooks_obj_type nooks_obj_netdev_reg = {
	.name = "netdev_reg",
	.release = netdev_reg_release,
};

/*
 * A device registered by a recovery comes up: tell its peers once (see the
 * head comment).  Runs under rtnl; NETDEV_CHANGE comes from linkwatch once
 * the carrier is on and the qdisc attached, so the announcement goes out.
 */
static int nooks_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nooks_domain *d;

	if (event != NETDEV_UP && event != NETDEV_CHANGE)
		return NOTIFY_DONE;
	if (!netif_running(dev) || !netif_carrier_ok(dev))
		return NOTIFY_DONE;
	if (!nooks_take_aux(&nooks_obj_netdev_reg, dev, 0, &d))
		return NOTIFY_DONE;
	pr_info("nooks: detail domain=%s announce=%s\n", d->name, dev->name);
	__netdev_notify_peers(dev);
	return NOTIFY_DONE;
}

static struct notifier_block nooks_netdev_nb = {
	.notifier_call = nooks_netdev_event,
};

int nooks_net_init(void)
{
	return register_netdevice_notifier(&nooks_netdev_nb);
}

void nooks_net_exit(void)
{
	unregister_netdevice_notifier(&nooks_netdev_nb);
}

/* alloc_etherdev_mqs through fn (itself, or swifi's wrapper: gen.py --swifi) */
struct net_device *nooks_wc_alloc_etherdev_mqs(unsigned long ret_ip,
					       typeof(&alloc_etherdev_mqs) fn,
					       int sizeof_priv, unsigned int txqs,
					       unsigned int rxqs)
{
	struct nooks_domain *d = nooks_wrap_enter(ret_ip);
	struct net_device *dev = fn(sizeof_priv, txqs, rxqs);
	struct nooks_obj *o;

	if (d && dev) {
		o = nooks_track(d, &nooks_obj_netdev, dev, NULL, GFP_KERNEL);
		if (o) {
			o->aux[0] = sizeof_priv;
			netdev_grant(d, dev, sizeof_priv);
		} else {
			free_netdev(dev);
			dev = NULL;
		}
	}
	nooks_wrap_leave(d);
	return dev;
}

struct net_device *nooks_w_alloc_etherdev_mqs(int sizeof_priv, unsigned int txqs,
					      unsigned int rxqs)
{
	return nooks_wc_alloc_etherdev_mqs(_RET_IP_, alloc_etherdev_mqs, sizeof_priv, txqs, rxqs);
}
EXPORT_SYMBOL_GPL(nooks_w_alloc_etherdev_mqs);

/* free_netdev through fn (itself, or swifi's wrapper: gen.py --swifi) */
void nooks_wc_free_netdev(unsigned long ret_ip, typeof(&free_netdev) fn, struct net_device *dev)
{
	struct nooks_domain *d = nooks_wrap_enter(ret_ip);
	struct nooks_obj *o;

	if (d) {
		o = nooks_find(&nooks_obj_netdev, dev);
		if (!o || o->dom != d) {
			nooks_wrap_violation(d, "free_netdev: device not owned", dev, ret_ip);
			return;
		}
		/* NAPI, work and timers inside the device die with it */
		nooks_forget_range(d, dev, (char *)netdev_priv(dev) +
				   o->aux[0] - (char *)dev);
		nooks_untrack(d, &nooks_obj_netdev, dev);
	}
	fn(dev);
	nooks_wrap_leave(d);
}

void nooks_w_free_netdev(struct net_device *dev)
{
	nooks_wc_free_netdev(_RET_IP_, free_netdev, dev);
}
EXPORT_SYMBOL_GPL(nooks_w_free_netdev);

int nooks_w_register_netdev(struct net_device *dev)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	const struct net_device_ops *nops = dev->netdev_ops;
	const struct ethtool_ops *eops = dev->ethtool_ops;
	struct nooks_obj *o;
	int ret;

	if (!d)
		return register_netdev(dev);
	dev->netdev_ops = nooks_ops_shadow(d, NOOKS_OPS_NETDEV, nops, sizeof(*nops));
	dev->ethtool_ops = nooks_ops_shadow(d, NOOKS_OPS_ETHTOOL, eops, sizeof(*eops));
	ret = -ENOMEM;
	if ((nops && !dev->netdev_ops) || (eops && !dev->ethtool_ops))
		goto err;
	o = nooks_track(d, &nooks_obj_netdev_reg, dev, NULL, GFP_KERNEL);
	if (!o)
		goto err;
	/* registered by a recovery's re-run init: announce it when it is up */
	o->aux[0] = READ_ONCE(d->state) == NOOKS_RECOVERING;
	ret = register_netdev(dev);
	if (!ret)
		goto out;
	nooks_untrack(d, &nooks_obj_netdev_reg, dev);
err:
	dev->netdev_ops = nops;
	dev->ethtool_ops = eops;
out:
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_register_netdev);

void nooks_w_unregister_netdev(struct net_device *dev)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	if (d && !nooks_owns(d, &nooks_obj_netdev_reg, dev)) {
		nooks_wrap_violation(d, "unregister_netdev: device not registered by it",
				     dev, _RET_IP_);
		return;
	}
	unregister_netdev(dev);
	if (d)
		nooks_untrack(d, &nooks_obj_netdev_reg, dev);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_unregister_netdev);

/* ---- NAPI: key napi, fn = poll, aux[0] = enabled ---------------------- */

static void napi_stop(struct nooks_obj *o)
{
	if (o->aux[0]) {
		napi_disable(o->ptr);	/* the poll shadow completes it */
		o->aux[0] = 0;
	}
}

static void napi_release(struct nooks_obj *o)
{
	netif_napi_del(o->ptr);
}

static const struct nooks_obj_type nooks_obj_napi = {
	.name = "napi",
	.stop = napi_stop,
	.release = napi_release,
	.embedded = true,
};

static int nooks_napi_shadow(struct napi_struct *napi, int budget)
{
	struct nooks_obj *o = nooks_find(&nooks_obj_napi, napi);
	long ret;

	if (!o)
		return 0;
	ret = nooks_xpc(o->dom, o->fn, (unsigned long)napi, budget, 0, 0);
	if (ret < 0) {
		/* failed (or failing fast): finish this poll so that NAPI
		 * is not left scheduled and napi_disable() can complete */
		if (test_bit(NAPI_STATE_SCHED, &napi->state))
			napi_complete_done(napi, 0);
		return 0;
	}
	return ret;
}

void nooks_w_netif_napi_add_weight(struct net_device *dev,
				   struct napi_struct *napi,
				   int (*poll)(struct napi_struct *, int),
				   int weight)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	struct nooks_obj *o;

	if (d && nooks_runs_in(d, (unsigned long)poll)) {
		o = nooks_track(d, &nooks_obj_napi, napi, poll, GFP_KERNEL);
		if (!o) {
			nooks_wrap_violation(d, "netif_napi_add: no memory", napi,
					     _RET_IP_);
			return;
		}
		o->aux[0] = 0;
		poll = nooks_napi_shadow;
	}
	netif_napi_add_weight(dev, napi, poll, weight);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_netif_napi_add_weight);

static void napi_mark(struct napi_struct *n, unsigned long enabled)
{
	struct nooks_obj *o = nooks_find(&nooks_obj_napi, n);

	if (o)
		WRITE_ONCE(o->aux[0], enabled);
}

void nooks_w_napi_enable(struct napi_struct *n)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	napi_enable(n);
	napi_mark(n, 1);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_napi_enable);

void nooks_w_napi_disable(struct napi_struct *n)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);

	napi_disable(n);
	napi_mark(n, 0);
	nooks_wrap_leave(d);
}
EXPORT_SYMBOL_GPL(nooks_w_napi_disable);
