/*
 * qemu.c - start, wait for and kill QEMU guests (see qemu.h for the
 * invariants).  Knows QEMU's command line and nothing about trials.
 */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "payload.h"
#include "util.h"

struct device_model {
	const char *name;	/* what users type */
	const char *model;	/* QEMU -device model */
	int is_net;
};

static const struct device_model models[] = {
	{ "e1000",      "e1000",          1 },
	{ "pcnet",      "pcnet",          1 },
	{ "rtl8139",    "rtl8139",        1 },
	{ "e1000e",     "e1000e",         1 },
	{ "ne2k_pci",   "ne2k_pci",       1 },
	{ "i82559er",   "i82559er",       1 },
	{ "tulip",      "tulip",          1 },
	{ "virtio-net", "virtio-net-pci", 1 },
	{ "es1370",     "ES1370",         0 },
};

/* Live QEMU pids, killed from the signal handler and by vm_cancel_all(). */
#define MAX_LIVE 64
static volatile pid_t live[MAX_LIVE];
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static int cancelled;	/* vm_cancel_all() was called: no VM may run any more */
/* Fixed descriptor numbers of the console and agent pipes in QEMU. */
#define CHILD_CONSOLE_FD 3
#define CHILD_AGENT_FD 4
#define CHILD_INCOMING_FD 5	/* the saved state, read by -incoming fd: */

const char *vm_device_names(void)
{
	return "e1000, pcnet, rtl8139, e1000e, ne2k_pci, i82559er, tulip, virtio-net, es1370";
}

static const struct device_model *find_model(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(models); i++)
		if (!strcmp(models[i].name, name))
			return &models[i];
	return NULL;
}

int vm_device_known(const char *name)
{
	return find_model(name) ? 0 : -1;
}

