/*
 * fuzz_describe.c - libFuzzer target: the injector's describe record
 * (describe.json, written by injection_describe() and read back by the
 * campaign executor): describe_parse() (harness/campaign/describe.c, the
 * mutations stored per fault and swifi.ko's parameters for runtime faults).
 */
#include "fuzz.h"

#include "describe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct describe d;

	if (!describe_parse(text, &d))
		describe_release(&d);
	free(text);
	return 0;
}
