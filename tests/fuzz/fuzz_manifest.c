/*
 * fuzz_manifest.c - libFuzzer target: the trial manifest parser
 * (harness/trial/manifest.c: manifest_parse()) and, for a manifest it
 * accepts, what the runner derives from it: the guest's
 * /trial/manifest.json and the guest paths of the modules.
 */
#include "fuzz.h"

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct trial_manifest m;
	int i;

	if (!manifest_parse(text, "fuzz.json", &m)) {
		free(manifest_guest_json(&m, NULL));
		for (i = 0; i < m.n_modules; i++)
			if (m.modules[i].path)
				free(manifest_guest_module_path(&m, i));
		manifest_release(&m);
	}
	free(text);
	return 0;
}
