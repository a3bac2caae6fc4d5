/*
 * campaign_exec.c - the real trial executor (see campaign_exec.h).
 *
 * One trial: the injector (injector/injection.h, in-process) turns the
 * fault descriptor into fault.ko and describe.json (same bytes for the same
 * seed), read once by describe.h.  A persistent extension loads fault.ko;
 * a transient one (docs/CAMPAIGNS.md "persistence", the default) loads the
 * stock module and swifi.ko, and the workload writes the descriptor's live
 * patch (injection_live_patch(): fault.ko's bytes, relocated bytes left as
 * loaded) into the running module at the spec's trigger (manifest
 * workload.env, wl_inject.h): native and nooks trials of a descriptor get
 * the same bytes at the same trigger, and a trial's activation (sites
 * written, executed) is always known.  In nooks mode the isolation
 * (injector/isolate.h, in-process) binds the loaded module to the NIM as
 * fault-isolated.ko and the manifest loads nooks.ko first (in domains mode
 * with the parameter domains=1: a stage-2 page-table protection domain);
 * then the harness's trial runner (trial.h: fresh guest, agent heartbeats,
 * deadlines, console triage, classification) runs the workload and gives
 * the outcome class.  A descriptor with runtime faults (alloc/free/leak/
 * bcopy) gets its module rebound to kmod/swifi, and the manifest loads
 * swifi.ko first with the describe record's "swifi_params", after a call
 * profile (exec_profile.c); in nooks modes its swifi_w_ imports bind to
 * the NIM's twins of their wrappers (nooks_w_swifi_w_SYM: the NIM tracks
 * what swifi's wrapper allocates and frees, wrappers/gen.py --swifi).  swifi's and the
 * NIM's Module.symvers are the image's (exec_ctx), passed explicitly; no
 * child process of our own binary is run (only QEMU and fsck.vfat).  The
 * injector's error messages are captured into the trial's infra_error
 * detail.  An extension with a disk (VFAT) gets a fresh copy of its image
 * in the trial directory before the guest boots (exec_prepare_disk) and
 * `fsck.vfat -n` on it after the guest is gone (check_disk): the trial
 * records whether the filesystem was left corrupt.  infra_error results
 * are returned as failures so the campaign loop retries them.  Nooks mode
 * is refused up front while the isolation cannot bind the extension, and a
 * call trigger naming a function the module lacks before anything is
 * written.  Must never classify a host-side failure as a guest outcome.
 */
#define _GNU_SOURCE
#include "campaign_exec.h"

#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "describe.h"
#include "exec_impl.h"
#include "injection.h"
#include "isolate.h"
#include "manifest.h"
#include "modcheck.h"
#include "qemu.h"
#include "rtfault.h"
#include "sites.h"
#include "trial.h"
#include "util.h"
#include "workload.h"

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

/* Nooks mode needs the isolation to accept the stock module (its messages dropped). */
static int isolate_check(const struct exec_ctx *x, const char *ko, const char *ext)
{
	char *tmp = xasprintf("%s/nooks-isolate-check-%d.ko", getenv("TMPDIR") ? getenv("TMPDIR")
								  : "/tmp", (int)getpid());
	int st;

	error_capture_begin();
	st = isolate_module(ko, tmp, x->nooks_symvers, NULL, NULL, NULL);
	free(error_capture_end());
	unlink(tmp);
	free(tmp);
	if (st)
		return error("modes 'nooks' and 'domains': the NIM cannot isolate extension '%s' yet "
			     "('nooks isolate %s' fails); use --modes native", ext, ko);
	return 0;
}

/* Keep the trial's manifest next to its logs (`nooks trial run` reruns it). */
static void save_manifest(const struct trial_request *rq, const char *text)
{
	char *p = xasprintf("%s/manifest.json", rq->workdir);

	if (write_file_atomic(p, text, strlen(text)))
		warning("trial '%s': manifest not saved", rq->key);
	free(p);
}

/* ---- workload needs: stock module, disk ----------------------------------- */

/* Basename of a module name or path without ".ko", into buf. */
static void module_base(const char *m, char *buf, size_t len)
{
	const char *b = strrchr(m, '/');
	size_t n;

	snprintf(buf, len, "%s", b ? b + 1 : m);
	n = strlen(buf);
	if (n > 3 && !strcmp(buf + n - 3, ".ko"))
		buf[n - 3] = '\0';
}

/*
 * The stock module the extension's workload needs besides the module under
 * test (vfat for the vfat workload, khttpd for khttpd), loaded after the
 * faulty module; NULL when there is none or it is the module under test.
 */
