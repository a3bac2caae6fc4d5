/*
 * trial.c - the trial runner (see trial.h for the life cycle and its
 * invariants).  Owns the per-trial cpio, the reset choice (boot or restore),
 * the capture of the two serial channels through pipes (bounded), the
 * agent-event parser, the deadlines and result.json.  Triage and
 * classification are delegated; QEMU's command line belongs to qemu.c, the
 * snapshot cache to snapshot.c.
 */
#define _GNU_SOURCE
#include "trial.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "initrd.h"
#include "manifest.h"
#include "payload.h"
#include "qemu.h"
#include "snapshot.h"
#include "util.h"

#define DEFAULT_CAPTURE (8u << 20)
#define MAX_AGENT_LINE 4096

/* One captured channel: pipe → file (bounded) [→ line parser]. */
struct channel {
	int rfd;
	FILE *out;
	size_t written, limit;
	bool truncated, eof;
	char line[MAX_AGENT_LINE];
	size_t used;
	bool overlong;		/* current line exceeded the buffer: skip to '\n' */
};

static int channel_open(struct channel *c, const char *path, size_t limit, int *wfd)
{
	int p[2];

	memset(c, 0, sizeof(*c));
	c->rfd = -1;
	c->limit = limit;
	if (pipe2(p, O_CLOEXEC))
		return error_errno("pipe");
	c->out = fopen(path, "w");
	if (!c->out) {
		close(p[0]);
		close(p[1]);
		return error_errno("cannot create '%s'", path);
	}
	c->rfd = p[0];
	*wfd = p[1];
	return 0;
}

static void channel_close(struct channel *c)
{
	if (c->rfd >= 0)
		close(c->rfd);
	if (c->out)
		fclose(c->out);
	c->rfd = -1;
	c->out = NULL;
}

/* One run of QEMU for the trial (a failed restore is followed by a boot). */
struct attempt {
	struct trial_result *r;
	uint64_t t0;			/* QEMU start */
	int payload_fd;			/* restore: the payload memory file, else -1 */
	const char *payload;		/* restore: the trial cpio */
	size_t payload_len;
	bool payload_sent;
};

static void handle_agent_line(struct attempt *a, const char *line);

/* Read what is available; feed agent lines to the parser when a != NULL. */
static void channel_read(struct channel *c, struct attempt *a)
{
	char buf[65536];
	ssize_t n = read(c->rfd, buf, sizeof(buf));
	ssize_t i;

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		c->eof = true;
		return;
	}
	if (n < 0)
		return;
	if (c->written < c->limit) {
		size_t k = (size_t)n < c->limit - c->written ? (size_t)n : c->limit - c->written;

		fwrite(buf, 1, k, c->out);
		fflush(c->out);
		c->written += k;
		if (k < (size_t)n)
			c->truncated = true;
	} else {
		c->truncated = true;
	}
	if (!a)
		return;		/* past the capture limit lines are still parsed, not kept */
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			c->line[c->used] = '\0';
			if (!c->overlong)
				handle_agent_line(a, c->line);
			c->used = 0;
			c->overlong = false;
		} else if (c->used < sizeof(c->line) - 1) {
			c->line[c->used++] = buf[i];
		} else {
			c->overlong = true;
		}
	}
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

enum agent_line trial_agent_line(struct trial_result *r, const char *line)
{
	json_object *o = json_tokener_parse(line), *v;
	enum agent_line ret = AGENT_LINE_OTHER;
	const char *ev, *key;

