/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftest.h - the fault catalogue of the nooks self-test extension.
 *
 * nooks_selftest is an ordinary, deliberately buggy kernel module used to
 * produce real crashes of the pinned kernel (triage fixtures) and to test
 * the NIM's detection and recovery.  It must only ever fault on command.
 */
#ifndef NOOKS_SELFTEST_H
#define NOOKS_SELFTEST_H

struct selftest_fault {
	const char *name;
	void (*fn)(void);
	const char *what;
};

extern const struct selftest_fault selftest_faults[];
extern const int selftest_nr_faults;
/* selftest_hangs.c: bugs that never return */
void selftest_hang_loop(void);
void selftest_hang_loop_irqoff(void);
void selftest_hang_mutex(void);
void selftest_hang_sleep(void);
void selftest_hang_abba(void);
void selftest_mutex_fault(void);
void selftest_hang_rwsem_self(void);
void selftest_hang_rwsem(void);
void selftest_rwsem_fault(void);
void selftest_hang_msleep(void);
void selftest_hang_rtnl(void);
void selftest_rtnl_fault(void);
void selftest_hang_sock(void);
void selftest_sock_fault(void);
void selftest_bad_sock(void);
void selftest_hang_in_kernel(void);
void selftest_hang_short_calls(void);
void selftest_hang_ignore_stop(void);
void selftest_hang_stop_sched(void);
void selftest_hang_waitq(void);
void selftest_hang_sched_timeout(void);
void selftest_hang_sema(void);
/* Undo what faults left registered (module exit). */
void selftest_faults_exit(void);

#endif