static const char *workload_stock_module(const struct spec_extension *e)
{
	const struct workload *t;
	char a[128], b[128];
	size_t n, k;

	for (t = workload_table(&n), k = 0; k < n && strcmp(t[k].name, e->workload); k++)
		;
	if (k == n || !t[k].stock_module)
		return NULL;
	module_base(e->module, a, sizeof(a));
	module_base(t[k].stock_module, b, sizeof(b));
	return strcmp(a, b) ? t[k].stock_module : NULL;
}

static bool has_disk(const struct spec_extension *e)
{
	return e->disk && strcmp(e->disk, "none");
}

/*
 * Up front, once: the base FAT image exists (built now, not by racing
 * workers), fsck.vfat runs and finds it clean; an image path exists.
 */
static int disk_prepare_check(const struct spec_extension *e)
{
	struct fsck_verdict v;
	char *base;
	int r;

	if (!has_disk(e))
		return 0;
	if (strcmp(e->disk, "vfat"))
		return file_exists(e->disk) ? 0
			: error("disk image '%s' of extension '%s' not found", e->disk, e->name);
	base = workload_fat_base();
	if (!base)
		return -1;
	r = workload_fsck(base, &v);
	if (!r && v.corrupt)
		r = error("the base FAT image '%s' is not clean: %s", base, v.summary);
	free(base);
	return r;
}

/* A fresh copy of the extension's disk in the trial directory (*disk NULL: none). */
int exec_prepare_disk(const struct trial_request *rq, char **disk, struct store_trial *r)
{
	*disk = NULL;
	if (!has_disk(rq->ext))
		return 0;
	if (workload_disk_prepare(rq->ext->disk, rq->workdir, disk)) {
		r->error = xasprintf("cannot prepare the disk '%s' of the trial", rq->ext->disk);
		return -1;
	}
	return 0;
}

/* After the VM is gone: fsck.vfat -n on the trial's disk into r. */
static int check_disk(const char *disk, struct store_trial *r)
{
	struct fsck_verdict v;

	if (!disk)
		return 0;
	if (workload_fsck(disk, &v)) {
		r->error = xasprintf("fsck.vfat could not check '%s'", disk);
		return -1;
	}
	r->fs_checked = 1;
	r->fs_corrupt = v.corrupt;
	r->fs_dirty = v.dirty;
	r->fsck_exit = v.exit_code;
	r->fsck_summary = v.summary[0] ? xstrdup(v.summary) : NULL;
	return 0;
}

/*
 * A transient extension's call trigger names a function of its module, in
 * text that stays after init (the kprobe of swifi_trigger.c needs it live).
 */
static int trigger_check(const struct spec_extension *e, int i, const char *ko, const char *spec)
{
	struct injection in;
	struct injection_opts io = { 0 };
	int ok;

	if (e->persistence != PERSIST_TRANSIENT || !e->trigger.call)
		return 0;
	if (injection_open(&in, ko, &io))
		return -1;
	ok = injection_has_function(&in, e->trigger.call);
	injection_close(&in);
	return ok ? 0 : error("campaign '%s': field 'extensions[%d].trigger.call': module '%s' has "
			      "no function '%s' (in text that stays loaded after init)", spec, i,
			      e->module, e->trigger.call);
}

/* The first enabled mode that runs under the NIM (for messages), or MODE_COUNT. */
static enum spec_mode isolated_mode(const struct campaign_spec *sp)
{
	return sp->modes[MODE_NOOKS] ? MODE_NOOKS : sp->modes[MODE_DOMAINS] ? MODE_DOMAINS
		: MODE_COUNT;
}

