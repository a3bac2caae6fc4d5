/*
 * initrd.h - per-trial initramfs: a small newc cpio (libarchive) appended to
 * the base initramfs.  Linux unpacks concatenated archives in order, so the
 * trial's files land on top of the base image without rebuilding it.
 */
#ifndef NOOKS_INITRD_H
#define NOOKS_INITRD_H

#include <stddef.h>

struct initrd;

struct initrd *initrd_new(void);
void initrd_free(struct initrd *rd);
/* Add a directory (parents are not implied: add them first). */
void initrd_add_dir(struct initrd *rd, const char *guest_path);
/* Add a file with the given contents (copied). */
void initrd_add_data(struct initrd *rd, const char *guest_path,
		     const void *data, size_t len, unsigned mode);
/* Add a host file; -1 with an error printed if it cannot be read. */
int initrd_add_file(struct initrd *rd, const char *guest_path,
		    const char *host_path, unsigned mode);
/* Write base (may be NULL) followed by the trial archive to out_path. */
int initrd_write(const struct initrd *rd, const char *base, const char *out_path);

#endif
