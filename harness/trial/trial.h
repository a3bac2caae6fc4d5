/*
 * trial.h - run one trial in a fresh guest and decide what happened.
 *
 * Life cycle of a trial (trial_run(), one call):
 *   prepare   per-trial cpio (modules, /trial/manifest.json) in the run dir;
 *             reset chosen: "restore" when a parked snapshot for the trial's
 *             configuration exists or can be made (snapshot.h), else "boot"
 *   booting   QEMU started, booting (base initramfs + trial cpio) or
 *             restoring the snapshot (the cpio goes to the parked agent at
 *             its first "parked" line); waiting for the agent's "started"
 *             (boot deadline).  A restore that never reaches "started" is
 *             a failed restore: its logs are kept as *.restore-failed.log,
 *             the snapshot is invalidated and the trial boots fresh.
 *   running   agent events arrive; every line resets the heartbeat clock
 *   ended     QEMU exited, or was killed at a deadline; pipes drained
 *   judged    console triaged, outcome classified, result.json written
 * Invariants: (1) QEMU is reaped before trial_run() returns, on every path;
 * (2) console.log and agent.log never exceed opts->capture_limit bytes (the
 * rest is drained and dropped, "truncated" is set); (3) an infra_error
 * result says why in infra_reason; (4) a restored trial sees exactly what a
 * booted one sees at "started" (same devices, disks, command line, /trial
 * tree; nothing of another trial), except the guest's uptime, an extra
 * unbound ivshmem PCI device at slot 0x1f and the boot messages (in the
 * snapshot's boot-console.log, not in console.log).  The runner never interprets the console
 * itself: triage.c does.
 */
#ifndef NOOKS_TRIAL_H
#define NOOKS_TRIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "triage.h"

struct image;
struct trial_manifest;
struct json_object;

#define TRIAL_MAX_NIM_EVENTS 32
/* A workload still running this long after its own --deadline (it exits at
 * its deadline by SIGALRM) is stuck where no signal reaches it: the trial
 * ends as a hang then, not at the total deadline. */
#define TRIAL_WORKLOAD_GRACE_MS 10000
/* The agent's "done" is followed by power-off at once (a fraction of a
 * second); a guest still running this long after it hangs in shutdown
 * (a driver's shutdown callback, say): a hang, decided here. */
#define TRIAL_POWEROFF_GRACE_MS 10000

/*
 * Where a trial's host wall time goes, in order (trial_run() measures each;
 * a phase the trial never reached, e.g. the workload of a guest that crashed
 * while loading its modules, is 0 and the time goes to the phase it was in):
 *   prepare   payload cpio, snapshot lookup (or creation), until QEMU starts
 *   restore   QEMU start until the agent's "started" (snapshot restore or boot)
 *   setup     "started" until "workload_started" (modules, coldplug)
 *   workload  until the workload's "result" or "workload_exit"
 *   teardown  until QEMU is gone (agent's drain, recovery, power-off)
 *   classify  console triage and classification, result.json
 */
enum trial_phase {
	TRIAL_PHASE_PREPARE, TRIAL_PHASE_RESTORE, TRIAL_PHASE_SETUP,
	TRIAL_PHASE_WORKLOAD, TRIAL_PHASE_TEARDOWN, TRIAL_PHASE_CLASSIFY,
	TRIAL_N_PHASES
};
/* "prepare", "restore", ... */
const char *trial_phase_name(enum trial_phase p);

enum trial_reset {
	TRIAL_RESET_AUTO = 0,		/* restore a parked snapshot when possible */
	TRIAL_RESET_BOOT,		/* always boot fresh */
};

struct trial_opts {
	const struct image *image;
	const char *run_dir;		/* created if missing; holds the logs */
	size_t capture_limit;		/* per log, bytes (default 8 MiB) */
	bool keep_initrd;
	const char *base_append;	/* default TRIAL_BASE_APPEND */
	enum trial_reset reset;		/* the manifest's "reset": "boot" also forces boot */
	const char *snapshot_cache;	/* NULL: snapshot_default_cache() */
};

/* Kernel command line always given (then the manifest's "append"). */
#define TRIAL_BASE_APPEND "console=ttyS0 panic=-1 rdinit=/init"

