/*
 * test_classify.c - the outcome decision table of classify.c, row by row,
 * plus NIM event words, workload verdicts and the NIM's detection mechanism
 * (nim_detection_*) on the console fixtures of tests/fixtures/nim/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "classify.h"
#include "triage.h"
#include "fixture.h"
#include "util.h"

static struct triage_verdict none, oops, lockup, warn_only;

static int setup(void **state)
{
	(void)state;
	memset(&none, 0, sizeof(none));
	strcpy(none.kind, "none");
	oops = none;
	oops.crashed = true;
	strcpy(oops.kind, "null_deref");
	lockup = oops;
	lockup.lockup = true;
	strcpy(lockup.kind, "soft_lockup");
	warn_only = none;
	strcpy(warn_only.kind, "warning");
	return 0;
}

/* A clean, finished trial: start from this and change one thing per row. */
static struct classify_input clean(void)
{
	struct classify_input in = { 0 };

	in.triage = &none;
	in.vm_exited = true;
	in.agent_started = true;
	in.agent_done = true;
	in.workload = WL_PASS;
	return in;
}

static enum outcome run(const struct classify_input *in)
{
	const char *why = NULL;
	enum outcome o = classify_trial(in, &why);

	assert_non_null(why);
	return o;
}

static void test_table(void **state)
{
	struct classify_input in;

	(void)state;
	in = clean();
	assert_int_equal(run(&in), OUTCOME_NO_EFFECT);
	in = clean(); in.triage = &warn_only;
	assert_int_equal(run(&in), OUTCOME_NO_EFFECT);		/* a WARNING is not a crash */
	in = clean(); in.workload = WL_FAIL;
	assert_int_equal(run(&in), OUTCOME_FUNCTIONAL);
	in = clean(); in.module_failed = true;
	assert_int_equal(run(&in), OUTCOME_FUNCTIONAL);
	in = clean(); in.triage = &oops; in.agent_done = false;
	assert_int_equal(run(&in), OUTCOME_CRASH);
	in = clean(); in.triage = &oops;			/* oops, then the workload went on */
	assert_int_equal(run(&in), OUTCOME_CRASH);
	in = clean(); in.agent_done = false;			/* VM died silently (triple fault) */
	assert_int_equal(run(&in), OUTCOME_CRASH);
	in = clean(); in.triage = &lockup; in.vm_exited = false; in.heartbeat_deadline = true;
	assert_int_equal(run(&in), OUTCOME_HANG);
	in = clean(); in.vm_exited = false; in.agent_done = false; in.heartbeat_deadline = true;
	assert_int_equal(run(&in), OUTCOME_HANG);		/* silent hang */
	in = clean(); in.vm_exited = false; in.agent_done = false; in.total_deadline = true;
	assert_int_equal(run(&in), OUTCOME_HANG);
	/* the workload stuck past its own deadline: a hang, also after a NIM recovery */
	in = clean(); in.vm_exited = false; in.agent_done = false; in.workload = WL_UNKNOWN;
	in.workload_deadline = true;
	assert_int_equal(run(&in), OUTCOME_HANG);
	in.nim_detected = in.nim_recovered = 1;
	assert_int_equal(run(&in), OUTCOME_HANG);
	in.triage = &oops;
	assert_int_equal(run(&in), OUTCOME_CRASH);		/* a crash report still wins */
	/* the workload passed, "done", then the guest hung in shutdown */
	in = clean(); in.vm_exited = false; in.poweroff_deadline = true;
	assert_int_equal(run(&in), OUTCOME_HANG);
	in = clean(); in.nim_detected = 1; in.nim_recovered = 1;
	assert_int_equal(run(&in), OUTCOME_RECOVERED);
	in = clean(); in.nim_recovered = 1; in.workload = WL_FAIL;
	assert_int_equal(run(&in), OUTCOME_RECOVERED_DEGRADED);
	/* recovered needs a completed recovery, not only a detection (issue 14) */
	in = clean(); in.nim_detected = 1;
	assert_int_equal(run(&in), OUTCOME_RECOVERED_DEGRADED);
	in = clean(); in.nim_detected = 1; in.nim_failed = 1; in.workload = WL_FAIL;
	assert_int_equal(run(&in), OUTCOME_DETECTED_UNRECOVERED);
	in = clean(); in.nim_detected = 1; in.nim_failed = 1; in.triage = &oops;
	assert_int_equal(run(&in), OUTCOME_CRASH);		/* a crash beats the NIM's word */
}

