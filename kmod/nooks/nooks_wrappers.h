/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nooks_wrappers.h - what the generated wrappers need: the kernel
 * declarations of every wrapped function, and the NIM's wrapper entry
 * points and object types.
 */
#ifndef NOOKS_WRAPPERS_H
#define NOOKS_WRAPPERS_H

#include <linux/completion.h>
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

void nooks_pass_check(unsigned long *ret_slot);

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

#endif