	if (!o || !json_object_is_type(o, json_type_object) || !(ev = jstr(o, "event"))) {
		json_object_put(o);
		return AGENT_LINE_OTHER;
	}
	/* Before the agent has read the manifest it cannot know the key:
	 * "parked", or an error about reading the manifest.  From then on only
	 * lines with this trial's key are the agent's (a program in the guest
	 * writing to the channel does not have it). */
	key = jstr(o, "key");
	if (r->channel_key[0] && strcmp(ev, "parked") &&
	    !(!r->agent_started && !strcmp(ev, "agent_error")) &&
	    (!key || strcmp(key, r->channel_key))) {
		r->agent_forged++;
		json_object_put(o);
		return AGENT_LINE_OTHER;
	}
	r->agent_lines++;
	if (!strcmp(ev, "parked")) {	/* a restored guest runs: QEMU wrote its RAM */
		ret = AGENT_LINE_PARKED;
	} else if (!strcmp(ev, "started")) {
		r->agent_started = true;
		ret = AGENT_LINE_STARTED;
	} else if (!strcmp(ev, "workload_started")) {
		ret = AGENT_LINE_WORKLOAD;
	} else if (!strcmp(ev, "done")) {
		ret = AGENT_LINE_DONE;
		r->agent_done = true;
	} else if (!strcmp(ev, "module_loaded")) {
		r->modules_loaded++;
	} else if (!strcmp(ev, "module_failed")) {
		r->modules_failed++;
	} else if (!strcmp(ev, "result")) {
		ret = AGENT_LINE_WORKLOAD_END;
		r->workload_result = json_object_object_get_ex(o, "pass", &v) &&
				     json_object_get_boolean(v);
		snprintf(r->workload_reason, sizeof(r->workload_reason), "%s",
			 jstr(o, "reason") ? jstr(o, "reason") : "");
		if (json_object_object_get_ex(o, "metrics", &v)) {
			json_object_put(r->metrics);
			r->metrics = json_object_get(v);
		}
	} else if (!strcmp(ev, "recovery_agent") || !strcmp(ev, "inject")) {
		if (!r->agent_events)
			r->agent_events = json_object_new_array();
		if (json_object_array_length(r->agent_events) < TRIAL_MAX_NIM_EVENTS)
			json_object_array_add(r->agent_events, json_object_get(o));
	} else if (!strcmp(ev, "workload_exit")) {
		ret = AGENT_LINE_WORKLOAD_END;
		r->workload_exited = true;
		r->workload_exit = json_object_object_get_ex(o, "status", &v) ?
				   json_object_get_int(v) : -1;
	} else if (!strcmp(ev, "workload_missing") || !strcmp(ev, "agent_error")) {
		snprintf(r->infra_reason, sizeof(r->infra_reason), "agent: %s %s", ev,
			 jstr(o, "path") ? jstr(o, "path") : jstr(o, "error") ? jstr(o, "error") : "");
	} else if (!strcmp(ev, "nim") && jstr(o, "msg")) {
		switch (nim_event_classify(jstr(o, "msg"))) {
		case NIM_DETECTED:
			if (!r->nim_detected++ && r->n_nim_events < TRIAL_MAX_NIM_EVENTS)
				r->nim_first_fault = r->n_nim_events;
			break;
		case NIM_RECOVERED:
			if (!r->nim_recovered++)
				r->nim_recovery_us = nim_event_value(jstr(o, "msg"), "latency_us");
			break;
		case NIM_RECOVERY_FAILED: r->nim_failed++; break;
		default: break;
		}
		if (r->n_nim_events < TRIAL_MAX_NIM_EVENTS)
			r->nim_events[r->n_nim_events++] = xstrdup(jstr(o, "msg"));
	}
	json_object_put(o);
	return ret;
}

/* A phase mark: the host clock the first time only. */
static void mark_once(uint64_t *t)
{
	if (!*t)
		*t = now_ms();
}

/* One agent line: recorded in the result; the runner's own part of it here. */
static void handle_agent_line(struct attempt *a, const char *line)
{
	struct trial_result *r = a->r;

	switch (trial_agent_line(r, line)) {
	case AGENT_LINE_PARKED:
		if (a->payload_fd >= 0 && !a->payload_sent) {
			a->payload_sent = true;
			if (snapshot_payload_write(a->payload_fd, a->payload, a->payload_len))
				snprintf(r->infra_reason, sizeof(r->infra_reason),
					 "cannot write the trial payload");
		}
		break;
	case AGENT_LINE_STARTED:
		r->t_started = now_ms();
		r->boot_ms = r->t_started - a->t0;
		break;
	case AGENT_LINE_WORKLOAD:
		mark_once(&r->t_workload);
		break;
	case AGENT_LINE_WORKLOAD_END:
		mark_once(&r->t_workload_end);
		break;
	case AGENT_LINE_DONE:
		mark_once(&r->t_done);
		break;
	case AGENT_LINE_OTHER:
		break;
	}
}