static void test_infra(void **state)
{
	struct classify_input in;

	(void)state;
	in = clean(); in.host_error = true;
	assert_int_equal(run(&in), OUTCOME_INFRA_ERROR);
	in = clean(); in.qemu_failed = true;
	assert_int_equal(run(&in), OUTCOME_INFRA_ERROR);
	in = clean(); in.agent_error = true;
	assert_int_equal(run(&in), OUTCOME_INFRA_ERROR);
	in = clean(); in.workload = WL_SETUP_ERROR;
	assert_int_equal(run(&in), OUTCOME_INFRA_ERROR);
	/*
	 * Regression (e1000 campaign, session 1): a faulty module whose probe
	 * failed or whose interface refused its address made the workload
	 * report a setup error, and the trial was dropped as infra_error.
	 */
	in = clean(); in.workload = WL_SETUP_ERROR; in.module_failed = true;
	assert_int_equal(run(&in), OUTCOME_FUNCTIONAL);		/* init failed: the module's fault */
	in = clean(); in.workload = WL_SETUP_ERROR; in.triage = &oops;
	assert_int_equal(run(&in), OUTCOME_CRASH);
	in = clean(); in.workload = WL_SETUP_ERROR; in.nim_detected = 1; in.nim_recovered = 1;
	assert_int_equal(run(&in), OUTCOME_RECOVERED_DEGRADED);
	in = clean(); in.workload = WL_SETUP_ERROR; in.nim_detected = 1; in.nim_failed = 1;
	assert_int_equal(run(&in), OUTCOME_DETECTED_UNRECOVERED);
	in = clean(); in.agent_started = in.agent_done = false; in.vm_exited = false;
	in.boot_deadline = true;
	assert_int_equal(run(&in), OUTCOME_INFRA_ERROR);	/* never booted */
	in.triage = &oops;
	assert_int_equal(run(&in), OUTCOME_CRASH);		/* ... unless it crashed */
	in = clean(); in.triage = NULL; in.host_error = true;
	assert_int_equal(run(&in), OUTCOME_INFRA_ERROR);
}

/* Lines recorded from the real NIM (kmod/nooks) in the pinned guest. */
static const char ev_fault[] = "nooks: fault domain=nooks_selftest kind=page_fault "
	"ip=fault_null_read+0x13/0x1a [nooks_selftest] ctx=softirq state=failed";
static const char ev_recovered[] = "nooks: recovered domain=nooks_selftest kind=page_fault "
	"ip=fault_null_read+0x13/0x1a [nooks_selftest] latency_us=2122 quiesce_us=1620 "
	"release_us=249 init_us=238 recoveries=1";

static void test_nim_words(void **state)
{
	(void)state;
	assert_int_equal(nim_event_classify(ev_fault), NIM_DETECTED);
	assert_int_equal(nim_event_classify(ev_recovered), NIM_RECOVERED);
	assert_int_equal(nim_event_classify("nooks: recovery_failed domain=e1000 reason=init_failed err=-19"),
			 NIM_RECOVERY_FAILED);
	assert_int_equal(nim_event_classify("nooks: attach domain=nooks_selftest slot=0 text=4096 data=8192"),
			 NIM_OTHER);
	assert_int_equal(nim_event_classify("nooks: warn domain=e1000 ip=x"), NIM_OTHER);
	/* the kernel's own messages about the module named nooks are no events */
	assert_int_equal(nim_event_classify("nooks: loading out-of-tree module taints kernel."), NIM_OTHER);
	assert_int_equal(nim_event_classify("nooks: module verification failed: signature and/or required key missing - tainting kernel"),
			 NIM_OTHER);
	assert_int_equal(nim_event_classify("nooks: loaded, 8 domain slots"), NIM_OTHER);
	assert_int_equal(nim_event_classify("nooks_selftest: fault null_read"), NIM_OTHER);
	assert_int_equal(nim_event_classify("nooks: recoveredx"), NIM_OTHER);
	assert_int_equal(nim_event_classify("nooks: faults"), NIM_OTHER);
}

static void test_nim_values(void **state)
{
	(void)state;
	assert_int_equal(nim_event_value(ev_recovered, "latency_us"), 2122);
	assert_int_equal(nim_event_value(ev_recovered, "init_us"), 238);
	assert_int_equal(nim_event_value(ev_recovered, "recoveries"), 1);
	assert_int_equal(nim_event_value(ev_recovered, "latency"), -1);	/* prefix of a key */
	assert_int_equal(nim_event_value(ev_fault, "latency_us"), -1);
	assert_int_equal(nim_event_value("nooks: recovered latency_us=12x", "latency_us"), -1);
	assert_int_equal(nim_event_value("nooks: recovered latency_us=", "latency_us"), -1);
	assert_int_equal(nim_event_value("kernel: recovered latency_us=5", "latency_us"), -1);
}

