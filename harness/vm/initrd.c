/*
 * initrd.c - build the per-trial cpio with libarchive and append it to the
 * base initramfs.  Entries are kept in memory (trial payloads are small: a
 * few modules and a manifest) and written in the order added.
 */
#include "initrd.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct rd_entry {
	char *path;
	char *data;	/* NULL for a directory */
	size_t len;
	unsigned mode;
};

struct initrd {
	struct rd_entry *e;
	int n, cap;
};

struct initrd *initrd_new(void)
{
	return xcalloc(1, sizeof(struct initrd));
}

void initrd_free(struct initrd *rd)
{
	int i;

	if (!rd)
		return;
	for (i = 0; i < rd->n; i++) {
		free(rd->e[i].path);
		free(rd->e[i].data);
	}
	free(rd->e);
	free(rd);
}

static struct rd_entry *add(struct initrd *rd, const char *path)
{
	if (rd->n == rd->cap) {
		rd->cap = rd->cap ? rd->cap * 2 : 8;
		rd->e = xrealloc(rd->e, rd->cap * sizeof(*rd->e));
	}
	memset(&rd->e[rd->n], 0, sizeof(rd->e[0]));
	rd->e[rd->n].path = xstrdup(path[0] == '/' ? path + 1 : path);
	return &rd->e[rd->n++];
}

void initrd_add_dir(struct initrd *rd, const char *guest_path)
{
	add(rd, guest_path)->mode = S_IFDIR | 0755;
}

void initrd_add_data(struct initrd *rd, const char *guest_path,
		     const void *data, size_t len, unsigned mode)
{
	struct rd_entry *e = add(rd, guest_path);

	e->data = xmalloc(len + 1);
	memcpy(e->data, data, len);
	e->len = len;
	e->mode = S_IFREG | (mode & 07777);
}

int initrd_add_file(struct initrd *rd, const char *guest_path,
		    const char *host_path, unsigned mode)
{
	size_t len;
	char *buf = read_file(host_path, &len);

	if (!buf)
		return -1;
	initrd_add_data(rd, guest_path, buf, len, mode);
	free(buf);
	return 0;
}

static int copy_base(const char *base, int out_fd, const char *out_path)
{
	char buf[1 << 16];
	ssize_t r;
	int fd = open(base, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_errno("cannot open base initramfs '%s'", base);
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (write(out_fd, buf, (size_t)r) != r) {
			close(fd);
			return error_errno("cannot write '%s'", out_path);
		}
	}
	close(fd);
	if (r < 0)
		return error_errno("cannot read '%s'", base);
	return 0;
}

static int write_entries(const struct initrd *rd, int fd, const char *out_path)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ent = archive_entry_new();
	int i, ret = -1;

	archive_write_set_format_cpio_newc(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		error("cannot write cpio to '%s': %s", out_path, archive_error_string(a));
		goto out;
	}
	for (i = 0; i < rd->n; i++) {
		const struct rd_entry *e = &rd->e[i];

		archive_entry_clear(ent);
		archive_entry_set_pathname(ent, e->path);
		archive_entry_set_mode(ent, e->mode);
		archive_entry_set_size(ent, e->data ? (la_int64_t)e->len : 0);
		archive_entry_set_ino(ent, i + 1);
		archive_entry_set_nlink(ent, e->data ? 1 : 2);
		if (archive_write_header(a, ent) != ARCHIVE_OK ||
		    (e->data && archive_write_data(a, e->data, e->len) != (la_ssize_t)e->len)) {
			error("cannot write cpio entry '%s' to '%s': %s", e->path,
			      out_path, archive_error_string(a));
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		error("cannot finish cpio '%s': %s", out_path, archive_error_string(a));
		goto out;
	}
	ret = 0;
out:
	archive_entry_free(ent);
	archive_write_free(a);
	return ret;
}

int initrd_write(const struct initrd *rd, const char *base, const char *out_path)
{
	int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret;

	if (fd < 0)
		return error_errno("cannot create '%s'", out_path);
	ret = base ? copy_base(base, fd, out_path) : 0;
	if (!ret)
		ret = write_entries(rd, fd, out_path);
	if (close(fd) < 0 && !ret)
		ret = error_errno("cannot write '%s'", out_path);
	if (ret)
		unlink(out_path);
	return ret;
}
