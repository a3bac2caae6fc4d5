/*
 * outcome.c - the outcome class table (outcome.h).
 */
#include "outcome.h"

#include <string.h>

/*
 * name: as stored.  kcidb: the KCIDB test status (kcidb-io schema v5):
 * PASS when the workload completed with the system intact (no effect, or
 * the NIM recovered), FAIL when the fault left the system crashed, hung or
 * the workload failed, ERROR when the harness failed and the tested code's
 * status is unknown.
 */
static const struct {
	const char *name, *kcidb;
} table[OUTCOME__COUNT] = {
	[OUTCOME_NO_EFFECT] = { "no_effect", "PASS" },
	[OUTCOME_FUNCTIONAL] = { "functional", "FAIL" },
	[OUTCOME_CRASH] = { "crash", "FAIL" },
	[OUTCOME_HANG] = { "hang", "FAIL" },
	[OUTCOME_RECOVERED] = { "recovered", "PASS" },
	[OUTCOME_RECOVERED_DEGRADED] = { "recovered_degraded", "FAIL" },
	[OUTCOME_DETECTED_UNRECOVERED] = { "detected_unrecovered", "FAIL" },
	[OUTCOME_INFRA_ERROR] = { "infra_error", "ERROR" },
};

const char *outcome_kcidb_status(enum outcome o)
{
	return (unsigned)o < OUTCOME__COUNT ? table[o].kcidb : "ERROR";
}

const char *outcome_name(enum outcome o)
{
	return (unsigned)o < OUTCOME__COUNT ? table[o].name : "unknown";
}

int outcome_parse(const char *name)
{
	int i;

	for (i = 0; name && i < OUTCOME__COUNT; i++)
		if (!strcmp(table[i].name, name))
			return i;
	return -1;
}

bool outcome_nim_detected(enum outcome o)
{
	return o == OUTCOME_RECOVERED || o == OUTCOME_RECOVERED_DEGRADED ||
	       o == OUTCOME_DETECTED_UNRECOVERED;
}
