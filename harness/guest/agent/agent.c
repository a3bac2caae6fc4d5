/*
 * agent.c - the guest agent (static, PID 1 after /init): runs one trial
 * inside the guest and reports it as JSON lines on the agent channel
 * (ttyS1), then powers the guest off.
 *
 * Reads /trial/manifest.json (rendered by the host, manifest.c):
 *   {"modules":[{"file":"/trial/modules/00-x.ko","params":"a=1"}|{"name":"e1000"}],
 * (leading {"name":..., "preload":true} modules are loaded before "started";
 * a restored guest already has them from park mode)
 *    "coldplug":true, "workload":{"name":"cmd","params":{"cmd":"..."}}}
 * Events (one JSON object per line, each with "event" and "t_ms"):
 *   started, module_loaded / module_failed, coldplug_done, workload_started,
 *   progress / result (forwarded from /bin/wl-X), output (non-JSON workload
 *   output), workload_exit, workload_stuck, nim (a /dev/kmsg line
 *   starting "nooks:"),
 *   heartbeat (every 500 ms, from a separate process), inject (the
 *   manifest's fault trigger ran), recovery_agent (recover.c), done.
 * "workload":{"env":{"WL_X":"v"}} is set in the workload's environment
 * (the transient-fault trigger of wl_inject.h uses it).
 * Manifest extras: "inject": {"cmd", "after_s", "phase"} runs cmd once,
 * after_s seconds after the workload started or reported that phase;
 * "recovery_agent": false turns the user-mode recovery agent off.
 * Park mode (`nooks-agent --park MANIFEST`, started by /init when the initrd
 * holds /trial/park): the guest of a snapshot.  Loads the modules
 * /trial/park lists (JSON [{"name","params"}]; empty: none), maps the payload device,
 * prints "parked" until a restored copy of it gets a payload (payload.h),
 * then sets the clock, reseeds the CRNG, unpacks the cpio into / (the same
 * /trial tree a fresh boot has; park.c) and carries on as above.  Nothing of the
 * trial exists in the guest before the payload arrives.
 * Never decides the outcome (the host does) and never talks to the network.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <json-c/json.h>
#include <linux/random.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define CHANNEL "/dev/ttyS1"
#define MANIFEST "/trial/manifest.json"
#define HEARTBEAT_MS 500
#define MAX_LINE 3000

static int chan = -1;
static int kmsg = -1;

long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The trial's channel key (manifest "key"): in every line once known, so
 * the host can tell the agent's lines from a guest program's writes to the
 * channel.  Kept only here: the manifest file is deleted once read.
 */
static char key[65];

/* Write one event line; o is consumed.  One write() per line keeps lines whole. */
void emit(json_object *o)
{
	const char *s;
	char *line;
	int n;

	json_object_object_add(o, "t_ms", json_object_new_int64(mono_ms()));
	if (key[0])
		json_object_object_add(o, "key", json_object_new_string(key));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = asprintf(&line, "%s\n", s);
	if (n > 0 && chan >= 0) {
		ssize_t off = 0;

		while (off < n) {
			ssize_t w = write(chan, line + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += w;
		}
		free(line);
	}
	json_object_put(o);
}

json_object *event(const char *name)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(name));
	return o;
}

void emit_simple(const char *name, const char *key, const char *val)
{
	json_object *o = event(name);

	if (key)
		json_object_object_add(o, key, json_object_new_string(val));
	emit(o);
}

static int open_channel(void)
{
	struct termios t;

	chan = open(CHANNEL, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (chan < 0)
		return -1;
	if (!tcgetattr(chan, &t)) {
		cfmakeraw(&t);
		tcsetattr(chan, TCSANOW, &t);
	}
	return 0;
}

static pid_t start_heartbeat(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		long long seq = 0;

		for (;;) {
			json_object *o = event("heartbeat");

			json_object_object_add(o, "seq", json_object_new_int64(seq++));
			emit(o);
			usleep(HEARTBEAT_MS * 1000);
		}
	}
	return pid;
}

