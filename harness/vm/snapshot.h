/*
 * snapshot.h - parked guest snapshots: reset a trial by restoring a saved
 * guest instead of booting one.
 *
 * A snapshot is a guest booted with the base initramfs plus /trial/park,
 * whose agent waits for a payload (guest/agent/payload.h) before anything
 * trial-specific happens: no module loaded but the configuration's
 * preloaded image modules (the NIM, with its parameters), no coldplug, no
 * disk probed.
 * Its state (QEMU migration stream: RAM + devices, no disk contents) is
 * saved once per configuration key and restored by every trial with that
 * key; the trial's payload (cpio: manifest + modules) arrives after the
 * restore through a per-trial payload memory file.
 *
 * Cache: <dir>/<key>/{state,initrd.cpio,meta.json,boot-*.log}, where dir is
 * $NOOKS_CACHE/snapshots or <image>/../snapshots.  The key hashes everything
 * the saved guest depends on: vmlinux and initramfs (image.json sha256,
 * size, mtime), the QEMU binary, the kernel command line, memory, CPUs,
 * devices, number of disks, payload size, preloaded modules.  Invariants: (1) an entry appears
 * complete or not at all (built in <key>.tmp-*, renamed under
 * <key>.lock, so concurrent runners create it once); (2) nothing a trial
 * does is written back to an entry; (3) when an image changes, entries of
 * the old image in that cache are removed at the next creation; (4) a
 * failed creation leaves <key>.failed (reason) and is not retried for 10
 * minutes: trials then boot fresh.
 */
#ifndef NOOKS_SNAPSHOT_H
#define NOOKS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct image;
struct vm_spec;

struct snapshot_config {
	const struct image *image;
	const char *append;		/* the whole kernel command line */
	unsigned mem_mb, cpus;		/* 0: QEMU defaults of qemu.c */
	const char *const *devices;
	int n_devices;
	int n_disks;			/* disks attached at restore (contents are the trial's) */
	const char *preload;		/* modules the parked guest loads before parking
					 * (JSON array of {"name", "params"}; the agent
					 * reads it from /trial/park), or NULL */
	const char *cache_dir;		/* NULL: snapshot_default_cache() */
};

struct snapshot {
	char key[17];
	char *dir;			/* the cache entry */
	char *state;			/* saved guest state */
	char *initrd;			/* initrd it was booted with (restores pass the same) */
	bool created;			/* this call created it */
	uint64_t create_ms;		/* time spent creating (0 when found) */
};

/* Cache directory for img (malloc'd). */
char *snapshot_default_cache(const struct image *img);
/*
 * Find the snapshot for cfg or create it (blocking while another runner
 * creates it).  0 with out filled, or -1 with the reason in why (trials then
 * boot fresh; nothing printed).
 */
int snapshot_get(const struct snapshot_config *cfg, struct snapshot *out, char *why, size_t why_len);
/* Fill the QEMU spec parts that must equal the snapshot's (the caller adds the rest). */
void snapshot_vm_spec(const struct snapshot_config *cfg, const struct snapshot *s,
		      struct vm_spec *spec /* out */);
/* Remove an entry that failed to restore (later trials recreate it). */
void snapshot_invalidate(const struct snapshot *s);
void snapshot_release(struct snapshot *s);
/* Create the (sparse) payload memory file; returns an fd or -1 with an error printed. */
int snapshot_payload_create(const char *path);
/* Write the trial cpio into the payload memory, header last; -1 with an error printed. */
int snapshot_payload_write(int fd, const void *cpio, size_t len);

#endif
