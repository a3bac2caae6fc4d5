/*
 * campaign_exec.c - the real trial executor (see campaign_exec.h).
 *
 * One trial: `nooks inject` turns the fault descriptor into OUT.ko and
 * describe.json (same bytes for the same seed), then `nooks vm run` boots
 * the guest (TCG) with OUT.ko, the extension's device and the workload
 * /bin/wl-<name>, and the exit status plus the console decide the class:
 *   0 no_effect; workload failure (result pass:false) or module load
 *   failure: functional; 124 hang; 126 crash (console title kept);
 *   workload setup error (2) or a host/QEMU failure: infra_error.
 * This is the interim path until the harness's trial runner (agent
 * heartbeats, console triage) lands; the executor interface stays.  Nooks
 * mode is refused up front until the NIM exists.  Must never classify a
 * host-side failure as a guest outcome.
 */
#define _GNU_SOURCE
#include "campaign_exec.h"

#include <ftw.h>
#include <json-c/json.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

/* Run argv with stdout/stderr to files; returns the exit status, -1 if it
 * could not run, 128+N on signal N. */
static int run(char *const argv[], const char *out, const char *err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
					 01 | 0100 | 01000, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err ? err : "/dev/null",
					 01 | 0100 | 01000, 0644);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static const char *find_name;
static char *found_path;

static int find_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	if (flag == FTW_F && !strcmp(p + ftw->base, find_name)) {
		found_path = xstrdup(p);
		return 1;
	}
	return 0;
}

/* Host path of the stock module of ext (malloc'd), or NULL with an error. */
static char *module_path(const struct exec_ctx *x, const struct spec_extension *e)
{
	char *name;

	if (strchr(e->module, '/'))
		return file_exists(e->module) ? xstrdup(e->module)
			: (error("module file '%s' not found", e->module), NULL);
	name = xasprintf("%s.ko", e->module);
	find_name = name;
	found_path = NULL;
	nftw(x->img.modules_dir, find_cb, 16, FTW_PHYS);
	free(name);
	if (!found_path)
		error("module '%s' of extension '%s' is not in the guest image '%s'", e->module,
		      e->name, x->img.modules_dir);
	return found_path;
}

int exec_prepare(const struct campaign_spec *sp, const char *image_dir, struct exec_ctx *x)
{
	char *dir = exe_dir(), *probe[4], *tmp;
	int i;

	memset(x, 0, sizeof(*x));
	if (!dir)
		return error("cannot find the nooks binary");
	x->nooks = xasprintf("%s/nooks", dir);
	x->guest_bin = xasprintf("%s/../build/guest/bin", dir);
	free(dir);
	if (image_load(image_dir, &x->img)) {
		exec_release(x);
		return -1;
	}
	probe[0] = x->nooks;
	probe[1] = "inject";
	probe[2] = "--help";
	probe[3] = NULL;
	if (run(probe, NULL, NULL) != 0) {
		exec_release(x);
		return error("the fault injector ('nooks inject') is not part of this build");
	}
	if (sp->modes[MODE_NOOKS]) {
		probe[1] = "isolate";
		tmp = xasprintf("%s/extra/nooks.ko", x->img.modules_dir);
		if (!file_exists(tmp) || run(probe, NULL, NULL) != 0) {
			free(tmp);
			exec_release(x);
			return error("mode 'nooks' needs the NIM (nooks.ko in the image and "
				     "'nooks isolate'), which this build lacks; use --modes native");
		}
		free(tmp);
	}
	for (i = 0; i < sp->n_ext; i++) {
		char *wl;

		/* resolved once here: nftw's callback state is not thread-safe */
		x->modules[i] = module_path(x, &sp->ext[i]);
		if (!x->modules[i]) {
			exec_release(x);
			return -1;
		}
		wl = xasprintf("%s/wl-%s", x->guest_bin, sp->ext[i].workload);
		if (!file_exists(wl)) {
			error("workload '%s' of extension '%s' is not in the guest image (%s missing)",
			      sp->ext[i].workload, sp->ext[i].name, wl);
			free(wl);
			exec_release(x);
			return -1;
		}
		free(wl);
	}
	return 0;
}

