/*
 * test_agent_line.c - the host side of the agent channel, trial_agent_line():
 * with a channel key, only lines carrying it are the agent's.  A program in
 * the guest that writes to the channel (forged "done", "result", NIM
 * events, heartbeats) changes nothing of the result and is counted in
 * agent_forged; "parked" and an error reading the manifest come before the
 * agent knows the key and are taken without it.  Without a key (the
 * function alone, as fuzz_agent.c calls it) every line is taken.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "trial.h"

#define KEY "0123456789abcdef0123456789abcdef"

static void fresh(struct trial_result *r, const char *key)
{
	memset(r, 0, sizeof(*r));
	r->workload_exit = r->workload_result = r->nim_first_fault = -1;
	r->nim_recovery_us = -1;
	snprintf(r->channel_key, sizeof(r->channel_key), "%s", key);
}

static void test_forged_lines_ignored(void **state)
{
	static const char *const forged[] = {
		"{\"event\":\"done\"}",
		"{\"event\":\"result\",\"pass\":true,\"reason\":\"forged\"}",
		"{\"event\":\"nim\",\"msg\":\"nooks: recovered domain=e1000 kind=page_fault latency_us=5\"}",
		"{\"event\":\"heartbeat\",\"seq\":1,\"key\":\"" KEY "0\"}",
		"{\"event\":\"workload_exit\",\"status\":0,\"key\":\"wrong\"}",
		"{\"event\":\"agent_error\",\"error\":\"late, keyless\"}",
	};
	struct trial_result r;
	size_t i;

	(void)state;
	fresh(&r, KEY);
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"parked\"}"), AGENT_LINE_PARKED);
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"started\",\"key\":\"" KEY "\"}"),
			 AGENT_LINE_STARTED);
	assert_true(r.agent_started);
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
		assert_int_equal(trial_agent_line(&r, forged[i]), AGENT_LINE_OTHER);
	assert_int_equal(r.agent_forged, 6);
	assert_int_equal(r.agent_lines, 2);
	assert_false(r.agent_done);
	assert_int_equal(r.workload_result, -1);
	assert_int_equal(r.workload_exit, -1);
	assert_int_equal(r.nim_recovered, 0);
	assert_int_equal(r.n_nim_events, 0);
	assert_string_equal(r.infra_reason, "");
	/* the agent's own lines still count */
	trial_agent_line(&r, "{\"event\":\"nim\",\"key\":\"" KEY "\","
			     "\"msg\":\"nooks: recovered domain=e1000 kind=page_fault latency_us=7\"}");
	trial_agent_line(&r, "{\"event\":\"done\",\"key\":\"" KEY "\"}");
	assert_int_equal(r.nim_recovered, 1);
	assert_int_equal(r.nim_recovery_us, 7);
	assert_true(r.agent_done);
	assert_int_equal(r.agent_lines, 4);
	trial_result_release(&r);
}

static void test_before_the_key(void **state)
{
	struct trial_result r;

	(void)state;
	fresh(&r, KEY);
	trial_agent_line(&r, "{\"event\":\"agent_error\",\"error\":\"cannot read /trial/manifest.json\"}");
	assert_int_equal(r.agent_forged, 0);
	assert_non_null(strstr(r.infra_reason, "cannot read /trial/manifest.json"));
	trial_result_release(&r);
}

static void test_no_key_takes_every_line(void **state)
{
	struct trial_result r;

	(void)state;
	fresh(&r, "");
	trial_agent_line(&r, "{\"event\":\"started\"}");
	trial_agent_line(&r, "{\"event\":\"done\"}");
	assert_true(r.agent_started && r.agent_done);
	assert_int_equal(r.agent_forged, 0);
	trial_result_release(&r);
}

/* What a line asks of the runner: the marks of the phase split. */
static void test_line_kinds(void **state)
{
	struct trial_result r;

	(void)state;
	fresh(&r, KEY);
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"started\",\"key\":\"" KEY "\"}"),
			 AGENT_LINE_STARTED);
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"workload_started\",\"key\":\""
					  KEY "\"}"), AGENT_LINE_WORKLOAD);
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"result\",\"pass\":true,\"key\":\""
					  KEY "\"}"), AGENT_LINE_WORKLOAD_END);
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"workload_exit\",\"status\":0,"
					  "\"key\":\"" KEY "\"}"), AGENT_LINE_WORKLOAD_END);
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"done\",\"key\":\"" KEY "\"}"),
			 AGENT_LINE_DONE);
	/* forged: no mark */
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"workload_started\"}"),
			 AGENT_LINE_OTHER);
	assert_int_equal(trial_agent_line(&r, "{\"event\":\"done\"}"), AGENT_LINE_OTHER);
	trial_result_release(&r);
}

/* The phase split: consecutive marks; a missing mark gives its time to the phase it was in. */
static void test_split_phases(void **state)
{
	struct trial_result r;
	uint64_t sum = 0;
	int i;

	(void)state;
	fresh(&r, "");
	r.t_vm_start = 1100;
	r.t_started = 1500;
	r.t_workload = 1800;
	r.t_workload_end = 4800;
	r.t_vm_end = 5000;
	trial_split_phases(&r, 1000, 5020);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_PREPARE], 100);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_RESTORE], 400);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_SETUP], 300);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_WORKLOAD], 3000);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_TEARDOWN], 200);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_CLASSIFY], 20);
	/* crashed while loading its modules: no workload marks */
	r.t_workload = r.t_workload_end = 0;
	trial_split_phases(&r, 1000, 5020);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_SETUP], 3500);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_WORKLOAD], 0);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_TEARDOWN], 0);
	/* QEMU never started: all of it is preparation */
	memset(&r, 0, sizeof(r));
	trial_split_phases(&r, 1000, 1300);
	for (i = 0; i < TRIAL_N_PHASES; i++)
		sum += r.phase_ms[i];
	assert_int_equal(sum, 300);
	assert_int_equal(r.phase_ms[TRIAL_PHASE_PREPARE], 300);
	assert_string_equal(trial_phase_name(TRIAL_PHASE_TEARDOWN), "teardown");
}

FIXTURE_MAIN(NULL, NULL,
	     cmocka_unit_test(test_line_kinds),
	     cmocka_unit_test(test_split_phases),
	     cmocka_unit_test(test_forged_lines_ignored),
	     cmocka_unit_test(test_before_the_key),
	     cmocka_unit_test(test_no_key_takes_every_line))
