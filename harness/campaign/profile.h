/*
 * profile.h - call profiles for runtime faults: how often an extension
 * calls each function kmod/swifi wraps under one workload.  A profiling
 * trial loads the module with every wrapped import rebound to swifi
 * (`nooks inject --count-only`) and swifi unarmed; at power-off swifi
 * prints "swifi: event=calls sym=S count=N" per wrapper and "swifi:
 * event=calls_done fired=F" (read by triage's swifi_calls_scan()).  This
 * file turns those counts into the profile JSON `nooks inject --profile`
 * reads, and names profiles by a key over (module bytes, workload,
 * workload args, kernel).  Pure: no guest, no store, no console text; the
 * campaign executor runs the trial and caches the file.
 */
#ifndef NOOKS_PROFILE_H
#define NOOKS_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/* FNV-1a 64 of a file's bytes; -1 with an error if unreadable. */
int profile_file_hash(const char *path, uint64_t *h /* out */);
/* The profile key (16 hex digits, malloc'd) of module_hash + workload + args (k,v pairs) + kernel. */
char *profile_key(uint64_t module_hash, const char *workload, const char *const *args, int nargs,
		  const char *kernel);
/* The profile document (JSON text, malloc'd): key, module, module_hash, workload, args, kernel, calls. */
char *profile_text(const char *key, const char *module, uint64_t module_hash, const char *workload,
		   const char *const *args, int nargs, const char *kernel,
		   struct json_object *calls);

#endif
