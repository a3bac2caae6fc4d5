/*
 * profile.c - call profiles for runtime faults (see profile.h): the file
 * hash and key, the parser of swifi's power-off "calls" events, the
 * profile document.  Owns nothing; never runs a guest or touches the store.
 */
#define _GNU_SOURCE
#include "profile.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtfault.h"
#include "util.h"

#define FNV_OFF 0xcbf29ce484222325ULL
#define FNV_MUL 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * FNV_MUL;
	return h;
}

int profile_file_hash(const char *path, uint64_t *h)
{
	size_t len;
	char *buf = read_file(path, &len);

	if (!buf)
		return error("cannot read '%s'", path);
	*h = fnv(FNV_OFF, buf, len);
	free(buf);
	return 0;
}

char *profile_key(uint64_t module_hash, const char *workload, const char *const *args, int nargs,
		  const char *kernel)
{
	uint64_t h = fnv(FNV_OFF, &module_hash, sizeof(module_hash));
	int i;

	h = fnv(h, workload, strlen(workload) + 1);
	for (i = 0; i < nargs; i++)
		h = fnv(h, args[i], strlen(args[i]) + 1);
	h = fnv(h, "|", 1);
	h = fnv(h, kernel ? kernel : "", kernel ? strlen(kernel) + 1 : 1);
	return xasprintf("%016llx", (unsigned long long)h);
}

/* One "sym=S count=N" tail into calls; -1 if malformed. */
static int calls_line(const char *p, size_t n, struct json_object *calls)
{
	char sym[RT_SYM_LEN], line[160];
	long long c;
	int used = 0;

	if (n >= sizeof(line))
		return -1;
	memcpy(line, p, n);
	line[n] = '\0';
	if (sscanf(line, "sym=%55s count=%lld%n", sym, &c, &used) != 2 || c < 0 ||
	    c > RT_NTH_LIMIT || line[used] != '\0')
		return -1;
	json_object_object_add(calls, sym, json_object_new_int64(c));
	return 0;
}

int profile_from_console(const char *console, size_t len, struct json_object **calls)
{
	static const char mark[] = "swifi: event=calls";
	const char *p = console, *end = console + len;
	int done = 0;

	*calls = json_object_new_object();
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		const char *m = memmem(p, (size_t)(e - p), mark, sizeof(mark) - 1);

		if (e > p && e[-1] == '\r')
			e--;
		if (m) {
			const char *t = m + sizeof(mark) - 1;
			size_t rest = (size_t)(e - t);	/* the log need not end in '\n' or NUL */

			if (rest && *t == ' ' && calls_line(t + 1, rest - 1, *calls)) {
				json_object_put(*calls);
				*calls = NULL;
				return error("malformed swifi calls line '%.*s'", (int)(e - m), m);
			}
			if (rest >= 5 && !memcmp(t, "_done", 5))
				done = 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return done ? 0 : 1;
}

char *profile_text(const char *key, const char *module, uint64_t module_hash, const char *workload,
		   const char *const *args, int nargs, const char *kernel,
		   struct json_object *calls)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_object();
	char hash[17];
	char *text;
	int i;

	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)module_hash);
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "module", json_object_new_string(module));
	json_object_object_add(o, "module_hash", json_object_new_string(hash));
	json_object_object_add(o, "workload", json_object_new_string(workload));
	for (i = 0; i + 1 < nargs; i += 2)
		json_object_object_add(a, args[i], json_object_new_string(args[i + 1]));
	json_object_object_add(o, "args", a);
	json_object_object_add(o, "kernel", json_object_new_string(kernel ? kernel : ""));
	json_object_object_add(o, "calls", json_object_get(calls));
	text = xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}