struct trial_result {
	enum outcome outcome;
	const char *outcome_reason;	/* static string */
	char infra_reason[256];		/* host-side error text, if any */
	struct triage_verdict triage;
	/* agent */
	char channel_key[33];		/* this trial's agent-channel key; "": none, every
					 * line accepted (trial_agent_line() alone) */
	int agent_lines;		/* agent lines accepted (they carry the key) */
	int agent_forged;		/* agent events without the key: ignored */
	bool agent_started, agent_done;
	int modules_loaded, modules_failed;
	int workload_exit;		/* -1 if unknown */
	int workload_result;		/* -1 no result line, 0 fail, 1 pass */
	enum workload_verdict workload;
	char workload_reason[256];
	struct json_object *metrics;	/* the result line's "metrics" (owned) or NULL */
	struct json_object *agent_events;	/* "inject" and "recovery_agent" events (owned array) or NULL */
	char *nim_events[TRIAL_MAX_NIM_EVENTS];	/* messages (owned) */
	int n_nim_events;
	int nim_detected, nim_recovered, nim_failed;
	int nim_first_fault;		/* index in nim_events of the first fault, -1 none */
	long long nim_recovery_us;	/* latency of the first recovery, -1 none */
	struct nim_detection nim_det;	/* how the NIM detected the first fault (console,
					 * else the agent's nim events) */
	/* runtime-fault activation, from swifi's console events (-1: nothing armed;
	 * triage.h swifi_activation_scan()) */
	int fault_armed;		/* "swifi: event=armed" lines */
	int fault_fired;		/* "swifi: event=fired" lines */
	/* VM and deadlines */
	bool vm_exited;
	int vm_exit_status, vm_signal;
	bool boot_deadline, heartbeat_deadline, total_deadline;
	bool workload_deadline;		/* no "workload_exit" by the workload's --deadline
					 * + TRIAL_WORKLOAD_GRACE_MS after "workload_started" */
	bool workload_exited;		/* "workload_exit" seen */
	bool poweroff_deadline;		/* still running TRIAL_POWEROFF_GRACE_MS after "done" */
	uint64_t t_done;		/* host clock at the agent's "done" (0: not yet) */
	bool console_truncated, agent_truncated;
	uint64_t boot_ms;		/* QEMU start → agent "started" (0 if never) */
	uint64_t wall_ms;		/* whole trial, including preparation */
	uint64_t vm_ms;			/* QEMU start → QEMU gone */
	uint64_t phase_ms[TRIAL_N_PHASES];	/* enum trial_phase */
	/* host clock (now_ms()) at the runner's marks; 0: not reached */
	uint64_t t_vm_start, t_started, t_workload, t_workload_end, t_vm_end;
	int attempts;			/* runs including infra retries (pool) */
	/* reset */
	bool restored;			/* the guest was restored from a snapshot */
	char reset_reason[256];		/* why "boot" (empty when restored) */
	char snapshot_key[17];		/* snapshot used or tried ("" if none) */
	bool snapshot_created;		/* this trial created it */
	uint64_t snapshot_ms;		/* time spent creating it (in wall_ms) */
	/* paths (owned) */
	char *run_dir, *console_log, *agent_log, *qemu_log, *result_json;
};

/*
 * Run the trial described by m.  Fills out /out/ (release with
 * trial_result_release()).  Returns 0 whenever a result was produced, even
 * infra_error; -1 only on bad input (an error was printed, nothing run).
 */
int trial_run(const struct trial_manifest *m, const struct trial_opts *o,
	      struct trial_result *out);
void trial_result_release(struct trial_result *r);
/* The result as JSON (new object; caller puts it). */
struct json_object *trial_result_json(const struct trial_result *r);
/* What an agent line asks of the runner beyond what trial_agent_line() records. */
enum agent_line {
	AGENT_LINE_OTHER,	/* nothing more (also: not an agent event) */
	AGENT_LINE_PARKED,	/* "parked": a restored guest waits for its payload */
	AGENT_LINE_STARTED,	/* "started": the boot ends here (the runner times it) */
	AGENT_LINE_WORKLOAD,	/* "workload_started" (timed) */
	AGENT_LINE_WORKLOAD_END,	/* "result" or "workload_exit" (timed) */
	AGENT_LINE_DONE,	/* "done": power-off follows (timed) */
};
/*
 * Apply one line of the agent channel (docs/OUTCOMES.md; NUL-terminated,
 * without its newline) to r: counters, workload verdict, NIM events.  Pure
 * but for r: the guest writes these lines, so any text is accepted.
 */
enum agent_line trial_agent_line(struct trial_result *r, const char *line);
/*
 * r->phase_ms from the marks (t_start, r's t_* fields, t_judged): phase i
 * runs from mark i to mark i+1.  A mark never reached (0) takes the next
 * reached one's time, so the time goes to the phase the trial was in.
 */
void trial_split_phases(struct trial_result *r, uint64_t t_start, uint64_t t_judged);
/* 0 if the image has a workload called name (built-ins none, cmd, or /bin/wl-NAME). */
int trial_workload_known(const struct image *img, const char *name);

#endif
