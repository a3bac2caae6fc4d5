/*
 * fuzz_triage.c - libFuzzer target: everything that reads a trial's console
 * log, the text the guest's kernel writes: triage (triage/: triage_console()
 * and the verdict's JSON), the NIM's detection lines (nim_detection_scan()),
 * and kmod/swifi's activation counts and call-profile lines
 * (triage_swifi.c: swifi_activation_scan(), swifi_calls_scan()).  Each gets the log as the runner has it: len
 * bytes, not NUL-terminated (an exact-size copy, so ASan sees any read past
 * the end).
 */
#include "fuzz.h"

#include <json-c/json.h>

#include "rtfault.h"
#include "triage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size);
	struct triage_verdict v;
	struct nim_detection d = { { 0 }, { 0 } };
	struct json_object *o;
	int armed, fired;

	memcpy(text, data, size);
	triage_console(text, size, &v);
	o = triage_to_json(&v);
	(void)json_object_to_json_string(o);
	json_object_put(o);
	nim_detection_scan(&d, text, size);
	swifi_activation_scan(text, size, &armed, &fired);
	o = NULL;
	(void)swifi_calls_scan(text, size, RT_NTH_LIMIT, &o);
	json_object_put(o);
	free(text);
	return 0;
}
