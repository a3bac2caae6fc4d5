/*
 * recover.c - the user-mode recovery agent (after Nooks, SOSP 2003 §4.4):
 * a driver restart by the NIM brings the device back in its boot state,
 * so whatever user space configured on it (an interface's address, its up
 * state, routes) is gone.  A program that configures such state registers
 * how to restore it as an executable in RECOVER_DIR; after every NIM
 * `recovered` event the agent runs each of them (name order, one at a
 * time, bounded) with NOOKS_DOMAIN set to the recovered extension and
 * reports a `recovery_agent` event per script (script, status,
 * duration_ms, output).
 * Never decides anything about the outcome and never runs a script for a
 * fault that was not recovered.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define SCRIPT_TIMEOUT_MS 15000
#define MAX_OUTPUT 400
#define MAX_PENDING 8

static int enabled = 1;
static char pending[MAX_PENDING][64];	/* domains of recoveries not yet handled */
static int n_pending;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void recover_enable(int on)
{
	enabled = on;
}

void recover_note_nim(const char *msg)
{
	const char *d;
	size_t len;

	if (strncmp(msg, "nooks: recovered ", 17) || n_pending == MAX_PENDING)
		return;
	d = strstr(msg, " domain=");
	d = d ? d + 8 : "";
	len = strcspn(d, " ");
	snprintf(pending[n_pending++], sizeof(pending[0]), "%.*s", (int)len, d);
}

/* Run one script; status (exit code, 128+signal, 124 timeout, 127 exec failed). */
static int run_script(const char *path, const char *domain, char *out, size_t outsz)
{
	long long t0 = now_ms();
	size_t used = 0;
	int pfd[2], status = 0, done = 0, timed_out = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC))
		return 127;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return 127;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		setsid();
		dup2(fd, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		setenv("NOOKS_DOMAIN", domain, 1);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (!done) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		long long left = SCRIPT_TIMEOUT_MS - (now_ms() - t0);
		char buf[256];
		ssize_t n;

		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			timed_out = 1;
			break;
		}
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = read(pfd[0], buf, sizeof(buf));
		if (n <= 0)
			break;	/* EOF: the script (and its children) closed the pipe */
		if (used + 1 < outsz) {
			size_t k = (size_t)n < outsz - 1 - used ? (size_t)n : outsz - 1 - used;

			memcpy(out + used, buf, k);
			used += k;
			out[used] = '\0';
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return 124;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void run_all(const char *domain)
{
	struct dirent **names = NULL;	/* scandir leaves it unset when it fails */
	int i, n = scandir(RECOVER_DIR, &names, NULL, alphasort);

	if (n < 0) {	/* no workload registered a script: nothing to run */
		n = 0;
		names = NULL;
	}
	if (!n) {
		json_object *o = event("recovery_agent");

		json_object_object_add(o, "domain", json_object_new_string(domain));
		json_object_object_add(o, "scripts", json_object_new_int(0));
		emit(o);
	}
	for (i = 0; i < n; i++) {
		char path[512], out[MAX_OUTPUT + 1];
		struct stat st;
		long long t0;
		int status;

		snprintf(path, sizeof(path), RECOVER_DIR "/%s", names[i]->d_name);
		if (names[i]->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode) &&
		    !access(path, X_OK)) {
			json_object *o = event("recovery_agent");

			t0 = now_ms();
			status = run_script(path, domain, out, sizeof(out));
			while (*out && out[strlen(out) - 1] == '\n')
				out[strlen(out) - 1] = '\0';
			json_object_object_add(o, "domain", json_object_new_string(domain));
			json_object_object_add(o, "script", json_object_new_string(names[i]->d_name));
			json_object_object_add(o, "status", json_object_new_int(status));
			json_object_object_add(o, "duration_ms", json_object_new_int64(now_ms() - t0));
			if (*out)
				json_object_object_add(o, "output", json_object_new_string(out));
			emit(o);
		}
		free(names[i]);
	}
	free(names);
}

void recover_run_pending(void)
{
	int i;

	for (i = 0; i < n_pending; i++) {
		if (enabled) {
			run_all(pending[i]);
		} else {
			json_object *o = event("recovery_agent");

			json_object_object_add(o, "domain", json_object_new_string(pending[i]));
			json_object_object_add(o, "disabled", json_object_new_boolean(1));
			emit(o);
		}
	}
	n_pending = 0;
}
