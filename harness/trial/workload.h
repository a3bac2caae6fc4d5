/*
 * workload.h - the host side of the guest workloads (/bin/wl-<name>): the
 * name -> program / devices / disks / modules / parameters table that trial
 * manifests and campaign specs refer to, per-trial preparation (a fresh copy
 * of the FAT image) and the post-trial on-disk verdict (fsck.vfat -n).
 *
 * Knows nothing about QEMU or the agent; never writes outside the trial
 * directory it is given (except the cached base FAT image under build/).
 */
#ifndef NOOKS_WORKLOAD_H
#define NOOKS_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>

#define WORKLOAD_NEEDS_NIC	0x1	/* NIC under test + virtio-net peer */
#define WORKLOAD_NEEDS_FAT	0x2	/* fresh FAT image as virtio-blk disk */
#define WORKLOAD_NEEDS_KHTTPD	0x4	/* kmod/khttpd loaded before the run */

#define WORKLOAD_MAX_DEVICES 2

struct workload {
	const char *name;		/* "netdev", "vfat", "khttpd" */
	const char *program;		/* guest program, e.g. "wl-netdev" */
	const char *summary;
	unsigned flags;			/* WORKLOAD_NEEDS_* */
	const char *const *params;	/* accepted --keys, NULL-terminated */
	const char *bench_metrics;	/* metric keys the benchmark prints */
	const char *stock_module;	/* stock module it needs loaded (after the
					 * extension under test), or NULL */
	const char *disk;		/* default disk kind ("vfat"), or NULL */
	const char *phases;		/* its progress phases in order, space-separated
					 * ("start" precedes them all) */
	const char *warmup;		/* the phase after which transient faults go in
					 * by default (docs/CAMPAIGNS.md) */
};

/* Post-trial verdict on the FAT image. */
struct fsck_verdict {
	bool corrupt;		/* fsck.vfat -n found errors beyond the dirty bit */
	bool dirty;		/* the dirty bit was set (mounted, never unmounted) */
	int exit_code;		/* of fsck.vfat */
	char summary[256];	/* its first reported problem, or its last line */
};

/* The table; *n /out/ gets its length. */
const struct workload *workload_table(size_t *n);
/* Whether phase is "start" or one of w's phases. */
bool workload_has_phase(const struct workload *w, const char *phase);
/* Find by name; NULL with an error naming the known workloads. */
const struct workload *workload_find(const char *name);
/* 0 if key (without "--") is a parameter of w, else -1 with an error. */
int workload_param_check(const struct workload *w, const char *key);
/* QEMU device of a NIC name (e1000, pcnet, pcnet32, rtl8139, 8139cp), or NULL; no message. */
const char *workload_nic_device(const char *nic);
/* Map a NIC name (e1000, pcnet, rtl8139) to QEMU devices; -1 if unknown. */
int workload_devices(const struct workload *w, const char *nic,
		     const char *devices[WORKLOAD_MAX_DEVICES] /* out */, int *n /* out */);
/* Path of the base FAT image (malloc'd), built with make-fat-image.sh if missing. */
char *workload_fat_base(void);
/* Copy the base FAT image to dir/fat.img; *disk /out/ its path (malloc'd). */
int workload_prepare(const struct workload *w, const char *dir, char **disk /* out */);
/* True if disk is a disk kind ("vfat", "none") or an image path (has '/' or ends .img). */
bool workload_disk_known(const char *disk);
/* Fresh copy of the disk of kind or path `disk` as dir/fat.img (*out NULL for "none"). */
int workload_disk_prepare(const char *disk, const char *dir, char **out /* out */);
/* Run fsck.vfat -n on img; the verdict /out/. -1 only if fsck cannot run. */
int workload_fsck(const char *img, struct fsck_verdict *v /* out */);

#endif