void exec_release(struct exec_ctx *x)
{
	int i;

	for (i = 0; i < SPEC_MAX_EXT; i++)
		free(x->modules[i]);
	free(x->nooks);
	free(x->guest_bin);
	if (x->img.dir)
		image_release(&x->img);
	memset(x, 0, sizeof(*x));
}

/* The workload's final {"event":"result",...} line: pass, reason, metrics. */
static void parse_result(const char *path, struct campaign_result *r)
{
	char *buf = file_exists(path) ? read_file(path, NULL) : NULL, *line, *save = NULL;

	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o, *v;

		if (!strstr(line, "\"result\"") || !(o = json_tokener_parse(line)))
			continue;
		if (json_object_object_get_ex(o, "pass", &v))
			r->workload_pass = json_object_get_boolean(v);
		if (json_object_object_get_ex(o, "reason", &v)) {
			free(r->workload_reason);
			r->workload_reason = xstrdup(json_object_get_string(v));
		}
		if (json_object_object_get_ex(o, "metrics", &v)) {
			free(r->metrics_json);
			r->metrics_json = xstrdup(json_object_to_json_string_ext(v,
							JSON_C_TO_STRING_PLAIN));
		}
		json_object_put(o);
	}
	free(buf);
}

/* First crash line of the console, normalized (timestamps, hex dropped). */
static void crash_title(const char *console, struct campaign_result *r)
{
	static const struct { const char *pat, *kind; } pats[] = {
		{ "BUG: kernel NULL pointer dereference", "null_deref" },
		{ "BUG: unable to handle", "page_fault" },
		{ "general protection fault", "gpf" },
		{ "kernel BUG at", "bug" },
		{ "invalid opcode", "invalid_opcode" },
		{ "divide error", "divide_error" },
		{ "soft lockup", "soft_lockup" },
		{ "Kernel panic", "panic" },
	};
	char *buf = file_exists(console) ? read_file(console, NULL) : NULL, *best = NULL;
	const char *kind = NULL;
	size_t i;

	for (i = 0; buf && i < ARRAY_SIZE(pats); i++) {
		char *p = strstr(buf, pats[i].pat);

		if (p && (!best || p < best)) {
			best = p;
			kind = pats[i].kind;
		}
	}
	if (best) {
		char *end = strchr(best, '\n'), t[256];
		size_t n = 0;
		const char *s;

		for (s = best; s < (end ? end : best + strlen(best)) && n < sizeof(t) - 1; s++) {
			size_t h = strspn(s, "0123456789abcdefABCDEFx");

			if (h >= 4 && strpbrk(s, "0123456789") < s + h) {	/* addresses */
				t[n++] = 'X';
				s += h - 1;
			} else if (*s != '\r') {
				t[n++] = *s;
			}
		}
		t[n] = '\0';
		r->crash_title = xstrdup(t);
		r->crash_kind = xstrdup(kind);
	}
	free(buf);
}

static void add_arg(char **argv, int *n, char *s) { argv[(*n)++] = s; }

