/*
 * fuzz_agent.c - libFuzzer target: the host side of the agent channel
 * (ttyS1, JSON lines the guest writes; docs/OUTCOMES.md).  The input is
 * the channel's bytes: split into lines as the runner splits them
 * (harness/trial/trial.c: a line longer than the runner's buffer is
 * dropped whole), each applied with trial_agent_line(), then what the
 * runner does with the result: the NIM detection fallback over the
 * recorded NIM events, the classification and result.json.  The trial's
 * channel key is FUZZ_KEY: lines without it are forged (the seeds have
 * both kinds).
 */
#include "fuzz.h"

#include <json-c/json.h>

#include "classify.h"
#include "trial.h"

#define LINE_MAX_BYTES 4096	/* MAX_AGENT_LINE of trial.c */
#define FUZZ_KEY "00112233445566778899aabbccddeeff"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[LINE_MAX_BYTES];
	struct trial_result r;
	struct classify_input in = { 0 };
	struct json_object *o;
	bool overlong = false;
	size_t i, used = 0;
	int k;

	memset(&r, 0, sizeof(r));	/* as trial.c's init_result() */
	r.workload_exit = -1;
	r.nim_first_fault = -1;
	r.nim_recovery_us = -1;
	r.fault_armed = r.fault_fired = -1;
	r.workload_result = -1;
	r.attempts = 1;
	snprintf(r.channel_key, sizeof(r.channel_key), "%s", FUZZ_KEY);
	for (i = 0; i < size; i++) {
		if (data[i] == '\n') {
			line[used] = '\0';
			if (!overlong)
				(void)trial_agent_line(&r, line);
			used = 0;
			overlong = false;
		} else if (used < sizeof(line) - 1) {
			line[used++] = (char)data[i];
		} else {
			overlong = true;
		}
	}
	for (k = 0; k < r.n_nim_events; k++)
		nim_detection_feed(&r.nim_det, r.nim_events[k]);
	r.workload = workload_verdict(r.workload_exit, r.workload_result);
	in.agent_error = r.infra_reason[0] != '\0';
	in.agent_started = r.agent_started;
	in.agent_done = r.agent_done;
	in.module_failed = r.modules_failed > 0;
	in.workload = r.workload;
	in.nim_detected = r.nim_detected;
	in.nim_recovered = r.nim_recovered;
	in.nim_failed = r.nim_failed;
	in.vm_exited = true;
	r.outcome = classify_trial(&in, &r.outcome_reason);
	o = trial_result_json(&r);
	(void)json_object_to_json_string(o);
	json_object_put(o);
	trial_result_release(&r);
	return 0;
}