static void kill_live_and_reraise(int sig)
{
	int i;

	for (i = 0; i < MAX_LIVE; i++)
		if (live[i] > 0)
			kill(live[i], SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void track(pid_t pid, int add)
{
	static int handlers;
	int i;

	pthread_mutex_lock(&live_lock);
	if (!handlers) {
		struct sigaction sa = { .sa_handler = kill_live_and_reraise };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		handlers = 1;
	}
	if (add && cancelled)	/* started while vm_cancel_all() ran */
		kill(pid, SIGKILL);
	for (i = 0; i < MAX_LIVE; i++) {
		if (add && live[i] == 0) {
			live[i] = pid;
			break;
		}
		if (!add && live[i] == pid) {
			live[i] = 0;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
}

struct argv_buf {
	char *v[128];
	int n;
};

static void push(struct argv_buf *a, char *s)
{
	if (a->n < (int)ARRAY_SIZE(a->v) - 1)
		a->v[a->n++] = s;
}

/* A serial port written to path, or to the child's inherited fd when path is NULL. */
static void push_serial(struct argv_buf *a, const char *id, const char *path, int fd)
{
	push(a, xstrdup("-chardev"));
	if (path)
		push(a, xasprintf("file,id=%s,path=%s", id, path));
	else
		push(a, xasprintf("file,id=%s,path=/dev/fd/%d", id, fd));
	push(a, xstrdup("-serial"));
	push(a, xasprintf("chardev:%s", id));
}

static void build_argv(const struct vm_spec *s, struct argv_buf *a)
{
	int i, nic = 0;

	push(a, xstrdup("qemu-system-x86_64"));
	push(a, xstrdup("-accel"));
	push(a, xstrdup("tcg"));
	push(a, xstrdup("-cpu"));
	push(a, xstrdup("max"));
	push(a, xstrdup("-m"));
	push(a, xasprintf("%u", s->mem_mb ? s->mem_mb : 512));
	push(a, xstrdup("-smp"));
	push(a, xasprintf("%u", s->cpus ? s->cpus : 1));
	push(a, xstrdup("-nodefaults"));
	push(a, xstrdup("-display"));
	push(a, xstrdup("none"));
	push(a, xstrdup("-no-reboot"));
	push(a, xstrdup("-kernel"));
	push(a, xstrdup(s->vmlinux));
	push(a, xstrdup("-initrd"));
	push(a, xstrdup(s->initrd));
	push(a, xstrdup("-append"));
	push(a, xstrdup(s->append));
	push_serial(a, "con0", s->console_path, CHILD_CONSOLE_FD);
	push_serial(a, "agent0", s->agent_path, CHILD_AGENT_FD);
	for (i = 0; i < s->n_devices; i++) {
		const struct device_model *m = find_model(s->devices[i]);

		if (!m)
			continue;
		if (m->is_net) {
			push(a, xstrdup("-netdev"));
			push(a, xasprintf("hubport,id=net%d,hubid=0", nic));
			push(a, xstrdup("-device"));
			push(a, xasprintf("%s,netdev=net%d,mac=52:54:00:12:34:%02x,romfile=",
					  m->model, nic, 0x56 + nic));
			nic++;
		} else {
			push(a, xstrdup("-audiodev"));
			push(a, xasprintf("none,id=audio%d", i));
			push(a, xstrdup("-device"));
			push(a, xasprintf("%s,audiodev=audio%d", m->model, i));
		}
	}
	for (i = 0; i < s->n_disks; i++) {
		push(a, xstrdup("-drive"));
		push(a, xasprintf("file=%s,format=raw,if=virtio,cache=unsafe",
				  s->disks[i]));
	}
	if (s->payload_mem) {	/* after every trial device: none of them moves */
		push(a, xstrdup("-object"));
		push(a, xasprintf("memory-backend-file,id=nookspl,size=%uM,mem-path=%s,share=on",
				  s->payload_mem_mb, s->payload_mem));
		push(a, xstrdup("-device"));
		push(a, xasprintf("ivshmem-plain,memdev=nookspl,master=on,addr=0x%x", PAYLOAD_PCI_SLOT));
	}
	if (s->qmp_socket) {
		push(a, xstrdup("-qmp"));
		push(a, xasprintf("unix:%s,server=on,wait=off", s->qmp_socket));
	}
	if (s->incoming) {
		push(a, xstrdup("-incoming"));
		push(a, xasprintf("fd:%d", CHILD_INCOMING_FD));
	}
	for (i = 0; i < s->n_extra; i++)
		push(a, xstrdup(s->extra[i]));
	a->v[a->n] = NULL;
}

void vm_cancel_all(void)
{
	int i;

	pthread_mutex_lock(&live_lock);
	cancelled = 1;
	for (i = 0; i < MAX_LIVE; i++)
		if (live[i] > 0)
			kill(live[i], SIGKILL);
	pthread_mutex_unlock(&live_lock);
}

int vm_start(const struct vm_spec *spec, struct vm *vm)
{
	struct argv_buf a = { .n = 0 };
	int errpipe[2], i, err = 0, state_fd = -1;
	pid_t pid;
	ssize_t r;

	pthread_mutex_lock(&live_lock);
	i = cancelled;
	pthread_mutex_unlock(&live_lock);
	if (i)
		return error("not starting a VM: the runner is stopping");
	for (i = 0; i < spec->n_devices; i++)
		if (!find_model(spec->devices[i]))
			return error("unknown device '%s' (known: %s)",
				     spec->devices[i], vm_device_names());
	if (spec->payload_mem && (strchr(spec->payload_mem, ',') || !spec->payload_mem_mb))
		return error("unusable payload memory file '%s'", spec->payload_mem);
	if (spec->incoming) {
		state_fd = open(spec->incoming, O_RDONLY | O_CLOEXEC);
		if (state_fd < 0)
			return error_errno("cannot open saved state '%s'", spec->incoming);
	}
	build_argv(spec, &a);
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		err = error_errno("pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err = error_errno("cannot fork");
		close(errpipe[0]);
		close(errpipe[1]);
		goto out;
	}
	if (pid == 0) {
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		if (state_fd >= 0)	/* out of the way of the fixed numbers below */
			state_fd = fcntl(state_fd, F_DUPFD_CLOEXEC, 100);
		if (!spec->console_path || !spec->agent_path) {
			/* move the pipe ends out of the way, then to fixed numbers */
			int c = fcntl(spec->console_fd, F_DUPFD_CLOEXEC, 100);
			int g = fcntl(spec->agent_fd, F_DUPFD_CLOEXEC, 100);

			if (!spec->console_path)
				dup2(c, CHILD_CONSOLE_FD);
			if (!spec->agent_path)
				dup2(g, CHILD_AGENT_FD);
		}
		if (state_fd >= 0)
			dup2(state_fd, CHILD_INCOMING_FD);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		fd = open(spec->qemu_log_path ? spec->qemu_log_path : "/dev/null",
			  O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(a.v[0], a.v);
		err = errno;
		if (write(errpipe[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(errpipe[1]);
	r = read(errpipe[0], &err, sizeof(err));
	close(errpipe[0]);
	if (r == sizeof(err)) {
		waitpid(pid, NULL, 0);
		errno = err;
		err = error_errno("cannot run qemu-system-x86_64 (install qemu-system-x86)");
		goto out;
	}
	err = 0;
	vm->pid = pid;
	vm->start_ms = now_ms();
	track(pid, 1);
out:
	if (state_fd >= 0)
		close(state_fd);
	for (i = 0; i < a.n; i++)
		free(a.v[i]);
	return err;
}

static void fill_status(int status, struct vm_result *res)
{
	if (WIFEXITED(status)) {
		res->exited = 1;
		res->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->term_signal = WTERMSIG(status);
	}
}

int vm_wait(struct vm *vm, uint64_t timeout_ms, struct vm_result *res)
{
	memset(res, 0, sizeof(*res));
	for (;;) {
		int status;
		pid_t r = waitpid(vm->pid, &status, WNOHANG);

		if (r == vm->pid) {
			fill_status(status, res);
			break;
		}
		if (r < 0 && errno != EINTR) {
			error_errno("waitpid on qemu (pid %d)", (int)vm->pid);
			vm_kill(vm);
			return -1;
		}
		if (timeout_ms && now_ms() - vm->start_ms >= timeout_ms) {
			res->timed_out = 1;
			kill(vm->pid, SIGKILL);
			while (waitpid(vm->pid, &status, 0) < 0 && errno == EINTR)
				;
			res->term_signal = SIGKILL;
			break;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	res->wall_ms = now_ms() - vm->start_ms;
	track(vm->pid, 0);
	vm->pid = 0;
	return 0;
}

void vm_kill(struct vm *vm)
{
	if (vm->pid <= 0)
		return;
	kill(vm->pid, SIGKILL);
	while (waitpid(vm->pid, NULL, 0) < 0 && errno == EINTR)
		;
	track(vm->pid, 0);
	vm->pid = 0;
}