int exec_prepare(const struct campaign_spec *sp, const char *image_dir, struct exec_ctx *x)
{
	char *tmp;
	int i, isolated = isolated_mode(sp) != MODE_COUNT;

	memset(x, 0, sizeof(*x));
	pthread_mutex_init(&x->profile_lock, NULL);
	if (image_load(image_dir, &x->img)) {
		exec_release(x);
		return -1;
	}
	/* the injector and the isolation bind against this image's modules */
	x->swifi_symvers = image_kmod_file(&x->img, "swifi", "symvers");
	x->nooks_symvers = image_kmod_file(&x->img, "nooks", "symvers");
	if (isolated) {
		tmp = xasprintf("%s/extra/nooks.ko", x->img.modules_dir);
		if (!file_exists(tmp)) {
			free(tmp);
			exec_release(x);
			return error("mode '%s' needs the NIM (nooks.ko in the image and "
				     "'nooks isolate'), which this build lacks; use --modes native",
				     spec_mode_name(isolated_mode(sp)));
		}
		free(tmp);
	}
	for (i = 0; i < sp->n_ext; i++) {
		/* resolved once here: nftw's callback state is not thread-safe */
		x->modules[i] = module_path(x, &sp->ext[i]);
		if (!x->modules[i]) {
			exec_release(x);
			return -1;
		}
		if (trial_workload_known(&x->img, sp->ext[i].workload)) {
			error("workload '%s' of extension '%s' is not in the guest image",
			      sp->ext[i].workload, sp->ext[i].name);
			exec_release(x);
			return -1;
		}
		if ((spec_ext_runs(sp, i, MODE_NOOKS) || spec_ext_runs(sp, i, MODE_DOMAINS)) &&
		    isolate_check(x, x->modules[i], sp->ext[i].name)) {
			exec_release(x);
			return -1;
		}
		if (trigger_check(&sp->ext[i], i, x->modules[i], sp->path)) {
			exec_release(x);
			return -1;
		}
		x->stock[i] = workload_stock_module(&sp->ext[i]);
		if (disk_prepare_check(&sp->ext[i])) {
			exec_release(x);
			return -1;
		}
	}
	if (sites_count_spec(sp, x->modules, &x->sites)) {	/* in-process, for the planner */
		exec_release(x);
		return -1;
	}
	return 0;
}

void exec_release(struct exec_ctx *x)
{
	int i;

	for (i = 0; i < SPEC_MAX_EXT; i++) {
		free(x->modules[i]);
		free(x->profile[i].path);
		free(x->profile[i].key);
		free(x->profile[i].json);
	}
	pthread_mutex_destroy(&x->profile_lock);
	free(x->swifi_symvers);
	free(x->nooks_symvers);
	if (x->img.dir)
		image_release(&x->img);
	memset(x, 0, sizeof(*x));
}

static void add_module(struct trial_manifest *m, const char *path, const char *name,
		       const char *params)
{
	struct manifest_module *mm = &m->modules[m->n_modules++];

	mm->path = path ? xstrdup(path) : NULL;
	mm->name = name ? xstrdup(name) : NULL;
	mm->params = params ? xstrdup(params) : NULL;
}

static void add_env(struct trial_manifest *m, const char *key, char *value /* taken */)
{
	m->env[m->n_env].key = xstrdup(key);
	m->env[m->n_env++].value = value;
}

void exec_manifest(const struct trial_request *rq, const char *ko, const char *swifi,
		   const char *stock, const char *disk, const char *patch,
		   struct trial_manifest *m)
{
	const struct spec_extension *e = rq->ext;
	const struct spec_trigger *t = &e->trigger;
	int i;

	manifest_init(m);
	if (spec_mode_isolated(rq->mode)) {
		/* the NIM is the same in every trial of the mode: loaded in the
		 * parked snapshot, it costs nothing per trial (issue 21) */
		add_module(m, NULL, "nooks", spec_mode_nim_params(rq->mode));
		m->modules[m->n_modules - 1].preload = true;
	}
	if (swifi)	/* runtime faults armed, or a transient fault's writer */
		add_module(m, NULL, "swifi", swifi);
	add_module(m, ko, NULL, NULL);
	if (stock)
		add_module(m, NULL, stock, NULL);
	for (i = 0; i < e->n_devices; i++)
		m->devices[m->n_devices++] = xstrdup(e->devices[i]);
	if (disk)
		m->disks[m->n_disks++] = xstrdup(disk);
	m->workload = xstrdup(e->workload);
	for (i = 0; i < e->n_workload_args; i += 2) {
		m->params[m->n_params].key = xstrdup(e->workload_args[i]);
		m->params[m->n_params++].value = xstrdup(e->workload_args[i + 1]);
	}
	if (patch) {	/* the live patch and its trigger (wl_inject.h) */
		add_env(m, "WL_INJECT", xstrdup(patch));
		if (t->call)
			add_env(m, "WL_INJECT_CALL", xasprintf("%s %d", t->call, t->n));
		else
			add_env(m, "WL_INJECT_AFTER", xstrdup(t->phase));
	}
	if (*rq->spec->kernel_cmdline)
		m->append = xstrdup(rq->spec->kernel_cmdline);
	m->boot_ms = rq->spec->boot_timeout_s * 1000;
	m->heartbeat_ms = rq->spec->heartbeat_timeout_s * 1000;
	m->total_ms = rq->spec->total_timeout_s * 1000;
}