/*
 * Forward every kernel /dev/kmsg record whose message starts with "nooks:".
 * Only facility 0 is the kernel's: a record a program wrote to /dev/kmsg
 * gets LOG_USER or its own facility, never 0 (kernel/printk/printk.c,
 * devkmsg_write), so a forged "nooks: recovered" line is not a NIM event.
 */
static void drain_kmsg(void)
{
	char buf[8192];

	if (kmsg < 0)
		return;
	for (;;) {
		ssize_t n = read(kmsg, buf, sizeof(buf) - 1);
		char *msg, *end;

		if (n < 0 && errno == EPIPE)
			continue;	/* records overwritten: skip ahead */
		if (n <= 0)
			return;
		buf[n] = '\0';
		msg = strchr(buf, ';');
		if (!msg || atoi(buf) >> 3 != 0)	/* no record, or not the kernel's */
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		if (strncmp(msg, "nooks:", 6))
			continue;
		json_object *o = event("nim");

		recover_note_nim(msg);
		json_object_object_add(o, "msg", json_object_new_string(msg));
		long long ts_us = 0;

		sscanf(buf, "%*d,%*u,%lld", &ts_us);
		json_object_object_add(o, "t_us", json_object_new_int64(ts_us));
		emit(o);
	}
}

static int run_wait(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void modprobe_deps(const char *file)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "for d in $(modinfo -F depends '%s' 2>/dev/null | tr , ' '); do modprobe \"$d\"; done "
		 ">/dev/null 2>&1", file);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	run_wait(argv);
}

static int load_module(json_object *m)
{
	json_object *v;
	const char *file = NULL, *name = NULL, *params = "";
	json_object *o;

	if (json_object_object_get_ex(m, "file", &v))
		file = json_object_get_string(v);
	if (json_object_object_get_ex(m, "name", &v))
		name = json_object_get_string(v);
	if (json_object_object_get_ex(m, "params", &v))
		params = json_object_get_string(v);
	if (file) {
		int fd = open(file, O_RDONLY | O_CLOEXEC), r, err;

		modprobe_deps(file);
		r = fd < 0 ? -1 : (int)syscall(SYS_finit_module, fd, params, 0);
		err = errno;
		if (fd >= 0)
			close(fd);
		o = event(r ? "module_failed" : "module_loaded");
		json_object_object_add(o, "module", json_object_new_string(file));
		if (r) {
			json_object_object_add(o, "errno", json_object_new_int(err));
			json_object_object_add(o, "error", json_object_new_string(strerror(err)));
		}
		emit(o);
		return r ? -1 : 0;
	}
	if (!name)
		return -1;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "modprobe %s %s", name, params);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	int r = run_wait(argv);

	o = event(r ? "module_failed" : "module_loaded");
	json_object_object_add(o, "module", json_object_new_string(name));
	if (r)
		json_object_object_add(o, "error", json_object_new_string("modprobe failed"));
	emit(o);
	return r ? -1 : 0;
}

static bool is_preload(json_object *mod)
{
	json_object *v;

	return json_object_object_get_ex(mod, "preload", &v) && json_object_get_boolean(v);
}

/* Whether image module name is loaded (/sys/module/<name>, '-' as '_'). */
static bool module_present(json_object *mod)
{
	json_object *v;
	char path[300], *c;
	struct stat st;

	if (!json_object_object_get_ex(mod, "name", &v))
		return false;
	snprintf(path, sizeof(path), "/sys/module/%s", json_object_get_string(v));
	for (c = path + strlen("/sys/module/"); *c; c++)
		if (*c == '-')
			*c = '_';
	return !stat(path, &st);
}

/* The parked guest's preloads (/trial/park: a JSON array, or empty): 0, or -1 when one failed. */
int park_preload(void)
{
	json_object *a = json_object_from_file("/trial/park");
	int i, r = 0;

	if (!a || !json_object_is_type(a, json_type_array)) {	/* empty: nothing to load */
		json_object_put(a);
		return 0;
	}
	for (i = 0; !r && i < (int)json_object_array_length(a); i++) {
		r = load_module(json_object_array_get_idx(a, i));
		drain_kmsg();
	}
	json_object_put(a);
	return r;
}

