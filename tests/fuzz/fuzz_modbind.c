/*
 * fuzz_modbind.c - libFuzzer target: what `nooks isolate` (and the
 * runtime-fault binding) does with a .ko a user hands it: injector/
 * modbind.c opens a signature-stripped working copy with libelf
 * (modbind_open() takes a path: the input is written to a scratch file),
 * lists the imports, drops the static call sites of __SCT__ trampolines,
 * renames every called import to its wrapper nooks_w_<sym> with a CRC,
 * keeps the init sections and commits the result.
 */
#include "fuzz.h"

#include "modbind.h"

#define MAX_RENAMES 64

static int sct_dropped(const char *sym)
{
	return !strncmp(sym, "__SCT__", 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = fuzz_file("in.ko", data, size);
	char out[512], *todo[MAX_RENAMES];
	const struct modbind_import *im;
	struct modbind *mb;
	size_t n, i, k = 0;

	fuzz_path("out.ko", out, sizeof(out));
	mb = modbind_open(in, out);
	if (!mb)
		return 0;
	(void)modbind_was_signed(mb);
	im = modbind_imports(mb, &n);
	for (i = 0; i < n && k < MAX_RENAMES; i++)
		if (im[i].refs & MODBIND_CALLED)
			todo[k++] = xstrdup(im[i].name);
	if (modbind_drop_static_calls(mb, sct_dropped) >= 0) {
		for (i = 0; i < k; i++) {
			char *w = xasprintf("nooks_w_%s", todo[i]);

			if (modbind_rename(mb, todo[i], w, 0x12345678u + i)) {
				free(w);
				break;
			}
			free(w);
		}
		if (i == k && modbind_keep_init(mb) >= 0)
			(void)modbind_commit(mb);
	}
	for (i = 0; i < k; i++)
		free(todo[i]);
	modbind_close(mb);
	unlink(out);
	return 0;
}
