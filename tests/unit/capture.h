/*
 * capture.h - run a call in-process with its stdout and/or stderr going to
 * temporary files, and get back what it printed (one-line error checks of
 * commands and library calls).  Header-only: static, for the test files.
 */
#ifndef NOOKS_TEST_CAPTURE_H
#define NOOKS_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

/*
 * Run fn(arg) with stdout into *out and stderr into *err (malloc'd text;
 * a NULL pointer leaves that stream alone); returns fn's value.
 */
static inline int capture_run(int (*fn)(void *), void *arg, char **out, char **err)
{
	char path[2][32] = { "/tmp/test-out-XXXXXX", "/tmp/test-err-XXXXXX" };
	char **dst[2] = { out, err };
	int tmp[2] = { -1, -1 }, saved[2] = { -1, -1 }, i, r;

	fflush(NULL);
	for (i = 0; i < 2; i++) {
		if (!dst[i])
			continue;
		tmp[i] = mkstemp(path[i]);
		saved[i] = dup(i + 1);
		dup2(tmp[i], i + 1);
	}
	r = fn(arg);
	fflush(NULL);
	for (i = 0; i < 2; i++) {
		if (!dst[i])
			continue;
		dup2(saved[i], i + 1);
		close(saved[i]);
		close(tmp[i]);
		*dst[i] = read_file(path[i], NULL);
		unlink(path[i]);
	}
	return r;
}

#endif
