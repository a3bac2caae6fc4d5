/*
 * wl_common.h - shared helpers of the guest workloads (/bin/wl-<name>):
 * the output contract (JSON progress lines and one final result line on
 * stdout; exit 0 pass, 1 functional failure, 2 setup/usage error), option
 * parsing (--key value), a wall-clock deadline, a deterministic payload
 * generator with CRC-32.  The network set-up and the recovery hooks shared
 * by wl-netdev and wl-khttpd are in wl_net.h, the phase trigger of
 * transient code faults in wl_inject.h (both included at the end).
 *
 * Everything is static inline: each workload is one static program built
 * from one .c file.  Nothing here talks to the host or leaves the guest.
 */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/route.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WL_PASS 0
#define WL_FAIL 1
#define WL_INFRA 2

#define WL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *wl_name = "wl";

/* ---- output contract ------------------------------------------------ */

/* Escape s into a JSON string body (no quotes) in out[n]. */
static inline void wl_json_escape(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s && o + 7 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, n - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
}

/* Print one progress line; fields is a JSON member list ("\"a\":1,..."). */
__attribute__((format(printf, 1, 2)))
static inline void wl_progress(const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	printf("{\"event\":\"progress\",\"workload\":\"%s\",%s}\n", wl_name, body);
	fflush(stdout);
}

/* Metrics collected for the result line (a JSON member list). */
static char wl_metrics[2048];

__attribute__((format(printf, 1, 2)))
static inline void wl_metric(const char *fmt, ...)
{
	size_t o = strlen(wl_metrics);
	va_list ap;

	if (o && o + 1 < sizeof(wl_metrics))
		wl_metrics[o++] = ',';
	va_start(ap, fmt);
	vsnprintf(wl_metrics + o, sizeof(wl_metrics) - o, fmt, ap);
	va_end(ap);
}

/* Pids to SIGKILL before the process ends (peer-namespace children). */
static pid_t wl_children[4];

static inline void wl_kill_children(void)
{
	size_t i;

	for (i = 0; i < WL_ARRAY_SIZE(wl_children); i++)
		if (wl_children[i] > 0) {
			kill(wl_children[i], SIGKILL);
			waitpid(wl_children[i], NULL, 0);
			wl_children[i] = 0;
		}
}

/* Print the one result line and exit with code (WL_PASS/WL_FAIL/WL_INFRA). */
__attribute__((noreturn, format(printf, 2, 3)))
static inline void wl_finish(int code, const char *fmt, ...)
{
	char reason[512], esc[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	wl_json_escape(reason, esc, sizeof(esc));
	wl_kill_children();
	printf("{\"event\":\"result\",\"workload\":\"%s\",\"pass\":%s,\"infra\":%s,"
	       "\"reason\":\"%s\",\"metrics\":{%s}}\n", wl_name,
	       code == WL_PASS ? "true" : "false", code == WL_INFRA ? "true" : "false",
	       esc, wl_metrics);
	fflush(stdout);
	exit(code);
}

/* ---- deadline --------------------------------------------------------- */

static char wl_phase[64] = "start";
static char wl_deadline_line[1024];

static inline void wl_inject_phase_end(const char *ending);	/* wl_inject.h */

static inline void wl_set_phase(const char *phase)
{
	wl_inject_phase_end(wl_phase);
	snprintf(wl_phase, sizeof(wl_phase), "%s", phase);
	/* Pre-format the line the SIGALRM handler writes (async-signal-safe). */
	snprintf(wl_deadline_line, sizeof(wl_deadline_line),
		 "{\"event\":\"result\",\"workload\":\"%s\",\"pass\":false,\"infra\":false,"
		 "\"reason\":\"deadline exceeded in phase %s\",\"metrics\":{}}\n",
		 wl_name, wl_phase);
	wl_progress("\"phase\":\"%s\"", phase);
}

static inline void wl_on_alarm(int sig)
{
	size_t i;
	ssize_t r;

	(void)sig;
	for (i = 0; i < WL_ARRAY_SIZE(wl_children); i++)
		if (wl_children[i] > 0)
			kill(wl_children[i], SIGKILL);
	r = write(1, wl_deadline_line, strlen(wl_deadline_line));
	(void)r;
	_exit(WL_FAIL);
}

/*
 * Fail the workload (exit 1) if it is still running after seconds.  Also:
 * a write to a connection the other side reset is a failure the workload
 * reports (EPIPE), not a silent death by SIGPIPE.
 */
static inline void wl_deadline(unsigned seconds)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, wl_on_alarm);
	alarm(seconds);
}