static struct initrd *build_payload(const struct trial_manifest *m, const char *key)
{
	struct initrd *rd = initrd_new();
	char *json = manifest_guest_json(m, key);
	int i;

	initrd_add_dir(rd, "trial");
	initrd_add_dir(rd, "trial/modules");
	for (i = 0; i < m->n_modules; i++) {
		char *gp;
		int r;

		if (!m->modules[i].path)
			continue;
		gp = manifest_guest_module_path(m, i);
		r = initrd_add_file(rd, gp + 1, m->modules[i].path, 0644);
		free(gp);
		if (r) {
			initrd_free(rd);
			free(json);
			return NULL;
		}
	}
	initrd_add_data(rd, "trial/manifest.json", json, strlen(json), 0644);
	free(json);
	return rd;
}

static char *build_append(const struct trial_manifest *m, const struct trial_opts *o)
{
	const char *base = o->base_append ? o->base_append : TRIAL_BASE_APPEND;

	return xasprintf("%s%s%s", base, m->append ? " " : "", m->append ? m->append : "");
}

/* Deadline check while QEMU runs; returns true if it must be killed now. */
static bool deadline_hit(const struct trial_manifest *m, struct trial_result *r,
			 uint64_t t0, uint64_t last_agent, uint64_t wl_deadline_ms)
{
	uint64_t now = now_ms();

	if (now - t0 >= m->total_ms) {
		r->total_deadline = true;
		return true;
	}
	if (r->t_workload && !r->workload_exited && wl_deadline_ms &&
	    now - r->t_workload >= wl_deadline_ms + TRIAL_WORKLOAD_GRACE_MS) {
		r->workload_deadline = true;
		return true;
	}
	if (r->t_done && now - r->t_done >= TRIAL_POWEROFF_GRACE_MS) {
		r->poweroff_deadline = true;
		return true;
	}
	if (!r->agent_started && now - t0 >= m->boot_ms) {
		r->boot_deadline = true;
		return true;
	}
	if (r->agent_started && !r->agent_done && now - last_agent >= m->heartbeat_ms) {
		r->heartbeat_deadline = true;
		return true;
	}
	return false;
}

/* Pump both channels until QEMU is gone (exit or deadline kill), then drain. */
static void supervise(const struct trial_manifest *m, struct vm *vm, struct channel *con,
		      struct channel *agent, struct attempt *a)
{
	struct trial_result *r = a->r;
	uint64_t t0 = vm->start_ms, last_agent = t0;
	uint64_t wl_deadline_ms = manifest_workload_deadline_ms(m);	/* 0: none */
	bool gone = false;
	int status;

	a->t0 = t0;
	r->t_vm_start = t0;
	r->t_started = r->t_workload = r->t_workload_end = r->t_done = 0;	/* this attempt's */

