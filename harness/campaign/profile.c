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
