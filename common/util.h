/*
 * util.h - small helpers shared by every userspace component of nooks.
 *
 * Error convention (after git): helpers print one line "nooks: error: ..."
 * with error() and return -1 (or NULL); only a command decides the exit
 * status.  Messages name what failed, quoted, and end without a full stop.
 * Nothing here exits the process except the x*() allocators on OOM.
 */
#ifndef NOOKS_UTIL_H
#define NOOKS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Print "nooks: error: <msg>" to stderr; always returns -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "nooks: warning: <msg>" to stderr. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like error() with ": <strerror(errno)>" appended; returns -1. */
int error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Capture this thread's error()/warning() lines instead of printing them,
 * until error_capture_end(), which returns them (malloc'd, "" if none): one
 * line each, an error as its bare message, a warning as "warning: <msg>".
 * Lets a caller put a library call's messages into its own record (a
 * trial's infra_error detail).  Not nested.
 */
void error_capture_begin(void);
char *error_capture_end(void);
/* The first line of captured text (malloc'd), NULL if there is none. */
char *error_capture_first(const char *text);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* asprintf that aborts on OOM; returns a malloc'd string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole file; *len /out/ gets its size (a NUL is appended). NULL on error. */
char *read_file(const char *path, size_t *len);
/* Write buf to path atomically (temp file + fsync + rename). */
int write_file_atomic(const char *path, const void *buf, size_t len);
/* mkdir -p; returns 0 or -1 with an error printed. */
int mkdir_p(const char *path, unsigned mode);
/* Remove a directory tree (best effort, no error output). */
void remove_tree(const char *path);
bool file_exists(const char *path);
bool dir_exists(const char *path);	/* a directory (following symlinks) */
/* Modification time of path in seconds since the epoch, 0 if it cannot be stat'ed. */
long long file_mtime(const char *path);
/* Monotonic clock in milliseconds. */
uint64_t now_ms(void);
/* Directory of the running executable (malloc'd), or NULL. */
char *exe_dir(void);
/* Parse a non-negative decimal/hex integer; -1 on junk. */
int parse_u64(const char *s, uint64_t *out);

#endif
