/*
 * campaign_spec.h - a campaign specification (JSON, json-c): what to inject
 * into which extensions, in which modes, how many trials, with which seed,
 * deadlines and kernel options.  Every field is documented in
 * docs/CAMPAIGNS.md.
 *
 * Parsing validates everything and names the offending field in its one-line
 * error ("campaign 'F': field 'extensions[1].device': ...").  The spec is
 * immutable once parsed; it never touches the store or runs anything.
 */
#ifndef NOOKS_CAMPAIGN_SPEC_H
#define NOOKS_CAMPAIGN_SPEC_H

#include <stdint.h>

#define SPEC_MAX_EXT 16
#define SPEC_MAX_TYPES 32
#define SPEC_MAX_ARGS 16
#define SPEC_MAX_DEVICES 4

/* MODE_DOMAINS: a nooks trial whose nooks.ko gets domains=1 (stage 2 page-table
 * protection domains).  Appended last: mode indexes are not stored, names are. */
enum spec_mode { MODE_NATIVE, MODE_NOOKS, MODE_DOMAINS, MODE_COUNT };

enum fault_mix {
	MIX_SINGLE,	/* all faults of one trial share one type (per-type breakdown) */
	MIX_MIXED,	/* each trial may draw any of the types */
};

struct spec_fault_type {
	char *name;
	unsigned weight;	/* relative weight in the mix, >= 1 */
};

/*
 * How a code fault meets the extension (docs/CAMPAIGNS.md "persistence").
 * Transient (the default, the Nooks/Rio model): the module is loaded
 * pristine and kmod/swifi writes the descriptor's mutation bytes into its
 * live text at the trigger; a NIM recovery restores the pristine text.
 * Persistent: the mutant .ko is loaded, and reloaded by a recovery.
 */
enum spec_persistence { PERSIST_TRANSIENT, PERSIST_PERSISTENT };

/* When a transient fault is written: when workload phase `phase` ends, or
 * at the n-th call of the module's function `call` (exactly one is set). */
struct spec_trigger {
	char *phase;
	char *call;
	int n;
};

struct spec_extension {
	char *name;		/* unique label, e.g. "e1000" */
	char *module;		/* module name in the image, or a path to a .ko */
	char *device;		/* QEMU device under test (may be NULL) */
	char *devices[SPEC_MAX_DEVICES];	/* all devices: [0] = device, then peers */
	int n_devices;
	char *workload;		/* runs /bin/wl-<workload> in the guest */
	char *workload_args[SPEC_MAX_ARGS * 2];	/* key, value pairs */
	int n_workload_args;
	char *disk;		/* optional disk kind for the workload (e.g. "vfat") */
	int modes[MODE_COUNT];	/* modes this extension runs in (a subset of the
				 * campaign's; all of them unless "modes" is given) */
	int modes_given;	/* "modes" was in the spec (kept in the canonical form) */
	enum spec_persistence persistence;	/* the campaign's unless overridden */
	struct spec_trigger trigger;	/* transient only: resolved (given, the campaign's,
					 * or after the workload's warm-up phase) */
};

struct campaign_spec {
	char *path;		/* file it came from (for messages) */
	char *name;
	char *description;
	uint64_t seed;
	int trials;		/* fault descriptors per extension */
	int faults_per_trial;
	int modes[MODE_COUNT];	/* enabled flags; absent in the spec: native, nooks */
	struct spec_fault_type types[SPEC_MAX_TYPES];
	int n_types;
	enum fault_mix mix;
	struct spec_extension ext[SPEC_MAX_EXT];
	int n_ext;
	unsigned boot_timeout_s, heartbeat_timeout_s, total_timeout_s;
	char *kernel_cmdline;	/* extra options, space separated */
	int jobs;		/* 0: number of cores */
	int retries;		/* infra_error retries per trial */
	enum spec_persistence persistence;	/* "persistence" (default transient) */
	char *canonical;	/* canonical JSON text of the spec (stored) */
	char *hash;		/* 16 hex digits of FNV-1a over canonical */
};

/* Known fault type names (NULL-terminated). */
extern const char *const spec_known_fault_types[];
/* "native" / "nooks" / "domains". */
const char *spec_mode_name(enum spec_mode m);
/* Whether mode m isolates the extension under the NIM (nooks, domains). */
int spec_mode_isolated(enum spec_mode m);
/* The nooks.ko parameters of mode m ("domains=1"), or NULL. */
const char *spec_mode_nim_params(enum spec_mode m);
/* Parse and validate a spec file; one-line error naming the field. */
int spec_load(const char *path, struct campaign_spec *spec /* out */);
/* Same from a string (path used in messages). */
int spec_parse(const char *text, const char *path, struct campaign_spec *spec /* out */);
void spec_release(struct campaign_spec *spec);
/* Whether extension e runs in mode m (campaign and extension modes). */
int spec_ext_runs(const struct campaign_spec *spec, int e, enum spec_mode m);
/* "transient" / "persistent". */
const char *spec_persistence_name(enum spec_persistence p);
/* Override the modes from a list "native,nooks,domains" (recomputes the hash). */
int spec_override_modes(struct campaign_spec *spec, const char *list);

#endif
