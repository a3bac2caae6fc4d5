/*
 * test_util.c - common/util.c: atomic writes, read_file, mkdir_p,
 * parse_u64 and the error() convention.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void test_write_then_read(void **state)
{
	char dir[] = "/tmp/test_util.XXXXXX";
	char *p, *buf;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/a/b/c", dir);
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(mkdir_p(p, 0755), 0);	/* idempotent */
	free(p);
	p = xasprintf("%s/a/b/c/f", dir);
	assert_int_equal(write_file_atomic(p, "hello\0world", 11), 0);
	buf = read_file(p, &len);
	assert_non_null(buf);
	assert_int_equal(len, 11);
	assert_memory_equal(buf, "hello\0world", 11);
	assert_int_equal(buf[11], '\0');
	free(buf);
	free(p);
	p = xasprintf("%s/no/such/dir/f", dir);
	assert_int_equal(write_file_atomic(p, "x", 1), -1);
	assert_null(read_file(p, NULL));
	free(p);
	remove_tree(dir);
	assert_false(file_exists(dir));
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_u64("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_u64("0x10", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(parse_u64("", &v), -1);
	assert_int_equal(parse_u64("-1", &v), -1);
	assert_int_equal(parse_u64("12abc", &v), -1);
	assert_int_equal(parse_u64("99999999999999999999999", &v), -1);
	assert_int_equal(parse_u64(NULL, &v), -1);
}

static void test_error_returns_minus_one(void **state)
{
	(void)state;
	assert_int_equal(error("test message '%s'", "x"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_then_read),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_error_returns_minus_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
