/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nooks_closure.h - the descriptors of generic extension wrappers (what
 * wrappers/gen.py emits per exported function from BTF) and the closure
 * pool that serves them (nooks_closure.c).
 */
#ifndef NOOKS_CLOSURE_H
#define NOOKS_CLOSURE_H

#include <linux/types.h>

struct nooks_domain;

/*
 * What a callback returns: its fail value when it faults (void: none; int:
 * -EFAULT, -EIO once the domain failed; ptr: NULL; enum: 0, a value of an
 * enum that has one: IRQ_NONE, HRTIMER_NORESTART, NETDEV_TX_OK).
 */
enum { NOOKS_RET_VOID, NOOKS_RET_INT, NOOKS_RET_PTR, NOOKS_RET_ENUM };

/* How an argument is shadowed. */
enum {
	NOOKS_SHADOW_FN,	/* a function pointer: its closure */
	NOOKS_SHADOW_COPY,	/* const struct in the module image: a copy */
	NOOKS_SHADOW_INPLACE,	/* struct in the module's data: slots swapped */
};

/* A struct with function-pointer members (from BTF). */
struct nooks_structdesc {
	const char *name;
	u32 size;
	u16 nslots;
	struct { u32 off; u8 kind; } slots[];	/* closable slots only */
};

struct nooks_argshadow {
	u8 arg;			/* parameter index, < 6 */
	u8 how;			/* NOOKS_SHADOW_* */
	u8 kind;		/* NOOKS_SHADOW_FN: NOOKS_RET_* */
	const struct nooks_structdesc *st;	/* COPY, INPLACE */
};

struct nooks_argdesc {
	u8 n;
	struct nooks_argshadow a[];
};

unsigned long nooks_shadow_arg(struct nooks_domain *d,
			       const struct nooks_argshadow *a, unsigned long v);
void nooks_shadow_args(unsigned long *regs, const struct nooks_argdesc *desc);
void nooks_closures_kill_domain(struct nooks_domain *d);	/* recovery */
void nooks_closures_release_domain(struct nooks_domain *d);	/* detach */
unsigned int nooks_closures_live(void);
void nooks_closures_init(void);
unsigned long nooks_closure_calls(void);

#endif