static char *nonempty(const char *s) { return s && *s ? xstrdup(s) : NULL; }

/* The harness's verdict into the trial's record. */
static void take_result(const struct trial_result *t, struct store_trial *r)
{
	struct json_object *ev = json_object_new_array();
	char dl[64] = "";
	int i;

	r->outcome = xstrdup(outcome_name(t->outcome));
	r->crashed = t->triage.crashed;
	r->crash_kind = t->triage.crashed ? nonempty(t->triage.kind) : NULL;
	r->crash_title = t->triage.crashed ? nonempty(t->triage.title) : NULL;
	r->guilty_function = nonempty(t->triage.guilty_function);
	r->guilty_module = nonempty(t->triage.guilty_module);
	for (i = 0; i < t->n_nim_events; i++)
		json_object_array_add(ev, json_object_new_string(t->nim_events[i]));
	if (t->n_nim_events) {
		r->nim_events_json = xstrdup(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
		if (t->nim_first_fault >= 0)
			r->detection = xasprintf("%.200s", t->nim_events[t->nim_first_fault]);
	}
	r->nim_detection = nonempty(t->nim_det.mechanism);
	r->nim_target = nonempty(t->nim_det.target);
	if (t->nim_recovery_us >= 0)
		r->recovery_ms = (double)t->nim_recovery_us / 1000.0;
	json_object_put(ev);
	snprintf(dl, sizeof(dl), "%s%s%s%s%s", t->boot_deadline ? "boot," : "",
		 t->heartbeat_deadline ? "heartbeat," : "", t->total_deadline ? "total," : "",
		 t->workload_deadline ? "workload," : "", t->poweroff_deadline ? "poweroff," : "");
	if (*dl) {
		dl[strlen(dl) - 1] = '\0';
		r->deadlines_hit = xstrdup(dl);
	}
	r->workload_pass = t->workload_result;
	r->workload_reason = nonempty(t->workload_reason);
	if (t->metrics)
		r->metrics_json = xstrdup(json_object_to_json_string_ext(t->metrics,
								JSON_C_TO_STRING_PLAIN));
	r->boot_ms = t->boot_ms ? (int64_t)t->boot_ms : -1;
	r->workload_ms = t->boot_ms && t->vm_ms > t->boot_ms ? (int64_t)(t->vm_ms - t->boot_ms) : -1;
	r->wall_ms = (int64_t)t->wall_ms;
	r->activation_known = t->fault_armed >= 0;
	r->fault_armed = t->fault_armed;
	r->fault_fired = t->fault_fired;
	r->console_path = t->console_log ? xstrdup(t->console_log) : NULL;
	r->agent_path = t->agent_log ? xstrdup(t->agent_log) : NULL;
}

/*
 * Inject rq's fault into the stock module: describe.json, then the module
 * out, in the trial directory (nothing left at out on error); *describe
 * /out/ the record's text.  A transient extension's code faults are drawn
 * from text that stays after init, and *patch /out/ their live patch
 * (injection_live_patch(); NULL: the descriptor has no code fault, it runs
 * as written).  The injector's first error goes to r->error.
 */
static int inject_fault(const struct exec_ctx *x, const struct trial_request *rq,
			const struct exec_profile *prof, const char *out, char **describe,
			char **patch, struct store_trial *r)
{
	const char *stock = x->modules[rq->ext - rq->spec->ext];
	bool transient = rq->ext->persistence == PERSIST_TRANSIENT;
	struct injection_opts io = {
		.faults = rq->fault->types, .seed = rq->fault->seed,
		.count = (uint64_t)rq->fault->count, .symvers = x->swifi_symvers,
		.profile_path = prof ? prof->path : NULL, .live = transient,
	};
	char *desc = xasprintf("%s/describe.json", rq->workdir), *text = NULL, *msg;
	struct injection in;
	int ret = -1;

	*describe = *patch = NULL;
	error_capture_begin();
	if (module_file_check(stock) || injection_open(&in, stock, &io))
		goto out;
	if (!injection_plan(&in) && (!transient || !in.n || (*patch = injection_live_patch(&in)))) {
		text = injection_describe(&in, out);
		if (!write_file_atomic(desc, text, strlen(text))) {
			if (!injection_write(&in, out))
				ret = 0;
			else
				unlink(desc);
		}
	}
	injection_close(&in);
out:
	msg = error_capture_end();
	if (ret) {
		char *first = error_capture_first(msg);

		r->error = xasprintf("nooks inject failed: %s", first ? first : "no message");
		free(first);
		free(text);
		free(*patch);
		*patch = NULL;
	} else {
		*describe = text;
	}
	free(msg);
	free(desc);
	return ret;
}

/* Bind the faulty module to the NIM; the isolation's first error goes to r->error. */
static int isolate_fault(const struct exec_ctx *x, const char *ko, const char *iso,
			 struct store_trial *r)
{
	char *msg, *first;
	int ret;

	error_capture_begin();
	ret = isolate_module(ko, iso, x->nooks_symvers, NULL, NULL, NULL);
	msg = error_capture_end();
	if (ret) {
		first = error_capture_first(msg);
		r->error = xasprintf("nooks isolate failed: %s", first ? first : "no message");
		free(first);
	}
	free(msg);
	return ret;
}

int exec_trial(void *ctx, const struct trial_request *rq, struct store_trial *r)
{
	struct exec_ctx *x = ctx;
	struct exec_profile *prof = NULL;
	char *out = xasprintf("%s/fault.ko", rq->workdir);
	char *iso = xasprintf("%s/fault-isolated.ko", rq->workdir);
	char *rundir = xasprintf("%s/run", rq->workdir), *text = NULL;
	char *disk = NULL, *describe, *patch = NULL;
	const char *stock = x->modules[rq->ext - rq->spec->ext], *load;
	struct describe d = { 0 };
	struct trial_manifest m;
	struct trial_result t;
	struct trial_opts to = { .image = &x->img, .run_dir = rundir };
	uint64_t t0 = now_ms(), t_check;
	int ret = -1, have_m = 0, i;

	if (exec_wants_profile(rq->fault->types)) {
		prof = exec_ensure_profile(x, rq);
		if (!prof) {
			r->error = xasprintf("no call profile for extension '%s' (profiling trial "
					     "failed)", rq->ext->name);
			goto out;
		}
		r->profile_key = xstrdup(prof->key);
		r->profile_json = xstrdup(prof->json);
	}
	if (inject_fault(x, rq, prof, out, &describe, &patch, r))
		goto out;
	r->describe_json = describe;
	if (describe_parse(describe, &d))
		warning("trial '%s': mutations not recorded", rq->key);
	r->mutations = d.mutations;
	r->n_mutations = d.n_mutations;
	/* transient: the stock module is loaded (isolated in nooks modes), swifi writes the patch */
	load = patch ? stock : out;
	if (spec_mode_isolated(rq->mode) && isolate_fault(x, load, iso, r))
		goto out;
	if (exec_prepare_disk(rq, &disk, r))
		goto out;
	exec_manifest(rq, spec_mode_isolated(rq->mode) ? iso : load,
		      patch ? "arm=none" : d.swifi_params, x->stock[rq->ext - rq->spec->ext], disk,
		      patch, &m);
	have_m = 1;
	text = manifest_json(&m);
	save_manifest(rq, text);
	if (rq->phase_ms)
		rq->phase_ms[CAMPAIGN_PHASE_INJECT] += now_ms() - t0;
	if (trial_run(&m, &to, &t)) {
		r->error = xstrdup("trial runner refused the manifest");
		goto out;
	}
	take_result(&t, r);
	for (i = 0; rq->phase_ms && i < TRIAL_N_PHASES; i++)
		rq->phase_ms[CAMPAIGN_PHASE_TRIAL + i] += t.phase_ms[i];
	t_check = now_ms();
	if (patch && !r->activation_known) {	/* written or not, the sites are known */
		r->activation_known = 1;
		r->fault_armed = r->fault_fired = 0;
	}
	if (t.outcome == OUTCOME_INFRA_ERROR)
		r->error = xstrdup(*t.infra_reason ? t.infra_reason : t.outcome_reason);
	else if (!check_disk(disk, r))
		ret = 0;
	if (rq->phase_ms)
		rq->phase_ms[CAMPAIGN_PHASE_CHECK] += now_ms() - t_check;
	trial_result_release(&t);
out:
	if (have_m)
		manifest_release(&m);
	free(d.swifi_params);
	free(patch);
	free(text);
	free(out);
	free(iso);
	free(rundir);
	free(disk);
	return ret;
}

/* trial_cancel_fn: end every running trial now (their VMs), start no more. */
void exec_cancel(void *ctx)
{
	(void)ctx;
	vm_cancel_all();
}
