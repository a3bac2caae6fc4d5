// SPDX-License-Identifier: GPL-2.0
/*
 * text_poke.c - see text_poke.h.  Module text lives in vmalloc space, so
 * its pages are found with vmalloc_to_page() and mapped a second time,
 * writable, with vmap(); the module's own mapping stays read-only.
 *
 * Concurrency: nk_text_patch() runs under stop_machine() on every online
 * CPU.  One CPU writes; the others spin with interrupts off until it is
 * done; then each executes a serialising instruction.  A task preempted
 * inside the patched code resumes at an instruction boundary of the old
 * code: callers patch whole instructions in place (same start, same
 * length), so that boundary is still one.
 *
 * Never: writes outside the caller's range, or sleeps inside the stopped
 * section.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/stop_machine.h>
#include <linux/vmalloc.h>
#include <asm/sync_core.h>
#include "text_poke.h"

#define NK_ALIAS_MAX_PAGES 512		/* 2 MiB of text */

int nk_alias_map(struct nk_alias *a, unsigned long addr, size_t len)
{
	unsigned long first = addr & PAGE_MASK;
	unsigned int i, n = (PAGE_ALIGN(addr + len) - first) >> PAGE_SHIFT;
	struct page **pages;

	a->map = NULL;
	a->addr = addr;
	if (!len || n > NK_ALIAS_MAX_PAGES || addr < MODULES_VADDR || addr + len > MODULES_END)
		return -EINVAL;
	pages = kcalloc(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pages[i] = vmalloc_to_page((void *)(first + i * PAGE_SIZE));
		if (!pages[i]) {
			kfree(pages);
			return -EFAULT;
		}
	}
	a->map = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	kfree(pages);
	return a->map ? 0 : -ENOMEM;
}

void nk_alias_unmap(struct nk_alias *a)
{
	if (a->map)
		vunmap(a->map);
	a->map = NULL;
}

struct nk_patch_ctl {
	void (*fn)(void *alias, void *arg);
	void *alias, *arg;
	atomic_t cpus;
	int done;
};

static int nk_patch_stopped(void *p)
{
	struct nk_patch_ctl *c = p;

	if (atomic_inc_return(&c->cpus) == 1) {
		c->fn(c->alias, c->arg);
		smp_store_release(&c->done, 1);
	} else {
		while (!smp_load_acquire(&c->done))
			cpu_relax();
	}
	sync_core();
	return 0;
}

int nk_text_patch(unsigned long addr, size_t len,
		  void (*fn)(void *alias, void *arg), void *arg)
{
	struct nk_patch_ctl c = { .fn = fn, .arg = arg };
	struct nk_alias a;
	int err;

	err = nk_alias_map(&a, addr, len);
	if (err)
		return err;
	c.alias = nk_alias_ptr(&a, addr);
	atomic_set(&c.cpus, 0);
	err = stop_machine(nk_patch_stopped, &c, cpu_online_mask);
	nk_alias_unmap(&a);
	return err;
}