/* ---- options ---------------------------------------------------------- */

struct wl_opt {
	const char *name;	/* without the leading "--" */
	int is_str;
	void *ptr;		/* unsigned long * or const char ** */
	const char *help;
};

/* Parse --key value pairs; unknown keys or bad values end with WL_INFRA. */
static inline void wl_parse(int argc, char **argv, const struct wl_opt *opts, size_t n)
{
	int i;
	size_t k;

	for (i = 1; i < argc; i += 2) {
		const char *key = argv[i];

		if (!strcmp(key, "--help") || !strcmp(key, "-h")) {
			printf("usage: %s [--key value ...]\n", argv[0]);
			for (k = 0; k < n; k++)
				printf("  --%-12s %s\n", opts[k].name, opts[k].help);
			exit(0);
		}
		if (strncmp(key, "--", 2))
			wl_finish(WL_INFRA, "unexpected argument '%s'", key);
		for (k = 0; k < n && strcmp(key + 2, opts[k].name); k++)
			;
		if (k == n)
			wl_finish(WL_INFRA, "unknown parameter '%s'", key);
		if (i + 1 >= argc)
			wl_finish(WL_INFRA, "parameter '%s' needs a value", key);
		if (opts[k].is_str) {
			*(const char **)opts[k].ptr = argv[i + 1];
		} else {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(argv[i + 1], &end, 0);
			if (errno || end == argv[i + 1] || *end || argv[i + 1][0] == '-')
				wl_finish(WL_INFRA, "invalid value '%s' for parameter '%s'",
					  argv[i + 1], key);
			*(unsigned long *)opts[k].ptr = v;
		}
	}
}

/* Whether mode (--mode) is "bench" rather than "test"; another ends with WL_INFRA. */
static inline int wl_bench(const char *mode)
{
	if (strcmp(mode, "test") && strcmp(mode, "bench"))
		wl_finish(WL_INFRA, "unknown mode '%s' (test or bench)", mode);
	return !strcmp(mode, "bench");
}

/* A --deadline of 0 ends with WL_INFRA. */
static inline void wl_check_deadline(unsigned long deadline)
{
	if (!deadline)
		wl_finish(WL_INFRA, "invalid value '0' for parameter '--deadline'");
}

/* ---- time, payload, checksum ----------------------------------------- */

static inline uint64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Deterministic payload: byte i of stream seed is wl_pattern(seed, i). */
static inline void wl_fill(uint64_t seed, uint64_t off, unsigned char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t x = (off + i) / 8 * 0x9E3779B97F4A7C15ull ^ seed;

		x ^= x >> 31;
		x *= 0xBF58476D1CE4E5B9ull;
		x ^= x >> 29;
		buf[i] = (unsigned char)(x >> (8 * ((off + i) % 8)));
	}
}

/* CRC-32 (IEEE, as zlib's crc32()): crc = wl_crc32(crc, buf, n), start at 0. */
static inline uint32_t wl_crc32(uint32_t crc, const void *buf, size_t n)
{
	static uint32_t table[256];
	const unsigned char *p = buf;
	size_t i;

	if (!table[1])
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
			int k;

			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	for (i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Read (wr == 0) or write (wr != 0) exactly n bytes; 0 ok, -1 error or EOF. */
static inline int wl_io_full(int fd, char *p, size_t n, int wr)
{
	while (n) {
		ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read exactly n bytes; 0 ok, -1 error or EOF. */
static inline int wl_read_full(int fd, void *buf, size_t n)
{
	return wl_io_full(fd, buf, n, 0);
}

/* Write exactly n bytes; 0 ok, -1 error. */
static inline int wl_write_full(int fd, const void *buf, size_t n)
{
	return wl_io_full(fd, (char *)buf, n, 1);
}

/* Write s to a sysfs file (one write(2): a parameter's setter sees it whole); 0, or -1 with errno. */
static inline int wl_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), r, e;

	if (fd < 0)
		return -1;
	r = wl_write_full(fd, s, strlen(s));
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* Read a small sysfs/proc file into buf (trailing newline removed). */
static inline int wl_read_str(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = 0;
	return 0;
}

static inline unsigned long long wl_read_ull(const char *path)
{
	char buf[64];

	if (wl_read_str(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 0);
}

#include "wl_inject.h"

#include "wl_net.h"

#endif