static void coldplug(void)
{
	char *argv[] = { "/bin/sh", "-c",
		"for bus in pci virtio; do for a in /sys/bus/$bus/devices/*/modalias; do "
		"[ -f \"$a\" ] && modprobe -q \"$(cat \"$a\")\"; done; done >/dev/null 2>&1", NULL };

	run_wait(argv);
	emit(event("coldplug_done"));
}

/*
 * The manifest's fault trigger: cmd runs once (sh -c, output discarded),
 * after_ms after the workload started or, with a phase, after the workload
 * reported {"event":"progress","phase":PHASE}.
 */
struct inject {
	const char *cmd, *phase;
	long long after_ms, at_ms;	/* at_ms: when due (-1 not armed yet) */
	int done;
};

static void inject_init(struct inject *in, json_object *m)
{
	json_object *o, *v;

	memset(in, 0, sizeof(*in));
	in->at_ms = -1;
	in->done = 1;
	if (!json_object_object_get_ex(m, "inject", &o) ||
	    !json_object_object_get_ex(o, "cmd", &v))
		return;
	in->cmd = json_object_get_string(v);
	in->done = 0;
	if (json_object_object_get_ex(o, "after_s", &v))
		in->after_ms = (long long)(json_object_get_double(v) * 1000.0);
	if (json_object_object_get_ex(o, "phase", &v))
		in->phase = json_object_get_string(v);
}

static void inject_arm(struct inject *in, const char *phase)
{
	if (in->done || in->at_ms >= 0)
		return;
	if (in->phase ? phase && !strcmp(phase, in->phase) : !phase)
		in->at_ms = mono_ms() + in->after_ms;
}

static void inject_poll(struct inject *in)
{
	if (in->done || in->at_ms < 0 || mono_ms() < in->at_ms)
		return;
	char *argv[] = { "/bin/sh", "-c", (char *)in->cmd, NULL };
	json_object *o = event("inject");

	in->done = 1;
	json_object_object_add(o, "cmd", json_object_new_string(in->cmd));
	json_object_object_add(o, "status", json_object_new_int(run_wait(argv)));
	emit(o);
}

/* ms until the trigger is due, capped at cap. */
static int inject_wait_ms(const struct inject *in, int cap)
{
	long long left;

	if (in->done || in->at_ms < 0)
		return cap;
	left = in->at_ms - mono_ms();
	return left < 0 ? 0 : left < cap ? (int)left : cap;
}

/* Forward one line of workload output: JSON objects with "event" as they are. */
static void forward_line(char *line, int *saw_result, struct inject *in)
{
	json_object *o = json_tokener_parse(line), *ev, *ph;

	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "event", &ev) && json_object_is_type(ev, json_type_string)) {
		if (!strcmp(json_object_get_string(ev), "result"))
			*saw_result = 1;
		if (!strcmp(json_object_get_string(ev), "progress") &&
		    json_object_object_get_ex(o, "phase", &ph))
			inject_arm(in, json_object_get_string(ph));
		emit(o);
		return;
	}
	json_object_put(o);
	emit_simple("output", "line", line);
}

static int build_argv(json_object *wl, const char *name, char ***argv_out)
{
	json_object *params = NULL, *v;
	char **argv;
	int n = 0;

	json_object_object_get_ex(wl, "params", &params);
	argv = calloc(4 + 2 * (params ? (size_t)json_object_object_length(params) : 0), sizeof(*argv));
	if (!argv)
		return -1;
	if (!strcmp(name, "cmd")) {
		argv[n++] = "/bin/sh";
		argv[n++] = "-c";
		argv[n++] = (char *)(params && json_object_object_get_ex(params, "cmd", &v) ?
				     json_object_get_string(v) : "true");
	} else {
		if (asprintf(&argv[n++], "/bin/wl-%s", name) < 0)
			return -1;
		if (params) {
			json_object_object_foreach(params, key, val) {
				if (asprintf(&argv[n++], "--%s", key) < 0)
					return -1;
				argv[n++] = (char *)json_object_get_string(val);
			}
		}
	}
	argv[n] = NULL;
	*argv_out = argv;
	return 0;
}

