/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swifi.h - what the parts of swifi.ko share: the modules loaded after it
 * (swifi_main.c) and the transient code faults (swifi_text.c).
 */
#ifndef SWIFI_H
#define SWIFI_H

struct module;

/* A live module loaded after swifi, with a reference held, or NULL. */
struct module *swifi_get_live(const char *name);

int swifi_text_init(void);
void swifi_text_exit(void);
void swifi_text_module_going(struct module *mod);

#endif
