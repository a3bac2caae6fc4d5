/*
 * outcome.c - the outcome class table (outcome.h).
 */
#include "outcome.h"

#include <string.h>

static const char *const names[OUTCOME__COUNT] = {
	[OUTCOME_NO_EFFECT] = "no_effect",
	[OUTCOME_FUNCTIONAL] = "functional",
	[OUTCOME_CRASH] = "crash",
	[OUTCOME_HANG] = "hang",
	[OUTCOME_RECOVERED] = "recovered",
	[OUTCOME_RECOVERED_DEGRADED] = "recovered_degraded",
	[OUTCOME_DETECTED_UNRECOVERED] = "detected_unrecovered",
	[OUTCOME_INFRA_ERROR] = "infra_error",
};

/*
 * KCIDB test status (kcidb-io schema v5): PASS when the workload completed
 * with the system intact (no effect, or the NIM recovered), FAIL when the
 * fault left the system crashed, hung or the workload failed, ERROR when
 * the harness failed and the tested code's status is unknown.
 */
static const char *const kcidb_status[OUTCOME__COUNT] = {
	[OUTCOME_NO_EFFECT] = "PASS",
	[OUTCOME_FUNCTIONAL] = "FAIL",
	[OUTCOME_CRASH] = "FAIL",
	[OUTCOME_HANG] = "FAIL",
	[OUTCOME_RECOVERED] = "PASS",
	[OUTCOME_RECOVERED_DEGRADED] = "FAIL",
	[OUTCOME_DETECTED_UNRECOVERED] = "FAIL",
	[OUTCOME_INFRA_ERROR] = "ERROR",
};

const char *outcome_kcidb_status(enum outcome o)
{
	return (unsigned)o < OUTCOME__COUNT ? kcidb_status[o] : "ERROR";
}

const char *outcome_name(enum outcome o)
{
	return (unsigned)o < OUTCOME__COUNT ? names[o] : "unknown";
}

int outcome_parse(const char *name)
{
	int i;

	for (i = 0; name && i < OUTCOME__COUNT; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

bool outcome_nim_detected(enum outcome o)
{
	return o == OUTCOME_RECOVERED || o == OUTCOME_RECOVERED_DEGRADED ||
	       o == OUTCOME_DETECTED_UNRECOVERED;
}
