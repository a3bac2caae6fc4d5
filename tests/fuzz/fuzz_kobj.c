/*
 * fuzz_kobj.c - libFuzzer target: what `nooks inject` does with a .ko a
 * user hands it (any bytes): the ELF reader (injector/kobj.c:
 * kobj_load_mem(), through inj_open_mem()), the candidate sites of every
 * code fault type (inj_sites(): decodes the code sections), two mutations
 * applied from a seed (inj_apply(): relocation-aware) and their describe
 * records, and the runtime-fault plan over the called imports
 * (injector/runtime.c: rt_called_imports(), rt_sites(), rt_choose()).
 */
#include "fuzz.h"

#include <json-c/json.h>

#include "inject.h"
#include "runtime.h"

static void runtime_plan(struct injector *j, uint64_t seed)
{
	const char **names;
	size_t nn = rt_called_imports(&j->obj, &names), ns, i;
	struct rt_site *sites;
	struct rt_arm arms[2];

	if (!rt_sites(names, nn, (1u << RT_NTYPES) - 1, NULL, &sites, &ns)) {
		if (ns >= 2 && !rt_choose(sites, ns, seed, 2, arms)) {
			free(rt_arm_string(arms, 2));
			for (i = 0; i < 2; i++)
				json_object_put(rt_arm_json(&arms[i]));
		}
		free(sites);
	}
	free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mask = (1u << FT_COUNT) - 1;
	struct injector j;
	struct inj_site *sites;
	struct mutation *m;
	size_t n, i;

	if (inj_open_mem(&j, "fuzz.ko", data, size))
		return 0;
	if (!inj_sites(&j, mask, NULL, &sites, &n))
		free(sites);
	if (!inj_apply(&j, mask, NULL, size, 2, &m, &n)) {
		for (i = 0; i < n; i++)
			json_object_put(inj_mutation_json(&m[i]));
		free(m);
	}
	runtime_plan(&j, size);
	inj_close(&j);
	return 0;
}
