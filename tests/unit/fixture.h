/*
 * fixture.h - what the unit tests share: recorded fixtures (tests/fixtures/
 * ...): read one, its expectations from its "# key: value" header lines,
 * its body after them; and the test program's temporary directory (a
 * cmocka group setup and teardown); output captured in memory; the test
 * program's main() (FIXTURE_MAIN).  Header-only: static, for the test
 * files; FIXTURE_MAIN needs cmocka.h included first.
 */
#ifndef NOOKS_TEST_FIXTURE_H
#define NOOKS_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* The file dir/name (malloc'd, *len its size), NULL if unreadable. */
static inline char *fixture_read(const char *dir, const char *name, size_t *len)
{
	char *path = xasprintf("%s/%s", dir, name), *text = read_file(path, len);

	free(path);
	return text;
}

/* The value of header key (leading "# key: value" lines) copied to buf, or NULL. */
static inline char *fixture_header(const char *text, const char *key, char *buf, size_t size)
{
	const char *p = text;
	size_t klen = strlen(key);

	while (*p == '#') {
		const char *eol = strchr(p, '\n');

		if (!eol)
			break;
		if (!strncmp(p, "# ", 2) && !strncmp(p + 2, key, klen) && p[2 + klen] == ':') {
			const char *v = p + 3 + klen;

			while (*v == ' ')
				v++;
			snprintf(buf, size, "%.*s", (int)(eol - v), v);
			return buf;
		}
		p = eol + 1;
	}
	return NULL;
}

/* The header's value of key as an integer (the key must be there). */
static inline long long fixture_header_int(const char *text, const char *key)
{
	char buf[64];

	if (!fixture_header(text, key, buf, sizeof(buf)))
		return -999999;
	return strtoll(buf, NULL, 0);
}

/* The text after the header lines. */
static inline const char *fixture_body(const char *text)
{
	while (*text == '#') {
		const char *eol = strchr(text, '\n');

		if (!eol)
			return text + strlen(text);
		text = eol + 1;
	}
	return text;
}

/* The test program's temporary directory (fixture_tmp_setup() made it). */
static char fixture_tmp[64] __attribute__((unused));

/* cmocka group setup: a fresh temporary directory in fixture_tmp. */
static inline int fixture_tmp_setup(void **state)
{
	(void)state;
	snprintf(fixture_tmp, sizeof(fixture_tmp), "/tmp/nooks-test.XXXXXX");
	return mkdtemp(fixture_tmp) ? 0 : -1;
}

/* cmocka group teardown: fixture_tmp removed with everything in it. */
static inline int fixture_tmp_teardown(void **state)
{
	(void)state;
	remove_tree(fixture_tmp);
	return 0;
}

/* Output written in memory: mem_open() a stream, write, mem_text() its text. */
struct mem_out {
	char *buf;
	size_t len;
	FILE *f;
};

/* A stream into m (NULL if it cannot be opened). */
static inline FILE *mem_open(struct mem_out *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	return m->f;
}

/* Closes m's stream; what was written (malloc'd, for free()). */
static inline char *mem_text(struct mem_out *m)
{
	fclose(m->f);
	return m->buf;
}

/*
 * The test program's main(): the tests given (cmocka_unit_test(fn), ...)
 * run as one cmocka group between setup and teardown (NULL: none).
 */
#define FIXTURE_MAIN(setup, teardown, ...)					\
	int main(void)								\
	{									\
		const struct CMUnitTest tests[] = { __VA_ARGS__ };		\
										\
		return cmocka_run_group_tests(tests, setup, teardown);		\
	}

#endif
