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
 *  8. the NIM detected or recovered, workload passed              → recovered
 *  9. the NIM detected or recovered, workload failed/unknown      → recovered_degraded
 * 10. workload setup error (exit 2) and every module loaded        → infra_error
 * 11. workload passed (and every module loaded)                    → no_effect
 * 12. otherwise (workload failed, module failed to load)           → functional
 * A workload setup error is the harness's fault only when nothing points at
 * the extension (rules 3-9) and the extension loaded: a faulty module that
 * fails its init makes the workload find no device/server, which is the
 * module's failure (functional), not an infrastructure error.
 *
 * Also here: the NIM's detection mechanism of a trial (nim_detection_*),
 * recorded next to the outcome, never changing it.
 */
#define _GNU_SOURCE
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage.h"
#include "util.h"

/*
 * The NIM's event lines (kmod/nooks) read "nooks: WORD key=value ...".  The
 * kernel's own lines about the module named nooks ("nooks: loading
 * out-of-tree module taints kernel.") start the same way but carry no
 * key=value pairs after a known word, so only the words below count.
 */
static const char *nim_event_word(const char *msg, size_t *len /* out */)
{
	if (strncmp(msg, "nooks:", 6))
		return NULL;
	msg += 6;
	while (*msg == ' ')
		msg++;
	*len = strcspn(msg, " \t");
	return msg;
}

enum nim_event_kind nim_event_classify(const char *msg)
{
	static const struct { const char *word; enum nim_event_kind kind; } words[] = {
		{ "fault", NIM_DETECTED },
		{ "detected", NIM_DETECTED },
		{ "recovered", NIM_RECOVERED },
		{ "recovery_failed", NIM_RECOVERY_FAILED },
		{ "unrecovered", NIM_RECOVERY_FAILED },
	};
	const char *w;
	size_t i, n;

	w = nim_event_word(msg, &n);
	if (!w)
		return NIM_OTHER;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i].word) == n && !strncmp(w, words[i].word, n))
			return words[i].kind;
	return NIM_OTHER;
}

long long nim_event_value(const char *msg, const char *key)
{
	size_t n, klen = strlen(key);
	const char *p;
	char *end;
	long long v;

	if (!nim_event_word(msg, &n))
		return -1;
	for (p = strchr(msg, ' '); p; p = strchr(p + 1, ' ')) {
		if (strncmp(p + 1, key, klen) || p[1 + klen] != '=')
			continue;
		v = strtoll(p + 2 + klen, &end, 10);
		if (end == p + 2 + klen || v < 0 || (*end && *end != ' '))
			return -1;
		return v;
	}
	return -1;
}

/* Copy the value of " key=" in a NIM line (up to the next space) into buf; 0 if absent. */
static int nim_event_str(const char *msg, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key), n;
	const char *p;

	for (p = strchr(msg, ' '); p; p = strchr(p + 1, ' ')) {
		if (strncmp(p + 1, key, klen) || p[1 + klen] != '=')
			continue;
		p += 2 + klen;
		n = strcspn(p, " \t\r\n");
		if (n >= len)
			n = len - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return 1;
	}
	return 0;
}

void nim_detection_feed(struct nim_detection *d, const char *line)
{
	const char *w;
	size_t n;

	if (d->mechanism[0])
		return;
	if (*line == '[' && strchr(line, ']'))	/* console timestamp "[    5.1] " */
		line = strchr(line, ']') + 1;
	while (*line == ' ')
		line++;
	w = nim_event_word(line, &n);
	if (!w)
		return;
	if (n == 6 && !strncmp(w, "detail", 6) && strstr(w, " write_protect=")) {
		snprintf(d->mechanism, sizeof(d->mechanism), "write_protect");
		if (!nim_event_str(w, "target", d->target, sizeof(d->target)))
			d->target[0] = '\0';
	} else if (nim_event_classify(line) == NIM_DETECTED &&
		   !nim_event_str(w, "kind", d->mechanism, sizeof(d->mechanism))) {
		snprintf(d->mechanism, sizeof(d->mechanism), "unknown");
	}
}

void nim_detection_scan(struct nim_detection *d, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	char line[512];

	while (p < end && !d->mechanism[0]) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (memmem(p, n, "nooks:", 6)) {
			if (n >= sizeof(line))
				n = sizeof(line) - 1;
			memcpy(line, p, n);
			line[n] = '\0';
			nim_detection_feed(d, line);
		}
		p = nl ? nl + 1 : end;
	}
}

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
	if (in->nim_failed)
		RET(OUTCOME_DETECTED_UNRECOVERED, "the NIM detected a fault and failed to recover");
	if (nim && in->workload == WL_PASS && !in->module_failed)
		RET(OUTCOME_RECOVERED, "the NIM recovered and the workload passed");
	if (nim)
		RET(OUTCOME_RECOVERED_DEGRADED, "the NIM recovered but the workload failed");
	if (in->workload == WL_SETUP_ERROR && !in->module_failed)
		RET(OUTCOME_INFRA_ERROR, "workload setup or usage error (exit 2)");
	if (in->workload == WL_PASS && !in->module_failed)
		RET(OUTCOME_NO_EFFECT, "workload passed");
	if (in->module_failed)
		RET(OUTCOME_FUNCTIONAL, "a module failed to load");
	RET(OUTCOME_FUNCTIONAL, "workload failed");
#undef RET
}
