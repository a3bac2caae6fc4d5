/*
 * test_util.c - common/util.c: atomic writes, read_file, mkdir_p,
 * parse_u64, the error() convention and error capture.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
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

/* error_capture_*: a library call's messages into the caller's record, per thread. */
static void *capture_in_thread(void *arg)
{
	(void)arg;
	error_capture_begin();
	error("other thread");
	return error_capture_end();
}

static void test_error_capture(void **state)
{
	pthread_t th;
	char *t, *first, *other;

	(void)state;
	error_capture_begin();
	assert_int_equal(error("cannot open '%s'", "a.ko"), -1);
	warning("slow");
	errno = ENOENT;
	error_errno("cannot read '%s'", "b");
	assert_int_equal(pthread_create(&th, NULL, capture_in_thread, NULL), 0);
	assert_int_equal(pthread_join(th, (void **)&other), 0);
	t = error_capture_end();
	assert_string_equal(t, "cannot open 'a.ko'\nwarning: slow\n"
			    "cannot read 'b': No such file or directory\n");
	assert_string_equal(other, "other thread\n");
	first = error_capture_first(t);
	assert_string_equal(first, "cannot open 'a.ko'");
	free(first);
	free(t);
	free(other);
	t = error_capture_end();	/* not capturing: nothing */
	assert_string_equal(t, "");
	assert_null(error_capture_first(t));
	free(t);
}

FIXTURE_MAIN(NULL, NULL,
	     cmocka_unit_test(test_write_then_read),
	     cmocka_unit_test(test_parse_u64),
	     cmocka_unit_test(test_error_returns_minus_one),
	     cmocka_unit_test(test_error_capture))
