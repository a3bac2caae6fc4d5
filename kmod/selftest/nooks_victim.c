// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_victim.c - an ordinary (never isolated) module whose memory the
 * stage 2 tests aim wild writes at: its own data ("value") and a kmalloc'd
 * kernel object ("obj", read back through "obj_value").  It must never
 * write either after init: the test checks they are unchanged.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

static unsigned long value = 0x7777;
module_param(value, ulong, 0444);
MODULE_PARM_DESC(value, "module data aimed at (reads 0x7777 while intact)");

static unsigned long value_addr;
module_param(value_addr, ulong, 0444);
MODULE_PARM_DESC(value_addr, "address of value");

static unsigned long obj;
module_param(obj, ulong, 0444);
MODULE_PARM_DESC(obj, "address of a kmalloc'd object aimed at");

static int obj_value_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%x\n", obj ? *(u32 *)obj : 0);
}

static const struct kernel_param_ops obj_value_ops = { .get = obj_value_get };
module_param_cb(obj_value, &obj_value_ops, NULL, 0444);
MODULE_PARM_DESC(obj_value, "first 4 bytes of obj (0x3333 while intact)");

static int __init victim_init(void)
{
	u32 *p = kmalloc(PAGE_SIZE, GFP_KERNEL);	/* a page of its own */

	if (!p)
		return -ENOMEM;
	*p = 0x3333;
	obj = (unsigned long)p;
	value_addr = (unsigned long)&value;
	return 0;
}

static void __exit victim_exit(void)
{
	kfree((void *)obj);
}

module_init(victim_init);
module_exit(victim_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks stage 2 test: memory an isolated extension must not write");