	while (!con->eof || !agent->eof) {
		struct pollfd p[2] = { { con->eof ? -1 : con->rfd, POLLIN, 0 },
				       { agent->eof ? -1 : agent->rfd, POLLIN, 0 } };
		int n = poll(p, 2, 100);

		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			channel_read(con, NULL);
		if (n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			int before = r->agent_lines;

			channel_read(agent, a);
			if (r->agent_lines != before)	/* the agent's own lines only */
				last_agent = now_ms();
		}
		if (gone)
			continue;
		pid_t w = waitpid(vm->pid, &status, WNOHANG);

		if (w == vm->pid) {
			r->vm_exited = WIFEXITED(status);
			r->vm_exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			r->vm_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
			vm->pid = 0;
			gone = true;
		} else if (deadline_hit(m, r, t0, last_agent, wl_deadline_ms)) {
			vm_kill(vm);	/* SIGKILL + reap: the pipes then reach EOF */
			gone = true;
		}
	}
	if (!gone) {	/* both pipes closed early (cannot normally happen) */
		if (waitpid(vm->pid, &status, 0) == vm->pid) {
			r->vm_exited = WIFEXITED(status);
			r->vm_exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			r->vm_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		}
		vm->pid = 0;
	}
	vm_kill(vm);	/* no-op once reaped; a safety net otherwise */
	r->t_vm_end = now_ms();
	r->vm_ms = r->t_vm_end - t0;
	r->console_truncated = con->truncated;
	r->agent_truncated = agent->truncated;
}

static void judge(struct trial_result *r, bool host_error)
{
	struct classify_input in = { 0 };
	char *text = NULL;
	size_t len = 0;
	int i;

	if (r->console_log && file_exists(r->console_log))
		text = read_file(r->console_log, &len);
	if (text) {
		triage_console(text, len, &r->triage);
		swifi_activation_scan(text, len, &r->fault_armed, &r->fault_fired);
		nim_detection_scan(&r->nim_det, text, len);
	}
	for (i = 0; i < r->n_nim_events; i++)	/* console lost or truncated */
		nim_detection_feed(&r->nim_det, r->nim_events[i]);
	free(text);
	r->workload = workload_verdict(r->workload_exit, r->workload_result);
	in.triage = text ? &r->triage : NULL;
	in.host_error = host_error;
	in.qemu_failed = !host_error && ((r->vm_exited && r->vm_exit_status != 0) ||
		(!r->vm_exited && r->vm_signal && r->vm_signal != SIGKILL) ||
		(!r->vm_exited && !r->boot_deadline && !r->heartbeat_deadline && !r->total_deadline &&
		 !r->workload_deadline && !r->poweroff_deadline));
	in.vm_exited = r->vm_exited;
	in.agent_error = r->infra_reason[0] != '\0';
	in.agent_started = r->agent_started;
	in.agent_done = r->agent_done;
	in.boot_deadline = r->boot_deadline;
	in.heartbeat_deadline = r->heartbeat_deadline;
	in.total_deadline = r->total_deadline;
	in.workload_deadline = r->workload_deadline;
	in.poweroff_deadline = r->poweroff_deadline;
	in.module_failed = r->modules_failed > 0;
	in.workload = r->workload;
	in.nim_detected = r->nim_detected;
	in.nim_recovered = r->nim_recovered;
	in.nim_failed = r->nim_failed;
	r->outcome = classify_trial(&in, &r->outcome_reason);
	if (r->outcome == OUTCOME_INFRA_ERROR && !r->infra_reason[0]) {
		char *ql = r->qemu_log && file_exists(r->qemu_log) ? read_file(r->qemu_log, NULL) : NULL;

		snprintf(r->infra_reason, sizeof(r->infra_reason), "%s%s%s", r->outcome_reason,
			 ql && *ql ? ": " : "", ql && *ql ? strtok(ql, "\n") : "");
		free(ql);
	}
}

static void init_result(struct trial_result *r, const char *run_dir)
{
	memset(r, 0, sizeof(*r));
	r->workload_exit = -1;
	r->nim_first_fault = -1;
	r->nim_recovery_us = -1;
	r->fault_armed = r->fault_fired = -1;
	r->workload_result = -1;
	r->attempts = 1;
	r->run_dir = xstrdup(run_dir);
	r->console_log = xasprintf("%s/console.log", run_dir);
	r->agent_log = xasprintf("%s/agent.log", run_dir);
	r->qemu_log = xasprintf("%s/qemu.log", run_dir);
	r->result_json = xasprintf("%s/result.json", run_dir);
}

static void write_result(const struct trial_result *r)
{
	json_object *o = trial_result_json(r);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	write_file_atomic(r->result_json, s, strlen(s));
	json_object_put(o);
}

