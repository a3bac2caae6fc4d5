/*
 * fuzz_symvers.c - libFuzzer target: the Module.symvers reader
 * (injector/modbind.c: symvers_load(), which takes a path: the input is
 * written to a scratch file) and the lookups isolate and the runtime-fault
 * binding make in it.
 */
#include "fuzz.h"

#include "modbind.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symvers *sv = symvers_load(fuzz_file("Module.symvers", data, size));
	uint64_t crc;
	size_t i, n;

	if (!sv)
		return 0;
	n = symvers_count(sv);
	for (i = 0; i < n && i < 16; i++)
		(void)symvers_crc(sv, symvers_name(sv, i), &crc);
	(void)symvers_name(sv, n);
	(void)symvers_crc(sv, "nooks_w_kmalloc", &crc);
	symvers_free(sv);
	return 0;
}
