/*
 * classify.h - the outcome class of one trial (DESIGN.md, docs/OUTCOMES.md)
 * from what the runner observed: console triage, agent events, workload
 * verdict, VM exit and deadlines.  A pure function of its input: no I/O.
 */
#ifndef NOOKS_CLASSIFY_H
#define NOOKS_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"

struct triage_verdict;


enum workload_verdict { WL_UNKNOWN, WL_PASS, WL_FAIL, WL_SETUP_ERROR };

enum nim_event_kind { NIM_OTHER, NIM_DETECTED, NIM_RECOVERED, NIM_RECOVERY_FAILED };

struct classify_input {
	const struct triage_verdict *triage;	/* may be NULL: nothing triaged */
	bool host_error;		/* the runner itself failed (cpio, pipes, fork...) */
	bool qemu_failed;		/* QEMU did not start, exited non-zero or was killed by others */
	bool vm_exited;			/* QEMU exited by itself (guest power-off, panic, triple fault) */
	bool agent_error;		/* agent could not read the manifest / workload missing */
	bool agent_started;
	bool agent_done;		/* agent reached "done" (about to power off) */
	bool boot_deadline;		/* no "started" in time */
	bool heartbeat_deadline;	/* the agent fell silent */
	bool total_deadline;
	bool module_failed;		/* a module failed to load */
	enum workload_verdict workload;
	int nim_detected, nim_recovered, nim_failed;	/* NIM event counts */
};

/*
 * How the NIM detected the first fault of a trial (docs/OUTCOMES.md).  The
 * NIM prints, for a write into memory its protection domain does not grant
 * (stage 2), "nooks: detail domain=D write_protect=ADDR target=SYM+0x.. ip=.."
 * just before the fault line "nooks: fault domain=D kind=K ..."; for every
 * other detection only the fault line (kind: page_fault, gpf, trap, bug,
 * stack_protector, panic, fortify, wrapper_check, leaked_lock,
 * lock_underflow, irq_off, irq_on, rcu_leak, deadlock).
 */
struct nim_detection {
	char mechanism[32];	/* "write_protect", a fault line's kind, "unknown"; "" none */
	char target[128];	/* write_protect: the target= symbol written to, else "" */
};

/* Feed one NIM line in order: kmsg text or a console line ("[ t] nooks: ...");
 * the first detail write_protect or fault line decides, later lines are ignored. */
void nim_detection_feed(struct nim_detection *d, const char *line);
/* Feed every line of a console log (text of len bytes, need not be NUL-terminated). */
void nim_detection_scan(struct nim_detection *d, const char *text, size_t len);

/* The outcome and a short static reason ("why") for it. */
enum outcome classify_trial(const struct classify_input *in, const char **why /* out */);
/* Kind of a NIM event message ("nooks: recovered ext=e1000 ..."). */
enum nim_event_kind nim_event_classify(const char *msg);
/* Integer value of key=... in a NIM event line, or -1 (absent, not a number, not an event). */
long long nim_event_value(const char *msg, const char *key);
/* Workload verdict from its exit status (-1 unknown) and its result line (-1 none, 0 fail, 1 pass). */
enum workload_verdict workload_verdict(int exit_status, int result_pass);

#endif