int exec_trial(void *ctx, const struct trial_request *rq, struct campaign_result *r)
{
	const struct exec_ctx *x = ctx;
	const struct spec_extension *e = rq->ext;
	const char *stock = x->modules[e - rq->spec->ext];
	char *out = xasprintf("%s/fault.ko", rq->workdir);
	char *desc = xasprintf("%s/describe.json", rq->workdir);
	char *ierr = xasprintf("%s/inject.err", rq->workdir);
	char *wout = xasprintf("%s/workload.out", rq->workdir);
	char *verr = xasprintf("%s/vm.err", rq->workdir);
	char seed[32], count[16], tmo[16], *cmd = NULL, *argv[40];
	uint64_t t0 = now_ms();
	int n = 0, st, i, ret = -1;

	if (!stock) {
		r->error = xstrdup("stock module not found");
		goto out;
	}
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)rq->fault->seed);
	snprintf(count, sizeof(count), "%d", rq->fault->count);
	add_arg(argv, &n, x->nooks);
	add_arg(argv, &n, "inject");
	add_arg(argv, &n, "--fault");
	add_arg(argv, &n, (char *)rq->fault->types);
	add_arg(argv, &n, "--seed");
	add_arg(argv, &n, seed);
	add_arg(argv, &n, "--count");
	add_arg(argv, &n, count);
	add_arg(argv, &n, (char *)stock);
	add_arg(argv, &n, "-o");
	add_arg(argv, &n, out);
	add_arg(argv, &n, "--describe");
	add_arg(argv, &n, desc);
	argv[n] = NULL;
	if ((st = run(argv, NULL, ierr)) != 0) {
		char *m = file_exists(ierr) ? read_file(ierr, NULL) : NULL;

		r->error = xasprintf("nooks inject failed (status %d): %s", st,
				     m ? strtok(m, "\n") : "no message");
		free(m);
		goto out;
	}
	r->describe_json = read_file(desc, NULL);
	cmd = xasprintf("wl-%s", e->workload);
	for (i = 0; i < e->n_workload_args; i += 2) {
		char *c = xasprintf("%s --%s '%s'", cmd, e->workload_args[i], e->workload_args[i + 1]);

		free(cmd);
		cmd = c;
	}
	snprintf(tmo, sizeof(tmo), "%u", rq->spec->total_timeout_s);
	n = 0;
	add_arg(argv, &n, x->nooks);
	add_arg(argv, &n, "vm");
	add_arg(argv, &n, "run");
	add_arg(argv, &n, "--image");
	add_arg(argv, &n, x->img.dir);
	add_arg(argv, &n, "--module");
	add_arg(argv, &n, out);
	for (i = 0; i < e->n_devices; i++) {
		add_arg(argv, &n, "--device");
		add_arg(argv, &n, e->devices[i]);
	}
	add_arg(argv, &n, "--timeout");
	add_arg(argv, &n, tmo);
	if (*rq->spec->kernel_cmdline) {
		add_arg(argv, &n, "--append");
		add_arg(argv, &n, rq->spec->kernel_cmdline);
	}
	add_arg(argv, &n, "--out");
	add_arg(argv, &n, (char *)rq->workdir);
	add_arg(argv, &n, "--cmd");
	add_arg(argv, &n, cmd);
	argv[n] = NULL;
	st = run(argv, wout, verr);
	r->wall_ms = (int64_t)(now_ms() - t0);
	r->console_path = xasprintf("%s/console.log", rq->workdir);
	r->agent_path = xstrdup(wout);
	parse_result(wout, r);
	switch (st) {
	case 0:
		r->outcome = xstrdup("no_effect");
		break;
	case 124:
		r->outcome = xstrdup("hang");
		r->deadlines_hit = xstrdup("total");
		crash_title(r->console_path, r);
		r->crashed = r->crash_title != NULL;
		break;
	case 125:
		r->outcome = xstrdup("functional");
		r->workload_reason = xstrdup("the faulty module failed to load");
		break;
	case 126:
		r->outcome = xstrdup("crash");
		r->crashed = 1;
		crash_title(r->console_path, r);
		if (!r->crash_title) {
			r->crash_kind = xstrdup("vm_died");
			r->crash_title = xstrdup("guest ended without a crash message");
		}
		break;
	default:
		if (r->workload_pass == 0 && st == 1) {
			r->outcome = xstrdup("functional");
			break;
		}
		{
			char *m = file_exists(verr) ? read_file(verr, NULL) : NULL;

			r->error = xasprintf("vm run status %d: %s", st,
					     m && *m ? strtok(m, "\n") : "no message");
			free(m);
		}
		goto out;
	}
	ret = 0;
out:
	free(out);
	free(desc);
	free(ierr);
	free(wout);
	free(verr);
	free(cmd);
	return ret;
}
