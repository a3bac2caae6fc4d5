/*
 * qemu.h - the QEMU VM backend: start a guest under TCG, wait for it with a
 * deadline, kill it.
 *
 * Invariants: a started VM is always reaped by vm_wait() or vm_kill(); QEMU
 * runs with PR_SET_PDEATHSIG so it dies with its parent even on SIGKILL, and
 * SIGINT/SIGTERM/SIGHUP to the parent kill every live VM before the parent
 * exits.  Safe to use from several threads (one VM per thread; PDEATHSIG
 * follows the forking thread, which must outlive its VM).  Never uses KVM (see DESIGN.md: TCG only).  Guest networking is
 * QEMU hub ports only: no packet leaves QEMU.
 */
#ifndef NOOKS_QEMU_H
#define NOOKS_QEMU_H

#include <stdint.h>
#include <sys/types.h>

#define VM_MAX_DEVICES 8
#define VM_MAX_EXTRA 16

struct vm_spec {
	const char *vmlinux;
	const char *initrd;
	const char *append;		/* kernel command line */
	unsigned mem_mb;		/* default 512 */
	unsigned cpus;			/* default 1 */
	const char *console_path;	/* ttyS0: kernel console, or NULL: console_fd */
	const char *agent_path;		/* ttyS1: agent channel, or NULL: agent_fd */
	int console_fd;			/* write end of a pipe the caller reads */
	int agent_fd;
	const char *qemu_log_path;	/* QEMU's own stderr */
	const char *devices[VM_MAX_DEVICES];	/* names from vm_device_names() */
	int n_devices;
	const char *disks[VM_MAX_DEVICES];	/* raw images, virtio-blk (vda, vdb...) */
	int n_disks;
	const char *extra[VM_MAX_EXTRA];	/* extra QEMU arguments */
	int n_extra;
	/* snapshots (harness/vm/snapshot.c); all optional */
	const char *payload_mem;	/* ivshmem-plain at the last PCI slot, backed by this file */
	unsigned payload_mem_mb;	/* its size (a power of two) */
	const char *qmp_socket;		/* QMP server on this unix socket path */
	const char *incoming;		/* restore the guest state saved in this file (-incoming fd:) */
};

struct vm {
	pid_t pid;
	uint64_t start_ms;
};

struct vm_result {
	int exited;		/* QEMU exited by itself */
	int exit_status;	/* its exit status when exited */
	int timed_out;		/* killed at the deadline */
	int term_signal;	/* signal that ended QEMU, if any */
	uint64_t wall_ms;
};

/* Comma-separated list of known --device names (static string). */
const char *vm_device_names(void);
/* 0 if name is a known device model, -1 otherwise. */
int vm_device_known(const char *name);
/*
 * Start QEMU for spec; fills vm. -1 with an error printed on failure (also
 * for a payload_mem path with ',' or an incoming file that cannot be read).
 */
int vm_start(const struct vm_spec *spec, struct vm *vm);
/*
 * Wait until QEMU exits or timeout_ms passes (0: no limit); on timeout kill
 * it.  Fills res /out/.  Returns 0, or -1 if waiting failed.
 */
int vm_wait(struct vm *vm, uint64_t timeout_ms, struct vm_result *res);
/* Kill and reap a VM (idempotent). */
void vm_kill(struct vm *vm);
/*
 * A runner that is stopping: SIGKILL every VM this process runs (their
 * vm_wait() returns as for a killed QEMU) and make every later vm_start()
 * fail.  Safe from any thread; there is no way back.
 */
void vm_cancel_all(void);

#endif