/* Start QEMU for spec and supervise it; false on a host-side failure. */
static bool run_vm(const struct trial_manifest *m, struct vm_spec *spec, size_t limit,
		   struct attempt *a)
{
	struct trial_result *out = a->r;
	struct channel con = { .rfd = -1 }, agent = { .rfd = -1 };
	struct vm vm = { 0 };
	int con_w = -1, agent_w = -1;
	bool ok = false;

	if (channel_open(&con, out->console_log, limit, &con_w) ||
	    channel_open(&agent, out->agent_log, limit, &agent_w))
		goto done;
	spec->console_fd = con_w;
	spec->agent_fd = agent_w;
	spec->qemu_log_path = out->qemu_log;
	if (vm_start(spec, &vm)) {
		snprintf(out->infra_reason, sizeof(out->infra_reason), "cannot start QEMU");
		goto done;
	}
	close(con_w);	/* QEMU holds the only write ends now */
	close(agent_w);
	con_w = agent_w = -1;
	supervise(m, &vm, &con, &agent, a);
	ok = true;
done:
	if (con_w >= 0)
		close(con_w);
	if (agent_w >= 0)
		close(agent_w);
	channel_close(&con);
	channel_close(&agent);
	vm_kill(&vm);
	return ok;
}

static void add_disks(const struct trial_manifest *m, struct vm_spec *spec)
{
	int i;

	for (i = 0; i < m->n_disks && spec->n_disks < VM_MAX_DEVICES; i++)
		spec->disks[spec->n_disks++] = m->disks[i];
}

/* Fresh boot: base initramfs + the trial cpio. */
static bool attempt_boot(const struct trial_manifest *m, const struct trial_opts *o,
			 const struct initrd *rd, const char *append, size_t limit,
			 struct trial_result *out)
{
	struct attempt a = { .r = out, .payload_fd = -1 };
	struct vm_spec spec = { 0 };
	char *initrd = xasprintf("%s/initrd.cpio", out->run_dir);
	bool ok = false;
	int i;

	if (initrd_write(rd, o->image->initramfs, initrd))
		goto out;
	spec.vmlinux = o->image->vmlinux;
	spec.initrd = initrd;
	spec.append = append;
	spec.mem_mb = m->mem_mb;
	for (i = 0; i < m->n_devices; i++)
		spec.devices[spec.n_devices++] = m->devices[i];
	add_disks(m, &spec);
	ok = run_vm(m, &spec, limit, &a);
out:
	if (!o->keep_initrd)
		unlink(initrd);
	free(initrd);
	return ok;
}

/* The trial cpio for a restored guest (malloc'd), or NULL with why when it cannot be one. */
static char *restore_payload(const struct initrd *rd, const char *run_dir, bool keep,
			     size_t *len, char *why, size_t why_len)
{
	char *cpio = xasprintf("%s/payload.cpio", run_dir), *data = NULL;

	if (initrd_write(rd, NULL, cpio) || !(data = read_file(cpio, len)))
		snprintf(why, why_len, "cannot write the trial payload '%s'", cpio);
	else if (*len > PAYLOAD_MAX_LEN)
		snprintf(why, why_len, "trial payload of %zu bytes exceeds the %u MiB payload memory",
			 *len, PAYLOAD_MEM_MB);
	if (why[0]) {
		free(data);
		data = NULL;
	}
	if (!keep)
		unlink(cpio);
	free(cpio);
	return data;
}

/* Restore the parked snapshot and hand the trial cpio to its agent. */
static bool attempt_restore(const struct trial_manifest *m, const struct snapshot_config *cfg,
			    const struct snapshot *snap, const char *payload, size_t len,
			    size_t limit, struct trial_result *out)
{
	struct attempt a = { .r = out, .payload = payload, .payload_len = len };
	struct vm_spec spec = { 0 };
	char *mem = xasprintf("%s/payload.mem", out->run_dir);
	bool ok = false;

	a.payload_fd = snapshot_payload_create(mem);
	if (a.payload_fd >= 0) {
		snapshot_vm_spec(cfg, snap, &spec);
		add_disks(m, &spec);
		spec.payload_mem = mem;
		spec.incoming = snap->state;
		ok = run_vm(m, &spec, limit, &a);
		close(a.payload_fd);
	}
	unlink(mem);
	free(mem);
	return ok;
}