static void test_workload_verdict(void **state)
{
	(void)state;
	assert_int_equal(workload_verdict(0, 1), WL_PASS);
	assert_int_equal(workload_verdict(0, -1), WL_PASS);
	assert_int_equal(workload_verdict(0, 0), WL_FAIL);	/* exit 0 but result says fail */
	assert_int_equal(workload_verdict(1, 1), WL_FAIL);
	assert_int_equal(workload_verdict(2, -1), WL_SETUP_ERROR);
	assert_int_equal(workload_verdict(137, -1), WL_FAIL);
	assert_int_equal(workload_verdict(-1, -1), WL_UNKNOWN);
	assert_int_equal(workload_verdict(-1, 1), WL_PASS);
}

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < OUTCOME__COUNT; i++)
		assert_int_equal(outcome_parse(outcome_name(i)), i);
	assert_string_equal(outcome_name(OUTCOME_RECOVERED_DEGRADED), "recovered_degraded");
	assert_int_equal(outcome_parse("exploded"), -1);
}

/* Every fixture: the mechanism and target its header names, from the console
 * text and from its lines fed one by one (the agent's nim events). */
static void test_nim_detection_fixtures(void **state)
{
	static const char *const files[] = { "write_protect.log", "leak.log", "page_fault.log",
					     "none.log", "e1000_probe_recorded.log" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *path = xasprintf("tests/fixtures/nim/%s", files[i]), *text, *line, *save = NULL;
		char mech[32], target[128];
		struct nim_detection a, b;
		size_t len;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		text = read_file(path, &len);
		assert_non_null(text);
		assert_non_null(fixture_header(text, "mechanism", mech, sizeof(mech)));
		assert_non_null(fixture_header(text, "target", target, sizeof(target)));
		nim_detection_scan(&a, text, len);
		assert_string_equal(a.mechanism, mech);
		assert_string_equal(a.target, target);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			nim_detection_feed(&b, line);
		assert_string_equal(b.mechanism, mech);
		assert_string_equal(b.target, target);
		free(text);
		free(path);
	}
}

/* Single lines: kmsg text without a timestamp, odd and truncated lines. */
static void test_nim_detection_lines(void **state)
{
	struct nim_detection d;

	(void)state;
	memset(&d, 0, sizeof(d));
	nim_detection_feed(&d, "nooks: fault domain=e1000 kind=wrapper_check ip=x ctx=process state=failed");
	assert_string_equal(d.mechanism, "wrapper_check");
	assert_string_equal(d.target, "");
	memset(&d, 0, sizeof(d));
	nim_detection_feed(&d, "nooks: detected domain=e1000");	/* no kind= */
	assert_string_equal(d.mechanism, "unknown");
	memset(&d, 0, sizeof(d));
	nim_detection_feed(&d, "nooks: detail domain=e1000 write_protect=ffff888000001000");
	assert_string_equal(d.mechanism, "write_protect");	/* cut before target= */
	assert_string_equal(d.target, "");
	memset(&d, 0, sizeof(d));
	nim_detection_feed(&d, "nooks_selftest: fault kind=page_fault");
	nim_detection_feed(&d, "[ 1.0] e1000: nooks: fault domain=x kind=gpf");
	nim_detection_feed(&d, "nooks: recovery_failed domain=e1000 reason=fault_in_first_init");
	assert_string_equal(d.mechanism, "");
	nim_detection_scan(&d, "x\n[ 2.5] nooks: fault domain=e kind=bug\ntail", 39);	/* cut line */
	assert_string_equal(d.mechanism, "bug");
	assert_true(outcome_nim_detected(OUTCOME_RECOVERED));
	assert_true(outcome_nim_detected(OUTCOME_RECOVERED_DEGRADED));
	assert_true(outcome_nim_detected(OUTCOME_DETECTED_UNRECOVERED));
	assert_false(outcome_nim_detected(OUTCOME_NO_EFFECT));
	assert_false(outcome_nim_detected(OUTCOME_CRASH));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_infra),
		cmocka_unit_test(test_nim_words),
		cmocka_unit_test(test_nim_values),
		cmocka_unit_test(test_workload_verdict),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_nim_detection_fixtures),
		cmocka_unit_test(test_nim_detection_lines),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
