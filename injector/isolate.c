/*
 * isolate.c - bind every function a stock module calls (`nooks isolate`,
 * injector/isolate.h) to its NIM wrapper nooks_w_<sym> (exported by
 * nooks.ko), so the module runs under the Nooks Isolation Manager.
 *
 * Classification of imports, by how the module's relocations use them
 * (the .ko does not record symbol types; see docs/NIM.md):
 *   glue      __fentry__, __x86_indirect_thunk_*, __x86_return_thunk,
 *             __SCT__* : compiler/kernel calling conventions, stay bound
 *             (except the scheduler's trampolines, __SCT__cond_resched &
 *             co.: called, wrapped by nooks_pd_sched.c so that a task
 *             switch never happens inside a protection domain)
 *   called    target of a call/jmp (R_X86_64_PLT32): must have a wrapper
 *   address   only referenced as an address (data such as jiffies, or a
 *             kernel function put into an ops table such as
 *             delayed_work_timer_fn): stays bound, identity matters
 * Also keeps .init sections resident (recovery re-runs init), drops the
 * module signature, and hides .static_call_sites (when some target the
 * scheduler trampolines, now wrapped) from the loader, which would
 * otherwise patch those calls to the kernel function directly; the other
 * sites (tracepoints) then call their trampolines (modbind.h).  Refuses,
 * listing them all, called imports without a wrapper; then nothing is
 * written.  Prints nothing but errors.
 */
#define _GNU_SOURCE
#include "isolate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modbind.h"
#include "util.h"

#define WRAP_PREFIX "nooks_w_"

static int is_sched_trampoline(const char *s)
{
	return !strcmp(s, "__SCT__cond_resched") || !strcmp(s, "__SCT__might_resched") ||
	       !strcmp(s, "__SCT__preempt_schedule") ||
	       !strcmp(s, "__SCT__preempt_schedule_notrace");
}

static int is_glue(const char *s)
{
	return !strcmp(s, "__fentry__") || !strcmp(s, "__x86_return_thunk") ||
	       !strncmp(s, "__x86_indirect_thunk_", 21) ||
	       !strncmp(s, "__x86_indirect_call_thunk_", 26) ||
	       (!strncmp(s, "__SCT__", 7) && !is_sched_trampoline(s));
}


static const char *decide(const struct modbind_import *im)
{
	if (is_glue(im->name))
		return "glue";
	if (!strncmp(im->name, WRAP_PREFIX, strlen(WRAP_PREFIX)))
		return "wrapped";	/* already isolated */
	return im->refs & MODBIND_CALLED ? "call" : "address";
}

int isolate_module(const char *in, const char *out, const char *symvers, isolate_each_fn each,
		   void *ctx, struct isolate_stats *st)
{
	struct symvers *sv = symvers_load(symvers);
	struct modbind *mb = NULL;
	const struct modbind_import *im;
	size_t n, i, nwrap = 0, nbound = 0, nglue = 0, nmissing = 0;
	char **todo = NULL, *missing = NULL, *tmpout = NULL;
	int ret = -1, kept, list = !out;

	if (!sv)
		return -1;
	if (!out) {	/* --list: a working copy that is never committed */
		const char *t = getenv("TMPDIR");

		tmpout = xasprintf("%s/nooks-isolate-list.ko", t && *t ? t : "/tmp");
	}
	mb = modbind_open(in, out ? out : tmpout);
	if (!mb)
		goto out;
	im = modbind_imports(mb, &n);
	todo = xcalloc(n + 1, sizeof(*todo));
	for (i = 0; i < n; i++) {
		const char *what = decide(&im[i]);
		char *w = xasprintf(WRAP_PREFIX "%s", im[i].name);
		uint64_t crc;

		if (!strcmp(what, "call")) {
			if (symvers_crc(sv, w, &crc)) {
				char *m = xasprintf("%s%s%s", missing ? missing : "",
						    missing ? ", " : "", im[i].name);
				free(missing);
				missing = m;
				nmissing++;
				what = "MISSING";
			} else {
				todo[nwrap++] = xstrdup(im[i].name);
			}
		} else if (!strcmp(what, "glue")) {
			nglue++;
		} else {
			nbound++;
		}
		if (each)
			each(ctx, what, im[i].name);
		free(w);
	}
	if (nmissing) {
		error("no NIM wrapper for %zu function%s imported by '%s': %s", nmissing,
		      nmissing == 1 ? "" : "s", in, missing);
		goto out;
	}
	if (list) {
		ret = 0;
		goto out;
	}
	/* the loader would patch these calls past the wrappers */
	if (modbind_drop_static_calls(mb, is_sched_trampoline) < 0)
		goto out;
	for (i = 0; i < nwrap; i++) {
		char *w = xasprintf(WRAP_PREFIX "%s", todo[i]);
		uint64_t crc = 0;
		int r;

		symvers_crc(sv, w, &crc);
		r = modbind_rename(mb, todo[i], w, crc);
		free(w);
		if (r)
			goto out;
	}
	kept = modbind_keep_init(mb);
	if (kept < 0 || modbind_commit(mb))
		goto out;
	if (st) {
		st->wrapped = nwrap;
		st->bound = nbound;
		st->glue = nglue;
		st->init_kept = kept;
	}
	ret = 0;
out:
	for (i = 0; todo && todo[i]; i++)
		free(todo[i]);
	free(todo);
	free(missing);
	modbind_close(mb);
	free(tmpout);
	symvers_free(sv);
	return ret;
}
