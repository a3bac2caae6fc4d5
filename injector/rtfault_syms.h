/*
 * rtfault_syms.h - the kernel functions runtime faults are injected into,
 * as an X-macro table (no include guard: include it after defining the
 * three macros).  kmod/swifi expands it into its exported pass-through
 * wrappers swifi_w_<sym> (the prototypes must match the pinned kernel's);
 * the host injector expands it into the list of candidate imports.
 *
 *   RT_ALLOC(sym, ret_t, (params), (args), free_stmt)
 *       an allocator; free_stmt frees its result `ret` (premature free)
 *   RT_FREE(sym, (params), (args))
 *       a function releasing an object (leak: the call is skipped)
 *   RT_COPY(sym, ret_t, (params), (args), len)
 *       a copy whose length parameter `len` a bcopy fault increases
 *
 * Chosen from what the lab's extensions import (e1000, pcnet32, fat,
 * vfat, khttpd: `nooks inject --sites --fault alloc,free,leak,bcopy`).
 * Declared here once; never repeat an entry by hand elsewhere.
 */
RT_ALLOC(__kmalloc, void *, (size_t size, gfp_t flags), (size, flags), kfree(ret))
RT_ALLOC(kmalloc_trace, void *, (struct kmem_cache *s, gfp_t flags, size_t size),
	 (s, flags, size), kfree(ret))
RT_ALLOC(kmalloc_large, void *, (size_t size, gfp_t flags), (size, flags), kfree(ret))
RT_ALLOC(kmem_cache_alloc, void *, (struct kmem_cache *s, gfp_t flags), (s, flags),
	 kmem_cache_free(s, ret))
RT_ALLOC(kmem_cache_alloc_lru, void *, (struct kmem_cache *s, struct list_lru *lru, gfp_t flags),
	 (s, lru, flags), kmem_cache_free(s, ret))
RT_ALLOC(vzalloc, void *, (unsigned long size), (size), vfree(ret))
RT_ALLOC(vmalloc, void *, (unsigned long size), (size), vfree(ret))
RT_ALLOC(alloc_pages, struct page *, (gfp_t gfp, unsigned int order), (gfp, order),
	 __free_pages(ret, order))
RT_ALLOC(__alloc_skb, struct sk_buff *, (unsigned int size, gfp_t gfp, int flags, int node),
	 (size, gfp, flags, node), kfree_skb(ret))
RT_ALLOC(__netdev_alloc_skb, struct sk_buff *,
	 (struct net_device *dev, unsigned int len, gfp_t gfp), (dev, len, gfp), kfree_skb(ret))
RT_ALLOC(__napi_alloc_skb, struct sk_buff *,
	 (struct napi_struct *napi, unsigned int len, gfp_t gfp), (napi, len, gfp), kfree_skb(ret))
RT_ALLOC(__netdev_alloc_frag_align, void *, (unsigned int fragsz, unsigned int align_mask),
	 (fragsz, align_mask), page_frag_free(ret))
RT_ALLOC(alloc_etherdev_mqs, struct net_device *,
	 (int sizeof_priv, unsigned int txqs, unsigned int rxqs), (sizeof_priv, txqs, rxqs),
	 free_netdev(ret))
RT_ALLOC(dma_alloc_attrs, void *,
	 (struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp, unsigned long attrs),
	 (dev, size, handle, gfp, attrs), dma_free_attrs(dev, size, ret, *handle, attrs))
RT_ALLOC(match_strdup, char *, (const substring_t *s), (s), kfree(ret))
RT_ALLOC(kmemdup, void *, (const void *src, size_t len, gfp_t gfp), (src, len, gfp), kfree(ret))
RT_ALLOC(kstrdup, char *, (const char *s, gfp_t gfp), (s, gfp), kfree(ret))

RT_FREE(kfree, (const void *p), (p))
RT_FREE(kvfree, (const void *p), (p))
RT_FREE(vfree, (const void *p), (p))
RT_FREE(kmem_cache_free, (struct kmem_cache *s, void *p), (s, p))
RT_FREE(consume_skb, (struct sk_buff *skb), (skb))
RT_FREE(kfree_skb_reason, (struct sk_buff *skb, enum skb_drop_reason reason), (skb, reason))
RT_FREE(__dev_kfree_skb_any, (struct sk_buff *skb, enum skb_free_reason reason), (skb, reason))
RT_FREE(napi_consume_skb, (struct sk_buff *skb, int budget), (skb, budget))
RT_FREE(dma_free_attrs,
	(struct device *dev, size_t size, void *cpu, dma_addr_t handle, unsigned long attrs),
	(dev, size, cpu, handle, attrs))
RT_FREE(free_netdev, (struct net_device *dev), (dev))
RT_FREE(page_frag_free, (void *addr), (addr))
RT_FREE(__free_pages, (struct page *page, unsigned int order), (page, order))

RT_COPY(memcpy, void *, (void *dst, const void *src, size_t len), (dst, src, len), len)
RT_COPY(memmove, void *, (void *dst, const void *src, size_t len), (dst, src, len), len)
RT_COPY(skb_put, void *, (struct sk_buff *skb, unsigned int len), (skb, len), len)
RT_COPY(skb_copy_bits, int, (const struct sk_buff *skb, int offset, void *to, int len),
	(skb, offset, to, len), len)
RT_COPY(_copy_from_user, unsigned long, (void *to, const void __user *from, unsigned long len),
	(to, from, len), len)
RT_COPY(_copy_to_user, unsigned long, (void __user *to, const void *from, unsigned long len),
	(to, from, len), len)