static void init_result(struct trial_result *r, const char *run_dir);

const char *trial_phase_name(enum trial_phase p)
{
	static const char *const names[TRIAL_N_PHASES] = {
		"prepare", "restore", "setup", "workload", "teardown", "classify",
	};

	return (unsigned)p < TRIAL_N_PHASES ? names[p] : "?";
}

void trial_split_phases(struct trial_result *r, uint64_t t_start, uint64_t t_judged)
{
	uint64_t mark[TRIAL_N_PHASES + 1] = {
		t_start, r->t_vm_start, r->t_started, r->t_workload, r->t_workload_end,
		r->t_vm_end, t_judged,
	};
	int i;

	for (i = TRIAL_N_PHASES - 1; i >= 0; i--)
		if (!mark[i] || mark[i] > mark[i + 1])
			mark[i] = mark[i + 1];
	for (i = 0; i < TRIAL_N_PHASES; i++)
		r->phase_ms[i] = mark[i + 1] - mark[i];
}

/* A fresh random agent-channel key: 32 hex digits. */
static void new_channel_key(char key[33])
{
	unsigned char b[16];
	size_t i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))	/* cannot fail for 16 bytes */
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(now_ms() >> (i % 8));
	for (i = 0; i < sizeof(b); i++)
		snprintf(key + 2 * i, 3, "%02x", b[i]);
}

/* Keep the logs of a failed restore and start the result over for a boot. */
static void restore_failed(struct trial_result *out, const struct snapshot *snap)
{
	char why[256], key[sizeof(out->channel_key)];
	const char *logs[] = { out->console_log, out->agent_log, out->qemu_log };
	char *dir = xstrdup(out->run_dir);
	size_t i;

	snprintf(why, sizeof(why), "restore of snapshot %s failed (%.150s); logs *.restore-failed.log",
		 snap->key, out->infra_reason[0] ? out->infra_reason :
		 out->boot_deadline ? "no agent start before the boot deadline" :
		 "QEMU ended before the agent started");
	for (i = 0; i < ARRAY_SIZE(logs); i++) {
		char *to = xasprintf("%.*s.restore-failed.log", (int)(strlen(logs[i]) - 4), logs[i]);

		rename(logs[i], to);
		free(to);
	}
	snapshot_invalidate(snap);
	memcpy(key, out->channel_key, sizeof(key));	/* the payload's, for the boot */
	trial_result_release(out);
	init_result(out, dir);
	memcpy(out->channel_key, key, sizeof(key));
	free(dir);
	snprintf(out->reset_reason, sizeof(out->reset_reason), "%s", why);
	snprintf(out->snapshot_key, sizeof(out->snapshot_key), "%s", snap->key);
}

int trial_run(const struct trial_manifest *m, const struct trial_opts *o,
	      struct trial_result *out)
{
	uint64_t t_start = now_ms();
	struct snapshot_config cfg = { 0 };
	struct snapshot snap = { { 0 }, NULL, NULL, NULL, false, 0 };
	struct initrd *rd = NULL;
	char *append = NULL, *payload = NULL, *preload = NULL;
	size_t payload_len = 0;
	bool host_ok = false, restore = false;
	size_t limit = o->capture_limit ? o->capture_limit : DEFAULT_CAPTURE;

