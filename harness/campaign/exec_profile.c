/*
 * exec_profile.c - call profiles for runtime faults (docs/CAMPAIGNS.md
 * "Call profiles"): before an extension's first runtime-fault trial, one
 * count-only profiling trial (the module rebound to swifi, nothing armed)
 * counts the calls the workload makes to each wrapped import; the profile
 * is cached as a file (NOOKS_CACHE or the runs directory) keyed by the
 * module's hash, workload, its arguments and the kernel, and the
 * injection then draws N among the calls that really happen.  Made once
 * per run under exec_ctx's profile_lock (workers wait for it).
 */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_impl.h"
#include "injection.h"
#include "manifest.h"
#include "profile.h"
#include "rtfault.h"
#include "triage.h"
#include "trial.h"
#include "util.h"

/*
 * Where profiles are cached: $NOOKS_CACHE/profiles, else "profiles" in the
 * campaign's runs directory (the parent of every trial's workdir).
 */
static char *profile_dir(const struct trial_request *rq)
{
	const char *env = getenv("NOOKS_CACHE");
	char *d, *slash, *p;

	if (env && *env)
		return xasprintf("%s/profiles", env);
	d = xstrdup(rq->workdir);
	slash = strrchr(d, '/');
	if (slash)
		*slash = '\0';
	p = xasprintf("%s/profiles", slash ? d : ".");
	free(d);
	return p;
}

/* The fault descriptor has a runtime fault type and profiles are not turned off. */
bool exec_wants_profile(const char *types)
{
	const char *env = getenv("NOOKS_RT_PROFILE");
	unsigned code, rt;

	if (env && !strcmp(env, "off"))		/* N uniform in 1..16, as without a profile */
		return false;
	return !rt_parse_fault_list(types, &code, &rt) && rt;
}

/* Run the profiling trial of rq's extension in dir; console log path (malloc'd) or NULL. */
static char *profiling_trial(const struct exec_ctx *x, const struct trial_request *rq,
			     const char *dir)
{
	int e = (int)(rq->ext - rq->spec->ext), attempt;
	char *ko = xasprintf("%s/count.ko", dir), *msg = NULL;
	char *rundir = xasprintf("%s/run", dir), *text = NULL, *disk = NULL, *log = NULL;
	struct injection_opts io = { .symvers = x->swifi_symvers };
	struct injection in;
	struct trial_request prq = *rq;
	struct store_trial dr;
	struct trial_opts to = { .image = &x->img, .run_dir = rundir };
	struct trial_manifest m;
	struct trial_result t;

	prq.mode = MODE_NATIVE;
	prq.workdir = dir;
	store_trial_init(&dr);
	error_capture_begin();
	if (!injection_open(&in, x->modules[e], &io)) {
		size_t n;

		if (!injection_count_only(&in, ko, &n))
			msg = xstrdup("");
		injection_close(&in);
	}
	text = error_capture_end();
	if (!msg) {
		msg = error_capture_first(text);
		error("'nooks inject --count-only %s' failed: %s", x->modules[e],
		      msg ? msg : "no message");
		free(text);
		text = NULL;
		goto out;
	}
	free(text);
	text = NULL;
	if (exec_prepare_disk(&prq, &disk, &dr))
		goto out;
	exec_manifest(&prq, ko, "arm=none", x->stock[e], disk, NULL, &m);
	for (attempt = 0; attempt < 3; attempt++) {
		if (trial_run(&m, &to, &t))
			break;
		if (t.outcome != OUTCOME_INFRA_ERROR) {
			if (t.outcome == OUTCOME_CRASH || t.outcome == OUTCOME_HANG)
				error("the profiling trial of extension '%s' ended in %s (see '%s')",
				      rq->ext->name, outcome_name(t.outcome), t.console_log);
			else
				log = xstrdup(t.console_log);
			trial_result_release(&t);
			break;
		}
		trial_result_release(&t);
	}
	manifest_release(&m);
out:
	store_trial_free(&dr);
	free(ko);
	free(msg);
	free(rundir);
	free(text);
	free(disk);
	return log;
}

/* Profile document (malloc'd) from a profiling run of rq's extension, NULL with an error. */
static char *new_profile(const struct exec_ctx *x, const struct trial_request *rq,
			 const char *dir, const char *key, uint64_t hash)
{
	const struct spec_extension *e = rq->ext;
	char *log = NULL, *console = NULL, *text = NULL;
	struct json_object *calls = NULL;
	size_t len;
	int r;

	if (mkdir_p(dir, 0755))
		return NULL;
	log = profiling_trial(x, rq, dir);
	console = log ? read_file(log, &len) : NULL;
	if (!console)
		goto out;
	r = swifi_calls_scan(console, len, RT_NTH_LIMIT, &calls);
	if (r > 0)
		error("the profiling trial of extension '%s' has no swifi call counts ('%s')",
		      e->name, log);
	if (!r)
		text = profile_text(key, e->module, hash, e->workload,
				    (const char *const *)e->workload_args, e->n_workload_args,
				    x->img.kernel_version, calls);
out:
	json_object_put(calls);
	free(console);
	free(log);
	return text;
}

/* Make (profiling trial) or load (cache file) the call profile of rq's extension. */
static int make_profile(const struct exec_ctx *x, const struct trial_request *rq,
			struct exec_profile *p)
{
	const struct spec_extension *e = rq->ext;
	int i = (int)(e - rq->spec->ext), ret = -1;
	char *dir = profile_dir(rq), *key = NULL, *path = NULL, *run = NULL, *text = NULL;
	struct rt_profile check;
	uint64_t h;

	if (profile_file_hash(x->modules[i], &h))
		goto out;
	key = profile_key(h, e->workload, (const char *const *)e->workload_args,
			  e->n_workload_args, x->img.kernel_version);
	path = xasprintf("%s/%s-%s.json", dir, e->name, key);
	run = xasprintf("%s/%s-%s.run", dir, e->name, key);
	if (file_exists(path)) {
		text = read_file(path, NULL);
	} else {
		text = new_profile(x, rq, run, key, h);
		if (text && write_file_atomic(path, text, strlen(text))) {
			free(text);
			text = NULL;
		}
	}
	if (!text || rt_profile_parse(text, path, &check))
		goto out;
	rt_profile_release(&check);
	p->path = path;
	p->key = key;
	p->json = text;
	path = key = text = NULL;
	ret = 0;
out:
	free(dir);
	free(key);
	free(path);
	free(run);
	free(text);
	return ret;
}

/* The extension's call profile, made once per run (workers wait for it). */
struct exec_profile *exec_ensure_profile(struct exec_ctx *x, const struct trial_request *rq)
{
	struct exec_profile *p = &x->profile[rq->ext - rq->spec->ext];
	int r = 0;

	pthread_mutex_lock(&x->profile_lock);
	if (!p->path)
		r = make_profile(x, rq, p);
	pthread_mutex_unlock(&x->profile_lock);
	return r ? NULL : p;
}
