/*
 * fuzz_nim_line.c - libFuzzer target: one line of the NIM (kmod/nooks),
 * as the guest forwards it in an agent "nim" event or prints it on the
 * console: triage/triage_nim.c's nim_event_classify(), nim_event_value()
 * (the keys the runner and reports read) and nim_detection_feed().
 */
#include "fuzz.h"

#include "triage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "latency_us", "domain", "ext", "kind", "" };
	char *line = fuzz_str(data, size);
	struct nim_detection d = { { 0 }, { 0 } };
	size_t i;

	(void)nim_event_classify(line);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		(void)nim_event_value(line, keys[i]);
	nim_detection_feed(&d, line);
	free(line);
	return 0;
}
