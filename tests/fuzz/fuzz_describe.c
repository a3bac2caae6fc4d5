/*
 * fuzz_describe.c - libFuzzer target: the injector's describe record
 * (describe.json, written by `nooks inject --describe` and read back by the
 * campaign): campaign_parse_describe() (harness/campaign/campaign.c, the
 * mutations stored per fault) and describe_swifi_params()
 * (campaign_exec.c, swifi.ko's parameters for runtime faults).
 */
#include "fuzz.h"

#include "campaign.h"
#include "campaign_exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct store_mutation *m;
	int n;

	if (!campaign_parse_describe(text, &m, &n))
		campaign_free_mutations(m, n);
	free(describe_swifi_params(text));
	free(text);
	return 0;
}
