/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swifi.h - what the parts of swifi.ko share: the modules loaded after it
 * (swifi_main.c), the transient code faults (swifi_text.c) and their
 * call trigger (swifi_trigger.c).
 */
#ifndef SWIFI_H
#define SWIFI_H

struct module;
struct mutex;

/* A live module loaded after swifi, with a reference held, or NULL. */
struct module *swifi_get_live(const char *name);
/* fn(a writable copy of val) under lock: its result, or -ENOMEM (a
 * parameter's set handler that parses its value in place). */
int swifi_call_locked(struct mutex *lock, const char *val, int (*fn)(char *buf));

int swifi_text_init(void);
void swifi_text_exit(void);
void swifi_text_module_going(struct module *mod);
/* "MODULE SITE..." written into live text now (the "patch" parameter). */
int swifi_text_patch(const char *val);
/* 0 if the SITE list would be accepted for mod, else the errno patch gives. */
int swifi_text_check(struct module *mod, const char *sites);

/* swifi_trigger.c: a patch written at the Nth call of a function. */
int swifi_trigger_init(void);
void swifi_trigger_exit(void);
void swifi_trigger_module_going(struct module *mod);

#endif
