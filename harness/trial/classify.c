/*
 * classify.c - outcome classification (see classify.h).  The decision table
 * below is the single source of truth; docs/OUTCOMES.md describes it and
 * tests/unit/test_classify.c checks it row by row.  Never does I/O.
 *
 * Rules, first match wins:
 *  1. host error, QEMU failure, agent error                        → infra_error
 *  2. boot deadline without a crash report                        → infra_error
 *  3. crash report (oops, BUG, GPF, panic, ...) on the console    → crash
 *  4. watchdog report (soft lockup, RCU stall, hung task)         → hang
 *  5. the VM ended before the agent's "done" (no report)          → crash (VM died)
 *  6. heartbeat or total deadline                                  → hang
 *  7. the NIM reported a failed recovery                          → detected_unrecovered
 *  8. the NIM recovered (recovery completed), workload passed     → recovered
 *  9. the NIM detected or recovered, workload failed/unknown      → recovered_degraded
 * 10. workload setup error (exit 2) and every module loaded        → infra_error
 * 11. workload passed (and every module loaded)                    → no_effect
 * 12. otherwise (workload failed, module failed to load)           → functional
 * A workload setup error is the harness's fault only when nothing points at
 * the extension (rules 3-9) and the extension loaded: a faulty module that
 * fails its init makes the workload find no device/server, which is the
 * module's failure (functional), not an infrastructure error.
 *
 * The NIM's console lines are read by triage/triage_nim.c.
 */
#define _GNU_SOURCE
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage.h"
#include "util.h"

enum workload_verdict workload_verdict(int exit_status, int result_pass)
{
	if (exit_status == 2)
		return WL_SETUP_ERROR;
	if (exit_status < 0)
		return result_pass < 0 ? WL_UNKNOWN : result_pass ? WL_PASS : WL_FAIL;
	if (exit_status == 0 && result_pass != 0)
		return WL_PASS;
	return WL_FAIL;		/* exit 1, killed, or exit 0 with a failing result */
}

enum outcome classify_trial(const struct classify_input *in, const char **why)
{
	const struct triage_verdict *t = in->triage;
	bool crashed = t && t->crashed && !t->lockup, lockup = t && t->crashed && t->lockup;
	bool nim = in->nim_detected || in->nim_recovered || in->nim_failed;

#define RET(o, w) do { *why = (w); return (o); } while (0)
	if (in->host_error)
		RET(OUTCOME_INFRA_ERROR, "host-side failure of the runner");
	if (in->qemu_failed)
		RET(OUTCOME_INFRA_ERROR, "QEMU failed");
	if (in->agent_error)
		RET(OUTCOME_INFRA_ERROR, "the guest agent could not run the trial");
	if (in->boot_deadline && !crashed && !lockup)
		RET(OUTCOME_INFRA_ERROR, "the guest did not boot before the boot deadline");
	if (crashed)
		RET(OUTCOME_CRASH, "crash report on the console");
	if (lockup)
		RET(OUTCOME_HANG, "watchdog report on the console");
	if (in->vm_exited && !in->agent_done)
		RET(OUTCOME_CRASH, "the VM ended before the agent finished, without a report");
	if (in->heartbeat_deadline)
		RET(OUTCOME_HANG, "no heartbeat before the heartbeat deadline");
	if (in->total_deadline)
		RET(OUTCOME_HANG, "the trial did not finish before the total deadline");
	if (in->workload_deadline)
		RET(OUTCOME_HANG, "the workload did not exit within its own deadline");
	if (in->poweroff_deadline)
		RET(OUTCOME_HANG, "the guest did not power off after the agent's done");
	if (in->nim_failed)
		RET(OUTCOME_DETECTED_UNRECOVERED, "the NIM detected a fault and failed to recover");
	if (in->nim_recovered && in->workload == WL_PASS && !in->module_failed)
		RET(OUTCOME_RECOVERED, "the NIM recovered and the workload passed");
	if (nim)
		RET(OUTCOME_RECOVERED_DEGRADED, in->nim_recovered ?
		    "the NIM recovered but the workload failed" :
		    "the NIM detected a fault but reported no completed recovery");
	if (in->workload == WL_SETUP_ERROR && !in->module_failed)
		RET(OUTCOME_INFRA_ERROR, "workload setup or usage error (exit 2)");
	if (in->workload == WL_PASS && !in->module_failed)
		RET(OUTCOME_NO_EFFECT, "workload passed");
	if (in->module_failed)
		RET(OUTCOME_FUNCTIONAL, "a module failed to load");
	RET(OUTCOME_FUNCTIONAL, "workload failed");
#undef RET
}
