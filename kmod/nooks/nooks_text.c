// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_text.c - the pristine text of an isolated module: a copy of its
 * core text taken at attach (before its init runs), and restored at
 * recovery, so that the restarted extension runs the code it was loaded
 * with.  A transient code fault (kmod/swifi/swifi_text.c) writes mutation
 * bytes into the live text after the load; the recovery must not restart
 * the extension on the mutant.  A module loaded mutated (a persistent
 * fault) has the mutant as its pristine copy: nothing changes for it.
 *
 * Bytes the kernel itself rewrites while the module runs are left as they
 * are: jump labels (static keys), inline static calls and ftrace call
 * sites; they are masked at attach.
 *
 * Runs only where nooks_domain.c says: attach and detach from the module
 * notifier, restore in RECOVERING with no thread inside the domain (the
 * text is at d->text_start then, the copy is d->text_size bytes of it).
 */
#include <linux/bitmap.h>
#include <linux/ftrace.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/static_call.h>
#include <linux/vmalloc.h>
#include "nooks.h"
#include "text_poke.h"

#define NK_SITE_SIZE 5		/* jump label, static call and ftrace sites */

static void mask_site(struct nooks_domain *d, unsigned long start, unsigned long addr)
{
	if (addr >= start && addr + NK_SITE_SIZE <= start + d->text_size)
		bitmap_set(d->text_mask, addr - start, NK_SITE_SIZE);
}

static void mask_kernel_sites(struct nooks_domain *d, struct module *mod)
{
	unsigned long start = (unsigned long)mod->core_layout.base;
	unsigned int i;

#ifdef CONFIG_JUMP_LABEL
	for (i = 0; i < mod->num_jump_entries; i++)
		mask_site(d, start, jump_entry_code(&mod->jump_entries[i]));
#endif
#ifdef CONFIG_HAVE_STATIC_CALL_INLINE
	for (i = 0; i < mod->num_static_call_sites; i++) {
		struct static_call_site *s = &mod->static_call_sites[i];

		mask_site(d, start, (unsigned long)&s->addr + s->addr);
	}
#endif
#ifdef CONFIG_FTRACE_MCOUNT_RECORD
	for (i = 0; i < mod->num_ftrace_callsites; i++)
		mask_site(d, start, mod->ftrace_callsites[i]);
#endif
}

int nooks_text_attach(struct nooks_domain *d, struct module *mod)
{
	d->text_size = mod->core_layout.text_size;
	d->text_pristine = vmalloc(d->text_size);
	d->text_mask = bitmap_zalloc(d->text_size, GFP_KERNEL);
	if (!d->text_pristine || !d->text_mask) {
		nooks_text_detach(d);
		return -ENOMEM;
	}
	memcpy(d->text_pristine, mod->core_layout.base, d->text_size);
	mask_kernel_sites(d, mod);
	return 0;
}

void nooks_text_detach(struct nooks_domain *d)
{
	vfree(d->text_pristine);
	d->text_pristine = NULL;
	bitmap_free(d->text_mask);
	d->text_mask = NULL;
	d->text_size = 0;
}

static bool differs(const struct nooks_domain *d, size_t i)
{
	return !test_bit(i, d->text_mask) &&
	       ((u8 *)d->text_start)[i] != ((u8 *)d->text_pristine)[i];
}

struct restore_ctl {
	struct nooks_domain *d;
	size_t first, last;	/* the differing range */
	unsigned int n;		/* bytes written */
};

static void restore_bytes(void *alias, void *arg)
{
	struct restore_ctl *c = arg;
	size_t i;

	for (i = c->first; i <= c->last; i++)
		if (differs(c->d, i)) {
			((u8 *)alias)[i - c->first] = ((u8 *)c->d->text_pristine)[i];
			c->n++;
		}
}

/* Bytes of text put back to the pristine copy (0: none differed), or -errno. */
int nooks_text_restore(struct nooks_domain *d)
{
	struct restore_ctl c = { .d = d, .first = SIZE_MAX };
	size_t i;
	int err;

	if (!d->text_pristine)
		return 0;
	for (i = 0; i < d->text_size; i++)
		if (differs(d, i)) {
			c.first = min(c.first, i);
			c.last = i;
		}
	if (c.first == SIZE_MAX)
		return 0;
	err = nk_text_patch(d->text_start + c.first, c.last - c.first + 1,
			    restore_bytes, &c);
	return err ? err : c.n;
}
