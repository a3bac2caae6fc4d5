/* SPDX-License-Identifier: GPL-2.0 */
/*
 * text_poke.h - writing a live module's read-only text from a module of
 * the lab (the kernel's text_poke() family is not exported).  The code is
 * in text_poke.c, compiled once into each module that needs it (swifi.ko:
 * transient code faults; nooks.ko: the pristine text restored at recovery)
 * through a one-line includer (swifi_text_poke.c, nooks_text_poke.c).
 */
#ifndef NK_TEXT_POKE_H
#define NK_TEXT_POKE_H

#include <linux/types.h>

/* A writable alias of [addr, addr + len) of module text (vmalloc space). */
struct nk_alias {
	void *map;		/* vmap() of the pages, NULL when unmapped */
	unsigned long addr;	/* the text address the alias starts at */
};

int nk_alias_map(struct nk_alias *a, unsigned long addr, size_t len);
void nk_alias_unmap(struct nk_alias *a);

static inline void *nk_alias_ptr(const struct nk_alias *a, unsigned long addr)
{
	return (char *)a->map + offset_in_page(a->addr) + (addr - a->addr);
}

/*
 * Run fn(alias of addr, arg) with every other online CPU stopped, then
 * serialise every CPU (sync_core) before it runs kernel code again: the
 * x86 rule for cross-modifying code.  fn writes through the alias only and
 * must not sleep.  Process context; returns 0 or a negative errno.
 */
int nk_text_patch(unsigned long addr, size_t len,
		  void (*fn)(void *alias, void *arg), void *arg);

#endif
