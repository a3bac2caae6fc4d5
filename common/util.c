/*
 * util.c - error reporting, allocation, file and path helpers.
 * See util.h for the error convention.  Must never call exit() except when
 * memory runs out.
 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* This thread's captured lines (error_capture_begin), or not capturing. */
static __thread struct {
	int on;
	char *text;
	size_t len;
} capture;

static void vreport(const char *prefix, const char *fmt, va_list ap,
		    const char *suffix)
{
	char buf[4096], *line;
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!capture.on) {
		fprintf(stderr, "nooks: %s%s%s%s\n", prefix, buf, suffix ? ": " : "",
			suffix ? suffix : "");
		return;
	}
	/* errors as their bare message, warnings keep "warning: " */
	line = xasprintf("%s%s%s%s\n", strcmp(prefix, "error: ") ? prefix : "", buf,
			 suffix ? ": " : "", suffix ? suffix : "");
	n = strlen(line);
	capture.text = xrealloc(capture.text, capture.len + n + 1);
	memcpy(capture.text + capture.len, line, n + 1);
	capture.len += n;
	free(line);
}

void error_capture_begin(void)
{
	free(capture.text);
	capture.text = NULL;
	capture.len = 0;
	capture.on = 1;
}

char *error_capture_end(void)
{
	char *t = capture.text ? capture.text : xstrdup("");

	capture.text = NULL;
	capture.len = 0;
	capture.on = 0;
	return t;
}

char *error_capture_first(const char *text)
{
	size_t n = strcspn(text, "\n");
	char *l;

	if (!n)
		return NULL;
	l = xmalloc(n + 1);
	memcpy(l, text, n);
	l[n] = '\0';
	return l;
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap, NULL);
	va_end(ap);
}

static void *oom(void *p)
{
	if (!p) {
		fputs("nooks: fatal: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n) { return oom(malloc(n ? n : 1)); }
void *xcalloc(size_t nmemb, size_t n) { return oom(calloc(nmemb ? nmemb : 1, n ? n : 1)); }
void *xrealloc(void *p, size_t n) { return oom(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return oom(strdup(s)); }

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom(NULL);
	return s;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f) {
		error_errno("cannot open '%s'", path);
		return NULL;
	}
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		error_errno("cannot read '%s'", path);
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int write_file_atomic(const char *path, const void *buf, size_t len)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = buf;
	int ret = -1;

	if (fd < 0) {
		error_errno("cannot create '%s'", tmp);
		goto out;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			error_errno("cannot write '%s'", tmp);
			goto err_close;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0) {
		error_errno("cannot sync '%s'", tmp);
		goto err_close;
	}
	if (close(fd) < 0) {
		fd = -1;
		error_errno("cannot close '%s'", tmp);
		goto err_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		error_errno("cannot rename '%s' to '%s'", tmp, path);
		goto err_unlink;
	}
	ret = 0;
	goto out;
err_close:
	close(fd);
err_unlink:
	unlink(tmp);
out:
	free(tmp);
	return ret;
}

int mkdir_p(const char *path, unsigned mode)
{
	char *p = xstrdup(path), *s;
	int ret = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				ret = error_errno("cannot create directory '%s'", p);
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return ret;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

void remove_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

long long file_mtime(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (long long)st.st_mtime;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(dirname(buf));
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}
