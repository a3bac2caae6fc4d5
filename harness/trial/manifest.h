/*
 * manifest.h - the trial manifest (JSON, docs/OUTCOMES.md "Manifest"): what one trial
 * loads, attaches, runs and how long it may take.
 *
 * Parsing checks types and ranges and names the offending field; it does
 * not touch the file system (manifest_check_files() does, separately).
 * manifest_guest_json() renders what the guest agent reads as
 * /trial/manifest.json: host paths replaced by guest paths.
 */
#ifndef NOOKS_MANIFEST_H
#define NOOKS_MANIFEST_H

#include <stdbool.h>

#define MANIFEST_MAX_MODULES 16
#define MANIFEST_MAX_DEVICES 8
#define MANIFEST_MAX_PARAMS 32
#define MANIFEST_MAX_ENV 8

struct manifest_module {
	char *path;		/* host .ko (copied into the trial cpio), or NULL */
	char *name;		/* stock module name (modprobed in the guest), or NULL */
	char *params;		/* module parameters "a=1 b=2", or NULL */
	bool preload;		/* "preload": true: loaded before the agent's "started"
				 * (and kept in the parked snapshot, trial.h); only
				 * "name" modules at the start of the list */
};

struct manifest_param {
	char *key;
	char *value;		/* passed as --key value */
};

struct trial_manifest {
	struct manifest_module modules[MANIFEST_MAX_MODULES];
	int n_modules;
	char *devices[MANIFEST_MAX_DEVICES];
	int n_devices;
	char *disks[MANIFEST_MAX_DEVICES];
	int n_disks;
	char *workload;		/* "none", "cmd" or X for /bin/wl-X */
	struct manifest_param params[MANIFEST_MAX_PARAMS];
	int n_params;
	struct manifest_param env[MANIFEST_MAX_ENV];	/* "workload.env": WL_* variables */
	int n_env;
	char *append;		/* extra kernel command line, or NULL */
	unsigned mem_mb;	/* default 512 */
	bool coldplug;		/* modprobe drivers for present devices (default true) */
	bool fresh_boot;	/* "reset": "boot": never restore a snapshot (default "auto") */
	unsigned boot_ms;	/* until the agent's "started" (default 60 s) */
	unsigned heartbeat_ms;	/* max silence of the agent once started (default 10 s) */
	unsigned total_ms;	/* whole trial (default 300 s) */
	char *inject_cmd;	/* "inject.cmd": guest shell command run once during the workload */
	char *inject_phase;	/* "inject.phase": start the clock at this workload phase, or NULL */
	unsigned inject_after_ms;	/* "inject.after_s" (default 0) */
	bool no_recovery_agent;	/* "recovery_agent": false: no recovery scripts after a NIM recovery */
};

/* An empty manifest with the defaults, for a caller that fills it (manifest_release() frees). */
void manifest_init(struct trial_manifest *m /* out */);
/* The host form of m (JSON text, malloc'd), what a manifest file holds: manifest_parse() of it
 * gives m back (host paths kept as they are). */
char *manifest_json(const struct trial_manifest *m);
/* Parse JSON text; origin names the source in errors.  0, or -1 with one error line. */
int manifest_parse(const char *text, const char *origin, struct trial_manifest *m /* out */);
/* Read and parse a manifest file. */
int manifest_load(const char *path, struct trial_manifest *m /* out */);
/* Check that module files are kernel modules and disks exist. */
int manifest_check_files(const struct trial_manifest *m);
/* Free everything manifest_parse() allocated (m is zeroed). */
void manifest_release(struct trial_manifest *m);
/*
 * The guest's /trial/manifest.json (malloc'd); module i lives at
 * guest_module_path(i).  key (NULL or "": none) is the trial's agent-channel
 * key: the agent puts it in every line it sends (docs/OUTCOMES.md).
 */
char *manifest_guest_json(const struct trial_manifest *m, const char *key);
/*
 * The preload modules of m as the snapshot key and the parked guest need
 * them (malloc'd JSON array of {"name", "params"}), or NULL when m has none.
 */
char *manifest_preload_json(const struct trial_manifest *m);
/* The workload's own --deadline ("deadline" in its params) in ms, or 0 if it has none. */
unsigned long manifest_workload_deadline_ms(const struct trial_manifest *m);
/* Guest path of host module i (malloc'd): /trial/modules/NN-<basename>. */
char *manifest_guest_module_path(const struct trial_manifest *m, int i);

#endif
