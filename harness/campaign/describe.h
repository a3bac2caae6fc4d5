/*
 * describe.h - the one reader of the injector's describe record (the JSON
 * injection_describe() writes, kept as describe.json in a trial's
 * directory and stored with the trial): the mutations stored per fault and
 * swifi.ko's parameters for runtime faults.  Parsed once per trial, by the
 * executor.  Untrusted input (fuzzed by tests/fuzz/fuzz_describe.c).
 */
#ifndef NOOKS_DESCRIBE_H
#define NOOKS_DESCRIBE_H

#include "store.h"

struct describe {
	struct store_mutation *mutations;	/* malloc'd, strings too */
	int n_mutations;
	char *swifi_params;			/* "arm=...", NULL: no runtime fault */
};

/* Parse json (an object with "mutations", or a bare list); one-line error on junk. */
int describe_parse(const char *json, struct describe *d /* out */);
void describe_release(struct describe *d);

#endif
