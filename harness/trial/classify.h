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
#include "triage.h"	/* the NIM lines: nim_event_*, nim_detection_* */

enum workload_verdict { WL_UNKNOWN, WL_PASS, WL_FAIL, WL_SETUP_ERROR };

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
	bool workload_deadline;		/* the workload did not exit within its own --deadline
					 * (plus grace): stuck where no signal reaches it */
	bool poweroff_deadline;		/* no power-off within grace of the agent's "done" */
	bool module_failed;		/* a module failed to load */
	enum workload_verdict workload;
	int nim_detected, nim_recovered, nim_failed;	/* NIM event counts */
};

/* The outcome and a short static reason ("why") for it. */
enum outcome classify_trial(const struct classify_input *in, const char **why /* out */);
/* Workload verdict from its exit status (-1 unknown) and its result line (-1 none, 0 fail, 1 pass). */
enum workload_verdict workload_verdict(int exit_status, int result_pass);

#endif