/*
 * A workload still running STUCK_GRACE_MS after its own deadline did not
 * act on its SIGALRM: it is stuck, likely in the kernel.  Say where, once:
 * its state, wait channel and kernel stack (/proc/PID) in the event, and
 * the stacks of all blocked tasks on the console (sysrq w).
 */
#define STUCK_GRACE_MS 5000

static long long stuck_at_ms(json_object *wl)
{
	json_object *params, *v;
	long long deadline_s;

	if (!json_object_object_get_ex(wl, "params", &params) ||
	    !json_object_object_get_ex(params, "deadline", &v))
		return -1;
	deadline_s = atoll(json_object_get_string(v));
	return deadline_s > 0 ? mono_ms() + deadline_s * 1000 + STUCK_GRACE_MS : -1;
}

/* Add the text of /proc/PID/NAME (at most 1 KiB) to @o as @key. */
static void add_proc_text(json_object *o, const char *key, pid_t pid, const char *name)
{
	char path[64], text[1024];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n > 0) {
		text[n] = '\0';
		json_object_object_add(o, key, json_object_new_string(text));
	}
}

static void report_stuck(pid_t pid)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	bool dumped = fd >= 0 && write(fd, "w", 1) == 1;
	json_object *o = event("workload_stuck");

	if (fd >= 0)
		close(fd);
	add_proc_text(o, "stat", pid, "stat");
	add_proc_text(o, "wchan", pid, "wchan");
	add_proc_text(o, "stack", pid, "stack");
	json_object_object_add(o, "blocked_tasks_on_console", json_object_new_boolean(dumped));
	emit(o);
}

/* Run the workload, forwarding its output and nim events; returns its exit status. */
static int run_workload(json_object *wl, struct inject *in)
{
	json_object *v;
	const char *name = json_object_object_get_ex(wl, "name", &v) ? json_object_get_string(v) : "none";
	char **argv, buf[MAX_LINE + 1];
	int pfd[2], status = 0, saw_result = 0;
	long long stuck_ms = -1;
	bool exited = false;
	size_t used = 0;
	pid_t pid;

	if (!strcmp(name, "none")) {
		json_object *o = event("result");

		json_object_object_add(o, "pass", json_object_new_boolean(1));
		json_object_object_add(o, "reason", json_object_new_string("no workload"));
		emit(o);
		return 0;
	}
	if (build_argv(wl, name, &argv) || pipe2(pfd, O_CLOEXEC))
		return 2;
	if (access(argv[0], X_OK)) {
		emit_simple("workload_missing", "path", argv[0]);
		return 2;
	}
	emit_simple("workload_started", "name", name);
	stuck_ms = stuck_at_ms(wl);
	inject_arm(in, NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);
		json_object *env;

		setpgid(0, 0);	/* its own group: killed with it (below) */
		if (json_object_object_get_ex(wl, "env", &env) &&
		    json_object_is_type(env, json_type_object)) {
			json_object_object_foreach(env, key, val)
				setenv(key, json_object_get_string(val), 1);
		}
		dup2(fd, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (chdir("/tmp"))
			_exit(2);
		execv(argv[0], argv);
		_exit(2);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p[2] = { { pfd[0], POLLIN, 0 }, { kmsg, POLLIN, 0 } };
		int r = poll(p, kmsg >= 0 ? 2 : 1, inject_wait_ms(in, 1000));

		if (r < 0 && errno != EINTR)
			break;
		if (kmsg >= 0 && (p[1].revents & POLLIN))
			drain_kmsg();
		recover_run_pending();
		inject_poll(in);
		if (stuck_ms >= 0 && mono_ms() >= stuck_ms) {
			report_stuck(pid);
			stuck_ms = -1;
		}
		/* the workload may die (a signal) while processes it started
		 * keep the pipe open: its exit, not the pipe's EOF, ends it */
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			kill(-pid, SIGKILL);
			fcntl(pfd[0], F_SETFL, O_NONBLOCK);
		}
		if (!exited && !(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		ssize_t n = read(pfd[0], buf + used, MAX_LINE - used);

		if (n <= 0)
			break;
		used += (size_t)n;
		for (;;) {
			char *nl = memchr(buf, '\n', used);

			if (!nl && used < MAX_LINE)
				break;
			size_t len = nl ? (size_t)(nl - buf) : used;

			buf[len] = '\0';
			forward_line(buf, &saw_result, in);
			len += nl ? 1 : 0;
			memmove(buf, buf + len, used - len);
			used -= len;
		}
	}
	if (used) {
		buf[used] = '\0';
		forward_line(buf, &saw_result, in);
	}
	close(pfd[0]);
	if (!exited) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		kill(-pid, SIGKILL);	/* what it left running */
	}
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (!strcmp(name, "cmd")) {
		json_object *o = event("result");
		char reason[64];

		snprintf(reason, sizeof(reason), "exit status %d", status);
		json_object_object_add(o, "pass", json_object_new_boolean(status == 0));
		json_object_object_add(o, "reason", json_object_new_string(reason));
		emit(o);
	}
	json_object *o = event("workload_exit");

	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "saw_result", json_object_new_boolean(saw_result));
	emit(o);
	return status;
}

