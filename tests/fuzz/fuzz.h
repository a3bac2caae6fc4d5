/*
 * fuzz.h - helpers shared by the libFuzzer targets of tests/fuzz/ (one
 * target per parser of untrusted input; docs/FUZZ.md).
 *
 * libFuzzer hands a target size bytes that are neither NUL-terminated nor
 * longer than size: fuzz_str() makes the C string a parser of text expects,
 * fuzz_file() the file a parser that takes a path reads (in one directory
 * per process, nooks-fuzz.PID, removed at a normal exit; under
 * $NOOKS_FUZZ_TMP, which scripts/fuzz.sh sets and empties after each run,
 * since a timeout or crash skips the removal; else on tmpfs if there is one).
 */
#ifndef NOOKS_FUZZ_H
#define NOOKS_FUZZ_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a malloc'd C string (an embedded NUL ends it early, as it
 * would for the parser reading a file). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char fuzz_dir_path[256];

static inline void fuzz_dir_remove(void)
{
	if (fuzz_dir_path[0])
		remove_tree(fuzz_dir_path);
}

/* This process's scratch directory (created once). */
static inline const char *fuzz_dir(void)
{
	if (!fuzz_dir_path[0]) {
		const char *base = getenv("NOOKS_FUZZ_TMP");

		if (!base || !*base)
			base = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";

		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/nooks-fuzz.%ld",
			 base && *base ? base : "/tmp", (long)getpid());
		if (mkdir_p(fuzz_dir_path, 0700))
			abort();
		atexit(fuzz_dir_remove);
	}
	return fuzz_dir_path;
}

/* The path of name in fuzz_dir(), into buf. */
static inline const char *fuzz_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fuzz_dir(), name);
	return buf;
}

/* Write the input to fuzz_dir()/name; its path, or abort (a harness failure). */
static inline const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[512];
	FILE *f;

	fuzz_path(name, path, sizeof(path));
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	return path;
}

#endif