	if (manifest_check_files(m) || trial_workload_known(o->image, m->workload))
		return -1;
	if (mkdir_p(o->run_dir, 0755))
		return -1;
	init_result(out, o->run_dir);
	new_channel_key(out->channel_key);
	rd = build_payload(m, out->channel_key);
	if (!rd)
		goto done;
	append = build_append(m, o);
	if (o->reset == TRIAL_RESET_BOOT || m->fresh_boot) {
		snprintf(out->reset_reason, sizeof(out->reset_reason), "fresh boot requested (%s)",
			 m->fresh_boot ? "manifest \"reset\": \"boot\"" : "reset option");
	} else {
		cfg.image = o->image;
		cfg.append = append;
		cfg.mem_mb = m->mem_mb;
		cfg.devices = (const char *const *)m->devices;
		cfg.n_devices = m->n_devices;
		cfg.n_disks = m->n_disks;
		cfg.preload = preload = manifest_preload_json(m);
		cfg.cache_dir = o->snapshot_cache;
		restore = !snapshot_get(&cfg, &snap, out->reset_reason, sizeof(out->reset_reason));
		if (restore) {
			memcpy(out->snapshot_key, snap.key, sizeof(out->snapshot_key));
			out->snapshot_created = snap.created;
			out->snapshot_ms = snap.create_ms;
		}
	}
	if (restore) {
		payload = restore_payload(rd, o->run_dir, o->keep_initrd, &payload_len,
					  out->reset_reason, sizeof(out->reset_reason));
		restore = payload != NULL;
	}
	if (restore) {
		host_ok = attempt_restore(m, &cfg, &snap, payload, payload_len, limit, out);
		out->restored = true;
		if (!out->agent_started) {
			restore_failed(out, &snap);
			restore = false;
		}
	}
	if (!restore)
		host_ok = attempt_boot(m, o, rd, append, limit, out);
done:
	if (!host_ok && !out->infra_reason[0])
		snprintf(out->infra_reason, sizeof(out->infra_reason), "cannot prepare the trial");
	judge(out, !host_ok);
	out->wall_ms = now_ms() - t_start;
	trial_split_phases(out, t_start, t_start + out->wall_ms);
	write_result(out);
	snapshot_release(&snap);
	initrd_free(rd);
	free(payload);
	free(append);
	free(preload);
	return 0;
}

void trial_result_release(struct trial_result *r)
{
	int i;

	json_object_put(r->metrics);
	json_object_put(r->agent_events);
	for (i = 0; i < r->n_nim_events; i++)
		free(r->nim_events[i]);
	free(r->run_dir);
	free(r->console_log);
	free(r->agent_log);
	free(r->qemu_log);
	free(r->result_json);
	memset(r, 0, sizeof(*r));
}

static json_object *jbool(bool b) { return json_object_new_boolean(b); }
static json_object *jint(int64_t v) { return json_object_new_int64(v); }
static json_object *jstring(const char *s) { return json_object_new_string(s ? s : ""); }

/* A new object of the (key, value) pairs given, in order, up to a NULL key. */
static json_object * __attribute__((sentinel)) jobject(const char *key, ...)
{
	json_object *o = json_object_new_object();
	va_list ap;

	va_start(ap, key);
	for (; key; key = va_arg(ap, const char *))
		json_object_object_add(o, key, va_arg(ap, json_object *));
	va_end(ap);
	return o;
}

