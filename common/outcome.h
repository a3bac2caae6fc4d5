/*
 * outcome.h - the one table of trial outcome classes (docs/OUTCOMES.md):
 * their order, their names as stored (db/schema.sql's CHECK lists the same
 * names), what each counts as and its KCIDB test status.  classify.c decides a trial's class; the
 * campaign runner, the store's readers and the reports only name and count
 * them through this table.
 *
 * Invariants: the counted classes come first (OUTCOME__COUNTED of them);
 * infra_error is last and never counted; names never change (they are in
 * every database).
 */
#ifndef NOOKS_OUTCOME_H
#define NOOKS_OUTCOME_H

#include <stdbool.h>

enum outcome {
	OUTCOME_NO_EFFECT,
	OUTCOME_FUNCTIONAL,
	OUTCOME_CRASH,
	OUTCOME_HANG,
	OUTCOME_RECOVERED,
	OUTCOME_RECOVERED_DEGRADED,
	OUTCOME_DETECTED_UNRECOVERED,
	OUTCOME_INFRA_ERROR,
	OUTCOME__COUNT
};

/* classes a campaign counts (everything but infra_error) */
#define OUTCOME__COUNTED OUTCOME_INFRA_ERROR

/* "no_effect" ...; "unknown" out of range. */
const char *outcome_name(enum outcome o);

/* The class's KCIDB test status: "PASS", "FAIL" or "ERROR" (infra_error). */
const char *outcome_kcidb_status(enum outcome o);

/* The class named name; -1 if unknown (or NULL). */
int outcome_parse(const char *name);

/* Whether an outcome class means the NIM detected a fault (recovered,
 * recovered_degraded, detected_unrecovered). */
bool outcome_nim_detected(enum outcome o);

#endif
