/*
 * fuzz_profile.c - libFuzzer target: the call-profile document that
 * `nooks inject --profile` reads (injector/runtime.c: rt_profile_parse();
 * its counts come from the guest's console), then the lookups the planner
 * makes in a profile it accepted.
 */
#include "fuzz.h"

#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct rt_profile p;
	size_t i;

	if (!rt_profile_parse(text, "fuzz.json", &p)) {
		for (i = 0; i < p.n; i++)
			(void)rt_profile_reach(rt_profile_calls(&p, p.e[i].sym));
		(void)rt_profile_calls(&p, "kmalloc");
		rt_profile_release(&p);
	}
	free(text);
	return 0;
}
