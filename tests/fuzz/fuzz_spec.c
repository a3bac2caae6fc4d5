/*
 * fuzz_spec.c - libFuzzer target: the campaign spec parser (JSON,
 * harness/campaign/campaign_spec.c: spec_parse()), then what a campaign
 * does with a spec it accepted: the modes override (which recomputes the
 * canonical text and hash) and the per-extension mode query.
 */
#include "fuzz.h"

#include "campaign_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct campaign_spec sp;
	int e, m;

	if (!spec_parse(text, "fuzz.json", &sp)) {
		for (e = 0; e < sp.n_ext; e++)
			for (m = 0; m < MODE_COUNT; m++)
				(void)spec_ext_runs(&sp, e, (enum spec_mode)m);
		(void)spec_override_modes(&sp, size & 1 ? "native,nooks" : "domains");
		spec_release(&sp);
	}
	free(text);
	return 0;
}