/*
 * Power the guest off.  A child makes the call; PID 1 goes on forwarding
 * the NIM's kernel lines until the guest is gone, so that a fault the NIM
 * contains while devices shut down (the driver's shutdown callback, after
 * "done") still reaches the host as a "nim" event.
 */
void power_off(pid_t heartbeat)
{
	pid_t pid;

	if (heartbeat > 0) {
		kill(heartbeat, SIGKILL);
		waitpid(heartbeat, NULL, 0);
	}
	sync();
	pid = fork();
	if (pid <= 0) {
		reboot(RB_POWER_OFF);
		if (pid == 0)
			_exit(1);
	}
	for (;;) {
		struct pollfd p = { kmsg, POLLIN, 0 };

		if (kmsg < 0 || poll(&p, 1, 1000) < 0)
			pause();
		else
			drain_kmsg();
	}
}

int main(int argc, char **argv)
{
	int parked = argc > 1 && !strcmp(argv[1], "--park");
	const char *path = argc > 1 + parked ? argv[1 + parked] : MANIFEST;
	json_object *m, *mods, *v, *o;
	struct inject in;
	pid_t hb;
	int i, ok = 1;

	if (open_channel())
		power_off(0);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (parked)
		park();
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);	/* only what happens from now on */
	m = json_object_from_file(path);
	if (!m) {
		emit_simple("agent_error", "error", "cannot read " MANIFEST);
		power_off(0);
	}
	if (json_object_object_get_ex(m, "key", &v))
		snprintf(key, sizeof(key), "%s", json_object_get_string(v));
	unlink(path);	/* the key lives in this process only */
	if (!json_object_object_get_ex(m, "modules", &mods) ||
	    !json_object_is_type(mods, json_type_array))
		mods = NULL;
	/* preloaded modules come first: a restored guest has them (park()),
	 * a booted one loads them now, so that both are alike at "started" */
	for (i = 0; ok && mods && i < (int)json_object_array_length(mods) &&
		    is_preload(json_object_array_get_idx(mods, i)); i++) {
		json_object *mod = json_object_array_get_idx(mods, i);

		if (!parked || !module_present(mod)) {
			ok = !load_module(mod);
			drain_kmsg();
		}
	}
	o = event("started");
	json_object_object_add(o, "restored", json_object_new_boolean(parked));
	emit(o);
	hb = start_heartbeat();
	for (; ok && mods && i < (int)json_object_array_length(mods); i++) {
		ok = !load_module(json_object_array_get_idx(mods, i));
		drain_kmsg();
	}
	if (ok && json_object_object_get_ex(m, "coldplug", &v) && json_object_get_boolean(v))
		coldplug();
	inject_init(&in, m);
	if (json_object_object_get_ex(m, "recovery_agent", &v))
		recover_enable(json_object_get_boolean(v));
	if (ok && json_object_object_get_ex(m, "workload", &v))
		run_workload(v, &in);
	drain_kmsg();
	recover_run_pending();
	emit(event("done"));
	json_object_put(m);
	power_off(hb);
	return 0;
}