json_object *trial_result_json(const struct trial_result *r)
{
	static const char *const wl[] = { "unknown", "pass", "fail", "setup_error" };
	json_object *o = json_object_new_object(), *nim = json_object_new_array();
	json_object *phases = json_object_new_object();
	int i;

	json_object_object_add(o, "outcome", jstring(outcome_name(r->outcome)));
	json_object_object_add(o, "reason", jstring(r->outcome_reason));
	if (r->infra_reason[0])
		json_object_object_add(o, "infra_reason", jstring(r->infra_reason));
	json_object_object_add(o, "triage", triage_to_json(&r->triage));
	json_object_object_add(o, "workload", jobject(
		"verdict", jstring(wl[r->workload]), "exit_status", jint(r->workload_exit),
		"reason", jstring(r->workload_reason),
		"metrics", r->metrics ? json_object_get(r->metrics) : NULL, NULL));
	for (i = 0; i < r->n_nim_events; i++)
		json_object_array_add(nim, jstring(r->nim_events[i]));
	json_object_object_add(o, "nim_events", nim);
	if (r->agent_events)
		json_object_object_add(o, "agent_events", json_object_get(r->agent_events));
	if (r->nim_recovery_us >= 0)
		json_object_object_add(o, "nim_recovery_us", jint(r->nim_recovery_us));
	if (r->nim_det.mechanism[0])
		json_object_object_add(o, "nim_detection", jstring(r->nim_det.mechanism));
	if (r->nim_det.target[0])
		json_object_object_add(o, "nim_target", jstring(r->nim_det.target));
	if (r->fault_armed >= 0) {
		json_object_object_add(o, "fault_armed", jint(r->fault_armed));
		json_object_object_add(o, "fault_fired", jint(r->fault_fired));
	}
	json_object_object_add(o, "agent_started", jbool(r->agent_started));
	json_object_object_add(o, "agent_done", jbool(r->agent_done));
	json_object_object_add(o, "modules_loaded", jint(r->modules_loaded));
	json_object_object_add(o, "modules_failed", jint(r->modules_failed));
	json_object_object_add(o, "vm_exited", jbool(r->vm_exited));
	json_object_object_add(o, "vm_exit_status", jint(r->vm_exit_status));
	json_object_object_add(o, "deadlines_hit", jobject(
		"boot", jbool(r->boot_deadline), "heartbeat", jbool(r->heartbeat_deadline),
		"total", jbool(r->total_deadline), "workload", jbool(r->workload_deadline),
		"poweroff", jbool(r->poweroff_deadline), NULL));
	json_object_object_add(o, "durations", jobject(
		"boot_ms", jint((int64_t)r->boot_ms), "vm_ms", jint((int64_t)r->vm_ms),
		"wall_ms", jint((int64_t)r->wall_ms), NULL));
	for (i = 0; i < TRIAL_N_PHASES; i++)
		json_object_object_add(phases, trial_phase_name(i), jint((int64_t)r->phase_ms[i]));
	json_object_object_add(o, "phases_ms", phases);
	json_object_object_add(o, "attempts", jint(r->attempts));
	json_object_object_add(o, "reset", jstring(r->restored ? "restore" : "boot"));
	if (r->reset_reason[0])
		json_object_object_add(o, "reset_reason", jstring(r->reset_reason));
	if (r->snapshot_key[0])
		json_object_object_add(o, "snapshot", jobject(
			"key", jstring(r->snapshot_key), "created", jbool(r->snapshot_created),
			"create_ms", jint((int64_t)r->snapshot_ms), NULL));
	json_object_object_add(o, "logs", jobject(
		"console", jstring(r->console_log), "agent", jstring(r->agent_log),
		"qemu", jstring(r->qemu_log), "console_truncated", jbool(r->console_truncated),
		"agent_forged", json_object_new_int(r->agent_forged),
		"agent_truncated", jbool(r->agent_truncated), NULL));
	return o;
}

int trial_workload_known(const struct image *img, const char *name)
{
	struct archive *a;
	struct archive_entry *e;
	char *want;
	int found = 0;

	if (!strcmp(name, "none") || !strcmp(name, "cmd"))
		return 0;
	want = xasprintf("bin/wl-%s", name);
	a = archive_read_new();
	archive_read_support_format_cpio(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, img->initramfs, 1 << 16) == ARCHIVE_OK) {
		while (!found && archive_read_next_header(a, &e) == ARCHIVE_OK) {
			const char *p = archive_entry_pathname(e);

			if (!strncmp(p, "./", 2))
				p += 2;
			found = !strcmp(p, want);
			archive_read_data_skip(a);
		}
	}
	archive_read_free(a);
	free(want);
	if (!found)
		return error("unknown workload '%s' (no /bin/wl-%s in the guest image; built-ins: none, cmd)",
			     name, name);
	return 0;
}
